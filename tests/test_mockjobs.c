/*
 * tfy-mock-gateway's batch jobs, on the wire with libcurl: files (upload,
 * retrieve, content, delete, the listing), batches run by the clock to
 * completed (with their model and usage),
 * failed, cancelled and expired, the bucket headers of Bedrock and Vertex,
 * the route-selected faults, the size cap and the removal of the files'
 * directory on SIGTERM.  Each gateway runs on loopback with its TMPDIR in a
 * directory made here, so the test can see what it leaves on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "mockcall.h"
#include "testutil.h"

#define AUTH "Authorization: Bearer tfy-local-key"
#define PACE "0.5" /* --batch-seconds: a job completes in 0.75 s */
#define ENDPOINT "/v1/chat/completions"

typedef struct jobs {
	tu_gateway gw;
	char tmp[64]; /* the gateway's TMPDIR */
} jobs;

/* One request: `json` is a JSON body (POST), `file` a path to upload as
 * multipart with `purpose`; headers NULL-terminated, AUTH always added. */
typedef struct call {
	const char *method;
	const char *path;
	const char *json;
	const char *file;
	const char *purpose;
	const char *const *headers;
} call;

static tu_reply perform(const tu_gateway *gw, const call *c)
{
	char url[1024];
	struct curl_slist *list = curl_slist_append(NULL, AUTH);
	curl_mime *mime = NULL;
	CURL *curl = curl_easy_init();
	assert_non_null(curl);
	snprintf(url, sizeof(url), "%s%s", gw->base, c->path);
	for (size_t i = 0; c->headers && c->headers[i]; i++)
		list = curl_slist_append(list, c->headers[i]);
	if (c->json) {
		list = curl_slist_append(list, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, c->json);
	}
	if (c->file) {
		mime = curl_mime_init(curl);
		curl_mimepart *part = curl_mime_addpart(mime);
		curl_mime_name(part, "purpose");
		curl_mime_data(part, c->purpose ? c->purpose : "batch", CURL_ZERO_TERMINATED);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "file");
		curl_mime_filedata(part, c->file);
		curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
	}
	if (c->method)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, c->method);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	tu_reply r = tu_curl_perform(curl, list);
	curl_mime_free(mime);
	return r;
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Entries in dir (recursively one level: the gateway's own directory). */
static int files_under(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		DIR *inner = opendir(sub);
		if (!inner) {
			n++;
			continue;
		}
		closedir(inner);
		n += files_under(sub);
	}
	if (d)
		closedir(d);
	return n;
}

static int dirs_under(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static int start(jobs *j, const char *const *extra)
{
	const char *args[24] = { "--batch-seconds", PACE,         "--provider",
		                 "aws=bedrock",     "--provider", "gcp=vertex" };
	size_t n = 6;
	for (size_t i = 0; extra && extra[i] && n < 23; i++)
		args[n++] = extra[i];
	snprintf(j->tmp, sizeof(j->tmp), "/tmp/tfy-mockjobs-XXXXXX");
	if (!mkdtemp(j->tmp))
		return -1;
	setenv("TMPDIR", j->tmp, 1);
	int rc = tu_gateway_start(&j->gw, args);
	unsetenv("TMPDIR");
	return rc;
}

static int stop(jobs *j)
{
	int rc = tu_gateway_stop(&j->gw);
	int left = dirs_under(j->tmp);
	rmdir(j->tmp);
	return rc == 0 && left == 0 ? 0 : -1;
}

static int setup(void **state)
{
	jobs *j = calloc(1, sizeof(*j));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!j || start(j, NULL) < 0)
		return -1;
	*state = j;
	return 0;
}

static int teardown(void **state)
{
	jobs *j = *state;
	int rc = stop(j);
	free(j);
	curl_global_cleanup();
	return rc;
}

/* Uploads `text`; returns the new file's id (malloc'd). */
static char *upload(const tu_gateway *gw, const char *text)
{
	char *path = tu_write_temp(text, strlen(text));
	call c = { NULL, "/v1/files", NULL, path, "batch", NULL };
	tu_reply r = perform(gw, &c);
	unlink(path);
	free(path);
	assert_int_equal(r.status, 200);
	char *id = strdup(tu_json_str(r.json, "id"));
	tu_reply_free(&r);
	return id;
}

/* POST /v1/batches for file_id, `more` members appended to the body (may be
 * NULL), with the request headers (NULL-terminated, may be NULL). */
static tu_reply create_with(const tu_gateway *gw, const char *file_id, const char *more,
                            const char *const *headers)
{
	char body[1024];
	snprintf(body, sizeof(body),
	         "{\"input_file_id\":\"%s\",\"endpoint\":\"" ENDPOINT
	         "\",\"completion_window\":\"24h\"%s}",
	         file_id, more ? more : "");
	call c = { NULL, "/v1/batches", body, NULL, NULL, headers };
	return perform(gw, &c);
}

static tu_reply create(const tu_gateway *gw, const char *file_id, const char *more)
{
	return create_with(gw, file_id, more, NULL);
}

static tu_reply get(const tu_gateway *gw, const char *path)
{
	call c = { NULL, path, NULL, NULL, NULL, NULL };
	return perform(gw, &c);
}

