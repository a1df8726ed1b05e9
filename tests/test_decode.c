/* Unit tests of the response decoder on the project's own fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "hostile_bodies.h"
#include "testutil.h"
#include "tfy/tfy.h"

static tfy_batch_page *decode_ok(const char *json)
{
	tfy_batch_page *list = NULL;
	char detail[256] = "";
	tfy_code rc = tfy__decode_batch_page(json, strlen(json), &list, detail, sizeof(detail));
	if (rc != TFY_OK)
		print_error("decode failed: %s\n", detail);
	assert_int_equal(rc, TFY_OK);
	assert_non_null(list);
	return list;
}

static tfy_code decode_fail(const char *json, char *detail, size_t size)
{
	tfy_batch_page *list = (tfy_batch_page *)1;
	tfy_code rc = tfy__decode_batch_page(json, strlen(json), &list, detail, size);
	assert_null(list);
	return rc;
}

/* Decodes a page holding the one item `item`. */
static tfy_batch_page *decode_item(const char *item)
{
	char json[4096];
	snprintf(json, sizeof(json), "{\"object\":\"list\",\"data\":[%s],\"has_more\":false}", item);
	tfy_batch_page *list = decode_ok(json);
	assert_int_equal(list->count, 1);
	return list;
}

#define ITEM_HEAD \
	"\"id\":\"batch_1\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\"," \
	"\"input_file_id\":\"file-1\",\"completion_window\":\"24h\",\"created_at\":1700000000"

static void test_mixed_page(void **state)
{
	(void)state;
	char *json = tu_read_fixture("page_mixed.json", NULL);
	tfy_batch_page *list = decode_ok(json);
	assert_string_equal(list->object, "list");
	assert_int_equal(list->count, 3);
	assert_true(list->has_more);
	assert_true(list->has_more_present);
	assert_string_equal(list->first_id, "batch_6f1c2a9e0b7d4c3a8e5f1b2d3c4a5e6f");
	assert_string_equal(list->last_id, "batch_ffeeddccbbaa99887766554433221100");
	assert_null(list->request_id);

	const tfy_batch *b = tfy_batch_page_get(list, 0);
	assert_string_equal(b->id, "batch_6f1c2a9e0b7d4c3a8e5f1b2d3c4a5e6f");
	assert_string_equal(b->object, "batch");
	assert_string_equal(b->model, "gpt-4o-mini-2024-07-18");
	assert_int_equal(b->status, TFY_BATCH_STATUS_COMPLETED);
	assert_string_equal(b->status_raw, "completed");
	assert_string_equal(b->output_file_id, "file-Hc8uN2fW5sK1oP7eV4dJ9a");
	assert_null(b->error_file_id);
	assert_true(b->created_at.present);
	assert_int_equal(b->created_at.value, 1764979200);
	assert_int_equal(b->completed_at.value, 1764985562);
	assert_false(b->failed_at.present);
	assert_false(b->cancelled_at.present);
	assert_non_null(b->request_counts);
	assert_int_equal(b->request_counts->total.value, 575);
	assert_int_equal(b->request_counts->completed.value, 570);
	assert_int_equal(b->request_counts->failed.value, 5);
	assert_non_null(b->usage);
	assert_int_equal(b->usage->input_tokens.value, 1500);
	assert_int_equal(b->usage->cached_tokens.value, 1024);
	assert_int_equal(b->usage->output_tokens.value, 500);
	assert_int_equal(b->usage->reasoning_tokens.value, 300);
	assert_int_equal(b->usage->total_tokens.value, 2000);
	assert_null(b->errors);
	assert_null(b->errors_object);
	assert_int_equal(b->metadata_count, 2);
	assert_string_equal(b->metadata[0]->key, "customer_id");
	assert_string_equal(b->metadata[0]->value, "user_123456789");
	assert_string_equal(b->metadata[1]->value, "Nightly eval — café ✓ 日本語");
	assert_non_null(strstr(b->metadata_json, "\"customer_id\":\"user_123456789\""));
	/* raw_json is the item's text exactly as sent, whitespace included. */
	assert_non_null(strstr(b->raw_json, "\"id\": \"batch_6f1c2a9e0b7d4c3a8e5f1b2d3c4a5e6f\""));
	assert_int_equal(b->raw_json[0], '{');
	assert_int_equal(b->raw_json[strlen(b->raw_json) - 1], '}');
	assert_non_null(strstr(json, b->raw_json));
	assert_non_null(strstr(json, list->items[2]->raw_json));

	b = tfy_batch_page_get(list, 1);
	assert_int_equal(b->status, TFY_BATCH_STATUS_FAILED);
	assert_string_equal(b->errors_object, "list");
	assert_int_equal(b->errors_count, 2);
	assert_string_equal(b->errors[0]->code, "invalid_json_line");
	assert_null(b->errors[0]->param);
	assert_true(b->errors[0]->line.present);
	assert_int_equal(b->errors[0]->line.value, 3);
	assert_string_equal(b->errors[1]->param, "body.model");
	assert_false(b->errors[1]->line.present);
	assert_int_equal(b->failed_at.value, 1764892811);
	assert_null(b->metadata_json);
	assert_int_equal(b->metadata_count, 0);
	assert_null(b->model);
	assert_null(b->usage);

	b = tfy_batch_page_get(list, 2);
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	assert_null(b->output_file_id);
	assert_false(b->completed_at.present);
	assert_null(b->errors_object);
	assert_null(tfy_batch_page_get(list, 3));
	tfy_batch_page_free(list);
	free(json);
}

static void test_null_and_missing_read_alike(void **state)
{
	(void)state;
	tfy_batch_page *a = decode_item("{" ITEM_HEAD ",\"status\":null,\"model\":null,\"usage\":null,"
	                                "\"request_counts\":null,\"errors\":null,\"metadata\":null,"
	                                "\"completed_at\":null}");
	tfy_batch_page *b = decode_item("{" ITEM_HEAD "}");
	const tfy_batch *x = a->items[0], *y = b->items[0];
	assert_null(x->status_raw);
	assert_null(y->status_raw);
	assert_int_equal(x->status, TFY_BATCH_STATUS_UNKNOWN);
	assert_null(x->model);
	assert_null(x->usage);
	assert_null(y->usage);
	assert_null(x->request_counts);
	assert_null(y->request_counts);
	assert_int_equal(x->completed_at.present, 0);
	assert_int_equal(y->completed_at.present, 0);
	assert_null(x->metadata_json);
	assert_null(y->metadata_json);
	assert_int_equal(x->errors_count, 0);
	assert_true(x->created_at.present);
	tfy_batch_page_free(a);
	tfy_batch_page_free(b);
}

