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

/*
 * Like tfy__error_new, handing the error to *out when out is not NULL.
 * Returns code; when the error cannot be allocated, *out is the static
 * out-of-memory error and TFY_ERROR_OUT_OF_MEMORY is returned.
 */
tfy_code tfy__error_set(tfy_error **out, tfy_code code, const char *fmt, ...) TFY__PRINTF(3, 4);

/*
 * A NUL-terminated copy of the n bytes at s, each NUL byte in them replaced
 * by SUB (0x1A): text from a server must not be cut short silently, and as
 * a control character it becomes U+FFFD when an error is finished.  NULL on
 * OOM.
 */
char *tfy__text_dup(const char *s, size_t n);

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
 * The secrets of a client and a call (the API key, each key a credential
 * callback gave during the call, proxy credentials in every form they are
 * sent, a key's passphrase): a NULL-terminated list, or NULL for none;
 * empty strings in it are skipped.  Their order does not matter.
 */
typedef const char *const *tfy__secrets;

/*
 * A run of at least this many leading characters of a secret is masked
 * wherever it appears (a secret shorter than this, where it appears
 * whole): an echo of the key cut short by a server is still the key.
 */
#define TFY__SECRET_RUN_MIN 8

/*
 * The length of the masked run that s[0..n) starts with: the longest k such
 * that s[0..k) is secret[0..k) for one of the secrets, k >= TFY__SECRET_RUN_MIN
 * or k the whole secret; 0 when there is none.
 */
size_t tfy__secret_run_at(const char *s, size_t n, tfy__secrets secrets);

/*
 * Writes s with every masked run (tfy__secret_run_at, longest first, left to
 * right) replaced by "[REDACTED]" into out, cut to size bytes with its NUL as
 * snprintf does (out may be NULL when size is 0).  Returns the length of the
 * whole result; *hits (when not NULL) is increased by the runs masked.
 */
size_t tfy__mask_secrets(const char *s, tfy__secrets secrets, char *out, size_t size,
                         size_t *hits);

/*
 * Readies an error for the caller: in every string, every run of a secret
 * is masked first (tfy__mask_secrets), then the field is cut to its bound
 * (a beginning of a secret of 4 bytes or more left at the end by the cut is
 * masked too), then cleaned to valid UTF-8 without control characters.
 * Returns 0 or -1 on OOM.  The static out-of-memory error is left alone.
 */
int tfy__error_finish(tfy_error *e, tfy__secrets secrets);

/* Longest request id handed to the caller, in bytes. */
#define TFY__REQUEST_ID_MAX 256

/*
 * The steps of tfy__error_finish for one string field (*slot, owned,
 * replaced): mask the secrets, cut to max bytes, clean (line feeds kept
 * when allow_lf).  Returns 0 or -1 on OOM.
 */
int tfy__text_finish(const char **slot, size_t max, int allow_lf, tfy__secrets secrets);

/* The length of the longest end of s[0..n) that is a beginning of a secret, from min bytes; 0 if none. */
size_t tfy__secret_prefix_at_end(const char *s, size_t n, tfy__secrets secrets, size_t min);

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
