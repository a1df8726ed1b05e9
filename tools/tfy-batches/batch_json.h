/*
 * tfy-batches: a decoded batch as a JSON object, for the json and ndjson
 * formats alike so the two can never disagree.
 */
#ifndef TFY_BATCHES_BATCH_JSON_H
#define TFY_BATCHES_BATCH_JSON_H

#include <jansson.h>
#include <tfy/tfy.h>

/*
 * The typed fields of b under the API's key names, every key present (null
 * when absent) in a fixed order.  Returns a new reference, or NULL when
 * memory ran out.
 */
json_t *batch_to_json(const tfy_batch *b);

#endif
