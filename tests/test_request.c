/* Unit tests of request building and argument checks (nothing is sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batches_internal.h"
#include "request_build.h"
#include "testutil.h"
#include "tfy/tfy.h"

#define BASE "https://acme.truefoundry.cloud/api/llm"
#define KEY "tfy-secret-key-123"

/* A client (nothing is sent) with the given auth header and request defaults. */
static tfy_client *client_with(const char *auth_header, const tfy_request_options *defaults)
{
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.auth_header = auth_header;
	co.request_defaults = defaults;
	tfy_client *c = tu_client_url(BASE, KEY, &co);
	assert_non_null(c);
	return c;
}

/* Reads and checks the list options as a call does, then builds the request. */
static tfy_code build_with(tfy_client *c, const tfy_batches_list_options *o, tfy__request *req,
                           tfy_error **err)
{
	tfy_batches_list_options copy;
	tfy_request_options request;
	memset(req, 0, sizeof(*req));
	tfy_code rc = tfy__batches_options_read(o, &copy, &request, err);
	return rc == TFY_OK ? tfy__batches_request(c, &copy, req, err) : rc;
}

static tfy__request build_in(tfy_client *c, const tfy_batches_list_options *o)
{
	tfy__request req;
	tfy_error *err = NULL;
	tfy_code rc = build_with(c, o, &req, &err);
	if (rc != TFY_OK)
		print_error("unexpected error: %s\n", err ? err->message : "?");
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	return req;
}

static tfy__request build_ok(const tfy_batches_list_options *o)
{
	tfy_client *c = client_with(NULL, NULL);
	tfy__request req = build_in(c, o);
	tfy_client_free(c);
	return req;
}

static tfy_error *build_fail_in(tfy_client *c, const tfy_batches_list_options *o, tfy_code want)
{
	tfy__request req;
	tfy_error *err = NULL;
	assert_int_equal(build_with(c, o, &req, &err), want);
	assert_null(req.url);
	assert_null(req.headers);
	assert_non_null(err);
	assert_int_equal(err->code, want);
	assert_null(strstr(err->message, KEY));
	return err;
}

static tfy_error *build_fail(const tfy_batches_list_options *o, tfy_code want)
{
	tfy_client *c = client_with(NULL, NULL);
	tfy_error *err = build_fail_in(c, o, want);
	tfy_client_free(c);
	return err;
}

