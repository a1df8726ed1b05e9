/*
 * tfy-batches: the table format, for people.
 */
#include "table.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define ABSENT "-"
#define COLUMN_GAP 2

static const char *const column_name[TABLE_COLUMNS] = {
	"ID", "STATUS", "CREATED", "PROGRESS", "ENDPOINT", "MODEL"
};
enum { ID_COLUMN, STATUS_COLUMN, CREATED_COLUMN, PROGRESS_COLUMN, ENDPOINT_COLUMN, MODEL_COLUMN };

/*
 * Bounds of what a column holds, so a value on a later page fits the width
 * chosen on the first: a date with its offset ("2024-05-01T14:03:00+02:00";
 * a raw number instead is at most 20 characters), and the longest status
 * the API documents ("in_progress").
 */
#define CREATED_WIDTH 25
#define STATUS_MIN_WIDTH 11

/* On a terminal too narrow for the table: these are narrowed, to no less than this ... */
#define NARROW_MIN 10
static const int narrowed_first[] = { ENDPOINT_COLUMN, MODEL_COLUMN };
/* ... then these dropped, in this order.  The ID stays, whole. */
static const int dropped_next[] = { ENDPOINT_COLUMN, MODEL_COLUMN, PROGRESS_COLUMN, CREATED_COLUMN,
                                    STATUS_COLUMN };

/*
 * Widest a value may print, 0 for no cap (CREATED and PROGRESS are written
 * here and bounded).  Every value from the server is capped, so that one odd
 * value can neither push every other row off the screen nor, since rows are
 * padded to the widest, multiply the output's size by the number of rows.
 * IDs get the most room because people copy them into --after: 128 columns
 * hold OpenAI ids and whole Bedrock job ARNs, whose distinct part is the end.
 */
#define ID_CAP 128
static const size_t column_cap[TABLE_COLUMNS] = { ID_CAP, 24, 0, 0, 40, 40 };

typedef struct row {
	const char *cell[TABLE_COLUMNS];
	char created[32];
	char requests[3 * 21 + 3];
} row;

static const char *or_absent(const char *s)
{
	return s != NULL ? s : ABSENT;
}

/*
 * Local time, ISO 8601 with the UTC offset ("2024-05-01T14:03:00+02:00").
 * Years outside 1000..9999 are not plausible batch times (milliseconds sent
 * as seconds, garbage) and %Y would not give four digits: the raw number
 * tells the reader more.
 */
static void format_created(char *buf, size_t size, const tfy_opt_int64 *t)
{
	time_t secs = (time_t)t->value;
	struct tm tm;
	size_t n;

	if (!t->present) {
		snprintf(buf, size, "%s", ABSENT);
		return;
	}
	if ((int64_t)secs != t->value || localtime_r(&secs, &tm) == NULL ||
	    tm.tm_year < 1000 - 1900 || tm.tm_year > 9999 - 1900 ||
	    (n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm)) == 0 || n + 2 > size) {
		snprintf(buf, size, "%" PRId64, t->value);
		return;
	}
	/* %z gives +hhmm; ISO 8601's extended format wants +hh:mm */
	if (n >= 5 && (buf[n - 5] == '+' || buf[n - 5] == '-')) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
}

/* ANSI SGR colour of a status, NULL for none. */
static const char *status_color(const char *status)
{
	static const struct {
		const char *status;
		const char *sgr;
	} colors[] = {
		{ "completed", "\033[32m" },   { "failed", "\033[31m" },
		{ "expired", "\033[31m" },     { "in_progress", "\033[33m" },
		{ "validating", "\033[36m" },  { "finalizing", "\033[36m" },
		{ "cancelling", "\033[35m" },  { "cancelled", "\033[35m" },
	};
	size_t i;

	for (i = 0; i < sizeof colors / sizeof colors[0]; i++)
		if (strcmp(status, colors[i].status) == 0)
			return colors[i].sgr;
	return NULL;
}

static const char *count_text(char *buf, size_t size, const tfy_opt_int64 *v)
{
	if (!v->present)
		return ABSENT;
	snprintf(buf, size, "%" PRId64, v->value);
	return buf;
}

static void format_requests(char *buf, size_t size, const tfy_batch_request_counts *rc)
{
	char done[21], failed[21], total[21];

	if (rc == NULL) {
		snprintf(buf, size, "%s", ABSENT);
		return;
	}
	snprintf(buf, size, "%s/%s/%s", count_text(done, sizeof done, &rc->completed),
	         count_text(failed, sizeof failed, &rc->failed),
	         count_text(total, sizeof total, &rc->total));
}

static void row_fill(row *r, const tfy_batch *b)
{
	format_created(r->created, sizeof r->created, &b->created_at);
	format_requests(r->requests, sizeof r->requests, b->request_counts);
	r->cell[0] = or_absent(b->id);
	r->cell[1] = or_absent(b->status_raw);
	r->cell[2] = r->created;
	r->cell[3] = r->requests;
	r->cell[4] = or_absent(b->endpoint);
	r->cell[5] = or_absent(b->model);
}

