/*
 * Jobs larger than one batch (job.h) against tfy-mock-gateway, through the
 * public API: an input cut into shards run at once, merged in input order
 * with each custom_id exactly once; a run stopped at each step of its
 * journal (and the journal then cut back or torn, as a crash leaves it)
 * and run again, which never makes a second batch for a shard and round;
 * cancel; a second runner; an input with problems.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define ENDPOINT "/v1/chat/completions"
#define MODEL "gpt-4o-mini"
#define LINES 10
#define PER_SHARD 3
#define SHARDS ((LINES + PER_SHARD - 1) / PER_SHARD)
#define MAX_IDS 64

typedef struct fixture {
	tu_gateway gw;
	tfy_client *client;
	char dir[64]; /* the test's temporary directory */
	char job[96]; /* the job's directory in it */
	char input[96];
	char ids[MAX_IDS][32]; /* the input's custom_ids, in order */
	const char *tag;       /* in every custom_id: the mock remembers the flaky ones it failed */
	int count;
} fixture;

static char *pace(double seconds)
{
	static char text[32];
	snprintf(text, sizeof(text), "%.2f", seconds * tu_slowdown());
	return text;
}

static void start_with(fixture *f, double seconds, const char *fault)
{
	const char *args[] = { "--batch-seconds",        pace(seconds), "--count", "1",
		               fault ? "--fault" : NULL, fault,         NULL };
	assert_int_equal(tu_gateway_start(&f->gw, args), 0);
	f->client = tu_client(&f->gw, "/v1", KEY, NULL);
	assert_non_null(f->client);
}

