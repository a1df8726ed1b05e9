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

static void table_row(rec_writer *w, const rec_val *vals)
{
	const char *cells[GRID_MAX_COLS];
	size_t i;

	for (i = 0; i < w->ncols; i++)
		cells[i] = shown(&vals[i]);
	if (w->rows == 0) {
		grid_init(&w->grid, w->gcols, w->ncols);
		grid_measure(&w->grid, cells);
		/* one record wider than the terminal reads better as lines than with columns dropped */
		w->vertical = w->single && w->width != 0 && grid_total(&w->grid) > w->width;
		if (!w->vertical) {
			grid_fit(&w->grid, w->width);
			grid_write(w->out, &w->grid, NULL, NULL);
		}
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

out_status rec_row(rec_writer *w, const rec_val *vals)
{
	out_status st = OUT_OK;
	size_t i;

	if (w->format == OUT_TABLE) {
		table_row(w, vals);
	} else if (w->format == OUT_IDS) {
		id_row(w, vals);
	} else if (w->format == OUT_CSV) {
		for (i = 0; w->rows == 0 && i < w->ncols; i++)
			csv_write_field(w->out, w->cols[i].name, i + 1 == w->ncols);
		for (i = 0; i < w->ncols; i++)
			csv_write_field(w->out, vals[i].text, i + 1 == w->ncols);
	} else {
		if (w->format == OUT_JSON && !w->single)
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
