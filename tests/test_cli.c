/*
 * Tests of the tfy-batches command line: formats, paging, headers and exit
 * codes, against tfy-mock-gateway on loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define WRONG_KEY "sk-cli-wrong-SECRET-987654"

static const char *const gateway_args[] = { "--count", "250", NULL };

typedef struct fixture {
	tu_gateway gw;
	char url[160];     /* base URL on /v1 */
	char env_url[200]; /* TFY_BASE_URL=... */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f || tu_gateway_start(&f->gw, gateway_args) < 0)
		return -1;
	snprintf(f->url, sizeof(f->url), "%s/v1", f->gw.base);
	snprintf(f->env_url, sizeof(f->env_url), "TFY_BASE_URL=%s", f->url);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = tu_gateway_stop(&f->gw);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* Runs tfy-batches with the fixture's URL and key in the environment. */
static tu_run cli(const fixture *f, const char *const *args)
{
	const char *argv[40] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	assert_non_null(argv[0]);
	const char *env[] = { f->env_url, "TFY_API_KEY=" KEY, NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	return r;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_help_and_version(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--help", NULL });
	assert_int_equal(r.status, 0);
	const char *const options[] = { "--max-retries", "--timeout", "--max-items", "TFY_LOG",
	                                "Exit status", "--base-url", "--api-key", "--limit", "--after", "--all",
	                                "--format", "-H", "--provider-name", "--provider-model",
	                                "--azure-api-version", "--vertex-region", "--vertex-bucket",
	                                "--aws-s3-bucket", "--aws-bedrock-model", "--tfy-metadata",
	                                "TFY_BASE_URL", "TFY_API_KEY" };
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		assert_non_null(strstr(r.out, options[i]));
	tu_run_free(&r);
	r = cli(f, (const char *const[]){ "--version", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, TFY_VERSION_STRING));
	tu_run_free(&r);
}

static void test_usage_errors_exit_2(void **state)
{
	fixture *f = *state;
	const char *const *cases[] = {
		(const char *const[]){ "--no-such-option", NULL },
		(const char *const[]){ "--limit", "abc", NULL },
		(const char *const[]){ "--limit", "99999999999", NULL },
		(const char *const[]){ "--format", "xml", NULL },
		(const char *const[]){ "-H", "no-colon-here", NULL },
		(const char *const[]){ "-H", ": empty name", NULL },
		(const char *const[]){ "--limit", NULL },
		(const char *const[]){ "unexpected-positional", NULL },
		(const char *const[]){ "--max-retries", "-1", NULL },
		(const char *const[]){ "--max-retries", "many", NULL },
		(const char *const[]){ "--timeout", "0", NULL },
		(const char *const[]){ "--timeout", "soon", NULL },
		(const char *const[]){ "--max-items", "0", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = cli(f, cases[i]);
		assert_int_equal(r.status, 2);
		assert_true(strlen(r.err) > 0);
		assert_string_equal(r.out, "");
		tu_run_free(&r);
	}
}

static void test_table(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--limit", "5", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "ID"));
	assert_non_null(strstr(r.out, "STATUS"));
	assert_non_null(strstr(r.out, "CREATED"));
	assert_non_null(strstr(r.out, "batch_"));
	/* header + 5 rows + the "more available" line */
	assert_true(count_lines(r.out) >= 6);
	tu_run_free(&r);
}

static void test_json_page(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--format", "json", "--limit", "7", NULL });
	assert_int_equal(r.status, 0);
	json_error_t jerr;
	json_t *j = json_loads(r.out, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "object")), "list");
	assert_int_equal(json_array_size(json_object_get(j, "data")), 7);
	assert_true(json_is_true(json_object_get(j, "has_more")));
	json_t *first = json_array_get(json_object_get(j, "data"), 0);
	assert_string_equal(json_string_value(json_object_get(j, "first_id")),
	                    json_string_value(json_object_get(first, "id")));
	json_decref(j);
	tu_run_free(&r);
}

static const char *const batch_keys[] = {
	"id", "object", "endpoint", "model", "input_file_id", "completion_window", "status",
	"output_file_id", "error_file_id", "created_at", "in_progress_at", "expires_at",
	"finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at",
	"request_counts", "usage", "errors", "metadata",
};

static void test_ndjson_all(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--format", "ndjson", "--all", "--limit", "100", NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 250);
	char *save = NULL, *prev = NULL;
	size_t n = 0;
	for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);
		assert_non_null(j);
		for (size_t k = 0; k < sizeof(batch_keys) / sizeof(batch_keys[0]); k++)
			assert_non_null(json_object_get(j, batch_keys[k])); /* present, null or not */
		assert_true(json_is_integer(json_object_get(j, "created_at")));
		const char *id = json_string_value(json_object_get(j, "id"));
		assert_non_null(id);
		if (prev)
			assert_string_not_equal(prev, id);
		free(prev);
		prev = strdup(id);
		json_decref(j);
		n++;
	}
	free(prev);
	assert_int_equal(n, 250);
	tu_run_free(&r);
}

