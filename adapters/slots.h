/*
 * What libtfy's libuv and libevent adapters keep per socket: a table
 * indexed by the descriptor, grown on demand.  Header only, included by
 * <tfy/adapters/libuv.h> and <tfy/adapters/libevent.h> (copy it with them).
 * MIT licence, as libtfy.
 */
#ifndef TFY_ADAPTERS_SLOTS_H
#define TFY_ADAPTERS_SLOTS_H

#include <stddef.h>
#include <stdlib.h>

/** One pointer per descriptor, NULL where nothing is kept. */
typedef struct tfy_adapter_slots {
	void **at; /* at[fd] */
	size_t n;  /* entries of at */
} tfy_adapter_slots;

/**
 * The slot of fd: NULL when fd is negative, or is past the table and grow
 * is 0, or the table could not grow.
 */
static inline void **tfy_adapter_slot(tfy_adapter_slots *s, int fd, int grow)
{
	size_t want, i;
	void **at;
	if (fd < 0)
		return NULL;
	if ((size_t)fd < s->n)
		return &s->at[fd];
	if (!grow)
		return NULL;
	want = s->n ? s->n : 64;
	while (want <= (size_t)fd)
		want *= 2;
	at = (void **)realloc(s->at, want * sizeof *at);
	if (!at)
		return NULL;
	for (i = s->n; i < want; i++)
		at[i] = NULL;
	s->at = at;
	s->n = want;
	return &s->at[fd];
}

/** Frees the table (not what it points to). */
static inline void tfy_adapter_slots_free(tfy_adapter_slots *s)
{
	free(s->at);
	s->at = NULL;
	s->n = 0;
}

#endif
