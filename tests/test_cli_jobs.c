/*
 * Tests of the batch workflow commands of tfy-batches (get, cancel, create,
 * wait, files, check, results, run and its jobs, job status) against tfy-mock-gateway's batch jobs
 * on loopback (files list on a gateway of its own, holding only its files): a fast gateway (a job ends in about 0.75 s), a paced one (3 s
 * validating, 3 s cancelling: a cancel lands before the job runs), a slow
 * one (jobs that outlast the test, to interrupt and time out), and two fast
 * ones whose downloads after the first fail: "partial" drops the second
 * once, "stuck" leaves every later one unanswered (a run's error file, after
 * its output file was saved).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define WRONG_KEY "sk-jobs-wrong-SECRET-13579"
#define ENDPOINT "/v1/chat/completions"
#define LINE(id, model) \
	"{\"custom_id\":\"" id "\",\"method\":\"POST\",\"url\":\"" ENDPOINT \
	"\",\"body\":{\"model\":\"" model "\",\"messages\":[]}}\n"
#define GOOD_INPUT LINE("one", "m-1") LINE("fail-two", "m-1") LINE("three", "m-1")

typedef struct fixture {
	tu_gateway fast, paced, slow, partial, stuck;
	char fast_url[160], paced_url[160], slow_url[160], partial_url[160], stuck_url[160];
	char dir[256];   /* a temporary directory of the test's files */
	char input[320]; /* dir/input.jsonl, GOOD_INPUT */
} fixture;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	static const char *const fast_args[] = { "--batch-seconds", "0.5", NULL };
	static const char *const paced_args[] = { "--batch-seconds", "12", NULL };
	static const char *const slow_args[] = { "--batch-seconds", "3600", NULL };
	static const char *const partial_args[] = { "--batch-seconds",
		                                    "0.5",
		                                    "--fault",
		                                    "none:route=download,times=1",
		                                    "--fault",
		                                    "drop:route=download,bytes=10,times=1",
		                                    NULL };
	static const char *const stuck_args[] = { "--batch-seconds",
		                                  "0.5",
		                                  "--fault",
		                                  "none:route=download,times=1",
		                                  "--fault",
		                                  "no-answer:route=download,seconds=30,times=0",
		                                  NULL };
	fixture *f = calloc(1, sizeof(*f));
	if (!f || tu_gateway_start(&f->fast, fast_args) < 0 ||
	    tu_gateway_start(&f->paced, paced_args) < 0 || tu_gateway_start(&f->slow, slow_args) < 0 ||
	    tu_gateway_start(&f->partial, partial_args) < 0 ||
	    tu_gateway_start(&f->stuck, stuck_args) < 0)
		return -1;
	snprintf(f->paced_url, sizeof(f->paced_url), "--base-url=%s/v1", f->paced.base);
	snprintf(f->fast_url, sizeof(f->fast_url), "--base-url=%s/v1", f->fast.base);
	snprintf(f->slow_url, sizeof(f->slow_url), "--base-url=%s/v1", f->slow.base);
	snprintf(f->partial_url, sizeof(f->partial_url), "--base-url=%s/v1", f->partial.base);
	snprintf(f->stuck_url, sizeof(f->stuck_url), "--base-url=%s/v1", f->stuck.base);
	snprintf(f->dir, sizeof(f->dir), "%s/tfy-cli-jobs-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->input, sizeof(f->input), "%s/input.jsonl", f->dir);
	FILE *in = fopen(f->input, "wb");
	if (!in)
		return -1;
	fputs(GOOD_INPUT, in);
	fclose(in);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = tu_gateway_stop(&f->fast) | tu_gateway_stop(&f->paced) | tu_gateway_stop(&f->slow) |
	         tu_gateway_stop(&f->partial) | tu_gateway_stop(&f->stuck);
	tu_remove_tree(f->dir);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* tfy-batches URL args... with the key in the environment and TFY_LOG=debug. */
static tu_run cli_key(const char *url, const char *key, const char *const *args)
{
	const char *argv[48] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 46; i++)
		argv[n++] = args[i];
	if (url)
		argv[n++] = url;
	char key_var[128];
	snprintf(key_var, sizeof(key_var), "TFY_API_KEY=%s", key);
	const char *env[] = { key_var, "TFY_LOG=debug", NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_null(strstr(r.out, key));
	assert_null(strstr(r.err, key));
	return r;
}

static tu_run cli(const char *url, const char *const *args)
{
	return cli_key(url, KEY, args);
}

static void expect_status(const tu_run *r, int status)
{
	if (r->status != status)
		print_error("exit %d, wanted %d; stderr:\n%s\nstdout:\n%s\n", r->status, status,
		            r->err, r->out);
	assert_int_equal(r->status, status);
}

/* The string member key of the JSON object text. */
static char *member(const char *text, const char *key)
{
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_DISABLE_EOF_CHECK, &jerr);
	assert_non_null(o);
	const char *v = json_string_value(json_object_get(o, key));
	char *copy = v ? strdup(v) : NULL;
	json_decref(o);
	return copy;
}

static char *upload(const fixture *f, const char *url, const char *path)
{
	tu_run r = cli(url,
	               (const char *const[]){ "files", "upload", path, "--format", "ndjson", NULL });
	expect_status(&r, 0);
	char *id = member(r.out, "id");
	assert_non_null(id);
	tu_run_free(&r);
	(void)f;
	return id;
}

static char *create(const char *url, const char *file_id, const char *metadata)
{
	tu_run r = cli(url, (const char *const[]){ "create", "--input-file-id", file_id,
	                                           "--endpoint", ENDPOINT, "--metadata", metadata,
	                                           "--format", "json", NULL });
	expect_status(&r, 0);
	char *id = member(r.out, "id");
	assert_non_null(id);
	tu_run_free(&r);
	return id;
}

/* The batch's status as the gateway has it now. */
static char *status_of(const tu_gateway *gw, const char *id)
{
	tfy_client *c = tu_client(gw, "/v1", KEY, NULL);
	assert_non_null(c);
	tfy_batch *b = NULL;
	assert_int_equal(tfy_batches_retrieve(c, id, NULL, &b, NULL), TFY_OK);
	char *s = strdup(b->status_raw);
	tfy_batch_free(b);
	tfy_client_free(c);
	return s;
}

static void test_files_commands(void **state)
{
	fixture *f = *state;
	char *id = upload(f, f->fast_url, f->input);

	tu_run r = cli(f->fast_url,
	               (const char *const[]){ "files", "get", id, "--format", "json", NULL });
	expect_status(&r, 0);
	char *got = member(r.out, "id");
	assert_string_equal(got, id);
	free(got);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "files", "get", id, NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "ID"));
	assert_non_null(strstr(r.out, "FILENAME"));
	assert_non_null(strstr(r.out, "input.jsonl"));
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "files", "get", id, "--format", "csv", NULL });
	expect_status(&r, 0);
	assert_true(strncmp(r.out, "id,bytes,created_at,filename,purpose,status\r\n", 45) == 0);
	tu_run_free(&r);

	/* Without -o off a terminal: standard output. */
	r = cli(f->fast_url, (const char *const[]){ "files", "download", id, NULL });
	expect_status(&r, 0);
	assert_string_equal(r.out, GOOD_INPUT);
	tu_run_free(&r);
	char path[400];
	snprintf(path, sizeof(path), "%s/copy.jsonl", f->dir);
	r = cli(f->fast_url, (const char *const[]){ "files", "download", id, "-o", path, NULL });
	expect_status(&r, 0);
	char *copy = read_file(path);
	assert_string_equal(copy, GOOD_INPUT);
	free(copy);
	tu_run_free(&r);
	/* An existing file is never replaced. */
	r = cli(f->fast_url, (const char *const[]){ "files", "download", id, "--output", path, NULL });
	expect_status(&r, 8);
	tu_run_free(&r);

	r = cli(f->fast_url, (const char *const[]){ "files", "delete", id, NULL });
	expect_status(&r, 0);
	char want[200];
	snprintf(want, sizeof(want), "deleted %s\n", id);
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "files", "get", id, NULL });
	expect_status(&r, 4);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "files", "upload", "/nonexistent/in.jsonl", NULL });
	expect_status(&r, 8);
	tu_run_free(&r);
	free(id);
}

/* A gateway of its own for a test, stopped even when the test fails. */
typedef struct own {
	fixture *f;
	tu_gateway gw;
	char url[160];
} own;

