/*
 * libtfy's promises against hostile servers on loopback: the key never
 * reaches an error, a log line or the CLI's output; log lines stay one
 * line; broken paging is a pagination error; time arithmetic holds at its
 * extremes; prefetching changes neither the deadline, cancellation nor the
 * attempt count.  Public API of the shared library only.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

/* A key shaped like a real one, long enough that a cut can split it. */
#define KEY "sk-proj-Q7xW2mZr9TbK4vLp8NcYd3HsJf6AeUg1"
#define SHORT_KEY "k3y!x"
#define GATEWAY_KEY "tfy-local-key"
#define BIG (INT64_MAX / 4) /* the largest time option libtfy accepts */

/* ---- helpers ---------------------------------------------------------------- */

/* A client on base with key; a log callback into l when l is not NULL. */
static tfy_client *client_on(const char *base, const char *key, tu_log *l,
                             const tfy_client_options *o_in)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	if (o_in)
		o = *o_in;
	if (l)
		tu_log_into(l, &o, TFY_LOG_DEBUG);
	tfy_client *c = tu_client_url(base, key, &o);
	assert_non_null(c);
	return c;
}

/* s holds no run of min or more leading characters of key (min 0: the whole key). */
static void assert_no_key(const char *s, const char *key, size_t min, const char *what)
{
	size_t n = min && min < strlen(key) ? min : strlen(key);
	if (s && memmem(s, strlen(s), key, n))
		fail_msg("%s holds the key (%zu chars of it): %s", what, n, s);
}

