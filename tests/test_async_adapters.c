/*
 * The event-loop adapters (adapters/: <tfy/adapters/epoll.h>, libuv.h and
 * libevent.h) against tfy-mock-gateway: every batch retrieved at once with
 * at most 64 calls in flight on each loop, from the test's thread alone;
 * a call cancelled mid-answer; a detach with calls under way (their
 * callbacks run, with TFY_ERROR_CANCELLED, before it returns).  The libuv
 * and libevent parts are built when their development files are found
 * (tests/meson.build).
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tfy/adapters/epoll.h>
#ifdef TFY_TEST_LIBUV
#include <tfy/adapters/libuv.h>
#endif
#ifdef TFY_TEST_LIBEVENT
#include <tfy/adapters/libevent.h>
#endif

#include "testutil.h"
#include "tfy/tfy.h"

enum { WINDOW = 64, BATCHES = 250 };

/* What one adapter's run saw. */
typedef struct run {
	tfy_async *async;
	char *ids[BATCHES];
	size_t count, next, in_flight, ok, failed, cancelled, callbacks;
	void (*stop)(struct run *); /* leave the loop's run (libuv, libevent) */
	void *loop;
} run;

/* The gateway's ids, listed with the blocking call. */
static void list_ids(tfy_client *client, run *r)
{
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = TFY_BATCHES_LIMIT_MAX;
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(client, &o, &it, NULL), TFY_OK);
	const tfy_batch *b = NULL;
	while (tfy_batch_iter_next(it, &b, NULL) == TFY_OK && b)
		r->ids[r->count++] = strdup(b->id);
	tfy_batch_iter_free(it);
	assert_int_equal(r->count, BATCHES);
}

static void free_ids(run *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->ids[i]);
}

static void top_up(run *r);

static void on_batch(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err)
{
	run *r = userdata;
	r->callbacks++;
	r->in_flight--;
	if (rc == TFY_OK)
		r->ok++;
	else if (rc == TFY_ERROR_CANCELLED)
		r->cancelled++;
	else {
		fprintf(stderr, "retrieve: %s\n", err ? err->message : tfy_strerror(rc));
		r->failed++;
	}
	assert_true((rc == TFY_OK) == (batch != NULL));
	assert_true((rc == TFY_OK) == (err == NULL));
	tfy_batch_free(batch);
	tfy_error_free(err);
	top_up(r);
}

static void top_up(run *r)
{
	while (r->in_flight < WINDOW && r->next < r->count) {
		assert_int_equal(tfy_batches_retrieve_start(r->async, r->ids[r->next++], NULL,
		                                            on_batch, r, NULL, NULL),
		                 TFY_OK);
		r->in_flight++;
		assert_true(tfy_async_pending(r->async) <= WINDOW);
	}
	if (r->in_flight == 0 && r->stop)
		r->stop(r);
}

static long thread_count(void)
{
	char line[256];
	long n = -1;
	FILE *f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "Threads:", 8) == 0)
			n = strtol(line + 8, NULL, 10);
	fclose(f);
	return n;
}

/* Checks on a run of every id: all retrieved, the callbacks once each, one thread. */
static void check_all(const run *r, long threads_before)
{
	assert_int_equal(r->ok, BATCHES);
	assert_int_equal(r->failed, 0);
	assert_int_equal(r->callbacks, BATCHES);
	assert_int_equal(r->in_flight, 0);
	assert_int_equal(tfy_async_pending(r->async), 0);
	assert_int_equal(thread_count(), threads_before);
}

/* A retrieve the gateway stalls on, so that it is under way until cancelled. */
static tfy_async_call *start_stalled(run *r)
{
	tfy_pair fault = { "x-mock-fault", "stall:seconds=30" };
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.headers = &fault;
	ro.headers_count = 1;
	tfy_async_call *call = NULL;
	assert_int_equal(tfy_batches_retrieve_start(r->async, r->ids[0], &ro, on_batch, r, &call, NULL),
	                 TFY_OK);
	assert_non_null(call);
	r->in_flight++;
	return call;
}

/* ---- epoll ------------------------------------------------------------------- */

static void drive_epoll(tfy_epoll *ep, const run *r, double limit_s)
{
	double end = tu_now_s() + limit_s * tu_slowdown();
	while (r->in_flight > 0 && tu_now_s() < end)
		assert_true(tfy_epoll_dispatch(ep, 100) >= 0);
}