/* Polls the batch until it reaches `status`, within a generous bound. */
static json_t *wait_for(const tu_gateway *gw, const char *id, const char *status)
{
	char path[256];
	snprintf(path, sizeof(path), "/v1/batches/%s", id);
	double deadline = tu_now_s() + 20 * tu_slowdown();
	for (;;) {
		tu_reply r = get(gw, path);
		assert_int_equal(r.status, 200);
		if (strcmp(tu_json_str(r.json, "status"), status) == 0) {
			json_t *batch = json_incref(r.json);
			tu_reply_free(&r);
			return batch;
		}
		tu_reply_free(&r);
		assert_true(tu_now_s() < deadline);
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
}

/* A batch has one model (the input check refuses a second). */
#define GOOD_LINE(id) \
	"{\"custom_id\":\"" id "\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\"," \
	"\"body\":{\"model\":\"m-1\",\"messages\":[]}}\n"
static const char good_input[] = GOOD_LINE("one") GOOD_LINE("fail-two") GOOD_LINE("three");

/* ---- files ------------------------------------------------------------- */

static void test_file_round_trip(void **state)
{
	jobs *j = *state;
	/* Every byte value, so the content must come back byte-identical. */
	char data[4096];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	char *path = tu_write_temp(data, sizeof(data));
	call up = { NULL, "/api/llm/files", NULL, path, "batch", NULL };
	tu_reply r = perform(&j->gw, &up);
	assert_int_equal(r.status, 200);
	assert_string_equal(tu_json_str(r.json, "object"), "file");
	assert_string_equal(tu_json_str(r.json, "purpose"), "batch");
	assert_string_equal(tu_json_str(r.json, "status"), "processed");
	assert_int_equal(num(r.json, "bytes"), sizeof(data));
	assert_true(json_is_null(json_object_get(r.json, "expires_at")));
	assert_string_equal(tu_json_str(r.json, "filename"), strrchr(path, '/') + 1);
	char id[128], p[256];
	snprintf(id, sizeof(id), "%s", tu_json_str(r.json, "id"));
	tu_reply_free(&r);

	snprintf(p, sizeof(p), "/v1/files/%s", id);
	r = get(&j->gw, p);
	assert_int_equal(r.status, 200);
	assert_string_equal(tu_json_str(r.json, "id"), id);
	tu_reply_free(&r);
	snprintf(p, sizeof(p), "/files/%s/content", id);
	r = get(&j->gw, p);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, sizeof(data));
	assert_memory_equal(r.body, data, sizeof(data));
	tu_reply_free(&r);

	snprintf(p, sizeof(p), "/v1/files/%s", id);
	call del = { "DELETE", p, NULL, NULL, NULL, NULL };
	r = perform(&j->gw, &del);
	assert_int_equal(r.status, 200);
	assert_string_equal(tu_json_str(r.json, "id"), id);
	assert_true(json_is_true(json_object_get(r.json, "deleted")));
	tu_reply_free(&r);
	r = get(&j->gw, p);
	assert_int_equal(r.status, 404);
	assert_non_null(json_object_get(json_object_get(r.json, "error"), "message"));
	tu_reply_free(&r);

	/* Only purpose "batch", in OpenAI's envelope. */
	call wrong = { NULL, "/v1/files", NULL, path, "fine-tune", NULL };
	r = perform(&j->gw, &wrong);
	assert_int_equal(r.status, 400);
	assert_string_equal(tu_json_str(json_object_get(r.json, "error"), "param"), "purpose");
	tu_reply_free(&r);
	unlink(path);
	free(path);
}

/* ---- the listing of files ---------------------------------------------- */

/* The ids of a listing's data, joined by ' ' (a file id is "file-mock" + 16 hex digits). */
static void ids_of(json_t *page, char *out, size_t cap)
{
	json_t *data = json_object_get(page, "data");
	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(data); i++) {
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", i ? " " : "",
		         tu_json_str(json_array_get(data, i), "id"));
	}
}

/* A 400 naming param with code, as OpenAI words a bad query value. */
static void expect_bad_query(const tu_gateway *gw, const char *path, const char *param,
                             const char *code, const char *message)
{
	tu_reply r = get(gw, path);
	assert_int_equal(r.status, 400);
	json_t *e = json_object_get(r.json, "error");
	assert_string_equal(tu_json_str(e, "param"), param);
	assert_string_equal(tu_json_str(e, "code"), code);
	assert_string_equal(tu_json_str(e, "type"), "invalid_request_error");
	if (!strstr(tu_json_str(e, "message"), message))
		fail_msg("%s: %s", path, tu_json_str(e, "message"));
	tu_reply_free(&r);
}

/* A gateway of its own, stopped even when the test fails. */
static int own_setup(void **state)
{
	jobs *j = calloc(1, sizeof(*j));
	if (!j || start(j, NULL) < 0) {
		free(j);
		return -1;
	}
	*state = j;
	return 0;
}

static int own_teardown(void **state)
{
	jobs *j = *state;
	int rc = stop(j);
	free(j);
	return rc;
}