static void start(fixture *f, double seconds)
{
	start_with(f, seconds, NULL);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/tfy-job-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->job, sizeof(f->job), "%s/job", f->dir);
	snprintf(f->input, sizeof(f->input), "%s/input.jsonl", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = f->gw.pid > 0 ? tu_gateway_stop(&f->gw) : 0;
	tfy_client_free(f->client);
	tu_remove_tree(f->dir);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* The input: `lines` requests, those whose index is in `failing` named "fail-..." (a 400). */
static void write_input(fixture *f, int lines, const char *failing)
{
	FILE *out = fopen(f->input, "w");
	assert_non_null(out);
	f->count = lines;
	for (int i = 0; i < lines; i++) {
		int fails = failing && strchr(failing, 'a' + i) != NULL;
		int flaky = failing && strchr(failing, 'A' + i) != NULL;
		snprintf(f->ids[i], sizeof(f->ids[i]), "%s-%s%02d",
		         fails   ? "fail"
		         : flaky ? "flaky"
		                 : "req",
		         f->tag ? f->tag : "", i);
		fprintf(out,
		        "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\","
		        "\"body\":{\"model\":\"" MODEL "\",\"messages\":[{\"role\":\"user\","
		        "\"content\":\"Say %d.\"}]}}\n",
		        f->ids[i], i);
	}
	fclose(out);
}

static tfy_job_options options(const fixture *f)
{
	tfy_job_options o = TFY_JOB_OPTIONS_INIT;
	o.directory = f->job;
	o.input_path = f->input;
	o.endpoint = ENDPOINT;
	o.max_requests = PER_SHARD;
	o.concurrency = 3;
	return o;
}

static tfy_job *open_ok(fixture *f, const tfy_job_options *o)
{
	tfy_job *job = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_job_open(f->client, o, &job, &err);
	if (rc != TFY_OK)
		print_error("open: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_non_null(job);
	return job;
}

static void run_ok(tfy_job *job)
{
	tfy_error *err = NULL;
	tfy_code rc = tfy_job_run(job, &err);
	if (rc != TFY_OK)
		print_error("run: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
}

/* The custom_ids of a JSONL file, in order; the count. */
static int ids_of(const char *path, char ids[][32], int max)
{
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof(line), in)) {
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_true(n < max);
		snprintf(ids[n++], 32, "%s", json_string_value(json_object_get(j, "custom_id")));
		json_decref(j);
	}
	fclose(in);
	return n;
}

/* output.jsonl and errors.jsonl: every custom_id once, each file in input order; the failures. */
static int check_merged(const fixture *f, const char *expect_failed)
{
	char path[160], out[MAX_IDS][32], errs[MAX_IDS][32];
	snprintf(path, sizeof(path), "%s/output.jsonl", f->job);
	int n_out = ids_of(path, out, MAX_IDS);
	snprintf(path, sizeof(path), "%s/errors.jsonl", f->job);
	int n_err = ids_of(path, errs, MAX_IDS);
	assert_int_equal(n_out + n_err, f->count);
	int o = 0, e = 0;
	for (int i = 0; i < f->count; i++) {
		int in_out = o < n_out && strcmp(out[o], f->ids[i]) == 0;
		int in_err = e < n_err && strcmp(errs[e], f->ids[i]) == 0;
		if (!in_out && !in_err)
			fail_msg("custom_id %s is not in its place in either file", f->ids[i]);
		if (in_out)
			o++;
		else
			e++;
		if (expect_failed)
			assert_int_equal(in_err, strchr(expect_failed, 'a' + i) != NULL);
	}
	return n_err;
}

/* Batches of the job by shard and round, as the mock counted their creates: each exactly once. */
static void check_one_batch_each(const fixture *f, const tfy_job_summary *s)
{
	json_t *stats = tu_mock_json(&f->gw, "/_mock/stats");
	assert_non_null(stats);
	json_t *by = json_object_get(stats, "batches_by_metadata");
	assert_true(json_is_array(by));
	size_t mine = 0, k;
	json_t *e;
	json_array_foreach(by, k, e) {
		const char *id = json_string_value(json_object_get(e, "tfy_job_id"));
		if (!id || strcmp(id, s->job_id) != 0)
			continue;
		mine++;
		const char *shard = json_string_value(json_object_get(e, "tfy_shard"));
		const char *round = json_string_value(json_object_get(e, "tfy_round"));
		assert_non_null(shard);
		assert_non_null(round);
		long batches = (long)json_integer_value(json_object_get(e, "batches"));
		if (batches != 1)
			fail_msg("round %s shard %s has %ld batches", round, shard, batches);
		int found = 0;
		for (size_t i = 0; i < s->shards_count; i++)
			found |= s->shards[i].round == atoi(round) &&
			         s->shards[i].index == atoi(shard);
		assert_true(found);
	}
	assert_int_equal(mine, s->shards_count);
	json_decref(stats);
}

/* The mock's usage of a custom_id (its documented formula). */
static void usage_of(const char *id, tfy_job_usage *u)
{
	long b = (long)strlen(id), sum = 0;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		sum += *p;
	u->requests++;
	u->prompt_tokens += 10 + sum % 90;
	u->cached_tokens += 4 * (sum % 3);
	u->completion_tokens += 5 + b % 50;
	u->reasoning_tokens += b % 4;
}

/* The usage the mock gave the custom_ids of output.jsonl, against the job's. */
static void check_usage(const fixture *f, const tfy_job_usage *got)
{
	char path[160], out[MAX_IDS][32];
	snprintf(path, sizeof(path), "%s/output.jsonl", f->job);
	int n = ids_of(path, out, MAX_IDS);
	tfy_job_usage want = { 0 };
	for (int i = 0; i < n; i++)
		usage_of(out[i], &want);
	assert_int_equal(got->requests, want.requests);
	assert_int_equal(got->prompt_tokens, want.prompt_tokens);
	assert_int_equal(got->completion_tokens, want.completion_tokens);
	assert_int_equal(got->cached_tokens, want.cached_tokens);
	assert_int_equal(got->reasoning_tokens, want.reasoning_tokens);
}

static tfy_job_summary *status_ok(tfy_job *job)
{
	tfy_job_summary *s = NULL;
	assert_int_equal(tfy_job_status(job, &s, NULL), TFY_OK);
	assert_non_null(s);
	return s;
}

/* ---- the tests ---------------------------------------------------------------------- */

/* Ten lines in four shards, three at once: merged in order, usage summed exactly. */
static void test_run(void **state)
{
	fixture *f = *state;
	start(f, 0.2);
	write_input(f, LINES, "cg"); /* lines 2 and 6 fail with a 400: final */
	tfy_job_options o = options(f);
	tfy_job *job = open_ok(f, &o);
	tfy_job_summary *s = status_ok(job);
	assert_int_equal(s->state, TFY_JOB_STATE_NEW);
	assert_int_equal(strlen(s->job_id), 32);
	tfy_job_summary_free(s);

	run_ok(job);
	assert_int_equal(check_merged(f, "cg"), 2);
	s = status_ok(job);
	assert_int_equal(s->state, TFY_JOB_STATE_DONE);
	assert_int_equal(s->rounds, 1);
	assert_int_equal(s->requests, LINES);
	assert_int_equal(s->succeeded, LINES - 2);
	assert_int_equal(s->failed, 2);
	assert_int_equal(s->shards_count, SHARDS);
	for (size_t i = 0; i < s->shards_count; i++) {
		assert_non_null(s->shards[i].batch_id);
		assert_string_equal(s->shards[i].status, "completed");
	}
	check_usage(f, &s->usage);
	assert_int_equal(s->usage.failed, 2);
	check_one_batch_each(f, s);
	tfy_job_summary_free(s);

	/* Done: a second run sends nothing. */
	long before = tu_gateway_requests(&f->gw);
	run_ok(job);
	assert_int_equal(tu_gateway_requests(&f->gw), before);
	tfy_job_free(job);

	/* The same directory opened again is the same job; another input is refused. */
	o.input_path = NULL;
	o.endpoint = NULL;
	job = open_ok(f, &o);
	run_ok(job);
	tfy_job_free(job);
	o.endpoint = "/v1/embeddings";
	tfy_error *err = NULL;
	assert_int_equal(tfy_job_open(f->client, &o, &job, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "endpoint"));
	tfy_error_free(err);
}

/*
 * What failed for a reason that can pass goes to a further round: a 429
 * the first time (flaky), the lines an expired batch left without a
 * record.  A 400 is final.  Usage and cost summed over the rounds.
 */
static void test_retry_rounds(void **state)
{
	fixture *f = *state;
	start_with(f, 0.2, "expire-batch:fraction=0.5,nth=1");
	write_input(f, LINES, "eBH"); /* line 4 fails (400), lines 1 and 7 are flaky (429 once) */
	char prices[160];
	snprintf(prices, sizeof(prices), "%s/prices.json", f->dir);
	FILE *p = fopen(prices, "w");
	assert_non_null(p);
	fputs("{\"" MODEL "\": {\"input\": 0.15, \"cached_input\": 0.075, \"output\": 0.6}}", p);
	fclose(p);
	tfy_job_options o = options(f);
	o.price_path = prices;
	tfy_job *job = open_ok(f, &o);
	run_ok(job);
	assert_int_equal(check_merged(f, "e"), 1);
	tfy_job_summary *s = status_ok(job);
	assert_int_equal(s->state, TFY_JOB_STATE_DONE);
	assert_int_equal(s->rounds, 2);
	assert_int_equal(s->succeeded, LINES - 1);
	assert_int_equal(s->failed, 1);
	check_usage(f, &s->usage);
	assert_int_equal(s->usage.has_cost, 1);
	assert_true(s->usage.cost > 0);
	double sum = 0;
	int expired = 0, retried = 0;
	for (size_t i = 0; i < s->shards_count; i++) {
		sum += s->shards[i].usage.cost;
		expired += s->shards[i].status && strcmp(s->shards[i].status, "expired") == 0;
		retried += s->shards[i].round == 1;
	}
	assert_int_equal(expired, 1);
	assert_true(retried >= 1);
	assert_true(sum > s->usage.cost * 0.999999 && sum < s->usage.cost * 1.000001);
	check_one_batch_each(f, s);
	tfy_job_summary_free(s);
	tfy_job_free(job);

	/* With no retry round, what could pass again fails: 429s and lines never run. */
	snprintf(f->job, sizeof(f->job), "%s/job-no-retry", f->dir);
	f->tag = "again";
	write_input(f, LINES, "eBH");
	free(tu_http_get(&f->gw, "/_mock/faults/reset"));
	o = options(f);
	o.retries = 0;
	job = open_ok(f, &o);
	run_ok(job);
	s = status_ok(job);
	assert_int_equal(s->rounds, 1);
	assert_int_equal(s->shards_count, SHARDS);
	/*
	 * The 400 and the two 429s fail, and so do the lines the expired batch
	 * left without a record: whichever shard it was, one line more (each
	 * shard of 3 holds one of those three lines among its last two).
	 */
	assert_int_equal(s->failed, 4);
	assert_int_equal(s->succeeded + s->failed, LINES);
	check_merged(f, NULL);
	tfy_job_summary_free(s);
	tfy_job_free(job);
}

/* An input with problems: nothing is sent, the error names the lines. */
static void test_input_invalid(void **state)
{
	fixture *f = *state;
	start(f, 0.2);
	FILE *out = fopen(f->input, "w");
	assert_non_null(out);
	fputs("{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\","
	      "\"body\":{\"model\":\"" MODEL "\"}}\nnot json\n",
	      out);
	fclose(out);
	tfy_job_options o = options(f);
	tfy_job *job = open_ok(f, &o);
	long before = tu_gateway_requests(&f->gw);
	tfy_error *err = NULL;
	assert_int_equal(tfy_job_run(job, &err), TFY_ERROR_INPUT_INVALID);
	assert_non_null(strstr(err->message, "line 2"));
	tfy_error_free(err);
	assert_int_equal(tu_gateway_requests(&f->gw), before);
	tfy_job_free(job);
}

/* Another process runs the directory: refused at once, naming it. */
static void test_locked(void **state)
{
	fixture *f = *state;
	start(f, 0.2);
	write_input(f, 4, NULL);
	tfy_job_options o = options(f);
	tfy_job *job = open_ok(f, &o);
	char lock[128];
	snprintf(lock, sizeof(lock), "%s/lock", f->job);
	int fd = open(lock, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(write(fd, "4242\n", 5), 5);
	tfy_error *err = NULL;
	assert_int_equal(tfy_job_run(job, &err), TFY_ERROR_IO);
	assert_non_null(strstr(err->message, "process 4242"));
	assert_non_null(strstr(err->message, f->job));
	tfy_error_free(err);
	close(fd);
	run_ok(job);
	check_merged(f, "");
	tfy_job_free(job);
}

/* A progress callback that stops the run the first time it sees `phase`. */
typedef struct stopper {
	int32_t phase;
	int stopped;
} stopper;

static int32_t stop_at(void *userdata, const tfy_job_progress *p)
{
	stopper *s = userdata;
	assert_non_null(p->message);
	if (s->stopped || p->phase != s->phase)
		return TFY_CANCEL_CONTINUE;
	s->stopped = 1;
	return 1;
}

/* The journal without its last `drop` records, and with half a record after when `torn`. */
static void cut_journal(const fixture *f, int drop, int torn)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/journal", f->job);
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	size_t end = n, last = n;
	for (int k = 0; k < drop && end > 0; k++) {
		last = end;
		end--;
		while (end > 0 && text[end - 1] != '\n')
			end--;
	}
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fwrite(text, 1, end, out);
	if (torn && last > end)
		fwrite(text + end, 1, (last - end) / 2, out);
	fclose(out);
}

/* Stopped at each step, the journal cut back as a crash would leave it, run again: each once. */
static void test_resume(void **state)
{
	fixture *f = *state;
	start(f, 0.2);
	const int32_t phases[] = { TFY_JOB_PHASE_PLANNING,    TFY_JOB_PHASE_UPLOADING,
		                   TFY_JOB_PHASE_CREATING,    TFY_JOB_PHASE_WAITING,
		                   TFY_JOB_PHASE_DOWNLOADING, TFY_JOB_PHASE_MERGING };
	for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
		for (int cut = 0; cut < 3; cut++) {
			snprintf(f->job, sizeof(f->job), "%s/job-%zu-%d", f->dir, p, cut);
			write_input(f, 7, "b");
			stopper st = { phases[p], 0 };
			tfy_job_options o = options(f);
			o.progress = stop_at;
			o.progress_userdata = &st;
			tfy_job *job = open_ok(f, &o);
			tfy_error *err = NULL;
			assert_int_equal(tfy_job_run(job, &err), TFY_ERROR_CANCELLED);
			tfy_error_free(err);
			tfy_job_free(job);
			assert_true(st.stopped);
			if (cut)
				cut_journal(f, 1, cut == 2);
			o.progress = NULL;
			job = open_ok(f, &o);
			run_ok(job);
			check_merged(f, "b");
			tfy_job_summary *s = status_ok(job);
			assert_int_equal(s->state, TFY_JOB_STATE_DONE);
			assert_int_equal(s->succeeded, 6);
			check_one_batch_each(f, s);
			tfy_job_summary_free(s);
			tfy_job_free(job);
		}
	}
}

