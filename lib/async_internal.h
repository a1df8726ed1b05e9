/*
 * The event-loop API's plumbing (tfy/async.h) for the units that own the
 * calls: a start form fills the entry of its blocking function and starts
 * it here as an op of the driver's loop, or runs the steps its blocking
 * function runs (a wait's polls, a reconcile's pages, an iterator's pager)
 * as ops and timers.  Internal to libtfy.
 */
#ifndef TFY_ASYNC_INTERNAL_H
#define TFY_ASYNC_INTERNAL_H

#include "endpoint.h"
#include "loop.h"
#include "tfy/async.h"

/* Any callback of async.h, kept until called through its own type. */
typedef void (*tfy__any_fn)(void);

/*
 * How a call ends: the caller's callback called with the result (out and
 * e taken), and the kind's own state freed.  The call itself is freed
 * after it returns.
 */
typedef void (*tfy__async_end_fn)(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);

/* What an op of the call was told (the call's op is NULL again by then). */
typedef void (*tfy__async_step_fn)(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);

/* The part of every call that async.c knows; a kind's call embeds it first. */
struct tfy_async_call {
	tfy_async *async;
	tfy_async_call *prev, *next; /* in the driver's calls */
	tfy__async_end_fn end;
	tfy__async_step_fn step; /* where the op's result goes: NULL: the call ends with it */
	tfy__op *op;             /* the op under way, or NULL */
	tfy__timer *timer;       /* the pause under way, or NULL */
	tfy__timer_fn timer_fn;  /* its callback (the call is its userdata) */
	int cancelled;           /* tfy_async_call_cancel or tfy_async_free */
	tfy__any_fn fn;          /* the caller's callback */
	void *userdata;
};

/*
 * Checks a start form's common arguments (*call and *err reset): async and
 * fn not NULL.  TFY_OK or TFY_ERROR_INVALID_ARGUMENT.
 */
tfy_code tfy__async_check(const tfy_async *async, tfy__any_fn fn, tfy_async_call **call,
                          tfy_error **err);

/*
 * A new call of size bytes (at least a tfy_async_call, zeroed past it),
 * not yet under way; NULL when memory runs out.
 */
tfy_async_call *tfy__async_call_new(tfy_async *async, size_t size, tfy__async_end_fn end,
                                    tfy__any_fn fn, void *userdata);

/* A call that could not start: freed, never told anything (its kind's state is the kind's). */
void tfy__async_call_drop(tfy_async_call *c);

/*
 * The call is under way (its first op or timer set): counted, linked, its
 * handle given to *out (may be NULL), the caller's timer armed.  TFY_OK.
 */
tfy_code tfy__async_call_go(tfy_async_call *c, tfy_async_call **out);

/* Ends the call: end called, then the call freed.  From a step of the loop only. */
void tfy__async_call_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);

/* The driver's client (borrowed) and loop. */
tfy_client *tfy__async_client(const tfy_async *async);
tfy__loop *tfy__async_loop(const tfy_async *async);

/*
 * What a start form does once its entry is open, before the op starts (the
 * blocking function's around does it before its run): keep what the call
 * needs later, open a local file, set en->args' upload or sink.  An error
 * goes in *e (unmasked); the start form then undoes its own state.
 */
typedef tfy_code (*tfy__async_before_fn)(tfy_async_call *c, tfy__entry *en, tfy_error **e);

/*
 * Starts a public function's entry (its fields filled as for
 * tfy__endpoint_enter) as the call's op: tfy__entry_open, before (may be
 * NULL), the op with the request built, tfy__entry_close.  TFY_OK with the
 * op under way (its result goes to c->step, or ends the call), or the
 * error handed to err.  The entry's upload and sink must outlive the op.
 */
tfy_code tfy__async_entry(tfy_async_call *c, tfy__entry *en, tfy__async_before_fn before,
                          tfy_error **err);

/* The caller's error e (rc) handed as every call's is: secrets masked.  Returns the code handed. */
tfy_code tfy__async_hand(tfy_async_call *c, tfy_code rc, tfy_error **e);

/* Puts an op on the call's loop whose result goes to c->step (or ends it): 0, or -1 (out of memory). */
int tfy__async_op(tfy_async_call *c, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                  const tfy__options_pair *pair, const tfy__call *call);

/* Calls fn(c) after ms on the loop (a cancel brings it forward to now): 0, or -1. */
int tfy__async_pause(tfy_async_call *c, int64_t ms, tfy__timer_fn fn);

/* Ends that call the caller's callback of each type with the result. */
void tfy__async_end_batch(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);
void tfy__async_end_batch_page(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);
void tfy__async_end_file(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);
void tfy__async_end_file_page(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);
void tfy__async_end_done(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);

/*
 * The start form of a call that is one entry and nothing around it: the
 * arguments checked, the entry started as one op whose result ends the
 * call through end.  Returns as the start forms of async.h do.
 */
tfy_code tfy__async_start(tfy_async *async, tfy__entry *en, tfy__async_end_fn end, tfy__any_fn fn,
                          void *userdata, tfy_async_call **call, tfy_error **err);

#endif
