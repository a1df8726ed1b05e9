#include "batch_internal.h"

#include <string.h>

#include "decode.h"
#include "error_internal.h"

#define DETAIL_MAX 512

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
	return tfy__decode_error(tfy__decode_batch(json, len, 1, out, detail, sizeof(detail)),
	                         detail, err);
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
	return tfy__decode_error(tfy__decode_batch_page(json, len, out, detail, sizeof(detail)),
	                         detail, err);
}

int32_t tfy_batch_time_converted(const tfy_batch *batch, const tfy_opt_int64 *field)
{
	if (!batch || field < &batch->created_at || field > &batch->cancelled_at)
		return 0;
	/* The time fields stand one after the other, in the order of the owner's bits. */
	size_t i = (size_t)(field - &batch->created_at);
	return (int32_t)((TFY__BATCH_OWNER(batch)->converted_times >> i) & 1u);
}
