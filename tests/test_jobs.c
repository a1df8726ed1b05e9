/*
 * The calls of a batch job (create, retrieve, cancel, wait) against a
 * scripted server on loopback: what goes on the wire (method, path, body),
 * what is checked before sending, which failures are repeated, reconciling
 * a create whose outcome is unknown, and the wait's schedule, progress,
 * timeout and cancellation.  Public API of the shared library only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "sk-test-jobs-key-1234567890"

/* The steps a scripted server answers the next requests with, from request 0 on. */
#define SCRIPT(t, ...) \
	tu_script_set((t), (const tu_step[]){ __VA_ARGS__ }, \
	              (int)(sizeof((const tu_step[]){ __VA_ARGS__ }) / sizeof(tu_step)))

/* Read, then no answer: the request was sent, and the client hears nothing. */
static const tu_step no_answer = { .status = 0 };
/* Read, then silence until the client hangs up. */
static const tu_step hold = { .pause_ms = 10000 };

static tu_script *start(void)
{
	return tu_script_start(&no_answer, 1);
}

/* An answer with status, extra headers (each ending in CRLF) and body. */
static tu_step answer(int status, const char *headers, const char *body)
{
	return (tu_step){ .status = status, .headers = headers, .body = body };
}

static tfy_client *client_on(const char *base)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.max_retries = 2;
	tfy_client *c = tu_client_url(base, KEY, &o);
	assert_non_null(c);
	return c;
}

static char *batch_json(const char *id, const char *status, long long created, int completed)
{
	char *j = malloc(512);
	assert_non_null(j);
	snprintf(j, 512,
	         "{\"id\":\"%s\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	         "\"input_file_id\":\"file-in\",\"completion_window\":\"24h\",\"status\":\"%s\","
	         "\"created_at\":%lld,\"request_counts\":{\"total\":4,\"completed\":%d,\"failed\":0}}",
	         id, status, created, completed);
	return j;
}

/* Frees the answers and bodies a test made. */
static struct {
	void *p[64];
	size_t n;
} trash;
static void *keep(void *p)
{
	assert_true(trash.n < 64);
	trash.p[trash.n++] = p;
	return p;
}
static void empty_trash(void)
{
	for (size_t i = 0; i < trash.n; i++)
		free(trash.p[i]);
	trash.n = 0;
}

/* The end of a test: the client, the server and what the test kept go. */
static void finish(tfy_client *c, tu_script *s)
{
	tfy_client_free(c);
	tu_script_stop(s);
	empty_trash();
}

static tu_step ok_batch(const char *id, const char *status, int completed)
{
	return answer(200, "", keep(batch_json(id, status, (long long)time(NULL), completed)));
}

/* ---- retrieve and cancel ------------------------------------------------------ */

