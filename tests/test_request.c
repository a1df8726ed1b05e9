/* Unit tests of request building and argument checks (nothing is sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"
#include "tfy/tfy.h"

#define BASE "https://acme.truefoundry.cloud/api/llm"
#define KEY "tfy-secret-key-123"

static const tfy__target target = { BASE, KEY, NULL, NULL };

static tfy__request build_ok(const tfy_batches_list_options *o)
{
	tfy__request req;
	tfy_error *err = NULL;
	tfy_code rc = tfy__request_build(&target, o, &req, &err);
	if (rc != TFY_OK)
		print_error("unexpected error: %s\n", err ? err->message : "?");
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	return req;
}

static tfy_error *build_fail(const tfy_batches_list_options *o, tfy_code want)
{
	tfy__request req;
	tfy_error *err = NULL;
	assert_int_equal(tfy__request_build(&target, o, &req, &err), want);
	assert_null(req.url);
	assert_null(req.headers);
	assert_non_null(err);
	assert_int_equal(err->code, want);
	assert_null(strstr(err->message, KEY));
	return err;
}

/* The value of header `name`, or NULL; asserts it appears at most once. */
static const char *header(const tfy__request *req, const char *name)
{
	const char *found = NULL;
	size_t n = strlen(name);
	for (size_t i = 0; i < req->count; i++) {
		if (strncasecmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':') {
			assert_null(found);
			found = req->headers[i] + n + 2;
		}
	}
	return found;
}

static void test_defaults(void **state)
{
	(void)state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy__request req = build_ok(&o);
	assert_string_equal(req.url, BASE "/batches");
	assert_string_equal(header(&req, "Authorization"), "Bearer " KEY);
	assert_string_equal(header(&req, "Accept"), "application/json");
	assert_string_equal(header(&req, "User-Agent"), "libtfy/" TFY_VERSION_STRING);
	assert_int_equal(req.count, 3);
	for (size_t i = 0; i < req.count; i++)
		assert_null(strstr(req.headers[i], "Stainless"));
	tfy__request_clear(&req);
}

static void test_limit_and_after_encoded(void **state)
{
	(void)state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 100;
	o.after = "arn:aws:bedrock:us-east-1:1234:model-invocation-job/ab+c= d&e?f#g%h~._-";
	tfy__request req = build_ok(&o);
	assert_string_equal(req.url, BASE "/batches?limit=100&after="
	                    "arn%3Aaws%3Abedrock%3Aus-east-1%3A1234%3Amodel-invocation-job%2Fab%2Bc%3D"
	                    "%20d%26e%3Ff%23g%25h~._-");
	tfy__request_clear(&req);

	o.limit = 0;
	o.after = "batch_abc";
	req = build_ok(&o);
	assert_string_equal(req.url, BASE "/batches?after=batch_abc");
	tfy__request_clear(&req);

	o.after = "\xc3\xa9";
	req = build_ok(&o);
	assert_string_equal(req.url, BASE "/batches?after=%C3%A9");
	tfy__request_clear(&req);
}

static void test_limit_out_of_range(void **state)
{
	(void)state;
	const int32_t bad[] = { -1, 101, 1000, INT32_MIN, INT32_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
		o.limit = bad[i];
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "limit must be between 1 and 100"));
		tfy_error_free(err);
	}
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 1;
	tfy__request req = build_ok(&o);
	assert_string_equal(req.url, BASE "/batches?limit=1");
	tfy__request_clear(&req);
}

static void test_empty_after_rejected(void **state)
{
	(void)state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.after = "";
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
}

