/*
 * TLS through libtfy's public API against tfy-mock-gateway serving HTTPS
 * with certificates made for the run (tests/tls-certs.sh): verification by
 * default, ca_file and ca_path, expired and wrong-host certificates,
 * tls_insecure, TLS 1.2 as the floor, mutual TLS and the key's passphrase,
 * which never reaches a log line or an error.
 */
#define _XOPEN_SOURCE 600 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tfy/tfy.h>
#include <cmocka.h>

#include "testutil.h"

#define KEY "tfy-local-key"
#define PASSPHRASE "correct horse battery staple 42"

enum { GW_OK, GW_EXPIRED, GW_OTHER, GW_MTLS, GW_TLS11, GW_COUNT };

static char dir[512];
static tu_gateway gws[GW_COUNT];

/* A file of the run's TLS material. */
static const char *file(const char *name)
{
	static char paths[8][640];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static int start(int which, const char *cert, const char *extra, const char *value)
{
	char c[640], k[640];
	snprintf(c, sizeof(c), "%s/%s.pem", dir, cert);
	snprintf(k, sizeof(k), "%s/%s.key", dir, cert);
	const char *args[] = { "--tls-cert", c, "--tls-key", k, extra, value, NULL };
	return tu_gateway_start(&gws[which], args);
}

static int setup(void **state)
{
	(void)state;
	if (start(GW_OK, "server", NULL, NULL) < 0 || start(GW_EXPIRED, "expired", NULL, NULL) < 0 ||
	    start(GW_OTHER, "other", NULL, NULL) < 0 ||
	    start(GW_MTLS, "server", "--tls-client-ca", file("client-ca.pem")) < 0 ||
	    start(GW_TLS11, "server", "--tls-priority", "NORMAL:-VERS-ALL:+VERS-TLS1.1") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int rc = 0;
	for (int i = 0; i < GW_COUNT; i++)
		if (gws[i].pid > 0 && tu_gateway_stop(&gws[i]) != 0)
			rc = -1;
	return rc;
}

/* A call's code and a copy of its error's message and body (NULL on success). */
typedef struct outcome {
	tfy_code rc;
	char *message;
} outcome;

/*
 * Lists one page from gateway `which` at host (127.0.0.1 or localhost) with
 * o's TLS settings, logging at debug level into log when not NULL.
 */
static outcome list_with(int which, const char *host, tfy_client_options o, tu_log *log)
{
	char url[256];
	snprintf(url, sizeof(url), "https://%s:%d/v1", host, gws[which].port);
	o.base_url = url;
	o.api_key = KEY;
	o.max_retries = TFY_NONE;
	if (log)
		tu_log_into(log, &o, TFY_LOG_DEBUG);
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_client_new(&o, &c, &err);
	if (rc == TFY_OK) {
		tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
		lo.limit = 1;
		tfy_batch_page *page = NULL;
		rc = tfy_batches_list(c, &lo, &page, &err);
		tfy_batch_page_free(page);
	}
	outcome out = { rc, NULL };
	if (err) {
		size_t n = strlen(err->message) + (err->body ? strlen(err->body) : 0) + 2;
		out.message = malloc(n);
		snprintf(out.message, n, "%s\n%s", err->message, err->body ? err->body : "");
	}
	tfy_error_free(err);
	tfy_client_free(c);
	return out;
}

static tfy_client_options with_ca(void)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.ca_file = file("ca.pem");
	return o;
}

/* A failure with this code whose message has every one of the words (case-insensitive). */
static void expect_failure(outcome r, tfy_code code, const char *const *words)
{
	tfy_code got = r.rc;
	char *message = r.message;
	if (got != code)
		fprintf(stderr, "got %s: %s\n", tfy_strerror(got), message ? message : "-");
	assert_int_equal(got, code);
	assert_non_null(message);
	for (size_t i = 0; words && words[i]; i++) {
		if (!tu_strcasestr(message, words[i]))
			fprintf(stderr, "no '%s' in: %s\n", words[i], message);
		assert_non_null(tu_strcasestr(message, words[i]));
	}
	free(message);
}

static void expect_ok(outcome r)
{
	tfy_code got = r.rc;
	char *message = r.message;
	if (got != TFY_OK)
		fprintf(stderr, "%s\n", message);
	assert_int_equal(got, TFY_OK);
	free(message);
}

static void test_unknown_ca_refused_by_default(void **state)
{
	(void)state;
	const tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	const char *const words[] = { "certificate", "issuer", NULL };
	expect_failure(list_with(GW_OK, "127.0.0.1", o, NULL), TFY_ERROR_TLS, words);
}

static void test_ca_file_and_ca_path_pass(void **state)
{
	(void)state;
	expect_ok(list_with(GW_OK, "127.0.0.1", with_ca(), NULL));
	expect_ok(list_with(GW_OK, "localhost", with_ca(), NULL));
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.ca_path = file("capath");
	expect_ok(list_with(GW_OK, "127.0.0.1", o, NULL));
}

static void test_expired_certificate_refused(void **state)
{
	(void)state;
	const char *const words[] = { "expired", NULL };
	expect_failure(list_with(GW_EXPIRED, "127.0.0.1", with_ca(), NULL), TFY_ERROR_TLS, words);
}

static void test_host_mismatch_refused_with_the_right_ca(void **state)
{
	(void)state;
	const char *const words[] = { "subject name", "match", NULL };
	expect_failure(list_with(GW_OTHER, "127.0.0.1", with_ca(), NULL), TFY_ERROR_TLS, words);
	expect_failure(list_with(GW_OTHER, "localhost", with_ca(), NULL), TFY_ERROR_TLS, words);
}

static void test_insecure_passes_and_warns(void **state)
{
	(void)state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.tls_insecure = 1;
	tu_log *log = calloc(1, sizeof(*log));
	expect_ok(list_with(GW_OTHER, "127.0.0.1", o, log));
	assert_non_null(tu_log_find(log, 0, "TLS certificate verification is off"));
	free(log);
}

/*
 * A server that speaks TLS 1.1 only is refused.  libtfy asks libcurl for
 * TLS 1.2 at least; Debian's OpenSSL refuses 1.1 on its own as well, so
 * this holds the promise rather than isolating the setting.
 */
static void test_tls11_server_refused(void **state)
{
	(void)state;
	const char *const words[] = { "protocol", NULL };
	expect_failure(list_with(GW_TLS11, "127.0.0.1", with_ca(), NULL), TFY_ERROR_TLS, words);
	/* Turning verification off does not lower the floor. */
	tfy_client_options o = with_ca();
	o.tls_insecure = 1;
	expect_failure(list_with(GW_TLS11, "127.0.0.1", o, NULL), TFY_ERROR_TLS, words);
}

static tfy_client_options with_client_cert(const char *cert, const char *key)
{
	tfy_client_options o = with_ca();
	o.tls_client_cert = file(cert);
	o.tls_client_key = key ? file(key) : NULL;
	return o;
}

static void test_mutual_tls(void **state)
{
	(void)state;
	expect_ok(list_with(GW_MTLS, "127.0.0.1", with_client_cert("client.pem", "client.key"), NULL));
	const char *const missing[] = { "client certificate is required", NULL };
	expect_failure(list_with(GW_MTLS, "127.0.0.1", with_ca(), NULL), TFY_ERROR_AUTHENTICATION,
	               missing);
	const char *const untrusted[] = { "not signed by a trusted CA", NULL };
	expect_failure(list_with(GW_MTLS, "127.0.0.1",
	                         with_client_cert("stranger.pem", "stranger.key"), NULL),
	               TFY_ERROR_PERMISSION_DENIED, untrusted);
	/* The gateway that asks for no certificate takes one all the same. */
	expect_ok(list_with(GW_OK, "127.0.0.1", with_client_cert("client.pem", "client.key"), NULL));
}

static void test_encrypted_key_and_passphrase(void **state)
{
	(void)state;
	tfy_client_options o = with_client_cert("client.pem", "client-enc.key");
	o.tls_client_key_password = PASSPHRASE;
	tu_log *log = calloc(1, sizeof(*log));
	expect_ok(list_with(GW_MTLS, "127.0.0.1", o, log));
	assert_non_null(tu_log_find(log, 0, "GET https://127.0.0.1"));
	assert_null(tu_log_find(log, 0, PASSPHRASE));
	free(log);

	/* The message names the option to set. */
	o.tls_client_key_password = "not " PASSPHRASE;
	const char *const wrong[] = { "key", "passphrase in tls_client_key_password is wrong", NULL };
	expect_failure(list_with(GW_MTLS, "127.0.0.1", o, NULL), TFY_ERROR_TLS, wrong);
	const char *const none[] = { "key", "none was given in tls_client_key_password", NULL };
	o.tls_client_key_password = NULL;
	expect_failure(list_with(GW_MTLS, "127.0.0.1", o, NULL), TFY_ERROR_TLS, none);
	o.tls_client_key_password = "";
	expect_failure(list_with(GW_MTLS, "127.0.0.1", o, NULL), TFY_ERROR_TLS, none);
}

/*
 * An encrypted key without its passphrase, in a process whose controlling
 * terminal is a pseudo-terminal nobody types into: OpenSSL's default would
 * prompt "Enter PEM pass phrase:" there and block past every timeout.  The
 * call must fail at once with a TLS error naming the option instead.
 */
static void test_encrypted_key_never_prompts(void **state)
{
	(void)state;
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	const char *terminal = ptsname(master);
	assert_non_null(terminal);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = setsid() < 0 ? -1 : open(terminal, O_RDWR); /* the controlling terminal */
		if (fd < 0)
			_exit(127);
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		tfy_client_options o = with_client_cert("client.pem", "client-enc.key");
		o.timeout_ms = 3000;
		outcome r = list_with(GW_MTLS, "127.0.0.1", o, NULL);
		printf("code %d: %s\n", (int)r.rc, r.message ? r.message : "-");
		fflush(stdout);
		free(r.message);
		_exit(0);
	}
	char out[8192];
	size_t len = 0;
	double until = tu_now_s() + 20 * tu_slowdown();
	for (;;) {
		struct pollfd p = { master, POLLIN, 0 };
		if (tu_now_s() > until)
			break;
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = read(master, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break; /* EIO: the child is gone */
		len += (size_t)n;
	}
	out[len] = '\0';
	close(master);
	int status = 0;
	pid_t done = 0;
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && tu_now_s() < until)
		poll(NULL, 0, 20);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the call blocked; the terminal showed: %s", out);
	}
	char want[64];
	snprintf(want, sizeof(want), "code %d: ", (int)TFY_ERROR_TLS);
	if (!strstr(out, want) || !strstr(out, "tls_client_key_password") || strstr(out, "phrase:"))
		fail_msg("the terminal showed: %s", out);
}

