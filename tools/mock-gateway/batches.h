/* Batches created through POST /batches, run by the clock: each access
 * works out the state from the time elapsed since creation (no timer
 * threads), so a job's life is deterministic for a given --batch-seconds. */
#ifndef TFY_MOCK_BATCHES_H
#define TFY_MOCK_BATCHES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store.h"

#define MGW_BATCH_SECONDS_DEFAULT 2.0

struct mgw_batches;

/* `pace_s` is the time a job spends in_progress; validating and finalizing
 * take a quarter of it each. Returns NULL on allocation failure. */
struct mgw_batches *mgw_batches_new(struct mgw_store *files, double pace_s);
void mgw_batches_free(struct mgw_batches *b);

/* POST /batches with the parsed body (NULL if it did not parse): the new
 * batch with status 200, or an error body with its status. */
json_t *mgw_batches_create(struct mgw_batches *b, const json_t *req, unsigned *status);

/* GET /batches/{id} and POST /batches/{id}/cancel, likewise. */
json_t *mgw_batches_retrieve(struct mgw_batches *b, const char *id, unsigned *status);
json_t *mgw_batches_cancel(struct mgw_batches *b, const char *id, unsigned *status);

/* For the listing, newest first: how many there are, where `id` is, and a
 * new array of up to `limit` of them from `start`. */
size_t mgw_batches_count(struct mgw_batches *b);
bool mgw_batches_find(struct mgw_batches *b, const char *id, size_t *index);
json_t *mgw_batches_slice(struct mgw_batches *b, size_t start, size_t limit);

#endif
