/* What the created batches did, for GET /_mock/stats: how many were created
 * per the metadata a job gives its batches (tfy_job_id, tfy_shard,
 * tfy_round), so a test can prove no shard ran twice, and how many request
 * lines their outputs answered. */
#ifndef TFY_MOCK_BATCH_STATS_H
#define TFY_MOCK_BATCH_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct mgw_batch_stats;

/* Returns NULL on allocation failure. */
struct mgw_batch_stats *mgw_batch_stats_new(void);
void mgw_batch_stats_free(struct mgw_batch_stats *s);

/* Counts a created batch under its metadata (NULL: none). */
void mgw_batch_stats_created(struct mgw_batch_stats *s, const json_t *metadata);

/* Counts `n` request lines answered in output and error files. */
void mgw_batch_stats_lines(struct mgw_batch_stats *s, int64_t n);

/* Sets "lines_processed" and "batches_by_metadata" in `obj`: the latter
 * [{"tfy_job_id","tfy_shard","tfy_round","batches"}...], one entry per
 * distinct triple in order of first creation, a key absent from the
 * metadata (or not a string) null. False on allocation failure. */
bool mgw_batch_stats_put(struct mgw_batch_stats *s, json_t *obj);

/* Back to zero. */
void mgw_batch_stats_reset(struct mgw_batch_stats *s);

#endif
