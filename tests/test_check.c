/* Unit tests of the input checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "tfy/tfy.h"

#define REQ(id) "{\"custom_id\":\"" id "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"," \
                "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}"

static tfy_input_report *check_text(const char *text, const tfy_input_check_options *opts)
{
	tu_mem_stream m = { text, strlen(text), 0, 7, -1 };
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_input_check_read(tu_mem_read, &m, opts, &report, &err);
	if (rc != TFY_OK)
		print_error("check: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	assert_non_null(report);
	return report;
}

/* Problem i is on `line`, of `kind`, and its message holds `part`. */
static void has_problem(const tfy_input_report *r, size_t i, int64_t line, int32_t kind,
                        const char *part)
{
	assert_true(i < r->problems_count);
	const tfy_input_problem *p = r->problems[i];
	if (p->line != line || p->kind != kind || !strstr(p->message, part))
		print_error("problem %zu: line %lld, %s: %s\n", i, (long long)p->line,
		            tfy_input_problem_name(p->kind), p->message);
	assert_int_equal(p->line, line);
	assert_int_equal(p->kind, kind);
	assert_non_null(strstr(p->message, part));
	assert_int_equal(p->reserved_, 0);
}

static void test_clean_file(void **state)
{
	(void)state;
	const char *text = REQ("r1") "\n\n" REQ("r2") "\r\n" REQ("r3");
	char *path = tu_write_temp(text, strlen(text));
	tfy_input_report *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_input_check_path(path, NULL, &r, &err), TFY_OK);
	assert_null(err);
	assert_int_equal(r->problems_total, 0);
	assert_int_equal(r->problems_count, 0);
	assert_null(r->problems);
	assert_int_equal(r->lines, 4);
	assert_int_equal(r->requests, 3);
	assert_int_equal(r->bytes, (int64_t)strlen(text));
	assert_string_equal(r->endpoint, "/v1/chat/completions");
	tfy_input_report_free(r);
	unlink(path);
	free(path);
}

static void test_each_problem(void **state)
{
	(void)state;
	/* clang-format off */
	const char *text =
		REQ("a") "\n"                                                          /* 1 */
		"{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"\n" /* 2 */
		"[1,2]\n"                                                              /* 3 */
		"{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n"   /* 4 */
		"{\"custom_id\":7,\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n" /* 5 */
		"{\"custom_id\":\"\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n" /* 6 */
		REQ("a") "\n"                                                          /* 7 */
		"{\"custom_id\":\"c\",\"method\":\"GET\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n" /* 8 */
		"{\"custom_id\":\"d\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n"   /* 9 */
		"{\"custom_id\":\"e\",\"method\":\"POST\",\"body\":{}}\n"                /* 10 */
		"{\"custom_id\":\"f\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{}}\n" /* 11 */
		"{\"custom_id\":\"g\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"}\n" /* 12 */
		"{\"custom_id\":\"h\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":\"x\"}\n" /* 13 */
		"{\"custom_id\":null,\"method\":1,\"url\":null,\"body\":null}\n"        /* 14 */
		"\n";                                                                  /* 15 */
	/* clang-format on */
	tfy_input_report *r = check_text(text, NULL);
	assert_int_equal(r->lines, 15); /* line 15 is blank */
	assert_int_equal(r->requests, 14);
	size_t i = 0;
	has_problem(r, i++, 2, TFY_INPUT_PROBLEM_INVALID_JSON, "invalid JSON at column 62: '}' or ',' expected");
	has_problem(r, i++, 3, TFY_INPUT_PROBLEM_NOT_AN_OBJECT, "the line is an array, not a JSON object");
	has_problem(r, i++, 4, TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING, "custom_id is missing");
	has_problem(r, i++, 5, TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING, "custom_id is a number");
	has_problem(r, i++, 6, TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY, "custom_id is empty");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE,
	            "custom_id \"a\" was already used on line 1");
	has_problem(r, i++, 8, TFY_INPUT_PROBLEM_METHOD, "method is \"GET\"");
	has_problem(r, i++, 9, TFY_INPUT_PROBLEM_METHOD, "method is missing");
	has_problem(r, i++, 10, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
	has_problem(r, i++, 11, TFY_INPUT_PROBLEM_URL_MISMATCH,
	            "url \"/v1/embeddings\" differs from the endpoint \"/v1/chat/completions\" (the first line's)");
	has_problem(r, i++, 12, TFY_INPUT_PROBLEM_BODY_MISSING, "body is missing");
	has_problem(r, i++, 13, TFY_INPUT_PROBLEM_BODY_NOT_OBJECT, "body is a string, not an object");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING, "custom_id is missing");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_METHOD, "method is a number");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_BODY_MISSING, "body is missing");
	assert_int_equal(r->problems_count, i);
	assert_int_equal(r->problems_total, (int64_t)i);
	tfy_input_report_free(r);
}

