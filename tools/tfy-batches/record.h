/*
 * tfy-batches: flat records (a file, a result line, run's summary) in the
 * formats, one row at a time.  The first column is the record's id: all
 * that -q (OUT_IDS) prints, one per line.
 */
#ifndef TFY_BATCHES_RECORD_H
#define TFY_BATCHES_RECORD_H

#include <stddef.h>

#include "batch_json.h"
#include "grid.h"
#include "output.h"
#include "text.h"

typedef struct rec_col {
	const char *name; /* the json/ndjson key and csv header; upper-cased in the table */
	size_t cap;       /* table: widest cell, longer values cut with "..."; 0: no limit */
	/* table on a terminal too narrow for it: when narrowed and dropped (see grid_col) */
	unsigned char narrow_step, drop_step;
	/* never cut in the table (an id, a path); see grid_col */
	unsigned char whole;
} rec_col;

typedef struct rec_val {
	const char *text;  /* NULL: absent (null, an empty field, "-" in the table) */
	int json;          /* text is JSON already (a number, a body): written as it is */
	const char *shown; /* table: shown instead of text (a date for seconds); NULL: text */
} rec_val;

typedef struct rec_writer {
	out_format format;
	sink *out;
	const rec_col *cols;
	size_t ncols;
	size_t rows;
	/*
	 * One record (set after rec_init): json an object, not an array; the
	 * table "NAME  value" lines when its row is wider than the terminal.
	 */
	int single;
	int list;     /* json: the items of a list object (out_list_open); set after rec_init */
	int fitted;   /* table: the grid measured by rec_fit before the first row */
	int vertical; /* table: the single record is written as lines */
	size_t width; /* table: the terminal's width, 0 for no limit (rec_init sets it) */
	grid_col gcols[GRID_MAX_COLS];
	char headers[GRID_MAX_COLS][32];
	grid grid; /* table: fitted to the first row */
	json_text text;
} rec_writer;

/*
 * ncols at most 16.  The table is fitted to out's terminal, when it is one.
 * The writer must stay where it is until rec_finish() (its grid points at it).
 */
void rec_init(rec_writer *w, out_format format, sink *out, const rec_col *cols, size_t ncols);

/* One row of ncols values; json: an element of one array.  Flushes. */
out_status rec_row(rec_writer *w, const rec_val *vals);

/*
 * Table: widens the columns to hold this row too (each within its cap),
 * before the first row is written; rows fitted so are not fitted again.
 */
void rec_fit(rec_writer *w, const rec_val *vals);

/* Closes the json array (an empty one when no row came) and frees. */
out_status rec_finish(rec_writer *w);

/*
 * Closes a list (w->list set): json's list object with the summary's
 * members, the table's header when no row came and its "more available"
 * footer (its items named one or many), csv's header when no row came;
 * then frees.
 */
out_status rec_finish_list(rec_writer *w, const out_summary *summary, const char *one,
                           const char *many);

#endif