static int own_setup(void **state)
{
	own *o = calloc(1, sizeof(*o));
	if (!o || tu_gateway_start(&o->gw, NULL) < 0) {
		free(o);
		return -1;
	}
	o->f = *state;
	snprintf(o->url, sizeof(o->url), "--base-url=%s/v1", o->gw.base);
	*state = o;
	return 0;
}

static int own_teardown(void **state)
{
	own *o = *state;
	int rc = tu_gateway_stop(&o->gw);
	*state = o->f;
	free(o);
	return rc == 0 ? 0 : -1;
}

/* The ids of a json listing's data, joined by ' ', and its envelope's members. */
static void listing_of(const char *text, char *ids, size_t cap, json_t **envelope)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);
	if (!o)
		fail_msg("not one JSON text (%s): %s", jerr.text, text);
	assert_string_equal(json_string_value(json_object_get(o, "object")), "list");
	json_t *data = json_object_get(o, "data");
	ids[0] = '\0';
	for (size_t i = 0; i < json_array_size(data); i++) {
		size_t n = strlen(ids);
		snprintf(ids + n, cap - n, "%s%s", i ? " " : "",
		         json_string_value(json_object_get(json_array_get(data, i), "id")));
	}
	*envelope = o;
}

static void test_files_list(void **state)
{
	own *o = *state;
	char *id[3], want[512], got[512];
	for (int i = 0; i < 3; i++)
		id[i] = upload(o->f, o->url, o->f->input);

	/* The table: files get's columns, newest first, every row. */
	tu_run r = cli(o->url, (const char *const[]){ "files", "list", NULL });
	expect_status(&r, 0);
	assert_true(strncmp(r.out, "ID ", 3) == 0);
	assert_non_null(strstr(r.out, "BYTES"));
	assert_non_null(strstr(r.out, "FILENAME"));
	assert_int_equal(tu_count_lines(r.out), 4);
	assert_true(strstr(r.out, id[2]) < strstr(r.out, id[1]));
	assert_true(strstr(r.out, id[1]) < strstr(r.out, id[0]));
	assert_null(strstr(r.out, "more available"));
	tu_run_free(&r);
	/* One page of two, oldest first: the footer names the cursor. */
	r = cli(o->url,
	        (const char *const[]){ "files", "list", "--limit", "2", "--order", "asc", NULL });
	expect_status(&r, 0);
	assert_int_equal(tu_count_lines(r.out), 4);
	assert_true(strstr(r.out, id[0]) < strstr(r.out, id[1]));
	assert_null(strstr(r.out, id[2]));
	snprintf(want, sizeof(want), "2 files, more available (use --after %s or --all)\n", id[1]);
	assert_non_null(strstr(r.out, want));
	tu_run_free(&r);

	/* json: list's envelope, one page or every page. */
	json_t *env;
	r = cli(o->url,
	        (const char *const[]){ "files", "list", "--limit", "1", "--format", "json", NULL });
	expect_status(&r, 0);
	listing_of(r.out, got, sizeof(got), &env);
	assert_string_equal(got, id[2]);
	assert_string_equal(json_string_value(json_object_get(env, "last_id")), id[2]);
	assert_true(json_is_true(json_object_get(env, "has_more")));
	json_decref(env);
	tu_run_free(&r);
	r = cli(o->url, (const char *const[]){ "files", "list", "--limit", "1", "--all", "--format",
	                                       "json", NULL });
	expect_status(&r, 0);
	listing_of(r.out, got, sizeof(got), &env);
	snprintf(want, sizeof(want), "%s %s %s", id[2], id[1], id[0]);
	assert_string_equal(got, want);
	assert_string_equal(json_string_value(json_object_get(env, "first_id")), id[2]);
	assert_string_equal(json_string_value(json_object_get(env, "last_id")), id[0]);
	assert_true(json_is_false(json_object_get(env, "has_more")));
	json_t *first = json_array_get(json_object_get(env, "data"), 0);
	assert_int_equal(json_integer_value(json_object_get(first, "bytes")), strlen(GOOD_INPUT));
	assert_string_equal(json_string_value(json_object_get(first, "purpose")), "batch");
	json_decref(env);
	tu_run_free(&r);
	/* ndjson and --max-items; csv with its header; a purpose with no file. */
	r = cli(o->url, (const char *const[]){ "files", "list", "--all", "--limit", "1", "--order",
	                                       "asc", "--max-items", "2", "--format", "ndjson", NULL });
	expect_status(&r, 0);
	assert_int_equal(tu_count_lines(r.out), 2);
	char *line = member(r.out, "id");
	assert_string_equal(line, id[0]);
	free(line);
	assert_non_null(strstr(r.out, id[1]));
	tu_run_free(&r);
	r = cli(o->url, (const char *const[]){ "files", "list", "--format", "csv", NULL });
	expect_status(&r, 0);
	assert_true(strncmp(r.out, "id,bytes,created_at,filename,purpose,status\r\n", 45) == 0);
	assert_int_equal(tu_count_lines(r.out), 4);
	tu_run_free(&r);
	r = cli(o->url, (const char *const[]){ "files", "list", "--purpose", "batch_output",
	                                       "--format", "json", NULL });
	expect_status(&r, 0);
	assert_string_equal(r.out, "{\"object\":\"list\",\"data\":[],\"first_id\":null,"
	                           "\"last_id\":null,\"has_more\":false}\n");
	tu_run_free(&r);
	r = cli(o->url, (const char *const[]){ "files", "list", "--purpose", "batch_output", NULL });
	expect_status(&r, 0);
	assert_int_equal(tu_count_lines(r.out), 1); /* the header alone */
	tu_run_free(&r);

	/* A listing that ignores `after`: --all stops with a pagination error. */
	r = cli(o->url, (const char *const[]){ "files", "list", "--all", "--limit", "1", "-H",
	                                       "x-mock-fault: ignore-after:route=files", NULL });
	expect_status(&r, 6);
	assert_non_null(strstr(r.err, "the file it was asked to start after"));
	tu_run_free(&r);
	/* The server's refusal of an unknown cursor. */
	r = cli(o->url, (const char *const[]){ "files", "list", "--after", "file-none", NULL });
	expect_status(&r, 4);
	assert_non_null(strstr(r.err, "no file with id"));
	tu_run_free(&r);

	/* Usage errors, nothing sent. */
	long before = tu_gateway_requests(&o->gw);
	const char *const *bad[] = {
		(const char *const[]){ "files", "list", "--order", "up", NULL },
		(const char *const[]){ "files", "list", "--limit", "10001", NULL },
		(const char *const[]){ "files", "list", "--limit", "0", NULL },
		(const char *const[]){ "files", "list", "--max-items", "2", NULL },
		(const char *const[]){ "files", "list", "--status", "completed", NULL },
		(const char *const[]){ "files", "list", "--purpose", "", NULL },
		(const char *const[]){ "files", "list", "extra", NULL },
		(const char *const[]){ "list", "--limit", "101", NULL },
		(const char *const[]){ "list", "--purpose", "batch", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cli(o->url, bad[i]);
		if (r.status != 2)
			print_error("case %zu: %d %s\n", i, r.status, r.err);
		assert_int_equal(r.status, 2);
		tu_run_free(&r);
	}
	r = cli(o->url, (const char *const[]){ "files", "list", "--limit", "10001", NULL });
	assert_non_null(strstr(r.err, "--limit wants an integer from 1 to 10000"));
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&o->gw), before);
	for (int i = 0; i < 3; i++)
		free(id[i]);
}

static void test_create_get_wait(void **state)
{
	fixture *f = *state;
	char *file = upload(f, f->fast_url, f->input);
	char *id = create(f->fast_url, file, "purpose=test");

	tu_run r = cli(f->fast_url, (const char *const[]){ "get", id, "--format", "ndjson", NULL });
	expect_status(&r, 0);
	assert_int_equal(tu_count_lines(r.out), 1);
	assert_non_null(strstr(r.out, "\"purpose\":\"test\""));
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "get", id, NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "STATUS"));
	tu_run_free(&r);

	/* Off a terminal: one line on stderr per new status, the batch on stdout. */
	r = cli(f->fast_url, (const char *const[]){ "wait", id, "--format", "json", NULL });
	expect_status(&r, 0);
	char *status = member(r.out, "status");
	assert_string_equal(status, "completed");
	free(status);
	assert_null(strchr(r.err, '\r'));
	char line[256];
	snprintf(line, sizeof(line), "tfy-batches: %s completed 2/1/3\n", id);
	assert_non_null(strstr(r.err, line));
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "wait", id, "--format", "csv", NULL });
	expect_status(&r, 0);
	assert_int_equal(tu_count_lines(r.out), 2);
	tu_run_free(&r);

	/* An ended batch cannot be cancelled: the server says 400. */
	r = cli(f->fast_url, (const char *const[]){ "cancel", id, NULL });
	expect_status(&r, 4);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "get", "batch_nope", NULL });
	expect_status(&r, 4);
	tu_run_free(&r);
	free(id);
	free(file);
}

