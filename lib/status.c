/*
 * Batch statuses: their names, and the parsing of the status text servers
 * send, other providers' job states included (see tfy/batch.h).
 */
#include "tfy/batch.h"

#include <stddef.h>
#include <stdint.h>
#include <strings.h>

static const char *const status_names[] = {
	[TFY_BATCH_STATUS_UNKNOWN] = "unknown",
	[TFY_BATCH_STATUS_VALIDATING] = "validating",
	[TFY_BATCH_STATUS_FAILED] = "failed",
	[TFY_BATCH_STATUS_IN_PROGRESS] = "in_progress",
	[TFY_BATCH_STATUS_FINALIZING] = "finalizing",
	[TFY_BATCH_STATUS_COMPLETED] = "completed",
	[TFY_BATCH_STATUS_EXPIRED] = "expired",
	[TFY_BATCH_STATUS_CANCELLING] = "cancelling",
	[TFY_BATCH_STATUS_CANCELLED] = "cancelled",
	[TFY_BATCH_STATUS_PARTIALLY_COMPLETED] = "partially_completed",
};

/* Other providers' job states as a gateway passes them through (see batch.h). */
static const struct provider_state {
	const char *name;
	tfy_batch_status status;
} provider_states[] = {
	{ "Submitted", TFY_BATCH_STATUS_VALIDATING },
	{ "Scheduled", TFY_BATCH_STATUS_IN_PROGRESS },
	{ "InProgress", TFY_BATCH_STATUS_IN_PROGRESS },
	{ "PartiallyCompleted", TFY_BATCH_STATUS_PARTIALLY_COMPLETED },
	{ "Stopping", TFY_BATCH_STATUS_CANCELLING },
	{ "Stopped", TFY_BATCH_STATUS_CANCELLED },
	{ "JOB_STATE_QUEUED", TFY_BATCH_STATUS_VALIDATING },
	{ "JOB_STATE_PENDING", TFY_BATCH_STATUS_VALIDATING },
	{ "JOB_STATE_RUNNING", TFY_BATCH_STATUS_IN_PROGRESS },
	{ "JOB_STATE_PAUSED", TFY_BATCH_STATUS_IN_PROGRESS },
	{ "JOB_STATE_UPDATING", TFY_BATCH_STATUS_IN_PROGRESS },
	{ "JOB_STATE_SUCCEEDED", TFY_BATCH_STATUS_COMPLETED },
	{ "JOB_STATE_PARTIALLY_SUCCEEDED", TFY_BATCH_STATUS_PARTIALLY_COMPLETED },
	{ "JOB_STATE_FAILED", TFY_BATCH_STATUS_FAILED },
	{ "JOB_STATE_CANCELLING", TFY_BATCH_STATUS_CANCELLING },
	{ "JOB_STATE_CANCELLED", TFY_BATCH_STATUS_CANCELLED },
	{ "JOB_STATE_EXPIRED", TFY_BATCH_STATUS_EXPIRED },
};

#define STATUS_COUNT ((int32_t)(sizeof(status_names) / sizeof(status_names[0])))

const char *tfy_batch_status_name(tfy_batch_status status)
{
	if (status < 0 || status >= STATUS_COUNT)
		return status_names[TFY_BATCH_STATUS_UNKNOWN];
	return status_names[status];
}

tfy_batch_status tfy_batch_status_parse(const char *s)
{
	if (!s)
		return TFY_BATCH_STATUS_UNKNOWN;
	/* Bedrock's Validating, Completed, Failed and Expired match OpenAI's names. */
	for (int32_t i = 1; i < STATUS_COUNT; i++)
		if (strcasecmp(s, status_names[i]) == 0)
			return i;
	for (size_t i = 0; i < sizeof(provider_states) / sizeof(provider_states[0]); i++)
		if (strcasecmp(s, provider_states[i].name) == 0)
			return provider_states[i].status;
	return TFY_BATCH_STATUS_UNKNOWN;
}
