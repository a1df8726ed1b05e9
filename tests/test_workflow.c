/*
 * A whole batch job against tfy-mock-gateway, through the public API only:
 * check the input file, upload it, create the batch, wait for it with
 * progress, download the output and error files to paths and read them
 * record by record, and find the files in the listing.  Once on every base
 * path and provider shape (a table), then under each fault of the workflow: dropped uploads and downloads,
 * refused and unanswered creates (never paid twice), cancel, expiry, a bad
 * input file and a wait that times out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define ENDPOINT "/v1/chat/completions"
#define MODEL "gpt-4o-mini"
#define REQUESTS 6 /* every second one has a custom_id starting "fail-" */
#define FAILING (REQUESTS / 2)
#define SEEN_MAX 256

/* ---- the job's files ---------------------------------------------------- */

typedef struct workdir {
	char path[64];
	char input[128];
} workdir;

static void workdir_make(workdir *w)
{
	snprintf(w->path, sizeof(w->path), "/tmp/tfy-workflow-XXXXXX");
	assert_non_null(mkdtemp(w->path));
	snprintf(w->input, sizeof(w->input), "%s/input.jsonl", w->path);
}

static void workdir_file(const workdir *w, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", w->path, name);
}

/* Entries of the directory whose names contain needle. */
static int workdir_count(const workdir *w, const char *needle)
{
	int n = 0;
	DIR *d = opendir(w->path);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.' && strstr(e->d_name, needle) != NULL;
	closedir(d);
	return n;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The custom_id of request i: "req-i", or "fail-i" for every second one. */
static void custom_id(int i, char *out, size_t cap)
{
	snprintf(out, cap, "%s-%d", i % 2 ? "fail" : "req", i);
}

/* REQUESTS good requests to ENDPOINT, and a blank line after the first. */
static void write_input(const workdir *w)
{
	char text[REQUESTS * 256] = "", line[256], id[32];
	for (int i = 0; i < REQUESTS; i++) {
		if (i == 1)
			strcat(text, " \t\r\n");
		custom_id(i, id, sizeof(id));
		snprintf(line, sizeof(line),
		         "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\","
		         "\"body\":{\"model\":\"" MODEL "\",\"messages\":[{\"role\":\"user\","
		         "\"content\":\"Say %d.\"}]}}\n",
		         id, i);
		strcat(text, line);
	}
	write_text(w->input, text);
}

/* ---- the gateway's counters ------------------------------------------------ */

static long stat_of(const tu_gateway *gw, const char *name)
{
	char *text = tu_http_get(gw, "/_mock/stats");
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	long v = j ? (long)json_integer_value(json_object_get(j, name)) : -1;
	json_decref(j);
	free(text);
	return v;
}

/* ---- the steps ------------------------------------------------------------- */

static void assert_clean_input(const char *path)
{
	tfy_input_check_options o = TFY_INPUT_CHECK_OPTIONS_INIT;
	o.endpoint = ENDPOINT;
	tfy_input_report *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_input_check_path(path, &o, &r, &err), TFY_OK);
	assert_int_equal(r->problems_total, 0);
	assert_int_equal(r->requests, REQUESTS);
	tfy_input_report_free(r);
}

static tfy_code upload(tfy_client *c, const char *path, const tfy_request_options *req,
                       tfy_file **out, tfy_error **err)
{
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.path = path;
	o.request = req;
	return tfy_files_upload(c, &o, out, err);
}

/* Uploads path and returns the new file's id (caller frees). */
static char *upload_ok(tfy_client *c, const char *path, const tfy_request_options *req)
{
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code rc = upload(c, path, req, &f, &err);
	if (rc != TFY_OK)
		fail_msg("upload: %s", err->message);
	assert_non_null(f->id);
	assert_string_equal(f->purpose, "batch");
	char *id = strdup(f->id);
	tfy_file_free(f);
	return id;
}

typedef struct create_args {
	const char *file_id;
	const char *expire; /* metadata mock_outcome, or NULL */
	const tfy_request_options *req;
	int32_t reconcile;
} create_args;