/* Every final state has its exit status. */
static void test_wait_exit_statuses(void **state)
{
	fixture *f = *state;
	char bad[400];
	snprintf(bad, sizeof(bad), "%s/bad-for-server.jsonl", f->dir);
	write_file(bad, LINE("a", "m") LINE("a", "m"));
	char *bad_file = upload(f, f->fast_url, bad);
	char *file = upload(f, f->fast_url, f->input);
	char *slow_file = upload(f, f->slow_url, f->input);

	char *failed = create(f->fast_url, bad_file, "k=v");
	tu_run r = cli(f->fast_url, (const char *const[]){ "wait", failed, NULL });
	expect_status(&r, 10);
	tu_run_free(&r);

	char *expired = create(f->fast_url, file, "mock_outcome=expire");
	r = cli(f->fast_url, (const char *const[]){ "wait", expired, NULL });
	expect_status(&r, 11);
	tu_run_free(&r);

	char *slow = create(f->slow_url, slow_file, "k=v");
	double t0 = tu_now_s();
	r = cli(f->slow_url, (const char *const[]){ "wait", slow, "--timeout", "0.3", NULL });
	expect_status(&r, 13);
	assert_non_null(strstr(r.err, "--timeout"));
	assert_true(tu_now_s() - t0 < 30 * tu_slowdown());
	tu_run_free(&r);

	char *paced_file = upload(f, f->paced_url, f->input);
	char *paced = create(f->paced_url, paced_file, "k=v");
	r = cli(f->paced_url, (const char *const[]){ "cancel", paced, "--format", "json", NULL });
	expect_status(&r, 0);
	char *status = member(r.out, "status");
	assert_string_equal(status, "cancelling");
	free(status);
	tu_run_free(&r);
	r = cli(f->paced_url, (const char *const[]){ "wait", paced, NULL });
	expect_status(&r, 12);
	tu_run_free(&r);
	free(paced);
	free(paced_file);
	free(failed);
	free(expired);
	free(slow);
	free(file);
	free(bad_file);
	free(slow_file);
}

static void test_check(void **state)
{
	fixture *f = *state;
	char bad[400];
	snprintf(bad, sizeof(bad), "%s/bad.jsonl", f->dir);
	write_file(bad,
	           LINE("a",
	                "m") "not json\n" LINE("a",
	                                       "m") "{\"custom_id\":\"b\",\"method\":\"GET\",\"url\":\"" ENDPOINT
	                                            "\","
	                                            "\"body\":{\"model\":\"m\",\"messages\":[]}}\n");
	tu_run r = cli(NULL, (const char *const[]){ "check", bad, NULL });
	expect_status(&r, 9);
	char want[512];
	snprintf(want, sizeof(want), "%s:2: ", bad);
	assert_non_null(strstr(r.out, want));
	snprintf(want, sizeof(want), "%s:3: ", bad);
	assert_non_null(strstr(r.out, want));
	snprintf(want, sizeof(want), "%s:4: ", bad);
	assert_non_null(strstr(r.out, want));
	assert_int_equal(tu_count_lines(r.out), 3);
	tu_run_free(&r);

	r = cli(NULL, (const char *const[]){ "check", f->input, NULL });
	expect_status(&r, 0);
	snprintf(want, sizeof(want), "%s: 3 requests, ok\n", f->input);
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	/* Against another endpoint every line is wrong. */
	r = cli(NULL, (const char *const[]){ "check", f->input, "--endpoint", "/v1/embeddings", NULL });
	expect_status(&r, 9);
	assert_int_equal(tu_count_lines(r.out), 3);
	tu_run_free(&r);
	r = cli(NULL, (const char *const[]){ "check", "/nonexistent/x.jsonl", NULL });
	expect_status(&r, 8);
	tu_run_free(&r);
	/* A FIFO is refused at once (it used to block the command until killed): exit 8. */
	char fifo[400];
	snprintf(fifo, sizeof(fifo), "%s/fifo.jsonl", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	r = cli(NULL, (const char *const[]){ "check", fifo, NULL });
	expect_status(&r, 8);
	assert_non_null(strstr(r.err, "not a regular file"));
	tu_run_free(&r);
	unlink(fifo);
}

/*
 * check names each problem with the code the Batch API gives it (the
 * mock's errors.data codes), and adds a provider's rules with
 * --provider-kind.
 */
static void test_check_codes_and_provider_kind(void **state)
{
	fixture *f = *state;
	char path[400], want[512];
	snprintf(path, sizeof(path), "%s/codes.jsonl", f->dir);
	write_file(path,
	           LINE("a", "m") "[1]\n" LINE("a", "m") "{\"custom_id\":\"b\",\"url\":\"/v1/embeddings\",\"body\":{\"messages\":\"hi\"}}\n" LINE(
			   "c", "n"));
	tu_run r = cli(NULL, (const char *const[]){ "check", path, NULL });
	expect_status(&r, 9);
	static const char *const lines[] = {
		":2: the line is an array, not a JSON object [invalid_json_line]\n",
		":3: custom_id \"a\" was already used on line 1 [duplicate_custom_id]\n",
		":4: method is missing (it must be \"POST\") [invalid_request]\n",
		(":4: url \"/v1/embeddings\" differs from the endpoint \"" ENDPOINT
		 "\" (the first line's) [mismatched_url]\n"),
		":4: body.model is missing [missing_required_parameter]\n",
		":4: body.messages is a string, not an array of messages [messages_not_an_array]\n",
		(":5: body.model \"n\" differs from \"m\" on line 1; a batch has one model "
		 "[mismatched_model]\n"),
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(want, sizeof(want), "%s%s", path, lines[i]);
		if (!strstr(r.out, want))
			fail_msg("no line %s in:\n%s", want, r.out);
	}
	assert_int_equal(tu_count_lines(r.out), 7);
	tu_run_free(&r);

	/* Vertex lets a line leave out method, url and body.model; OpenAI does not. */
	snprintf(path, sizeof(path), "%s/vertex.jsonl", f->dir);
	write_file(path, "{\"custom_id\":\"a\",\"body\":{\"messages\":[]}}\n");
	r = cli(NULL, (const char *const[]){ "check", path, "--provider-kind", "vertex",
	                                     "--endpoint", ENDPOINT, NULL });
	expect_status(&r, 0);
	snprintf(want, sizeof(want), "%s: 1 request, ok\n", path);
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	r = cli(NULL, (const char *const[]){ "check", path, "--provider-kind=openai", NULL });
	expect_status(&r, 9);
	assert_int_equal(tu_count_lines(r.out), 3);
	tu_run_free(&r);

	/* Bedrock takes 100 requests at least: a whole-file problem, line 0. */
	r = cli(NULL, (const char *const[]){ "check", f->input, "--provider-kind", "bedrock", NULL });
	expect_status(&r, 9);
	snprintf(want, sizeof(want),
	         "%s:0: the file holds 3 requests; a Bedrock batch takes 100 at least [too_few_requests]\n",
	         f->input);
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	r = cli(NULL, (const char *const[]){ "check", f->input, "--provider-kind", "azure", NULL });
	expect_status(&r, 0);
	tu_run_free(&r);

	/* Another kind is a usage error, quoted back. */
	r = cli(NULL, (const char *const[]){ "check", f->input, "--provider-kind", "gcp", NULL });
	expect_status(&r, 2);
	assert_non_null(strstr(r.err, "--provider-kind wants openai, azure, bedrock or vertex: 'gcp'"));
	tu_run_free(&r);
}

/* The first batch id the job's journal in dir records as created, or NULL. */
static char *journal_batch(const char *dir)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/journal", dir);
	char *text = read_file(path);
	if (!text)
		return NULL;
	char *id = NULL;
	for (const char *p = text; (p = strstr(p, "created ")) != NULL; p++) {
		if (p != text && p[-1] != '\n')
			continue;
		const char *b = strstr(p, " batch=");
		if (b && b < strchr(p, '\n')) {
			b += strlen(" batch=");
			id = strndup(b, strcspn(b, " \t\n"));
			break;
		}
	}
	free(text);
	return id;
}

