/*
 * Credentials that change (the credential callback, a gateway that rotates
 * its key), the retry policy (backoff range, Retry-After policy, on_retry)
 * and kept response headers, against tfy-mock-gateway and a raw server on
 * loopback.  Time bounds are generous upper bounds only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-rotating-key-for-tests"
#define ROTATE_EVERY "3"
#define SECRET "sk-dynamic-SECRET-0123456789"

typedef struct fixture {
	tu_gateway fixed;    /* accepts KEY only */
	tu_gateway rotating; /* KEY, then KEY-2, KEY-3, ... every ROTATE_EVERY requests */
	tu_gateway limited;  /* one 429 with Retry-After: 120, after each /_mock/faults/reset */
} fixture;

static int setup(void **state)
{
	static const char *const fixed[] = { "--count", "250", "--api-key", KEY, NULL };
	static const char *const rotating[] = {
		"--count", "250", "--api-key", KEY, "--rotate-key-after", ROTATE_EVERY, NULL
	};
	static const char *const limited[] = { "--api-key", KEY, "--fault",
		                               "retry-after:seconds=120", NULL };
	fixture *f = calloc(1, sizeof(*f));
	if (!f || tu_gateway_start(&f->fixed, fixed) < 0 ||
	    tu_gateway_start(&f->rotating, rotating) < 0 || tu_gateway_start(&f->limited, limited) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = tu_gateway_stop(&f->fixed) | tu_gateway_stop(&f->rotating) |
	         tu_gateway_stop(&f->limited);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* A credential source: a generation of the key, moved on by each refresh. */
typedef struct source {
	atomic_int calls;
	atomic_int refreshes;
	atomic_int generation; /* 1: KEY, n: KEY-n */
	int fail;              /* return non-zero */
	const char *fixed;     /* give this key instead (may be bad) */
	int stuck;             /* a refresh gives the same key again */
} source;

static int32_t credential(void *userdata, int32_t refresh, char *key, size_t key_size)
{
	source *s = userdata;
	atomic_fetch_add(&s->calls, 1);
	if (refresh) {
		atomic_fetch_add(&s->refreshes, 1);
		if (!s->stuck)
			atomic_fetch_add(&s->generation, 1);
	}
	if (s->fail)
		return 1;
	int g = atomic_load(&s->generation);
	if (s->fixed)
		snprintf(key, key_size, "%s", s->fixed);
	else if (g == 1)
		snprintf(key, key_size, "%s", KEY);
	else
		snprintf(key, key_size, "%s-%d", KEY, g);
	return 0;
}

/* A client on base + /v1 whose key comes from s; other options from base_opts. */
static tfy_client *credential_client(const char *base, source *s, const tfy_client_options *opts)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/v1", base);
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	if (opts)
		o = *opts;
	o.credential = credential;
	o.credential_userdata = s;
	tfy_client *c = tu_client_url(url, NULL, &o);
	assert_non_null(c);
	return c;
}

static tfy_code list_once(tfy_client *c, const char *fault, tfy_batch_page **page, tfy_error **err)
{
	return tu_list_faulty(c, fault, 5, page, err);
}

static void test_key_asked_before_each_attempt(void **state)
{
	fixture *f = *state;
	/* No key anywhere but the callback. */
	unsetenv("TFY_API_KEY");
	unsetenv("OPENAI_API_KEY");
	source s = { .generation = 1 };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.retry_initial_backoff_ms = 5;
	o.retry_max_backoff_ms = 10;
	tfy_client *c = credential_client(f->fixed.base, &s, &o);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_OK);
	assert_int_equal(page->count, 5);
	assert_int_equal(atomic_load(&s.calls), 1);
	tfy_batch_page_free(page);
	/* Three attempts, three keys asked for. */
	assert_int_equal(list_once(c, "status:code=503,times=0", &page, &err), TFY_ERROR_SERVER);
	assert_int_equal(err->attempts, 3);
	assert_int_equal(atomic_load(&s.calls), 4);
	assert_int_equal(atomic_load(&s.refreshes), 0);
	tfy_error_free(err);
	tfy_client_free(c);
}

