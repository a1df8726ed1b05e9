/*
 * The non-blocking core (lib/loop.h): many ops on one loop from one
 * thread, against tfy-mock-gateway and the raw server.  Transfers overlap,
 * each op keeps the blocking call's rules (retries, Retry-After,
 * deadline, cancel, unknown outcomes), timers fire in order, and a loop
 * freed with work pending leaks nothing (run it under valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <cmocka.h>

#include "client_internal.h"
#include "loop.h"
#include "options.h"
#include "rawserver.h"
#include "testutil.h"

/* What an op's done callback was told. */
typedef struct done_rec {
	int called;
	int order; /* 1 for the first op done, 2 for the next, ... */
	tfy_code rc;
	char *out; /* the body, kept by decode_keep */
	tfy_error *err;
	double at; /* tu_now_s() when told */
} done_rec;

static int done_count;

static void on_done(void *userdata, tfy_code rc, void *out, tfy_error *err)
{
	done_rec *d = userdata;
	d->called++;
	d->order = ++done_count;
	d->rc = rc;
	d->out = out;
	d->err = err;
	d->at = tu_now_s();
}

static void done_clear(done_rec *d)
{
	free(d->out);
	tfy_error_free(d->err);
	memset(d, 0, sizeof(*d));
}

/* The decoder of every test endpoint: the body as it came, a string of its own. */
static tfy_code decode_keep(const tfy__http_response *resp, void **out, char *detail, size_t size)
{
	(void)detail;
	(void)size;
	char *copy = malloc(resp->body_len + 1);
	if (!copy)
		return TFY_ERROR_OUT_OF_MEMORY;
	memcpy(copy, resp->body, resp->body_len);
	copy[resp->body_len] = '\0';
	*out = copy;
	return TFY_OK;
}

static const tfy__endpoint list_ep = { .method = "GET", .collection = "/batches", .decode = decode_keep };
static const tfy__endpoint retrieve_ep = {
	.method = "GET", .collection = "/batches", .id_name = "the batch id", .decode = decode_keep
};
static const tfy__endpoint create_ep = { .method = "POST",
	                                 .collection = "/batches",
	                                 .body = TFY__BODY_JSON,
	                                 .decode = decode_keep,
	                                 .repeat = TFY__REPEAT_UNSENT };
static const tfy__endpoint upload_ep = { .method = "POST",
	                                 .collection = "/files",
	                                 .body = TFY__BODY_UPLOAD,
	                                 .decode = decode_keep,
	                                 .repeat = TFY__REPEAT_UNSENT };
static const tfy__endpoint download_ep = { .method = "GET",
	                                   .collection = "/files",
	                                   .id_name = "the file id",
	                                   .suffix = "/content",
	                                   .body = TFY__BODY_DOWNLOAD,
	                                   .decode = decode_keep };

/* How an op is started: a mock fault for its requests, a deadline, retries. */
typedef struct how {
	const char *fault;
	int64_t deadline_ms;
	int32_t max_retries;
} how;

static tfy__op *start(tfy__loop *loop, tfy_client *c, const tfy__endpoint *ep,
                      const tfy__endpoint_args *args, const how *h, done_rec *d)
{
	tfy_pair header = { "x-mock-fault", h ? h->fault : NULL };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT, read;
	r.headers = header.value ? &header : NULL;
	r.headers_count = header.value ? 1 : 0;
	r.deadline_ms = h ? h->deadline_ms : 0;
	r.max_retries = h ? h->max_retries : 0;
	assert_int_equal(tfy__request_options_read(&r, &read, NULL), TFY_OK);
	tfy__options_pair pair = tfy__endpoint_pair(c, &read);
	int transfer = ep->body == TFY__BODY_UPLOAD || ep->body == TFY__BODY_DOWNLOAD;
	tfy__call call = transfer ? tfy__call_start_transfer(c, &pair) : tfy__call_start(c, &pair);
	tfy__op *op = tfy__op_start(loop, ep, args, &pair, &call, on_done, d);
	assert_non_null(op);
	return op;
}

/* Runs the loop until nothing is pending (with an upper bound, so a bug fails rather than hangs). */
static void run_all(tfy__loop *loop)
{
	double until = tu_now_s() + 60 * tu_slowdown();
	while (tfy__loop_run(loop, 100) > 0)
		assert_true(tu_now_s() < until);
}

/* The id of the first batch of the mock's list, for retrieves. */
static void first_batch_id(tfy__loop *loop, tfy_client *c, char *id, size_t size)
{
	done_rec d = { 0 };
	const tfy__endpoint_args args = { 0 };
	start(loop, c, &list_ep, &args, NULL, &d);
	run_all(loop);
	assert_int_equal(d.rc, TFY_OK);
	json_t *page = json_loads(d.out, 0, NULL);
	const char *s = json_string_value(
		json_object_get(json_array_get(json_object_get(page, "data"), 0), "id"));
	assert_non_null(s);
	snprintf(id, size, "%s", s);
	json_decref(page);
	done_clear(&d);
}

