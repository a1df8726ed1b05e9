/*
 * Tests of the tfy-batches command line: formats, paging, headers and exit
 * codes, against tfy-mock-gateway on loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define WRONG_KEY "sk-cli-wrong-SECRET-987654"

static const char *const gateway_args[] = { "--count", "250", NULL };

typedef struct fixture {
	tu_gateway gw;
	char url[160];     /* base URL on /v1 */
	char env_url[200]; /* TFY_BASE_URL=<the gateway's platform URL> */
} fixture;

static int setup(void **state)
{
	fixture *f = tu_gateway_state(state, sizeof(*f), gateway_args);
	if (!f)
		return -1;
	snprintf(f->url, sizeof(f->url), "%s/v1", f->gw.base);
	/* As TrueFoundry's tools have it: the platform URL, whose gateway is /api/llm. */
	snprintf(f->env_url, sizeof(f->env_url), "TFY_BASE_URL=%s", f->gw.base);
	return 0;
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

static void test_help_and_version(void **state)
{
	fixture *f = *state;
	tu_run g = cli(f, (const char *const[]){ "--help", NULL });
	assert_int_equal(g.status, 0);
	tu_run r = cli(f, (const char *const[]){ "list", "--help", NULL });
	assert_int_equal(r.status, 0);
	size_t both_len = strlen(g.out) + strlen(r.out) + 1;
	char *both = malloc(both_len);
	assert_non_null(both);
	snprintf(both, both_len, "%s%s", g.out, r.out);
	tu_run_free(&g);
	free(r.out);
	r.out = both;
	const char *const options[] = { "--max-retries",
		                        "--timeout",
		                        "--max-items",
		                        "TFY_LOG",
		                        "Exit status",
		                        "--base-url",
		                        "--api-key",
		                        "--limit",
		                        "--after",
		                        "--all",
		                        "--format",
		                        "-H",
		                        "--provider-name",
		                        "--provider-model",
		                        "--azure-api-version",
		                        "--vertex-region",
		                        "--vertex-bucket",
		                        "--aws-s3-bucket",
		                        "--aws-bedrock-model",
		                        "--tfy-metadata",
		                        "TFY_BASE_URL",
		                        "TFY_API_KEY" };
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
	assert_true(tu_count_lines(r.out) >= 6);
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
	"id",
	"object",
	"endpoint",
	"model",
	"input_file_id",
	"completion_window",
	"status",
	"output_file_id",
	"error_file_id",
	"created_at",
	"in_progress_at",
	"expires_at",
	"finalizing_at",
	"completed_at",
	"failed_at",
	"expired_at",
	"cancelling_at",
	"cancelled_at",
	"request_counts",
	"usage",
	"errors",
	"metadata",
};

static void test_ndjson_all(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--format", "ndjson", "--all", "--limit", "100",
	                                         NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_count_lines(r.out), 250);
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
	tu_run r = cli(f, (const char *const[]){ "--format",
	                                         "json",
	                                         "--limit",
	                                         "1",
	                                         "--provider-name",
	                                         "openai-main",
	                                         "--provider-model",
	                                         "gpt-4o",
	                                         "--azure-api-version",
	                                         "2024-10-21",
	                                         "--vertex-region",
	                                         "europe-west4",
	                                         "--vertex-bucket",
	                                         "vb",
	                                         "--aws-s3-bucket",
	                                         "s3b",
	                                         "--aws-bedrock-model",
	                                         "anthropic.claude",
	                                         "--tfy-metadata",
	                                         "{\"team\":\"ml\"}",
	                                         "-H",
	                                         "X-One: first value",
	                                         "-H",
	                                         "X-Two:second",
	                                         NULL });
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	char *body = tu_http_get(&f->gw, "/_mock/last-request");
	assert_non_null(body);
	const char *const expect[] = {
		"[\"x-tfy-provider-name\",\"openai-main\"]",
		"[\"x-tfy-provider-model\",\"gpt-4o\"]",
		"[\"x-tfy-azure-api-version\",\"2024-10-21\"]",
		"[\"x-tfy-vertex-region\",\"europe-west4\"]",
		"[\"x-tfy-vertex-storage-bucket-name\",\"vb\"]",
		"[\"x-tfy-aws-s3-bucket\",\"s3b\"]",
		"[\"x-tfy-aws-bedrock-model\",\"anthropic.claude\"]",
		"[\"x-tfy-metadata\",\"{\\\"team\\\":\\\"ml\\\"}\"]",
		"[\"X-One\",\"first value\"]",
		"[\"X-Two\",\"second\"]",
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

/* Routing defaults from the environment, as a deployment sets them; a flag wins. */
static void test_routing_from_environment(void **state)
{
	fixture *f = *state;
	const char *argv[] = { getenv("TFY_BATCHES"), "--limit",    "1",
		               "--provider-model",    "flag-model", NULL };
	const char *env[] = { f->env_url,
		              "TFY_API_KEY=" KEY,
		              "TFY_PROVIDER_NAME=bedrock-main",
		              "TFY_PROVIDER_MODEL=env-model",
		              "TFY_AWS_S3_BUCKET=batch-bucket",
		              "TFY_METADATA={\"team\":\"ml\"}",
		              "TFY_VERTEX_REGION=",
		              NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	json_t *j = tu_mock_json(&f->gw, "/_mock/last-request");
	assert_non_null(j);
	char *body = json_dumps(json_object_get(j, "headers"), JSON_COMPACT);
	json_decref(j);
	assert_non_null(tu_strcasestr(body, "[\"x-tfy-provider-name\",\"bedrock-main\"]"));
	assert_non_null(tu_strcasestr(body, "[\"x-tfy-provider-model\",\"flag-model\"]"));
	assert_non_null(tu_strcasestr(body, "[\"x-tfy-aws-s3-bucket\",\"batch-bucket\"]"));
	assert_non_null(tu_strcasestr(body, "x-tfy-metadata"));
	assert_null(tu_strcasestr(body, "x-tfy-vertex-region"));
	assert_null(strstr(body, "env-model"));
	free(body);
}

static void test_failure_exit_codes_without_key(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--api-key", WRONG_KEY, NULL });
	assert_int_equal(r.status, 3);
	assert_int_equal(tu_count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "401"));
	assert_null(strstr(r.err, WRONG_KEY));
	assert_null(strstr(r.out, WRONG_KEY));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--limit", "0", NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--limit wants an integer from 1 to 100"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--limit", "101", NULL });
	assert_int_equal(r.status, 2);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--base-url", "http://127.0.0.1:1/v1", "--max-retries",
	                                  "0", NULL });
	assert_int_equal(r.status, 5);
	assert_int_equal(tu_count_lines(r.err), 1);
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
	assert_int_equal(tu_count_lines(r.err), 1);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--all", "-H", "x-mock-fault: ignore-after", "--limit",
	                                  "10", "--format", "ndjson", NULL });
	assert_int_equal(r.status, 6);
	assert_non_null(strstr(r.err, "pagination"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "-H", "x-mock-fault: status:code=503,times=0",
	                                  "--max-retries", "0", NULL });
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "503"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "-H", "x-mock-fault: stall:seconds=30", "--timeout",
	                                  "0.5", NULL });
	assert_int_equal(r.status, 5);
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--all", "--max-items", "33", "--limit", "10", "--format",
	                                  "ndjson", NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_count_lines(r.out), 33);
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
	tu_run r = cli(f, (const char *const[]){ "--base-url", other, "--format", "json", "--limit",
	                                         "1", NULL });
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	char *body = tu_http_get(&f->gw, "/_mock/last-request");
	assert_non_null(strstr(body, "\"/api/llm/batches\""));
	free(body);

	const char *argv[] = { getenv("TFY_BATCHES"), NULL };
	const char *env[] = { NULL };
	r = (tu_run){ 0 };
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 2); /* no base URL anywhere: a usage error */
	assert_non_null(strstr(r.err, "TFY_BASE_URL"));
	tu_run_free(&r);
}

