/* The output and error files of a finished batch: one line per request,
 * deterministic fake answers echoing each request's model and custom_id.
 * Requests whose custom_id starts with "fail" go to the error file. */
#ifndef TFY_MOCK_BATCH_OUTPUT_H
#define TFY_MOCK_BATCH_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* What the output is written from and named after. */
struct mgw_batch_source {
	const char *input_path; /* a validated input file */
	const char *batch_id;
	const char *endpoint;
	long long created_at; /* the answers' "created" */
};

/* A batch's usage as OpenAI's Batch object carries it: the tokens of the
 * answers in its output file, summed. */
struct mgw_usage {
	int64_t input_tokens, cached_tokens, output_tokens, reasoning_tokens, total_tokens;
};

/* Requests of the input that will fail; -1 when it cannot be read. */
int64_t mgw_batch_output_failing(const char *input_path);

/* The body.model of the input's first request (malloc'd), or NULL when it
 * has none (or it is not a string, or the file cannot be read). */
char *mgw_batch_output_model(const char *input_path);

/* {"input_tokens", "input_tokens_details": {"cached_tokens"},
 * "output_tokens", "output_tokens_details": {"reasoning_tokens"},
 * "total_tokens"}: a new reference, NULL on allocation failure. */
json_t *mgw_usage_json(const struct mgw_usage *u);

/* Writes the files into the store (purpose "batch_output"); an id is left
 * "" when its file would be empty; `usage` gets the tokens of the answers
 * written. False on failure, nothing kept. */
bool mgw_batch_output_write(struct mgw_store *st, const struct mgw_batch_source *src,
                            char output_id[MGW_FILE_ID_SIZE], char error_id[MGW_FILE_ID_SIZE],
                            struct mgw_usage *usage);

#endif