static void test_file_listing(void **state)
{
	jobs j = **(jobs **)state;
	tu_reply r = get(&j.gw, "/v1/files");
	assert_int_equal(r.status, 200);
	assert_string_equal(tu_json_str(r.json, "object"), "list");
	assert_int_equal(json_array_size(json_object_get(r.json, "data")), 0);
	assert_true(json_is_null(json_object_get(r.json, "first_id")));
	assert_true(json_is_null(json_object_get(r.json, "last_id")));
	assert_true(json_is_false(json_object_get(r.json, "has_more")));
	tu_reply_free(&r);
	char *id[4], want[256], got[256], p[256];
	for (int i = 0; i < 4; i++)
		id[i] = upload(&j.gw, good_input);

	/* Newest first by default, on every base; oldest first with order=asc. */
	r = get(&j.gw, "/api/llm/files");
	ids_of(r.json, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s %s %s", id[3], id[2], id[1], id[0]);
	assert_string_equal(got, want);
	assert_string_equal(tu_json_str(r.json, "first_id"), id[3]);
	assert_string_equal(tu_json_str(r.json, "last_id"), id[0]);
	tu_reply_free(&r);
	r = get(&j.gw, "/v1/files?order=asc&limit=2");
	ids_of(r.json, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s", id[0], id[1]);
	assert_string_equal(got, want);
	assert_true(json_is_true(json_object_get(r.json, "has_more")));
	tu_reply_free(&r);
	snprintf(p, sizeof(p), "/v1/files?order=asc&limit=2&after=%s", id[1]);
	r = get(&j.gw, p);
	ids_of(r.json, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s", id[2], id[3]);
	assert_string_equal(got, want);
	assert_true(json_is_false(json_object_get(r.json, "has_more")));
	tu_reply_free(&r);

	/* A deleted file leaves the listing; the others keep their order. */
	snprintf(p, sizeof(p), "/v1/files/%s", id[1]);
	call del = { "DELETE", p, NULL, NULL, NULL, NULL };
	r = perform(&j.gw, &del);
	assert_int_equal(r.status, 200);
	tu_reply_free(&r);
	snprintf(p, sizeof(p), "/v1/files?after=%s", id[3]);
	r = get(&j.gw, p);
	ids_of(r.json, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s", id[2], id[0]);
	assert_string_equal(got, want);
	tu_reply_free(&r);

	/* purpose filters: a job's output files are batch_output. */
	r = create(&j.gw, id[0], NULL);
	json_t *done = wait_for(&j.gw, tu_json_str(r.json, "id"), "completed");
	tu_reply_free(&r);
	r = get(&j.gw, "/v1/files?purpose=batch_output");
	ids_of(r.json, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s", tu_json_str(done, "error_file_id"),
	         tu_json_str(done, "output_file_id"));
	assert_string_equal(got, want);
	tu_reply_free(&r);
	r = get(&j.gw, "/v1/files?purpose=batch&limit=1");
	ids_of(r.json, got, sizeof(got));
	assert_string_equal(got, id[3]);
	assert_true(json_is_true(json_object_get(r.json, "has_more")));
	tu_reply_free(&r);
	json_decref(done);

	/* Bad values: 400 in OpenAI's words. */
	expect_bad_query(&j.gw, "/v1/files?limit=0", "limit", "integer_below_min_value", ">= 1");
	expect_bad_query(&j.gw, "/v1/files?limit=10001", "limit", "integer_above_max_value",
	                 "<= 10000, but got 10001");
	expect_bad_query(&j.gw, "/v1/files?limit=ten", "limit", "invalid_type", "'ten'");
	expect_bad_query(&j.gw, "/v1/files?order=up", "order", "invalid_value",
	                 "Invalid value: 'up'. Supported values are: 'asc' and 'desc'.");
	snprintf(p, sizeof(p), "/v1/files?after=%s", id[1]);
	expect_bad_query(&j.gw, p, "after", "invalid_value", "no file with id");
	/* The page faults, on this route when asked. */
	const char *const fault[] = { "x-mock-fault: ignore-after:route=files", NULL };
	snprintf(p, sizeof(p), "/v1/files?after=%s&limit=1&purpose=batch", id[3]);
	call ignored = { NULL, p, NULL, NULL, NULL, fault };
	r = perform(&j.gw, &ignored);
	ids_of(r.json, got, sizeof(got));
	assert_string_equal(got, id[3]);
	tu_reply_free(&r);
	/* Other methods on the collection: 405 with Allow. */
	call put = { "PUT", "/v1/files", NULL, NULL, NULL, NULL };
	r = perform(&j.gw, &put);
	assert_int_equal(r.status, 405);
	tu_reply_free(&r);
	for (int i = 0; i < 4; i++)
		free(id[i]);
}

/* ---- batches ----------------------------------------------------------- */

static void check_line(json_t *line, const char *custom_id, long status, const char *model)
{
	assert_string_equal(tu_json_str(line, "custom_id"), custom_id);
	assert_true(strncmp(tu_json_str(line, "id"), "batch_req_", 10) == 0);
	json_t *response = json_object_get(line, "response");
	assert_int_equal(num(response, "status_code"), status);
	assert_true(strncmp(tu_json_str(response, "request_id"), "req_", 4) == 0);
	json_t *body = json_object_get(response, "body");
	if (!model) {
		assert_non_null(json_object_get(body, "error"));
		return;
	}
	assert_string_equal(tu_json_str(body, "model"), model);
	/* Usage as chat completions carry it, by the documented formula. */
	tu_usage want = { 0, 0, 0, 0, 0 };
	tu_mock_usage_add(&want, custom_id);
	json_t *usage = json_object_get(body, "usage");
	assert_int_equal(num(usage, "prompt_tokens"), want.prompt);
	assert_int_equal(num(usage, "completion_tokens"), want.completion);
	assert_int_equal(num(usage, "total_tokens"), want.total);
	assert_int_equal(num(json_object_get(usage, "prompt_tokens_details"), "cached_tokens"),
	                 want.cached);
	assert_int_equal(num(json_object_get(usage, "completion_tokens_details"), "reasoning_tokens"),
	                 want.reasoning);
}

/* The lines of file `id`, as a JSON array. */
static json_t *lines_of(const tu_gateway *gw, const char *id)
{
	char p[256];
	snprintf(p, sizeof(p), "/v1/files/%s/content", id);
	tu_reply r = get(gw, p);
	assert_int_equal(r.status, 200);
	json_t *lines = json_array();
	for (char *s = r.body, *nl; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
		*nl = '\0';
		json_t *line = json_loads(s, 0, NULL);
		assert_non_null(line);
		json_array_append_new(lines, line);
	}
	tu_reply_free(&r);
	return lines;
}

/* A batch's usage as OpenAI's carries it: the answers' tokens summed. */
static void assert_usage(json_t *usage, const tu_usage *want)
{
	assert_int_equal(num(usage, "input_tokens"), want->prompt);
	assert_int_equal(num(json_object_get(usage, "input_tokens_details"), "cached_tokens"),
	                 want->cached);
	assert_int_equal(num(usage, "output_tokens"), want->completion);
	assert_int_equal(num(json_object_get(usage, "output_tokens_details"), "reasoning_tokens"),
	                 want->reasoning);
	assert_int_equal(num(usage, "total_tokens"), want->total);
}

/* The usage the mock gives the answers to these custom_ids (NULL-terminated). */
static tu_usage usage_of(const char *const *ids)
{
	tu_usage u = { 0, 0, 0, 0, 0 };
	for (size_t i = 0; ids[i]; i++)
		tu_mock_usage_add(&u, ids[i]);
	return u;
}

static void test_job_completes(void **state)
{
	jobs *j = *state;
	long before = tu_mock_stat(&j->gw, "batches_created");
	char *file = upload(&j->gw, good_input);
	tu_reply r = create(&j->gw, file, ",\"metadata\":{\"team\":\"a\"}");
	assert_int_equal(r.status, 200);
	assert_string_equal(tu_json_str(r.json, "status"), "validating");
	assert_string_equal(tu_json_str(r.json, "input_file_id"), file);
	assert_string_equal(tu_json_str(json_object_get(r.json, "metadata"), "team"), "a");
	/* The first request's model; no tokens before the output is written. */
	assert_string_equal(tu_json_str(r.json, "model"), "m-1");
	const tu_usage none = { 0, 0, 0, 0, 0 };
	assert_usage(json_object_get(r.json, "usage"), &none);
	char id[128];
	snprintf(id, sizeof(id), "%s", tu_json_str(r.json, "id"));
	tu_reply_free(&r);
	assert_int_equal(tu_mock_stat(&j->gw, "batches_created"), before + 1);

	json_t *done = wait_for(&j->gw, id, "completed");
	json_t *counts = json_object_get(done, "request_counts");
	assert_int_equal(num(counts, "total"), 3);
	assert_int_equal(num(counts, "completed"), 2);
	assert_int_equal(num(counts, "failed"), 1);
	const char *stamps[] = { "created_at", "in_progress_at", "finalizing_at", "completed_at" };
	for (size_t i = 0; i < 4; i++)
		assert_true(json_is_integer(json_object_get(done, stamps[i])));
	assert_true(json_is_null(json_object_get(done, "failed_at")));
	assert_string_equal(tu_json_str(done, "model"), "m-1");
	/* Summed from the two answers written. */
	tu_usage want = usage_of((const char *const[]){ "one", "three", NULL });
	assert_usage(json_object_get(done, "usage"), &want);

	json_t *out = lines_of(&j->gw, tu_json_str(done, "output_file_id"));
	assert_int_equal(json_array_size(out), 2);
	check_line(json_array_get(out, 0), "one", 200, "m-1");
	check_line(json_array_get(out, 1), "three", 200, "m-1");
	json_t *err = lines_of(&j->gw, tu_json_str(done, "error_file_id"));
	assert_int_equal(json_array_size(err), 1);
	check_line(json_array_get(err, 0), "fail-two", 400, NULL);
	/* Written once: the same files on every later look. */
	json_t *again = wait_for(&j->gw, id, "completed");
	assert_string_equal(tu_json_str(again, "output_file_id"), tu_json_str(done, "output_file_id"));
	json_decref(again);
	char p[256];
	snprintf(p, sizeof(p), "/v1/files/%s", tu_json_str(done, "output_file_id"));
	r = get(&j->gw, p);
	assert_string_equal(tu_json_str(r.json, "purpose"), "batch_output");
	tu_reply_free(&r);

	/* Newest first, in front of the generated set. */
	r = get(&j->gw, "/v1/batches?limit=2");
	assert_int_equal(r.status, 200);
	assert_string_equal(tu_json_str(json_array_get(json_object_get(r.json, "data"), 0), "id"), id);
	assert_true(json_is_true(json_object_get(r.json, "has_more")));
	tu_reply_free(&r);
	json_decref(out);
	json_decref(err);
	json_decref(done);
	free(file);
}

static void test_bad_input_fails(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, GOOD_LINE("a") "not json\n" GOOD_LINE(
					    "a") "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
	                                         "\"body\":{\"model\":\"m-1\",\"messages\":[]}}\n");
	tu_reply r = create(&j->gw, file, NULL);
	assert_int_equal(r.status, 200);
	json_t *failed = wait_for(&j->gw, tu_json_str(r.json, "id"), "failed");
	tu_reply_free(&r);
	assert_true(json_is_integer(json_object_get(failed, "failed_at")));
	json_t *data = json_object_get(json_object_get(failed, "errors"), "data");
	assert_int_equal(json_array_size(data), 3);
	const json_int_t lines[] = { 2, 3, 4 };
	const char *params[] = { NULL, "custom_id", "url" };
	for (size_t i = 0; i < 3; i++) {
		json_t *e = json_array_get(data, i);
		assert_int_equal(num(e, "line"), lines[i]);
		assert_non_null(tu_json_str(e, "code"));
		assert_non_null(tu_json_str(e, "message"));
		if (params[i])
			assert_string_equal(tu_json_str(e, "param"), params[i]);
	}
	json_decref(failed);
	free(file);
}

static void test_create_checks(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	const struct {
		const char *body;
		long status;
		const char *param;
	} cases[] = {
		{ "{\"endpoint\":\"" ENDPOINT "\",\"completion_window\":\"24h\"}", 400, "input_file_id" },
		{ "{\"input_file_id\":\"file-nope\",\"endpoint\":\"" ENDPOINT
		  "\",\"completion_window\":\"24h\"}",
		  404, "input_file_id" },
		{ "{\"input_file_id\":\"F\",\"endpoint\":\"/v1/nope\",\"completion_window\":\"24h\"}",
		  400, "endpoint" },
		{ "{\"input_file_id\":\"F\",\"endpoint\":\"" ENDPOINT "\",\"completion_window\":\"48h\"}",
		  400, "completion_window" },
		{ "{\"input_file_id\":\"F\",\"endpoint\":\"" ENDPOINT "\",\"completion_window\":\"24h\","
		  "\"output_expires_after\":{\"anchor\":\"created_at\",\"seconds\":60}}",
		  400, "output_expires_after.seconds" },
		{ "{\"input_file_id\":\"F\",\"endpoint\":\"" ENDPOINT "\",\"completion_window\":\"24h\","
		  "\"metadata\":{\"k\":1}}",
		  400, "metadata" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[1024], *at;
		snprintf(body, sizeof(body), "%s", cases[i].body);
		if ((at = strstr(body, "\"F\"")) != NULL) {
			char rest[1024];
			snprintf(rest, sizeof(rest), "%s", at + 3);
			snprintf(at, sizeof(body) - (size_t)(at - body), "\"%s\"%s", file, rest);
		}
		call c = { NULL, "/v1/batches", body, NULL, NULL, NULL };
		tu_reply r = perform(&j->gw, &c);
		assert_int_equal(r.status, cases[i].status);
		assert_string_equal(tu_json_str(json_object_get(r.json, "error"), "param"),
		                    cases[i].param);
		tu_reply_free(&r);
	}
	/* 17 metadata pairs are one too many. */
	char more[1024] = ",\"metadata\":{";
	for (int i = 0; i < 17; i++)
		snprintf(more + strlen(more), sizeof(more) - strlen(more), "%s\"k%d\":\"v\"",
		         i ? "," : "", i);
	strcat(more, "}");
	tu_reply r = create(&j->gw, file, more);
	assert_int_equal(r.status, 400);
	assert_string_equal(tu_json_str(json_object_get(r.json, "error"), "param"), "metadata");
	tu_reply_free(&r);
	free(file);
}

static void test_cancel(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	tu_reply r = create(&j->gw, file, NULL);
	char p[256];
	snprintf(p, sizeof(p), "/v1/batches/%s/cancel", tu_json_str(r.json, "id"));
	call c = { "POST", p, NULL, NULL, NULL, NULL };
	tu_reply cancel = perform(&j->gw, &c);
	assert_int_equal(cancel.status, 200);
	assert_string_equal(tu_json_str(cancel.json, "status"), "cancelling");
	assert_true(json_is_integer(json_object_get(cancel.json, "cancelling_at")));
	json_t *done = wait_for(&j->gw, tu_json_str(r.json, "id"), "cancelled");
	assert_true(json_is_integer(json_object_get(done, "cancelled_at")));
	json_decref(done);
	tu_reply_free(&cancel);
	/* A finished batch cannot be cancelled: 400, as OpenAI. */
	cancel = perform(&j->gw, &c);
	assert_int_equal(cancel.status, 400);
	tu_reply_free(&cancel);
	tu_reply_free(&r);
	call unknown = { "POST", "/v1/batches/batch_nope/cancel", NULL, NULL, NULL, NULL };
	cancel = perform(&j->gw, &unknown);
	assert_int_equal(cancel.status, 404);
	tu_reply_free(&cancel);
	free(file);
}

/* The custom_ids of file `id`'s lines joined by ' ' ("" when id is null),
 * each output line checked as an answer of model m-1 (errors as errors). */
static void records_in(const tu_gateway *gw, json_t *id, bool errors, char *out, size_t cap)
{
	out[0] = '\0';
	if (json_is_null(id))
		return;
	json_t *lines = lines_of(gw, json_string_value(id));
	for (size_t i = 0; i < json_array_size(lines); i++) {
		json_t *line = json_array_get(lines, i);
		const char *custom_id = tu_json_str(line, "custom_id");
		long status = (long)num(json_object_get(line, "response"), "status_code");
		check_line(line, custom_id, errors ? status : 200, errors ? NULL : "m-1");
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", i ? " " : "", custom_id);
	}
	json_decref(lines);
}

/* Batch `done` has records for exactly these custom_ids, in these files. */
static void expect_records(const tu_gateway *gw, json_t *done, const char *output, const char *errors)
{
	char got[512];
	records_in(gw, json_object_get(done, "output_file_id"), false, got, sizeof(got));
	assert_string_equal(got, output);
	records_in(gw, json_object_get(done, "error_file_id"), true, got, sizeof(got));
	assert_string_equal(got, errors);
}

/* Creates a batch of file (with `more` and headers) and waits for `status`. */
static json_t *run_batch(const tu_gateway *gw, const char *file, const char *more,
                         const char *const *headers, const char *status)
{
	tu_reply r = create_with(gw, file, more, headers);
	assert_int_equal(r.status, 200);
	json_t *done = wait_for(gw, tu_json_str(r.json, "id"), status);
	tu_reply_free(&r);
	return done;
}

static void assert_counts(json_t *batch, json_int_t total, json_int_t completed, json_int_t failed)
{
	json_t *counts = json_object_get(batch, "request_counts");
	assert_int_equal(num(counts, "total"), total);
	assert_int_equal(num(counts, "completed"), completed);
	assert_int_equal(num(counts, "failed"), failed);
}

/* metadata mock_outcome=expire: expired with the first half answered. */
static void test_expire(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	json_t *done = run_batch(&j->gw, file, ",\"metadata\":{\"mock_outcome\":\"expire\"}", NULL,
	                         "expired");
	assert_true(json_is_integer(json_object_get(done, "expired_at")));
	assert_true(json_is_null(json_object_get(done, "completed_at")));
	assert_counts(done, 3, 1, 0);
	expect_records(&j->gw, done, "one", "");
	json_decref(done);
	free(file);
}

/* ---- what a job engine meets ------------------------------------------- */

static const char six_input[] = GOOD_LINE("r-1") GOOD_LINE("fail-2") GOOD_LINE("r-3")
	GOOD_LINE("r-4") GOOD_LINE("r-5") GOOD_LINE("r-6");

/* An expire-batch fault on the create: the first lines get a record, the rest none. */
static void test_expire_fault_partial_output(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, six_input);
	const char *const h[] = { "x-mock-fault: expire-batch:lines=3", NULL };
	json_t *done = run_batch(&j->gw, file, NULL, h, "expired");
	assert_true(json_is_integer(json_object_get(done, "expired_at")));
	assert_counts(done, 6, 2, 1);
	expect_records(&j->gw, done, "r-1 r-3", "fail-2");
	tu_usage want = usage_of((const char *const[]){ "r-1", "r-3", NULL });
	assert_usage(json_object_get(done, "usage"), &want);
	json_decref(done);
	/* A fraction: floor(6 * 0.5) lines; fraction=0 leaves no file at all. */
	const char *const half[] = { "x-mock-fault: expire-batch:fraction=0.5", NULL };
	done = run_batch(&j->gw, file, NULL, half, "expired");
	expect_records(&j->gw, done, "r-1 r-3", "fail-2");
	json_decref(done);
	const char *const none[] = { "x-mock-fault: expire-batch:fraction=0", NULL };
	done = run_batch(&j->gw, file, NULL, none, "expired");
	assert_counts(done, 6, 0, 0);
	assert_true(json_is_null(json_object_get(done, "output_file_id")));
	assert_true(json_is_null(json_object_get(done, "error_file_id")));
	json_decref(done);
	free(file);
}

static void set_faults(const tu_gateway *gw, const char *list, long status)
{
	call set = { NULL, "/_mock/faults", list, NULL, NULL, NULL };
	tu_reply r = perform(gw, &set);
	assert_int_equal(r.status, status);
	tu_reply_free(&r);
}

/* A run-level expire-batch picks the nth create whose metadata matches. */
static void test_expire_fault_by_metadata(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, six_input);
	set_faults(&j->gw, "expire-batch:nth=2,meta=tfy_shard:7,lines=4\n", 200);
	const char *seven = ",\"metadata\":{\"tfy_job_id\":\"x\",\"tfy_shard\":\"7\"}";
	const char *eight = ",\"metadata\":{\"tfy_job_id\":\"x\",\"tfy_shard\":\"8\"}";
	const char *way[] = { seven, eight, seven, seven };
	const char *ends[] = { "completed", "completed", "expired", "completed" };
	for (size_t i = 0; i < 4; i++)
		json_decref(run_batch(&j->gw, file, way[i], NULL, ends[i]));
	json_t *faults = tu_mock_json(&j->gw, "/_mock/faults");
	assert_int_equal(num(json_array_get(json_object_get(faults, "faults"), 0), "served"), 1);
	json_decref(faults);
	/* Malformed specs are refused whole. */
	const char *bad[] = { "expire-batch:lines=1,fraction=0.5", "expire-batch:nth=0",
		              "expire-batch:meta=novalue", "expire-batch:fraction=1.5" };
	for (size_t i = 0; i < 4; i++)
		set_faults(&j->gw, bad[i], 400);
	set_faults(&j->gw, "", 200);
	free(file);
}

/* --fault expire-batch is the same fault for a whole run. */
static void test_expire_fault_option(void **state)
{
	(void)state;
	jobs j;
	const char *const args[] = { "--fault", "expire-batch:nth=1", NULL };
	assert_int_equal(start(&j, args), 0);
	char *file = upload(&j.gw, six_input);
	json_t *done = run_batch(&j.gw, file, NULL, NULL, "expired");
	expect_records(&j.gw, done, "r-1 r-3", "fail-2");
	json_decref(done);
	done = run_batch(&j.gw, file, NULL, NULL, "completed");
	expect_records(&j.gw, done, "r-1 r-3 r-4 r-5 r-6", "fail-2");
	json_decref(done);
	free(file);
	assert_int_equal(stop(&j), 0);
}

/* custom_ids starting "flaky" get 429 the first time any batch carries them. */
static void test_flaky_fails_once(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, GOOD_LINE("flaky-once") GOOD_LINE("steady"));
	json_t *done = run_batch(&j->gw, file, NULL, NULL, "completed");
	assert_counts(done, 2, 1, 1);
	expect_records(&j->gw, done, "steady", "flaky-once");
	json_t *lines = lines_of(&j->gw, tu_json_str(done, "error_file_id"));
	json_t *response = json_object_get(json_array_get(lines, 0), "response");
	assert_int_equal(num(response, "status_code"), 429);
	json_t *e = json_object_get(json_object_get(response, "body"), "error");
	assert_string_equal(tu_json_str(e, "code"), "rate_limit_exceeded");
	assert_string_equal(tu_json_str(e, "type"), "requests");
	assert_non_null(strstr(tu_json_str(e, "message"), "Rate limit reached"));
	json_decref(lines);
	json_decref(done);
	/* The second time, in another batch, it succeeds. */
	done = run_batch(&j->gw, file, NULL, NULL, "completed");
	assert_counts(done, 2, 2, 0);
	expect_records(&j->gw, done, "flaky-once steady", "");
	json_decref(done);
	free(file);
}

static json_t *stats_reset(const tu_gateway *gw)
{
	call reset = { "POST", "/_mock/stats/reset", NULL, NULL, NULL, NULL };
	tu_reply r = perform(gw, &reset);
	assert_int_equal(r.status, 200);
	json_t *stats = json_incref(r.json);
	tu_reply_free(&r);
	return stats;
}

static void expect_tally(json_t *entry, const char *job, const char *shard, const char *round,
                         json_int_t batches)
{
	const char *keys[] = { "tfy_job_id", "tfy_shard", "tfy_round" };
	const char *want[] = { job, shard, round };
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(entry, keys[i]);
		if (want[i])
			assert_string_equal(json_string_value(v), want[i]);
		else
			assert_true(json_is_null(v));
	}
	assert_int_equal(num(entry, "batches"), batches);
}