/* --- csv, --status, --summary, --version ------------------------------ */

typedef struct csv_table {
	char ***rows; /* rows[r][c], NUL-terminated strings */
	size_t *cols; /* fields per row */
	size_t nrows;
} csv_table;

/*
 * A strict RFC 4180 reader: every record ends in CRLF, quoted fields may hold
 * commas, quotes (doubled) and line breaks; a bare LF or CR outside quotes
 * fails.  Stops at the first line that does not end in CRLF (the --summary
 * line) and returns where it stopped.
 */
static const char *csv_parse(const char *s, csv_table *t)
{
	memset(t, 0, sizeof(*t));
	const char *p = s;
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		const char *lf = strchr(p, '\n');
		if (!eol || (lf && lf < eol && *p != '"' && !memchr(p, '"', (size_t)(lf - p))))
			break; /* not a CRLF record: the trailer */
		char **fields = NULL;
		size_t nf = 0;
		for (;;) {
			char *buf = malloc(strlen(p) + 1);
			size_t n = 0;
			assert_non_null(buf);
			if (*p == '"') {
				p++;
				for (;;) {
					assert_true(*p != '\0');
					if (p[0] == '"' && p[1] == '"') {
						buf[n++] = '"';
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						buf[n++] = *p++;
					}
				}
			} else {
				while (*p && *p != ',' && *p != '\r' && *p != '\n' && *p != '"')
					buf[n++] = *p++;
				assert_true(*p != '"' && *p != '\n');
			}
			buf[n] = '\0';
			fields = realloc(fields, (nf + 1) * sizeof(*fields));
			assert_non_null(fields);
			fields[nf++] = buf;
			if (*p == ',') {
				p++;
				continue;
			}
			assert_true(p[0] == '\r' && p[1] == '\n');
			p += 2;
			break;
		}
		t->rows = realloc(t->rows, (t->nrows + 1) * sizeof(*t->rows));
		t->cols = realloc(t->cols, (t->nrows + 1) * sizeof(*t->cols));
		assert_true(t->rows && t->cols);
		t->rows[t->nrows] = fields;
		t->cols[t->nrows++] = nf;
	}
	return p;
}

static void csv_free(csv_table *t)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->cols[r]; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t->cols);
}

/* The ndjson lines of a run, parsed. */
static json_t *ndjson_array(const char *out)
{
	json_t *arr = json_array();
	char *copy = strdup(out), *save = NULL;
	assert_non_null(copy);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);
		assert_non_null(j);
		json_array_append_new(arr, j);
	}
	free(copy);
	return arr;
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static void test_csv_parses_back(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--format", "csv", "--all", "--limit", "100", NULL });
	assert_int_equal(r.status, 0);
	tu_run j = cli(f, (const char *const[]){ "--format", "ndjson", "--all", "--limit", "100",
	                                         NULL });
	assert_int_equal(j.status, 0);
	json_t *batches = ndjson_array(j.out);
	csv_table t;
	const char *rest = csv_parse(r.out, &t);
	assert_string_equal(rest, ""); /* every line was a CRLF record */
	assert_int_equal(t.nrows, 251);
	const char *const header[] = {
		"id",        "status",        "created_at",     "created",
		"completed", "failed",        "total",          "endpoint",
		"model",     "input_file_id", "output_file_id", "error_file_id"
	};
	assert_int_equal(t.cols[0], 12);
	for (size_t c = 0; c < 12; c++)
		assert_string_equal(t.rows[0][c], header[c]);
	for (size_t i = 0; i < 250; i++) {
		char **row = t.rows[i + 1];
		json_t *b = json_array_get(batches, i);
		assert_int_equal(t.cols[i + 1], 12);
		assert_string_equal(row[0], jstr(b, "id"));
		assert_string_equal(row[1], jstr(b, "status"));
		assert_string_equal(row[7], jstr(b, "endpoint"));
		assert_string_equal(row[8], jstr(b, "model"));
		json_t *created = json_object_get(b, "created_at");
		if (json_is_integer(created)) {
			char num[32];
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			         json_integer_value(created));
			assert_string_equal(row[2], num);
			assert_int_equal(strlen(row[3]), 20); /* 2024-05-01T12:00:00Z */
			assert_int_equal(row[3][19], 'Z');
		}
		json_t *total = json_object_get(json_object_get(b, "request_counts"), "total");
		if (json_is_integer(total))
			assert_int_equal(strtoll(row[6], NULL, 10), json_integer_value(total));
	}
	csv_free(&t);
	json_decref(batches);
	tu_run_free(&j);
	tu_run_free(&r);
}

static void test_status_filter(void **state)
{
	fixture *f = *state;
	tu_run all = cli(f, (const char *const[]){ "--format", "ndjson", "--all", "--limit", "100",
	                                           NULL });
	assert_int_equal(all.status, 0);
	json_t *every = ndjson_array(all.out);
	size_t expected = 0, i;
	json_t *b;
	json_array_foreach(every, i, b) {
		const char *st = jstr(b, "status");
		expected += strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0;
	}
	assert_true(expected > 0);

	tu_run r = cli(f, (const char *const[]){ "--format", "ndjson", "--all", "--limit", "30",
	                                         "--status", "failed", "--status", "cancelled", NULL });
	assert_int_equal(r.status, 0);
	json_t *got = ndjson_array(r.out);
	assert_int_equal(json_array_size(got), expected);
	json_array_foreach(got, i, b) {
		const char *st = jstr(b, "status");
		assert_true(strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0);
	}
	json_decref(got);
	tu_run_free(&r);

	/* unknown statuses are allowed and simply match nothing; the table keeps its header */
	r = cli(f, (const char *const[]){ "--all", "--limit", "100", "--status", "no-such-status",
	                                  NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_count_lines(r.out), 1);
	assert_non_null(strstr(r.out, "STATUS"));
	tu_run_free(&r);

	r = cli(f, (const char *const[]){ "--status", "", NULL });
	assert_int_equal(r.status, 2);
	tu_run_free(&r);
	json_decref(every);
	tu_run_free(&all);
}

static void test_summary(void **state)
{
	fixture *f = *state;
	tu_run all = cli(f, (const char *const[]){ "--format", "ndjson", "--all", "--limit", "100",
	                                           NULL });
	assert_int_equal(all.status, 0);
	json_t *every = ndjson_array(all.out);
	long long requests = 0;
	size_t completed = 0, i;
	json_t *b;
	json_array_foreach(every, i, b) {
		json_t *total = json_object_get(json_object_get(b, "request_counts"), "total");
		if (json_is_integer(total) && json_integer_value(total) > 0)
			requests += json_integer_value(total);
		completed += strcmp(jstr(b, "status"), "completed") == 0;
	}
	char want[128], want_completed[64];
	snprintf(want, sizeof(want), "summary: 250 batches (");
	snprintf(want_completed, sizeof(want_completed), "%zu completed", completed);
	char want_requests[64];
	snprintf(want_requests, sizeof(want_requests), "), %lld requests\n", requests);

	/* csv: stdout holds the records alone, the summary is on stderr */
	tu_run r = cli(f, (const char *const[]){ "--format", "csv", "--all", "--limit", "100",
	                                         "--summary", NULL });
	assert_int_equal(r.status, 0);
	csv_table t;
	assert_string_equal(csv_parse(r.out, &t), "");
	assert_int_equal(t.nrows, 251);
	csv_free(&t);
	const char *rest = r.err;
	assert_int_equal(strncmp(rest, want, strlen(want)), 0);
	assert_non_null(strstr(rest, want_completed));
	assert_non_null(strstr(rest, want_requests));
	assert_int_equal(tu_count_lines(rest), 1);
	/* the per-status counts add up to the total: "(N status, N status, ...)" */
	size_t sum = 0;
	const char *open = strchr(rest, '('), *close = strstr(rest, "), ");
	assert_true(open && close && open < close);
	for (const char *p = open + 1; p && p < close; p = strstr(p, ", ")) {
		p += *p == ',' ? 2 : 0;
		sum += strtoul(p, NULL, 10);
	}
	assert_int_equal(sum, 250);
	tu_run_free(&r);

	/* table, json and ndjson alike: stdout holds the records, the summary goes to stderr */
	r = cli(f, (const char *const[]){ "--all", "--limit", "100", "--summary", "--status",
	                                  "completed", NULL });
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want), "summary: %zu batches (%zu completed), ", completed, completed);
	assert_null(strstr(r.out, "summary:"));
	assert_int_equal(strncmp(r.err, want, strlen(want)), 0);
	assert_int_equal(tu_count_lines(r.out), completed + 1);
	tu_run_free(&r);

	const char *const formats[] = { "json", "ndjson" };
	for (size_t k = 0; k < 2; k++) {
		r = cli(f, (const char *const[]){ "--format", formats[k], "--limit", "10",
		                                  "--summary", NULL });
		assert_int_equal(r.status, 0);
		assert_null(strstr(r.out, "summary"));
		json_t *arr = k == 0 ? NULL : ndjson_array(r.out);
		json_error_t jerr;
		json_t *j = k == 0 ? json_loads(r.out, 0, &jerr) : NULL;
		assert_true(j != NULL || json_array_size(arr) == 10);
		json_decref(j);
		json_decref(arr);
		assert_int_equal(strncmp(r.err, "summary: 10 batches (", 21), 0);
		tu_run_free(&r);
	}

	json_decref(every);
	tu_run_free(&all);
}

