/*
 * The List batches call with its per-call context, shared by
 * tfy_batches_list() and the iterator.  Internal to libtfy.
 */
#ifndef TFY_BATCHES_INTERNAL_H
#define TFY_BATCHES_INTERNAL_H

#include "tfy/batches.h"

typedef struct tfy__call {
	int64_t deadline;                   /* monotonic ms (tfy__now_ms); 0: none */
	int32_t (*cancel)(void *userdata);  /* may be NULL */
	void *cancel_userdata;
} tfy__call;

/* The call's context from its options: the deadline counts from now. */
tfy__call tfy__call_from_options(const tfy_batches_list_options *opts);

/*
 * One page, with retries, as tfy_batches_list() documents, under the given
 * context.  opts must not be NULL; *out and *err are set as there (err may
 * be NULL).
 */
/*
 * Checks opts as a request would, without sending anything: TFY_OK or the
 * error the first request would fail with before being sent.
 */
tfy_code tfy__batches_check(tfy_client *client, const tfy_batches_list_options *opts,
                            tfy_error **err);

tfy_code tfy__batches_fetch(tfy_client *client, const tfy_batches_list_options *opts,
                            const tfy__call *call, tfy_batch_page **out, tfy_error **err);

/*
 * The iterator's prefetch: the first attempt for the next page, sent while
 * the caller works on the current one (the kernel buffers the answer; no
 * thread is involved).  NULL when it could not be started, which only means
 * the page will be fetched the ordinary way.
 */
typedef struct tfy__prefetch tfy__prefetch;
tfy__prefetch *tfy__batches_prefetch(tfy_client *client, const tfy_batches_list_options *opts,
                                     const tfy__call *call);

/*
 * Completes a prefetch as tfy__batches_fetch would have fetched the same
 * page (same retries, same errors); consumes p.
 */
tfy_code tfy__batches_fetch_prefetched(tfy_client *client, tfy__prefetch *p,
                                       const tfy__call *call, tfy_batch_page **out,
                                       tfy_error **err);

void tfy__prefetch_free(tfy__prefetch *p);

#endif
