/*
 * File objects: one by itself (tfy__decode_file) or the items of a List
 * files page (tfy__decode_file_page, through the page walker), and the
 * answer to deleting one (tfy__decode_file_deleted).
 */
#include "decode.h"

#include "decode_page.h"
#include "file_internal.h"
#include "json_values.h"

/* clang-format off */
#define FFIELD(name) { #name, offsetof(tfy_file, name) }
/* clang-format on */

static const tfy__json_field file_strings[] = {
	FFIELD(id),      FFIELD(object), FFIELD(filename),
	FFIELD(purpose), FFIELD(status), FFIELD(status_details),
};

/* One member of a File object; a repeated key replaces the earlier value. */
static void file_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy_file *f = ctx;
	int converted;
	for (size_t i = 0; i < TFY__COUNT_OF(file_strings); i++)
		if (tfy__json_key_is(k, file_strings[i].key)) {
			*(const char **)((char *)f + file_strings[i].offset) = tfy__json_read_str(d);
			return;
		}
	if (tfy__json_key_is(k, "bytes"))
		f->bytes = tfy__json_read_int(d);
	else if (tfy__json_key_is(k, "created_at"))
		f->created_at = tfy__json_read_time(d, &converted);
	else if (tfy__json_key_is(k, "expires_at"))
		f->expires_at = tfy__json_read_time(d, &converted);
	else
		tfy__json_scan_value(d);
}

/*
 * The value at the walk's position as a file, and its raw_json; one that is
 * not an object (in a page: a lone file is checked first) has every field
 * absent.
 */
static void file_item(tfy__decoder *d, void *pub)
{
	tfy_file *f = pub;
	size_t start = d->i;
	if (tfy__json_peek(d) == '{')
		tfy__json_walk_object(d, file_member, f);
	else
		tfy__json_scan_value(d);
	if (!tfy__json_stopped(d))
		f->raw_json = tfy__json_copy(d, d->s + start, d->i - start);
}

tfy_code tfy__decode_file(const char *body, size_t len, tfy_file **out, char *detail, size_t detail_size)
{
	void *owner;
	tfy_code rc = tfy__json_decode_one(body, len, 1, sizeof(tfy__file_owner),
	                                   offsetof(tfy__file_owner, pub), file_item,
	                                   "a JSON object (a File)", &owner, detail, detail_size);
	*out = owner ? &((tfy__file_owner *)owner)->pub : NULL;
	return rc;
}

static const tfy__page_kind file_page = {
	.page_size = sizeof(tfy__file_page_owner),
	.item_size = sizeof(tfy__file_owner),
	.item_offset = offsetof(tfy__file_owner, pub),
	.item = file_item,
	.expected = "a JSON object with a \"data\" array",
};

tfy_code tfy__decode_file_page(const char *body, size_t len, tfy_file_page **out, char *detail,
                               size_t detail_size)
{
	tfy__page page;
	*out = NULL;
	tfy_code rc = tfy__decode_page(body, len, &file_page, &page, detail, detail_size);
	if (rc != TFY_OK)
		return rc;
	tfy__file_page_owner *owner = page.owner;
	owner->arena = page.arena;
	TFY__PAGE_PUBLISH(&owner->pub, &page, tfy_file);
	*out = &owner->pub;
	return TFY_OK;
}

static void deleted_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy__file_deleted *del = ctx;
	if (tfy__json_key_is(k, "id"))
		del->id = tfy__json_read_str(d);
	else if (tfy__json_key_is(k, "object"))
		del->object = tfy__json_read_str(d);
	else if (tfy__json_key_is(k, "deleted"))
		del->deleted = tfy__json_read_bool(d, &del->deleted_present);
	else
		tfy__json_scan_value(d);
}

static void deleted_item(tfy__decoder *d, void *pub)
{
	tfy__json_walk_object(d, deleted_member, pub);
}

tfy_code tfy__decode_file_deleted(const char *body, size_t len, tfy__file_deleted **out,
                                  char *detail, size_t detail_size)
{
	void *owner;
	tfy_code rc = tfy__json_decode_one(body, len, 1, sizeof(tfy__file_deleted), 0, deleted_item,
	                                   "a JSON object (a deleted File)", &owner, detail,
	                                   detail_size);
	*out = owner;
	return rc;
}

void tfy__file_deleted_free(tfy__file_deleted *deleted)
{
	if (deleted)
		tfy__arena_free(deleted->arena);
}