/* GET /_mock/stats counts creates per (tfy_job_id, tfy_shard, tfy_round). */
static void test_stats_by_metadata(void **state)
{
	jobs *j = *state;
	json_t *stats = stats_reset(&j->gw);
	assert_int_equal(num(stats, "batches_created"), 0);
	assert_int_equal(json_array_size(json_object_get(stats, "batches_by_metadata")), 0);
	json_decref(stats);
	char *file = upload(&j->gw, good_input);
	const char *meta[] = {
		",\"metadata\":{\"tfy_job_id\":\"J\",\"tfy_shard\":\"0\",\"tfy_round\":\"0\"}",
		",\"metadata\":{\"tfy_job_id\":\"J\",\"tfy_shard\":\"1\",\"tfy_round\":\"0\"}",
		",\"metadata\":{\"tfy_round\":\"0\",\"tfy_shard\":\"1\",\"tfy_job_id\":\"J\"}",
		",\"metadata\":{\"tfy_job_id\":\"J\",\"tfy_shard\":\"0\",\"tfy_round\":\"1\"}",
		NULL,
	};
	for (size_t i = 0; i < 5; i++)
		json_decref(run_batch(&j->gw, file, meta[i], NULL, "completed"));
	stats = tu_mock_json(&j->gw, "/_mock/stats");
	assert_int_equal(num(stats, "batches_created"), 5);
	assert_int_equal(num(stats, "files_uploaded"), 1);
	assert_int_equal(num(stats, "lines_processed"), 5 * 3);
	json_t *tally = json_object_get(stats, "batches_by_metadata");
	assert_int_equal(json_array_size(tally), 4);
	expect_tally(json_array_get(tally, 0), "J", "0", "0", 1);
	expect_tally(json_array_get(tally, 1), "J", "1", "0", 2);
	expect_tally(json_array_get(tally, 2), "J", "0", "1", 1);
	expect_tally(json_array_get(tally, 3), NULL, NULL, NULL, 1);
	json_decref(stats);
	stats = stats_reset(&j->gw);
	assert_int_equal(num(stats, "lines_processed"), 0);
	assert_int_equal(num(stats, "files_uploaded"), 0);
	json_decref(stats);
	free(file);
}

