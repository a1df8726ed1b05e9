/*
 * tfy-batches: one batch or one file in the chosen --format.  A batch goes
 * through list's writer (output.c) as a page of one, so the two never
 * disagree; a file through record.c.
 */
#include "show.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "connect.h"
#include "diag.h"
#include "output.h"
#include "record.h"
#include "table.h"
#include "term.h"

int show_status(out_status st, const sink *out)
{
	if (st == OUT_OK)
		return CLI_EXIT_OK;
	diag_output(st, out);
	return CLI_EXIT_FAILURE;
}

static int show_raw(sink *out, const char *raw_json)
{
	sink_puts(out, raw_json);
	sink_puts(out, "\n");
	return show_status(sink_flush(out) != 0 ? OUT_WRITE : OUT_OK, out);
}

int show_batch(const cli_args *args, sink *out, const tfy_batch *b)
{
	const tfy_batch *items[1] = { b };
	tfy_batch_page page = { 0 };
	out_summary none = { 0 };
	out_writer w;
	out_status st;

	if (args->format == OUT_JSON && b->raw_json != NULL)
		return show_raw(out, b->raw_json);
	page.count = 1;
	page.items = items;
	out_init(&w, args->format, out);
	if (args->format == OUT_TABLE) {
		w.color = term_color(STDOUT_FILENO);
		w.width = term_width(STDOUT_FILENO);
	}
	st = out_page(&w, &page);
	/* json without raw_json (never from the library) still closes its list */
	if (st == OUT_OK && args->format != OUT_TABLE)
		st = out_finish(&w, &none);
	/* one batch: its files under its row, whole, so they can be copied */
	if (st == OUT_OK && args->format == OUT_TABLE) {
		table_write_files(out, b, w.width);
		st = sink_flush(out) != 0 ? OUT_WRITE : OUT_OK;
	}
	out_free(&w);
	return show_status(st, out);
}

static const char *int_or_null(char *buf, size_t size, const tfy_opt_int64 *v)
{
	if (!v->present)
		return NULL;
	snprintf(buf, size, "%" PRId64, v->value);
	return buf;
}

/*
 * The id is never cut.  On a terminal too narrow for the table (files
 * list; one file is written as lines instead), FILENAME is narrowed, then
 * STATUS, BYTES, PURPOSE, FILENAME and CREATED_AT dropped in that order.
 */
const rec_col file_columns[FILE_COLUMNS] = {
	{ "id", 0, 0, 0, 1 },        { "bytes", 0, 0, 3, 0 },   { "created_at", 0, 0, 6, 0 },
	{ "filename", 48, 1, 5, 0 }, { "purpose", 0, 0, 4, 0 }, { "status", 0, 0, 2, 0 },
};

void file_row_fill(file_row *r, const tfy_file *f)
{
	const rec_val vals[FILE_COLUMNS] = {
		{ f->id, 0, NULL },
		{ int_or_null(r->bytes, sizeof r->bytes, &f->bytes), 1, NULL },
		{ int_or_null(r->created, sizeof r->created, &f->created_at), 1, r->when },
		{ f->filename, 0, NULL },
		{ f->purpose, 0, NULL },
		{ f->status, 0, NULL },
	};

	/* the table's dates are list's: ISO 8601; the other formats keep the API's seconds */
	table_time_text(r->when, sizeof r->when, &f->created_at);
	memcpy(r->vals, vals, sizeof vals);
}

int show_file(const cli_args *args, sink *out, const tfy_file *f)
{
	file_row row;
	rec_writer w;
	out_status st;

	if (args->format == OUT_JSON && f->raw_json != NULL)
		return show_raw(out, f->raw_json);
	file_row_fill(&row, f);
	rec_init(&w, args->format, out, file_columns, FILE_COLUMNS);
	w.single = 1;
	st = rec_row(&w, row.vals);
	json_text_free(&w.text);
	return show_status(st, out);
}

/*
 * The event's columns; -q writes the batch (data.id) alone, the id a script
 * goes on with.
 */
int show_event(const cli_args *args, sink *out, const tfy_webhook_event *e)
{
	static const rec_col cols[] = {
		{ "type", 0, 0, 0, 0 },  { "id", 0, 0, 0, 1 },         { "created_at", 0, 0, 0, 0 },
		{ "batch", 0, 0, 0, 1 }, { "webhook_id", 0, 0, 0, 1 }, { "timestamp", 0, 0, 0, 0 },
	};
	tfy_opt_int64 timestamp = { e->timestamp, 1, 0 };
	char created[24], stamp[24];
	const rec_val vals[6] = {
		{ e->type, 0, NULL },
		{ e->id, 0, NULL },
		{ int_or_null(created, sizeof created, &e->created_at), 1, NULL },
		{ e->data_id, 0, NULL },
		{ e->webhook_id, 0, NULL },
		{ int_or_null(stamp, sizeof stamp, &timestamp), 1, NULL },
	};
	int ids = args->format == OUT_IDS;
	rec_writer w;
	out_status st;

	if (args->format == OUT_JSON)
		return show_raw(out, e->raw_json);
	/* -q: the first column is the one written, so the batch's comes alone */
	rec_init(&w, args->format, out, ids ? &cols[3] : cols, ids ? 1 : 6);
	w.single = 1;
	st = rec_row(&w, ids ? &vals[3] : vals);
	json_text_free(&w.text);
	return show_status(st, out);
}

int show_batch_from(const cli_args *args, sink *out, show_batch_call call)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_request_options request = cli_request(args);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	if (client == NULL)
		return rc;
	code = call(client, args->operands[0], &request, &b, &err);
	rc = code == TFY_OK ? show_batch(args, out, b) : diag_library(code, err);
	tfy_batch_free(b);
	tfy_error_free(err);
	tfy_client_free(client);
	return rc;
}

int show_file_from(const cli_args *args, sink *out, show_file_call call)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_request_options request = cli_request(args);
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	if (client == NULL)
		return rc;
	code = call(client, args->operands[0], &request, &f, &err);
	rc = code == TFY_OK ? show_file(args, out, f) : diag_library(code, err);
	tfy_file_free(f);
	tfy_error_free(err);
	tfy_client_free(client);
	return rc;
}
