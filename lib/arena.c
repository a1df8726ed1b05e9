#include "arena.h"

#include "alloc.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_CHUNK 4096u

typedef struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	alignas(max_align_t) unsigned char data[];
} chunk;

struct tfy__arena {
	chunk *head;
};

static chunk *chunk_new(size_t size)
{
	if (size > ((size_t)-1) - sizeof(chunk))
		return NULL;
	chunk *c = tfy__malloc(sizeof(chunk) + size);
	if (!c)
		return NULL;
	c->next = NULL;
	c->used = 0;
	c->size = size;
	return c;
}

tfy__arena *tfy__arena_new(size_t size_hint)
{
	tfy__arena *a = tfy__malloc(sizeof(*a));
	if (!a)
		return NULL;
	a->head = chunk_new(size_hint > ARENA_MIN_CHUNK ? size_hint : ARENA_MIN_CHUNK);
	if (!a->head) {
		tfy__free(a);
		return NULL;
	}
	return a;
}

/* n bytes aligned to align (a power of two), not cleared; NULL on OOM. */
static void *bump(tfy__arena *a, size_t n, size_t align)
{
	if (n > ((size_t)-1) - align)
		return NULL;
	chunk *c = a->head;
	size_t at = (c->used + align - 1) & ~(align - 1);
	if (at > c->size || c->size - at < n) {
		/* Doubling keeps the chunk count logarithmic in the page size. */
		size_t size = c->size * 2;
		if (size < n)
			size = n;
		chunk *fresh = chunk_new(size);
		if (!fresh)
			return NULL;
		fresh->next = c;
		a->head = c = fresh;
		at = 0;
	}
	c->used = at + n;
	return c->data + at;
}

void *tfy__arena_alloc(tfy__arena *a, size_t n)
{
	void *p = bump(a, n, alignof(max_align_t));
	if (p)
		memset(p, 0, n);
	return p;
}

/* Strings need no alignment and no clearing: they are copied over at once. */
char *tfy__arena_strndup(tfy__arena *a, const char *s, size_t n)
{
	if (n == (size_t)-1)
		return NULL;
	char *p = bump(a, n + 1, 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void tfy__arena_free(tfy__arena *a)
{
	if (!a)
		return;
	chunk *c = a->head;
	while (c) {
		chunk *next = c->next;
		tfy__free(c);
		c = next;
	}
	tfy__free(a);
}