static void test_endpoint_option(void **state)
{
	(void)state;
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.endpoint = "/v1/embeddings";
	tfy_input_report *r = check_text(REQ("a") "\n" REQ("b") "\n", &opts);
	assert_string_equal(r->endpoint, "/v1/embeddings");
	assert_int_equal(r->problems_total, 2);
	has_problem(r, 0, 1, TFY_INPUT_PROBLEM_URL_MISMATCH,
	            "url \"/v1/chat/completions\" differs from the endpoint \"/v1/embeddings\"");
	assert_null(strstr(r->problems[0]->message, "first line"));
	has_problem(r, 1, 2, TFY_INPUT_PROBLEM_URL_MISMATCH, "differs");
	tfy_input_report_free(r);
}

static void test_duplicates_escaped_and_many(void **state)
{
	(void)state;
	/* "\u0061" is "a": the same custom_id once decoded.  Long ids are quoted cut short. */
	char id[200];
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	char text[2048];
	/* clang-format off */
	snprintf(text, sizeof(text), REQ("a") "\n" REQ("\\u0061") "\n" REQ("%s") "\n" REQ("%s") "\n"
	         REQ("a\\nb") "\n" REQ("a\\nb") "\n", id, id);
	/* clang-format on */
	tfy_input_report *r = check_text(text, NULL);
	assert_int_equal(r->problems_total, 3);
	has_problem(r, 0, 2, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "\"a\" was already used on line 1");
	has_problem(r, 1, 4, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "x\"... was already used on line 3");
	assert_true(strlen(r->problems[1]->message) < 120);
	has_problem(r, 2, 6, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "\"a?b\" was already used on line 5");
	tfy_input_report_free(r);

	/* Thousands of ids: the set grows; every one is found again. */
	size_t n = 5000, cap = n * 2 * 160;
	char *big = malloc(cap);
	assert_non_null(big);
	size_t len = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < n; k++)
			len += (size_t)snprintf(big + len, cap - len, REQ("req-%zu") "\n", k);
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_problems = 3;
	r = check_text(big, &opts);
	assert_int_equal(r->requests, 2 * n);
	assert_int_equal(r->problems_total, n);
	assert_int_equal(r->problems_count, 3);
	has_problem(r, 0, (int64_t)n + 1, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "\"req-0\" was already used on line 1");
	has_problem(r, 2, (int64_t)n + 3, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "on line 3");
	tfy_input_report_free(r);
	free(big);
}