static void test_zero_timestamp_is_present(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item("{" ITEM_HEAD ",\"failed_at\":0}");
	assert_true(l->items[0]->failed_at.present);
	assert_int_equal(l->items[0]->failed_at.value, 0);
	assert_false(l->items[0]->expired_at.present);
	tfy_batch_page_free(l);
}

static void test_unknown_status_and_fields(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item(
		"{" ITEM_HEAD ",\"status\":\"on_hold\","
		"\"brand_new_field\":{\"x\":[1,2,3]},\"provider\":\"bedrock\"}");
	const tfy_batch *b = l->items[0];
	assert_int_equal(b->status, TFY_BATCH_STATUS_UNKNOWN);
	assert_string_equal(b->status_raw, "on_hold");
	assert_non_null(strstr(b->raw_json, "\"brand_new_field\":{\"x\":[1,2,3]}"));
	assert_string_equal(b->id, "batch_1");
	tfy_batch_page_free(l);
}

static void test_every_known_status(void **state)
{
	(void)state;
	for (tfy_batch_status s = 1; s <= TFY_BATCH_STATUS_PARTIALLY_COMPLETED; s++) {
		const char *name = tfy_batch_status_name(s);
		assert_int_equal(tfy_batch_status_parse(name), s);
	}
	assert_string_equal(tfy_batch_status_name(99), "unknown");
	assert_string_equal(tfy_batch_status_name(-1), "unknown");
	assert_int_equal(tfy_batch_status_parse(NULL), TFY_BATCH_STATUS_UNKNOWN);
	assert_int_equal(tfy_batch_status_parse("Completed"), TFY_BATCH_STATUS_COMPLETED);
	assert_int_equal(tfy_batch_status_parse("PartiallyCompleted"),
	                 TFY_BATCH_STATUS_PARTIALLY_COMPLETED);
	assert_int_equal(tfy_batch_status_parse("on_hold"), TFY_BATCH_STATUS_UNKNOWN);
}

static void test_metadata_not_a_string_map(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item("{" ITEM_HEAD
	                                ",\"metadata\":{\"priority\":3,\"tags\":[\"a\",\"b\"],"
	                                "\"owner\":\"team-x\"}}");
	const tfy_batch *b = l->items[0];
	assert_int_equal(b->metadata_count, 3);
	assert_string_equal(b->metadata[0]->key, "priority");
	assert_string_equal(b->metadata[0]->value, "3");
	assert_string_equal(b->metadata[1]->value, "[\"a\",\"b\"]");
	assert_string_equal(b->metadata[2]->value, "team-x");
	tfy_batch_page_free(l);

	l = decode_item("{" ITEM_HEAD ",\"metadata\":\"free text\"}");
	assert_int_equal(l->items[0]->metadata_count, 0);
	assert_string_equal(l->items[0]->metadata_json, "\"free text\"");
	tfy_batch_page_free(l);

	l = decode_item("{" ITEM_HEAD ",\"metadata\":[1,2]}");
	assert_string_equal(l->items[0]->metadata_json, "[1,2]");
	tfy_batch_page_free(l);
}

static void test_wrong_types_are_absent(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item("{\"id\":42,\"object\":\"batch\",\"endpoint\":[],\"status\":7,"
	                                "\"created_at\":\"soon\",\"completed_at\":true,"
	                                "\"request_counts\":\"many\",\"usage\":[1],"
	                                "\"errors\":\"broken\",\"expires_at\":1.5}");
	const tfy_batch *b = l->items[0];
	assert_null(b->id);
	assert_null(b->endpoint);
	assert_null(b->status_raw);
	assert_int_equal(b->status, TFY_BATCH_STATUS_UNKNOWN);
	assert_false(b->created_at.present);
	assert_false(b->completed_at.present);
	assert_false(b->expires_at.present);
	assert_null(b->request_counts);
	assert_null(b->usage);
	assert_int_equal(b->errors_count, 0);
	assert_string_equal(b->object, "batch");
	tfy_batch_page_free(l);
}

static void test_numbers_as_strings(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item(
		"{" ITEM_HEAD ",\"completed_at\":\"1745598858\","
		"\"failed_at\":\"12abc\",\"expired_at\":\"\","
		"\"cancelled_at\":\"99999999999999999999\","
		"\"request_counts\":{\"total\":\"10\",\"completed\":2.0,\"failed\":-1}}");
	const tfy_batch *b = l->items[0];
	assert_true(b->completed_at.present);
	assert_int_equal(b->completed_at.value, 1745598858);
	assert_false(b->failed_at.present);
	assert_false(b->expired_at.present);
	assert_false(b->cancelled_at.present);
	assert_int_equal(b->request_counts->total.value, 10);
	assert_int_equal(b->request_counts->completed.value, 2);
	assert_int_equal(b->request_counts->failed.value, -1);
	tfy_batch_page_free(l);
}

static void test_huge_integers_do_not_wrap(void **state)
{
	(void)state;
	/* 2^63 and beyond: jansson refuses these, the decoder must not lose the page. */
	tfy_batch_page *l = decode_item("{" ITEM_HEAD ",\"completed_at\":9223372036854775808,"
	                                "\"failed_at\":-99999999999999999999999,"
	                                "\"expires_at\":1765065600}");
	const tfy_batch *b = l->items[0];
	assert_false(b->completed_at.present);
	assert_false(b->failed_at.present);
	assert_true(b->expires_at.present);
	assert_int_equal(b->expires_at.value, 1765065600);
	assert_int_equal(b->created_at.value, 1700000000);
	tfy_batch_page_free(l);

	l = decode_item("{" ITEM_HEAD ",\"usage\":{\"input_tokens\":9223372036854775807,"
	                "\"output_tokens\":-9223372036854775808,\"total_tokens\":1745598858000}}");
	b = l->items[0];
	assert_int_equal(b->usage->input_tokens.value, INT64_MAX);
	assert_int_equal(b->usage->output_tokens.value, INT64_MIN);
	/* Only timestamps are ever rescaled (see test_times_converted). */
	assert_int_equal(b->usage->total_tokens.value, 1745598858000);
	tfy_batch_page_free(l);
}

