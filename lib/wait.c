/*
 * Waiting for a batch to end: retrieve polled on a growing schedule until
 * a terminal status, the wait's timeout or the caller's cancellation.
 */
#include "tfy/jobs.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "async_internal.h"
#include "clock.h"
#include "error_internal.h"
#include "jobs_internal.h"
#include "options.h"
#include "retry.h"

/* Bytes of each version of tfy_batch_wait_options, oldest first. */
static const size_t wait_options_sizes[] = { sizeof(tfy_batch_wait_options) };

/* Each pause is this much longer than the one before (in tenths). */
#define POLL_GROWTH_TENTHS 15

tfy_code tfy_batch_wait_options_init(tfy_batch_wait_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, wait_options_sizes, TFY_BATCH_WAIT_OPTIONS_VERSION);
}

int32_t tfy_batch_status_is_terminal(tfy_batch_status status)
{
	return status == TFY_BATCH_STATUS_COMPLETED || status == TFY_BATCH_STATUS_FAILED ||
	       status == TFY_BATCH_STATUS_EXPIRED || status == TFY_BATCH_STATUS_CANCELLED ||
	       status == TFY_BATCH_STATUS_PARTIALLY_COMPLETED;
}

static tfy_code check_wait_options(tfy_batch_wait_options *o, tfy_error **err)
{
	const int64_t big = INT64_MAX / 4; /* keeps deadline arithmetic from overflowing */
	if (o->reserved_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_batch_wait_options: reserved fields must be 0");
	if (o->timeout_ms < 0 || o->timeout_ms > big || o->poll_initial_ms < 0 ||
	    o->poll_initial_ms > big || o->poll_max_ms < 0 || o->poll_max_ms > big)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "timeout_ms, poll_initial_ms and poll_max_ms must be 0 to "
		                      "INT64_MAX / 4");
	if (o->poll_initial_ms && o->poll_max_ms && o->poll_max_ms < o->poll_initial_ms)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "poll_max_ms must not be below poll_initial_ms");
	if (!o->poll_initial_ms)
		o->poll_initial_ms = TFY_WAIT_POLL_INITIAL_MS;
	if (!o->poll_max_ms)
		o->poll_max_ms = o->poll_initial_ms > TFY_WAIT_POLL_MAX_MS ? o->poll_initial_ms
		                                                           : TFY_WAIT_POLL_MAX_MS;
	return TFY_OK;
}

static tfy_code read_wait_options(const tfy_batch_wait_options *src, tfy_batch_wait_options *o,
                                  tfy_request_options *request, tfy_error **e)
{
	const tfy_batch_wait_options defaults = TFY_BATCH_WAIT_OPTIONS_INIT;
	*o = defaults;
	tfy_code rc = src ? tfy__options_read(o, src, wait_options_sizes,
	                                      TFY_BATCH_WAIT_OPTIONS_VERSION,
	                                      "tfy_batch_wait_options", e)
	                  : TFY_OK;
	if (rc == TFY_OK)
		rc = check_wait_options(o, e);
	if (rc == TFY_OK)
		rc = tfy__request_options_read(o->request, request, e);
	o->request = request;
	return rc;
}

static int same_count(const tfy_batch_request_counts *a, const tfy_batch_request_counts *b, size_t field)
{
	const tfy_opt_int64 *x = (const tfy_opt_int64 *)(const void *)((const char *)a + field);
	const tfy_opt_int64 *y = (const tfy_opt_int64 *)(const void *)((const char *)b + field);
	return x->present == y->present && x->value == y->value;
}

/* Whether b tells something a did not: its status or its request counts changed. */
static int is_new_state(const tfy_batch *a, const tfy_batch *b)
{
	if (!a || a->status != b->status || !a->status_raw != !b->status_raw ||
	    (a->status_raw && strcmp(a->status_raw, b->status_raw) != 0))
		return 1;
	const tfy_batch_request_counts *x = a->request_counts, *y = b->request_counts;
	if (!x || !y)
		return !x != !y;
	return !same_count(x, y, offsetof(tfy_batch_request_counts, total)) ||
	       !same_count(x, y, offsetof(tfy_batch_request_counts, completed)) ||
	       !same_count(x, y, offsetof(tfy_batch_request_counts, failed));
}

typedef struct waiter {
	tfy_client *client;
	const char *batch_id;
	const tfy_batch_wait_options *o;
	tfy__options_pair pair;
	int64_t end;     /* monotonic ms the wait gives up at; 0: never */
	int64_t pause;   /* the schedule's next pause */
	tfy_batch *last; /* the last state seen, owned */
} waiter;

