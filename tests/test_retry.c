/* Unit tests of the retry policy: classification, backoff, Retry-After parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "clock.h"
#include "retry.h"

#define NOW ((time_t)784111777) /* Sun, 06 Nov 1994 08:49:37 GMT */

/* The client's default range. */
#define backoff(n, u) tfy__backoff_ms(TFY__BACKOFF_INITIAL_MS, TFY__BACKOFF_MAX_MS, (n), (u))

static void test_retry_after_ms_header(void **state)
{
	(void)state;
	assert_int_equal(tfy__retry_after_ms("250", NULL, NOW), 250);
	assert_int_equal(tfy__retry_after_ms("0", NULL, NOW), 0);
	assert_int_equal(tfy__retry_after_ms("12.7", NULL, NOW), 12);
	assert_int_equal(tfy__retry_after_ms(" 40 ", NULL, NOW), 40);
	/* retry-after-ms wins over Retry-After. */
	assert_int_equal(tfy__retry_after_ms("100", "5", NOW), 100);
	/* Garbage or negative in retry-after-ms falls back to Retry-After. */
	assert_int_equal(tfy__retry_after_ms("-5", "2", NOW), 2000);
	assert_int_equal(tfy__retry_after_ms("soon", "3", NOW), 3000);
	assert_int_equal(tfy__retry_after_ms("0x10", NULL, NOW), -1);
	assert_int_equal(tfy__retry_after_ms("", NULL, NOW), -1);
	assert_int_equal(tfy__retry_after_ms("nan", NULL, NOW), -1);
	assert_int_equal(tfy__retry_after_ms("1e3", NULL, NOW), -1);
}

static void test_retry_after_seconds(void **state)
{
	(void)state;
	assert_int_equal(tfy__retry_after_ms(NULL, "2", NOW), 2000);
	assert_int_equal(tfy__retry_after_ms(NULL, "0", NOW), 0);
	assert_int_equal(tfy__retry_after_ms(NULL, "1.5", NOW), 1500);
	assert_int_equal(tfy__retry_after_ms(NULL, "-1", NOW), -1);
	assert_int_equal(tfy__retry_after_ms(NULL, "abc", NOW), -1);
	assert_int_equal(tfy__retry_after_ms(NULL, "5 seconds", NOW), -1);
	assert_int_equal(tfy__retry_after_ms(NULL, NULL, NOW), -1);
	/* Huge values saturate instead of overflowing. */
	assert_int_equal(tfy__retry_after_ms(NULL, "99999999999999999999999999", NOW), INT64_MAX);
	assert_true(tfy__retry_after_ms(NULL, "9223372036854775807", NOW) > 0);
}

static void test_retry_after_http_date(void **state)
{
	(void)state;
	assert_int_equal(tfy__retry_after_ms(NULL, "Sun, 06 Nov 1994 08:49:47 GMT", NOW), 10000);
	assert_int_equal(tfy__retry_after_ms(NULL, "Sun, 06 Nov 1994 08:49:37 GMT", NOW), 0);
	/* A date in the past means: now. */
	assert_int_equal(tfy__retry_after_ms(NULL, "Sat, 05 Nov 1994 08:49:37 GMT", NOW), 0);
	assert_int_equal(tfy__retry_after_ms(NULL, "Mon, 07 Nov 1994 08:49:37 GMT", NOW), 86400000);
	assert_int_equal(tfy__retry_after_ms(NULL, "Thu, 01 Jan 2026 00:00:00 GMT", 1767225600 - 3),
	                 3000);
	assert_int_equal(tfy__retry_after_ms(NULL, "Wed, 29 Feb 2028 12:00:00 GMT", 1835438400), 0);
	static const char *const bad[] = {
		"Sun, 06 Nov 1994 08:49:47 PST",
		"Sun 06 Nov 1994 08:49:47 GMT",
		"Sun, 06 Foo 1994 08:49:47 GMT",
		"Sun, 32 Nov 1994 08:49:47 GMT",
		"Sun, 06 Nov 1994 25:49:47 GMT",
		"Sun, 06 Nov 1994 08:49:47 GMT trailing",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"06 Nov 1994",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tfy__retry_after_ms(NULL, bad[i], NOW), -1);
}

static void test_should_retry_header(void **state)
{
	(void)state;
	assert_int_equal(tfy__should_retry_header("true"), 1);
	assert_int_equal(tfy__should_retry_header("TRUE"), 1);
	assert_int_equal(tfy__should_retry_header("false"), 0);
	assert_int_equal(tfy__should_retry_header("yes"), -1);
	assert_int_equal(tfy__should_retry_header(NULL), -1);
}

static int32_t cancel_now(void *userdata)
{
	int *calls = userdata;
	return ++*calls >= 3;
}