#define MANY 32

static void test_many_retrieves_at_once(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	assert_non_null(loop);
	char id[128];
	first_batch_id(loop, f->client, id, sizeof(id));
	done_rec d[MANY] = { 0 };
	const tfy__endpoint_args args = { .id = id };
	for (int i = 0; i < MANY; i++)
		start(loop, f->client, &retrieve_ep, &args, NULL, &d[i]);
	/* Nothing is told from inside tfy__op_start. */
	for (int i = 0; i < MANY; i++)
		assert_int_equal(d[i].called, 0);
	run_all(loop);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(d[i].called, 1);
		assert_int_equal(d[i].rc, TFY_OK);
		assert_null(d[i].err);
		assert_non_null(strstr(d[i].out, id));
		done_clear(&d[i]);
	}
	assert_int_equal(tfy__loop_run(loop, 0), 0);
	tfy__loop_free(loop);
}

#define SLOW 8

/* 8 answers each held 300 ms by the server come back together, not one after another. */
static void test_transfers_overlap(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	done_rec d[SLOW] = { 0 };
	const tfy__endpoint_args args = { 0 };
	const how slow = { .fault = "delay:ms=300" };
	double t0 = tu_now_s();
	for (int i = 0; i < SLOW; i++)
		start(loop, f->client, &list_ep, &args, &slow, &d[i]);
	run_all(loop);
	double took = tu_now_s() - t0;
	for (int i = 0; i < SLOW; i++) {
		assert_int_equal(d[i].rc, TFY_OK);
		done_clear(&d[i]);
	}
	/* One after another would take 2.4 s. */
	assert_true(took >= 0.3);
	assert_true(took < 1.5 * tu_slowdown());
	tfy__loop_free(loop);
}

/* A sink that counts and checks the pattern of the file it receives. */
typedef struct counting_sink {
	const char *expect; /* the bytes expected, or NULL */
	int64_t got;
	int writes;
	int mismatch;
	tfy__op *cancel_op; /* cancelled at the first write, when set */
} counting_sink;

static int32_t sink_write(void *userdata, const char *data, size_t size)
{
	counting_sink *s = userdata;
	if (s->expect && memcmp(s->expect + s->got, data, size) != 0)
		s->mismatch = 1;
	s->got += (int64_t)size;
	s->writes++;
	if (s->cancel_op)
		tfy__op_cancel(s->cancel_op);
	return 0;
}

#define FILES 8
#define FILE_BYTES (2 << 20)

/* A JSONL file of FILE_BYTES bytes or a little more, its custom_ids unique to file n. */
static char *make_input(int n, size_t *len)
{
	char *buf = malloc(FILE_BYTES + 512);
	assert_non_null(buf);
	size_t used = 0;
	for (int i = 0; used < FILE_BYTES; i++)
		used += (size_t)sprintf(buf + used,
		                        "{\"custom_id\":\"f%d-r%d\",\"method\":\"POST\",\"url\":\"/v1/chat/"
		                        "completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":"
		                        "\"user\",\"content\":\"hello %d\"}]}}\n",
		                        n, i, i);
	*len = used;
	return buf;
}

static void test_uploads_and_downloads_at_once(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	char *data[FILES];
	size_t len[FILES];
	tu_mem_stream in[FILES];
	tfy__upload up[FILES];
	done_rec d[FILES] = { 0 };
	const tfy_pair purpose = { "purpose", "batch" };
	for (int i = 0; i < FILES; i++) {
		data[i] = make_input(i, &len[i]);
		in[i] = (tu_mem_stream){ data[i], len[i], 0, 0, -1 };
		up[i] = (tfy__upload){
			&purpose,    1,      "file",          "input.jsonl", "application/jsonl",
			tu_mem_read, &in[i], (int64_t)len[i], NULL,          NULL
		};
		const tfy__endpoint_args args = { .upload = &up[i] };
		start(loop, f->client, &upload_ep, &args, NULL, &d[i]);
	}
	run_all(loop);
	char ids[FILES][128];
	for (int i = 0; i < FILES; i++) {
		assert_int_equal(d[i].rc, TFY_OK);
		json_t *o = json_loads(d[i].out, 0, NULL);
		assert_non_null(json_string_value(json_object_get(o, "id")));
		snprintf(ids[i], sizeof(ids[i]), "%s", json_string_value(json_object_get(o, "id")));
		json_decref(o);
		done_clear(&d[i]);
	}
	counting_sink sinks[FILES] = { 0 };
	tfy__sink sink[FILES];
	for (int i = 0; i < FILES; i++) {
		sinks[i].expect = data[i];
		sink[i] = (tfy__sink){ sink_write, &sinks[i], NULL, (int64_t)len[i], NULL };
		const tfy__endpoint_args args = { .id = ids[i], .sink = &sink[i] };
		start(loop, f->client, &download_ep, &args, NULL, &d[i]);
	}
	run_all(loop);
	for (int i = 0; i < FILES; i++) {
		assert_int_equal(d[i].rc, TFY_OK);
		assert_int_equal(sinks[i].got, (int64_t)len[i]);
		assert_false(sinks[i].mismatch);
		done_clear(&d[i]);
		free(data[i]);
	}
	tfy__loop_free(loop);
}