static void test_callback_failure_sends_nothing(void **state)
{
	fixture *f = *state;
	static const char *const bad_keys[] = { "   ", "abc\r\nx-evil: 1", "tab\x01key" };
	long before = tu_gateway_requests(&f->fixed);
	source s = { .generation = 1, .fail = 1 };
	tfy_client *c = credential_client(f->fixed.base, &s, NULL);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_ERROR_AUTHENTICATION);
	assert_null(page);
	assert_int_equal(err->attempts, 0);
	assert_int_equal(err->http_status, 0);
	assert_non_null(strstr(err->message, "credential callback failed"));
	tfy_error_free(err);
	s.fail = 0;
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		s.fixed = bad_keys[i];
		assert_int_equal(list_once(c, NULL, &page, &err), TFY_ERROR_AUTHENTICATION);
		assert_int_equal(err->attempts, 0);
		assert_non_null(strstr(err->message, "blank or contains CR, LF"));
		assert_null(strstr(err->message, "evil"));
		tfy_error_free(err);
	}
	assert_int_equal(tu_gateway_requests(&f->fixed), before);
	tfy_client_free(c);
}

/* A 401 earns one request with a refreshed key, outside max_retries. */
static void test_refresh_after_401(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = TFY_NONE;
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	/* Still refused after the refresh: one refresh, two requests, the 401. */
	source s = { .generation = 1, .fixed = "an-old-key-the-gateway-refuses" };
	tfy_client *c = credential_client(f->fixed.base, &s, &o);
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_ERROR_AUTHENTICATION);
	assert_int_equal(err->attempts, 2);
	assert_int_equal(err->http_status, 401);
	assert_int_equal(atomic_load(&s.refreshes), 1);
	assert_int_equal(atomic_load(&s.calls), 2);
	tfy_error_free(err);
	tfy_client_free(c);
	/* A stale key, then the refresh gives the right one: success with no retries allowed. */
	source t = { .generation = 0 }; /* KEY-0 is stale; the refresh moves to generation 1, KEY */
	c = credential_client(f->fixed.base, &t, &o);
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_OK);
	assert_int_equal(page->count, 5);
	assert_int_equal(atomic_load(&t.refreshes), 1);
	assert_int_equal(atomic_load(&t.calls), 2);
	tfy_batch_page_free(page);
	tfy_client_free(c);
}

/* A long iteration keeps going across several rotations of the gateway's key. */
static void test_iteration_across_rotations(void **state)
{
	fixture *f = *state;
	long before = tu_gateway_requests(&f->rotating);
	source s = { .generation = 1 };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = TFY_NONE; /* refreshes are not retries */
	tfy_client *c = credential_client(f->rotating.base, &s, &o);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 20;
	tfy_batch_iter *it = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batch_iter_new(c, &lo, &it, &err), TFY_OK);
	const tfy_batch *b;
	int64_t n = 0;
	tfy_code rc;
	while ((rc = tfy_batch_iter_next(it, &b, &err)) == TFY_OK && b)
		n++;
	if (rc != TFY_OK)
		fail_msg("iteration failed: %s", err->message);
	assert_int_equal(n, 250);
	/* 13 pages over a key that lasts 3 requests: several rotations, one refresh each. */
	int refreshes = atomic_load(&s.refreshes);
	assert_true(refreshes >= 3);
	assert_int_equal(tu_gateway_requests(&f->rotating) - before, 13 + refreshes);
	tfy_batch_iter_free(it);
	tfy_client_free(c);
}

/* Several threads share one credential client; each call has its own key buffer. */
typedef struct worker {
	tfy_client *client;
	int ok;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 4; i++) {
		tfy_batch_page *page = NULL;
		tfy_error *err = NULL;
		if (list_once(w->client, NULL, &page, &err) == TFY_OK)
			w->ok++;
		tfy_batch_page_free(page);
		tfy_error_free(err);
	}
	return NULL;
}

static void test_callback_from_several_threads(void **state)
{
	fixture *f = *state;
	source s = { .generation = 1 };
	tfy_client *c = credential_client(f->fixed.base, &s, NULL);
	pthread_t t[4];
	worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (worker){ c, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 4);
	}
	assert_int_equal(atomic_load(&s.calls), 16);
	tfy_client_free(c);
}

/* ---- The key never shows: a server that echoes it everywhere ---- */