#define SAFE 0
#define CREATE 1
#define FINAL TFY__VERDICT_FINAL
#define RETRY TFY__VERDICT_RETRY
#define UNKNOWN TFY__VERDICT_UNKNOWN

static void test_retryable(void **state)
{
	(void)state;
	/* A request that is safe to repeat. */
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_SERVER, 500, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_SERVER, 503, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_RATE_LIMIT, 429, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_CONFLICT, 409, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_CLIENT, 408, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_CONNECT, 0, -1, 0), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_TIMEOUT, 0, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_NETWORK, 0, -1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_BAD_REQUEST, 400, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_AUTHENTICATION, 401, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_NOT_FOUND, 404, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_CLIENT, 418, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_DECODE, 200, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_TLS, 0, -1, 0), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_RESPONSE_TOO_LARGE, 0, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_CANCELLED, 0, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_IO, 0, -1, 1), FINAL);
	/* x-should-retry overrides in both directions. */
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_SERVER, 500, 0, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_BAD_REQUEST, 400, 1, 1), RETRY);
}

static void test_create_verdicts(void **state)
{
	(void)state;
	/* Nothing went out: sent again; a local failure or a cancel before sending: final. */
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_CONNECT, 0, -1, 0), RETRY);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_DNS, 0, -1, 0), RETRY);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_TIMEOUT, 0, -1, 0), RETRY);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_CANCELLED, 0, -1, 0), FINAL);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_TLS, 0, -1, 0), FINAL);
	/* It went out and no answer came: a reset, a timeout, the deadline, a cancel. */
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_NETWORK, 0, -1, 1), UNKNOWN);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_TIMEOUT, 0, -1, 1), UNKNOWN);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_CANCELLED, 0, -1, 1), UNKNOWN);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_HTTP, 0, -1, 1), UNKNOWN);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_RESPONSE_TOO_LARGE, 0, -1, 1), UNKNOWN);
	/* Local failures stay what they are. */
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_IO, 0, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_OUT_OF_MEMORY, 0, -1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_OUT_OF_MEMORY, 200, -1, 1), FINAL);
	/* A 2xx that could not be read made the thing, whatever the header says. */
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_DECODE, 200, 1, 1), UNKNOWN);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_DECODE, 201, -1, 1), UNKNOWN);
	/* The server vouching that nothing was done, or saying not to retry. */
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_SERVER, 500, 1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_CONFLICT, 409, 1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_SERVER, 503, 0, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_SERVER, 500, 0, 1), UNKNOWN);
	assert_int_equal(tfy__attempt_verdict(CREATE, TFY_ERROR_BAD_REQUEST, 400, 0, 1), FINAL);
}

/* The table of docs/errors-and-retries.md, status by status, without x-should-retry. */
static tfy__verdict documented(int creates, long status)
{
	int did_nothing = status == 408 || status == 429 || status == 503;
	int is_5xx = status >= 500 && status <= 599;
	if (!creates)
		return did_nothing || status == 409 || is_5xx ? RETRY : FINAL;
	if (did_nothing)
		return RETRY;
	if (status >= 400 && status <= 499 && status != 409 && status != 499)
		return FINAL;
	return UNKNOWN;
}

static void test_every_status(void **state)
{
	(void)state;
	for (long status = 100; status <= 999; status++) {
		if (status >= 200 && status <= 299)
			continue;
		tfy_code code = status >= 500 && status <= 599 ? TFY_ERROR_SERVER
		              : status >= 400 && status <= 499 ? TFY_ERROR_CLIENT
		                                               : TFY_ERROR_HTTP;
		for (int creates = 0; creates <= 1; creates++) {
			tfy__verdict v = tfy__attempt_verdict(creates, code, status, -1, 1);
			if (v != documented(creates, status))
				fail_msg("HTTP %ld (%s): verdict %d, documented %d", status,
				         creates ? "create" : "safe", (int)v,
				         (int)documented(creates, status));
			/* x-should-retry: true is always another attempt; false never is. */
			assert_int_equal(tfy__attempt_verdict(creates, code, status, 1, 1), RETRY);
			assert_int_not_equal(tfy__attempt_verdict(creates, code, status, 0, 1), RETRY);
		}
	}
}

static void test_should_retry_only_for_error_statuses(void **state)
{
	(void)state;
	/* A 2xx body that failed to decode is final, whatever the header says. */
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_DECODE, 200, 1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_DECODE, 299, 1, 1), FINAL);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_RESPONSE_TOO_LARGE, 200, 1, 1), FINAL);
	/* Any other status is an error status the header speaks for. */
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_HTTP, 302, 1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_HTTP, 100, 1, 1), RETRY);
	assert_int_equal(tfy__attempt_verdict(SAFE, TFY_ERROR_SERVER, 599, 0, 1), FINAL);
}