static size_t cell_width(const char *s, size_t col)
{
	size_t w = text_width(s);

	return column_cap[col] != 0 && w > column_cap[col] ? column_cap[col] : w;
}

/* Columns the shown columns and the gaps between them take. */
static size_t layout_total(const table_layout *layout)
{
	size_t col, total = 0, shown = 0;

	for (col = 0; col < TABLE_COLUMNS; col++) {
		if (layout->shown[col]) {
			total += layout->width[col];
			shown++;
		}
	}
	return total + (shown > 0 ? (shown - 1) * COLUMN_GAP : 0);
}

/* Narrows, then drops, the columns of least use until the table fits max_width. */
static void layout_fit_width(table_layout *layout, size_t max_width)
{
	size_t i, total;

	for (i = 0; i < sizeof narrowed_first / sizeof narrowed_first[0]; i++) {
		size_t *w = &layout->width[narrowed_first[i]];

		total = layout_total(layout);
		if (total > max_width && *w > NARROW_MIN)
			*w -= total - max_width < *w - NARROW_MIN ? total - max_width : *w - NARROW_MIN;
	}
	for (i = 0; i < sizeof dropped_next / sizeof dropped_next[0]; i++)
		if (layout_total(layout) > max_width)
			layout->shown[dropped_next[i]] = 0;
}

void table_layout_fit(table_layout *layout, const tfy_batch_page *page, size_t max_width)
{
	size_t col, i;
	row r;

	for (col = 0; col < TABLE_COLUMNS; col++) {
		layout->width[col] = text_width(column_name[col]);
		layout->shown[col] = 1;
	}
	layout->width[CREATED_COLUMN] = CREATED_WIDTH;
	layout->width[STATUS_COLUMN] = STATUS_MIN_WIDTH;
	for (i = 0; page != NULL && i < page->count; i++) {
		row_fill(&r, page->items[i]);
		for (col = 0; col < TABLE_COLUMNS; col++) {
			size_t w = cell_width(r.cell[col], col);

			if (w > layout->width[col])
				layout->width[col] = w;
		}
	}
	if (max_width != 0)
		layout_fit_width(layout, max_width);
}

/* The last shown column, which is not padded. */
static size_t last_shown(const table_layout *layout)
{
	size_t col = TABLE_COLUMNS;

	while (col > 0 && !layout->shown[col - 1])
		col--;
	return col > 0 ? col - 1 : 0;
}

/*
 * The last column is not padded: trailing blanks only get in the way of copy
 * and paste.  Colour codes take no columns, so they do not change the padding.
 * Every value is cut to its column's width but the ID, which is never cut: an
 * ID wider than its column (from a later page) has the line to itself, and
 * the rest of its row follows on the next line, under its columns.
 */
static void write_cells(sink *out, const table_layout *layout, const char *const *cells,
                        int color)
{
	size_t col, last = last_shown(layout);

	for (col = 0; col <= last; col++) {
		const char *sgr = color && col == STATUS_COLUMN ? status_color(cells[col]) : NULL;
		size_t cols;

		if (!layout->shown[col])
			continue;
		if (sgr != NULL)
			sink_puts(out, sgr);
		if (col == ID_COLUMN) /* the cap only: no real id is that wide */
			cols = text_put_cut(out, cells[col], ID_CAP);
		else
			cols = text_put_cut(out, cells[col], layout->width[col]);
		if (sgr != NULL)
			sink_puts(out, "\033[0m");

		if (col == last)
			break;
		if (cols > layout->width[col]) {
			sink_puts(out, "\n");
			cols = 0;
		}
		sink_spaces(out, layout->width[col] - cols + COLUMN_GAP);
	}
	sink_puts(out, "\n");
}

void table_write_header(sink *out, const table_layout *layout)
{
	write_cells(out, layout, column_name, 0);
}

void table_write_rows(sink *out, const table_layout *layout, const tfy_batch_page *page,
                      int color)
{
	size_t i;
	row r;

	for (i = 0; i < page->count; i++) {
		row_fill(&r, page->items[i]);
		write_cells(out, layout, r.cell, color);
	}
}

void table_write_footer(sink *out, size_t count, const char *one, const char *many, int has_more,
                        const char *next_after)
{
	char head[64];

	if (!has_more)
		return;
	snprintf(head, sizeof head, "%zu %s, more available", count, count == 1 ? one : many);
	sink_puts(out, head);
	/* A cursor too long for its column would be cut here too: useless to copy. */
	if (next_after != NULL && text_width(next_after) <= ID_CAP) {
		sink_puts(out, " (use --after ");
		text_put(out, next_after, 0);
		sink_puts(out, " or --all)");
	} else if (next_after != NULL) {
		sink_puts(out, " (use --all, or --format json for the cursor)");
	}
	sink_puts(out, "\n");
}
