/* Unit tests of the File object: tfy_file_parse, tfy_file_dup and the delete answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tfy/tfy.h"

static tfy_file *parse_ok(const char *json)
{
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_file_parse(json, strlen(json), &f, &err);
	if (rc != TFY_OK)
		print_error("parse failed: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	assert_non_null(f);
	return f;
}

static void parse_fails(const char *json, size_t len, const char *detail_part)
{
	tfy_file *f = (tfy_file *)&f;
	tfy_error *err = NULL;
	assert_int_equal(tfy_file_parse(json, len, &f, &err), TFY_ERROR_DECODE);
	assert_null(f);
	assert_non_null(err);
	assert_int_equal(err->code, TFY_ERROR_DECODE);
	if (!strstr(err->detail, detail_part))
		print_error("detail: %s\n", err->detail);
	assert_non_null(strstr(err->detail, detail_part));
	tfy_error_free(err);
}

static void test_full(void **state)
{
	(void)state;
	const char *json = " {\"id\": \"file-abc123\", \"object\": \"file\", \"bytes\": 120000,"
			   " \"created_at\": 1677610602, \"expires_at\": 1680202602,"
			   " \"filename\": \"mydata.jsonl\", \"purpose\": \"batch\","
			   " \"status\": \"processed\", \"status_details\": \"ok\", \"extra\": [1]}\n";
	tfy_file *f = parse_ok(json);
	assert_string_equal(f->id, "file-abc123");
	assert_string_equal(f->object, "file");
	assert_true(f->bytes.present);
	assert_int_equal(f->bytes.value, 120000);
	assert_int_equal(f->created_at.value, 1677610602);
	assert_true(f->expires_at.present);
	assert_int_equal(f->expires_at.value, 1680202602);
	assert_string_equal(f->filename, "mydata.jsonl");
	assert_string_equal(f->purpose, "batch");
	assert_string_equal(f->status, "processed");
	assert_string_equal(f->status_details, "ok");
	/* raw_json: the object's bytes, without the whitespace around it. */
	assert_int_equal(strlen(f->raw_json), strlen(json) - 2);
	assert_memory_equal(f->raw_json, json + 1, strlen(json) - 2);

	tfy_file *copy = tfy_file_dup(f);
	tfy_file_free(f);
	assert_non_null(copy);
	assert_string_equal(copy->id, "file-abc123");
	assert_int_equal(copy->bytes.value, 120000);
	assert_string_equal(copy->status_details, "ok");
	tfy_file_free(copy);
}

static void test_minimal(void **state)
{
	(void)state;
	tfy_file *f = parse_ok("{}");
	assert_null(f->id);
	assert_null(f->object);
	assert_false(f->bytes.present);
	assert_false(f->created_at.present);
	assert_false(f->expires_at.present);
	assert_null(f->filename);
	assert_null(f->purpose);
	assert_null(f->status);
	assert_null(f->status_details);
	assert_string_equal(f->raw_json, "{}");
	tfy_file_free(f);

	f = parse_ok("{\"id\":\"file-1\",\"expires_at\":null,\"status_details\":null}");
	assert_string_equal(f->id, "file-1");
	assert_false(f->expires_at.present);
	assert_null(f->status_details);
	tfy_file_free(f);
}

