/*
 * The HTTP transport against servers that misbehave at the byte level:
 * redirects and the headers they may carry, resolvers that never answer,
 * slow drips, malformed responses, broken TLS handshakes.  Servers are
 * tfy-mock-gateway or small ones of this file on 127.0.0.1.  The public API
 * is reached through list_page() alone; the header rule for redirects with
 * a non-zero safe count is checked on the internal transport directly.
 */
#define _GNU_SOURCE
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
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "rawserver.h"
#include "testutil.h"
#include "transport.h"
#include <tfy/tfy.h>

#define KEY "tfy-local-key-for-transport-tests"
#define SECRET "x-secret-thing"
#define SECRET_VALUE "do-not-forward-me"

/* ---- the public API, in one place ---------------------------------------- */

typedef struct call {
	const char *base_url;    /* the client's base URL */
	const char *auth_header; /* NULL: bearer */
	int32_t max_retries;     /* -1: the default */
	int32_t follow_redirects;
	int64_t timeout_ms, stall_timeout_ms, deadline_ms;
	int32_t (*cancel)(void *);
	void *cancel_userdata;
	const tfy_pair *headers; /* the caller's extra headers */
	size_t headers_count;
	const char *after;
} call;

typedef struct outcome {
	tfy_code rc;
	tfy_error *err;
	double took;
} outcome;

/* max_retries in the call: -1 the default, 0 none, n that many. */
static outcome list_page(const call *k)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = k->base_url;
	o.api_key = KEY;
	o.auth_header = k->auth_header;
	o.follow_redirects = k->follow_redirects;
	o.timeout_ms = k->timeout_ms;
	o.stall_timeout_ms = k->stall_timeout_ms;
	outcome r = { TFY_OK, NULL, 0 };
	tfy_client *c = NULL;
	r.rc = tfy_client_new(&o, &c, &r.err);
	if (r.rc != TFY_OK)
		return r;
	const tfy_pair query = { "api-version", "2024-10-21" };
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	if (k->auth_header) {
		ro.query_params = &query;
		ro.query_params_count = 1;
	}
	ro.headers = k->headers;
	ro.headers_count = k->headers_count;
	ro.deadline_ms = k->deadline_ms;
	ro.cancel = k->cancel;
	ro.cancel_userdata = k->cancel_userdata;
	ro.max_retries = k->max_retries < 0 ? 0 : k->max_retries == 0 ? TFY_NONE : k->max_retries;
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	lo.after = k->after;
	lo.request = &ro;
	tfy_batch_page *page = NULL;
	double start = tu_now_s();
	r.rc = tfy_batches_list(c, &lo, &page, &r.err);
	r.took = tu_now_s() - start;
	tfy_batch_page_free(page);
	tfy_client_free(c);
	return r;
}

static const call CALL_INIT = { NULL, NULL, -1, 0, 0, 0, 0, NULL, NULL, NULL, 0, NULL };

static void expect_error(const outcome *r, tfy_code code, int32_t attempts, const char *text)
{
	if (r->rc != code || (text && (!r->err || !strstr(r->err->message, text))))
		print_error("got %s: %s\n", tfy_strerror(r->rc), r->err ? r->err->message : "-");
	assert_int_equal(r->rc, code);
	assert_non_null(r->err);
	assert_int_equal(r->err->attempts, attempts);
	if (text)
		assert_non_null(strstr(r->err->message, text));
	assert_null(strstr(r->err->message, KEY));
}

/* ---- small servers on loopback (tests/rawserver.h) ---------------------- */

static void close_at_once(tu_server *s, int fd)
{
	(void)s;
	(void)fd;
}

