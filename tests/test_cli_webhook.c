/*
 * Webhooks end to end, on loopback: tfy-mock-gateway's sender
 * (--webhook-url: signed events when a created batch ends, retried with
 * backoff), received by a scripted server of the test and verified with
 * tfy_webhook_verify(), so GnuTLS's signing meets libcrypto's checking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key"
#define SECRET_B64 "dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ=="
#define SECRET "whsec_" SECRET_B64
#define OTHER_SECRET "whsec_YW5vdGhlci13ZWJob29rLXNlY3JldCwgYWxzbyBsb25nIQ=="
#define ENDPOINT "/v1/chat/completions"
#define LINE(id) \
	"{\"custom_id\":\"" id "\",\"method\":\"POST\",\"url\":\"" ENDPOINT \
	"\",\"body\":{\"model\":\"m\"}}\n"
#define GOOD_INPUT LINE("one") LINE("two")
#define BAD_INPUT LINE("one") LINE("one") /* a repeated custom_id fails validation */
#define EVENT_FOR(batch, type) \
	"{\"id\":\"evt_test\",\"object\":\"event\",\"created_at\":1750000000,\"type\":\"" type \
	"\",\"data\":{\"id\":\"" batch "\"}}"

typedef struct fixture {
	char dir[256];
	char secret_file[320];       /* SECRET and a line feed */
	char other_secret_file[320]; /* OTHER_SECRET */
	char bad_secret_file[320];   /* not whsec_ and base64 */
} fixture;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/tfy-webhook-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->secret_file, sizeof(f->secret_file), "%s/secret", f->dir);
	snprintf(f->other_secret_file, sizeof(f->other_secret_file), "%s/other", f->dir);
	snprintf(f->bad_secret_file, sizeof(f->bad_secret_file), "%s/bad", f->dir);
	write_file(f->secret_file, SECRET "\n");
	write_file(f->other_secret_file, OTHER_SECRET "\n");
	write_file(f->bad_secret_file, "whsec_" SECRET_B64 "!\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_remove_tree(f->dir);
	free(f);
	return 0;
}

/* A batch created on gw from input (metadata: one pair, or NULL); its id, malloc'd. */
static char *create_batch(const tu_gateway *gw, const char *input, const tfy_pair *metadata)
{
	tfy_client *c = tu_client(gw, "/v1", KEY, NULL);
	char *path = tu_write_temp(input, strlen(input));
	tfy_files_upload_options up = TFY_FILES_UPLOAD_OPTIONS_INIT;
	tfy_batches_create_options cr = TFY_BATCHES_CREATE_OPTIONS_INIT;
	tfy_file *file = NULL;
	tfy_batch *batch = NULL;
	tfy_error *err = NULL;
	assert_non_null(c);
	up.path = path;
	if (tfy_files_upload(c, &up, &file, &err) != TFY_OK)
		fail_msg("upload: %s", err->message);
	cr.input_file_id = file->id;
	cr.endpoint = ENDPOINT;
	cr.metadata = metadata;
	cr.metadata_count = metadata ? 1 : 0;
	if (tfy_batches_create(c, &cr, &batch, &err) != TFY_OK)
		fail_msg("create: %s", err->message);
	char *id = strdup(batch->id);
	tfy_batch_free(batch);
	tfy_file_free(file);
	tfy_client_free(c);
	unlink(path);
	free(path);
	return id;
}

/* ---- the mock's sender, received by a scripted server ------------------- */

#define RECEIVED_MAX 16

typedef struct receiver {
	tu_server server; /* first: the handler is given its address */
	pthread_mutex_t lock;
	int fail_first;   /* answer 500 to this many deliveries, then 204 */
	char *got[RECEIVED_MAX];
	double at[RECEIVED_MAX];
	int count;
} receiver;

static void receive(tu_server *s, int fd)
{
	receiver *r = (receiver *)(void *)s;
	char *buf = malloc(65536);
	size_t n = buf ? tu_read_request(fd, buf, 65536) : 0;
	int index;
	if (!n) {
		free(buf);
		return;
	}
	pthread_mutex_lock(&r->lock);
	index = r->count;
	if (index < RECEIVED_MAX) {
		r->got[index] = buf;
		r->at[index] = tu_now_s();
		r->count++;
	} else {
		free(buf);
	}
	pthread_mutex_unlock(&r->lock);
	const char *answer = index < r->fail_first
	                             ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	                             : "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
	tu_send_all(fd, answer, strlen(answer));
}