/* List options whose request options are r. */
static tfy_batches_list_options with_request(const tfy_request_options *r)
{
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.request = r;
	return o;
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
	assert_string_equal(req.url, BASE
	                    "/batches?limit=100&after="
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
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.provider_name = "openai-main";
	r.provider_model = "gpt-4o";
	r.azure_api_version = "2024-10-21";
	r.vertex_region = "europe-west4";
	r.vertex_storage_bucket_name = "my-bucket";
	r.aws_s3_bucket = "s3-bucket";
	r.aws_bedrock_model = "anthropic.claude-3";
	r.metadata_header_json = "{\"team\":\"ml\"}";
	tfy_batches_list_options o = with_request(&r);
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
		{ "team", "ml" },
		{ "quote\"back\\slash", "line\nbreak\ttab" },
		{ "caf\xc3\xa9", "\xe2\x9c\x93" },
	};
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.metadata_header = pairs;
	r.metadata_header_count = 3;
	tfy_batches_list_options o = with_request(&r);
	tfy__request req = build_ok(&o);
	assert_string_equal(header(&req, "x-tfy-metadata"),
	                    "{\"team\":\"ml\",\"quote\\\"back\\\\slash\":\"line\\u000Abreak\\u0009tab\","
	                    "\"caf\\u00E9\":\"\\u2713\"}");
	tfy__request_clear(&req);

	/* Beyond the BMP: a surrogate pair.  At TrueFoundry's limit of 128 characters: accepted. */
	char at_limit[2 * TFY_METADATA_HEADER_VALUE_MAX + 1] = "";
	for (int i = 0; i < TFY_METADATA_HEADER_VALUE_MAX; i++)
		strcat(at_limit, "\xc3\xa9");
	const tfy_pair wide[] = { { "e", "\xf0\x9f\x98\x80" }, { "long", at_limit } };
	r.metadata_header = wide;
	r.metadata_header_count = 2;
	req = build_ok(&o);
	assert_non_null(strstr(header(&req, "x-tfy-metadata"),
	                       "{\"e\":\"\\uD83D\\uDE00\",\"long\":\"\\u00E9"));
	tfy__request_clear(&req);
	char too_long[TFY_METADATA_HEADER_VALUE_MAX + 2];
	memset(too_long, 'x', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	const tfy_pair over[] = { { "k", too_long } };
	r.metadata_header = over;
	r.metadata_header_count = 1;
	tfy_error *e = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(e->message, "128 characters"));
	tfy_error_free(e);
	r.metadata_header = pairs;
	r.metadata_header_count = 3;

	r.metadata_header_json = "{}";
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));

	r.metadata_header = NULL;
	r.metadata_header_count = 0;
	const char *const bad_json[] = { "not json", "[]", "{\"n\":1}", "{\"a\":\"b\"", "\"s\"" };
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		r.metadata_header_json = bad_json[i];
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "metadata_header_json"));
		tfy_error_free(err);
	}
	r.metadata_header_json = "{\"a\":\"b\"}";
	req = build_ok(&o);
	tfy__request_clear(&req);
	/* JSON text is re-encoded: the same value, compact and in ASCII. */
	r.metadata_header_json = "{ \"caf\xc3\xa9\" : \"\xe2\x9c\x93 \\u00e9\" }";
	req = build_ok(&o);
	assert_string_equal(header(&req, "x-tfy-metadata"), "{\"caf\\u00E9\":\"\\u2713 \\u00E9\"}");
	tfy__request_clear(&req);
	char long_json[TFY_METADATA_HEADER_VALUE_MAX + 16];
	snprintf(long_json, sizeof(long_json), "{\"k\":\"%0*d\"}",
	         TFY_METADATA_HEADER_VALUE_MAX + 1, 0);
	r.metadata_header_json = long_json;
	tfy_error *lerr = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(lerr->message, "limit of 128 characters"));
	tfy_error_free(lerr);

	const tfy_pair bad_utf8[] = { { "k", "\xff\xfe" } };
	r.metadata_header_json = NULL;
	r.metadata_header = bad_utf8;
	r.metadata_header_count = 1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	const tfy_pair null_value[] = { { "k", NULL } };
	r.metadata_header = null_value;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
}

static void test_extra_headers_and_override(void **state)
{
	(void)state;
	const tfy_pair extra[] = {
		{ "X-Custom", "value with  spaces" },
		{ "user-agent", "my-app/2.0" },
		{ "X-Last", "z" },
	};
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = extra;
	r.headers_count = 3;
	tfy_batches_list_options o = with_request(&r);
	tfy__request req = build_ok(&o);
	assert_string_equal(header(&req, "X-Custom"), "value with  spaces");
	assert_string_equal(header(&req, "User-Agent"), "my-app/2.0");
	assert_string_equal(header(&req, "Authorization"), "Bearer " KEY);
	assert_string_equal(req.headers[req.count - 1], "X-Last: z");
	tfy__request_clear(&req);
}

/* "" and blanks would make libcurl drop the header, against "sent when not NULL". */
static void test_empty_header_values_refused(void **state)
{
	(void)state;
	const char *const blank[] = { "", " ", "\t", "  \t " };
	for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		tfy_pair h = { "User-Agent", blank[i] };
		tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
		r.headers = &h;
		r.headers_count = 1;
		tfy_batches_list_options o = with_request(&r);
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "empty"));
		tfy_error_free(err);
		tfy_request_options r2 = TFY_REQUEST_OPTIONS_INIT;
		r2.provider_name = blank[i];
		o = with_request(&r2);
		tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	}
}

