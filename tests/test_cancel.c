/*
 * The cancel token (tfy/cancel.h): a cancelled call ends within 100 ms in
 * every phase (connecting, sending, waiting for the answer, a backoff
 * sleep, a wait's pause, a download), cancelled from another thread or
 * from a signal handler; a token cancelled before the call sends nothing;
 * a client's default token and a call's own.
 *
 * Each phase is held open by a server that never moves on, and a thread
 * cancels ~200 ms into the call.  The bound checked from the cancel to the
 * call's return is a generous 2 s (times TFY_TEST_SLOWDOWN): the promise
 * is 100 ms, which the transport's 50 ms polls and the sleeps' 20 ms
 * slices keep; the latency measured is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <tfy/tfy.h>

#include "rawserver.h"
#include "testutil.h"

#define KEY "tfy-local-key-for-cancel-tests"
#define CANCEL_AFTER_MS 200
#define BOUND_S 2.0

#define BATCH_IN_PROGRESS \
	"{\"id\":\"batch_c\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\"," \
	"\"input_file_id\":\"file-in\",\"completion_window\":\"24h\",\"status\":\"in_progress\"," \
	"\"created_at\":1714564800}"

static tfy_client *client_at(const char *base, const tfy_request_options *defaults)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = base;
	o.api_key = KEY;
	o.request_defaults = defaults;
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_OK);
	assert_null(err);
	return c;
}

/* ---- a thread that cancels a token after a while --------------------------- */

typedef struct canceller {
	tfy_cancel_token *token;
	int after_ms;
	_Atomic double at; /* tu_now_s() of the cancel; 0 before */
	pthread_t thread;
} canceller;

