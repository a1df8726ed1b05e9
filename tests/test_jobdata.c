/*
 * A job's data path (lib/job_data.h), all of it local files: the plan's
 * cuts and the checker's problems, the shard reader, how a shard settles
 * (every kind of record, an expired batch with partial output), the input
 * of a retry round, the merge across three rounds, usage and prices, and
 * the files' atomicity when writing fails.
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

#include "alloc.h"
#include "job_data.h"
#include "testutil.h"

#define CHAT "/v1/chat/completions"
#define MAX_SHARDS 64

/* ---- helpers ---- */

typedef struct shards {
	tfy__shard_plan v[MAX_SHARDS];
	size_t n;
	int stop_at; /* > 0: the callback says stop at this shard (from 1) */
} shards;

static int collect(void *userdata, const tfy__shard_plan *shard)
{
	shards *s = userdata;
	assert_true(s->n < MAX_SHARDS);
	s->v[s->n++] = *shard;
	return s->stop_at && (int)s->n == s->stop_at;
}

/* A request line of custom_id id whose content is padded to about pad bytes. */
static char *request(char *buf, size_t size, const char *id, int pad)
{
	char fill[4096];
	memset(fill, 'x', (size_t)pad);
	fill[pad] = '\0';
	int n = snprintf(buf, size,
	                 "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":\"" CHAT "\","
	                 "\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}}",
	                 id, fill);
	assert_true(n > 0 && (size_t)n < size);
	return buf;
}

/* n request lines r0.., each ending with a line feed. */
static char *requests_text(int n, int pad)
{
	size_t cap = (size_t)n * (size_t)(200 + pad) + 1, len = 0;
	char *text = malloc(cap), line[4400], id[32];
	text[0] = '\0';
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		request(line, sizeof(line), id, pad);
		len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
	}
	return text;
}

static tfy__plan_limits limits(int64_t max_requests, int64_t max_bytes)
{
	tfy__plan_limits l;
	memset(&l, 0, sizeof(l));
	l.max_requests = max_requests;
	l.max_bytes = max_bytes;
	l.endpoint = CHAT;
	return l;
}

/* Plans text (written to a temporary file) into s; returns the report (the caller frees it). */
static tfy_input_report *plan_text(const char *text, const tfy__plan_limits *l, shards *s,
                                   tfy_code expect)
{
	char *path = tu_write_temp(text, strlen(text));
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy__job_plan(path, l, collect, s, &report, &err);
	if (rc != expect)
		print_error("plan: %s\n", err ? err->message : tfy_strerror(rc));
	assert_int_equal(rc, expect);
	tfy_error_free(err);
	unlink(path);
	free(path);
	return report;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	size_t got;
	while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 2)
			s = realloc(s, cap *= 2);
	}
	fclose(f);
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The shards' bytes joined as their reader gives them. */
static char *read_shard(const char *path, const tfy__shard_plan *s)
{
	tfy__shard_reader *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy__shard_reader_open(path, s, &r, &err), TFY_OK);
	assert_int_equal(tfy__shard_reader_size(r), s->bytes);
	char *out = malloc((size_t)s->bytes + 1);
	size_t n = 0;
	int64_t got;
	char buf[7]; /* small reads: the range's end and the added line feed cross calls */
	while ((got = tfy__shard_reader_read(r, buf, sizeof(buf))) > 0) {
		assert_true(n + (size_t)got <= (size_t)s->bytes);
		memcpy(out + n, buf, (size_t)got);
		n += (size_t)got;
	}
	assert_int_equal(got, 0);
	assert_int_equal(n, s->bytes);
	out[n] = '\0';
	tfy__shard_reader_close(r);
	return out;
}

/* ---- the plan ---- */

static void test_plan_requests(void **state)
{
	(void)state;
	char *text = requests_text(10, 10);
	tfy__plan_limits l = limits(3, 1000000);
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(report->requests, 10);
	assert_int_equal(s.n, 4);
	int64_t expect[] = { 3, 3, 3, 1 }, offset = 0;
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.v[i].requests, expect[i]);
		assert_int_equal(s.v[i].offset, offset);
		offset += s.v[i].bytes;
	}
	assert_int_equal(offset, (int64_t)strlen(text));
	tfy_input_report_free(report);
	free(text);
}

