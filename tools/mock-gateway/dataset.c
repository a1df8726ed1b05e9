/* Deterministic batches, modelled on what api.openai.com and gateways return.
 *
 * No randomness and no clock: every field is derived from the item index via a
 * hash, so runs are reproducible and any item can be produced without the others.
 * The provider's spelling of each value comes from its style (dataset_style.h). */
#include "dataset_style.h"

#include <stdio.h>
#include <string.h>

/* Below MGW_CREATED_STEP / 2, so created_at strictly decreases. */
#define CREATED_JITTER 60u
#define DAY 86400
#define TOKEN_INDEX_BITS 24
#define TOKEN_INDEX_MASK ((1ull << TOKEN_INDEX_BITS) - 1)
#define TOKEN_HASH_BITS 38

/* splitmix64 finaliser: a bijection, good enough spread for fake data. */
uint64_t mgw_mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

uint64_t mgw_hash(uint32_t index, enum mgw_salt salt)
{
	return mgw_mix64(((uint64_t)salt << 32) | index);
}

int64_t mgw_created_at(uint32_t index)
{
	uint64_t jitter = mgw_hash(index, MGW_SALT_JITTER) % CREATED_JITTER;
	return (int64_t)MGW_NEWEST_CREATED_AT - (int64_t)index * MGW_CREATED_STEP - (int64_t)jitter;
}

/* The index is xor-ed with the hash bits above it, so neighbours differ
 * everywhere, and one xor undoes it. MGW_DATASET_MAX_COUNT < 2^24. */
uint64_t mgw_token(uint32_t index, enum mgw_salt salt)
{
	uint64_t h = mgw_hash(index, salt) & ((1ull << TOKEN_HASH_BITS) - 1);
	return h << TOKEN_INDEX_BITS | ((index ^ h) & TOKEN_INDEX_MASK);
}

uint32_t mgw_token_index(uint64_t token)
{
	return (uint32_t)((token ^ (token >> TOKEN_INDEX_BITS)) & TOKEN_INDEX_MASK);
}

json_t *mgw_object_uri(const char *scheme, uint32_t index, enum mgw_salt salt)
{
	const char *folder = salt == MGW_SALT_INPUT  ? "input"
	                   : salt == MGW_SALT_OUTPUT ? "output"
	                                             : "errors";
	char buf[128];
	snprintf(buf, sizeof buf, "%s://tfy-mock-batches/%s/%016llx.jsonl", scheme, folder,
	         (unsigned long long)mgw_hash(index, salt));
	return json_string(buf);
}

const char *mgw_id_tail(const char *id)
{
	const char *slash = strrchr(id, '/');
	return slash ? slash + 1 : NULL;
}

static const struct mgw_style *style_of(enum mgw_shape shape)
{
	switch (shape) {
	case MGW_SHAPE_BEDROCK: return &mgw_style_bedrock;
	case MGW_SHAPE_VERTEX: return &mgw_style_vertex;
	default: return &mgw_style_openai;
	}
}

bool mgw_dataset_find(enum mgw_shape shape, uint32_t count, const char *id, uint32_t *index)
{
	const struct mgw_style *style = style_of(shape);
	uint32_t i;
	char expect[MGW_ID_SIZE];
	if (!style->candidate(id, &i) || i >= count)
		return false;
	style->id(i, expect);
	if (strcmp(expect, id) != 0)
		return false;
	*index = i;
	return true;
}

/* ---- item fields ------------------------------------------------------- */

struct counts {
	int64_t total, completed, failed;
};

static struct counts counts_of(uint32_t index, const struct mgw_status *st)
{
	uint64_t h = mgw_hash(index, MGW_SALT_COUNTS);
	struct counts c = { 0, 0, 0 };
	if (st->progress == MGW_PROG_NONE)
		return c;
	c.total = 1 + (int64_t)(h % 2000);
	/* A third of the batches carry some failed requests. */
	c.failed = index % 3 == 0 ? (int64_t)((h >> 16) % 6) : 0;
	if (c.failed > c.total)
		c.failed = c.total;
	if (st->progress == MGW_PROG_DONE)
		c.completed = c.total - c.failed;
	else
		c.completed = (c.total - c.failed) * (int64_t)((h >> 32) % 100) / 100;
	return c;
}

