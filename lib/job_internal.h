/*
 * What the units of a job share: the job itself (job.c: options, open,
 * status, cancel, the search for a batch by its metadata) and its run
 * (job_run.c, which uses job.c).  Internal to libtfy.
 */
#ifndef TFY_JOB_INTERNAL_H
#define TFY_JOB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "job_journal.h"
#include "tfy/job.h"

/*
 * The metadata keys every batch of a job carries: written by the create
 * (job_run.c) and matched by the search (job.c), so one name for both.
 */
#define TFY__JOB_META_ID "tfy_job_id"
#define TFY__JOB_META_SHARD "tfy_shard"
#define TFY__JOB_META_ROUND "tfy_round"

struct tfy_job {
	tfy_client *client; /* held (tfy__client_hold) */
	tfy__journal *j;
	tfy__arena *copies;          /* the options' strings, the request options' */
	tfy_job_options o;           /* read, its strings in copies, request NULL */
	tfy_request_options request; /* the options' request options, in copies (zeros: none) */
};

/*
 * Finds the batches of shards that were intended but not recorded created:
 * walks the newest batches until one older than the job (less the clock
 * tolerance), matching metadata tfy_job_id, tfy_shard and tfy_round.  For
 * each found, found(userdata, shard, batch) is called (the batch borrowed
 * for the call); a non-OK return stops the walk with that code.
 */
typedef tfy_code (*tfy__job_found_fn)(void *userdata, tfy__jshard *shard, const tfy_batch *batch,
                                      tfy_error **err);
tfy_code tfy__job_search(tfy_job *job, tfy__job_found_fn found, void *userdata, tfy_error **err);

/* The path of round r's input: the job's input for 0, DIR/rounds/r<r>.jsonl after.  New. */
char *tfy__job_round_input(const tfy_job *job, int32_t round);

#endif
