#include "transport.h"

#include "alloc.h"

#include <curl/curl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "retry.h"

/* Kept whole up to here: the caller masks the key, then cuts to what it shows. */
#define HEADER_VALUE_MAX 8192
#define POLL_MS 50

/* An easy handle and the multi handle whose connection cache it uses. */
typedef struct slot {
	CURL *easy;
	CURLM *multi;
} slot;

struct tfy__transport {
	pthread_mutex_t lock;
	slot *idle;        /* slots not in use, each with its live connections */
	size_t idle_count;
	size_t idle_cap;   /* always >= slots, so release() never allocates */
	size_t slots;      /* slots alive, idle or in use */
};

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
	return t;
}

static void slot_cleanup(slot *s)
{
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->easy)
		curl_easy_cleanup(s->easy);
}

void tfy__transport_free(tfy__transport *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->idle_count; i++)
		slot_cleanup(&t->idle[i]);
	tfy__free(t->idle);
	pthread_mutex_destroy(&t->lock);
	tfy__free(t);
}

static int acquire(tfy__transport *t, slot *out)
{
	int found = 0;
	pthread_mutex_lock(&t->lock);
	if (t->idle_count) {
		*out = t->idle[--t->idle_count];
		found = 1;
	}
	if (found) {
		pthread_mutex_unlock(&t->lock);
		curl_easy_reset(out->easy); /* the connections live in the multi handle */
		return 0;
	}
	/*
	 * A new slot: make room for it in the idle array now, while running out
	 * of memory can still fail the call, so that handing it back in
	 * release() cannot fail (it used to drop the slot silently there).
	 */
	int room = 1;
	if (t->slots == t->idle_cap) {
		size_t cap = t->idle_cap ? t->idle_cap * 2 : 4;
		slot *grown = tfy__realloc(t->idle, cap * sizeof(*grown));
		if (grown) {
			t->idle = grown;
			t->idle_cap = cap;
		} else {
			room = 0;
		}
	}
	if (room)
		t->slots++;
	pthread_mutex_unlock(&t->lock);
	if (!room)
		return -1;
	out->easy = curl_easy_init();
	out->multi = curl_multi_init();
	if (out->easy && out->multi)
		return 0;
	slot_cleanup(out);
	out->easy = NULL;
	out->multi = NULL;
	pthread_mutex_lock(&t->lock);
	t->slots--;
	pthread_mutex_unlock(&t->lock);
	return -1;
}

static void release(tfy__transport *t, slot s)
{
	pthread_mutex_lock(&t->lock);
	t->idle[t->idle_count++] = s; /* acquire() reserved the room */
	pthread_mutex_unlock(&t->lock);
}

