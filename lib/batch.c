#include "batch_internal.h"

#include <string.h>

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
	for (int32_t i = 1; i < STATUS_COUNT; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
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
	tfy__arena_free(((tfy__list_owner *)list)->arena);
}