static void test_json_all(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--format", "json", "--all", "--limit", "60", NULL });
	assert_int_equal(r.status, 0);
	json_error_t jerr;
	json_t *j = json_loads(r.out, 0, &jerr);
	assert_non_null(j);
	json_t *data = json_object_get(j, "data");
	assert_int_equal(json_array_size(data), 250);
	assert_true(json_is_false(json_object_get(j, "has_more")));
	assert_string_equal(json_string_value(json_object_get(j, "last_id")),
	                    json_string_value(json_object_get(json_array_get(data, 249), "id")));
	json_decref(j);
	tu_run_free(&r);
}

static void test_headers_from_flags(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){
		"--format", "json", "--limit", "1", "--provider-name", "openai-main",
		"--provider-model", "gpt-4o", "--azure-api-version", "2024-10-21",
		"--vertex-region", "europe-west4", "--vertex-bucket", "vb", "--aws-s3-bucket", "s3b",
		"--aws-bedrock-model", "anthropic.claude", "--tfy-metadata", "{\"team\":\"ml\"}",
		"-H", "X-One: first value", "-H", "X-Two:second", NULL });
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	char *body = tu_http_get(&f->gw, "/_mock/last-request");
	assert_non_null(body);
	const char *const expect[] = {
		"[\"x-tfy-provider-name\",\"openai-main\"]", "[\"x-tfy-provider-model\",\"gpt-4o\"]",
		"[\"x-tfy-azure-api-version\",\"2024-10-21\"]", "[\"x-tfy-vertex-region\",\"europe-west4\"]",
		"[\"x-tfy-vertex-storage-bucket-name\",\"vb\"]", "[\"x-tfy-aws-s3-bucket\",\"s3b\"]",
		"[\"x-tfy-aws-bedrock-model\",\"anthropic.claude\"]",
		"[\"x-tfy-metadata\",\"{\\\"team\\\":\\\"ml\\\"}\"]",
		"[\"X-One\",\"first value\"]", "[\"X-Two\",\"second\"]",
	};
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	assert_non_null(j);
	char *compact = json_dumps(json_object_get(j, "headers"), JSON_COMPACT);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		if (!tu_strcasestr(compact, expect[i]))
			print_error("missing %s in %s\n", expect[i], compact);
		assert_non_null(tu_strcasestr(compact, expect[i]));
	}
	free(compact);
	json_decref(j);
	free(body);
}

static void test_failure_exit_codes_without_key(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--api-key", WRONG_KEY, NULL });
	assert_int_equal(r.status, 3);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "401"));
	assert_null(strstr(r.err, WRONG_KEY));
	assert_null(strstr(r.out, WRONG_KEY));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--limit", "0", NULL });
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "limit"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--limit", "101", NULL });
	assert_int_equal(r.status, 1);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--base-url", "http://127.0.0.1:1/v1", "--max-retries", "0", NULL });
	assert_int_equal(r.status, 5);
	assert_int_equal(count_lines(r.err), 1);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--after", "batch_missing", NULL });
	assert_int_equal(r.status, 4);
	assert_non_null(strstr(r.err, "400"));
	tu_run_free(&r);
}

static void test_resilience_flags_and_exit_codes(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "-H", "x-mock-fault: non-json", NULL });
	assert_int_equal(r.status, 6);
	assert_int_equal(count_lines(r.err), 1);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--all", "-H", "x-mock-fault: ignore-after", "--limit", "10",
	                                  "--format", "ndjson", NULL });
	assert_int_equal(r.status, 6);
	assert_non_null(strstr(r.err, "pagination"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "-H", "x-mock-fault: status:code=503,times=0",
	                                  "--max-retries", "0", NULL });
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "503"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "-H", "x-mock-fault: stall:seconds=30", "--timeout", "0.5",
	                                  NULL });
	assert_int_equal(r.status, 5);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--all", "--max-items", "33", "--limit", "10", "--format",
	                                  "ndjson", NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 33);
	tu_run_free(&r);

	const char *argv[] = { getenv("TFY_BATCHES"), "--limit", "2", "--format", "json", NULL };
	const char *env[] = { f->env_url, "TFY_API_KEY=" KEY, "TFY_LOG=debug", NULL };
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "GET http://127.0.0.1:"));
	assert_non_null(strstr(r.err, "-> 200"));
	assert_null(strstr(r.err, KEY));
	tu_run_free(&r);
}

static void test_flags_override_environment(void **state)
{
	fixture *f = *state;
	/* Environment points at the gateway; a flag sends it elsewhere. */
	char other[200];
	snprintf(other, sizeof(other), "%s/api/llm", f->gw.base);
	tu_run r = cli(f, (const char *const[]){ "--base-url", other, "--format", "json", "--limit", "1", NULL });
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	char *body = tu_http_get(&f->gw, "/_mock/last-request");
	assert_non_null(strstr(body, "\"/api/llm/batches\""));
	free(body);

	const char *argv[] = { getenv("TFY_BATCHES"), NULL };
	const char *env[] = { NULL };
	r = (tu_run){ 0 };
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 1); /* no base URL anywhere */
	assert_non_null(strstr(r.err, "TFY_BASE_URL"));
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_usage_errors_exit_2),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json_page),
		cmocka_unit_test(test_ndjson_all),
		cmocka_unit_test(test_json_all),
		cmocka_unit_test(test_headers_from_flags),
		cmocka_unit_test(test_failure_exit_codes_without_key),
		cmocka_unit_test(test_resilience_flags_and_exit_codes),
		cmocka_unit_test(test_flags_override_environment),
	};
	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
