/*
 * tfy-mock-gateway itself: its paths, its provider-shaped pages, its
 * --require-provider checks and its error-shape faults, seen on the wire
 * with libcurl (no libtfy decoding in between, so the raw shapes are what is
 * checked).  The gateway runs on loopback, started and stopped here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "mockcall.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define AUTH "Authorization: Bearer " KEY
#define COUNT 60
#define COUNT_TEXT "60"

/* GET gw + path with the given request headers (NULL-terminated, may be NULL). */
static tu_reply get(const tu_gateway *gw, const char *path, const char *const *headers)
{
	char url[1024];
	struct curl_slist *list = NULL;
	CURL *curl = curl_easy_init();
	assert_non_null(curl);
	snprintf(url, sizeof(url), "%s%s", gw->base, path);
	for (size_t i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	tu_reply r = tu_curl_perform(curl, list);
	assert_int_equal(r.rc, CURLE_OK);
	return r;
}

/* GET of a batches path as provider `provider` (NULL: no header). */
static tu_reply list(const tu_gateway *gw, const char *path, const char *provider)
{
	char h[256];
	snprintf(h, sizeof(h), "x-tfy-provider-name: %s", provider ? provider : "");
	const char *const headers[] = { AUTH, provider ? h : NULL, NULL };
	return get(gw, path, headers);
}

static tu_reply with_fault(const tu_gateway *gw, const char *spec)
{
	char h[512];
	snprintf(h, sizeof(h), "x-mock-fault: %s", spec);
	const char *const headers[] = { AUTH, h, NULL };
	return get(gw, "/v1/batches", headers);
}

static int setup(void **state)
{
	static const char *const args[] = {
		"--count",    COUNT_TEXT,         "--provider", "aws-batch=bedrock",
		"--provider", "gcp-batch=vertex", "--provider", "openai-main=openai",
		"--provider", "azure-east=azure", NULL
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return tu_gateway_state(state, sizeof(tu_gateway), args) ? 0 : -1;
}

static int teardown(void **state)
{
	int rc = tu_gateway_teardown(state);
	curl_global_cleanup();
	return rc;
}

/* ---- paths ------------------------------------------------------------- */

static void test_every_batches_path(void **state)
{
	tu_gateway *gw = *state;
	const char *const paths[] = { "/batches", "/v1/batches", "/api/llm/batches",
		                      "/api/llm/api/inference/openai/batches" };
	tu_reply first = list(gw, "/batches", NULL);
	for (size_t i = 0; i < 4; i++) {
		tu_reply r = list(gw, paths[i], NULL);
		assert_int_equal(r.status, 200);
		assert_non_null(r.json);
		assert_int_equal(json_array_size(json_object_get(r.json, "data")), 20);
		assert_true(json_equal(r.json, first.json)); /* one data set behind them all */
		tu_reply_free(&r);
	}
	const char *const azure[] = { "api-key: " KEY, NULL };
	tu_reply r = get(gw, "/openai/batches?api-version=2024-10-21", azure);
	assert_int_equal(r.status, 200);
	assert_true(json_equal(r.json, first.json));
	tu_reply_free(&r);
	/* The root path checks the key like the others. */
	r = get(gw, "/batches", NULL);
	assert_int_equal(r.status, 401);
	tu_reply_free(&r);
	tu_reply_free(&first);
}

/* ---- provider shapes --------------------------------------------------- */

/* Every item of every page as `provider`, following `after`; checks that
 * each page is the same when asked twice and that ids never repeat. */
static json_t *all_items(const tu_gateway *gw, const char *provider)
{
	json_t *items = json_array();
	char path[512] = "/batches?limit=7";
	for (int pages = 0; pages < COUNT; pages++) {
		tu_reply r = list(gw, path, provider), again = list(gw, path, provider);
		assert_int_equal(r.status, 200);
		assert_non_null(r.json);
		assert_string_equal(r.body, again.body); /* deterministic */
		json_t *data = json_object_get(r.json, "data");
		size_t n = json_array_size(data);
		json_array_extend(items, data);
		json_t *more = json_object_get(r.json, "has_more");
		bool last = n == 0 || (more && !json_is_true(more));
		if (n) {
			assert_string_equal(tu_json_str(r.json, "first_id"),
			                    tu_json_str(json_array_get(data, 0), "id"));
			assert_string_equal(tu_json_str(r.json, "last_id"),
			                    tu_json_str(json_array_get(data, n - 1), "id"));
			char *cursor = curl_easy_escape(NULL, tu_json_str(r.json, "last_id"), 0);
			snprintf(path, sizeof(path), "/batches?limit=7&after=%s", cursor);
			curl_free(cursor);
		}
		tu_reply_free(&r);
		tu_reply_free(&again);
		if (last)
			break;
	}
	assert_int_equal(json_array_size(items), COUNT);
	for (size_t i = 0; i < COUNT; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(tu_json_str(json_array_get(items, i), "id"),
			                        tu_json_str(json_array_get(items, j), "id"));
	return items;
}

static bool in_set(const char *s, const char *const *set, size_t n, bool *seen)
{
	for (size_t i = 0; s && i < n; i++) {
		if (strcmp(s, set[i]) == 0) {
			seen[i] = true;
			return true;
		}
	}
	return false;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void assert_uri_or_null(json_t *item, const char *key, const char *scheme)
{
	json_t *v = json_object_get(item, key);
	assert_true(json_is_null(v) || has_prefix(json_string_value(v), scheme));
}

static const char *const time_keys[] = { "created_at",    "in_progress_at", "expires_at",
	                                 "finalizing_at", "completed_at",   "failed_at",
	                                 "expired_at",    "cancelling_at",  "cancelled_at" };

static void test_bedrock_shape(void **state)
{
	tu_gateway *gw = *state;
	static const char *const states[] = { "Submitted",  "Validating",         "Scheduled",
		                              "InProgress", "PartiallyCompleted", "Completed",
		                              "Failed",     "Stopping",           "Stopped",
		                              "Expired" };
	bool seen[10] = { false };
	tu_reply first = list(gw, "/batches", "aws-batch");
	assert_null(json_object_get(first.json, "has_more")); /* a gateway that omits it */
	tu_reply_free(&first);
	json_t *items = all_items(gw, "aws-batch"), *item;
	size_t i;
	json_array_foreach(items, i, item) {
		const char *id = tu_json_str(item, "id");
		assert_true(has_prefix(id, "arn:aws:bedrock:"));
		const char *job = strstr(id, ":model-invocation-job/");
		assert_non_null(job);
		job += strlen(":model-invocation-job/");
		assert_int_equal(strlen(job), 12);
		for (const char *c = job; *c; c++)
			assert_true(islower((unsigned char)*c) || isdigit((unsigned char)*c));
		assert_true(has_prefix(tu_json_str(item, "input_file_id"), "s3://"));
		assert_uri_or_null(item, "output_file_id", "s3://");
		assert_uri_or_null(item, "error_file_id", "s3://");
		assert_true(in_set(tu_json_str(item, "status"), states, 10, seen));
		/* Milliseconds: after 2001-09-09 in ms, far beyond any time in seconds. */
		assert_true(json_integer_value(json_object_get(item, "created_at")) > 1000000000000);
		for (size_t k = 0; k < sizeof(time_keys) / sizeof(time_keys[0]); k++) {
			json_t *t = json_object_get(item, time_keys[k]);
			assert_true(json_is_null(t) || json_integer_value(t) > 1000000000000);
		}
	}
	for (size_t k = 0; k < 10; k++)
		assert_true(seen[k]);
	json_decref(items);
}

static bool is_iso8601(const char *s)
{
	/* "2025-01-31T23:59:44Z" */
	static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
	if (!s || strlen(s) != strlen(pattern))
		return false;
	for (size_t i = 0; pattern[i]; i++)
		if (pattern[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pattern[i])
			return false;
	return true;
}

static void assert_vertex_id(const char *id)
{
	assert_true(has_prefix(id, "projects/"));
	assert_non_null(strstr(id, "/locations/"));
	const char *job = strstr(id, "/batchPredictionJobs/");
	assert_non_null(job);
	job += strlen("/batchPredictionJobs/");
	assert_true(*job != '\0');
	for (const char *c = job; *c; c++)
		assert_true(isdigit((unsigned char)*c));
}

static void test_vertex_shape(void **state)
{
	tu_gateway *gw = *state;
	static const char *const states[] = { "JOB_STATE_QUEUED",
		                              "JOB_STATE_PENDING",
		                              "JOB_STATE_RUNNING",
		                              "JOB_STATE_SUCCEEDED",
		                              "JOB_STATE_PARTIALLY_SUCCEEDED",
		                              "JOB_STATE_FAILED",
		                              "JOB_STATE_CANCELLING",
		                              "JOB_STATE_CANCELLED",
		                              "JOB_STATE_EXPIRED",
		                              "JOB_STATE_PAUSED",
		                              "JOB_STATE_UPDATING" };
	bool seen[11] = { false };
	size_t failed = 0;
	tu_reply first = list(gw, "/batches", "gcp-batch");
	assert_true(json_is_true(json_object_get(first.json, "has_more")));
	tu_reply_free(&first);
	json_t *items = all_items(gw, "gcp-batch"), *item;
	size_t i;
	json_array_foreach(items, i, item) {
		assert_vertex_id(tu_json_str(item, "id"));
		assert_true(has_prefix(tu_json_str(item, "input_file_id"), "gs://"));
		assert_uri_or_null(item, "output_file_id", "gs://");
		assert_uri_or_null(item, "error_file_id", "gs://");
		assert_true(in_set(tu_json_str(item, "status"), states, 11, seen));
		assert_true(is_iso8601(tu_json_str(item, "created_at")));
		for (size_t k = 0; k < sizeof(time_keys) / sizeof(time_keys[0]); k++) {
			json_t *t = json_object_get(item, time_keys[k]);
			assert_true(json_is_null(t) || is_iso8601(json_string_value(t)));
		}
		json_t *errors = json_object_get(item, "errors"), *e;
		size_t k;
		json_array_foreach(json_object_get(errors, "data"), k, e) {
			assert_true(json_is_integer(json_object_get(e, "code")));
			failed++;
		}
	}
	for (size_t k = 0; k < 11; k++)
		assert_true(seen[k]);
	assert_true(failed > 0);
	json_decref(items);
}

/* openai and azure accounts, unknown names and no header all see OpenAI's data. */
static void test_openai_shaped_providers(void **state)
{
	tu_gateway *gw = *state;
	const char *const names[] = { "openai-main", "azure-east", "not-declared" };
	tu_reply plain = list(gw, "/batches?limit=30", NULL);
	json_t *first = json_array_get(json_object_get(plain.json, "data"), 0);
	assert_true(has_prefix(tu_json_str(first, "id"), "batch_"));
	assert_true(json_is_boolean(json_object_get(plain.json, "has_more")));
	for (size_t i = 0; i < 3; i++) {
		tu_reply r = list(gw, "/batches?limit=30", names[i]);
		assert_int_equal(r.status, 200);
		assert_true(json_equal(r.json, plain.json));
		tu_reply_free(&r);
	}
	/* A cursor from another shape is no id of this one. */
	tu_reply br = list(gw, "/batches?limit=1", "aws-batch");
	char *cursor = curl_easy_escape(NULL, tu_json_str(br.json, "last_id"), 0);
	char path[512];
	snprintf(path, sizeof(path), "/batches?after=%s", cursor);
	tu_reply r = list(gw, path, NULL);
	assert_int_equal(r.status, 400);
	tu_reply_free(&r);
	curl_free(cursor);
	tu_reply_free(&br);
	tu_reply_free(&plain);
}

/* ---- --require-provider ------------------------------------------------ */

static void assert_truefoundry_error(const tu_reply *r, long status)
{
	assert_int_equal(r->status, status);
	assert_non_null(r->json);
	assert_int_equal(json_integer_value(json_object_get(r->json, "statusCode")), status);
	assert_non_null(tu_json_str(r->json, "message"));
	assert_non_null(tu_json_str(r->json, "code"));
	assert_true(json_is_object(json_object_get(r->json, "details")));
	assert_null(json_object_get(r->json, "error"));
}

static void test_require_provider(void **state)
{
	(void)state;
	static const char *const args[] = { "--require-provider", "--provider", "aws-batch=bedrock",
		                            NULL };
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tu_reply r = list(&gw, "/batches", NULL);
	assert_truefoundry_error(&r, 400);
	assert_non_null(strstr(tu_json_str(r.json, "message"), "x-tfy-provider-name"));
	tu_reply_free(&r);
	r = list(&gw, "/api/llm/batches", "nobody");
	assert_truefoundry_error(&r, 404);
	assert_string_equal(tu_json_str(json_object_get(r.json, "details"), "provider_name"), "nobody");
	tu_reply_free(&r);
	r = list(&gw, "/v1/batches", "aws-batch");
	assert_int_equal(r.status, 200);
	assert_true(has_prefix(tu_json_str(r.json, "first_id"), "arn:aws:bedrock:"));
	tu_reply_free(&r);
	/* The key is checked first: a missing provider is not worth a 400 to a stranger. */
	r = get(&gw, "/batches", NULL);
	assert_int_equal(r.status, 401);
	tu_reply_free(&r);
	/* The mock's own endpoints need no provider. */
	char *stats = tu_http_get(&gw, "/_mock/stats");
	assert_non_null(stats);
	free(stats);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* ---- error-shape faults ------------------------------------------------ */

static json_t *error_member(const tu_reply *r)
{
	json_t *e = json_object_get(r->json, "error");
	assert_true(json_is_object(e));
	assert_non_null(tu_json_str(e, "message"));
	return e;
}

static void check_shape(const char *kind, const tu_reply *r, long status)
{
	json_t *e;
	assert_int_equal(r->status, status);
	if (strcmp(kind, "html") == 0) {
		assert_null(r->json);
		assert_true(has_prefix(r->content_type, "text/html"));
		assert_true(has_prefix(r->body, "<html>"));
		return;
	}
	assert_non_null(r->json);
	assert_true(has_prefix(r->content_type, "application/json"));
	if (strcmp(kind, "openai") == 0) {
		e = error_member(r);
		assert_non_null(tu_json_str(e, "type"));
		assert_true(json_object_get(e, "param") && json_object_get(e, "code"));
	} else if (strcmp(kind, "litellm") == 0) {
		e = error_member(r);
		assert_string_equal(tu_json_str(e, "param"), "None");
		assert_int_equal(json_integer_value(json_object_get(e, "code")), status);
	} else if (strcmp(kind, "truefoundry") == 0) {
		assert_truefoundry_error(r, status);
	} else if (strcmp(kind, "fastapi") == 0) {
		assert_non_null(tu_json_str(r->json, "detail"));
	} else if (strcmp(kind, "fastapi-list") == 0) {
		json_t *d = json_array_get(json_object_get(r->json, "detail"), 0);
		assert_true(json_is_array(json_object_get(d, "loc")));
		assert_non_null(tu_json_str(d, "msg"));
		assert_non_null(tu_json_str(d, "type"));
	} else if (strcmp(kind, "provider") == 0) {
		error_member(r);
		assert_string_equal(tu_json_str(r->json, "provider"), "bedrock");
	} else if (strcmp(kind, "failure") == 0) {
		assert_string_equal(tu_json_str(r->json, "status"), "failure");
		assert_non_null(tu_json_str(r->json, "message"));
	} else if (strcmp(kind, "azure") == 0) {
		e = error_member(r);
		assert_non_null(tu_json_str(e, "code"));
		assert_int_equal(json_object_size(e), 2);
	} else {
		fail_msg("unknown kind %s", kind);
	}
}

static const char *const kinds[] = { "openai",  "litellm",      "truefoundry",
	                             "fastapi", "fastapi-list", "provider",
	                             "failure", "azure",        "html" };

static void test_error_shapes_per_request(void **state)
{
	tu_gateway *gw = *state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char spec[128];
		snprintf(spec, sizeof(spec), "error-shape:kind=%s", kinds[i]);
		tu_reply r = with_fault(gw, spec);
		check_shape(kinds[i], &r, 400);
		tu_reply_free(&r);
		snprintf(spec, sizeof(spec), "error-shape:kind=%s,code=429", kinds[i]);
		r = with_fault(gw, spec);
		check_shape(kinds[i], &r, 429);
		tu_reply_free(&r);
	}
}

static void test_error_shape_run_level(void **state)
{
	(void)state;
	static const char *const args[] = { "--fault", "error-shape:kind=fastapi-list,code=422",
		                            "--fault", "error-shape:kind=litellm,code=503,times=2",
		                            NULL };
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tu_reply r = list(&gw, "/batches", NULL);
	check_shape("fastapi-list", &r, 422);
	tu_reply_free(&r);
	for (int i = 0; i < 2; i++) {
		r = list(&gw, "/batches", NULL);
		check_shape("litellm", &r, 503);
		tu_reply_free(&r);
	}
	r = list(&gw, "/batches", NULL);
	assert_int_equal(r.status, 200);
	tu_reply_free(&r);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

static void test_error_shape_bad_specs(void **state)
{
	tu_gateway *gw = *state;
	const char *const bad[] = { "error-shape", "error-shape:kind=xml",
		                    "error-shape:kind=html,code=99", "error-shape:kind=azure,bytes=3" };
	for (size_t i = 0; i < 4; i++) {
		tu_reply r = with_fault(gw, bad[i]);
		assert_int_equal(r.status, 400);
		assert_string_equal(tu_json_str(error_member(&r), "code"), "invalid_mock_fault");
		tu_reply_free(&r);
	}
}

/* ---- the command line -------------------------------------------------- */

static tu_run run_mock(const char *a, const char *b)
{
	const char *argv[] = { getenv("TFY_MOCK_GATEWAY"), a, b, NULL };
	tu_run r;
	assert_non_null(argv[0]);
	assert_int_equal(tu_run_cmd(argv, NULL, &r), 0);
	return r;
}

static void test_version_and_help(void **state)
{
	(void)state;
	tu_run r = run_mock("--version", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "tfy-mock-gateway " TFY_VERSION_STRING "\n");
	tu_run_free(&r);
	r = run_mock("--help", NULL);
	assert_int_equal(r.status, 0);
	const char *const words[] = {
		"--provider NAME=KIND", "--require-provider", "--version",
		"GET /batches",         "error-shape:kind=K", "x-tfy-provider-name"
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_non_null(strstr(r.out, words[i]));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		assert_non_null(strstr(r.out, kinds[i]));
	for (const char *line = r.out; *line;) {
		size_t len = strcspn(line, "\n");
		assert_true(len <= 80);
		line += len + (line[len] == '\n');
	}
	tu_run_free(&r);
}

static void test_bad_provider_options(void **state)
{
	(void)state;
	const char *const bad[][2] = { { "--provider", "x=gemini" },
		                       { "--provider", "=bedrock" },
		                       { "--provider", "bedrock" },
		                       { "--provider", "a b=vertex" },
		                       { "--provider", NULL } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_run r = run_mock(bad[i][0], bad[i][1]);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, "--provider"));
		tu_run_free(&r);
	}
	const char *argv[] = { getenv("TFY_MOCK_GATEWAY"),
		               "--provider",
		               "a=bedrock",
		               "--provider",
		               "a=vertex",
		               NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, NULL, &r), 0);
	assert_int_equal(r.status, 2);
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_batches_path),
		cmocka_unit_test(test_bedrock_shape),
		cmocka_unit_test(test_vertex_shape),
		cmocka_unit_test(test_openai_shaped_providers),
		cmocka_unit_test(test_require_provider),
		cmocka_unit_test(test_error_shapes_per_request),
		cmocka_unit_test(test_error_shape_run_level),
		cmocka_unit_test(test_error_shape_bad_specs),
		cmocka_unit_test(test_version_and_help),
		cmocka_unit_test(test_bad_provider_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