static void test_provider_headers(void **state)
{
	(void)state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.provider_name = "openai-main";
	o.provider_model = "gpt-4o";
	o.azure_api_version = "2024-10-21";
	o.vertex_region = "europe-west4";
	o.vertex_storage_bucket_name = "my-bucket";
	o.aws_s3_bucket = "s3-bucket";
	o.aws_bedrock_model = "anthropic.claude-3";
	o.metadata_json = "{\"team\":\"ml\"}";
	tfy__request req = build_ok(&o);
	assert_string_equal(header(&req, "x-tfy-provider-name"), "openai-main");
	assert_string_equal(header(&req, "x-tfy-provider-model"), "gpt-4o");
	assert_string_equal(header(&req, "x-tfy-azure-api-version"), "2024-10-21");
	assert_string_equal(header(&req, "x-tfy-vertex-region"), "europe-west4");
	assert_string_equal(header(&req, "x-tfy-vertex-storage-bucket-name"), "my-bucket");
	assert_string_equal(header(&req, "x-tfy-aws-s3-bucket"), "s3-bucket");
	assert_string_equal(header(&req, "x-tfy-aws-bedrock-model"), "anthropic.claude-3");
	assert_string_equal(header(&req, "x-tfy-metadata"), "{\"team\":\"ml\"}");
	assert_int_equal(req.count, 11);
	tfy__request_clear(&req);
}

static void test_metadata_pairs_encoded(void **state)
{
	(void)state;
	const tfy_pair pairs[] = {
		{ "team", "ml" }, { "quote\"back\\slash", "line\nbreak\ttab" }, { "caf\xc3\xa9", "\xe2\x9c\x93" },
	};
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.metadata = pairs;
	o.metadata_count = 3;
	tfy__request req = build_ok(&o);
	assert_string_equal(header(&req, "x-tfy-metadata"),
	                    "{\"team\":\"ml\",\"quote\\\"back\\\\slash\":\"line\\u000abreak\\u0009tab\","
	                    "\"caf\xc3\xa9\":\"\xe2\x9c\x93\"}");
	tfy__request_clear(&req);

	o.metadata_json = "{}";
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));

	o.metadata = NULL;
	o.metadata_count = 0;
	const char *const bad_json[] = { "not json", "[]", "{\"n\":1}", "{\"a\":\"b\"", "\"s\"" };
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		o.metadata_json = bad_json[i];
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "metadata_json"));
		tfy_error_free(err);
	}
	o.metadata_json = "{\"a\":\"b\"}";
	req = build_ok(&o);
	tfy__request_clear(&req);

	const tfy_pair bad_utf8[] = { { "k", "\xff\xfe" } };
	o.metadata_json = NULL;
	o.metadata = bad_utf8;
	o.metadata_count = 1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	const tfy_pair null_value[] = { { "k", NULL } };
	o.metadata = null_value;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
}

static void test_extra_headers_and_override(void **state)
{
	(void)state;
	const tfy_pair extra[] = {
		{ "X-Custom", "value with  spaces" }, { "user-agent", "my-app/2.0" }, { "X-Empty", "" },
	};
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.headers = extra;
	o.headers_count = 3;
	tfy__request req = build_ok(&o);
	assert_string_equal(header(&req, "X-Custom"), "value with  spaces");
	assert_string_equal(header(&req, "User-Agent"), "my-app/2.0");
	assert_string_equal(header(&req, "X-Empty"), "");
	assert_string_equal(header(&req, "Authorization"), "Bearer " KEY);
	assert_string_equal(req.headers[req.count - 1], "X-Empty: ");
	tfy__request_clear(&req);
}