/* Cancel: the live batches are cancelled, what ended is merged, the rest fails. */
static void test_cancel(void **state)
{
	fixture *f = *state;
	start(f, 2.0);
	write_input(f, LINES, NULL);
	stopper st = { TFY_JOB_PHASE_CREATING, 0 };
	tfy_job_options o = options(f);
	o.progress = stop_at;
	o.progress_userdata = &st;
	tfy_job *job = open_ok(f, &o);
	tfy_error *err = NULL;
	assert_int_equal(tfy_job_run(job, &err), TFY_ERROR_CANCELLED);
	tfy_error_free(err);
	err = NULL;
	/* Cancelled from "another process": a job of its own on the directory. */
	o.progress = NULL;
	tfy_job *other = open_ok(f, &o);
	assert_int_equal(tfy_job_cancel(other, &err), TFY_OK);
	tfy_job_free(other);
	assert_int_equal(tfy_job_run(job, &err), TFY_ERROR_CANCELLED);
	assert_non_null(strstr(err->message, "cancelled"));
	tfy_error_free(err);
	tfy_job_summary *s = status_ok(job);
	assert_int_equal(s->state, TFY_JOB_STATE_CANCELLED);
	assert_int_equal(s->succeeded + s->failed, LINES);
	assert_true(s->failed > 0);
	tfy_job_summary_free(s);
	check_merged(f, NULL);
	tfy_job_free(job);
}