/* Shards hold whole lines and at most max_bytes with their line feeds: a line filling one exactly fits. */
static void test_plan_bytes(void **state)
{
	(void)state;
	char *text = requests_text(6, 50);
	size_t line = (size_t)(strchr(text, '\n') - text) + 1; /* every line has the same length here */
	tfy__plan_limits l = limits(100, (int64_t)(2 * line));
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(s.n, 3);
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.v[i].requests, 2);
		assert_int_equal(s.v[i].bytes, 2 * line);
	}
	tfy_input_report_free(report);

	/* One byte less: one line a shard. */
	l.max_bytes = (int64_t)(2 * line) - 1;
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(s.n, 6);
	tfy_input_report_free(report);

	/* The last line without its line feed: the line feed the upload adds counts too. */
	text[strlen(text) - 1] = '\0';
	l.max_bytes = (int64_t)(2 * line);
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[2].bytes, 2 * line);
	assert_int_equal(s.v[2].offset + s.v[2].bytes, (int64_t)strlen(text) + 1);
	tfy_input_report_free(report);
	free(text);
}

static void test_plan_oversize_line(void **state)
{
	(void)state;
	char *text = requests_text(3, 10), big[4400];
	size_t line = (size_t)(strchr(text, '\n') - text) + 1;
	char *all = malloc(strlen(text) + sizeof(big) + 2);
	strcpy(all, text);
	strcat(all, request(big, sizeof(big), "big", 500));
	strcat(all, "\n");
	tfy__plan_limits l = limits(100, (int64_t)line * 2);
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(all, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 1);
	assert_int_equal(report->problems[0]->line, 4);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_LINE_TOO_LONG);
	assert_non_null(strstr(report->problems[0]->message, "max_bytes"));
	assert_true(s.n <= 1); /* no shard after the problem was found */
	tfy_input_report_free(report);

	/* A line just one byte too long with its line feed is refused as well. */
	l.max_bytes = (int64_t)line - 1;
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 3);
	assert_int_equal(s.n, 0);
	tfy_input_report_free(report);
	free(all);
	free(text);
}

static int64_t fixed_estimate(void *userdata, const char *line, size_t len)
{
	(void)line;
	(void)len;
	int *calls = userdata;
	return ++*calls == 5 ? -1 : 10;
}

static void test_plan_tokens(void **state)
{
	(void)state;
	char *text = requests_text(6, 40);
	size_t line = (size_t)(strchr(text, '\n') - text); /* characters, ASCII, without the line feed */
	int64_t tokens = (int64_t)(line + 3) / 4;
	tfy__plan_limits l = limits(100, 1000000);
	l.max_tokens = 2 * tokens;
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(s.n, 3);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.v[i].tokens, 2 * tokens);
	tfy_input_report_free(report);

	/* Characters, not bytes: "é" is one. */
	char one[512];
	request(one, sizeof(one), "e", 0);
	char *at = strstr(one, "\"content\":\"") + 11;
	memmove(at + 8, at, strlen(at) + 1);
	memcpy(at, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8);
	strcat(one, "\n");
	size_t chars = strlen(one) - 1 - 4;
	l.max_tokens = 0;
	s.n = 0;
	report = plan_text(one, &l, &s, TFY_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].tokens, (int64_t)(chars + 3) / 4);
	tfy_input_report_free(report);

	/* A line alone above the budget is a problem. */
	l.max_tokens = tokens - 1;
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 6);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_LINE_TOO_LONG);
	assert_non_null(strstr(report->problems[0]->message, "tokens"));
	assert_int_equal(s.n, 0);
	tfy_input_report_free(report);

	/* The caller's estimate; -1 fails the plan. */
	int calls = 0;
	l.max_tokens = 25;
	l.estimate = fixed_estimate;
	l.estimate_userdata = &calls;
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_ERROR_INVALID_ARGUMENT);
	assert_null(report);
	assert_int_equal(calls, 5);
	assert_int_equal(s.n, 0); /* a shard goes out once the next is cut: the 5th line's */
	free(text);
}

static void test_plan_min_requests(void **state)
{
	(void)state;
	char *text = requests_text(250, 0);
	tfy__plan_limits l = limits(200, 100000000);
	l.min_requests = 100;
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].requests, 150);
	assert_int_equal(s.v[1].requests, 100);
	assert_int_equal(s.v[0].offset + s.v[0].bytes, s.v[1].offset);
	assert_int_equal(s.v[1].offset + s.v[1].bytes, (int64_t)strlen(text));
	tfy_input_report_free(report);
	free(text);

	/* A whole input below it is a problem; Bedrock's own check is the plan's here. */
	text = requests_text(50, 0);
	l.provider_kind = TFY_PROVIDER_KIND_BEDROCK;
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 1);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS);
	assert_int_equal(s.n, 0);
	tfy_input_report_free(report);
	free(text);

	/* Lines cannot move without the shard before dropping below it: a problem. */
	text = requests_text(250, 0);
	l = limits(120, 100000000);
	l.min_requests = 100;
	s.n = 0;
	report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 1);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS);
	tfy_input_report_free(report);
	free(text);
}

