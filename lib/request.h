/*
 * Request building and argument checks for List batches: everything is
 * validated here, before the transport sees it.  Internal to libtfy.
 */
#ifndef TFY_REQUEST_H
#define TFY_REQUEST_H

#include <stddef.h>

#include "tfy/batches.h"

typedef struct tfy__request {
	char *url;        /* base URL + "/batches" + query */
	char **headers;   /* "Name: value" lines, in sending order */
	size_t count;
} tfy__request;

/* Where requests go and how they authenticate: the client's fixed part. */
typedef struct tfy__target {
	const char *base_url;    /* normalised, without "/batches" */
	const char *api_key;
	const char *auth_header; /* NULL: "Authorization: Bearer <key>" */
	const char *query;       /* pre-encoded "a=b&c=d" for every request, or NULL */
} tfy__target;

/*
 * Builds the request for one page.  Returns TFY_OK, or TFY_ERROR_INVALID_ARGUMENT
 * / TFY_ERROR_OUT_OF_MEMORY with *err set as tfy__error_set does.  On failure
 * req is left empty.
 */
tfy_code tfy__request_build(const tfy__target *target, const tfy_batches_list_options *opts,
                            tfy__request *req, tfy_error **err);

/*
 * Percent-encodes query parameters into "a=b&c=d" (a new string; "" for
 * none).  Returns NULL with *why set to a static reason (NULL when memory ran
 * out) for a NULL or empty name or a NULL value.
 */
char *tfy__query_encode(const tfy_pair *params, size_t count, const char **why);

void tfy__request_clear(tfy__request *req);

/* 1 when s holds no byte that could end or split a header line (CR, LF, other controls). */
int tfy__header_value_ok(const char *s);

/* 1 when s is a non-empty HTTP token (RFC 9110 tchar). */
int tfy__header_name_ok(const char *s);

/*
 * Checks and normalises a base URL: http or https, a host, no control
 * characters, space, query or fragment.  Returns a new string without
 * trailing slashes, or NULL with *why set to a static reason (or to NULL
 * when memory ran out).
 */
char *tfy__base_url_normalise(const char *url, const char **why);

#endif