static tfy_code create(tfy_client *c, const create_args *a, tfy_batch **out, tfy_error **err)
{
	tfy_pair meta[] = { { "mock_outcome", a->expire } };
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = a->file_id;
	o.endpoint = ENDPOINT;
	o.metadata = a->expire ? meta : NULL;
	o.metadata_count = a->expire ? 1 : 0;
	o.request = a->req;
	o.reconcile = a->reconcile;
	return tfy_batches_create(c, &o, out, err);
}

static char *create_ok(tfy_client *c, const create_args *a)
{
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	if (create(c, a, &b, &err) != TFY_OK)
		fail_msg("create: %s", err->message);
	assert_string_equal(b->input_file_id, a->file_id);
	char *id = strdup(b->id);
	tfy_batch_free(b);
	return id;
}

/* What on_progress was told. */
typedef struct progress {
	int count;
	tfy_batch_status status[SEEN_MAX];
	int64_t done[SEEN_MAX]; /* completed + failed */
} progress;

static int32_t on_progress(void *userdata, const tfy_batch *b)
{
	progress *p = userdata;
	if (p->count < SEEN_MAX) {
		const tfy_batch_request_counts *rc = b->request_counts;
		p->status[p->count] = b->status;
		p->done[p->count] = rc ? rc->completed.value + rc->failed.value : 0;
		p->count++;
	}
	return TFY_CANCEL_CONTINUE;
}

static tfy_code wait_for(tfy_client *c, const char *id, int64_t timeout_ms, progress *p,
                         tfy_batch **out, tfy_error **err)
{
	tfy_batch_wait_options o = TFY_BATCH_WAIT_OPTIONS_INIT;
	o.timeout_ms = timeout_ms;
	o.poll_initial_ms = 20;
	o.poll_max_ms = 40;
	o.on_progress = on_progress;
	o.progress_userdata = p;
	return tfy_batch_wait(c, id, &o, out, err);
}

static tfy_batch *wait_ok(tfy_client *c, const char *id, progress *p)
{
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	if (wait_for(c, id, (int64_t)(30000 * tu_slowdown()), p, &b, &err) != TFY_OK)
		fail_msg("wait: %s", err->message);
	assert_true(tfy_batch_status_is_terminal(b->status));
	return b;
}

/* Where a status lies on the way a job goes; -1 when it is not on that way. */
static int rank(const tfy_batch_status *way, size_t n, tfy_batch_status s)
{
	for (size_t i = 0; i < n; i++)
		if (way[i] == s)
			return (int)i;
	return -1;
}

/* The states seen follow `way` in its order, counts never going back, and
 * the last one is way's last. */
static void assert_went(const progress *p, const tfy_batch_status *way, size_t n)
{
	int at = 0;
	int64_t done = 0;
	assert_true(p->count >= 1);
	for (int i = 0; i < p->count; i++) {
		int r = rank(way, n, p->status[i]);
		if (r < at)
			fail_msg("state %d: %s out of order", i, tfy_batch_status_name(p->status[i]));
		assert_true(p->done[i] >= done);
		at = r;
		done = p->done[i];
	}
	assert_int_equal(at, (int)n - 1);
}

static tfy_code download(tfy_client *c, const char *id, const char *path,
                         const tfy_request_options *req, tfy_error **err)
{
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.path = path;
	o.request = req;
	return tfy_files_download(c, id, &o, err);
}

static void download_ok(tfy_client *c, const char *id, const char *path, const tfy_request_options *req)
{
	tfy_error *err = NULL;
	if (download(c, id, path, req, &err) != TFY_OK)
		fail_msg("download %s: %s", id, err->message);
}

/* Reads an output (failed 0) or error file (failed 1): one record per
 * request of that kind, in the input's order, echoing the model. */
static void assert_results(const char *path, int failed)
{
	tfy_result_reader *rd = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_result_reader_open(path, NULL, &rd, &err), TFY_OK);
	int i = failed;
	for (const tfy_result *r; tfy_result_reader_next(rd, &r, &err) == TFY_OK && r; i += 2) {
		char id[32];
		custom_id(i, id, sizeof(id));
		assert_true(i < REQUESTS);
		assert_non_null(r->id);
		assert_string_equal(r->custom_id, id);
		assert_int_equal(r->status_code, failed ? 400 : 200);
		assert_non_null(r->body_json);
		if (!failed)
			assert_non_null(strstr(r->body_json, "\"" MODEL "\""));
		else
			assert_non_null(strstr(r->body_json, "\"error\""));
	}
	assert_null(err);
	assert_int_equal(i, REQUESTS + failed);
	tfy_result_reader_free(rd);
}