/* The mock reads each custom_id wherever it stands in the line and however
 * it is escaped, and answers it as the decoded string. */
static void test_custom_id_forms(void **state)
{
	jobs *j = *state;
	const char input[] =
		"{\"body\":{\"model\":\"m-1\",\"messages\":[{\"custom_id\":\"inner\"}]},"
		"\"method\":\"POST\",\"url\":\"" ENDPOINT "\",\"custom_id\":\"late\"}\n"
		"{\"custom_id\":\"fa\\u0069l-esc\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\","
		"\"body\":{\"model\":\"m-1\",\"messages\":[]}}\n"
		"{\"custom_id\":\"q\\\"uote\\/\u00e9\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\","
		"\"body\":{\"model\":\"m-1\",\"messages\":[],\"n\":1.5e3,\"ok\":true}}\n"
		"{ \"method\" : \"POST\" , \"custom_id\" : \"spaced\" , \"url\" : \"" ENDPOINT "\" ,"
		" \"body\" : { \"model\" : \"m-1\" , \"messages\" : [ ] } }\n";
	char *file = upload(&j->gw, input);
	json_t *done = run_batch(&j->gw, file, NULL, NULL, "completed");
	expect_records(&j->gw, done, "late q\"uote/\u00e9 spaced", "fail-esc");
	json_decref(done);
	free(file);
}

