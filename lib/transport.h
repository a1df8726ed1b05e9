/*
 * The HTTP transport: the only part of libtfy that includes curl.  It keeps
 * a pool of handles so that concurrent calls each get their own and every
 * handle keeps its connection alive between calls.  Each transfer is driven
 * through libcurl's multi interface in short polls, so that cancellation and
 * the stall detector act within a fraction of a second.  Internal.
 */
#ifndef TFY_TRANSPORT_H
#define TFY_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "headers.h"
#include "tfy/common.h"

typedef struct tfy__transport tfy__transport;

#define TFY__MAX_REDIRECTS 5

/* Reports of a transfer's progress come at most this often (and the caller adds a last one). */
#define TFY__PROGRESS_MS 100

/*
 * Told how many bytes of the upload's reader or into the sink this attempt
 * moved so far, from the read or write callback, at most every
 * TFY__PROGRESS_MS: done, and total, what the request or the response says
 * of the size (the upload's size, the response's Content-Length), -1 when
 * nothing.  A non-zero return stops the transfer as the cancel callback
 * does (TFY_ERROR_CANCELLED).
 */
typedef struct tfy__progress {
	int32_t (*report)(void *userdata, int64_t done, int64_t total);
	void *userdata;
} tfy__progress;

/*
 * A multipart/form-data body (a file upload) streamed from a reader: the
 * text fields, then one file part.  Never held in memory whole.
 */
typedef struct tfy__upload {
	const tfy_pair *fields; /* text parts sent first, e.g. purpose=batch */
	size_t fields_count;
	const char *file_field;   /* the file part's name, e.g. "file" */
	const char *filename;     /* its filename parameter */
	const char *content_type; /* its Content-Type, e.g. "application/jsonl" */
	tfy_read_fn read;         /* the file's bytes */
	void *userdata;
	int64_t size;                  /* bytes read will give, or -1 when unknown (sent chunked) */
	int (*rewind)(void *userdata); /* back to the first byte (0) or -1; NULL: cannot */
	const tfy__progress *progress; /* NULL: none */
} tfy__upload;

/* Where a 2xx body goes as it arrives, instead of into the response (a download). */
typedef struct tfy__sink {
	tfy_write_fn write;
	void *userdata;
	int (*rewind)(void *userdata); /* drops what was written (0) or -1; NULL: cannot */
	/*
	 * > 0: the most bytes the sink takes, counted after content decoding (a
	 * small gzip body can inflate to gigabytes); a body that would pass it
	 * ends the transfer with TFY_ERROR_RESPONSE_TOO_LARGE before the write
	 * that would.  0: no cap.
	 */
	int64_t limit;
	const tfy__progress *progress; /* NULL: none */
} tfy__sink;

/*
 * A client's proxy and client certificate settings, the same for all its
 * requests (tfy_client_options fields of the same names).  Every request
 * is made with TLS 1.2 or later, whatever these say.
 */
typedef struct tfy__network {
	char *proxy;               /* NULL: the environment's, unless ignore_proxy_env */
	char *no_proxy;            /* NULL: NO_PROXY, unless ignore_proxy_env */
	char *proxy_credentials;   /* "user:password", a secret; NULL: none */
	int ignore_proxy_env;      /* proxy_env == TFY_NONE */
	char *client_cert;         /* PEM file; NULL: none */
	char *client_key;          /* PEM file; NULL: in client_cert */
	char *client_key_password; /* a secret; NULL: none */
} tfy__network;

