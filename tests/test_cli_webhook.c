/*
 * Webhooks end to end, on loopback: tfy-mock-gateway's sender
 * (--webhook-url: signed events when a created batch ends, retried with
 * backoff), received by a scripted server of the test and verified with
 * tfy_webhook_verify(), so GnuTLS's signing meets libcrypto's checking;
 * tfy-batches webhook verify on requests signed by Python's hmac, and each
 * way it refuses one; tfy-batches wait --webhook-listen ended by the
 * mock's event, falling back to polling when the event is refused, and
 * answering what else a sender may send.  The secret never shows in any
 * output.
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
#include <sys/time.h>
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
	"\",\"body\":{\"model\":\"m\",\"messages\":[]}}\n"
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
	int fail_first; /* answer 500 to this many deliveries, then 204 */
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
	const char *types[4] = { "batch.completed", "batch.failed", "batch.expired", "batch.cancelled" };
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
		{ { "--webhook-url", "http://127.0.0.1:1/", "--webhook-secret",
		    "whsec_" SECRET_B64 "!", NULL },
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

/* ---- tfy-batches webhook verify ------------------------------------------ */

/* The HTTP request of a delivery: head lines (each ending in "\r\n", may be "") and body. */
static char *request(const char *lines, const char *body)
{
	size_t n = strlen(lines) + strlen(body) + 256;
	char *text = malloc(n);
	snprintf(text, n, "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %zu\r\n\r\n%s",
	         lines, strlen(body), body);
	return text;
}

/* The three webhook headers for body, signed by Python with secret, `skew` seconds off now. */
static char *signed_lines(const char *secret, const char *body, long skew)
{
	char ts[32];
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL) + skew);
	char *sig = tu_webhook_sign(secret, "wh_test_1", ts, body, strlen(body));
	assert_non_null(sig);
	size_t n = strlen(sig) + 128;
	char *lines = malloc(n);
	snprintf(lines, n,
	         "webhook-id: wh_test_1\r\nwebhook-timestamp: %s\r\nwebhook-signature: %s\r\n", ts,
	         sig);
	free(sig);
	return lines;
}

/* tfy-batches with args, stdin the text (NULL: empty), env entries extra (may be NULL). */
static tu_run cli_input(const fixture *f, const char *const *args, const char *input,
                        const char *const *env)
{
	const char *argv[24] = { getenv("TFY_BATCHES") };
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	char path[400];
	snprintf(path, sizeof(path), "%s/stdin", f->dir);
	write_file(path, input ? input : "");
	tu_run r;
	assert_int_equal(tu_run_cmd_stdin(argv, env, path, &r), 0);
	assert_null(strstr(r.out, SECRET_B64));
	assert_null(strstr(r.err, SECRET_B64));
	assert_null(strstr(r.err, "YW5vdGhlci13ZWJob29r"));
	return r;
}

static void expect(const tu_run *r, int status, const char *err_part)
{
	if (r->status != status || (err_part && !strstr(r->err, err_part)))
		print_error("exit %d (wanted %d); stderr:\n%s\nstdout:\n%s\n", r->status, status,
		            r->err, r->out);
	assert_int_equal(r->status, status);
	if (err_part)
		assert_non_null(strstr(r->err, err_part));
}

static tu_run verify_with(const fixture *f, const char *secret_file, const char *input)
{
	const char *args[] = { "webhook", "verify", "--secret-file", secret_file, NULL };
	return cli_input(f, args, input, NULL);
}