static void echo_key(tu_server *s, int fd)
{
	(void)s;
	char head[8192], key[512] = "", headers[2048], body[2048];
	if (!tu_read_head_into(fd, head, sizeof(head)))
		return;
	tu_head_value(head, "\r\nAuthorization: Bearer ", key, sizeof(key));
	int blen = snprintf(body, sizeof(body),
	                    "{\"error\":{\"message\":\"Incorrect API key provided: %s\",\"type\":\"%s\","
	                    "\"param\":null,\"code\":\"invalid_api_key\"}}",
	                    key, key);
	snprintf(headers, sizeof(headers),
	         "x-request-id: req-%s\r\nx-tfy-echo: key=%s\r\nx-ratelimit-remaining: 7\r\n", key,
	         key);
	tu_send_answer(fd, 401, headers, body, (size_t)blen);
}

static void assert_no_secret(const char *s)
{
	if (s && (strstr(s, SECRET) || strstr(s, "SECRET-0123")))
		fail_msg("the key shows in: %s", s);
}

static void test_dynamic_key_masked_everywhere(void **state)
{
	(void)state;
	tu_server srv;
	tu_server_start(&srv, echo_key, NULL, 0);
	static tu_log cap;
	memset(&cap, 0, sizeof(cap));
	source s = { .generation = 1, .fixed = SECRET, .stuck = 1 };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	tu_log_into(&cap, &o, TFY_LOG_DEBUG);
	char base[80];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", srv.port);
	tfy_client *c = credential_client(base, &s, &o);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_ERROR_AUTHENTICATION);
	assert_int_equal(err->attempts, 2); /* the refresh gave the same key */
	const char *fields[] = { err->message,
		                 err->api_type,
		                 err->api_code,
		                 err->api_message,
		                 err->request_id,
		                 err->detail,
		                 err->body,
		                 tfy_error_header(err, "x-request-id"),
		                 tfy_error_header(err, "x-tfy-echo") };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_no_secret(fields[i]);
	assert_non_null(strstr(err->api_message, "[REDACTED]"));
	assert_string_equal(tfy_error_header(err, "X-TFY-ECHO"), "key=[REDACTED]");
	assert_string_equal(tfy_error_header(err, "x-request-id"), err->request_id);
	assert_string_equal(tfy_error_header(err, "x-ratelimit-remaining"), "7");
	assert_null(tfy_error_header(err, "content-type")); /* not kept */
	for (size_t i = 0; i < cap.count; i++)
		assert_no_secret(tu_log_line(&cap, i));
	assert_non_null(tu_log_find(&cap, 0, "-> 401"));
	assert_non_null(tu_log_find(&cap, 0, "credential callback"));
	tfy_error_free(err);
	tfy_client_free(c);
	tu_server_stop(&srv);
}

/*
 * Every key a call sent stays masked to its end: after a 401 and a refresh,
 * a server that echoes the first key in its answer to the second.
 */
#define FIRST_KEY "sk-first-Qv7Rt2Lm9Xw4"
#define SECOND_KEY "sk-second-Hk3Zp8Nd1Yc6"

static char keys_seen[512];

static void echo_every_key(tu_server *s, int fd)
{
	(void)s;
	char head[8192], key[128] = "", headers[2048], body[2048];
	if (!tu_read_head_into(fd, head, sizeof(head)))
		return;
	tu_head_value(head, "\r\nAuthorization: Bearer ", key, sizeof(key));
	size_t used = strlen(keys_seen);
	snprintf(keys_seen + used, sizeof(keys_seen) - used, "%s%s", used ? "," : "", key);
	int blen = snprintf(body, sizeof(body),
	                    "{\"error\":{\"message\":\"Incorrect API keys provided: %s\"}}",
	                    keys_seen);
	snprintf(headers, sizeof(headers), "x-request-id: req-%s\r\nx-tfy-echo: %s\r\n", keys_seen,
	         keys_seen);
	tu_send_answer(fd, 401, headers, body, (size_t)blen);
}

static int32_t two_keys(void *userdata, int32_t refresh, char *key, size_t key_size)
{
	(void)userdata;
	snprintf(key, key_size, "%s", refresh ? SECOND_KEY : FIRST_KEY);
	return 0;
}

static void assert_no_call_key(const char *s)
{
	if (s && (strstr(s, "sk-first") || strstr(s, "sk-secon")))
		fail_msg("a key of the call shows in: %s", s);
}