static void assert_error_without_key(const tfy_error *e, const char *key, size_t min)
{
	assert_non_null(e);
	const struct {
		const char *s, *what;
	} fields[] = {
		{ e->message, "message" },         { e->api_type, "api_type" },
		{ e->api_code, "api_code" },       { e->api_param, "api_param" },
		{ e->api_message, "api_message" }, { e->request_id, "request_id" },
		{ e->detail, "detail" },           { e->body, "body" },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_no_key(fields[i].s, key, min, fields[i].what);
}

/* One line each, no control byte, no key. */
static void assert_lines_clean(const tu_log *l, const char *key)
{
	for (size_t i = 0; i < l->count; i++) {
		assert_no_key(tu_log_line(l, i), key, 0, "log line");
		for (const unsigned char *p = (const unsigned char *)tu_log_line(l, i); *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				fail_msg("control byte 0x%02x in log line: %s", *p, tu_log_line(l, i));
	}
}

/* One page through tfy_batches_list with the request options given (may be NULL). */
static tfy_code list_once(tfy_client *c, const tfy_request_options *ro, tfy_error **err)
{
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	lo.request = ro;
	tfy_batch_page *page = NULL;
	tfy_code rc = tfy_batches_list(c, &lo, &page, err);
	tfy_batch_page_free(page);
	return rc;
}

/* Iterates every page; returns the first failure (its error in *err) or TFY_OK at the end. */
static tfy_code iterate(tfy_client *c, const tfy_batches_list_options *lo, int work_ms, tfy_error **err)
{
	tfy_batch_iter *it = NULL;
	tfy_code rc = tfy_batch_iter_new(c, lo, &it, err);
	const tfy_batch *const *batches;
	size_t count = 1;
	while (rc == TFY_OK && count) {
		rc = tfy_batch_iter_next_page(it, &batches, &count, err);
		if (rc == TFY_OK && count && work_ms) {
			struct timespec ts = { work_ms / 1000, (long)(work_ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	tfy_batch_iter_free(it);
	return rc;
}

static const char *const *cli_args(const char *a, const char *b)
{
	static const char *argv[4];
	argv[0] = getenv("TFY_BATCHES");
	argv[1] = a;
	argv[2] = b;
	argv[3] = NULL;
	assert_non_null(argv[0]);
	return argv;
}

/* tfy-batches --all against base with key; the run in *r. */
static void cli_all(const char *base, const char *key, tu_run *r)
{
	char url[128], k[128];
	snprintf(url, sizeof(url), "OPENAI_BASE_URL=%s", base);
	snprintf(k, sizeof(k), "OPENAI_API_KEY=%s", key);
	const char *env[] = { url, k, NULL };
	assert_int_equal(tu_run_cmd(cli_args("--all", NULL), env, r), 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- 1. pagination errors never carry the key -------------------------------- */

static void test_pagination_error_without_key(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "x-request-id: req-" KEY "\r\n",
	                 "{\"object\":\"list\",\"data\":[],\"has_more\":true}");
	tfy_client *c = client_on(s.base, KEY, NULL, NULL);
	tfy_error *err = NULL;
	assert_int_equal(iterate(c, NULL, 0, &err), TFY_ERROR_PAGINATION);
	assert_error_without_key(err, KEY, 0);
	assert_non_null(err->request_id); /* kept, masked */
	assert_non_null(strstr(err->request_id, "req-"));
	tfy_error_free(err);
	tfy_client_free(c);

	tu_run r;
	cli_all(s.base, KEY, &r);
	assert_int_equal(r.status, 6);
	assert_no_key(r.err, KEY, 0, "stderr");
	assert_no_key(r.out, KEY, 0, "stdout");
	tu_run_free(&r);
	tu_server_stop(&s);
}

/* ---- 2. log lines: no key, one line each; a body cut through the key --------- */

#define ECHO_BODY(k) \
	"{\"error\":{\"message\":\"invalid key " k "\",\"type\":\"" k "\",\"param\":\"" k \
	"\",\"code\":\"" k "\"}}"

static void test_log_lines_without_key(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 500, "x-request-id: req-" KEY "\x1b]0;title\x07\rtail\r\n",
	                 ECHO_BODY(KEY));
	tu_log l = { .count = 0 };
	tfy_client *c = client_on(s.base, KEY, &l, NULL);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = 1;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, &ro, &err), TFY_ERROR_SERVER);
	assert_int_equal(err->attempts, 2);
	assert_int_equal(atomic_load(&s.requests), 2);
	assert_error_without_key(err, KEY, 0);
	tfy_error_free(err);
	assert_lines_clean(&l, KEY);
	assert_non_null(tu_log_find(&l, TFY_LOG_INFO, "retrying in"));
	assert_non_null(tu_log_find(&l, TFY_LOG_DEBUG, "attempt 2/2"));
	tfy_client_free(c);
	tu_server_stop(&s);
}

static void test_body_cut_through_key(void **state)
{
	(void)state;
	enum { LEN = 600, AT = 505 };
	char body[LEN + 1];
	memset(body, 'a', LEN);
	memcpy(body + AT, KEY, strlen(KEY));
	body[LEN] = '\0';
	tu_server s;
	tu_server_canned(&s, 500, "", body);
	tfy_client *c = client_on(s.base, KEY, NULL, NULL);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = TFY_NONE;
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, &ro, &err), TFY_ERROR_SERVER);
	assert_non_null(err->body);
	assert_error_without_key(err, KEY, 6);
	tfy_error_free(err);
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* ---- 3. a short key is masked too ---------------------------------------------- */

static void test_short_key_masked(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 400, "x-request-id: req-" SHORT_KEY "\r\n", ECHO_BODY(SHORT_KEY));
	tu_log l = { .count = 0 };
	tfy_client *c = client_on(s.base, SHORT_KEY, &l, NULL);
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &err), TFY_ERROR_BAD_REQUEST);
	assert_error_without_key(err, SHORT_KEY, 0);
	assert_non_null(strstr(err->api_message, "[REDACTED]"));
	tfy_error_free(err);
	assert_lines_clean(&l, SHORT_KEY);
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* ---- 3b. an echo of the key cut short is still the key ----------------------------- */

/* The answer echoing text: in the message and every api field, the request id and a kept header. */
static void canned_echo(tu_server *s, const char *text)
{
	char headers[256], body[512];
	snprintf(headers, sizeof(headers), "x-request-id: req-%s\r\nx-tfy-echo: k=%s\r\n", text, text);
	snprintf(body, sizeof(body),
	         "{\"error\":{\"message\":\"Incorrect API key provided: %s\",\"type\":\"%s\","
	         "\"param\":\"%s\",\"code\":\"%s\"}}",
	         text, text, text, text);
	tu_server_canned(s, 401, headers, body);
}

/*
 * A server that echoes the key without its last characters (any 8 or more
 * leading characters of it): masked in every field, kept header, log line
 * and the CLI's output, wherever the run stands.
 */
static void test_key_prefixes_masked(void **state)
{
	(void)state;
	const size_t len = strlen(KEY);
	for (size_t n = 8; n < len; n++) {
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "%.*s", (int)n, KEY);
		tu_server s;
		canned_echo(&s, prefix);
		tu_log l = { .count = 0 };
		tfy_client *c = client_on(s.base, KEY, &l, NULL);
		tfy_error *err = NULL;
		assert_int_equal(list_once(c, NULL, &err), TFY_ERROR_AUTHENTICATION);
		assert_error_without_key(err, KEY, 8);
		assert_no_key(tfy_error_header(err, "x-request-id"), KEY, 8, "x-request-id");
		assert_no_key(tfy_error_header(err, "x-tfy-echo"), KEY, 8, "x-tfy-echo");
		assert_string_equal(tfy_error_header(err, "x-tfy-echo"), "k=[REDACTED]");
		assert_string_equal(err->request_id, "req-[REDACTED]");
		assert_non_null(strstr(err->body, "provided: [REDACTED]"));
		for (size_t i = 0; i < l.count; i++)
			assert_no_key(tu_log_line(&l, i), KEY, 8, "log line");
		assert_non_null(tu_log_find(&l, TFY_LOG_DEBUG, "request id req-[REDACTED]"));
		tfy_error_free(err);
		tfy_client_free(c);
		if (n == 8 || n == len - 1) {
			char url[128];
			snprintf(url, sizeof(url), "OPENAI_BASE_URL=%s", s.base);
			const char *env[] = { url, "OPENAI_API_KEY=" KEY, "TFY_LOG=debug", NULL };
			tu_run r;
			assert_int_equal(tu_run_cmd(cli_args("--max-retries", "0"), env, &r), 0);
			assert_int_equal(r.status, 3);
			assert_non_null(strstr(r.err, "[REDACTED]"));
			assert_no_key(r.err, KEY, 8, "stderr");
			assert_no_key(r.out, KEY, 8, "stdout");
			tu_run_free(&r);
		}
		tu_server_stop(&s);
	}
	/* Eight characters of the key inside a word of the server's are its beginning still. */
	tu_server s;
	canned_echo(&s, "xx"
	                "sk-proj-Q7"
	                "yy");
	tfy_client *c = client_on(s.base, KEY, NULL, NULL);
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &err), TFY_ERROR_AUTHENTICATION);
	assert_string_equal(err->request_id, "req-xx[REDACTED]yy");
	/* Seven are not: a prefix that short says nothing of the key. */
	tfy_error_free(err);
	tfy_client_free(c);
	tu_server_stop(&s);
	canned_echo(&s, "sk-proj");
	c = client_on(s.base, KEY, NULL, NULL);
	assert_int_equal(list_once(c, NULL, &err), TFY_ERROR_AUTHENTICATION);
	assert_string_equal(err->request_id, "req-sk-proj");
	tfy_error_free(err);
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* ---- 4. an empty cursor is a pagination error ------------------------------------ */