/*
 * The passphrase is masked wherever it would show: here it is text that
 * the gateway's 403 body and the request URL carry.
 */
static void test_passphrase_masked_in_errors_and_logs(void **state)
{
	(void)state;
	tfy_client_options o = with_client_cert("stranger.pem", "stranger.key");
	o.tls_client_key_password = "not signed by a trusted";
	tu_log *log = calloc(1, sizeof(*log));
	outcome r = list_with(GW_MTLS, "127.0.0.1", o, log);
	assert_int_equal(r.rc, TFY_ERROR_PERMISSION_DENIED);
	assert_null(strstr(r.message, "not signed by a trusted"));
	assert_non_null(strstr(r.message, "[REDACTED]"));
	assert_null(tu_log_find(log, 0, "not signed by a trusted"));
	free(r.message);
	free(log);

	o = with_client_cert("client.pem", "client.key");
	o.tls_client_key_password = "passphrase-in-the-path";
	char url[256];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/passphrase-in-the-path", gws[GW_MTLS].port);
	log = calloc(1, sizeof(*log));
	tu_log_into(log, &o, TFY_LOG_DEBUG);
	o.max_retries = TFY_NONE;
	tfy_client *c = tu_client_url(url, KEY, &o);
	assert_non_null(c);
	tfy_error *err = NULL;
	tfy_batch_page *page = NULL;
	assert_int_equal(tfy_batches_list(c, NULL, &page, &err), TFY_ERROR_NOT_FOUND);
	assert_null(strstr(err->message, "passphrase-in-the-path"));
	assert_null(strstr(err->body, "passphrase-in-the-path"));
	assert_non_null(tu_log_find(log, 0, "[REDACTED]"));
	assert_null(tu_log_find(log, 0, "passphrase-in-the-path"));
	tfy_error_free(err);
	tfy_client_free(c);
	free(log);
}

