/*
 * tfy-batches: the table format, for people.
 */
#ifndef TFY_BATCHES_TABLE_H
#define TFY_BATCHES_TABLE_H

#include <tfy/tfy.h>

#include "text.h"

enum { TABLE_COLUMNS = 6 };

typedef struct table_layout {
	size_t width[TABLE_COLUMNS];
} table_layout;

/* Widths that fit the header and every row of page (page may be NULL). */
void table_layout_fit(table_layout *layout, const tfy_batch_page *page);

void table_write_header(sink *out, const table_layout *layout);

/*
 * Values from the server wider than their column's cap (128 columns for ids,
 * 24 for statuses, 40 for endpoints and models) are cut and end in
 * TEXT_CUT_MARK.  With color, the status is wrapped in ANSI colour codes (for
 * a terminal).
 */
void table_write_rows(sink *out, const table_layout *layout, const tfy_batch_page *page,
                      int color);

/*
 * The "more available" line; prints nothing unless has_more.  next_after is
 * the cursor to suggest, or NULL when the page gave none.
 */
void table_write_footer(sink *out, size_t count, int has_more, const char *next_after);

#endif
