#include "transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define REQUEST_ID_MAX 256

struct tfy__transport {
	pthread_mutex_t lock;
	CURL **idle;       /* handles not in use, each with its live connections */
	size_t idle_count;
	size_t idle_cap;
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
	tfy__transport *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void tfy__transport_free(tfy__transport *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->idle_count; i++)
		curl_easy_cleanup(t->idle[i]);
	free(t->idle);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static CURL *acquire(tfy__transport *t)
{
	CURL *h = NULL;
	pthread_mutex_lock(&t->lock);
	if (t->idle_count)
		h = t->idle[--t->idle_count];
	pthread_mutex_unlock(&t->lock);
	if (h)
		curl_easy_reset(h); /* keeps the handle's live connections */
	else
		h = curl_easy_init();
	return h;
}

static void release(tfy__transport *t, CURL *h)
{
	pthread_mutex_lock(&t->lock);
	if (t->idle_count == t->idle_cap) {
		size_t cap = t->idle_cap ? t->idle_cap * 2 : 4;
		CURL **grown = realloc(t->idle, cap * sizeof(*grown));
		if (grown) {
			t->idle = grown;
			t->idle_cap = cap;
		}
	}
	if (t->idle_count < t->idle_cap) {
		t->idle[t->idle_count++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	if (h)
		curl_easy_cleanup(h);
}

typedef struct transfer {
	tfy__buf body;
	size_t max_body;
	int too_large;
	char *request_id;
} transfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	transfer *x = userdata;
	size_t n = size * nmemb;
	if (n > x->max_body - x->body.len) {
		x->too_large = 1;
		return 0; /* aborts the transfer before buffering past the cap */
	}
	return tfy__buf_append(&x->body, data, n) < 0 ? 0 : n;
}

static int header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	transfer *x = userdata;
	size_t len = size * nmemb;
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): forget the previous one's headers. */
		free(x->request_id);
		x->request_id = NULL;
	} else if (header_is(line, len, "x-request-id")) {
		const char *v = line + sizeof("x-request-id");
		const char *end = line + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t n = (size_t)(end - v) < REQUEST_ID_MAX ? (size_t)(end - v) : REQUEST_ID_MAX;
		free(x->request_id);
		x->request_id = malloc(n + 1);
		if (x->request_id) {
			memcpy(x->request_id, v, n);
			x->request_id[n] = '\0';
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

static void configure(CURL *h, const tfy__http_request *req, struct curl_slist *headers,
                      transfer *x, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* signals are not safe in threaded callers */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req->tls_insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req->tls_insecure ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
}

static tfy_code map_curl_code(CURLcode rc, const transfer *x)
{
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

static tfy_code finish(CURL *h, CURLcode crc, transfer *x, tfy__http_response *resp,
                       const char *errbuf, char *detail, size_t detail_size)
{
	tfy_code rc = map_curl_code(crc, x);
	if (rc != TFY_OK) {
		snprintf(detail, detail_size, "%s", errbuf[0] ? errbuf : curl_easy_strerror(crc));
		if (x->too_large)
			snprintf(detail, detail_size, "the body exceeded %zu bytes", x->max_body);
		tfy__buf_clear(&x->body);
		free(x->request_id);
		return rc;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body_len = x->body.len;
	resp->body = tfy__buf_detach(&x->body);
	resp->request_id = x->request_id;
	return resp->body ? TFY_OK : TFY_ERROR_OUT_OF_MEMORY;
}

tfy_code tfy__transport_get(tfy__transport *t, const tfy__http_request *req,
                            tfy__http_response *resp, char *detail, size_t detail_size)
{
	memset(resp, 0, sizeof(*resp));
	CURL *h = acquire(t);
	struct curl_slist *headers = h ? header_list(req) : NULL;
	if (!headers) {
		if (h)
			release(t, h);
		snprintf(detail, detail_size, "out of memory");
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	transfer x = { TFY__BUF_INIT, req->max_body, 0, NULL };
	char errbuf[CURL_ERROR_SIZE] = "";
	configure(h, req, headers, &x, errbuf);
	CURLcode crc = curl_easy_perform(h);
	tfy_code rc = finish(h, crc, &x, resp, errbuf, detail, detail_size);
	/* The handle must not keep pointers to this call's stack and header list. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	release(t, h);
	return rc;
}

void tfy__http_response_clear(tfy__http_response *resp)
{
	free(resp->body);
	free(resp->request_id);
	memset(resp, 0, sizeof(*resp));
}
