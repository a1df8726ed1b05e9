/*
 * Batch objects: one by itself (tfy__decode_batch) or the items of a List
 * batches page (tfy__decode_batch_page, through the page walker), with
 * their request counts, usage, errors and metadata.
 */
#include "decode.h"

#include <stdint.h>
#include <string.h>

#include "batch_internal.h"
#include "decode_page.h"
#include "json_values.h"

/* Integer members of a struct, by name. */
typedef struct int_fields {
	const tfy__json_field *fields;
	size_t count;
	char *base;
} int_fields;

static void push_ptr(tfy__decoder *d, const void *p)
{
	if (tfy__buf_append(&d->ptrs, &p, sizeof(p)) < 0)
		d->oom = 1;
}

/* The pointers gathered in d->ptrs, copied to the arena (NULL when none); empties d->ptrs. */
static const void *const *keep_ptrs(tfy__decoder *d, size_t *count)
{
	size_t n = d->ptrs.len / sizeof(void *);
	void **p = n ? tfy__json_alloc(d, d->ptrs.len) : NULL;
	if (p)
		memcpy(p, d->ptrs.data, d->ptrs.len);
	*count = p ? n : 0;
	d->ptrs.len = 0;
	return (const void *const *)p;
}

static void int_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	int_fields *f = ctx;
	for (size_t i = 0; i < f->count; i++)
		if (tfy__json_key_is(k, f->fields[i].key)) {
			*(tfy_opt_int64 *)(f->base + f->fields[i].offset) = tfy__json_read_int(d);
			return;
		}
	tfy__json_scan_value(d);
}

/*
 * The object at the walk's position into n zeroed bytes of the arena by
 * `fields`; NULL if not an object.
 */
static void *read_int_object(tfy__decoder *d, size_t n, const tfy__json_field *fields, size_t count,
                             tfy__member_fn fn)
{
	if (tfy__json_peek(d) != '{') {
		tfy__json_scan_value(d);
		return NULL;
	}
	int_fields f = { fields, count, tfy__json_alloc(d, n) };
	if (f.base)
		tfy__json_walk_object(d, fn ? fn : int_member, &f);
	return f.base;
}

/* clang-format off */
#define IFIELD(type, name) { #name, offsetof(type, name) }
/* clang-format on */

static const tfy__json_field counts_fields[] = {
	IFIELD(tfy_batch_request_counts, total),
	IFIELD(tfy_batch_request_counts, completed),
	IFIELD(tfy_batch_request_counts, failed),
};

static const tfy__json_field usage_fields[] = {
	IFIELD(tfy_batch_usage, input_tokens),
	IFIELD(tfy_batch_usage, output_tokens),
	IFIELD(tfy_batch_usage, total_tokens),
};

/* usage.input_tokens_details.cached_tokens, usage.output_tokens_details.reasoning_tokens */
static const tfy__json_field usage_details[][1] = {
	{ { "cached_tokens", offsetof(tfy_batch_usage, cached_tokens) } },
	{ { "reasoning_tokens", offsetof(tfy_batch_usage, reasoning_tokens) } },
};

static void usage_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	int_fields *f = ctx;
	int which = tfy__json_key_is(k, "input_tokens_details")  ? 0
	          : tfy__json_key_is(k, "output_tokens_details") ? 1
	                                                         : -1;
	if (which < 0) {
		int_member(d, k, ctx);
		return;
	}
	const tfy__json_field *detail = usage_details[which];
	tfy_opt_int64 none = { 0, 0, 0 };
	*(tfy_opt_int64 *)(f->base + detail->offset) = none; /* a repeated member replaces */
	int_fields inner = { detail, 1, f->base };
	if (tfy__json_peek(d) == '{')
		tfy__json_walk_object(d, int_member, &inner);
	else
		tfy__json_scan_value(d);
}

/* Every errors entry with no field set is this one, so `[{},{},...]` costs a pointer each. */
static const tfy_batch_error empty_error;

static void error_entry_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy_batch_error *e = ctx;
	if (tfy__json_key_is(k, "code"))
		e->code = tfy__json_read_text(d);
	else if (tfy__json_key_is(k, "message"))
		e->message = tfy__json_read_str(d);
	else if (tfy__json_key_is(k, "param"))
		e->param = tfy__json_read_text(d);
	else if (tfy__json_key_is(k, "line"))
		e->line = tfy__json_read_int(d);
	else
		tfy__json_scan_value(d);
}

