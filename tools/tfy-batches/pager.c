/*
 * tfy-batches: fetching one page, or every page with --all.
 *
 * The walk follows the official SDKs (next `after` = id of the last item,
 * stop on has_more false) and closes the holes they leave open: a page
 * without an id falls back to last_id, has_more with an empty page is an
 * error rather than a silent truncation, and a cursor seen before stops the
 * walk instead of looping forever on a gateway that ignores `after`.
 */
#include "pager.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"

/*
 * Every cursor of the walk, as 64-bit hashes: a gateway could cycle through
 * several pages, so remembering only the last one is not enough, and eight
 * bytes a page keeps memory flat in practice (a false alarm needs a 64-bit
 * collision).
 */
typedef struct cursor_set {
	uint64_t *hash;
	size_t count;
	size_t cap;
} cursor_set;

typedef struct walk {
	tfy_batches_list_options opts; /* after points at the owned copy below */
	char *after;
	char *first_id;                /* of the first page */
	char *last_id;                 /* of the last page that had items */
	size_t pages;
	cursor_set seen;
} walk;

typedef enum step {
	STEP_NEXT,
	STEP_DONE,
	STEP_FAILED /* reported */
} step;

static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static int cursor_seen(const cursor_set *set, const char *cursor)
{
	uint64_t h = fnv1a(cursor);
	size_t i;

	for (i = 0; i < set->count; i++) {
		if (set->hash[i] == h)
			return 1;
	}
	return 0;
}

static int cursor_add(cursor_set *set, const char *cursor)
{
	if (set->count == set->cap) {
		size_t cap = set->cap != 0 ? set->cap * 2 : 16;
		uint64_t *hash = realloc(set->hash, cap * sizeof *hash);

		if (hash == NULL)
			return 0;
		set->hash = hash;
		set->cap = cap;
	}
	set->hash[set->count++] = fnv1a(cursor);
	return 1;
}

/* Copies s (NULL allowed) over *dst; pages are freed as soon as they are printed. */
static int replace(char **dst, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return 0;
	free(*dst);
	*dst = copy;
	return 1;
}

static const char *next_cursor(const tfy_batch_list *page)
{
	const tfy_batch *last = page->count > 0 ? page->items[page->count - 1] : NULL;

	return last != NULL && last->id != NULL ? last->id : page->last_id;
}

static tfy_batch_list *fetch(tfy_client *client, const tfy_batches_list_options *opts)
{
	tfy_batch_list *page = NULL;
	tfy_error *err = NULL;
	tfy_code code = tfy_batches_list(client, opts, &page, &err);

	if (code == TFY_OK && page != NULL)
		return page;
	diag_library(code != TFY_OK ? code : TFY_ERROR_OUT_OF_MEMORY, err);
	tfy_error_free(err);
	tfy_batch_list_free(page);
	return NULL;
}

static int output_exit(out_status st, const out_writer *w)
{
	diag_output(st, w->out);
	return st == OUT_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static step fail(const char *msg, const char *quoted)
{
	diag_error(msg, quoted);
	return STEP_FAILED;
}

static step follow(walk *wk, const char *next)
{
	if (next == NULL)
		return fail("cannot page on: the last batch has no id and the page no last_id", NULL);
	if (cursor_seen(&wk->seen, next))
		return fail("the server sent the same page cursor twice; stopping at", next);
	if (!cursor_add(&wk->seen, next) || !replace(&wk->after, next))
		return fail("out of memory", NULL);
	wk->opts.after = wk->after;
	return STEP_NEXT;
}

/* Decided before the page is printed, so a repeated page is not printed twice. */
static step advance(walk *wk, const tfy_batch_list *page)
{
	if (wk->pages++ == 0 && !replace(&wk->first_id, page->first_id))
		return fail("out of memory", NULL);
	if (page->count == 0) {
		if (page->has_more)
			return fail("the server said more batches follow but sent an empty page", NULL);
		return STEP_DONE;
	}
	if (!replace(&wk->last_id, page->last_id))
		return fail("out of memory", NULL);
	return page->has_more ? follow(wk, next_cursor(page)) : STEP_DONE;
}

static int walk_pages(tfy_client *client, walk *wk, out_writer *w)
{
	step st = STEP_NEXT;

	while (st == STEP_NEXT) {
		tfy_batch_list *page = fetch(client, &wk->opts);
		out_status ost = OUT_OK;

		if (page == NULL)
			return CLI_EXIT_FAILURE;
		st = advance(wk, page);
		if (st != STEP_FAILED)
			ost = out_page(w, page);
		tfy_batch_list_free(page);
		if (ost != OUT_OK)
			return output_exit(ost, w);
	}
	return st == STEP_DONE ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int walk_init(walk *wk, const cli_args *args)
{
	memset(wk, 0, sizeof *wk);
	wk->opts = args->list;
	if (args->list.after == NULL)
		return 1;
	if (!replace(&wk->after, args->list.after) || !cursor_add(&wk->seen, wk->after))
		return 0;
	wk->opts.after = wk->after;
	return 1;
}

static void walk_free(walk *wk)
{
	free(wk->after);
	free(wk->first_id);
	free(wk->last_id);
	free(wk->seen.hash);
}

static int run_all(tfy_client *client, const cli_args *args, out_writer *w)
{
	walk wk;
	int rc;

	if (!walk_init(&wk, args)) {
		diag_error("out of memory", NULL);
		rc = CLI_EXIT_FAILURE;
	} else {
		rc = walk_pages(client, &wk, w);
	}
	if (rc == CLI_EXIT_OK) {
		out_summary s = { wk.first_id, wk.last_id, 0, 1, NULL };

		rc = output_exit(out_finish(w, &s), w);
	}
	walk_free(&wk);
	return rc;
}

static int run_one(tfy_client *client, const cli_args *args, out_writer *w)
{
	tfy_batch_list *page = fetch(client, &args->list);
	out_status st;

	if (page == NULL)
		return CLI_EXIT_FAILURE;
	st = out_page(w, page);
	if (st == OUT_OK) {
		out_summary s = { page->first_id, page->last_id, page->has_more,
		                  page->has_more_present, next_cursor(page) };

		st = out_finish(w, &s);
	}
	tfy_batch_list_free(page);
	return output_exit(st, w);
}

/*
 * 0 is how tfy_batches_list_options says "server default", so an explicit
 * --limit 0 cannot reach the library's range check and is refused here.
 */
static int limit_ok(const cli_args *args)
{
	char msg[64];

	if (!args->limit_given || args->list.limit != 0)
		return 1;
	snprintf(msg, sizeof msg, "limit must be between 1 and %d, got 0", TFY_BATCHES_LIMIT_MAX);
	diag_error(msg, NULL);
	return 0;
}

int pager_run(tfy_client *client, const cli_args *args, out_writer *w)
{
	if (!limit_ok(args))
		return CLI_EXIT_FAILURE;
	return args->all ? run_all(client, args, w) : run_one(client, args, w);
}
