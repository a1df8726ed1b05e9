/* A batch's validated input, read once when the batch is created and kept
 * in memory until its output is written: per request only what its answer
 * is made of, so that writing the output is one pass over memory. */
#ifndef TFY_MOCK_BATCH_INPUT_H
#define TFY_MOCK_BATCH_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "flaky.h"

/* What becomes of a request. */
enum mgw_fate {
	MGW_FATE_OK,    /* an answer in the output file */
	MGW_FATE_FAIL,  /* custom_id starts with "fail": 400 in the error file */
	MGW_FATE_FLAKY, /* custom_id starts with "flaky", first time seen: 429 in the error file */
};

struct mgw_request {
	size_t id_at;      /* its custom_id, JSON-escaped without quotes, at ids + id_at */
	size_t id_len;     /* bytes of that escaped text */
	uint32_t id_bytes; /* the custom_id's length in bytes (UTF-8) */
	uint32_t id_sum;   /* the sum of those bytes' values */
	unsigned char fate;
};

struct mgw_batch_input {
	char *ids; /* the escaped custom_ids, back to back */
	size_t ids_len, ids_cap;
	struct mgw_request *requests; /* in input order */
	size_t count, cap;
	int64_t failing;  /* requests whose fate is not MGW_FATE_OK */
	char *model;      /* the first request's body.model (malloc'd), NULL when none */
	char *model_json; /* the same as JSON text: a quoted string or null */
};

/* Reads the input at `path`, which the input checker found good; a
 * "flaky" custom_id is remembered in `flaky` as it is read, so its fate is
 * decided when its batch is created. NULL when the file cannot be read or
 * memory runs out. */
struct mgw_batch_input *mgw_batch_input_read(const char *path, struct mgw_flaky *flaky);

/* The body.model of the first request of any input file (malloc'd), or
 * NULL when it has none (or it is not a string, or the file cannot be
 * read): the model of a batch whose input is bad. */
char *mgw_batch_input_first_model(const char *path);

/* NULL is ok. */
void mgw_batch_input_free(struct mgw_batch_input *in);

#endif