static tfy_code timed_out(const waiter *w, tfy_error **e)
{
	tfy_error_free(*e);
	*e = NULL;
	return tfy__error_set(e, TFY_ERROR_TIMEOUT,
	                      "%s: batch %s had not ended after the wait's %" PRId64 " ms (last "
	                      "status: %s)",
	                      tfy_strerror(TFY_ERROR_TIMEOUT), w->batch_id, w->o->timeout_ms,
	                      w->last ? tfy_batch_status_name(w->last->status) : "none seen");
}

static int past_end(const waiter *w)
{
	return w->end && tfy__now_ms() >= w->end;
}

/* A poll's context: the poll options', its deadline no later than the wait's end. */
static tfy__call poll_call(const waiter *w)
{
	tfy__call call = tfy__call_start(w->client, &w->pair);
	if (w->end && (!call.deadline || call.deadline > w->end))
		call.deadline = w->end;
	return call;
}

/* A poll answered (b taken): *w->last becomes what it answered; *changed when it tells something new. */
static tfy_code poll_answered(waiter *w, tfy_code rc, tfy_batch *b, int *changed, tfy_error **e)
{
	if (rc == TFY_ERROR_TIMEOUT && past_end(w)) {
		tfy_batch_free(b);
		return timed_out(w, e);
	}
	if (rc != TFY_OK) {
		tfy_batch_free(b);
		return rc;
	}
	*changed = is_new_state(w->last, b);
	tfy_batch_free(w->last);
	w->last = b;
	return TFY_OK;
}

/*
 * Whether a failed poll only asked to be sent again later: an answer any
 * call retries (429, 503, ...) whose Retry-After (or retry-after-ms) ends
 * before the wait does.  That delay is the next pause, whatever
 * retry_after_max_ms says: it bounds the wait inside one call, and a wait
 * has its own timeout.  Then *delay is set and the poll's error dropped.
 */
static int come_back_later(const waiter *w, tfy_code rc, tfy_error **e, int64_t *delay)
{
	const tfy_error *x = *e;
	if (!x || x->retry_after_ms < 0 || !x->http_status ||
	    tfy__attempt_verdict(0, rc, x->http_status, -1, 1) != TFY__VERDICT_RETRY ||
	    (w->end && tfy__add_ms(tfy__now_ms(), x->retry_after_ms) >= w->end))
		return 0;
	tfy__log(&w->client->log, TFY_LOG_INFO,
	         "waiting for batch %s: a poll got HTTP %d; polling again in %lld ms, as the server "
	         "asked",
	         w->batch_id, (int)x->http_status, (long long)x->retry_after_ms);
	*delay = x->retry_after_ms;
	tfy_error_free(*e);
	*e = NULL;
	return 1;
}

/*
 * The pause before the next poll: the schedule's, or longer when the server
 * asked (an answer's delay at most retry_after_max_ms; a refused poll's, in
 * full); then the schedule grows.
 */
static int64_t next_pause(waiter *w, int64_t retry_after, int refused)
{
	int64_t pause = w->pause;
	if (!refused && retry_after > w->client->retry_after_max_ms)
		retry_after = w->client->retry_after_max_ms;
	if (retry_after > pause)
		pause = retry_after;
	int64_t grown = w->pause / 10 * POLL_GROWTH_TENTHS + w->pause % 10 * POLL_GROWTH_TENTHS / 10;
	w->pause = grown > w->o->poll_max_ms ? w->o->poll_max_ms : grown;
	return pause;
}

/* The pause to sleep, cut at the wait's end. */
static int64_t pause_left(const waiter *w, int64_t pause)
{
	int64_t left = w->end ? w->end - tfy__now_ms() : INT64_MAX;
	return pause < left ? pause : left;
}

/* A pause ended, cut short when cancelled: TFY_OK to poll again, or the wait's end. */
static tfy_code pause_ended(const waiter *w, int cancelled, tfy_error **e)
{
	if (cancelled)
		return tfy__error_set(e, TFY_ERROR_CANCELLED,
		                      "%s: by the caller while waiting for batch %s",
		                      tfy_strerror(TFY_ERROR_CANCELLED), w->batch_id);
	return past_end(w) ? timed_out(w, e) : TFY_OK;
}

/* After a poll that answered: whether the batch ended (1), on_progress stopped the wait (-1), or neither. */
static int after_answer(const waiter *w, int changed)
{
	int stop = changed && w->o->on_progress &&
	           w->o->on_progress(w->o->progress_userdata, w->last) != TFY_CANCEL_CONTINUE;
	if (tfy_batch_status_is_terminal(w->last->status))
		return 1;
	return stop ? -1 : 0;
}