/*
 * The input is the newest file of purpose batch; the iterator over the
 * batch_output files, oldest first a page of one at a time, meets the
 * batch's output and error files once each.
 */
static void assert_listed(tfy_client *c, const char *input_id, const tfy_batch *b,
                          const tfy_request_options *req)
{
	tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;
	o.purpose = "batch";
	o.limit = 1;
	o.request = req;
	tfy_file_page *page = NULL;
	tfy_error *err = NULL;
	if (tfy_files_list(c, &o, &page, &err) != TFY_OK)
		fail_msg("files list: %s", err->message);
	assert_int_equal(page->count, 1);
	assert_string_equal(page->items[0]->id, input_id);
	assert_string_equal(page->first_id, input_id);
	tfy_file_page_free(page);
	o.purpose = "batch_output";
	o.order = "asc";
	tfy_file_iter *it = NULL;
	assert_int_equal(tfy_file_iter_new(c, &o, &it, &err), TFY_OK);
	int outputs = 0, errors = 0;
	const tfy_file *f;
	tfy_code rc;
	while ((rc = tfy_file_iter_next(it, &f, &err)) == TFY_OK && f) {
		assert_string_equal(f->purpose, "batch_output");
		outputs += strcmp(f->id, b->output_file_id) == 0;
		errors += strcmp(f->id, b->error_file_id) == 0;
	}
	if (rc != TFY_OK)
		fail_msg("file iter: %s", err->message);
	assert_int_equal(outputs, 1);
	assert_int_equal(errors, 1);
	tfy_file_iter_free(it);
}

/* Downloads a completed batch's output and error files and reads them. */
static void assert_outcome(tfy_client *c, const workdir *w, const tfy_batch *b,
                           const tfy_request_options *req)
{
	char out[128], errs[128];
	assert_int_equal(b->status, TFY_BATCH_STATUS_COMPLETED);
	assert_int_equal(b->request_counts->total.value, REQUESTS);
	assert_int_equal(b->request_counts->completed.value, REQUESTS - FAILING);
	assert_int_equal(b->request_counts->failed.value, FAILING);
	/* The input's model, and the tokens of the answers the mock gives (its formula). */
	assert_string_equal(b->model, MODEL);
	assert_non_null(b->usage);
	tu_usage want = { 0, 0, 0, 0, 0 };
	char id[32];
	for (int i = 0; i < REQUESTS; i++) {
		custom_id(i, id, sizeof(id));
		if (strncmp(id, "fail", 4) != 0)
			tu_mock_usage_add(&want, id);
	}
	assert_int_equal(b->usage->input_tokens.value, want.prompt);
	assert_int_equal(b->usage->output_tokens.value, want.completion);
	assert_int_equal(b->usage->total_tokens.value, want.total);
	assert_true(b->usage->cached_tokens.present);
	assert_int_equal(b->usage->cached_tokens.value, want.cached);
	assert_true(b->usage->reasoning_tokens.present);
	assert_int_equal(b->usage->reasoning_tokens.value, want.reasoning);
	workdir_file(w, "output.jsonl", out, sizeof(out));
	workdir_file(w, "errors.jsonl", errs, sizeof(errs));
	download_ok(c, b->output_file_id, out, req);
	download_ok(c, b->error_file_id, errs, req);
	assert_results(out, 0);
	assert_results(errs, 1);
}

static const tfy_batch_status completed_way[] = { TFY_BATCH_STATUS_VALIDATING,
	                                          TFY_BATCH_STATUS_IN_PROGRESS,
	                                          TFY_BATCH_STATUS_FINALIZING,
	                                          TFY_BATCH_STATUS_COMPLETED };

