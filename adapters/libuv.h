/*
 * libtfy's async calls on a libuv loop: header only, copy it (with
 * slots.h) or include it as <tfy/adapters/libuv.h> (installed with
 * libtfy's headers).  Link with libuv (pkg-config libuv).
 *
 * A uv_poll_t per socket libtfy watches and one uv_timer_t:
 *
 *   tfy_libuv *a = NULL;
 *   tfy_libuv_attach(uv_default_loop(), client, &a, &err);
 *   tfy_batches_retrieve_start(tfy_libuv_async(a), "batch_abc", NULL, done, NULL, NULL, &err);
 *   uv_run(uv_default_loop(), UV_RUN_DEFAULT);   (returns when the calls are over)
 *   tfy_libuv_detach(a);
 *   uv_run(uv_default_loop(), UV_RUN_DEFAULT);   (closes the adapter's handles)
 *
 * Every function here runs on the loop's thread (docs/async.md).
 * MIT licence, as libtfy.
 */
#ifndef TFY_ADAPTERS_LIBUV_H
#define TFY_ADAPTERS_LIBUV_H

#include <stdint.h>
#include <stdlib.h>
#include <uv.h>

#include <tfy/adapters/slots.h>
#include <tfy/async.h>

/** The adapter: libuv handles and the driver over them. */
typedef struct tfy_libuv {
	uv_loop_t *loop;
	uv_timer_t timer;        /* the one timer */
	tfy_async *async;        /* the driver, owned */
	tfy_adapter_slots polls; /* tfy_libuv__poll * by socket */
	int handles;             /* handles not closed yet: the adapter is freed at 0 */
	int detached;
} tfy_libuv;

/* One watched socket. */
typedef struct tfy_libuv__poll {
	uv_poll_t handle; /* first: the handle's address is the struct's */
	tfy_libuv *owner;
	int fd;
} tfy_libuv__poll;

/* A handle closed: the adapter goes with the last one, once detached. */
static inline void tfy_libuv__closed(tfy_libuv *a)
{
	if (--a->handles == 0 && a->detached) {
		tfy_adapter_slots_free(&a->polls);
		free(a);
	}
}

static inline void tfy_libuv__poll_closed(uv_handle_t *h)
{
	tfy_libuv__poll *p = (tfy_libuv__poll *)h;
	tfy_libuv *a = p->owner;
	free(p);
	tfy_libuv__closed(a);
}

static inline void tfy_libuv__timer_closed(uv_handle_t *h)
{
	tfy_libuv__closed((tfy_libuv *)h->data);
}

static inline void tfy_libuv__on_poll(uv_poll_t *h, int status, int events)
{
	tfy_libuv__poll *p = (tfy_libuv__poll *)h;
	int32_t what = 0;
	if (events & UV_READABLE)
		what |= TFY_ASYNC_WATCH_READ;
	if (events & UV_WRITABLE)
		what |= TFY_ASYNC_WATCH_WRITE;
	if (status < 0)
		what |= TFY_ASYNC_WATCH_ERROR;
	tfy_async_socket_ready(p->owner->async, p->fd, what);
}

static inline void tfy_libuv__on_timer(uv_timer_t *t)
{
	tfy_async_timer_fired(((tfy_libuv *)t->data)->async);
}

/* The watch hook: a uv_poll_t made on first use, closed when unwatched. */
static inline int32_t tfy_libuv__watch(void *userdata, int fd, int32_t what)
{
	tfy_libuv *a = (tfy_libuv *)userdata;
	void **slot = tfy_adapter_slot(&a->polls, fd, what != TFY_ASYNC_WATCH_NONE);
	tfy_libuv__poll *p = slot ? (tfy_libuv__poll *)*slot : NULL;
	int events = ((what & TFY_ASYNC_WATCH_READ) ? UV_READABLE : 0) |
	             ((what & TFY_ASYNC_WATCH_WRITE) ? UV_WRITABLE : 0);
	if (what == TFY_ASYNC_WATCH_NONE) {
		if (p) {
			/* Stopped now: the socket may be closed as soon as this returns. */
			uv_poll_stop(&p->handle);
			uv_close((uv_handle_t *)&p->handle, tfy_libuv__poll_closed);
			*slot = NULL;
		}
		return 0;
	}
	if (!slot)
		return -1;
	if (!p) {
		p = (tfy_libuv__poll *)calloc(1, sizeof *p);
		if (!p)
			return -1;
		if (uv_poll_init_socket(a->loop, &p->handle, fd) != 0) {
			free(p);
			return -1;
		}
		p->owner = a;
		p->fd = fd;
		a->handles++;
		*slot = p;
	}
	return uv_poll_start(&p->handle, events, tfy_libuv__on_poll) == 0 ? 0 : -1;
}

/* The timer hook: uv_timer_start replaces what was armed (0: next turn). */
static inline int32_t tfy_libuv__timer(void *userdata, int64_t delay_ms)
{
	tfy_libuv *a = (tfy_libuv *)userdata;
	if (delay_ms < 0)
		return uv_timer_stop(&a->timer) == 0 ? 0 : -1;
	return uv_timer_start(&a->timer, tfy_libuv__on_timer, (uint64_t)delay_ms, 0) == 0 ? 0 : -1;
}

/**
 * Detach: tfy_async_free() (every call under way ends with its callback,
 * before this returns), then the adapter's handles are closed; its memory
 * is freed by their close callbacks, when the loop next runs.  NULL is
 * ignored.  Not from inside a callback.
 */
static inline void tfy_libuv_detach(tfy_libuv *a)
{
	if (!a)
		return;
	tfy_async_free(a->async);
	a->async = NULL;
	a->detached = 1;
	uv_timer_stop(&a->timer);
	uv_close((uv_handle_t *)&a->timer, tfy_libuv__timer_closed);
}

/**
 * A driver for client's calls on loop.
 *
 * @param loop the libuv loop; must outlive the adapter's handles.
 * @param client the client (the driver holds a reference).
 * @param out receives the adapter (tfy_libuv_detach()).
 * @param err if not NULL, receives a new error when libtfy refused.
 * @return TFY_OK; TFY_ERROR_OUT_OF_MEMORY; TFY_ERROR_IO when libuv refused
 *         the timer; tfy_async_new()'s code.
 */
static inline tfy_code tfy_libuv_attach(uv_loop_t *loop, tfy_client *client, tfy_libuv **out,
                                        tfy_error **err)
{
	tfy_async_hooks hooks = TFY_ASYNC_HOOKS_INIT;
	tfy_code rc;
	tfy_libuv *a = (tfy_libuv *)calloc(1, sizeof *a);
	if (err)
		*err = NULL;
	*out = NULL;
	if (!a)
		return TFY_ERROR_OUT_OF_MEMORY;
	a->loop = loop;
	if (uv_timer_init(loop, &a->timer) != 0) {
		free(a);
		return TFY_ERROR_IO;
	}
	a->timer.data = a;
	a->handles = 1;
	hooks.watch = tfy_libuv__watch;
	hooks.timer = tfy_libuv__timer;
	hooks.userdata = a;
	rc = tfy_async_new(client, &hooks, &a->async, err);
	if (rc != TFY_OK) {
		tfy_libuv_detach(a);
		return rc;
	}
	*out = a;
	return TFY_OK;
}

/** The driver, to start calls on; owned by the adapter. */
static inline tfy_async *tfy_libuv_async(const tfy_libuv *a)
{
	return a->async;
}

#endif
