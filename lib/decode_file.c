/*
 * File objects (tfy__decode_file) and the answer to deleting one
 * (tfy__decode_file_deleted).
 */
#include "decode.h"

#include "file_internal.h"
#include "json_values.h"

#define FFIELD(name) { #name, offsetof(tfy_file, name) }

static const tfy__json_field file_strings[] = {
	FFIELD(id), FFIELD(object), FFIELD(filename), FFIELD(purpose), FFIELD(status),
	FFIELD(status_details),
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

/* The object at the walk's position (the caller has checked it is one) and its raw_json. */
static void file_item(tfy__decoder *d, void *pub)
{
	tfy_file *f = pub;
	size_t start = d->i;
	tfy__json_walk_object(d, file_member, f);
	if (!tfy__json_stopped(d))
		f->raw_json = tfy__json_copy(d, d->s + start, d->i - start);
}

tfy_code tfy__decode_file(const char *body, size_t len, tfy_file **out, char *detail,
                          size_t detail_size)
{
	void *owner;
	tfy_code rc = tfy__json_decode_one(body, len, 1, sizeof(tfy__file_owner),
	                                   offsetof(tfy__file_owner, pub), file_item,
	                                   "a JSON object (a File)", &owner, detail, detail_size);
	*out = owner ? &((tfy__file_owner *)owner)->pub : NULL;
	return rc;
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
