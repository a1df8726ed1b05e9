/**
 * @file
 * libtfy: the cancel token, which stops calls from another thread or from
 * a signal handler without a callback (since 1.3).
 */
#ifndef TFY_CANCEL_H
#define TFY_CANCEL_H

#include <tfy/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An opaque cancel token.  Given as tfy_request_options.cancel_token to
 * any number of calls; cancelling it stops every one of them, now or
 * later.  Safe to use from several threads at once.  Since 1.3.
 */
typedef struct tfy_cancel_token tfy_cancel_token;

/**
 * Makes a new token, not cancelled.
 *
 * @param out receives the token, owned by the caller, to be freed with
 *        tfy_cancel_token_free(); set to NULL on failure.
 * @return TFY_OK, TFY_ERROR_INVALID_ARGUMENT when out is NULL, or
 *         TFY_ERROR_OUT_OF_MEMORY.
 */
TFY_EXTERN tfy_code tfy_cancel_token_new(tfy_cancel_token **out);

/**
 * Cancels the token: every call using it, now or later, stops within
 * 100 ms with TFY_ERROR_CANCELLED (TFY_ERROR_OUTCOME_UNKNOWN for a create
 * or an upload whose request was already sent), sending nothing more.
 * It only sets an atomic flag, which the calls read: safe from any thread
 * and from a signal handler (async-signal-safe).  Idempotent; a token
 * cannot be reset.
 *
 * @param token the token; NULL is ignored.
 */
TFY_EXTERN void tfy_cancel_token_cancel(tfy_cancel_token *token);

/**
 * Whether the token was cancelled.  Safe from any thread and from a
 * signal handler.
 *
 * @param token the token, or NULL.
 * @return 1 once tfy_cancel_token_cancel() was called on it, else 0 (0 for
 *         NULL).
 */
TFY_EXTERN int32_t tfy_cancel_token_is_cancelled(const tfy_cancel_token *token);

/**
 * Frees a token.  It must outlive every call that uses it: free it only
 * once they have returned (and, for a token given to tfy_batch_iter_new()
 * or in tfy_client_options.request_defaults, once the iterator or the
 * client is freed).
 *
 * @param token the token; NULL is ignored.
 */
TFY_EXTERN void tfy_cancel_token_free(tfy_cancel_token *token);

#ifdef __cplusplus
}
#endif

#endif
