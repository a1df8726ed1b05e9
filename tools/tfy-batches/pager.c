/*
 * tfy-batches: fetching one page, or every page with --all.
 *
 * --all walks with the library's iterator, a page at a time, so the CLI gets
 * the same guards as every other caller: a page without an id falls back to
 * last_id, has_more with an empty page and a repeated cursor (a gateway that
 * ignores `after`) end the walk with a pagination error instead of a silent
 * truncation or an endless loop.
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

static const char *next_cursor(const tfy_batch_page *page)
{
	const tfy_batch *last = page->count > 0 ? page->items[page->count - 1] : NULL;

	return last != NULL && last->id != NULL ? last->id : page->last_id;
}

static int report(tfy_code code, tfy_error *err)
{
	int rc = diag_library(code, err);

	tfy_error_free(err);
	return rc;
}

static int output_exit(out_status st, const out_writer *w)
{
	diag_output(st, w->out);
	return st == OUT_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

typedef struct walk {
	char *first_id; /* of the first batch */
	char *last_id;  /* of the last batch printed */
} walk;

/* Prints one run of batches as a page of its own. */
static out_status print_run(out_writer *w, walk *wk, const tfy_batch *const *run, size_t n)
{
	tfy_batch_page view;

	memset(&view, 0, sizeof view);
	view.items = run;
	view.count = n;
	if ((wk->first_id == NULL && !replace(&wk->first_id, run[0]->id)) ||
	    !replace(&wk->last_id, run[n - 1]->id))
		return OUT_NO_MEMORY;
	return out_page(w, &view);
}

/* A progress line on a terminal's stderr, rewritten in place after each page. */
typedef struct progress {
	int on;
	struct timespec start;
} progress;

static void progress_show(const progress *p, const tfy_batch_iter *it)
{
	struct timespec now;
	double secs;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
	fprintf(stderr, "\r\033[K" CLI_NAME ": %" PRId64 " %s, %" PRId64 " %s, %.1f s",
	        tfy_batch_iter_pages(it), tfy_batch_iter_pages(it) == 1 ? "page" : "pages",
	        tfy_batch_iter_items(it), tfy_batch_iter_items(it) == 1 ? "batch" : "batches", secs);
	fflush(stderr);
}

static void progress_clear(const progress *p)
{
	if (p->on) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

static int walk_pages(tfy_batch_iter *it, walk *wk, out_writer *w)
{
	progress p = { term_ansi(STDERR_FILENO), { 0, 0 } };

	clock_gettime(CLOCK_MONOTONIC, &p.start);
	for (;;) {
		const tfy_batch *const *run;
		size_t n;
		tfy_error *err = NULL;
		tfy_code code = tfy_batch_iter_next_page(it, &run, &n, &err);
		out_status st;

		if (code != TFY_OK) {
			progress_clear(&p);
			return report(code, err);
		}
		if (n == 0) {
			progress_clear(&p);
			return CLI_EXIT_OK;
		}
		progress_clear(&p);
		st = print_run(w, wk, run, n);
		if (st != OUT_OK)
			return output_exit(st, w);
		progress_show(&p, it);
	}
}

static int run_all(tfy_client *client, const cli_args *args, out_writer *w)
{
	walk wk = { NULL, NULL };
	tfy_batch_iter *it = NULL;
	tfy_error *err = NULL;
	tfy_code code = tfy_batch_iter_new(client, &args->list, &it, &err);
	int rc = code == TFY_OK ? walk_pages(it, &wk, w) : report(code, err);

	if (rc == CLI_EXIT_OK) {
		out_summary s = { wk.first_id, wk.last_id, 0, 1, NULL };

		rc = output_exit(out_finish(w, &s), w);
	}
	tfy_batch_iter_free(it);
	free(wk.first_id);
	free(wk.last_id);
	return rc;
}

static int run_one(tfy_client *client, const cli_args *args, out_writer *w)
{
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	tfy_code code = tfy_batches_list(client, &args->list, &page, &err);
	out_status st;

	if (code != TFY_OK)
		return report(code, err);
	st = out_page(w, page);
	if (st == OUT_OK) {
		out_summary s = { page->first_id, page->last_id, page->has_more,
		                  page->has_more_present, next_cursor(page) };

		st = out_finish(w, &s);
	}
	tfy_batch_page_free(page);
	return output_exit(st, w);
}

int pager_run(tfy_client *client, const cli_args *args, out_writer *w)
{
	return args->all ? run_all(client, args, w) : run_one(client, args, w);
}