static void reset_at_once(tu_server *s, int fd)
{
	(void)s;
	struct linger l = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* ---- 1. redirects ------------------------------------------------------------ */

static const char *const gw_args[] = { "--count", "20", "--api-key", KEY, NULL };

static int last_request_has(const tu_gateway *gw, const char *needle)
{
	char *last = tu_http_get(gw, "/_mock/last-request");
	assert_non_null(last);
	int found = tu_strcasestr(last, needle) != NULL;
	free(last);
	return found;
}

/* A call on a's base with a caller secret and a redirect (by x-mock-fault) to `to`. */
static outcome redirected_call(const char *base, const char *auth_header, const char *to)
{
	char spec[512];
	snprintf(spec, sizeof(spec), "redirect:to=%s,code=302", to);
	const tfy_pair h[] = { { SECRET, SECRET_VALUE }, { "x-mock-fault", spec } };
	call k = CALL_INIT;
	k.base_url = base;
	k.auth_header = auth_header;
	k.follow_redirects = 1;
	k.headers = h;
	k.headers_count = 2;
	return list_page(&k);
}

static void test_cross_origin_redirect_drops_secrets(void **state)
{
	(void)state;
	tu_gateway a, b;
	assert_int_equal(tu_gateway_start(&a, gw_args), 0);
	assert_int_equal(tu_gateway_start(&b, gw_args), 0);
	char base[256], to[256];

	/* Bearer: another port is another origin. */
	snprintf(base, sizeof(base), "%s/v1", a.base);
	snprintf(to, sizeof(to), "%s/v1/batches", b.base);
	outcome r = redirected_call(base, NULL, to);
	expect_error(&r, TFY_ERROR_AUTHENTICATION, 1, NULL); /* B never saw the key */
	tfy_error_free(r.err);
	assert_true(last_request_has(&b, "\"/v1/batches\""));
	assert_false(last_request_has(&b, "authorization"));
	assert_false(last_request_has(&b, SECRET));
	assert_false(last_request_has(&b, "x-mock-fault"));
	assert_false(last_request_has(&b, KEY));

	/* Azure's api-key header, whatever its name, stays behind too. */
	snprintf(base, sizeof(base), "%s/openai", a.base);
	snprintf(to, sizeof(to), "%s/openai/batches?api-version=2024-10-21", b.base);
	r = redirected_call(base, "api-key", to);
	expect_error(&r, TFY_ERROR_AUTHENTICATION, 1, NULL);
	tfy_error_free(r.err);
	assert_true(last_request_has(&b, "\"/openai/batches\""));
	assert_false(last_request_has(&b, "\"api-key\""));
	assert_false(last_request_has(&b, SECRET));
	assert_false(last_request_has(&b, KEY));

	assert_int_equal(tu_gateway_stop(&a), 0);
	assert_int_equal(tu_gateway_stop(&b), 0);
}

static void test_same_origin_redirect_keeps_headers(void **state)
{
	(void)state;
	static const char *const args[] = { "--api-key", KEY, "--fault",
		                            "redirect:to=/v1/batches?limit=1,code=307,times=1", NULL };
	tu_gateway a;
	assert_int_equal(tu_gateway_start(&a, args), 0);
	const tfy_pair h = { SECRET, SECRET_VALUE };
	call k = CALL_INIT;
	char base[256];
	snprintf(base, sizeof(base), "%s/v1", a.base);
	k.base_url = base;
	k.follow_redirects = 1;
	k.headers = &h;
	k.headers_count = 1;
	outcome r = list_page(&k);
	if (r.rc != TFY_OK)
		print_error("%s\n", r.err ? r.err->message : "-");
	assert_int_equal(r.rc, TFY_OK);
	assert_int_equal(tu_gateway_requests(&a), 2);
	assert_true(last_request_has(&a, "\"limit\": \"1\""));
	assert_true(last_request_has(&a, SECRET_VALUE));
	assert_true(last_request_has(&a, "\"authorized\": true"));
	assert_int_equal(tu_gateway_stop(&a), 0);
}

static void test_redirect_loop_is_final(void **state)
{
	(void)state;
	tu_gateway a;
	assert_int_equal(tu_gateway_start(&a, gw_args), 0);
	char base[256], to[256];
	snprintf(base, sizeof(base), "%s/v1", a.base);
	snprintf(to, sizeof(to), "%s/v1/batches", a.base); /* same origin: the fault header stays */
	outcome r = redirected_call(base, NULL, to);
	expect_error(&r, TFY_ERROR_HTTP, 1, "too many redirects");
	tfy_error_free(r.err);
	assert_int_equal(tu_gateway_requests(&a), 1 + TFY__MAX_REDIRECTS);

	/* A Location that is no URL is the server's fault, and final. */
	r = redirected_call(base, NULL, "http://[zz");
	expect_error(&r, TFY_ERROR_HTTP, 1, "not a valid URL");
	tfy_error_free(r.err);
	assert_int_equal(tu_gateway_stop(&a), 0);
}

/* The header rule with a non-zero safe count, on the transport itself. */
static void test_redirect_sends_only_safe_headers_elsewhere(void **state)
{
	(void)state;
	tu_gateway a, b;
	assert_int_equal(tu_gateway_start(&a, gw_args), 0);
	assert_int_equal(tu_gateway_start(&b, gw_args), 0);
	char url[256], fault[512];
	snprintf(url, sizeof(url), "%s/v1/batches", a.base);
	snprintf(fault, sizeof(fault), "x-mock-fault: redirect:to=%s/v1/batches", b.base);
	const char *const headers[] = { "x-safe-one: yes", "Authorization: Bearer " KEY,
		                        SECRET ": " SECRET_VALUE, fault };
	for (size_t safe = 0; safe <= 1; safe++) {
		tfy__http_request req = { .url = url,
			                  .headers = headers,
			                  .headers_count = 4,
			                  .safe_headers_count = safe,
			                  .connect_timeout_ms = 5000,
			                  .timeout_ms = 5000,
			                  .stall_timeout_ms = 5000,
			                  .follow_redirects = 1,
			                  .max_body = 1 << 20 };
		tfy__transport *t = tfy__transport_new();
		assert_non_null(t);
		tfy__http_response resp;
		char detail[256] = "";
		assert_int_equal(tfy__transport_send(t, &req, &resp, detail, sizeof(detail)), TFY_OK);
		assert_int_equal(resp.status, 401);
		tfy__http_response_clear(&resp);
		tfy__transport_free(t);
		assert_int_equal(last_request_has(&b, "x-safe-one"), (int)safe);
		assert_false(last_request_has(&b, "authorization"));
		assert_false(last_request_has(&b, SECRET));
	}
	assert_int_equal(tu_gateway_stop(&a), 0);
	assert_int_equal(tu_gateway_stop(&b), 0);
}

static void test_redirect_decision(void **state)
{
	(void)state;
	char *next;
	int same;
	char detail[256];
	const char *https = "https://api.example.test/v1/batches";
	tfy_code rc = tfy__redirect_check(https, https, "http://api.example.test/v1/batches", &next,
	                                  &same, detail, sizeof(detail));
	assert_int_equal(rc, TFY_ERROR_HTTP);
	assert_null(next);
	assert_non_null(strstr(detail, "redirect from https to http was refused"));

	rc = tfy__redirect_check(https, https, "https://API.example.test:443/v2", &next, &same,
	                         detail, sizeof(detail));
	assert_int_equal(rc, TFY_OK);
	assert_int_equal(same, 1);
	assert_string_equal(next, "https://API.example.test:443/v2");
	free(next);

	const char *other[] = { "https://api.example.test:8443/v1", "https://other.example.test/v1",
		                "http://api.example.test:443/v1" };
	for (size_t i = 0; i < 3; i++) {
		const char *from = i == 2 ? "http://api.example.test:443/x" : https;
		rc = tfy__redirect_check(https, from, other[i], &next, &same, detail, sizeof(detail));
		assert_int_equal(rc, TFY_OK);
		assert_int_equal(same, 0);
		free(next);
	}
	/* Back to the original origin after a detour: every header again. */
	rc = tfy__redirect_check(https, "https://other.example.test/", https, &next, &same, detail,
	                         sizeof(detail));
	assert_int_equal(rc, TFY_OK);
	assert_int_equal(same, 1);
	free(next);

	const char *refused[] = { "ftp://api.example.test/x", "http://[zz", "" };
	for (size_t i = 0; i < 3; i++) {
		rc = tfy__redirect_check(https, https, refused[i], &next, &same, detail,
		                         sizeof(detail));
		assert_int_equal(rc, TFY_ERROR_HTTP);
		assert_null(next);
	}
}

/* ---- 2. a resolver that never answers -------------------------------------- */

typedef struct dns_result {
	tfy_code rc;
	double took;
} dns_result;

static int32_t cancel_at(void *userdata)
{
	return tu_now_s() >= *(double *)userdata;
}

/*
 * In a private mount namespace, /etc/resolv.conf names a UDP socket on
 * 127.53.x.y:53 that never replies.  Returns -1 when that cannot be set up.
 */
static int silent_resolver(void)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	unsigned pid = (unsigned)getpid();
	char ip[32], conf[] = "/tmp/tfy-resolv-XXXXXX";
	snprintf(ip, sizeof(ip), "127.53.%u.%u", (pid >> 8) & 255u, (pid & 254u) + 1);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_port = htons(53);
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	int fd = mkstemp(conf);
	if (fd < 0 || dprintf(fd, "nameserver %s\n", ip) < 0)
		return -1;
	close(fd);
	int rc = mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL);
	unlink(conf);
	return rc; /* u stays open, unread, until the child exits */
}

