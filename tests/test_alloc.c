/*
 * Allocation failure: every allocation libtfy and jansson make is failed in
 * turn (lib/alloc.h), for a decode, a tfy_batches_list call against
 * tfy-mock-gateway, client creation plus a two-page iteration, the
 * calls of a batch job (retrieve, cancel, wait, a create reconciled after
 * its answer never came) and the Files calls (upload, retrieve, download
 * to a path, delete; no temporary file may be left behind) against
 * scripted loopback servers, a File parse, a result file read, an input
 * file check, a job's data path over local files (plan, settle, retry
 * input, merge, a price table; no temporary file left behind), and a
 * client with a credential callback, on_retry and kept headers.  Each
 * failing run must report TFY_ERROR_OUT_OF_MEMORY, leak nothing (the
 * sanitizer and valgrind runs check that) and leave the client usable.
 * libcurl's own allocations are not failed (see docs/fuzzing.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "decode.h"
#include "job_data.h"
#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define DATASET 5
#define PAGE_LIMIT 3 /* DATASET / PAGE_LIMIT rounds up to two pages */
#define MAX_RUNS 100000L

/* One failure at the N-th allocation, and every allocation from the N-th on. */
static const long fail_counts[] = { 1, LONG_MAX };

static const char *const gateway_args[] = { "--count", "5", NULL };

typedef tfy_code (*operation)(void *ctx);

/*
 * Runs op with the n-th allocation failing, for n = 1, 2, ... until a run
 * makes no allocation fail; each failing run must return OOM and be followed
 * by a clean run of again (may be NULL) that succeeds.  Returns the runs.
 */
static long exhaust_ex(const char *name, operation op, operation again, void *ctx, int may_recover)
{
	long runs = 0;
	for (size_t k = 0; k < sizeof(fail_counts) / sizeof(fail_counts[0]); k++) {
		long n;
		for (n = 1; n < MAX_RUNS; n++) {
			tfy__alloc_fail_after(n, fail_counts[k]);
			tfy_code rc = op(ctx);
			long failed = tfy__alloc_failed();
			tfy__alloc_fail_after(0, 0);
			runs++;
			if (failed == 0) {
				if (rc != TFY_OK)
					print_error("%s: clean run returned %s\n", name,
					            tfy_strerror(rc));
				assert_int_equal(rc, TFY_OK);
				break;
			}
			/* A failure where the library has a fallback (the prefetch) may go unseen. */
			if (may_recover && rc == TFY_OK)
				continue;
			if (rc != TFY_ERROR_OUT_OF_MEMORY)
				print_error("%s: allocation %ld failing (%ld in a row) gave %s\n", name,
				            n, fail_counts[k] == 1 ? 1L : failed, tfy_strerror(rc));
			assert_int_equal(rc, TFY_ERROR_OUT_OF_MEMORY);
			if (again)
				assert_int_equal(again(ctx), TFY_OK);
		}
		assert_true(n < MAX_RUNS);
		print_message("%s: %ld allocations failed in turn (%s)\n", name, n - 1,
		              fail_counts[k] == 1 ? "one at a time" : "and all after");
	}
	return runs;
}

static long exhaust(const char *name, operation op, operation again, void *ctx)
{
	return exhaust_ex(name, op, again, ctx, 0);
}

/* (a) a whole decode of tests/fixtures/page_mixed.json */

typedef struct decode_ctx {
	char *body;
	size_t len;
} decode_ctx;

static tfy_code decode_op(void *p)
{
	decode_ctx *c = p;
	tfy_batch_page *list = NULL;
	char detail[256] = "";
	tfy_code rc = tfy__decode_batch_page(c->body, c->len, &list, detail, sizeof(detail));
	if (rc == TFY_OK) {
		assert_non_null(list);
		assert_true(list->count > 0);
		for (size_t i = 0; i < list->count; i++)
			assert_non_null(list->items[i]->raw_json);
		if (tfy__batch_page_set_request_id(list, "req-1") < 0)
			rc = TFY_ERROR_OUT_OF_MEMORY;
	} else {
		assert_null(list);
	}
	tfy_batch_page_free(list);
	return rc;
}

static void test_decode(void **state)
{
	(void)state;
	decode_ctx c;
	c.body = tu_read_fixture("page_mixed.json", &c.len);
	exhaust("decode", decode_op, NULL, &c);
	free(c.body);
}

static tfy_code error_body_op(void *p)
{
	(void)p;
	static const char body[] =
		"{\"error\":{\"type\":\"invalid_request_error\",\"code\":42,\"param\":\"None\","
		"\"message\":\"limit must be at most 100\"}}";
	tfy_error e;
	memset(&e, 0, sizeof(e));
	int rc = tfy__decode_error_body(body, sizeof(body) - 1, &e);
	free((char *)e.api_type);
	free((char *)e.api_code);
	free((char *)e.api_param);
	free((char *)e.api_message);
	/* 0 ("not an envelope") is only right when the parse itself ran out of memory. */
	return rc == 1 ? TFY_OK : TFY_ERROR_OUT_OF_MEMORY;
}

