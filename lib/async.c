/*
 * The event-loop API (tfy/async.h): a loop (loop.h) in event mode, its
 * calls, and the socket and timer hooks of the caller's event loop.  The
 * start forms live beside their blocking functions and come here for what
 * every call shares.
 */
#include "async_internal.h"

#include <string.h>

#include "alloc.h"
#include "client_internal.h"
#include "error_internal.h"
#include "options.h"

/* Bytes of each version of tfy_async_hooks, oldest first. */
static const size_t hooks_sizes[] = { sizeof(tfy_async_hooks) };

/* How many turns tfy_async_free gives cancelled calls to end (each ends within a few). */
#define FREE_TURNS_MAX 1000

struct tfy_async {
	tfy_async_hooks hooks;
	tfy__loop *loop;
	tfy_async_call *calls; /* under way, newest first */
	int64_t pending;
	int *watched; /* sockets watched for something now */
	size_t watched_count, watched_cap;
	int closing; /* in tfy_async_free: the caller's timer is left alone */
};

tfy_code tfy_async_hooks_init(tfy_async_hooks *hooks, uint32_t version)
{
	return tfy__options_init(hooks, version, hooks_sizes, TFY_ASYNC_HOOKS_VERSION);
}

/* Keeps the set of watched sockets, for tfy_async_free to unwatch them: 0, or -1. */
static int note_watch(tfy_async *as, int fd, int what)
{
	size_t i = 0;
	while (i < as->watched_count && as->watched[i] != fd)
		i++;
	if (!what) {
		if (i < as->watched_count)
			as->watched[i] = as->watched[--as->watched_count];
		return 0;
	}
	if (i < as->watched_count)
		return 0;
	if (as->watched_count == as->watched_cap) {
		size_t cap = as->watched_cap ? as->watched_cap * 2 : 16;
		int *grown = tfy__realloc(as->watched, cap * sizeof(*grown));
		if (!grown)
			return -1;
		as->watched = grown;
		as->watched_cap = cap;
	}
	as->watched[as->watched_count++] = fd;
	return 0;
}

static int on_watch(void *userdata, int fd, int what)
{
	tfy_async *as = userdata;
	int32_t want = (what & TFY__WATCH_READ ? TFY_ASYNC_WATCH_READ : 0) |
	               (what & TFY__WATCH_WRITE ? TFY_ASYNC_WATCH_WRITE : 0);
	/*
	 * Without memory to note it, the socket is still watched (its transfer
	 * goes on and unwatches it when done), only not unwatched by
	 * tfy_async_free should it still be open then.
	 */
	(void)note_watch(as, fd, want);
	if (as->hooks.watch(as->hooks.userdata, fd, want) == 0)
		return 0;
	note_watch(as, fd, 0);
	return want ? -1 : 0;
}

static int on_timer(void *userdata, int64_t delay_ms)
{
	tfy_async *as = userdata;
	if (as->closing)
		return 0;
	return as->hooks.timer(as->hooks.userdata, delay_ms) == 0 ? 0 : -1;
}

tfy_code tfy_async_new(tfy_client *client, const tfy_async_hooks *hooks, tfy_async **out,
                       tfy_error **err)
{
	if (out)
		*out = NULL;
	tfy_code rc = tfy__entry_check(err, !client || !hooks || !out, "client, hooks and out");
	if (rc != TFY_OK)
		return rc;
	tfy_async_hooks h = TFY_ASYNC_HOOKS_INIT;
	if ((rc = tfy__options_read(&h, hooks, hooks_sizes, TFY_ASYNC_HOOKS_VERSION,
	                            "tfy_async_hooks", err)) != TFY_OK)
		return rc;
	if (h.reserved_ || !h.watch || !h.timer)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_async_hooks: watch and timer are required, reserved_ must "
		                      "be 0");
	tfy_async *as = tfy__calloc(1, sizeof(*as));
	if (as)
		as->hooks = h;
	const tfy__loop_events events = { on_watch, on_timer, as };
	if (!as || !(as->loop = tfy__loop_new(client)) || tfy__loop_use_events(as->loop, &events) < 0) {
		if (as)
			tfy__loop_free(as->loop);
		tfy__free(as);
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	}
	*out = as;
	return TFY_OK;
}

tfy_client *tfy__async_client(const tfy_async *async)
{
	return tfy__loop_client(async->loop);
}

tfy__loop *tfy__async_loop(const tfy_async *async)
{
	return async->loop;
}

tfy_code tfy__async_check(const tfy_async *async, tfy__any_fn fn, tfy_async_call **call, tfy_error **err)
{
	if (call)
		*call = NULL;
	return tfy__entry_check(err, !async || !fn, "async and the callback");
}

tfy_async_call *tfy__async_call_new(tfy_async *async, size_t size, tfy__async_end_fn end,
                                    tfy__any_fn fn, void *userdata)
{
	tfy_async_call *c = tfy__calloc(1, size);
	if (!c)
		return NULL;
	c->async = async;
	c->end = end;
	c->fn = fn;
	c->userdata = userdata;
	return c;
}

void tfy__async_call_drop(tfy_async_call *c)
{
	tfy__free(c);
}

tfy_code tfy__async_call_go(tfy_async_call *c, tfy_async_call **out)
{
	tfy_async *as = c->async;
	c->next = as->calls;
	if (as->calls)
		as->calls->prev = c;
	as->calls = c;
	as->pending++;
	if (out)
		*out = c;
	tfy__loop_rearm(as->loop);
	return TFY_OK;
}

