/*
 * The HTTP transport: the only part of libtfy that includes curl.  Requests
 * fly on hubs: a hub is one libcurl multi handle holding many flights at
 * once, driven without blocking by whoever holds it (a loop, loop.h; a
 * blocking call drives a loop of its own).  The transport keeps a pool of
 * hubs so that concurrent callers each get their own and every hub keeps
 * its connections alive between uses.  A hub is driven in short polls, so
 * that cancellation and the stall detector act within a fraction of a
 * second.  Internal.
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

/* Room enough for a failure's detail (libcurl's error text and ours). */
#define TFY__DETAIL_MAX 512

/*
 * Performs one request on a hub of its own, to its end.  Any complete HTTP
 * response, whatever its status, is TFY_OK with resp filled.  Otherwise a
 * transport code is returned, resp is empty but for sent and sunk, and
 * detail holds libcurl's description (TFY_ERROR_IO when the upload's reader
 * or the sink failed).
 */
tfy_code tfy__transport_send(tfy__transport *t, const tfy__http_request *req,
                             tfy__http_response *resp, char *detail, size_t detail_size);

/*
 * A hub: a multi handle, its connection cache and the flights in the air on
 * it.  Used by one thread at a time.  Driving it is two separate steps so
 * that a caller's event loop can one day take the waiting over (libcurl's
 * socket and timer callbacks): perform moves every flight on as far as it
 * goes without waiting and reports the ended ones; wait sleeps until a
 * connection is ready or ms pass.
 */
typedef struct tfy__hub tfy__hub;
typedef struct tfy__flight tfy__flight;

/*
 * A hub from the pool (with its live connections) or a new one; NULL when
 * memory runs out.  In a forked child, the hubs the parent left idle are
 * set aside untouched, never used again.
 */
tfy__hub *tfy__hub_acquire(tfy__transport *t);

/*
 * Abandons the flights still in the air and gives the hub back to its pool
 * (a hub of the parent of this process is set aside, untouched).  NULL:
 * nothing happens.
 */
void tfy__hub_release(tfy__hub *h);

/* 1 when h was made by another process (this one is a fork of it): its connections are not ours. */
int tfy__hub_inherited(const tfy__hub *h);

/*
 * Told once when a flight ends, from tfy__hub_perform or tfy__hub_wait:
 * rc and resp as tfy__transport_send gives them (the callee takes resp's
 * contents), detail the failure's description ("" on TFY_OK).  The flight
 * is gone by then.  The callback may start flights on the hub but must not
 * abandon or cancel any.
 */
typedef void (*tfy__flight_done_fn)(void *userdata, tfy_code rc, tfy__http_response *resp,
                                    const char *detail);

/*
 * Starts req on the hub; the hub's next perform sends it.  req (and what it
 * points at) must stay valid until done is called or the flight abandoned;
 * the header lines are copied.  TFY_OK with *out set, or the failure with
 * detail written (done is then never called).
 */
tfy_code tfy__hub_start(tfy__hub *h, const tfy__http_request *req, tfy__flight_done_fn done,
                        void *userdata, tfy__flight **out, char *detail, size_t detail_size);

/*
 * Performs every flight as far as it goes without waiting: redirects are
 * followed, the caller's cancel callback, the deadline and the stall
 * detector asked; each flight that ended is reported to its done.  Returns
 * how many ended.
 */
size_t tfy__hub_perform(tfy__hub *h);

/*
 * Waits up to ms for a connection to be ready or libcurl's next timeout
 * (with no flight: sleeps ms).  Returns how many flights ended (only when
 * libcurl's poll itself failed).
 */
size_t tfy__hub_wait(tfy__hub *h, int64_t ms);

/*
 * Socket mode: libcurl's socket interface (its socket and timer callbacks,
 * curl_multi_socket_action), so that an event loop of the caller's does
 * the waiting.  What a socket is watched for is a set of these bits.
 */
#define TFY__WATCH_READ 1
#define TFY__WATCH_WRITE 2
#define TFY__WATCH_ERROR 4 /* given to tfy__hub_act only */

/* Watch fd for what (0: stop watching it).  0, or -1 when it cannot be (its flights fail). */
typedef int (*tfy__hub_watch_fn)(void *userdata, int fd, int what);

/*
 * Puts an idle hub (no flight) in socket mode until it is released: watch
 * is told of every socket to watch; tfy__hub_act replaces perform and
 * wait.  0, or -1 (the hub stays as it was).
 */
int tfy__hub_use_sockets(tfy__hub *h, tfy__hub_watch_fn watch, void *userdata);

/*
 * In socket mode: moves the flights on after fd got events (fd < 0: a
 * timeout, libcurl's timer or a check due), then asks each flight's cancel
 * callback, deadline and stall detector, as perform does, and reports the
 * ended ones.  Returns how many ended.
 */
size_t tfy__hub_act(tfy__hub *h, int fd, int32_t events);

/*
 * In socket mode: when the hub next wants tfy__hub_act(h, -1, 0) without a
 * socket event (monotonic ms; now or earlier: at once): libcurl's timer, a
 * flight's deadline or stall limit, a flight cancelled.  0: not before a
 * socket event.  A flight's cancel callback is not counted: its owner asks
 * for the polls it needs.
 */
int64_t tfy__hub_due(const tfy__hub *h, int64_t now);

/*
 * Stops f at once: its sink and upload reader are not called again, and it
 * ends with TFY_ERROR_CANCELLED ("cancelled by the caller") at the hub's
 * next perform.
 */
void tfy__flight_cancel(tfy__flight *f);

/* Drops f without telling its done (closing nothing of a parent's, after a fork). */
void tfy__flight_abandon(tfy__flight *f);

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
