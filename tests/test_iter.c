/*
 * The iterator and concurrent use of one client, against tfy-mock-gateway
 * on loopback.
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
#include <time.h>

#include <unistd.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define DATASET 250
#define THREADS 8

typedef tu_fixture fixture;

/* Drains an iterator; returns how many batches it gave and the final code. */
static tfy_code drain(tfy_batch_iter *it, size_t *count, char **last_id, tfy_error **err)
{
	const tfy_batch *b;
	tfy_code rc;
	*count = 0;
	while ((rc = tfy_batch_iter_next(it, &b, err)) == TFY_OK && b) {
		(*count)++;
		if (last_id) {
			free(*last_id);
			*last_id = strdup(b->id);
		}
	}
	return rc;
}

static void test_iterates_everything(void **state)
{
	fixture *f = *state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 100;
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, NULL), TFY_OK);
	assert_null(tfy_batch_iter_cursor(it));
	const tfy_batch *b;
	size_t n = 0;
	int64_t prev = INT64_MAX;
	tfy_error *err = NULL;
	while (tfy_batch_iter_next(it, &b, &err) == TFY_OK && b) {
		assert_true(b->created_at.value < prev);
		prev = b->created_at.value;
		assert_string_equal(tfy_batch_iter_cursor(it), b->id);
		n++;
	}
	assert_null(err);
	assert_int_equal(n, DATASET);
	assert_int_equal(tfy_batch_iter_items(it), DATASET);
	assert_int_equal(tfy_batch_iter_pages(it), 3);
	/* The end is sticky and sends nothing more. */
	assert_int_equal(tfy_batch_iter_next(it, &b, &err), TFY_OK);
	assert_null(b);
	assert_int_equal(tfy_batch_iter_pages(it), 3);
	tfy_batch_iter_free(it);
	tfy_batch_iter_free(NULL);
}

static void test_caps_and_resume(void **state)
{
	fixture *f = *state;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 20;
	o.max_items = 30;
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, NULL), TFY_OK);
	size_t n;
	char *last = NULL;
	assert_int_equal(drain(it, &n, &last, NULL), TFY_OK);
	assert_int_equal(n, 30);
	assert_int_equal(tfy_batch_iter_pages(it), 2);
	assert_string_equal(tfy_batch_iter_cursor(it), last);

	/* A new iterator from the cursor continues exactly where the first stopped. */
	tfy_batches_list_options again = TFY_BATCHES_LIST_OPTIONS_INIT;
	again.limit = 100;
	again.after = tfy_batch_iter_cursor(it);
	tfy_batch_iter *rest = NULL;
	assert_int_equal(tfy_batch_iter_new(f->client, &again, &rest, NULL), TFY_OK);
	tfy_batch_iter_free(it);
	assert_int_equal(drain(rest, &n, NULL, NULL), TFY_OK);
	assert_int_equal(n, DATASET - 30);
	tfy_batch_iter_free(rest);
	free(last);

	o.max_items = 0;
	o.max_pages = 2;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, NULL), TFY_OK);
	assert_int_equal(drain(it, &n, NULL, NULL), TFY_OK);
	assert_int_equal(n, 40);
	tfy_batch_iter_free(it);
}

static void test_options_are_copied(void **state)
{
	fixture *f = *state;
	char provider[32], header_value[32];
	strcpy(provider, "openai-main");
	strcpy(header_value, "kept");
	tfy_pair extra = { "X-Copied", header_value };
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy_request_options o_req = TFY_REQUEST_OPTIONS_INIT;
	o.request = &o_req;
	o.limit = 1;
	o.max_items = 1;
	o_req.provider_name = provider;
	o_req.headers = &extra;
	o_req.headers_count = 1;
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, NULL), TFY_OK);
	strcpy(provider, "overwritten");
	strcpy(header_value, "overwritten");
	size_t n;
	assert_int_equal(drain(it, &n, NULL, NULL), TFY_OK);
	tfy_batch_iter_free(it);
	char *last = tu_http_get(&f->gw, "/_mock/last-request");
	assert_non_null(strstr(last, "\"openai-main\""));
	assert_non_null(strstr(last, "\"kept\""));
	assert_null(strstr(last, "overwritten"));
	free(last);
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;
	tfy_batch_iter *it = NULL;
	tfy_error *err = NULL;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy_request_options o_req = TFY_REQUEST_OPTIONS_INIT;
	o.request = &o_req;
	o.max_items = -1;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(it);
	tfy_error_free(err);
	assert_int_equal(tfy_batch_iter_new(NULL, NULL, &it, NULL), TFY_ERROR_INVALID_ARGUMENT);
	/* A limit out of range or a bad header is refused when the iterator is made. */
	o.max_items = 0;
	o.limit = 500;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(it);
	assert_int_equal(err->attempts, 0);
	tfy_error_free(err);
	tfy_pair bad = { "X-Bad", "a\r\nb" };
	o.limit = 10;
	o_req.headers = &bad;
	o_req.headers_count = 1;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
}

