/*
 * UTF-8: the one decoder of lib/, for checking the caller's text, scanning
 * JSON, cleaning server text for an error and escaping a log line.  It
 * takes exactly what jansson and RFC 3629 take: no overlong form, no
 * UTF-16 surrogate, nothing past U+10FFFF, no sequence cut short.
 * tfy-batches compiles this unit too (it cannot reach the library's
 * internal symbols), so it depends on nothing but the C library.
 * Internal to libtfy.
 */
#ifndef TFY_UTF8_H
#define TFY_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence at p, which has
 * avail bytes (at least 1), with its code point in *cp when cp is not
 * NULL; 0 when p does not start one.
 */
size_t tfy__utf8_decode(const char *p, size_t avail, uint32_t *cp);

/* Writes code point v (at most U+10FFFF, no surrogate) as UTF-8 into out; returns its length. */
size_t tfy__utf8_encode(uint32_t v, char out[4]);

/* 1 when the NUL-terminated s is well-formed UTF-8. */
int tfy__utf8_ok(const char *s);

/* Characters (code points) in the n bytes of well-formed UTF-8 at s. */
size_t tfy__utf8_chars(const char *s, size_t n);

/*
 * How many of the len bytes of UTF-8 at s to keep to cut them to at most
 * max bytes: len when it fits, else max backed off to the start of a
 * character, so a cut never splits one.
 */
size_t tfy__utf8_cut(const char *s, size_t len, size_t max);

#endif
