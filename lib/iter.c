/*
 * Pagination: the pager every list's iterator walks with, and the iterator
 * over every batch.  One page is held at a time; besides it, each page
 * costs 8 bytes (a hash of its cursor), which is what lets a cycle of any
 * length be caught.
 */
#include "tfy/iter.h"

#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "async_internal.h"
#include "batches_internal.h"
#include "error_internal.h"
#include "hash.h"
#include "iter_internal.h"
#include "options.h"

/* Empty pages in a row (each with has_more and a new last_id) before giving up. */
#define EMPTY_PAGES_MAX 100

/* ---- the pager ---------------------------------------------------------------- */

/* Records a cursor; returns 1 when it was seen before, -1 on OOM, else 0. */
static int remember_cursor(tfy__pager *p, const char *cursor)
{
	uint64_t h = tfy__hash(cursor, strlen(cursor));
	for (size_t i = 0; i < p->seen_count; i++)
		if (p->seen[i] == h)
			return 1;
	if (p->seen_count == p->seen_cap) {
		size_t cap = p->seen_cap ? p->seen_cap * 2 : 16;
		uint64_t *grown = tfy__realloc(p->seen, cap * sizeof(*grown));
		if (!grown)
			return -1;
		p->seen = grown;
		p->seen_cap = cap;
	}
	p->seen[p->seen_count++] = h;
	return 0;
}

tfy_code tfy__pager_start(tfy__pager *p, const tfy__pager_kind *kind, void *self,
                          tfy_client *client, const char *after, const tfy_request_options *request,
                          const tfy__paging *paging, tfy_error **err)
{
	p->kind = kind;
	p->self = self;
	p->client = client;
	tfy__client_hold(client); /* for the iterator's life: the client may be freed first */
	p->paging = *paging;
	if (!(p->copies = tfy__arena_new(1024)) ||
	    tfy__request_options_copy(p->copies, request, &p->request) < 0 ||
	    (after && (!(p->next_after = tfy__strdup(after)) || !(p->resume = tfy__strdup(after)) ||
	               remember_cursor(p, after) < 0)))
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	const tfy__options_pair pair = tfy__endpoint_pair(client, &p->request);
	p->call = tfy__call_start(client, &pair);
	return TFY_OK;
}

/* Where the next page starts: the last item's id, else the page's last_id; NULL or "" when none. */
static const char *page_cursor(const tfy__pager *p)
{
	const tfy__page_view *v = &p->view;
	const char *last = v->count ? p->kind->item_id(v->items[v->count - 1]) : NULL;
	return last && *last ? last : v->last_id;
}

/* A final failure of the iteration, with the page's request id (masked like any error). */
static tfy_code pagination_error(tfy__pager *p, tfy_error **err, const char *why)
{
	p->failed = 1;
	tfy_error *e = tfy__error_new(TFY_ERROR_PAGINATION, "%s: %s after page %lld",
	                              tfy_strerror(TFY_ERROR_PAGINATION), why, (long long)p->pages);
	const char *request_id = p->page ? p->view.request_id : NULL;
	if (e && request_id && tfy__error_put(&e->request_id, request_id, strlen(request_id)) < 0) {
		tfy_error_free(e);
		e = NULL;
	}
	tfy_code rc = tfy__call_hand_error(p->client, TFY_ERROR_PAGINATION, e, err);
	if (rc == TFY_ERROR_OUT_OF_MEMORY)
		p->failed = 0; /* running out of memory says nothing about the server */
	return rc;
}

/* The page holds the item it was asked to start after. */
static int repeats_cursor(const tfy__pager *p)
{
	for (size_t i = 0; p->next_after && i < p->view.count; i++) {
		const char *id = p->kind->item_id(p->view.items[i]);
		if (id && strcmp(id, p->next_after) == 0)
			return 1;
	}
	return 0;
}

