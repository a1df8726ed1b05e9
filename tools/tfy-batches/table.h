/*
 * tfy-batches: the table format, for people.
 */
#ifndef TFY_BATCHES_TABLE_H
#define TFY_BATCHES_TABLE_H

#include <tfy/tfy.h>

#include "text.h"

enum { TABLE_COLUMNS = 6 };

/* Chosen once, before the first row, and kept for every page, so all rows align. */
typedef struct table_layout {
	size_t width[TABLE_COLUMNS];
	int shown[TABLE_COLUMNS];
} table_layout;

/*
 * Widths that fit the header and every row of page (page may be NULL), at
 * least each column's bound (CREATED a whole date, STATUS the longest
 * documented status).  With max_width (a terminal's; 0: no limit) MODEL and
 * ENDPOINT are narrowed, then ENDPOINT, MODEL, PROGRESS, CREATED and STATUS
 * dropped in that order until the table fits; the ID is always shown whole.
 */
void table_layout_fit(table_layout *layout, const tfy_batch_page *page, size_t max_width);

void table_write_header(sink *out, const table_layout *layout);

/*
 * Values wider than their column (at most its cap: 24 for statuses, 40 for
 * endpoints and models) are cut and end in TEXT_CUT_MARK; an id is never
 * cut (see write_cells()).  With color, the status is wrapped in ANSI colour
 * codes (for a terminal).
 */
void table_write_rows(sink *out, const table_layout *layout, const tfy_batch_page *page,
                      int color);

/*
 * The "more available" line of any list, its items named one ("batch") or
 * many ("batches"); prints nothing unless has_more.  next_after is the
 * cursor to suggest, or NULL when the page gave none.
 */
void table_write_footer(sink *out, size_t count, const char *one, const char *many, int has_more,
                        const char *next_after);

#endif
