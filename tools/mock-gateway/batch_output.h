/* The output and error files of a finished batch: one line per request,
 * deterministic fake answers echoing each request's model and custom_id.
 * Requests whose custom_id starts with "fail" go to the error file. */
#ifndef TFY_MOCK_BATCH_OUTPUT_H
#define TFY_MOCK_BATCH_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* What the output is written from and named after. */
struct mgw_batch_source {
    const char *input_path; /* a validated input file */
    const char *batch_id;
    const char *endpoint;
    long long created_at; /* the answers' "created" */
};

/* Requests of the input that will fail; -1 when it cannot be read. */
int64_t mgw_batch_output_failing(const char *input_path);

/* Writes the files into the store (purpose "batch_output"); an id is left
 * "" when its file would be empty. False on failure, nothing kept. */
bool mgw_batch_output_write(struct mgw_store *st, const struct mgw_batch_source *src,
                            char output_id[MGW_FILE_ID_SIZE], char error_id[MGW_FILE_ID_SIZE]);

#endif