static void test_retrieve_path_and_decode(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, answer(200, "x-request-id: req-7\r\nx-ratelimit-remaining-requests: 9\r\n",
	                 keep(batch_json("batch/1 x", "in_progress", (long long)time(NULL), 1))));
	tfy_client *c = client_on(s->s.base);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_retrieve(c, "batch/1 x", NULL, &b, &err), TFY_OK);
	assert_null(err);
	assert_string_equal(b->id, "batch/1 x");
	/* A single result keeps its response's headers. */
	assert_string_equal(tfy_batch_header(b, "X-Request-Id"), "req-7");
	assert_string_equal(tfy_batch_header(b, "x-ratelimit-remaining-requests"), "9");
	assert_null(tfy_batch_header(b, "content-type"));
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	assert_true(b->request_counts->completed.value == 1);
	assert_string_equal(tu_script_seen(s)->seen[0], "GET /v1/batches/batch%2F1%20x HTTP/1.1 ");
	tfy_batch_free(b);

	/* Ids are checked before anything is sent. */
	const char *bad[] = { "", "a\nb", "a\x7f" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(tfy_batches_retrieve(c, bad[i], NULL, &b, &err),
		                 TFY_ERROR_INVALID_ARGUMENT);
		assert_null(b);
		assert_non_null(strstr(err->message, "batch_id"));
		tfy_error_free(err);
	}
	assert_int_equal(tfy_batches_retrieve(c, NULL, NULL, &b, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_batches_cancel(c, "", NULL, &b, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_batches_retrieve(c, "b", NULL, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(atomic_load(&s->reqs), 1);

	/* A 2xx body that is not an object is a decode error; a 404 is not found. */
	SCRIPT(s, answer(200, "", "[1]"));
	assert_int_equal(tfy_batches_retrieve(c, "b1", NULL, &b, &err), TFY_ERROR_DECODE);
	assert_null(b);
	tfy_error_free(err);
	SCRIPT(s, answer(404, "", "{\"error\":{\"message\":\"No such batch\"}}"));
	assert_int_equal(tfy_batches_retrieve(c, "b1", NULL, &b, &err), TFY_ERROR_NOT_FOUND);
	assert_non_null(strstr(err->message, "No such batch"));
	assert_int_equal(err->attempts, 1);
	tfy_error_free(err);
	finish(c, s);
}

static void test_cancel_is_repeated(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, no_answer, /* read, then no answer: safe to send again */
	       answer(503, "retry-after-ms: 0\r\n", "{}"), ok_batch("b1", "cancelling", 0));
	tfy_client *c = client_on(s->s.base);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_cancel(c, "b1", NULL, &b, &err), TFY_OK);
	assert_int_equal(b->status, TFY_BATCH_STATUS_CANCELLING);
	assert_int_equal(atomic_load(&s->reqs), 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(tu_script_seen(s)->seen[i], "POST /v1/batches/b1/cancel HTTP/1.1 ");
	tfy_batch_free(b);
	finish(c, s);
}

/* ---- create ------------------------------------------------------------------- */

static tfy_batches_create_options create_opts(void)
{
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = "file-in";
	o.endpoint = "/v1/chat/completions";
	return o;
}

static void test_create_body(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, ok_batch("b1", "validating", 0));
	tfy_client *c = client_on(s->s.base);
	tfy_batches_create_options o = create_opts();
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_OK);
	assert_string_equal(b->id, "b1");
	tfy_batch_free(b);
	assert_string_equal(tu_script_seen(s)->seen[0],
	                    "POST /v1/batches HTTP/1.1 {\"input_file_id\":\"file-in\","
	                    "\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");

	const tfy_pair meta[] = { { "job", "n\xc3\xa9 \"1\"" }, { "k2", "" } };
	o.metadata = meta;
	o.metadata_count = 2;
	o.completion_window = "48h";
	o.output_expires_after_seconds = 3600;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_OK);
	tfy_batch_free(b);
	assert_string_equal(tu_script_seen(s)->seen[1],
	                    "POST /v1/batches HTTP/1.1 {\"input_file_id\":\"file-in\","
	                    "\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"48h\","
	                    "\"metadata\":{\"job\":\"n\\u00E9 \\\"1\\\"\",\"k2\":\"\"},"
	                    "\"output_expires_after\":{\"anchor\":\"created_at\",\"seconds\":3600}}");
	finish(c, s);
}