/* Runs one call against a name nobody answers for, in a child; -1: not permitted. */
static int dns_case(int which, dns_result *out)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		dns_result r = { TFY_ERROR_INVALID_ARGUMENT, -1 };
		if (silent_resolver() == 0) {
			double at = tu_now_s() + 1.0;
			call k = CALL_INIT;
			k.base_url = "http://never-answers.example.test/v1";
			k.max_retries = 0;
			if (which == 0)
				k.timeout_ms = 1000;
			else if (which == 1)
				k.deadline_ms = 1000;
			else {
				k.cancel = cancel_at;
				k.cancel_userdata = &at;
			}
			outcome o = list_page(&k);
			r.rc = o.rc;
			r.took = o.took;
			tfy_error_free(o.err);
		}
		(void)!write(p[1], &r, sizeof(r));
		_exit(0); /* no leak check: the abandoned lookup's thread still runs */
	}
	close(p[1]);
	struct pollfd pf = { p[0], POLLIN, 0 };
	ssize_t n = poll(&pf, 1, (int)(60000 * tu_slowdown())) == 1 ? read(p[0], out, sizeof(*out))
	                                                            : 0;
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(n, (ssize_t)sizeof(*out));
	return out->took < 0 ? -1 : 0;
}

static void test_silent_resolver_is_abandoned_in_time(void **state)
{
	(void)state;
	static const tfy_code codes[] = { TFY_ERROR_TIMEOUT, TFY_ERROR_TIMEOUT, TFY_ERROR_CANCELLED };
	static const char *const names[] = { "timeout_ms", "deadline_ms", "cancel" };
	for (int i = 0; i < 3; i++) {
		dns_result r;
		if (dns_case(i, &r) < 0) {
			print_message("skipped: a private mount namespace with a fake resolv.conf needs "
			              "root (CAP_SYS_ADMIN)\n");
			skip();
		}
		print_message("%s: %s after %.2f s\n", names[i], tfy_strerror(r.rc), r.took);
		assert_int_equal(r.rc, codes[i]);
		assert_true(r.took >= 0.9 && r.took < 5.0 * tu_slowdown());
	}
}

