/*
 * The event-loop API (tfy/async.h), driven by a small poll(2) loop of the
 * test's own that implements the hooks: every start form against
 * tfy-mock-gateway (and the raw server for scripted answers), with the
 * blocking tests' assertions, and the workflow's faults: an unknown
 * outcome on create (reconciled, one POST), a dropped download (retried,
 * no partial file), 429 with Retry-After (a timer: nothing blocks), a
 * deadline, a cancel mid-transfer, a driver freed with calls pending, many
 * calls at once.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rawserver.h"
#include "testutil.h"
#include "tfy/tfy.h"

/* ---- the driver: poll(2) over the watched sockets, one timer ------------------ */

#define WATCH_MAX 512

typedef struct driver {
	struct pollfd fds[WATCH_MAX];
	size_t count;
	double due; /* tu_now_s() when the timer fires; < 0: disarmed */
	int timer_calls;
	int watch_calls;
	double slowest_call; /* the longest a call into libtfy took, seconds */
} driver;

static int32_t drv_watch(void *userdata, int fd, int32_t what)
{
	driver *d = userdata;
	d->watch_calls++;
	size_t i = 0;
	while (i < d->count && d->fds[i].fd != fd)
		i++;
	if (what == TFY_ASYNC_WATCH_NONE) {
		if (i < d->count)
			d->fds[i] = d->fds[--d->count];
		return 0;
	}
	if (i == d->count) {
		if (d->count == WATCH_MAX)
			return -1;
		d->count++;
	}
	d->fds[i].fd = fd;
	d->fds[i].events = (short)((what & TFY_ASYNC_WATCH_READ ? POLLIN : 0) |
	                           (what & TFY_ASYNC_WATCH_WRITE ? POLLOUT : 0));
	d->fds[i].revents = 0;
	return 0;
}

static int32_t drv_timer(void *userdata, int64_t delay_ms)
{
	driver *d = userdata;
	d->timer_calls++;
	d->due = delay_ms < 0 ? -1 : tu_now_s() + (double)delay_ms / 1000;
	return 0;
}

static tfy_async *drv_new(tfy_client *c, driver *d)
{
	memset(d, 0, sizeof(*d));
	d->due = -1;
	tfy_async_hooks h = TFY_ASYNC_HOOKS_INIT;
	h.watch = drv_watch;
	h.timer = drv_timer;
	h.userdata = d;
	tfy_async *as = NULL;
	assert_int_equal(tfy_async_new(c, &h, &as, NULL), TFY_OK);
	assert_non_null(as);
	return as;
}

static void timed(driver *d, double t0)
{
	double took = tu_now_s() - t0;
	if (took > d->slowest_call)
		d->slowest_call = took;
}

/* One wait of the loop and the events it brought. */
static void drv_once(tfy_async *as, driver *d)
{
	double now = tu_now_s();
	int timeout = d->due < 0 ? 1000 : d->due <= now ? 0 : (int)((d->due - now) * 1000) + 1;
	struct pollfd fds[WATCH_MAX];
	size_t n = d->count;
	memcpy(fds, d->fds, n * sizeof(*fds));
	int ready = poll(fds, n, timeout);
	assert_true(ready >= 0 || errno == EINTR);
	for (size_t i = 0; ready > 0 && i < n; i++) {
		if (!fds[i].revents)
			continue;
		int32_t ev = (fds[i].revents & POLLIN ? TFY_ASYNC_WATCH_READ : 0) |
		             (fds[i].revents & POLLOUT ? TFY_ASYNC_WATCH_WRITE : 0) |
		             (fds[i].revents & (POLLERR | POLLHUP) ? TFY_ASYNC_WATCH_ERROR : 0);
		double t0 = tu_now_s();
		tfy_async_socket_ready(as, fds[i].fd, ev);
		timed(d, t0);
	}
	if (d->due >= 0 && tu_now_s() >= d->due) {
		d->due = -1;
		double t0 = tu_now_s();
		tfy_async_timer_fired(as);
		timed(d, t0);
	}
}