/* Blank lines belong to no shard between shards; inside one they go up with it. */
static void test_plan_blank_lines(void **state)
{
	(void)state;
	char a[512], b[512], c[512], text[2048];
	request(a, sizeof(a), "a", 1);
	request(b, sizeof(b), "b", 1);
	request(c, sizeof(c), "c", 1);
	snprintf(text, sizeof(text), "\n  \n%s\n\r\n%s\r\n\n%s\n\n", a, b, c);
	tfy__plan_limits l = limits(2, 1000000);
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(report->requests, 3);
	assert_int_equal(report->lines, 8);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].offset, 4);
	assert_int_equal(s.v[0].requests, 2);
	assert_int_equal(s.v[0].bytes, (int64_t)(strlen(a) + 3 + strlen(b) + 2));
	assert_int_equal(s.v[1].requests, 1);
	assert_int_equal(s.v[1].offset, (int64_t)(strstr(text, c) - text));
	assert_int_equal(s.v[1].bytes, (int64_t)strlen(c) + 1);

	char *path = tu_write_temp(text, strlen(text));
	char *got = read_shard(path, &s.v[0]);
	assert_memory_equal(got, text + 4, (size_t)s.v[0].bytes);
	free(got);
	unlink(path);
	free(path);
	tfy_input_report_free(report);
}

/* The checker runs in the same pass: its problems are the plan's, and no shard goes out after one. */
static void test_plan_checker_problems(void **state)
{
	(void)state;
	char a[512], b[512], text[2048];
	request(a, sizeof(a), "a", 1);
	request(b, sizeof(b), "b", 1);
	snprintf(text, sizeof(text), "%s\n{not json\n%s\n%s\n", a, b, a);
	tfy__plan_limits l = limits(1, 1000000);
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 2);
	assert_int_equal(report->problems[0]->line, 2);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_INVALID_JSON);
	assert_int_equal(report->problems[1]->line, 4);
	assert_int_equal(report->problems[1]->kind, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE);
	assert_non_null(strstr(report->problems[1]->message, "line 1"));
	assert_int_equal(s.n, 0); /* shard 0 is held until shard 1 is cut, after line 2 */
	tfy_input_report_free(report);

	/* An empty input; another endpoint than the job's. */
	s.n = 0;
	report = plan_text("\n\n", &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 1);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_EMPTY_FILE);
	tfy_input_report_free(report);
	l.endpoint = "/v1/embeddings";
	report = plan_text(text, &l, &s, TFY_OK);
	assert_true(report->problems_total >= 3);
	assert_int_equal(report->problems[0]->kind, TFY_INPUT_PROBLEM_URL_MISMATCH);
	tfy_input_report_free(report);
}

/* The limits of one batch's file are the shards', not the input's: 50,001 requests are fine. */
static void test_plan_no_file_limits(void **state)
{
	(void)state;
	int n = TFY_JOB_MAX_REQUESTS_DEFAULT + 1;
	char *text = requests_text(n, 0);
	tfy__plan_limits l = limits(TFY_JOB_MAX_REQUESTS_DEFAULT, TFY_JOB_MAX_BYTES_DEFAULT);
	shards s = { .n = 0 };
	tfy_input_report *report = plan_text(text, &l, &s, TFY_OK);
	assert_int_equal(report->problems_total, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[1].requests, 1);
	tfy_input_report_free(report);
	free(text);
}

static void test_plan_stop_and_arguments(void **state)
{
	(void)state;
	char *text = requests_text(10, 0);
	tfy__plan_limits l = limits(2, 1000000);
	shards s = { .n = 0, .stop_at = 2 };
	assert_null(plan_text(text, &l, &s, TFY_ERROR_CANCELLED));
	assert_int_equal(s.n, 2);
	l.min_requests = 3; /* above max_requests */
	assert_null(plan_text(text, &l, &s, TFY_ERROR_INVALID_ARGUMENT));
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	l.min_requests = 0;
	assert_int_equal(tfy__job_plan("/nonexistent/input.jsonl", &l, NULL, NULL, &report, &err),
	                 TFY_ERROR_IO);
	assert_null(report);
	tfy_error_free(err);
	free(text);
}

/* ---- the shard reader ---- */

