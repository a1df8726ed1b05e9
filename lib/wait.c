/*
 * Waiting for a batch to end: retrieve polled on a growing schedule until
 * a terminal status, the wait's timeout or the caller's cancellation.
 */
#include "tfy/jobs.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "error_internal.h"
#include "jobs_internal.h"
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

/* One poll: *w->last becomes what it answered.  *retry_after: the delay the answer asked for. */
static tfy_code poll_once(waiter *w, int *changed, int64_t *retry_after, tfy_error **e)
{
	tfy__call call = tfy__call_start(w->client, &w->pair);
	if (w->end && (!call.deadline || call.deadline > w->end))
		call.deadline = w->end;
	tfy_batch *b = NULL;
	tfy_code rc = tfy__batch_poll(w->client, w->batch_id, &w->pair, &call, &b, retry_after, e);
	if (rc == TFY_ERROR_TIMEOUT && past_end(w))
		return timed_out(w, e);
	if (rc != TFY_OK)
		return rc;
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

static tfy_code sleep_until_next(waiter *w, const tfy__call *ctx, int64_t pause, tfy_error **e)
{
	int64_t left = w->end ? w->end - tfy__now_ms() : INT64_MAX;
	if (tfy__call_sleep(ctx, pause < left ? pause : left) != TFY_OK)
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

static tfy_code run_wait(waiter *w, tfy_error **e)
{
	/* The wait's cancel callback and token: the poll options', else the client's defaults. */
	const tfy__call ctx = tfy__call_start(w->client, &w->pair);
	for (;;) {
		int changed = 0;
		int64_t retry_after = -1;
		tfy_code rc = poll_once(w, &changed, &retry_after, e);
		int refused = rc != TFY_OK;
		if (refused && !come_back_later(w, rc, e, &retry_after))
			return rc;
		int end = refused ? 0 : after_answer(w, changed);
		if (end > 0)
			return TFY_OK;
		if (end < 0)
			return tfy__error_set(e, TFY_ERROR_CANCELLED,
			                      "%s: on_progress asked to stop waiting for batch %s",
			                      tfy_strerror(TFY_ERROR_CANCELLED), w->batch_id);
		rc = sleep_until_next(w, &ctx, next_pause(w, retry_after, refused), e);
		if (rc != TFY_OK)
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