static json_t *counts_json(const struct counts *c)
{
	return json_pack("{s:I, s:I, s:I}", "total", (json_int_t)c->total, "completed",
	                 (json_int_t)c->completed, "failed", (json_int_t)c->failed);
}

static json_t *ts_or_null(const struct mgw_style *style, unsigned have, enum mgw_ts_bit bit,
                          int64_t value)
{
	return (have & bit) ? style->time(value) : json_null();
}

static int set_timestamps(json_t *o, const struct mgw_style *style, uint32_t index,
                          const struct mgw_status *st)
{
	uint64_t h = mgw_hash(index, MGW_SALT_TIMES);
	unsigned t = st->timestamps;
	int64_t created = mgw_created_at(index);
	int64_t in_progress = created + 1 + (int64_t)(h % 30);
	int64_t finalizing = in_progress + 60 + (int64_t)((h >> 8) % 7200);
	int64_t cancelling = in_progress + 30 + (int64_t)((h >> 24) % 3600);
	int err = 0;
	err |= json_object_set_new(o, "created_at", style->time(created));
	err |= json_object_set_new(o, "in_progress_at",
	                           ts_or_null(style, t, MGW_TS_IN_PROGRESS, in_progress));
	err |= json_object_set_new(o, "expires_at", style->time(created + DAY));
	err |= json_object_set_new(o, "finalizing_at",
	                           ts_or_null(style, t, MGW_TS_FINALIZING, finalizing));
	err |= json_object_set_new(o, "completed_at",
	                           ts_or_null(style, t, MGW_TS_COMPLETED,
	                                      finalizing + 1 + (int64_t)((h >> 40) % 120)));
	err |= json_object_set_new(o, "failed_at",
	                           ts_or_null(style, t, MGW_TS_FAILED,
	                                      created + 2 + (int64_t)((h >> 48) % 20)));
	err |= json_object_set_new(o, "expired_at",
	                           ts_or_null(style, t, MGW_TS_EXPIRED, created + DAY + 5));
	err |= json_object_set_new(o, "cancelling_at",
	                           ts_or_null(style, t, MGW_TS_CANCELLING, cancelling));
	err |= json_object_set_new(o, "cancelled_at",
	                           ts_or_null(style, t, MGW_TS_CANCELLED,
	                                      cancelling + 1 + (int64_t)((h >> 56) % 200)));
	return err;
}

static bool is_embeddings(uint32_t index)
{
	return index % 9 == 4;
}

static const char *model_of(const struct mgw_style *style, uint32_t index)
{
	if (index % 4 == 2)
		return NULL; /* older batches predate the field */
	if (is_embeddings(index))
		return style->embedding_model;
	return style->chat_models[index % 3];
}

static json_t *usage_json(const struct mgw_style *style, uint32_t index, const struct counts *c)
{
	uint64_t h = mgw_hash(index, MGW_SALT_TOKENS);
	const char *model = model_of(style, index);
	json_int_t input = (json_int_t)c->completed * (json_int_t)(50 + h % 400);
	json_int_t cached = input * (json_int_t)((h >> 12) % 50) / 100;
	json_int_t output = is_embeddings(index)
	                          ? 0
	                          : (json_int_t)c->completed * (json_int_t)(10 + (h >> 24) % 300);
	json_int_t reasoning = model && model[0] == 'o' ? output * (json_int_t)((h >> 40) % 60) / 100
	                                                : 0;
	return json_pack("{s:I, s:{s:I}, s:I, s:{s:I}, s:I}", "input_tokens", input,
	                 "input_tokens_details", "cached_tokens", cached, "output_tokens", output,
	                 "output_tokens_details", "reasoning_tokens", reasoning, "total_tokens",
	                 input + output);
}

/* TrueFoundry types metadata as "any", so a few items carry a non-string map. */
static json_t *metadata_of(uint32_t index)
{
	if (index % 23 == 5)
		return json_pack("{s:i, s:[s,s]}", "priority", 3, "tags", "a", "b");
	char customer[32];
	snprintf(customer, sizeof customer, "user_%09u",
	         (unsigned)(mgw_hash(index, MGW_SALT_ID_B) % 1000000000u));
	switch (index % 5) {
	case 1:
		return json_pack("{s:s, s:s}", "customer_id", customer, "batch_description",
		                 "Nightly eval job");
	case 3:
		return json_pack("{s:s, s:s, s:s}", "description",
		                 "caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		                 "emoji", "\xf0\x9f\x9a\x80 launch", "quote",
		                 "she said \"ok\"\tC:\\tmp");
	case 4: return json_object();
	default: return json_null();
	}
}