/*
 * run: the input as a job in DIR: output.jsonl and errors.jsonl hold what
 * the gateway wrote, the summary counts them; run again on the done job
 * prints the same summary and sends nothing.
 */
static void test_run_end_to_end(void **state)
{
	fixture *f = *state;
	char out_dir[400];
	snprintf(out_dir, sizeof(out_dir), "%s/run", f->dir);
	assert_int_equal(mkdir(out_dir, 0700), 0);
	tu_run r = cli(f->fast_url, (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT,
	                                                   "-o", out_dir, "--format", "json", NULL });
	expect_status(&r, 0);
	json_error_t jerr;
	json_t *s = json_loads(r.out, 0, &jerr);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "status")), "done");
	assert_int_equal(json_integer_value(json_object_get(s, "completed")), 2);
	assert_int_equal(json_integer_value(json_object_get(s, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "total")), 3);
	assert_int_equal(json_integer_value(json_object_get(s, "batches")), 1);
	assert_true(json_integer_value(json_object_get(s, "prompt_tokens")) > 0);
	assert_true(json_is_null(json_object_get(s, "cost")));
	assert_int_equal(json_array_size(json_object_get(s, "shards")), 1);
	char path[600];
	snprintf(path, sizeof(path), "%s/output.jsonl", out_dir);
	assert_string_equal(json_string_value(json_object_get(s, "output")), path);
	char *output = read_file(path);
	assert_non_null(output);
	assert_int_equal(tu_count_lines(output), 2);
	assert_non_null(strstr(output, "\"custom_id\":\"one\""));
	assert_non_null(strstr(output, "\"custom_id\":\"three\""));
	assert_true(strstr(output, "\"one\"") < strstr(output, "\"three\"")); /* input order */
	snprintf(path, sizeof(path), "%s/errors.jsonl", out_dir);
	assert_string_equal(json_string_value(json_object_get(s, "errors")), path);
	char *errors = read_file(path);
	assert_non_null(errors);
	assert_int_equal(tu_count_lines(errors), 1);
	assert_non_null(strstr(errors, "\"custom_id\":\"fail-two\""));
	free(output);
	free(errors);
	tu_run_free(&r);

	/* results: a local path, and the same records by the batch's file id. */
	r = cli(NULL, (const char *const[]){ "results", path, "--format", "ndjson", NULL });
	expect_status(&r, 0);
	assert_int_equal(tu_count_lines(r.out), 1);
	tu_run_free(&r);
	snprintf(path, sizeof(path), "%s/output.jsonl", out_dir);
	r = cli(NULL, (const char *const[]){ "results", path, NULL });
	expect_status(&r, 0);
	assert_true(strncmp(r.out, "CUSTOM_ID", 9) == 0);
	assert_int_equal(tu_count_lines(r.out), 3);
	tu_run_free(&r);
	char *id = journal_batch(out_dir);
	assert_non_null(id);
	assert_string_equal(json_string_value(
				    json_object_get(json_array_get(json_object_get(s, "shards"), 0),
	                                            "batch_id")),
	                    id);
	tu_run g = cli(f->fast_url, (const char *const[]){ "get", id, "--format", "json", NULL });
	char *output_id = member(g.out, "output_file_id");
	tu_run_free(&g);
	r = cli(f->fast_url, (const char *const[]){ "results", output_id, "--format", "csv", NULL });
	expect_status(&r, 0);
	assert_true(strncmp(r.out, "custom_id,status_code,request_id,error_code,error_message,body\r\n",
	                    64) == 0);
	assert_int_equal(tu_count_lines(r.out), 3);
	assert_non_null(strstr(r.out, "one,200,"));
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "results", output_id, "--format", "json", NULL });
	expect_status(&r, 0);
	json_t *all = json_loads(r.out, 0, &jerr);
	assert_true(json_is_array(all));
	assert_int_equal(json_array_size(all), 2);
	assert_true(json_is_object(json_object_get(json_array_get(all, 0), "body")));
	json_decref(all);
	tu_run_free(&r);
	free(output_id);
	free(id);

	/* The same command on the done job: the same summary, nothing sent. */
	long sent = tu_gateway_requests(&f->fast);
	r = cli(f->fast_url, (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "-o",
	                                            out_dir, "--format", "json", NULL });
	expect_status(&r, 0);
	json_t *again = json_loads(r.out, 0, &jerr);
	assert_true(json_equal(again, s));
	json_decref(again);
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->fast), sent);
	/* job status reads the same from the journal; --format table lists the shard */
	r = cli(f->fast_url,
	        (const char *const[]){ "job", "status", out_dir, "--format", "json", NULL });
	expect_status(&r, 0);
	again = json_loads(r.out, 0, &jerr);
	assert_true(json_equal(again, s));
	json_decref(again);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "job", "status", out_dir, NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "SUCCEEDED"));
	assert_non_null(strstr(r.out, "done"));
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "job", "status", out_dir, "-q", NULL });
	expect_status(&r, 0);
	char want[200];
	snprintf(want, sizeof(want), "%s\n", json_string_value(json_object_get(s, "id")));
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->fast), sent);
	json_decref(s);

	/* A bad input stops run before anything is sent. */
	char bad[400], bad_dir[400];
	snprintf(bad, sizeof(bad), "%s/dup.jsonl", f->dir);
	snprintf(bad_dir, sizeof(bad_dir), "%s/run-bad", f->dir);
	write_file(bad, LINE("a", "m") LINE("a", "m"));
	long before = tu_gateway_requests(&f->fast);
	r = cli(f->fast_url,
	        (const char *const[]){ "run", bad, "--endpoint", ENDPOINT, "-o", bad_dir, NULL });
	expect_status(&r, 9);
	assert_non_null(strstr(r.err, ":2: "));
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->fast), before);
	/* So does a provider's rule: Bedrock takes 100 requests at least. */
	snprintf(bad_dir, sizeof(bad_dir), "%s/run-bedrock", f->dir);
	r = cli(f->fast_url,
	        (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "--provider-kind",
	                               "bedrock", "-o", bad_dir, NULL });
	expect_status(&r, 9);
	assert_non_null(strstr(r.err, "a Bedrock batch takes 100 at least [too_few_requests]\n"));
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->fast), before);
}

typedef struct spawned {
	pid_t pid;
	char out[400], err[400];
} spawned;

