/*
 * Retries, timeouts, cancellation and the guards against bad servers, each
 * against a fault of tfy-mock-gateway on loopback.  Time bounds are generous:
 * they only prove that a backoff, a delay or a timeout happened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key-for-fault-tests"

typedef struct fixture {
	tu_gateway gw;
	tu_gateway other; /* a second host for redirects */
} fixture;

static int setup(void **state)
{
	static const char *const args[] = { "--count", "120", "--api-key", KEY, NULL };
	fixture *f = calloc(1, sizeof(*f));
	if (!f || tu_gateway_start(&f->gw, args) < 0 || tu_gateway_start(&f->other, args) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = tu_gateway_stop(&f->gw) | tu_gateway_stop(&f->other);
	free(f);
	return rc == 0 ? 0 : -1;
}

static tfy_client *client_with(const tu_gateway *gw, const tfy_client_options *base)
{
	tfy_client *c = tu_client(gw, "/v1", KEY, base);
	assert_non_null(c);
	return c;
}

typedef struct result {
	tfy_code rc;
	tfy_error *err;
	tfy_batch_page *list;
	double took;
} result;

/* One list call whose request carries the fault `spec` (NULL: none). */
static result list_with_fault(tfy_client *c, const char *spec, int32_t limit)
{
	result r = { 0, NULL, NULL, 0 };
	double start = tu_now_s();
	r.rc = tu_list_faulty(c, spec, limit, &r.list, &r.err);
	r.took = tu_now_s() - start;
	return r;
}

static void result_free(result *r)
{
	tfy_error_free(r->err);
	tfy_batch_page_free(r->list);
}

static void expect(const result *r, tfy_code code, int attempts)
{
	if (r->rc != code)
		print_error("got %s: %s\n", tfy_strerror(r->rc), r->err ? r->err->message : "-");
	assert_int_equal(r->rc, code);
	assert_non_null(r->err);
	assert_int_equal(r->err->code, code);
	assert_int_equal(r->err->attempts, attempts);
	assert_null(strstr(r->err->message, KEY));
}

static void test_server_errors_retried_then_fail(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_with(&f->gw, NULL);
	result r = list_with_fault(c, "status:code=503,times=0", 5);
	expect(&r, TFY_ERROR_SERVER, 3);
	assert_int_equal(r.err->http_status, 503);
	assert_non_null(r.err->request_id);
	/* Two backoffs of at least 375 and 750 ms. */
	assert_true(r.took >= 1.1 && r.took < 20 * tu_slowdown());
	result_free(&r);
	tfy_client_free(c);
}

static void test_transient_failures_recover(void **state)
{
	(void)state;
	static const char *const args[] = { "--api-key", KEY, "--fault", "status:code=502,times=2",
		                            NULL };
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tfy_client *c = client_with(&gw, NULL);
	result r = list_with_fault(c, NULL, 5);
	assert_int_equal(r.rc, TFY_OK);
	assert_int_equal(r.list->count, 5);
	assert_true(r.took >= 1.1);
	result_free(&r);
	tfy_client_free(c);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

static void test_no_retry_when_disabled_or_client_error(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = TFY_NONE;
	tfy_client *c = client_with(&f->gw, &o);
	result r = list_with_fault(c, "status:code=500,times=0", 5);
	expect(&r, TFY_ERROR_SERVER, 1);
	result_free(&r);
	tfy_client_free(c);

	c = client_with(&f->gw, NULL);
	r = list_with_fault(c, "status:code=404,times=0", 5);
	expect(&r, TFY_ERROR_NOT_FOUND, 1);
	result_free(&r);
	r = list_with_fault(c, "status:code=409,times=0", 5);
	expect(&r, TFY_ERROR_CONFLICT, 3);
	result_free(&r);
	tfy_client_free(c);
}

static void test_should_retry_header_overrides(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_with(&f->gw, NULL);
	result r = list_with_fault(c, "should-retry:value=false,code=500", 5);
	expect(&r, TFY_ERROR_SERVER, 1);
	result_free(&r);
	r = list_with_fault(c, "should-retry:value=true,code=400", 5);
	expect(&r, TFY_ERROR_BAD_REQUEST, 3);
	result_free(&r);
	tfy_client_free(c);
}

static void test_retry_after_is_honoured(void **state)
{
	(void)state;
	const struct {
		const char *spec;
		double min;
	} cases[] = {
		{ "retry-after:seconds=1,times=1", 0.95 },
		{ "retry-after:ms=600,times=1", 0.55 },
		{ "retry-after:date=+2,times=1", 0.9 }, /* a date has one-second resolution */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = { "--api-key", KEY, "--fault", cases[i].spec, NULL };
		tu_gateway gw;
		assert_int_equal(tu_gateway_start(&gw, args), 0);
		tfy_client *c = client_with(&gw, NULL);
		result r = list_with_fault(c, NULL, 3);
		if (r.rc != TFY_OK)
			print_error("%s: %s\n", cases[i].spec, r.err->message);
		assert_int_equal(r.rc, TFY_OK);
		assert_true(r.took >= cases[i].min);
		assert_true(r.took < 20 * tu_slowdown());
		result_free(&r);
		tfy_client_free(c);
		assert_int_equal(tu_gateway_stop(&gw), 0);
	}
}

static void test_retry_after_above_cap_fails_at_once(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_with(&f->gw, NULL);
	result r = list_with_fault(c, "retry-after:seconds=120,times=0", 5);
	expect(&r, TFY_ERROR_RATE_LIMIT, 1);
	assert_int_equal(r.err->retry_after_ms, 120000);
	assert_true(r.took < 5 * tu_slowdown());
	result_free(&r);
	tfy_client_free(c);
}

static void test_connection_dropped_mid_body(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = 1;
	tfy_client *c = client_with(&f->gw, &o);
	result r = list_with_fault(c, "drop", 20);
	expect(&r, TFY_ERROR_NETWORK, 2);
	assert_int_equal(r.err->http_status, 0);
	result_free(&r);
	tfy_client_free(c);
}

static void test_stall_detected(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = TFY_NONE;
	o.stall_timeout_ms = 400;
	tfy_client *c = client_with(&f->gw, &o);
	result r = list_with_fault(c, "stall:seconds=30", 5);
	expect(&r, TFY_ERROR_TIMEOUT, 1);
	assert_non_null(strstr(r.err->detail, "no data received"));
	assert_true(r.took >= 0.35 && r.took < 5 * tu_slowdown());
	result_free(&r);
	tfy_client_free(c);
}

static void test_slow_drip_hits_attempt_timeout(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = TFY_NONE;
	o.timeout_ms = 600;
	tfy_client *c = client_with(&f->gw, &o);
	result r = list_with_fault(c, "drip:bytes=16,interval_ms=100", 20);
	expect(&r, TFY_ERROR_TIMEOUT, 1);
	assert_true(r.took >= 0.55 && r.took < 5 * tu_slowdown());
	result_free(&r);
	tfy_client_free(c);
}

static void test_deadline_across_retries(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = 20;
	tfy_client *c = client_with(&f->gw, &o);
	tfy_pair h = { "x-mock-fault", "status:code=500,times=0" };
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy_request_options lo_req = TFY_REQUEST_OPTIONS_INIT;
	lo.request = &lo_req;
	lo_req.headers = &h;
	lo_req.headers_count = 1;
	lo_req.deadline_ms = 1500;
	tfy_batch_page *list = NULL;
	tfy_error *err = NULL;
	double start = tu_now_s();
	assert_int_equal(tfy_batches_list(c, &lo, &list, &err), TFY_ERROR_SERVER);
	double took = tu_now_s() - start;
	assert_true(err->attempts >= 2 && err->attempts < 20);
	assert_non_null(strstr(err->message, "deadline"));
	assert_true(took < 3.0 * tu_slowdown());
	tfy_error_free(err);

	/* A stalled server under a deadline: the attempt is cut at the deadline. */
	h.value = "stall:seconds=30";
	lo_req.deadline_ms = 700;
	start = tu_now_s();
	assert_int_equal(tfy_batches_list(c, &lo, &list, &err), TFY_ERROR_TIMEOUT);
	took = tu_now_s() - start;
	assert_true(took >= 0.6 && took < 3.0 * tu_slowdown());
	tfy_error_free(err);
	tfy_client_free(c);
}

typedef struct canceller {
	double at;
	int calls;
} canceller;

static int32_t cancel_after(void *userdata)
{
	canceller *k = userdata;
	k->calls++;
	return tu_now_s() >= k->at;
}

static void test_cancel_during_transfer_and_backoff(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_with(&f->gw, NULL);
	const char *const specs[] = { "stall:seconds=30", "status:code=503,times=0" };
	for (size_t i = 0; i < 2; i++) {
		tfy_pair h = { "x-mock-fault", specs[i] };
		canceller k = { tu_now_s() + 0.3, 0 };
		tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
		tfy_request_options lo_req = TFY_REQUEST_OPTIONS_INIT;
		lo.request = &lo_req;
		lo_req.headers = &h;
		lo_req.headers_count = 1;
		lo_req.cancel = cancel_after;
		lo_req.cancel_userdata = &k;
		tfy_batch_page *list = NULL;
		tfy_error *err = NULL;
		double start = tu_now_s();
		assert_int_equal(tfy_batches_list(c, &lo, &list, &err), TFY_ERROR_CANCELLED);
		double took = tu_now_s() - start;
		assert_true(took >= 0.25 && took < 2.0 * tu_slowdown());
		assert_true(k.calls > 0);
		tfy_error_free(err);
	}
	tfy_client_free(c);
}

static void test_undecodable_bodies(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_with(&f->gw, NULL);
	result r = list_with_fault(c, "non-json", 5);
	expect(&r, TFY_ERROR_DECODE, 1);
	assert_int_equal(r.err->http_status, 200);
	assert_string_equal(r.err->body, "this is not json");
	result_free(&r);

	r = list_with_fault(c, "truncated", 20);
	expect(&r, TFY_ERROR_DECODE, 1);
	assert_non_null(r.err->body);
	result_free(&r);

	r = list_with_fault(c, "html-502", 5);
	expect(&r, TFY_ERROR_SERVER, 3);
	assert_int_equal(r.err->http_status, 502);
	assert_non_null(tu_strcasestr(r.err->body, "<html"));
	assert_null(r.err->api_message);
	assert_true(strlen(r.err->body) <= TFY_ERROR_BODY_MAX);
	result_free(&r);
	tfy_client_free(c);
}

static void test_huge_body_refused(void **state)
{
	fixture *f = *state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_response_bytes = 1024 * 1024;
	tfy_client *c = client_with(&f->gw, &o);
	const char *const specs[] = { "huge:mb=8", "huge:mb=8,chunked=1" };
	for (size_t i = 0; i < 2; i++) {
		result r = list_with_fault(c, specs[i], 5);
		expect(&r, TFY_ERROR_RESPONSE_TOO_LARGE, 1);
		result_free(&r);
	}
	tfy_client_free(c);

	/* The default cap (32 MiB) holds against a 40 MiB body. */
	c = client_with(&f->gw, NULL);
	result r = list_with_fault(c, "huge:mb=40,chunked=1", 5);
	expect(&r, TFY_ERROR_RESPONSE_TOO_LARGE, 1);
	result_free(&r);
	tfy_client_free(c);
}

static void test_redirects(void **state)
{
	fixture *f = *state;
	char spec[256];
	/* "localhost" is another host name than the client's 127.0.0.1. */
	snprintf(spec, sizeof(spec), "redirect:to=http://localhost:%d/v1/batches,code=302",
	         f->other.port);
	tfy_client *c = client_with(&f->gw, NULL);
	result r = list_with_fault(c, spec, 5);
	expect(&r, TFY_ERROR_HTTP, 1);
	assert_int_equal(r.err->http_status, 302);
	result_free(&r);
	tfy_client_free(c);

	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.follow_redirects = 1;
	c = client_with(&f->gw, &o);
	r = list_with_fault(c, spec, 5);
	/* Followed, but the key stayed behind: the other host refuses the request. */
	expect(&r, TFY_ERROR_AUTHENTICATION, 1);
	result_free(&r);
	char *last = tu_http_get(&f->other, "/_mock/last-request");
	assert_non_null(last);
	assert_null(tu_strcasestr(last, "\"authorization\""));
	assert_null(strstr(last, KEY));
	free(last);
	tfy_client_free(c);
}

static void test_iterator_guards(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_with(&f->gw, NULL);
	const struct {
		const char *spec;
		int32_t missing_has_more;
		tfy_code code;
		size_t delivered;
	} cases[] = {
		{ "ignore-after", 0, TFY_ERROR_PAGINATION, 10 },
		{ "empty-has-more", 0, TFY_ERROR_PAGINATION, 0 },
		/* Without has_more the default goes on while pages are not empty: every batch. */
		{ "no-has-more", 0, TFY_OK, 120 },
		{ "no-has-more", TFY_MISSING_HAS_MORE_STOP, TFY_OK, 10 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tfy_pair h = { "x-mock-fault", cases[i].spec };
		tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
		tfy_request_options lo_req = TFY_REQUEST_OPTIONS_INIT;
		lo.request = &lo_req;
		lo.limit = 10;
		lo.missing_has_more = cases[i].missing_has_more;
		lo_req.headers = &h;
		lo_req.headers_count = 1;
		tfy_batch_iter *it = NULL;
		assert_int_equal(tfy_batch_iter_new(c, &lo, &it, NULL), TFY_OK);
		const tfy_batch *b;
		tfy_error *err = NULL;
		size_t n = 0;
		tfy_code rc;
		while ((rc = tfy_batch_iter_next(it, &b, &err)) == TFY_OK && b)
			n++;
		assert_int_equal(rc, cases[i].code);
		assert_int_equal(n, cases[i].delivered);
		if (rc != TFY_OK) {
			assert_int_equal(err->code, TFY_ERROR_PAGINATION);
			tfy_error_free(err);
			/* Final: asking again gives the same error, and sends nothing. */
			assert_int_equal(tfy_batch_iter_next(it, &b, &err), TFY_ERROR_PAGINATION);
			tfy_error_free(err);
		}
		tfy_batch_iter_free(it);
	}
	tfy_client_free(c);
}

static void test_debug_log_without_secrets(void **state)
{
	fixture *f = *state;
	static tu_log cap;
	memset(&cap, 0, sizeof(cap));
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	tu_log_into(&cap, &o, TFY_LOG_DEBUG);
	o.max_retries = 1;
	tfy_client *c = client_with(&f->gw, &o);
	result r = list_with_fault(c, "status:code=500,times=0", 5);
	expect(&r, TFY_ERROR_SERVER, 2);
	result_free(&r);
	r = list_with_fault(c, NULL, 5);
	assert_int_equal(r.rc, TFY_OK);
	result_free(&r);
	assert_true(cap.count >= 4);
	assert_non_null(tu_log_find(&cap, 0, "GET http://127.0.0.1:"));
	assert_non_null(tu_log_find(&cap, 0, "-> 500"));
	assert_non_null(tu_log_find(&cap, 0, "-> 200"));
	assert_non_null(tu_log_find(&cap, 0, "attempt 2/2"));
	assert_non_null(tu_log_find(&cap, 0, "request id req_"));
	assert_non_null(tu_log_find(&cap, 0, "retrying in"));
	assert_null(tu_log_find(&cap, 0, KEY));
	for (size_t i = 0; i < cap.count; i++)
		assert_null(tu_strcasestr(tu_log_line(&cap, i), "authorization"));
	tfy_client_free(c);
}

static void test_insecure_tls_warns(void **state)
{
	fixture *f = *state;
	static tu_log cap;
	memset(&cap, 0, sizeof(cap));
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	tu_log_into(&cap, &o, TFY_LOG_DEFAULT);
	o.tls_insecure = 1;
	tfy_client *c = client_with(&f->gw, &o);
	assert_int_equal(cap.count, 1);
	assert_non_null(tu_log_find(&cap, 0, "verification is off"));
	tfy_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_errors_retried_then_fail),
		cmocka_unit_test(test_transient_failures_recover),
		cmocka_unit_test(test_no_retry_when_disabled_or_client_error),
		cmocka_unit_test(test_should_retry_header_overrides),
		cmocka_unit_test(test_retry_after_is_honoured),
		cmocka_unit_test(test_retry_after_above_cap_fails_at_once),
		cmocka_unit_test(test_connection_dropped_mid_body),
		cmocka_unit_test(test_stall_detected),
		cmocka_unit_test(test_slow_drip_hits_attempt_timeout),
		cmocka_unit_test(test_deadline_across_retries),
		cmocka_unit_test(test_cancel_during_transfer_and_backoff),
		cmocka_unit_test(test_undecodable_bodies),
		cmocka_unit_test(test_huge_body_refused),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_iterator_guards),
		cmocka_unit_test(test_debug_log_without_secrets),
		cmocka_unit_test(test_insecure_tls_warns),
	};
	return cmocka_run_group_tests_name("faults", tests, setup, teardown);
}