/* Drives until nothing is pending (bounded, so that a bug fails rather than hangs). */
static void drv_run(tfy_async *as, driver *d)
{
	double until = tu_now_s() + 60 * tu_slowdown();
	while (tfy_async_pending(as) > 0) {
		drv_once(as, d);
		assert_true(tu_now_s() < until);
	}
}

/* ---- what callbacks were told ---------------------------------------------- */

typedef struct told {
	int called;
	int order;
	tfy_code rc;
	void *out;
	tfy_error *err;
	double at;
} told;

static int told_count;

static void note(told *t, tfy_code rc, void *out, tfy_error *err)
{
	t->called++;
	t->order = ++told_count;
	t->rc = rc;
	t->out = out;
	t->err = err;
	t->at = tu_now_s();
}

static void on_batch(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err)
{
	note(userdata, rc, batch, err);
}

static void on_batch_page(void *userdata, tfy_code rc, tfy_batch_page *page, tfy_error *err)
{
	note(userdata, rc, page, err);
}

static void on_file(void *userdata, tfy_code rc, tfy_file *file, tfy_error *err)
{
	note(userdata, rc, file, err);
}

static void on_file_page(void *userdata, tfy_code rc, tfy_file_page *page, tfy_error *err)
{
	note(userdata, rc, page, err);
}

static void on_done(void *userdata, tfy_code rc, tfy_error *err)
{
	note(userdata, rc, NULL, err);
}

static void told_batch_clear(told *t)
{
	tfy_batch_free(t->out);
	tfy_error_free(t->err);
	memset(t, 0, sizeof(*t));
}