static void refused(tfy_client *c, const tfy_batches_create_options *o, const char *why)
{
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_create(c, o, &b, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(b);
	if (!strstr(err->message, why))
		fail_msg("expected \"%s\" in: %s", why, err->message);
	tfy_error_free(err);
}

static void test_create_options_checked(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, ok_batch("b1", "validating", 0));
	tfy_client *c = client_on(s->s.base);
	tfy_batches_create_options o = create_opts();
	o.input_file_id = NULL;
	refused(c, &o, "input_file_id");
	o = create_opts();
	o.endpoint = "v1/chat/completions";
	refused(c, &o, "endpoint");
	o.endpoint = "/v1/chat completions";
	refused(c, &o, "endpoint");
	o = create_opts();
	o.completion_window = "";
	refused(c, &o, "completion_window");
	o = create_opts();
	o.output_expires_after_seconds = 3599;
	refused(c, &o, "output_expires_after_seconds");
	o.output_expires_after_seconds = 2592001;
	refused(c, &o, "output_expires_after_seconds");
	o = create_opts();
	tfy_pair many[17];
	char names[17][8];
	for (int i = 0; i < 17; i++) {
		snprintf(names[i], sizeof(names[i]), "k%d", i);
		many[i] = (tfy_pair){ names[i], "v" };
	}
	o.metadata = many;
	o.metadata_count = 17;
	refused(c, &o, "at most 16");
	o.metadata_count = 16;
	char key[66], value[514];
	memset(key, 'k', 65);
	key[65] = '\0';
	memset(value, 'v', 513);
	value[513] = '\0';
	const tfy_pair long_key[] = { { key, "v" } }, long_value[] = { { "k", value } },
		       twice[] = { { "k", "1" }, { "k", "2" } }, bad_utf8[] = { { "k", "\xff" } };
	o.metadata = long_key;
	o.metadata_count = 1;
	refused(c, &o, "64");
	o.metadata = long_value;
	refused(c, &o, "512");
	o.metadata = twice;
	o.metadata_count = 2;
	refused(c, &o, "again");
	o.metadata = bad_utf8;
	o.metadata_count = 1;
	refused(c, &o, "UTF-8");
	o = create_opts();
	o.reconcile = 2;
	refused(c, &o, "reconcile");
	o = create_opts();
	o.reserved2_ = 1;
	refused(c, &o, "reserved");
	o = create_opts();
	o.version = 2;
	refused(c, &o, "version");
	assert_int_equal(tfy_batches_create(c, NULL, &(tfy_batch *){ NULL }, NULL),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(atomic_load(&s->reqs), 0);

	/* Limits themselves are accepted; so is an endpoint not in OpenAI's list. */
	o = create_opts();
	memset(key, 'k', 64);
	key[64] = '\0';
	memset(value, 'v', 512);
	value[512] = '\0';
	const tfy_pair at_limit[] = { { key, value } };
	o.metadata = at_limit;
	o.metadata_count = 1;
	o.endpoint = "/v1/gateway/custom";
	o.output_expires_after_seconds = 2592000;
	tfy_batch *b = NULL;
	assert_int_equal(tfy_batches_create(c, &o, &b, NULL), TFY_OK);
	tfy_batch_free(b);
	finish(c, s);
}

static void test_create_retried_only_when_unsent(void **state)
{
	(void)state;
	/* 429 and 503 say nothing was done: sent again. */
	tu_script *s = start();
	SCRIPT(s, answer(429, "retry-after-ms: 0\r\n", "{}"),
	       answer(503, "retry-after-ms: 0\r\n", "{}"), ok_batch("b1", "validating", 0));
	tfy_client *c = client_on(s->s.base);
	tfy_batches_create_options o = create_opts();
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_OK);
	assert_int_equal(atomic_load(&s->reqs), 3);
	tfy_batch_free(b);

	/* x-should-retry: true is the server vouching that nothing was done, on any status. */
	SCRIPT(s, answer(500, "retry-after-ms: 0\r\nx-should-retry: true\r\n", "{}"),
	       ok_batch("b1", "validating", 0));
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_OK);
	assert_int_equal(atomic_load(&s->reqs), 2);
	tfy_batch_free(b);

	/* x-should-retry: false on a 503: nothing was done, and not to be sent again. */
	SCRIPT(s, answer(503, "x-should-retry: false\r\n", "{}"));
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_ERROR_SERVER);
	assert_int_equal(atomic_load(&s->reqs), 1);
	tfy_error_free(err);

	/* A 500 may have created it: not sent again; reconciling finds nothing. */
	SCRIPT(s, answer(500, "retry-after-ms: 0\r\n", "{}"),
	       answer(200, "", "{\"object\":\"list\",\"data\":[],\"has_more\":false}"));
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_null(b);
	assert_int_equal(atomic_load(&s->reqs), 2);
	assert_non_null(strstr(tu_script_seen(s)->seen[1], "GET /v1/batches?limit=100 "));
	assert_non_null(strstr(err->message, "file-in"));
	assert_non_null(strstr(err->message, "may still exist"));
	assert_int_equal(err->http_status, 500);
	tfy_error_free(err);

	/* Reconcile off: one request, no list. */
	SCRIPT(s, answer(502, "", "{}"));
	o.reconcile = TFY_NONE;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_int_equal(atomic_load(&s->reqs), 1);
	tfy_error_free(err);
	finish(c, s);
}

/*
 * Every status from 400 to 599 against a server that counts the creates it
 * was sent: only 408, 429 and 503 (nothing was done) are sent again; a
 * refusal (any other 4xx but 409 and 499) is its own error; everything else
 * may have created the batch: sent once, reconciled, OUTCOME_UNKNOWN.
 */
