/*
 * tfy-batches: creating a batch from the options (create and run).
 */
#ifndef TFY_BATCHES_CREATE_H
#define TFY_BATCHES_CREATE_H

#include <tfy/tfy.h>

#include "opts.h"

/*
 * Creates the batch of input_file_id for endpoint; NULL after the failure
 * was said, *rc its status.
 */
tfy_batch *create_batch(tfy_client *client, const cli_args *args, const char *input_file_id,
                        const char *endpoint, int *rc);

#endif