static void test_earlier_key_masked_after_refresh(void **state)
{
	(void)state;
	keys_seen[0] = '\0';
	tu_server srv;
	tu_server_start(&srv, echo_every_key, NULL, 0);
	static tu_log cap;
	memset(&cap, 0, sizeof(cap));
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.credential = two_keys;
	o.max_retries = TFY_NONE;
	tu_log_into(&cap, &o, TFY_LOG_DEBUG);
	tfy_client *c = tu_client_url(srv.base, NULL, &o);
	assert_non_null(c);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_ERROR_AUTHENTICATION);
	assert_int_equal(err->attempts, 2);
	assert_string_equal(keys_seen, FIRST_KEY "," SECOND_KEY); /* both were sent, and echoed */
	const char *fields[] = { err->message, err->api_message, err->request_id,
		                 err->detail,  err->body,        tfy_error_header(err, "x-tfy-echo") };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_no_call_key(fields[i]);
	assert_string_equal(err->request_id, "req-[REDACTED],[REDACTED]");
	for (size_t i = 0; i < cap.count; i++)
		assert_no_call_key(tu_log_line(&cap, i));
	assert_non_null(tu_log_find(&cap, 0, "-> 401"));
	tfy_error_free(err);
	tfy_client_free(c);
	tu_server_stop(&srv);
}

/* ---- Retry policy ---- */

typedef struct retries {
	int calls;
	int stop_at; /* return non-zero on this call (0: never) */
	int32_t attempt[8];
	int64_t delay[8];
	int32_t status[8];
	tfy_code code[8];
	char reason[8][128];
} retries;

static int32_t on_retry(void *userdata, const tfy_retry_info *info)
{
	retries *r = userdata;
	int i = r->calls++;
	if (i < 8) {
		r->attempt[i] = info->attempt;
		r->delay[i] = info->delay_ms;
		r->status[i] = info->http_status;
		r->code[i] = info->code;
		snprintf(r->reason[i], sizeof(r->reason[i]), "%s", info->reason);
	}
	return r->calls == r->stop_at;
}

static tfy_client *retry_client(const tu_gateway *gw, retries *r, int64_t initial, int64_t max,
                                int32_t policy, int64_t retry_after_max)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.on_retry = on_retry;
	o.on_retry_userdata = r;
	o.retry_initial_backoff_ms = initial;
	o.retry_max_backoff_ms = max;
	o.retry_after_policy = policy;
	o.retry_after_max_ms = retry_after_max;
	o.max_retries = 3;
	tfy_client *c = tu_client(gw, "/v1", KEY, &o);
	assert_non_null(c);
	return c;
}

/* Re-arms the limited gateway's one 429. */
static void rearm(const fixture *f)
{
	free(tu_http_get(&f->limited, "/_mock/faults/reset"));
}

static void test_on_retry_and_backoff_range(void **state)
{
	fixture *f = *state;
	retries r = { 0 };
	tfy_client *c = retry_client(&f->fixed, &r, 20, 50, 0, 0);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	double start = tu_now_s();
	assert_int_equal(list_once(c, "status:code=503,times=0", &page, &err), TFY_ERROR_SERVER);
	double took = tu_now_s() - start;
	assert_int_equal(err->attempts, 4);
	assert_int_equal(r.calls, 3);
	/* 20, 40, then 80 capped at 50; each times [0.75, 1]. */
	const int64_t base[] = { 20, 40, 50 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.attempt[i], i + 1);
		assert_int_equal(r.status[i], 503);
		assert_int_equal(r.code[i], TFY_ERROR_SERVER);
		assert_true(r.delay[i] >= base[i] * 3 / 4 && r.delay[i] <= base[i]);
		assert_non_null(strstr(r.reason[i], "HTTP 503"));
	}
	assert_true(took >= 0.08);
	assert_true(took < 5.0 * tu_slowdown());
	tfy_error_free(err);
	/* A non-zero answer ends the call with the last failure. */
	r = (retries){ .stop_at = 2 };
	assert_int_equal(list_once(c, "status:code=502,times=0", &page, &err), TFY_ERROR_SERVER);
	assert_int_equal(r.calls, 2);
	assert_int_equal(err->attempts, 2);
	assert_int_equal(err->http_status, 502);
	assert_non_null(strstr(err->message, "on_retry stopped the retries"));
	tfy_error_free(err);
	tfy_client_free(c);
}