static void test_header_injection_refused(void **state)
{
	(void)state;
	const char *const bad_values[] = { "a\r\nX-Evil: 1", "a\nb", "a\rb", "bell\x07", "del\x7f" };
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
		o.provider_name = bad_values[i];
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "x-tfy-provider-name"));
		assert_null(strstr(err->message, "Evil"));
		tfy_error_free(err);

		tfy_pair h = { "X-Ok", bad_values[i] };
		tfy_batches_list_options o2 = TFY_BATCHES_LIST_OPTIONS_INIT;
		o2.headers = &h;
		o2.headers_count = 1;
		tfy_error_free(build_fail(&o2, TFY_ERROR_INVALID_ARGUMENT));
	}
	const char *const bad_names[] = { "", "Bad Name", "Bad:Name", "X-\r\n", "caf\xc3\xa9", NULL };
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		tfy_pair h = { bad_names[i], "v" };
		tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
		o.headers = &h;
		o.headers_count = 1;
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "headers[0]"));
		tfy_error_free(err);
	}
	tfy_pair h = { "X-Null", NULL };
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.headers = &h;
	o.headers_count = 1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));

	tfy__request req;
	tfy_error *err = NULL;
	const tfy__target evil = { BASE, "key\r\nX-Evil: 1", NULL, NULL };
	assert_int_equal(tfy__request_build(&evil, &o, &req, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
}

static void test_options_version_and_counts(void **state)
{
	(void)state;
	tfy_batches_list_options o;
	assert_int_equal(tfy_batches_list_options_init(&o, TFY_BATCHES_LIST_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(o.version, TFY_BATCHES_LIST_OPTIONS_VERSION);
	assert_int_equal(o.limit, 0);
	assert_null(o.after);
	assert_int_equal(tfy_batches_list_options_init(&o, 99), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_batches_list_options_init(NULL, 1), TFY_ERROR_INVALID_ARGUMENT);
	o.version = 99;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	tfy_batches_list_options_init(&o, TFY_BATCHES_LIST_OPTIONS_VERSION);
	o.headers_count = 2;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
}

static void test_azure_auth_header_and_query(void **state)
{
	(void)state;
	const tfy_pair params[] = { { "api-version", "2024-10-21" }, { "x y", "a&b=c" } };
	const char *why;
	char *query = tfy__query_encode(params, 2, &why);
	assert_string_equal(query, "api-version=2024-10-21&x%20y=a%26b%3Dc");
	const tfy__target azure = { "https://res.openai.azure.com/openai", KEY, "api-key", query };
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 5;
	o.after = "batch_1";
	tfy__request req;
	tfy_error *err = NULL;
	assert_int_equal(tfy__request_build(&azure, &o, &req, &err), TFY_OK);
	assert_string_equal(req.url, "https://res.openai.azure.com/openai/batches"
	                    "?api-version=2024-10-21&x%20y=a%26b%3Dc&limit=5&after=batch_1");
	assert_string_equal(header(&req, "api-key"), KEY);
	assert_null(header(&req, "Authorization"));
	tfy__request_clear(&req);
	free(query);

	const tfy_pair bad[] = { { "", "v" } };
	assert_null(tfy__query_encode(bad, 1, &why));
	assert_non_null(why);
	query = tfy__query_encode(NULL, 0, &why);
	assert_string_equal(query, "");
	free(query);
}

static void test_base_url_normalise(void **state)
{
	(void)state;
	const char *why;
	char *u = tfy__base_url_normalise("https://api.openai.com/v1///", &why);
	assert_string_equal(u, "https://api.openai.com/v1");
	free(u);
	u = tfy__base_url_normalise("HTTP://127.0.0.1:8080", &why);
	assert_string_equal(u, "HTTP://127.0.0.1:8080");
	free(u);
	const char *const bad[] = {
		"ftp://x", "file:///etc/passwd", "api.openai.com/v1", "https://", "https:///path",
		"https://a b", "https://a\r\nb", "https://a/v1?x=1", "https://a/v1#f", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_null(tfy__base_url_normalise(bad[i], &why));
		assert_non_null(why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_limit_and_after_encoded),
		cmocka_unit_test(test_limit_out_of_range),
		cmocka_unit_test(test_empty_after_rejected),
		cmocka_unit_test(test_provider_headers),
		cmocka_unit_test(test_metadata_pairs_encoded),
		cmocka_unit_test(test_extra_headers_and_override),
		cmocka_unit_test(test_header_injection_refused),
		cmocka_unit_test(test_options_version_and_counts),
		cmocka_unit_test(test_azure_auth_header_and_query),
		cmocka_unit_test(test_base_url_normalise),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