static void test_create_every_status(void **state)
{
	(void)state;
	static const char empty[] = "{\"object\":\"list\",\"data\":[],\"has_more\":false}";
	tu_server s;
	tu_server_start(&s, tu_reply_status, empty, sizeof(empty) - 1);
	tfy_client *c = client_on(s.base);
	tfy_batches_create_options o = create_opts();
	for (int status = 400; status <= 599; status++) {
		char rule = tu_create_rule(status);
		int again = rule == 'r', refusal = rule == 'f';
		atomic_store(&s.status, status);
		atomic_store(&s.posts, 0);
		atomic_store(&s.requests, 0);
		tfy_batch *b = NULL;
		tfy_error *err = NULL;
		tfy_code rc = tfy_batches_create(c, &o, &b, &err);
		int posts = atomic_load(&s.posts), lists = atomic_load(&s.requests) - posts;
		tfy_code want = again || refusal ? tu_code_for_status(status)
		                                 : TFY_ERROR_OUTCOME_UNKNOWN;
		if (rc != want || posts != (again ? 3 : 1) || lists != (again || refusal ? 0 : 1))
			fail_msg("HTTP %d: %s after %d creates and %d lists: %s", status,
			         tfy_strerror(rc), posts, lists, err ? err->message : "-");
		assert_null(b);
		assert_int_equal(err->http_status, status);
		assert_int_equal(err->attempts, posts);
		assert_non_null(strstr(err->message, "scripted refusal"));
		if (want == TFY_ERROR_OUTCOME_UNKNOWN)
			assert_non_null(strstr(err->message, "may still exist"));
		tfy_error_free(err);
	}
	tfy_client_free(c);
	tu_server_stop(&s);
}

static void test_create_reconciled(void **state)
{
	(void)state;
	long long now = (long long)time(NULL);
	char list[2048];
	/*
	 * Newest first: another file's batch, ours (within the clock
	 * tolerance), then an older one of the same file that must not match.
	 */
	char *other = keep(batch_json("b-other", "validating", now, 0));
	char *ours = keep(batch_json("b-ours", "validating", now - 200, 0));
	char *old = keep(batch_json("b-old", "completed", now - 4000, 4));
	memcpy(strstr(other, "file-in"), "file-xx", 7);
	snprintf(list, sizeof(list), "{\"object\":\"list\",\"data\":[%s,%s,%s],\"has_more\":true}",
	         other, ours, old);
	tu_script *s = start();
	SCRIPT(s, no_answer, answer(200, "", list)); /* the create is read, and no answer comes */
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	tu_log l = { .count = 0 };
	tu_log_into(&l, &co, TFY_LOG_INFO);
	tfy_client *c = tu_client_url(s->s.base, KEY, &co);
	assert_non_null(c);
	tfy_batches_create_options o = create_opts();
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_OK);
	assert_null(err);
	assert_string_equal(b->id, "b-ours");
	tfy_batch_free(b);
	/* One POST only, then one page of the list. */
	assert_int_equal(atomic_load(&s->reqs), 2);
	assert_non_null(strstr(tu_script_seen(s)->seen[0], "POST /v1/batches "));
	int logged = 0;
	for (size_t i = 0; i < l.count; i++)
		logged |= l.level[i] == TFY_LOG_INFO && strstr(tu_log_line(&l, i), "file-in") &&
		          strstr(tu_log_line(&l, i), "b-ours");
	assert_true(logged);

	/* Different metadata is another batch: not taken; the next page is read. */
	const tfy_pair meta[] = { { "run", "7" } };
	o.metadata = meta;
	o.metadata_count = 1;
	SCRIPT(s, no_answer, answer(200, "", list));
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_int_equal(atomic_load(&s->reqs), 2); /* b-old is past the tolerance: stop */
	tfy_error_free(err);
	finish(c, s);
}

/* A batch of file-in for /v1/chat/completions, with the given state, time, window and extras. */
static char *batch_like(const char *id, const char *status, long long created, const char *window,
                        const char *extra)
{
	char *j = malloc(512);
	assert_non_null(j);
	snprintf(j, 512,
	         "{\"id\":\"%s\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	         "\"input_file_id\":\"file-in\",\"completion_window\":\"%s\",\"status\":\"%s\","
	         "\"created_at\":%lld%s}",
	         id, window, status, created, extra);
	return j;
}