static void test_shard_reader(void **state)
{
	(void)state;
	const char *text = "line one\nline two\nline three";
	char *path = tu_write_temp(text, strlen(text));
	tfy__shard_plan mid = { 9, 9, 1, 0 }, last = { 18, 11, 1, 0 };
	char *got = read_shard(path, &mid);
	assert_string_equal(got, "line two\n");
	free(got);
	got = read_shard(path, &last);
	assert_string_equal(got, "line three\n"); /* the line feed is added */
	free(got);

	/* Rewind gives the same bytes again. */
	tfy__shard_reader *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy__shard_reader_open(path, &last, &r, &err), TFY_OK);
	char buf[64];
	assert_int_equal(tfy__shard_reader_read(r, buf, sizeof(buf)), 10);
	assert_int_equal(tfy__shard_reader_read(r, buf, sizeof(buf)), 1);
	assert_int_equal(tfy__shard_reader_read(r, buf, sizeof(buf)), 0);
	assert_int_equal(tfy__shard_reader_rewind(r), 0);
	assert_int_equal(tfy__shard_reader_read(r, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "line three", 10);
	tfy__shard_reader_close(r);

	/* A range the file no longer holds as planned. */
	tfy__shard_plan moved = { 8, 9, 1, 0 }, past = { 18, 40, 1, 0 };
	assert_int_equal(tfy__shard_reader_open(path, &moved, &r, &err), TFY_ERROR_IO);
	tfy_error_free(err);
	assert_int_equal(tfy__shard_reader_open(path, &past, &r, &err), TFY_ERROR_IO);
	assert_null(r);
	tfy_error_free(err);
	unlink(path);
	free(path);
}

/* ---- settle, retry input, merge ---- */

typedef struct job {
	char dir[256];
	char input[300];
	shards round[3];
	int64_t round_requests[3];
} job;

static void job_start(job *j, int lines, int64_t max_requests)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->dir, sizeof(j->dir), "%s/tfy-jobdata-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(j->dir));
	snprintf(j->input, sizeof(j->input), "%s/input.jsonl", j->dir);
	char *text = requests_text(lines, 5);
	spit(j->input, text);
	free(text);
	tfy__plan_limits l = limits(max_requests, 1000000);
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy__job_plan(j->input, &l, collect, &j->round[0], &report, &err), TFY_OK);
	assert_int_equal(report->problems_total, 0);
	j->round_requests[0] = report->requests;
	tfy_input_report_free(report);
}

/* Writes a file of records in dir and returns its path (static buffer per slot). */
static const char *records(job *j, const char *name, const char *text)
{
	static char paths[8][320];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 320, "%s/%s", j->dir, name);
	spit(p, text);
	return p;
}

static const char *round_input(job *j, int round, char *buf, size_t size)
{
	if (round == 0)
		return j->input;
	snprintf(buf, size, "%s/rounds/r%d.jsonl", j->dir, round);
	return buf;
}

static tfy_code settle(job *j, int round, int index, const tfy__shard_end *end, int last,
                       const tfy__price_table *prices, tfy_job_usage *usage)
{
	char in[320];
	tfy_error *err = NULL;
	tfy_code rc = tfy__job_settle(j->dir, round, index, round_input(j, round, in, sizeof(in)),
	                              &j->round[round].v[index], end, last, prices, usage, &err);
	if (rc != TFY_OK && rc != TFY_ERROR_DECODE && rc != TFY_ERROR_IO)
		print_error("settle: %s\n", err ? err->message : "");
	tfy_error_free(err);
	return rc;
}

/* The outcomes of a settled file, one letter a line: s(ucceeded), f(ailed), r(etry). */
static void outcomes(job *j, int round, int index, char *out)
{
	char path[320];
	snprintf(path, sizeof(path), "%s/settled/r%d-s%d.jsonl", j->dir, round, index);
	char *text = slurp(path, NULL);
	assert_non_null(text);
	size_t n = 0;
	for (char *line = text; *line; line = strchr(line, '\n') + 1) {
		assert_non_null(strchr(line, '\n'));
		out[n++] = strncmp(line, "{\"outcome\":\"succeeded\"", 22) == 0 ? 's'
		         : strncmp(line, "{\"outcome\":\"failed\"", 19) == 0    ? 'f'
		         : strncmp(line, "{\"outcome\":\"retry\"", 18) == 0     ? 'r'
		                                                                : '?';
	}
	out[n] = '\0';
	free(text);
}

/* An output line of custom_id id, status status, with usage. */
#define OK_LINE(id, model, p, c) \
	"{\"id\":\"req_" id "\",\"custom_id\":\"" id "\",\"response\":{\"status_code\":200," \
	"\"request_id\":\"x\",\"body\":{\"model\":\"" model "\",\"usage\":{\"prompt_tokens\":" #p \
	",\"completion_tokens\":" #c ",\"prompt_tokens_details\":{\"cached_tokens\":1}," \
	"\"completion_tokens_details\":{\"reasoning_tokens\":2}}}},\"error\":null}\n"
#define STATUS_LINE(id, status) \
	"{\"id\":\"req_" id "\",\"custom_id\":\"" id "\",\"response\":{\"status_code\":" #status \
	",\"body\":{\"error\":{\"message\":\"no\",\"type\":\"t\",\"code\":null}}},\"error\":null}\n"
