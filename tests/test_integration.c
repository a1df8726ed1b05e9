/*
 * Integration tests: the public API of the shared library against
 * tfy-mock-gateway on loopback, started and stopped by the tests themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define DATASET 250

typedef tu_fixture fixture;

static tfy_client *client_for(const tu_gateway *gw, const char *path, const char *key)
{
	tfy_client *c = tu_client(gw, path, key, NULL);
	assert_non_null(c);
	return c;
}

static tfy_batch_page *list_ok(tfy_client *c, const tfy_batches_list_options *o)
{
	tfy_batch_page *list = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_list(c, o, &list, &err);
	if (rc != TFY_OK)
		print_error("list failed: %s\n", err ? err->message : tfy_strerror(rc));
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	assert_non_null(list);
	return list;
}

static tfy_error *list_fail(tfy_client *c, const tfy_batches_list_options *o, tfy_code want)
{
	tfy_batch_page *list = (tfy_batch_page *)1;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_list(c, o, &list, &err), want);
	assert_null(list);
	assert_non_null(err);
	assert_int_equal(err->code, want);
	assert_non_null(err->message);
	return err;
}

static json_t *mock_json(const tu_gateway *gw, const char *path)
{
	json_t *j = tu_mock_json(gw, path);
	assert_non_null(j);
	return j;
}

/* The value of a header of the last request the gateway saw, or NULL. */
static char *received_header(json_t *last, const char *name)
{
	json_t *headers = json_object_get(last, "headers"), *pair;
	size_t i;
	char *found = NULL;
	json_array_foreach(headers, i, pair) {
		if (strcasecmp(json_string_value(json_array_get(pair, 0)), name) == 0) {
			assert_null(found); /* sent once only */
			found = strdup(json_string_value(json_array_get(pair, 1)));
		}
	}
	return found;
}