/* A list answer holding one batch. */
static tu_step list_of(const char *batch)
{
	char *body = keep(malloc(1024));
	snprintf(body, 1024, "{\"object\":\"list\",\"data\":[%s],\"has_more\":false}", batch);
	return answer(200, "", body);
}

/*
 * A create that got no answer, then a list holding only `batch`: whether
 * reconciling took it (TFY_OK, its id) or not (OUTCOME_UNKNOWN).
 */
static tfy_code reconcile_against(tu_script *s, tfy_client *c, const char *batch)
{
	SCRIPT(s, no_answer, list_of(batch));
	tfy_batches_create_options o = create_opts();
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_create(c, &o, &b, &err);
	assert_int_equal(atomic_load(&s->reqs), 2);
	assert_non_null(strstr(tu_script_seen(s)->seen[0], "POST /v1/batches "));
	if (rc == TFY_OK) {
		assert_string_equal(b->id, "b-listed");
		assert_null(err);
	} else {
		assert_int_equal(rc, TFY_ERROR_OUTCOME_UNKNOWN);
		assert_non_null(strstr(err->message, "may still exist"));
	}
	tfy_batch_free(b);
	tfy_error_free(err);
	return rc;
}

static void test_reconcile_takes_only_a_fresh_batch(void **state)
{
	(void)state;
	tu_script *s = start();
	tfy_client *c = client_on(s->s.base);
	long long now = (long long)time(NULL);
	const struct {
		const char *status, *window, *extra;
		long long age; /* seconds before now (negative: after, a server clock ahead) */
		tfy_code rc;
	} cases[] = {
		/* Created 100 s before the call, completed, another window: an older batch. */
		{ "completed", "48h", "", 100, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "completed", "24h", "", 100, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "validating", "48h", "", 100, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "validating", "24h", "", 100, TFY_OK },
		/* No state a batch has moments after its creation. */
		{ "finalizing", "24h", "", 0, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "expired", "24h", "", 0, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "cancelling", "24h", "", 0, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "cancelled", "24h", "", 0, TFY_ERROR_OUTCOME_UNKNOWN },
		{ "failed", "24h", ",\"in_progress_at\":1", 0, TFY_ERROR_OUTCOME_UNKNOWN },
		/* Ones it can have: validating, validated, refused by validation. */
		{ "in_progress", "24h", "", 0, TFY_OK },
		{ "failed", "24h", "", 0, TFY_OK },
		/* Server clock an hour ahead: a batch 30 minutes old reads as 30 minutes ahead. */
		{ "in_progress", "24h", "", -1800, TFY_ERROR_OUTCOME_UNKNOWN },
		/* Within the clock tolerance on either side. */
		{ "validating", "24h", "", -200, TFY_OK },
		{ "validating", "24h", "", 290, TFY_OK },
		{ "validating", "24h", "", 400, TFY_ERROR_OUTCOME_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *b = keep(batch_like("b-listed", cases[i].status, now - cases[i].age,
		                          cases[i].window, cases[i].extra));
		tfy_code rc = reconcile_against(s, c, b);
		if (rc != cases[i].rc)
			fail_msg("case %zu (%s, %s, %lld s old): %s", i, cases[i].status,
			         cases[i].window, cases[i].age, tfy_strerror(rc));
	}
	finish(c, s);
}

/*
 * A 2xx to a create whose body is not a batch with an id: the batch exists
 * but is unseen.  Reconciled, never sent again; OUTCOME_UNKNOWN when the
 * list does not show it.
 */
static void test_create_broken_answer_reconciled(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		"{\"id\": \"batch_",
		"<html><body>OK</body></html>",
		"{}",
		"{\"id\":7}",
		"{\"id\":\"\"}",
		"[]",
		"",
	};
	tu_script *s = start();
	tfy_client *c = client_on(s->s.base);
	tfy_batches_create_options o = create_opts();
	char *made = keep(batch_like("b-listed", "validating", (long long)time(NULL), "24h", ""));
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		for (int listed = 1; listed >= 0; listed--) {
			SCRIPT(s, answer(200, "", bodies[i]),
			       listed ? list_of(made)
			              : answer(200, "", "{\"object\":\"list\",\"data\":[]}"));
			tfy_batch *b = NULL;
			tfy_error *err = NULL;
			tfy_code rc = tfy_batches_create(c, &o, &b, &err);
			if (rc != (listed ? TFY_OK : TFY_ERROR_OUTCOME_UNKNOWN))
				fail_msg("body %zu, listed %d: %s: %s", i, listed, tfy_strerror(rc),
				         err ? err->message : "-");
			assert_int_equal(atomic_load(&s->reqs), 2);
			assert_non_null(
				strstr(tu_script_seen(s)->seen[1], "GET /v1/batches?limit=100 "));
			if (listed) {
				assert_string_equal(b->id, "b-listed");
			} else {
				assert_null(b);
				assert_int_equal(err->http_status, 200);
				assert_non_null(strstr(err->message, "may still exist"));
			}
			tfy_batch_free(b);
			tfy_error_free(err);
		}
	}
	finish(c, s);
}