/* The listing gives created batches newest first with their metadata. */
static void test_list_by_metadata(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	char more[128];
	for (int i = 0; i < 3; i++) {
		snprintf(more, sizeof(more),
		         ",\"metadata\":{\"tfy_job_id\":\"L\",\"tfy_shard\":\"%d\"}", i);
		tu_reply r = create(&j->gw, file, more);
		assert_int_equal(r.status, 200);
		tu_reply_free(&r);
	}
	tu_reply r = get(&j->gw, "/v1/batches?limit=3");
	json_t *data = json_object_get(r.json, "data");
	for (int i = 0; i < 3; i++) {
		json_t *metadata = json_object_get(json_array_get(data, (size_t)i), "metadata");
		char shard[8];
		snprintf(shard, sizeof(shard), "%d", 2 - i);
		assert_string_equal(tu_json_str(metadata, "tfy_job_id"), "L");
		assert_string_equal(tu_json_str(metadata, "tfy_shard"), shard);
	}
	tu_reply_free(&r);
	free(file);
}

/* ---- providers --------------------------------------------------------- */

static void test_bucket_headers(void **state)
{
	jobs *j = *state;
	const char *const bedrock[] = { "x-tfy-provider-name: aws", NULL };
	const char *const bedrock_ok[] = { "x-tfy-provider-name: aws", "x-tfy-aws-s3-bucket: b", NULL };
	const char *const vertex[] = { "x-tfy-provider-name: gcp", NULL };
	const char *const vertex_ok[] = { "x-tfy-provider-name: gcp",
		                          "x-tfy-vertex-storage-bucket-name: b", NULL };
	char *path = tu_write_temp(good_input, strlen(good_input));
	const char *const *sets[] = { bedrock, vertex };
	const char *const *good[] = { bedrock_ok, vertex_ok };
	for (size_t i = 0; i < 2; i++) {
		call c = { NULL, "/v1/files", NULL, path, "batch", sets[i] };
		tu_reply r = perform(&j->gw, &c);
		assert_int_equal(r.status, 400);
		assert_int_equal(num(r.json, "statusCode"), 400); /* TrueFoundry's envelope */
		assert_non_null(strstr(tu_json_str(r.json, "message"), i ? "x-tfy-vertex-storage-bucket-name"
		                                                         : "x-tfy-aws-s3-bucket"));
		tu_reply_free(&r);
		c.headers = good[i];
		r = perform(&j->gw, &c);
		assert_int_equal(r.status, 200);
		tu_reply_free(&r);
		/* The listing needs no bucket. */
		call l = { NULL, "/v1/batches", NULL, NULL, NULL, sets[i] };
		r = perform(&j->gw, &l);
		assert_int_equal(r.status, 200);
		tu_reply_free(&r);
	}
	unlink(path);
	free(path);
}