/* One op waits out a 429's Retry-After while the others finish. */
static void test_retry_after_on_one_op(void **state)
{
	(void)state;
	static const char *const args[] = { "--count", "5", "--fault",
		                            "retry-after:ms=600,route=retrieve", NULL };
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = 2;
	tfy_client *c = tu_client(&gw, "/v1", "tfy-local-key", &o);
	assert_non_null(c);
	tfy__loop *loop = tfy__loop_new(c);
	char id[128];
	first_batch_id(loop, c, id, sizeof(id));
	done_count = 0;
	done_rec limited = { 0 }, others[4] = { 0 };
	const tfy__endpoint_args one = { .id = id }, none = { 0 };
	const how retries = { .max_retries = 2 };
	double t0 = tu_now_s();
	start(loop, c, &retrieve_ep, &one, &retries, &limited);
	for (int i = 0; i < 4; i++)
		start(loop, c, &list_ep, &none, NULL, &others[i]);
	run_all(loop);
	assert_int_equal(limited.rc, TFY_OK);
	assert_true(limited.at - t0 >= 0.6);
	assert_int_equal(limited.order, 5); /* the others did not wait for it */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(others[i].rc, TFY_OK);
		assert_true(others[i].at < limited.at);
		done_clear(&others[i]);
	}
	done_clear(&limited);
	tfy__loop_free(loop);
	tfy_client_free(c);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* One op's deadline passes; the op next to it goes on to its answer. */
static void test_deadline_on_one_op(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	done_rec late = { 0 }, fine = { 0 };
	const tfy__endpoint_args args = { 0 };
	const how hurried = { .fault = "delay:ms=3000", .deadline_ms = 200 };
	const how patient = { .fault = "delay:ms=500" };
	double t0 = tu_now_s();
	start(loop, f->client, &list_ep, &args, &hurried, &late);
	start(loop, f->client, &list_ep, &args, &patient, &fine);
	run_all(loop);
	assert_int_equal(late.rc, TFY_ERROR_TIMEOUT);
	assert_non_null(late.err);
	assert_true(late.at - t0 < 2.0 * tu_slowdown());
	assert_int_equal(fine.rc, TFY_OK);
	assert_true(late.at < fine.at);
	done_clear(&late);
	done_clear(&fine);
	tfy__loop_free(loop);
}

/* Cancelled from its sink's first write: no second write, and done says cancelled. */
static void test_cancel_mid_download(void **state)
{
	(void)state;
	const tu_step steps[] = { { .content = 8 << 20 } };
	tu_script *srv = tu_script_start(steps, 1);
	tfy_client *c = tu_client_url(srv->s.base, "sk-test", NULL);
	assert_non_null(c);
	tfy__loop *loop = tfy__loop_new(c);
	counting_sink s = { 0 };
	tfy__sink sink = { sink_write, &s, NULL, 0, NULL };
	done_rec d = { 0 };
	const tfy__endpoint_args args = { .id = "file-abc", .sink = &sink };
	s.cancel_op = start(loop, c, &download_ep, &args, NULL, &d);
	run_all(loop);
	assert_int_equal(d.called, 1);
	assert_int_equal(d.rc, TFY_ERROR_CANCELLED);
	assert_int_equal(s.writes, 1);
	assert_true(s.got < 8 << 20);
	done_clear(&d);
	tfy__loop_free(loop);
	tfy_client_free(c);
	tu_script_stop(srv);
}

/* Cancelled in its backoff, from a timer: done says cancelled, no further request. */
static void cancel_op(void *op)
{
	tfy__op_cancel(op);
}

