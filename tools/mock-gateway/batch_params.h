/* The parameters of POST /batches, checked as OpenAI checks them. */
#ifndef TFY_MOCK_BATCH_PARAMS_H
#define TFY_MOCK_BATCH_PARAMS_H

#include <jansson.h>

/* Returns NULL when `req` (the parsed body, NULL if it did not parse) is a
 * valid CreateBatchRequest, else a new reference to a 400 body in OpenAI's
 * envelope naming the parameter at fault in `param`. Whether the input
 * file exists is not checked here. */
json_t *mgw_batch_params_error(const json_t *req);

#endif