/* The whole job with client c (its request defaults route it); req is added to each call. */
static void run_job(tfy_client *c, const tfy_request_options *req)
{
	workdir w;
	progress p = { 0 };
	workdir_make(&w);
	write_input(&w);
	assert_clean_input(w.input);
	char *file_id = upload_ok(c, w.input, req);
	create_args a = { file_id, NULL, req, 0 };
	char *batch_id = create_ok(c, &a);
	tfy_batch *b = wait_ok(c, batch_id, &p);
	assert_went(&p, completed_way, 4);
	assert_string_equal(b->id, batch_id);
	assert_outcome(c, &w, b, req);
	assert_listed(c, file_id, b, req);
	tfy_batch_free(b);
	free(batch_id);
	free(file_id);
	tu_remove_tree(w.path);
}

/* ---- every base path and provider shape ----------------------------------- */

static tu_gateway shared;

static char *pace(double seconds)
{
	static char text[32];
	snprintf(text, sizeof(text), "%.2f", seconds * tu_slowdown());
	return text;
}

static int shared_setup(void **state)
{
	(void)state;
	const char *args[] = {
		"--batch-seconds", pace(0.1),    "--provider", "oai=openai", "--provider",
		"aws=bedrock",     "--provider", "gcp=vertex", "--provider", "az=azure",
		"--count",         "3",          NULL
	};
	return tu_gateway_start(&shared, args);
}

static int shared_teardown(void **state)
{
	(void)state;
	return tu_gateway_stop(&shared) == 0 ? 0 : -1;
}

typedef struct target {
	const char *path;          /* base path under the gateway */
	int azure;                 /* key in api-key, api-version in the query */
	const char *provider;      /* x-tfy-provider-name, or NULL */
	const char *aws_s3_bucket; /* request_defaults.aws_s3_bucket */
	const char *vertex_bucket; /* request_defaults.vertex_storage_bucket_name */
} target;

static const tfy_pair azure_query[] = { { "api-version", "2024-10-21" } };

static tfy_client *client_for(const tu_gateway *gw, const target *t)
{
	tfy_request_options d = TFY_REQUEST_OPTIONS_INIT;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	d.provider_name = t->provider;
	d.aws_s3_bucket = t->aws_s3_bucket;
	d.vertex_storage_bucket_name = t->vertex_bucket;
	if (t->azure) {
		d.query_params = azure_query;
		d.query_params_count = 1;
		o.auth_header = "api-key";
	}
	o.request_defaults = &d;
	tfy_client *c = tu_client(gw, t->path, KEY, &o);
	assert_non_null(c);
	return c;
}

static const target targets[] = {
	{ "", 0, NULL, NULL, NULL },                              /* SaaS gateway root */
	{ "/api/llm", 0, NULL, NULL, NULL },                      /* gateway on the platform */
	{ "/api/llm/api/inference/openai", 0, NULL, NULL, NULL }, /* control plane */
	{ "/v1", 0, NULL, NULL, NULL },                           /* OpenAI */
	{ "/openai", 1, NULL, NULL, NULL },                       /* Azure OpenAI */
	{ "/api/llm", 0, "oai", NULL, NULL },
	{ "/api/llm", 0, "az", NULL, NULL },
	{ "/api/llm", 0, "aws", "my-batch-bucket", NULL },
	{ "/api/llm", 0, "gcp", NULL, "my-gcs-bucket" },
};

static void test_job_on_target(void **state)
{
	const target *t = *state;
	long created = stat_of(&shared, "batches_created");
	tfy_client *c = client_for(&shared, t);
	run_job(c, NULL);
	assert_int_equal(stat_of(&shared, "batches_created"), created + 1);
	tfy_client_free(c);
}

