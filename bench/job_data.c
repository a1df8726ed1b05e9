/*
 * A job's data path on a large input, one phase a process so that each
 * phase's CPU time and peak RSS can be measured apart (bench/bench_run
 * or /usr/bin/time -v):
 *
 *   job_data gen FILE LINES    a chat completions input of LINES lines of about 1 KB
 *   job_data plan DIR FILE     check and cut FILE into shards (DIR/plan.txt)
 *   job_data settle DIR FILE   per shard: a made-up output (1% of lines 429 in an
 *                              error file), settled; the retried lines planned as
 *                              round 1 and settled as successes
 *   job_data merge DIR         output.jsonl and errors.jsonl from both rounds
 *
 * Not a test: the input is generated, never committed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "job_data.h"

#define PAD 900

static int fail(const char *what, tfy_error *err)
{
	fprintf(stderr, "job_data: %s: %s\n", what, err ? err->message : "failed");
	tfy_error_free(err);
	return 1;
}

static int gen(const char *path, long lines)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	char pad[PAD + 1];
	for (int i = 0; i < PAD; i++)
		pad[i] = (char)('a' + i % 26);
	pad[PAD] = '\0';
	for (long i = 0; i < lines; i++)
		fprintf(f,
		        "{\"custom_id\":\"request-%ld\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
		        "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
		        "\"%s %ld\"}]}}\n",
		        i, pad + i % 64, i);
	return fclose(f) != 0;
}

typedef struct plan_out {
	FILE *f;
	size_t n;
} plan_out;

static int note_shard(void *userdata, const tfy__shard_plan *s)
{
	plan_out *p = userdata;
	p->n++;
	fprintf(p->f, "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", s->offset, s->bytes,
	        s->requests, s->tokens);
	return 0;
}

static int plan(const char *dir, const char *input, int32_t round)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/plan%d.txt", dir, (int)round);
	plan_out p = { fopen(path, "w"), 0 };
	if (!p.f)
		return 1;
	tfy__plan_limits l;
	memset(&l, 0, sizeof(l));
	l.max_requests = TFY_JOB_MAX_REQUESTS_DEFAULT;
	l.max_bytes = TFY_JOB_MAX_BYTES_DEFAULT;
	l.endpoint = "/v1/chat/completions";
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy__job_plan(input, &l, note_shard, &p, &report, &err);
	fclose(p.f);
	if (rc != TFY_OK)
		return fail("plan", err);
	printf("round %d: %" PRId64 " requests, %zu shards, %" PRId64 " problems\n", (int)round,
	       report->requests, p.n, report->problems_total);
	int bad = report->problems_total != 0;
	tfy_input_report_free(report);
	return bad;
}

static size_t read_plan(const char *dir, int32_t round, tfy__shard_plan *v, size_t max)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/plan%d.txt", dir, (int)round);
	FILE *f = fopen(path, "r");
	size_t n = 0;
	while (f && n < max &&
	       fscanf(f, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64, &v[n].offset, &v[n].bytes,
	              &v[n].requests, &v[n].tokens) == 4)
		n++;
	if (f)
		fclose(f);
	return n;
}

/* A made-up output of a shard: one record per line, every 100th a 429 in the error file. */
static int fake_output(const char *input, const tfy__shard_plan *s, int fail_some,
                       const char *out_path, const char *err_path)
{
	FILE *in = fopen(input, "r"), *out = fopen(out_path, "w"), *errs = fopen(err_path, "w");
	if (!in || !out || !errs)
		return 1;
	fseek(in, (long)s->offset, SEEK_SET);
	char *line = NULL;
	size_t cap = 0;
	for (int64_t i = 0; i < s->requests && getline(&line, &cap, in) > 0; i++) {
		char *id = strstr(line, "\"custom_id\":\"") + 13;
		*strchr(id, '"') = '\0';
		if (fail_some && i % 100 == 7)
			fprintf(errs,
			        "{\"id\":\"batch_req_%s\",\"custom_id\":\"%s\",\"response\":{\"status_code\":"
			        "429,\"body\":{\"error\":{\"message\":\"slow down\",\"code\":"
			        "\"rate_limit_exceeded\"}}},\"error\":null}\n",
			        id, id);
		else
			fprintf(out,
			        "{\"id\":\"batch_req_%s\",\"custom_id\":\"%s\",\"response\":{\"status_code\":"
			        "200,\"request_id\":\"req_%s\",\"body\":{\"id\":\"chatcmpl-1\",\"model\":"
			        "\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
			        "\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":"
			        "{\"prompt_tokens\":250,\"completion_tokens\":1,\"total_tokens\":251}}},"
			        "\"error\":null}\n",
			        id, id, id);
	}
	free(line);
	fclose(in);
	return (fclose(out) | fclose(errs)) != 0;
}

static int settle_round(const char *dir, const char *input, int32_t round, int last, tfy_job_usage *usage)
{
	static tfy__shard_plan shards[1000];
	size_t n = read_plan(dir, round, shards, 1000);
	char out[4096], errs[4096];
	snprintf(out, sizeof(out), "%s/fake-output.jsonl", dir);
	snprintf(errs, sizeof(errs), "%s/fake-errors.jsonl", dir);
	for (size_t i = 0; i < n; i++) {
		if (fake_output(input, &shards[i], !last, out, errs))
			return 1;
		tfy__shard_end end = { "batch_x", "completed", out, errs, NULL };
		tfy_error *err = NULL;
		if (tfy__job_settle(dir, round, (int32_t)i, input, &shards[i], &end, last, NULL,
		                    usage, &err) != TFY_OK)
			return fail("settle", err);
	}
	int64_t retried = 0;
	tfy_error *err = NULL;
	if (!last && tfy__job_retry_input(dir, round, input, shards, n, &retried, &err) != TFY_OK)
		return fail("retry input", err);
	printf("round %d settled: %zu shards, %" PRId64 " retried\n", (int)round, n, retried);
	return 0;
}

static int settle(const char *dir, const char *input)
{
	tfy_job_usage usage;
	tfy__usage_init(&usage, NULL);
	char r1[4096];
	snprintf(r1, sizeof(r1), "%s/rounds/r1.jsonl", dir);
	if (settle_round(dir, input, 0, 0, &usage) || plan(dir, r1, 1) ||
	    settle_round(dir, r1, 1, 1, &usage))
		return 1;
	printf("usage: %" PRId64 " succeeded, %" PRId64 " prompt tokens\n", usage.requests,
	       usage.prompt_tokens);
	return 0;
}

static int merge(const char *dir)
{
	static tfy__shard_plan shards[1000];
	size_t per_round[2] = { read_plan(dir, 0, shards, 1000), read_plan(dir, 1, shards, 1000) };
	int64_t ok = 0, bad = 0;
	tfy_error *err = NULL;
	if (tfy__job_merge(dir, 2, per_round, &ok, &bad, &err) != TFY_OK)
		return fail("merge", err);
	printf("merged: %" PRId64 " succeeded, %" PRId64 " failed\n", ok, bad);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atol(argv[3]));
	if (argc == 4 && strcmp(argv[1], "plan") == 0) {
		mkdir(argv[2], 0777); /* or it exists */
		return plan(argv[2], argv[3], 0);
	}
	if (argc == 4 && strcmp(argv[1], "settle") == 0)
		return settle(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "merge") == 0)
		return merge(argv[2]);
	fprintf(stderr, "usage: job_data gen FILE LINES | plan DIR FILE | settle DIR FILE | "
	                "merge DIR\n");
	return 2;
}