static void test_verify_accepts(void **state)
{
	const fixture *f = *state;
	const char *body = EVENT_FOR("batch_abc123", "batch.completed");
	char *lines = signed_lines(SECRET, body, 0);
	char *text = request(lines, body);
	tu_run r = verify_with(f, f->secret_file, text);
	expect(&r, 0, NULL);
	assert_non_null(strstr(r.out, "batch.completed"));
	assert_non_null(strstr(r.out, "batch_abc123"));
	assert_non_null(strstr(r.out, "evt_test"));
	assert_non_null(strstr(r.out, "wh_test_1"));
	tu_run_free(&r);
	/* json: the body as sent; the secret from the environment */
	const char *json_args[] = { "webhook", "verify", "--format", "json", NULL };
	const char *env[] = { "TFY_WEBHOOK_SECRET=" SECRET, NULL };
	r = cli_input(f, json_args, text, env);
	expect(&r, 0, NULL);
	char want[512];
	snprintf(want, sizeof(want), "%s\n", body);
	assert_string_equal(r.out, want);
	tu_run_free(&r);
	/* No request line, "\n" line ends, no Content-Length: the body is the rest. */
	char bare[2048];
	char *lf = strdup(lines);
	for (char *p; (p = strstr(lf, "\r\n")) != NULL;)
		memmove(p, p + 1, strlen(p));
	snprintf(bare, sizeof(bare), "%s\n%s", lf, body);
	r = verify_with(f, f->secret_file, bare);
	expect(&r, 0, NULL);
	assert_non_null(strstr(r.out, "batch_abc123"));
	tu_run_free(&r);
	free(lf);
	free(text);
	free(lines);
}