static void test_version_content(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--version", NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(strncmp(r.out, "tfy-batches " TFY_VERSION_STRING "\n", 13), 0);
	assert_non_null(strstr(r.out, "\nlibtfy " TFY_VERSION_STRING "\n"));
	const char *curl = strstr(r.out, "\nlibcurl ");
	assert_non_null(curl);
	assert_true(curl[9] >= '7' && curl[9] <= '9');
	const char *jansson = strstr(r.out, "\njansson ");
	assert_non_null(jansson);
	assert_int_equal(strncmp(jansson + 9, JANSSON_VERSION, 2), 0);
	assert_int_equal(tu_count_lines(r.out), 4);
	tu_run_free(&r);
}

static void test_table_plain_when_not_a_terminal(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f, (const char *const[]){ "--limit", "20", NULL });
	assert_int_equal(r.status, 0);
	assert_null(strchr(r.out, '\033')); /* stdout is a pipe here: no colour */
	assert_null(strchr(r.err, '\033')); /* stderr too: no progress line */
	assert_non_null(strstr(r.out, "PROGRESS"));
	/* created in local time with the offset: TZ is not set, so UTC, +00:00 */
	assert_non_null(strstr(r.out, "+00:00"));
	tu_run_free(&r);
}

/* Runs tfy-batches against a canned server. */
static tu_run cli_canned(const tu_server *c, const char *const *args, const char *extra_env)
{
	char env_url[96];
	snprintf(env_url, sizeof(env_url), "OPENAI_BASE_URL=%s", c->base);
	const char *argv[40] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	assert_non_null(argv[0]);
	const char *env[] = { env_url, "OPENAI_API_KEY=" KEY, extra_env, NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	return r;
}

/* Appends everything readable from fd to *buf (NUL-terminated), doubling as it goes. */
static void read_all(int fd, char **buf)
{
	size_t len = 0, cap = 0;
	ssize_t n;
	do {
		if (cap - len < 4096 + 1) {
			cap = cap ? 2 * cap : 8192;
			*buf = realloc(*buf, cap);
			assert_non_null(*buf);
		}
		n = read(fd, *buf + len, cap - len - 1);
		len += n > 0 ? (size_t)n : 0;
		(*buf)[len] = '\0';
	} while (n > 0);
	close(fd);
}

/*
 * Runs tfy-batches with OPENAI_BASE_URL=url and args, standard descriptor fd
 * closed, or on /dev/null when to_null; what is left of stdout and stderr
 * is captured (read one after the other: at most one may be large).
 */
static tu_run cli_fd_redirected(const char *url, const char *const *args, int fd, int to_null)
{
	const char *argv[40] = { getenv("TFY_BATCHES") };
	size_t argc = 1;
	for (size_t i = 0; args[i] && argc < 39; i++)
		argv[argc++] = args[i];
	assert_non_null(argv[0]);
	int out[2], err[2];
	tu_run r = { 0, NULL, NULL };
	assert_true(pipe(out) == 0 && pipe(err) == 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		close(fd);
		if (to_null && open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) != fd)
			_exit(126);
		setenv("OPENAI_BASE_URL", url, 1);
		setenv("OPENAI_API_KEY", KEY, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	read_all(out[0], &r.out);
	read_all(err[0], &r.err);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r;
}

/* A list page of the given items (a JSON array's inside), has_more as given. */
static char *page_json(const char *items, int has_more)
{
	size_t cap = strlen(items) + 64;
	char *s = malloc(cap);
	assert_non_null(s);
	snprintf(s, cap, "{\"object\":\"list\",\"data\":[%s],\"has_more\":%s}", items,
	         has_more ? "true" : "false");
	return s;
}

/* One batch with the required members only. */
static int batch_json(char *buf, size_t size, const char *id, const char *status)
{
	return snprintf(buf, size,
	                "{\"id\":\"%s\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	                "\"input_file_id\":\"file-1\",\"completion_window\":\"24h\","
	                "\"status\":\"%s\",\"created_at\":1714564800}",
	                id, status);
}

/* Every line of s is shorter than max bytes. */
static void assert_lines_shorter(const char *s, size_t max)
{
	for (const char *eol; (eol = strchr(s, '\n')); s = eol + 1)
		assert_true((size_t)(eol - s) < max);
}

/*
 * One 1 MB id: the table shows it cut at its column's cap with "...", after
 * a whole UTF-8 character, and pads no row to it; json keeps it whole.
 */
static void test_table_caps_huge_id(void **state)
{
	(void)state;
	enum { CHARS = 512 * 1024 };
	char *id = malloc(1 + 2 * CHARS + 1), *p = id;
	assert_non_null(id);
	*p++ = 'b'; /* one byte first: a cut by bytes at an even count would split a 'u-umlaut' */
	for (size_t i = 0; i < CHARS; i++, p += 2)
		memcpy(p, "\xc3\xbc", 2);
	*p = '\0';
	size_t cap = 2 * strlen(id) + 1024;
	char *items = malloc(cap);
	assert_non_null(items);
	int n = batch_json(items, cap, id, id); /* the status too: its column and --summary */
	items[n++] = ',';
	batch_json(items + n, cap - (size_t)n, "batch_small", "failed");
	char *body = page_json(items, 1);
	tu_server c;
	tu_server_canned(&c, 200, "", body);

	tu_run r = cli_canned(&c, (const char *const[]){ "--limit", "2", "--summary", NULL }, NULL);
	assert_int_equal(r.status, 0);
	assert_true(strlen(r.out) < 2048); /* header, 2 rows, footer */
	assert_lines_shorter(r.err, 512);  /* the summary */
	assert_lines_shorter(r.out, 512);
	const char *cut = strstr(r.out, "\xc3\xbc...");
	assert_non_null(cut);
	/* 'b' and 124 whole characters, then the mark: 128 columns */
	assert_int_equal(cut + 2 - strstr(r.out, "b\xc3\xbc"), 1 + 2 * 124);
	assert_non_null(strstr(r.out, "batch_small"));
	assert_non_null(strstr(r.out, "more available"));
	tu_run_free(&r);

	r = cli_canned(&c, (const char *const[]){ "--format", "json", "--limit", "2", NULL }, NULL);
	assert_int_equal(r.status, 0);
	json_error_t jerr;
	json_t *j = json_loads(r.out, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(
				    json_object_get(json_array_get(json_object_get(j, "data"), 0), "id")),
	                    id);
	json_decref(j);
	tu_run_free(&r);

	r = cli_canned(&c, (const char *const[]){ "--format", "csv", "--limit", "2", NULL }, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, id));
	tu_run_free(&r);
	tu_server_stop(&c);
	free(body);
	free(items);
	free(id);
}

/*
 * A page of n batches, every one with the status "s" followed by its index
 * when distinct, else all "completed".
 */
static char *status_page(int n, int distinct)
{
	enum { ITEM = 256 };
	char *items = malloc((size_t)n * ITEM), *p = items;
	assert_non_null(items);
	for (int i = 0; i < n; i++) {
		char id[32], status[32];
		snprintf(id, sizeof(id), "batch_%06d", i);
		snprintf(status, sizeof(status), distinct ? "s%06d" : "completed", i);
		p += batch_json(p, ITEM, id, status);
		*p++ = i + 1 < n ? ',' : '\0';
	}
	char *body = page_json(items, 0);
	free(items);
	return body;
}

/* Seconds tfy-batches --summary takes over a page (ndjson to /dev/null); its stderr in *r. */
static double time_summary(const char *body, tu_run *r)
{
	tu_server c;
	tu_server_canned(&c, 200, "", body);
	double t0 = tu_now_s();
	*r = cli_fd_redirected(c.base, (const char *const[]){ "--format", "ndjson", "--summary", NULL },
	                       STDOUT_FILENO, 1);
	double secs = tu_now_s() - t0;
	tu_server_stop(&c);
	assert_int_equal(r->status, 0);
	return secs;
}

/*
 * --summary with 100,000 distinct statuses (the decoder's most in a page)
 * takes about as long as with one status: counting must not compare each
 * new status with every earlier one.  The bound is relative to the run with
 * one status, so that a slow build or a busy machine slows both.
 */
static void test_summary_many_statuses(void **state)
{
	(void)state;
	enum { N = 100000 };
	char *body = status_page(N, 0);
	tu_run r;
	double same = time_summary(body, &r);
	assert_non_null(strstr(r.err, "summary: 100000 batches (100000 completed), 0 requests\n"));
	tu_run_free(&r);
	free(body);

	/* the ten with the most batches (ties: as they came), then the others counted */
	body = status_page(N, 1);
	double distinct = time_summary(body, &r);
	assert_string_equal(r.err, "summary: 100000 batches (1 s000000, 1 s000001, 1 s000002, "
	                           "1 s000003, 1 s000004, 1 s000005, 1 s000006, 1 s000007, 1 s000008, "
	                           "1 s000009, 99990 others), 0 requests\n");
	tu_run_free(&r);
	free(body);
	print_message("--summary over 100000 batches: one status %.2f s, all distinct %.2f s\n",
	              same, distinct);
	/* a status list searched linearly: 0.44 s and 15.8 s */
	assert_true(distinct < 4 * same + 2.0 * tu_slowdown());
}

/*
 * A closed stdout or stderr would be reused by the first descriptor opened,
 * a socket among them: the run stops before any request.  A closed stdin is
 * no obstacle.
 */
static void test_closed_standard_descriptors(void **state)
{
	fixture *f = *state;
	const char *const limit3[] = { "--limit", "3", NULL };
	long before = tu_gateway_requests(&f->gw);

	tu_run r = cli_fd_redirected(f->url, limit3, STDOUT_FILENO, 0);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "standard output"));
	assert_int_equal(tu_count_lines(r.err), 1);
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->gw), before);

	r = cli_fd_redirected(f->url, limit3, STDERR_FILENO, 0);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->gw), before);

	r = cli_fd_redirected(f->url, limit3, STDIN_FILENO, 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "STATUS"));
	assert_string_equal(r.err, "");
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->gw), before + 1);
}

