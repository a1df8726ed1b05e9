#include "transport.h"

#include "alloc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "error_internal.h"
#include "mask.h"

/* Kept whole up to here: the caller masks the key, then cuts to what it shows. */
#define HEADER_VALUE_MAX 8192
#define POLL_MS 50
/* libcurl's receive buffer for a download to a sink (the curl tool's size). */
#define SINK_BUFFER_SIZE (100 * 1024)

/*
 * A hub: one multi handle with its connection cache, the easy handles its
 * flights use (each kept between flights, so that a connection stays
 * alive for the next), and the flights in the air on it.  Pooled by the
 * transport: a blocking call borrows one for its run, a loop for its life.
 */
struct tfy__hub {
	tfy__transport *transport;
	CURLM *multi;
	CURL **idle; /* easy handles not in a flight */
	size_t idle_count;
	size_t idle_cap;      /* always >= easies, so landing a flight never allocates */
	size_t easies;        /* alive: idle or in a flight */
	tfy__flight *flights; /* in the air */
	size_t flying;
	pid_t pid;         /* the process whose connections the hub holds */
	int64_t driven_ms; /* when it was last driven (performed or polled); 0: never */
	tfy__hub *aside;   /* the next hub a fork left behind (see inherited_hubs) */
	/* Socket mode (tfy__hub_use_sockets): the owner's loop waits, told of sockets here. */
	tfy__hub_watch_fn watch; /* NULL: polled by tfy__hub_wait */
	void *watch_userdata;
	int64_t curl_due; /* when libcurl's timer wants a timeout action (monotonic ms); 0: none */
};

struct tfy__transport {
	pthread_mutex_t lock;
	tfy__hub **idle; /* hubs not in use, each with its live connections */
	size_t idle_count;
	size_t idle_cap; /* always >= hubs, so tfy__hub_release() never allocates */
	size_t hubs;     /* hubs alive, idle or in use */
	pid_t pid;       /* the process whose connections the hubs hold */
};

/*
 * Hubs a forked child inherited: their connections are its parent's, so
 * the child never uses them again, and never cleans them up either (that
 * could send a TLS close_notify on a connection the parent still uses).
 * Kept here, reachable, for the life of the process; only ever pushed.
 */
static _Atomic(tfy__hub *) inherited_hubs;

static void set_aside(tfy__hub *h)
{
	h->aside = atomic_load(&inherited_hubs);
	while (!atomic_compare_exchange_weak(&inherited_hubs, &h->aside, h))
		;
}

/*
 * In a process other than the one that made them (a fork), the idle hubs
 * are set aside and the pool starts empty, so that every request of this
 * process goes on a connection of its own.  Hubs in use at the fork
 * belong to calls that do not go on here.  Called with the lock held.
 */
static void leave_parents_slots(tfy__transport *t)
{
	pid_t now = getpid();
	if (t->pid == now)
		return;
	for (size_t i = 0; i < t->idle_count; i++)
		set_aside(t->idle[i]);
	tfy__free(t->idle);
	t->idle = NULL;
	t->idle_count = 0;
	t->idle_cap = 0;
	t->hubs = 0;
	t->pid = now;
}

/*
 * curl_global_init is not thread-safe on every libcurl build, so it runs
 * exactly once, on the first client created.  libcurl is never cleaned up:
 * other code in the process may use it too.
 */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *tfy__transport_curl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}

tfy__transport *tfy__transport_new(void)
{
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return NULL;
	tfy__transport *t = tfy__calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		tfy__free(t);
		return NULL;
	}
	t->pid = getpid();
	return t;
}

/* Closes the hub's connections and frees it; no flight is in the air. */
static void hub_cleanup(tfy__hub *h)
{
	if (h->multi)
		curl_multi_cleanup(h->multi);
	for (size_t i = 0; i < h->idle_count; i++)
		curl_easy_cleanup(h->idle[i]);
	tfy__free(h->idle);
	tfy__free(h);
}

void tfy__transport_free(tfy__transport *t)
{
	if (!t)
		return;
	leave_parents_slots(t);
	for (size_t i = 0; i < t->idle_count; i++)
		hub_cleanup(t->idle[i]);
	tfy__free(t->idle);
	pthread_mutex_destroy(&t->lock);
	tfy__free(t);
}

/* Room for n items in a growing array of pointers: 0, or -1 when memory runs out. */
static int reserve(void *array, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	size_t more = *cap ? *cap * 2 : 4;
	void **grown = tfy__realloc(*(void ***)array, more * sizeof(*grown));
	if (!grown)
		return -1;
	*(void ***)array = grown;
	*cap = more;
	return 0;
}

static tfy__hub *hub_new(tfy__transport *t)
{
	tfy__hub *h = tfy__calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->transport = t;
	h->pid = getpid();
	if (!(h->multi = curl_multi_init())) {
		tfy__free(h);
		return NULL;
	}
	return h;
}