static void test_bad_client_options(void **state)
{
	(void)state;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = "https://127.0.0.1:1/v1";
	o.api_key = KEY;
	o.tls_client_key = "key.pem";
	o.tls_client_key_password = PASSPHRASE;
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "need tls_client_cert"));
	assert_null(strstr(err->message, PASSPHRASE));
	tfy_error_free(err);
}

/* tfy-batches against gateway `which` with extra arguments and environment entries. */
static tu_run cli(int which, const char *const *extra, const char *const *env)
{
	char url[128];
	snprintf(url, sizeof(url), "--base-url=https://127.0.0.1:%d/v1", gws[which].port);
	const char *argv[24] = { getenv("TFY_BATCHES"),
		                 url,
		                 "--max-retries",
		                 "0",
		                 "--limit",
		                 "1",
		                 "--format",
		                 "ndjson" };
	size_t n = 8;
	for (size_t i = 0; extra && extra[i] && n < 23; i++)
		argv[n++] = extra[i];
	const char *vars[8] = { "TFY_API_KEY=" KEY, "TFY_LOG=debug" };
	for (size_t i = 0; env && env[i] && i < 5; i++)
		vars[2 + i] = env[i];
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, vars, &r), 0);
	assert_null(strstr(r.out, PASSPHRASE));
	assert_null(strstr(r.err, PASSPHRASE));
	return r;
}