/* Collects every id an iterator gives, as one string, and its final code. */
static tfy_code ids_of(tfy_client *c, tfy_batches_list_options *o, char *ids, size_t size,
                       tfy_error **err)
{
	tfy_batch_iter *it = NULL;
	tfy_code rc = tfy_batch_iter_new(c, o, &it, err);
	const tfy_batch *b;
	ids[0] = '\0';
	while (rc == TFY_OK && (rc = tfy_batch_iter_next(it, &b, err)) == TFY_OK && b) {
		strncat(ids, b->id, size - strlen(ids) - 2);
		strcat(ids, ",");
	}
	tfy_batch_iter_free(it);
	return rc;
}

static void test_prefetch_sends_ahead_and_changes_nothing(void **state)
{
	fixture *f = *state;
	static char with[65536], without[65536];
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 30;
	assert_int_equal(o.prefetch, 0); /* the default: on */
	assert_int_equal(ids_of(f->client, &o, with, sizeof(with), NULL), TFY_OK);
	o.prefetch = TFY_NONE;
	assert_int_equal(ids_of(f->client, &o, without, sizeof(without), NULL), TFY_OK);
	assert_string_equal(with, without);

	/* After the first batch, the second page has been asked for already. */
	o.prefetch = 1;
	o.max_items = 0;
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, NULL), TFY_OK);
	long before = tu_gateway_requests(&f->gw);
	const tfy_batch *b;
	assert_int_equal(tfy_batch_iter_next(it, &b, NULL), TFY_OK);
	long seen = 0;
	for (int i = 0; i < 200 && (seen = tu_gateway_requests(&f->gw) - before) < 2; i++)
		nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
	/* Page 1 and page 2, sent ahead (stats requests are not counted). */
	assert_int_equal(seen, 2);
	tfy_batch_iter_free(it); /* with the prefetched answer still unread */

	/* No prefetch past a cap. */
	o.max_pages = 1;
	assert_int_equal(tfy_batch_iter_new(f->client, &o, &it, NULL), TFY_OK);
	before = tu_gateway_requests(&f->gw);
	while (tfy_batch_iter_next(it, &b, NULL) == TFY_OK && b)
		;
	nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	assert_int_equal(tu_gateway_requests(&f->gw) - before, 1);
	tfy_batch_iter_free(it);
}

static void test_prefetched_errors_are_the_same(void **state)
{
	(void)state;
	/* The first request is served, every later one fails. */
	static const char *const args[] = { "--count", "100",
		                            "--fault", "none:times=1",
		                            "--fault", "status:code=500,times=0",
		                            NULL };
	for (int32_t prefetch = TFY_NONE; prefetch <= 1; prefetch += 2) {
		tu_gateway gw;
		assert_int_equal(tu_gateway_start(&gw, args), 0);
		tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
		co.max_retries = 1;
		tfy_client *c = tu_client(&gw, "/v1", KEY, &co);
		assert_non_null(c);
		tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
		o.limit = 40;
		o.prefetch = prefetch;
		static char ids[8192];
		tfy_error *err = NULL;
		assert_int_equal(ids_of(c, &o, ids, sizeof(ids), &err), TFY_ERROR_SERVER);
		assert_int_equal(err->http_status, 500);
		assert_int_equal(err->attempts, 2);
		size_t commas = 0;
		for (const char *p = ids; *p; p++)
			commas += *p == ',';
		assert_int_equal(commas, 40); /* the first page, then the error */
		tfy_error_free(err);
		tfy_client_free(c);
		assert_int_equal(tu_gateway_stop(&gw), 0);
	}
}

typedef struct worker {
	tfy_client *client;
	int pages_ok;
	size_t items;
} worker;

static void *list_concurrently(void *arg)
{
	worker *w = arg;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 50;
	for (int i = 0; i < 10; i++) {
		tfy_batch_page *page = NULL;
		if (tfy_batches_list(w->client, &o, &page, NULL) == TFY_OK && page->count == 50)
			w->pages_ok++;
		tfy_batch_page_free(page);
	}
	tfy_batch_iter *it = NULL;
	if (tfy_batch_iter_new(w->client, &o, &it, NULL) == TFY_OK)
		drain(it, &w->items, NULL, NULL);
	tfy_batch_iter_free(it);
	return NULL;
}

/* Eight threads share one client; run under ThreadSanitizer in CI. */
static void test_threads_share_a_client(void **state)
{
	fixture *f = *state;
	pthread_t threads[THREADS];
	worker workers[THREADS];
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (worker){ f->client, 0, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, list_concurrently, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(workers[i].pages_ok, 10);
		assert_int_equal(workers[i].items, DATASET);
	}
}