/* Ten tokens a line. */
static int64_t ten(void *userdata, const char *line, size_t len)
{
	(void)line;
	(void)len;
	(*(int *)userdata)++;
	return 10;
}

static int32_t most_live(void *userdata, const tfy_job_progress *p)
{
	int64_t *most = userdata;
	if (p->shards_live > *most)
		*most = p->shards_live;
	return TFY_CANCEL_CONTINUE;
}

/* A budget of 30 tokens: shards of 3 lines, one enqueued at a time. */
static void test_token_budget(void **state)
{
	fixture *f = *state;
	start(f, 0.2);
	write_input(f, 7, NULL);
	int calls = 0;
	int64_t most = 0;
	tfy_job_options o = options(f);
	o.max_requests = 0;
	o.max_enqueued_tokens = 30;
	o.estimate = ten;
	o.estimate_userdata = &calls;
	o.progress = most_live;
	o.progress_userdata = &most;
	tfy_job *job = open_ok(f, &o);
	run_ok(job);
	assert_int_equal(calls, 7);
	assert_int_equal(most, 1);
	check_merged(f, "");
	tfy_job_summary *s = status_ok(job);
	assert_int_equal(s->shards_count, 3);
	check_one_batch_each(f, s);
	tfy_job_summary_free(s);
	tfy_job_free(job);
}