/* Bedrock without its bucket: 400 on upload and on create, nothing kept. */
static void test_bedrock_needs_bucket(void **state)
{
	(void)state;
	static const target no_bucket = { "/api/llm", 0, "aws", NULL, NULL };
	tfy_request_options with_bucket = TFY_REQUEST_OPTIONS_INIT;
	with_bucket.aws_s3_bucket = "my-batch-bucket";
	long uploaded = stat_of(&shared, "files_uploaded");
	long created = stat_of(&shared, "batches_created");
	tfy_client *c = client_for(&shared, &no_bucket);
	workdir w;
	workdir_make(&w);
	write_input(&w);

	tfy_file *f = NULL;
	tfy_error *err = NULL;
	assert_int_equal(upload(c, w.input, NULL, &f, &err), TFY_ERROR_BAD_REQUEST);
	assert_null(f);
	assert_int_equal(err->http_status, 400);
	tfy_error_free(err);
	assert_int_equal(stat_of(&shared, "files_uploaded"), uploaded);

	char *file_id = upload_ok(c, w.input, &with_bucket);
	create_args a = { file_id, NULL, NULL, 0 };
	tfy_batch *b = NULL;
	assert_int_equal(create(c, &a, &b, &err), TFY_ERROR_BAD_REQUEST);
	assert_null(b);
	assert_int_equal(err->attempts, 1);
	tfy_error_free(err);
	assert_int_equal(stat_of(&shared, "batches_created"), created);

	free(file_id);
	tfy_client_free(c);
	tu_remove_tree(w.path);
}

/* ---- faults: each test on a gateway of its own ------------------------------ */

typedef struct faulty {
	tu_gateway gw;
	tfy_client *client;
	workdir w;
	char *file_id; /* the input, uploaded by faulty_start unless a fault is on upload */
} faulty;

/* A gateway paced at `seconds` with one run-level fault (or none), a client
 * on its /v1, the input written and, with upload_input set, uploaded. */
static void faulty_start(faulty *f, double seconds, const char *fault, int upload_input)
{
	const char *args[] = { "--batch-seconds",        pace(seconds), "--count", "3",
		               fault ? "--fault" : NULL, fault,         NULL };
	assert_int_equal(tu_gateway_start(&f->gw, args), 0);
	f->client = tu_client(&f->gw, "/v1", KEY, NULL);
	assert_non_null(f->client);
	workdir_make(&f->w);
	write_input(&f->w);
	if (upload_input)
		f->file_id = upload_ok(f->client, f->w.input, NULL);
}

static int faulty_setup(void **state)
{
	*state = calloc(1, sizeof(faulty));
	return *state ? 0 : -1;
}