static void assert_header(json_t *last, const char *name, const char *want)
{
	char *got = received_header(last, name);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static long mock_stat(const tu_gateway *gw, const char *name)
{
	long v = tu_mock_stat(gw, name);
	assert_true(v >= 0);
	return v;
}

static void test_three_base_paths(void **state)
{
	fixture *f = *state;
	const char *const paths[] = { "/v1", "/api/llm", "/api/llm/api/inference/openai" };
	for (size_t i = 0; i < 3; i++) {
		tfy_client *c = client_for(&f->gw, paths[i], KEY);
		tfy_batch_page *list = list_ok(c, NULL);
		assert_int_equal(list->count, 20);
		assert_true(list->has_more);
		assert_string_equal(list->object, "list");
		assert_non_null(list->request_id);
		assert_string_equal(list->first_id, list->items[0]->id);
		assert_string_equal(list->last_id, list->items[19]->id);
		tfy_batch_page_free(list);
		json_t *last = mock_json(&f->gw, "/_mock/last-request");
		char want[128];
		snprintf(want, sizeof(want), "%s/batches", paths[i]);
		assert_string_equal(json_string_value(json_object_get(last, "path")), want);
		json_decref(last);
		tfy_client_free(c);
	}
}

static void test_auth_failure(void **state)
{
	fixture *f = *state;
	const char *wrong = "sk-wrong-key-0123456789abcdef";
	tfy_client *c = client_for(&f->gw, "/v1", wrong);
	tfy_error *err = list_fail(c, NULL, TFY_ERROR_AUTHENTICATION);
	assert_int_equal(err->http_status, 401);
	assert_int_equal(err->attempts, 1);
	assert_string_equal(err->api_type, "invalid_request_error");
	assert_string_equal(err->api_code, "invalid_api_key");
	assert_non_null(err->request_id);
	const char *const fields[] = { err->message, err->api_message, err->detail, err->body };
	for (size_t i = 0; i < 4; i++)
		assert_true(!fields[i] || !strstr(fields[i], wrong));
	tfy_error_free(err);
	tfy_client_free(c);
}

static void test_limit_checked_before_sending(void **state)
{
	fixture *f = *state;
	tfy_batch_page_free(list_ok(f->client, NULL));
	long before = mock_stat(&f->gw, "requests");
	const int32_t bad[] = { -1, 101 };
	for (size_t i = 0; i < 2; i++) {
		tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
		o.limit = bad[i];
		tfy_error *err = list_fail(f->client, &o, TFY_ERROR_INVALID_ARGUMENT);
		assert_int_equal(err->http_status, 0);
		assert_int_equal(err->attempts, 0);
		tfy_error_free(err);
	}
	long after = mock_stat(&f->gw, "requests");
	/* Only the stats request itself may have been counted in between. */
	assert_true(after - before <= 1);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 100;
	tfy_batch_page *list = list_ok(f->client, &o);
	assert_int_equal(list->count, 100);
	tfy_batch_page_free(list);
}

static void test_page_to_the_end(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_for(&f->gw, "/api/llm", KEY);
	long connections = mock_stat(&f->gw, "connections");
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 100;
	char *after = NULL;
	size_t total = 0, pages = 0;
	int64_t prev_created = INT64_MAX;
	int more = 1;
	while (more) {
		o.after = after;
		tfy_batch_page *list = list_ok(c, &o);
		pages++;
		for (size_t i = 0; i < list->count; i++) {
			const tfy_batch *b = list->items[i];
			assert_non_null(b->id);
			assert_true(b->created_at.present);
			assert_true(b->created_at.value < prev_created); /* newest first, no repeats */
			prev_created = b->created_at.value;
		}
		total += list->count;
		more = list->has_more;
		free(after);
		after = list->count ? strdup(list->items[list->count - 1]->id) : NULL;
		tfy_batch_page_free(list);
		assert_true(pages <= 3);
	}
	free(after);
	assert_int_equal(total, DATASET);
	assert_int_equal(pages, 3);
	/* keep-alive: three pages over one new connection (the stats probes use their own). */
	assert_int_equal(mock_stat(&f->gw, "connections") - connections, 2);
	tfy_client_free(c);
}

static void test_every_header_arrives_as_set(void **state)
{
	fixture *f = *state;
	const tfy_pair extra[] = { { "X-Trace-Id", "abc 123 ; q=\"x\"" }, { "X-Team", "ml-platform" } };
	const tfy_pair meta[] = { { "team", "ml" }, { "note", "caf\xc3\xa9 \"q\"" } };
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy_request_options o_req = TFY_REQUEST_OPTIONS_INIT;
	o.request = &o_req;
	o.limit = 5;
	o_req.provider_name = "openai-main";
	o_req.provider_model = "gpt-4o-mini";
	o_req.azure_api_version = "2024-10-21";
	o_req.vertex_region = "europe-west4";
	o_req.vertex_storage_bucket_name = "vertex-batch-bucket";
	o_req.aws_s3_bucket = "bedrock-batch-bucket";
	o_req.aws_bedrock_model = "anthropic.claude-3-haiku-20240307-v1:0";
	o_req.metadata_header = meta;
	o_req.metadata_header_count = 2;
	o_req.headers = extra;
	o_req.headers_count = 2;
	tfy_batch_page_free(list_ok(f->client, &o));
	json_t *last = mock_json(&f->gw, "/_mock/last-request");
	assert_header(last, "x-tfy-provider-name", "openai-main");
	assert_header(last, "x-tfy-provider-model", "gpt-4o-mini");
	assert_header(last, "x-tfy-azure-api-version", "2024-10-21");
	assert_header(last, "x-tfy-vertex-region", "europe-west4");
	assert_header(last, "x-tfy-vertex-storage-bucket-name", "vertex-batch-bucket");
	assert_header(last, "x-tfy-aws-s3-bucket", "bedrock-batch-bucket");
	assert_header(last, "x-tfy-aws-bedrock-model", "anthropic.claude-3-haiku-20240307-v1:0");
	/* ASCII on the wire: a server reading headers as Latin-1 reads the same text. */
	assert_header(last, "x-tfy-metadata", "{\"team\":\"ml\",\"note\":\"caf\\u00E9 \\\"q\\\"\"}");
	assert_header(last, "X-Trace-Id", "abc 123 ; q=\"x\"");
	assert_header(last, "X-Team", "ml-platform");
	assert_header(last, "Authorization", "Bearer " KEY);
	assert_header(last, "Accept", "application/json");
	assert_header(last, "User-Agent", "libtfy/" TFY_VERSION_STRING);
	char *ae = received_header(last, "Accept-Encoding");
	assert_non_null(ae);
	assert_non_null(strstr(ae, "gzip"));
	free(ae);
	json_t *headers = json_object_get(last, "headers"), *pair;
	size_t i;
	json_array_foreach(headers, i, pair)
		assert_int_not_equal(strncasecmp(json_string_value(json_array_get(pair, 0)),
		                                 "x-stainless", 11),
		                     0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(last, "query"), "limit")),
	                    "5");
	json_decref(last);

	/* Options not set are not sent at all. */
	tfy_batch_page_free(list_ok(f->client, NULL));
	last = mock_json(&f->gw, "/_mock/last-request");
	assert_header(last, "x-tfy-provider-name", NULL);
	assert_header(last, "x-tfy-metadata", NULL);
	assert_null(json_object_get(json_object_get(last, "query"), "after"));
	json_decref(last);
}

