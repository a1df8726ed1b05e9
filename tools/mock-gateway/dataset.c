/* Deterministic batches, modelled on what api.openai.com and gateways return.
 *
 * No randomness and no clock: every field is derived from the item index via a
 * hash, so runs are reproducible and any item can be produced without the others. */
#include "dataset.h"

#include <stdio.h>
#include <string.h>

/* 2026-01-01T00:00:00Z: newest item's creation time. */
#define NEWEST_CREATED_AT 1767225600u
/* Items are STEP seconds apart plus a jitter below STEP/2, so created_at strictly
 * decreases and floor((NEWEST - created_at) / STEP) recovers the index. STEP is
 * small enough that 10 million items stay after 1970. */
#define CREATED_STEP 120u
#define CREATED_JITTER 60u
#define DAY 86400

#define ARN_PREFIX "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/job+"

enum salt {
    SALT_JITTER = 1, SALT_ID_A, SALT_ID_B, SALT_INPUT, SALT_OUTPUT, SALT_ERRFILE,
    SALT_COUNTS, SALT_TIMES, SALT_TOKENS, SALT_ERRLINE,
};

/* splitmix64 finaliser: a bijection, good enough spread for fake data. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint64_t hash(uint32_t index, enum salt salt)
{
    return mix64(((uint64_t)salt << 32) | index);
}

static bool is_gateway_id(uint32_t index)
{
    return index % 10 == 7;
}

static int64_t created_at(uint32_t index)
{
    uint64_t jitter = hash(index, SALT_JITTER) % CREATED_JITTER;
    return (int64_t)NEWEST_CREATED_AT - (int64_t)index * CREATED_STEP - (int64_t)jitter;
}

/* Real OpenAI ids start with the creation time in hex and carry "8190" in the
 * middle; copying that shape keeps decoders honest about realistic input. */
void mgw_dataset_id(uint32_t index, char buf[MGW_ID_SIZE])
{
    uint64_t a = hash(index, SALT_ID_A);
    uint64_t b = hash(index, SALT_ID_B);
    if (is_gateway_id(index)) {
        snprintf(buf, MGW_ID_SIZE, ARN_PREFIX "%08x%016llx=", (unsigned)index,
                 (unsigned long long)a);
        return;
    }
    snprintf(buf, MGW_ID_SIZE, "batch_%08x%04x8190%016llx", (unsigned)created_at(index),
             (unsigned)(b & 0xffffu), (unsigned long long)a);
}