tfy__hub *tfy__hub_acquire(tfy__transport *t)
{
	tfy__hub *h = NULL;
	pthread_mutex_lock(&t->lock);
	leave_parents_slots(t);
	if (t->idle_count) {
		h = t->idle[--t->idle_count];
		pthread_mutex_unlock(&t->lock);
		return h;
	}
	/*
	 * A new hub: make room for it in the idle array now, while running out
	 * of memory can still fail the call, so that handing it back in
	 * tfy__hub_release() cannot fail.
	 */
	int room = reserve(&t->idle, &t->idle_cap, t->hubs + 1) == 0;
	if (room)
		t->hubs++;
	pthread_mutex_unlock(&t->lock);
	if (room && (h = hub_new(t)))
		return h;
	if (room) {
		pthread_mutex_lock(&t->lock);
		t->hubs--;
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

int tfy__hub_inherited(const tfy__hub *h)
{
	return h->pid != getpid();
}

/* An easy handle for a flight: an idle one (reset; its connections live in the multi) or a new one. */
static CURL *hub_easy(tfy__hub *h)
{
	if (h->idle_count) {
		CURL *easy = h->idle[--h->idle_count];
		curl_easy_reset(easy);
		return easy;
	}
	if (reserve(&h->idle, &h->idle_cap, h->easies + 1) < 0)
		return NULL;
	CURL *easy = curl_easy_init();
	if (easy)
		h->easies++;
	return easy;
}

typedef struct transfer {
	tfy__buf body;
	size_t max_body;
	CURL *h;               /* asked for the status when the body starts */
	const tfy__sink *sink; /* the request's, or NULL */
	int sinking;           /* -1 until the body starts; then 1 when it goes to the sink */
	int sink_failed;       /* the sink refused bytes (or could not rewind) */
	int read_failed;       /* the upload's reader failed */
	int64_t sunk;          /* bytes the sink took */
	int64_t uploaded;      /* bytes the upload's reader gave */
	int64_t reported_ms;   /* when progress was last reported (0: not yet) */
	int too_large;
	int cancelled;
	int stalled;
	int past_deadline;
	int oom;                  /* a kept header could not be copied */
	int got_status;           /* a status line arrived */
	int head_done;            /* the last response's header section arrived whole */
	int64_t last_byte_ms;     /* when anything last arrived on the connection (or the start) */
	tfy__http_response *resp; /* receives the headers we keep */
	const tfy__keep *keep;    /* extra names to keep in resp->headers */
} transfer;

/* A 2xx body goes to the sink when there is one; any other body is kept as an error body. */
static int body_to_sink(transfer *x)
{
	if (x->sinking < 0) {
		long status = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
		x->sinking = x->sink && status >= 200 && status <= 299;
	}
	return x->sinking;
}

/*
 * The caller's progress report when one is due: 0 to go on; -1 when it
 * asked to stop, which then ends the transfer as a cancel does.
 */
static int progress_stop(transfer *x, const tfy__progress *p, int64_t done, int64_t total)
{
	x->reported_ms = x->last_byte_ms;
	if (p->report(p->userdata, done, total) == 0)
		return 0;
	x->cancelled = 1;
	return -1;
}

static int progress_due(const transfer *x, const tfy__progress *p)
{
	return p && x->last_byte_ms - x->reported_ms >= TFY__PROGRESS_MS;
}

/* A download's report: its total is the response's Content-Length, when it has one. */
static int sink_progress_stop(transfer *x)
{
	curl_off_t length = -1;
	if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) != CURLE_OK)
		length = -1;
	return progress_stop(x, x->sink->progress, x->sunk, (int64_t)length);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	transfer *x = userdata;
	size_t n = size * nmemb;
	x->last_byte_ms = tfy__now_ms();
	if (x->cancelled)
		return 0; /* stopped by its owner: not one more byte to the sink */
	if (n && body_to_sink(x)) {
		if (x->sink->limit > 0 && (int64_t)n > x->sink->limit - x->sunk) {
			x->too_large = 1;
			return 0; /* nothing past the cap reaches the sink */
		}
		if (x->sink->write(x->sink->userdata, data, n) != 0) {
			x->sink_failed = 1;
			return 0;
		}
		x->sunk += (int64_t)n;
		if (progress_due(x, x->sink->progress) && sink_progress_stop(x) < 0)
			return 0;
		return n;
	}
	if (n > x->max_body - x->body.len) {
		x->too_large = 1;
		return 0; /* aborts the transfer before buffering past the cap */
	}
	return tfy__buf_append(&x->body, data, n) < 0 ? 0 : n;
}

/* The headers a response is read for, and where each one goes. */
static const struct kept_header {
	const char *name;
	size_t offset;
} kept_headers[] = {
	{ "x-request-id", offsetof(tfy__http_response, request_id) },
	{ "retry-after", offsetof(tfy__http_response, retry_after) },
	{ "retry-after-ms", offsetof(tfy__http_response, retry_after_ms) },
	{ "x-should-retry", offsetof(tfy__http_response, should_retry) },
};

#define KEPT_COUNT (sizeof(kept_headers) / sizeof(kept_headers[0]))

static char **kept_slot(tfy__http_response *resp, size_t i)
{
	return (char **)((char *)resp + kept_headers[i].offset);
}

/* Where a header line's value starts, without surrounding blanks; *n its bounded length. */
static const char *value_span(const char *line, size_t len, size_t name_len, size_t *n)
{
	const char *v = line + name_len + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*n = (size_t)(end - v) < HEADER_VALUE_MAX ? (size_t)(end - v) : HEADER_VALUE_MAX;
	return v;
}

static void forget_headers(tfy__http_response *resp)
{
	for (size_t i = 0; i < KEPT_COUNT; i++) {
		tfy__free(*kept_slot(resp, i));
		*kept_slot(resp, i) = NULL;
	}
	tfy__headers_free(resp->headers);
	resp->headers = NULL;
}

/* Adds the line's header to the kept ones when it is wanted; -1 on OOM. */
static int keep_header(transfer *x, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	if (!colon || !tfy__headers_wanted(x->keep, line, (size_t)(colon - line)))
		return 0;
	size_t name_len = (size_t)(colon - line), n;
	const char *v = value_span(line, len, name_len, &n);
	return tfy__headers_add(&x->resp->headers, line, name_len, v, n);
}

/* A copy of a header's value without surrounding blanks, bounded in length. */
static char *header_value(const char *line, size_t len, size_t name_len)
{
	size_t n;
	const char *v = value_span(line, len, name_len, &n);
	return tfy__text_dup(v, n);
}

/*
 * Sizes the body buffer from Content-Length at once, so a page is not copied
 * through a string of reallocations (each a large allocation, which also
 * makes glibc merge its small free chunks).  Compressed bodies grow past it
 * as usual; a length over the cap is left to CURLOPT_MAXFILESIZE to refuse.
 * Returns -1 only when memory runs out.
 */
static int reserve_for_length(transfer *x, const char *line, size_t len)
{
	static const char name[] = "content-length:";
	size_t n = sizeof(name) - 1;
	if (len <= n || strncasecmp(line, name, n) != 0)
		return 0;
	size_t value = 0, i = n;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		if (value > x->max_body / 10)
			return 0; /* beyond the cap */
		value = value * 10 + (size_t)(line[i] - '0');
	}
	if (value == 0 || value > x->max_body)
		return 0;
	return tfy__buf_reserve(&x->body, value);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	transfer *x = userdata;
	size_t len = size * nmemb;
	x->last_byte_ms = tfy__now_ms();
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): drop the last one's. */
		x->got_status = 1;
		x->head_done = 0;
		x->sinking = -1;
		forget_headers(x->resp);
		return len;
	}
	if (len && (line[0] == '\r' || line[0] == '\n')) {
		x->head_done = 1; /* the blank line ending the header section */
		return len;
	}
	if (reserve_for_length(x, line, len) < 0 || keep_header(x, line, len) < 0) {
		x->oom = 1;
		return 0;
	}
	for (size_t i = 0; i < KEPT_COUNT; i++) {
		size_t n = strlen(kept_headers[i].name);
		if (len > n && line[n] == ':' && strncasecmp(line, kept_headers[i].name, n) == 0) {
			tfy__free(*kept_slot(x->resp, i));
			*kept_slot(x->resp, i) = header_value(line, len, n);
			/*
			 * Out of memory: abort the transfer (CURLE_WRITE_ERROR, mapped to
			 * TFY_ERROR_OUT_OF_MEMORY) rather than succeed without the
			 * request id or the server's retry advice.
			 */
			if (!*kept_slot(x->resp, i)) {
				x->oom = 1;
				return 0;
			}
		}
	}
	return len;
}

