/*
 * Unit tests of tfy-batches' JSON writer (tools/tfy-batches/batch_json.c):
 * its text must be what jansson's compact dump of the same object gives,
 * byte for byte, escapes and key order included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "batch_json.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

static tfy_opt_int64 some(int64_t v)
{
	tfy_opt_int64 o = { v, 1, 0 };
	return o;
}

/* The writer's text for b, NUL-terminated; the caller frees it. */
static char *written(const tfy_batch *b)
{
	json_text t = { NULL, 0, 0, 0 };
	assert_int_equal(batch_json_append(&t, b), 0);
	assert_int_equal(json_text_put(&t, "", 1), 0);
	return t.data;
}

/* The text parses, and jansson's compact dump of what it parsed to is the same bytes. */
static json_t *check_is_jansson_form(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);
	if (v == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, text);
	char *again = json_dumps(v, DUMP_FLAGS);
	assert_string_equal(text, again);
	free(again);
	return v;
}

static void test_empty_batch(void **state)
{
	(void)state;
	tfy_batch b;
	memset(&b, 0, sizeof b);
	char *text = written(&b);
	json_t *v = check_is_jansson_form(text);
	assert_string_equal(
		text,
		"{\"id\":null,\"object\":null,\"endpoint\":null,\"model\":null,\"input_file_id\":null,"
		"\"completion_window\":null,\"status\":null,\"output_file_id\":null,\"error_file_id\":null,"
		"\"created_at\":null,\"in_progress_at\":null,\"expires_at\":null,\"finalizing_at\":null,"
		"\"completed_at\":null,\"failed_at\":null,\"expired_at\":null,\"cancelling_at\":null,"
		"\"cancelled_at\":null,\"request_counts\":null,\"usage\":null,\"errors\":null,"
		"\"metadata\":null}");
	json_decref(v);
	free(text);
}

static void test_every_field_and_escape(void **state)
{
	(void)state;
	static const tfy_batch_error errs[] = {
		{ "invalid_json", "line \"3\"\n\tbad \\ value\x01\x1f\x7f", NULL, { 3, 1, 0 } },
		{ NULL, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 a/b", "p", { 0, 0, 0 } },
	};
	static const tfy_batch_error *const err_ptrs[] = { &errs[0], &errs[1] };
	tfy_batch_request_counts counts;
	tfy_batch_usage usage;
	tfy_batch b;
	memset(&counts, 0, sizeof counts);
	memset(&usage, 0, sizeof usage);
	memset(&b, 0, sizeof b);
	b.id = "batch_\b\f\r";
	b.object = "batch";
	b.endpoint = "/v1/chat/completions";
	b.status_raw = "InProgress";
	b.created_at = some(INT64_MIN);
	b.completed_at = some(INT64_MAX);
	b.failed_at = some(0);
	b.expires_at = some(-1);
	counts.total = some(10);
	counts.failed = some(2);
	b.request_counts = &counts;
	usage.input_tokens = some(5);
	usage.cached_tokens = some(1);
	b.usage = &usage;
	b.errors_object = "list";
	b.errors = err_ptrs;
	b.errors_count = 2;
	b.metadata_json = "{\"k\":\"v\",\"n\":[1,2.5,null]}";
	char *text = written(&b);
	json_t *v = check_is_jansson_form(text);
	assert_non_null(strstr(text, "\"id\":\"batch_\\b\\f\\r\""));
	assert_non_null(strstr(text, "\\\"3\\\"\\n\\tbad \\\\ value\\u0001\\u001F\x7f\""));
	assert_non_null(strstr(text, "\"created_at\":-9223372036854775808,"));
	assert_non_null(strstr(text, "\"completed_at\":9223372036854775807,"));
	assert_non_null(strstr(text, "\"usage\":{\"input_tokens\":5,\"input_tokens_details\":"
	                             "{\"cached_tokens\":1},\"output_tokens\":null,"
	                             "\"output_tokens_details\":{\"reasoning_tokens\":null},"
	                             "\"total_tokens\":null}"));
	assert_non_null(strstr(text, "\"metadata\":{\"k\":\"v\",\"n\":[1,2.5,null]}}"));
	assert_string_equal(json_string_value(json_object_get(v, "id")), b.id);
	json_t *e1 = json_array_get(json_object_get(json_object_get(v, "errors"), "data"), 1);
	assert_string_equal(json_string_value(json_object_get(e1, "message")), errs[1].message);
	assert_true(json_is_null(json_object_get(e1, "line")));
	json_decref(v);
	free(text);
}

static void test_text_accumulates(void **state)
{
	(void)state;
	tfy_batch b;
	memset(&b, 0, sizeof b);
	json_text t = { NULL, 0, 0, 0 };
	/* Past the first 4 KiB, so the text grows while it keeps what it held. */
	for (int i = 0; i < 40; i++) {
		assert_int_equal(batch_json_append(&t, &b), 0);
		assert_int_equal(json_text_put(&t, "\n", 1), 0);
	}
	assert_true(t.len > 4096);
	assert_int_equal(t.len % 40, 0);
	size_t line = t.len / 40;
	for (int i = 1; i < 40; i++)
		assert_memory_equal(t.data, t.data + (size_t)i * line, line);
	json_text_free(&t);
	assert_null(t.data);
	assert_int_equal(t.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_batch),
		cmocka_unit_test(test_every_field_and_escape),
		cmocka_unit_test(test_text_accumulates),
	};
	return cmocka_run_group_tests_name("batch_json", tests, NULL, NULL);
}
