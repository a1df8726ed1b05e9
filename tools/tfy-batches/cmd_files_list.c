/*
 * tfy-batches files list: one page of files, or every page with --all,
 * through list's walk (pager.c) with the files' kind: each file a row of
 * 'files get''s columns, the json a list object as list's.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "pager.h"
#include "record.h"
#include "show.h"

/* The listing's options from the command line: list's paging, --purpose and --order. */
static tfy_files_list_options options_of(const cli_args *args)
{
	tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;

	o.limit = args->list.limit;
	o.after = args->list.after;
	o.max_items = args->list.max_items;
	o.order = args->order;
	o.purpose = args->purpose;
	o.request = &args->request;
	return o;
}

static tfy_code files_list(tfy_client *client, const cli_args *args, void **page, tfy_error **err)
{
	const tfy_files_list_options o = options_of(args);
	tfy_file_page *p = NULL;
	tfy_code code = tfy_files_list(client, &o, &p, err);

	*page = p;
	return code;
}

static pager_view files_view(const void *page)
{
	const tfy_file_page *p = page;
	pager_view v = { (const void *const *)p->items,
		         p->count,
		         p->first_id,
		         p->last_id,
		         p->has_more,
		         p->has_more_present };

	return v;
}

static void files_free(void *page)
{
	tfy_file_page_free(page);
}

static tfy_code files_iter_new(tfy_client *client, const cli_args *args, void **it, tfy_error **err)
{
	const tfy_files_list_options o = options_of(args);
	tfy_file_iter *i = NULL;
	tfy_code code = tfy_file_iter_new(client, &o, &i, err);

	*it = i;
	return code;
}

static tfy_code files_next_page(void *it, const void *const **items, size_t *count, tfy_error **err)
{
	const tfy_file *const *run = NULL;
	tfy_code code = tfy_file_iter_next_page(it, &run, count, err);

	*items = (const void *const *)run;
	return code;
}

static void files_iter_free(void *it)
{
	tfy_file_iter_free(it);
}

static const char *file_id(const void *item)
{
	return ((const tfy_file *)item)->id;
}

/* The table is fitted to the first page with files, as list's is. */
static out_status files_print(void *writer, const void *const *items, size_t count)
{
	rec_writer *w = writer;
	out_status st = OUT_OK;
	file_row row;
	size_t i;

	for (i = 0; w->rows == 0 && i < count; i++) {
		file_row_fill(&row, items[i]);
		rec_fit(w, row.vals);
	}
	for (i = 0; st == OUT_OK && i < count; i++) {
		file_row_fill(&row, items[i]);
		st = rec_row(w, row.vals);
	}
	return st;
}

static out_status files_finish(void *writer, const out_summary *summary)
{
	return rec_finish_list(writer, summary, "file", "files");
}

static const pager_kind files = {
	"file",          "files",         files_list, files_view,  files_free,   files_iter_new,
	files_next_page, files_iter_free, file_id,    files_print, files_finish,
};

int cmd_files_list_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	rec_writer w;

	if (client == NULL)
		return rc;
	rec_init(&w, args->format, out, file_columns, FILE_COLUMNS);
	w.list = 1;
	rc = pager_walk(client, args, &files, &w, out);
	json_text_free(&w.text);
	tfy_client_free(client);
	return rc;
}
