/*
 * tfy-batches: the three output formats behind one streaming interface, so
 * a whole --all walk is printed page by page and never held in memory.
 */
#ifndef TFY_BATCHES_OUTPUT_H
#define TFY_BATCHES_OUTPUT_H

#include <stdint.h>

#include <tfy/tfy.h>

#include "batch_json.h"
#include "table.h"
#include "tally.h"
#include "text.h"

typedef enum out_format {
	OUT_TABLE,
	OUT_JSON,
	OUT_NDJSON,
	OUT_CSV,
	/*
	 * -q, --quiet: the ids alone, one per line, nothing else on stdout (as
	 * docker ps -q), for scripts that chain commands.  Every writer takes
	 * it: this one prints each batch's id, record.c the column marked id.
	 */
	OUT_IDS
} out_format;

typedef enum out_status {
	OUT_OK,
	OUT_NO_MEMORY, /* jansson could not build or encode a value */
	OUT_WRITE      /* the sink failed; its err says why */
} out_status;

/* What closes the output: the list envelope (json) or the footer (table). */
typedef struct out_summary {
	const char *first_id; /* NULL prints null */
	const char *last_id;  /* NULL prints null */
	int32_t has_more;
	int32_t has_more_present; /* 0 prints null */
	const char *next_after;   /* cursor the table footer suggests, or NULL */
} out_summary;

typedef struct out_writer {
	out_format format;
	sink *out;
	int started;                 /* the header or the list opening was written */
	size_t items;                /* batches written so far */
	table_layout layout;         /* fitted to the first page with rows, kept for the rest */
	int color;                   /* table: colour the status column */
	size_t width;                /* table: the terminal's width, 0 for no limit */
	const char *const *statuses; /* --status filter (borrowed); none: every batch */
	size_t status_count;
	int summary;          /* --summary: a final line of counts, on stderr */
	size_t summary_width; /* --summary: stderr's terminal width, 0 for no limit */
	tally tally;          /* --summary: batches per status */
	int64_t requests;     /* sum of request_counts.total of the batches written */
	json_text text;       /* json and ndjson: a page's items, reused page to page */
} out_writer;

/* "table", "json", "ndjson" or "csv"; returns 0 for any other name. */
int out_format_parse(const char *name, out_format *format);

void out_init(out_writer *w, out_format format, sink *out);

/* Frees the --summary tally. */
void out_free(out_writer *w);

/*
 * Writes the batches of one page that pass the --status filter and flushes,
 * so output keeps up with the pages.
 */
out_status out_page(out_writer *w, const tfy_batch_page *page);

/*
 * Closes the output after the last page; then the --summary line, on
 * stderr for every format, so that stdout holds the records alone: the ten
 * statuses with the most batches and how many others, wrapped to
 * summary_width.
 */
out_status out_finish(out_writer *w, const out_summary *summary);

/*
 * The json format's list object around items the caller writes between
 * the two (comma-separated): its opening, then its closing members
 * (first_id, last_id, has_more) and a newline.  For every list.
 */
void out_list_open(sink *out);
out_status out_list_close(sink *out, const out_summary *summary);

#endif
