/*
 * tfy-batches: flat records in the four formats.  Values from the server
 * go through text_put() in the table, so they cannot drive the terminal.
 */
#include "record.h"

#include <ctype.h>
#include <string.h>

#include "csv.h"

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

/* Column widths from the header and the first row, each within its cap. */
static void fit(rec_writer *w, const rec_val *vals)
{
	size_t i;

	for (i = 0; i < w->ncols; i++) {
		size_t cell = text_width(shown(&vals[i])), head = strlen(w->cols[i].name);
		size_t width = cell > head ? cell : head;

		if (w->cols[i].cap != 0 && width > w->cols[i].cap)
			width = w->cols[i].cap;
		w->width[i] = width < head ? head : width;
	}
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

out_status rec_row(rec_writer *w, const rec_val *vals)
{
	out_status st = OUT_OK;
	size_t i;

	if (w->format == OUT_TABLE) {
		if (w->rows == 0) {
			fit(w, vals);
			table_cells(w, vals, 1);
		}
		table_cells(w, vals, 0);
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