static void *cancel_later(void *arg)
{
	canceller *k = arg;
	struct timespec ts = { k->after_ms / 1000, (long)(k->after_ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	atomic_store(&k->at, tu_now_s());
	tfy_cancel_token_cancel(k->token);
	return NULL;
}

static void canceller_start(canceller *k, tfy_cancel_token *token)
{
	k->token = token;
	k->after_ms = CANCEL_AFTER_MS;
	atomic_store(&k->at, 0.0);
	assert_int_equal(pthread_create(&k->thread, NULL, cancel_later, k), 0);
}

/*
 * Joins the thread once the call returned; checks that the call ended after
 * the cancel, and within the bound of it.
 */
static void canceller_check(canceller *k, const char *phase)
{
	double returned = tu_now_s();
	pthread_join(k->thread, NULL);
	double at = atomic_load(&k->at);
	assert_true(at > 0 && returned >= at);
	printf("# %s: returned %.0f ms after the cancel\n", phase, (returned - at) * 1000);
	assert_true(returned - at < BOUND_S * tu_slowdown());
}

static tfy_cancel_token *new_token(void)
{
	tfy_cancel_token *t = NULL;
	assert_int_equal(tfy_cancel_token_new(&t), TFY_OK);
	assert_non_null(t);
	assert_int_equal(tfy_cancel_token_is_cancelled(t), 0);
	return t;
}

/* err is read after rc is evaluated: the call that fills it is rc's expression. */
static void expect_error(tfy_code rc, tfy_error **errp, tfy_code want, const char *text)
{
	tfy_error *err = *errp;
	*errp = NULL;
	if (rc != want)
		print_error("got %d (%s)\n", rc, err ? err->message : "no error");
	assert_int_equal(rc, want);
	assert_non_null(err);
	assert_int_equal(err->code, want);
	if (text && !strstr(err->message, text))
		fail_msg("\"%s\" not in \"%s\"", text, err->message);
	tfy_error_free(err);
}

/* ---- server handlers that hold a phase open -------------------------------- */

/*
 * Keeps the connection open until the server stops; with drain, reads what
 * comes and returns when the client hangs up (so the next connection is
 * served), else reads nothing.
 */
static void hold(tu_server *s, int fd, int drain)
{
	char scratch[4096];
	while (!atomic_load(&s->stop)) {
		struct pollfd p = { fd, drain ? POLLIN : 0, 0 };
		if (poll(&p, 1, 20) > 0 && read(fd, scratch, sizeof(scratch)) <= 0)
			return;
	}
}

/* Accepts, reads nothing: the client's request (an upload) fills the socket's buffers. */
static void never_read(tu_server *s, int fd)
{
	hold(s, fd, 0);
}

/* Reads the request's head, never answers. */
static void never_answer(tu_server *s, int fd)
{
	if (tu_read_head(fd))
		atomic_fetch_add(&s->requests, 1);
	hold(s, fd, 1);
}

/* Answers 200 with a long body: sends its start, then nothing more. */
static void never_finish(tu_server *s, int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/jsonl\r\n"
				   "Content-Length: 100000000\r\n\r\n";
	char body[4096];
	if (!tu_read_head(fd))
		return;
	atomic_fetch_add(&s->requests, 1);
	memset(body, 'x', sizeof(body));
	tu_send_all(fd, head, sizeof(head) - 1);
	tu_send_all(fd, body, sizeof(body));
	hold(s, fd, 1);
}

/* ---- the token itself -------------------------------------------------------- */

static void test_token_basics(void **state)
{
	(void)state;
	assert_int_equal(tfy_cancel_token_new(NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_cancel_token_is_cancelled(NULL), 0);
	tfy_cancel_token_cancel(NULL);
	tfy_cancel_token_free(NULL);
	tfy_cancel_token *t = new_token();
	tfy_cancel_token_cancel(t);
	assert_int_equal(tfy_cancel_token_is_cancelled(t), 1);
	tfy_cancel_token_cancel(t); /* idempotent */
	assert_int_equal(tfy_cancel_token_is_cancelled(t), 1);
	tfy_cancel_token_free(t);
}

/* A call given a token already cancelled sends nothing. */
static void test_cancelled_before_sends_nothing(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", BATCH_IN_PROGRESS);
	tfy_client *c = client_at(s.base, NULL);
	tfy_cancel_token *t = new_token();
	tfy_cancel_token_cancel(t);
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = t;
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	expect_error(tfy_batches_retrieve(c, "batch_c", &req, &b, &err), &err, TFY_ERROR_CANCELLED,
	             "cancelled by the caller");
	assert_null(b);
	/* A create too: nothing was sent, so the outcome is certain. */
	tfy_batches_create_options co = TFY_BATCHES_CREATE_OPTIONS_INIT;
	co.input_file_id = "file-in";
	co.endpoint = "/v1/chat/completions";
	co.request = &req;
	expect_error(tfy_batches_create(c, &co, &b, &err), &err, TFY_ERROR_CANCELLED, NULL);
	/* An iterator stops at its first page. */
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.request = &req;
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(c, &lo, &it, &err), TFY_OK);
	const tfy_batch *one = NULL;
	expect_error(tfy_batch_iter_next(it, &one, &err), &err, TFY_ERROR_CANCELLED, NULL);
	tfy_batch_iter_free(it);
	assert_int_equal(atomic_load(&s.accepted), 0);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(t);
}

/* The client's default token stops its calls; a call's own token replaces it. */
static void test_default_token_and_the_calls_own(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", BATCH_IN_PROGRESS);
	tfy_cancel_token *dflt = new_token(), *own = new_token();
	tfy_request_options defaults = TFY_REQUEST_OPTIONS_INIT;
	defaults.cancel_token = dflt;
	tfy_client *c = client_at(s.base, &defaults);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_retrieve(c, "batch_c", NULL, &b, &err), TFY_OK);
	tfy_batch_free(b);
	tfy_cancel_token_cancel(dflt);
	expect_error(tfy_batches_retrieve(c, "batch_c", NULL, &b, &err), &err, TFY_ERROR_CANCELLED,
	             NULL);
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = own;
	assert_int_equal(tfy_batches_retrieve(c, "batch_c", &req, &b, &err), TFY_OK);
	tfy_batch_free(b);
	/* A version 1 struct has no token: the client's applies. */
	req.version = 1;
	expect_error(tfy_batches_retrieve(c, "batch_c", &req, &b, &err), &err, TFY_ERROR_CANCELLED,
	             NULL);
	assert_int_equal(atomic_load(&s.requests), 2);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(dflt);
	tfy_cancel_token_free(own);
}

/* ---- each phase, cancelled from another thread ------------------------------ */

/*
 * A listener whose accept queue is full and that never accepts: a new
 * connection's SYN is dropped, so connecting hangs (loopback, not a
 * blackhole).  fillers get the connections that filled the queue.
 */
static int full_listener(int *fillers, size_t cap, size_t *count, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
	assert_int_equal(listen(fd, 0), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	*count = 0;
	/* Connect until one does not complete: the queue is then full. */
	while (*count < cap) {
		int f = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(f >= 0);
		fcntl(f, F_SETFL, O_NONBLOCK);
		fillers[(*count)++] = f;
		int rc = connect(f, (struct sockaddr *)&a, len);
		assert_true(rc == 0 || errno == EINPROGRESS);
		struct pollfd p = { f, POLLOUT, 0 };
		if (rc != 0 && poll(&p, 1, 300) == 0)
			return fd;
	}
	fail_msg("the accept queue never filled");
	return fd;
}

static void test_cancel_while_connecting(void **state)
{
	(void)state;
	int fillers[64], port;
	size_t n;
	int listener = full_listener(fillers, 64, &n, &port);
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/v1", port);
	tfy_client *c = client_at(base, NULL);
	tfy_cancel_token *t = new_token();
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = t;
	canceller k;
	canceller_start(&k, t);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_retrieve(c, "batch_c", &req, &b, &err);
	canceller_check(&k, "connecting");
	expect_error(rc, &err, TFY_ERROR_CANCELLED, "cancelled by the caller");
	tfy_client_free(c);
	tfy_cancel_token_free(t);
	for (size_t i = 0; i < n; i++)
		close(fillers[i]);
	close(listener);
}

/* Endless bytes for an upload of unknown size. */
static int64_t endless(void *userdata, char *buf, size_t size)
{
	(void)userdata;
	memset(buf, 'x', size);
	return (int64_t)size;
}

/* An upload the server never reads: sending blocks once the socket's buffers are full. */
static void test_cancel_while_sending(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, never_read, NULL, 0);
	tfy_client *c = client_at(s.base, NULL);
	tfy_cancel_token *t = new_token();
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = t;
	tfy_files_upload_options uo = TFY_FILES_UPLOAD_OPTIONS_INIT;
	uo.read = endless;
	uo.request = &req;
	canceller k;
	canceller_start(&k, t);
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_files_upload(c, &uo, &file, &err);
	canceller_check(&k, "sending");
	/* The request went out: the server may have made a file. */
	expect_error(rc, &err, TFY_ERROR_OUTCOME_UNKNOWN, "cancelled by the caller");
	assert_null(file);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(t);
}

/* A server that has the request and never answers: a retrieve, then a create. */
static void test_cancel_while_waiting_for_the_answer(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, never_answer, NULL, 0);
	tfy_client *c = client_at(s.base, NULL);
	for (int create = 0; create < 2; create++) {
		tfy_cancel_token *t = new_token();
		tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
		req.cancel_token = t;
		tfy_batches_create_options co = TFY_BATCHES_CREATE_OPTIONS_INIT;
		co.input_file_id = "file-in";
		co.endpoint = "/v1/chat/completions";
		co.request = &req;
		canceller k;
		canceller_start(&k, t);
		tfy_batch *b = NULL;
		tfy_error *err = NULL;
		tfy_code rc = create ? tfy_batches_create(c, &co, &b, &err)
		                     : tfy_batches_retrieve(c, "batch_c", &req, &b, &err);
		canceller_check(&k, create ? "waiting for a create's answer"
		                           : "waiting for the answer");
		assert_null(b);
		/* A create already sent may have made its batch: not repeated, not reconciled. */
		expect_error(rc, &err, create ? TFY_ERROR_OUTCOME_UNKNOWN : TFY_ERROR_CANCELLED,
		             "cancelled by the caller");
		assert_int_equal(atomic_load(&s.requests), create + 1);
		tfy_cancel_token_free(t);
	}
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* A 503 that asks for 10 s: the backoff sleep is cut short. */
static void test_cancel_during_backoff(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 503, "retry-after-ms: 10000\r\n", "{\"error\":{\"message\":\"busy\"}}");
	tfy_client *c = client_at(s.base, NULL);
	tfy_cancel_token *t = new_token();
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = t;
	canceller k;
	canceller_start(&k, t);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_batches_retrieve(c, "batch_c", &req, &b, &err);
	canceller_check(&k, "backoff");
	expect_error(rc, &err, TFY_ERROR_CANCELLED, "during backoff");
	assert_int_equal(atomic_load(&s.requests), 1);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(t);
}

