/*
 * A growable byte buffer, always NUL-terminated, for response bodies and
 * text built up piece by piece.  Internal to libtfy.
 */
#ifndef TFY_BUF_H
#define TFY_BUF_H

#include <stddef.h>

typedef struct tfy__buf {
	char *data; /* NUL-terminated when not NULL */
	size_t len;
	size_t cap;
} tfy__buf;

/* clang-format off */
#define TFY__BUF_INIT { NULL, 0, 0 }
/* clang-format on */

/* Appends n bytes; returns 0, or -1 when memory runs out (buffer unchanged). */
int tfy__buf_append(tfy__buf *b, const void *p, size_t n);
/* Makes room for at least n more bytes without changing the contents. */
int tfy__buf_reserve(tfy__buf *b, size_t n);
/* Hands the data to the caller (who frees it) and empties the buffer. */
char *tfy__buf_detach(tfy__buf *b);
void tfy__buf_clear(tfy__buf *b);

#endif
