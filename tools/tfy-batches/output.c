/*
 * tfy-batches: the output formats (table, json, ndjson, csv), the --status
 * filter and the --summary line.
 *
 * The json format is streamed: the list envelope is written around the
 * items by hand; each item is encoded by batch_json.c and the closing
 * members by jansson, so escaping is never done here.
 */
#include "output.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch_json.h"
#include "csv.h"
#include "table.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

int out_format_parse(const char *name, out_format *format)
{
	static const struct {
		const char *name;
		out_format format;
	} known[] = { { "table", OUT_TABLE },
		      { "json", OUT_JSON },
		      { "ndjson", OUT_NDJSON },
		      { "csv", OUT_CSV } };
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcmp(name, known[i].name) == 0) {
			*format = known[i].format;
			return 1;
		}
	}
	return 0;
}

void out_init(out_writer *w, out_format format, sink *out)
{
	memset(w, 0, sizeof *w);
	w->format = format;
	w->out = out;
}

void out_free(out_writer *w)
{
	tally_free(&w->tally);
	json_text_free(&w->text);
}

/*
 * Exact match on the status as sent or as the table shows it (so
 * "in_progress" finds Bedrock's InProgress too); a batch without one
 * matches "-".
 */
static int wanted(const out_writer *w, const tfy_batch *b)
{
	const char *raw = b->status_raw != NULL ? b->status_raw : "-";
	const char *shown = table_status_text(b);
	size_t i;

	if (w->status_count == 0)
		return 1;
	for (i = 0; i < w->status_count; i++)
		if (strcmp(w->statuses[i], raw) == 0 || strcmp(w->statuses[i], shown) == 0)
			return 1;
	return 0;
}

/* Counted under the status the table shows. */
static out_status count_batch(out_writer *w, const tfy_batch *b)
{
	const tfy_batch_request_counts *rc = b->request_counts;

	if (rc != NULL && rc->total.present && rc->total.value > 0 &&
	    w->requests <= INT64_MAX - rc->total.value)
		w->requests += rc->total.value;
	return tally_add(&w->tally, table_status_text(b)) == 0 ? OUT_OK : OUT_NO_MEMORY;
}

static void start(out_writer *w, const tfy_batch_page *page)
{
	if (w->started)
		return;
	w->started = 1;
	if (w->format == OUT_TABLE) {
		table_layout_fit(&w->layout, page, w->width);
		table_write_header(w->out, &w->layout);
	} else if (w->format == OUT_JSON) {
		out_list_open(w->out);
	} else if (w->format == OUT_CSV) {
		csv_write_header(w->out);
	}
}

/* The page's items in one write: each as batch_json.c encodes it. */
static out_status put_items(out_writer *w, const tfy_batch_page *page)
{
	size_t i;

	w->text.len = 0;
	for (i = 0; i < page->count; i++, w->items++) {
		if (w->format == OUT_JSON && w->items > 0)
			json_text_put(&w->text, ",", 1);
		batch_json_append(&w->text, page->items[i]);
		if (w->format == OUT_NDJSON)
			json_text_put(&w->text, "\n", 1);
	}
	if (w->text.oom) {
		json_text_free(&w->text);
		return OUT_NO_MEMORY;
	}
	sink_write(w->out, w->text.data, w->text.len);
	return OUT_OK;
}

/* -q: each id on a line of its own; a batch without one has none to give. */
static void put_ids(out_writer *w, const tfy_batch_page *page)
{
	size_t i;

	for (i = 0; i < page->count; i++, w->items++) {
		if (page->items[i]->id == NULL)
			continue;
		text_put(w->out, page->items[i]->id, 0);
		sink_puts(w->out, "\n");
	}
}

static out_status flushed(out_writer *w, out_status st)
{
	if (st == OUT_OK && sink_flush(w->out) != 0)
		return OUT_WRITE;
	return st;
}

/* The batches of page that pass the filter, as a page of their own in *view. */
static out_status filter(const out_writer *w, const tfy_batch_page *page, tfy_batch_page *view,
                         const tfy_batch **buf)
{
	size_t i;

	*view = *page;
	if (w->status_count == 0)
		return OUT_OK;
	view->count = 0;
	for (i = 0; i < page->count; i++)
		if (wanted(w, page->items[i]))
			buf[view->count++] = page->items[i];
	view->items = view->count > 0 ? buf : NULL;
	return OUT_OK;
}

out_status out_page(out_writer *w, const tfy_batch_page *page)
{
	out_status st = OUT_OK;
	const tfy_batch **buf = NULL;
	tfy_batch_page view;
	size_t i;

	if (w->status_count > 0 && page->count > 0 && (buf = malloc(page->count * sizeof *buf)) == NULL)
		return OUT_NO_MEMORY;
	filter(w, page, &view, buf);
	for (i = 0; w->summary && st == OUT_OK && i < view.count; i++)
		st = count_batch(w, view.items[i]);
	/* A filtered-out page does not fit the table: the first page with rows does. */
	if (st == OUT_OK && (view.count > 0 || w->format != OUT_TABLE))
		start(w, &view);
	if (st != OUT_OK) {
		/* nothing */
	} else if (w->format == OUT_TABLE) {
		table_write_rows(w->out, &w->layout, &view, w->color);
		w->items += view.count;
	} else if (w->format == OUT_IDS) {
		put_ids(w, &view);
	} else if (w->format == OUT_CSV) {
		for (i = 0; i < view.count; i++)
			csv_write_row(w->out, view.items[i]);
		w->items += view.count;
	} else {
		st = put_items(w, &view);
	}
	free(buf);
	return flushed(w, st);
}

