/*
 * tfy-batches: flat records in the formats.  Values from the server go
 * through text_put() in the table, so they cannot drive the terminal.
 */
#include "record.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "table.h"
#include "term.h"

void rec_init(rec_writer *w, out_format format, sink *out, const rec_col *cols, size_t ncols)
{
	size_t i, k;

	memset(w, 0, sizeof *w);
	w->format = format;
	w->out = out;
	w->cols = cols;
	w->ncols = ncols < GRID_MAX_COLS ? ncols : GRID_MAX_COLS;
	if (format == OUT_TABLE)
		w->width = term_width(fileno(out->fp));
	for (i = 0; i < w->ncols; i++) {
		for (k = 0; cols[i].name[k] != '\0' && k + 1 < sizeof w->headers[i]; k++)
			w->headers[i][k] = (char)toupper((unsigned char)cols[i].name[k]);
		w->gcols[i].name = w->headers[i];
		w->gcols[i].cap = cols[i].cap;
		w->gcols[i].narrow_step = cols[i].narrow_step;
		w->gcols[i].drop_step = cols[i].drop_step;
		w->gcols[i].whole = cols[i].whole;
	}
}

static const char *shown(const rec_val *v)
{
	return v->shown != NULL ? v->shown : v->text != NULL ? v->text : "-";
}

static void cells_of(const rec_writer *w, const rec_val *vals, const char **cells)
{
	size_t i;

	for (i = 0; i < w->ncols; i++)
		cells[i] = shown(&vals[i]);
}

void rec_fit(rec_writer *w, const rec_val *vals)
{
	const char *cells[GRID_MAX_COLS];

	if (w->rows != 0)
		return;
	if (!w->fitted)
		grid_init(&w->grid, w->gcols, w->ncols);
	w->fitted = 1;
	cells_of(w, vals, cells);
	grid_measure(&w->grid, cells);
}

/* The header, once the widths are known: fitted to the terminal unless written as lines. */
static void table_header(rec_writer *w)
{
	/* one record wider than the terminal reads better as lines than with columns dropped */
	w->vertical = w->single && w->width != 0 && grid_total(&w->grid) > w->width;
	if (!w->vertical) {
		grid_fit(&w->grid, w->width);
		grid_write(w->out, &w->grid, NULL, NULL);
	}
}

static void table_row(rec_writer *w, const rec_val *vals)
{
	const char *cells[GRID_MAX_COLS];

	cells_of(w, vals, cells);
	if (w->rows == 0) {
		if (!w->fitted)
			grid_init(&w->grid, w->gcols, w->ncols);
		grid_measure(&w->grid, cells);
		table_header(w);
	}
	if (w->vertical)
		grid_write_vertical(w->out, w->gcols, w->ncols, cells, w->width);
	else
		grid_write(w->out, &w->grid, cells, NULL);
}

/* -q: the first column, the record's id; a record without one has none to give. */
static void id_row(rec_writer *w, const rec_val *vals)
{
	if (vals[0].text == NULL)
		return;
	text_put(w->out, vals[0].text, 0);
	sink_puts(w->out, "\n");
}

static void json_object_row(rec_writer *w, const rec_val *vals)
{
	size_t i;

	json_text_put(&w->text, "{", 1);
	for (i = 0; i < w->ncols; i++) {
		if (i > 0)
			json_text_put(&w->text, ",", 1);
		json_text_put_str(&w->text, w->cols[i].name);
		json_text_put(&w->text, ":", 1);
		if (vals[i].text != NULL && vals[i].json)
			json_text_put(&w->text, vals[i].text, strlen(vals[i].text));
		else
			json_text_put_str(&w->text, vals[i].text);
	}
	json_text_put(&w->text, "}", 1);
}

static out_status flush_json(rec_writer *w)
{
	if (w->text.oom)
		return OUT_NO_MEMORY;
	sink_write(w->out, w->text.data, w->text.len);
	w->text.len = 0;
	return OUT_OK;
}

static void csv_header(rec_writer *w)
{
	size_t i;

	for (i = 0; i < w->ncols; i++)
		csv_write_field(w->out, w->cols[i].name, i + 1 == w->ncols);
}

out_status rec_row(rec_writer *w, const rec_val *vals)
{
	out_status st = OUT_OK;
	size_t i;

	if (w->format == OUT_TABLE) {
		table_row(w, vals);
	} else if (w->format == OUT_IDS) {
		id_row(w, vals);
	} else if (w->format == OUT_CSV) {
		if (w->rows == 0)
			csv_header(w);
		for (i = 0; i < w->ncols; i++)
			csv_write_field(w->out, vals[i].text, i + 1 == w->ncols);
	} else {
		if (w->format == OUT_JSON && w->list && w->rows == 0)
			out_list_open(w->out);
		if (w->format == OUT_JSON && w->list && w->rows > 0)
			json_text_put(&w->text, ",", 1);
		else if (w->format == OUT_JSON && !w->single && !w->list)
			json_text_put(&w->text, w->rows == 0 ? "[" : ",", 1);
		json_object_row(w, vals);
		if (w->format == OUT_NDJSON || w->single)
			json_text_put(&w->text, "\n", 1);
		st = flush_json(w);
	}
	w->rows++;
	if (sink_flush(w->out) != 0 && st == OUT_OK)
		st = OUT_WRITE;
	return st;
}

out_status rec_finish(rec_writer *w)
{
	if (w->format == OUT_JSON && !w->single)
		sink_puts(w->out, w->rows == 0 ? "[]\n" : "]\n");
	json_text_free(&w->text);
	return sink_flush(w->out) != 0 ? OUT_WRITE : OUT_OK;
}

out_status rec_finish_list(rec_writer *w, const out_summary *summary, const char *one, const char *many)
{
	out_status st = OUT_OK;

	if (w->format == OUT_JSON) {
		if (w->rows == 0)
			out_list_open(w->out);
		st = out_list_close(w->out, summary);
	} else if (w->format == OUT_TABLE) {
		if (w->rows == 0) {
			if (!w->fitted)
				grid_init(&w->grid, w->gcols, w->ncols);
			table_header(w);
		}
		table_write_footer(w->out, w->rows, one, many, summary->has_more,
		                   summary->next_after, w->width);
	} else if (w->format == OUT_CSV && w->rows == 0) {
		csv_header(w);
	}
	json_text_free(&w->text);
	if (sink_flush(w->out) != 0 && st == OUT_OK)
		st = OUT_WRITE;
	return st;
}
