/*
 * tfy-batches: the table format, for people.
 */
#include "table.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define ABSENT "-"

/*
 * IDs get the most room because people copy them into --after: 128 columns
 * hold OpenAI ids and whole Bedrock job ARNs, whose distinct part is the end.
 */
#define ID_CAP 128

/*
 * Bounds of what a column holds, so a value on a later page fits the width
 * chosen on the first: a date with its offset ("2024-05-01T14:03:00+02:00";
 * a raw number instead is at most 20 characters), and the longest status
 * the API documents ("in_progress").
 */
#define CREATED_WIDTH 25
#define STATUS_MIN_WIDTH 11

enum { ID_COLUMN, STATUS_COLUMN, CREATED_COLUMN, PROGRESS_COLUMN, ENDPOINT_COLUMN, MODEL_COLUMN };

/*
 * Every value from the server is capped, so that one odd value can neither
 * push every other row off the screen nor, since rows are padded to the
 * widest, multiply the output's size by the number of rows (CREATED and
 * PROGRESS are written here and bounded).  On a terminal too narrow for the
 * table, ENDPOINT and MODEL are narrowed, then ENDPOINT, MODEL, PROGRESS,
 * CREATED and STATUS dropped in that order; the ID stays, whole.
 */
static const grid_col columns[TABLE_COLUMNS] = {
	{ "ID", ID_CAP, 0, 0, 0, 1 },
	{ "STATUS", 24, STATUS_MIN_WIDTH, 0, 7, 0 },
	{ "CREATED", 0, CREATED_WIDTH, 0, 6, 0 },
	{ "PROGRESS", 0, 0, 0, 5, 0 },
	{ "ENDPOINT", 40, 0, 1, 3, 0 },
	{ "MODEL", 40, 0, 2, 4, 0 },
};

typedef struct row {
	const char *cell[TABLE_COLUMNS];
	char created[32];
	char requests[3 * 21 + 3];
} row;

static const char *or_absent(const char *s)
{
	return s != NULL ? s : ABSENT;
}

const char *table_status_text(const tfy_batch *b)
{
	if (b->status != TFY_BATCH_STATUS_UNKNOWN)
		return tfy_batch_status_name(b->status);
	return or_absent(b->status_raw);
}

/*
 * Years outside 1000..9999 are not plausible batch times (milliseconds sent
 * as seconds, garbage) and %Y would not give four digits: the raw number
 * tells the reader more.
 */
void table_time_text(char *buf, size_t size, const tfy_opt_int64 *t)
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

/* ANSI SGR colour of a (normalised) status, NULL for none. */
static const char *status_color(tfy_batch_status status)
{
	switch (status) {
	case TFY_BATCH_STATUS_COMPLETED: return "\033[32m";
	case TFY_BATCH_STATUS_PARTIALLY_COMPLETED: return "\033[33m";
	case TFY_BATCH_STATUS_FAILED:
	case TFY_BATCH_STATUS_EXPIRED: return "\033[31m";
	case TFY_BATCH_STATUS_IN_PROGRESS: return "\033[33m";
	case TFY_BATCH_STATUS_VALIDATING:
	case TFY_BATCH_STATUS_FINALIZING: return "\033[36m";
	case TFY_BATCH_STATUS_CANCELLING:
	case TFY_BATCH_STATUS_CANCELLED: return "\033[35m";
	default: return NULL;
	}
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
	table_time_text(r->created, sizeof r->created, &b->created_at);
	format_requests(r->requests, sizeof r->requests, b->request_counts);
	r->cell[ID_COLUMN] = or_absent(b->id);
	r->cell[STATUS_COLUMN] = table_status_text(b);
	r->cell[CREATED_COLUMN] = r->created;
	r->cell[PROGRESS_COLUMN] = r->requests;
	r->cell[ENDPOINT_COLUMN] = or_absent(b->endpoint);
	r->cell[MODEL_COLUMN] = or_absent(b->model);
}

void table_layout_fit(table_layout *layout, const tfy_batch_page *page, size_t max_width)
{
	size_t i;
	row r;

	grid_init(&layout->grid, columns, TABLE_COLUMNS);
	for (i = 0; page != NULL && i < page->count; i++) {
		row_fill(&r, page->items[i]);
		grid_measure(&layout->grid, r.cell);
	}
	grid_fit(&layout->grid, max_width);
}

void table_write_header(sink *out, const table_layout *layout)
{
	grid_write(out, &layout->grid, NULL, NULL);
}

void table_write_rows(sink *out, const table_layout *layout, const tfy_batch_page *page, int color)
{
	const char *sgr[TABLE_COLUMNS] = { NULL };
	size_t i;
	row r;

	for (i = 0; i < page->count; i++) {
		row_fill(&r, page->items[i]);
		sgr[STATUS_COLUMN] = color ? status_color(page->items[i]->status) : NULL;
		grid_write(out, &layout->grid, r.cell, sgr);
	}
}

void table_write_footer(sink *out, size_t count, const char *one, const char *many, int has_more,
                        const char *next_after, size_t max_width)
{
	static const char hint[] = " (use --after ";
	static const char tail[] = " or --all)";
	static const char split[] = ": use --all, or for the next page";
	char head[64];
	size_t len;

	if (!has_more)
		return;
	len = (size_t)snprintf(head, sizeof head, "%zu %s, more available", count,
	                       count == 1 ? one : many);
	/* A cursor too long for its column would be cut here too: useless to copy. */
	if (next_after == NULL || text_width(next_after) > ID_CAP) {
		grid_put_cell(out, head, max_width);
		if (next_after != NULL)
			grid_put_cell(out, " (use --all, or --format json for the cursor)",
			              max_width > len  ? max_width - len
			              : max_width != 0 ? 1
			                               : 0);
	} else if (max_width == 0 ||
	           len + sizeof hint - 1 + text_width(next_after) + sizeof tail - 1 <= max_width) {
		sink_puts(out, head);
		sink_puts(out, hint);
		text_put(out, next_after, 0);
		sink_puts(out, tail);
	} else {
		/* the cursor on a line of its own, whole, so it can be copied */
		grid_put_cell(out, head, max_width);
		grid_put_cell(out, split, max_width > len ? max_width - len : 1);
		sink_puts(out, "\n  --after ");
		text_put(out, next_after, 0);
	}
	sink_puts(out, "\n");
}

void table_write_files(sink *out, const tfy_batch *b, size_t max_width)
{
	static const grid_col files[] = {
		{ "OUTPUT_FILE", ID_CAP, 0, 0, 0, 1 },
		{ "ERROR_FILE", ID_CAP, 0, 0, 0, 1 },
	};
	const char *cells[] = { or_absent(b->output_file_id), or_absent(b->error_file_id) };

	grid_write_vertical(out, files, 2, cells, max_width);
}
