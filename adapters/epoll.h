/*
 * libtfy's async calls on Linux epoll: header only, copy it or include it
 * as <tfy/adapters/epoll.h> (installed with libtfy's headers).
 *
 * The adapter owns one epoll descriptor holding libtfy's sockets and a
 * timerfd for its one timer.  That descriptor is readable whenever there is
 * something for libtfy to do, so a program with a loop of its own (epoll,
 * poll, select, another library's) watches tfy_epoll_fd() for reading and
 * calls tfy_epoll_dispatch(ep, 0) when it is readable; a program without
 * one calls tfy_epoll_dispatch(ep, -1) until tfy_async_pending() is 0.
 *
 *   tfy_epoll *ep = NULL;
 *   tfy_epoll_attach(client, &ep, &err);
 *   tfy_batches_retrieve_start(tfy_epoll_async(ep), "batch_abc", NULL, done, NULL, NULL, &err);
 *   while (tfy_async_pending(tfy_epoll_async(ep)) > 0)
 *           tfy_epoll_dispatch(ep, -1);
 *   tfy_epoll_detach(ep);
 *
 * Every function here runs on the loop's thread (docs/async.md).  Needs
 * POSIX (define _POSIX_C_SOURCE before any include under strict ISO C).
 * MIT licence, as libtfy.
 */
#ifndef TFY_ADAPTERS_EPOLL_H
#define TFY_ADAPTERS_EPOLL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <tfy/async.h>

/** The adapter: an epoll descriptor, a timerfd and the driver over them. */
typedef struct tfy_epoll {
	int epfd;              /* libtfy's sockets and the timer */
	int timerfd;           /* the one timer */
	tfy_async *async;      /* the driver, owned */
	unsigned char *in_set; /* by descriptor: 1 once added to epfd, 0 once deleted */
	size_t in_set_len;
} tfy_epoll;

/* Notes whether fd is in the epoll set (a hint: without memory, none is kept). */
static inline void tfy_epoll__note(tfy_epoll *ep, int fd, unsigned char in)
{
	if ((size_t)fd >= ep->in_set_len) {
		size_t len = (size_t)fd + 64;
		unsigned char *grown = (unsigned char *)realloc(ep->in_set, len);
		if (!grown)
			return;
		memset(grown + ep->in_set_len, 0, len - ep->in_set_len);
		ep->in_set = grown;
		ep->in_set_len = len;
	}
	ep->in_set[fd] = in;
}

/*
 * The watch hook: one epoll_ctl, ADD for a socket not in the set, MOD for
 * one in it (the note only picks which to try first: a socket closed
 * without being unwatched, its number reused, falls back to the other).
 */
static inline int32_t tfy_epoll__watch(void *userdata, int fd, int32_t what)
{
	tfy_epoll *ep = (tfy_epoll *)userdata;
	struct epoll_event ev = { 0 };
	int in = fd >= 0 && (size_t)fd < ep->in_set_len && ep->in_set[fd];
	int op = in ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (what == TFY_ASYNC_WATCH_NONE) {
		tfy_epoll__note(ep, fd, 0);
		/* The socket may be closed already; nothing left to undo then. */
		if (epoll_ctl(ep->epfd, EPOLL_CTL_DEL, fd, &ev) != 0 && errno != ENOENT && errno != EBADF)
			return -1;
		return 0;
	}
	ev.events = ((what & TFY_ASYNC_WATCH_READ) ? (uint32_t)EPOLLIN : 0u) |
	            ((what & TFY_ASYNC_WATCH_WRITE) ? (uint32_t)EPOLLOUT : 0u);
	ev.data.fd = fd;
	if (epoll_ctl(ep->epfd, op, fd, &ev) != 0) {
		if (errno != (in ? ENOENT : EEXIST))
			return -1;
		op = in ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
		if (epoll_ctl(ep->epfd, op, fd, &ev) != 0)
			return -1;
	}
	tfy_epoll__note(ep, fd, 1);
	return 0;
}

