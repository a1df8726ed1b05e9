/* The output and error files of a finished batch: one line per request,
 * deterministic fake answers echoing each request's model and custom_id,
 * written from the batch's input held in memory (batch_input.h). Requests
 * whose custom_id starts with "fail" go to the error file with 400, those
 * starting with "flaky" with 429 the first time they are seen. */
#ifndef TFY_MOCK_BATCH_OUTPUT_H
#define TFY_MOCK_BATCH_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "batch_input.h"
#include "store.h"

/* What the output is written from and named after. */
struct mgw_batch_source {
	const struct mgw_batch_input *input;
	const char *batch_id;
	const char *endpoint;
	long long created_at; /* the answers' "created" */
	size_t records;       /* the first requests that get a record; the rest none (expired) */
};

/* A batch's usage as OpenAI's Batch object carries it: the tokens of the
 * answers in its output file, summed. */
struct mgw_usage {
	int64_t input_tokens, cached_tokens, output_tokens, reasoning_tokens, total_tokens;
};

/* What writing the output gave. */
struct mgw_batch_result {
	char output_id[MGW_FILE_ID_SIZE]; /* "" when there was no line for it */
	char error_id[MGW_FILE_ID_SIZE];
	int64_t completed, failed; /* lines of each file */
	struct mgw_usage usage;
};

/*
 * The usage of the answer to a request whose custom_id has `bytes` bytes
 * whose values sum to `sum` (the formula --help documents):
 *   prompt_tokens     = 10 + sum % 90
 *   cached_tokens     = 4 * (sum % 3)           (prompt_tokens_details)
 *   completion_tokens = 5 + bytes % 50          (0 for /v1/embeddings)
 *   reasoning_tokens  = bytes % 4               (completion_tokens_details; 0 for embeddings)
 *   total_tokens      = prompt_tokens + completion_tokens
 */
void mgw_usage_of(uint32_t bytes, uint32_t sum, bool embedding, struct mgw_usage *u);

/* {"input_tokens", "input_tokens_details": {"cached_tokens"},
 * "output_tokens", "output_tokens_details": {"reasoning_tokens"},
 * "total_tokens"}: a new reference, NULL on allocation failure. */
json_t *mgw_usage_json(const struct mgw_usage *u);

/* Writes the files into the store (purpose "batch_output"); an id is left
 * "" when its file would be empty. False on failure, nothing kept. */
bool mgw_batch_output_write(struct mgw_store *st, const struct mgw_batch_source *src,
                            struct mgw_batch_result *result);

#endif
