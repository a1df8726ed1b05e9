/*
 * A job's data path, all of it local files: planning the input into
 * shards, settling a shard once its batch ended (each of its lines
 * succeeded, failed for good, or goes to the next round), the input of a
 * retry round, the merge into output.jsonl and errors.jsonl in input
 * order, and usage with an estimated cost.  Memory is bounded by the
 * largest shard (its custom_id index), never by the input's size.
 *
 * Rounds run one after another: round r+1's input holds, in input order,
 * the lines round r sent to it, so every stream the merge reads is in
 * input order and the merge is one sequential walk.  Internal to libtfy.
 */
#ifndef TFY_JOB_DATA_H
#define TFY_JOB_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "tfy/check.h"
#include "tfy/job.h"

typedef struct tfy__price_table tfy__price_table;

/* The limits a plan cuts by; every field > 0 except tokens (0: no budget) and min_requests. */
typedef struct tfy__plan_limits {
	int64_t max_requests;
	int64_t max_bytes;     /* of the shard's file as uploaded: the lines and their line feeds */
	int64_t max_tokens;    /* estimated tokens per shard; 0: none */
	int64_t min_requests;  /* fewest per shard (Bedrock: 100); 0: none */
	const char *endpoint;  /* every line's url; for the input check */
	int32_t provider_kind; /* for the input check */
	tfy_job_estimate_fn estimate; /* NULL: characters of the line / 4, rounded up */
	void *estimate_userdata;
} tfy__plan_limits;

/* One shard: a range of the round's input file, whole lines. */
typedef struct tfy__shard_plan {
	int64_t offset; /* of its first byte in the round's input */
	int64_t bytes; /* its length: lines with their line feeds (a last line without one gets one) */
	int64_t requests; /* its lines (blank lines are skipped and belong to no shard) */
	int64_t tokens;   /* estimated */
} tfy__shard_plan;

/* Told each shard as the plan cuts it, in order; non-zero stops the plan (TFY_ERROR_CANCELLED). */
typedef int (*tfy__plan_fn)(void *userdata, const tfy__shard_plan *shard);

/*
 * Reads the round's input at path once: checks it as tfy_input_check_path
 * does (every line a request to limits->endpoint, custom_ids unique, ...)
 * and cuts it into shards, each within the limits, calling fn for each.
 * A line alone above max_bytes or max_tokens is a problem of the input.
 * min_requests is met by moving lines from the shard before into the
 * last one (a whole input below it is a problem).  TFY_OK with *report
 * set (new; free with tfy_input_report_free) whatever the check found:
 * when report->problems_total > 0 the caller must not run the shards.
 * Otherwise an error: TFY_ERROR_IO, TFY_ERROR_CANCELLED, TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__job_plan(const char *path, const tfy__plan_limits *limits, tfy__plan_fn fn,
                       void *userdata, tfy_input_report **report, tfy_error **err);

/*
 * A read stream over one shard of a round's input, for the upload: the
 * range's bytes, a line feed added after a last line without one.
 * rewindable.  tfy__shard_reader_open returns TFY_OK or TFY_ERROR_IO (the
 * file cannot be opened, or is shorter than the range).
 */
typedef struct tfy__shard_reader tfy__shard_reader;
tfy_code tfy__shard_reader_open(const char *path, const tfy__shard_plan *shard,
                                tfy__shard_reader **out, tfy_error **err);
int64_t tfy__shard_reader_read(void *reader, char *buf, size_t size); /* a tfy_read_fn */
int tfy__shard_reader_rewind(void *reader);                           /* 0, or -1 */
int64_t tfy__shard_reader_size(const tfy__shard_reader *r);           /* bytes it gives in all */
void tfy__shard_reader_close(tfy__shard_reader *r);

/* What ended a shard's batch, for the lines it has no record of. */
typedef struct tfy__shard_end {
	const char *batch_id;
	const char *status;      /* "completed", "expired", "failed", "cancelled" */
	const char *output_path; /* the downloaded output file, or NULL when the batch has none */
	const char *error_path;  /* the downloaded error file, or NULL */
	const char *batch_error; /* the batch's own error (code: message) for lines with no record, or NULL */
} tfy__shard_end;