#define CODE_LINE(id, code) \
	"{\"id\":null,\"custom_id\":\"" id "\",\"response\":null,\"error\":{\"code\":\"" code \
	"\",\"message\":\"m\"}}\n"

static void settle_round0(job *j, tfy_job_usage *usage)
{
	/* Shard 0 (r0..r4): completed. */
	tfy__shard_end end = { "batch_0", "completed",
		               records(j, "out0", OK_LINE("r0", "gpt-x", 10, 5) STATUS_LINE("r1", 400)),
		               records(j, "err0",
		                       STATUS_LINE("r2", 429) STATUS_LINE("r3", 500)
		                               CODE_LINE("r4", "rate_limit_exceeded")),
		               NULL };
	assert_int_equal(settle(j, 0, 0, &end, 0, NULL, usage), TFY_OK);
	/* Shard 1 (r5..r9): expired with partial output; r8 and r9 never ran. */
	tfy__shard_end expired = {
		"batch_1", "expired",
		records(j, "out1", OK_LINE("r6", "gpt-x", 7, 3) OK_LINE("r5", "gpt-x", 1, 1)),
		records(j, "err1", STATUS_LINE("r7", 404)), "batch_expired: the window ended"
	};
	assert_int_equal(settle(j, 0, 1, &expired, 0, NULL, usage), TFY_OK);
}

static void test_settle_kinds(void **state)
{
	(void)state;
	job j;
	job_start(&j, 10, 5);
	assert_int_equal(j.round[0].n, 2);
	tfy_job_usage usage;
	memset(&usage, 0, sizeof(usage));
	settle_round0(&j, &usage);
	char o[64];
	outcomes(&j, 0, 0, o);
	assert_string_equal(o, "sfrrr");
	outcomes(&j, 0, 1, o);
	assert_string_equal(o, "ssfrr");
	assert_int_equal(usage.requests, 3);
	assert_int_equal(usage.failed, 2);
	assert_int_equal(usage.prompt_tokens, 18);
	assert_int_equal(usage.completion_tokens, 9);
	assert_int_equal(usage.cached_tokens, 3);
	assert_int_equal(usage.reasoning_tokens, 6);
	assert_int_equal(usage.has_cost, 0);

	/* A line no file has a record of gets the batch's error. */
	char path[320];
	snprintf(path, sizeof(path), "%s/settled/r0-s1.jsonl", j.dir);
	char *text = slurp(path, NULL);
	assert_non_null(strstr(text, "{\"outcome\":\"retry\",\"custom_id\":\"r8\",\"record\":{\"id\":null,"
	                             "\"custom_id\":\"r8\",\"response\":null,\"error\":{\"code\":"
	                             "\"batch_expired\",\"message\":\"batch batch_1 expired: "
	                             "batch_expired: the window ended\"}}}\n"));
	/* A record is kept as its file has it. */
	char kept[1024];
	snprintf(kept, sizeof(kept), "\"record\":%s", OK_LINE("r6", "gpt-x", 7, 3));
	strcpy(strchr(kept, '\n'), "}\n");
	assert_non_null(strstr(text, kept));
	free(text);

	/* In the last round a retry is final; settling again rewrites the same file. */
	tfy__shard_end failed = { "batch_1", "failed", NULL, NULL, NULL };
	assert_int_equal(settle(&j, 0, 1, &failed, 1, NULL, &usage), TFY_OK);
	outcomes(&j, 0, 1, o);
	assert_string_equal(o, "fffff");
	settle_round0(&j, &usage);
	outcomes(&j, 0, 1, o);
	assert_string_equal(o, "ssfrr");

	/* A record of a custom_id the shard does not hold. */
	tfy__shard_end stray = { "batch_0", "completed",
		                 records(&j, "stray", OK_LINE("r7", "m", 1, 1)), NULL, NULL };
	assert_int_equal(settle(&j, 0, 0, &stray, 0, NULL, &usage), TFY_ERROR_DECODE);
	tfy__shard_end junk = { "batch_0", "completed", records(&j, "junk", "{\"custom_id\":\n"),
		                NULL, NULL };
	assert_int_equal(settle(&j, 0, 0, &junk, 0, NULL, &usage), TFY_ERROR_DECODE);
	tu_remove_tree(j.dir);
}