static void test_after_is_url_encoded(void **state)
{
	fixture *f = *state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 30;
	tfy_batch_page *page = list_ok(f->client, &o);
	/* Find an id that needs escaping, and the one after it. */
	size_t k = 0;
	while (k + 1 < page->count && strcspn(page->items[k]->id, ":/+=") == strlen(page->items[k]->id))
		k++;
	assert_true(k + 1 < page->count);
	const char *tricky = page->items[k]->id;
	o.after = tricky;
	o.limit = 2;
	tfy_batch_page *next = list_ok(f->client, &o);
	assert_int_equal(next->count, 2);
	assert_string_equal(next->items[0]->id, page->items[k + 1]->id);
	json_t *last = mock_json(&f->gw, "/_mock/last-request");
	assert_string_equal(json_string_value(json_object_get(json_object_get(last, "query"), "after")),
	                    tricky);
	json_decref(last);
	tfy_batch_page_free(next);
	tfy_batch_page_free(page);
}

static void test_unknown_after_is_bad_request(void **state)
{
	fixture *f = *state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.after = "batch_does_not_exist";
	tfy_error *err = list_fail(f->client, &o, TFY_ERROR_BAD_REQUEST);
	assert_int_equal(err->http_status, 400);
	assert_string_equal(err->api_param, "after");
	assert_non_null(err->api_message);
	assert_non_null(strstr(err->message, err->api_message));
	assert_non_null(err->request_id);
	/* The raw prefix is kept beside the decoded envelope. */
	assert_non_null(strstr(err->body, "batch_does_not_exist"));
	tfy_error_free(err);
}

static void test_unknown_path_is_not_found(void **state)
{
	fixture *f = *state;
	tfy_client *c = client_for(&f->gw, "/nowhere", KEY);
	tfy_error *err = list_fail(c, NULL, TFY_ERROR_NOT_FOUND);
	assert_int_equal(err->http_status, 404);
	tfy_error_free(err);
	tfy_client_free(c);
}

static void test_decoded_variety(void **state)
{
	fixture *f = *state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 100;
	tfy_batch_page *list = list_ok(f->client, &o);
	int seen_status[TFY_BATCH_STATUS_PARTIALLY_COMPLETED + 1] = { 0 }, errors = 0, usage = 0,
							       metadata = 0, unknown = 0;
	for (size_t i = 0; i < list->count; i++) {
		const tfy_batch *b = list->items[i];
		seen_status[b->status]++;
		unknown += b->status == TFY_BATCH_STATUS_UNKNOWN && b->status_raw;
		errors += b->errors_count > 0;
		usage += b->usage != NULL;
		metadata += b->metadata_json != NULL;
		assert_non_null(b->raw_json);
		if (b->status == TFY_BATCH_STATUS_COMPLETED)
			assert_true(b->completed_at.present);
	}
	for (int s = 1; s <= TFY_BATCH_STATUS_CANCELLED; s++)
		assert_true(seen_status[s] > 0);
	assert_true(errors > 0);
	assert_true(usage > 0);
	assert_true(metadata > 0);
	assert_true(unknown > 0);
	tfy_batch_page_free(list);
}

