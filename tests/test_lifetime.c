/*
 * The client's lifetime (since 1.3): iterators and calls in flight hold a
 * reference, tfy_client_free() drops the caller's and the last one frees.
 * So a client may be freed before its iterators (a garbage collector's
 * order), from another thread while a call runs, and from inside a
 * callback of a call on it.  Run under ASan and valgrind, these catch any
 * use after the free and any leak of the client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <tfy/tfy.h>

#include "rawserver.h"
#include "testutil.h"

#define KEY "tfy-local-key-for-lifetime-tests"

#define BATCH_IN_PROGRESS \
	"{\"id\":\"batch_l\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\"," \
	"\"input_file_id\":\"file-in\",\"completion_window\":\"24h\",\"status\":\"in_progress\"," \
	"\"created_at\":1714564800}"

static tfy_client *client_at(const char *base)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = base;
	o.api_key = KEY;
	tfy_client *c = NULL;
	assert_int_equal(tfy_client_new(&o, &c, NULL), TFY_OK);
	return c;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- the client freed before its iterators ---------------------------------- */

static int count_rest(tfy_batch_iter *it)
{
	int n = 0;
	const tfy_batch *b = NULL;
	while (tfy_batch_iter_next(it, &b, NULL) == TFY_OK && b)
		n++;
	return n;
}

/*
 * As a garbage collector may: the client first, each iterator with the
 * next page's request in flight (prefetch).  One iterator goes on to the
 * end on the freed client's connections; the other is freed at once.
 */