/*
 * No byte that drives a terminal: C0 controls other than the line ends the
 * caller expects, DEL, C1 controls as UTF-8 (U+0080..U+009F) or as raw
 * bytes, and the bidi override U+202E.
 */
static void assert_terminal_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control byte 0x%02x at %zu in: %s", *p,
			         (size_t)(p - (const unsigned char *)s), s);
		if (*p >= 0x80 && *p <= 0x9f && (p == (const unsigned char *)s || p[-1] < 0x80))
			fail_msg("raw C1 byte 0x%02x in: %s", *p, s);
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("C1 control U+00%02X in: %s", p[1], s);
		if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xae)
			fail_msg("bidi override in: %s", s);
	}
}

/* Every line of s starts with one of the prefixes. */
static void assert_lines_start(const char *s, const char *a, const char *b)
{
	for (const char *eol; (eol = strchr(s, '\n')); s = eol + 1)
		if (strncmp(s, a, strlen(a)) != 0 && (!b || strncmp(s, b, strlen(b)) != 0))
			fail_msg("line not starting with %s: %.*s", a, (int)(eol - s), s);
}

#define FORGED "tfy-batches: forged"

/*
 * Text from the server (an error message, a request id, table cells, log
 * lines) reaches the terminal with its control characters escaped, so it can
 * neither retitle the window (OSC), move the cursor nor forge a line.
 */
