/* Unit tests of the result reader (batch output and error files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tfy/tfy.h"

#define OUT1 \
	"{\"id\": \"batch_req_1\", \"custom_id\": \"request-1\", \"response\": {\"status_code\": 200, " \
	"\"request_id\": \"req_abc\", \"body\": {\"id\": \"chatcmpl-1\", \"choices\": [ {\"index\": 0} ]}}, \"error\": null}"
#define OUT1_BODY "{\"id\": \"chatcmpl-1\", \"choices\": [ {\"index\": 0} ]}"
#define OUT2 \
	"{\"id\":\"batch_req_2\",\"custom_id\":\"request-2\",\"response\":{\"status_code\":400," \
	"\"request_id\":\"req_def\",\"body\":{\"error\":{\"message\":\"bad \\u00e9\"}}},\"error\":null}"
#define ERR1 \
	"{\"id\":\"batch_req_3\",\"custom_id\":\"request-3\",\"response\":null," \
	"\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be executed before the completion window expired.\"}}"

static tfy_result_reader *reader_over(tu_mem_stream *m, const char *text, size_t chunk, int64_t max_line)
{
	memset(m, 0, sizeof(*m));
	m->data = text;
	m->len = strlen(text);
	m->chunk = chunk;
	m->fail_after = -1;
	tfy_result_reader_options opts = TFY_RESULT_READER_OPTIONS_INIT;
	opts.max_line_bytes = max_line;
	tfy_result_reader *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_result_reader_new(tu_mem_read, m, &opts, &r, &err), TFY_OK);
	assert_null(err);
	return r;
}

static const tfy_result *next_ok(tfy_result_reader *r)
{
	const tfy_result *rec = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_result_reader_next(r, &rec, &err);
	if (rc != TFY_OK)
		print_error("next: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	assert_non_null(rec);
	return rec;
}

static void next_end(tfy_result_reader *r)
{
	const tfy_result *rec = (const tfy_result *)r;
	tfy_error *err = NULL;
	assert_int_equal(tfy_result_reader_next(r, &rec, &err), TFY_OK);
	assert_null(rec);
	assert_null(err);
}

/* The next call fails with code and a message that starts with `start`. */
static void next_fails(tfy_result_reader *r, tfy_code code, const char *start)
{
	const tfy_result *rec = (const tfy_result *)r;
	tfy_error *err = NULL;
	assert_int_equal(tfy_result_reader_next(r, &rec, &err), code);
	assert_null(rec);
	assert_non_null(err);
	assert_int_equal(err->code, code);
	if (strncmp(err->message, start, strlen(start)) != 0)
		print_error("message: %s\n", err->message);
	assert_memory_equal(err->message, start, strlen(start));
	tfy_error_free(err);
}

static void check_out1(const tfy_result *rec, int64_t line)
{
	assert_int_equal(rec->line, line);
	assert_string_equal(rec->id, "batch_req_1");
	assert_string_equal(rec->custom_id, "request-1");
	assert_int_equal(rec->status_code, 200);
	assert_string_equal(rec->request_id, "req_abc");
	assert_string_equal(rec->body_json, OUT1_BODY);
	assert_int_equal(rec->body_json_len, strlen(OUT1_BODY));
	assert_null(rec->error_code);
	assert_null(rec->error_message);
	assert_string_equal(rec->line_json, OUT1);
	assert_int_equal(rec->line_len, strlen(OUT1));
}

static void test_output_file(void **state)
{
	(void)state;
	const char *text = OUT1 "\n" OUT2 "\n";
	char *path = tu_write_temp(text, strlen(text));
	tfy_result_reader *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_result_reader_open(path, NULL, &r, &err), TFY_OK);
	check_out1(next_ok(r), 1);
	const tfy_result *rec = next_ok(r);
	assert_int_equal(rec->line, 2);
	assert_string_equal(rec->custom_id, "request-2");
	assert_int_equal(rec->status_code, 400);
	assert_string_equal(rec->body_json, "{\"error\":{\"message\":\"bad \\u00e9\"}}");
	next_end(r);
	next_end(r);
	tfy_result_reader_free(r);
	unlink(path);
	free(path);
}

static void test_error_file(void **state)
{
	(void)state;
	tu_mem_stream m;
	tfy_result_reader *r =
		reader_over(&m,
	                    ERR1
	                    "\n{\"custom_id\":\"r4\",\"error\":{\"code\":500,\"message\":\"x\\u0000y\"}}\n",
	                    0, 0);
	const tfy_result *rec = next_ok(r);
	assert_int_equal(rec->line, 1);
	assert_string_equal(rec->id, "batch_req_3");
	assert_string_equal(rec->custom_id, "request-3");
	assert_int_equal(rec->status_code, 0);
	assert_null(rec->request_id);
	assert_null(rec->body_json);
	assert_int_equal(rec->body_json_len, 0);
	assert_string_equal(rec->error_code, "batch_expired");
	assert_non_null(strstr(rec->error_message, "completion window expired"));
	rec = next_ok(r);
	assert_null(rec->id);
	assert_string_equal(rec->error_code, "500"); /* a number, as its text */
	assert_null(rec->error_message);             /* holds NUL */
	next_end(r);
	tfy_result_reader_free(r);
}