/* Retry rounds: their inputs, then the merge of three rounds. */
static void test_retry_and_merge(void **state)
{
	(void)state;
	job j;
	job_start(&j, 10, 5);
	tfy_job_usage usage;
	memset(&usage, 0, sizeof(usage));
	settle_round0(&j, &usage);

	tfy_error *err = NULL;
	int64_t n = 0;
	assert_int_equal(tfy__job_retry_input(j.dir, 0, j.input, j.round[0].v, j.round[0].n, &n, &err),
	                 TFY_OK);
	assert_int_equal(n, 5);
	char in1[320], in2[320];
	round_input(&j, 1, in1, sizeof(in1));
	char *r1 = slurp(in1, NULL), line[512];
	char expect[4096] = "";
	const char *ids[] = { "r2", "r3", "r4", "r8", "r9" };
	for (int i = 0; i < 5; i++)
		strcat(strcat(expect, request(line, sizeof(line), ids[i], 5)), "\n");
	assert_string_equal(r1, expect);
	free(r1);

	/* Round 1: shards of two. */
	tfy__plan_limits l = limits(2, 1000000);
	tfy_input_report *report = NULL;
	assert_int_equal(tfy__job_plan(in1, &l, collect, &j.round[1], &report, &err), TFY_OK);
	assert_int_equal(report->problems_total, 0); /* custom_ids are unique within a round */
	tfy_input_report_free(report);
	assert_int_equal(j.round[1].n, 3);
	tfy__shard_end e10 = { "b10", "completed", records(&j, "o10", OK_LINE("r2", "gpt-x", 2, 2)),
		               records(&j, "e10", STATUS_LINE("r3", 503)), NULL };
	tfy__shard_end e11 = { "b11", "cancelled", records(&j, "o11", OK_LINE("r4", "gpt-x", 3, 3)),
		               NULL, NULL };
	tfy__shard_end e12 = { "b12", "completed", NULL, records(&j, "e12", STATUS_LINE("r9", 400)),
		               NULL };
	assert_int_equal(settle(&j, 1, 0, &e10, 0, NULL, &usage), TFY_OK);
	assert_int_equal(settle(&j, 1, 1, &e11, 0, NULL, &usage), TFY_OK);
	assert_int_equal(settle(&j, 1, 2, &e12, 0, NULL, &usage), TFY_OK);
	assert_int_equal(tfy__job_retry_input(j.dir, 1, in1, j.round[1].v, j.round[1].n, &n, &err),
	                 TFY_OK);
	assert_int_equal(n, 2); /* r3, r8 */

	/* Round 2, the last: r3 succeeds, r8 expires again and fails for good. */
	round_input(&j, 2, in2, sizeof(in2));
	assert_int_equal(tfy__job_plan(in2, &l, collect, &j.round[2], &report, &err), TFY_OK);
	tfy_input_report_free(report);
	assert_int_equal(j.round[2].n, 1);
	tfy__shard_end e20 = { "b20", "expired", records(&j, "o20", OK_LINE("r3", "gpt-x", 4, 4)),
		               NULL, NULL };
	assert_int_equal(settle(&j, 2, 0, &e20, 1, NULL, &usage), TFY_OK);
	assert_int_equal(tfy__job_retry_input(j.dir, 2, in2, j.round[2].v, j.round[2].n, &n, &err),
	                 TFY_OK);
	assert_int_equal(n, 0);
	char in3[320];
	snprintf(in3, sizeof(in3), "%s/rounds/r3.jsonl", j.dir);
	assert_int_equal(access(in3, F_OK), -1);

	size_t per_round[3] = { j.round[0].n, j.round[1].n, j.round[2].n };
	int64_t ok = 0, bad = 0;
	assert_int_equal(tfy__job_merge(j.dir, 3, per_round, &ok, &bad, &err), TFY_OK);
	assert_int_equal(ok, 6);
	assert_int_equal(bad, 4);
	char path[320];
	snprintf(path, sizeof(path), "%s/output.jsonl", j.dir);
	char *out = slurp(path, NULL);
	assert_string_equal(out, OK_LINE("r0", "gpt-x", 10, 5) OK_LINE("r2", "gpt-x", 2, 2)
	                                 OK_LINE("r3", "gpt-x", 4, 4) OK_LINE("r4", "gpt-x", 3, 3)
	                                         OK_LINE("r5", "gpt-x", 1, 1)
	                                                 OK_LINE("r6", "gpt-x", 7, 3));
	free(out);
	snprintf(path, sizeof(path), "%s/errors.jsonl", j.dir);
	out = slurp(path, NULL);
	assert_int_equal(tu_count_lines(out), 4);
	const char *order[] = { "\"custom_id\":\"r1\"", "\"custom_id\":\"r7\"",
		                "\"custom_id\":\"r8\"", "\"custom_id\":\"r9\"" };
	const char *at = out;
	for (int i = 0; i < 4; i++) {
		const char *p = strstr(at, order[i]);
		assert_non_null(p);
		assert_non_null(strchr(at, '\n'));
		assert_true(p < strchr(at, '\n')); /* on the i-th line */
		at = strchr(at, '\n') + 1;
	}
	assert_non_null(strstr(out, "\"code\":\"batch_expired\",\"message\":\"batch b20 expired"));
	free(out);

	/* The usage of every round, summed exactly. */
	assert_int_equal(usage.prompt_tokens, 18 + 2 + 3 + 4);
	assert_int_equal(usage.completion_tokens, 9 + 2 + 3 + 4);

	/* Only two rounds merged: round 1's retries are final failures. */
	assert_int_equal(tfy__job_merge(j.dir, 2, per_round, &ok, &bad, &err), TFY_OK);
	assert_int_equal(ok, 5);
	assert_int_equal(bad, 5);

	/* A round whose settled files do not follow the one before: nothing is replaced. */
	snprintf(path, sizeof(path), "%s/settled/r1-s0.jsonl", j.dir);
	char *saved = slurp(path, NULL);
	spit(path, strchr(saved, '\n') + 1); /* its first entry (r2) lost */
	assert_int_equal(tfy__job_merge(j.dir, 3, per_round, &ok, &bad, &err), TFY_ERROR_DECODE);
	tfy_error_free(err);
	err = NULL;
	assert_int_equal(tfy__job_retry_input(j.dir, 1, in1, j.round[1].v, 1, &n, &err),
	                 TFY_ERROR_DECODE);
	tfy_error_free(err);
	err = NULL;
	unlink(path);
	assert_int_equal(tfy__job_merge(j.dir, 3, per_round, &ok, &bad, &err), TFY_ERROR_IO);
	tfy_error_free(err);
	free(saved);
	snprintf(path, sizeof(path), "%s/output.jsonl", j.dir);
	out = slurp(path, NULL);
	assert_int_equal(tu_count_lines(out), 5); /* the two-round merge's, whole */
	free(out);
	DIR *d = opendir(j.dir);
	struct dirent *de;
	while ((de = readdir(d)))
		assert_null(strstr(de->d_name, ".part"));
	closedir(d);
	tu_remove_tree(j.dir);
}