/* Statuses without regard to case, and other providers' job states through a gateway. */
static void test_status_of_every_provider(void **state)
{
	(void)state;
	const struct {
		const char *text;
		tfy_batch_status want;
	} cases[] = {
		{ "in_progress", TFY_BATCH_STATUS_IN_PROGRESS },
		{ "COMPLETED", TFY_BATCH_STATUS_COMPLETED },
		{ "Submitted", TFY_BATCH_STATUS_VALIDATING },
		{ "Validating", TFY_BATCH_STATUS_VALIDATING },
		{ "Scheduled", TFY_BATCH_STATUS_IN_PROGRESS },
		{ "InProgress", TFY_BATCH_STATUS_IN_PROGRESS },
		{ "PartiallyCompleted", TFY_BATCH_STATUS_PARTIALLY_COMPLETED },
		{ "Completed", TFY_BATCH_STATUS_COMPLETED },
		{ "Failed", TFY_BATCH_STATUS_FAILED },
		{ "Stopping", TFY_BATCH_STATUS_CANCELLING },
		{ "Stopped", TFY_BATCH_STATUS_CANCELLED },
		{ "Expired", TFY_BATCH_STATUS_EXPIRED },
		{ "JOB_STATE_QUEUED", TFY_BATCH_STATUS_VALIDATING },
		{ "JOB_STATE_PENDING", TFY_BATCH_STATUS_VALIDATING },
		{ "JOB_STATE_RUNNING", TFY_BATCH_STATUS_IN_PROGRESS },
		{ "JOB_STATE_SUCCEEDED", TFY_BATCH_STATUS_COMPLETED },
		{ "JOB_STATE_PARTIALLY_SUCCEEDED", TFY_BATCH_STATUS_PARTIALLY_COMPLETED },
		{ "job_state_failed", TFY_BATCH_STATUS_FAILED },
		{ "JOB_STATE_CANCELLING", TFY_BATCH_STATUS_CANCELLING },
		{ "JOB_STATE_CANCELLED", TFY_BATCH_STATUS_CANCELLED },
		{ "JOB_STATE_EXPIRED", TFY_BATCH_STATUS_EXPIRED },
		{ "JOB_STATE_PAUSED", TFY_BATCH_STATUS_IN_PROGRESS },
		{ "JOB_STATE_UPDATING", TFY_BATCH_STATUS_IN_PROGRESS },
		{ "queued", TFY_BATCH_STATUS_UNKNOWN },
		{ "", TFY_BATCH_STATUS_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(tfy_batch_status_parse(cases[i].text), cases[i].want);
	assert_string_equal(tfy_batch_status_name(TFY_BATCH_STATUS_PARTIALLY_COMPLETED),
	                    "partially_completed");
	assert_int_not_equal(TFY_BATCH_STATUS_PARTIALLY_COMPLETED, TFY_BATCH_STATUS_COMPLETED);
}

static void test_gzip_response(void **state)
{
	(void)state;
	static const char *const args[] = { "--gzip", NULL };
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tfy_client *c = client_for(&gw, "/v1", KEY);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 50;
	tfy_batch_page *list = list_ok(c, &o);
	assert_int_equal(list->count, 50);
	tfy_batch_page_free(list);
	tfy_client_free(c);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

static void test_connection_refused(void **state)
{
	(void)state;
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, NULL), 0);
	assert_int_equal(tu_gateway_stop(&gw), 0);
	tfy_client *c = client_for(&gw, "/v1", KEY); /* nothing listens there any more */
	double start = tu_now_s();
	tfy_error *err = list_fail(c, NULL, TFY_ERROR_CONNECT);
	double took = tu_now_s() - start;
	assert_int_equal(err->http_status, 0);
	/* Retried twice by default, after backoffs of at least 375 and 750 ms. */
	assert_int_equal(err->attempts, 3);
	assert_true(took >= 1.1);
	assert_true(took < 10.0 * tu_slowdown());
	assert_non_null(err->detail);
	tfy_error_free(err);
	tfy_client_free(c);
}

/* A listening socket that never accepts: connections complete, answers never come. */
static void test_timeout(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", ntohs(addr.sin_port));
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.timeout_ms = 300;
	tfy_client *c = tu_client_url(url, KEY, &co);
	assert_non_null(c);
	double start = tu_now_s();
	tfy_error *err = list_fail(c, NULL, TFY_ERROR_TIMEOUT);
	double took = tu_now_s() - start;
	assert_true(took >= 0.25);
	assert_true(took < 10.0 * tu_slowdown());
	tfy_error_free(err);
	tfy_client_free(c);
	close(fd);
}

static void test_azure_openai(void **state)
{
	fixture *f = *state;
	const tfy_pair version = { "api-version", "2024-10-21" };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	tfy_request_options d = TFY_REQUEST_OPTIONS_INIT;
	o.auth_header = "api-key";
	o.request_defaults = &d;
	d.query_params = &version;
	d.query_params_count = 1;
	tfy_client *c = tu_client(&f->gw, "/openai", KEY, &o);
	assert_non_null(c);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 7;
	tfy_batch_page *list = list_ok(c, &lo);
	assert_int_equal(list->count, 7);
	tfy_batch_page_free(list);
	json_t *last = mock_json(&f->gw, "/_mock/last-request");
	assert_header(last, "api-key", KEY);
	assert_header(last, "Authorization", NULL);
	json_t *query = json_object_get(last, "query");
	assert_string_equal(json_string_value(json_object_get(query, "api-version")), "2024-10-21");
	assert_string_equal(json_string_value(json_object_get(query, "limit")), "7");
	json_decref(last);
	tfy_client_free(c);

	/* Without api-version Azure does not know the route; with a bearer token it refuses. */
	d.query_params_count = 0;
	c = tu_client(&f->gw, "/openai", KEY, &o);
	tfy_error *err = list_fail(c, NULL, TFY_ERROR_NOT_FOUND);
	assert_string_equal(err->api_message, "Resource not found");
	tfy_error_free(err);
	tfy_client_free(c);
	d.query_params_count = 1;
	o.auth_header = NULL;
	c = tu_client(&f->gw, "/openai", KEY, &o);
	err = list_fail(c, NULL, TFY_ERROR_AUTHENTICATION);
	assert_string_equal(err->api_code, "401");
	tfy_error_free(err);
	tfy_client_free(c);

	o.auth_header = "bad header";
	assert_null(tu_client(&f->gw, "/openai", KEY, &o));
}

static void test_null_arguments(void **state)
{
	fixture *f = *state;
	tfy_batch_page *list = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_list(NULL, NULL, &list, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	assert_int_equal(tfy_batches_list(f->client, NULL, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	/* err may be NULL: the code alone still tells what happened. */
	assert_int_equal(tfy_batches_list(f->client, NULL, &list, NULL), TFY_OK);
	tfy_batch_page_free(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_base_paths),
		cmocka_unit_test(test_auth_failure),
		cmocka_unit_test(test_limit_checked_before_sending),
		cmocka_unit_test(test_page_to_the_end),
		cmocka_unit_test(test_every_header_arrives_as_set),
		cmocka_unit_test(test_after_is_url_encoded),
		cmocka_unit_test(test_unknown_after_is_bad_request),
		cmocka_unit_test(test_unknown_path_is_not_found),
		cmocka_unit_test(test_decoded_variety),
		cmocka_unit_test(test_status_of_every_provider),
		cmocka_unit_test(test_gzip_response),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_azure_openai),
		cmocka_unit_test(test_null_arguments),
	};
	return cmocka_run_group_tests_name("integration", tests, tu_fixture_setup, tu_fixture_teardown);
}