static void test_server_text_escaped(void **state)
{
	(void)state;
	tu_server c;
	tu_server_canned(&c, 400, "x-request-id: req-1\x1b]0;owned\x07\r" FORGED " id\xe2\x80\xae\r\n",
	                 "{\"error\":{\"message\":\"bad\\r\\n" FORGED
	                 " message\\u001b[2J\\u009b31m\\u202eend\","
	                 "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
	tu_run r = cli_canned(&c, (const char *const[]){ "--limit", "5", NULL }, NULL);
	assert_int_equal(r.status, 4);
	assert_terminal_safe(r.err);
	assert_int_equal(tu_count_lines(r.err), 1);
	assert_lines_start(r.err, "tfy-batches: bad request (HTTP 400)", NULL);
	/* the library may clean these itself; the bidi override is left to the CLI */
	assert_non_null(strstr(r.err, FORGED " message"));
	assert_non_null(strstr(r.err, "\\u202eend"));
	assert_non_null(strstr(r.err, FORGED " id\\u202e)"));
	tu_run_free(&r);

	/* the debug log shows the request id too (and where the key came from) */
	r = cli_canned(&c, (const char *const[]){ "--limit", "5", "--max-retries", "0", NULL },
	               "TFY_LOG=debug");
	assert_int_equal(r.status, 4);
	assert_terminal_safe(r.err);
	assert_true(strncmp(r.err, "tfy-batches info: the API key is from ", 38) == 0);
	assert_lines_start(strchr(r.err, '\n') + 1,
	                   "libtfy debug: ", "tfy-batches: bad request (HTTP 400)");
	assert_int_equal(tu_count_lines(r.err), 3);
	tu_run_free(&r);
	tu_server_stop(&c);

	char item[1024];
	batch_json(item, sizeof(item), "batch_\\u001b]0;owned\\u0007\\r\\nforged",
	           "done\\u009b2J\\u007f\\t");
	char *body = page_json(item, 1);
	tu_server_canned(&c, 200, "x-request-id: req-2\r\n", body);
	r = cli_canned(&c, (const char *const[]){ "--limit", "1", NULL }, NULL);
	assert_int_equal(r.status, 0);
	assert_terminal_safe(r.out);
	assert_int_equal(tu_count_lines(r.out), 3); /* header, row, "more available" */
	assert_non_null(strstr(r.out, "batch_\\x1b]0;owned\\x07\\r\\nforged"));
	assert_non_null(strstr(r.out, "done\\u009b2J\\x7f\\t"));
	tu_run_free(&r);
	tu_server_stop(&c);
	free(body);
}

/* --- subcommands, help, arguments, messages ----------------------------- */

/* Runs tfy-batches with only the given environment entries added to none of the URL and key. */
static tu_run cli_env(const char *const *env, const char *const *args)
{
	const char *argv[40] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	return r;
}

static void test_subcommand_dispatch(void **state)
{
	fixture *f = *state;
	/* no command lists, as "list" does */
	tu_run a = cli(f, (const char *const[]){ "--limit", "3", "--format", "ndjson", NULL });
	tu_run b = cli(f, (const char *const[]){ "list", "--limit", "3", "--format", "ndjson", NULL });
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_int_equal(tu_count_lines(a.out), 3);
	assert_string_equal(a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);

	a = cli(f, (const char *const[]){ "help", "list", NULL });
	b = cli(f, (const char *const[]){ "list", "--help", NULL });
	assert_int_equal(a.status, 0);
	assert_string_equal(a.out, b.out);
	assert_non_null(strstr(a.out, "Usage: tfy-batches list"));
	tu_run_free(&a);
	tu_run_free(&b);

	a = cli(f, (const char *const[]){ "help", NULL });
	b = cli(f, (const char *const[]){ "--help", NULL });
	assert_int_equal(a.status, 0);
	assert_string_equal(a.out, b.out);
	assert_non_null(strstr(a.out, "Commands:\n  list "));
	assert_non_null(strstr(a.out, "\n  help "));
	tu_run_free(&a);
	tu_run_free(&b);

	/* an unknown command names the commands; nothing is sent */
	long before = tu_gateway_requests(&f->gw);
	const char *const *bad[] = {
		(const char *const[]){ "lsit", NULL },
		(const char *const[]){ "help", "lsit", NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		tu_run r = cli(f, bad[i]);
		assert_int_equal(r.status, 2);
		assert_string_equal(r.out, "");
		assert_non_null(strstr(r.err, "unknown command 'lsit'"));
		assert_non_null(strstr(r.err, "Commands: list, get, cancel, create, wait, files, "
		                              "check, results, run, job, webhook, help."));
		tu_run_free(&r);
	}
	assert_int_equal(tu_gateway_requests(&f->gw), before);
}

/* Every help text and usage line fits 80 columns, for every command the help lists. */
static void test_help_fits_80_columns(void **state)
{
	fixture *f = *state;
	tu_run g = cli(f, (const char *const[]){ "help", NULL });
	assert_int_equal(g.status, 0);
	const char *list = strstr(g.out, "Commands:\n");
	assert_non_null(list);
	size_t commands = 0;
	for (const char *p = list + 10; strncmp(p, "  ", 2) == 0 && p[2] != ' ';
	     p = strchr(p, '\n') + 1) {
		/* a name ends at two spaces; "files get" is two words */
		char name[32], *sub;
		snprintf(name, sizeof(name), "%.*s", (int)(strstr(p + 2, "  ") - (p + 2)), p + 2);
		sub = strchr(name, ' ');
		if (sub)
			*sub++ = '\0';
		const char *const *runs[] = {
			(const char *const[]){ name, sub ? sub : "--help", sub ? "--help" : NULL, NULL },
			(const char *const[]){ "help", name, sub, NULL },
			(const char *const[]){ name, sub ? sub : "--no-such-option",
			                       sub ? "--no-such-option" : NULL, NULL },
		};
		for (size_t k = 0; k < 3; k++) {
			tu_run r = cli(f, runs[k]);
			assert_int_equal(r.status, k < 2 ? 0 : 2);
			assert_lines_shorter(r.out, 81);
			assert_lines_shorter(r.err, 81);
			if (k == 0)
				assert_non_null(strstr(r.out, "Usage: tfy-batches "));
			tu_run_free(&r);
		}
		commands++;
	}
	assert_true(commands >= 13);
	assert_lines_shorter(g.out, 81);
	tu_run_free(&g);
}

/* Every bad argument: exit 2, a message on stderr, nothing sent. */
static void test_bad_arguments_exit_2(void **state)
{
	fixture *f = *state;
	const char *const *cases[] = {
		(const char *const[]){ "--limit", "0", NULL },
		(const char *const[]){ "--limit", "101", NULL },
		(const char *const[]){ "--limit", "abc", NULL },
		(const char *const[]){ "--max-items", "5", NULL },
		(const char *const[]){ "--version", "extra", NULL },
		(const char *const[]){ "--help", "extra", NULL },
		(const char *const[]){ "list", "foo", NULL },
		(const char *const[]){ "help", "list", "extra", NULL },
		(const char *const[]){ "help", "--all", NULL },
		(const char *const[]){ "--after", "", NULL },
		(const char *const[]){ "--query", "novalue", NULL },
		(const char *const[]){ "--query", "=x", NULL },
		(const char *const[]){ "--connect-timeout", "0", NULL },
		(const char *const[]){ "--request-timeout", "x", NULL },
		(const char *const[]){ "--all=yes", NULL },
		(const char *const[]){ "-H", "Authorization: Bearer other", NULL },
		(const char *const[]){ "--auth-header", "not a name", NULL },
		(const char *const[]){ "--tfy-metadata", "[1]", NULL },
		(const char *const[]){ "--ca-file", "ca.pem", NULL },
		(const char *const[]){ "--cacert", "", NULL },
		(const char *const[]){ "-k=1", NULL },
		(const char *const[]){ "--insecure=yes", NULL },
		(const char *const[]){ "--proxy-user", "u:p", "--proxy-user-file", "/dev/null", NULL },
		(const char *const[]){ "--proxy-user-file", "/nonexistent/user.txt", NULL },
		(const char *const[]){ "--pass-file", "/dev/null", NULL },
		(const char *const[]){ "--key", "key.pem", NULL },
		(const char *const[]){ "--proxy", "http://u:p@127.0.0.1:1", NULL },
		(const char *const[]){ "--noproxy", "a\001b", NULL },
		(const char *const[]){ "--proxy-user", "nocolon", NULL },
		(const char *const[]){ "help", "--cacert", "x", NULL },
	};
	long before = tu_gateway_requests(&f->gw);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = cli(f, cases[i]);
		if (r.status != 2)
			print_error("case %zu (%s): %d %s\n", i, cases[i][0], r.status, r.err);
		assert_int_equal(r.status, 2);
		assert_true(strncmp(r.err, "tfy-batches: ", 13) == 0);
		assert_string_equal(r.out, "");
		tu_run_free(&r);
	}
	assert_int_equal(tu_gateway_requests(&f->gw), before);
}

/* What the user can get wrong is said with flags and variables, never the C API's names. */
static void assert_no_c_names(const char *err)
{
	const char *const c_names[] = {
		"_option",      "base_url",          "api_key", "auth_header", "metadata_header",
		"query_params", "headers[",          "_ms",     "set the",     "tfy_",
		"tls_client",   "proxy_credentials", "no_proxy"
	};
	for (size_t i = 0; i < sizeof(c_names) / sizeof(c_names[0]); i++)
		if (strstr(err, c_names[i]))
			fail_msg("'%s' in: %s", c_names[i], err);
}

static void test_messages_name_flags(void **state)
{
	fixture *f = *state;
	tu_run r = cli_env(NULL, (const char *const[]){ NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "no base URL: use --base-url, TFY_BASE_URL"));
	assert_no_c_names(r.err);
	tu_run_free(&r);

	r = cli_env(NULL, (const char *const[]){ "--base-url", f->url, NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "no API key: use --api-key, TFY_API_KEY or OPENAI_API_KEY"));
	assert_no_c_names(r.err);
	tu_run_free(&r);

	const char *const *cases[] = {
		(const char *const[]){ "-H", "Authorization: Bearer other", NULL },
		(const char *const[]){ "-H", "bad name: x", NULL },
		(const char *const[]){ "--auth-header", "not a name", NULL },
		(const char *const[]){ "--tfy-metadata", "[1]", NULL },
		(const char *const[]){ "--base-url", "ftp://host/v1", NULL },
		(const char *const[]){ "--api-key", "bad\001key", NULL },
		(const char *const[]){ "--key", "key.pem", NULL },
		(const char *const[]){ "--cert", "", NULL },
		(const char *const[]){ "--pass", "x", NULL },
		(const char *const[]){ "--proxy", "http://u:p@127.0.0.1:1", NULL },
		(const char *const[]){ "--proxy-user", "nocolon", NULL },
		(const char *const[]){ "--noproxy", "a\001b", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cli(f, cases[i]);
		assert_int_equal(r.status, 2);
		assert_no_c_names(r.err);
		assert_null(strstr(r.err, KEY));
		tu_run_free(&r);
	}
	r = cli_env((const char *const[]){ f->env_url, "TFY_API_KEY=" KEY, "TFY_METADATA=[1]", NULL },
	            (const char *const[]){ NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "TFY_METADATA"));
	assert_no_c_names(r.err);
	tu_run_free(&r);
	/* An exported passphrase does not fail a run without a client certificate. */
	r = cli_env((const char *const[]){ f->env_url, "TFY_API_KEY=" KEY, "TFY_KEY_PASSWORD=pw", NULL },
	            (const char *const[]){ "--limit", "1", NULL });
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = cli(f, (const char *const[]){ "--key", "key.pem", NULL });
	assert_non_null(strstr(r.err, "--key and the passphrase (--pass-file, --pass) need --cert"));
	tu_run_free(&r);
}

/* An unknown TFY_LOG is said once, however many requests follow. */
static void test_unknown_tfy_log_said_once(void **state)
{
	fixture *f = *state;
	tu_run r = cli_env((const char *const[]){ f->env_url, "TFY_API_KEY=" KEY, "TFY_LOG=verbose",
	                                          NULL },
	                   (const char *const[]){ "--all", "--limit", "50", "--format", "ndjson",
	                                          NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_count_lines(r.out), 250);
	assert_int_equal(tu_count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "TFY_LOG"));
	assert_non_null(strstr(r.err, "'verbose'"));
	tu_run_free(&r);
}

/* Azure OpenAI: the key in api-key, api-version as a query parameter; flag or variable. */
static void test_azure_auth_header_and_query(void **state)
{
	fixture *f = *state;
	char azure[200];
	snprintf(azure, sizeof(azure), "%s/openai", f->gw.base);
	const char *const *runs[] = {
		(const char *const[]){ "--base-url", azure, "--auth-header", "api-key", "--query",
		                       "api-version=2024-10-21", "--limit", "2", NULL },
		(const char *const[]){ "list", "--base-url", azure, "--query",
		                       "api-version=2024-10-21", "--limit", "2", NULL },
	};
	for (size_t k = 0; k < 2; k++) {
		tu_run r = cli_env((const char *const[]){ "TFY_API_KEY=" KEY,
		                                          k ? "TFY_AUTH_HEADER=api-key" : NULL, NULL },
		                   runs[k]);
		assert_int_equal(r.status, 0);
		tu_run_free(&r);
		json_t *j = tu_mock_json(&f->gw, "/_mock/last-request");
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "path")), "/openai/batches");
		assert_string_equal(jstr(json_object_get(j, "query"), "api-version"), "2024-10-21");
		char *headers = json_dumps(json_object_get(j, "headers"), JSON_COMPACT);
		assert_non_null(tu_strcasestr(headers, "[\"api-key\",\"" KEY "\"]"));
		assert_null(tu_strcasestr(headers, "authorization"));
		free(headers);
		json_decref(j);
	}
}