/* Cancelled from another job of the directory while it runs: noticed, batches cancelled. */
typedef struct canceller {
	fixture *f;
	int done;
} canceller;

static int32_t cancel_once(void *userdata, const tfy_job_progress *p)
{
	canceller *c = userdata;
	if (c->done || p->phase != TFY_JOB_PHASE_CREATING)
		return TFY_CANCEL_CONTINUE;
	c->done = 1;
	tfy_job_options o = options(c->f);
	tfy_job *other = open_ok(c->f, &o);
	assert_int_equal(tfy_job_cancel(other, NULL), TFY_OK);
	tfy_job_free(other);
	return TFY_CANCEL_CONTINUE;
}

static void test_cancel_while_running(void **state)
{
	fixture *f = *state;
	start(f, 2.0);
	write_input(f, LINES, NULL);
	canceller c = { f, 0 };
	tfy_job_options o = options(f);
	o.progress = cancel_once;
	o.progress_userdata = &c;
	tfy_job *job = open_ok(f, &o);
	tfy_error *err = NULL;
	assert_int_equal(tfy_job_run(job, &err), TFY_ERROR_CANCELLED);
	tfy_error_free(err);
	tfy_job_summary *s = status_ok(job);
	assert_int_equal(s->state, TFY_JOB_STATE_CANCELLED);
	assert_int_equal(s->succeeded + s->failed, LINES);
	for (size_t i = 0; i < s->shards_count; i++)
		assert_true(!s->shards[i].status || strcmp(s->shards[i].status, "cancelled") == 0 ||
		            strcmp(s->shards[i].status, "completed") == 0);
	tfy_job_summary_free(s);
	check_merged(f, NULL);
	tfy_job_free(job);
}

static void test_bad_options(void **state)
{
	fixture *f = *state;
	start(f, 0.2);
	tfy_job_options o = options(f);
	tfy_job *job = NULL;
	tfy_error *err = NULL;
	o.concurrency = TFY_JOB_CONCURRENCY_MAX + 1;
	assert_int_equal(tfy_job_open(f->client, &o, &job, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(job);
	tfy_error_free(err);
	o = options(f);
	o.input_path = NULL;
	assert_int_equal(tfy_job_open(f->client, &o, &job, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	assert_int_equal(tfy_job_open(NULL, &o, &job, NULL), TFY_ERROR_INVALID_ARGUMENT);
	tfy_job_options z;
	assert_int_equal(tfy_job_options_init(&z, TFY_JOB_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(z.retries, TFY_JOB_RETRIES_DEFAULT);
	assert_int_equal(tfy_job_options_init(&z, 0), TFY_ERROR_INVALID_ARGUMENT);
	tfy_job_free(NULL);
	tfy_job_summary_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