static void test_clients_in_parallel_threads(void **state)
{
	fixture *f = *state;
	pthread_t threads[THREADS];
	worker workers[THREADS];
	for (int i = 0; i < THREADS; i++) {
		workers[i] = (worker){ tu_client(&f->gw, "/api/llm", KEY, NULL), 0, 0 };
		assert_non_null(workers[i].client);
		assert_int_equal(pthread_create(&threads[i], NULL, list_concurrently, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(workers[i].pages_ok, 10);
		assert_int_equal(workers[i].items, DATASET);
		tfy_client_free(workers[i].client);
	}
}

/*
 * A gateway that pages by filtering: without `after` an empty page with
 * has_more and last_id "batch_skip" (or, in loop mode, a fresh last_id
 * every time), after it the last page.
 */
static void filtered_pages(tu_server *s, int fd)
{
	char head[4096];
	if (!tu_read_head_into(fd, head, sizeof(head)))
		return;
	static atomic_int serial;
	char body[256];
	if (s->reply || !strstr(head, "after=batch_skip"))
		snprintf(body, sizeof(body),
		         "{\"object\":\"list\",\"data\":[],\"last_id\":\"batch_skip%s%d\",\"has_more\":true}",
		         s->reply ? "_" : "", s->reply ? atomic_fetch_add(&serial, 1) : 0);
	else
		snprintf(body, sizeof(body),
		         "{\"object\":\"list\",\"data\":[{\"id\":\"batch_last\"}],"
		         "\"has_more\":false}");
	tu_send_answer(fd, 200, NULL, body, strlen(body));
}

static void test_empty_page_with_last_id_continues(void **state)
{
	(void)state;
	tu_server srv;
	tu_server_start(&srv, filtered_pages, NULL, 0);
	tfy_client *c = tu_client_url(srv.base, KEY, NULL);
	assert_non_null(c);
	tfy_error *err = NULL;
	static char ids[256];
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy_code rc = ids_of(c, &o, ids, sizeof(ids), &err);
	if (rc != TFY_OK)
		print_error("%s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_string_equal(ids, "batch_last,");
	tu_server_stop(&srv);

	/* A fresh last_id on every empty page escapes the cycle guard, not the bound. */
	tu_server_start(&srv, filtered_pages, "loop", 4);
	tfy_client_free(c);
	c = tu_client_url(srv.base, KEY, NULL);
	assert_non_null(c);
	assert_int_equal(ids_of(c, &o, ids, sizeof(ids), &err), TFY_ERROR_PAGINATION);
	assert_non_null(strstr(err->message, "empty pages"));
	tfy_error_free(err);
	tfy_client_free(c);
	tu_server_stop(&srv);
}

/*
 * A gateway that leaves has_more out and ignores `after`: the default goes
 * on asking, sees the same page again and ends quietly after the first.
 */
static void test_missing_has_more_repeat_ends_quietly(void **state)
{
	(void)state;
	tu_server srv;
	tu_server_canned(&srv, 200, "",
	                 "{\"object\":\"list\",\"data\":[{\"id\":\"batch_a\"},{\"id\":\"batch_b\"}]}");
	tfy_client *c = tu_client_url(srv.base, KEY, NULL);
	assert_non_null(c);
	tfy_error *err = NULL;
	static char ids[256];
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	assert_int_equal(ids_of(c, &o, ids, sizeof(ids), &err), TFY_OK);
	assert_string_equal(ids, "batch_a,batch_b,");
	assert_int_equal(atomic_load(&srv.requests), 2);
	tfy_client_free(c);
	tu_server_stop(&srv);

	/* Nowhere to go on from (no id, no last_id): the walk ends after the page. */
	tu_server_canned(&srv, 200, "", "{\"object\":\"list\",\"data\":[{\"status\":\"completed\"}]}");
	c = tu_client_url(srv.base, KEY, NULL);
	assert_non_null(c);
	size_t n = 0;
	tfy_batch_iter *it = NULL;
	const tfy_batch *b;
	tfy_code rc;
	assert_int_equal(tfy_batch_iter_new(c, &o, &it, &err), TFY_OK);
	while ((rc = tfy_batch_iter_next(it, &b, &err)) == TFY_OK && b)
		n++;
	assert_int_equal(rc, TFY_OK);
	assert_int_equal(n, 1);
	assert_int_equal(atomic_load(&srv.requests), 1);
	tfy_batch_iter_free(it);
	tfy_client_free(c);
	tu_server_stop(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iterates_everything),
		cmocka_unit_test(test_caps_and_resume),
		cmocka_unit_test(test_options_are_copied),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_prefetch_sends_ahead_and_changes_nothing),
		cmocka_unit_test(test_prefetched_errors_are_the_same),
		cmocka_unit_test(test_threads_share_a_client),
		cmocka_unit_test(test_clients_in_parallel_threads),
		cmocka_unit_test(test_empty_page_with_last_id_continues),
		cmocka_unit_test(test_missing_has_more_repeat_ends_quietly),
	};
	return cmocka_run_group_tests_name("iter", tests, tu_fixture_setup, tu_fixture_teardown);
}
