/*
 * tfy-batches: fetching one page, or every page with --all, of any list
 * (batches, files).
 */
#ifndef TFY_BATCHES_PAGER_H
#define TFY_BATCHES_PAGER_H

#include <tfy/tfy.h>

#include "opts.h"
#include "output.h"

/* What the walk reads of a page of any list. */
typedef struct pager_view {
	const void *const *items;
	size_t count;
	const char *first_id;
	const char *last_id;
	int32_t has_more;
	int32_t has_more_present;
} pager_view;

/* A list: its one-page call, its iterator, its items' ids and how they are printed. */
typedef struct pager_kind {
	const char *one;  /* the progress line's nouns: "batch" */
	const char *many; /* "batches" */
	tfy_code (*list)(tfy_client *client, const cli_args *args, void **page, tfy_error **err);
	pager_view (*view)(const void *page);
	void (*page_free)(void *page);
	tfy_code (*iter_new)(tfy_client *client, const cli_args *args, void **it, tfy_error **err);
	tfy_code (*iter_next_page)(void *it, const void *const **items, size_t *count, tfy_error **err);
	void (*iter_free)(void *it);
	const char *(*item_id)(const void *item);
	/* Writes a run of items to writer (the caller's), then closes its output. */
	out_status (*print)(void *writer, const void *const *items, size_t count);
	out_status (*finish)(void *writer, const out_summary *summary);
} pager_kind;

/*
 * Fetches one page, or every page with --all, and prints it through the
 * kind's writer; out is where it writes (for the report of a failed
 * write).  Failures are reported on stderr.  Returns the exit status.
 */
int pager_walk(tfy_client *client, const cli_args *args, const pager_kind *kind, void *writer,
               const sink *out);

/* The batches of `list`, through out_writer. */
int pager_run(tfy_client *client, const cli_args *args, out_writer *w);

#endif