static void test_empty_page(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_ok("{\"object\":\"list\",\"data\":[],\"first_id\":null,"
	                              "\"last_id\":null,\"has_more\":false}");
	assert_int_equal(l->count, 0);
	assert_null(l->items);
	assert_null(l->first_id);
	assert_null(l->last_id);
	assert_false(l->has_more);
	assert_true(l->has_more_present);
	tfy_batch_page_free(l);

	l = decode_ok("{\"data\":[]}");
	assert_null(l->object);
	assert_false(l->has_more_present);
	tfy_batch_page_free(l);
}

static void test_non_object_item_is_kept_raw(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_ok(
		"{\"data\":[\"weird\",null,{\"id\":\"batch_2\"}],\"has_more\":\"yes\"}");
	assert_int_equal(l->count, 3);
	assert_null(l->items[0]->id);
	assert_string_equal(l->items[0]->raw_json, "\"weird\"");
	assert_string_equal(l->items[1]->raw_json, "null");
	assert_string_equal(l->items[2]->id, "batch_2");
	assert_false(l->has_more_present);
	tfy_batch_page_free(l);
}

static void test_garbage_is_a_decode_error(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		"",
		"not json",
		"<html><body>502 Bad Gateway</body></html>",
		"{\"data\":[1,2",
		"[]",
		"42",
		"null",
		"{}",
		"{\"data\":{}}",
		"{\"data\":null}",
		"{\"object\":\"list\"}",
		"{\"data\":[]} trailing",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char detail[256] = "";
		assert_int_equal(decode_fail(bodies[i], detail, sizeof(detail)), TFY_ERROR_DECODE);
		assert_true(strlen(detail) > 0);
	}
	char detail[256];
	decode_fail("{\"object\":\"list\"}", detail, sizeof(detail));
	assert_non_null(strstr(detail, "\"data\" is missing"));
	decode_fail("[1]", detail, sizeof(detail));
	assert_non_null(strstr(detail, "got an array"));
	decode_fail("<html>", detail, sizeof(detail));
	assert_non_null(strstr(detail, "invalid JSON"));
}

static void test_unicode_and_escapes(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item("{" ITEM_HEAD ",\"model\":\"m\\u00e9\\ud83d\\ude00\\n\\\"q\\\"\","
	                                "\"metadata\":{\"k\":\"nul\\u0000inside\"}}");
	const tfy_batch *b = l->items[0];
	assert_string_equal(b->model, "m\xc3\xa9\xf0\x9f\x98\x80\n\"q\"");
	/* A NUL would cut the C string: the value reads as NULL; metadata_json and raw_json keep it. */
	assert_int_equal(b->metadata_count, 1);
	assert_string_equal(b->metadata[0]->key, "k");
	assert_null(b->metadata[0]->value);
	assert_string_equal(b->metadata_json, "{\"k\":\"nul\\u0000inside\"}");
	assert_non_null(strstr(b->raw_json, "\\u0000"));
	tfy_batch_page_free(l);
}

static void test_nul_in_strings_reads_absent(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item("{\"id\":\"a\\u0000b\",\"status\":\"completed\\u0000evil\","
	                                "\"model\":\"m\",\"metadata\":{\"k\\u0000x\":\"v\",\"ok\":\"w\"},"
	                                "\"q\\u0000\":1}");
	const tfy_batch *b = l->items[0];
	assert_null(b->id);
	assert_null(b->status_raw);
	assert_int_equal(b->status, TFY_BATCH_STATUS_UNKNOWN);
	assert_string_equal(b->model, "m");
	/* A metadata key holding NUL: that entry is dropped, from metadata_json too. */
	assert_int_equal(b->metadata_count, 1);
	assert_string_equal(b->metadata[0]->key, "ok");
	assert_string_equal(b->metadata_json, "{\"ok\":\"w\"}");
	assert_non_null(strstr(b->raw_json, "k\\u0000x"));
	tfy_batch_page_free(l);

	/* A key holding NUL anywhere (even the envelope's) skips its member, not the page. */
	l = decode_ok(
		"{\"d\\u0000\":1,\"data\":[{\"k\\u0000x\":1,\"id\":\"i\"}],\"x\":{\"a\\u0000\":2}}");
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0]->id, "i");
	assert_null(l->extra_json);
	tfy_batch_page_free(l);
}

static void test_large_page(void **state)
{
	(void)state;
	size_t n = 1000, cap = n * 200 + 64, len = 0;
	char *json = malloc(cap);
	len += (size_t)snprintf(json + len, cap - len, "{\"data\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, cap - len,
		                        "%s{\"id\":\"batch_%zu\",\"created_at\":%zu}", i ? "," : "",
		                        i, 1700000000 + i);
	snprintf(json + len, cap - len, "],\"has_more\":true}");
	tfy_batch_page *l = decode_ok(json);
	assert_int_equal(l->count, n);
	assert_string_equal(l->items[999]->id, "batch_999");
	assert_int_equal(l->items[999]->created_at.value, 1700000999);
	tfy_batch_page_free(l);
	free(json);
}