/*
 * Settles one shard of round `round` of the job in dir, whose batch ended
 * as `end` says: reads the shard's lines from the round's input in order
 * and each line's record from the output or error file, and writes the
 * shard's settled file (dir/settled/r<round>-s<index>.jsonl, through a
 * temporary name, fsync'd, renamed: present means complete), one entry
 * per line in the shard's order: its final success, its final failure
 * (with its last error), or "retry" when it failed for a reason that can
 * pass on a second try (no record: expired or failed batch; 429, 5xx,
 * timeouts in the error file) and `last_round` is 0.  A request that
 * succeeded is final.  Sums the shard's usage (and cost, with prices) into *usage.  Memory: the
 * shard's custom_id index.  Idempotent: settling again rewrites the same
 * file.  TFY_OK, TFY_ERROR_IO, TFY_ERROR_DECODE (a record that is not
 * JSON with a custom_id of the shard), TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__job_settle(const char *dir, int32_t round, int32_t index, const char *round_input,
                         const tfy__shard_plan *shard, const tfy__shard_end *end, int last_round,
                         const tfy__price_table *prices, tfy_job_usage *usage, tfy_error **err);

/*
 * The input of round `round` + 1: the lines of round `round`'s settled
 * files marked "retry", in input order, copied from the round's input into
 * dir/rounds/r<round+1>.jsonl (temporary name, fsync, rename).  *requests
 * gets how many (0: no further round is needed, and no file is written).
 */
tfy_code tfy__job_retry_input(const char *dir, int32_t round, const char *round_input,
                              const tfy__shard_plan *shards, size_t shards_count, int64_t *requests,
                              tfy_error **err);

/*
 * Writes dir/output.jsonl and dir/errors.jsonl (temporary names, fsync,
 * rename) from the settled files of rounds 0..rounds-1: one record per
 * custom_id of the input, in input order, a line retried taking its
 * result from the round that settled it.  *succeeded and *failed get the
 * counts.  Memory does not grow with the input.
 */
tfy_code tfy__job_merge(const char *dir, int32_t rounds, const size_t *shards_per_round,
                        int64_t *succeeded, int64_t *failed, tfy_error **err);

/*
 * A price table (docs/jobs.md): JSON object, model name to
 * {"input": x, "cached_input": y, "output": z}, prices per million tokens.
 * Reasoning tokens are output tokens; cached tokens are priced as
 * cached_input (input when cached_input is missing).
 */
tfy_code tfy__price_table_load(const char *path, tfy__price_table **out, tfy_error **err);
void tfy__price_table_free(tfy__price_table *t);

/*
 * The prices of a model (t and model may be NULL: then NULL): the entry of
 * that name; else of the name after its last '/' ("openai-main/gpt-4o");
 * else the longest entry M of which the name is a dated snapshot "M-..."
 * ("gpt-4o-2024-08-06" is priced as "gpt-4o").  Borrowed from t.
 */
struct tfy__price;
const struct tfy__price *tfy__price_find(const tfy__price_table *t, const char *model);

/*
 * Adds one output line's usage (response.body.usage, by the model in
 * response.body.model) to *usage, and its cost when prices is not NULL
 * (has_cost drops to 0 for a model the table lacks); a line whose
 * status_code is 2xx counts in requests.  0, or -1 when the line is not
 * a JSON object or memory ran out (the usage is left as it was).
 */
int tfy__usage_add_line(tfy_job_usage *usage, const tfy__price_table *prices, const char *line,
                        size_t len);

/*
 * A usage with nothing in it, has_cost 1 when prices are given.  A zeroed
 * struct works as well: has_cost becomes 1 at the first line added with
 * prices (it drops only for tokens of an unpriced model).
 */
void tfy__usage_init(tfy_job_usage *u, const tfy__price_table *prices);

/* tfy__usage_add_line for a record already decoded (decode.h). */
struct tfy__record;
void tfy__usage_add_record(tfy_job_usage *u, const tfy__price_table *prices,
                           const struct tfy__record *r);

/*
 * Adds one usage to another (a shard's to the job's): the counts and
 * costs; has_cost stays 1 only when both have it (a usage with no tokens
 * yet does not count against it).
 */
void tfy__usage_sum(tfy_job_usage *into, const tfy_job_usage *add);

/*
 * The names of a job's files in dir (new strings, free with tfy__free;
 * NULL when memory ran out): a shard's settled file
 * (dir/settled/r<round>-s<index>.jsonl) and a retry round's input
 * (dir/rounds/r<round>.jsonl; round 0's is the job's input).
 */
char *tfy__job_settled_path(const char *dir, int32_t round, int32_t index);
char *tfy__job_round_path(const char *dir, int32_t round);

#endif