static void test_epoll(void **state)
{
	tu_fixture *fx = *state;
	run r = { 0 };
	list_ids(fx->client, &r);
	long threads = thread_count();
	tfy_epoll *ep = NULL;
	assert_int_equal(tfy_epoll_attach(fx->client, &ep, NULL), TFY_OK);
	assert_true(tfy_epoll_fd(ep) >= 0);
	r.async = tfy_epoll_async(ep);
	top_up(&r);
	drive_epoll(ep, &r, 60);
	check_all(&r, threads);

	/* Cancel mid-answer: the callback comes at the loop's next event. */
	tfy_async_call *call = start_stalled(&r);
	double t0 = tu_now_s();
	for (int i = 0; i < 3; i++)
		tfy_epoll_dispatch(ep, 50);
	tfy_async_call_cancel(call);
	assert_int_equal(r.cancelled, 0);
	drive_epoll(ep, &r, 10);
	assert_int_equal(r.cancelled, 1);
	assert_true(tu_now_s() - t0 < 5 * tu_slowdown());

	/* Detach with a call under way: its callback runs before detach returns. */
	start_stalled(&r);
	tfy_epoll_dispatch(ep, 50);
	tfy_epoll_detach(ep);
	assert_int_equal(r.cancelled, 2);
	assert_int_equal(r.in_flight, 0);
	free_ids(&r);
}

/* ---- libevent ---------------------------------------------------------------- */

#ifdef TFY_TEST_LIBEVENT
static void stop_libevent(run *r)
{
	event_base_loopbreak(r->loop);
}

static void on_cancel_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tfy_async_call_cancel(arg);
}

static void test_libevent(void **state)
{
	tu_fixture *fx = *state;
	run r = { 0 };
	list_ids(fx->client, &r);
	long threads = thread_count();
	struct event_base *base = event_base_new();
	assert_non_null(base);
	tfy_libevent *a = NULL;
	assert_int_equal(tfy_libevent_attach(base, fx->client, &a, NULL), TFY_OK);
	r.async = tfy_libevent_async(a);
	r.stop = stop_libevent;
	r.loop = base;
	top_up(&r);
	event_base_dispatch(base);
	check_all(&r, threads);

	/* Cancel mid-answer from a timer of the loop's own. */
	tfy_async_call *call = start_stalled(&r);
	struct timeval later = { 0, 200000 };
	struct event *cancel = evtimer_new(base, on_cancel_timer, call);
	evtimer_add(cancel, &later);
	double t0 = tu_now_s();
	event_base_dispatch(base); /* top_up stops it once the call ended */
	assert_int_equal(r.cancelled, 1);
	assert_true(tu_now_s() - t0 < 5 * tu_slowdown());
	event_free(cancel);

	/* Detach with a call under way. */
	r.stop = NULL;
	start_stalled(&r);
	event_base_loop(base, EVLOOP_NONBLOCK);
	tfy_libevent_detach(a);
	assert_int_equal(r.cancelled, 2);
	assert_int_equal(r.in_flight, 0);
	event_base_free(base);
	free_ids(&r);
}
#endif

/* ---- libuv ------------------------------------------------------------------- */

#ifdef TFY_TEST_LIBUV
static void stop_libuv(run *r)
{
	uv_stop(r->loop);
}

static void on_cancel_timer_uv(uv_timer_t *t)
{
	tfy_async_call_cancel(t->data);
}

static void test_libuv(void **state)
{
	tu_fixture *fx = *state;
	run r = { 0 };
	list_ids(fx->client, &r);
	long threads = thread_count();
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	tfy_libuv *a = NULL;
	assert_int_equal(tfy_libuv_attach(&loop, fx->client, &a, NULL), TFY_OK);
	r.async = tfy_libuv_async(a);
	r.stop = stop_libuv;
	r.loop = &loop;
	top_up(&r);
	uv_run(&loop, UV_RUN_DEFAULT);
	check_all(&r, threads);

	uv_timer_t cancel;
	uv_timer_init(&loop, &cancel);
	cancel.data = start_stalled(&r);
	uv_timer_start(&cancel, on_cancel_timer_uv, 200, 0);
	double t0 = tu_now_s();
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r.cancelled, 1);
	assert_true(tu_now_s() - t0 < 5 * tu_slowdown());
	uv_close((uv_handle_t *)&cancel, NULL);

	r.stop = NULL;
	start_stalled(&r);
	uv_run(&loop, UV_RUN_NOWAIT);
	tfy_libuv_detach(a);
	assert_int_equal(r.cancelled, 2);
	assert_int_equal(r.in_flight, 0);
	uv_run(&loop, UV_RUN_DEFAULT); /* the adapter's handles close: it is freed */
	assert_int_equal(uv_loop_close(&loop), 0);
	free_ids(&r);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoll),
#ifdef TFY_TEST_LIBEVENT
		cmocka_unit_test(test_libevent),
#endif
#ifdef TFY_TEST_LIBUV
		cmocka_unit_test(test_libuv),
#endif
	};
	return cmocka_run_group_tests(tests, tu_fixture_setup, tu_fixture_teardown);
}
