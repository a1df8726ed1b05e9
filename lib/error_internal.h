/*
 * Building tfy_error values.  Internal to libtfy.
 */
#ifndef TFY_ERROR_INTERNAL_H
#define TFY_ERROR_INTERNAL_H

#include <stddef.h>

#include "mask.h"
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

/*
 * Like tfy__error_new, handing the error to *out when out is not NULL.
 * Returns code; when the error cannot be allocated, *out is the static
 * out-of-memory error and TFY_ERROR_OUT_OF_MEMORY is returned.
 */
tfy_code tfy__error_set(tfy_error **out, tfy_code code, const char *fmt, ...) TFY__PRINTF(3, 4);

/*
 * Stores a copy (tfy__text_dup) of the first n bytes of s in *slot (a field of a tfy_error),
 * replacing what was there; NULL s clears it.  Returns 0 or -1 on OOM.
 */
int tfy__error_put(const char **slot, const char *s, size_t n);

/* Replaces the message with a newly formatted one; returns 0 or -1 on OOM. */
int tfy__error_reformat(tfy_error *e, const char *fmt, ...) TFY__PRINTF(2, 3);

/* Bytes of server text a field holds before tfy__error_finish() cuts it. */
#define TFY__ERROR_RAW_MAX 16384

/*
 * Stores a bounded prefix of a response body in e->body (the cut to
 * TFY_ERROR_BODY_MAX comes in tfy__error_finish).  Returns 0 or -1 on OOM.
 */
int tfy__error_put_body(tfy_error *e, const char *body, size_t len);

/*
 * Readies an error for the caller: every string field goes through
 * tfy__text_finish (mask.h), which masks the secrets, cuts the field to its
 * bound and cleans it to valid UTF-8 without control characters.  Returns
 * 0 or -1 on OOM.  The static out-of-memory error is left alone.
 */
int tfy__error_finish(tfy_error *e, tfy__secrets secrets);

/* Longest request id handed to the caller, in bytes. */
#define TFY__REQUEST_ID_MAX 256

/*
 * The public face of a decoder's result: for TFY_OK (or err NULL) nothing;
 * else a new error in *err, message "<strerror>: <detail>" and detail
 * `detail`.  Returns rc, or TFY_ERROR_OUT_OF_MEMORY when the error cannot
 * be built.
 */
tfy_code tfy__decode_error(tfy_code rc, const char *detail, tfy_error **err);

/*
 * Gives e a copy of a response's kept headers (finished already: see
 * headers.h), replacing any it had; NULL headers clears them.  Returns 0 or
 * -1 on OOM.
 */
struct tfy__headers;
int tfy__error_put_headers(tfy_error *e, const struct tfy__headers *headers);

/* The static error handed out when an error cannot be allocated. */
tfy_error *tfy__error_out_of_memory(void);

/* The code that an HTTP status maps to (TFY_OK for 2xx). */
tfy_code tfy__code_for_status(long status);

#endif