/* ---- 3. the stall detector counts bytes, not callbacks ------------------------ */

static const char page_json[] =
	"{\"object\":\"list\",\"data\":[],\"first_id\":null,\"last_id\":null,\"has_more\":false}";

static size_t gzip_page(unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)page_json;
	z.avail_in = (uInt)(sizeof(page_json) - 1);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

#define DRIP_MS 300
#define DRIP_BYTES 12 /* the gzip header and more: ~3.6 s without a decompressed byte */

static void drip_gzip(tu_server *s, int fd)
{
	(void)s;
	unsigned char body[256];
	size_t n = gzip_page(body, sizeof(body));
	char head[256];
	int len = snprintf(head, sizeof(head),
	                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                   "Content-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
	                   n);
	if (!tu_read_head(fd))
		return;
	tu_send_all(fd, head, (size_t)len);
	for (size_t i = 0; i < DRIP_BYTES; i++) {
		if (!tu_pause_ms(fd, DRIP_MS))
			return;
		tu_send_all(fd, (const char *)body + i, 1);
	}
	tu_send_all(fd, (const char *)body + DRIP_BYTES, n - DRIP_BYTES);
}

static void drip_header(tu_server *s, int fd)
{
	(void)s;
	static const char slow[] = "x-slow-header: abcdefghijkl";
	if (!tu_read_head(fd))
		return;
	tu_send_all(fd, "HTTP/1.1 200 OK\r\n", 17);
	for (size_t i = 0; i < sizeof(slow) - 1; i += 2) {
		if (!tu_pause_ms(fd, DRIP_MS))
			return;
		tu_send_all(fd, slow + i, i + 2 < sizeof(slow) - 1 ? 2 : 1);
	}
	char rest[256];
	int len = snprintf(rest, sizeof(rest), "\r\nContent-Length: %zu\r\n\r\n%s",
	                   sizeof(page_json) - 1, page_json);
	tu_send_all(fd, rest, (size_t)len);
}

