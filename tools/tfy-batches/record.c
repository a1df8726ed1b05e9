/*
 * tfy-batches: flat records in the four formats.  Values from the server
 * go through text_put() in the table, so they cannot drive the terminal.
 */
#include "record.h"

#include <ctype.h>
#include <string.h>

#include "csv.h"
#include "table.h"

void rec_init(rec_writer *w, out_format format, sink *out, const rec_col *cols, size_t ncols)
{
	memset(w, 0, sizeof *w);
	w->format = format;
	w->out = out;
	w->cols = cols;
	w->ncols = ncols < 16 ? ncols : 16;
}

static const char *shown(const rec_val *v)
{
	return v->text != NULL ? v->text : "-";
}

/* Widens the columns to hold vals (NULL: the header alone), each within its cap. */
static void widen(rec_writer *w, const rec_val *vals)
{
	size_t i;

	for (i = 0; i < w->ncols; i++) {
		size_t head = strlen(w->cols[i].name);
		size_t cell = vals != NULL ? text_width(shown(&vals[i])) : 0;
		size_t width = cell > w->width[i] ? cell : w->width[i];

		if (w->cols[i].cap != 0 && width > w->cols[i].cap)
			width = w->cols[i].cap;
		w->width[i] = width < head ? head : width;
	}
}

/* Column widths from the header and the first row, each within its cap. */
static void fit(rec_writer *w, const rec_val *vals)
{
	memset(w->width, 0, sizeof w->width);
	widen(w, vals);
}

void rec_fit(rec_writer *w, const rec_val *vals)
{
	if (w->rows == 0)
		widen(w, vals);
	w->fitted = 1;
}

static void table_cells(rec_writer *w, const rec_val *vals, int header)
{
	size_t i;

	for (i = 0; i < w->ncols; i++) {
		size_t used;

		if (header) {
			const char *p;

			for (p = w->cols[i].name; *p; p++) {
				char c = (char)toupper((unsigned char)*p);

				sink_write(w->out, &c, 1);
			}
			used = strlen(w->cols[i].name);
		} else {
			used = text_put_cut(w->out, shown(&vals[i]), w->width[i] > 3 ? w->width[i] : 0);
		}
		if (i + 1 < w->ncols)
			sink_spaces(w->out, (w->width[i] > used ? w->width[i] - used : 0) + 2);
	}
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
		if (w->rows == 0) {
			if (!w->fitted)
				fit(w, vals);
			table_cells(w, vals, 1);
		}
		table_cells(w, vals, 0);
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

out_status rec_finish_list(rec_writer *w, const out_summary *summary, const char *one,
                           const char *many)
{
	out_status st = OUT_OK;

	if (w->format == OUT_JSON) {
		if (w->rows == 0)
			out_list_open(w->out);
		st = out_list_close(w->out, summary);
	} else if (w->format == OUT_TABLE) {
		if (w->rows == 0) {
			if (!w->fitted)
				fit(w, NULL);
			table_cells(w, NULL, 1);
		}
		table_write_footer(w->out, w->rows, one, many, summary->has_more, summary->next_after);
	} else if (w->format == OUT_CSV && w->rows == 0) {
		csv_header(w);
	}
	json_text_free(&w->text);
	if (sink_flush(w->out) != 0 && st == OUT_OK)
		st = OUT_WRITE;
	return st;
}