/* The statuses of a refused redirect, a too large body and the documented rest. */
static void test_exit_statuses(void **state)
{
	fixture *f = *state;
	const struct {
		const char *fault;
		int status;
	} cases[] = {
		{ "x-mock-fault: redirect:to=http://127.0.0.1:1/v1", 5 },
		{ "x-mock-fault: huge:mb=40", 6 },
		{ "x-mock-fault: status:code=404", 4 },
		{ "x-mock-fault: status:code=403", 3 },
		{ "x-mock-fault: truncated", 6 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = cli(f, (const char *const[]){ "-H", cases[i].fault, "--max-retries", "0",
		                                         NULL });
		if (r.status != cases[i].status)
			print_error("%s: %d %s\n", cases[i].fault, r.status, r.err);
		assert_int_equal(r.status, cases[i].status);
		assert_int_equal(tu_count_lines(r.err), 1);
		tu_run_free(&r);
	}
}

/* --- a scripted server: one answer per request line ----------------------- */

/* What the routed server answers a request whose line starts with `line`. */
typedef struct route {
	const char *line; /* "GET /v1/files/file-1 ": method, path and the blank after it */
	int status;
	const char *body; /* NULL: `size` bytes of 'x' */
	size_t size;
	atomic_int hits;
} route;

/* The routes of the running routed server (one at a time), ended by a NULL line. */
static route *routes;

/* Answers one request from `routes` (404 when none matches), then lets the client close first. */
static void routed(tu_server *s, int fd)
{
	char head[16384];
	if (!tu_read_whole(fd, head, sizeof(head)))
		return;
	route *r = routes;
	while (r->line && strncmp(head, r->line, strlen(r->line)) != 0)
		r++;
	static const char missing[] = "{\"error\":{\"message\":\"no such route\",\"type\":"
				      "\"invalid_request_error\",\"param\":null,\"code\":null}}";
	const char *body = r->line ? r->body : missing;
	size_t len = body ? strlen(body) : r->size;
	char *xs = NULL;
	if (!body) {
		xs = malloc(len);
		assert_non_null(xs);
		memset(xs, 'x', len);
	}
	if (r->line)
		atomic_fetch_add(&r->hits, 1);
	atomic_fetch_add(&s->requests, 1);
	tu_send_answer(fd, r->line ? r->status : 404, NULL, body ? body : xs, len);
	free(xs);
	shutdown(fd, SHUT_WR);
	tu_pause_ms(fd, 2000); /* the client hangs up once it has the answer */
}

#define FILE_OBJECT(id, bytes, name) \
	"{\"id\":\"" id "\",\"object\":\"file\",\"bytes\":" #bytes ",\"created_at\":1700000000," \
	"\"filename\":\"" name "\",\"purpose\":\"batch\",\"status\":\"processed\"}"

/*
 * A download is bounded by the file's size: the File object says 12 bytes,
 * the content is 256 KiB.  -o, standard output and results all fail
 * (exit 5) and -o leaves nothing behind.
 */
static void test_download_bounded_by_file_size(void **state)
{
	(void)state;
	route table[] = {
		{ "GET /v1/files/file-big/content ", 200, NULL, 256 * 1024, 0 },
		{ "GET /v1/files/file-big ", 200, FILE_OBJECT("file-big", 12, "big.jsonl"), 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	routes = table;
	tu_server c;
	tu_server_start(&c, routed, NULL, 0);
	char dir[] = "/tmp/tfy-cli-bound-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.jsonl", dir);
	const char *const *cases[] = {
		(const char *const[]){ "files", "download", "file-big", "-o", path, "--max-retries",
		                       "0", NULL },
		(const char *const[]){ "files", "download", "file-big", "--max-retries", "0", NULL },
		(const char *const[]){ "results", "file-big", "--max-retries", "0", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = cli_canned(&c, cases[i], NULL);
		/* The library stops the body at the file's size: the response was too large. */
		if (r.status != 6)
			print_error("case %zu: %d %s\n", i, r.status, r.err);
		assert_int_equal(r.status, 6);
		assert_non_null(strstr(r.err, "12"));
		tu_run_free(&r);
	}
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(dir), 0); /* empty: no PATH.XXXXXX.part either */
	assert_true(atomic_load(&table[0].hits) >= 3);
	tu_server_stop(&c);
}

/*
 * run, when the server gives the new batch an id no request can name: the
 * job fails saying so (exit 6, the server's doing, not a usage error),
 * terminal-safe, with the command that resumes, and never creates a
 * second batch.  create, when its outcome is unknown (500,
 * and the listing that looks for the batch too), says how to find it.
 */
static void test_run_batch_id_unusable(void **state)
{
	(void)state;
	const char line[] = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
			    "\"body\":{\"model\":\"m\",\"messages\":[]}}\n";
	char *input = tu_write_temp(line, sizeof(line) - 1);
	char dir[] = "/tmp/tfy-cli-unusable-XXXXXX";
	assert_non_null(mkdtemp(dir));
	route table[] = {
		{ "POST /v1/files ", 200, FILE_OBJECT("file-in", 90, "in.jsonl"), 0, 0 },
		{ "POST /v1/batches ", 200,
		  "{\"id\":\"batch_\\u0001evil\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
		  "\"input_file_id\":\"file-in\",\"completion_window\":\"24h\",\"status\":\"validating\","
		  "\"created_at\":1700000000}",
		  0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	routes = table;
	tu_server c;
	tu_server_start(&c, routed, NULL, 0);
	tu_run r = cli_canned(&c,
	                      (const char *const[]){ "run", input, "--endpoint",
	                                             "/v1/chat/completions", "-o", dir, NULL },
	                      NULL);
	if (r.status != 6)
		print_error("%d %s\n", r.status, r.err);
	assert_int_equal(r.status, 6);
	assert_int_equal(atomic_load(&table[1].hits), 1);
	assert_terminal_safe(r.err);
	assert_non_null(strstr(r.err, "resume with: tfy-batches run "));
	tu_run_free(&r);
	tu_server_stop(&c);
	tu_remove_tree(dir);

	/* create answered 500, and the listing that looks for the batch too */
	route unknown[] = {
		{ "POST /v1/files ", 200, FILE_OBJECT("file-in", 90, "in.jsonl"), 0, 0 },
		{ "POST /v1/batches ", 500, "{}", 0, 0 },
		{ "GET /v1/batches", 500, "{}", 0, 0 },
		{ NULL, 0, NULL, 0, 0 },
	};
	routes = unknown;
	tu_server_start(&c, routed, NULL, 0);
	const char *const *cases[] = {
		(const char *const[]){ "create", "--input-file-id", "file-in", "--endpoint",
		                       "/v1/chat/completions", "--max-retries", "0", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cli_canned(&c, cases[i], NULL);
		if (r.status != 7)
			print_error("case %zu: %d %s\n", i, r.status, r.err);
		assert_int_equal(r.status, 7);
		assert_non_null(strstr(r.err, "tfy-batches list\n"));
		tu_run_free(&r);
	}
	tu_server_stop(&c);
	unlink(input);
	free(input);
}

/*
 * files delete answered "deleted": false: the server declined, exit 14 with
 * a message that says so (not 6, "could not be decoded").  Skipped with a
 * library that still calls the answer a decode error.
 */
static void test_delete_declined(void **state)
{
	(void)state;
	tu_server c;
	tu_server_canned(&c, 200, "x-request-id: req-declined\r\n",
	                 "{\"id\":\"file-kept\",\"object\":\"file\",\"deleted\":false}");
	tfy_client *client = tu_client_url(c.base, KEY, NULL);
	assert_non_null(client);
	tfy_code code = tfy_files_delete(client, "file-kept", NULL, NULL);
	tfy_client_free(client);
	if (code != TFY_ERROR_DECLINED) {
		tu_server_stop(&c);
		print_message("libtfy answers %d, not TFY_ERROR_DECLINED, to \"deleted\": false\n",
		              code);
		skip();
	}
	tu_run r = cli_canned(&c, (const char *const[]){ "files", "delete", "file-kept", NULL }, NULL);
	assert_int_equal(r.status, 14);
	assert_string_equal(r.out, "");
	assert_int_equal(tu_count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "declined to delete the file file-kept"));
	assert_non_null(strstr(r.err, "req-declined"));
	tu_run_free(&r);
	tu_server_stop(&c);
}

/* --- ids for scripts, provider statuses, the key, group help ------------ */

/*
 * -q prints the ids alone, one per line: no header, no footer though more
 * pages are available; the --status filter and --all apply as ever.
 */
static void test_quiet_prints_ids(void **state)
{
	fixture *f = *state;
	tu_run j = cli(f, (const char *const[]){ "--limit", "5", "--format", "ndjson", NULL });
	assert_int_equal(j.status, 0);
	json_t *all = ndjson_array(j.out);
	tu_run_free(&j);
	char want[1024] = "";
	size_t i;
	json_t *b;
	json_array_foreach(all, i, b) {
		strcat(want, jstr(b, "id"));
		strcat(want, "\n");
	}
	json_decref(all);
	const char *const *spellings[] = {
		(const char *const[]){ "--limit", "5", "-q", NULL },
		(const char *const[]){ "list", "--limit", "5", "--quiet", NULL },
	};
	for (size_t k = 0; k < 2; k++) {
		tu_run r = cli(f, spellings[k]);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.out, want);
		assert_string_equal(r.err, "");
		tu_run_free(&r);
	}

	j = cli(f, (const char *const[]){ "--all", "--limit", "100", "--format", "ndjson",
	                                  "--status", "failed", NULL });
	tu_run r = cli(f, (const char *const[]){ "--all", "--limit", "100", "-q", "--status",
	                                         "failed", "--summary", NULL });
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_count_lines(r.out), tu_count_lines(j.out));
	assert_true(tu_count_lines(r.out) > 0);
	assert_non_null(strstr(r.err, "summary: "));
	assert_null(strstr(r.out, "summary"));
	tu_run_free(&r);
	tu_run_free(&j);
}

/* Statuses as Bedrock and Vertex send them, and one no one knows. */
static char *provider_status_page(void)
{
	static const char *const statuses[] = { "InProgress",          "JOB_STATE_RUNNING",
		                                "PartiallyCompleted",  "Stopping",
		                                "JOB_STATE_SUCCEEDED", "odd_state" };
	char items[4096], *p = items;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		char id[32];
		snprintf(id, sizeof(id), "batch_p%zu", i);
		p += batch_json(p, (size_t)(items + sizeof(items) - p), id, statuses[i]);
		*p++ = i + 1 < sizeof(statuses) / sizeof(statuses[0]) ? ',' : '\0';
	}
	return page_json(items, 0);
}

/*
 * The table's STATUS is the library's normalised status (a status it does
 * not know as sent); ndjson and csv keep the server's text.  --status
 * matches either; --summary counts what the table shows.
 */
static void test_table_status_normalised(void **state)
{
	(void)state;
	char *body = provider_status_page();
	tu_server c;
	tu_server_canned(&c, 200, "", body);
	tu_run r = cli_canned(&c, (const char *const[]){ NULL }, NULL);
	assert_int_equal(r.status, 0);
	static const char *const rows[] = {
		"batch_p0  in_progress ",         "batch_p1  in_progress ",
		"batch_p2  partially_completed ", "batch_p3  cancelling ",
		"batch_p4  completed ",           "batch_p5  odd_state "
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strstr(r.out, rows[i]))
			fail_msg("no '%s' in:\n%s", rows[i], r.out);
	assert_null(strstr(r.out, "InProgress"));
	tu_run_free(&r);

	r = cli_canned(&c, (const char *const[]){ "--format", "ndjson", NULL }, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"status\":\"InProgress\""));
	assert_non_null(strstr(r.out, "\"status\":\"JOB_STATE_RUNNING\""));
	tu_run_free(&r);
	r = cli_canned(&c, (const char *const[]){ "--format", "csv", NULL }, NULL);
	assert_non_null(strstr(r.out, ",PartiallyCompleted,"));
	tu_run_free(&r);

	r = cli_canned(&c,
	               (const char *const[]){ "-q", "--status", "in_progress", "--status",
	                                      "Stopping", "--summary", NULL },
	               NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "batch_p0\nbatch_p1\nbatch_p3\n");
	assert_string_equal(r.err, "summary: 3 batches (2 in_progress, 1 cancelling), 0 requests\n");
	tu_run_free(&r);
	tu_server_stop(&c);
	free(body);
}