static void test_hostile(void **state)
{
	(void)state;
	/* Wrong types read as absent; the text is kept. */
	tfy_file *f = parse_ok("{\"id\":7,\"object\":[\"file\"],\"bytes\":\"12\",\"created_at\":true,"
	                       "\"expires_at\":{},\"filename\":null,\"purpose\":false,\"status\":1.5}");
	assert_null(f->id);
	assert_null(f->object);
	assert_true(f->bytes.present); /* a string holding a decimal integer, as for a batch */
	assert_int_equal(f->bytes.value, 12);
	assert_false(f->created_at.present);
	assert_false(f->expires_at.present);
	assert_null(f->filename);
	assert_null(f->purpose);
	assert_null(f->status);
	assert_non_null(strstr(f->raw_json, "\"object\":[\"file\"]"));
	tfy_file_free(f);

	/* Huge numbers are absent rather than wrapped; milliseconds and ISO-8601 are converted. */
	f = parse_ok("{\"bytes\":99999999999999999999999,\"created_at\":1e400,"
	             "\"expires_at\":\"2025-01-31T23:59:44Z\"}");
	assert_false(f->bytes.present);
	assert_false(f->created_at.present);
	assert_true(f->expires_at.present);
	assert_int_equal(f->expires_at.value, 1738367984);
	tfy_file_free(f);
	f = parse_ok("{\"bytes\":-9223372036854775808,\"created_at\":1711000000000}");
	assert_int_equal(f->bytes.value, INT64_MIN);
	assert_int_equal(f->created_at.value, 1711000000);
	tfy_file_free(f);

	/* NUL in a string: absent; in a key: the member is skipped. */
	f = parse_ok("{\"id\":\"file-\\u0000x\",\"filename\":\"a\\u00e9\",\"purpose\\u0000\":\"x\","
	             "\"purpose\":\"batch\"}");
	assert_null(f->id);
	assert_string_equal(f->filename, "a\xc3\xa9");
	assert_string_equal(f->purpose, "batch");
	tfy_file_free(f);

	/* A repeated member replaces the earlier one. */
	f = parse_ok("{\"id\":\"a\",\"id\":\"b\"}");
	assert_string_equal(f->id, "b");
	tfy_file_free(f);

	parse_fails("[]", 2, "expected a JSON object (a File), got an array");
	parse_fails("\"file\"", 6, "got a string");
	parse_fails("", 0, "premature end of input");
	parse_fails("{\"id\":\"x\"", 9, "invalid JSON");
	parse_fails("{} {}", 5, "end of file expected");
	parse_fails("{\"id\":\"a\0b\"}", 12, "NUL byte at offset 8");
	parse_fails("{\"id\":\"\xff\"}", 10, "invalid UTF-8");
}

static void test_arguments(void **state)
{
	(void)state;
	tfy_file *f = (tfy_file *)&f;
	tfy_error *err = NULL;
	assert_int_equal(tfy_file_parse(NULL, 0, &f, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(f);
	assert_int_equal(err->code, TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	assert_int_equal(tfy_file_parse("{}", 2, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	/* err NULL: the code alone. */
	assert_int_equal(tfy_file_parse("[", 1, &f, NULL), TFY_ERROR_DECODE);
	assert_null(tfy_file_dup(NULL));
	tfy_file_free(NULL);
}

static void test_deleted(void **state)
{
	(void)state;
	char detail[256] = "";
	tfy__file_deleted *del = NULL;
	const char *ok = "{\"id\":\"file-abc123\",\"object\":\"file\",\"deleted\":true}";
	assert_int_equal(tfy__decode_file_deleted(ok, strlen(ok), &del, detail, sizeof(detail)),
	                 TFY_OK);
	assert_string_equal(del->id, "file-abc123");
	assert_string_equal(del->object, "file");
	assert_int_equal(del->deleted, 1);
	assert_int_equal(del->deleted_present, 1);
	tfy__file_deleted_free(del);

	const char *no = "{\"id\":\"file-1\",\"deleted\":\"true\"}";
	assert_int_equal(tfy__decode_file_deleted(no, strlen(no), &del, detail, sizeof(detail)),
	                 TFY_OK);
	assert_int_equal(del->deleted, 0);
	assert_int_equal(del->deleted_present, 0);
	tfy__file_deleted_free(del);

	const char *f = "{\"deleted\":false}";
	assert_int_equal(tfy__decode_file_deleted(f, strlen(f), &del, detail, sizeof(detail)), TFY_OK);
	assert_null(del->id);
	assert_int_equal(del->deleted, 0);
	assert_int_equal(del->deleted_present, 1);
	tfy__file_deleted_free(del);

	assert_int_equal(tfy__decode_file_deleted("true", 4, &del, detail, sizeof(detail)),
	                 TFY_ERROR_DECODE);
	assert_null(del);
	assert_non_null(strstr(detail, "got a boolean"));
	tfy__file_deleted_free(NULL);
}

static void test_internal_decoder(void **state)
{
	(void)state;
	char detail[256] = "";
	tfy_file *f = NULL;
	const char *body = "{\"id\":\"file-9\",\"bytes\":3}";
	assert_int_equal(tfy__decode_file(body, strlen(body), &f, detail, sizeof(detail)), TFY_OK);
	assert_string_equal(f->id, "file-9");
	tfy_file_free(f);
	assert_int_equal(tfy__decode_file("null", 4, &f, detail, sizeof(detail)), TFY_ERROR_DECODE);
	assert_null(f);
	assert_string_equal(detail, "expected a JSON object (a File), got null");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),    cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_hostile), cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_deleted), cmocka_unit_test(test_internal_decoder),
	};
	return cmocka_run_group_tests_name("file", tests, NULL, NULL);
}