static void test_client_freed_before_its_iterators(void **state)
{
	(void)state;
	tu_gateway gw;
	static const char *const args[] = { "--count", "25", NULL };
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tfy_client *c = tu_client(&gw, "/v1", "tfy-local-key", NULL);
	assert_non_null(c);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 10;
	tfy_batch_iter *walked = NULL, *dropped = NULL;
	const tfy_batch *b = NULL;
	assert_int_equal(tfy_batch_iter_new(c, &lo, &walked, NULL), TFY_OK);
	assert_int_equal(tfy_batch_iter_new(c, &lo, &dropped, NULL), TFY_OK);
	assert_int_equal(tfy_batch_iter_next(walked, &b, NULL), TFY_OK);
	assert_non_null(b);
	assert_int_equal(tfy_batch_iter_next(dropped, &b, NULL), TFY_OK);
	assert_non_null(b);
	tfy_client_free(c);
	tfy_batch_iter_free(dropped);
	assert_int_equal(count_rest(walked), 24);
	assert_int_equal(tfy_batch_iter_pages(walked), 3);
	tfy_batch_iter_free(walked); /* the last reference: the client goes now */
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* The file listing's iterators hold their client the same way (the pager shared with batches). */
static const char upload_line[] = "{\"custom_id\":\"a\",\"method\":\"POST\","
				  "\"url\":\"/v1/chat/completions\","
				  "\"body\":{\"model\":\"m\",\"messages\":[]}}\n";

static int64_t read_line_once(void *userdata, char *buf, size_t size)
{
	size_t *pos = userdata, n = sizeof(upload_line) - 1 - *pos;
	if (n > size)
		n = size;
	memcpy(buf, upload_line + *pos, n);
	*pos += n;
	return (int64_t)n;
}

static int32_t rewind_line(void *userdata)
{
	*(size_t *)userdata = 0;
	return 0;
}

static int count_rest_files(tfy_file_iter *it)
{
	int n = 0;
	const tfy_file *f = NULL;
	while (tfy_file_iter_next(it, &f, NULL) == TFY_OK && f)
		n++;
	return n;
}

static void test_client_freed_before_its_file_iterators(void **state)
{
	(void)state;
	tu_gateway gw;
	static const char *const args[] = { NULL };
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tfy_client *c = tu_client(&gw, "/v1", "tfy-local-key", NULL);
	assert_non_null(c);
	for (int i = 0; i < 5; i++) {
		size_t pos = 0;
		tfy_files_upload_options up = TFY_FILES_UPLOAD_OPTIONS_INIT;
		up.read = read_line_once;
		up.rewind = rewind_line;
		up.read_userdata = &pos;
		up.size = (int64_t)sizeof(upload_line) - 1;
		tfy_file *file = NULL;
		assert_int_equal(tfy_files_upload(c, &up, &file, NULL), TFY_OK);
		tfy_file_free(file);
	}
	tfy_files_list_options lo = TFY_FILES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	tfy_file_iter *walked = NULL, *dropped = NULL;
	const tfy_file *f = NULL;
	assert_int_equal(tfy_file_iter_new(c, &lo, &walked, NULL), TFY_OK);
	assert_int_equal(tfy_file_iter_new(c, &lo, &dropped, NULL), TFY_OK);
	assert_int_equal(tfy_file_iter_next(walked, &f, NULL), TFY_OK);
	assert_non_null(f);
	assert_int_equal(tfy_file_iter_next(dropped, &f, NULL), TFY_OK);
	assert_non_null(f);
	tfy_client_free(c);
	tfy_file_iter_free(dropped);
	assert_int_equal(count_rest_files(walked), 4);
	tfy_file_iter_free(walked); /* the last reference: the client goes now */
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* ---- freed from another thread while a call runs ---------------------------- */

/* Reads the request, counts it, answers 300 ms later. */
static void answer_slowly(tu_server *s, int fd)
{
	if (!tu_read_head(fd))
		return;
	atomic_fetch_add(&s->requests, 1);
	sleep_ms(300);
	tu_send_all(fd, s->reply, s->reply_len);
	shutdown(fd, SHUT_WR);
}

typedef struct freer {
	tu_server *server;
	tfy_client *client;
	pthread_t thread;
} freer;

/* Frees the client once the server has the call's request. */
static void *free_during_call(void *arg)
{
	freer *f = arg;
	double end = tu_now_s() + 10 * tu_slowdown();
	while (atomic_load(&f->server->requests) < 1 && tu_now_s() < end)
		sleep_ms(5);
	tfy_client_free(f->client);
	return NULL;
}

static void test_free_from_another_thread_during_a_call(void **state)
{
	(void)state;
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Connection: close\r\n\r\n" BATCH_IN_PROGRESS;
	tu_server s;
	tu_server_start(&s, answer_slowly, reply, sizeof(reply) - 1);
	freer f = { &s, client_at(s.base), 0 };
	assert_int_equal(pthread_create(&f.thread, NULL, free_during_call, &f), 0);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_retrieve(f.client, "batch_l", NULL, &b, &err);
	pthread_join(f.thread, NULL);
	if (rc != TFY_OK)
		fail_msg("%s", err ? err->message : "?");
	assert_string_equal(b->id, "batch_l");
	tfy_batch_free(b);
	assert_int_equal(atomic_load(&s.requests), 1);
	tu_server_stop(&s);
}

/* ---- freed from inside a callback of a call on it --------------------------- */

typedef struct inside {
	tfy_client *client;
	int calls;
} inside;

/* A cancel callback that frees the client the first time it is asked, and lets the call go on. */
static int32_t free_then_continue(void *userdata)
{
	inside *k = userdata;
	if (k->calls++ == 0)
		tfy_client_free(k->client);
	return TFY_CANCEL_CONTINUE;
}

static void test_free_inside_a_cancel_callback(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", BATCH_IN_PROGRESS);
	inside k = { client_at(s.base), 0 };
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel = free_then_continue;
	req.cancel_userdata = &k;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_retrieve(k.client, "batch_l", &req, &b, &err);
	if (rc != TFY_OK)
		fail_msg("%s", err ? err->message : "?");
	assert_true(k.calls >= 1); /* freed when first asked, before the request was sent */
	assert_string_equal(b->id, "batch_l");
	tfy_batch_free(b);
	tu_server_stop(&s);
}

/* A wait's progress callback that frees the client and stops the wait. */
static int32_t free_then_stop(void *userdata, const tfy_batch *batch)
{
	inside *k = userdata;
	(void)batch;
	k->calls++;
	tfy_client_free(k->client);
	return 1;
}

static void test_free_inside_a_waits_progress_callback(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", BATCH_IN_PROGRESS);
	inside k = { client_at(s.base), 0 };
	tfy_batch_wait_options wo = TFY_BATCH_WAIT_OPTIONS_INIT;
	wo.on_progress = free_then_stop;
	wo.progress_userdata = &k;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batch_wait(k.client, "batch_l", &wo, &b, &err), TFY_ERROR_CANCELLED);
	assert_non_null(strstr(err->message, "on_progress"));
	assert_int_equal(k.calls, 1);
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	tfy_error_free(err);
	tfy_batch_free(b);
	tu_server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_freed_before_its_iterators),
		cmocka_unit_test(test_client_freed_before_its_file_iterators),
		cmocka_unit_test(test_free_from_another_thread_during_a_call),
		cmocka_unit_test(test_free_inside_a_cancel_callback),
		cmocka_unit_test(test_free_inside_a_waits_progress_callback),
	};
	return cmocka_run_group_tests_name("client lifetime", tests, NULL, NULL);
}