static void test_raw_json_is_the_sent_bytes(void **state)
{
	(void)state;
	/* Items sliced from the body: strings with brackets, escapes, nesting, scalars. */
	const char *json = "{ \"first_id\" : \"a]}\\\"[{\", \"data\" : [ {\"id\":\"x\\\"]\",\"m\":{\"a\":[1,{}]}} ,"
			   "7, \"s\" , null,[ ] ], \"has_more\" : false }";
	tfy_batch_page *l = decode_ok(json);
	assert_int_equal(l->count, 5);
	assert_string_equal(l->items[0]->raw_json, "{\"id\":\"x\\\"]\",\"m\":{\"a\":[1,{}]}}");
	assert_string_equal(l->items[0]->id, "x\"]");
	assert_string_equal(l->items[1]->raw_json, "7");
	assert_string_equal(l->items[2]->raw_json, "\"s\"");
	assert_string_equal(l->items[3]->raw_json, "null");
	assert_string_equal(l->items[4]->raw_json, "[ ]");
	tfy_batch_page_free(l);

	/* A string ending in an escaped backslash ends at the next quote. */
	l = decode_ok("{\"data\":[{\"id\":\"end\\\\\",\"x\":\"]}\"}, {\"id\":\"\\\\\\\"q\"}]}");
	assert_int_equal(l->count, 2);
	assert_string_equal(l->items[0]->id, "end\\");
	assert_string_equal(l->items[0]->raw_json, "{\"id\":\"end\\\\\",\"x\":\"]}\"}");
	assert_string_equal(l->items[1]->id, "\\\"q");
	assert_string_equal(l->items[1]->raw_json, "{\"id\":\"\\\\\\\"q\"}");
	tfy_batch_page_free(l);

	/* Duplicate keys: the last "data" counts, as in jansson's objects. */
	l = decode_ok("{\"data\":[{\"id\":\"old\"}],\"data\":[{\"id\":\"new\"}, {\"id\":\"two\"}]}");
	assert_int_equal(l->count, 2);
	assert_string_equal(l->items[0]->raw_json, "{\"id\":\"new\"}");
	tfy_batch_page_free(l);

	/* A key spelled with escapes is the key it decodes to; items keep their bytes. */
	l = decode_ok("{\"d\\u0061ta\":[{\"id\" : \"z\"}]}");
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0]->raw_json, "{\"id\" : \"z\"}");
	tfy_batch_page_free(l);
	l = decode_ok("{\"data\":[{\"id\":\"a\"}],\"d\\u0061ta\":[{\"id\" : \"b\"}]}");
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0]->id, "b");
	assert_string_equal(l->items[0]->raw_json, "{\"id\" : \"b\"}");
	tfy_batch_page_free(l);

	/* The envelope's other members: the last of a repeated one counts, unknown ones are skipped. */
	l = decode_ok(" {\"object\":\"x\",\"extra\":{\"data\":[1]},\"data\":[],\"object\":\"list\","
	              "\"has_more\":1,\"has_more\":true}\r\n\t");
	assert_int_equal(l->count, 0);
	assert_string_equal(l->object, "list");
	assert_true(l->has_more);
	tfy_batch_page_free(l);
}

static void test_envelope_errors(void **state)
{
	(void)state;
	/* Every byte the decoder walks itself must be what a whole parse would accept. */
	static const char *const invalid[] = {
		"{\"data\":[1,]}",
		"{\"data\":[,1]}",
		"{\"data\":[1 2]}",
		"{\"data\":[1}",
		"{\"data\":[1]",
		"{\"data\":[]]}",
		"{\"data\":[],}",
		"{,\"data\":[]}",
		"{\"data\" []}",
		"{\"data\"::[]}",
		"{data:[]}",
		"{\"data\":[]}}",
		"{\"data\":[]} x",
		"{\"data\":[]}\f",
		"{\"data\":[tru]}",
		"{\"data\":[],\"x\":nul}",
		"{\"data\":[\"\xff\"]}",
		"{\"data\":[{\"a\":1,}]}",
		"{\"data\":[\"unterminated]}",
		"\xef\xbb\xbf{\"data\":[]}",
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char detail[256] = "";
		assert_int_equal(decode_fail(invalid[i], detail, sizeof(detail)), TFY_ERROR_DECODE);
		if (!strstr(detail, "invalid JSON at line"))
			fail_msg("body %zu (%s): %s", i, invalid[i], detail);
	}
	/* A raw NUL byte is never JSON, even where jansson would skip it. */
	static const char with_nul[] = "{\"data\":[null\0]}";
	tfy_batch_page *list = (tfy_batch_page *)1;
	char nul_detail[256];
	assert_int_equal(tfy__decode_batch_page(with_nul, sizeof(with_nul) - 1, &list, nul_detail,
	                                        sizeof(nul_detail)),
	                 TFY_ERROR_DECODE);
	assert_null(list);
	assert_string_equal(nul_detail, "invalid JSON: a NUL byte at offset 13");

	/* The last "data" decides, whatever came before it. */
	char detail[256];
	assert_int_equal(decode_fail("{\"data\":[{\"id\":\"a\"}],\"data\":\"none\"}", detail,
	                             sizeof(detail)),
	                 TFY_ERROR_DECODE);
	assert_non_null(strstr(detail, "\"data\" is a string"));
	assert_int_equal(decode_fail("{\"data\":null}", detail, sizeof(detail)), TFY_ERROR_DECODE);
	assert_non_null(strstr(detail, "\"data\" is null"));
}

/* {"data":[1,1,...]} with n items, repeated `arrays` times under the same key. */
static char *page_of_numbers(size_t n, int arrays)
{
	char *json = malloc(16 + (size_t)arrays * (12 + 2 * n));
	char *p = json;
	*p++ = '{';
	for (int a = 0; a < arrays; a++) {
		p += sprintf(p, "%s\"data\":[", a ? "," : "");
		for (size_t i = 0; i < n; i++) {
			*p++ = i ? ',' : '1';
			if (i)
				*p++ = '1';
		}
		*p++ = ']';
	}
	strcpy(p, "}");
	return json;
}

static void test_item_count_is_bounded(void **state)
{
	(void)state;
	/* Each item costs a whole tfy_batch: a body of bare numbers must not ask for 200 x its size. */
	char *json = page_of_numbers(100000, 1);
	tfy_batch_page *l = decode_ok(json);
	assert_int_equal(l->count, 100000);
	assert_string_equal(l->items[99999]->raw_json, "1");
	tfy_batch_page_free(l);
	free(json);

	char detail[256];
	json = page_of_numbers(100001, 1);
	assert_int_equal(decode_fail(json, detail, sizeof(detail)), TFY_ERROR_DECODE);
	assert_string_equal(detail, "the page holds more than 100000 items");
	free(json);
	/* A replaced "data" still cost its items. */
	json = page_of_numbers(60000, 2);
	assert_int_equal(decode_fail(json, detail, sizeof(detail)), TFY_ERROR_DECODE);
	assert_string_equal(detail, "the page holds more than 100000 items");
	free(json);
}