/* A line for people: a status longer than this (from the server) is cut. */
#define SUMMARY_STATUS_CAP 64
/* The statuses named; the rest are counted together. */
#define SUMMARY_TOP 10

/*
 * The indexes of the (at most) SUMMARY_TOP statuses with the most batches,
 * most first, ties in the order they first appeared; returns how many.
 * One pass, so a server's 100,000 distinct statuses cost no more than 10
 * comparisons a status.
 */
static size_t top_statuses(const tally *t, size_t top[SUMMARY_TOP])
{
	size_t n = 0, i, k;

	for (i = 0; i < t->len; i++) {
		size_t count = t->entries[i].count;

		for (k = n; k > 0 && t->entries[top[k - 1]].count < count; k--)
			if (k < SUMMARY_TOP)
				top[k] = top[k - 1];
		if (k < SUMMARY_TOP) {
			top[k] = i;
			if (n < SUMMARY_TOP)
				n++;
		}
	}
	return n;
}

/*
 * "summary: 7 batches (3 completed, 2 failed, 2 in_progress), 1234 requests":
 * the ten statuses with the most batches, then "N others" for the batches
 * of the rest; requests the sum of request_counts.total.
 */
static void write_summary(const out_writer *w, sink *out)
{
	size_t top[SUMMARY_TOP], n = top_statuses(&w->tally, top), i, named = 0;
	char num[64];

	snprintf(num, sizeof num, "summary: %zu %s", w->items, w->items == 1 ? "batch" : "batches");
	sink_puts(out, num);
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof num, "%s%zu ", i == 0 ? " (" : ", ",
		         w->tally.entries[top[i]].count);
		sink_puts(out, num);
		text_put_cut(out, w->tally.entries[top[i]].status, SUMMARY_STATUS_CAP);
		named += w->tally.entries[top[i]].count;
	}
	if (w->tally.len > n) {
		snprintf(num, sizeof num, ", %zu others", w->items - named);
		sink_puts(out, num);
	}
	snprintf(num, sizeof num, "%s, %" PRId64 " %s", w->tally.len > 0 ? ")" : "", w->requests,
	         w->requests == 1 ? "request" : "requests");
	sink_puts(out, num);
}

/* The summary on stderr, wrapped to its terminal's width. */
static void say_summary(const out_writer *w)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	sink err, buf;

	sink_init(&err, stderr);
	if (mem == NULL)
		return;
	sink_init(&buf, mem);
	write_summary(w, &buf);
	if (fclose(mem) == 0 && buf.err == 0) {
		text_put_wrapped(&err, text, w->summary_width, 2);
		sink_puts(&err, "\n");
		sink_flush(&err);
	}
	free(text);
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *envelope_tail(const out_summary *s)
{
	json_t *tail = json_object();

	if (tail == NULL)
		return NULL;
	if (json_object_set_new(tail, "first_id", str_or_null(s->first_id)) != 0 ||
	    json_object_set_new(tail, "last_id", str_or_null(s->last_id)) != 0 ||
	    json_object_set_new(tail, "has_more",
	                        s->has_more_present ? json_boolean(s->has_more) : json_null()) != 0) {
		json_decref(tail);
		return NULL;
	}
	return tail;
}

void out_list_open(sink *out)
{
	sink_puts(out, "{\"object\":\"list\",\"data\":[");
}

/*
 * jansson encodes the closing members as an object of their own; dropping
 * its opening brace appends them to the streamed envelope.
 */
out_status out_list_close(sink *out, const out_summary *s)
{
	json_t *tail = envelope_tail(s);
	char *text = tail != NULL ? json_dumps(tail, DUMP_FLAGS) : NULL;

	json_decref(tail);
	if (text == NULL)
		return OUT_NO_MEMORY;
	sink_puts(out, "],");
	sink_puts(out, text + 1);
	sink_puts(out, "\n");
	free(text);
	return OUT_OK;
}

out_status out_finish(out_writer *w, const out_summary *summary)
{
	out_status st = OUT_OK;

	start(w, NULL);
	if (w->format == OUT_JSON)
		st = out_list_close(w->out, summary);
	else if (w->format == OUT_TABLE)
		table_write_footer(w->out, w->items, "batch", "batches", summary->has_more,
		                   summary->next_after, w->width);
	/* On stderr for every format: stdout stays the records and nothing else. */
	if (st == OUT_OK && w->summary && sink_flush(w->out) == 0)
		say_summary(w);
	return flushed(w, st);
}
