/*
 * Request building and argument checks shared by every endpoint: everything
 * is validated here, before the transport sees it.  Internal to libtfy.
 */
#ifndef TFY_REQUEST_BUILD_H
#define TFY_REQUEST_BUILD_H

#include <stddef.h>

#include "options.h"
#include "tfy/common.h"

struct tfy__buf;
struct tfy__upload;
struct tfy__sink;

/*
 * Which failed attempts of a request may be repeated; tfy__attempt_verdict
 * (retry.h) is the rule for both kinds.  A request that is not safe to
 * repeat (creating a batch, uploading a file) is only sent again when it
 * certainly did nothing: it never reached the server, or the answer was
 * 408, 429 or 503, or said x-should-retry: true.  A 4xx refusal is final;
 * every other failure after it went out leaves the outcome open, and the
 * call fails with TFY_ERROR_OUTCOME_UNKNOWN.
 */
enum {
	TFY__REPEAT_SAFE = 0,  /* GET, DELETE, a cancel: every retryable failure */
	TFY__REPEAT_UNSENT = 1 /* POST that creates something */
};

typedef struct tfy__request {
	const char *method; /* "GET", "POST", ...: static text */
	char *url;          /* base URL + path + query */
	char **headers;     /* "Name: value" lines, in sending order */
	size_t count;
	/*
	 * headers[0..safe_count) are the library's own non-secret headers, which
	 * may follow a redirect to another origin; the key header and the
	 * caller's headers come after them and never do.
	 */
	size_t safe_count;
	const char *body; /* borrowed from the endpoint; NULL: none */
	size_t body_len;
	int repeat;         /* TFY__REPEAT_* */
	const char *effect; /* static: why an ambiguous failure is not repeated; NULL: a generic text */
	const struct tfy__upload *upload; /* set by the endpoint after building; borrowed */
	const struct tfy__sink *sink;     /* likewise */
} tfy__request;

/* Where requests go and how they authenticate: the client's fixed part. */
typedef struct tfy__target {
	const char *base_url; /* normalised, without "/batches" */
	/*
	 * The static key; NULL for a client with a credential callback, whose
	 * requests are built without the key's line: the call path inserts one
	 * (tfy__request_key_line) at safe_count for each attempt.
	 */
	const char *api_key;
	const char *auth_header; /* NULL: "Authorization: Bearer <key>" */
} tfy__target;

/*
 * What one request adds to the call's options: its method, path under the
 * base URL, its own query parameters and its body (endpoint.h makes it from
 * an endpoint and a call's arguments).
 */
typedef struct tfy__request_spec {
	const char *method;    /* static text */
	const char *path;      /* e.g. "/batches", already percent-encoded */
	const tfy_pair *query; /* sent after the options' query parameters, encoded here */
	size_t query_count;
	const char *body; /* borrowed for the call; NULL: none */
	size_t body_len;
	const char *content_type; /* the body's (a library header); NULL: none */
	int repeat;               /* TFY__REPEAT_* */
	/*
	 * TFY__REPEAT_UNSENT: static text ending the message of an ambiguous
	 * failure, e.g. "not repeated, since a file may have been uploaded";
	 * NULL: "not repeated, since it may have taken effect".
	 */
	const char *effect;
} tfy__request_spec;

/*
 * The one rule for every id a caller gives (batch ids, file ids,
 * input_file_id, the list's `after` cursor): not NULL or empty, UTF-8,
 * no control character (C0, DEL, C1), and not "." or ".." (which a URL
 * reads as a step up its path, so another endpoint would be called).
 * Anything else, a blank or a "/" included, is valid: paths and queries
 * carry it percent-encoded, JSON bodies escaped.  TFY_OK, or
 * TFY_ERROR_INVALID_ARGUMENT naming `what` with *err set.
 */
tfy_code tfy__id_check(const char *id, const char *what, tfy_error **err);

/*
 * Appends collection ("/batches", "/files"), "/", the id percent-encoded,
 * then suffix (NULL: none, e.g. "/cancel") to a path being built; refuses
 * an id that breaks tfy__id_check's rule.  TFY_OK, or the error with *err
 * set.
 */
tfy_code tfy__resource_path(struct tfy__buf *path, const char *collection, const char *id,
                            const char *what, const char *suffix, tfy_error **err);

/*
 * Builds one request: checks every header and query parameter of the call's
 * options over the client's defaults, and writes the URL and header lines.
 * Returns TFY_OK, or TFY_ERROR_INVALID_ARGUMENT / TFY_ERROR_OUT_OF_MEMORY
 * with *err set (err may be NULL).  On failure req is left empty.
 */
tfy_code tfy__request_build(const tfy__target *target, const tfy__options_pair *opts,
                            const tfy__request_spec *spec, tfy__request *req, tfy_error **err);

void tfy__request_clear(tfy__request *req);

/* "Authorization: Bearer <key>", or "<auth_header>: <key>"; NULL on OOM.  Free with tfy__secret_free. */
char *tfy__request_key_line(const tfy__target *target, const char *key);

/*
 * 1 when s can be a header value: not empty or all blanks (libcurl would
 * drop the header), and no byte that could end or split a header line
 * (CR, LF, other controls).
 */
int tfy__header_value_ok(const char *s);

/* Appends s to b with every byte but RFC 3986's unreserved ones percent-encoded; -1 on OOM. */
int tfy__append_escaped(struct tfy__buf *b, const char *s);

/* 1 when s is a non-empty HTTP token (RFC 9110 tchar). */
int tfy__header_name_ok(const char *s);

/*
 * Checks and normalises a base URL: http or https, a host, no user name or
 * password, no control characters, space, query or fragment.  Returns a new string without
 * trailing slashes, or NULL with *why set to a static reason (or to NULL
 * when memory ran out).
 */
char *tfy__base_url_normalise(const char *url, const char **why);

#endif