/* A wait whose next poll is 10 s away. */
static tfy_code wait_long(tfy_client *c, tfy_cancel_token *t, tfy_batch **b, tfy_error **err)
{
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = t;
	tfy_batch_wait_options wo = TFY_BATCH_WAIT_OPTIONS_INIT;
	wo.poll_initial_ms = 10000;
	wo.request = &req;
	return tfy_batch_wait(c, "batch_c", &wo, b, err);
}

static void test_cancel_during_a_waits_pause(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", BATCH_IN_PROGRESS);
	tfy_client *c = client_at(s.base, NULL);
	tfy_cancel_token *t = new_token();
	canceller k;
	canceller_start(&k, t);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = wait_long(c, t, &b, &err);
	canceller_check(&k, "a wait's pause");
	expect_error(rc, &err, TFY_ERROR_CANCELLED, "while waiting for batch batch_c");
	assert_non_null(b); /* the last state seen */
	assert_int_equal(b->status, TFY_BATCH_STATUS_IN_PROGRESS);
	tfy_batch_free(b);
	assert_int_equal(atomic_load(&s.requests), 1);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(t);
}

static int32_t count_bytes(void *userdata, const char *data, size_t len)
{
	(void)data;
	*(size_t *)userdata += len;
	return 0;
}

/* A download whose body stops coming after its first bytes. */
static void test_cancel_during_a_download(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, never_finish, NULL, 0);
	tfy_client *c = client_at(s.base, NULL);
	tfy_cancel_token *t = new_token();
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = t;
	size_t got = 0;
	tfy_files_download_options dl = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	dl.write = count_bytes;
	dl.write_userdata = &got;
	dl.request = &req;
	canceller k;
	canceller_start(&k, t);
	tfy_error *err = NULL;
	tfy_code rc = tfy_files_download(c, "file-out", &dl, &err);
	canceller_check(&k, "a download");
	expect_error(rc, &err, TFY_ERROR_CANCELLED, "cancelled by the caller");
	assert_int_equal(got, 4096);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(t);
}