static void test_cancel_in_backoff(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 503, "retry-after-ms: 5000\r\n", "{}");
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.retry_after_max_ms = 10000;
	tfy_client *c = tu_client_url(s.base, "sk-test", &o);
	tfy__loop *loop = tfy__loop_new(c);
	done_rec d = { 0 };
	const tfy__endpoint_args args = { 0 };
	const how retries = { .max_retries = 3 };
	double t0 = tu_now_s();
	tfy__op *op = start(loop, c, &list_ep, &args, &retries, &d);
	tfy__loop_timer(loop, 300, cancel_op, op);
	run_all(loop);
	assert_int_equal(d.rc, TFY_ERROR_CANCELLED);
	assert_true(tu_now_s() - t0 < 3.0 * tu_slowdown());
	assert_int_equal(atomic_load(&s.accepted), 1);
	done_clear(&d);
	tfy__loop_free(loop);
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* A create answered 500 may have taken effect: unknown outcome, and it is not sent again. */
static void test_unknown_outcome_create(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, tu_reply_status, "{}", 2);
	atomic_store(&s.status, 500);
	tfy_client *c = tu_client_url(s.base, "sk-test", NULL);
	tfy__loop *loop = tfy__loop_new(c);
	done_rec d = { 0 };
	static const char body[] = "{\"input_file_id\":\"file-1\",\"endpoint\":\"/v1/chat/completions\","
				   "\"completion_window\":\"24h\"}";
	const tfy__endpoint_args args = { .body = body, .body_len = sizeof(body) - 1 };
	const how retries = { .max_retries = 3 };
	start(loop, c, &create_ep, &args, &retries, &d);
	run_all(loop);
	assert_int_equal(d.rc, TFY_ERROR_OUTCOME_UNKNOWN);
	assert_non_null(d.err);
	assert_int_equal(d.err->code, TFY_ERROR_OUTCOME_UNKNOWN);
	assert_int_equal(atomic_load(&s.posts), 1);
	done_clear(&d);
	tfy__loop_free(loop);
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* A request that cannot be built fails at the loop's next step, not inside tfy__op_start. */
static void test_build_error_told_later(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	done_rec d = { 0 };
	const tfy__endpoint_args args = { .id = "" };
	start(loop, f->client, &retrieve_ep, &args, NULL, &d);
	assert_int_equal(d.called, 0);
	assert_int_equal(tfy__loop_run(loop, 0), 0);
	assert_int_equal(d.called, 1);
	assert_int_equal(d.rc, TFY_ERROR_INVALID_ARGUMENT);
	done_clear(&d);
	tfy__loop_free(loop);
}

static char fired[16];
static size_t fired_n;

static void fire(void *userdata)
{
	fired[fired_n++] = *(const char *)userdata;
}

/* Timers fire by their time, those due together in the order they were made; a cleared one never. */
static void test_timers_in_order(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	static const char names[] = "abcdef";
	fired_n = 0;
	double t0 = tu_now_s();
	tfy__loop_timer(loop, 60, fire, (void *)&names[0]);
	tfy__loop_timer(loop, 20, fire, (void *)&names[1]);
	tfy__loop_timer(loop, 40, fire, (void *)&names[2]);
	tfy__loop_timer(loop, 0, fire, (void *)&names[3]);
	tfy__loop_timer(loop, 20, fire, (void *)&names[4]);
	tfy__timer *gone = tfy__loop_timer(loop, 30, fire, (void *)&names[5]);
	assert_int_equal(fired_n, 0);
	tfy__timer_clear(gone);
	run_all(loop);
	assert_true(tu_now_s() - t0 >= 0.058); /* ms clocks: at most 1 ms early */
	fired[fired_n] = '\0';
	assert_string_equal(fired, "dbeca");
	tfy__loop_free(loop);
}

/* Freed with ops in flight and timers pending: no callback, nothing leaked. */
static void test_free_with_pending(void **state)
{
	tu_fixture *f = *state;
	tfy__loop *loop = tfy__loop_new(f->client);
	done_rec d[4] = { 0 };
	const tfy__endpoint_args args = { 0 };
	const how slow = { .fault = "delay:ms=2000" };
	for (int i = 0; i < 4; i++)
		start(loop, f->client, &list_ep, &args, &slow, &d[i]);
	fired_n = 0;
	tfy__loop_timer(loop, 5000, fire, (void *)"x");
	assert_int_equal(tfy__loop_run(loop, 100), 5);
	tfy__loop_free(loop);
	for (int i = 0; i < 4; i++)
		assert_int_equal(d[i].called, 0);
	assert_int_equal(fired_n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_retrieves_at_once),
		cmocka_unit_test(test_transfers_overlap),
		cmocka_unit_test(test_uploads_and_downloads_at_once),
		cmocka_unit_test(test_retry_after_on_one_op),
		cmocka_unit_test(test_deadline_on_one_op),
		cmocka_unit_test(test_cancel_mid_download),
		cmocka_unit_test(test_cancel_in_backoff),
		cmocka_unit_test(test_unknown_outcome_create),
		cmocka_unit_test(test_build_error_told_later),
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_free_with_pending),
	};
	return cmocka_run_group_tests(tests, tu_fixture_setup, tu_fixture_teardown);
}
