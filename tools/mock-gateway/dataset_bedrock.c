/* AWS Bedrock batch inference jobs as the gateway lists them: job ARNs,
 * s3:// files, Bedrock's job states, times in milliseconds, and a list
 * envelope without has_more. */
#include "dataset_style.h"

#include <stdio.h>
#include <string.h>

#define ACCOUNT "123456789012"
#define JOB_ID_LEN 12 /* lower-case alphanumerics, as Bedrock's job ids */

static const char *const regions[] = { "us-east-1", "us-west-2", "eu-central-1" };
static const char base36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* A token is below 2^62 < 36^12, so twelve digits always hold it. */
static void bedrock_id(uint32_t index, char buf[MGW_ID_SIZE])
{
	uint64_t token = mgw_token(index, MGW_SALT_ID_A);
	char job[JOB_ID_LEN + 1];
	for (int k = JOB_ID_LEN - 1; k >= 0; k--) {
		job[k] = base36[token % 36];
		token /= 36;
	}
	job[JOB_ID_LEN] = '\0';
	snprintf(buf, MGW_ID_SIZE, "arn:aws:bedrock:%s:" ACCOUNT ":model-invocation-job/%s",
	         regions[index % 3], job);
}

static bool bedrock_candidate(const char *id, uint32_t *index)
{
	const char *job = mgw_id_tail(id);
	uint64_t token = 0;
	if (!job || strlen(job) != JOB_ID_LEN)
		return false;
	for (const char *c = job; *c; c++) {
		const char *digit = strchr(base36, *c);
		if (!digit)
			return false;
		token = token * 36 + (uint64_t)(digit - base36);
	}
	*index = mgw_token_index(token);
	return true;
}

enum {
	TS_DONE = MGW_TS_IN_PROGRESS | MGW_TS_FINALIZING | MGW_TS_COMPLETED,
};

/* Every state of Bedrock's ModelInvocationJobStatus, weighted towards Completed. */
static const struct mgw_status status_cycle[13] = {
	{ "Completed", TS_DONE, MGW_PROG_DONE },
	{ "InProgress", MGW_TS_IN_PROGRESS, MGW_PROG_PARTIAL },
	{ "Completed", TS_DONE, MGW_PROG_DONE },
	{ "Failed", MGW_TS_FAILED, MGW_PROG_NONE },
	{ "Validating", 0, MGW_PROG_NONE },
	{ "Completed", TS_DONE, MGW_PROG_DONE },
	{ "Submitted", 0, MGW_PROG_NONE },
	{ "Completed", TS_DONE, MGW_PROG_DONE },
	{ "Expired", MGW_TS_IN_PROGRESS | MGW_TS_EXPIRED, MGW_PROG_PARTIAL },
	{ "PartiallyCompleted", TS_DONE, MGW_PROG_DONE },
	{ "Stopping", MGW_TS_IN_PROGRESS | MGW_TS_CANCELLING, MGW_PROG_PARTIAL },
	{ "Stopped", MGW_TS_IN_PROGRESS | MGW_TS_CANCELLING | MGW_TS_CANCELLED, MGW_PROG_PARTIAL },
	{ "Scheduled", 0, MGW_PROG_NONE },
};

static const struct mgw_status *bedrock_status(uint32_t index)
{
	return &status_cycle[index % 13];
}

static json_t *bedrock_file(uint32_t index, enum mgw_salt salt)
{
	return mgw_object_uri("s3", index, salt);
}

/* Milliseconds, with a sub-second part so that they are not just seconds * 1000. */
static json_t *bedrock_time(int64_t unix_s)
{
	return json_integer((json_int_t)(unix_s * 1000 + (int64_t)((uint64_t)unix_s * 7919u % 1000u)));
}

static json_t *bedrock_errors(uint32_t index)
{
	(void)index;
	return json_pack("{s:s, s:[{s:s, s:s, s:n, s:n}]}", "object", "list", "data", "code",
	                 "ValidationException", "message",
	                 "The input file contains records that are not valid for the model.",
	                 "param", "line");
}

static const char *const bedrock_chat[] = { "anthropic.claude-3-5-sonnet-20240620-v1:0",
	                                    "anthropic.claude-3-haiku-20240307-v1:0",
	                                    "meta.llama3-1-70b-instruct-v1:0" };

const struct mgw_style mgw_style_bedrock = {
	bedrock_id,   bedrock_candidate, bedrock_status, bedrock_file,
	bedrock_time, bedrock_errors,    bedrock_chat,   "amazon.titan-embed-text-v2:0",
	false,
};