/* tfy-batches started in the background, its streams into files under dir. */
static void spawn(const fixture *f, spawned *s, const char *const *args)
{
	const char *argv[32] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	static int count;
	snprintf(s->out, sizeof(s->out), "%s/spawn-%d.out", f->dir, count);
	snprintf(s->err, sizeof(s->err), "%s/spawn-%d.err", f->dir, count++);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int o = open(s->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(s->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		setenv("TFY_API_KEY", KEY, 1);
		unsetenv("TFY_BASE_URL");
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

/* Waits (up to a generous bound) until the child's stderr holds text. */
static void await_stderr(const spawned *s, const char *text)
{
	double until = tu_now_s() + 60 * tu_slowdown();
	for (;;) {
		char *err = read_file(s->err);
		int found = err && strstr(err, text);
		free(err);
		if (found)
			return;
		if (tu_now_s() > until)
			fail_msg("no '%s' on stderr", text);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static int reap(const spawned *s)
{
	int status = 0;
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The exit status of a child that must have exited (not been killed by a signal). */
static int reap_exited(const spawned *s)
{
	int status = 0;
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	if (!WIFEXITED(status))
		fail_msg("killed by signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* Waits (up to a generous bound) until the journal in dir holds a record of type. */
static void await_record(const char *dir, const char *type)
{
	char path[600], line[64];
	snprintf(path, sizeof(path), "%s/journal", dir);
	snprintf(line, sizeof(line), "\n%s ", type);
	double until = tu_now_s() + 60 * tu_slowdown();
	for (;;) {
		char *text = read_file(path);
		int found = text && strstr(text, line);
		free(text);
		if (found)
			return;
		if (tu_now_s() > until)
			fail_msg("no '%s' record in %s", type, path);
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* "resume with: tfy-batches run INPUT -o DIR" and what follows, as run prints it. */
static void expect_resume(const char *err, const fixture *f, const char *dir)
{
	char want[1000];
	snprintf(want, sizeof(want), "resume with: tfy-batches run %s -o %s", f->input, dir);
	if (!strstr(err, want))
		fail_msg("no '%s' in:\n%s", want, err);
}

/*
 * Ctrl-C once the job's batch exists: exit 130, the batch goes on and the
 * command that resumes is printed; with --cancel-on-interrupt the batch is
 * cancelled.
 */
static void test_run_interrupted(void **state)
{
	fixture *f = *state;
	for (int cancel = 0; cancel < 2; cancel++) {
		char dir[400];
		snprintf(dir, sizeof(dir), "%s/run-interrupted-%d", f->dir, cancel);
		spawned s;
		spawn(f, &s,
		      (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "-o", dir,
		                             f->slow_url, cancel ? "--cancel-on-interrupt" : "--format",
		                             cancel ? NULL : "table", NULL });
		await_record(dir, "created");
		char *id = journal_batch(dir);
		assert_non_null(id);
		assert_int_equal(kill(s.pid, SIGINT), 0);
		assert_int_equal(reap(&s), 130);
		char *err = read_file(s.err);
		char *status = status_of(&f->slow, id);
		if (cancel) {
			assert_non_null(strstr(err, "cancelled the job's batches"));
			assert_true(strcmp(status, "cancelling") == 0 ||
			            strcmp(status, "cancelled") == 0);
		} else {
			assert_non_null(strstr(err, "interrupted; the job's batches go on"));
			expect_resume(err, f, dir);
			assert_true(strcmp(status, "validating") == 0 ||
			            strcmp(status, "in_progress") == 0);
		}
		char *out = read_file(s.out);
		assert_string_equal(out, "");
		free(out);
		free(status);
		free(err);
		free(id);
	}
}

/*
 * Ctrl-C while the server holds the upload unanswered: exit 130, no batch,
 * and the command that resumes.
 */
static void test_run_interrupted_uploading(void **state)
{
	fixture *f = *state;
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/run-interrupted-upload", f->dir);
	spawned s;
	spawn(f, &s,
	      (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "-o", dir, f->fast_url,
	                             "-H", "x-mock-fault: no-answer:seconds=30,route=upload", NULL });
	await_record(dir, "upload");
	/* The upload of a few lines goes out at once; the signal comes while it waits. */
	struct timespec ts = { 0, 500 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	assert_int_equal(kill(s.pid, SIGINT), 0);
	assert_int_equal(reap(&s), 130);
	char *err = read_file(s.err);
	expect_resume(err, f, dir);
	free(err);
	char *id = journal_batch(dir);
	assert_null(id);
}

static void test_wait_interrupted(void **state)
{
	fixture *f = *state;
	char *file = upload(f, f->slow_url, f->input);
	char *id = create(f->slow_url, file, "k=v");
	spawned s;
	spawn(f, &s, (const char *const[]){ "wait", id, f->slow_url, NULL });
	await_stderr(&s, "validating");
	assert_int_equal(kill(s.pid, SIGINT), 0);
	assert_int_equal(reap(&s), 130);
	char *err = read_file(s.err);
	char want[300];
	snprintf(want, sizeof(want), "tfy-batches wait %s\n", id);
	assert_non_null(strstr(err, want));
	char *status = status_of(&f->slow, id);
	assert_string_equal(status, "validating");
	free(status);
	free(err);
	free(id);
	free(file);
}

/* Entries of dir whose name begins with prefix. */
static int entries_with_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* Waits (up to a generous bound) until dir holds an entry whose name contains text. */
static void await_entry(const char *dir, const char *text)
{
	double until = tu_now_s() + 60 * tu_slowdown();
	for (;;) {
		DIR *d = opendir(dir);
		assert_non_null(d);
		int found = 0;
		for (struct dirent *e; (e = readdir(d));)
			found |= strstr(e->d_name, text) != NULL;
		closedir(d);
		if (found)
			return;
		if (tu_now_s() > until)
			fail_msg("no entry '*%s*' in %s", text, dir);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* The signals that stop a download as Ctrl-C does, each with its own exit status. */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/*
 * sig during files download -o leaves neither the file nor its .part
 * behind; the exit status is 128 + sig.
 */
static void download_stopped(const fixture *f, const char *file, int sig)
{
	char name[64], path[400];
	snprintf(name, sizeof(name), "interrupted-%d.jsonl", sig);
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	spawned s;
	/* The server keeps the download (not the File object) unanswered for 30 s. */
	spawn(f, &s,
	      (const char *const[]){ "files", "download", file, "-o", path, f->fast_url, "-H",
	                             "x-mock-fault: no-answer:seconds=30,route=download", NULL });
	await_entry(f->dir, ".part");
	assert_int_equal(kill(s.pid, sig), 0);
	assert_int_equal(reap_exited(&s), 128 + sig);
	char *err = read_file(s.err);
	assert_non_null(strstr(err, "interrupted; nothing was saved"));
	assert_int_equal(entries_with_prefix(f->dir, name), 0);
	free(err);
}

/* Ctrl-C, SIGTERM or SIGHUP during files download -o: nothing is left behind. */
static void test_download_interrupted(void **state)
{
	fixture *f = *state;
	char *file = upload(f, f->fast_url, f->input);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		download_stopped(f, file, stop_signals[i]);
	free(file);
}

/* A new directory under the fixture's, for one run's files. */
static void new_dir(const fixture *f, char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "%s/%s", f->dir, name);
	assert_int_equal(mkdir(dir, 0700), 0);
}

/* Entries of dir but . and .. */
static int entries(const char *dir)
{
	return entries_with_prefix(dir, "") - 2;
}

/*
 * sig while the job downloads its error file (its output file saved): the
 * exit status is 128 + sig, the command that resumes is printed and
 * nothing is merged yet; run again, it finishes.
 */
static void run_download_stopped(const fixture *f, int sig)
{
	char dir[400], name[32], path[600];
	snprintf(name, sizeof(name), "run-stopped-%d", sig);
	new_dir(f, dir, sizeof(dir), name);
	free(tu_http_get(&f->stuck, "/_mock/faults/reset"));
	spawned s;
	spawn(f, &s,
	      (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "-o", dir,
	                             f->stuck_url, NULL });
	await_record(dir, "downloaded");
	struct timespec ts = { 0, 300 * 1000 * 1000 }; /* the error file's download is held */
	nanosleep(&ts, NULL);
	assert_int_equal(kill(s.pid, sig), 0);
	assert_int_equal(reap_exited(&s), 128 + sig);
	char *err = read_file(s.err);
	expect_resume(err, f, dir);
	free(err);
	snprintf(path, sizeof(path), "%s/output.jsonl", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	/* the fault's count from the start: the next download is answered */
	free(tu_http_get(&f->stuck, "/_mock/faults/reset"));
	tu_run r = cli(f->stuck_url, (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT,
	                                                    "-o", dir, NULL });
	expect_status(&r, 0);
	tu_run_free(&r);
	char *output = read_file(path);
	assert_non_null(output);
	assert_int_equal(tu_count_lines(output), 2);
	free(output);
}

/* Ctrl-C, SIGTERM or SIGHUP during run's downloads. */
static void test_run_download_interrupted(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		run_download_stopped(f, stop_signals[i]);
}

/*
 * run whose error file failed to download after its output file was saved:
 * the failure gives the command that resumes, and running it again
 * finishes the job: the error file is fetched and merged.
 */
static void test_run_resume_after_failed_download(void **state)
{
	fixture *f = *state;
	char dir[400], errors[600];
	new_dir(f, dir, sizeof(dir), "run-partial");
	tu_run r = cli(f->partial_url, (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT,
	                                                      "-o", dir, "--max-retries", "0", NULL });
	expect_status(&r, 5);
	expect_resume(r.err, f, dir);
	assert_string_equal(r.out, "");
	tu_run_free(&r);
	snprintf(errors, sizeof(errors), "%s/errors.jsonl", dir);
	assert_int_not_equal(access(errors, F_OK), 0);

	r = cli(f->partial_url, (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT,
	                                               "-o", dir, "--format", "json", NULL });
	expect_status(&r, 0);
	char *got = member(r.out, "errors");
	assert_string_equal(got, errors);
	free(got);
	char *text = read_file(errors);
	assert_non_null(strstr(text, "\"custom_id\":\"fail-two\""));
	free(text);
	tu_run_free(&r);
}

/*
 * run --resume ID: the single batch of an earlier run, waited for and its
 * files downloaded into DIR as ID-output.jsonl and ID-errors.jsonl; again,
 * both are found whole and kept; a file of another size under the name is
 * not replaced.
 */
static void test_run_resume_batch(void **state)
{
	fixture *f = *state;
	char dir[400], output[600], errors[600], want[800];
	new_dir(f, dir, sizeof(dir), "run-resume-batch");
	char *file = upload(f, f->fast_url, f->input);
	char *id = create(f->fast_url, file, "k=v");
	snprintf(output, sizeof(output), "%s/%s-output.jsonl", dir, id);
	snprintf(errors, sizeof(errors), "%s/%s-errors.jsonl", dir, id);
	tu_run r = cli(f->fast_url, (const char *const[]){ "run", "--resume", id, "-o", dir,
	                                                   "--format", "json", NULL });
	expect_status(&r, 0);
	char *got = member(r.out, "errors");
	assert_string_equal(got, errors);
	free(got);
	snprintf(want, sizeof(want), "tfy-batches: saved %s\n", output);
	assert_non_null(strstr(r.err, want));
	tu_run_free(&r);
	char *text = read_file(errors);
	assert_non_null(strstr(text, "\"custom_id\":\"fail-two\""));
	free(text);

	r = cli(f->fast_url, (const char *const[]){ "run", "--resume", id, "-o", dir, NULL });
	expect_status(&r, 0);
	snprintf(want, sizeof(want), "tfy-batches: already saved %s\n", output);
	assert_non_null(strstr(r.err, want));
	snprintf(want, sizeof(want), "tfy-batches: already saved %s\n", errors);
	assert_non_null(strstr(r.err, want));
	tu_run_free(&r);

	/* not the file's size: not ours to replace */
	write_file(output, "{}\n");
	r = cli(f->fast_url, (const char *const[]){ "run", "--resume", id, "-o", dir, NULL });
	expect_status(&r, 8);
	assert_non_null(strstr(r.err, "refusing to replace"));
	tu_run_free(&r);
	text = read_file(output);
	assert_string_equal(text, "{}\n");
	free(text);
	assert_int_equal(entries(dir), 2);
	/* PATH and --resume ID are two ways to run: not both */
	r = cli(f->fast_url, (const char *const[]){ "run", f->input, "--resume", id, "-o", dir, NULL });
	expect_status(&r, 2);
	tu_run_free(&r);
	free(id);
	free(file);
}

/*
 * job cancel DIR while run goes on in another process (on the paced
 * gateway, where a cancel takes 3 s): the batch is cancelled, the journal
 * says so, and the run, once the batch is cancelled, exits 12 with its
 * summary.  job status and job cancel refuse a DIR that
 * holds no job (exit 8), sending nothing.
 */
static void test_job_cancel_and_status(void **state)
{
	fixture *f = *state;
	char dir[400];
	new_dir(f, dir, sizeof(dir), "job-cancel");
	spawned s;
	spawn(f, &s,
	      (const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "-o", dir,
	                             f->paced_url, "--format", "json", NULL });
	await_record(dir, "created");
	char *id = journal_batch(dir);
	tu_run r = cli(f->paced_url,
	               (const char *const[]){ "job", "cancel", dir, "--format", "json", NULL });
	expect_status(&r, 0);
	char *status = member(r.out, "status");
	assert_string_equal(status, "cancelled");
	free(status);
	tu_run_free(&r);
	status = status_of(&f->paced, id);
	assert_true(strcmp(status, "cancelling") == 0 || strcmp(status, "cancelled") == 0);
	free(status);
	assert_int_equal(reap_exited(&s), 12);
	char *out = read_file(s.out);
	status = member(out, "status");
	assert_string_equal(status, "cancelled");
	free(status);
	free(out);
	free(id);

	long before = tu_gateway_requests(&f->fast);
	char empty[400], missing[400];
	new_dir(f, empty, sizeof(empty), "job-none");
	snprintf(missing, sizeof(missing), "%s/job-missing", f->dir);
	const char *const *cases[] = {
		(const char *const[]){ "job", "status", empty, NULL },
		(const char *const[]){ "job", "cancel", empty, NULL },
		(const char *const[]){ "job", "status", missing, NULL },
		(const char *const[]){ "job", "status", f->input, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cli(f->fast_url, cases[i]);
		expect_status(&r, 8);
		assert_non_null(strstr(r.err, "tfy-batches: no job in '"));
		tu_run_free(&r);
	}
	assert_int_equal(entries(empty), 0);
	assert_int_equal(tu_gateway_requests(&f->fast), before);
}

/*
 * The job options: --max-requests 2 cuts the three lines into two shards
 * (--max-bytes takes a size with a unit), merged in input order; with
 * --prices the summary has a cost; the journal keeps the limits, so a
 * resume with others is a usage error.
 */
static void test_run_shards_and_prices(void **state)
{
	fixture *f = *state;
	char dir[400], prices[400];
	new_dir(f, dir, sizeof(dir), "run-shards");
	snprintf(prices, sizeof(prices), "%s/prices.json", f->dir);
	write_file(prices, "{\"m\": {\"input\": 1.0, \"cached_input\": 0.5, \"output\": 2.0}}\n");
	tu_run r = cli(f->fast_url,
	               (const char *const[]){ "run", f->input, "-o", dir, "--max-requests", "2",
	                                      "--max-bytes", "64KiB", "--concurrency", "2", "--retries",
	                                      "0", "--prices", prices, "--format", "json", NULL });
	expect_status(&r, 0);
	json_error_t jerr;
	json_t *s = json_loads(r.out, 0, &jerr);
	assert_non_null(s);
	assert_int_equal(json_integer_value(json_object_get(s, "batches")), 2);
	assert_int_equal(json_integer_value(json_object_get(s, "completed")), 2);
	assert_int_equal(json_integer_value(json_object_get(s, "failed")), 1);
	json_t *shards = json_object_get(s, "shards");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(shards, 0), "requests")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(shards, 1), "requests")), 1);
	assert_true(json_is_number(json_object_get(s, "cost")));
	assert_true(json_number_value(json_object_get(s, "cost")) > 0);
	json_decref(s);
	tu_run_free(&r);
	char path[600];
	snprintf(path, sizeof(path), "%s/output.jsonl", dir);
	char *output = read_file(path);
	assert_true(strstr(output, "\"one\"") < strstr(output, "\"three\""));
	free(output);

	r = cli(f->fast_url, (const char *const[]){ "job", "status", dir, "--format", "table", NULL });
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "ROUND"));
	assert_int_equal(tu_count_lines(r.out), 2 + 1 + 1 + 2); /* record, blank, header, shards */
	tu_run_free(&r);

	long before = tu_gateway_requests(&f->fast);
	r = cli(f->fast_url,
	        (const char *const[]){ "run", f->input, "-o", dir, "--max-requests", "3", NULL });
	expect_status(&r, 2);
	tu_run_free(&r);
	assert_int_equal(tu_gateway_requests(&f->fast), before);
}

/* Usage errors exit 2 and send nothing. */
static void test_usage_errors(void **state)
{
	fixture *f = *state;
	const char *const *cases[] = {
		(const char *const[]){ "get", NULL },
		(const char *const[]){ "get", "a", "b", NULL },
		(const char *const[]){ "create", "--endpoint", ENDPOINT, NULL },
		(const char *const[]){ "create", "--input-file-id", "file-x", NULL },
		(const char *const[]){ "create", "--input-file-id", "f", "--endpoint", ENDPOINT,
		                       "--metadata", "novalue", NULL },
		(const char *const[]){ "run", f->input, "--wait-timeout", "0", NULL },
		(const char *const[]){ "run", NULL },
		(const char *const[]){ "run", f->input, "--max-bytes", "12Q", NULL },
		(const char *const[]){ "run", f->input, "--max-bytes", "0", NULL },
		(const char *const[]){ "run", f->input, "--concurrency", "65", NULL },
		(const char *const[]){ "run", f->input, "--retries", "11", NULL },
		(const char *const[]){ "run", f->input, "--max-requests", "-1", NULL },
		(const char *const[]){ "run", f->input, "--metadata", "k=v", NULL },
		(const char *const[]){ "job", "status", NULL },
		(const char *const[]){ "job", "cancel", "a", "b", NULL },
		(const char *const[]){ "create", "-q", "--format", "json", "--input-file-id", "f",
		                       "--endpoint", ENDPOINT, NULL },
		(const char *const[]){ "files", "upload", f->input, "--quiet=1", NULL },
		(const char *const[]){ "files", NULL },
		(const char *const[]){ "files", "nope", NULL },
		(const char *const[]){ "files", "download", NULL },
		(const char *const[]){ "wait", "x", "--timeout", "0", NULL },
		(const char *const[]){ "check", NULL },
		(const char *const[]){ "check", "x", "--format", "json", NULL },
		(const char *const[]){ "get", "x", "-o", "y", NULL },
	};
	long before = tu_gateway_requests(&f->fast);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = cli(f->fast_url, cases[i]);
		if (r.status != 2)
			print_error("case %zu: %d %s\n", i, r.status, r.err);
		assert_int_equal(r.status, 2);
		assert_true(strncmp(r.err, "tfy-batches: ", 13) == 0);
		tu_run_free(&r);
	}
	assert_int_equal(tu_gateway_requests(&f->fast), before);
}

/* A wrong key: exit 3 from every command that calls the API, the key nowhere (TFY_LOG=debug). */
static void test_wrong_key_never_printed(void **state)
{
	fixture *f = *state;
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/run-wrong-key", f->dir);
	const char *const *cases[] = {
		(const char *const[]){ "get", "batch_x", NULL },
		(const char *const[]){ "cancel", "batch_x", NULL },
		(const char *const[]){ "create", "--input-file-id", "file-x", "--endpoint",
		                       ENDPOINT, NULL },
		(const char *const[]){ "wait", "batch_x", NULL },
		(const char *const[]){ "files", "upload", f->input, NULL },
		(const char *const[]){ "files", "get", "file-x", NULL },
		(const char *const[]){ "files", "download", "file-x", NULL },
		(const char *const[]){ "files", "delete", "file-x", NULL },
		(const char *const[]){ "results", "file-x", NULL },
		(const char *const[]){ "run", f->input, "--endpoint", ENDPOINT, "-o", dir, NULL },
		(const char *const[]){ "run", "--resume", "batch_x", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = cli_key(f->fast_url, WRONG_KEY, cases[i]);
		if (r.status != 3)
			print_error("case %zu: %d %s\n", i, r.status, r.err);
		assert_int_equal(r.status, 3);
		assert_non_null(strstr(r.err, "libtfy debug:"));
		tu_run_free(&r);
	}
}

/* --- ids for scripts, the batch's files and errors, run's defaults ------ */

/* -q: files upload, create, get and wait print the id alone, to chain them. */
static void test_quiet_chains_steps(void **state)
{
	fixture *f = *state;
	tu_run r = cli(f->fast_url, (const char *const[]){ "files", "upload", f->input, "-q", NULL });
	expect_status(&r, 0);
	char *file = strndup(r.out, strcspn(r.out, "\n"));
	assert_true(strncmp(file, "file-", 5) == 0);
	assert_int_equal(tu_count_lines(r.out), 1);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "create", "--input-file-id", file, "--endpoint",
	                                            ENDPOINT, "--quiet", NULL });
	expect_status(&r, 0);
	char *id = strndup(r.out, strcspn(r.out, "\n"));
	assert_true(strncmp(id, "batch_", 6) == 0);
	assert_int_equal(tu_count_lines(r.out), 1);
	tu_run_free(&r);
	char want[200];
	snprintf(want, sizeof(want), "%s\n", id);
	const char *const *shows[] = {
		(const char *const[]){ "wait", id, "-q", NULL },
		(const char *const[]){ "get", id, "-q", NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		r = cli(f->fast_url, shows[i]);
		expect_status(&r, 0);
		assert_string_equal(r.out, want);
		tu_run_free(&r);
	}
	snprintf(want, sizeof(want), "%s\n", file);
	r = cli(f->fast_url, (const char *const[]){ "files", "get", file, "-q", NULL });
	expect_status(&r, 0);
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	free(id);
	free(file);
}

/*
 * The tables of get and wait show the batch's output and error file ids,
 * whole; a file's table shows its CREATED_AT as list shows dates (ISO
 * 8601), json and csv the API's seconds.
 */
static void test_tables_show_files_and_dates(void **state)
{
	fixture *f = *state;
	char *file = upload(f, f->fast_url, f->input);
	char *id = create(f->fast_url, file, "k=v");
	tu_run r = cli(f->fast_url, (const char *const[]){ "wait", id, "--format", "json", NULL });
	expect_status(&r, 0);
	char *output = member(r.out, "output_file_id"), *errors = member(r.out, "error_file_id");
	assert_non_null(output);
	assert_non_null(errors);
	tu_run_free(&r);
	char want[2][200];
	snprintf(want[0], sizeof(want[0]), "\nOUTPUT_FILE  %s\n", output);
	snprintf(want[1], sizeof(want[1]), "\nERROR_FILE   %s\n", errors);
	const char *const *tables[] = {
		(const char *const[]){ "get", id, NULL },
		(const char *const[]){ "wait", id, NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		r = cli(f->fast_url, tables[i]);
		expect_status(&r, 0);
		assert_non_null(strstr(r.out, want[0]));
		assert_non_null(strstr(r.out, want[1]));
		tu_run_free(&r);
	}

	r = cli(f->fast_url, (const char *const[]){ "files", "get", file, "--format", "ndjson", NULL });
	expect_status(&r, 0);
	json_error_t jerr;
	json_t *o = json_loads(r.out, 0, &jerr);
	assert_true(json_is_integer(json_object_get(o, "created_at")));
	char secs[32];
	snprintf(secs, sizeof(secs), "%lld",
	         (long long)json_integer_value(json_object_get(o, "created_at")));
	json_decref(o);
	tu_run_free(&r);
	const char *const *file_tables[] = {
		(const char *const[]){ "files", "get", file, NULL },
		(const char *const[]){ "files", "upload", f->input, NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		r = cli(f->fast_url, file_tables[i]);
		expect_status(&r, 0);
		assert_non_null(strstr(r.out, "CREATED_AT"));
		assert_null(strstr(r.out, secs));         /* no Unix seconds in the table */
		assert_non_null(strstr(r.out, "+00:00")); /* TZ unset: UTC, as list shows it */
		tu_run_free(&r);
	}
	r = cli(f->fast_url, (const char *const[]){ "files", "get", file, "--format", "csv", NULL });
	assert_non_null(strstr(r.out, secs));
	tu_run_free(&r);
	free(output);
	free(errors);
	free(id);
	free(file);
}

/*
 * results: an argument that names a path (a '/', a .jsonl or .json end, or
 * an existing file) is never sent as a file id: missing, it fails with
 * "No such file", exit 8, and nothing is sent.  A file id, or one with a
 * scheme (a Bedrock s3:// id), is still asked for.
 */
static void test_results_path_or_id(void **state)
{
	fixture *f = *state;
	long before = tu_gateway_requests(&f->fast);
	static const char *const paths[] = { "out6.jsonl", "/nonexistent.jsonl", "dir/out6",
		                             "errors.json" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		tu_run r = cli(f->fast_url, (const char *const[]){ "results", paths[i], NULL });
		expect_status(&r, 8);
		assert_non_null(strstr(r.err, "No such file"));
		assert_non_null(strstr(r.err, paths[i]));
		tu_run_free(&r);
	}
	assert_int_equal(tu_gateway_requests(&f->fast), before);
	static const char *const ids[] = { "file-missing", "s3://bucket/out/x.jsonl" };
	for (size_t i = 0; i < 2; i++) {
		tu_run r = cli(f->fast_url, (const char *const[]){ "results", ids[i], NULL });
		expect_status(&r, 4); /* asked for: the gateway answers 404 */
		tu_run_free(&r);
	}
	assert_true(tu_gateway_requests(&f->fast) > before);
}

/*
 * wait on a failed batch prints its errors.data on stderr: the count, the
 * first 20 (line, code, message) and how many more; all of them when
 * fewer.
 */
static void test_wait_failed_prints_errors(void **state)
{
	fixture *f = *state;
	char bad[400];
	snprintf(bad, sizeof(bad), "%s/many-dups.jsonl", f->dir);
	FILE *in = fopen(bad, "wb");
	assert_non_null(in);
	for (int i = 0; i < 26; i++)
		fputs(LINE("same", "m"), in);
	fclose(in);
	char *file = upload(f, f->fast_url, bad);
	char *id = create(f->fast_url, file, "k=v");
	tu_run r = cli(f->fast_url, (const char *const[]){ "wait", id, NULL });
	expect_status(&r, 10);
	assert_non_null(strstr(r.err, "tfy-batches: the batch failed with 25 errors; the first 20:\n"));
	assert_non_null(strstr(r.err, "\n  line 2: duplicate_custom_id: "));
	assert_non_null(strstr(r.err, "\n  line 21: duplicate_custom_id: "));
	assert_null(strstr(r.err, "\n  line 22: "));
	assert_non_null(strstr(r.err, "\n  ... and 5 more: see 'tfy-batches get ID --format json'\n"));
	assert_non_null(strstr(r.out, "failed"));
	assert_null(strstr(r.out, "duplicate_custom_id")); /* stdout: the batch alone */
	tu_run_free(&r);
	free(id);
	free(file);

	snprintf(bad, sizeof(bad), "%s/two-dups.jsonl", f->dir);
	write_file(bad, LINE("a", "m") LINE("a", "m") LINE("a", "m"));
	file = upload(f, f->fast_url, bad);
	id = create(f->fast_url, file, "k=v");
	r = cli(f->fast_url, (const char *const[]){ "wait", id, "-q", NULL });
	expect_status(&r, 10);
	assert_non_null(strstr(r.err, "tfy-batches: the batch failed with 2 errors:\n"
	                              "  line 2: duplicate_custom_id: "));
	assert_non_null(strstr(r.err, "\n  line 3: duplicate_custom_id: "));
	assert_null(strstr(r.err, "more"));
	tu_run_free(&r);
	free(id);
	free(file);
}

/*
 * run takes the endpoint from the input's first line, as check does, and
 * creates a missing -o DIR (with its parents, 0700) before anything is
 * sent; a DIR that is a file is refused (exit 8) with nothing sent.
 */
static void test_run_endpoint_and_output_dir(void **state)
{
	fixture *f = *state;
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/made/by/run", f->dir);
	tu_run r = cli(f->fast_url,
	               (const char *const[]){ "run", f->input, "-o", dir, "--format", "json", NULL });
	expect_status(&r, 0);
	char want[600];
	snprintf(want, sizeof(want), "tfy-batches: created the directory %s\n", dir);
	assert_non_null(strstr(r.err, want));
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	char *id = journal_batch(dir), *output = member(r.out, "output");
	assert_non_null(id);
	assert_int_equal(strncmp(output, dir, strlen(dir)), 0);
	assert_int_equal(access(output, R_OK), 0);
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "get", id, "--format", "json", NULL });
	char *endpoint = member(r.out, "endpoint");
	assert_string_equal(endpoint, ENDPOINT);
	free(endpoint);
	tu_run_free(&r);
	free(output);
	free(id);

	/* a regular file where DIR should be: refused before the upload */
	long before = tu_gateway_requests(&f->fast);
	const char *const *refused[] = {
		(const char *const[]){ "run", f->input, "-o", f->input, NULL },
		(const char *const[]){ "run", "--resume", "batch_x", "-o", f->input, NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		r = cli(f->fast_url, refused[i]);
		expect_status(&r, 8);
		assert_non_null(strstr(r.err, "not a directory"));
		tu_run_free(&r);
	}
	assert_int_equal(tu_gateway_requests(&f->fast), before);
}

/*
 * -f replaces an existing download path: files download -o PATH, and run
 * --resume over a file that is not the whole one.
 */
static void test_force_replaces(void **state)
{
	fixture *f = *state;
	char *file = upload(f, f->fast_url, f->input);
	char path[400];
	snprintf(path, sizeof(path), "%s/replaced.jsonl", f->dir);
	write_file(path, "old\n");
	tu_run r = cli(f->fast_url,
	               (const char *const[]){ "files", "download", file, "-o", path, NULL });
	expect_status(&r, 8);
	assert_non_null(strstr(r.err, "-f replaces it"));
	tu_run_free(&r);
	char *text = read_file(path);
	assert_string_equal(text, "old\n");
	free(text);
	const char *const *forced[] = {
		(const char *const[]){ "files", "download", file, "-o", path, "-f", NULL },
		(const char *const[]){ "files", "download", file, "--output", path, "--force", NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		r = cli(f->fast_url, forced[i]);
		expect_status(&r, 0);
		tu_run_free(&r);
		text = read_file(path);
		assert_string_equal(text, GOOD_INPUT);
		free(text);
		write_file(path, "old\n");
	}
	free(file);

	char dir[400], output[600];
	new_dir(f, dir, sizeof(dir), "run-force");
	file = upload(f, f->fast_url, f->input);
	char *id = create(f->fast_url, file, "k=v");
	free(file);
	r = cli(f->fast_url, (const char *const[]){ "run", "--resume", id, "-o", dir, NULL });
	expect_status(&r, 0);
	tu_run_free(&r);
	snprintf(output, sizeof(output), "%s/%s-output.jsonl", dir, id);
	char *whole = read_file(output);
	write_file(output, "{}\n");
	r = cli(f->fast_url, (const char *const[]){ "run", "--resume", id, "-o", dir, NULL });
	expect_status(&r, 8);
	assert_non_null(strstr(r.err, "or give -f to replace it"));
	tu_run_free(&r);
	r = cli(f->fast_url, (const char *const[]){ "run", "--resume", id, "-o", dir, "-f", NULL });
	expect_status(&r, 0);
	tu_run_free(&r);
	text = read_file(output);
	assert_string_equal(text, whole);
	free(text);
	free(whole);
	free(id);
}

/* Lines of an option's own in s: "  -x, --NAME " or "      --NAME ". */
static size_t option_lines(const char *s, const char *name)
{
	size_t n = 0;
	for (const char *line = s; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
		const char *p = line + strspn(line, " ");
		if (p[0] == '-' && p[1] != '-' && p[2] == ',')
			p += 3 + strspn(p + 3, " ");
		n += strncmp(p, name, strlen(name)) == 0 && p[strlen(name)] == ' ';
	}
	return n;
}

/*
 * run --help lists --timeout once, with one meaning (the whole command's
 * deadline); the wait's own bound is --wait-timeout.  Either ends a wait
 * with exit 13, naming itself; wait --timeout goes on working.
 */
static void test_timeout_one_meaning(void **state)
{
	fixture *f = *state;
	const char *const *helps[] = {
		(const char *const[]){ "run", "--help", NULL },
		(const char *const[]){ "wait", "--help", NULL },
	};
	for (size_t i = 0; i < 2; i++) {
		tu_run r = cli(NULL, helps[i]);
		expect_status(&r, 0);
		assert_int_equal(option_lines(r.out, "--timeout"), 1);
		assert_int_equal(option_lines(r.out, "--wait-timeout"), 1);
		tu_run_free(&r);
	}
	char dir[400];
	new_dir(f, dir, sizeof(dir), "run-timeouts");
	const char *const *cases[] = {
		(const char *const[]){ "run", f->input, "-o", dir, "--wait-timeout", "0.5", NULL },
		(const char *const[]){ "run", f->input, "-o", dir, "--timeout", "2", NULL },
		(const char *const[]){ "run", f->input, "-o", dir, "--timeout", "2",
		                       "--wait-timeout", "60", NULL },
	};
	static const char *const said[] = { "--wait-timeout passed", "--timeout passed",
		                            "--timeout passed" };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double t0 = tu_now_s();
		tu_run r = cli(f->slow_url, cases[i]);
		expect_status(&r, 13);
		assert_non_null(strstr(r.err, said[i]));
		expect_resume(r.err, f, dir);
		assert_true(tu_now_s() - t0 < 30 * tu_slowdown());
		tu_run_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_commands),
		cmocka_unit_test_setup_teardown(test_files_list, own_setup, own_teardown),
		cmocka_unit_test(test_create_get_wait),
		cmocka_unit_test(test_wait_exit_statuses),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_codes_and_provider_kind),
		cmocka_unit_test(test_run_end_to_end),
		cmocka_unit_test(test_run_interrupted),
		cmocka_unit_test(test_run_interrupted_uploading),
		cmocka_unit_test(test_wait_interrupted),
		cmocka_unit_test(test_download_interrupted),
		cmocka_unit_test(test_run_download_interrupted),
		cmocka_unit_test(test_run_resume_after_failed_download),
		cmocka_unit_test(test_run_resume_batch),
		cmocka_unit_test(test_job_cancel_and_status),
		cmocka_unit_test(test_run_shards_and_prices),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_wrong_key_never_printed),
		cmocka_unit_test(test_quiet_chains_steps),
		cmocka_unit_test(test_tables_show_files_and_dates),
		cmocka_unit_test(test_results_path_or_id),
		cmocka_unit_test(test_wait_failed_prints_errors),
		cmocka_unit_test(test_run_endpoint_and_output_dir),
		cmocka_unit_test(test_force_replaces),
		cmocka_unit_test(test_timeout_one_meaning),
	};
	return cmocka_run_group_tests_name("cli_jobs", tests, setup, teardown);
}