static bool parse_hex32(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 8; k++) {
        char c = s[k];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/* Only a candidate: the caller verifies by regenerating the id. */
static bool candidate_index(const char *id, uint32_t *index)
{
    size_t arn_len = strlen(ARN_PREFIX);
    uint32_t v;
    if (strncmp(id, ARN_PREFIX, arn_len) == 0) {
        if (strlen(id) < arn_len + 8 || !parse_hex32(id + arn_len, &v))
            return false;
        *index = v;
        return true;
    }
    if (strncmp(id, "batch_", 6) != 0 || strlen(id) < 14 || !parse_hex32(id + 6, &v))
        return false;
    if (v > NEWEST_CREATED_AT)
        return false;
    *index = (NEWEST_CREATED_AT - v) / CREATED_STEP;
    return true;
}

bool mgw_dataset_find(uint32_t count, const char *id, uint32_t *index)
{
    uint32_t i;
    char expect[MGW_ID_SIZE];
    if (!candidate_index(id, &i) || i >= count)
        return false;
    mgw_dataset_id(i, expect);
    if (strcmp(expect, id) != 0)
        return false;
    *index = i;
    return true;
}

/* ---- item fields ------------------------------------------------------- */

enum ts_bit {
    TS_IN_PROGRESS = 1 << 0, TS_FINALIZING = 1 << 1, TS_COMPLETED = 1 << 2,
    TS_FAILED = 1 << 3, TS_EXPIRED = 1 << 4, TS_CANCELLING = 1 << 5, TS_CANCELLED = 1 << 6,
};

enum progress { PROG_NONE, PROG_PARTIAL, PROG_DONE };

struct status_shape {
    const char *name;
    unsigned timestamps; /* enum ts_bit */
    enum progress progress;
};

/* Weighted towards completed like real accounts; 13 is coprime with 10, so
 * gateway-style ids get every status too. */
static const struct status_shape status_cycle[13] = {
    { "completed", TS_IN_PROGRESS | TS_FINALIZING | TS_COMPLETED, PROG_DONE },
    { "in_progress", TS_IN_PROGRESS, PROG_PARTIAL },
    { "completed", TS_IN_PROGRESS | TS_FINALIZING | TS_COMPLETED, PROG_DONE },
    { "failed", TS_FAILED, PROG_NONE },
    { "validating", 0, PROG_NONE },
    { "completed", TS_IN_PROGRESS | TS_FINALIZING | TS_COMPLETED, PROG_DONE },
    { "finalizing", TS_IN_PROGRESS | TS_FINALIZING, PROG_DONE },
    { "completed", TS_IN_PROGRESS | TS_FINALIZING | TS_COMPLETED, PROG_DONE },
    { "expired", TS_IN_PROGRESS | TS_EXPIRED, PROG_PARTIAL },
    { "completed", TS_IN_PROGRESS | TS_FINALIZING | TS_COMPLETED, PROG_DONE },
    { "cancelling", TS_IN_PROGRESS | TS_CANCELLING, PROG_PARTIAL },
    { "cancelled", TS_IN_PROGRESS | TS_CANCELLING | TS_CANCELLED, PROG_PARTIAL },
    { "completed", TS_IN_PROGRESS | TS_FINALIZING | TS_COMPLETED, PROG_DONE },
};

/* Provider values that gateways pass through unchanged. */
static const struct status_shape status_bedrock = { "InProgress", TS_IN_PROGRESS, PROG_PARTIAL };
static const struct status_shape status_queued = { "queued", 0, PROG_NONE };

static const struct status_shape *status_of(uint32_t index)
{
    if (index % 37 == 11)
        return &status_bedrock;
    if (index % 37 == 29)
        return &status_queued;
    return &status_cycle[index % 13];
}

struct counts {
    int64_t total, completed, failed;
};

static struct counts counts_of(uint32_t index, const struct status_shape *st)
{
    uint64_t h = hash(index, SALT_COUNTS);
    struct counts c = { 0, 0, 0 };
    if (st->progress == PROG_NONE)
        return c;
    c.total = 1 + (int64_t)(h % 2000);
    /* A third of the batches carry some failed requests. */
    c.failed = index % 3 == 0 ? (int64_t)((h >> 16) % 6) : 0;
    if (c.failed > c.total)
        c.failed = c.total;
    if (st->progress == PROG_DONE)
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

/* OpenAI file ids: "file-" and 22 base58 characters. */
static json_t *file_id(uint32_t index, enum salt salt)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    char buf[5 + 22 + 1] = "file-";
    uint64_t seed = hash(index, salt);
    uint64_t h = seed;
    for (int k = 0; k < 22; k++) {
        if (k == 11)
            h = mix64(seed); /* 58^11 uses up 64 bits: draw afresh */
        buf[5 + k] = alphabet[h % 58];
        h /= 58;
    }
    buf[27] = '\0';
    return json_string(buf);
}

static json_t *ts_or_null(unsigned have, enum ts_bit bit, int64_t value)
{
    return (have & bit) ? json_integer((json_int_t)value) : json_null();
}

static int set_timestamps(json_t *o, uint32_t index, const struct status_shape *st)
{
    uint64_t h = hash(index, SALT_TIMES);
    unsigned t = st->timestamps;
    int64_t created = created_at(index);
    int64_t in_progress = created + 1 + (int64_t)(h % 30);
    int64_t finalizing = in_progress + 60 + (int64_t)((h >> 8) % 7200);
    int64_t cancelling = in_progress + 30 + (int64_t)((h >> 24) % 3600);
    int err = 0;
    err |= json_object_set_new(o, "created_at", json_integer(created));
    err |= json_object_set_new(o, "in_progress_at", ts_or_null(t, TS_IN_PROGRESS, in_progress));
    err |= json_object_set_new(o, "expires_at", json_integer(created + DAY));
    err |= json_object_set_new(o, "finalizing_at", ts_or_null(t, TS_FINALIZING, finalizing));
    err |= json_object_set_new(o, "completed_at",
                               ts_or_null(t, TS_COMPLETED, finalizing + 1 + (int64_t)((h >> 40) % 120)));
    err |= json_object_set_new(o, "failed_at",
                               ts_or_null(t, TS_FAILED, created + 2 + (int64_t)((h >> 48) % 20)));
    err |= json_object_set_new(o, "expired_at", ts_or_null(t, TS_EXPIRED, created + DAY + 5));
    err |= json_object_set_new(o, "cancelling_at", ts_or_null(t, TS_CANCELLING, cancelling));
    err |= json_object_set_new(o, "cancelled_at",
                               ts_or_null(t, TS_CANCELLED, cancelling + 1 + (int64_t)((h >> 56) % 200)));
    return err;
}

static json_t *batch_errors(uint32_t index)
{
    uint64_t h = hash(index, SALT_ERRLINE);
    json_t *data = json_array();
    json_array_append_new(data, json_pack("{s:s, s:s, s:n, s:I}", "code", "invalid_json_line",
                                          "message", "This line is not parseable as valid JSON.",
                                          "param", "line", (json_int_t)(1 + h % 50)));
    if (index % 2 == 1)
        json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:I}", "code",
                                              "missing_required_parameter", "message",
                                              "Missing required parameter: 'model'.", "param",
                                              "body.model", "line", (json_int_t)(51 + (h >> 8) % 50)));
    return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

