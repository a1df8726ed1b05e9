/*
 * A bump allocator: everything decoded from one page lives in one arena and
 * is released at once, so freeing a list is one walk over a few chunks
 * however many strings it holds.  Internal to libtfy.
 */
#ifndef TFY_ARENA_H
#define TFY_ARENA_H

#include <stddef.h>

typedef struct tfy__arena tfy__arena;

/* A new arena whose first chunk holds about size_hint bytes; NULL on OOM. */
tfy__arena *tfy__arena_new(size_t size_hint);
/* n zeroed bytes aligned for any type; NULL on OOM. */
void *tfy__arena_alloc(tfy__arena *a, size_t n);
/* A NUL-terminated copy of the first n bytes of s; NULL on OOM. */
char *tfy__arena_strndup(tfy__arena *a, const char *s, size_t n);
void tfy__arena_free(tfy__arena *a);

#endif
