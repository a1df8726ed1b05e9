/*
 * Pagination: the iterator over every batch.  One page is held at a time;
 * besides it, each page costs 8 bytes (a hash of its cursor), which is what
 * lets a cycle of any length be caught.
 */
#include "tfy/iter.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "batches_internal.h"
#include "error_internal.h"
#include "hash.h"
#include "options.h"

/* Empty pages in a row (each with has_more and a new last_id) before giving up. */
#define EMPTY_PAGES_MAX 100

struct tfy_batch_iter {
	tfy_client *client;
	tfy__arena *copies;            /* the options' strings and arrays */
	tfy_batches_list_options opts; /* points into copies; after is unused */
	tfy_request_options request;   /* opts.request points here */
	tfy__call call;
	tfy_batch_page *page;
	size_t pos;                    /* next item of page to hand out */
	char *next_after;              /* cursor for the next page; NULL: first page */
	char *resume;                  /* after which the caller may resume */
	int more;                      /* a next page is wanted */
	int more_assumed;              /* ... only because the last page left has_more out */
	int failed;                    /* a pagination error ended the iteration */
	int64_t pages;
	int64_t items;
	uint64_t *seen;                /* hashes of every cursor sent */
	size_t seen_count;
	size_t seen_cap;
	int64_t empty_run;             /* empty pages in a row so far */
	tfy__endpoint_early prefetched; /* the next page's request, already sent; or nothing */
};

/* Records a cursor; returns 1 when it was seen before, -1 on OOM, else 0. */
static int remember_cursor(tfy_batch_iter *it, const char *cursor)
{
	uint64_t h = tfy__hash(cursor, strlen(cursor));
	for (size_t i = 0; i < it->seen_count; i++)
		if (it->seen[i] == h)
			return 1;
	if (it->seen_count == it->seen_cap) {
		size_t cap = it->seen_cap ? it->seen_cap * 2 : 16;
		uint64_t *grown = tfy__realloc(it->seen, cap * sizeof(*grown));
		if (!grown)
			return -1;
		it->seen = grown;
		it->seen_cap = cap;
	}
	it->seen[it->seen_count++] = h;
	return 0;
}

/* The options, deep-copied, so the caller's need not outlive tfy_batch_iter_new. */
static int copy_options(tfy_batch_iter *it, const tfy_batches_list_options *o,
                        const tfy_request_options *request)
{
	it->opts = *o;
	it->opts.after = NULL;
	it->opts.request = &it->request;
	return tfy__request_options_copy(it->copies, request, &it->request);
}

