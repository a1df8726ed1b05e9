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

typedef tfy__reconcile_wanted wanted;

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

/* The page's batch the create made (borrowed), or NULL; r->older_seen and r->read updated. */
static const tfy_batch *scan_page(const tfy_batch_page *page, tfy__reconcile *r)
{
	for (size_t i = 0; i < page->count; i++) {
		const tfy_batch *b = page->items[i];
		r->read++;
		if (is_created_batch(b, &r->w))
			return b;
		if (b->created_at.present && b->created_at.value < r->w.since)
			r->older_seen = 1;
	}
	return NULL;
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

tfy_code tfy__reconcile_begin(tfy__reconcile *r, tfy_client *client,
                              const tfy_batches_create_options *o, int64_t started, int64_t ended,
                              tfy_error **e)
{
	memset(r, 0, sizeof(*r));
	r->w = (wanted){ o, o->completion_window ? o->completion_window : TFY_COMPLETION_WINDOW_DEFAULT,
		         started - TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS,
		         ended + TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS };
	const tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	r->lo = lo;
	r->lo.limit = TFY_BATCHES_LIMIT_MAX;
	r->lo.request = o->request;
	const tfy__options_pair pair = tfy__endpoint_pair(client, r->lo.request);
	r->call = tfy__call_start(client, &pair);
	/* A cancelled call would fail the search at once: say so instead. */
	if (tfy__call_cancelled(&r->call))
		return tfy__create_not_reconciled(o, "the call was cancelled", e);
	return TFY_OK;
}

int tfy__reconcile_page(tfy__reconcile *r, tfy_code rc, tfy_batch_page *page, tfy_error *le)
{
	tfy__free(r->cursor);
	r->cursor = NULL;
	r->lo.after = NULL;
	r->pages++;
	r->rc = rc;
	tfy_error_free(r->le);
	r->le = le;
	if (rc != TFY_OK || !page)
		return 0;
	const tfy_batch *found = scan_page(page, r);
	int oom = 0;
	if (found && !(r->found = tfy_batch_dup(found)))
		oom = 1;
	else if (!found && !r->older_seen)
		r->cursor = next_cursor(page, &oom);
	tfy_batch_page_free(page);
	if (oom) {
		r->rc = tfy__error_set(&r->le, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
		return 0;
	}
	r->lo.after = r->cursor;
	return !r->found && r->cursor && r->pages < TFY_RECONCILE_PAGES_MAX;
}

tfy_code tfy__reconcile_end(tfy__reconcile *r, tfy_client *client, tfy_batch **out, tfy_error **e)
{
	const tfy_batches_create_options *o = r->w.o;
	tfy_batch *found = r->found;
	tfy_error *le = r->le;
	tfy__free(r->cursor);
	r->cursor = NULL;
	r->found = NULL;
	r->le = NULL;
	if (found) {
		tfy__log(&client->log, TFY_LOG_INFO,
		         "the create of a batch from input file %s had no certain outcome; found it "
		         "among the newest batches: %s",
		         o->input_file_id, found->id ? found->id : "-");
		tfy_error_free(le);
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
	int fail = r->rc == TFY_OK
	                 ? tfy__error_reformat(*e,
	                                       "%s; no batch from input file %s for %s created during the "
	                                       "call is among the %zu newest, but it may still exist: list "
	                                       "the batches before creating it again",
	                                       (*e)->message, o->input_file_id, o->endpoint, r->read)
	                 : tfy__error_reformat(*e,
	                                       "%s; looking for it among the newest batches failed (%s): a "
	                                       "batch from input file %s may exist: list the batches before "
	                                       "creating it again",
	                                       (*e)->message, le ? le->message : "out of memory",
	                                       o->input_file_id);
	tfy_error_free(le);
	return fail < 0 ? TFY_ERROR_OUT_OF_MEMORY : TFY_ERROR_OUTCOME_UNKNOWN;
}

tfy_code tfy__create_reconcile(tfy_client *client, const tfy_batches_create_options *o,
                               int64_t started, int64_t ended, tfy_batch **out, tfy_error **e)
{
	tfy__reconcile r;
	tfy_code rc = tfy__reconcile_begin(&r, client, o, started, ended, e);
	if (rc != TFY_OK)
		return rc;
	for (;;) {
		tfy_batch_page *page = NULL;
		tfy_error *le = NULL;
		rc = tfy__batches_page(client, &r.lo, &r.call, NULL, &page, &le);
		if (!tfy__reconcile_page(&r, rc, page, le))
			break;
	}
	return tfy__reconcile_end(&r, client, out, e);
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