/* Says stop once the server (userdata) holds a request it read. */
static int32_t cancel_once_sent(void *userdata)
{
	return atomic_load(&((tu_script *)userdata)->paused);
}

/*
 * A cancel or the deadline after the create went out: the batch may exist.
 * The deadline reconciles (the list gets its own deadline); a cancel says
 * the batch may exist and sends nothing more.
 */
static void test_create_stopped_after_sending(void **state)
{
	(void)state;
	tu_script *s = start();
	tfy_client *c = client_on(s->s.base);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	tfy_batches_create_options o = create_opts();
	o.request = &ro;
	char *made = keep(batch_like("b-listed", "validating", (long long)time(NULL), "24h", ""));
	tfy_batch *b = NULL;
	tfy_error *err = NULL;

	SCRIPT(s, hold, list_of(made));
	ro.deadline_ms = 300;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_OK);
	assert_string_equal(b->id, "b-listed");
	assert_int_equal(atomic_load(&s->reqs), 2);
	tfy_batch_free(b);

	SCRIPT(s, hold, list_of(made));
	ro.deadline_ms = 0;
	ro.cancel = cancel_once_sent;
	ro.cancel_userdata = s;
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_null(b);
	assert_int_equal(atomic_load(&s->reqs), 1);
	assert_non_null(strstr(err->message, "cancelled by the caller"));
	assert_non_null(strstr(err->message, "file-in may exist"));
	assert_non_null(strstr(err->message, "the call was cancelled"));
	assert_int_equal(err->attempts, 1);
	tfy_error_free(err);

	/* Cancelled before anything was sent: nothing can exist. */
	SCRIPT(s, hold);
	atomic_store(&s->paused, 1);
	assert_int_equal(tfy_batches_create(c, &o, &b, &err), TFY_ERROR_CANCELLED);
	assert_int_equal(atomic_load(&s->reqs), 0);
	assert_int_equal(err->attempts, 0);
	tfy_error_free(err);
	finish(c, s);
}

/* ---- wait --------------------------------------------------------------------- */

typedef struct progress {
	int calls;
	tfy_batch_status seen[16];
	int stop_at; /* the call number that asks to stop; 0: never */
} progress;

static int32_t on_progress(void *userdata, const tfy_batch *b)
{
	progress *p = userdata;
	if (p->calls < 16)
		p->seen[p->calls] = b->status;
	p->calls++;
	return p->calls == p->stop_at ? 1 : TFY_CANCEL_CONTINUE;
}

static tfy_batch_wait_options fast_wait(progress *p)
{
	tfy_batch_wait_options w = TFY_BATCH_WAIT_OPTIONS_INIT;
	w.poll_initial_ms = 10;
	w.poll_max_ms = 20;
	w.on_progress = on_progress;
	w.progress_userdata = p;
	return w;
}