#define ITEM(id) \
	"{\"id\":" id ",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\"," \
	"\"input_file_id\":\"file-1\",\"completion_window\":\"24h\",\"status\":\"completed\"," \
	"\"created_at\":1714564800}"

static void test_empty_cursor_is_pagination_error(void **state)
{
	(void)state;
	/* clang-format off */
	static const char *const pages[] = {
		"{\"object\":\"list\",\"data\":[" ITEM("\"\"") "],\"has_more\":true}",
		"{\"object\":\"list\",\"data\":[" ITEM("\"\"") "],\"last_id\":\"\",\"has_more\":true}",
		"{\"object\":\"list\",\"data\":[" ITEM("\"batch_1\"") "," ITEM("\"\"")
		"],\"last_id\":\"\",\"has_more\":true}",
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		tu_server s;
		tu_server_canned(&s, 200, "", pages[i]);
		tfy_client *c = client_on(s.base, KEY, NULL, NULL);
		tfy_error *err = NULL;
		tfy_code rc = iterate(c, NULL, 0, &err);
		if (rc != TFY_ERROR_PAGINATION)
			print_error("page %zu: %s\n", i, err ? err->message : tfy_strerror(rc));
		assert_int_equal(rc, TFY_ERROR_PAGINATION);
		assert_int_equal(atomic_load(&s.requests), 1);
		tfy_error_free(err);
		tfy_client_free(c);

		tu_run r;
		cli_all(s.base, KEY, &r);
		if (r.status != 6)
			print_error("page %zu: tfy-batches exited %d: %s\n", i, r.status, r.err);
		assert_int_equal(r.status, 6);
		tu_run_free(&r);
		assert_int_equal(atomic_load(&s.requests), 2);
		tu_server_stop(&s);
	}
}