static int set_identity(json_t *o, const struct mgw_style *style, uint32_t index)
{
	char id[MGW_ID_SIZE];
	const char *model = model_of(style, index);
	int err = 0;
	style->id(index, id);
	err |= json_object_set_new(o, "id", json_string(id));
	err |= json_object_set_new(o, "object", json_string("batch"));
	err |= json_object_set_new(o, "endpoint",
	                           json_string(is_embeddings(index) ? "/v1/embeddings"
	                                                            : "/v1/chat/completions"));
	if (model)
		err |= json_object_set_new(o, "model", json_string(model));
	return err;
}

static int set_outcome(json_t *o, const struct mgw_style *style, uint32_t index,
                       const struct mgw_status *st, const struct counts *c)
{
	bool terminal = st->timestamps & (MGW_TS_COMPLETED | MGW_TS_EXPIRED | MGW_TS_CANCELLED);
	int err = 0;
	err |= json_object_set_new(o, "errors",
	                           st->timestamps & MGW_TS_FAILED ? style->errors(index) : json_null());
	err |= json_object_set_new(o, "input_file_id", style->file(index, MGW_SALT_INPUT));
	err |= json_object_set_new(o, "completion_window", json_string("24h"));
	err |= json_object_set_new(o, "status", json_string(st->name));
	err |= json_object_set_new(o, "output_file_id",
	                           terminal && c->completed > 0 ? style->file(index, MGW_SALT_OUTPUT)
	                                                        : json_null());
	err |= json_object_set_new(o, "error_file_id",
	                           terminal && c->failed > 0 ? style->file(index, MGW_SALT_ERRFILE)
	                                                     : json_null());
	return err;
}

static int set_accounting(json_t *o, const struct mgw_style *style, uint32_t index,
                          const struct counts *c)
{
	int err = json_object_set_new(o, "request_counts", counts_json(c));
	/* The live API sends usage only on newer batches, and gateways send null. */
	if (index % 3 == 0)
		err |= json_object_set_new(o, "usage", usage_json(style, index, c));
	else if (index % 3 == 1)
		err |= json_object_set_new(o, "usage", json_null());
	err |= json_object_set_new(o, "metadata", metadata_of(index));
	return err;
}

/* Field order follows the live API's responses. */
static json_t *item(const struct mgw_style *style, uint32_t index)
{
	const struct mgw_status *st = style->status(index);
	struct counts c = counts_of(index, st);
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (set_identity(o, style, index) || set_outcome(o, style, index, st, &c) ||
	    set_timestamps(o, style, index, st) || set_accounting(o, style, index, &c)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *mgw_dataset_item(enum mgw_shape shape, uint32_t index)
{
	return item(style_of(shape), index);
}

static json_t *page_envelope(const struct mgw_style *style, json_t *data, bool has_more)
{
	size_t n = json_array_size(data);
	json_t *first = n ? json_object_get(json_array_get(data, 0), "id") : NULL;
	json_t *last = n ? json_object_get(json_array_get(data, n - 1), "id") : NULL;
	json_t *page = json_pack("{s:s, s:o, s:O?, s:O?}", "object", "list", "data", data,
	                         "first_id", first, "last_id", last);
	if (page && style->has_more && json_object_set_new(page, "has_more", json_boolean(has_more))) {
		json_decref(page);
		return NULL;
	}
	return page;
}

json_t *mgw_dataset_page(enum mgw_shape shape, uint32_t count, uint32_t start, uint32_t limit)
{
	const struct mgw_style *style = style_of(shape);
	uint32_t end = start >= count ? start : (count - start < limit ? count : start + limit);
	json_t *data = json_array();
	if (!data)
		return NULL;
	for (uint32_t i = start; i < end; i++) {
		if (json_array_append_new(data, item(style, i)) != 0) {
			json_decref(data);
			return NULL;
		}
	}
	return page_envelope(style, data, end < count);
}
