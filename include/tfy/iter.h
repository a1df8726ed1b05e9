/**
 * @file
 * libtfy: iterate over every batch, one page in memory at a time.
 */
#ifndef TFY_ITER_H
#define TFY_ITER_H

#include <tfy/batch.h>
#include <tfy/batches.h>
#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An opaque iterator over all batches.  Use from one thread at a time. */
typedef struct tfy_batch_iter tfy_batch_iter;

/**
 * Create an iterator.  Nothing is sent until the first tfy_batch_iter_next().
 *
 * The options are copied (strings and arrays included): they need not
 * outlive this call, but request->cancel_userdata must live as long as the
 * iterator.  `after` is where to start (NULL: the newest batch), `limit` the
 * page size, `max_items` / `max_pages` optional caps, request->deadline_ms a
 * budget for the whole iteration; the rest applies to every page request.
 * Every option is checked here as tfy_batches_list() would check it, so a
 * bad limit or header is refused before the iterator exists.
 *
 * @param client the client.  The iterator holds a reference to it (since
 *        1.3): the client may be freed first, and is freed with the last
 *        of its iterators (before 1.3 it had to outlive the iterator).
 * @param opts options, copied; NULL for the defaults.
 * @param out receives the iterator, to be freed with tfy_batch_iter_free().
 * @param err if not NULL, receives a new error on failure.
 * @return TFY_OK, TFY_ERROR_INVALID_ARGUMENT or TFY_ERROR_OUT_OF_MEMORY.
 */
TFY_EXTERN tfy_code tfy_batch_iter_new(tfy_client *client, const tfy_batches_list_options *opts,
                                       tfy_batch_iter **out, tfy_error **err);

/**
 * The next batch.
 *
 * Pages are fetched as needed: the next cursor is the id of the last batch of
 * a page, or the page's last_id when that batch has no id.  Iteration ends
 * when has_more is false, when a cap is reached, or when has_more is absent
 * as missing_has_more says (by default: at the first empty page, or at a
 * page that only repeats what was seen).  An empty page with has_more continues from its
 * last_id.  It fails with TFY_ERROR_PAGINATION when the server repeats a
 * cursor (a gateway ignoring `after`), returns the batch it was asked to
 * start after, sends more than 100 empty pages in a row, or gives no usable
 * cursor (absent or empty) to continue from; that failure is final.
 * Any other failure (network, HTTP, decode) leaves the iterator where it was:
 * calling again retries the same page.
 *
 * @param iter the iterator.
 * @param batch receives a batch borrowed from the iterator, valid until the
 *        next call on it; NULL at the end.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK (with *batch NULL at the end) or an error code, with *err set
 *         as tfy_batches_list() does.
 */
TFY_EXTERN tfy_code tfy_batch_iter_next(tfy_batch_iter *iter, const tfy_batch **batch, tfy_error **err);

/**
 * The next run of batches: the rest of the current page, or the next page,
 * cut short by max_items.  Same fetching and errors as tfy_batch_iter_next();
 * the two may be mixed.
 *
 * @param iter the iterator.
 * @param batches receives `count` pointers borrowed from the iterator, valid
 *        until the next call on it; NULL at the end.
 * @param count receives the number of batches; 0 at the end.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK (with *count 0 at the end) or an error code, as for
 *         tfy_batch_iter_next().
 */
TFY_EXTERN tfy_code tfy_batch_iter_next_page(tfy_batch_iter *iter, const tfy_batch *const **batches,
                                             size_t *count, tfy_error **err);

/**
 * Where to resume: the `after` value that continues right after the last
 * batch handed out (or the starting `after` before any).  Pass it as
 * `after` to a new iterator to go on later.
 *
 * @param iter the iterator.
 * @return a string borrowed from the iterator, valid until the next call on
 *         it; NULL when at the very start of the list.
 */
TFY_EXTERN const char *tfy_batch_iter_cursor(const tfy_batch_iter *iter);

/**
 * Number of pages fetched so far.
 *
 * @param iter the iterator.
 * @return the count, from 0.
 */
TFY_EXTERN int64_t tfy_batch_iter_pages(const tfy_batch_iter *iter);

/**
 * Number of batches handed out so far.
 *
 * @param iter the iterator.
 * @return the count, from 0.
 */
TFY_EXTERN int64_t tfy_batch_iter_items(const tfy_batch_iter *iter);

/**
 * Free an iterator and the page it holds, abandoning a prefetched request,
 * and drop its reference to its client (freeing the client when the caller
 * freed it already and nothing else holds it).
 *
 * @param iter the iterator, or NULL (then nothing happens).
 */
TFY_EXTERN void tfy_batch_iter_free(tfy_batch_iter *iter);

#ifdef __cplusplus
}
#endif

#endif