static bool is_embeddings(uint32_t index)
{
    return index % 9 == 4;
}

static const char *model_of(uint32_t index)
{
    static const char *const chat[] = { "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14",
                                        "o3-mini-2025-01-31" };
    if (index % 4 == 2)
        return NULL; /* older batches predate the field */
    if (is_embeddings(index))
        return "text-embedding-3-small";
    return chat[index % 3];
}

static json_t *usage_json(uint32_t index, const struct counts *c)
{
    uint64_t h = hash(index, SALT_TOKENS);
    const char *model = model_of(index);
    json_int_t input = (json_int_t)c->completed * (json_int_t)(50 + h % 400);
    json_int_t cached = input * (json_int_t)((h >> 12) % 50) / 100;
    json_int_t output = is_embeddings(index) ? 0 : (json_int_t)c->completed * (json_int_t)(10 + (h >> 24) % 300);
    json_int_t reasoning = model && model[0] == 'o' ? output * (json_int_t)((h >> 40) % 60) / 100 : 0;
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
    snprintf(customer, sizeof customer, "user_%09u", (unsigned)(hash(index, SALT_ID_B) % 1000000000u));
    switch (index % 5) {
    case 1:
        return json_pack("{s:s, s:s}", "customer_id", customer, "batch_description",
                         "Nightly eval job");
    case 3:
        return json_pack("{s:s, s:s, s:s}", "description", "caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                         "emoji", "\xf0\x9f\x9a\x80 launch", "quote", "she said \"ok\"\tC:\\tmp");
    case 4:
        return json_object();
    default:
        return json_null();
    }
}

static int set_identity(json_t *o, uint32_t index)
{
    char id[MGW_ID_SIZE];
    const char *model = model_of(index);
    int err = 0;
    mgw_dataset_id(index, id);
    err |= json_object_set_new(o, "id", json_string(id));
    err |= json_object_set_new(o, "object", json_string("batch"));
    err |= json_object_set_new(o, "endpoint",
                               json_string(is_embeddings(index) ? "/v1/embeddings" : "/v1/chat/completions"));
    if (model)
        err |= json_object_set_new(o, "model", json_string(model));
    return err;
}

static int set_outcome(json_t *o, uint32_t index, const struct status_shape *st,
                       const struct counts *c)
{
    bool terminal = st->timestamps & (TS_COMPLETED | TS_EXPIRED | TS_CANCELLED);
    int err = 0;
    err |= json_object_set_new(o, "errors", st->timestamps & TS_FAILED ? batch_errors(index) : json_null());
    err |= json_object_set_new(o, "input_file_id", file_id(index, SALT_INPUT));
    err |= json_object_set_new(o, "completion_window", json_string("24h"));
    err |= json_object_set_new(o, "status", json_string(st->name));
    err |= json_object_set_new(o, "output_file_id",
                               terminal && c->completed > 0 ? file_id(index, SALT_OUTPUT) : json_null());
    err |= json_object_set_new(o, "error_file_id",
                               terminal && c->failed > 0 ? file_id(index, SALT_ERRFILE) : json_null());
    return err;
}

static int set_accounting(json_t *o, uint32_t index, const struct counts *c)
{
    int err = json_object_set_new(o, "request_counts", counts_json(c));
    /* The live API sends usage only on newer batches, and gateways send null. */
    if (index % 3 == 0)
        err |= json_object_set_new(o, "usage", usage_json(index, c));
    else if (index % 3 == 1)
        err |= json_object_set_new(o, "usage", json_null());
    err |= json_object_set_new(o, "metadata", metadata_of(index));
    return err;
}

/* Field order follows the live API's responses. */
json_t *mgw_dataset_item(uint32_t index)
{
    const struct status_shape *st = status_of(index);
    struct counts c = counts_of(index, st);
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set_identity(o, index) || set_outcome(o, index, st, &c) || set_timestamps(o, index, st)
        || set_accounting(o, index, &c)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *page_envelope(json_t *data, bool has_more)
{
    size_t n = json_array_size(data);
    json_t *first = n ? json_object_get(json_array_get(data, 0), "id") : NULL;
    json_t *last = n ? json_object_get(json_array_get(data, n - 1), "id") : NULL;
    return json_pack("{s:s, s:o, s:O?, s:O?, s:b}", "object", "list", "data", data, "first_id",
                     first, "last_id", last, "has_more", has_more);
}

json_t *mgw_dataset_page(uint32_t count, uint32_t start, uint32_t limit)
{
    uint32_t end = start >= count ? start : (count - start < limit ? count : start + limit);
    json_t *data = json_array();
    if (!data)
        return NULL;
    for (uint32_t i = start; i < end; i++) {
        if (json_array_append_new(data, mgw_dataset_item(i)) != 0) {
            json_decref(data);
            return NULL;
        }
    }
    return page_envelope(data, end < count);
}
