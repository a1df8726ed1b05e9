/*
 * File objects: parsing one from text, copying and freeing; pages of them.
 */
#include "file_internal.h"

#include <string.h>

#include "decode.h"
#include "error_internal.h"

#define DETAIL_MAX 512

tfy_code tfy_file_parse(const char *json, size_t len, tfy_file **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!json || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "json and out must not be NULL");
	char detail[DETAIL_MAX] = "";
	return tfy__decode_error(tfy__decode_file(json, len, out, detail, sizeof(detail)), detail, err);
}

tfy_file *tfy_file_dup(const tfy_file *file)
{
	if (!file || !file->raw_json)
		return NULL;
	/* The same text decoded by the same rules: equal field for field. */
	char detail[8];
	tfy_file *copy = NULL;
	tfy__decode_file(file->raw_json, strlen(file->raw_json), &copy, detail, sizeof(detail));
	return copy;
}

void tfy_file_free(tfy_file *file)
{
	if (file)
		tfy__arena_free(TFY__FILE_OWNER(file)->arena);
}

void tfy_file_page_free(tfy_file_page *page)
{
	if (page)
		tfy__arena_free(((tfy__file_page_owner *)page)->arena);
}

int tfy__file_page_attach(tfy_file_page *page, long status, const char *request_id)
{
	page->http_status = (int32_t)status;
	if (!request_id)
		return 0;
	tfy__arena *arena = ((tfy__file_page_owner *)page)->arena;
	page->request_id = tfy__arena_strndup(arena, request_id, strlen(request_id));
	return page->request_id ? 0 : -1;
}