static void test_overflow_stays_in_its_item(void **state)
{
	(void)state;
	/* 2^60 is exact as an integer but not as a double: only the item with the overflow reads reals. */
	tfy_batch_page *l = decode_ok("{\"data\":[{\"id\":\"a\",\"created_at\":99999999999999999999},"
	                              "{\"id\":\"b\",\"usage\":{\"input_tokens\":1152921504606846977}}],"
	                              "\"first_id\":\"a\"}");
	assert_int_equal(l->count, 2);
	assert_false(l->items[0]->created_at.present);
	assert_int_equal(l->items[1]->usage->input_tokens.value, 1152921504606846977LL);
	assert_string_equal(l->first_id, "a");
	tfy_batch_page_free(l);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void assert_same_int(tfy_opt_int64 a, tfy_opt_int64 b)
{
	assert_int_equal(a.present, b.present);
	assert_int_equal(a.value, b.value);
}

/* Field by field, with every pointer distinct when the batches are distinct. */
static void assert_same_batch(const tfy_batch *a, const tfy_batch *b)
{
	const char *const sa[] = { a->id,
		                   a->object,
		                   a->endpoint,
		                   a->model,
		                   a->input_file_id,
		                   a->completion_window,
		                   a->status_raw,
		                   a->output_file_id,
		                   a->error_file_id,
		                   a->errors_object,
		                   a->metadata_json,
		                   a->raw_json };
	const char *const sb[] = { b->id,
		                   b->object,
		                   b->endpoint,
		                   b->model,
		                   b->input_file_id,
		                   b->completion_window,
		                   b->status_raw,
		                   b->output_file_id,
		                   b->error_file_id,
		                   b->errors_object,
		                   b->metadata_json,
		                   b->raw_json };
	for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++) {
		assert_true(same_str(sa[i], sb[i]));
		assert_true(!sa[i] || sa[i] != sb[i]);
	}
	assert_int_equal(a->status, b->status);
	const tfy_opt_int64 *ta = &a->created_at, *tb = &b->created_at;
	for (int i = 0; i < 9; i++)
		assert_same_int(ta[i], tb[i]);
	assert_int_equal(!a->request_counts, !b->request_counts);
	if (a->request_counts) {
		assert_same_int(a->request_counts->total, b->request_counts->total);
		assert_same_int(a->request_counts->completed, b->request_counts->completed);
		assert_same_int(a->request_counts->failed, b->request_counts->failed);
	}
	assert_int_equal(!a->usage, !b->usage);
	if (a->usage) {
		assert_same_int(a->usage->input_tokens, b->usage->input_tokens);
		assert_same_int(a->usage->cached_tokens, b->usage->cached_tokens);
		assert_same_int(a->usage->output_tokens, b->usage->output_tokens);
		assert_same_int(a->usage->reasoning_tokens, b->usage->reasoning_tokens);
		assert_same_int(a->usage->total_tokens, b->usage->total_tokens);
	}
	assert_int_equal(a->errors_count, b->errors_count);
	for (size_t i = 0; i < a->errors_count; i++) {
		assert_true(same_str(a->errors[i]->code, b->errors[i]->code));
		assert_true(same_str(a->errors[i]->message, b->errors[i]->message));
		assert_true(same_str(a->errors[i]->param, b->errors[i]->param));
		assert_same_int(a->errors[i]->line, b->errors[i]->line);
	}
	assert_int_equal(a->metadata_count, b->metadata_count);
	for (size_t i = 0; i < a->metadata_count; i++) {
		assert_true(same_str(a->metadata[i]->key, b->metadata[i]->key));
		assert_true(same_str(a->metadata[i]->value, b->metadata[i]->value));
	}
}

static void test_batch_dup(void **state)
{
	(void)state;
	char *json = tu_read_fixture("page_mixed.json", NULL);
	tfy_batch_page *page = decode_ok(json);
	tfy_batch *copies[3];
	for (size_t i = 0; i < 3; i++) {
		copies[i] = tfy_batch_dup(page->items[i]);
		assert_non_null(copies[i]);
		assert_same_batch(page->items[i], copies[i]);
	}
	/* A batch borrowed from its page is the page's: freeing it alone does nothing. */
	tfy_batch_free((tfy_batch *)page->items[0]);
	assert_string_equal(page->items[0]->id, "batch_6f1c2a9e0b7d4c3a8e5f1b2d3c4a5e6f");
	tfy_batch_page_free(page);
	free(json);
	/* The copies outlive the page (ASan would see a read of freed memory). */
	assert_string_equal(copies[0]->id, "batch_6f1c2a9e0b7d4c3a8e5f1b2d3c4a5e6f");
	assert_int_equal(copies[0]->usage->total_tokens.value, 2000);
	assert_string_equal(copies[1]->errors[0]->code, "invalid_json_line");
	assert_string_equal(copies[0]->metadata[1]->value, "Nightly eval — café ✓ 日本語");
	tfy_batch *again = tfy_batch_dup(copies[1]);
	assert_same_batch(copies[1], again);
	tfy_batch_free(again);
	for (size_t i = 0; i < 3; i++)
		tfy_batch_free(copies[i]);
	assert_null(tfy_batch_dup(NULL));
	tfy_batch_free(NULL);
}