/* The id of the mock's first batch, through the async list. */
static void first_batch_id(tfy_async *as, driver *d, char *id, size_t size)
{
	told t = { 0 };
	assert_int_equal(tfy_batches_list_start(as, NULL, on_batch_page, &t, NULL, NULL), TFY_OK);
	assert_int_equal(t.called, 0); /* never from inside the start form */
	drv_run(as, d);
	assert_int_equal(t.called, 1);
	assert_int_equal(t.rc, TFY_OK);
	tfy_batch_page *page = t.out;
	assert_true(page->count > 0);
	snprintf(id, size, "%s", page->items[0]->id);
	tfy_batch_page_free(page);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_hooks_checked(void **state)
{
	tu_fixture *f = *state;
	tfy_async_hooks h;
	assert_int_equal(tfy_async_hooks_init(&h, TFY_ASYNC_HOOKS_VERSION), TFY_OK);
	assert_int_equal(h.version, TFY_ASYNC_HOOKS_VERSION);
	assert_int_equal(tfy_async_hooks_init(&h, 99), TFY_ERROR_INVALID_ARGUMENT);
	tfy_async *as = (tfy_async *)&h;
	tfy_error *err = NULL;
	assert_int_equal(tfy_async_new(f->client, &h, &as, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(as);
	assert_non_null(err);
	tfy_error_free(err);
	driver d;
	as = drv_new(f->client, &d);
	told t = { 0 };
	tfy_async_call *call = (tfy_async_call *)&t;
	assert_int_equal(tfy_batches_retrieve_start(as, "batch_1", NULL, NULL, &t, &call, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_null(call);
	tfy_error_free(err);
	/* A bad id is refused by the start form, as the blocking call refuses it. */
	assert_int_equal(tfy_batches_retrieve_start(as, "", NULL, on_batch, &t, &call, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(err);
	tfy_error_free(err);
	assert_int_equal(tfy_async_pending(as), 0);
	assert_int_equal(t.called, 0);
	tfy_async_free(as);
	assert_true(d.due < 0);
}

static void test_retrieve_and_list(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	told t = { 0 };
	tfy_async_call *call = NULL;
	assert_int_equal(tfy_batches_retrieve_start(as, id, NULL, on_batch, &t, &call, NULL), TFY_OK);
	assert_non_null(call);
	assert_int_equal(tfy_async_pending(as), 1);
	drv_run(as, &d);
	assert_int_equal(t.called, 1);
	assert_int_equal(t.rc, TFY_OK);
	assert_null(t.err);
	assert_string_equal(((tfy_batch *)t.out)->id, id);
	/* The same as the blocking call's answer. */
	tfy_batch *b = NULL;
	assert_int_equal(tfy_batches_retrieve(f->client, id, NULL, &b, NULL), TFY_OK);
	assert_int_equal(b->status, ((tfy_batch *)t.out)->status);
	assert_string_equal(b->input_file_id, ((tfy_batch *)t.out)->input_file_id);
	tfy_batch_free(b);
	told_batch_clear(&t);
	/* A missing batch: the blocking call's error. */
	assert_int_equal(tfy_batches_retrieve_start(as, "batch_nope", NULL, on_batch, &t, NULL, NULL),
	                 TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_NOT_FOUND);
	assert_non_null(t.err);
	assert_int_equal(t.err->http_status, 404);
	assert_null(t.out);
	told_batch_clear(&t);
	/* A page of two. */
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	assert_int_equal(tfy_batches_list_start(as, &lo, on_batch_page, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_int_equal(((tfy_batch_page *)t.out)->count, 2);
	assert_true(((tfy_batch_page *)t.out)->has_more);
	tfy_batch_page_free(t.out);
	/* Nothing left watched or armed once idle and freed. */
	tfy_async_free(as);
	assert_int_equal(d.count, 0);
	assert_true(d.due < 0);
}

#define MANY 200

static void test_many_retrieves_at_once(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	static told t[MANY];
	memset(t, 0, sizeof(t));
	for (int i = 0; i < MANY; i++)
		assert_int_equal(tfy_batches_retrieve_start(as, id, NULL, on_batch, &t[i], NULL, NULL),
		                 TFY_OK);
	assert_int_equal(tfy_async_pending(as), MANY);
	drv_run(as, &d);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(t[i].called, 1);
		assert_int_equal(t[i].rc, TFY_OK);
		assert_string_equal(((tfy_batch *)t[i].out)->id, id);
		told_batch_clear(&t[i]);
	}
	tfy_async_free(as);
}

static const char input_line[] =
	"{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	"\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n";

/* A file uploaded by the blocking call, for the file calls; its id in id. */
static void upload_blocking(tfy_client *c, char *id, size_t size)
{
	char *path = tu_write_temp(input_line, sizeof(input_line) - 1);
	assert_non_null(path);
	tfy_files_upload_options uo = TFY_FILES_UPLOAD_OPTIONS_INIT;
	uo.path = path;
	tfy_file *file = NULL;
	assert_int_equal(tfy_files_upload(c, &uo, &file, NULL), TFY_OK);
	snprintf(id, size, "%s", file->id);
	tfy_file_free(file);
	unlink(path);
	free(path);
}

static void test_file_calls(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	upload_blocking(f->client, id, sizeof(id));
	told t = { 0 };
	assert_int_equal(tfy_files_retrieve_start(as, id, NULL, on_file, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_string_equal(((tfy_file *)t.out)->id, id);
	assert_int_equal(((tfy_file *)t.out)->bytes.value, (int64_t)sizeof(input_line) - 1);
	tfy_file_free(t.out);
	memset(&t, 0, sizeof(t));
	assert_int_equal(tfy_files_list_start(as, NULL, on_file_page, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_true(((tfy_file_page *)t.out)->count >= 1);
	tfy_file_page_free(t.out);
	memset(&t, 0, sizeof(t));
	assert_int_equal(tfy_files_delete_start(as, id, NULL, on_done, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_null(t.err);
	/* Gone: the retrieve says so. */
	assert_int_equal(tfy_files_retrieve_start(as, id, NULL, on_file, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_NOT_FOUND);
	tfy_error_free(t.err);
	tfy_async_free(as);
}

/* ---- main ------------------------------------------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks_checked),
		cmocka_unit_test(test_retrieve_and_list),
		cmocka_unit_test(test_many_retrieves_at_once),
		cmocka_unit_test(test_file_calls),
	};
	return cmocka_run_group_tests(tests, tu_fixture_setup, tu_fixture_teardown);
}