/* Frees libcurl's copies of the header lines, clearing them first: one holds the key. */
static void header_list_free(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l; l = l->next)
		tfy__scrub(l->data, l->data ? strlen(l->data) : 0);
	curl_slist_free_all(list);
}

/* The first n header lines as a libcurl list; NULL for none or out of memory. */
static struct curl_slist *header_list(const tfy__http_request *req, size_t n)
{
	struct curl_slist *list = NULL;
	for (size_t i = 0; i < n; i++) {
		struct curl_slist *next = curl_slist_append(list, req->headers[i]);
		if (!next) {
			header_list_free(list);
			return NULL;
		}
		list = next;
	}
	return list;
}

/*
 * Every curl_easy_setopt result is checked: an ignored failure used to
 * surface later as a misleading error (an over-long URL as "No URL set").
 * The first failure is kept, with the option's name, for the message.
 */
typedef struct setopts {
	CURL *h;
	CURLcode rc;
	const char *name;
} setopts;

#define SETOPT(s, opt, val) setopt_result((s), curl_easy_setopt((s)->h, (opt), (val)), #opt)

static void setopt_result(setopts *s, CURLcode rc, const char *name)
{
	if (rc != CURLE_OK && s->rc == CURLE_OK) {
		s->rc = rc;
		s->name = name;
	}
}

/* libcurl refuses option strings longer than this (CURL_MAX_INPUT_LENGTH). */
#define CURL_INPUT_MAX 8000000
/* libcurl builds a request in a buffer of at most 1 MiB (its DYN_HTTP_REQUEST). */
#define CURL_REQUEST_MAX (1024 * 1024)
/* Room left in that buffer for the request line's method and version and libcurl's own headers. */
#define CURL_REQUEST_SLACK 1024