static void test_wait_until_completed(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, ok_batch("b1", "validating", 0), ok_batch("b1", "in_progress", 0),
	       ok_batch("b1", "in_progress", 0),           /* nothing new: no progress call */
	       answer(503, "retry-after-ms: 0\r\n", "{}"), /* retried */
	       ok_batch("b1", "in_progress", 2), ok_batch("b1", "completed", 4));
	tfy_client *c = client_on(s->s.base);
	progress p = { 0, { 0 }, 0 };
	tfy_batch_wait_options w = fast_wait(&p);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, &err), TFY_OK);
	assert_int_equal(b->status, TFY_BATCH_STATUS_COMPLETED);
	assert_int_equal(p.calls, 4);
	assert_int_equal(p.seen[0], TFY_BATCH_STATUS_VALIDATING);
	assert_int_equal(p.seen[1], TFY_BATCH_STATUS_IN_PROGRESS);
	assert_int_equal(p.seen[2], TFY_BATCH_STATUS_IN_PROGRESS);
	assert_int_equal(p.seen[3], TFY_BATCH_STATUS_COMPLETED);
	assert_int_equal(atomic_load(&s->reqs), 6);
	assert_string_equal(tu_script_seen(s)->seen[5], "GET /v1/batches/b1 HTTP/1.1 ");
	tfy_batch_free(b);

	/* A persistent failure ends the wait with its error, and the last state seen. */
	SCRIPT(s, ok_batch("b1", "in_progress", 0), answer(404, "", "{}"));
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, &err), TFY_ERROR_NOT_FOUND);
	assert_non_null(b);
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	tfy_batch_free(b);
	tfy_error_free(err);
	finish(c, s);
}

static void test_wait_honours_retry_after(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, answer(200, "Retry-After: 1\r\n", keep(batch_json("b1", "in_progress", 1, 0))),
	       ok_batch("b1", "failed", 0));
	tfy_client *c = client_on(s->s.base);
	progress p = { 0, { 0 }, 0 };
	tfy_batch_wait_options w = fast_wait(&p);
	tfy_batch *b = NULL;
	double t0 = tu_now_s();
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, NULL), TFY_OK);
	assert_true(tu_now_s() - t0 >= 0.95); /* a lower bound: never scaled */
	assert_int_equal(b->status, TFY_BATCH_STATUS_FAILED);
	tfy_batch_free(b);
	finish(c, s);
}

/*
 * A poll refused with a Retry-After longer than the client's
 * retry_after_max_ms fails that call, but inside a wait whose own timeout
 * leaves room it is only the next pause; one that does not fit ends the
 * wait with its error and the last state.
 */
static void test_wait_sits_out_a_long_retry_after(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, ok_batch("b1", "in_progress", 1), answer(429, "Retry-After: 2\r\n", "{}"),
	       ok_batch("b1", "completed", 4));
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = s->s.base;
	o.api_key = KEY;
	o.max_retries = 2;
	o.retry_after_max_ms = 500; /* the call gives up on a delay of 2 s */
	tfy_client *c = NULL;
	assert_int_equal(tfy_client_new(&o, &c, NULL), TFY_OK);
	progress p = { 0, { 0 }, 0 };
	tfy_batch_wait_options w = fast_wait(&p);
	w.timeout_ms = 3600000;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	double t0 = tu_now_s();
	tfy_code rc = tfy_batch_wait(c, "b1", &w, &b, &err);
	if (rc != TFY_OK)
		fail_msg("the wait ended: %s", err->message);
	assert_true(tu_now_s() - t0 >= 1.95); /* the server's delay, in full */
	assert_int_equal(b->status, TFY_BATCH_STATUS_COMPLETED);
	assert_int_equal(atomic_load(&s->reqs), 3);
	tfy_batch_free(b);

	/* A delay past the wait's end ends it now, with the poll's error and the last state. */
	SCRIPT(s, ok_batch("b1", "in_progress", 1), answer(429, "Retry-After: 30\r\n", "{}"));
	p = (progress){ 0, { 0 }, 0 };
	w = fast_wait(&p);
	w.timeout_ms = 10000;
	t0 = tu_now_s();
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, &err), TFY_ERROR_RATE_LIMIT);
	assert_true(tu_now_s() - t0 < 5.0 * tu_slowdown());
	assert_int_equal(err->retry_after_ms, 30000);
	assert_non_null(b);
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	tfy_batch_free(b);
	tfy_error_free(err);
	finish(c, s);
}

/* Asks to stop once a state was shown: so only ever during a pause. */
static int32_t cancel_after(void *userdata)
{
	return ((const progress *)userdata)->calls >= 1;
}