static void test_batch_parse(void **state)
{
	(void)state;
	const char *text = " \n\t{\"id\":\"batch_1\", \"status\":\"failed\",\"created_at\":5}\r\n ";
	tfy_batch *b = NULL;
	tfy_error *err = (tfy_error *)1;
	assert_int_equal(tfy_batch_parse(text, strlen(text), &b, &err), TFY_OK);
	assert_null(err);
	assert_string_equal(b->raw_json,
	                    "{\"id\":\"batch_1\", \"status\":\"failed\",\"created_at\":5}");
	assert_string_equal(b->id, "batch_1");
	assert_int_equal(b->status, TFY_BATCH_STATUS_FAILED);
	assert_int_equal(b->created_at.value, 5);
	tfy_batch_free(b);

	/* The text need not end in NUL: only len bytes are read. */
	assert_int_equal(tfy_batch_parse("{\"id\":\"x\"}garbage", 10, &b, NULL), TFY_OK);
	assert_string_equal(b->id, "x");
	tfy_batch_free(b);

	static const char *const refused[] = { "[1]", "\"s\"",         "null",       "",
		                               "{",   "{\"id\":1} {}", "{\"id\":1,}" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		b = (tfy_batch *)1;
		err = NULL;
		assert_int_equal(tfy_batch_parse(refused[i], strlen(refused[i]), &b, &err),
		                 TFY_ERROR_DECODE);
		assert_null(b);
		assert_non_null(err);
		assert_int_equal(err->code, TFY_ERROR_DECODE);
		assert_non_null(err->message);
		tfy_error_free(err);
	}
	assert_int_equal(tfy_batch_parse("[1]", 3, &b, &err), TFY_ERROR_DECODE);
	assert_non_null(strstr(err->message, "got an array"));
	tfy_error_free(err);
	assert_int_equal(tfy_batch_parse(NULL, 0, &b, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	assert_int_equal(tfy_batch_parse("{}", 2, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
}

static void test_batch_page_parse(void **state)
{
	(void)state;
	const char *text =
		"{\"object\":\"list\",\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"has_more\":true}";
	tfy_batch_page *page = NULL;
	tfy_error *err = (tfy_error *)1;
	assert_int_equal(tfy_batch_page_parse(text, strlen(text), &page, &err), TFY_OK);
	assert_null(err);
	assert_int_equal(page->count, 2);
	assert_string_equal(page->items[1]->id, "b");
	assert_true(page->has_more);
	assert_null(page->request_id);
	assert_null(page->extra_json);
	tfy_batch_page_free(page);

	page = (tfy_batch_page *)1;
	assert_int_equal(tfy_batch_page_parse("{\"object\":\"list\"}", 17, &page, &err),
	                 TFY_ERROR_DECODE);
	assert_null(page);
	assert_non_null(strstr(err->message, "\"data\" is missing"));
	tfy_error_free(err);
	assert_int_equal(tfy_batch_page_parse(NULL, 0, &page, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
}

static void test_extra_json(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_ok(
		"{\"data\":[],\"next_page_token\":\"x\",\"extra_fields\":{\"a\":1}}");
	assert_string_equal(l->extra_json, "{\"next_page_token\":\"x\",\"extra_fields\":{\"a\":1}}");
	tfy_batch_page_free(l);
	/* Modelled members are not extra; a repeated extra member keeps its last value. */
	l = decode_ok("{\"object\":\"list\",\"z\" : [ 1 , 2 ],\"data\":[],\"first_id\":null,\"z\":3,"
	              "\"has_more\":false,\"last_id\":\"b\"}");
	assert_string_equal(l->extra_json, "{\"z\":3}");
	tfy_batch_page_free(l);
}

/* A problem local to one value makes only its field absent; broken syntax still fails the page. */
static void test_local_problems_stay_local(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_ok(
		"{\"data\":[{\"id\":\"a\",\"created_at\":1e400,\"expires_at\":7,\"ignored\":[-1e999],"
		"\"metadata\":{\"big\":1e400,\"ok\":\"v\"},\"errors\":{\"data\":[{\"line\":1e400},"
		"{\"code\":\"c\",\"x\":{\"k\\u0000\":1}},{\"code\":\"d\"}]},\"usage\":{\"input_tokens\":1e400},"
		"\"request_counts\":{\"total\":2,\"k\\u0000\":1}},{\"id\":\"b\"}],\"next\":1e400,\"n2\":2}");
	assert_int_equal(l->count, 2);
	const tfy_batch *b = l->items[0];
	assert_string_equal(b->id, "a");
	assert_false(b->created_at.present);
	assert_int_equal(b->expires_at.value, 7);
	/* metadata: the member jansson refuses is dropped, the rest kept. */
	assert_int_equal(b->metadata_count, 1);
	assert_string_equal(b->metadata[0]->key, "ok");
	assert_string_equal(b->metadata_json, "{\"ok\":\"v\"}");
	/* errors: each entry read member by member, the bad value alone absent. */
	assert_int_equal(b->errors_count, 3);
	assert_false(b->errors[0]->line.present);
	assert_string_equal(b->errors[1]->code, "c");
	assert_string_equal(b->errors[2]->code, "d");
	/* usage and request_counts too. */
	assert_non_null(b->usage);
	assert_false(b->usage->input_tokens.present);
	assert_int_equal(b->request_counts->total.value, 2);
	assert_non_null(strstr(b->raw_json, "\"created_at\":1e400"));
	assert_string_equal(l->items[1]->id, "b");
	assert_string_equal(l->extra_json, "{\"n2\":2}");
	tfy_batch_page_free(l);

	static const char *const broken[] = {
		"{\"data\":[{\"x\":1e}]}",
		"{\"data\":[{\"x\":[1,]}]}",
		"{\"data\":[{\"x\":01}]}",
		"{\"data\":[{\"x\":\"\\ud800\"}]}",
		"{\"data\":[{\"x\":\"\\q\"}]}",
		"{\"data\":[{\"x\":tru}]}",
		"{\"data\":[{\"x\":\"a\tb\"}]}",
		"{\"data\":[{\"x\":{\"a\" 1}}]}",
		"{\"data\":[{\"x\":-}]}",
		"{\"data\":[{\"x\":\"\xc0\xaf\"}]}",
		"{\"data\":[{\"x\":\"\xed\xa0\x80\"}]}",
		"{\"data\":[{\"errors\":{\"data\":[{},]}}]}",
		"{\"data\":[{\"metadata\":{\"a\":1,}}]}",
		"{\"data\":[],\"x\":[1 2]}",
		"{\"data\":[{\"x\":1.}]}",
		"{\"data\":[{\"x\":.5}]}",
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char detail[256] = "";
		assert_int_equal(decode_fail(broken[i], detail, sizeof(detail)), TFY_ERROR_DECODE);
		if (!strstr(detail, "invalid JSON at line"))
			fail_msg("body %zu (%s): %s", i, broken[i], detail);
	}
}

static void test_exact_doubles_only(void **state)
{
	(void)state;
	/* 2^53 + 1 reads as 2^53 once a double: only |x| < 2^53 is exact for sure. */
	tfy_batch_page *l = decode_item(
		"{\"usage\":{\"input_tokens\":9007199254740993.0,"
		"\"cached_tokens\":9007199254740992.0,"
		"\"output_tokens\":9007199254740991.0,\"output_tokens_details\":{\"reasoning_tokens\":-9007199254740991.0},"
		"\"total_tokens\":9007199254740993},"
		"\"request_counts\":{\"total\":-9007199254740992.0}}");
	const tfy_batch *b = l->items[0];
	assert_false(b->usage->input_tokens.present);
	assert_false(b->usage->cached_tokens.present);
	assert_false(b->request_counts->total.present);
	assert_true(b->usage->output_tokens.present);
	assert_int_equal(b->usage->output_tokens.value, 9007199254740991LL);
	assert_int_equal(b->usage->reasoning_tokens.value, -9007199254740991LL);
	/* An integer is exact however large (up to 64 bits). */
	assert_int_equal(b->usage->total_tokens.value, 9007199254740993LL);
	tfy_batch_page_free(l);
	/* Read exactly, never through a double: integral values only, at any spelling. */
	static const struct {
		const char *text;
		int present;
		int64_t value;
	} numbers[] = {
		{ "4.5e1", 1, 45 },
		{ "45e-1", 0, 0 },
		{ "1.5", 0, 0 },
		{ "1.0", 1, 1 },
		{ "-0.0", 1, 0 },
		{ "0.0001e4", 1, 1 },
		{ "1e15", 1, 1000000000000000LL },
		{ "1e16", 0, 0 },
		{ "1e400", 0, 0 },
		{ "1e-400", 0, 0 },
		{ "0e999", 1, 0 },
		{ "1.00000000000000000001", 0, 0 },
		{ "100", 1, 100 },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "12345678901234567890123", 0, 0 },
		{ "9007199254740991.000000000000000000000", 1, 9007199254740991LL },
	};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		char item[128];
		snprintf(item, sizeof(item), "{\"request_counts\":{\"total\":%s}}", numbers[i].text);
		l = decode_item(item);
		tfy_opt_int64 total = l->items[0]->request_counts->total;
		if (total.present != numbers[i].present || total.value != numbers[i].value)
			fail_msg("%s read as %d/%lld", numbers[i].text, (int)total.present,
			         (long long)total.value);
		tfy_batch_page_free(l);
	}
}

/* Times through a gateway: Bedrock's milliseconds and Vertex's ISO-8601 become Unix seconds. */
static void test_times_converted(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item(
		"{\"created_at\":\"2025-01-31T23:59:44Z\",\"in_progress_at\":1738367990,"
		"\"expires_at\":1745598858000,\"finalizing_at\":\"2025-01-31T23:59:44.123+01:00\","
		"\"completed_at\":\"1969-12-31 23:00:00Z\",\"failed_at\":\"2024-02-29T12:00:00-05:30\","
		"\"expired_at\":\"2025-02-30T00:00:00\",\"cancelling_at\":\"1738367984\","
		"\"cancelled_at\":-1745598858000}");
	const tfy_batch *b = l->items[0];
	assert_int_equal(b->created_at.value, 1738367984);
	assert_true(tfy_batch_time_converted(b, &b->created_at));
	assert_int_equal(b->in_progress_at.value, 1738367990);
	assert_false(tfy_batch_time_converted(b, &b->in_progress_at));
	assert_int_equal(b->expires_at.value, 1745598858);
	assert_true(tfy_batch_time_converted(b, &b->expires_at));
	assert_int_equal(b->finalizing_at.value, 1738364384);
	assert_int_equal(b->completed_at.value, -3600);
	assert_int_equal(b->failed_at.value, 1709227800);
	/* No time zone: not a time this decoder will guess; raw_json keeps it. */
	assert_false(b->expired_at.present);
	assert_false(tfy_batch_time_converted(b, &b->expired_at));
	assert_int_equal(b->cancelling_at.value, 1738367984);
	assert_false(tfy_batch_time_converted(b, &b->cancelling_at));
	assert_int_equal(b->cancelled_at.value, -1745598858);
	assert_true(tfy_batch_time_converted(b, &b->cancelled_at));
	/* Not a time field, or no batch: 0.  A copy keeps the marks. */
	assert_false(tfy_batch_time_converted(b, NULL));
	assert_false(tfy_batch_time_converted(NULL, &b->created_at));
	tfy_opt_int64 other = b->created_at;
	assert_false(tfy_batch_time_converted(b, &other));
	tfy_batch *copy = tfy_batch_dup(b);
	assert_true(tfy_batch_time_converted(copy, &copy->created_at));
	assert_false(tfy_batch_time_converted(copy, &copy->in_progress_at));
	tfy_batch_free(copy);
	tfy_batch_page_free(l);
}

/* Vertex's numeric error codes, and a numeric param, read as their text. */
static void test_error_codes_as_numbers(void **state)
{
	(void)state;
	tfy_batch_page *l = decode_item("{\"errors\":{\"data\":[{\"code\":3,\"message\":\"bad\","
	                                "\"param\":2.5,\"line\":4},{\"code\":\"x\",\"param\":true}]}}");
	const tfy_batch *b = l->items[0];
	assert_int_equal(b->errors_count, 2);
	assert_string_equal(b->errors[0]->code, "3");
	assert_string_equal(b->errors[0]->param, "2.5");
	assert_string_equal(b->errors[1]->code, "x");
	assert_null(b->errors[1]->param);
	tfy_batch_page_free(l);
}

static void test_errors_are_capped(void **state)
{
	(void)state;
	size_t n = TFY__ERRORS_MAX + 5, cap = n * 16 + 64, len = 0;
	char *json = malloc(cap);
	len += (size_t)snprintf(json, cap, "{\"data\":[{\"errors\":{\"data\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, cap - len, "%s{\"line\":%zu}", i ? "," : "", i);
	snprintf(json + len, cap - len, "]},\"id\":\"z\"}]}");
	tfy_batch_page *l = decode_ok(json);
	const tfy_batch *b = l->items[0];
	assert_int_equal(b->errors_count, TFY__ERRORS_MAX);
	assert_int_equal(b->errors[TFY__ERRORS_MAX - 1]->line.value, TFY__ERRORS_MAX - 1);
	assert_non_null(strstr(b->raw_json, "{\"line\":10004}"));
	assert_string_equal(b->id, "z");
	tfy_batch_page_free(l);
	free(json);
}

/*
 * Each hostile body of 32 MiB (4 MiB under valgrind) decodes with a peak
 * RSS growth, the body included, under 8 x its size + 64 MiB.  The bound is
 * checked only natively: sanitizers and valgrind add their own memory.
 */
static void test_memory_is_bounded(void **state)
{
	(void)state;
	int native = tu_slowdown() <= 1.0;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	native = 0;
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	native = 0;
#endif
#endif
	size_t bytes = (size_t)(native ? 32 : 4) << 20;
	for (size_t k = 0; k < HOSTILE_BODIES; k++) {
		long kib = hostile_rss_kib(k, bytes);
		if (kib < 0)
			fail_msg("%s: the decode failed", hostile_bodies[k].name);
		print_message("%s: %zu MiB body, peak RSS +%ld KiB\n", hostile_bodies[k].name,
		              bytes >> 20, kib);
		if (native && (size_t)kib * 1024 >= 8 * bytes + ((size_t)64 << 20))
			fail_msg("%s: peak RSS grew by %ld KiB for a %zu-byte body",
			         hostile_bodies[k].name, kib, bytes);
	}
}

static void test_error_envelopes(void **state)
{
	(void)state;
	tfy_error e;
	const char *openai = "{\"error\":{\"message\":\"Invalid 'limit'\",\"type\":\"invalid_request_error\","
			     "\"param\":\"limit\",\"code\":\"integer_above_max_value\"}}";
	memset(&e, 0, sizeof(e));
	assert_int_equal(tfy__decode_error_body(openai, strlen(openai), &e), 1);
	assert_string_equal(e.api_message, "Invalid 'limit'");
	assert_string_equal(e.api_type, "invalid_request_error");
	assert_string_equal(e.api_param, "limit");
	assert_string_equal(e.api_code, "integer_above_max_value");
	free((char *)e.api_message);
	free((char *)e.api_type);
	free((char *)e.api_param);
	free((char *)e.api_code);

	const char *python =
		"{\"error\":{\"message\":\"m\",\"type\":\"t\",\"param\":\"None\",\"code\":429}}";
	memset(&e, 0, sizeof(e));
	assert_int_equal(tfy__decode_error_body(python, strlen(python), &e), 1);
	assert_null(e.api_param);
	assert_string_equal(e.api_code, "429");
	free((char *)e.api_message);
	free((char *)e.api_type);
	free((char *)e.api_code);

	const char *failure = "{\"status\":\"failure\",\"message\":\"upstream down\"}";
	memset(&e, 0, sizeof(e));
	assert_int_equal(tfy__decode_error_body(failure, strlen(failure), &e), 1);
	assert_string_equal(e.api_message, "upstream down");
	free((char *)e.api_message);

	static const char *const not_envelopes[] = { "<html>502</html>", "[]", "{\"data\":[]}", "" };
	for (size_t i = 0; i < 4; i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(tfy__decode_error_body(not_envelopes[i], strlen(not_envelopes[i]), &e),
		                 0);
		assert_null(e.api_message);
	}
}

/* Decodes an error body into a fresh error; the caller checks and frees it. */
static tfy_error *error_body(const char *body, int expect)
{
	tfy_error *e = calloc(1, sizeof(*e));
	assert_int_equal(tfy__decode_error_body(body, strlen(body), e), expect);
	return e;
}

static void free_error_fields(tfy_error *e)
{
	free((char *)e->api_message);
	free((char *)e->api_type);
	free((char *)e->api_param);
	free((char *)e->api_code);
	free(e);
}

static void test_error_body_variants(void **state)
{
	(void)state;
	/* TrueFoundry's control plane. */
	tfy_error *e = error_body("{\"statusCode\":404,\"message\":\"Model not found\","
	                          "\"code\":\"MODEL_NOT_FOUND\",\"details\":{\"model\":\"x\"}}",
	                          1);
	assert_string_equal(e->api_message, "Model not found");
	assert_string_equal(e->api_code, "MODEL_NOT_FOUND");
	free_error_fields(e);

	/* FastAPI's validation errors: every msg with its location. */
	e = error_body("{\"detail\":[{\"loc\":[\"query\",\"limit\"],\"msg\":\"ensure this value is less "
	               "than or equal to 100\",\"type\":\"value_error.number.not_le\"},{\"loc\":[\"body\",0],"
	               "\"msg\":\"field required\",\"type\":\"value_error.missing\"},{\"msg\":\"no loc\"}]}",
	               1);
	assert_string_equal(e->api_message, "ensure this value is less than or equal to 100 (loc: "
	                                    "query.limit); field required (loc: body.0); no loc");
	assert_string_equal(e->api_type, "value_error.number.not_le");
	free_error_fields(e);
	e = error_body("{\"detail\":[{\"loc\":[\"a\"]}]}", 0);
	assert_null(e->api_message);
	free_error_fields(e);

	/* An OpenAI error with the gateway's provider beside it; Azure's code and message. */
	e = error_body("{\"error\":{\"message\":\"Rate limit\",\"type\":\"rate_limit\",\"code\":\"429\"},"
	               "\"provider\":\"openai-main\"}",
	               1);
	assert_string_equal(e->api_message, "Rate limit");
	assert_string_equal(e->api_type, "rate_limit");
	free_error_fields(e);
	e = error_body("{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment "
	               "does not exist.\"}}",
	               1);
	assert_string_equal(e->api_code, "DeploymentNotFound");
	assert_string_equal(e->api_message, "The API deployment does not exist.");
	assert_null(e->api_type);
	free_error_fields(e);

	/* {"status":"failure"}; LiteLLM's HTTP status as a numeric code. */
	e = error_body("{\"status\":\"failure\",\"message\":\"upstream unavailable\"}", 1);
	assert_string_equal(e->api_message, "upstream unavailable");
	assert_null(e->api_code);
	free_error_fields(e);
	e = error_body("{\"error\":{\"message\":\"litellm.RateLimitError\",\"type\":null,\"param\":null,"
	               "\"code\":429}}",
	               1);
	assert_string_equal(e->api_code, "429");
	assert_null(e->api_type);
	assert_null(e->api_param);
	free_error_fields(e);

	/* Not one JSON object, or trailing text: not an envelope. */
	e = error_body("{\"error\":\"x\"} {}", 0);
	free_error_fields(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_page),
		cmocka_unit_test(test_null_and_missing_read_alike),
		cmocka_unit_test(test_zero_timestamp_is_present),
		cmocka_unit_test(test_unknown_status_and_fields),
		cmocka_unit_test(test_every_known_status),
		cmocka_unit_test(test_metadata_not_a_string_map),
		cmocka_unit_test(test_wrong_types_are_absent),
		cmocka_unit_test(test_numbers_as_strings),
		cmocka_unit_test(test_huge_integers_do_not_wrap),
		cmocka_unit_test(test_empty_page),
		cmocka_unit_test(test_non_object_item_is_kept_raw),
		cmocka_unit_test(test_garbage_is_a_decode_error),
		cmocka_unit_test(test_unicode_and_escapes),
		cmocka_unit_test(test_nul_in_strings_reads_absent),
		cmocka_unit_test(test_large_page),
		cmocka_unit_test(test_raw_json_is_the_sent_bytes),
		cmocka_unit_test(test_envelope_errors),
		cmocka_unit_test(test_overflow_stays_in_its_item),
		cmocka_unit_test(test_item_count_is_bounded),
		cmocka_unit_test(test_error_envelopes),
		cmocka_unit_test(test_error_body_variants),
		cmocka_unit_test(test_batch_dup),
		cmocka_unit_test(test_batch_parse),
		cmocka_unit_test(test_batch_page_parse),
		cmocka_unit_test(test_extra_json),
		cmocka_unit_test(test_local_problems_stay_local),
		cmocka_unit_test(test_exact_doubles_only),
		cmocka_unit_test(test_times_converted),
		cmocka_unit_test(test_error_codes_as_numbers),
		cmocka_unit_test(test_errors_are_capped),
		cmocka_unit_test(test_memory_is_bounded),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