/* Checks a fresh page and works out where the next one starts. */
static tfy_code accept_page(tfy__pager *p, tfy_error **err)
{
	const tfy__page_view *page = &p->view;
	int asked_unpromised = p->more_assumed;
	p->more_assumed = !page->has_more_present &&
	                  p->paging.missing_has_more != TFY_MISSING_HAS_MORE_STOP;
	p->more = page->has_more_present ? page->has_more : p->more_assumed && page->count > 0;
	if (repeats_cursor(p)) {
		if (!asked_unpromised) {
			char why[64];
			snprintf(why, sizeof(why),
			         "the server returned the %s it was asked to start after",
			         p->kind->item);
			return pagination_error(p, err, why);
		}
		/* No more pages were promised: this one only repeats what was seen. */
		p->pos = page->count;
		p->more = 0;
		return TFY_OK;
	}
	if (!p->more)
		return TFY_OK;
	/*
	 * An empty page with has_more and a last_id is legitimate on some
	 * gateways (filtered pages): it continues from last_id.  Distinct
	 * cursors on empty pages forever would escape the cycle guard, hence
	 * the bound.
	 */
	p->empty_run = page->count ? 0 : p->empty_run + 1;
	if (p->empty_run > EMPTY_PAGES_MAX)
		return pagination_error(p, err, "the server sent too many empty pages in a row");
	const char *cursor = page_cursor(p);
	if ((!cursor || !*cursor) && !page->has_more_present) {
		p->more = 0; /* more was only assumed, and there is nowhere to go on from */
		return TFY_OK;
	}
	if (!cursor || !*cursor)
		return pagination_error(p, err,
		                        page->count ? "the page has no id to continue from"
		                                    : "the server said has_more but sent an empty "
		                                      "page without a last_id");
	/*
	 * Copy first: a cursor remembered but not taken would read as a cycle
	 * when fetch_page() undoes this page after running out of memory.
	 */
	char *copy = tfy__strdup(cursor);
	if (!copy)
		return tfy__call_hand_error(p->client, TFY_ERROR_OUT_OF_MEMORY, NULL, err);
	int seen = remember_cursor(p, cursor);
	if (seen != 0) {
		tfy__free(copy);
		if (seen < 0)
			return tfy__call_hand_error(p->client, TFY_ERROR_OUT_OF_MEMORY, NULL, err);
		if (!page->has_more_present) {
			p->more = 0; /* more was only assumed: end after this page */
			return TFY_OK;
		}
		return pagination_error(p, err,
		                        "the server repeated a cursor (is it ignoring `after`?)");
	}
	tfy__free(p->next_after);
	p->next_after = copy;
	return TFY_OK;
}

/* Sends the next page's request now, unless no next page will be wanted. */
static void start_prefetch(tfy__pager *p)
{
	const tfy__paging *pg = &p->paging;
	if (pg->prefetch == TFY_NONE || !p->more || (pg->max_pages && p->pages >= pg->max_pages) ||
	    (pg->max_items && p->items + (int64_t)p->view.count >= pg->max_items))
		return;
	p->kind->send_early(p, p->next_after, &p->prefetched);
}

/* A page fetched (taken): checked and held, the next one sent early when wanted. */
static tfy_code take_page(tfy__pager *p, void *page, tfy_error **err)
{
	void *previous = p->page;
	tfy__page_view previous_view = p->view;
	size_t previous_pos = p->pos;
	int previous_more = p->more, previous_assumed = p->more_assumed;
	p->page = page;
	p->view = p->kind->view(page);
	p->pos = 0;
	p->pages++;
	tfy_code rc = accept_page(p, err);
	if (rc == TFY_ERROR_OUT_OF_MEMORY) {
		/*
		 * Undo: running out of memory says nothing about the server, so the
		 * iterator stays usable and the next call fetches this page again.
		 */
		p->kind->page_free(page);
		p->page = previous;
		p->view = previous_view;
		p->pos = previous_pos;
		p->more = previous_more;
		p->more_assumed = previous_assumed;
		p->pages--;
		return rc;
	}
	if (previous)
		p->kind->page_free(previous);
	if (rc == TFY_OK)
		start_prefetch(p);
	return rc;
}

static tfy_code fetch_page(tfy__pager *p, tfy_error **err)
{
	void *page = NULL;
	/* The prefetched request's answer when there is one, else a request sent now. */
	tfy_code rc = p->kind->fetch(p, p->next_after, &p->prefetched, &page, err);
	return rc == TFY_OK ? take_page(p, page, err) : rc;
}

static int at_end(const tfy__pager *p)
{
	const tfy__paging *pg = &p->paging;
	if (pg->max_items && p->items >= pg->max_items)
		return 1;
	if (p->page && p->pos < p->view.count)
		return 0;
	return (p->page && !p->more) || (pg->max_pages && p->pages >= pg->max_pages);
}

/*
 * Updates the resume point for handing out the n items from pos.  Returns
 * -1 when memory ran out: the caller then hands out nothing, rather than
 * leave a resume cursor that would repeat items already seen.
 */
