/*
 * TrueFoundry and its providers as they are, through tfy-mock-gateway: the
 * base URL and key from the environment, provider routing from the client's
 * defaults, Bedrock- and Vertex-shaped pages (statuses, times, paging
 * without has_more), and every error body a gateway or proxy sends.  Public
 * API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define COUNT 30

static const char *const gateway_args[] = {
	"--count",
	"30",
	"--provider",
	"bedrock-main=bedrock",
	"--provider",
	"vertex-main=vertex",
	"--provider",
	"openai-main=openai",
	"--require-provider",
	NULL,
};

static int setup(void **state)
{
	return tu_gateway_state(state, sizeof(tu_gateway), gateway_args) ? 0 : -1;
}

/* A client on path with provider as every call's x-tfy-provider-name (NULL: none). */
static tfy_client *client_for(const tu_gateway *gw, const char *path, const char *provider)
{
	tfy_request_options d = TFY_REQUEST_OPTIONS_INIT;
	d.provider_name = provider;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.request_defaults = &d;
	o.max_retries = TFY_NONE;
	tfy_client *c = tu_client(gw, path, KEY, &o);
	assert_non_null(c);
	return c;
}

/* Every batch through the iterator, pages of 7; the count of those for which check() holds. */
static size_t iterate(tfy_client *c, int (*check)(const tfy_batch *), size_t *total)
{
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 7;
	tfy_batch_iter *it = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batch_iter_new(c, &o, &it, &err), TFY_OK);
	const tfy_batch *b;
	tfy_code rc;
	size_t n = 0;
	*total = 0;
	while ((rc = tfy_batch_iter_next(it, &b, &err)) == TFY_OK && b) {
		(*total)++;
		n += check(b) != 0;
	}
	if (rc != TFY_OK)
		print_error("%s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	tfy_batch_iter_free(it);
	return n;
}

static int bedrock_like(const tfy_batch *b)
{
	assert_non_null(b->id);
	assert_non_null(strstr(b->id, "arn:aws:bedrock:"));
	assert_int_not_equal(b->status, TFY_BATCH_STATUS_UNKNOWN);
	/* Milliseconds become seconds, and say so. */
	assert_true(b->created_at.present);
	assert_true(b->created_at.value > 1600000000 && b->created_at.value < 4000000000);
	assert_true(tfy_batch_time_converted(b, &b->created_at));
	return b->status == TFY_BATCH_STATUS_PARTIALLY_COMPLETED;
}

/* Every batch of provider through the gateway, each one like(); like() holds for some. */
static void every_batch_of(const tu_gateway *gw, const char *provider, int (*like)(const tfy_batch *))
{
	tfy_client *c = client_for(gw, "/api/llm", provider);
	size_t total, some = iterate(c, like, &total);
	assert_int_equal(total, COUNT);
	assert_true(some > 0);
	tfy_client_free(c);
}

/* Bedrock through the gateway: no has_more, yet every batch; partial jobs kept apart. */
static void test_bedrock_pages(void **state)
{
	every_batch_of(*state, "bedrock-main", bedrock_like);
}

static int vertex_like(const tfy_batch *b)
{
	assert_non_null(strstr(b->id, "/batchPredictionJobs/"));
	assert_non_null(b->status_raw);
	assert_non_null(strstr(b->status_raw, "JOB_STATE_"));
	assert_int_not_equal(b->status, TFY_BATCH_STATUS_UNKNOWN);
	/* ISO-8601 becomes seconds, and says so. */
	assert_true(b->created_at.present);
	assert_true(tfy_batch_time_converted(b, &b->created_at));
	for (size_t i = 0; i < b->errors_count; i++)
		assert_non_null(b->errors[i]->code); /* numbers read as their text */
	return b->errors_count > 0;
}

/* Vertex through the gateway: every batch; some with errors. */
static void test_vertex_pages(void **state)
{
	every_batch_of(*state, "vertex-main", vertex_like);
}

/* The gateway requires x-tfy-provider-name for batch calls; a call may override the default. */
static void test_provider_required(void **state)
{
	tfy_client *c = client_for(*state, "/api/llm", NULL);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_list(c, NULL, &page, &err), TFY_ERROR_BAD_REQUEST);
	assert_non_null(err->api_message);
	assert_non_null(err->body);
	tfy_error_free(err);
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.provider_name = "openai-main";
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.request = &r;
	assert_int_equal(tfy_batches_list(c, &o, &page, &err), TFY_OK);
	assert_int_equal(page->count, 20);
	tfy_batch_page_free(page);
	tfy_client_free(c);
}

