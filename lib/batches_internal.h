/*
 * The List batches endpoint, shared by tfy_batches_list() and the iterator.
 * Internal to libtfy.
 */
#ifndef TFY_BATCHES_INTERNAL_H
#define TFY_BATCHES_INTERNAL_H

#include "call.h"
#include "tfy/batches.h"

/*
 * A caller's list options (NULL: the defaults) read and checked: version,
 * reserved fields, ranges, and the request options they point at (copied
 * by value into *request, which *dst->request then points at).
 */
tfy_code tfy__batches_options_read(const tfy_batches_list_options *src,
                                   tfy_batches_list_options *dst, tfy_request_options *request,
                                   tfy_error **err);

/* The request for one page: checks every argument, nothing is sent. */
tfy_code tfy__batches_request(tfy_client *client, const tfy_batches_list_options *opts,
                              tfy__request *req, tfy_error **err);

/* The options of a list call over the client's defaults. */
tfy__options_pair tfy__batches_options_pair(const tfy_client *client,
                                            const tfy_batches_list_options *opts);

/* One page, with retries, under the call's context (early: see tfy__call_run). */
tfy_code tfy__batches_fetch(tfy_client *client, const tfy__request *req, const tfy__call *call,
                            tfy__early *early, tfy_batch_page **out, tfy_error **err);

#endif