/*
 * --summary names the ten statuses with the most batches, most first, and
 * counts the batches of the others together.
 */
static void test_summary_top_ten(void **state)
{
	(void)state;
	enum { STATUSES = 12 };
	char *items = malloc(100 * 256), *p = items;
	assert_non_null(items);
	size_t n = 0;
	/* status sK appears K + 1 times: s0 once ... s11 twelve times (78 batches) */
	for (int k = 0; k < STATUSES; k++) {
		for (int j = 0; j <= k; j++, n++) {
			char id[32], status[8];
			snprintf(id, sizeof(id), "batch_%02d_%02d", k, j);
			snprintf(status, sizeof(status), "s%d", k);
			if (n > 0)
				*p++ = ',';
			p += batch_json(p, 256, id, status);
		}
	}
	*p = '\0';
	char *body = page_json(items, 0);
	tu_server c;
	tu_server_canned(&c, 200, "", body);
	tu_run r = cli_canned(&c, (const char *const[]){ "--summary", "-q", NULL }, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "summary: 78 batches (12 s11, 11 s10, 10 s9, 9 s8, 8 s7, 7 s6, "
	                           "6 s5, 5 s4, 4 s3, 3 s2, 3 others), 0 requests\n");
	tu_run_free(&r);
	tu_server_stop(&c);
	free(body);
	free(items);
}