/* ---- 5. time arithmetic at the extremes ------------------------------------------ */

static void test_huge_retry_after_with_deadline(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 503, "Retry-After: 99999999\r\n", "{}");
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.retry_after_max_ms = BIG;
	o.timeout_ms = BIG;
	o.connect_timeout_ms = BIG;
	tfy_client *c = client_on(s.base, KEY, NULL, &o);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.deadline_ms = 1000;
	tfy_error *err = NULL;
	double t0 = tu_now_s();
	assert_int_equal(list_once(c, &ro, &err), TFY_ERROR_SERVER);
	double took = tu_now_s() - t0;
	assert_true(took < 5.0 * tu_slowdown());
	assert_int_equal(err->http_status, 503);
	assert_int_equal(err->attempts, 1);
	assert_true(err->retry_after_ms == INT64_C(99999999000));
	tfy_error_free(err);

	/* The largest values are taken: a call with them all succeeds at once. */
	tu_server_stop(&s);
	tu_server_canned(&s, 200, "", "{\"object\":\"list\",\"data\":[],\"has_more\":false}");
	tfy_client_free(c);
	c = client_on(s.base, KEY, NULL, &o);
	ro.deadline_ms = BIG;
	ro.timeout_ms = BIG;
	assert_int_equal(list_once(c, &ro, &err), TFY_OK);
	tfy_client_free(c);
	tu_server_stop(&s);
}

static void test_time_options_above_limit_refused(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", "{\"object\":\"list\",\"data\":[],\"has_more\":false}");
	for (int i = 0; i < 4; i++) {
		tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
		tfy_request_options defaults = TFY_REQUEST_OPTIONS_INIT;
		o.base_url = s.base;
		o.api_key = KEY;
		int64_t *field[] = { &o.timeout_ms, &o.retry_after_max_ms, &o.connect_timeout_ms,
			             &defaults.deadline_ms };
		*field[i] = BIG + 1;
		o.request_defaults = &defaults;
		tfy_client *c = (tfy_client *)1;
		tfy_error *err = NULL;
		assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
		assert_null(c);
		tfy_error_free(err);
	}
	tfy_client *c = client_on(s.base, KEY, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
		*(i ? &ro.timeout_ms : &ro.deadline_ms) = BIG + 1;
		tfy_error *err = NULL;
		assert_int_equal(list_once(c, &ro, &err), TFY_ERROR_INVALID_ARGUMENT);
		assert_int_equal(err->attempts, 0);
		tfy_error_free(err);
		tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
		lo.request = &ro;
		assert_int_equal(iterate(c, &lo, 0, &err), TFY_ERROR_INVALID_ARGUMENT);
		tfy_error_free(err);
	}
	tfy_client_free(c);
	tu_server_stop(&s);
	assert_int_equal(atomic_load(&s.accepted), 0);
}

/* ---- 6. prefetch keeps the deadline, cancellation and attempt count -------------- */

/* Starts gw with args: a client on its /v1. */
static tfy_client *gateway_client(tu_gateway *gw, const char *const *args)
{
	assert_int_equal(tu_gateway_start(gw, args), 0);
	tfy_client *c = tu_client(gw, "/v1", GATEWAY_KEY, NULL);
	assert_non_null(c);
	return c;
}

/* Pages of 2 with the request options ro, prefetched (the default) or not. */
static tfy_batches_list_options paged(const tfy_request_options *ro, int prefetch)
{
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	lo.request = ro;
	lo.prefetch = prefetch ? 0 : TFY_NONE;
	return lo;
}