static int advance_resume(tfy__pager *p, size_t n)
{
	const char *cursor = p->kind->item_id(p->view.items[p->pos + n - 1]);
	if (!cursor && p->pos + n == p->view.count)
		cursor = p->view.last_id;
	if (!cursor)
		return 0;
	char *copy = tfy__strdup(cursor);
	if (!copy)
		return -1;
	tfy__free(p->resume);
	p->resume = copy;
	return 0;
}

int tfy__pager_wants_page(const tfy__pager *p)
{
	return !p->failed && !at_end(p) && (!p->page || p->pos >= p->view.count);
}

tfy_code tfy__pager_take(tfy__pager *p, tfy_code rc, void *page, tfy_error **err)
{
	if (rc == TFY_OK)
		return take_page(p, page, err);
	p->kind->page_free(page);
	return rc;
}

/* Makes sure an item is ready to hand out, fetching pages as needed; 0 at the end. */
static tfy_code ready_items(tfy__pager *p, size_t *available, tfy_error **err)
{
	*available = 0;
	if (p->failed)
		return pagination_error(p, err, "the iteration already failed");
	while (tfy__pager_wants_page(p)) {
		tfy_code rc = fetch_page(p, err);
		if (rc != TFY_OK)
			return rc;
	}
	if (at_end(p))
		return TFY_OK;
	*available = p->view.count - p->pos;
	if (p->paging.max_items && (int64_t)*available > p->paging.max_items - p->items)
		*available = (size_t)(p->paging.max_items - p->items);
	return TFY_OK;
}