/* ---- usage and prices ---- */

static void test_usage_and_prices(void **state)
{
	(void)state;
	const char *table = "{\"gpt-x\":{\"input\":2,\"cached_input\":1,\"output\":8},"
			    "\"gpt-y\":{\"input\":4,\"output\":16}}";
	char *path = tu_write_temp(table, strlen(table));
	tfy__price_table *t = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy__price_table_load(path, &t, &err), TFY_OK);
	unlink(path);
	free(path);

	tfy_job_usage u;
	memset(&u, 0, sizeof(u));
	const char *a = "{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{"
			"\"model\":\"gpt-x-2024-01-01\",\"usage\":{\"prompt_tokens\":1000000,"
			"\"completion_tokens\":500000,\"prompt_tokens_details\":{\"cached_tokens\":"
			"250000}}}}}";
	const char *b = "{\"custom_id\":\"b\",\"response\":{\"status_code\":200,\"body\":{"
			"\"model\":\"openai-main/gpt-y\",\"usage\":{\"input_tokens\":500000,"
			"\"output_tokens\":250000,\"output_tokens_details\":{\"reasoning_tokens\":7}}}}}";
	assert_int_equal(tfy__usage_add_line(&u, t, a, strlen(a)), 0);
	assert_int_equal(u.has_cost, 1);
	/* 750k input at 2, 250k cached at 1, 500k output at 8 per million */
	assert_true(u.cost == 1.5 + 0.25 + 4.0);
	assert_int_equal(tfy__usage_add_line(&u, t, b, strlen(b)), 0);
	assert_true(u.cost == 5.75 + 2.0 + 4.0);
	assert_int_equal(u.requests, 2);
	assert_int_equal(u.prompt_tokens, 1500000);
	assert_int_equal(u.completion_tokens, 750000);
	assert_int_equal(u.cached_tokens, 250000);
	assert_int_equal(u.reasoning_tokens, 7);
	assert_int_equal(u.has_cost, 1);

	/* A model the table lacks: no cost; a line that is not an object changes nothing. */
	const char *c = "{\"custom_id\":\"c\",\"response\":{\"status_code\":200,\"body\":{"
			"\"model\":\"other\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}}}";
	assert_int_equal(tfy__usage_add_line(&u, t, c, strlen(c)), 0);
	assert_int_equal(u.has_cost, 0);
	tfy_job_usage before = u;
	assert_int_equal(tfy__usage_add_line(&u, t, "[1]", 3), -1);
	assert_int_equal(tfy__usage_add_line(&u, t, "{", 1), -1);
	assert_memory_equal(&before, &u, sizeof(u));

	/* Sums: has_cost holds only when both have it. */
	tfy_job_usage x, y;
	tfy__usage_init(&x, t);
	memset(&y, 0, sizeof(y));
	assert_int_equal(tfy__usage_add_line(&y, t, a, strlen(a)), 0);
	tfy__usage_sum(&x, &y);
	assert_int_equal(x.has_cost, 1);
	assert_true(x.cost == 5.75);
	tfy__usage_sum(&x, &u);
	assert_int_equal(x.has_cost, 0);
	assert_int_equal(x.requests, 4);
	tfy__price_table_free(t);

	/* Tables refused. */
	const char *bad[] = { "[]",
		              "{\"m\":{\"input\":1}}",
		              "{\"m\":{\"input\":-1,\"output\":1}}",
		              "{\"m\":3}",
		              "{\"m\":{\"input\":1,\"output\":1,\"cached_input\":\"x\"}}",
		              "{" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = tu_write_temp(bad[i], strlen(bad[i]));
		assert_int_equal(tfy__price_table_load(path, &t, &err), TFY_ERROR_DECODE);
		assert_null(t);
		tfy_error_free(err);
		unlink(path);
		free(path);
	}
	assert_int_equal(tfy__price_table_load("/nonexistent/prices.json", &t, &err), TFY_ERROR_IO);
	tfy_error_free(err);
}

