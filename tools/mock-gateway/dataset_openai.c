/* OpenAI's Batch object, as api.openai.com, Azure OpenAI and the gateway's
 * OpenAI-compatible accounts send it: "batch_..." ids, "file-..." ids,
 * lower-case statuses and Unix seconds. */
#include "dataset_style.h"

#include <stdio.h>
#include <string.h>

/* Some gateways pass a provider's id through even on OpenAI-shaped data. */
#define ARN_PREFIX "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/job+"

static bool is_gateway_id(uint32_t index)
{
	return index % 10 == 7;
}

/* Real OpenAI ids start with the creation time in hex and carry "8190" in the
 * middle; copying that shape keeps decoders honest about realistic input. */
static void openai_id(uint32_t index, char buf[MGW_ID_SIZE])
{
	uint64_t a = mgw_hash(index, MGW_SALT_ID_A);
	uint64_t b = mgw_hash(index, MGW_SALT_ID_B);
	if (is_gateway_id(index)) {
		snprintf(buf, MGW_ID_SIZE, ARN_PREFIX "%08x%016llx=", (unsigned)index,
		         (unsigned long long)a);
		return;
	}
	snprintf(buf, MGW_ID_SIZE, "batch_%08x%04x8190%016llx", (unsigned)mgw_created_at(index),
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

/* The creation time at the start of an id gives the index back. */
static bool openai_candidate(const char *id, uint32_t *index)
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
	if (v > MGW_NEWEST_CREATED_AT)
		return false;
	*index = (MGW_NEWEST_CREATED_AT - v) / MGW_CREATED_STEP;
	return true;
}

enum {
	TS_DONE = MGW_TS_IN_PROGRESS | MGW_TS_FINALIZING | MGW_TS_COMPLETED,
};

/* Weighted towards completed like real accounts; 13 is coprime with 10, so
 * gateway-style ids get every status too. */
static const struct mgw_status status_cycle[13] = {
	{ "completed", TS_DONE, MGW_PROG_DONE },
	{ "in_progress", MGW_TS_IN_PROGRESS, MGW_PROG_PARTIAL },
	{ "completed", TS_DONE, MGW_PROG_DONE },
	{ "failed", MGW_TS_FAILED, MGW_PROG_NONE },
	{ "validating", 0, MGW_PROG_NONE },
	{ "completed", TS_DONE, MGW_PROG_DONE },
	{ "finalizing", MGW_TS_IN_PROGRESS | MGW_TS_FINALIZING, MGW_PROG_DONE },
	{ "completed", TS_DONE, MGW_PROG_DONE },
	{ "expired", MGW_TS_IN_PROGRESS | MGW_TS_EXPIRED, MGW_PROG_PARTIAL },
	{ "completed", TS_DONE, MGW_PROG_DONE },
	{ "cancelling", MGW_TS_IN_PROGRESS | MGW_TS_CANCELLING, MGW_PROG_PARTIAL },
	{ "cancelled", MGW_TS_IN_PROGRESS | MGW_TS_CANCELLING | MGW_TS_CANCELLED, MGW_PROG_PARTIAL },
	{ "completed", TS_DONE, MGW_PROG_DONE },
};

/* Provider values that gateways pass through unchanged. */
static const struct mgw_status status_bedrock = { "InProgress", MGW_TS_IN_PROGRESS, MGW_PROG_PARTIAL };
static const struct mgw_status status_queued = { "queued", 0, MGW_PROG_NONE };

static const struct mgw_status *openai_status(uint32_t index)
{
	if (index % 37 == 11)
		return &status_bedrock;
	if (index % 37 == 29)
		return &status_queued;
	return &status_cycle[index % 13];
}

/* OpenAI file ids: "file-" and 22 base58 characters. */
static json_t *openai_file(uint32_t index, enum mgw_salt salt)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	char buf[5 + 22 + 1] = "file-";
	uint64_t seed = mgw_hash(index, salt);
	uint64_t h = seed;
	for (int k = 0; k < 22; k++) {
		if (k == 11)
			h = mgw_mix64(seed); /* 58^11 uses up 64 bits: draw afresh */
		buf[5 + k] = alphabet[h % 58];
		h /= 58;
	}
	buf[27] = '\0';
	return json_string(buf);
}

static json_t *openai_time(int64_t unix_s)
{
	return json_integer((json_int_t)unix_s);
}

static json_t *openai_errors(uint32_t index)
{
	uint64_t h = mgw_hash(index, MGW_SALT_ERRLINE);
	json_t *data = json_array();
	json_array_append_new(data, json_pack("{s:s, s:s, s:n, s:I}", "code", "invalid_json_line",
	                                      "message", "This line is not parseable as valid JSON.",
	                                      "param", "line", (json_int_t)(1 + h % 50)));
	if (index % 2 == 1)
		json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:I}", "code",
		                                      "missing_required_parameter", "message",
		                                      "Missing required parameter: 'model'.",
		                                      "param", "body.model", "line",
		                                      (json_int_t)(51 + (h >> 8) % 50)));
	return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

static const char *const openai_chat[] = { "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14",
	                                   "o3-mini-2025-01-31" };

const struct mgw_style mgw_style_openai = {
	openai_id,   openai_candidate, openai_status, openai_file,
	openai_time, openai_errors,    openai_chat,   "text-embedding-3-small",
	true,
};
