/*
 * tfy-batches: the layout every table shares (list's batches, records such
 * as a file, run's summary, results): widths from the header and the rows
 * measured, fitted to a terminal's width by narrowing and dropping columns
 * in a set order, values cut with TEXT_CUT_MARK, an id never cut.
 */
#ifndef TFY_BATCHES_GRID_H
#define TFY_BATCHES_GRID_H

#include <stddef.h>

#include "text.h"

enum {
	GRID_MAX_COLS = 16,
	GRID_GAP = 2,        /* blanks between two columns */
	GRID_NARROW_MIN = 10 /* a column is narrowed to no less (nor less than its header) */
};

typedef struct grid_col {
	const char *name; /* the header, as printed */
	size_t cap;       /* widest a value prints, 0 for no cap */
	size_t min;       /* width at least, so values of later rows fit (0: the header's) */
	/*
	 * On a terminal too narrow for the table, the step (1, 2, ...) at which
	 * this column is narrowed, and the one at which it is dropped; 0: never.
	 * Steps run in order until the table fits.
	 */
	unsigned char narrow_step, drop_step;
	/*
	 * An id: never cut (up to cap).  One wider than its column has the
	 * line to itself; the rest of its row follows under the columns.
	 */
	unsigned char whole;
} grid_col;

typedef struct grid {
	const grid_col *cols; /* borrowed */
	size_t ncols;
	size_t width[GRID_MAX_COLS];
	int shown[GRID_MAX_COLS];
} grid;

/* Widths of the headers (or each column's min), every column shown.  ncols at most 16. */
void grid_init(grid *g, const grid_col *cols, size_t ncols);

/* Widens the columns to fit one row's cells (each within its cap). */
void grid_measure(grid *g, const char *const *cells);

/* Columns the shown columns and the gaps between them take. */
size_t grid_total(const grid *g);

/* Narrows, then drops, columns by their steps until the table fits max_width (0: no limit). */
void grid_fit(grid *g, size_t max_width);

/*
 * One row (or, with cells NULL, the header): each value cut to its column
 * but the whole ones, the last column not padded.  sgr, when not NULL,
 * holds an ANSI colour per column (NULL for none), which takes no columns.
 */
void grid_write(sink *out, const grid *g, const char *const *cells, const char *const *sgr);

/*
 * One record as "NAME  value" lines, for a record wider than the terminal:
 * every column shown, a value cut to max_width (0: no limit) but a whole
 * one, which goes on a line of its own when it does not fit beside its name.
 */
void grid_write_vertical(sink *out, const grid_col *cols, size_t ncols, const char *const *cells,
                         size_t max_width);

/* text_put() of s within limit columns (0: none), cut with TEXT_CUT_MARK; the columns written. */
size_t grid_put_cell(sink *out, const char *s, size_t limit);

#endif