static void expect_cli(tu_run r, int status, const char *word)
{
	if (r.status != status)
		fprintf(stderr, "exit %d: %s\n", r.status, r.err);
	assert_int_equal(r.status, status);
	if (word)
		assert_non_null(tu_strcasestr(r.err, word));
	tu_run_free(&r);
}

static void test_cli_tls_flags(void **state)
{
	(void)state;
	const char *ca = file("ca.pem");
	expect_cli(cli(GW_OK, NULL, NULL), 5, "issuer");
	expect_cli(cli(GW_OK, (const char *const[]){ "--cacert", ca, NULL }, NULL), 0, NULL);
	expect_cli(cli(GW_OK, (const char *const[]){ "--capath", file("capath"), NULL }, NULL), 0,
	           NULL);
	expect_cli(cli(GW_OTHER, (const char *const[]){ "--cacert", ca, NULL }, NULL), 5, "match");
	expect_cli(cli(GW_OTHER, (const char *const[]){ "--insecure", NULL }, NULL), 0,
	           "verification is off");
	expect_cli(cli(GW_OTHER, (const char *const[]){ "-k", NULL }, NULL), 0, NULL);
}

static void test_cli_client_certificate(void **state)
{
	(void)state;
	const char *ca = file("ca.pem"), *cert = file("client.pem"), *key = file("client-enc.key");
	expect_cli(cli(GW_MTLS, (const char *const[]){ "--cacert", ca, NULL }, NULL), 3,
	           "client certificate");
	expect_cli(cli(GW_MTLS,
	               (const char *const[]){ "--cacert", ca, "--cert", cert, "--key", key,
	                                      "--pass-file", file("client-pass.txt"), NULL },
	               NULL),
	           0, NULL);
	expect_cli(cli(GW_MTLS,
	               (const char *const[]){ "--cacert", ca, "--cert", cert, "--key", key, NULL },
	               (const char *const[]){ "TFY_KEY_PASSWORD=" PASSPHRASE, NULL }),
	           0, NULL);
	expect_cli(cli(GW_MTLS,
	               (const char *const[]){ "--cacert", ca, "--cert", cert, "--key", key,
	                                      "--pass", PASSPHRASE, NULL },
	               NULL),
	           0, NULL);
	expect_cli(cli(GW_MTLS,
	               (const char *const[]){ "--cacert", ca, "--cert", cert, "--key", key, NULL },
	               NULL),
	           5, "none was given in --pass-file, --pass or TFY_KEY_PASSWORD");
	expect_cli(cli(GW_MTLS,
	               (const char *const[]){ "--cacert", ca, "--cert", cert, "--key", key,
	                                      "--pass-file", file("no-such-file"), NULL },
	               NULL),
	           2, "no-such-file");
	expect_cli(cli(GW_MTLS,
	               (const char *const[]){ "--pass", PASSPHRASE, "--pass-file",
	                                      file("client-pass.txt"), NULL },
	               NULL),
	           2, "not both");
}

int main(void)
{
	int rc = tu_tls_material(dir, sizeof(dir));
	if (rc != 0)
		return rc == 77 ? 77 : 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_ca_refused_by_default),
		cmocka_unit_test(test_ca_file_and_ca_path_pass),
		cmocka_unit_test(test_expired_certificate_refused),
		cmocka_unit_test(test_host_mismatch_refused_with_the_right_ca),
		cmocka_unit_test(test_insecure_passes_and_warns),
		cmocka_unit_test(test_tls11_server_refused),
		cmocka_unit_test(test_mutual_tls),
		cmocka_unit_test(test_encrypted_key_and_passphrase),
		cmocka_unit_test(test_encrypted_key_never_prompts),
		cmocka_unit_test(test_passphrase_masked_in_errors_and_logs),
		cmocka_unit_test(test_bad_client_options),
		cmocka_unit_test(test_cli_tls_flags),
		cmocka_unit_test(test_cli_client_certificate),
	};
	rc = cmocka_run_group_tests(tests, setup, teardown);
	tu_remove_tree(dir);
	return rc;
}