static void receiver_start(receiver *r, int fail_first)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	tu_server_start(&r->server, receive, NULL, 0);
	r->fail_first = fail_first;
}

static void receiver_stop(receiver *r)
{
	tu_server_stop(&r->server);
	for (int i = 0; i < r->count; i++)
		free(r->got[i]);
	pthread_mutex_destroy(&r->lock);
}

static int received(receiver *r)
{
	pthread_mutex_lock(&r->lock);
	int n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* Waits (up to a generous bound) until n deliveries came. */
static void await_deliveries(receiver *r, int n)
{
	double until = tu_now_s() + 60 * tu_slowdown();
	while (received(r) < n) {
		if (tu_now_s() > until)
			fail_msg("%d deliveries, not %d", received(r), n);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* The value of header name in a request's head (malloc'd), or NULL. */
static char *header(const char *request, const char *name)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "\r\n%s:", name);
	const char *end = strstr(request, "\r\n\r\n"), *at = tu_strcasestr(request, needle);
	if (!at || at > end)
		return NULL;
	at += strlen(needle);
	while (*at == ' ')
		at++;
	return strndup(at, strcspn(at, "\r"));
}

/* A delivery the mock made, verified by libtfy: its event (free it). */
static tfy_webhook_event *verified(const char *request)
{
	char *id = header(request, "webhook-id"), *ts = header(request, "webhook-timestamp"),
	     *sig = header(request, "webhook-signature");
	const char *body = strstr(request, "\r\n\r\n") + 4;
	tfy_webhook_event *e = NULL;
	tfy_error *err = NULL;
	assert_int_equal(strncmp(request, "POST /hook HTTP/1.1\r\n", 21), 0);
	assert_non_null(tu_strcasestr(request, "\r\nContent-Type: application/json\r\n"));
	if (tfy_webhook_verify(SECRET, id, ts, sig, body, strlen(body), NULL, &e, &err) != TFY_OK)
		fail_msg("not verified: %s", err->message);
	free(id);
	free(ts);
	free(sig);
	return e;
}

/* A gateway whose batches run `pace` seconds, telling r (a port) with `more` options. */
static void gateway_telling(tu_gateway *gw, const char *pace, int port, const char *secret,
                            const char *more)
{
	char url[64];
	snprintf(url, sizeof(url), "--webhook-url=http://127.0.0.1:%d/hook", port);
	const char *args[] = { "--batch-seconds", pace, url, "--webhook-secret", secret, more, NULL };
	assert_int_equal(tu_gateway_start(gw, args), 0);
}

/* Fails twice, then delivered: one event, the same webhook-id, each attempt signed anew. */
static void test_mock_signs_and_retries(void **state)
{
	(void)state;
	receiver r;
	tu_gateway gw;
	receiver_start(&r, 2);
	gateway_telling(&gw, "0.2", r.server.port, SECRET, "--webhook-retry-ms=200");
	char *batch = create_batch(&gw, GOOD_INPUT, NULL);
	await_deliveries(&r, 3);
	char *first_id = header(r.got[0], "webhook-id");
	for (int i = 0; i < 3; i++) {
		tfy_webhook_event *e = verified(r.got[i]);
		assert_string_equal(e->type, "batch.completed");
		assert_int_equal(e->batch_status, TFY_BATCH_STATUS_COMPLETED);
		assert_string_equal(e->data_id, batch);
		assert_string_equal(e->object, "event");
		assert_true(e->created_at.present);
		assert_string_equal(e->webhook_id, first_id);
		tfy_webhook_event_free(e);
	}
	/* backoff: 200 ms, then 400 ms (lower bounds only) */
	assert_true(r.at[1] - r.at[0] >= 0.15);
	assert_true(r.at[2] - r.at[1] >= 0.35);
	/* delivered: nothing more comes */
	struct timespec ts = { 1, 0 };
	nanosleep(&ts, NULL);
	assert_int_equal(received(&r), 3);
	free(first_id);
	free(batch);
	assert_int_equal(tu_gateway_stop(&gw), 0);
	receiver_stop(&r);
}