static tfy_code setopt_failure(const setopts *s, const char *url, char *detail, size_t size)
{
	if (s->rc == CURLE_OUT_OF_MEMORY) {
		snprintf(detail, size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	if (strcmp(s->name, "CURLOPT_URL") == 0 && strlen(url) > CURL_INPUT_MAX)
		snprintf(detail, size, "the URL is %zu bytes long; libcurl accepts at most %d",
		         strlen(url), CURL_INPUT_MAX);
	else
		snprintf(detail, size, "libcurl refused %s: %s", s->name, curl_easy_strerror(s->rc));
	return TFY_ERROR_INVALID_ARGUMENT;
}

/*
 * A request libcurl would refuse for its size fails here, with a message that
 * says so, rather than as libcurl's CURLE_OUT_OF_MEMORY.
 */
static tfy_code check_request_size(const tfy__http_request *req, char *detail, size_t size)
{
	size_t total = strlen(req->url) + CURL_REQUEST_SLACK;
	for (size_t i = 0; i < req->headers_count; i++)
		total += strlen(req->headers[i]) + 2;
	if (total <= CURL_REQUEST_MAX)
		return TFY_OK;
	snprintf(detail, size,
	         "the request's URL and headers come to about %zu bytes; libcurl sends at most 1 MiB",
	         total);
	return TFY_ERROR_INVALID_ARGUMENT;
}

static void configure_tls(setopts *s, const tfy__http_request *req)
{
	const tfy__network *n = req->network;
	/* Older protocols are refused even where the TLS library's defaults allow them. */
	SETOPT(s, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(s, CURLOPT_SSL_VERIFYPEER, req->tls_insecure ? 0L : 1L);
	SETOPT(s, CURLOPT_SSL_VERIFYHOST, req->tls_insecure ? 0L : 2L);
	if (req->ca_file)
		SETOPT(s, CURLOPT_CAINFO, req->ca_file);
	if (req->ca_path)
		SETOPT(s, CURLOPT_CAPATH, req->ca_path);
	if (n && n->client_cert)
		SETOPT(s, CURLOPT_SSLCERT, n->client_cert);
	if (n && n->client_key)
		SETOPT(s, CURLOPT_SSLKEY, n->client_key);
	/*
	 * Always set: without a passphrase OpenSSL would ask for one on the
	 * terminal and block past every timeout.  "" makes an encrypted key fail.
	 */
	SETOPT(s, CURLOPT_KEYPASSWD, n && n->client_key_password ? n->client_key_password : "");
}

/*
 * Without a proxy option libcurl reads http_proxy, HTTPS_PROXY, ALL_PROXY
 * and NO_PROXY; "" for either option stops that.  For an https URL libcurl
 * tunnels through an http proxy with CONNECT, so the proxy sees only the
 * host and port.  The handle keeps these across redirects.
 */
static void configure_proxy(setopts *s, const tfy__network *n)
{
	if (!n)
		return;
	if (n->proxy || n->ignore_proxy_env)
		SETOPT(s, CURLOPT_PROXY, n->proxy ? n->proxy : "");
	if (n->no_proxy || (n->ignore_proxy_env && n->proxy))
		SETOPT(s, CURLOPT_NOPROXY, n->no_proxy ? n->no_proxy : "");
	if (n->proxy_credentials)
		SETOPT(s, CURLOPT_PROXYUSERPWD, n->proxy_credentials);
}

/*
 * libcurl never follows a redirect: follow_hop() does, so that it decides
 * which headers go to another origin (libcurl would strip only Authorization
 * and Cookie, and send an api-key header or the caller's headers on).
 */
static void configure_protocols(setopts *s)
{
	SETOPT(s, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(s, CURLOPT_UNRESTRICTED_AUTH, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(s, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(s, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SETOPT(s, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SETOPT(s, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

/* Where a transfer goes: one hop's URL, its headers and what is left of the timeout. */
static void configure_hop(setopts *s, const char *url, struct curl_slist *headers, int64_t timeout_ms)
{
	SETOPT(s, CURLOPT_URL, url);
	SETOPT(s, CURLOPT_HTTPGET, 1L);
	SETOPT(s, CURLOPT_HTTPHEADER, headers);
	SETOPT(s, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
}

static int is_get(const tfy__http_request *req)
{
	return !req->method || strcmp(req->method, "GET") == 0;
}

/*
 * The method and body of the first hop (redirects are followed for GET
 * only).  An empty POST still sends Content-Length: 0, as the API wants.
 */
static void configure_method(setopts *s, const tfy__http_request *req, curl_mime *mime)
{
	if (is_get(req))
		return;
	if (mime) {
		SETOPT(s, CURLOPT_MIMEPOST, mime);
	} else if (strcmp(req->method, "POST") == 0) {
		SETOPT(s, CURLOPT_POST, 1L);
		SETOPT(s, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
		SETOPT(s, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	} else {
		SETOPT(s, CURLOPT_CUSTOMREQUEST, req->method);
	}
}

static void configure(setopts *s, const tfy__http_request *req, struct curl_slist *headers,
                      transfer *x, char *errbuf)
{
	configure_hop(s, req->url, headers, req->timeout_ms);
	SETOPT(s, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(s, CURLOPT_NOSIGNAL, 1L); /* signals are not safe in threaded callers */
#if LIBCURL_VERSION_NUM >= 0x075700
	/*
	 * An abandoned name lookup (timeout, deadline, cancel) is left to finish
	 * on its own thread instead of being waited for: glibc's resolver can
	 * take 10 s and more to give up on a silent server.
	 */
	SETOPT(s, CURLOPT_QUICK_EXIT, 1L);
#endif
	SETOPT(s, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(s, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	SETOPT(s, CURLOPT_TCP_KEEPALIVE, 1L);
	if (req->fresh_connection)
		SETOPT(s, CURLOPT_FRESH_CONNECT, 1L);
	/*
	 * A download to a sink has only the sink's own limit, on the decoded
	 * bytes (an error body still has max_body; both in on_body); it reads in
	 * larger pieces, as the curl tool does, so a big file costs fewer reads
	 * and callbacks.
	 */
	if (!req->sink)
		SETOPT(s, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	else
		SETOPT(s, CURLOPT_BUFFERSIZE, (long)SINK_BUFFER_SIZE);
	SETOPT(s, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(s, CURLOPT_WRITEDATA, x);
	SETOPT(s, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(s, CURLOPT_HEADERDATA, x);
	configure_tls(s, req);
	configure_proxy(s, req->network);
	configure_protocols(s);
}

/* Whether the request went out, so that what failed after it is the server's answer. */
static int request_sent(CURL *h)
{
	long sent = 0;
	return curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0;
}

/*
 * A TLS handshake the peer broke off (a reset, or a close that OpenSSL
 * reports as SSL_ERROR_SYSCALL or an unexpected EOF) is a transport failure
 * worth another attempt; the rest of CURLE_SSL_CONNECT_ERROR (an alert, a
 * protocol mismatch) is a TLS failure, as are certificate problems.
 */
static int handshake_broken(CURL *h, const char *errbuf)
{
	long os_errno = 0;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	return os_errno != 0 || strstr(errbuf, "SSL_ERROR_SYSCALL") ||
	       strstr(errbuf, "unexpected eof");
}

/* A failed transfer's class, and when libcurl's own text would mislead, what to say instead. */
typedef struct failure {
	tfy_code code;
	const char *why; /* NULL: libcurl's description */
} failure;

static failure classify(CURL *h, CURLcode rc, const transfer *x, const char *errbuf)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return (failure){ TFY_ERROR_DNS, NULL };
	case CURLE_COULDNT_CONNECT:
	case CURLE_PROXY:
		return (failure){ TFY_ERROR_CONNECT, NULL }; /* the proxy refused the tunnel */
	case CURLE_OPERATION_TIMEDOUT: return (failure){ TFY_ERROR_TIMEOUT, NULL };
	case CURLE_FILESIZE_EXCEEDED: return (failure){ TFY_ERROR_RESPONSE_TOO_LARGE, NULL };
	case CURLE_OUT_OF_MEMORY:
		/*
		 * Once the request is out, libcurl's allocations are small except the
		 * header buffer, which it caps: this is a server's oversized header.
		 */
		if (request_sent(h))
			return (failure){ TFY_ERROR_HTTP,
				          "the response's header section is larger than libcurl accepts "
				          "(100 KiB)" };
		return (failure){ TFY_ERROR_OUT_OF_MEMORY, NULL };
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		/* After the request went out, these come from the response (a bad status line, HTTP/0.9). */
		if (request_sent(h))
			return (failure){ TFY_ERROR_HTTP, NULL };
		return (failure){ TFY_ERROR_INVALID_ARGUMENT, NULL };
	case CURLE_SSL_CONNECT_ERROR:
		if (handshake_broken(h, errbuf))
			return (failure){ TFY_ERROR_NETWORK, NULL };
		return (failure){ TFY_ERROR_TLS, NULL };
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE: return (failure){ TFY_ERROR_TLS, NULL };
	case CURLE_WRITE_ERROR:
		if (x->sink_failed)
			return (failure){ TFY_ERROR_IO, "the download's writer failed" };
		return (failure){ x->too_large ? TFY_ERROR_RESPONSE_TOO_LARGE : TFY_ERROR_OUT_OF_MEMORY,
			          NULL };
	case CURLE_READ_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
		if (x->read_failed)
			return (failure){ TFY_ERROR_IO, "reading the file to upload failed" };
		return (failure){ TFY_ERROR_NETWORK, NULL };
	default: return (failure){ TFY_ERROR_NETWORK, NULL };
	}
}

/* libcurl's words for a client certificate or key it could not use say nothing of the passphrase. */
static const char *key_hint(CURLcode crc, const tfy__network *n)
{
	if (crc != CURLE_SSL_CERTPROBLEM || !n || !n->client_cert)
		return "";
	return n->client_key_password && *n->client_key_password
	             ? " (or the passphrase in tls_client_key_password is wrong)"
	             : " (an encrypted key needs its passphrase, and none was given in "
	               "tls_client_key_password)";
}

static tfy_code describe_failure(CURL *h, CURLcode crc, const transfer *x, const tfy__http_request *req,
                                 const char *errbuf, char *detail, size_t size)
{
	if (x->cancelled) {
		snprintf(detail, size, "cancelled by the caller");
		return TFY_ERROR_CANCELLED;
	}
	if (x->stalled) {
		snprintf(detail, size, "no data received for %lld ms",
		         (long long)req->stall_timeout_ms);
		return TFY_ERROR_TIMEOUT;
	}
	if (x->past_deadline) {
		snprintf(detail, size, "the call's deadline passed");
		return TFY_ERROR_TIMEOUT;
	}
	failure f = classify(h, crc, x, errbuf);
	const char *proxy = req->network ? req->network->proxy : NULL;
	if (x->too_large && x->sinking == 1)
		snprintf(detail, size,
		         "the content exceeded the expected %lld bytes (counted after "
		         "decoding)",
		         (long long)x->sink->limit);
	else if (x->too_large || crc == CURLE_FILESIZE_EXCEEDED)
		snprintf(detail, size, "the body exceeded %zu bytes", x->max_body);
	else if (proxy && (f.code == TFY_ERROR_CONNECT || f.code == TFY_ERROR_DNS))
		snprintf(detail, size, "%s (proxy %s)",
		         errbuf[0] ? errbuf : curl_easy_strerror(crc), proxy);
	else
		snprintf(detail, size, "%s%s",
		         f.why       ? f.why
		         : errbuf[0] ? errbuf
		                     : curl_easy_strerror(crc),
		         key_hint(crc, req->network));
	return f.code;
}

/* Whether the caller or the stall detector wants this transfer stopped now. */
static int should_stop(const tfy__http_request *req, transfer *x)
{
	int64_t now = tfy__now_ms();
	if (req->cancel && req->cancel(req->cancel_userdata))
		x->cancelled = 1;
	else if (req->deadline && now >= req->deadline)
		x->past_deadline = 1;
	else if (req->stall_timeout_ms > 0 && now - x->last_byte_ms > req->stall_timeout_ms)
		x->stalled = 1;
	return x->cancelled || x->stalled || x->past_deadline;
}

/* One request on its way: started by tfy__hub_start, ended by its done callback or abandon. */
struct tfy__flight {
	tfy__hub *hub;
	CURL *easy;
	tfy__flight *prev, *next; /* in the hub's flights */
	tfy__flight_done_fn done;
	void *userdata;
	struct curl_slist *headers;      /* every line, for the original origin */
	struct curl_slist *safe_headers; /* the lines that may go to another origin */
	tfy__http_request req;           /* the caller's, minus what libcurl copied */
	char *hop_url;                   /* the URL of the current hop after a redirect */
	curl_mime *mime;                 /* the upload's body, or NULL */
	int redirects;                   /* redirects followed */
	int64_t start_ms;                /* when the first hop started: hops share timeout_ms */
	curl_off_t counted;              /* bytes libcurl had counted at the last step */
	transfer x;
	tfy__http_response resp; /* filled as the answer arrives */
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * A server may answer with an error while the request's body is still
 * going (a 413 to a large upload) and close the connection, and libcurl
 * then reports the send or the read that failed.  When the answer's status
 * line and header section came whole and its status is an error, that
 * answer is the result, with what arrived of its body.
 */
static int answered_early(CURL *h, CURLcode crc, const transfer *x, const tfy__http_request *req,
                          const char *errbuf)
{
	long status = 0;
	if (crc == CURLE_OK || x->cancelled || x->stalled || x->past_deadline || !x->head_done ||
	    (!req->body && !req->upload) || classify(h, crc, x, errbuf).code != TFY_ERROR_NETWORK)
		return 0;
	return curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status >= 400 &&
	       status <= 999;
}

static tfy_code finish(CURL *h, CURLcode crc, transfer *x, const tfy__http_request *req,
                       const char *errbuf, char *detail, size_t detail_size)
{
	tfy__http_response *resp = x->resp;
	tfy_code rc = TFY_OK;
	if (answered_early(h, crc, x, req, errbuf))
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	else if (x->cancelled || x->stalled || x->past_deadline || crc != CURLE_OK)
		rc = describe_failure(h, crc, x, req, errbuf, detail, detail_size);
	else if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK ||
	         resp->status < 100 || resp->status > 999) {
		snprintf(detail, detail_size,
		         "the server sent a malformed status line (status %ld)", resp->status);
		rc = TFY_ERROR_HTTP;
	}
	int sent = request_sent(h);
	if (rc != TFY_OK) {
		tfy__buf_clear(&x->body);
		tfy__http_response_clear(resp);
		resp->sent = sent;
		resp->sunk = x->sunk;
		resp->uploaded = x->uploaded;
		return rc;
	}
	resp->sent = 1;
	resp->sunk = x->sunk;
	resp->uploaded = x->uploaded;
	resp->body_len = x->body.len;
	resp->body = tfy__buf_detach(&x->body);
	if (resp->body)
		return TFY_OK;
	tfy__http_response_clear(resp);
	snprintf(detail, detail_size, "out of memory");
	return TFY_ERROR_OUT_OF_MEMORY;
}

static void unlink_flight(tfy__flight *f)
{
	tfy__hub *h = f->hub;
	if (f->prev)
		f->prev->next = f->next;
	else if (h->flights == f)
		h->flights = f->next;
	else
		return; /* not linked */
	if (f->next)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
	h->flying--;
}

/* Returns the easy handle to its hub; the handle must not keep pointers into f. */
static void land(tfy__flight *f)
{
	tfy__hub *h = f->hub;
	unlink_flight(f);
	curl_multi_remove_handle(h->multi, f->easy);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(f->easy, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(f->mime);
	header_list_free(f->headers);
	header_list_free(f->safe_headers);
	h->idle[h->idle_count++] = f->easy; /* hub_easy() reserved the room */
	tfy__buf_clear(&f->x.body);
	tfy__http_response_clear(&f->resp);
	tfy__free(f->hop_url);
	tfy__free(f);
}

/* A transfer's bookkeeping, fresh for its first hop or the next. */
static void transfer_reset(tfy__flight *f)
{
	tfy__buf_clear(&f->x.body);
	tfy__http_response_clear(&f->resp);
	f->x = (transfer){ .body = TFY__BUF_INIT,
		           .max_body = f->req.max_body,
		           .h = f->easy,
		           .sink = f->req.sink,
		           .sinking = -1,
		           .last_byte_ms = tfy__now_ms(),
		           .resp = &f->resp,
		           .keep = f->req.keep };
}

/* Both header lists; -1 when memory runs out. */
static int build_headers(tfy__flight *f, const tfy__http_request *req)
{
	size_t safe = req->safe_headers_count < req->headers_count ? req->safe_headers_count
	                                                           : req->headers_count;
	if (req->headers_count && !(f->headers = header_list(req, req->headers_count)))
		return -1;
	if (safe && !(f->safe_headers = header_list(req, safe)))
		return -1;
	return 0;
}

/* The upload's reader as libcurl calls it; sending counts as progress for the stall check. */
static size_t on_upload_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	tfy__flight *f = userdata;
	const tfy__upload *u = f->req.upload;
	size_t room = size * nitems;
	f->x.last_byte_ms = tfy__now_ms();
	if (f->x.cancelled)
		return CURL_READFUNC_ABORT;
	int64_t n = room ? u->read(u->userdata, buf, room) : 0;
	if (n < 0 || (uint64_t)n > room) {
		f->x.read_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	f->x.uploaded += n;
	if (progress_due(&f->x, u->progress) &&
	    progress_stop(&f->x, u->progress, f->x.uploaded, u->size) < 0)
		return CURL_READFUNC_ABORT;
	return (size_t)n;
}

/* libcurl rewinds the body to send it again (a connection lost before the answer). */
static int on_upload_seek(void *userdata, curl_off_t offset, int origin)
{
	tfy__flight *f = userdata;
	const tfy__upload *u = f->req.upload;
	if (offset != 0 || origin != SEEK_SET || !u->rewind)
		return CURL_SEEKFUNC_CANTSEEK;
	return u->rewind(u->userdata) == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* The multipart body: text fields, then the file streamed from its reader. */
static int build_mime(tfy__flight *f)
{
	const tfy__upload *u = f->req.upload;
	if (!(f->mime = curl_mime_init(f->easy)))
		return -1;
	for (size_t i = 0; i < u->fields_count; i++) {
		curl_mimepart *p = curl_mime_addpart(f->mime);
		if (!p || curl_mime_name(p, u->fields[i].name) != CURLE_OK ||
		    curl_mime_data(p, u->fields[i].value, CURL_ZERO_TERMINATED) != CURLE_OK)
			return -1;
	}
	curl_mimepart *p = curl_mime_addpart(f->mime);
	return p && curl_mime_name(p, u->file_field) == CURLE_OK &&
	                       curl_mime_filename(p, u->filename) == CURLE_OK &&
	                       curl_mime_type(p, u->content_type) == CURLE_OK &&
	                       curl_mime_data_cb(p, (curl_off_t)u->size, on_upload_read,
	                                         on_upload_seek, NULL, f) == CURLE_OK
	             ? 0
	             : -1;
}

/* Adds the configured handle to its hub's multi handle: the hub's next step sends it. */
static tfy_code take_off(tfy__flight *f, char *detail, size_t detail_size)
{
	if (curl_multi_add_handle(f->hub->multi, f->easy) != CURLM_OK) {
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	return TFY_OK;
}

tfy_code tfy__hub_start(tfy__hub *h, const tfy__http_request *req, tfy__flight_done_fn done,
                        void *userdata, tfy__flight **out, char *detail, size_t detail_size)
{
	*out = NULL;
	tfy__flight *f = tfy__calloc(1, sizeof(*f));
	if (!f || !(f->easy = hub_easy(h))) {
		tfy__free(f);
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	f->hub = h;
	f->done = done;
	f->userdata = userdata;
	f->req = *req;
	f->start_ms = tfy__now_ms();
	transfer_reset(f);
	if (build_headers(f, req) < 0 || (req->upload && build_mime(f) < 0)) {
		land(f);
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	setopts s = { f->easy, CURLE_OK, NULL };
	configure(&s, req, f->headers, &f->x, f->errbuf);
	configure_method(&s, req, f->mime);
	SETOPT(&s, CURLOPT_PRIVATE, (void *)f);
	tfy_code rc = s.rc != CURLE_OK ? setopt_failure(&s, req->url, detail, detail_size)
	                               : check_request_size(req, detail, detail_size);
	if (rc == TFY_OK)
		rc = take_off(f, detail, detail_size);
	if (rc != TFY_OK) {
		land(f);
		return rc;
	}
	f->next = h->flights;
	if (h->flights)
		h->flights->prev = f;
	h->flights = f;
	h->flying++;
	*out = f;
	return TFY_OK;
}

/* The scheme, host and port of a parsed URL; each NULL when missing or out of memory. */
typedef struct origin {
	char *scheme, *host, *port;
} origin;

static void origin_clear(origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
}

static int origin_of(const char *url, origin *o)
{
	memset(o, 0, sizeof(*o));
	CURLU *u = curl_url();
	int ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	         curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
	         curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
	         curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	curl_url_cleanup(u);
	return ok ? 0 : -1;
}

static int same_origin(const origin *a, const origin *b)
{
	return strcasecmp(a->scheme, b->scheme) == 0 && strcasecmp(a->host, b->host) == 0 &&
	       strcmp(a->port, b->port) == 0;
}

static tfy_code refuse_hop(const origin *from, const origin *to, char *detail, size_t size)
{
	if (strcasecmp(to->scheme, "http") != 0 && strcasecmp(to->scheme, "https") != 0) {
		snprintf(detail, size,
		         "a redirect to a %s URL was refused: only http and https are "
		         "followed",
		         to->scheme);
		return TFY_ERROR_HTTP;
	}
	if (strcasecmp(from->scheme, "https") == 0 && strcasecmp(to->scheme, "http") == 0) {
		snprintf(detail, size, "a redirect from https to http was refused");
		return TFY_ERROR_HTTP;
	}
	return TFY_OK;
}

tfy_code tfy__redirect_check(const char *original, const char *current, const char *location,
                             char **next, int *same, char *detail, size_t detail_size)
{
	origin first, from, to;
	*next = NULL;
	*same = 0;
	int bad_to = origin_of(location, &to);
	tfy_code rc = TFY_ERROR_HTTP;
	if (origin_of(original, &first) < 0 || origin_of(current, &from) < 0)
		snprintf(detail, detail_size, "out of memory"), rc = TFY_ERROR_OUT_OF_MEMORY;
	else if (bad_to < 0)
		snprintf(detail, detail_size,
		         "the server redirected to a Location that is not a valid URL");
	else if ((rc = refuse_hop(&from, &to, detail, detail_size)) == TFY_OK) {
		*same = same_origin(&first, &to);
		size_t n = strlen(location) + 1;
		if ((*next = tfy__malloc(n)) != NULL)
			memcpy(*next, location, n);
		else
			snprintf(detail, detail_size, "out of memory"), rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	origin_clear(&first);
	origin_clear(&from);
	origin_clear(&to);
	return rc;
}

/* The hop's timeout: what is left of the request's, which all hops share. */
static int64_t time_left(const tfy__flight *f)
{
	if (f->req.timeout_ms <= 0)
		return 0; /* none */
	int64_t left = f->req.timeout_ms - (tfy__now_ms() - f->start_ms);
	return left > 0 ? left : -1;
}

/*
 * Sends a GET again to where a redirect points (other methods are not
 * redirected: a 3xx is their answer).  Every header goes to
 * the original origin; elsewhere only the safe ones do.
 */
static tfy_code follow_hop(tfy__flight *f, const char *location, char *detail, size_t size)
{
	if (f->redirects >= TFY__MAX_REDIRECTS) {
		snprintf(detail, size, "too many redirects: gave up after %d", TFY__MAX_REDIRECTS);
		return TFY_ERROR_HTTP;
	}
	const char *current = f->hop_url ? f->hop_url : f->req.url;
	char *next;
	int same;
	tfy_code rc = tfy__redirect_check(f->req.url, current, location, &next, &same, detail, size);
	if (rc != TFY_OK)
		return rc;
	int64_t left = time_left(f);
	if (left < 0) {
		tfy__free(next);
		snprintf(detail, size, "the request timed out while following redirects");
		return TFY_ERROR_TIMEOUT;
	}
	curl_multi_remove_handle(f->hub->multi, f->easy);
	tfy__free(f->hop_url);
	f->hop_url = next;
	f->redirects++;
	transfer_reset(f);
	setopts s = { f->easy, CURLE_OK, NULL };
	configure_hop(&s, next, same ? f->headers : f->safe_headers, left);
	return s.rc != CURLE_OK ? setopt_failure(&s, next, detail, size) : take_off(f, detail, size);
}

/* The Location of a redirect to follow, or NULL when the response is the answer. */
static const char *redirect_to(const tfy__flight *f)
{
	char *location = NULL;
	if (!f->req.follow_redirects || !is_get(&f->req) || f->resp.status < 300 ||
	    f->resp.status > 399 ||
	    curl_easy_getinfo(f->easy, CURLINFO_REDIRECT_URL, &location) != CURLE_OK)
		return NULL;
	return location;
}

/*
 * Lands the flight and tells its owner how it ended, the response (whose
 * contents the owner takes) and, on failure, what happened.
 */
static void report(tfy__flight *f, tfy_code rc, const char *detail)
{
	tfy__http_response resp = f->resp;
	tfy__flight_done_fn done = f->done;
	void *userdata = f->userdata;
	memset(&f->resp, 0, sizeof(f->resp));
	land(f);
	done(userdata, rc, &resp, detail);
}

/* One hop of f ended with crc: the answer, a failure, or a redirect followed here. */
static void hop_ended(tfy__flight *f, CURLcode crc)
{
	char detail[TFY__DETAIL_MAX] = "";
	tfy_code rc = finish(f->easy, crc, &f->x, &f->req, f->errbuf, detail, sizeof(detail));
	const char *location = rc == TFY_OK ? redirect_to(f) : NULL;
	if (location) {
		if ((rc = follow_hop(f, location, detail, sizeof(detail))) == TFY_OK)
			return; /* on its way to the next hop */
		tfy__http_response_clear(&f->resp);
	}
	report(f, rc, detail);
}

/* Ends every flight in the air with crc (libcurl's multi handle failed). */
static size_t end_all(tfy__hub *h, CURLcode crc)
{
	size_t ended = 0;
	while (h->flights) {
		tfy__flight *f = h->flights;
		unlink_flight(f);
		curl_multi_remove_handle(h->multi, f->easy);
		hop_ended(f, crc);
		ended++;
	}
	return ended;
}

/* The flights libcurl finished (a response, or its failure). */
static size_t read_done(tfy__hub *h)
{
	size_t ended = 0;
	int left;
	for (CURLMsg *m; (m = curl_multi_info_read(h->multi, &left));) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode crc = m->data.result; /* m is gone once the handle is removed */
		tfy__flight *f = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&f);
		unlink_flight(f);
		curl_multi_remove_handle(h->multi, easy);
		hop_ended(f, crc);
		ended++;
	}
	return ended;
}

/*
 * Bytes libcurl counted for f (headers, raw body before decoding, upload):
 * any change is progress for the stall check, whether or not the bytes
 * make a whole header line or decompress to any body yet.
 */
static curl_off_t counted(const tfy__flight *f)
{
	curl_off_t down = 0, up = 0;
	long head = 0;
	curl_easy_getinfo(f->easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(f->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(f->easy, CURLINFO_HEADER_SIZE, &head);
	return down + up + head;
}

/* Ends the flights the caller, the deadline or the stall detector wants stopped. */
static size_t stop_flights(tfy__hub *h, int64_t now)
{
	size_t ended = 0;
	tfy__flight *next;
	/* A flight's done callback may start others (at the head), never end one. */
	for (tfy__flight *f = h->flights; f; f = next) {
		next = f->next;
		curl_off_t n = counted(f);
		if (n != f->counted) {
			f->counted = n;
			f->x.last_byte_ms = now;
		}
		if (!should_stop(&f->req, &f->x))
			continue;
		unlink_flight(f);
		curl_multi_remove_handle(h->multi, f->easy);
		hop_ended(f, CURLE_ABORTED_BY_CALLBACK);
		ended++;
	}
	return ended;
}

/*
 * Time between two steps longer than a poll is the caller's (a page being
 * read, a loop not driven): no server's stall.  Every flight's stall
 * clock moves on by it.
 */
static void excuse_absence(tfy__hub *h, int64_t now)
{
	if (h->watch)
		return; /* an event loop's silence is the server's: no step is skipped */
	int64_t away = h->driven_ms ? now - h->driven_ms : 0;
	if (away > POLL_MS)
		for (tfy__flight *f = h->flights; f; f = f->next)
			f->x.last_byte_ms = tfy__add_ms(f->x.last_byte_ms, away);
}

size_t tfy__hub_perform(tfy__hub *h)
{
	excuse_absence(h, tfy__now_ms());
	size_t ended = 0;
	int running;
	if (curl_multi_perform(h->multi, &running) != CURLM_OK)
		ended += end_all(h, CURLE_OUT_OF_MEMORY);
	ended += read_done(h);
	ended += stop_flights(h, tfy__now_ms());
	h->driven_ms = tfy__now_ms();
	return ended;
}

size_t tfy__hub_wait(tfy__hub *h, int64_t ms)
{
	excuse_absence(h, tfy__now_ms());
	int ready = 0;
	size_t ended = 0;
	if (curl_multi_poll(h->multi, NULL, 0,
	                    ms < 0           ? 0
	                    : ms > INT32_MAX ? INT32_MAX
	                                     : (int)ms,
	                    &ready) != CURLM_OK)
		ended = end_all(h, CURLE_ABORTED_BY_CALLBACK);
	else if (ready > 0 && h->flying == 1)
		/* The one flight's connection is ready: bytes arrived for it. */
		h->flights->x.last_byte_ms = tfy__now_ms();
	h->driven_ms = tfy__now_ms();
	return ended;
}

/* libcurl's socket callback: what to watch a socket for, passed on to the owner's loop. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)easy;
	(void)socketp;
	tfy__hub *h = userp;
	int want = what == CURL_POLL_IN    ? TFY__WATCH_READ
	         : what == CURL_POLL_OUT   ? TFY__WATCH_WRITE
	         : what == CURL_POLL_INOUT ? TFY__WATCH_READ | TFY__WATCH_WRITE
	                                   : 0;
	return h->watch && h->watch(h->watch_userdata, (int)s, want) < 0 ? -1 : 0;
}

/* libcurl's timer callback: when it next wants a timeout action (-1: never). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	tfy__hub *h = userp;
	h->curl_due = timeout_ms < 0 ? 0 : tfy__add_ms(tfy__now_ms(), timeout_ms);
	return 0;
}

/* Socket mode on (watch set) or off (NULL): 0, or -1 when libcurl refuses. */
static int set_socket_mode(tfy__hub *h, tfy__hub_watch_fn watch, void *userdata)
{
	h->watch = watch;
	h->watch_userdata = userdata;
	h->curl_due = 0;
	curl_socket_callback sf = watch ? on_curl_socket : NULL;
	curl_multi_timer_callback tf = watch ? on_curl_timer : NULL;
	return curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sf) == CURLM_OK &&
	                       curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, (void *)h) == CURLM_OK &&
	                       curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, tf) == CURLM_OK &&
	                       curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, (void *)h) == CURLM_OK
	             ? 0
	             : -1;
}

int tfy__hub_use_sockets(tfy__hub *h, tfy__hub_watch_fn watch, void *userdata)
{
	if (h->flights || set_socket_mode(h, watch, userdata) < 0) {
		set_socket_mode(h, NULL, NULL);
		return -1;
	}
	return 0;
}

size_t tfy__hub_act(tfy__hub *h, int fd, int32_t events)
{
	int running;
	CURLMcode mc;
	if (fd < 0) {
		h->curl_due = 0; /* libcurl sets the next one while it acts */
		mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	} else {
		int ev = (events & TFY__WATCH_READ ? CURL_CSELECT_IN : 0) |
		         (events & TFY__WATCH_WRITE ? CURL_CSELECT_OUT : 0) |
		         (events & TFY__WATCH_ERROR ? CURL_CSELECT_ERR : 0);
		mc = curl_multi_socket_action(h->multi, (curl_socket_t)fd, ev, &running);
	}
	size_t ended = mc == CURLM_OK            ? 0
	             : mc == CURLM_OUT_OF_MEMORY ? end_all(h, CURLE_OUT_OF_MEMORY)
	                                         : end_all(h, CURLE_ABORTED_BY_CALLBACK);
	ended += read_done(h);
	ended += stop_flights(h, tfy__now_ms());
	h->driven_ms = tfy__now_ms();
	return ended;
}

static int64_t sooner(int64_t a, int64_t b)
{
	return !a || (b && b < a) ? b : a;
}

int64_t tfy__hub_due(const tfy__hub *h, int64_t now)
{
	int64_t due = h->curl_due;
	for (const tfy__flight *f = h->flights; f; f = f->next) {
		if (f->x.cancelled)
			return now;
		due = sooner(due, f->req.deadline);
		if (f->req.stall_timeout_ms > 0)
			due = sooner(due, tfy__add_ms(f->x.last_byte_ms, f->req.stall_timeout_ms + 1));
	}
	return due;
}

void tfy__flight_cancel(tfy__flight *f)
{
	f->x.cancelled = 1;
}

/*
 * Drops a flight of a hub sent by the parent of this process without
 * touching its handle or connection, which are the parent's: only the
 * memory that is this flight's own is freed (the header lines scrubbed: one
 * holds the key).  The handle stays reachable in its hub, which is set aside.
 */
static void let_go(tfy__flight *f)
{
	tfy__hub *h = f->hub;
	unlink_flight(f);
	h->idle[h->idle_count++] = f->easy;
	header_list_free(f->headers);
	header_list_free(f->safe_headers);
	tfy__buf_clear(&f->x.body);
	tfy__http_response_clear(&f->resp);
	tfy__free(f->hop_url);
	tfy__free(f);
}

void tfy__flight_abandon(tfy__flight *f)
{
	if (f && tfy__hub_inherited(f->hub))
		let_go(f);
	else if (f)
		land(f);
}

void tfy__hub_release(tfy__hub *h)
{
	if (!h)
		return;
	while (h->flights)
		tfy__flight_abandon(h->flights);
	if (h->watch)
		set_socket_mode(h, NULL, NULL); /* back in the pool, a hub is polled */
	if (tfy__hub_inherited(h)) {
		set_aside(h);
		return;
	}
	tfy__transport *t = h->transport;
	h->driven_ms = 0;
	pthread_mutex_lock(&t->lock);
	t->idle[t->idle_count++] = h; /* tfy__hub_acquire() reserved the room */
	pthread_mutex_unlock(&t->lock);
}

/* Where tfy__transport_send's one flight reports. */
typedef struct sent {
	int over;
	tfy_code rc;
	tfy__http_response *resp;
	char *detail;
	size_t detail_size;
} sent;

/* cppcheck-suppress constParameter ; the type of tfy__flight_done_fn */
static void on_sent(void *userdata, tfy_code rc, tfy__http_response *resp, const char *detail)
{
	sent *s = userdata;
	s->over = 1;
	s->rc = rc;
	*s->resp = *resp;
	snprintf(s->detail, s->detail_size, "%s", detail);
}

tfy_code tfy__transport_send(tfy__transport *t, const tfy__http_request *req,
                             tfy__http_response *resp, char *detail, size_t detail_size)
{
	memset(resp, 0, sizeof(*resp));
	tfy__hub *h = tfy__hub_acquire(t);
	if (!h) {
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	sent s = { 0, TFY_OK, resp, detail, detail_size };
	tfy__flight *f;
	tfy_code rc = tfy__hub_start(h, req, on_sent, &s, &f, detail, detail_size);
	while (rc == TFY_OK && (tfy__hub_perform(h), !s.over))
		tfy__hub_wait(h, POLL_MS);
	tfy__hub_release(h);
	return rc == TFY_OK ? s.rc : rc;
}

void tfy__http_response_clear(tfy__http_response *resp)
{
	tfy__free(resp->body);
	forget_headers(resp);
	memset(resp, 0, sizeof(*resp));
}
