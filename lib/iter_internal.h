/*
 * The pager: the walk over every page of a list, which the batch iterator
 * (iter.c) and the file iterator (files.c) share.  A kind of list says how
 * one of its pages is fetched and read; the pager holds one page at a
 * time, the cursor, the caps and the guards (a repeated cursor, the item
 * it was asked to start after, too many empty pages, no cursor to go on
 * from).  Internal to libtfy.
 */
#ifndef TFY_ITER_INTERNAL_H
#define TFY_ITER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "async_internal.h"
#include "endpoint.h"
#include "options.h"

/* What the pager reads of a page, whatever its kind. */
typedef struct tfy__page_view {
	const void *const *items; /* count pointers to the items' public structs */
	size_t count;
	const char *last_id;
	int32_t has_more;
	int32_t has_more_present;
	const char *request_id;
} tfy__page_view;

typedef struct tfy__pager tfy__pager;

/* One kind of list. */
typedef struct tfy__pager_kind {
	const char *item; /* what an item is, in errors: "batch", "file" */
	/*
	 * One page, after the cursor `after` (NULL: the first page), under the
	 * pager's call; early as tfy__endpoint_run takes it.
	 */
	tfy_code (*fetch)(tfy__pager *p, const char *after, tfy__endpoint_early *early, void **page,
	                  tfy_error **err);
	/* Sends that page's first attempt now: as tfy__endpoint_send_early. */
	int (*send_early)(tfy__pager *p, const char *after, tfy__endpoint_early *early);
	tfy__page_view (*view)(const void *page);
	const char *(*item_id)(const void *item); /* NULL when it has none */
	void (*page_free)(void *page);
	/*
	 * For the start form (tfy__pager_async_start): the kind's options,
	 * self_size bytes of them held by the call.  open reads and checks the
	 * caller's (NULL: the defaults) into self, building the first request
	 * so a bad option is refused at the start, then starts the zeroed
	 * pager with them (tfy__pager_start).
	 */
	size_t self_size;
	tfy_code (*open)(tfy__pager *p, void *self, tfy_client *client, const void *opts,
	                 tfy_error **err);
	/* The fetch of the page after `after` as the op of c (async_internal.h): 0, or -1 on OOM. */
	int (*page_op)(tfy_async_call *c, tfy__pager *p, const char *after);
	/* Calls the caller's on_page, fn, as its own type: a run of items, or the end (count 0). */
	int32_t (*on_page)(tfy__any_fn fn, void *userdata, tfy_code rc, const void *const *items,
	                   size_t count, tfy_error *err);
} tfy__pager_kind;

struct tfy__pager {
	const tfy__pager_kind *kind;
	void *self; /* the kind's own: its options, read, for fetch */
	tfy_client *client;
	tfy__arena *copies;          /* the request options' strings and arrays, and the kind's */
	tfy_request_options request; /* the caller's, copied into copies */
	tfy__paging paging;
	tfy__call call;
	void *page;
	tfy__page_view view; /* of page */
	size_t pos;          /* next item of page to hand out */
	char *next_after;    /* cursor for the next page; NULL: first page */
	char *resume;        /* after which the caller may resume */
	int more;            /* a next page is wanted */
	int more_assumed;    /* ... only because the last page left has_more out */
	int failed;          /* a pagination error ended the iteration */
	int64_t pages;
	int64_t items;
	uint64_t *seen; /* hashes of every cursor sent */
	size_t seen_count;
	size_t seen_cap;
	int64_t empty_run;              /* empty pages in a row so far */
	tfy__endpoint_early prefetched; /* the next page's request, already sent; or nothing */
};

/*
 * Sets up a zeroed pager: the request options deep-copied (the caller's need
 * not outlive this call), the starting cursor copied, the call's context
 * started.  Options are read and checked already.  TFY_OK or
 * TFY_ERROR_OUT_OF_MEMORY (with *err set); either way free it with
 * tfy__pager_clear.
 */
tfy_code tfy__pager_start(tfy__pager *p, const tfy__pager_kind *kind, void *self,
                          tfy_client *client, const char *after, const tfy_request_options *request,
                          const tfy__paging *paging, tfy_error **err);

/*
 * The next run of items ready to hand out: the rest of the current page, or
 * the next page, cut short by max_items; at most `max` of them.  *run is
 * NULL and *count 0 at the end.  The items are borrowed from the pager,
 * valid until its next call.  Errors are handed (masked) to err.
 */
tfy_code tfy__pager_next(tfy__pager *p, size_t max, const void *const **run, size_t *count,
                         tfy_error **err);

/*
 * For a driver that fetches pages itself (the start form, async.h): 1 when
 * the pager needs the page after p->next_after before it can hand out
 * more; tfy__pager_take gives it the fetch's result (rc, page taken, err
 * handed already), checked as every page is.  Then tfy__pager_next hands
 * out without fetching.
 */
int tfy__pager_wants_page(const tfy__pager *p);
tfy_code tfy__pager_take(tfy__pager *p, tfy_code rc, void *page, tfy_error **err);

/*
 * The start form of an iterator of the kind (async.h): every page fetched
 * as an op of the loop and handed to on_page (of the kind's type), then
 * the end or the error; on_page ends it early by not returning
 * TFY_CANCEL_CONTINUE.  opts as the kind's open reads them.
 */
tfy_code tfy__pager_async_start(tfy_async *async, const tfy__pager_kind *kind, const void *opts,
                                tfy__any_fn on_page, void *userdata, tfy_async_call **call,
                                tfy_error **err);

/* Frees what the pager holds (not the pager itself). */
void tfy__pager_clear(tfy__pager *p);

#endif
