/* What differs between providers' batches as they come through the gateway.
 *
 * dataset.c builds every item from the same derived facts (creation time,
 * status, counts, usage); a style says how a provider spells them: its ids,
 * its file references, its status names, its timestamps and its error lists. */
#ifndef TFY_MOCK_DATASET_STYLE_H
#define TFY_MOCK_DATASET_STYLE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dataset.h"

/* 2026-01-01T00:00:00Z: newest item's creation time. */
#define MGW_NEWEST_CREATED_AT 1767225600u
/* Items are STEP seconds apart plus a jitter below STEP/2, so
 * floor((NEWEST - created_at) / STEP) recovers the index. STEP is small enough
 * that 10 million items stay after 1970. */
#define MGW_CREATED_STEP 120u

/* Keeps the hashes of different fields of one item independent. */
enum mgw_salt {
	MGW_SALT_JITTER = 1,
	MGW_SALT_ID_A,
	MGW_SALT_ID_B,
	MGW_SALT_INPUT,
	MGW_SALT_OUTPUT,
	MGW_SALT_ERRFILE,
	MGW_SALT_COUNTS,
	MGW_SALT_TIMES,
	MGW_SALT_TOKENS,
	MGW_SALT_ERRLINE,
};

/* Which lifecycle timestamps a status implies. */
enum mgw_ts_bit {
	MGW_TS_IN_PROGRESS = 1 << 0,
	MGW_TS_FINALIZING = 1 << 1,
	MGW_TS_COMPLETED = 1 << 2,
	MGW_TS_FAILED = 1 << 3,
	MGW_TS_EXPIRED = 1 << 4,
	MGW_TS_CANCELLING = 1 << 5,
	MGW_TS_CANCELLED = 1 << 6,
};

/* How far the requests of a batch got. */
enum mgw_progress { MGW_PROG_NONE, MGW_PROG_PARTIAL, MGW_PROG_DONE };

struct mgw_status {
	const char *name;
	unsigned timestamps; /* enum mgw_ts_bit */
	enum mgw_progress progress;
};

struct mgw_style {
	void (*id)(uint32_t index, char buf[MGW_ID_SIZE]);
	/* The index `id` would have, if any; dataset.c verifies by regenerating. */
	bool (*candidate)(const char *id, uint32_t *index);
	const struct mgw_status *(*status)(uint32_t index);
	/* An input, output or error file reference (salt says which). */
	json_t *(*file)(uint32_t index, enum mgw_salt salt);
	/* A Unix time in seconds, spelled the provider's way. */
	json_t *(*time)(int64_t unix_s);
	/* The errors member of a failed batch. */
	json_t *(*errors)(uint32_t index);
	const char *const *chat_models; /* three of them */
	const char *embedding_model;
	bool has_more; /* the list envelope carries has_more */
};

extern const struct mgw_style mgw_style_openai;
extern const struct mgw_style mgw_style_bedrock;
extern const struct mgw_style mgw_style_vertex;

/* splitmix64's finaliser: a bijection, good enough spread for fake data. */
uint64_t mgw_mix64(uint64_t x);

/* A 64-bit hash of (index, salt): the only source of variety. */
uint64_t mgw_hash(uint32_t index, enum mgw_salt salt);

/* Creation time of item `index` in Unix seconds; strictly decreasing. */
int64_t mgw_created_at(uint32_t index);

/* A 62-bit number that looks random yet gives back `index` (below 2^24)
 * through mgw_token_index: ids built from it decode in O(1). */
uint64_t mgw_token(uint32_t index, enum mgw_salt salt);
uint32_t mgw_token_index(uint64_t token);

/* "SCHEME://tfy-mock-batches/FOLDER/HEX.jsonl", FOLDER from the salt. */
json_t *mgw_object_uri(const char *scheme, uint32_t index, enum mgw_salt salt);

/* The part of `id` after its last '/', or NULL if it has none. */
const char *mgw_id_tail(const char *id);

#endif