/* ---- from a signal handler --------------------------------------------------- */

static tfy_cancel_token *alarm_token;
static volatile sig_atomic_t alarm_rang;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_rang = 1;
	tfy_cancel_token_cancel(alarm_token);
}

static void test_cancel_from_a_signal_handler_during_a_wait(void **state)
{
	(void)state;
	tu_server s;
	tu_server_canned(&s, 200, "", BATCH_IN_PROGRESS);
	tfy_client *c = client_at(s.base, NULL);
	alarm_token = new_token();
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	struct itimerval timer = { { 0, 0 }, { 0, CANCEL_AFTER_MS * 1000 } };
	double start = tu_now_s();
	assert_int_equal(setitimer(ITIMER_REAL, &timer, NULL), 0);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code rc = wait_long(c, alarm_token, &b, &err);
	double took = tu_now_s() - start;
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	assert_true(alarm_rang);
	printf("# signal handler: the wait returned after %.0f ms (the alarm rang at %d ms)\n",
	       took * 1000, CANCEL_AFTER_MS);
	assert_true(took < CANCEL_AFTER_MS / 1000.0 + BOUND_S * tu_slowdown());
	expect_error(rc, &err, TFY_ERROR_CANCELLED, NULL);
	tfy_batch_free(b);
	tfy_client_free(c);
	tu_server_stop(&s);
	tfy_cancel_token_free(alarm_token);
	alarm_token = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_basics),
		cmocka_unit_test(test_cancelled_before_sends_nothing),
		cmocka_unit_test(test_default_token_and_the_calls_own),
		cmocka_unit_test(test_cancel_while_connecting),
		cmocka_unit_test(test_cancel_while_sending),
		cmocka_unit_test(test_cancel_while_waiting_for_the_answer),
		cmocka_unit_test(test_cancel_during_backoff),
		cmocka_unit_test(test_cancel_during_a_waits_pause),
		cmocka_unit_test(test_cancel_during_a_download),
		cmocka_unit_test(test_cancel_from_a_signal_handler_during_a_wait),
	};
	return cmocka_run_group_tests_name("cancel token", tests, NULL, NULL);
}