static void stop_mid_body(tu_server *s, int fd)
{
	(void)s;
	if (!tu_read_head(fd))
		return;
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"object\":";
	tu_send_all(fd, part, sizeof(part) - 1);
	tu_pause_ms(fd, 20000);
}

static void test_stall_counts_bytes_received(void **state)
{
	(void)state;
	const tu_handler handlers[] = { drip_gzip, drip_header, stop_mid_body };
	for (size_t i = 0; i < 3; i++) {
		tu_server s;
		tu_server_start(&s, handlers[i], NULL, 0);
		call k = CALL_INIT;
		k.base_url = s.base;
		k.max_retries = 0;
		k.stall_timeout_ms = 1000;
		outcome r = list_page(&k);
		tu_server_stop(&s);
		if (i < 2) {
			if (r.rc != TFY_OK)
				print_error("case %zu: %s\n", i, r.err ? r.err->message : "-");
			assert_int_equal(r.rc, TFY_OK);
			assert_true(r.took >= 3.0);
		} else {
			expect_error(&r, TFY_ERROR_TIMEOUT, 1, "no data received for 1000 ms");
			assert_true(r.took < 6.0 * tu_slowdown());
			tfy_error_free(r.err);
		}
	}
}

/* ---- 4. malformed responses and oversized requests ------------------------- */

#define FIXED(s) s, sizeof(s) - 1

static void test_malformed_responses_are_server_faults(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len;
	} replies[] = {
		{ FIXED("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}") },
		{ FIXED("HTTP/1.1 000 OK\r\nContent-Length: 2\r\n\r\n{}") },
		{ FIXED("HTTP/1.1 099 OK\r\nContent-Length: 2\r\n\r\n{}") },
		{ FIXED("{\"object\":\"list\",\"data\":[],\"has_more\":false}") }, /* HTTP/0.9 */
		{ FIXED("HTTP/1.1 302 Found\r\nLocation: http://[zz\r\nContent-Length: 0\r\n\r\n") },
	};
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		tu_server s;
		tu_server_start(&s, tu_reply_fixed, replies[i].text, replies[i].len);
		call k = CALL_INIT;
		k.base_url = s.base;
		k.follow_redirects = 1;
		outcome r = list_page(&k);
		tu_server_stop(&s);
		expect_error(&r, TFY_ERROR_HTTP, 1, NULL);
		assert_int_equal(atomic_load(&s.accepted), 1);
		tfy_error_free(r.err);
	}
}

