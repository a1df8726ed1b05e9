/*
 * Kept response headers: the few a caller may read back by name from a
 * result or an error (tfy_batch_page_header, tfy_error_header,
 * tfy_batch_header).  The transport adds the ones it is asked to keep as
 * they arrive; the call path finishes them once (key masked, values cut,
 * control characters cleaned) and every result or error of the response
 * gets its own copy.  Internal to libtfy.
 */
#ifndef TFY_HEADERS_H
#define TFY_HEADERS_H

#include <stddef.h>

#include "mask.h"

/* At most this many headers of one response are kept; later ones are dropped. */
#define TFY__HEADERS_MAX 64
/* ... and at most this many bytes of names and values as received (cleaning may triple it). */
#define TFY__HEADERS_BYTES_MAX (64 * 1024)
/* Longest name kept (longer ones are dropped), in bytes. */
#define TFY__HEADER_NAME_MAX 256
/* Longest value shown, in bytes (the transport keeps 8 KiB; the key is masked before this cut). */
#define TFY__HEADER_VALUE_MAX 8192

typedef struct tfy__headers tfy__headers;

/* Which headers a response is read for: the default set plus the client's extra names. */
typedef struct tfy__keep {
	const char *const *names; /* exact names, compared without case */
	size_t count;
} tfy__keep;

/*
 * 1 when a header named name (len bytes, no NUL needed) is kept: x-request-id,
 * retry-after, retry-after-ms, server-timing, x-ratelimit-*, x-tfy-*, or one
 * of keep's names (keep may be NULL).
 */
int tfy__headers_wanted(const tfy__keep *keep, const char *name, size_t len);

/*
 * Adds a header to *h (created on first use), its name stored in lower
 * case; a repeated name replaces the earlier value.  A header past the
 * bounds above is dropped.  Returns 0, or -1 when memory ran out.
 */
int tfy__headers_add(tfy__headers **h, const char *name, size_t name_len, const char *value,
                     size_t value_len);

/*
 * Readies every value for the caller as a request id is readied: the
 * secrets masked, cut to TFY__HEADER_VALUE_MAX, control characters cleaned.
 * h may be NULL.  Returns 0 or -1 on OOM.
 */
int tfy__headers_finish(tfy__headers *h, tfy__secrets secrets);

/*
 * A copy for a result or an error to own: 0 with *out set (NULL when h is
 * NULL or empty), or -1 on OOM.
 */
int tfy__headers_dup(const tfy__headers *h, tfy__headers **out);

/* The value of a kept header, name compared without case; NULL when absent or h is NULL. */
const char *tfy__headers_get(const tfy__headers *h, const char *name);

size_t tfy__headers_count(const tfy__headers *h);

void tfy__headers_free(tfy__headers *h);

#endif