static void test_header_injection_refused(void **state)
{
	(void)state;
	const char *const bad_values[] = { "a\r\nX-Evil: 1", "a\nb", "a\rb", "bell\x07", "del\x7f" };
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
		r.provider_name = bad_values[i];
		tfy_batches_list_options o = with_request(&r);
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "x-tfy-provider-name"));
		assert_null(strstr(err->message, "Evil"));
		tfy_error_free(err);

		tfy_pair h = { "X-Ok", bad_values[i] };
		tfy_request_options r2 = TFY_REQUEST_OPTIONS_INIT;
		r2.headers = &h;
		r2.headers_count = 1;
		tfy_batches_list_options o2 = with_request(&r2);
		tfy_error_free(build_fail(&o2, TFY_ERROR_INVALID_ARGUMENT));
	}
	const char *const bad_names[] = { "", "Bad Name", "Bad:Name", "X-\r\n", "caf\xc3\xa9", NULL };
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		tfy_pair h = { bad_names[i], "v" };
		tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
		r.headers = &h;
		r.headers_count = 1;
		tfy_batches_list_options o = with_request(&r);
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "header name"));
		tfy_error_free(err);
	}
	/* The key's header is set with the key alone. */
	const char *const key_names[] = { "Authorization", "authorization" };
	for (size_t i = 0; i < 2; i++) {
		tfy_pair kh = { key_names[i], "Bearer other" };
		tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
		r.headers = &kh;
		r.headers_count = 1;
		tfy_batches_list_options o = with_request(&r);
		tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "api_key"));
		tfy_error_free(err);
	}
	tfy_pair h = { "X-Null", NULL };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = &h;
	r.headers_count = 1;
	tfy_batches_list_options o = with_request(&r);
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));

	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.base_url = BASE;
	co.api_key = "key\r\nX-Evil: 1";
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_client_new(&co, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(strstr(err->message, "Evil"));
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
	assert_int_equal(tfy_batches_list_options_init(&o, 0), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_batches_list_options_init(NULL, 1), TFY_ERROR_INVALID_ARGUMENT);
	o.version = 99;
	tfy_error *err = build_fail(&o, TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "version 99"));
	tfy_error_free(err);
	o.version = 0;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	tfy_batches_list_options_init(&o, TFY_BATCHES_LIST_OPTIONS_VERSION);
	o.reserved_ = 1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	o = with_request(&r);
	r.headers_count = 2;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	r.headers_count = 0;
	r.reserved2_ = 7;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	r.reserved2_ = 0;
	r.version = TFY_REQUEST_OPTIONS_VERSION + 1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	r.version = 1;
	r.max_retries = TFY_MAX_RETRIES_LIMIT + 1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	r.max_retries = -2;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	r.max_retries = TFY_NONE;
	r.deadline_ms = INT64_MAX;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
	r.deadline_ms = -1;
	tfy_error_free(build_fail(&o, TFY_ERROR_INVALID_ARGUMENT));
}

/*
 * The 1.0 layouts, frozen: a program compiled against 1.0 passes exactly
 * these many bytes.  Placed at the very end of an allocation, any read past
 * them is caught by ASan and valgrind.
 */
typedef struct request_options_v1 {
	uint32_t version, reserved_;
	const char *provider_name, *provider_model, *azure_api_version, *vertex_region,
		*vertex_storage_bucket_name, *aws_s3_bucket, *aws_bedrock_model,
		*metadata_header_json;
	const tfy_pair *metadata_header;
	size_t metadata_header_count;
	const tfy_pair *headers;
	size_t headers_count;
	const tfy_pair *query_params;
	size_t query_params_count;
	int64_t deadline_ms;
	int32_t (*cancel)(void *);
	void *cancel_userdata;
	int32_t max_retries, reserved2_;
	int64_t timeout_ms;
} request_options_v1;

typedef struct list_options_v1 {
	uint32_t version;
	int32_t limit;
	const char *after;
	const void *request;
	int64_t max_items, max_pages;
	int32_t prefetch, reserved_;
} list_options_v1;

