/*
 * tfy-batches: the three output formats.
 *
 * The json format is streamed: the list envelope is written around the
 * items by hand, but every value in it, each item and the closing members,
 * is encoded by jansson, so escaping is never done here.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch_json.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

int out_format_parse(const char *name, out_format *format)
{
	static const struct {
		const char *name;
		out_format format;
	} known[] = { { "table", OUT_TABLE }, { "json", OUT_JSON }, { "ndjson", OUT_NDJSON } };
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

/* Consumes value. */
static out_status put_json(sink *out, json_t *value, size_t flags)
{
	char *text = value != NULL ? json_dumps(value, flags) : NULL;

	json_decref(value);
	if (text == NULL)
		return OUT_NO_MEMORY;
	sink_puts(out, text);
	free(text);
	return OUT_OK;
}

static void start(out_writer *w, const tfy_batch_list *page)
{
	if (w->started)
		return;
	w->started = 1;
	if (w->format == OUT_TABLE) {
		table_layout_fit(&w->layout, page);
		table_write_header(w->out, &w->layout);
	} else if (w->format == OUT_JSON) {
		sink_puts(w->out, "{\"object\":\"list\",\"data\":[");
	}
}

static out_status put_items(out_writer *w, const tfy_batch_list *page)
{
	size_t i;

	for (i = 0; i < page->count; i++, w->items++) {
		out_status st;

		if (w->format == OUT_JSON && w->items > 0)
			sink_puts(w->out, ",");
		st = put_json(w->out, batch_to_json(page->items[i]), DUMP_FLAGS);
		if (st != OUT_OK)
			return st;
		if (w->format == OUT_NDJSON)
			sink_puts(w->out, "\n");
	}
	return OUT_OK;
}

static out_status flushed(out_writer *w, out_status st)
{
	if (st == OUT_OK && sink_flush(w->out) != 0)
		return OUT_WRITE;
	return st;
}

out_status out_page(out_writer *w, const tfy_batch_list *page)
{
	out_status st = OUT_OK;

	start(w, page);
	if (w->format == OUT_TABLE) {
		table_write_rows(w->out, &w->layout, page);
		w->items += page->count;
	} else {
		st = put_items(w, page);
	}
	return flushed(w, st);
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

/*
 * jansson encodes the closing members as an object of their own; dropping
 * its opening brace appends them to the streamed envelope.
 */
static out_status finish_json(out_writer *w, const out_summary *s)
{
	json_t *tail = envelope_tail(s);
	char *text = tail != NULL ? json_dumps(tail, DUMP_FLAGS) : NULL;

	json_decref(tail);
	if (text == NULL)
		return OUT_NO_MEMORY;
	sink_puts(w->out, "],");
	sink_puts(w->out, text + 1);
	sink_puts(w->out, "\n");
	free(text);
	return OUT_OK;
}

out_status out_finish(out_writer *w, const out_summary *summary)
{
	out_status st = OUT_OK;

	start(w, NULL);
	if (w->format == OUT_JSON)
		st = finish_json(w, summary);
	else if (w->format == OUT_TABLE)
		table_write_footer(w->out, w->items, summary->has_more, summary->next_after);
	return flushed(w, st);
}