/* Settling with prices: the shard's cost. */
static void test_settle_cost(void **state)
{
	(void)state;
	job j;
	job_start(&j, 5, 5);
	const char *table = "{\"gpt-x\":{\"input\":1000000,\"output\":1000000}}";
	char *path = tu_write_temp(table, strlen(table));
	tfy__price_table *t = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy__price_table_load(path, &t, &err), TFY_OK);
	tfy_job_usage u;
	memset(&u, 0, sizeof(u));
	tfy__shard_end end = { "b", "completed",
		               records(&j, "o", STATUS_LINE("r1", 400) OK_LINE("r0", "gpt-x", 10, 5)),
		               NULL, NULL };
	assert_int_equal(settle(&j, 0, 0, &end, 0, t, &u), TFY_OK);
	assert_int_equal(u.has_cost, 1);
	assert_true(u.cost == 15.0); /* 10 + 5 tokens; the cached one priced as input */
	tfy__price_table_free(t);
	unlink(path);
	free(path);
	tu_remove_tree(j.dir);
}

/* ---- writing fails ---- */

static void test_io_errors(void **state)
{
	(void)state;
	job j;
	job_start(&j, 5, 5);
	char file_dir[320];
	snprintf(file_dir, sizeof(file_dir), "%s/input.jsonl", j.dir); /* a file, not a directory */
	tfy_job_usage u;
	memset(&u, 0, sizeof(u));
	tfy__shard_end end = { "b", "completed", NULL, NULL, NULL };
	tfy_error *err = NULL;
	assert_int_equal(tfy__job_settle(file_dir, 0, 0, j.input, &j.round[0].v[0], &end, 0, NULL,
	                                 &u, &err),
	                 TFY_ERROR_IO);
	assert_non_null(err);
	tfy_error_free(err);
	assert_int_equal(u.requests, 0);

	size_t one = 1;
	int64_t ok, bad;
	assert_int_equal(tfy__job_merge(file_dir, 1, &one, &ok, &bad, &err), TFY_ERROR_IO);
	tfy_error_free(err);
	int64_t n;
	assert_int_equal(settle(&j, 0, 0, &end, 0, NULL, &u), TFY_OK);
	assert_int_equal(tfy__job_retry_input(file_dir, 0, j.input, j.round[0].v, 1, &n, &err),
	                 TFY_ERROR_IO);
	tfy_error_free(err);
	/* An output file that is missing. */
	end.output_path = "/nonexistent/output.jsonl";
	assert_int_equal(settle(&j, 0, 0, &end, 0, NULL, &u), TFY_ERROR_IO);
	tu_remove_tree(j.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_requests),
		cmocka_unit_test(test_plan_bytes),
		cmocka_unit_test(test_plan_oversize_line),
		cmocka_unit_test(test_plan_tokens),
		cmocka_unit_test(test_plan_min_requests),
		cmocka_unit_test(test_plan_blank_lines),
		cmocka_unit_test(test_plan_checker_problems),
		cmocka_unit_test(test_plan_no_file_limits),
		cmocka_unit_test(test_plan_stop_and_arguments),
		cmocka_unit_test(test_shard_reader),
		cmocka_unit_test(test_settle_kinds),
		cmocka_unit_test(test_retry_and_merge),
		cmocka_unit_test(test_usage_and_prices),
		cmocka_unit_test(test_settle_cost),
		cmocka_unit_test(test_io_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
