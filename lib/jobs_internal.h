/*
 * What the calls of a batch job share: a wait's poll of one batch, and
 * reconciling an ambiguous create.  Internal to libtfy.
 */
#ifndef TFY_JOBS_INTERNAL_H
#define TFY_JOBS_INTERNAL_H

#include <stdint.h>

#include "endpoint.h"
#include "tfy/async.h"
#include "tfy/batches.h"
#include "tfy/jobs.h"

/*
 * Retrieves a batch under the call's context and options (read already),
 * as a wait polls it: *out a batch that owns itself, *retry_after_ms the
 * delay its answer asked for (Retry-After, retry-after-ms), -1 when none.
 * Errors as tfy__endpoint_run.
 */
tfy_code tfy__batch_poll(tfy_client *client, const char *batch_id, const tfy__options_pair *pair,
                         const tfy__call *call, tfy_batch **out, int64_t *retry_after_ms,
                         tfy_error **err);

/* A poll's result (the decoded answer, taken) as tfy__batch_poll gives it. */
void tfy__batch_polled_take(void *got, tfy_batch **out, int64_t *retry_after_ms);

/* Whether a poll's request can be built (the id, the options): TFY_OK or the error in *e. */
tfy_code tfy__batch_poll_check(tfy_client *client, const char *batch_id,
                               const tfy__options_pair *pair, tfy_error **e);

/*
 * A poll as an op of an async call (async_internal.h): its result, for
 * tfy__batch_polled_take, goes to the call's step.  0, or -1 when memory
 * runs out.
 */
int tfy__batch_poll_op(tfy_async_call *c, const char *batch_id, const tfy__options_pair *pair,
                       const tfy__call *call);

/*
 * After a create whose outcome is unknown (*e says so, finished): looks
 * among the newest batches for the one it may have created: same
 * input_file_id, endpoint and metadata, the same completion_window when the
 * batch shows one, created_at from started less
 * TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS to ended plus that tolerance (the
 * create's start and end, Unix seconds), and in a state a batch has moments after its creation
 * (validating, in_progress, failed without having run, or a state this
 * version does not know).  Found: TFY_OK, *out set, *e freed and NULL.
 * Else TFY_ERROR_OUTCOME_UNKNOWN with *e's message saying what may exist
 * (or TFY_ERROR_OUT_OF_MEMORY).  Nothing is looked for when the call's
 * cancel callback says stop.  o is checked, o->request read.
 */
tfy_code tfy__create_reconcile(tfy_client *client, const tfy_batches_create_options *o,
                               int64_t started, int64_t ended, tfy_batch **out, tfy_error **e);

/*
 * The search of tfy__create_reconcile as steps, for both drivers: begin,
 * then each page of r->lo (under r->call) fetched and given to
 * tfy__reconcile_page until it returns 0, then tfy__reconcile_end.
 */
typedef struct tfy__reconcile_wanted {
	const tfy_batches_create_options *o;
	const char *window;   /* the completion_window sent */
	int64_t since, until; /* created_at bounds, Unix seconds */
} tfy__reconcile_wanted;

typedef struct tfy__reconcile {
	tfy__reconcile_wanted w;     /* what the batch the create made looks like */
	tfy_batches_list_options lo; /* the next page's options */
	tfy__call call;              /* the search's context */
	char *cursor;                /* lo.after, owned */
	int pages;                   /* pages read */
	int older_seen; /* a batch older than since: the newest-first list has passed it */
	size_t read;    /* batches looked at */
	tfy_batch *found;
	tfy_code rc;   /* the last page's */
	tfy_error *le; /* its error */
} tfy__reconcile;

/*
 * Begins the search (o and o->request as tfy__create_reconcile takes them,
 * borrowed until the end): TFY_OK to fetch r->lo, else the result (the
 * call was cancelled: not reconciled).
 */
tfy_code tfy__reconcile_begin(tfy__reconcile *r, tfy_client *client,
                              const tfy_batches_create_options *o, int64_t started, int64_t ended,
                              tfy_error **e);

/* A page's answer (page and le taken): 1 when r->lo is the next page to fetch, 0 when over. */
int tfy__reconcile_page(tfy__reconcile *r, tfy_code rc, tfy_batch_page *page, tfy_error *le);

/* The search's result, as tfy__create_reconcile returns it; r holds nothing after. */
tfy_code tfy__reconcile_end(tfy__reconcile *r, tfy_client *client, tfy_batch **out, tfy_error **e);

/*
 * After a create whose outcome is unknown, not reconciled (why: static
 * text, e.g. "reconcile is off"): *e's message names the input file whose
 * batch may exist.  TFY_ERROR_OUTCOME_UNKNOWN (or TFY_ERROR_OUT_OF_MEMORY).
 */
tfy_code tfy__create_not_reconciled(const tfy_batches_create_options *o, const char *why,
                                    tfy_error **e);

#endif