static void test_limits(void **state)
{
	(void)state;
	const char *text = REQ("a") "\n" REQ("b") "\n" REQ("c") "\n" REQ("d") "\n";
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_requests = 2;
	opts.max_bytes = 100;
	tfy_input_report *r = check_text(text, &opts);
	assert_int_equal(r->problems_total, 2);
	has_problem(r, 0, 3, TFY_INPUT_PROBLEM_TOO_MANY_REQUESTS,
	            "request 3 is past the limit of 2 requests in a batch");
	has_problem(r, 1, 0, TFY_INPUT_PROBLEM_FILE_TOO_LARGE, "past the limit of 100");
	tfy_input_report_free(r);

	opts.max_requests = TFY_NONE;
	opts.max_bytes = TFY_NONE;
	opts.max_line_bytes = 60;
	/* clang-format off */
	r = check_text("{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/x\",\"body\":{}}\n" REQ("b") "\n", &opts);
	/* clang-format on */
	assert_int_equal(r->problems_total, 1);
	has_problem(r, 0, 2, TFY_INPUT_PROBLEM_LINE_TOO_LONG, "longer than 60 bytes");
	assert_int_equal(r->requests, 2);
	tfy_input_report_free(r);

	/* The defaults: 50,000 requests, 200 MiB. */
	tfy_input_check_options d;
	assert_int_equal(tfy_input_check_options_init(&d, TFY_INPUT_CHECK_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(d.max_requests, 0);
	assert_int_equal(TFY_INPUT_MAX_REQUESTS_DEFAULT, 50000);
	assert_int_equal(TFY_INPUT_MAX_BYTES_DEFAULT, 200 * 1024 * 1024);
	assert_int_equal(TFY_INPUT_MAX_PROBLEMS_DEFAULT, 100);
}

static void test_empty(void **state)
{
	(void)state;
	tfy_input_report *r = check_text("", NULL);
	assert_int_equal(r->problems_total, 1);
	has_problem(r, 0, 0, TFY_INPUT_PROBLEM_EMPTY_FILE, "the file is empty");
	assert_null(r->endpoint);
	tfy_input_report_free(r);
	r = check_text("\n \r\n\t\n", NULL);
	has_problem(r, 0, 0, TFY_INPUT_PROBLEM_EMPTY_FILE, "only blank lines");
	assert_int_equal(r->lines, 3);
	tfy_input_report_free(r);
}

static void test_failures_and_arguments(void **state)
{
	(void)state;
	tfy_input_report *r = (tfy_input_report *)&r;
	tfy_error *err = NULL;
	const char *text = REQ("a") "\n" REQ("b") "\n";
	tu_mem_stream m = { text, strlen(text), 0, 0, 50 };
	assert_int_equal(tfy_input_check_read(tu_mem_read, &m, NULL, &r, &err), TFY_ERROR_IO);
	assert_null(r);
	assert_int_equal(err->code, TFY_ERROR_IO);
	assert_non_null(strstr(err->message, "the read callback failed"));
	tfy_error_free(err);

	assert_int_equal(tfy_input_check_path("/nonexistent/in.jsonl", NULL, &r, &err), TFY_ERROR_IO);
	assert_string_equal(err->detail, "No such file or directory");
	tfy_error_free(err);

	assert_int_equal(tfy_input_check_path(NULL, NULL, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_input_check_read(NULL, NULL, NULL, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_input_check_path("/", NULL, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_requests = -5;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "max_requests"));
	tfy_error_free(err);
	opts.max_requests = 0;
	opts.version = 0;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(r);
	assert_int_equal(tfy_input_check_options_init(&opts, 2), TFY_ERROR_INVALID_ARGUMENT);
	tfy_input_report_free(NULL);

	assert_string_equal(tfy_input_problem_name(TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE),
	                    "duplicate_custom_id");
	assert_string_equal(tfy_input_problem_name(TFY_INPUT_PROBLEM_LINE_TOO_LONG), "line_too_long");
	assert_string_equal(tfy_input_problem_name(0), "unknown");
	assert_string_equal(tfy_input_problem_name(99), "unknown");
	for (int32_t k = TFY_INPUT_PROBLEM_INVALID_JSON; k <= TFY_INPUT_PROBLEM_LINE_TOO_LONG; k++)
		assert_string_not_equal(tfy_input_problem_name(k), "unknown");
}

static void expect_io(const char *path, const char *text)
{
	tfy_input_report *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_input_check_path(path, NULL, &r, &err), TFY_ERROR_IO);
	assert_null(r);
	if (!strstr(err->message, text))
		fail_msg("message \"%s\" lacks \"%s\"", err->message, text);
	tfy_error_free(err);
}

/*
 * Only a regular file is checked from a path: a FIFO without a writer used
 * to block the call in open() for ever, and a device has no end.  Both are
 * refused at once (a stream is checked through tfy_input_check_read).
 */
static void test_not_a_regular_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/tfy-check-XXXXXX", fifo[64];
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/in.jsonl", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm((unsigned)(60 * tu_slowdown())); /* a blocked call fails the test rather than hang it */
	expect_io(fifo, "cannot open");
	expect_io(fifo, "a FIFO, not a regular file");
	expect_io("/dev/null", "a device, not a regular file");
	expect_io(dir, "Is a directory");
	alarm(0);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_file),
		cmocka_unit_test(test_each_problem),
		cmocka_unit_test(test_endpoint_option),
		cmocka_unit_test(test_duplicates_escaped_and_many),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_failures_and_arguments),
		cmocka_unit_test(test_not_a_regular_file),
	};
	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