static void test_verify_refuses(void **state)
{
	const fixture *f = *state;
	const char *body = EVENT_FOR("batch_abc123", "batch.completed");
	char *good = signed_lines(SECRET, body, 0), *old = signed_lines(SECRET, body, -400),
	     *ahead = signed_lines(SECRET, body, 400);
	char *unsigned_lines = strdup(good);
	*strstr(unsigned_lines, "webhook-signature") = '\0';
	char *tampered = request(good, EVENT_FOR("batch_abc124", "batch.completed"));
	char *texts[] = { request(good, body), request(old, body), request(ahead, body),
		          request(unsigned_lines, body), tampered };
	const struct {
		const char *secret_file;
		int text;
		const char *says;
	} cases[] = {
		{ f->other_secret_file, 0, "no signature in webhook-signature matches" },
		{ f->secret_file, 1, "(too old)" },
		{ f->secret_file, 2, "(too new)" },
		{ f->secret_file, 3, "the webhook-signature header is missing" },
		{ f->secret_file, 4, "no signature in webhook-signature matches" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = verify_with(f, cases[i].secret_file, texts[cases[i].text]);
		expect(&r, 15, cases[i].says);
		assert_non_null(strstr(r.err, "webhook verification failed: "));
		assert_string_equal(r.out, "");
		tu_run_free(&r);
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		free(texts[i]);
	free(good);
	free(old);
	free(ahead);
	free(unsigned_lines);
}

/* What is not an HTTP request at all, or too large: refused before verifying. */
static void test_verify_not_a_request(void **state)
{
	const fixture *f = *state;
	const char *start = "POST / HTTP/1.1\r\nx-pad: ";
	char *huge_head = malloc(strlen(start) + 70 * 1024 + 8);
	strcpy(huge_head, start);
	memset(huge_head + strlen(start), 'a', 70 * 1024);
	strcpy(huge_head + strlen(start) + 70 * 1024, "\r\n\r\n{}");
	const struct {
		const char *text;
		const char *says;
	} cases[] = {
		{ "", "no request came" },
		{ "nonsense\r\n\r\n{}", "a line that is neither a request line nor a header" },
		{ "POST / HTTP/1.1\r\nwebhook-id: x\r\n", "the input ended inside the head" },
		{ "POST / HTTP/1.1\r\n folded: x\r\n\r\n", "a folded header line" },
		{ "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}", "ended before Content-Length" },
		{ "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n{}", "not a number" },
		{ "POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n{}", "larger than 1 MiB" },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		  "chunked bodies are not read" },
		{ huge_head, "larger than 64 KiB" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_run r = verify_with(f, f->secret_file, cases[i].text);
		expect(&r, 15, cases[i].says);
		assert_non_null(strstr(r.err, "standard input is not an HTTP request: "));
		tu_run_free(&r);
	}
	free(huge_head);
}

static void test_verify_usage(void **state)
{
	const fixture *f = *state;
	const char *body = "not json";
	char *lines = signed_lines(SECRET, body, 0);
	char *text = request(lines, body);
	/* verified, but not an event */
	tu_run r = verify_with(f, f->secret_file, text);
	expect(&r, 6, "could not be decoded");
	tu_run_free(&r);
	r = verify_with(f, f->bad_secret_file, text);
	expect(&r, 2, "the webhook secret must be whsec_ followed by the base64");
	tu_run_free(&r);
	char missing[400];
	snprintf(missing, sizeof(missing), "%s/missing", f->dir);
	r = verify_with(f, missing, text);
	expect(&r, 2, "cannot read the secret file");
	tu_run_free(&r);
	const char *no_secret[] = { "webhook", "verify", NULL };
	r = cli_input(f, no_secret, text, NULL);
	expect(&r, 2, "no webhook secret: give --secret-file FILE or set TFY_WEBHOOK_SECRET");
	tu_run_free(&r);
	const char *operand[] = { "webhook", "verify", "extra", NULL };
	r = cli_input(f, operand, text, NULL);
	expect(&r, 2, "unexpected argument");
	tu_run_free(&r);
	const char *listen[] = { "webhook", "verify", "--webhook-listen", "127.0.0.1:0", NULL };
	r = cli_input(f, listen, text, NULL);
	expect(&r, 2, "--webhook-listen");
	tu_run_free(&r);
	const char *group[] = { "webhook", NULL };
	r = cli_input(f, group, text, NULL);
	expect(&r, 2, "Commands of 'webhook': verify");
	tu_run_free(&r);
	free(text);
	free(lines);
}

/* ---- tfy-batches wait --webhook-listen ------------------------------------ */

static tu_run wait_listening(const fixture *f, const tu_gateway *gw, const char *batch, int port,
                             const char *timeout)
{
	char url[160], listen[64];
	snprintf(url, sizeof(url), "--base-url=%s/v1", gw->base);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *args[] = { "wait",
		               batch,
		               url,
		               "--webhook-listen",
		               listen,
		               "--secret-file",
		               f->secret_file,
		               timeout ? "--timeout" : NULL,
		               timeout,
		               NULL };
	const char *env[] = { "TFY_API_KEY=" KEY, NULL };
	return cli_input(f, args, NULL, env);
}

/*
 * The mock's event ends the wait: polls come 10 s apart while listening,
 * so a wait that --timeout would end after 8 s ends well before by the
 * event alone (the batch runs some 1.5 s).
 */
static void test_wait_ended_by_event(void **state)
{
	const fixture *f = *state;
	tu_gateway gw;
	int port = tu_free_port();
	gateway_telling(&gw, "1", port, SECRET, "--webhook-retry-ms=200");
	char *batch = create_batch(&gw, GOOD_INPUT, NULL);
	tu_run r = wait_listening(f, &gw, batch, port, "8");
	expect(&r, 0, "webhook batch.completed for ");
	assert_non_null(strstr(r.err, batch));
	assert_non_null(strstr(r.err, "listening for webhooks on 127.0.0.1:"));
	assert_non_null(strstr(r.out, "completed"));
	assert_non_null(strstr(r.out, batch));
	tu_run_free(&r);
	free(batch);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* An event signed with another secret is refused; the slower polls end the wait. */
static void test_wait_falls_back_to_polling(void **state)
{
	const fixture *f = *state;
	tu_gateway gw;
	int port = tu_free_port();
	gateway_telling(&gw, "0.4", port, OTHER_SECRET, NULL);
	char *batch = create_batch(&gw, GOOD_INPUT, NULL);
	double start = tu_now_s();
	tu_run r = wait_listening(f, &gw, batch, port, NULL);
	expect(&r, 0, "webhook verification failed: no signature");
	assert_null(strstr(r.err, "webhook batch.completed for"));
	assert_non_null(strstr(r.out, "completed"));
	/* the second poll comes 10 s after the first (a lower bound) */
	assert_true(tu_now_s() - start >= 9.5);
	tu_run_free(&r);
	free(batch);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* Requests sent to the listener by a thread of the test, and the answers' statuses. */
typedef struct sender {
	int port;
	const char *texts[8];
	int status[8];
} sender;

/* One request, after the listener is up; the answer's status, or -1. */
static int post(int port, const char *text)
{
	double until = tu_now_s() + 30 * tu_slowdown();
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = -1;
	while (tu_now_s() < until) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		close(fd);
		fd = -1;
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (fd < 0)
		return -1;
	/* Whatever took the port, a listener that never answers fails the test instead of hanging it. */
	struct timeval tv = { (time_t)(30 * tu_slowdown()), 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	tu_send_all(fd, text, strlen(text));
	char answer[256];
	int got = tu_read_head_into(fd, answer, sizeof(answer));
	close(fd);
	return got && strncmp(answer, "HTTP/1.1 ", 9) == 0 ? atoi(answer + 9) : -1;
}

static void *send_all(void *arg)
{
	sender *s = arg;
	for (size_t i = 0; i < 8 && s->texts[i]; i++)
		s->status[i] = post(s->port, s->texts[i]);
	return NULL;
}

/*
 * What the listener answers: 405, 400, 400 (a bad signature), 204 (another
 * batch's event, a verified event that is not a batch's end), 413; none of
 * them ends the wait, which --timeout does.
 */
static void test_listener_answers(void **state)
{
	const fixture *f = *state;
	tu_gateway gw;
	const char *args[] = { "--batch-seconds", "3600", NULL };
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	char *batch = create_batch(&gw, GOOD_INPUT, NULL);
	char ours[256], other[256];
	snprintf(ours, sizeof(ours), EVENT_FOR("%s", "response.completed"), batch);
	snprintf(other, sizeof(other), EVENT_FOR("batch_other", "batch.completed"));
	char *ours_lines = signed_lines(SECRET, ours, 0),
	     *other_lines = signed_lines(SECRET, other, 0),
	     *wrong_lines = signed_lines(OTHER_SECRET, other, 0);
	char *texts[] = { strdup("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		          strdup("nonsense\r\n\r\n"),
		          request(wrong_lines, other),
		          request(other_lines, other),
		          request(ours_lines, ours),
		          strdup("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n{}") };
	const int want[] = { 405, 400, 400, 204, 204, 413 };
	sender s = { .port = tu_free_port() };
	for (size_t i = 0; i < 6; i++)
		s.texts[i] = texts[i];
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, send_all, &s), 0);
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", (int)(4 * tu_slowdown()));
	tu_run r = wait_listening(f, &gw, batch, s.port, timeout);
	pthread_join(t, NULL);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(s.status[i], want[i]);
	expect(&r, 13, "--timeout passed");
	assert_non_null(strstr(r.err, "webhook refused: not an HTTP request"));
	assert_non_null(strstr(r.err, "webhook refused: too large"));
	assert_non_null(strstr(r.err, "webhook verification failed: no signature"));
	assert_null(strstr(r.err, "webhook batch."));
	tu_run_free(&r);
	for (size_t i = 0; i < 6; i++)
		free(texts[i]);
	free(ours_lines);
	free(other_lines);
	free(wrong_lines);
	free(batch);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/*
 * A verified event says the batch ended, but the API does not yet: the
 * batch is fetched, found running, and the wait goes on by polling.
 */
static void test_wait_event_before_api(void **state)
{
	const fixture *f = *state;
	tu_gateway gw;
	const char *args[] = { "--batch-seconds", "3600", NULL };
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	char *batch = create_batch(&gw, GOOD_INPUT, NULL);
	char ours[256];
	snprintf(ours, sizeof(ours), EVENT_FOR("%s", "batch.cancelled"), batch);
	char *lines = signed_lines(SECRET, ours, 0);
	char *text = request(lines, ours);
	sender s = { .port = tu_free_port(), .texts = { text } };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, send_all, &s), 0);
	long before = tu_gateway_requests(&gw);
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", (int)(4 * tu_slowdown()));
	tu_run r = wait_listening(f, &gw, batch, s.port, timeout);
	pthread_join(t, NULL);
	assert_int_equal(s.status[0], 204);
	expect(&r, 13, "webhook batch.cancelled for ");
	/* the first poll, the fetch after the event, then polls at the usual pace */
	assert_true(tu_gateway_requests(&gw) - before >= 3);
	tu_run_free(&r);
	free(text);
	free(lines);
	free(batch);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

static void test_wait_listen_usage(void **state)
{
	const fixture *f = *state;
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, NULL), 0);
	char url[160];
	snprintf(url, sizeof(url), "--base-url=%s/v1", gw.base);
	const char *env[] = { "TFY_API_KEY=" KEY, NULL };
	const char *no_secret[] = { "wait", "batch_1", url, "--webhook-listen", "127.0.0.1:0", NULL };
	tu_run r = cli_input(f, no_secret, NULL, env);
	expect(&r, 2, "--webhook-listen needs the webhook secret");
	tu_run_free(&r);
	const char *const addresses[] = { "localhost:9000", "127.0.0.1", "127.0.0.1:65536",
		                          "127.0.0.1:x",    ":9000",     "[::1:9000" };
	for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		const char *args[] = {
			"wait",          "batch_1",      url, "--webhook-listen", addresses[i],
			"--secret-file", f->secret_file, NULL
		};
		r = cli_input(f, args, NULL, env);
		expect(&r, 2, "--webhook-listen wants ADDRESS:PORT with a numeric address");
		tu_run_free(&r);
	}
	const char *bad_secret[] = {
		"wait",          "batch_1",          url, "--webhook-listen", "127.0.0.1:0",
		"--secret-file", f->bad_secret_file, NULL
	};
	r = cli_input(f, bad_secret, NULL, env);
	expect(&r, 2, "the webhook secret must be whsec_");
	tu_run_free(&r);
	/* a port taken: the gateway's own */
	char taken[32];
	snprintf(taken, sizeof(taken), "127.0.0.1:%d", gw.port);
	const char *busy[] = { "wait",          "batch_1",      url, "--webhook-listen", taken,
		               "--secret-file", f->secret_file, NULL };
	r = cli_input(f, busy, NULL, env);
	expect(&r, 1, "cannot listen for webhooks on ");
	tu_run_free(&r);
	/* only wait listens */
	const char *get[] = { "get", "batch_1", url, "--webhook-listen", "127.0.0.1:0", NULL };
	r = cli_input(f, get, NULL, env);
	expect(&r, 2, "--webhook-listen");
	tu_run_free(&r);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mock_signs_and_retries),
		cmocka_unit_test(test_mock_every_end),
		cmocka_unit_test(test_mock_gives_up),
		cmocka_unit_test(test_mock_usage),
		cmocka_unit_test(test_verify_accepts),
		cmocka_unit_test(test_verify_refuses),
		cmocka_unit_test(test_verify_not_a_request),
		cmocka_unit_test(test_verify_usage),
		cmocka_unit_test(test_wait_ended_by_event),
		cmocka_unit_test(test_wait_falls_back_to_polling),
		cmocka_unit_test(test_listener_answers),
		cmocka_unit_test(test_wait_event_before_api),
		cmocka_unit_test(test_wait_listen_usage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