static void test_wait_timeout_and_cancel(void **state)
{
	(void)state;
	tu_script *s = start();
	SCRIPT(s, ok_batch("b1", "in_progress", 1));
	tfy_client *c = client_on(s->s.base);
	progress p = { 0, { 0 }, 0 };
	tfy_batch_wait_options w = fast_wait(&p);
	w.timeout_ms = 300;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	double t0 = tu_now_s();
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, &err), TFY_ERROR_TIMEOUT);
	assert_true(tu_now_s() - t0 < 5.0 * tu_slowdown());
	assert_non_null(b); /* the last state, the caller's */
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	assert_non_null(strstr(err->message, "in_progress"));
	assert_int_equal(p.calls, 1);
	tfy_batch_free(b);
	tfy_error_free(err);

	/* The cancel callback stops a long pause at once. */
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.cancel = cancel_after;
	ro.cancel_userdata = &p;
	p = (progress){ 0, { 0 }, 0 };
	w = fast_wait(&p);
	w.poll_initial_ms = 100;
	w.poll_max_ms = 60000;
	w.request = &ro;
	t0 = tu_now_s();
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, &err), TFY_ERROR_CANCELLED);
	assert_true(tu_now_s() - t0 < 5.0 * tu_slowdown());
	assert_non_null(b);
	tfy_batch_free(b);
	tfy_error_free(err);

	/* on_progress asking to stop ends the wait, with the state it was shown. */
	p = (progress){ 0, { 0 }, 1 };
	w = fast_wait(&p);
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, &err), TFY_ERROR_CANCELLED);
	assert_non_null(strstr(err->message, "on_progress"));
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	tfy_batch_free(b);
	tfy_error_free(err);

	/* Options are checked. */
	w = fast_wait(&p);
	w.poll_max_ms = 5;
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, NULL), TFY_ERROR_INVALID_ARGUMENT);
	w = fast_wait(&p);
	w.timeout_ms = -1;
	assert_int_equal(tfy_batch_wait(c, "b1", &w, &b, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_batch_wait(c, "", NULL, &b, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(b);
	finish(c, s);
}

static void test_terminal_statuses(void **state)
{
	(void)state;
	const tfy_batch_status ended[] = { TFY_BATCH_STATUS_COMPLETED, TFY_BATCH_STATUS_FAILED,
		                           TFY_BATCH_STATUS_EXPIRED, TFY_BATCH_STATUS_CANCELLED,
		                           TFY_BATCH_STATUS_PARTIALLY_COMPLETED };
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(tfy_batch_status_is_terminal(ended[i]), 1);
	const tfy_batch_status going[] = { TFY_BATCH_STATUS_UNKNOWN,
		                           TFY_BATCH_STATUS_VALIDATING,
		                           TFY_BATCH_STATUS_IN_PROGRESS,
		                           TFY_BATCH_STATUS_FINALIZING,
		                           TFY_BATCH_STATUS_CANCELLING,
		                           99,
		                           -1 };
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(tfy_batch_status_is_terminal(going[i]), 0);
	tfy_batches_create_options co;
	tfy_batch_wait_options wo;
	assert_int_equal(tfy_batches_create_options_init(&co, TFY_BATCHES_CREATE_OPTIONS_VERSION),
	                 TFY_OK);
	assert_int_equal(tfy_batch_wait_options_init(&wo, TFY_BATCH_WAIT_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(tfy_batch_wait_options_init(&wo, 2), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(co.version, 1);
	assert_int_equal(wo.version, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retrieve_path_and_decode),
		cmocka_unit_test(test_cancel_is_repeated),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_create_options_checked),
		cmocka_unit_test(test_create_retried_only_when_unsent),
		cmocka_unit_test(test_create_every_status),
		cmocka_unit_test(test_create_reconciled),
		cmocka_unit_test(test_reconcile_takes_only_a_fresh_batch),
		cmocka_unit_test(test_create_broken_answer_reconciled),
		cmocka_unit_test(test_create_stopped_after_sending),
		cmocka_unit_test(test_wait_until_completed),
		cmocka_unit_test(test_wait_honours_retry_after),
		cmocka_unit_test(test_wait_sits_out_a_long_retry_after),
		cmocka_unit_test(test_wait_timeout_and_cancel),
		cmocka_unit_test(test_terminal_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