static void test_retry_after_policies(void **state)
{
	fixture *f = *state;
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	/* FAIL (the default): at once, with retry_after_ms. */
	retries r = { 0 };
	tfy_client *c = retry_client(&f->fixed, &r, 10, 20, TFY_RETRY_AFTER_FAIL, 60);
	assert_int_equal(list_once(c, "retry-after:seconds=120", &page, &err), TFY_ERROR_RATE_LIMIT);
	assert_int_equal(err->attempts, 1);
	assert_int_equal(err->retry_after_ms, 120000);
	assert_int_equal(r.calls, 0);
	tfy_error_free(err);
	tfy_client_free(c);
	/* CLAMP: waits retry_after_max_ms, then retries. */
	r = (retries){ 0 };
	c = retry_client(&f->limited, &r, 10, 20, TFY_RETRY_AFTER_CLAMP, 60);
	rearm(f);
	double start = tu_now_s();
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_OK);
	/* The sleep counts whole milliseconds of the monotonic clock: up to 1 ms short. */
	assert_true(tu_now_s() - start >= 0.058);
	assert_true(tu_now_s() - start < 5.0 * tu_slowdown());
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.delay[0], 60);
	assert_int_equal(r.status[0], 429);
	assert_int_equal(r.code[0], TFY_ERROR_RATE_LIMIT);
	assert_int_equal(page->http_status, 200);
	tfy_batch_page_free(page);
	tfy_client_free(c);
	/* IGNORE: the library's backoff instead. */
	r = (retries){ 0 };
	c = retry_client(&f->limited, &r, 10, 20, TFY_RETRY_AFTER_IGNORE, 60);
	rearm(f);
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_OK);
	assert_int_equal(r.calls, 1);
	assert_true(r.delay[0] >= 7 && r.delay[0] <= 10);
	tfy_batch_page_free(page);
	/* A delay within retry_after_max_ms is honoured under every policy. */
	r = (retries){ 0 };
	assert_int_equal(list_once(c, "retry-after:ms=30", &page, &err), TFY_ERROR_RATE_LIMIT);
	assert_int_equal(r.calls, 3);
	assert_int_equal(r.delay[0], 30);
	assert_int_equal(r.delay[2], 30);
	tfy_error_free(err);
	tfy_client_free(c);
}

/* ---- Kept response headers ---- */

static void test_page_headers(void **state)
{
	fixture *f = *state;
	tfy_client *c = tu_client(&f->fixed, "/v1", KEY, NULL);
	assert_non_null(c);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_OK);
	assert_int_equal(page->http_status, 200);
	assert_non_null(page->request_id);
	assert_string_equal(tfy_batch_page_header(page, "X-Request-ID"), page->request_id);
	assert_null(tfy_batch_page_header(page, "content-type"));
	assert_null(tfy_batch_page_header(page, NULL));
	assert_null(tfy_batch_page_header(NULL, "x-request-id"));
	/* A batch of a page has no headers of its own; neither has a copy. */
	assert_null(tfy_batch_header(page->items[0], "x-request-id"));
	tfy_batch *copy = tfy_batch_dup(page->items[0]);
	assert_null(tfy_batch_header(copy, "x-request-id"));
	tfy_batch_free(copy);
	tfy_batch_page_free(page);
	/* Errors: the mock's request id, and the fault's Retry-After. */
	assert_int_equal(list_once(c, "retry-after:seconds=120", &page, &err), TFY_ERROR_RATE_LIMIT);
	assert_string_equal(tfy_error_header(err, "retry-after"), "120");
	assert_string_equal(tfy_error_header(err, "x-request-id"), err->request_id);
	tfy_error_free(err);
	assert_null(tfy_error_header(NULL, "x-request-id"));
	tfy_client_free(c);
	/* A parsed page has none, and status 0. */
	assert_int_equal(tfy_batch_page_parse("{\"data\":[]}", 11, &page, &err), TFY_OK);
	assert_int_equal(page->http_status, 0);
	assert_null(tfy_batch_page_header(page, "x-request-id"));
	tfy_batch_page_free(page);
}

