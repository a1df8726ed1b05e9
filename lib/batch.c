#include "batch_internal.h"

#include <string.h>
#include <strings.h>

#include "decode.h"
#include "error_internal.h"

#define DETAIL_MAX 512

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

const tfy_batch *tfy_batch_page_get(const tfy_batch_page *list, size_t i)
{
	if (!list || i >= list->count)
		return NULL;
	return list->items[i];
}

void tfy_batch_page_free(tfy_batch_page *list)
{
	if (!list)
		return;
	tfy__headers_free(((tfy__list_owner *)list)->headers);
	tfy__arena_free(((tfy__list_owner *)list)->arena);
}

int tfy__batch_page_attach(tfy_batch_page *page, long status, const char *request_id,
                           const tfy__headers *headers)
{
	page->http_status = (int32_t)status;
	if (tfy__batch_page_set_request_id(page, request_id) < 0)
		return -1;
	return tfy__headers_dup(headers, &((tfy__list_owner *)page)->headers);
}

int tfy__batch_attach(tfy_batch *batch, const tfy__headers *headers)
{
	tfy__batch_owner *owner = TFY__BATCH_OWNER(batch);
	tfy__headers_free(owner->headers);
	return tfy__headers_dup(headers, &owner->headers);
}

const char *tfy_batch_page_header(const tfy_batch_page *page, const char *name)
{
	return page ? tfy__headers_get(((const tfy__list_owner *)page)->headers, name) : NULL;
}

const char *tfy_batch_header(const tfy_batch *batch, const char *name)
{
	/* A batch of a page has no arena and no headers of its own: NULL. */
	return batch ? tfy__headers_get(TFY__BATCH_OWNER(batch)->headers, name) : NULL;
}

tfy_batch *tfy_batch_dup(const tfy_batch *batch)
{
	if (!batch || !batch->raw_json)
		return NULL;
	/* The copy is the same text decoded by the same rules: equal field for field. */
	char detail[8];
	tfy_batch *copy = NULL;
	tfy__decode_batch(batch->raw_json, strlen(batch->raw_json), 0, &copy, detail, sizeof(detail));
	return copy;
}

void tfy_batch_free(tfy_batch *batch)
{
	if (!batch || !TFY__BATCH_OWNER(batch)->arena)
		return;
	tfy__headers_free(TFY__BATCH_OWNER(batch)->headers);
	tfy__arena_free(TFY__BATCH_OWNER(batch)->arena);
}

tfy_code tfy_batch_parse(const char *json, size_t len, tfy_batch **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!json || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "json and out must not be NULL");
	char detail[DETAIL_MAX] = "";
	return tfy__decode_error(tfy__decode_batch(json, len, 1, out, detail, sizeof(detail)), detail, err);
}

tfy_code tfy_batch_page_parse(const char *json, size_t len, tfy_batch_page **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!json || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "json and out must not be NULL");
	char detail[DETAIL_MAX] = "";
	return tfy__decode_error(tfy__decode_batch_page(json, len, out, detail, sizeof(detail)), detail,
	                    err);
}

int32_t tfy_batch_time_converted(const tfy_batch *batch, const tfy_opt_int64 *field)
{
	if (!batch || field < &batch->created_at || field > &batch->cancelled_at)
		return 0;
	/* The time fields stand one after the other, in the order of the owner's bits. */
	size_t i = (size_t)(field - &batch->created_at);
	return (int32_t)((TFY__BATCH_OWNER(batch)->converted_times >> i) & 1u);
}
