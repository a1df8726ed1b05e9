/* The mock gateway's deterministic list of batches.
 *
 * Item i is a pure function of i (index 0 is the newest), so pages are generated
 * on demand and memory stays flat whatever the size of the set. The same item
 * comes in one shape per provider family, as the gateway passes it through. */
#ifndef TFY_MOCK_DATASET_H
#define TFY_MOCK_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MGW_DATASET_MAX_COUNT 10000000u

/* Large enough for every id shape, including the terminating NUL. */
#define MGW_ID_SIZE 128

enum mgw_shape {
	MGW_SHAPE_OPENAI,  /* OpenAI and Azure OpenAI: the OpenAI Batch object */
	MGW_SHAPE_BEDROCK, /* ARN ids, s3:// files, Bedrock job states, ms times, no has_more */
	MGW_SHAPE_VERTEX,  /* resource-name ids, gs:// files, JOB_STATE_*, ISO-8601 times */
};

/* Recovers the index of `id` in a set of `count` items in O(1).
 * Returns false unless `id` is exactly the id of one of those items. */
bool mgw_dataset_find(enum mgw_shape shape, uint32_t count, const char *id, uint32_t *index);

/* Returns a new reference to the Batch object of item `index`, or NULL on
 * allocation failure. */
json_t *mgw_dataset_item(enum mgw_shape shape, uint32_t index);

/* Returns a new reference to a ListBatchesResponse holding up to `limit` items
 * starting at `start`, or NULL on allocation failure. */
json_t *mgw_dataset_page(enum mgw_shape shape, uint32_t count, uint32_t start, uint32_t limit);

#endif