static void test_crlf_blank_and_last_line(void **state)
{
	(void)state;
	/* Every chunk size, so lines and line endings fall across reads anywhere. */
	const char *text = "\r\n" OUT1 "\r\n  \t\n\n" ERR1 "\r\n" OUT1;
	for (size_t chunk = 0; chunk < 12; chunk++) {
		tu_mem_stream m;
		tfy_result_reader *r = reader_over(&m, text, chunk, 0);
		check_out1(next_ok(r), 2);
		assert_int_equal(next_ok(r)->line, 5);
		check_out1(next_ok(r), 6); /* no final line feed */
		next_end(r);
		tfy_result_reader_free(r);
	}
}

static void test_wrong_types_read_absent(void **state)
{
	(void)state;
	tu_mem_stream m;
	tfy_result_reader *r =
		reader_over(&m,
	                    "{\"id\":1,\"custom_id\":[\"a\"],\"response\":{\"status_code\":\"200\",\"request_id\":7,"
	                    "\"body\":null},\"error\":\"x\"}\n"
	                    "{\"response\":{\"status_code\":99999999999,\"body\":[1 , 2]},\"response\":{\"status_code\":201.0}}\n"
	                    "{\"response\":[],\"custom_id\":\"a\",\"custom_id\":\"b\"}\n",
	                    0, 0);
	const tfy_result *rec = next_ok(r);
	assert_null(rec->id);
	assert_null(rec->custom_id);
	assert_int_equal(rec->status_code, 0);
	assert_null(rec->request_id);
	assert_string_equal(rec->body_json, "null"); /* the member is there: its text */
	assert_null(rec->error_code);
	rec = next_ok(r);
	/* a repeated member replaces the earlier one, body included */
	assert_int_equal(rec->status_code, 201);
	assert_null(rec->body_json);
	rec = next_ok(r);
	assert_int_equal(rec->status_code, 0);
	assert_string_equal(rec->custom_id, "b");
	next_end(r);
	tfy_result_reader_free(r);
}

static void test_malformed_line_and_going_on(void **state)
{
	(void)state;
	tu_mem_stream m;
	tfy_result_reader *r =
		reader_over(&m,
	                    OUT1
	                    "\n{\"id\": \"x\",,}\n[1]\n\"s\"\n{\"id\":\"a\"} x\n{\"id\":\"\xff\"}\n" ERR1
	                    "\n",
	                    5, 0);
	check_out1(next_ok(r), 1);
	next_fails(r, TFY_ERROR_DECODE, "line 2: invalid JSON at column 12: string or '}' expected");
	next_fails(r, TFY_ERROR_DECODE, "line 3: expected a JSON object, got an array");
	next_fails(r, TFY_ERROR_DECODE, "line 4: expected a JSON object, got a string");
	next_fails(r, TFY_ERROR_DECODE, "line 5: invalid JSON at column 12: end of file expected");
	next_fails(r, TFY_ERROR_DECODE, "line 6: invalid JSON at column 8: invalid UTF-8");
	assert_int_equal(next_ok(r)->line, 7);
	next_end(r);
	tfy_result_reader_free(r);

	/* A NUL byte in a line. */
	static const char nul[] = "{\"id\":\"a\0\"}\n{}\n";
	m.data = nul;
	m.len = sizeof(nul) - 1;
	m.pos = 0;
	assert_int_equal(tfy_result_reader_new(tu_mem_read, &m, NULL, &r, NULL), TFY_OK);
	next_fails(r, TFY_ERROR_DECODE, "line 1: invalid JSON: a NUL byte at column 9");
	assert_int_equal(next_ok(r)->line, 2);
	tfy_result_reader_free(r);
}

static void test_line_too_long(void **state)
{
	(void)state;
	/* A cap of 50 bytes: OUT1 is longer, ERR1 too; short lines pass. */
	const char *text = "{\"id\":\"a\"}\n" OUT1 "\n{\"id\":\"b\"}\r\n" OUT1;
	for (size_t chunk = 0; chunk < 9; chunk += 4) {
		tu_mem_stream m;
		tfy_result_reader *r = reader_over(&m, text, chunk, 50);
		assert_string_equal(next_ok(r)->id, "a");
		next_fails(r, TFY_ERROR_DECODE, "line 2: longer than 50 bytes (max_line_bytes)");
		const tfy_result *rec = next_ok(r);
		assert_int_equal(rec->line, 3);
		assert_string_equal(rec->id, "b");
		next_fails(r, TFY_ERROR_DECODE, "line 4: longer than 50 bytes");
		next_end(r);
		tfy_result_reader_free(r);
	}
	/* Exactly the cap passes. */
	tu_mem_stream m;
	tfy_result_reader *r = reader_over(&m, "{\"id\":\"abc\"}\n", 0, 12);
	assert_string_equal(next_ok(r)->id, "abc");
	tfy_result_reader_free(r);
}