/* tfy_batch_parse of one item, then tfy_batch_dup of the result. */
static tfy_code parse_dup_op(void *p)
{
	(void)p;
	static const char item[] =
		" {\"id\":\"batch_1\",\"status\":\"failed\",\"request_counts\":{\"total\":3},"
		"\"usage\":{\"input_tokens\":1},\"errors\":{\"data\":[{\"code\":\"x\",\"line\":2}]},"
		"\"metadata\":{\"k\":\"v\",\"n\":1}} ";
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batch_parse(item, sizeof(item) - 1, &b, &err);
	if (rc != TFY_OK) {
		assert_null(b);
		assert_non_null(err);
		assert_int_equal(err->code, rc);
		tfy_error_free(err);
		return rc;
	}
	tfy_batch *copy = tfy_batch_dup(b);
	if (copy) {
		assert_string_equal(copy->raw_json, b->raw_json);
		assert_int_equal(copy->errors_count, 1);
	}
	tfy_batch_free(b);
	tfy_batch_free(copy);
	return copy ? TFY_OK : TFY_ERROR_OUT_OF_MEMORY;
}

static void test_parse_and_dup(void **state)
{
	(void)state;
	exhaust("tfy_batch_parse + tfy_batch_dup", parse_dup_op, NULL, NULL);
}

/* tfy_file_parse of a File object, then tfy_file_dup of the result. */
static tfy_code file_op(void *p)
{
	(void)p;
	static const char json[] =
		"{\"id\":\"file-1\",\"object\":\"file\",\"bytes\":12,"
		"\"created_at\":\"2025-01-31T23:59:44Z\",\"filename\":\"a\\u00e9.jsonl\"}";
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_file_parse(json, sizeof(json) - 1, &f, &err);
	if (rc != TFY_OK) {
		assert_null(f);
		assert_int_equal(err->code, rc);
		tfy_error_free(err);
		return rc;
	}
	tfy_file *copy = tfy_file_dup(f);
	if (copy)
		assert_string_equal(copy->filename, "a\xc3\xa9.jsonl");
	tfy_file_free(f);
	tfy_file_free(copy);
	return copy ? TFY_OK : TFY_ERROR_OUT_OF_MEMORY;
}

static void test_file(void **state)
{
	(void)state;
	exhaust("tfy_file_parse + tfy_file_dup", file_op, NULL, NULL);
}

/* An output file with a bad line: three records and one decode error, read to the end. */
static const char results_text[] =
	"{\"id\":\"batch_req_1\",\"custom_id\":\"r1\",\"response\":{\"status_code\":200,"
	"\"request_id\":\"req_1\",\"body\":{\"choices\":[{\"index\":0}]}},\"error\":null}\r\n"
	"\n[not json\n"
	"{\"id\":\"batch_req_2\",\"custom_id\":\"r\\u00e92\",\"response\":null,"
	"\"error\":{\"code\":\"batch_expired\",\"message\":\"expired\"}}\n"
	"{\"custom_id\":\"r3\"}";

static tfy_code results_op(void *p)
{
	const char *path = p;
	tu_mem_stream m = { results_text, sizeof(results_text) - 1, 0, 16, -1 };
	tfy_result_reader *r = NULL;
	tfy_error *err = NULL;
	tfy_code rc = path ? tfy_result_reader_open(path, NULL, &r, &err)
	                   : tfy_result_reader_new(tu_mem_read, &m, NULL, &r, &err);
	if (rc != TFY_OK) {
		assert_int_equal(err->code, rc);
		tfy_error_free(err);
		return rc;
	}
	int records = 0, decode_errors = 0, oom = 0;
	for (;;) {
		const tfy_result *rec = NULL;
		rc = tfy_result_reader_next(r, &rec, &err);
		if (rc == TFY_OK && !rec)
			break;
		if (rc == TFY_OK) {
			records++;
			assert_non_null(rec->line_json);
			continue;
		}
		assert_int_equal(err->code, rc);
		tfy_error_free(err);
		if (rc == TFY_ERROR_OUT_OF_MEMORY) {
			/* The line is lost and the reader goes on, unless every allocation fails. */
			if (++oom > 50)
				break;
		} else if (rc == TFY_ERROR_DECODE)
			decode_errors++;
		else
			fail_msg("unexpected %s", tfy_strerror(rc));
	}
	tfy_result_reader_free(r);
	if (oom)
		return TFY_ERROR_OUT_OF_MEMORY;
	assert_int_equal(records, 3);
	assert_int_equal(decode_errors, 1);
	return TFY_OK;
}