/* ---- faults ------------------------------------------------------------ */

static void test_fault_drop_upload(void **state)
{
	jobs *j = *state;
	char big[256 * 1024];
	memset(big, 'x', sizeof(big));
	char *path = tu_write_temp(big, sizeof(big));
	long before = tu_mock_stat(&j->gw, "files_uploaded");
	int on_disk = files_under(j->tmp);
	const char *const h[] = { "x-mock-fault: drop-upload:bytes=65536", NULL };
	call c = { NULL, "/v1/files", NULL, path, "batch", h };
	tu_reply r = perform(&j->gw, &c);
	assert_int_not_equal(r.rc, CURLE_OK);
	tu_reply_free(&r);
	assert_int_equal(tu_mock_stat(&j->gw, "files_uploaded"), before);
	assert_int_equal(files_under(j->tmp), on_disk); /* the partial file is gone */
	unlink(path);
	free(path);
}

static void test_fault_drop_download(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	char p[256];
	snprintf(p, sizeof(p), "/v1/files/%s/content", file);
	const char *const h[] = { "x-mock-fault: drop:bytes=10,route=download", NULL };
	call c = { NULL, p, NULL, NULL, NULL, h };
	tu_reply r = perform(&j->gw, &c);
	assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
	assert_int_equal(r.len, 10);
	tu_reply_free(&r);
	free(file);
}