static void test_frozen_v1_layouts_read_exactly(void **state)
{
	(void)state;
	request_options_v1 *r = malloc(sizeof(*r));
	list_options_v1 *o = malloc(sizeof(*o));
	memset(r, 0, sizeof(*r));
	memset(o, 0, sizeof(*o));
	r->version = 1;
	r->provider_name = "old-caller";
	o->version = 1;
	o->limit = 7;
	o->request = r;
	tfy_client *c = client_with(NULL, NULL);
	tfy__request req = build_in(c, (const tfy_batches_list_options *)(const void *)o);
	assert_string_equal(req.url, BASE "/batches?limit=7");
	assert_string_equal(header(&req, "x-tfy-provider-name"), "old-caller");
	tfy__request_clear(&req);
	tfy_client_free(c);
	free(o);
	free(r);
}

/* A struct zeroed with memset and given only its version is the _INIT macro. */
static void test_zeroed_options_are_the_defaults(void **state)
{
	(void)state;
	const tfy_client_options ci = TFY_CLIENT_OPTIONS_INIT;
	const tfy_batches_list_options li = TFY_BATCHES_LIST_OPTIONS_INIT;
	const tfy_request_options ri = TFY_REQUEST_OPTIONS_INIT;
	tfy_client_options cz;
	tfy_batches_list_options lz;
	tfy_request_options rz;
	memset(&cz, 0, sizeof(cz));
	memset(&lz, 0, sizeof(lz));
	memset(&rz, 0, sizeof(rz));
	cz.version = TFY_CLIENT_OPTIONS_VERSION;
	lz.version = TFY_BATCHES_LIST_OPTIONS_VERSION;
	rz.version = TFY_REQUEST_OPTIONS_VERSION;
	assert_memory_equal(&ci, &cz, sizeof(cz));
	assert_memory_equal(&li, &lz, sizeof(lz));
	assert_memory_equal(&ri, &rz, sizeof(rz));
	tfy_client_options ce;
	tfy_batches_list_options le;
	tfy_request_options re;
	memset(&ce, 0xA5, sizeof(ce));
	memset(&le, 0xA5, sizeof(le));
	memset(&re, 0xA5, sizeof(re));
	assert_int_equal(tfy_client_options_init(&ce, TFY_CLIENT_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(tfy_batches_list_options_init(&le, TFY_BATCHES_LIST_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(tfy_request_options_init(&re, TFY_REQUEST_OPTIONS_VERSION), TFY_OK);
	assert_memory_equal(&ci, &ce, sizeof(ce));
	assert_memory_equal(&li, &le, sizeof(le));
	assert_memory_equal(&ri, &re, sizeof(re));
}

/* The client's defaults go with every call; a call's own value wins, field by field. */
static void test_client_defaults_and_call_overrides(void **state)
{
	(void)state;
	const tfy_pair dh[] = { { "X-Team", "ml" }, { "X-Trace", "default" } };
	const tfy_pair dq[] = { { "api-version", "2024-10-21" }, { "region", "eu" } };
	tfy_request_options d = TFY_REQUEST_OPTIONS_INIT;
	d.provider_name = "openai-main";
	d.aws_s3_bucket = "default-bucket";
	d.headers = dh;
	d.headers_count = 2;
	d.query_params = dq;
	d.query_params_count = 2;
	tfy_client *c = client_with(NULL, &d);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy__request req = build_in(c, &o);
	assert_string_equal(req.url, BASE "/batches?api-version=2024-10-21&region=eu");
	assert_string_equal(header(&req, "x-tfy-provider-name"), "openai-main");
	assert_string_equal(header(&req, "X-Trace"), "default");
	tfy__request_clear(&req);

	const tfy_pair ch[] = { { "x-trace", "call" } };
	const tfy_pair cq[] = { { "region", "us" } };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.provider_name = "azure-east";
	r.headers = ch;
	r.headers_count = 1;
	r.query_params = cq;
	r.query_params_count = 1;
	o = with_request(&r);
	o.limit = 3;
	req = build_in(c, &o);
	assert_string_equal(req.url, BASE "/batches?api-version=2024-10-21&region=us&limit=3");
	assert_string_equal(header(&req, "x-tfy-provider-name"), "azure-east");
	assert_string_equal(header(&req, "x-tfy-aws-s3-bucket"), "default-bucket");
	assert_string_equal(header(&req, "X-Team"), "ml");
	assert_string_equal(header(&req, "X-Trace"), "call");
	tfy__request_clear(&req);
	tfy_client_free(c);

	/* The client's defaults are checked when it is created, headers included. */
	const tfy_pair key_header[] = { { "authorization", "Bearer x" } };
	tfy_request_options bad = TFY_REQUEST_OPTIONS_INIT;
	bad.headers = key_header;
	bad.headers_count = 1;
	tfy_client_options kco = TFY_CLIENT_OPTIONS_INIT;
	kco.base_url = BASE;
	kco.api_key = KEY;
	kco.request_defaults = &bad;
	tfy_error *kerr = NULL;
	assert_int_equal(tfy_client_new(&kco, &c, &kerr), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(c);
	tfy_error_free(kerr);
	bad.headers = NULL;
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.base_url = BASE;
	co.api_key = KEY;
	co.request_defaults = &bad;
	tfy_error *err = NULL;
	assert_int_equal(tfy_client_new(&co, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(c);
	tfy_error_free(err);
}

/* The key and the caller's headers come after the headers that may follow a redirect. */
static void test_secret_headers_after_safe_ones(void **state)
{
	(void)state;
	const tfy_pair extra[] = { { "X-Secret", "s" } };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.provider_name = "p";
	r.headers = extra;
	r.headers_count = 1;
	tfy_batches_list_options o = with_request(&r);
	tfy_client *c = client_with("api-key", NULL);
	tfy__request req = build_in(c, &o);
	assert_int_equal(req.safe_count, 3); /* Accept, User-Agent, x-tfy-provider-name */
	for (size_t i = 0; i < req.safe_count; i++) {
		assert_null(strstr(req.headers[i], KEY));
		assert_null(strstr(req.headers[i], "X-Secret"));
	}
	assert_int_equal(req.count, 5);
	tfy__request_clear(&req);
	tfy_client_free(c);
}

static void test_azure_auth_header_and_query(void **state)
{
	(void)state;
	const tfy_pair params[] = { { "api-version", "2024-10-21" }, { "x y", "a&b=c" } };
	tfy_request_options d = TFY_REQUEST_OPTIONS_INIT;
	d.query_params = params;
	d.query_params_count = 2;
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.auth_header = "api-key";
	co.request_defaults = &d;
	tfy_client *c = tu_client_url("https://res.openai.azure.com/openai", KEY, &co);
	assert_non_null(c);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 5;
	o.after = "batch_1";
	tfy__request req = build_in(c, &o);
	assert_string_equal(req.url, "https://res.openai.azure.com/openai/batches"
	                             "?api-version=2024-10-21&x%20y=a%26b%3Dc&limit=5&after=batch_1");
	assert_string_equal(header(&req, "api-key"), KEY);
	assert_null(header(&req, "Authorization"));
	tfy__request_clear(&req);

	const tfy_pair bad[] = { { "", "v" } };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.query_params = bad;
	r.query_params_count = 1;
	o = with_request(&r);
	tfy_error_free(build_fail_in(c, &o, TFY_ERROR_INVALID_ARGUMENT));
	tfy_client_free(c);
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
		"ftp://x",
		"file:///etc/passwd",
		"api.openai.com/v1",
		"https://",
		"https:///path",
		"https://a b",
		"https://a\r\nb",
		"https://a/v1?x=1",
		"https://a/v1#f",
		"",
		"https://user:pass@host/v1",
		"http://key@host",
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
		cmocka_unit_test(test_empty_header_values_refused),
		cmocka_unit_test(test_frozen_v1_layouts_read_exactly),
		cmocka_unit_test(test_zeroed_options_are_the_defaults),
		cmocka_unit_test(test_client_defaults_and_call_overrides),
		cmocka_unit_test(test_secret_headers_after_safe_ones),
		cmocka_unit_test(test_header_injection_refused),
		cmocka_unit_test(test_options_version_and_counts),
		cmocka_unit_test(test_azure_auth_header_and_query),
		cmocka_unit_test(test_base_url_normalise),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