static void test_huge_response_header_is_no_oom(void **state)
{
	(void)state;
	size_t line = 200 * 1024;
	char *reply = malloc(line + 256);
	assert_non_null(reply);
	int n = snprintf(reply, 256, "HTTP/1.1 200 OK\r\nx-big: ");
	memset(reply + n, 'a', line);
	size_t len = (size_t)n + line;
	len += (size_t)sprintf(reply + len, "\r\nContent-Length: 2\r\n\r\n{}");
	tu_server s;
	tu_server_start(&s, tu_reply_fixed, reply, len);
	call k = CALL_INIT;
	k.base_url = s.base;
	outcome r = list_page(&k);
	tu_server_stop(&s);
	free(reply);
	expect_error(&r, TFY_ERROR_HTTP, 1, "header section is larger than libcurl accepts");
	tfy_error_free(r.err);
}

static void test_oversized_requests_say_why(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, tu_reply_fixed, FIXED("HTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n"));
	/* An 8 MiB cursor makes an URL libcurl refuses to take. */
	size_t big = 8u << 20;
	char *after = malloc(big + 1);
	assert_non_null(after);
	memset(after, 'a', big);
	after[big] = '\0';
	call k = CALL_INIT;
	k.base_url = s.base;
	k.after = after;
	outcome r = list_page(&k);
	expect_error(&r, TFY_ERROR_INVALID_ARGUMENT, 1, "libcurl accepts at most 8000000");
	assert_null(strstr(r.err->message, "No URL set"));
	tfy_error_free(r.err);

	/* A header past the 1 MiB libcurl builds a request in. */
	after[1100000] = '\0';
	const tfy_pair h = { "x-big", after };
	k.after = NULL;
	k.headers = &h;
	k.headers_count = 1;
	r = list_page(&k);
	expect_error(&r, TFY_ERROR_INVALID_ARGUMENT, 1, "libcurl sends at most 1 MiB");
	tfy_error_free(r.err);
	free(after);
	tu_server_stop(&s);
	assert_int_equal(atomic_load(&s.accepted), 0);
}

/* ---- 5. a TLS handshake the peer breaks off is retried ----------------------- */

static void test_broken_tls_handshake_is_retried(void **state)
{
	(void)state;
	const tu_handler handlers[] = { close_at_once, reset_at_once };
	for (size_t i = 0; i < 2; i++) {
		tu_server s;
		tu_server_start(&s, handlers[i], NULL, 0);
		char base[64];
		snprintf(base, sizeof(base), "https://127.0.0.1:%d/v1", s.port);
		call k = CALL_INIT;
		k.base_url = base;
		k.max_retries = 2;
		outcome r = list_page(&k);
		tu_server_stop(&s);
		if (r.rc == TFY_ERROR_TLS)
			print_error("%s\n", r.err->message);
		assert_int_not_equal(r.rc, TFY_ERROR_TLS);
		assert_true(r.rc == TFY_ERROR_NETWORK || r.rc == TFY_ERROR_CONNECT);
		assert_non_null(r.err);
		assert_int_equal(r.err->attempts, 3);
		assert_int_equal(atomic_load(&s.accepted), 3);
		tfy_error_free(r.err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_origin_redirect_drops_secrets),
		cmocka_unit_test(test_same_origin_redirect_keeps_headers),
		cmocka_unit_test(test_redirect_loop_is_final),
		cmocka_unit_test(test_redirect_sends_only_safe_headers_elsewhere),
		cmocka_unit_test(test_redirect_decision),
		cmocka_unit_test(test_silent_resolver_is_abandoned_in_time),
		cmocka_unit_test(test_stall_counts_bytes_received),
		cmocka_unit_test(test_malformed_responses_are_server_faults),
		cmocka_unit_test(test_huge_response_header_is_no_oom),
		cmocka_unit_test(test_oversized_requests_say_why),
		cmocka_unit_test(test_broken_tls_handshake_is_retried),
	};
	return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