void tfy__async_call_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	tfy_async *as = c->async;
	if (c->prev)
		c->prev->next = c->next;
	else
		as->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	as->pending--;
	c->end(c, rc, out, e);
	tfy__free(c);
}

/* An op of the call ended: its result to the call's next step, or the call's end. */
static void op_done(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	tfy_async_call *c = userdata;
	c->op = NULL;
	if (c->step)
		c->step(c, rc, out, e);
	else
		tfy__async_call_end(c, rc, out, e);
}

tfy_code tfy__async_entry(tfy_async_call *c, tfy__entry *en, tfy__async_before_fn before,
                          tfy_error **err)
{
	tfy_error *e = NULL;
	tfy_code rc = tfy__entry_open(tfy__async_client(c->async), en, err, &e);
	if (rc == TFY_OK && before)
		rc = before(c, en, &e);
	if (rc == TFY_OK && !(c->op = tfy__op_start_built(c->async->loop, en->ep, &en->req,
	                                                  &en->args, &en->call, op_done, c)))
		rc = tfy__error_set(&e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return tfy__entry_close(en, rc, e, err);
}

tfy_code tfy__async_hand(tfy_async_call *c, tfy_code rc, tfy_error **e)
{
	tfy_error *given = *e;
	*e = NULL;
	return tfy__call_hand_error(tfy__async_client(c->async), rc, given, e);
}

int tfy__async_op(tfy_async_call *c, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                  const tfy__options_pair *pair, const tfy__call *call)
{
	c->op = tfy__op_start(c->async->loop, ep, args, pair, call, op_done, c);
	return c->op ? 0 : -1;
}

static void pause_over(void *userdata)
{
	tfy_async_call *c = userdata;
	c->timer = NULL;
	c->timer_fn(c);
}

int tfy__async_pause(tfy_async_call *c, int64_t ms, tfy__timer_fn fn)
{
	c->timer_fn = fn;
	c->timer = tfy__loop_timer(c->async->loop, c->cancelled ? 0 : ms, pause_over, c);
	return c->timer ? 0 : -1;
}

void tfy_async_call_cancel(tfy_async_call *call)
{
	if (!call || call->cancelled)
		return;
	call->cancelled = 1;
	if (call->op)
		tfy__op_cancel(call->op);
	if (call->timer) {
		/* The pause ends now; its step sees the cancel.  Without memory, it ends when due. */
		tfy__timer *now = tfy__loop_timer(call->async->loop, 0, pause_over, call);
		if (now) {
			tfy__timer_clear(call->timer);
			call->timer = now;
		}
	}
	tfy__loop_rearm(call->async->loop);
}

void tfy_async_socket_ready(tfy_async *async, int fd, int32_t events)
{
	if (!async || fd < 0)
		return;
	int32_t ev = (events & TFY_ASYNC_WATCH_READ ? TFY__WATCH_READ : 0) |
	             (events & TFY_ASYNC_WATCH_WRITE ? TFY__WATCH_WRITE : 0) |
	             (events & TFY_ASYNC_WATCH_ERROR ? TFY__WATCH_ERROR : 0);
	tfy__loop_socket_ready(async->loop, fd, ev);
}

void tfy_async_timer_fired(tfy_async *async)
{
	if (async)
		tfy__loop_timer_fired(async->loop);
}

int64_t tfy_async_pending(const tfy_async *async)
{
	return async ? async->pending : 0;
}

void tfy_async_free(tfy_async *async)
{
	if (!async)
		return;
	async->closing = 1;
	/* Every call cancelled (those their callbacks start too) and driven to its callback. */
	for (int turns = 0; async->calls && turns < FREE_TURNS_MAX; turns++) {
		for (tfy_async_call *c = async->calls; c; c = c->next)
			tfy_async_call_cancel(c);
		tfy__loop_timer_fired(async->loop);
	}
	tfy__loop_free(async->loop);
	while (async->calls) {
		/* Never seen; would leak rather than call a callback twice. */
		tfy_async_call *c = async->calls;
		async->calls = c->next;
		tfy__free(c);
	}
	for (size_t i = 0; i < async->watched_count; i++)
		async->hooks.watch(async->hooks.userdata, async->watched[i], TFY_ASYNC_WATCH_NONE);
	async->hooks.timer(async->hooks.userdata, -1);
	tfy__free(async->watched);
	tfy__free(async);
}

void tfy__async_end_batch(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	((tfy_async_batch_fn)c->fn)(c->userdata, rc, out, e);
}

void tfy__async_end_batch_page(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	((tfy_async_batch_page_fn)c->fn)(c->userdata, rc, out, e);
}

void tfy__async_end_file(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	((tfy_async_file_fn)c->fn)(c->userdata, rc, out, e);
}

void tfy__async_end_file_page(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	((tfy_async_file_page_fn)c->fn)(c->userdata, rc, out, e);
}

void tfy__async_end_done(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	(void)out; /* the endpoints of these calls decode to nothing */
	((tfy_async_done_fn)c->fn)(c->userdata, rc, e);
}

tfy_code tfy__async_start(tfy_async *async, tfy__entry *en, tfy__async_end_fn end, tfy__any_fn fn,
                          void *userdata, tfy_async_call **call, tfy_error **err)
{
	tfy_code rc = tfy__async_check(async, fn, call, err);
	if (rc != TFY_OK)
		return rc;
	tfy_async_call *c = tfy__async_call_new(async, sizeof(*c), end, fn, userdata);
	if (!c)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	if ((rc = tfy__async_entry(c, en, NULL, err)) != TFY_OK) {
		tfy__async_call_drop(c);
		return rc;
	}
	return tfy__async_call_go(c, call);
}