static const tfy_batch_error *decode_error_entry(tfy__decoder *d)
{
	tfy_batch_error e = { NULL, NULL, NULL, { 0, 0, 0 } };
	if (tfy__json_peek(d) == '{')
		tfy__json_walk_object(d, error_entry_member, &e);
	else
		tfy__json_scan_value(d);
	if (!e.code && !e.message && !e.param && !e.line.present)
		return &empty_error;
	tfy_batch_error *entry = tfy__json_alloc(d, sizeof(*entry));
	if (entry)
		*entry = e;
	return entry;
}

/* `errors.data` at the walk's position: its first TFY__ERRORS_MAX entries, the rest stepped over. */
static void decode_error_data(tfy__decoder *d, tfy_batch *b)
{
	b->errors = NULL;
	b->errors_count = 0;
	if (tfy__json_peek(d) != '[') {
		tfy__json_scan_value(d);
		return;
	}
	d->ptrs.len = 0;
	d->i++;
	if (!tfy__json_accept(d, ']')) {
		do {
			if (d->ptrs.len / sizeof(void *) < TFY__ERRORS_MAX)
				push_ptr(d, decode_error_entry(d));
			else
				tfy__json_scan_value(d);
		} while (!tfy__json_stopped(d) && tfy__json_accept(d, ','));
		if (!tfy__json_stopped(d) && !tfy__json_accept(d, ']'))
			tfy__json_syntax_error(d, "']' or ',' expected");
	}
	b->errors = (const tfy_batch_error *const *)keep_ptrs(d, &b->errors_count);
}

static void errors_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy_batch *b = ctx;
	if (tfy__json_key_is(k, "object")) {
		b->errors_object = tfy__json_read_str(d);
	} else if (tfy__json_key_is(k, "data")) {
		decode_error_data(d, b);
	} else {
		tfy__json_scan_value(d);
	}
}

/* `errors` is {object, data: [...]}; a bare array is taken as the data too. */
static void decode_errors(tfy__decoder *d, tfy_batch *b)
{
	b->errors_object = NULL;
	if (tfy__json_peek(d) == '{') {
		b->errors = NULL;
		b->errors_count = 0;
		tfy__json_walk_object(d, errors_member, b);
	} else {
		decode_error_data(d, b);
	}
}

/* Gathers metadata members one by one, so one jansson refuses is dropped alone. */
static void metadata_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	json_t *v = tfy__json_value_tree(d, TFY__VALUE_NODES_MAX, NULL);
	if (v && json_object_setn_new(ctx, k.s, k.len, v) != 0)
		d->oom = 1;
}

static void metadata_entries(tfy__decoder *d, const json_t *all, tfy_batch *b)
{
	b->metadata_json = tfy__json_dump(d, all);
	const char *name;
	const json_t *val;
	d->ptrs.len = 0;
	json_object_foreach((json_t *)all, name, val) {
		tfy_metadata_entry *entry = tfy__json_alloc(d, sizeof(*entry));
		if (!entry)
			return;
		entry->key = tfy__json_copy(d, name, strlen(name));
		entry->value = json_is_string(val) ? tfy__json_str_value(d, val)
		                                   : tfy__json_dump(d, val);
		push_ptr(d, entry);
	}
	b->metadata = (const tfy_metadata_entry *const *)keep_ptrs(d, &b->metadata_count);
}

static void decode_metadata(tfy__decoder *d, tfy_batch *b)
{
	b->metadata_json = NULL;
	b->metadata = NULL;
	b->metadata_count = 0;
	if (tfy__json_peek(d) != '{') {
		json_t *v = tfy__json_value_tree(d, TFY__VALUE_NODES_MAX, NULL);
		if (v && !json_is_null(v))
			b->metadata_json = tfy__json_dump(d, v);
		json_decref(v);
		return;
	}
	/* Its size first, so a huge one is stepped over without building any of it. */
	size_t start = d->i;
	if (tfy__json_scan_value(d) > TFY__VALUE_NODES_MAX || d->invalid)
		return;
	d->i = start;
	json_t *all = json_object();
	if (!all) {
		d->oom = 1;
		return;
	}
	tfy__json_walk_object(d, metadata_member, all);
	if (!tfy__json_stopped(d))
		metadata_entries(d, all, b);
	json_decref(all);
}

/* clang-format off */
#define FIELD(name) { #name, offsetof(tfy_batch, name) }
/* clang-format on */

static const tfy__json_field string_fields[] = {
	FIELD(id),
	FIELD(object),
	FIELD(endpoint),
	FIELD(model),
	FIELD(input_file_id),
	FIELD(completion_window),
	FIELD(output_file_id),
	FIELD(error_file_id),
	{ "status", offsetof(tfy_batch, status_raw) },
};

