/*
 * Building tfy_error values.  Internal to libtfy.
 */
#ifndef TFY_ERROR_INTERNAL_H
#define TFY_ERROR_INTERNAL_H

#include <stddef.h>

#include "tfy/error.h"

#if defined(__GNUC__) || defined(__clang__)
#define TFY__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TFY__PRINTF(f, a)
#endif

/*
 * A new error whose message is formatted from fmt; NULL when memory runs
 * out.  The message must never be formatted from a header value or the key.
 */
tfy_error *tfy__error_new(tfy_code code, const char *fmt, ...) TFY__PRINTF(2, 3);

/* Like tfy__error_new, handing the error to *out when out is not NULL.  Returns code. */
tfy_code tfy__error_set(tfy_error **out, tfy_code code, const char *fmt, ...) TFY__PRINTF(3, 4);

/*
 * Stores a copy of the first n bytes of s in *slot (a field of a tfy_error),
 * replacing what was there; NULL s clears it.  Returns 0 or -1 on OOM.
 */
int tfy__error_put(const char **slot, const char *s, size_t n);

/* Replaces the message with a newly formatted one; returns 0 or -1 on OOM. */
int tfy__error_reformat(tfy_error *e, const char *fmt, ...) TFY__PRINTF(2, 3);

/*
 * Stores a bounded prefix of a response body in e->body, cut on a UTF-8
 * character boundary.  Returns 0 or -1 on OOM.
 */
int tfy__error_put_body(tfy_error *e, const char *body, size_t len);

/*
 * Replaces every occurrence of secret in every string of e, so a server that
 * echoes the API key back cannot make it reach the caller's logs.  Secrets
 * shorter than 8 bytes are left alone (they are placeholders, not keys).
 */
int tfy__error_redact(tfy_error *e, const char *secret);

/* The code that an HTTP status maps to (TFY_OK for 2xx). */
tfy_code tfy__code_for_status(long status);

#endif
