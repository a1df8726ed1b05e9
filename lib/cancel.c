/*
 * The cancel token: one atomic flag.  Cancelling is a single lock-free
 * store, so it is safe from any thread and from a signal handler; the
 * calls read the flag where they would ask a cancel callback (call.c's
 * tfy__call_cancelled), which happens at least every POLL_MS of a
 * transfer and every slice of a sleep.
 */
#include "tfy/cancel.h"

#include <stdatomic.h>

#include "alloc.h"

/* A store that may take a lock is not async-signal-safe. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the cancel flag must be lock-free");

struct tfy_cancel_token {
	atomic_int cancelled;
};

tfy_code tfy_cancel_token_new(tfy_cancel_token **out)
{
	if (!out)
		return TFY_ERROR_INVALID_ARGUMENT;
	*out = tfy__malloc(sizeof(**out));
	if (!*out)
		return TFY_ERROR_OUT_OF_MEMORY;
	atomic_init(&(*out)->cancelled, 0);
	return TFY_OK;
}

void tfy_cancel_token_cancel(tfy_cancel_token *token)
{
	if (token)
		atomic_store_explicit(&token->cancelled, 1, memory_order_release);
}

int32_t tfy_cancel_token_is_cancelled(const tfy_cancel_token *token)
{
	return token && atomic_load_explicit(&token->cancelled, memory_order_acquire);
}

void tfy_cancel_token_free(tfy_cancel_token *token)
{
	tfy__free(token);
}
