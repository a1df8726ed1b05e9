/* Batches created through POST /batches, run by the clock: each access
 * works out the state from the time elapsed since creation (no timer
 * threads), so a job's life is deterministic for a given --batch-seconds. */
#ifndef TFY_MOCK_BATCHES_H
#define TFY_MOCK_BATCHES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "batch_stats.h"
#include "fault.h"
#include "fault_plan.h"
#include "store.h"

#define MGW_BATCH_SECONDS_DEFAULT 2.0
#define MGW_BATCH_ID_SIZE 40
#define MGW_BATCH_STATUS_SIZE 16

struct mgw_batches;

struct mgw_batches_config {
	struct mgw_store *files; /* inputs are read from, outputs written to it */
	double pace_s;           /* time in_progress; validating and finalizing a quarter each */
	struct mgw_fault_plan *faults; /* run-level expire-batch faults */
	struct mgw_batch_stats *stats; /* counts creates and answered lines */
};

/* Everything `cfg` points to must outlive the batches. Returns NULL on
 * allocation failure. */
struct mgw_batches *mgw_batches_new(const struct mgw_batches_config *cfg);
void mgw_batches_free(struct mgw_batches *b);

/* POST /batches with the parsed body (NULL if it did not parse): the new
 * batch with status 200, or an error body with its status. `header` is the
 * request's x-mock-fault (NULL: none), which replaces the run-level list:
 * an expire-batch there expires this batch when its meta= matches. */
json_t *mgw_batches_create(struct mgw_batches *b, const json_t *req, const struct mgw_fault *header,
                           unsigned *status);

/* GET /batches/{id} and POST /batches/{id}/cancel, likewise. */
json_t *mgw_batches_retrieve(struct mgw_batches *b, const char *id, unsigned *status);
json_t *mgw_batches_cancel(struct mgw_batches *b, const char *id, unsigned *status);

/* For the listing, newest first: how many there are, where `id` is, and a
 * new array of up to `limit` of them from `start`. */
size_t mgw_batches_count(struct mgw_batches *b);
bool mgw_batches_find(struct mgw_batches *b, const char *id, size_t *index);
json_t *mgw_batches_slice(struct mgw_batches *b, size_t start, size_t limit);

/* A created batch that reached a terminal state: which, that state and
 * when (Unix seconds). */
struct mgw_batch_ended {
	char id[MGW_BATCH_ID_SIZE];
	char status[MGW_BATCH_STATUS_SIZE]; /* completed, failed, expired or cancelled */
	long long at;
};

/* Up to `max` created batches that have reached a terminal state and were
 * not handed out before, in creation order; each is handed out once. A
 * completed batch's output is written first, so that whoever is told can
 * download it at once. Returns how many were written to `out`. */
size_t mgw_batches_take_ended(struct mgw_batches *b, struct mgw_batch_ended *out, size_t max);

#endif