static void test_time_arithmetic_saturates(void **state)
{
	(void)state;
	assert_int_equal(tfy__add_ms(INT64_MAX, 1), INT64_MAX);
	assert_int_equal(tfy__add_ms(INT64_MAX - 5, 10), INT64_MAX);
	assert_int_equal(tfy__add_ms(1, INT64_MAX), INT64_MAX);
	assert_int_equal(tfy__add_ms(INT64_MIN, -1), INT64_MIN);
	assert_int_equal(tfy__add_ms(40, 2), 42);
	assert_int_equal(tfy__add_ms(40, -42), -2);
	assert_int_equal(tfy__retry_after_ms("9223372036854775807", NULL, NOW), INT64_MAX);
	assert_int_equal(tfy__retry_after_ms("1e400", "99999999999999999999", NOW), INT64_MAX);
	/* The latest date the parser takes is far from overflowing. */
	assert_true(tfy__retry_after_ms(NULL, "Fri, 31 Dec 9999 23:59:59 GMT", 0) > 0);
	assert_int_equal(tfy__retry_after_ms(NULL, "Fri, 31 Dec 9999 23:59:59 GMT", INT64_MAX), 0);
	assert_int_equal(tfy__retry_after_ms(NULL, "Fri, 31 Dec 9999 23:59:59 GMT", INT64_MIN),
	                 INT64_MAX);
	assert_int_equal(tfy__retry_after_ms(NULL, "Fri, 31 Dec 9999 23:59:59 GMT", INT64_MIN + 1),
	                 INT64_MAX);
	assert_int_equal(backoff(INT32_MAX, 1.0), 8000);
	assert_int_equal(backoff(INT32_MIN, 1.0), 8000);
	assert_int_equal(backoff(0, NAN), 375); /* NaN counts as 0 */
	/* A sleep of INT64_MAX ms ends when cancelled instead of overflowing its end time. */
	int calls = 0;
	assert_int_equal(tfy__sleep_ms(INT64_MAX, cancel_now, &calls), TFY_ERROR_CANCELLED);
}

static void test_backoff(void **state)
{
	(void)state;
	/* The client's retry_initial_backoff_ms and retry_max_backoff_ms. */
	assert_int_equal(tfy__backoff_ms(10, 30, 0, 1.0), 10);
	assert_int_equal(tfy__backoff_ms(10, 30, 1, 1.0), 20);
	assert_int_equal(tfy__backoff_ms(10, 30, 2, 1.0), 30);
	assert_int_equal(tfy__backoff_ms(10, 30, 50, 0.0), 22);
	assert_int_equal(tfy__backoff_ms(7, 7, 3, 1.0), 7);
	/* Near the option's bound (INT64_MAX / 4) doubling saturates at max, never overflows. */
	/* (through a double: equal up to its rounding) */
	assert_true(tfy__backoff_ms(INT64_MAX / 4, INT64_MAX / 4, 70, 1.0) > INT64_MAX / 5);
	assert_true(tfy__backoff_ms(3, INT64_MAX / 4, 200, 1.0) > INT64_MAX / 5);
	assert_int_equal(backoff(0, 1.0), 500);
	assert_int_equal(backoff(0, 0.0), 375);
	assert_int_equal(backoff(1, 1.0), 1000);
	assert_int_equal(backoff(3, 1.0), 4000);
	assert_int_equal(backoff(4, 1.0), 8000);
	assert_int_equal(backoff(5, 1.0), 8000);
	assert_int_equal(backoff(60, 1.0), 8000);
	assert_int_equal(backoff(60, 0.0), 6000);
	uint64_t seed = 42;
	for (int i = 0; i < 1000; i++) {
		double u = tfy__random_unit(&seed);
		assert_true(u >= 0.0 && u <= 1.0);
		int64_t d = backoff(2, u);
		assert_true(d >= 1500 && d <= 2000);
	}
}

static void test_sleep_cancel(void **state)
{
	(void)state;
	int calls = 0;
	int64_t start = tfy__now_ms();
	assert_int_equal(tfy__sleep_ms(10000, cancel_now, &calls), TFY_ERROR_CANCELLED);
	assert_true(tfy__now_ms() - start < 5000);
	start = tfy__now_ms();
	assert_int_equal(tfy__sleep_ms(30, NULL, NULL), TFY_OK);
	assert_true(tfy__now_ms() - start >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after_ms_header),
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_http_date),
		cmocka_unit_test(test_should_retry_header),
		cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_create_verdicts),
		cmocka_unit_test(test_every_status),
		cmocka_unit_test(test_should_retry_only_for_error_statuses),
		cmocka_unit_test(test_time_arithmetic_saturates),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_sleep_cancel),
	};
	return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
