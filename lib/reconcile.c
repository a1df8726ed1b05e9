/*
 * Reconciling a create whose outcome is unknown: the request went out and
 * no certain answer came (tfy__attempt_verdict), so the batch may exist.
 * Rather than send it again (a second job, billed twice), look among the
 * newest batches, with the List endpoint's own code, for the one it
 * created: what the create asked for, created during the call, in a state
 * a batch can be in moments after its creation.
 */
#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "batches_internal.h"
#include "error_internal.h"
#include "jobs_internal.h"

/* The given metadata pairs, and no others, on the batch. */
static int same_metadata(const tfy_batch *b, const tfy_pair *m, size_t n)
{
	if (b->metadata_count != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < n && (strcmp(b->metadata[j]->key, m[i].name) != 0 || !b->metadata[j]->value ||
		                 strcmp(b->metadata[j]->value, m[i].value) != 0))
			j++;
		if (j == n)
			return 0;
	}
	return 1;
}

static int same_text(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* What the batch the create made looks like. */
typedef struct wanted {
	const tfy_batches_create_options *o;
	const char *window;   /* the completion_window sent */
	int64_t since, until; /* created_at bounds, Unix seconds */
} wanted;

/*
 * The states a batch can be in moments after its creation: validating, in
 * progress (validated), failed during validation (it never ran), or a state
 * this version does not know.  A batch finalizing, completed, expired,
 * cancelling or cancelled, or failed after it ran, is older than the call.
 */
static int fresh_state(const tfy_batch *b)
{
	switch (b->status) {
	case TFY_BATCH_STATUS_UNKNOWN:
	case TFY_BATCH_STATUS_VALIDATING:
	case TFY_BATCH_STATUS_IN_PROGRESS: return 1;
	case TFY_BATCH_STATUS_FAILED: return !b->in_progress_at.present;
	default: return 0;
	}
}

/* Whether b is what the create asked for, created within the call's bounds. */
static int is_created_batch(const tfy_batch *b, const wanted *w)
{
	const tfy_batches_create_options *o = w->o;
	return b->created_at.present && b->created_at.value >= w->since &&
	       b->created_at.value <= w->until && fresh_state(b) &&
	       (!b->completion_window || strcmp(b->completion_window, w->window) == 0) &&
	       same_text(b->input_file_id, o->input_file_id) && same_text(b->endpoint, o->endpoint) &&
	       same_metadata(b, o->metadata, o->metadata_count);
}

typedef struct search {
	const tfy_batch *found; /* borrowed from page */
	int older_seen;         /* a batch older than since: the newest-first list has passed it */
	size_t read;            /* batches looked at */
} search;

static void scan_page(const tfy_batch_page *page, const wanted *w, search *s)
{
	for (size_t i = 0; i < page->count && !s->found; i++) {
		const tfy_batch *b = page->items[i];
		s->read++;
		if (is_created_batch(b, w))
			s->found = b;
		else if (b->created_at.present && b->created_at.value < w->since)
			s->older_seen = 1;
	}
}

/* The next page's cursor: the id of the page's last batch, copied; NULL when there is none. */
static char *next_cursor(const tfy_batch_page *page, int *oom)
{
	const char *last = page->count ? page->items[page->count - 1]->id : NULL;
	if (!page->has_more || !last)
		return NULL;
	char *copy = tfy__strdup(last);
	*oom = !copy;
	return copy;
}

/* Reads up to TFY_RECONCILE_PAGES_MAX pages; *found is a batch owned by the caller, or NULL. */
static tfy_code search_pages(tfy_client *client, tfy_batches_list_options *lo, const tfy__call *call,
                             const wanted *w, tfy_batch **found, size_t *read, tfy_error **e)
{
	search s = { NULL, 0, 0 };
	char *cursor = NULL;
	tfy_code rc = TFY_OK;
	for (int n = 0; n < TFY_RECONCILE_PAGES_MAX && rc == TFY_OK; n++) {
		tfy_batch_page *page = NULL;
		lo->after = cursor;
		rc = tfy__batches_page(client, lo, call, NULL, &page, e);
		tfy__free(cursor);
		cursor = NULL;
		if (rc != TFY_OK)
			break;
		scan_page(page, w, &s);
		int oom = 0;
		if (s.found && !(*found = tfy_batch_dup(s.found)))
			oom = 1;
		else if (!s.found && !s.older_seen)
			cursor = next_cursor(page, &oom);
		tfy_batch_page_free(page);
		if (oom)
			rc = tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
		if (s.found || !cursor)
			break;
	}
	tfy__free(cursor);
	*read = s.read;
	return rc;
}

tfy_code tfy__create_reconcile(tfy_client *client, const tfy_batches_create_options *o,
                               int64_t started, int64_t ended, tfy_batch **out, tfy_error **e)
{
	const wanted w = { o, o->completion_window ? o->completion_window : TFY_COMPLETION_WINDOW_DEFAULT,
		           started - TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS,
		           ended + TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS };
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = TFY_BATCHES_LIMIT_MAX;
	lo.request = o->request;
	const tfy__options_pair pair = tfy__endpoint_pair(client, lo.request);
	const tfy__call call = tfy__call_start(client, &pair);
	/* A cancelled call would fail the search at once: say so instead. */
	if (tfy__call_cancelled(&call))
		return tfy__create_not_reconciled(o, "the call was cancelled", e);
	tfy_batch *found = NULL;
	tfy_error *le = NULL;
	size_t read = 0;
	tfy_code rc = search_pages(client, &lo, &call, &w, &found, &read, &le);
	if (found) {
		tfy__log(&client->log, TFY_LOG_INFO,
		         "the create of a batch from input file %s had no certain outcome; found it "
		         "among the newest batches: %s",
		         o->input_file_id, found->id ? found->id : "-");
		tfy_error_free(*e);
		*e = NULL;
		*out = found;
		return TFY_OK;
	}
	/* Even when memory ran out looking, what the caller most needs is that the batch may exist. */
	if (!*e || *e == tfy__error_out_of_memory()) {
		tfy_error_free(le);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	int fail = rc == TFY_OK
	                 ? tfy__error_reformat(*e,
	                                       "%s; no batch from input file %s for %s created during the "
	                                       "call is among the %zu newest, but it may still exist: list "
	                                       "the batches before creating it again",
	                                       (*e)->message, o->input_file_id, o->endpoint, read)
	                 : tfy__error_reformat(*e,
	                                       "%s; looking for it among the newest batches failed (%s): a "
	                                       "batch from input file %s may exist: list the batches before "
	                                       "creating it again",
	                                       (*e)->message, le ? le->message : "out of memory",
	                                       o->input_file_id);
	tfy_error_free(le);
	return fail < 0 ? TFY_ERROR_OUT_OF_MEMORY : TFY_ERROR_OUTCOME_UNKNOWN;
}

tfy_code tfy__create_not_reconciled(const tfy_batches_create_options *o, const char *why, tfy_error **e)
{
	if (!*e || *e == tfy__error_out_of_memory())
		return TFY_ERROR_OUT_OF_MEMORY;
	return tfy__error_reformat(*e,
	                           "%s; a batch from input file %s may exist (not looked for: "
	                           "%s): list the batches before creating it again",
	                           (*e)->message, o->input_file_id, why) < 0
	             ? TFY_ERROR_OUT_OF_MEMORY
	             : TFY_ERROR_OUTCOME_UNKNOWN;
}