static tfy_code iter_new(tfy_client *client, const tfy_batches_list_options *opts,
                         tfy_batch_iter **out, tfy_error **e)
{
	tfy_batches_list_options o;
	tfy_request_options request;
	tfy__request req;
	tfy_code rc = tfy__batches_options_read(opts, &o, &request, e);
	/* Refused now rather than at the first tfy_batch_iter_next(). */
	if (rc == TFY_OK)
		rc = tfy__batches_request(client, &o, &req, e);
	if (rc != TFY_OK)
		return rc;
	tfy__request_clear(&req);
	tfy_batch_iter *it = tfy__calloc(1, sizeof(*it));
	if (!it || !(it->copies = tfy__arena_new(1024)) || copy_options(it, &o, &request) < 0 ||
	    (o.after && (!(it->next_after = tfy__strdup(o.after)) || !(it->resume = tfy__strdup(o.after)) ||
	                 remember_cursor(it, o.after) < 0))) {
		tfy_batch_iter_free(it);
		return tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	}
	it->client = client;
	tfy__client_hold(client); /* for the iterator's life: the client may be freed first */
	const tfy__options_pair pair = tfy__endpoint_pair(client, it->opts.request);
	it->call = tfy__call_start(client, &pair);
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

/* Where the next page starts: the last batch's id, else the page's last_id; NULL or "" when none. */
static const char *page_cursor(const tfy_batch_page *page)
{
	const tfy_batch *last = page->count ? page->items[page->count - 1] : NULL;
	return last && last->id && *last->id ? last->id : page->last_id;
}

/* A final failure of the iteration, with the page's request id (masked like any error). */
static tfy_code pagination_error(tfy_batch_iter *it, tfy_error **err, const char *why)
{
	it->failed = 1;
	tfy_error *e = tfy__error_new(TFY_ERROR_PAGINATION, "%s: %s after page %lld",
	                              tfy_strerror(TFY_ERROR_PAGINATION), why, (long long)it->pages);
	if (e && it->page && it->page->request_id &&
	    tfy__error_put(&e->request_id, it->page->request_id, strlen(it->page->request_id)) < 0) {
		tfy_error_free(e);
		e = NULL;
	}
	tfy_code rc = tfy__call_hand_error(it->client, TFY_ERROR_PAGINATION, e, err);
	if (rc == TFY_ERROR_OUT_OF_MEMORY)
		it->failed = 0; /* running out of memory says nothing about the server */
	return rc;
}

/* Checks a fresh page and works out where the next one starts. */
static tfy_code accept_page(tfy_batch_iter *it, tfy_error **err)
{
	const tfy_batch_page *page = it->page;
	int asked_unpromised = it->more_assumed;
	it->more_assumed = !page->has_more_present &&
	                   it->opts.missing_has_more != TFY_MISSING_HAS_MORE_STOP;
	it->more = page->has_more_present ? page->has_more : it->more_assumed && page->count > 0;
	for (size_t i = 0; it->next_after && i < page->count; i++)
		if (page->items[i]->id && strcmp(page->items[i]->id, it->next_after) == 0) {
			if (!asked_unpromised)
				return pagination_error(it, err,
				                        "the server returned the batch it was asked to start after");
			/* No more pages were promised: this one only repeats what was seen. */
			it->pos = page->count;
			it->more = 0;
			return TFY_OK;
		}
	if (!it->more)
		return TFY_OK;
	/*
	 * An empty page with has_more and a last_id is legitimate on some
	 * gateways (filtered pages): it continues from last_id.  Distinct
	 * cursors on empty pages forever would escape the cycle guard, hence
	 * the bound.
	 */
	it->empty_run = page->count ? 0 : it->empty_run + 1;
	if (it->empty_run > EMPTY_PAGES_MAX)
		return pagination_error(it, err, "the server sent too many empty pages in a row");
	const char *cursor = page_cursor(page);
	if ((!cursor || !*cursor) && !page->has_more_present) {
		it->more = 0; /* more was only assumed, and there is nowhere to go on from */
		return TFY_OK;
	}
	if (!cursor || !*cursor)
		return pagination_error(it, err, page->count ? "the page has no id to continue from"
		                                             : "the server said has_more but sent an empty "
		                                               "page without a last_id");
	/*
	 * Copy first: a cursor remembered but not taken would read as a cycle
	 * when fetch_page() undoes this page after running out of memory.
	 */
	char *copy = tfy__strdup(cursor);
	if (!copy)
		return tfy__call_hand_error(it->client, TFY_ERROR_OUT_OF_MEMORY, NULL, err);
	int seen = remember_cursor(it, cursor);
	if (seen != 0) {
		tfy__free(copy);
		if (seen < 0)
			return tfy__call_hand_error(it->client, TFY_ERROR_OUT_OF_MEMORY, NULL, err);
		if (!page->has_more_present) {
			it->more = 0; /* more was only assumed: end after this page */
			return TFY_OK;
		}
		return pagination_error(it, err, "the server repeated a cursor (is it ignoring `after`?)");
	}
	tfy__free(it->next_after);
	it->next_after = copy;
	return TFY_OK;
}

/* Sends the next page's request now, unless no next page will be wanted. */
static void start_prefetch(tfy_batch_iter *it)
{
	if (it->opts.prefetch == TFY_NONE || !it->more ||
	    (it->opts.max_pages && it->pages >= it->opts.max_pages) ||
	    (it->opts.max_items && it->items + (int64_t)it->page->count >= it->opts.max_items))
		return;
	it->opts.after = it->next_after;
	tfy__batches_page_early(it->client, &it->opts, &it->call, &it->prefetched);
	it->opts.after = NULL;
}

/* One page: the prefetched request's answer when there is one, else a request sent now. */
static tfy_code fetch(tfy_batch_iter *it, tfy_batch_page **page, tfy_error **err)
{
	it->opts.after = it->next_after;
	tfy_code rc = tfy__batches_page(it->client, &it->opts, &it->call, &it->prefetched, page, err);
	it->opts.after = NULL;
	return rc;
}

static tfy_code fetch_page(tfy_batch_iter *it, tfy_error **err)
{
	tfy_batch_page *page = NULL;
	tfy_code rc = fetch(it, &page, err);
	if (rc != TFY_OK)
		return rc;
	tfy_batch_page *previous = it->page;
	size_t previous_pos = it->pos;
	int previous_more = it->more, previous_assumed = it->more_assumed;
	it->page = page;
	it->pos = 0;
	it->pages++;
	rc = accept_page(it, err);
	if (rc == TFY_ERROR_OUT_OF_MEMORY) {
		/*
		 * Undo: running out of memory says nothing about the server, so the
		 * iterator stays usable and the next call fetches this page again.
		 */
		tfy_batch_page_free(page);
		it->page = previous;
		it->pos = previous_pos;
		it->more = previous_more;
		it->more_assumed = previous_assumed;
		it->pages--;
		return rc;
	}
	tfy_batch_page_free(previous);
	if (rc == TFY_OK)
		start_prefetch(it);
	return rc;
}

static int at_end(const tfy_batch_iter *it)
{
	if (it->opts.max_items && it->items >= it->opts.max_items)
		return 1;
	if (it->page && it->pos < it->page->count)
		return 0;
	return (it->page && !it->more) || (it->opts.max_pages && it->pages >= it->opts.max_pages);
}

/*
 * Updates the resume point for handing out the n batches from pos.  Returns
 * -1 when memory ran out: the caller then hands out nothing, rather than
 * leave a resume cursor that would repeat batches already seen.
 */
static int advance_resume(tfy_batch_iter *it, size_t n)
{
	const char *cursor = it->page->items[it->pos + n - 1]->id;
	if (!cursor && it->pos + n == it->page->count)
		cursor = it->page->last_id;
	if (!cursor)
		return 0;
	char *copy = tfy__strdup(cursor);
	if (!copy)
		return -1;
	tfy__free(it->resume);
	it->resume = copy;
	return 0;
}

/* Makes sure a batch is ready to hand out, fetching pages as needed; 0 at the end. */
static tfy_code ready_items(tfy_batch_iter *it, size_t *available, tfy_error **err)
{
	*available = 0;
	if (it->failed)
		return pagination_error(it, err, "the iteration already failed");
	while (!at_end(it) && (!it->page || it->pos >= it->page->count)) {
		tfy_code rc = fetch_page(it, err);
		if (rc != TFY_OK)
			return rc;
	}
	if (at_end(it))
		return TFY_OK;
	*available = it->page->count - it->pos;
	if (it->opts.max_items && (int64_t)*available > it->opts.max_items - it->items)
		*available = (size_t)(it->opts.max_items - it->items);
	return TFY_OK;
}

/* Hands out n ready batches, starting at the current position; NULL on OOM (nothing taken). */
static const tfy_batch *const *take(tfy_batch_iter *it, size_t n)
{
	if (advance_resume(it, n) < 0)
		return NULL;
	const tfy_batch *const *run = it->page->items + it->pos;
	it->pos += n;
	it->items += (int64_t)n;
	return run;
}

tfy_code tfy_batch_iter_next(tfy_batch_iter *it, const tfy_batch **batch, tfy_error **err)
{
	if (batch)
		*batch = NULL;
	tfy_code rc = tfy__entry_check(err, !it || !batch, "iter and batch");
	if (rc != TFY_OK)
		return rc;
	size_t available;
	rc = ready_items(it, &available, err);
	if (rc == TFY_OK && available) {
		const tfy_batch *const *run = take(it, 1);
		if (!run)
			return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
		*batch = run[0];
	}
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
	size_t available;
	rc = ready_items(it, &available, err);
	if (rc == TFY_OK && available) {
		if (!(*batches = take(it, available)))
			return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
		*count = available;
	}
	return rc;
}

const char *tfy_batch_iter_cursor(const tfy_batch_iter *it)
{
	return it ? it->resume : NULL;
}

int64_t tfy_batch_iter_pages(const tfy_batch_iter *it)
{
	return it ? it->pages : 0;
}

int64_t tfy_batch_iter_items(const tfy_batch_iter *it)
{
	return it ? it->items : 0;
}

void tfy_batch_iter_free(tfy_batch_iter *it)
{
	if (!it)
		return;
	tfy__endpoint_drop_early(&it->prefetched); /* on the client's transport: before the release */
	tfy_batch_page_free(it->page);
	tfy__arena_free(it->copies);
	tfy__free(it->next_after);
	tfy__free(it->resume);
	tfy__free(it->seen);
	if (it->client)
		tfy__client_release(it->client);
	tfy__free(it);
}