static void test_results(void **state)
{
	(void)state;
	exhaust("result reader over a callback", results_op, NULL, NULL);
	char *path = tu_write_temp(results_text, sizeof(results_text) - 1);
	exhaust("result reader over a file", results_op, NULL, path);
	unlink(path);
	free(path);
}

/* An input file with problems of several kinds, a duplicate and a second model among them. */
static tfy_code check_op(void *p)
{
	(void)p;
	static const char text[] =
		"{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
		"\"body\":{\"model\":\"m\",\"messages\":[]}}\n"
		"{\"custom_id\":\"\\u0061\",\"method\":\"GET\",\"url\":\"/v1/embeddings\",\"body\":1}\n"
		"[\n\n"
		"{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
		"\"body\":{\"model\":\"n\",\"messages\":[]}}\n";
	tu_mem_stream m = { text, sizeof(text) - 1, 0, 0, -1 };
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_input_check_read(tu_mem_read, &m, NULL, &report, &err);
	if (rc != TFY_OK) {
		assert_null(report);
		assert_int_equal(err->code, rc);
		tfy_error_free(err);
		return rc;
	}
	assert_int_equal(report->problems_total, 6);
	assert_int_equal(report->problems_count, 6);
	assert_string_equal(report->endpoint, "/v1/chat/completions");
	tfy_input_report_free(report);
	return TFY_OK;
}

static void test_check(void **state)
{
	(void)state;
	exhaust("input check", check_op, NULL, NULL);
}

/* A job's data path: two requests planned, settled (one retried), the retry input, the merge. */
typedef struct jobdata_ctx {
	char dir[256];
	char input[300];
	char output[300];
	char prices[300];
} jobdata_ctx;

static int take_shard(void *userdata, const tfy__shard_plan *shard)
{
	*(tfy__shard_plan *)userdata = *shard;
	return 0;
}

static tfy_code jobdata_steps(jobdata_ctx *c, tfy_error **err)
{
	tfy__plan_limits l;
	memset(&l, 0, sizeof(l));
	l.max_requests = 10;
	l.max_bytes = 100000;
	l.endpoint = "/v1/chat/completions";
	tfy__shard_plan shard;
	tfy_input_report *report = NULL;
	tfy_code rc = tfy__job_plan(c->input, &l, take_shard, &shard, &report, err);
	if (rc != TFY_OK)
		return rc;
	assert_int_equal(report->problems_total, 0);
	tfy_input_report_free(report);
	tfy__price_table *prices = NULL;
	if ((rc = tfy__price_table_load(c->prices, &prices, err)) != TFY_OK)
		return rc;
	tfy_job_usage usage;
	tfy__usage_init(&usage, prices);
	tfy__shard_end end = { "batch_1", "expired", c->output, NULL, "expired" };
	rc = tfy__job_settle(c->dir, 0, 0, c->input, &shard, &end, 0, prices, &usage, err);
	tfy__price_table_free(prices);
	int64_t n = 0, ok = 0, failed = 0;
	size_t shards = 1;
	if (rc == TFY_OK)
		rc = tfy__job_retry_input(c->dir, 0, c->input, &shard, 1, &n, err);
	if (rc == TFY_OK)
		rc = tfy__job_merge(c->dir, 1, &shards, &ok, &failed, err);
	if (rc == TFY_OK) {
		assert_int_equal(n, 1);
		assert_int_equal(ok + failed, 2);
		assert_int_equal(usage.prompt_tokens, 3);
	}
	return rc;
}