static void test_fault_create_errors(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	long before = tu_mock_stat(&j->gw, "batches_created");
	/* Run-level faults for create only: the upload above and the retrieve
	 * below are untouched. */
	/* POST /_mock/faults: two specs, one per line. */
	call set = { NULL,
		     "/_mock/faults",
		     "status:code=503,route=create\nretry-after:seconds=2,route=create\n",
		     NULL,
		     NULL,
		     NULL };
	tu_reply r = perform(&j->gw, &set);
	assert_int_equal(r.status, 200);
	tu_reply_free(&r);
	r = create(&j->gw, file, NULL);
	assert_int_equal(r.status, 503);
	tu_reply_free(&r);
	r = get(&j->gw, "/v1/batches?limit=1");
	assert_int_equal(r.status, 200); /* not a create: no fault used up */
	tu_reply_free(&r);
	r = create(&j->gw, file, NULL);
	assert_int_equal(r.status, 429);
	tu_reply_free(&r);
	assert_int_equal(tu_mock_stat(&j->gw, "batches_created"), before);
	r = create(&j->gw, file, NULL);
	assert_int_equal(r.status, 200);
	tu_reply_free(&r);
	assert_int_equal(tu_mock_stat(&j->gw, "batches_created"), before + 1);
	free(file);
}

static void test_fault_create_no_answer(void **state)
{
	jobs *j = *state;
	char *file = upload(&j->gw, good_input);
	long before = tu_mock_stat(&j->gw, "batches_created");
	char body[512];
	snprintf(body, sizeof(body),
	         "{\"input_file_id\":\"%s\",\"endpoint\":\"" ENDPOINT
	         "\",\"completion_window\":\"24h\"}",
	         file);
	const char *const h[] = { "x-mock-fault: create-no-answer", NULL };
	call c = { NULL, "/v1/batches", body, NULL, NULL, h };
	tu_reply r = perform(&j->gw, &c);
	assert_int_equal(r.rc, CURLE_GOT_NOTHING);
	tu_reply_free(&r);
	/* Created all the same: the newest in the listing. */
	assert_int_equal(tu_mock_stat(&j->gw, "batches_created"), before + 1);
	r = get(&j->gw, "/v1/batches?limit=1");
	json_t *first = json_array_get(json_object_get(r.json, "data"), 0);
	assert_string_equal(tu_json_str(first, "input_file_id"), file);
	tu_reply_free(&r);
	/* The route selector keeps it off other calls. */
	call l = { NULL, "/v1/batches?limit=1", NULL, NULL, NULL, h };
	r = perform(&j->gw, &l);
	assert_int_equal(r.status, 200);
	tu_reply_free(&r);
	free(file);
}

/* ---- the store --------------------------------------------------------- */

static void test_size_cap(void **state)
{
	(void)state;
	jobs j;
	const char *const args[] = { "--max-file-bytes", "1000", NULL };
	assert_int_equal(start(&j, args), 0);
	char big[2000];
	memset(big, 'x', sizeof(big));
	char *path = tu_write_temp(big, sizeof(big));
	call c = { NULL, "/v1/files", NULL, path, "batch", NULL };
	tu_reply r = perform(&j.gw, &c);
	assert_int_equal(r.status, 413);
	assert_non_null(json_object_get(r.json, "error"));
	tu_reply_free(&r);
	assert_int_equal(files_under(j.tmp), 0); /* the partial upload is deleted */
	free(upload(&j.gw, good_input));         /* what fits still does */
	unlink(path);
	free(path);
	assert_int_equal(stop(&j), 0);
}

static void test_sigterm_removes_files(void **state)
{
	(void)state;
	jobs j;
	assert_int_equal(start(&j, NULL), 0);
	free(upload(&j.gw, good_input));
	assert_int_equal(dirs_under(j.tmp), 1);
	assert_int_equal(files_under(j.tmp), 1);
	assert_int_equal(tu_gateway_stop(&j.gw), 0); /* SIGTERM */
	assert_int_equal(dirs_under(j.tmp), 0);
	rmdir(j.tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test_setup_teardown(test_file_listing, own_setup, own_teardown),
		cmocka_unit_test(test_job_completes),
		cmocka_unit_test(test_bad_input_fails),
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_expire_fault_partial_output),
		cmocka_unit_test(test_expire_fault_by_metadata),
		cmocka_unit_test(test_expire_fault_option),
		cmocka_unit_test(test_flaky_fails_once),
		cmocka_unit_test(test_stats_by_metadata),
		cmocka_unit_test(test_list_by_metadata),
		cmocka_unit_test(test_custom_id_forms),
		cmocka_unit_test(test_bucket_headers),
		cmocka_unit_test(test_fault_drop_upload),
		cmocka_unit_test(test_fault_drop_download),
		cmocka_unit_test(test_fault_create_errors),
		cmocka_unit_test(test_fault_create_no_answer),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_sigterm_removes_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
