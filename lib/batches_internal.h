/*
 * The List batches endpoint, shared by tfy_batches_list(), the iterator
 * and the reconcile of a create.  Internal to libtfy.
 */
#ifndef TFY_BATCHES_INTERNAL_H
#define TFY_BATCHES_INTERNAL_H

#include "endpoint.h"
#include "tfy/async.h"
#include "tfy/batches.h"

/*
 * A caller's list options (NULL: the defaults) read and checked: version,
 * reserved fields, ranges, and the request options they point at (copied
 * by value into *request, which *dst->request then points at).
 */
tfy_code tfy__batches_options_read(const tfy_batches_list_options *src, tfy_batches_list_options *dst,
                                   tfy_request_options *request, tfy_error **err);

/* What the options say about walking every page (the iterator's settings). */
tfy__paging tfy__batches_paging(const tfy_batches_list_options *o);

/* The request for one page: checks every argument, nothing is sent. */
tfy_code tfy__batches_request(const tfy_client *client, const tfy_batches_list_options *opts,
                              tfy__request *req, tfy_error **err);

/*
 * One page, with retries, under the call's context; opts read already.
 * early: see tfy__endpoint_run.
 */
tfy_code tfy__batches_page(tfy_client *client, const tfy_batches_list_options *opts,
                           const tfy__call *call, tfy__endpoint_early *early, tfy_batch_page **out,
                           tfy_error **err);

/* Sends the request of one page now (the iterator's prefetch): tfy__endpoint_send_early. */
int tfy__batches_page_early(tfy_client *client, const tfy_batches_list_options *opts,
                            const tfy__call *call, tfy__endpoint_early *early);

/*
 * The fetch of one page as an op of an async call (async_internal.h): its
 * result goes to the call's step.  0, or -1 when memory runs out.
 */
int tfy__batches_page_op(tfy_async_call *c, const tfy_batches_list_options *opts,
                         const tfy__call *call);

#endif