static tfy_code jobdata_op(void *p)
{
	jobdata_ctx *c = p;
	tfy_error *err = NULL;
	tfy_code rc = jobdata_steps(c, &err);
	if (rc != TFY_OK) {
		assert_non_null(err);
		assert_int_equal(err->code, rc);
	}
	tfy_error_free(err);
	DIR *d = opendir(c->dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		assert_null(strstr(e->d_name, ".part"));
	closedir(d);
	return rc;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_job_data(void **state)
{
	(void)state;
	jobdata_ctx c;
	snprintf(c.dir, sizeof(c.dir), "%s/tfy-alloc-job-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(c.dir));
	snprintf(c.input, sizeof(c.input), "%s/input.jsonl", c.dir);
	snprintf(c.output, sizeof(c.output), "%s/batch-output.jsonl", c.dir);
	snprintf(c.prices, sizeof(c.prices), "%s/prices.json", c.dir);
	put_file(c.input, "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	                  "\"body\":{\"model\":\"m\",\"messages\":[]}}\n"
	                  "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	                  "\"body\":{\"model\":\"m\",\"messages\":[]}}\n");
	put_file(c.output, "{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":"
	                   "{\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,"
	                   "\"completion_tokens\":1}}}}\n");
	put_file(c.prices, "{\"m\":{\"input\":1,\"output\":2}}");
	exhaust("job data path", jobdata_op, NULL, &c);
	tu_remove_tree(c.dir);
}

static void test_error_body(void **state)
{
	(void)state;
	exhaust("error body", error_body_op, NULL, NULL);
}

/* (b) a whole tfy_batches_list call */

typedef struct gateway_ctx {
	tu_gateway gw;
	char url[192];
	tfy_client *client;
} gateway_ctx;

static int setup(void **state)
{
	gateway_ctx *c = tu_gateway_state(state, sizeof(*c), gateway_args);
	if (!c)
		return -1;
	snprintf(c->url, sizeof(c->url), "%s/v1", c->gw.base);
	return 0;
}

static int teardown(void **state)
{
	gateway_ctx *c = *state;
	tfy_client_free(c->client);
	return tu_gateway_teardown(state);
}

static tfy_code new_client(gateway_ctx *c, tfy_client **out)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = c->url;
	o.api_key = KEY;
	o.max_retries = TFY_NONE;
	/*
	 * Every copied string option, so that each copy fails in turn; none of
	 * them changes a plain http call to loopback (no_proxy bypasses the
	 * proxy, the client certificate is for TLS only).
	 */
	o.ca_file = "/nonexistent/ca.pem";
	o.ca_path = "/nonexistent/certs";
	o.proxy = "http://127.0.0.1:9";
	o.no_proxy = "127.0.0.1";
	o.proxy_credentials = "user:proxy-secret";
	o.tls_client_cert = "/nonexistent/client.pem";
	o.tls_client_key = "/nonexistent/client.key";
	o.tls_client_key_password = "key-secret";
	tfy_error *err = NULL;
	tfy_code rc = tfy_client_new(&o, out, &err);
	if (rc == TFY_OK)
		assert_null(err);
	else
		assert_null(*out);
	/* An error is always there, also when memory ran out. */
	if (rc != TFY_OK) {
		assert_non_null(err);
		assert_int_equal(err->code, rc);
	}
	tfy_error_free(err);
	return rc;
}

static tfy_code list_op(void *p)
{
	gateway_ctx *c = p;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy_request_options o_req = TFY_REQUEST_OPTIONS_INIT;
	o.request = &o_req;
	o.limit = PAGE_LIMIT;
	static const tfy_pair meta[] = { { "team", "ml" } };
	o_req.metadata_header = meta;
	o_req.metadata_header_count = 1;
	tfy_batch_page *list = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_list(c->client, &o, &list, &err);
	if (rc == TFY_OK) {
		assert_non_null(list);
		assert_null(err);
		assert_int_equal(list->count, PAGE_LIMIT);
		assert_non_null(list->request_id);
	} else {
		assert_null(list);
		assert_non_null(err);
		assert_int_equal(err->code, rc);
	}
	tfy_batch_page_free(list);
	tfy_error_free(err);
	return rc;
}

static void test_list(void **state)
{
	gateway_ctx *c = *state;
	assert_int_equal(new_client(c, &c->client), TFY_OK);
	/* Once on a fresh client too: its first call sets up the connection cache. */
	exhaust("tfy_batches_list", list_op, list_op, c);
}

/* (c) client creation and an iterator over two pages */

static tfy_code iterate(tfy_client *client, int32_t prefetch)
{
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = PAGE_LIMIT;
	o.prefetch = prefetch;
	tfy_batch_iter *it = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batch_iter_new(client, &o, &it, &err);
	size_t n = 0;
	const tfy_batch *b = NULL;
	while (rc == TFY_OK && (rc = tfy_batch_iter_next(it, &b, &err)) == TFY_OK && b)
		n++;
	if (rc == TFY_OK) {
		assert_int_equal(n, DATASET);
		assert_int_equal(tfy_batch_iter_pages(it), 2);
		assert_non_null(tfy_batch_iter_cursor(it));
	} else {
		assert_non_null(err);
		assert_int_equal(err->code, rc);
	}
	tfy_error_free(err);
	tfy_batch_iter_free(it);
	return rc;
}

static tfy_code client_iter_op(void *p)
{
	gateway_ctx *c = p;
	tfy_client_free(c->client);
	c->client = NULL;
	tfy_code rc = new_client(c, &c->client);
	if (rc == TFY_OK)
		rc = iterate(c->client, TFY_NONE);
	return rc;
}

/* After a failure: the same client (when creation got that far) iterates fine. */
static tfy_code client_iter_again(void *p)
{
	gateway_ctx *c = p;
	if (!c->client)
		return new_client(c, &c->client);
	return iterate(c->client, TFY_NONE);
}

/* With prefetch: a failure inside it must cost nothing but the prefetch itself. */
static tfy_code prefetch_iter_op(void *p)
{
	gateway_ctx *c = p;
	if (!c->client && new_client(c, &c->client) != TFY_OK)
		return TFY_ERROR_OUT_OF_MEMORY;
	return iterate(c->client, 1);
}

static void test_client_and_iterator(void **state)
{
	exhaust("client + iterator", client_iter_op, client_iter_again, *state);
}

static void test_iterator_with_prefetch(void **state)
{
	exhaust_ex("iterator with prefetch", prefetch_iter_op, prefetch_iter_op, *state, 1);
}

/* (d) the calls of a batch job, against a scripted server */

static char job_batch[512], job_list[1024];

/* A client of the raw server s that sends each request once. */
static tfy_client *raw_client(const tu_server *s)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = TFY_NONE;
	return tu_client_url(s->base, KEY, &o);
}

/* A create is read and never answered; the list finds it; every other call gets the batch. */
static void job_server(tu_server *s, int fd)
{
	(void)s;
	char head[4096];
	if (!tu_read_head_into(fd, head, sizeof(head)) || strncmp(head, "POST /v1/batches ", 17) == 0)
		return;
	const char *body = strncmp(head, "GET /v1/batches?", 16) == 0 ? job_list : job_batch;
	tu_send_answer(fd, 200, NULL, body, strlen(body));
	shutdown(fd, SHUT_WR);
}

typedef struct job_ctx {
	tu_server s;
	tfy_client *client;
} job_ctx;

static int job_setup(void **state)
{
	job_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	/* Completed for the wait; validating as the list shows it, freshly created. */
	static const char fmt[] = "{\"id\":\"b1\",\"object\":\"batch\",\"endpoint\":\"/v1/embeddings\","
				  "\"input_file_id\":\"file-1\",\"status\":\"%s\",\"created_at\":%lld,"
				  "\"request_counts\":{\"total\":1,\"completed\":%d,\"failed\":0},"
				  "\"metadata\":{\"run\":\"7\"}}";
	char fresh[512];
	snprintf(job_batch, sizeof(job_batch), fmt, "completed", (long long)time(NULL), 1);
	snprintf(fresh, sizeof(fresh), fmt, "validating", (long long)time(NULL), 0);
	snprintf(job_list, sizeof(job_list),
	         "{\"object\":\"list\",\"data\":[%s],\"has_more\":false}", fresh);
	tu_server_start(&c->s, job_server, NULL, 0);
	c->client = raw_client(&c->s);
	if (!c->client)
		return -1;
	*state = c;
	return 0;
}

static int job_teardown(void **state)
{
	job_ctx *c = *state;
	tfy_client_free(c->client);
	tu_server_stop(&c->s);
	free(c);
	return 0;
}

/* The result of a call returning one batch, checked for the out and err rules. */
static tfy_code one_batch(tfy_code rc, tfy_batch *b, tfy_error *err)
{
	if (rc == TFY_OK) {
		assert_non_null(b);
		assert_null(err);
		assert_string_equal(b->id, "b1");
	} else {
		assert_null(b);
		assert_non_null(err);
		assert_int_equal(err->code, rc);
	}
	/*
	 * A create that may have taken effect stays TFY_ERROR_OUTCOME_UNKNOWN
	 * when memory runs out while reconciling: that the batch may exist
	 * matters more.  Its message says why the batch was not found.
	 */
	if (rc == TFY_ERROR_OUTCOME_UNKNOWN && strstr(err->message, "out of memory"))
		rc = TFY_ERROR_OUT_OF_MEMORY;
	tfy_batch_free(b);
	tfy_error_free(err);
	return rc;
}

static tfy_code job_calls_op(void *p)
{
	job_ctx *c = p;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_retrieve(c->client, "b1", NULL, &b, &err);
	rc = one_batch(rc, b, err);
	if (rc == TFY_OK) {
		rc = tfy_batches_cancel(c->client, "b1", NULL, &b, &err);
		rc = one_batch(rc, b, err);
	}
	if (rc == TFY_OK) {
		tfy_batch_wait_options w = TFY_BATCH_WAIT_OPTIONS_INIT;
		rc = tfy_batch_wait(c->client, "b1", &w, &b, &err);
		rc = one_batch(rc, b, err);
	}
	return rc;
}

static tfy_code create_op(void *p)
{
	job_ctx *c = p;
	static const tfy_pair meta[] = { { "run", "7" } };
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = "file-1";
	o.endpoint = "/v1/embeddings";
	o.metadata = meta;
	o.metadata_count = 1;
	o.output_expires_after_seconds = 86400;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_create(c->client, &o, &b, &err);
	return one_batch(rc, b, err);
}

static void test_job_calls(void **state)
{
	exhaust("retrieve + cancel + wait", job_calls_op, job_calls_op, *state);
}

static void test_create_reconciled(void **state)
{
	exhaust("create, reconciled", create_op, create_op, *state);
}

/* The same calls as their start forms (tfy/async.h), driven by testutil's poll(2) loop. */

typedef struct got {
	int called;
	tfy_code rc;
	tfy_batch *batch;
	tfy_error *err;
} got;

static void on_got(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err)
{
	got *g = userdata;
	g->called++;
	g->rc = rc;
	g->batch = batch;
	g->err = err;
}

/* A start form's result: refused (then never called back) or its callback's, as one_batch checks it. */
static tfy_code started(tfy_code rc, tfy_error *err, got *g)
{
	if (rc != TFY_OK) {
		assert_int_equal(g->called, 0);
		assert_non_null(err);
		assert_int_equal(err->code, rc);
		tfy_error_free(err);
		return rc;
	}
	assert_null(err);
	assert_int_equal(g->called, 1);
	return one_batch(g->rc, g->batch, g->err);
}

static tfy_code async_calls_op(void *p)
{
	job_ctx *c = p;
	tu_async_driver d;
	tfy_async *as = NULL;
	tfy_code rc = tu_async_new(c->client, &d, &as);
	if (rc != TFY_OK) {
		assert_null(as);
		return rc;
	}
	static const tfy_pair meta[] = { { "run", "7" } };
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = "file-1";
	o.endpoint = "/v1/embeddings";
	o.metadata = meta;
	o.metadata_count = 1;
	tfy_batch_wait_options w = TFY_BATCH_WAIT_OPTIONS_INIT;
	got g[4] = { { 0 } };
	tfy_error *err[4] = { NULL };
	tfy_code s[4];
	s[0] = tfy_batches_retrieve_start(as, "b1", NULL, on_got, &g[0], NULL, &err[0]);
	s[1] = tfy_batches_cancel_start(as, "b1", NULL, on_got, &g[1], NULL, &err[1]);
	s[2] = tfy_batch_wait_start(as, "b1", &w, on_got, &g[2], NULL, &err[2]);
	s[3] = tfy_batches_create_start(as, &o, on_got, &g[3], NULL, &err[3]);
	assert_int_equal(tu_async_run(as, &d, 30), 0);
	tfy_async_free(as);
	assert_int_equal(d.count, 0);
	for (int i = 0; i < 4; i++) {
		tfy_code r = started(s[i], err[i], &g[i]);
		if (rc == TFY_OK)
			rc = r;
	}
	return rc;
}

static void test_async_calls(void **state)
{
	/* Noting a watched socket has a fallback (it stays watched): that failure may go unseen. */
	exhaust_ex("start forms: retrieve, cancel, wait, create reconciled", async_calls_op,
	           async_calls_op, *state, 1);
}

/* (e) the Files calls, against a raw server that answers by method and path */

#define FILE_JSON "{\"id\":\"file-1\",\"object\":\"file\",\"bytes\":6,\"filename\":\"in.jsonl\"}"
/* A listing of two pages, one file each. */
#define FILES_PAGE_1 \
	"{\"object\":\"list\",\"data\":[" FILE_JSON "],\"last_id\":\"file-1\"," \
	"\"has_more\":true,\"x\":[1]}"
#define FILES_PAGE_2 "{\"object\":\"list\",\"data\":[{\"id\":\"file-2\"}],\"has_more\":false}"

static void files_handler(tu_server *s, int fd)
{
	char buf[8192];
	if (!tu_read_head_into(fd, buf, sizeof(buf)))
		return;
	(void)s;
	const char *body = strncmp(buf, "DELETE ", 7) == 0 ? "{\"id\":\"file-1\",\"deleted\":true}"
	                 : strncmp(buf, "GET /v1/files/file-1/content ", 29) == 0 ? "{}\n{}\n"
	                 : strncmp(buf, "GET /v1/files?", 14) != 0                ? FILE_JSON
	                 : strstr(buf, "after=file-1")                            ? FILES_PAGE_2
	                                                                          : FILES_PAGE_1;
	tu_send_answer(fd, 200, NULL, body, strlen(body));
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0) /* the rest of an upload, then the close */
		;
}

