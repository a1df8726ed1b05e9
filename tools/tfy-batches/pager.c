/*
 * tfy-batches: fetching one page, or every page with --all, of any list.
 *
 * --all walks with the library's iterator, a page at a time, so the CLI gets
 * the same guards as every other caller: a page without an id falls back to
 * last_id, has_more with an empty page and a repeated cursor (a gateway that
 * ignores `after`) end the walk with a pagination error instead of a silent
 * truncation or an endless loop.  A list is a pager_kind: batches here,
 * files in cmd_files_list.c.
 */
#include "pager.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "term.h"

/* Copies s (NULL allowed) over *dst: the ids outlive the page they came from. */
static int replace(char **dst, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return 0;
	free(*dst);
	*dst = copy;
	return 1;
}

static const char *next_cursor(const pager_kind *kind, const pager_view *v)
{
	const char *last = v->count > 0 ? kind->item_id(v->items[v->count - 1]) : NULL;

	return last != NULL ? last : v->last_id;
}

static int report(tfy_code code, tfy_error *err)
{
	int rc = diag_library(code, err);

	tfy_error_free(err);
	return rc;
}

static int output_exit(out_status st, const sink *out)
{
	diag_output(st, out);
	return st == OUT_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

typedef struct walk {
	const pager_kind *kind;
	void *writer;
	const sink *out;
	char *first_id; /* of the first item */
	char *last_id;  /* of the last item printed */
	int64_t pages;  /* runs printed: the pages that had items */
	int64_t items;
} walk;

/* Prints one run of items as a page of its own. */
static out_status print_run(walk *wk, const void *const *run, size_t n)
{
	if ((wk->first_id == NULL && !replace(&wk->first_id, wk->kind->item_id(run[0]))) ||
	    !replace(&wk->last_id, wk->kind->item_id(run[n - 1])))
		return OUT_NO_MEMORY;
	wk->pages++;
	wk->items += (int64_t)n;
	return wk->kind->print(wk->writer, run, n);
}

/* A progress line on a terminal's stderr, rewritten in place after each page. */
typedef struct progress {
	int on;
	struct timespec start;
} progress;

static void progress_show(const progress *p, const walk *wk)
{
	struct timespec now;
	double secs;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
	fprintf(stderr, "\r\033[K" CLI_NAME ": %" PRId64 " %s, %" PRId64 " %s, %.1f s", wk->pages,
	        wk->pages == 1 ? "page" : "pages", wk->items,
	        wk->items == 1 ? wk->kind->one : wk->kind->many, secs);
	fflush(stderr);
}

static void progress_clear(const progress *p)
{
	if (p->on) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

static int walk_pages(void *it, walk *wk)
{
	progress p = { term_ansi(STDERR_FILENO), { 0, 0 } };

	clock_gettime(CLOCK_MONOTONIC, &p.start);
	for (;;) {
		const void *const *run;
		size_t n;
		tfy_error *err = NULL;
		tfy_code code = wk->kind->iter_next_page(it, &run, &n, &err);
		out_status st;

		progress_clear(&p);
		if (code != TFY_OK)
			return report(code, err);
		if (n == 0)
			return CLI_EXIT_OK;
		st = print_run(wk, run, n);
		if (st != OUT_OK)
			return output_exit(st, wk->out);
		progress_show(&p, wk);
	}
}

static int run_all(tfy_client *client, const cli_args *args, walk *wk)
{
	void *it = NULL;
	tfy_error *err = NULL;
	tfy_code code = wk->kind->iter_new(client, args, &it, &err);
	int rc = code == TFY_OK ? walk_pages(it, wk) : report(code, err);

	if (rc == CLI_EXIT_OK) {
		out_summary s = { wk->first_id, wk->last_id, 0, 1, NULL };

		rc = output_exit(wk->kind->finish(wk->writer, &s), wk->out);
	}
	if (it != NULL)
		wk->kind->iter_free(it);
	return rc;
}

static int run_one(tfy_client *client, const cli_args *args, walk *wk)
{
	void *page = NULL;
	tfy_error *err = NULL;
	tfy_code code = wk->kind->list(client, args, &page, &err);
	pager_view v;
	out_status st;

	if (code != TFY_OK)
		return report(code, err);
	v = wk->kind->view(page);
	st = wk->kind->print(wk->writer, v.items, v.count);
	if (st == OUT_OK) {
		out_summary s = { v.first_id, v.last_id, v.has_more, v.has_more_present,
			          next_cursor(wk->kind, &v) };

		st = wk->kind->finish(wk->writer, &s);
	}
	wk->kind->page_free(page);
	return output_exit(st, wk->out);
}

int pager_walk(tfy_client *client, const cli_args *args, const pager_kind *kind, void *writer,
               const sink *out)
{
	walk wk = { kind, writer, out, NULL, NULL, 0, 0 };
	int rc = args->all ? run_all(client, args, &wk) : run_one(client, args, &wk);

	free(wk.first_id);
	free(wk.last_id);
	return rc;
}

/* ---- batches ------------------------------------------------------------ */

static tfy_code batches_list(tfy_client *client, const cli_args *args, void **page, tfy_error **err)
{
	tfy_batch_page *p = NULL;
	tfy_code code = tfy_batches_list(client, &args->list, &p, err);

	*page = p;
	return code;
}

static pager_view batches_view(const void *page)
{
	const tfy_batch_page *p = page;
	pager_view v = { (const void *const *)p->items,
		         p->count,
		         p->first_id,
		         p->last_id,
		         p->has_more,
		         p->has_more_present };

	return v;
}

static void batches_free(void *page)
{
	tfy_batch_page_free(page);
}

static tfy_code batches_iter_new(tfy_client *client, const cli_args *args, void **it, tfy_error **err)
{
	tfy_batch_iter *i = NULL;
	tfy_code code = tfy_batch_iter_new(client, &args->list, &i, err);

	*it = i;
	return code;
}

static tfy_code batches_next_page(void *it, const void *const **items, size_t *count, tfy_error **err)
{
	const tfy_batch *const *run = NULL;
	tfy_code code = tfy_batch_iter_next_page(it, &run, count, err);

	*items = (const void *const *)run;
	return code;
}

static void batches_iter_free(void *it)
{
	tfy_batch_iter_free(it);
}

static const char *batch_id(const void *item)
{
	return ((const tfy_batch *)item)->id;
}

/* A run of batches as a page of its own, through list's writer. */
static out_status batches_print(void *writer, const void *const *items, size_t count)
{
	tfy_batch_page view;

	memset(&view, 0, sizeof view);
	view.items = (const tfy_batch *const *)items;
	view.count = count;
	return out_page(writer, &view);
}

static out_status batches_finish(void *writer, const out_summary *summary)
{
	return out_finish(writer, summary);
}

static const pager_kind batches = {
	"batch",      "batches",        batches_list,      batches_view,
	batches_free, batches_iter_new, batches_next_page, batches_iter_free,
	batch_id,     batches_print,    batches_finish,
};

int pager_run(tfy_client *client, const cli_args *args, out_writer *w)
{
	return pager_walk(client, args, &batches, w, w->out);
}
