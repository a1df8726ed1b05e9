/*
 * tfy-batches: the table format, for people.
 */
#ifndef TFY_BATCHES_TABLE_H
#define TFY_BATCHES_TABLE_H

#include <tfy/tfy.h>

#include "grid.h"
#include "text.h"

enum { TABLE_COLUMNS = 6 };

/* Chosen once, before the first row, and kept for every page, so all rows align. */
typedef struct table_layout {
	grid grid;
} table_layout;

/*
 * The status a person is shown (the table, --summary, wait's progress):
 * the library's normalised name ("in_progress" for Bedrock's InProgress
 * and Vertex's JOB_STATE_RUNNING), else the text as sent, else "-".  json,
 * ndjson and csv keep the text as sent.
 */
const char *table_status_text(const tfy_batch *b);

/*
 * A time in seconds as the tables show it: local time, ISO 8601 with the
 * UTC offset ("2024-05-01T14:03:00+02:00"); "-" when absent, the number
 * itself when it is no plausible time.  size at least 32.
 */
void table_time_text(char *buf, size_t size, const tfy_opt_int64 *t);

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
 * cut (see grid_write()).  With color, the status is wrapped in ANSI colour
 * codes (for a terminal).
 */
void table_write_rows(sink *out, const table_layout *layout, const tfy_batch_page *page, int color);

/*
 * The "more available" line of any list, its items named one ("batch") or
 * many ("batches"); prints nothing unless has_more.  next_after is the
 * cursor to suggest, or NULL when the page gave none.  With max_width (0:
 * no limit) a line too long for it puts the cursor on a line of its own;
 * the cursor is never cut.
 */
void table_write_footer(sink *out, size_t count, const char *one, const char *many, int has_more,
                        const char *next_after, size_t max_width);

/*
 * One batch's output and error file ids as "NAME  value" lines, under its
 * row (get, wait, cancel, create): whole, on a line of their own when they
 * do not fit max_width beside their name.
 */
void table_write_files(sink *out, const tfy_batch *b, size_t max_width);

#endif