static void test_prefetch_keeps_deadline(void **state)
{
	(void)state;
	static const char *const args[] = { "--count", "250", "--fault", "delay:ms=400", NULL };
	tu_gateway gw;
	tfy_client *c = gateway_client(&gw, args);
	for (int prefetch = 0; prefetch < 2; prefetch++) {
		tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
		ro.deadline_ms = 1500;
		tfy_batches_list_options lo = paged(&ro, prefetch);
		tfy_error *err = NULL;
		double t0 = tu_now_s();
		tfy_code rc = iterate(c, &lo, 300, &err);
		double took = tu_now_s() - t0;
		print_message("prefetch %s: %s after %.2f s\n", prefetch ? "on" : "off",
		              tfy_strerror(rc), took);
		assert_int_equal(rc, TFY_ERROR_TIMEOUT);
		assert_true(took < (1.5 + 1.2) * tu_slowdown());
		tfy_error_free(err);
	}
	tfy_client_free(c);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

static int32_t cancel_when_set(void *userdata)
{
	return atomic_load((atomic_int *)userdata);
}

static void test_prefetch_keeps_cancel(void **state)
{
	(void)state;
	static const char *const args[] = { "--count", "250", NULL };
	for (int prefetch = 0; prefetch < 2; prefetch++) {
		tu_gateway gw;
		tfy_client *c = gateway_client(&gw, args);
		atomic_int cancel = 0;
		tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
		ro.cancel = cancel_when_set;
		ro.cancel_userdata = &cancel;
		tfy_batches_list_options lo = paged(&ro, prefetch);
		tfy_batch_iter *it = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tfy_batch_iter_new(c, &lo, &it, &err), TFY_OK);
		const tfy_batch *const *batches;
		size_t count;
		assert_int_equal(tfy_batch_iter_next_page(it, &batches, &count, &err), TFY_OK);
		assert_int_equal(count, 2);
		atomic_store(&cancel, 1);
		sleep_ms(300); /* lets a prefetched request reach the gateway */
		long before = tu_gateway_requests(&gw);
		assert_int_equal(tfy_batch_iter_next_page(it, &batches, &count, &err),
		                 TFY_ERROR_CANCELLED);
		/* Stopped before sending: no request made, with prefetch on or off. */
		assert_int_equal(err->attempts, 0);
		tfy_error_free(err);
		sleep_ms(300);
		long after = tu_gateway_requests(&gw);
		tfy_batch_iter_free(it);
		assert_int_equal(after, before);
		assert_true(after <= 1 + prefetch);
		tfy_client_free(c);
		assert_int_equal(tu_gateway_stop(&gw), 0);
	}
}

static void test_prefetch_keeps_attempts(void **state)
{
	(void)state;
	/* The first page is served, the next three requests fail with 500. */
	static const char *const args[] = { "--count", "250",
		                            "--fault", "none:times=1",
		                            "--fault", "status:code=500,times=3",
		                            NULL };
	tu_gateway gw;
	tfy_client *c = gateway_client(&gw, args);
	int32_t attempts[2];
	for (int prefetch = 0; prefetch < 2; prefetch++) {
		free(tu_http_get(&gw, "/_mock/faults/reset"));
		tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
		ro.max_retries = 2;
		tfy_batches_list_options lo = paged(&ro, prefetch);
		tfy_error *err = NULL;
		assert_int_equal(iterate(c, &lo, 0, &err), TFY_ERROR_SERVER);
		attempts[prefetch] = err->attempts;
		tfy_error_free(err);
	}
	assert_int_equal(attempts[0], 3);
	assert_int_equal(attempts[1], attempts[0]);
	tfy_client_free(c);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* ---- 7. server text in log lines is escaped --------------------------------------- */

static void test_request_id_escaped_in_log(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "x-request-id: req-1\x1b]0;owned\x07\rforged\r\n",
	                 "{\"object\":\"list\",\"data\":[],\"has_more\":false}");
	tu_log l = { .count = 0 };
	tfy_client *c = client_on(s.base, KEY, &l, NULL);
	tfy_error *err = NULL;
	assert_int_equal(list_once(c, NULL, &err), TFY_OK);
	assert_lines_clean(&l, KEY);
	const char *line = tu_log_find(&l, TFY_LOG_DEBUG, "request id");
	assert_non_null(line);
	if (!strstr(line, "req-1\\x1B]0;owned\\x07\\x0Dforged"))
		fail_msg("request id not escaped: %s", line);
	tfy_client_free(c);
	tu_server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pagination_error_without_key),
		cmocka_unit_test(test_log_lines_without_key),
		cmocka_unit_test(test_body_cut_through_key),
		cmocka_unit_test(test_short_key_masked),
		cmocka_unit_test(test_key_prefixes_masked),
		cmocka_unit_test(test_empty_cursor_is_pagination_error),
		cmocka_unit_test(test_huge_retry_after_with_deadline),
		cmocka_unit_test(test_time_options_above_limit_refused),
		cmocka_unit_test(test_prefetch_keeps_deadline),
		cmocka_unit_test(test_prefetch_keeps_cancel),
		cmocka_unit_test(test_prefetch_keeps_attempts),
		cmocka_unit_test(test_request_id_escaped_in_log),
	};
	return cmocka_run_group_tests_name("promises", tests, NULL, NULL);
}
