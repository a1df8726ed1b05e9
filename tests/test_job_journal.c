/* Unit tests of a job's journal: records, replay, a torn tail, the locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job_journal.h"
#include "testutil.h"

#define ID "0123456789abcdef0123456789abcdef"

static char *new_dir(void)
{
	char tmpl[] = "/tmp/tfy-journal-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	char *dir = malloc(strlen(d) + 8);
	assert_non_null(dir);
	sprintf(dir, "%s/job", d); /* made by the open */
	return dir;
}

static void drop_dir(char *dir)
{
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	tu_remove_tree(dir);
	free(dir);
}

static tfy__journal *open_ok(const char *dir, int create)
{
	tfy__journal *j = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy__journal_open(dir, create, &j, &err);
	if (rc != TFY_OK)
		print_error("open: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	return j;
}

static void append_ok(tfy__journal *j, tfy__jrec *b)
{
	tfy_error *err = NULL;
	tfy_code rc = tfy__journal_append(j, b, &err);
	if (rc != TFY_OK)
		print_error("append: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
}

static void add_job(tfy__journal *j, const char *input)
{
	tfy__jrec b = TFY__JREC_INIT;
	tfy__jrec_begin(&b, "job");
	tfy__jrec_int(&b, "v", 1);
	tfy__jrec_str(&b, "id", ID);
	tfy__jrec_str(&b, "input", input);
	tfy__jrec_str(&b, "endpoint", "/v1/chat/completions");
	tfy__jrec_str(&b, "window", "24h");
	tfy__jrec_int(&b, "max_requests", 10);
	tfy__jrec_int(&b, "max_bytes", 1000);
	tfy__jrec_int(&b, "retries", 2);
	tfy__jrec_int(&b, "started", 1700000000);
	append_ok(j, &b);
	tfy__jrec_clear(&b);
}

static void add_shard(tfy__journal *j, int r, int i, int64_t offset)
{
	tfy__jrec b = TFY__JREC_INIT;
	tfy__jrec_begin(&b, "shard");
	tfy__jrec_int(&b, "r", r);
	tfy__jrec_int(&b, "i", i);
	tfy__jrec_int(&b, "offset", offset);
	tfy__jrec_int(&b, "bytes", 100);
	tfy__jrec_int(&b, "requests", 10);
	tfy__jrec_int(&b, "tokens", 7);
	append_ok(j, &b);
	tfy__jrec_clear(&b);
}

static void add_simple(tfy__journal *j, const char *type, int r, int i, const char *key,
                       const char *value)
{
	tfy__jrec b = TFY__JREC_INIT;
	tfy__jrec_begin(&b, type);
	tfy__jrec_int(&b, "r", r);
	if (i >= 0)
		tfy__jrec_int(&b, "i", i);
	if (key)
		tfy__jrec_str(&b, key, value);
	append_ok(j, &b);
	tfy__jrec_clear(&b);
}

static void add_round(tfy__journal *j, int r, int shards)
{
	tfy__jrec b = TFY__JREC_INIT;
	tfy__jrec_begin(&b, "round");
	tfy__jrec_int(&b, "r", r);
	tfy__jrec_int(&b, "shards", shards);
	tfy__jrec_int(&b, "requests", 10 * shards);
	tfy__jrec_int(&b, "size", 1234);
	tfy__jrec_int(&b, "mtime", 99);
	append_ok(j, &b);
	tfy__jrec_clear(&b);
}

static char *journal_path(const char *dir)
{
	char *p = malloc(strlen(dir) + 16);
	assert_non_null(p);
	sprintf(p, "%s/journal", dir);
	return p;
}

static void append_raw(const char *dir, const char *text)
{
	char *p = journal_path(dir);
	FILE *f = fopen(p, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(tfy__crc32("123456789", 9), 0xcbf43926u);
	assert_int_equal(tfy__crc32("", 0), 0);
}

static void test_job_id(void **state)
{
	(void)state;
	char a[TFY__JOB_ID_LEN + 1], b[TFY__JOB_ID_LEN + 1];
	assert_int_equal(tfy__job_id_new(a), 0);
	assert_int_equal(tfy__job_id_new(b), 0);
	assert_int_equal(strlen(a), TFY__JOB_ID_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), TFY__JOB_ID_LEN);
	assert_string_not_equal(a, b);
}

/* Every kind of record, replayed by a second open into the same state. */
static void test_replay(void **state)
{
	(void)state;
	char *dir = new_dir();
	tfy__journal *j = open_ok(dir, 1);
	add_job(j, "/tmp/in put=%\twith\nodd bytes");
	add_shard(j, 0, 0, 0);
	add_shard(j, 0, 1, 100);
	add_round(j, 0, 2);
	add_simple(j, "upload", 0, 1, NULL, NULL);
	add_simple(j, "uploaded", 0, 1, "file", "file-1");
	add_simple(j, "create", 0, 1, NULL, NULL);
	add_simple(j, "created", 0, 1, "batch", "batch_1");
	tfy__jrec b = TFY__JREC_INIT;
	tfy__jrec_begin(&b, "ended");
	tfy__jrec_int(&b, "r", 0);
	tfy__jrec_int(&b, "i", 1);
	tfy__jrec_str(&b, "status", "expired");
	tfy__jrec_str(&b, "output", "file-o");
	tfy__jrec_int(&b, "total", 10);
	tfy__jrec_int(&b, "completed", 4);
	tfy__jrec_int(&b, "failed", 0);
	tfy__jrec_str(&b, "why", "batch_expired: the batch expired");
	append_ok(j, &b);
	tfy__jrec_begin(&b, "downloaded");
	tfy__jrec_int(&b, "r", 0);
	tfy__jrec_int(&b, "i", 1);
	tfy__jrec_str(&b, "kind", "output");
	tfy__jrec_str(&b, "path", "/x/r0-s1.output.jsonl");
	tfy__jrec_int(&b, "bytes", 55);
	append_ok(j, &b);
	tfy__jrec_begin(&b, "settled");
	tfy__jrec_int(&b, "r", 0);
	tfy__jrec_int(&b, "i", 1);
	tfy__jrec_int(&b, "ok", 4);
	tfy__jrec_int(&b, "failed", 1);
	tfy__jrec_int(&b, "retry", 5);
	tfy__jrec_int(&b, "prompt", 123);
	tfy__jrec_double(&b, "cost", 0.125);
	tfy__jrec_int(&b, "has_cost", 1);
	append_ok(j, &b);
	tfy__jrec_clear(&b);
	add_simple(j, "cancelled", 0, -1, NULL, NULL);
	tfy__journal_close(j);

	j = open_ok(dir, 0);
	const tfy__jstate *st = tfy__journal_state(j);
	assert_true(st->has_job);
	assert_string_equal(st->id, ID);
	assert_string_equal(st->input, "/tmp/in put=%\twith\nodd bytes");
	assert_int_equal(st->max_requests, 10);
	assert_int_equal(st->retries, 2);
	assert_int_equal(st->started, 1700000000);
	assert_int_equal(st->rounds_count, 1);
	assert_true(st->rounds[0].planned);
	assert_int_equal(st->rounds[0].requests, 20);
	assert_int_equal(st->size, 1234);
	assert_int_equal(st->mtime, 99);
	assert_int_equal(st->shards_count, 2);
	const tfy__jshard *s = tfy__journal_shard(j, 0, 1);
	assert_non_null(s);
	assert_int_equal(s->plan.offset, 100);
	assert_int_equal(s->plan.tokens, 7);
	assert_true(s->upload_intent && s->create_intent);
	assert_string_equal(s->file_id, "file-1");
	assert_string_equal(s->batch_id, "batch_1");
	assert_true(s->ended);
	assert_string_equal(s->status, "expired");
	assert_string_equal(s->output_file_id, "file-o");
	assert_null(s->error_file_id);
	assert_string_equal(s->why, "batch_expired: the batch expired");
	assert_int_equal(s->completed, 4);
	assert_string_equal(s->output_path, "/x/r0-s1.output.jsonl");
	assert_true(s->settled);
	assert_int_equal(s->ok, 4);
	assert_int_equal(s->lost, 1);
	assert_int_equal(s->retry, 5);
	assert_int_equal(s->usage.prompt_tokens, 123);
	assert_true(s->usage.cost == 0.125);
	assert_true(st->cancelled);
	assert_false(st->done);
	assert_null(tfy__journal_shard(j, 0, 2));
	assert_null(tfy__journal_shard(j, 1, 0));
	tfy__journal_close(j);
	drop_dir(dir);
}

/* A line cut by a crash, or one whose checksum fails, ends the journal; the next append cuts it. */
static void test_torn_tail(void **state)
{
	(void)state;
	const char *tails[] = { "shard r=0 i=1 offset=100 bytes=100 requests=10",
		                "shard r=0 i=1 offset=100 bytes=100 requests=10\t00000000\n", "\n",
		                "garbage\tzz\n" };
	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		char *dir = new_dir();
		tfy__journal *j = open_ok(dir, 1);
		add_job(j, "/in");
		add_shard(j, 0, 0, 0);
		tfy__journal_close(j);
		append_raw(dir, tails[t]);

		j = open_ok(dir, 0);
		assert_int_equal(tfy__journal_state(j)->shards_count, 1);
		add_shard(j, 0, 1, 100);
		add_round(j, 0, 2);
		tfy__journal_close(j);

		j = open_ok(dir, 0);
		const tfy__jstate *st = tfy__journal_state(j);
		assert_int_equal(st->shards_count, 2);
		assert_true(st->rounds[0].planned);
		tfy__journal_close(j);
		drop_dir(dir);
	}
}

/* A shard planned again after a crash mid-plan takes its place, not a new one. */
static void test_replan(void **state)
{
	(void)state;
	char *dir = new_dir();
	tfy__journal *j = open_ok(dir, 1);
	add_job(j, "/in");
	add_shard(j, 0, 0, 0);
	add_shard(j, 0, 1, 100);
	add_shard(j, 0, 0, 0);
	add_shard(j, 0, 1, 100);
	add_shard(j, 0, 2, 200);
	add_round(j, 0, 3);
	assert_int_equal(tfy__journal_state(j)->shards_count, 3);
	add_simple(j, "rounddone", 0, -1, "retry", "4");
	add_shard(j, 1, 0, 0);
	add_round(j, 1, 1);
	const tfy__jstate *st = tfy__journal_state(j);
	assert_int_equal(st->rounds_count, 2);
	assert_int_equal(st->rounds[0].retry, 4);
	assert_int_equal(st->rounds[1].first, 3);
	assert_non_null(tfy__journal_shard(j, 1, 0));
	assert_int_equal(tfy__journal_shard(j, 1, 0)->round, 1);
	tfy__journal_close(j);
	drop_dir(dir);
}

static void test_bad_records(void **state)
{
	(void)state;
	const char *bad[] = { "nosuchrecord r=0", "shard r=0 i=0 offset=0 bytes=1 requests=1",
		              "created r=0 i=5 batch=b" };
	for (size_t t = 0; t < sizeof(bad) / sizeof(bad[0]); t++) {
		char *dir = new_dir();
		tfy__journal *j = open_ok(dir, 1);
		if (t != 1)
			add_job(j, "/in");
		tfy__journal_close(j);
		char line[256];
		snprintf(line, sizeof(line), "%s\t%08x\n", bad[t], tfy__crc32(bad[t], strlen(bad[t])));
		append_raw(dir, line);
		tfy_error *err = NULL;
		assert_int_equal(tfy__journal_open(dir, 0, &j, &err), TFY_ERROR_IO);
		assert_null(j);
		assert_non_null(strstr(err->message, "line"));
		tfy_error_free(err);
		drop_dir(dir);
	}
}

/* Two holders of one directory: the second is refused at once and told who runs it. */
static void test_lock(void **state)
{
	(void)state;
	char *dir = new_dir();
	tfy__journal *a = open_ok(dir, 1);
	tfy__journal *b = open_ok(dir, 0);
	tfy_error *err = NULL;
	assert_int_equal(tfy__journal_lock(a, &err), TFY_OK);
	assert_int_equal(tfy__journal_lock(b, &err), TFY_ERROR_IO);
	char pid[32];
	snprintf(pid, sizeof(pid), "process %ld", (long)getpid());
	assert_non_null(strstr(err->message, pid));
	assert_non_null(strstr(err->message, dir));
	tfy_error_free(err);
	err = NULL;
	/* The journal's own lock is short: b appends while a holds the run lock, and a sees it. */
	add_job(b, "/in");
	add_simple(b, "cancelled", 0, -1, NULL, NULL);
	assert_int_equal(tfy__journal_refresh(a, &err), TFY_OK);
	assert_true(tfy__journal_state(a)->cancelled);
	tfy__journal_unlock(a);
	assert_int_equal(tfy__journal_lock(b, &err), TFY_OK);
	tfy__journal_close(a);
	tfy__journal_close(b);
	drop_dir(dir);
}

static void test_missing(void **state)
{
	(void)state;
	char *dir = new_dir();
	tfy__journal *j = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy__journal_open(dir, 0, &j, &err), TFY_ERROR_IO);
	assert_null(j);
	tfy_error_free(err);
	drop_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),  cmocka_unit_test(test_job_id),
		cmocka_unit_test(test_replay), cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_replan), cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_lock),   cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
