/*
 * libtfy's async calls on a libevent 2 event_base: header only, copy it
 * (with slots.h) or include it as <tfy/adapters/libevent.h> (installed
 * with libtfy's headers).  Link with libevent (pkg-config libevent).
 *
 * A persistent event per socket libtfy watches and one evtimer:
 *
 *   tfy_libevent *a = NULL;
 *   tfy_libevent_attach(base, client, &a, &err);
 *   tfy_batches_retrieve_start(tfy_libevent_async(a), "batch_abc", NULL, done, NULL, NULL, &err);
 *   event_base_dispatch(base);   (returns when the calls are over)
 *   tfy_libevent_detach(a);
 *
 * Every function here runs on the loop's thread (docs/async.md).
 * MIT licence, as libtfy.
 */
#ifndef TFY_ADAPTERS_LIBEVENT_H
#define TFY_ADAPTERS_LIBEVENT_H

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

#include <tfy/adapters/slots.h>
#include <tfy/async.h>

/** The adapter: libevent events and the driver over them. */
typedef struct tfy_libevent {
	struct event_base *base;
	struct event *timer;      /* the one timer */
	tfy_async *async;         /* the driver, owned */
	tfy_adapter_slots events; /* struct event * by socket */
} tfy_libevent;

static inline void tfy_libevent__on_socket(evutil_socket_t fd, short what, void *arg)
{
	tfy_libevent *a = (tfy_libevent *)arg;
	int32_t ready = 0;
	if (what & EV_READ)
		ready |= TFY_ASYNC_WATCH_READ;
	if (what & EV_WRITE)
		ready |= TFY_ASYNC_WATCH_WRITE;
	tfy_async_socket_ready(a->async, (int)fd, ready);
}

static inline void tfy_libevent__on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tfy_async_timer_fired(((tfy_libevent *)arg)->async);
}

/*
 * The watch hook: one persistent event per socket, re-assigned when what
 * is watched changes and freed when unwatched (libevent 2 allows both from
 * inside the event's own callback).
 */
static inline int32_t tfy_libevent__watch(void *userdata, int fd, int32_t what)
{
	tfy_libevent *a = (tfy_libevent *)userdata;
	void **slot = tfy_adapter_slot(&a->events, fd, what != TFY_ASYNC_WATCH_NONE);
	struct event *ev = slot ? (struct event *)*slot : NULL;
	short flags = (short)(EV_PERSIST | ((what & TFY_ASYNC_WATCH_READ) ? EV_READ : 0) |
	                      ((what & TFY_ASYNC_WATCH_WRITE) ? EV_WRITE : 0));
	if (what == TFY_ASYNC_WATCH_NONE) {
		if (ev) {
			event_free(ev);
			*slot = NULL;
		}
		return 0;
	}
	if (!slot)
		return -1;
	if (ev) {
		event_del(ev);
		if (event_assign(ev, a->base, fd, flags, tfy_libevent__on_socket, a) != 0)
			return -1;
	} else {
		ev = event_new(a->base, fd, flags, tfy_libevent__on_socket, a);
		if (!ev)
			return -1;
		*slot = ev;
	}
	return event_add(ev, NULL) == 0 ? 0 : -1;
}

/* The timer hook: evtimer_add replaces what was armed (0: next turn). */
static inline int32_t tfy_libevent__timer(void *userdata, int64_t delay_ms)
{
	tfy_libevent *a = (tfy_libevent *)userdata;
	struct timeval tv;
	if (delay_ms < 0)
		return evtimer_del(a->timer) == 0 ? 0 : -1;
	tv.tv_sec = (time_t)(delay_ms / 1000);
	tv.tv_usec = (suseconds_t)(delay_ms % 1000) * 1000;
	return evtimer_add(a->timer, &tv) == 0 ? 0 : -1;
}

/**
 * Detach: tfy_async_free() (every call under way ends with its callback,
 * before this returns), then the events are freed and the adapter with
 * them.  NULL is ignored.  Not from inside a callback.
 */
static inline void tfy_libevent_detach(tfy_libevent *a)
{
	if (!a)
		return;
	tfy_async_free(a->async);
	if (a->timer)
		event_free(a->timer);
	tfy_adapter_slots_free(&a->events);
	free(a);
}

/**
 * A driver for client's calls on base.
 *
 * @param base the event base; must outlive the adapter.
 * @param client the client (the driver holds a reference).
 * @param out receives the adapter (tfy_libevent_detach()).
 * @param err if not NULL, receives a new error when libtfy refused.
 * @return TFY_OK; TFY_ERROR_OUT_OF_MEMORY; tfy_async_new()'s code.
 */
static inline tfy_code tfy_libevent_attach(struct event_base *base, tfy_client *client,
                                           tfy_libevent **out, tfy_error **err)
{
	tfy_async_hooks hooks = TFY_ASYNC_HOOKS_INIT;
	tfy_code rc;
	tfy_libevent *a = (tfy_libevent *)calloc(1, sizeof *a);
	if (err)
		*err = NULL;
	*out = NULL;
	if (!a)
		return TFY_ERROR_OUT_OF_MEMORY;
	a->base = base;
	a->timer = evtimer_new(base, tfy_libevent__on_timer, a);
	if (!a->timer) {
		free(a);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	hooks.watch = tfy_libevent__watch;
	hooks.timer = tfy_libevent__timer;
	hooks.userdata = a;
	rc = tfy_async_new(client, &hooks, &a->async, err);
	if (rc != TFY_OK) {
		tfy_libevent_detach(a);
		return rc;
	}
	*out = a;
	return TFY_OK;
}

/** The driver, to start calls on; owned by the adapter. */
static inline tfy_async *tfy_libevent_async(const tfy_libevent *a)
{
	return a->async;
}

#endif