/*
 * After a poll (its result in *rc, the answer in w->last): 1 with *pause
 * set when the wait goes on after that pause, 0 when it is over with *rc.
 * The one rule of both drivers.
 */
static int after_poll(waiter *w, tfy_code *rc, int changed, int64_t retry_after, int64_t *pause,
                      tfy_error **e)
{
	int refused = *rc != TFY_OK;
	if (refused && !come_back_later(w, *rc, e, &retry_after))
		return 0;
	int end = refused ? 0 : after_answer(w, changed);
	if (end > 0) {
		*rc = TFY_OK;
		return 0;
	}
	if (end < 0) {
		*rc = tfy__error_set(e, TFY_ERROR_CANCELLED,
		                     "%s: on_progress asked to stop waiting for batch %s",
		                     tfy_strerror(TFY_ERROR_CANCELLED), w->batch_id);
		return 0;
	}
	*pause = next_pause(w, retry_after, refused);
	return 1;
}

static tfy_code run_wait(waiter *w, tfy_error **e)
{
	/* The wait's cancel callback and token: the poll options', else the client's defaults. */
	const tfy__call ctx = tfy__call_start(w->client, &w->pair);
	for (;;) {
		int changed = 0;
		int64_t retry_after = -1, pause = 0;
		tfy_batch *b = NULL;
		const tfy__call call = poll_call(w);
		tfy_code rc = tfy__batch_poll(w->client, w->batch_id, &w->pair, &call, &b,
		                              &retry_after, e);
		rc = poll_answered(w, rc, b, &changed, e);
		if (!after_poll(w, &rc, changed, retry_after, &pause, e))
			return rc;
		int cancelled = tfy__call_sleep(&ctx, pause_left(w, pause)) != TFY_OK;
		if ((rc = pause_ended(w, cancelled, e)) != TFY_OK)
			return rc;
	}
}

tfy_code tfy_batch_wait(tfy_client *client, const char *batch_id,
                        const tfy_batch_wait_options *opts, tfy_batch **out, tfy_error **err)
{
	if (out)
		*out = NULL;
	tfy_code rc = tfy__entry_check(err, !client || !out, "client and out");
	if (rc != TFY_OK)
		return rc;
	tfy_batch_wait_options o;
	tfy_request_options request;
	tfy_error *e = NULL;
	tfy__client_hold(client); /* the caller may free the client while the wait runs */
	rc = read_wait_options(opts, &o, &request, &e);
	waiter w = { client, batch_id, &o, tfy__endpoint_pair(client, &request), 0, 0, NULL };
	if (rc == TFY_OK) {
		w.end = o.timeout_ms ? tfy__add_ms(tfy__now_ms(), o.timeout_ms) : 0;
		w.pause = o.poll_initial_ms;
		rc = run_wait(&w, &e);
	}
	*out = w.last; /* on any failure too: the last state seen */
	rc = tfy__call_hand_error(client, rc, e, err);
	tfy__client_release(client);
	return rc;
}

/* ---- the start form: the same steps, its polls as ops and its pauses as timers ---- */

/* The most a pause goes without asking the cancel question, as tfy__call_sleep asks it. */
#define PAUSE_SLICE_MS 50

typedef struct wait_async {
	tfy_async_call base;
	tfy__arena *arena;           /* the request options' strings, the id */
	tfy_batch_wait_options o;    /* read; request is &request */
	tfy_request_options request; /* read, copied into arena */
	waiter w;                    /* as tfy_batch_wait's */
	tfy__call ctx;               /* the wait's cancel question, as run_wait's */
	int64_t pause_until;         /* monotonic ms the pause ends */
	tfy_error *e;                /* the last poll's error */
} wait_async;

static void wait_async_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	wait_async *wa = (wait_async *)c;
	tfy__async_end_batch(c, rc, out, e);
	tfy_batch_free(wa->w.last);
	tfy__arena_free(wa->arena);
}

/* The wait's end: the last state seen as the batch, on any failure too. */
static void wait_finish(wait_async *wa, tfy_code rc)
{
	tfy_error *e = wa->e;
	wa->e = NULL;
	rc = tfy__async_hand(&wa->base, rc, &e);
	tfy_batch *last = wa->w.last;
	wa->w.last = NULL;
	tfy__async_call_end(&wa->base, rc, last, e);
}

static tfy_code out_of_memory(tfy_error **e)
{
	return tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
}