/* The timer hook: a one-shot timerfd (0 ms: 1 ns, since 0 disarms it). */
static inline int32_t tfy_epoll__timer(void *userdata, int64_t delay_ms)
{
	tfy_epoll *ep = (tfy_epoll *)userdata;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	if (delay_ms == 0) {
		its.it_value.tv_nsec = 1;
	} else if (delay_ms > 0) {
		its.it_value.tv_sec = (time_t)(delay_ms / 1000);
		its.it_value.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
	}
	return timerfd_settime(ep->timerfd, 0, &its, NULL) == 0 ? 0 : -1;
}

/**
 * Detach: tfy_async_free() (every call under way ends with its callback,
 * before this returns), then the descriptors are closed and ep freed.
 * NULL is ignored.  Not from inside a callback.
 */
static inline void tfy_epoll_detach(tfy_epoll *ep)
{
	if (!ep)
		return;
	tfy_async_free(ep->async);
	if (ep->timerfd >= 0)
		close(ep->timerfd);
	if (ep->epfd >= 0)
		close(ep->epfd);
	free(ep->in_set);
	free(ep);
}

/**
 * A driver for client's calls over a new epoll descriptor.
 *
 * @param client the client (the driver holds a reference).
 * @param out receives the adapter (tfy_epoll_detach()).
 * @param err if not NULL, receives a new error when libtfy refused.
 * @return TFY_OK; TFY_ERROR_IO when epoll or timerfd failed (errno says
 *         why, *err is NULL); TFY_ERROR_OUT_OF_MEMORY; tfy_async_new()'s code.
 */
static inline tfy_code tfy_epoll_attach(tfy_client *client, tfy_epoll **out, tfy_error **err)
{
	tfy_async_hooks hooks = TFY_ASYNC_HOOKS_INIT;
	struct epoll_event ev = { 0 };
	tfy_code rc;
	tfy_epoll *ep = (tfy_epoll *)calloc(1, sizeof *ep);
	if (err)
		*err = NULL;
	*out = NULL;
	if (!ep)
		return TFY_ERROR_OUT_OF_MEMORY;
	ep->epfd = epoll_create1(EPOLL_CLOEXEC);
	ep->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.fd = ep->timerfd;
	if (ep->epfd < 0 || ep->timerfd < 0 ||
	    epoll_ctl(ep->epfd, EPOLL_CTL_ADD, ep->timerfd, &ev) != 0) {
		int saved = errno;
		tfy_epoll_detach(ep);
		errno = saved;
		return TFY_ERROR_IO;
	}
	hooks.watch = tfy_epoll__watch;
	hooks.timer = tfy_epoll__timer;
	hooks.userdata = ep;
	rc = tfy_async_new(client, &hooks, &ep->async, err);
	if (rc != TFY_OK) {
		tfy_epoll_detach(ep);
		return rc;
	}
	*out = ep;
	return TFY_OK;
}

/** The driver, to start calls on; owned by the adapter. */
static inline tfy_async *tfy_epoll_async(const tfy_epoll *ep)
{
	return ep->async;
}

/** The descriptor to watch for reading in a loop of the program's own. */
static inline int tfy_epoll_fd(const tfy_epoll *ep)
{
	return ep->epfd;
}

/**
 * Wait up to timeout_ms (0: not at all; -1: until something happens) and
 * hand what happened to libtfy, whose callbacks run from here.
 *
 * @return the number of events handled, 0 on a timeout, -1 when
 *         epoll_wait() failed (errno; EINTR is not a failure: 0).
 */
static inline int tfy_epoll_dispatch(tfy_epoll *ep, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(ep->epfd, evs, (int)(sizeof evs / sizeof evs[0]), timeout_ms);
	int i;
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		int32_t what = 0;
		if (fd == ep->timerfd) {
			uint64_t expirations;
			/* Drain it, or it stays readable; a disarmed one has nothing. */
			if (read(ep->timerfd, &expirations, sizeof expirations) ==
			    (ssize_t)sizeof expirations)
				tfy_async_timer_fired(ep->async);
			continue;
		}
		if (evs[i].events & EPOLLIN)
			what |= TFY_ASYNC_WATCH_READ;
		if (evs[i].events & EPOLLOUT)
			what |= TFY_ASYNC_WATCH_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			what |= TFY_ASYNC_WATCH_ERROR;
		tfy_async_socket_ready(ep->async, fd, what);
	}
	return n;
}

#endif