typedef struct transfer {
	tfy__buf body;
	size_t max_body;
	int too_large;
	int cancelled;
	int stalled;
	int past_deadline;
	int oom;                  /* a kept header could not be copied */
	int64_t last_byte_ms;     /* when anything last arrived (or the start) */
	tfy__http_response *resp; /* receives the headers we keep */
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	transfer *x = userdata;
	size_t n = size * nmemb;
	x->last_byte_ms = tfy__now_ms();
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

static void forget_headers(tfy__http_response *resp)
{
	for (size_t i = 0; i < KEPT_COUNT; i++) {
		tfy__free(*kept_slot(resp, i));
		*kept_slot(resp, i) = NULL;
	}
}

/* A copy of a header's value without surrounding blanks, bounded in length. */
static char *header_value(const char *line, size_t len, size_t name_len)
{
	const char *v = line + name_len + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t n = (size_t)(end - v) < HEADER_VALUE_MAX ? (size_t)(end - v) : HEADER_VALUE_MAX;
	char *copy = tfy__malloc(n + 1);
	if (copy) {
		memcpy(copy, v, n);
		copy[n] = '\0';
	}
	return copy;
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
		/* A new response (after 100 Continue or a redirect): drop the last one's. */
		forget_headers(x->resp);
		return len;
	}
	if (reserve_for_length(x, line, len) < 0) {
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

static struct curl_slist *header_list(const tfy__http_request *req)
{
	struct curl_slist *list = NULL;
	for (size_t i = 0; i < req->headers_count; i++) {
		struct curl_slist *next = curl_slist_append(list, req->headers[i]);
		if (!next) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = next;
	}
	return list;
}

static void configure_tls(CURL *h, const tfy__http_request *req)
{
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req->tls_insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req->tls_insecure ? 0L : 2L);
	if (req->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
	if (req->ca_path)
		curl_easy_setopt(h, CURLOPT_CAPATH, req->ca_path);
}

/*
 * libcurl itself keeps a custom Authorization header from hosts other than
 * the original one when it follows a redirect (unless
 * CURLOPT_UNRESTRICTED_AUTH, which is never set here).
 */
static void configure_redirects(CURL *h, const tfy__http_request *req)
{
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req->follow_redirects ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static void configure(CURL *h, const tfy__http_request *req, struct curl_slist *headers,
                      transfer *x, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* signals are not safe in threaded callers */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	configure_tls(h, req);
	configure_redirects(h, req);
}

static tfy_code map_curl_code(CURLcode rc, const transfer *x)
{
	if (x->cancelled)
		return TFY_ERROR_CANCELLED;
	if (x->stalled || x->past_deadline)
		return TFY_ERROR_TIMEOUT;
	switch (rc) {
	case CURLE_OK: return TFY_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return TFY_ERROR_DNS;
	case CURLE_COULDNT_CONNECT: return TFY_ERROR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT: return TFY_ERROR_TIMEOUT;
	case CURLE_OUT_OF_MEMORY: return TFY_ERROR_OUT_OF_MEMORY;
	case CURLE_FILESIZE_EXCEEDED: return TFY_ERROR_RESPONSE_TOO_LARGE;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT: return TFY_ERROR_INVALID_ARGUMENT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE: return TFY_ERROR_TLS;
	case CURLE_WRITE_ERROR:
		return x->too_large ? TFY_ERROR_RESPONSE_TOO_LARGE : TFY_ERROR_OUT_OF_MEMORY;
	default: return TFY_ERROR_NETWORK;
	}
}

static void describe_failure(CURLcode crc, const transfer *x, const tfy__http_request *req,
                             const char *errbuf, char *detail, size_t size)
{
	if (x->cancelled)
		snprintf(detail, size, "cancelled by the caller");
	else if (x->stalled)
		snprintf(detail, size, "no data received for %lld ms", (long long)req->stall_timeout_ms);
	else if (x->past_deadline)
		snprintf(detail, size, "the call's deadline passed");
	else if (x->too_large || crc == CURLE_FILESIZE_EXCEEDED)
		snprintf(detail, size, "the body exceeded %zu bytes", x->max_body);
	else
		snprintf(detail, size, "%s", errbuf[0] ? errbuf : curl_easy_strerror(crc));
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

/* Drives one transfer to its end, polling often enough to act on should_stop. */
/* One request on its way: started by tfy__transport_start, ended by finish or abandon. */
struct tfy__flight {
	tfy__transport *transport;
	slot s;
	struct curl_slist *headers;
	tfy__http_request req;     /* the caller's, minus what libcurl copied */
	transfer x;
	tfy__http_response resp;   /* filled as the answer arrives */
	char errbuf[CURL_ERROR_SIZE];
};

/* Drives the transfer to its end, polling often enough to act on should_stop. */
static CURLcode drive(tfy__flight *f)
{
	CURLcode result = CURLE_OK;
	int running = 1;
	while (running) {
		if (curl_multi_perform(f->s.multi, &running) != CURLM_OK) {
			result = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (running && (should_stop(&f->req, &f->x) ||
		                curl_multi_poll(f->s.multi, NULL, 0, POLL_MS, NULL) != CURLM_OK)) {
			result = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
	}
	int left;
	for (CURLMsg *m; (m = curl_multi_info_read(f->s.multi, &left));)
		if (m->msg == CURLMSG_DONE)
			result = m->data.result;
	return result;
}

static tfy_code finish(CURL *h, CURLcode crc, transfer *x, const tfy__http_request *req,
                       const char *errbuf, char *detail, size_t detail_size)
{
	tfy__http_response *resp = x->resp;
	tfy_code rc = map_curl_code(crc, x);
	if (rc != TFY_OK) {
		describe_failure(crc, x, req, errbuf, detail, detail_size);
		tfy__buf_clear(&x->body);
		tfy__http_response_clear(resp);
		return rc;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body_len = x->body.len;
	resp->body = tfy__buf_detach(&x->body);
	if (resp->body)
		return TFY_OK;
	tfy__http_response_clear(resp);
	snprintf(detail, detail_size, "out of memory");
	return TFY_ERROR_OUT_OF_MEMORY;
}

/* Returns the slot to the pool; the handle must not keep pointers into f. */
static void land(tfy__flight *f)
{
	curl_multi_remove_handle(f->s.multi, f->s.easy);
	curl_easy_setopt(f->s.easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(f->s.easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(f->headers);
	release(f->transport, f->s);
	tfy__buf_clear(&f->x.body);
	tfy__http_response_clear(&f->resp);
	tfy__free(f);
}

tfy_code tfy__transport_start(tfy__transport *t, const tfy__http_request *req,
                              tfy__flight **out, char *detail, size_t detail_size)
{
	tfy__flight *f = tfy__calloc(1, sizeof(*f));
	*out = NULL;
	if (!f || acquire(t, &f->s) < 0 ||
	    (req->headers_count && !(f->headers = header_list(req)))) {
		if (f && f->s.easy)
			release(t, f->s);
		tfy__free(f);
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	f->transport = t;
	f->req = *req;
	f->x = (transfer){ TFY__BUF_INIT, req->max_body, 0, 0, 0, 0, 0, tfy__now_ms(), &f->resp };
	configure(f->s.easy, req, f->headers, &f->x, f->errbuf);
	if (curl_multi_add_handle(f->s.multi, f->s.easy) != CURLM_OK) {
		land(f);
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	/* On a kept-alive connection this already sends the request. */
	int running;
	curl_multi_perform(f->s.multi, &running);
	*out = f;
	return TFY_OK;
}

tfy_code tfy__transport_finish(tfy__flight *f, tfy__http_response *resp, char *detail,
                               size_t detail_size)
{
	/* Time spent before finishing (a caller working on the last page) is no stall. */
	f->x.last_byte_ms = tfy__now_ms();
	CURLcode crc = drive(f);
	tfy_code rc = finish(f->s.easy, crc, &f->x, &f->req, f->errbuf, detail, detail_size);
	*resp = f->resp;
	memset(&f->resp, 0, sizeof(f->resp));
	land(f);
	return rc;
}

void tfy__transport_abandon(tfy__flight *f)
{
	if (f)
		land(f);
}

tfy_code tfy__transport_get(tfy__transport *t, const tfy__http_request *req,
                            tfy__http_response *resp, char *detail, size_t detail_size)
{
	tfy__flight *f;
	memset(resp, 0, sizeof(*resp));
	tfy_code rc = tfy__transport_start(t, req, &f, detail, detail_size);
	return rc == TFY_OK ? tfy__transport_finish(f, resp, detail, detail_size) : rc;
}

void tfy__http_response_clear(tfy__http_response *resp)
{
	tfy__free(resp->body);
	forget_headers(resp);
	memset(resp, 0, sizeof(*resp));
}