tfy_code tfy__pager_next(tfy__pager *p, size_t max, const void *const **run, size_t *count,
                         tfy_error **err)
{
	size_t n;
	*run = NULL;
	*count = 0;
	tfy_code rc = ready_items(p, &n, err);
	if (rc != TFY_OK || !n)
		return rc;
	if (n > max)
		n = max;
	if (advance_resume(p, n) < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	*run = p->view.items + p->pos;
	*count = n;
	p->pos += n;
	p->items += (int64_t)n;
	return TFY_OK;
}

void tfy__pager_clear(tfy__pager *p)
{
	tfy__endpoint_drop_early(&p->prefetched); /* on the client's transport: before the release */
	if (p->page)
		p->kind->page_free(p->page);
	tfy__arena_free(p->copies);
	tfy__free(p->next_after);
	tfy__free(p->resume);
	tfy__free(p->seen);
	if (p->client)
		tfy__client_release(p->client);
	memset(p, 0, sizeof(*p));
}

/* ---- the batch iterator ------------------------------------------------------- */

static const tfy__pager_kind batch_kind;

struct tfy_batch_iter {
	tfy__pager pager;
	tfy_batches_list_options opts; /* after is set only while a page is asked for */
};

static tfy_code batch_fetch(tfy__pager *p, const char *after, tfy__endpoint_early *early,
                            void **page, tfy_error **err)
{
	tfy_batches_list_options *o = p->self;
	tfy_batch_page *got = NULL;
	o->after = after;
	tfy_code rc = tfy__batches_page(p->client, o, &p->call, early, &got, err);
	o->after = NULL;
	*page = got;
	return rc;
}

static int batch_send_early(tfy__pager *p, const char *after, tfy__endpoint_early *early)
{
	tfy_batches_list_options *o = p->self;
	o->after = after;
	int rc = tfy__batches_page_early(p->client, o, &p->call, early);
	o->after = NULL;
	return rc;
}

static tfy__page_view batch_view(const void *page)
{
	const tfy_batch_page *b = page;
	const tfy__page_view v = {
		(const void *const *)b->items, b->count,     b->last_id, b->has_more,
		b->has_more_present,           b->request_id
	};
	return v;
}

static const char *batch_id(const void *item)
{
	return ((const tfy_batch *)item)->id;
}

static void batch_page_free(void *page)
{
	tfy_batch_page_free(page);
}

/*
 * Reads and checks the options, building the first request so a bad one is
 * refused now rather than at the first page, and starts the pager.
 */
static tfy_code batch_open(tfy__pager *p, void *self, tfy_client *client, const void *opts,
                           tfy_error **e)
{
	tfy_batches_list_options *o = self;
	tfy_request_options request;
	tfy__request req;
	tfy_code rc = tfy__batches_options_read(opts, o, &request, e);
	if (rc == TFY_OK)
		rc = tfy__batches_request(client, o, &req, e);
	if (rc != TFY_OK)
		return rc;
	tfy__request_clear(&req);
	const tfy__paging paging = tfy__batches_paging(o);
	const char *after = o->after;
	o->after = NULL; /* set only while a page is asked for */
	rc = tfy__pager_start(p, &batch_kind, o, client, after, &request, &paging, e);
	o->request = &p->request;
	return rc;
}

static int batch_page_op(tfy_async_call *c, tfy__pager *p, const char *after)
{
	tfy_batches_list_options *o = p->self;
	o->after = after;
	int rc = tfy__batches_page_op(c, o, &p->call);
	o->after = NULL;
	return rc;
}

static int32_t batch_on_page(tfy__any_fn fn, void *userdata, tfy_code rc, const void *const *items,
                             size_t count, tfy_error *err)
{
	/* The run is the page's own array of batch pointers (batch_view). */
	return ((tfy_async_batches_fn)fn)(userdata, rc, (const tfy_batch *const *)items, count, err);
}

static const tfy__pager_kind batch_kind = {
	.item = "batch",
	.fetch = batch_fetch,
	.send_early = batch_send_early,
	.view = batch_view,
	.item_id = batch_id,
	.page_free = batch_page_free,
	.self_size = sizeof(tfy_batches_list_options),
	.open = batch_open,
	.page_op = batch_page_op,
	.on_page = batch_on_page,
};

static tfy_code iter_new(tfy_client *client, const tfy_batches_list_options *opts,
                         tfy_batch_iter **out, tfy_error **e)
{
	tfy_batch_iter *it = tfy__calloc(1, sizeof(*it));
	if (!it)
		return tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_code rc = batch_open(&it->pager, &it->opts, client, opts, e);
	if (rc != TFY_OK) {
		tfy_batch_iter_free(it);
		return rc;
	}
	*out = it;
	return TFY_OK;
}

tfy_code tfy_batch_iter_new(tfy_client *client, const tfy_batches_list_options *opts,
                            tfy_batch_iter **out, tfy_error **err)
{
	if (out)
		*out = NULL;
	tfy_code rc = tfy__entry_check(err, !client || !out, "client and out");
	if (rc != TFY_OK)
		return rc;
	tfy_error *e = NULL;
	rc = iter_new(client, opts, out, &e);
	return tfy__call_hand_error(client, rc, e, err);
}

tfy_code tfy_batch_iter_next(tfy_batch_iter *it, const tfy_batch **batch, tfy_error **err)
{
	if (batch)
		*batch = NULL;
	tfy_code rc = tfy__entry_check(err, !it || !batch, "iter and batch");
	if (rc != TFY_OK)
		return rc;
	const void *const *run;
	size_t n;
	rc = tfy__pager_next(&it->pager, 1, &run, &n, err);
	if (n)
		*batch = run[0];
	return rc;
}

tfy_code tfy_batch_iter_next_page(tfy_batch_iter *it, const tfy_batch *const **batches,
                                  size_t *count, tfy_error **err)
{
	if (batches)
		*batches = NULL;
	if (count)
		*count = 0;
	tfy_code rc = tfy__entry_check(err, !it || !batches || !count, "iter, batches and count");
	if (rc != TFY_OK)
		return rc;
	const void *const *run;
	rc = tfy__pager_next(&it->pager, SIZE_MAX, &run, count, err);
	/* The run is the page's own array of batch pointers (batch_view). */
	*batches = (const tfy_batch *const *)run;
	return rc;
}

const char *tfy_batch_iter_cursor(const tfy_batch_iter *it)
{
	return it ? it->pager.resume : NULL;
}

int64_t tfy_batch_iter_pages(const tfy_batch_iter *it)
{
	return it ? it->pager.pages : 0;
}

int64_t tfy_batch_iter_items(const tfy_batch_iter *it)
{
	return it ? it->pager.items : 0;
}

void tfy_batch_iter_free(tfy_batch_iter *it)
{
	if (!it)
		return;
	tfy__pager_clear(&it->pager);
	tfy__free(it);
}

/* ---- the start form: the pager, its pages fetched as ops ---------------------- */

typedef struct iter_async {
	tfy_async_call base;
	tfy__pager pager;
	int quiet;          /* on_page ended the iteration: no further call */
	max_align_t self[]; /* the kind's options (self_size bytes), as its iterator's */
} iter_async;

/* The last call of on_page: the end of the listing (count 0) or the error. */
static void iter_async_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	iter_async *ia = (iter_async *)c;
	(void)out;
	if (!ia->quiet)
		(void)ia->pager.kind->on_page(c->fn, c->userdata, rc, NULL, 0, e);
	else
		tfy_error_free(e);
	tfy__pager_clear(&ia->pager);
}