typedef struct files_ctx {
	tu_server s;
	tfy_client *client;
	char dir[64], in[96], out[96];
} files_ctx;

static int files_setup(void **state)
{
	files_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	tu_server_start(&c->s, files_handler, NULL, 0);
	snprintf(c->dir, sizeof(c->dir), "/tmp/tfy-alloc-XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->in, sizeof(c->in), "%s/in.jsonl", c->dir);
	snprintf(c->out, sizeof(c->out), "%s/out.jsonl", c->dir);
	FILE *fp = fopen(c->in, "w");
	if (!fp)
		return -1;
	fputs("{}\n{}\n", fp);
	fclose(fp);
	c->client = raw_client(&c->s);
	if (!c->client)
		return -1;
	*state = c;
	return 0;
}

static int files_teardown(void **state)
{
	files_ctx *c = *state;
	tfy_client_free(c->client);
	tu_server_stop(&c->s);
	unlink(c->in);
	unlink(c->out);
	rmdir(c->dir);
	free(c);
	return 0;
}

/* Entries of the directory besides in.jsonl: a temporary file left behind shows here. */
static int stray_files(const files_ctx *c)
{
	DIR *d = opendir(c->dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		     strcmp(e->d_name, "in.jsonl");
	closedir(d);
	return n;
}

/* Upload, retrieve, download to a path and delete, each failing cleanly. */
static tfy_code files_op(void *p)
{
	files_ctx *c = p;
	unlink(c->out);
	tfy_files_upload_options u = TFY_FILES_UPLOAD_OPTIONS_INIT;
	u.path = c->in;
	tfy_file *file = NULL, *again = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_files_upload(c->client, &u, &file, &err);
	if (rc == TFY_OK)
		rc = tfy_files_retrieve(c->client, file->id, NULL, &again, &err);
	if (rc == TFY_OK) {
		tfy_files_download_options d = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		d.path = c->out;
		d.expected_bytes = file->bytes.value;
		rc = tfy_files_download(c->client, again->id, &d, &err);
		assert_int_equal(stray_files(c), rc == TFY_OK);
	}
	if (rc == TFY_OK)
		rc = tfy_files_delete(c->client, file->id, NULL, &err);
	if (rc != TFY_OK) {
		assert_non_null(err);
		assert_int_equal(err->code, rc);
		assert_null(rc == TFY_ERROR_OUT_OF_MEMORY ? NULL : err);
	}
	tfy_error_free(err);
	tfy_file_free(file);
	tfy_file_free(again);
	return rc;
}

static void test_files(void **state)
{
	exhaust("files: upload, retrieve, download, delete", files_op, files_op, *state);
}

/* What a file start form's callback was told. */
typedef struct got_file {
	int called;
	tfy_code rc;
	tfy_file *file;
	tfy_error *err;
} got_file;

static void on_file_got(void *userdata, tfy_code rc, tfy_file *file, tfy_error *err)
{
	got_file *g = userdata;
	g->called++;
	g->rc = rc;
	g->file = file;
	g->err = err;
}

static void on_done_got(void *userdata, tfy_code rc, tfy_error *err)
{
	on_file_got(userdata, rc, NULL, err);
}

/* A file start form's whole result: refused, or its callback's; the error agrees with the code. */
static tfy_code file_started(tfy_code rc, tfy_error *err, got_file *g)
{
	if (rc == TFY_OK) {
		assert_null(err);
		assert_int_equal(g->called, 1);
		rc = g->rc;
		err = g->err;
	} else {
		assert_int_equal(g->called, 0);
	}
	if (rc != TFY_OK) {
		assert_non_null(err);
		assert_int_equal(err->code, rc);
		assert_null(g->file);
	}
	tfy_error_free(err);
	return rc;
}

/* The upload from a path and the download to a path as start forms, one after the other. */
static tfy_code async_files_op(void *p)
{
	files_ctx *c = p;
	unlink(c->out);
	tu_async_driver d;
	tfy_async *as = NULL;
	tfy_code rc = tu_async_new(c->client, &d, &as);
	if (rc != TFY_OK)
		return rc;
	tfy_files_upload_options u = TFY_FILES_UPLOAD_OPTIONS_INIT;
	u.path = c->in;
	got_file up = { 0 }, down = { 0 };
	tfy_error *err = NULL;
	rc = tfy_files_upload_start(as, &u, on_file_got, &up, NULL, &err);
	assert_int_equal(tu_async_run(as, &d, 30), 0);
	tfy_file *file = up.file;
	up.file = NULL;
	rc = file_started(rc, err, &up);
	if (rc == TFY_OK) {
		tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		o.path = c->out;
		o.expected_bytes = file->bytes.value;
		err = NULL;
		rc = tfy_files_download_start(as, file->id, &o, on_done_got, &down, NULL, &err);
		assert_int_equal(tu_async_run(as, &d, 30), 0);
		rc = file_started(rc, err, &down);
		assert_int_equal(stray_files(c), rc == TFY_OK);
	}
	tfy_file_free(file);
	tfy_async_free(as);
	return rc;
}

static void test_async_files(void **state)
{
	/* Noting a watched socket has a fallback (it stays watched): that failure may go unseen. */
	exhaust_ex("start forms: upload, download", async_files_op, async_files_op, *state, 1);
}

/* One page of files, then every page with the file iterator (no prefetch: its failure is unseen). */
static tfy_code files_list_op(void *p)
{
	files_ctx *c = p;
	tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;
	o.limit = 1;
	o.order = "asc";
	o.purpose = "batch";
	o.prefetch = TFY_NONE;
	tfy_file_page *page = NULL;
	tfy_file_iter *it = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_files_list(c->client, &o, &page, &err);
	if (rc == TFY_OK) {
		assert_int_equal(page->count, 1);
		assert_non_null(page->extra_json);
		rc = tfy_file_iter_new(c->client, &o, &it, &err);
	}
	size_t n = 0;
	const tfy_file *f = NULL;
	while (rc == TFY_OK && (rc = tfy_file_iter_next(it, &f, &err)) == TFY_OK && f)
		n++;
	if (rc == TFY_OK)
		assert_int_equal(n, 2);
	else
		assert_int_equal(err->code, rc);
	tfy_error_free(err);
	tfy_file_iter_free(it);
	tfy_file_page_free(page);
	return rc;
}

static void test_files_list(void **state)
{
	exhaust("files: list, iterator", files_list_op, files_list_op, *state);
}

/*
 * (cred) a client whose key comes from a callback that first gives a stale
 * key: every call goes through the 401, the refresh, kept headers on the
 * page and on the error, and on_retry.
 */

/* Set before each call: the callback's next key is stale, until it is asked to refresh. */
static int stale;

static int32_t stale_then_fresh(void *userdata, int32_t refresh, char *key, size_t key_size)
{
	(void)userdata;
	stale = stale && !refresh;
	snprintf(key, key_size, "%s", stale ? "a-stale-key" : KEY);
	return 0;
}

static int32_t count_retry(void *userdata, const tfy_retry_info *info)
{
	(void)info;
	++*(int *)userdata;
	return TFY_CANCEL_CONTINUE;
}

static tfy_code new_credential_client(gateway_ctx *c, tfy_client **out)
{
	static int retries;
	static const char *const keep[] = { "content-type" };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = c->url;
	o.credential = stale_then_fresh;
	o.on_retry = count_retry;
	o.on_retry_userdata = &retries;
	o.retry_initial_backoff_ms = 1;
	o.retry_max_backoff_ms = 1;
	o.keep_headers = keep;
	o.keep_headers_count = 1;
	o.max_retries = 1;
	tfy_error *err = NULL;
	tfy_code rc = tfy_client_new(&o, out, &err);
	if (rc != TFY_OK)
		assert_int_equal(err->code, rc);
	tfy_error_free(err);
	return rc;
}

/* A page with its headers, then a 429 whose error keeps its headers. */
static tfy_code credential_list_op(void *p)
{
	gateway_ctx *c = p;
	tfy_client_free(c->client);
	c->client = NULL;
	tfy_code rc = new_credential_client(c, &c->client);
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	stale = 1;
	if (rc == TFY_OK)
		rc = tfy_batches_list(c->client, NULL, &page, &err);
	if (rc == TFY_OK) {
		assert_non_null(tfy_batch_page_header(page, "content-type"));
		tfy_pair fault = { "x-mock-fault", "retry-after:ms=1" };
		tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
		r.headers = &fault;
		r.headers_count = 1;
		tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
		o.request = &r;
		tfy_batch_page_free(page);
		page = NULL;
		stale = 1;
		rc = tfy_batches_list(c->client, &o, &page, &err);
		if (rc == TFY_ERROR_RATE_LIMIT) {
			assert_string_equal(tfy_error_header(err, "retry-after-ms"), "1");
			rc = TFY_OK;
		}
	}
	if (rc != TFY_OK && err)
		assert_int_equal(err->code, rc);
	tfy_batch_page_free(page);
	tfy_error_free(err);
	return rc;
}

static tfy_code credential_iter_op(void *p)
{
	gateway_ctx *c = p;
	if (!c->client && new_credential_client(c, &c->client) != TFY_OK)
		return TFY_ERROR_OUT_OF_MEMORY;
	stale = 1;
	return iterate(c->client, 1);
}

static void test_credential_paths(void **state)
{
	exhaust("credential client, list, kept headers", credential_list_op, credential_list_op,
	        *state);
	gateway_ctx *c = *state;
	tfy_client_free(c->client);
	c->client = NULL;
	exhaust_ex("credential iterator with prefetch", credential_iter_op, credential_iter_op,
	           *state, 1);
}

int main(void)
{
	/*
	 * Process-global: jansson's allocations fail along with libtfy's.  The
	 * decoder reads modelled strings and numbers itself, so jansson 2.14's
	 * lexer, which asserts or reads past a string when its token buffer
	 * cannot grow (load.c:442), is not on these paths.
	 */
	json_set_alloc_funcs(tfy__malloc, tfy__free);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_parse_and_dup),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_job_data),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_and_iterator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterator_with_prefetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_calls, job_setup, job_teardown),
		cmocka_unit_test_setup_teardown(test_create_reconciled, job_setup, job_teardown),
		cmocka_unit_test_setup_teardown(test_async_calls, job_setup, job_teardown),
		cmocka_unit_test_setup_teardown(test_files, files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(test_files_list, files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(test_async_files, files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(test_credential_paths, setup, teardown),
	};
	return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
