/* Google Vertex AI batch prediction jobs as the gateway lists them: resource
 * names for ids, gs:// files, JOB_STATE_* statuses, ISO-8601 times and
 * numeric (google.rpc.Code) error codes. */
#include "dataset_style.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define PROJECT "734809124588"
#define JOB_ID_DIGITS 19
#define JOB_ID_TOP (1ull << 62) /* makes every job number 19 digits long */

static const char *const regions[] = { "us-central1", "europe-west4", "asia-northeast1" };

static void vertex_id(uint32_t index, char buf[MGW_ID_SIZE])
{
	snprintf(buf, MGW_ID_SIZE, "projects/" PROJECT "/locations/%s/batchPredictionJobs/%llu",
	         regions[index % 3],
	         (unsigned long long)(JOB_ID_TOP | mgw_token(index, MGW_SALT_ID_A)));
}

/* Nineteen digits stay below 2^64, so the sum cannot overflow. */
static bool vertex_candidate(const char *id, uint32_t *index)
{
	const char *job = mgw_id_tail(id);
	uint64_t number = 0;
	if (!job || strlen(job) != JOB_ID_DIGITS)
		return false;
	for (const char *c = job; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		number = number * 10 + (uint64_t)(*c - '0');
	}
	*index = mgw_token_index(number & (JOB_ID_TOP - 1));
	return true;
}

enum {
	TS_DONE = MGW_TS_IN_PROGRESS | MGW_TS_FINALIZING | MGW_TS_COMPLETED,
};

/* Every JobState a batch prediction job can be in (all but UNSPECIFIED). */
static const struct mgw_status status_cycle[13] = {
	{ "JOB_STATE_SUCCEEDED", TS_DONE, MGW_PROG_DONE },
	{ "JOB_STATE_RUNNING", MGW_TS_IN_PROGRESS, MGW_PROG_PARTIAL },
	{ "JOB_STATE_SUCCEEDED", TS_DONE, MGW_PROG_DONE },
	{ "JOB_STATE_FAILED", MGW_TS_FAILED, MGW_PROG_NONE },
	{ "JOB_STATE_PENDING", 0, MGW_PROG_NONE },
	{ "JOB_STATE_SUCCEEDED", TS_DONE, MGW_PROG_DONE },
	{ "JOB_STATE_QUEUED", 0, MGW_PROG_NONE },
	{ "JOB_STATE_PARTIALLY_SUCCEEDED", TS_DONE, MGW_PROG_DONE },
	{ "JOB_STATE_EXPIRED", MGW_TS_IN_PROGRESS | MGW_TS_EXPIRED, MGW_PROG_PARTIAL },
	{ "JOB_STATE_CANCELLING", MGW_TS_IN_PROGRESS | MGW_TS_CANCELLING, MGW_PROG_PARTIAL },
	{ "JOB_STATE_CANCELLED", MGW_TS_IN_PROGRESS | MGW_TS_CANCELLING | MGW_TS_CANCELLED,
	  MGW_PROG_PARTIAL },
	{ "JOB_STATE_PAUSED", MGW_TS_IN_PROGRESS, MGW_PROG_PARTIAL },
	{ "JOB_STATE_UPDATING", MGW_TS_IN_PROGRESS, MGW_PROG_PARTIAL },
};

static const struct mgw_status *vertex_status(uint32_t index)
{
	return &status_cycle[index % 13];
}

static json_t *vertex_file(uint32_t index, enum mgw_salt salt)
{
	return mgw_object_uri("gs", index, salt);
}

/* "2025-01-31T23:59:44Z", as Vertex's JSON mapping of Timestamp. */
static json_t *vertex_time(int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	char buf[80]; /* room for any int fields, to please -Wformat-truncation */
	if (!gmtime_r(&t, &tm))
		return json_null();
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return json_string(buf);
}

/* google.rpc.Code numbers: 3 INVALID_ARGUMENT, 13 INTERNAL. */
static json_t *vertex_errors(uint32_t index)
{
	json_t *data = json_pack("[{s:i, s:s, s:n, s:n}]", "code", 3, "message",
	                         "Invalid instance in the input file.", "param", "line");
	if (index % 2 == 1)
		json_array_append_new(data, json_pack("{s:i, s:s, s:n, s:n}", "code", 13, "message",
		                                      "Internal error occurred while predicting.",
		                                      "param", "line"));
	return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

static const char *const vertex_chat[] = { "gemini-1.5-flash-002", "gemini-2.0-flash-001",
	                                   "gemini-1.5-pro-002" };

const struct mgw_style mgw_style_vertex = {
	vertex_id,     vertex_candidate, vertex_status,        vertex_file, vertex_time,
	vertex_errors, vertex_chat,      "text-embedding-005", true,
};