/* Starts the fetch of the page the pager wants as an op; 0, or -1 on OOM. */
static int iter_page_op(iter_async *ia)
{
	tfy__pager *p = &ia->pager;
	return p->kind->page_op(&ia->base, p, p->next_after);
}

/* The next page as an op, or the pages held handed to on_page, until one is to be fetched. */
static void iter_advance(iter_async *ia)
{
	tfy__pager *p = &ia->pager;
	for (;;) {
		tfy_error *e = NULL;
		tfy_code rc = TFY_OK;
		if (ia->base.cancelled) {
			rc = tfy__call_hand_error(p->client, TFY_ERROR_CANCELLED,
			                          tfy__error_new(TFY_ERROR_CANCELLED, "%s: by the caller",
			                                         tfy_strerror(TFY_ERROR_CANCELLED)),
			                          &e);
			tfy__async_call_end(&ia->base, rc, NULL, e);
			return;
		}
		if (tfy__pager_wants_page(p)) {
			if (iter_page_op(ia) == 0)
				return;
			rc = tfy__call_hand_error(p->client, TFY_ERROR_OUT_OF_MEMORY, NULL, &e);
			tfy__async_call_end(&ia->base, rc, NULL, e);
			return;
		}
		const void *const *run;
		size_t n;
		rc = tfy__pager_next(p, SIZE_MAX, &run, &n, &e);
		if (rc != TFY_OK || !n) {
			tfy__async_call_end(&ia->base, rc, NULL, e);
			return;
		}
		if (p->kind->on_page(ia->base.fn, ia->base.userdata, TFY_OK, run, n, NULL) !=
		    TFY_CANCEL_CONTINUE) {
			ia->quiet = 1;
			tfy__async_call_end(&ia->base, TFY_OK, NULL, NULL);
			return;
		}
	}
}

/* A page's op ended: taken by the pager (its guards), then handed out. */
static void iter_fetched(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	iter_async *ia = (iter_async *)c;
	rc = tfy__pager_take(&ia->pager, rc, out, &e);
	if (rc != TFY_OK) {
		tfy__async_call_end(c, rc, NULL, e);
		return;
	}
	iter_advance(ia);
}

/* As the kind's iterator: the options read and the first request checked, then the first page. */
static tfy_code iter_async_begin(iter_async *ia, const tfy__pager_kind *kind, const void *opts,
                                 tfy_error **e)
{
	tfy_code rc = kind->open(&ia->pager, ia->self, tfy__async_client(ia->base.async), opts, e);
	if (rc != TFY_OK)
		return rc;
	ia->pager.paging.prefetch = TFY_NONE; /* pages are fetched as ops of the loop, one at a time */
	ia->base.step = iter_fetched;
	return iter_page_op(ia) == 0 ? TFY_OK
	                             : tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
}

tfy_code tfy__pager_async_start(tfy_async *async, const tfy__pager_kind *kind, const void *opts,
                                tfy__any_fn on_page, void *userdata, tfy_async_call **call,
                                tfy_error **err)
{
	tfy_code rc = tfy__async_check(async, on_page, call, err);
	if (rc != TFY_OK)
		return rc;
	iter_async *ia = (iter_async *)tfy__async_call_new(async, sizeof(*ia) + kind->self_size,
	                                                   iter_async_end, on_page, userdata);
	if (!ia)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_error *e = NULL;
	rc = iter_async_begin(ia, kind, opts, &e);
	if (rc != TFY_OK) {
		rc = tfy__call_hand_error(tfy__async_client(async), rc, e, err);
		tfy__pager_clear(&ia->pager);
		tfy__async_call_drop(&ia->base);
		return rc;
	}
	return tfy__async_call_go(&ia->base, call);
}

tfy_code tfy_batch_iter_start(tfy_async *async, const tfy_batches_list_options *opts,
                              tfy_async_batches_fn on_page, void *userdata, tfy_async_call **call,
                              tfy_error **err)
{
	return tfy__pager_async_start(async, &batch_kind, opts, (tfy__any_fn)on_page, userdata,
	                              call, err);
}
