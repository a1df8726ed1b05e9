#include "buf.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

int tfy__buf_reserve(tfy__buf *b, size_t n)
{
	if (n < b->cap - b->len)
		return 0;
	if (n > ((size_t)-1) / 2 - b->len)
		return -1;
	size_t want = b->len + n + 1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	char *p = tfy__realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int tfy__buf_append(tfy__buf *b, const void *p, size_t n)
{
	if (tfy__buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

char *tfy__buf_detach(tfy__buf *b)
{
	char *p = b->data;
	if (!p)
		p = tfy__calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void tfy__buf_clear(tfy__buf *b)
{
	tfy__free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