static void test_long_lines_grow_the_buffer(void **state)
{
	(void)state;
	/* Lines of about 300 KiB, past the first buffer, read whole. */
	size_t n = 300 * 1024;
	char *big = malloc(3 * n + 200);
	assert_non_null(big);
	size_t len = 0;
	for (int k = 0; k < 3; k++) {
		len += (size_t)sprintf(big + len,
		                       "{\"custom_id\":\"r%d\",\"response\":{\"body\":\"", k);
		memset(big + len, 'a' + k, n);
		len += n;
		len += (size_t)sprintf(big + len, "\"}}\n");
	}
	big[len] = '\0';
	tu_mem_stream m;
	tfy_result_reader *r = reader_over(&m, big, 0, 0);
	for (int k = 0; k < 3; k++) {
		const tfy_result *rec = next_ok(r);
		assert_int_equal(rec->body_json_len, n + 2);
		assert_int_equal(rec->body_json[1], 'a' + k);
		assert_int_equal(rec->body_json[n], 'a' + k);
	}
	next_end(r);
	tfy_result_reader_free(r);
	free(big);
}

static void test_read_failures(void **state)
{
	(void)state;
	tu_mem_stream m;
	const char *text = OUT1 "\n" OUT1 "\n";
	tfy_result_reader *r = reader_over(&m, text, 0, 0);
	m.fail_after = (long)strlen(OUT1) + 10;
	check_out1(next_ok(r), 1);
	next_fails(r, TFY_ERROR_IO, "the read callback failed after line 1");
	next_fails(r, TFY_ERROR_IO, "the read callback failed"); /* and stays failed */
	tfy_result_reader_free(r);

	tfy_error *err = NULL;
	r = (tfy_result_reader *)&r;
	assert_int_equal(tfy_result_reader_open("/nonexistent/tfy/output.jsonl", NULL, &r, &err),
	                 TFY_ERROR_IO);
	assert_null(r);
	assert_string_equal(err->message,
	                    "cannot open /nonexistent/tfy/output.jsonl: No such file or directory");
	assert_string_equal(err->detail, "No such file or directory");
	tfy_error_free(err);

	/* A directory opens, and fails at the first read. */
	assert_int_equal(tfy_result_reader_open("/", NULL, &r, NULL), TFY_OK);
	next_fails(r, TFY_ERROR_IO, "cannot read /: Is a directory");
	tfy_result_reader_free(r);
}

static void test_arguments_and_options(void **state)
{
	(void)state;
	tfy_result_reader *r = NULL;
	tfy_error *err = NULL;
	tu_mem_stream m = { "", 0, 0, 0, -1 };
	assert_int_equal(tfy_result_reader_new(NULL, &m, NULL, &r, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	assert_int_equal(tfy_result_reader_open(NULL, NULL, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_result_reader_new(tu_mem_read, &m, NULL, NULL, NULL),
	                 TFY_ERROR_INVALID_ARGUMENT);

	tfy_result_reader_options opts;
	assert_int_equal(tfy_result_reader_options_init(&opts, TFY_RESULT_READER_OPTIONS_VERSION),
	                 TFY_OK);
	assert_int_equal(opts.version, TFY_RESULT_READER_OPTIONS_VERSION);
	assert_int_equal(opts.max_line_bytes, 0);
	assert_int_equal(tfy_result_reader_options_init(&opts, 2), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_result_reader_options_init(NULL, 1), TFY_ERROR_INVALID_ARGUMENT);

	opts.max_line_bytes = -1;
	assert_int_equal(tfy_result_reader_new(tu_mem_read, &m, &opts, &r, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_null(r);
	assert_non_null(strstr(err->message, "max_line_bytes"));
	tfy_error_free(err);
	opts.max_line_bytes = 0;
	opts.reserved_ = 1;
	assert_int_equal(tfy_result_reader_new(tu_mem_read, &m, &opts, &r, NULL),
	                 TFY_ERROR_INVALID_ARGUMENT);
	opts.reserved_ = 0;
	opts.version = 9;
	assert_int_equal(tfy_result_reader_open("/", &opts, &r, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "version 9"));
	tfy_error_free(err);

	const tfy_result *rec = (const tfy_result *)&m;
	assert_int_equal(tfy_result_reader_next(NULL, &rec, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(rec);
	tfy_result_reader_free(NULL);

	/* An empty stream ends at once. */
	assert_int_equal(tfy_result_reader_new(tu_mem_read, &m, NULL, &r, NULL), TFY_OK);
	next_end(r);
	tfy_result_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_file),
		cmocka_unit_test(test_error_file),
		cmocka_unit_test(test_crlf_blank_and_last_line),
		cmocka_unit_test(test_wrong_types_read_absent),
		cmocka_unit_test(test_malformed_line_and_going_on),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_long_lines_grow_the_buffer),
		cmocka_unit_test(test_read_failures),
		cmocka_unit_test(test_arguments_and_options),
	};
	return cmocka_run_group_tests_name("results", tests, NULL, NULL);
}
