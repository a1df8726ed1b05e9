/*
 * Many calls on their way at once from one thread: the non-blocking core.
 * A loop holds calls in flight (ops) and timers; each op is one endpoint
 * call run as a state machine over the same attempt rules as
 * tfy__call_run (call.h): key, send, verdict (retry.c), backoff and
 * Retry-After as timers, deadline, cancel, credential refresh, masking,
 * decode.  The blocking calls run one op on a loop of their own and drive
 * it to its end: one call path, two drivers.  Transfers of all the ops of
 * a loop share one libcurl multi handle (transport.h's hub).
 *
 * Thread rules: a loop and its ops are used by one thread at a time; every
 * callback runs on the thread that drives the loop, from tfy__loop_run,
 * never from inside the call that started the op or timer.  Internal to
 * libtfy.
 */
#ifndef TFY_LOOP_H
#define TFY_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"

typedef struct tfy__loop tfy__loop;
typedef struct tfy__op tfy__op;

/*
 * A new loop for the client's calls; it holds a reference on the client
 * (tfy__client_hold) until freed.  NULL when memory runs out.
 */
tfy__loop *tfy__loop_new(tfy_client *client);

/*
 * Frees the loop.  Ops still pending are dropped (their transfers
 * abandoned, their done callbacks never called); timers likewise.
 */
void tfy__loop_free(tfy__loop *loop);

/*
 * Drives the loop: performs the transfers, fires due timers and backoffs,
 * asks each op's cancel question, and calls done callbacks, until nothing
 * is pending or wait_ms passes (-1: until nothing is pending; 0: one
 * non-blocking step).  Sleeps in the transfers' poll, never longer than
 * the next timer, and wakes at least every 50 ms to ask for cancellation.
 * Returns the number of ops and timers still pending.  Callbacks may start
 * and cancel ops and set and clear timers, but not run or free the loop.
 */
int tfy__loop_run(tfy__loop *loop, int64_t wait_ms);

/*
 * Told when an op ends, with the endpoint's decoded result (out, new,
 * owned by the callee, NULL on failure) or the error (err, new, owned by
 * the callee, masked as the blocking call's would be; NULL on success).
 * The op is freed after the callback returns.
 */
typedef void (*tfy__op_done_fn)(void *userdata, tfy_code rc, void *out, tfy_error *err);

/*
 * Starts one call of ep on the loop: builds its request (as
 * tfy__endpoint_build), then runs its attempts as the loop is driven.
 * args' upload and sink (and what they point at) must stay valid until
 * done is called; the rest of args and pair is copied.  An error found
 * while building is given to done at the loop's next step, never from
 * inside this call.  Returns the op (owned by the loop: valid until its
 * done is called), or NULL when memory runs out (done is then never
 * called).
 */
tfy__op *tfy__op_start(tfy__loop *loop, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                       const tfy__options_pair *pair, const tfy__call *call, tfy__op_done_fn done,
                       void *userdata);

/*
 * As tfy__op_start, with the request built already (tfy__endpoint_build,
 * from ep and the arguments): the op takes it over (req is then left
 * empty) with a copy of the body it borrows, unless NULL is returned (memory ran out; req is still the
 * caller's).  args gives the upload or sink only.
 */
tfy__op *tfy__op_start_built(tfy__loop *loop, const tfy__endpoint *ep, tfy__request *req,
                             const tfy__endpoint_args *args, const tfy__call *call,
                             tfy__op_done_fn done, void *userdata);

/*
 * Stops an op: its transfer is dropped and done is called at the loop's
 * next step with TFY_ERROR_CANCELLED (an op that may already have had its
 * effect, a create or an upload that was sent, ends with
 * TFY_ERROR_OUTCOME_UNKNOWN as the blocking call would).
 */
void tfy__op_cancel(tfy__op *op);

/* Told when a timer is due.  The timer is freed after the callback returns. */
typedef void (*tfy__timer_fn)(void *userdata);

typedef struct tfy__timer tfy__timer;

/*
 * Calls fn(userdata) from the loop after delay_ms (0: at its next step).
 * Returns the timer (owned by the loop until it fires or is cleared), or
 * NULL when memory runs out.
 */