/* Each way a batch ends has its event: completed, failed, expired, cancelled. */
static void test_mock_every_end(void **state)
{
	(void)state;
	receiver r;
	tu_gateway gw;
	receiver_start(&r, 0);
	gateway_telling(&gw, "0.4", r.server.port, SECRET, "--webhook-retry-ms=100");
	const tfy_pair expire[] = { { "mock_outcome", "expire" } };
	char *ids[4] = { create_batch(&gw, GOOD_INPUT, NULL), create_batch(&gw, BAD_INPUT, NULL),
		         create_batch(&gw, GOOD_INPUT, expire), create_batch(&gw, GOOD_INPUT, NULL) };
	const char *types[4] = { "batch.completed", "batch.failed", "batch.expired",
		                 "batch.cancelled" };
	tfy_client *c = tu_client(&gw, "/v1", KEY, NULL);
	tfy_batch *b = NULL;
	assert_int_equal(tfy_batches_cancel(c, ids[3], NULL, &b, NULL), TFY_OK);
	tfy_batch_free(b);
	tfy_client_free(c);
	await_deliveries(&r, 4);
	for (int i = 0; i < 4; i++) {
		tfy_webhook_event *e = verified(r.got[i]);
		int k = 0;
		while (k < 4 && strcmp(ids[k], e->data_id) != 0)
			k++;
		assert_true(k < 4);
		assert_string_equal(e->type, types[k]);
		tfy_webhook_event_free(e);
	}
	for (int i = 0; i < 4; i++)
		free(ids[i]);
	assert_int_equal(tu_gateway_stop(&gw), 0);
	receiver_stop(&r);
}

/* A receiver that always fails gets 6 attempts, then no more. */
static void test_mock_gives_up(void **state)
{
	(void)state;
	receiver r;
	tu_gateway gw;
	receiver_start(&r, 1000);
	/* the secret from the environment this time */
	setenv("TFY_MOCK_WEBHOOK_SECRET", SECRET, 1);
	char url[64];
	snprintf(url, sizeof(url), "--webhook-url=http://127.0.0.1:%d/hook", r.server.port);
	const char *args[] = { "--batch-seconds", "0.2", url, "--webhook-retry-ms", "50", NULL };
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	unsetenv("TFY_MOCK_WEBHOOK_SECRET");
	char *batch = create_batch(&gw, GOOD_INPUT, NULL);
	await_deliveries(&r, 6);
	/* a 7th would come 1.6 s after the 6th */
	struct timespec ts = { 3, 0 };
	nanosleep(&ts, NULL);
	assert_int_equal(received(&r), 6);
	tfy_webhook_event *e = verified(r.got[5]);
	assert_string_equal(e->data_id, batch);
	tfy_webhook_event_free(e);
	free(batch);
	assert_int_equal(tu_gateway_stop(&gw), 0);
	receiver_stop(&r);
}

static void test_mock_usage(void **state)
{
	(void)state;
	const char *exe = getenv("TFY_MOCK_GATEWAY");
	const struct {
		const char *args[6];
		const char *says;
	} bad[] = {
		{ { "--webhook-url", "http://127.0.0.1:1/", NULL }, "needs --webhook-secret" },
		{ { "--webhook-url", "http://127.0.0.1:1/", "--webhook-secret", "whsec_" SECRET_B64 "!",
		    NULL },
		  "--webhook-secret must be whsec_ followed by base64" },
		{ { "--webhook-url", "http://127.0.0.1:1/", "--webhook-secret", SECRET_B64, NULL },
		  "--webhook-secret must be" },
		{ { "--webhook-url", "ftp://127.0.0.1/", "--webhook-secret", SECRET, NULL },
		  "must start with http:// or https://" },
		{ { "--webhook-url", "http://127.0.0.1:1/", "--webhook-secret", SECRET,
		    "--webhook-retry-ms=0", NULL },
		  "--webhook-retry-ms expects 1..60000" },
		{ { "--webhook-retry-ms", "10", NULL }, "--webhook-retry-ms needs --webhook-url" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[8] = { exe };
		for (size_t k = 0; bad[i].args[k]; k++)
			argv[k + 1] = bad[i].args[k];
		tu_run run;
		assert_int_equal(tu_run_cmd(argv, NULL, &run), 0);
		assert_int_equal(run.status, 2);
		if (!strstr(run.err, bad[i].says))
			print_error("stderr: %s\n", run.err);
		assert_non_null(strstr(run.err, bad[i].says));
		assert_null(strstr(run.err, SECRET_B64));
		tu_run_free(&run);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mock_signs_and_retries),
		cmocka_unit_test(test_mock_every_end),
		cmocka_unit_test(test_mock_gives_up),
		cmocka_unit_test(test_mock_usage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