/*
 * With --base-url and no TFY_API_KEY the key is OPENAI_API_KEY (as OpenAI's
 * SDKs have it); TFY_LOG=info says which variable gave it, never the key.
 * Without --base-url a key is still taken only with its own URL.
 */
static void test_openai_key_with_base_url(void **state)
{
	fixture *f = *state;
	char base[200];
	snprintf(base, sizeof(base), "--base-url=%s", f->url);
	const char *const args[] = { base, "--limit", "1", "-q", NULL };
	tu_run r = cli_env((const char *const[]){ "OPENAI_API_KEY=" KEY, "TFY_LOG=info", NULL }, args);
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_count_lines(r.out), 1);
	assert_non_null(strstr(r.err, "tfy-batches info: the API key is from OPENAI_API_KEY\n"));
	assert_null(strstr(r.err, KEY));
	tu_run_free(&r);
	/* an empty TFY_API_KEY counts as unset */
	r = cli_env((const char *const[]){ "TFY_API_KEY=", "OPENAI_API_KEY=" KEY, "TFY_LOG=info", NULL },
	            args);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "from OPENAI_API_KEY\n"));
	tu_run_free(&r);
	/* TFY_API_KEY first */
	r = cli_env((const char *const[]){ "TFY_API_KEY=" KEY, "OPENAI_API_KEY=" WRONG_KEY,
	                                   "TFY_LOG=info", NULL },
	            args);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "the API key is from TFY_API_KEY\n"));
	assert_null(strstr(r.err, WRONG_KEY));
	tu_run_free(&r);
	/* at the default level nothing is said */
	r = cli_env((const char *const[]){ "OPENAI_API_KEY=" KEY, NULL }, args);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	tu_run_free(&r);
	/* TFY_BASE_URL's key is TFY_API_KEY only */
	r = cli_env((const char *const[]){ f->env_url, "OPENAI_API_KEY=" KEY, NULL },
	            (const char *const[]){ "--limit", "1", NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "no API key"));
	tu_run_free(&r);
}

/* "help files", "files --help" and "files -h": the group's commands, exit 0. */
static void test_help_of_a_group(void **state)
{
	fixture *f = *state;
	tu_run a = cli(f, (const char *const[]){ "help", "files", NULL });
	assert_int_equal(a.status, 0);
	assert_string_equal(a.err, "");
	assert_true(strncmp(a.out, "Usage: tfy-batches files COMMAND [OPTION]...\n", 45) == 0);
	static const char *const subs[] = { "\n  files upload ", "\n  files get ",
		                            "\n  files download ", "\n  files delete " };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		assert_non_null(strstr(a.out, subs[i]));
	assert_lines_shorter(a.out, 81);
	const char *const *same[] = {
		(const char *const[]){ "files", "--help", NULL },
		(const char *const[]){ "files", "-h", NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		tu_run b = cli(f, same[i]);
		assert_int_equal(b.status, 0);
		assert_string_equal(b.out, a.out);
		tu_run_free(&b);
	}
	tu_run_free(&a);
	/* a command of the group still has its own help; a wrong one is still wrong */
	a = cli(f, (const char *const[]){ "files", "get", "--help", NULL });
	assert_int_equal(a.status, 0);
	assert_non_null(strstr(a.out, "Usage: tfy-batches files get ID"));
	tu_run_free(&a);
	a = cli(f, (const char *const[]){ "files", "nope", "--help", NULL });
	assert_int_equal(a.status, 2);
	tu_run_free(&a);
	a = cli(f, (const char *const[]){ "help", "nope", NULL });
	assert_int_equal(a.status, 2);
	tu_run_free(&a);
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
		cmocka_unit_test(test_routing_from_environment),
		cmocka_unit_test(test_failure_exit_codes_without_key),
		cmocka_unit_test(test_resilience_flags_and_exit_codes),
		cmocka_unit_test(test_flags_override_environment),
		cmocka_unit_test(test_csv_parses_back),
		cmocka_unit_test(test_status_filter),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_version_content),
		cmocka_unit_test(test_table_plain_when_not_a_terminal),
		cmocka_unit_test(test_table_caps_huge_id),
		cmocka_unit_test(test_summary_many_statuses),
		cmocka_unit_test(test_closed_standard_descriptors),
		cmocka_unit_test(test_server_text_escaped),
		cmocka_unit_test(test_subcommand_dispatch),
		cmocka_unit_test(test_help_fits_80_columns),
		cmocka_unit_test(test_bad_arguments_exit_2),
		cmocka_unit_test(test_messages_name_flags),
		cmocka_unit_test(test_unknown_tfy_log_said_once),
		cmocka_unit_test(test_azure_auth_header_and_query),
		cmocka_unit_test(test_exit_statuses),
		cmocka_unit_test(test_download_bounded_by_file_size),
		cmocka_unit_test(test_run_batch_id_unusable),
		cmocka_unit_test(test_delete_declined),
		cmocka_unit_test(test_quiet_prints_ids),
		cmocka_unit_test(test_table_status_normalised),
		cmocka_unit_test(test_summary_top_ten),
		cmocka_unit_test(test_openai_key_with_base_url),
		cmocka_unit_test(test_help_of_a_group),
	};
	return cmocka_run_group_tests_name("cli", tests, setup, tu_gateway_teardown);
}