static void test_keep_headers_cleaned_and_bounded(void **state)
{
	(void)state;
	/* 70 x-tfy-* headers: the first 64 kept names are x-ratelimit.., server-timing, x-custom, h0... */
	char headers[8192] = "x-ratelimit-limit-requests: 100\r\nserver-timing: db;dur=53\r\n"
			     "X-Custom: yes\r\nx-other: no\r\nx-tfy-ctl: a\x01"
			     "b\x1b[31m\r\n";
	size_t used = strlen(headers);
	for (int i = 0; i < 70; i++)
		used += (size_t)snprintf(headers + used, sizeof(headers) - used,
		                         "x-tfy-h%d: v%d\r\n", i, i);
	tu_server srv;
	tu_server_canned(&srv, 200, headers, "{\"object\":\"list\",\"data\":[],\"has_more\":false}");
	static const char *const keep[] = { "x-custom" };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.keep_headers = keep;
	o.keep_headers_count = 1;
	tfy_client *c = tu_client_url(srv.base, KEY, &o);
	assert_non_null(c);
	tfy_error *err = NULL;
	tfy_batch_page *page = NULL;
	assert_int_equal(list_once(c, NULL, &page, &err), TFY_OK);
	assert_string_equal(tfy_batch_page_header(page, "X-RateLimit-Limit-Requests"), "100");
	assert_string_equal(tfy_batch_page_header(page, "server-timing"), "db;dur=53");
	assert_string_equal(tfy_batch_page_header(page, "x-custom"), "yes");
	assert_null(tfy_batch_page_header(page, "x-other"));
	/* Control characters cleaned to U+FFFD, as in request ids. */
	assert_string_equal(tfy_batch_page_header(page, "x-tfy-ctl"), "a\xEF\xBF\xBD"
	                                                              "b\xEF\xBF\xBD[31m");
	/* 4 kept before them: x-tfy-h0 .. x-tfy-h59 make 64, the rest are dropped. */
	assert_string_equal(tfy_batch_page_header(page, "x-tfy-h59"), "v59");
	assert_null(tfy_batch_page_header(page, "x-tfy-h60"));
	assert_null(tfy_batch_page_header(page, "x-tfy-h69"));
	tfy_batch_page_free(page);
	tfy_client_free(c);
	tu_server_stop(&srv);
}

static void test_options_checked(void **state)
{
	(void)state;
	static const char *const bad_name[] = { "x ok" };
	static const char *const many[65] = { "a" };
	struct {
		int64_t initial, max;
		int32_t policy;
		const char *const *keep;
		size_t keep_count;
		const char *says;
	} cases[] = {
		{ 1000, 10, 0, NULL, 0, "retry_max_backoff_ms" },
		{ 10000, 0, 0, NULL, 0, "retry_max_backoff_ms" }, /* over the default max */
		{ -1, 0, 0, NULL, 0, "retry_initial_backoff_ms" },
		{ 0, 0, 4, NULL, 0, "retry_after_policy" },
		{ 0, 0, -1, NULL, 0, "retry_after_policy" },
		{ 0, 0, 0, bad_name, 1, "keep_headers[0]" },
		{ 0, 0, 0, NULL, 1, "keep_headers" },
		{ 0, 0, 0, many, 65, "keep_headers" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
		o.base_url = "http://127.0.0.1:9";
		o.api_key = KEY;
		o.retry_initial_backoff_ms = cases[i].initial;
		o.retry_max_backoff_ms = cases[i].max;
		o.retry_after_policy = cases[i].policy;
		o.keep_headers = cases[i].keep;
		o.keep_headers_count = cases[i].keep_count;
		tfy_client *c = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
		assert_null(c);
		if (!strstr(err->message, cases[i].says))
			fail_msg("case %zu: %s", i, err->message);
		tfy_error_free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_asked_before_each_attempt),
		cmocka_unit_test(test_callback_failure_sends_nothing),
		cmocka_unit_test(test_refresh_after_401),
		cmocka_unit_test(test_iteration_across_rotations),
		cmocka_unit_test(test_callback_from_several_threads),
		cmocka_unit_test(test_dynamic_key_masked_everywhere),
		cmocka_unit_test(test_earlier_key_masked_after_refresh),
		cmocka_unit_test(test_on_retry_and_backoff_range),
		cmocka_unit_test(test_retry_after_policies),
		cmocka_unit_test(test_page_headers),
		cmocka_unit_test(test_keep_headers_cleaned_and_bounded),
		cmocka_unit_test(test_options_checked),
	};
	return cmocka_run_group_tests_name("credentials", tests, setup, teardown);
}