/* Run even when the test failed, so that no gateway outlives the test. */
static int faulty_teardown(void **state)
{
	faulty *f = *state;
	int rc = f->gw.pid > 0 ? tu_gateway_stop(&f->gw) : 0;
	tfy_client_free(f->client);
	if (f->w.path[0])
		tu_remove_tree(f->w.path);
	free(f->file_id);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* An upload cut off mid-body was sent and got no answer: not repeated,
 * TFY_ERROR_OUTCOME_UNKNOWN, and the mock kept nothing. */
static void test_upload_dropped(void **state)
{
	faulty *f = *state;
	faulty_start(f, 0.2, "drop-upload:bytes=100,times=1", 0);
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(upload(f->client, f->w.input, NULL, &file, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_null(file);
	assert_int_equal(err->attempts, 1);
	tfy_error_free(err);
	assert_int_equal(stat_of(&f->gw, "files_uploaded"), 0);
	/* The fault served once: uploading again (the caller's choice) works. */
	free(upload_ok(f->client, f->w.input, NULL));
	assert_int_equal(stat_of(&f->gw, "files_uploaded"), 1);
}

/* Runs the job to completed and returns it. */
static tfy_batch *completed_job(faulty *f)
{
	progress p = { 0 };
	create_args a = { f->file_id, NULL, NULL, 0 };
	char *id = create_ok(f->client, &a);
	tfy_batch *b = wait_ok(f->client, id, &p);
	free(id);
	assert_int_equal(b->status, TFY_BATCH_STATUS_COMPLETED);
	return b;
}

/* A download cut off every time fails, leaving neither the file nor a part. */
static void test_download_dropped_always(void **state)
{
	faulty *f = *state;
	faulty_start(f, 0.2, "drop:bytes=10,route=download,times=0", 1);
	tfy_batch *b = completed_job(f);
	char out[128];
	tfy_error *err = NULL;
	tfy_request_options once_more = TFY_REQUEST_OPTIONS_INIT;
	once_more.max_retries = 1;
	workdir_file(&f->w, "output.jsonl", out, sizeof(out));
	assert_int_equal(download(f->client, b->output_file_id, out, &once_more, &err),
	                 TFY_ERROR_NETWORK);
	assert_int_equal(err->attempts, 2); /* a GET: repeated */
	tfy_error_free(err);
	assert_false(exists(out));
	assert_int_equal(workdir_count(&f->w, ".part"), 0);
	tfy_batch_free(b);
}

/* A download cut off once is repeated and completes. */
static void test_download_dropped_once(void **state)
{
	faulty *f = *state;
	faulty_start(f, 0.2, "drop:bytes=10,route=download,times=1", 1);
	tfy_batch *b = completed_job(f);
	assert_outcome(f->client, &f->w, b, NULL);
	assert_int_equal(stat_of(&f->gw, "faults_served"), 1);
	assert_int_equal(workdir_count(&f->w, ".part"), 0);
	tfy_batch_free(b);
}

/* 503 and 429 on create said nothing was created: repeated, created once. */
static void expect_create_retried(faulty *f, const char *fault)
{
	faulty_start(f, 0.2, fault, 1);
	tfy_batch *b = completed_job(f);
	assert_int_equal(stat_of(&f->gw, "batches_created"), 1);
	assert_int_equal(stat_of(&f->gw, "faults_served"), 1);
	tfy_batch_free(b);
}

static void test_create_503_retried(void **state)
{
	expect_create_retried(*state, "status:code=503,route=create");
}

static void test_create_429_retried(void **state)
{
	expect_create_retried(*state, "retry-after:ms=20,route=create");
}

/* Expects a create under f's fault to end in OUTCOME_UNKNOWN naming the file. */
static void expect_create_unknown(faulty *f, int32_t reconcile)
{
	create_args a = { f->file_id, NULL, NULL, reconcile };
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(create(f->client, &a, &b, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_null(b);
	assert_non_null(strstr(err->message, f->file_id));
	tfy_error_free(err);
}

/* 500 on create may have created a batch: not repeated; the mock created
 * none, so reconciling finds none and the outcome stays unknown. */
static void test_create_500_not_retried(void **state)
{
	faulty *f = *state;
	faulty_start(f, 0.2, "status:code=500,route=create", 1);
	expect_create_unknown(f, 0);
	assert_int_equal(stat_of(&f->gw, "batches_created"), 0);
	assert_int_equal(stat_of(&f->gw, "faults_served"), 1);
}

/* A create carried out but never answered is found again by reconciling:
 * the batch the mock created, created once.  Reconciling takes only a batch
 * still validating or in progress: the pace leaves it so for over a second. */
static void test_create_no_answer_reconciled(void **state)
{
	faulty *f = *state;
	faulty_start(f, 1, "create-no-answer", 1);
	progress p = { 0 };
	create_args a = { f->file_id, NULL, NULL, 0 };
	char *id = create_ok(f->client, &a);
	assert_int_equal(stat_of(&f->gw, "batches_created"), 1);
	tfy_batch *b = wait_ok(f->client, id, &p);
	assert_outcome(f->client, &f->w, b, NULL);
	assert_int_equal(stat_of(&f->gw, "batches_created"), 1);
	tfy_batch_free(b);
	free(id);
}

static void test_create_no_answer_without_reconcile(void **state)
{
	faulty *f = *state;
	faulty_start(f, 0.2, "create-no-answer", 1);
	expect_create_unknown(f, TFY_NONE);
	assert_int_equal(stat_of(&f->gw, "batches_created"), 1);
}

/* Cancelled while it runs: cancelling, then cancelled. */
static void test_cancel_mid_job(void **state)
{
	faulty *f = *state;
	static const tfy_batch_status way[] = { TFY_BATCH_STATUS_CANCELLING,
		                                TFY_BATCH_STATUS_CANCELLED };
	faulty_start(f, 2, NULL, 1);
	create_args a = { f->file_id, NULL, NULL, 0 };
	char *id = create_ok(f->client, &a);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_cancel(f->client, id, NULL, &b, &err), TFY_OK);
	assert_int_equal(b->status, TFY_BATCH_STATUS_CANCELLING);
	tfy_batch_free(b);
	progress p = { 0 };
	b = wait_ok(f->client, id, &p);
	assert_went(&p, way, 2);
	assert_true(b->cancelled_at.present);
	tfy_batch_free(b);
	free(id);
}

/* metadata mock_outcome=expire: expired. */
static void test_expired(void **state)
{
	faulty *f = *state;
	static const tfy_batch_status way[] = { TFY_BATCH_STATUS_VALIDATING,
		                                TFY_BATCH_STATUS_IN_PROGRESS,
		                                TFY_BATCH_STATUS_EXPIRED };
	faulty_start(f, 0.2, NULL, 1);
	create_args a = { f->file_id, "expire", NULL, 0 };
	char *id = create_ok(f->client, &a);
	progress p = { 0 };
	tfy_batch *b = wait_ok(f->client, id, &p);
	assert_went(&p, way, 3);
	assert_true(b->expired_at.present);
	tfy_batch_free(b);
	free(id);
}

/* The lines the input checker finds wrong in path, in order, into lines; their names into names. */
static size_t checked_lines(const char *path, int64_t *lines, const char **names, size_t cap)
{
	tfy_input_check_options o = TFY_INPUT_CHECK_OPTIONS_INIT;
	o.endpoint = ENDPOINT;
	tfy_input_report *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_input_check_path(path, &o, &r, &err), TFY_OK);
	size_t n = 0;
	for (; n < r->problems_count && n < cap; n++) {
		lines[n] = r->problems[n]->line;
		names[n] = tfy_input_problem_name(r->problems[n]->kind);
	}
	tfy_input_report_free(r);
	return n;
}

/* A bad input file: the batch fails with OpenAI's errors naming their
 * lines and codes, the same lines and names the input checker gives (the
 * mock uses it); the blank line is no error. */
static void test_bad_input_fails(void **state)
{
	faulty *f = *state;
#define GOOD_BODY "{\"model\":\"" MODEL "\",\"messages\":[]}"
	static const char bad[] =
		"{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"" ENDPOINT
		"\",\"body\":" GOOD_BODY "}\n"
		"not json\n"
		"{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"" ENDPOINT
		"\",\"body\":" GOOD_BODY "}\n"
		"{\"custom_id\":\"b\",\"method\":\"GET\",\"url\":\"" ENDPOINT
		"\",\"body\":" GOOD_BODY "}\n"
		"{\"custom_id\":\"c\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":" GOOD_BODY
		"}\n"
		"{\"custom_id\":\"d\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\",\"body\":[]}\n"
		"\n"
		"{\"custom_id\":\"e\",\"method\":\"POST\",\"url\":\"" ENDPOINT
		"\",\"body\":" GOOD_BODY "}\n"
		"{\"custom_id\":\"f\",\"method\":\"POST\",\"url\":\"" ENDPOINT
		"\",\"body\":{\"messages\":[]}}\n"
		"{\"custom_id\":\"g\",\"method\":\"POST\",\"url\":\"" ENDPOINT
		"\",\"body\":{\"model\":\"other\",\"messages\":[]}}\n"
		"{\"custom_id\":\"h\",\"method\":\"POST\",\"url\":\"" ENDPOINT
		"\",\"body\":{\"model\":\"" MODEL "\",\"messages\":\"hi\"}}\n";
	static const int64_t want[] = { 2, 3, 4, 5, 6, 9, 10, 11 };
	static const char *const codes[][2] = { { "invalid_json_line", NULL },
		                                { "duplicate_custom_id", "custom_id" },
		                                { "invalid_request", "method" },
		                                { "mismatched_url", "url" },
		                                { "invalid_request", "body" },
		                                { "missing_required_parameter", "body.model" },
		                                { "mismatched_model", "body.model" },
		                                { "messages_not_an_array", "body.messages" } };
	static const tfy_batch_status way[] = { TFY_BATCH_STATUS_VALIDATING, TFY_BATCH_STATUS_FAILED };
	faulty_start(f, 0.2, NULL, 0);
	write_text(f->w.input, bad);
	int64_t lines[10];
	const char *names[10];
	assert_int_equal(checked_lines(f->w.input, lines, names, 10), 8);
	assert_memory_equal(lines, want, sizeof(want));

	f->file_id = upload_ok(f->client, f->w.input, NULL);
	create_args a = { f->file_id, NULL, NULL, 0 };
	char *id = create_ok(f->client, &a);
	progress p = { 0 };
	tfy_batch *b = wait_ok(f->client, id, &p);
	assert_went(&p, way, 2);
	assert_int_equal(b->errors_count, 8);
	for (size_t i = 0; i < b->errors_count; i++) {
		assert_true(b->errors[i]->line.present);
		assert_int_equal(b->errors[i]->line.value, want[i]);
		assert_string_equal(b->errors[i]->code, codes[i][0]);
		assert_string_equal(names[i], codes[i][0]); /* the checker's name is the server's code */
		if (codes[i][1])
			assert_string_equal(b->errors[i]->param, codes[i][1]);
		else
			assert_null(b->errors[i]->param);
		assert_non_null(b->errors[i]->message);
	}
	tfy_batch_free(b);
	free(id);
}

/*
 * The file iterator against a listing that ignores `after` (the mock's
 * ignore-after fault on the files route): a pagination error, not a loop.
 */
static void test_file_iter_ignored_after(void **state)
{
	faulty *f = *state;
	faulty_start(f, 0.2, NULL, 1);
	free(upload_ok(f->client, f->w.input, NULL));
	const tfy_pair fault = { "x-mock-fault", "ignore-after:route=files" };
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.headers = &fault;
	req.headers_count = 1;
	tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;
	o.limit = 1;
	o.request = &req;
	tfy_file_iter *it = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_file_iter_new(f->client, &o, &it, &err), TFY_OK);
	const tfy_file *file;
	tfy_code rc;
	int seen = 0;
	while ((rc = tfy_file_iter_next(it, &file, &err)) == TFY_OK && file)
		seen++;
	assert_int_equal(rc, TFY_ERROR_PAGINATION);
	assert_int_equal(seen, 1);
	assert_non_null(strstr(err->message, "the file it was asked to start after"));
	assert_non_null(err->request_id);
	tfy_error_free(err);
	tfy_file_iter_free(it);
}

/* A wait that times out gives the last state seen. */
static void test_wait_timeout_gives_last_state(void **state)
{
	faulty *f = *state;
	faulty_start(f, 600, NULL, 1);
	create_args a = { f->file_id, NULL, NULL, 0 };
	char *id = create_ok(f->client, &a);
	progress p = { 0 };
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(wait_for(f->client, id, 150, &p, &b, &err), TFY_ERROR_TIMEOUT);
	tfy_error_free(err);
	assert_non_null(b);
	assert_string_equal(b->id, id);
	assert_int_equal(b->status, TFY_BATCH_STATUS_VALIDATING);
	assert_int_equal(p.count, 1);
	assert_int_equal(p.status[0], TFY_BATCH_STATUS_VALIDATING);
	tfy_batch_free(b);
	free(id);
}

#define FAULT(t) cmocka_unit_test_setup_teardown(t, faulty_setup, faulty_teardown)
#define TARGET(i) cmocka_unit_test_prestate(test_job_on_target, (void *)&targets[i])

int main(void)
{
	const struct CMUnitTest jobs[] = {
		TARGET(0), TARGET(1),
		TARGET(2), TARGET(3),
		TARGET(4), TARGET(5),
		TARGET(6), TARGET(7),
		TARGET(8), cmocka_unit_test(test_bedrock_needs_bucket),
	};
	const struct CMUnitTest faults[] = {
		FAULT(test_upload_dropped),
		FAULT(test_download_dropped_always),
		FAULT(test_download_dropped_once),
		FAULT(test_create_503_retried),
		FAULT(test_create_429_retried),
		FAULT(test_create_500_not_retried),
		FAULT(test_create_no_answer_reconciled),
		FAULT(test_create_no_answer_without_reconcile),
		FAULT(test_cancel_mid_job),
		FAULT(test_expired),
		FAULT(test_bad_input_fails),
		FAULT(test_wait_timeout_gives_last_state),
		FAULT(test_file_iter_ignored_after),
	};
	_Static_assert(sizeof(targets) / sizeof(targets[0]) == 9, "one TARGET() per row");
	int failed = cmocka_run_group_tests_name("workflow on every target", jobs, shared_setup,
	                                         shared_teardown);
	return failed + cmocka_run_group_tests_name("workflow faults", faults, NULL, NULL);
}
