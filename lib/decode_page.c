/*
 * The page walker (decode_page.h): the envelope of an object list walked
 * member by member, each item of "data" decoded in turn by its kind's
 * decoder, the members it does not model kept as JSON text.
 */
#include "decode_page.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "json_values.h"

/*
 * Each item costs its whole struct (a tfy_batch is 424 bytes) however
 * small its text, so a body of bare numbers would ask for some 200 times
 * its size; API pages hold at most TFY_BATCHES_LIMIT_MAX (100).
 */
#define PAGE_ITEMS_MAX 100000

/* The bound on the envelope's extra members, all of them together. */
#define EXTRA_NODES_MAX TFY__VALUE_NODES_MAX

/* The walk's state beside the decoder's. */
typedef struct page_walk {
	const tfy__page_kind *kind;
	tfy__page *page;
	void **items;      /* the list's items, in the arena */
	size_t count, cap; /* items held, and room for */
	size_t items_seen; /* those of a replaced "data" included; past PAGE_ITEMS_MAX: too many */
	const char *data_type; /* NULL once "data" is an array, else what it is */
	json_t *extra;         /* the envelope's members not modelled, or NULL */
	size_t extra_nodes;    /* JSON values in extra */
} page_walk;

/* A new zeroed item at the end of the items; NULL on OOM or past PAGE_ITEMS_MAX. */
static void *add_item(tfy__decoder *d, page_walk *w)
{
	if (++w->items_seen > PAGE_ITEMS_MAX) {
		d->over = "the page holds more than " TFY__STRINGIFY(PAGE_ITEMS_MAX) " items";
		return NULL;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 128;
		void **items = tfy__json_alloc(d, cap * sizeof(*items));
		if (!items)
			return NULL;
		if (w->count)
			memcpy(items, w->items, w->count * sizeof(*items));
		w->items = items;
		w->cap = cap;
	}
	char *owner = tfy__json_alloc(d, w->kind->item_size);
	if (!owner)
		return NULL;
	w->items[w->count++] = owner + w->kind->item_offset;
	return owner + w->kind->item_offset;
}

/* The "data" array at the walk's position, each item decoded in turn. */
static void decode_data(tfy__decoder *d, page_walk *w)
{
	w->count = 0; /* a repeated "data" replaces the earlier one, as jansson's objects do */
	w->data_type = NULL;
	d->i++; /* '[' */
	if (tfy__json_accept(d, ']'))
		return;
	do {
		void *item = add_item(d, w);
		if (!item)
			return;
		w->kind->item(d, item);
	} while (!tfy__json_stopped(d) && tfy__json_accept(d, ','));
	if (!tfy__json_stopped(d) && !tfy__json_accept(d, ']'))
		tfy__json_syntax_error(d, "']' or ',' expected");
}

/* Keeps an envelope member not modelled here, for the page's extra_json. */
static void keep_extra(tfy__decoder *d, page_walk *w, tfy__json_key k, json_t *v)
{
	if (!w->extra && !(w->extra = json_object()))
		d->oom = 1;
	else if (json_object_setn(w->extra, k.s, k.len, v) != 0)
		d->oom = 1;
}

/* One member of the envelope; a repeated key replaces the earlier value. */
static void envelope_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	page_walk *w = ctx;
	tfy__page *page = w->page;
	if (tfy__json_key_is(k, "data")) {
		char c = tfy__json_peek(d);
		if (c == '[') {
			decode_data(d, w);
			return;
		}
		tfy__json_scan_value(d);
		w->count = 0;
		w->data_type = tfy__json_type_name(c);
		return;
	}
	if (tfy__json_key_is(k, "object")) {
		page->object = tfy__json_read_str(d);
	} else if (tfy__json_key_is(k, "first_id")) {
		page->first_id = tfy__json_read_str(d);
	} else if (tfy__json_key_is(k, "last_id")) {
		page->last_id = tfy__json_read_str(d);
	} else if (tfy__json_key_is(k, "has_more")) {
		page->has_more = tfy__json_read_bool(d, &page->has_more_present);
	} else {
		size_t nodes;
		json_t *v = tfy__json_value_tree(d, TFY__VALUE_NODES_MAX, &nodes);
		if (v && nodes <= EXTRA_NODES_MAX - w->extra_nodes) {
			keep_extra(d, w, k, v);
			w->extra_nodes += nodes;
		}
		json_decref(v);
	}
}

/* The decoder's verdict, then the envelope's own: "data" must be an array. */
static tfy_code verdict(const tfy__decoder *d, const page_walk *w, char *detail, size_t size)
{
	tfy_code rc = tfy__json_verdict(d, w->kind->expected, detail, size);
	if (rc != TFY_OK || !w->data_type)
		return rc;
	snprintf(detail, size, "expected %s, but \"data\" is %s", w->kind->expected, w->data_type);
	return TFY_ERROR_DECODE;
}

tfy_code tfy__decode_page(const char *body, size_t len, const tfy__page_kind *kind, tfy__page *page,
                          char *detail, size_t detail_size)
{
	memset(page, 0, sizeof(*page));
	if (tfy__json_refuse_nul(body, len, detail, detail_size))
		return TFY_ERROR_DECODE;
	long failures = tfy__alloc_thread_failures();
	tfy__decoder d = { .arena = tfy__arena_new(TFY__ARENA_HINT(len)),
		           .dump = TFY__BUF_INIT,
		           .ptrs = TFY__BUF_INIT,
		           .scratch = TFY__BUF_INIT,
		           .s = body,
		           .n = len };
	page_walk w = { .kind = kind, .page = page, .data_type = "missing" };
	void *owner = d.arena ? tfy__json_alloc(&d, kind->page_size) : NULL;
	if (owner) {
		tfy__json_top(&d, envelope_member, &w);
		if (w.extra && !tfy__json_stopped(&d))
			page->extra_json = tfy__json_dump(&d, w.extra);
	}
	d.oom = d.oom || !owner;
	json_decref(w.extra);
	tfy__json_finish(&d, failures);
	tfy_code rc = verdict(&d, &w, detail, detail_size);
	if (rc != TFY_OK) {
		tfy__arena_free(d.arena);
		memset(page, 0, sizeof(*page));
		return rc;
	}
	page->arena = d.arena;
	page->owner = owner;
	page->items = w.count ? w.items : NULL;
	page->count = w.count;
	return TFY_OK;
}
