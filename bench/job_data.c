/*
 * Benchmark 10 (bench/job.sh): a job's local data path, planning and
 * merging, through the library's internal units (lib/job_data.h) as the
 * job runs them, each timed with this process's CPU clock.
 *
 *   job_data plan INPUT MAX_REQUESTS MAX_BYTES ENDPOINT
 *   job_data merge DIR ROUNDS SHARDS_OF_ROUND_0 [SHARDS_OF_ROUND_1 ...]
 *
 * plan reads and checks INPUT and cuts it into shards as tfy_job_run
 * plans a new job (nothing is written); merge writes DIR/output.jsonl and
 * DIR/errors.jsonl from the settled files of a job that ran there (the
 * merge is idempotent: the files are rewritten the same).  Prints
 * key=value lines: cpu_ms, shards (plan), succeeded and failed (merge),
 * maxrss_kb.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tfy/tfy.h"

/* after tfy.h: it names tfy_input_report */
#include "job_data.h"

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int count_shard(void *userdata, const tfy__shard_plan *shard)
{
	(void)shard;
	++*(int64_t *)userdata;
	return 0;
}

static int fail(tfy_code code, tfy_error *err)
{
	fprintf(stderr, "job_data: %s\n",
	        err != NULL && err->message != NULL ? err->message : tfy_strerror(code));
	tfy_error_free(err);
	return 1;
}

static int plan(char **argv)
{
	tfy__plan_limits limits = { 0 };
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	int64_t shards = 0;
	double start = cpu_ms();
	tfy_code code;

	limits.max_requests = strtoll(argv[1], NULL, 10);
	limits.max_bytes = strtoll(argv[2], NULL, 10);
	limits.endpoint = argv[3];
	code = tfy__job_plan(argv[0], &limits, count_shard, &shards, &report, &err);
	if (code != TFY_OK)
		return fail(code, err);
	printf("cpu_ms=%.1f shards=%lld problems=%lld maxrss_kb=%ld\n", cpu_ms() - start,
	       (long long)shards, (long long)report->problems_total, maxrss_kb());
	tfy_input_report_free(report);
	return 0;
}

static int merge(int argc, char **argv)
{
	int32_t rounds = (int32_t)atoi(argv[1]);
	size_t per_round[TFY_JOB_RETRIES_MAX + 1];
	int64_t succeeded = 0, failed = 0;
	tfy_error *err = NULL;
	double start;
	tfy_code code;

	if (rounds < 1 || rounds > TFY_JOB_RETRIES_MAX + 1 || argc < 2 + rounds) {
		fputs("job_data merge DIR ROUNDS SHARDS...\n", stderr);
		return 2;
	}
	for (int32_t r = 0; r < rounds; r++)
		per_round[r] = (size_t)strtoull(argv[2 + r], NULL, 10);
	start = cpu_ms();
	code = tfy__job_merge(argv[0], rounds, per_round, &succeeded, &failed, &err);
	if (code != TFY_OK)
		return fail(code, err);
	printf("cpu_ms=%.1f succeeded=%lld failed=%lld maxrss_kb=%ld\n", cpu_ms() - start,
	       (long long)succeeded, (long long)failed, maxrss_kb());
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "plan") == 0)
		return plan(argv + 2);
	if (argc >= 5 && strcmp(argv[1], "merge") == 0)
		return merge(argc - 2, argv + 2);
	fputs("usage: job_data plan INPUT MAX_REQUESTS MAX_BYTES ENDPOINT\n"
	      "       job_data merge DIR ROUNDS SHARDS_OF_ROUND_0 [...]\n",
	      stderr);
	return 2;
}