static const tfy__json_field time_fields[] = {
	FIELD(created_at),    FIELD(in_progress_at), FIELD(expires_at),
	FIELD(finalizing_at), FIELD(completed_at),   FIELD(failed_at),
	FIELD(expired_at),    FIELD(cancelling_at),  FIELD(cancelled_at),
};

/* One member of an item; a repeated key replaces the earlier value, as in jansson's objects. */
static void item_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy_batch *b = ctx;
	char *base = (char *)b;
	for (size_t i = 0; i < TFY__COUNT_OF(string_fields); i++)
		if (tfy__json_key_is(k, string_fields[i].key)) {
			*(const char **)(base + string_fields[i].offset) = tfy__json_read_str(d);
			return;
		}
	for (size_t i = 0; i < TFY__COUNT_OF(time_fields); i++)
		if (tfy__json_key_is(k, time_fields[i].key)) {
			int converted;
			*(tfy_opt_int64 *)(base + time_fields[i].offset) =
				tfy__json_read_time(d, &converted);
			/* A repeated key replaces the earlier value, and so its mark. */
			uint32_t bit = UINT32_C(1) << i;
			tfy__batch_owner *owner = TFY__BATCH_OWNER(b);
			owner->converted_times = converted ? owner->converted_times | bit
			                                   : owner->converted_times & ~bit;
			return;
		}
	if (tfy__json_key_is(k, "request_counts"))
		b->request_counts = read_int_object(d, sizeof(tfy_batch_request_counts), counts_fields,
		                                    TFY__COUNT_OF(counts_fields), NULL);
	else if (tfy__json_key_is(k, "usage"))
		b->usage = read_int_object(d, sizeof(tfy_batch_usage), usage_fields,
		                           TFY__COUNT_OF(usage_fields), usage_member);
	else if (tfy__json_key_is(k, "errors"))
		decode_errors(d, b);
	else if (tfy__json_key_is(k, "metadata"))
		decode_metadata(d, b);
	else
		tfy__json_scan_value(d);
}

/* The value at the walk's position as a batch; a non-object one has every field absent. */
static void decode_item(tfy__decoder *d, tfy_batch *b)
{
	char c = tfy__json_peek(d);
	size_t start = d->i;
	if (c == '{')
		tfy__json_walk_object(d, item_member, b);
	else
		tfy__json_scan_value(d);
	if (tfy__json_stopped(d))
		return;
	b->status = tfy_batch_status_parse(b->status_raw);
	b->raw_json = tfy__json_copy(d, d->s + start, d->i - start);
}

static void batch_item(tfy__decoder *d, void *pub)
{
	decode_item(d, pub);
}

static const tfy__page_kind batch_page = {
	.page_size = sizeof(tfy__list_owner),
	.item_size = sizeof(tfy__batch_owner),
	.item_offset = offsetof(tfy__batch_owner, pub),
	.item = batch_item,
	.expected = "a JSON object with a \"data\" array",
};

tfy_code tfy__decode_batch_page(const char *body, size_t len, tfy_batch_page **out, char *detail,
                                size_t detail_size)
{
	tfy__page page;
	*out = NULL;
	tfy_code rc = tfy__decode_page(body, len, &batch_page, &page, detail, detail_size);
	if (rc != TFY_OK)
		return rc;
	tfy__list_owner *owner = page.owner;
	owner->arena = page.arena;
	TFY__PAGE_PUBLISH(&owner->pub, &page, tfy_batch);
	*out = &owner->pub;
	return TFY_OK;
}

tfy_code tfy__decode_batch(const char *body, size_t len, int object_only, tfy_batch **out,
                           char *detail, size_t detail_size)
{
	void *owner;
	tfy_code rc = tfy__json_decode_one(body, len, object_only, sizeof(tfy__batch_owner),
	                                   offsetof(tfy__batch_owner, pub), batch_item,
	                                   "a JSON object (a Batch)", &owner, detail, detail_size);
	*out = owner ? &((tfy__batch_owner *)owner)->pub : NULL;
	return rc;
}

int tfy__batch_page_set_request_id(tfy_batch_page *list, const char *request_id)
{
	if (!request_id)
		return 0;
	tfy__arena *arena = ((tfy__list_owner *)list)->arena;
	list->request_id = tfy__arena_strndup(arena, request_id, strlen(request_id));
	return list->request_id ? 0 : -1;
}