tfy__timer *tfy__loop_timer(tfy__loop *loop, int64_t delay_ms, tfy__timer_fn fn, void *userdata);

/* Drops a timer that has not fired; fn is never called. */
void tfy__timer_clear(tfy__timer *timer);

/*
 * The loop's plumbing, for the calls layer (call.c drives an op's attempts
 * with it; the blocking call drives a loop of its own).  A task is work the
 * loop advances each step; it knows nothing of what the work is, so the
 * loop never calls back into the units above it by name.
 */
typedef struct tfy__task tfy__task;

typedef struct tfy__task_kind {
	/* Moves the task on as far as it goes without waiting: 1 when it is over. */
	int (*advance)(tfy__task *task);
	/*
	 * When the task next wants advancing without a transfer ending
	 * (monotonic ms; now or earlier: at once), or 0: not before one ends.
	 */
	int64_t (*wake)(const tfy__task *task);
	/*
	 * The task left the loop: over (dropped 0: tell its owner) or dropped
	 * by tfy__loop_free (dropped 1: tell no one).  The loop is done with it.
	 */
	void (*end)(tfy__task *task, int dropped);
	/*
	 * 1 when the task asks the caller's cancel question (a token, a
	 * callback) and so needs a step at least every WAKE_MS (50 ms) while it
	 * is on the loop; 0 when it waits for nothing but its wake and its
	 * transfers.  NULL: taken as 1.
	 */
	int (*polls)(const tfy__task *task);
} tfy__task_kind;

struct tfy__task {
	const tfy__task_kind *kind;
	tfy__loop *loop; /* NULL when in none */
	tfy__task *prev, *next;
};

/* Puts task on the loop, advanced from its next step on (counted as an op). */
void tfy__loop_add(tfy__loop *loop, tfy__task *task, const tfy__task_kind *kind);

/* Takes task off its loop without ending it (not in one: nothing happens). */
void tfy__loop_remove(tfy__task *task);

/* The loop's hub, where its tasks start their flights (transport.h). */
struct tfy__hub *tfy__loop_hub(const tfy__loop *loop);

/* The client the loop was made for (borrowed: the loop holds it). */
tfy_client *tfy__loop_client(const tfy__loop *loop);

/*
 * Event mode: the caller's event loop does the waiting instead of
 * tfy__loop_run (which must then not be used).  The loop's hub runs under
 * libcurl's socket interface: watch is told which sockets to watch, and
 * timer is armed for the one moment the loop next wants a step without a
 * socket event (the earliest of its timers, its tasks' wakes and backoffs,
 * libcurl's own timer, a flight's deadline or stall limit, and at most
 * WAKE_MS (50 ms) ahead while a task asks for cancellation; delay -1
 * disarms it).  The caller calls tfy__loop_socket_ready and
 * tfy__loop_timer_fired, which make one step each, exactly the step of
 * tfy__loop_run, and arm the timer again.
 */
typedef struct tfy__loop_events {
	int (*watch)(void *userdata, int fd, int what); /* tfy__hub_watch_fn */
	int (*timer)(void *userdata, int64_t delay_ms);
	void *userdata;
} tfy__loop_events;

/* Puts a new loop (nothing started on it yet) in event mode: 0, or -1. */
int tfy__loop_use_events(tfy__loop *loop, const tfy__loop_events *events);

/* A watched socket got events (TFY__WATCH_* bits): one step. */
void tfy__loop_socket_ready(tfy__loop *loop, int fd, int32_t events);

/* The caller's timer fired: one step. */
void tfy__loop_timer_fired(tfy__loop *loop);

/*
 * Arms the caller's timer again after ops or timers were started or ops
 * cancelled outside a step (inside one, the step's end does it).
 */
void tfy__loop_rearm(tfy__loop *loop);

/* The ops and timers pending. */
size_t tfy__loop_pending(const tfy__loop *loop);

/*
 * 1 when the loop was made by another process (this one is a fork of it):
 * its transfers are the parent's.  Free it without running it.
 */
int tfy__loop_inherited(const tfy__loop *loop);

#endif