/* Polls now, as an op. */
static int wait_poll(wait_async *wa)
{
	const tfy__call call = poll_call(&wa->w);
	return tfy__batch_poll_op(&wa->base, wa->w.batch_id, &wa->w.pair, &call);
}

static void wait_paused(void *userdata);

/* The next slice of the pause: all of it, or PAUSE_SLICE_MS while a cancel question is asked. */
static void wait_pause(wait_async *wa)
{
	int64_t left = wa->pause_until - tfy__now_ms();
	if ((wa->ctx.cancel || wa->ctx.cancel_token) && left > PAUSE_SLICE_MS)
		left = PAUSE_SLICE_MS;
	if (tfy__async_pause(&wa->base, left > 0 ? left : 0, wait_paused) < 0)
		wait_finish(wa, out_of_memory(&wa->e));
}

static void wait_paused(void *userdata)
{
	wait_async *wa = userdata;
	int cancelled = wa->base.cancelled || tfy__call_cancelled(&wa->ctx);
	if (!cancelled && tfy__now_ms() < wa->pause_until) {
		wait_pause(wa);
		return;
	}
	tfy_code rc = pause_ended(&wa->w, cancelled, &wa->e);
	if (rc == TFY_OK && wait_poll(wa) < 0)
		rc = out_of_memory(&wa->e);
	if (rc != TFY_OK)
		wait_finish(wa, rc);
}

/* A poll's op ended: the one rule says what next (run_wait's loop body). */
static void wait_polled(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	wait_async *wa = (wait_async *)c;
	tfy_error_free(wa->e);
	wa->e = e;
	tfy_batch *b = NULL;
	int64_t retry_after = -1, pause = 0;
	int changed = 0;
	tfy__batch_polled_take(out, &b, &retry_after);
	rc = poll_answered(&wa->w, rc, b, &changed, &wa->e);
	if (!after_poll(&wa->w, &rc, changed, retry_after, &pause, &wa->e)) {
		wait_finish(wa, rc);
		return;
	}
	wa->pause_until = tfy__add_ms(tfy__now_ms(), pause_left(&wa->w, pause));
	wait_pause(wa);
}

/* The options read and kept, the request checked, the first poll started. */
static tfy_code wait_begin(wait_async *wa, const char *batch_id, const tfy_batch_wait_options *opts,
                           tfy_error **e)
{
	tfy_client *client = tfy__async_client(wa->base.async);
	tfy_request_options read;
	tfy_code rc = read_wait_options(opts, &wa->o, &read, e);
	if (rc == TFY_OK)
		rc = tfy__id_check(batch_id, "batch_id", e);
	if (rc != TFY_OK)
		return rc;
	char *id = NULL;
	if (!(wa->arena = tfy__arena_new(256)) ||
	    tfy__request_options_copy(wa->arena, &read, &wa->request) < 0 ||
	    !(id = tfy__arena_strndup(wa->arena, batch_id, strlen(batch_id))))
		return out_of_memory(e);
	wa->o.request = &wa->request;
	wa->w = (waiter){ client, id, &wa->o, tfy__endpoint_pair(client, &wa->request), 0, 0, NULL };
	if ((rc = tfy__batch_poll_check(client, id, &wa->w.pair, e)) != TFY_OK)
		return rc;
	wa->w.end = wa->o.timeout_ms ? tfy__add_ms(tfy__now_ms(), wa->o.timeout_ms) : 0;
	wa->w.pause = wa->o.poll_initial_ms;
	wa->ctx = tfy__call_start(client, &wa->w.pair);
	wa->base.step = wait_polled;
	return wait_poll(wa) < 0 ? out_of_memory(e) : TFY_OK;
}

tfy_code tfy_batch_wait_start(tfy_async *async, const char *batch_id,
                              const tfy_batch_wait_options *opts, tfy_async_batch_fn done,
                              void *userdata, tfy_async_call **call, tfy_error **err)
{
	tfy_code rc = tfy__async_check(async, (tfy__any_fn)done, call, err);
	if (rc != TFY_OK)
		return rc;
	wait_async *wa = (wait_async *)tfy__async_call_new(async, sizeof(*wa), wait_async_end,
	                                                   (tfy__any_fn)done, userdata);
	if (!wa)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_error *e = NULL;
	rc = wait_begin(wa, batch_id, opts, &e);
	if (rc != TFY_OK) {
		rc = tfy__call_hand_error(tfy__async_client(async), rc, e, err);
		tfy__arena_free(wa->arena);
		tfy__async_call_drop(&wa->base);
		return rc;
	}
	return tfy__async_call_go(&wa->base, call);
}