typedef struct tfy__http_request {
	const char *method; /* "GET" (NULL too), "POST" or "DELETE" */
	const char *body;   /* sent as is when not NULL (its Content-Type is among headers) */
	size_t body_len;
	const tfy__upload *upload; /* a streamed multipart body; NULL: none */
	const tfy__sink *sink;     /* NULL: a 2xx body is kept in the response, up to max_body */
	const char *url;
	const char *const *headers; /* "Name: value" lines */
	size_t headers_count;
	/*
	 * headers[0..safe_headers_count) may go to another origin when a redirect
	 * leads there; the rest (the key's header, whatever its name, and every
	 * caller-supplied header) are only sent to the original scheme, host and
	 * port.  0, the safe default, sends nothing of the caller's elsewhere.
	 */
	size_t safe_headers_count;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int64_t stall_timeout_ms; /* no byte arrived on the connection for this long: TFY_ERROR_TIMEOUT */
	int tls_insecure;
	int follow_redirects; /* GET only: at most TFY__MAX_REDIRECTS, followed here, not by libcurl */
	const char *ca_file; /* NULL: libcurl's default */
	const char *ca_path;
	size_t max_body;           /* larger bodies fail with TFY_ERROR_RESPONSE_TOO_LARGE */
	int32_t (*cancel)(void *); /* may be NULL; non-zero aborts with TFY_ERROR_CANCELLED */
	void *cancel_userdata;
	int64_t deadline;            /* monotonic ms (tfy__now_ms) at which to give up; 0: none */
	const tfy__network *network; /* proxy and client certificate; NULL: none */
	/*
	 * 1: sent on a new connection, never on a kept-alive one.  When a reused
	 * connection closes with no answer, libcurl sends the request again by
	 * itself on a new one, unseen by the retry rules: harmless for a GET,
	 * a second batch or file for a request that creates one.
	 */
	int fresh_connection;
	const tfy__keep *keep; /* extra response headers to keep (headers.h); may be NULL */
} tfy__http_request;

typedef struct tfy__http_response {
	long status;
	char *body; /* NUL-terminated, owned; never NULL after a transfer */
	size_t body_len;
	char *request_id;     /* x-request-id, or NULL */
	char *retry_after;    /* Retry-After, or NULL */
	char *retry_after_ms; /* retry-after-ms, or NULL */
	char *should_retry;   /* x-should-retry, or NULL */
	int64_t sunk;         /* bytes given to the request's sink */
	int64_t uploaded; /* bytes taken from the upload's reader (0: it can be sent again as is) */
	/*
	 * Set on failure too: 1 when the request went out (its headers at
	 * least), so a server may have acted on it; 0 when it certainly did not
	 * (no connection, no name, cancelled before sending).
	 */
	int sent;
	tfy__headers *headers; /* the kept headers (tfy__headers_wanted), raw; NULL when none */
} tfy__http_response;

/*
 * NULL when memory runs out or libcurl cannot be initialised.  A transport
 * used in a forked child never reuses a connection made before the fork:
 * on its first use there it sets the inherited ones aside, untouched.
 */
tfy__transport *tfy__transport_new(void);
void tfy__transport_free(tfy__transport *t);

/*
 * Performs one request.  Any complete HTTP response, whatever its status, is
 * TFY_OK with resp filled.  Otherwise a transport code is returned, resp is
 * empty but for sent and sunk, and detail holds libcurl's description
 * (TFY_ERROR_IO when the upload's reader or the sink failed).
 */
tfy_code tfy__transport_send(tfy__transport *t, const tfy__http_request *req,
                             tfy__http_response *resp, char *detail, size_t detail_size);

/*
 * The same request in two steps, so that a request can be on its way while the
 * caller does other work (the iterator's prefetch).  start sends the request
 * when the connection is already open and returns at once; finish waits for
 * the answer exactly as tfy__transport_send would and frees the flight;
 * abandon drops it (closing its connection).
 */
typedef struct tfy__flight tfy__flight;
tfy_code tfy__transport_start(tfy__transport *t, const tfy__http_request *req, tfy__flight **out,
                              char *detail, size_t detail_size);
tfy_code tfy__transport_finish(tfy__flight *f, tfy__http_response *resp, char *detail,
                               size_t detail_size);
void tfy__transport_abandon(tfy__flight *f);

/*
 * 1 when f was sent by another process (this one is a fork of it): its
 * connection is that process's, so its answer is not this process's to
 * read.  Abandon it (which then leaves its connection alone) and send the
 * request again.
 */
int tfy__transport_inherited(const tfy__flight *f);

void tfy__http_response_clear(tfy__http_response *resp);

/*
 * The decision on one redirect: location (absolute, as libcurl resolved it)
 * is parsed and checked against the URL it came from (current) and the
 * request's first URL (original).  Returns TFY_OK with *next set to a new
 * URL (free with tfy__free) and *same_origin to 1 when scheme, host and port
 * equal the original's; or TFY_ERROR_HTTP (an unparseable Location, a scheme
 * other than http and https, https to http) or TFY_ERROR_OUT_OF_MEMORY, with
 * detail set.
 */
tfy_code tfy__redirect_check(const char *original, const char *current, const char *location,
                             char **next, int *same_origin, char *detail, size_t detail_size);

/* libcurl's version text, e.g. "7.88.1". */
const char *tfy__transport_curl_version(void);

#endif