/* Every error body in front of a provider fills the api_* fields; the raw prefix is kept. */
static void test_error_shapes(void **state)
{
	static const struct {
		const char *kind;
		const char *code;
	} shapes[] = {
		{ "openai", NULL },  { "litellm", "400" },     { "truefoundry", "BAD_REQUEST" },
		{ "fastapi", NULL }, { "fastapi-list", NULL }, { "provider", "400" },
		{ "failure", NULL }, { "azure", "400" },
	};
	tfy_client *c = client_for(*state, "/api/llm", "openai-main");
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char fault[64];
		snprintf(fault, sizeof(fault), "error-shape:kind=%s", shapes[i].kind);
		tfy_batch_page *page = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tu_list_faulty(c, fault, 0, &page, &err), TFY_ERROR_BAD_REQUEST);
		if (!err->api_message || !strstr(err->api_message, fault))
			print_error("%s: api_message %s\n", shapes[i].kind,
			            err->api_message ? err->api_message : "(null)");
		assert_non_null(err->api_message);
		assert_non_null(strstr(err->api_message, fault));
		assert_non_null(strstr(err->message, fault));
		if (shapes[i].code)
			assert_string_equal(err->api_code, shapes[i].code);
		assert_null(err->api_param); /* LiteLLM's "None" is no param */
		assert_non_null(err->body);
		tfy_error_free(err);
	}
	/* A proxy's HTML page: no envelope, the text kept. */
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tu_list_faulty(c, "error-shape:kind=html,code=502", 0, &page, &err),
	                 TFY_ERROR_SERVER);
	assert_null(err->api_message);
	assert_non_null(strstr(err->body, "nginx"));
	tfy_error_free(err);
	tfy_client_free(c);
}

/* Base URL and key from the environment, as TrueFoundry's users have them. */
static void test_environment_setups(void **state)
{
	tu_gateway *gw = *state;
	tfy_request_options d = TFY_REQUEST_OPTIONS_INIT;
	d.provider_name = "openai-main";
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.request_defaults = &d;
	const struct {
		const char *var, *value, *key_var, *want_base;
	} setups[] = {
		/* TrueFoundry's tools: the platform URL; the gateway is under /api/llm. */
		{ "TFY_BASE_URL", "", "TFY_API_KEY", "/api/llm" },
		/* OpenAI's SDKs as TrueFoundry documents them: the SaaS gateway's root shape. */
		{ "OPENAI_BASE_URL", "", "OPENAI_API_KEY", "" },
		{ "OPENAI_BASE_URL", "/api/llm/api/inference/openai", "OPENAI_API_KEY",
		  "/api/llm/api/inference/openai" },
	};
	for (size_t i = 0; i < sizeof(setups) / sizeof(setups[0]); i++) {
		char url[256], want[256];
		snprintf(url, sizeof(url), "%s%s", gw->base, setups[i].value);
		snprintf(want, sizeof(want), "%s%s", gw->base, setups[i].want_base);
		setenv(setups[i].var, url, 1);
		setenv(setups[i].key_var, KEY, 1);
		tfy_client *c = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tfy_client_new(&o, &c, &err), TFY_OK);
		assert_string_equal(tfy_client_base_url(c), want);
		tfy_batch_page *page = NULL;
		assert_int_equal(tfy_batches_list(c, NULL, &page, &err), TFY_OK);
		assert_int_equal(page->count, 20);
		tfy_batch_page_free(page);
		tfy_client_free(c);
		unsetenv(setups[i].var);
		unsetenv(setups[i].key_var);
	}
	/* A key is never taken from the other pair: nothing is sent. */
	setenv("OPENAI_BASE_URL", gw->base, 1);
	setenv("TFY_API_KEY", KEY, 1);
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "OPENAI_API_KEY"));
	tfy_error_free(err);
	unsetenv("OPENAI_BASE_URL");
	unsetenv("TFY_API_KEY");
}

int main(void)
{
	unsetenv("TFY_BASE_URL");
	unsetenv("TFY_API_KEY");
	unsetenv("OPENAI_BASE_URL");
	unsetenv("OPENAI_API_KEY");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bedrock_pages),      cmocka_unit_test(test_vertex_pages),
		cmocka_unit_test(test_provider_required),  cmocka_unit_test(test_error_shapes),
		cmocka_unit_test(test_environment_setups),
	};
	return cmocka_run_group_tests_name("providers", tests, setup, tu_gateway_teardown);
}
