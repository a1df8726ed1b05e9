/*
 * Proxies through libtfy's public API: Debian's tinyproxy, started by the
 * test on loopback with a generated configuration, in front of
 * tfy-mock-gateway over http and (CONNECT) https; proxy_credentials with
 * tinyproxy's BasicAuth, no_proxy, proxy_env and the environment's
 * http_proxy.  Skipped (77) without tinyproxy or openssl.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tfy/tfy.h>
#include <cmocka.h>

#include "rawserver.h"
#include "testutil.h"

#define KEY "tfy-local-key"
#define PROXY_USER "tfy-user"
#define PROXY_PASSWORD "proxy-pw-7c1d"

static const char *tinyproxy_exe;
static char dir[512];
static tu_gateway plain_gw, tls_gw;

typedef struct proxy {
	pid_t pid;
	int port;
	char url[64];
	char log[640];
} proxy;

static proxy open_proxy, auth_proxy;

static int listening(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* tinyproxy on a free loopback port, allowing CONNECT to the TLS gateway's port only. */
static int proxy_start(proxy *p, const char *name, int basic_auth)
{
	char conf[640];
	p->port = tu_free_port();
	snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", p->port);
	snprintf(conf, sizeof(conf), "%s/%s.conf", dir, name);
	snprintf(p->log, sizeof(p->log), "%s/%s.log", dir, name);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "Port %d\nListen 127.0.0.1\nTimeout 30\nLogFile \"%s\"\nLogLevel Connect\n"
	        "MaxClients 20\nAllow 127.0.0.1\nConnectPort %d\n",
	        p->port, p->log, tls_gw.port);
	if (basic_auth)
		fprintf(f, "BasicAuth %s %s\n", PROXY_USER, PROXY_PASSWORD);
	fclose(f);
	p->pid = fork();
	if (p->pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(tinyproxy_exe, tinyproxy_exe, "-d", "-c", conf, (char *)NULL);
		_exit(127);
	}
	double until = tu_now_s() + 10 * tu_slowdown();
	while (p->pid > 0 && !listening(p->port) && tu_now_s() < until)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	return listening(p->port) ? 0 : -1;
}

static void proxy_stop(proxy *p)
{
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

/* The proxy's log so far (malloc'd). */
static char *proxy_log(const proxy *p)
{
	FILE *f = fopen(p->log, "rb");
	char *text = calloc(1, 1 << 20);
	if (f) {
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	return text;
}

static int setup(void **state)
{
	(void)state;
	char cert[640], key[640];
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	const char *const tls_args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
	if (tu_gateway_start(&plain_gw, NULL) < 0 || tu_gateway_start(&tls_gw, tls_args) < 0 ||
	    proxy_start(&open_proxy, "open", 0) < 0 || proxy_start(&auth_proxy, "auth", 1) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	proxy_stop(&open_proxy);
	proxy_stop(&auth_proxy);
	int a = plain_gw.pid > 0 ? tu_gateway_stop(&plain_gw) : 0;
	int b = tls_gw.pid > 0 ? tu_gateway_stop(&tls_gw) : 0;
	return a == 0 && b == 0 ? 0 : -1;
}

static char ca_file[640];

/* Options for gw (its CA for https), one attempt, debug lines into log when not NULL. */
static tfy_client_options options(const tu_gateway *gw, char *url, size_t size, const char *path,
                                  tu_log *log)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	snprintf(url, size, "%s%s", gw->base, path);
	o.base_url = url;
	o.api_key = KEY;
	o.max_retries = TFY_NONE;
	o.ca_file = ca_file;
	if (log)
		tu_log_into(log, &o, TFY_LOG_DEBUG);
	return o;
}

/* One page with options o; the error (or NULL) goes to *err. */
static tfy_code list(const tfy_client_options *o, tfy_error **err)
{
	tfy_client *c = NULL;
	*err = NULL;
	tfy_code rc = tfy_client_new(o, &c, err);
	if (rc == TFY_OK) {
		tfy_batch_page *page = NULL;
		rc = tfy_batches_list(c, NULL, &page, err);
		tfy_batch_page_free(page);
	}
	if (rc != TFY_OK && *err)
		fprintf(stderr, "(%s)\n", (*err)->message);
	tfy_client_free(c);
	return rc;
}

static void expect_ok(const tfy_client_options *o)
{
	tfy_error *err;
	assert_int_equal(list(o, &err), TFY_OK);
}

static void test_http_through_the_proxy(void **state)
{
	(void)state;
	char url[256], line[256];
	tfy_client_options o = options(&plain_gw, url, sizeof(url), "/v1", NULL);
	o.proxy = open_proxy.url;
	long before = tu_gateway_requests(&plain_gw);
	expect_ok(&o);
	assert_int_equal(tu_gateway_requests(&plain_gw), before + 1);
	snprintf(line, sizeof(line), "GET http://127.0.0.1:%d/v1/batches", plain_gw.port);
	char *log = proxy_log(&open_proxy);
	assert_non_null(strstr(log, line));
	free(log);
}

static void test_https_through_a_connect_tunnel(void **state)
{
	(void)state;
	char url[256], line[256];
	tfy_client_options o = options(&tls_gw, url, sizeof(url), "/v1", NULL);
	o.proxy = open_proxy.url;
	expect_ok(&o); /* a page: the tunnel reached the gateway, whose certificate was verified */
	snprintf(line, sizeof(line), "CONNECT 127.0.0.1:%d ", tls_gw.port);
	char *log = proxy_log(&open_proxy);
	assert_non_null(strstr(log, line));
	/* The path, and so the key's header with it, travelled inside the tunnel. */
	snprintf(line, sizeof(line), "127.0.0.1:%d/v1/batches", tls_gw.port);
	assert_null(strstr(log, line));
	free(log);
}

static void test_dead_proxy_named_in_the_error(void **state)
{
	(void)state;
	char url[256], dead[64], port[16];
	int p = tu_free_port();
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", p);
	snprintf(port, sizeof(port), "%d", p);
	tfy_client_options o = options(&tls_gw, url, sizeof(url), "/v1", NULL);
	o.proxy = dead;
	tfy_error *err;
	assert_int_equal(list(&o, &err), TFY_ERROR_CONNECT);
	assert_non_null(strstr(err->message, "proxy"));
	assert_non_null(strstr(err->message, dead));
	tfy_error_free(err);

	/* no_proxy sends the same call around it. */
	o.no_proxy = "127.0.0.1";
	expect_ok(&o);
	o.no_proxy = "*";
	expect_ok(&o);
}

static void test_environment_proxy_and_proxy_env_none(void **state)
{
	(void)state;
	char url[256], dead[64];
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", tu_free_port());
	tfy_client_options o = options(&plain_gw, url, sizeof(url), "/v1", NULL);
	setenv("http_proxy", dead, 1);
	tfy_error *err;
	assert_int_equal(list(&o, &err), TFY_ERROR_CONNECT); /* the environment is honoured */
	tfy_error_free(err);
	o.proxy_env = TFY_NONE;
	expect_ok(&o);
	/* An explicit proxy with proxy_env TFY_NONE ignores NO_PROXY too. */
	setenv("no_proxy", "127.0.0.1", 1);
	o.proxy = dead;
	assert_int_equal(list(&o, &err), TFY_ERROR_CONNECT);
	tfy_error_free(err);
	unsetenv("no_proxy");
	unsetenv("http_proxy");
}

static void test_proxy_credentials(void **state)
{
	(void)state;
	char url[256];
	tu_log *log = calloc(1, sizeof(*log));
	tfy_client_options o = options(&plain_gw, url, sizeof(url), "/v1", log);
	o.proxy = auth_proxy.url;
	tfy_error *err;
	assert_int_equal(list(&o, &err), TFY_ERROR_CLIENT);
	assert_int_equal(err->http_status, 407);
	tfy_error_free(err);
	o.proxy_credentials = PROXY_USER ":" PROXY_PASSWORD;
	expect_ok(&o);
	tfy_client_options t = options(&tls_gw, url, sizeof(url), "/v1", log);
	t.proxy = auth_proxy.url;
	t.proxy_credentials = o.proxy_credentials;
	expect_ok(&t);
	assert_null(tu_log_find(log, 0, PROXY_PASSWORD));
	free(log);
}

/* The password is masked wherever it would show: here the URL's path carries it. */
static void test_proxy_password_masked(void **state)
{
	(void)state;
	char url[256];
	tu_log *log = calloc(1, sizeof(*log));
	tfy_client_options o = options(&plain_gw, url, sizeof(url), "/" PROXY_PASSWORD, log);
	o.proxy = auth_proxy.url;
	o.proxy_credentials = PROXY_USER ":" PROXY_PASSWORD;
	tfy_error *err;
	assert_int_equal(list(&o, &err), TFY_ERROR_NOT_FOUND);
	assert_null(strstr(err->message, PROXY_PASSWORD));
	assert_null(strstr(err->body, PROXY_PASSWORD));
	assert_non_null(strstr(err->body, "[REDACTED]"));
	assert_non_null(tu_log_find(log, 0, "[REDACTED]"));
	assert_null(tu_log_find(log, 0, PROXY_PASSWORD));
	tfy_error_free(err);
	free(log);
}

/* No form of the proxy's credentials in s: the password as is or percent-encoded, the Basic base64. */
#define PROXY_BASIC "dGZ5LXVzZXI6cHJveHktcHctN2MxZA==" /* base64 of PROXY_USER ":" PROXY_PASSWORD */
#define PROXY_PASSWORD_ENCODED "proxy%2Dpw%2D7c1d"

static void assert_no_proxy_secret(const char *s, const char *what)
{
	/* 8 characters of a secret are enough to be masked, so 8 must never show. */
	if (s && (strstr(s, "proxy-pw") || strstr(s, "proxy%2D") || strstr(s, "dGZ5LXVz") ||
	          strstr(s, PROXY_USER ":")))
		fail_msg("a proxy secret shows in the %s: %s", what, s);
}

static void assert_error_without_proxy_secret(const tfy_error *err, const tu_log *log)
{
	const char *fields[] = {
		err->message,   err->api_type,    err->api_code,
		err->api_param, err->api_message, err->request_id,
		err->detail,    err->body,        tfy_error_header(err, "x-tfy-echo")
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_no_proxy_secret(fields[i], "error");
	for (size_t i = 0; i < log->count; i++)
		assert_no_proxy_secret(tu_log_line(log, i), "log");
}

/*
 * Credentials in the environment's proxy URL, the documented default, are
 * secrets as proxy_credentials are: as written (percent-encoded or not) and
 * as libcurl sends them (decoded).  The gateway's 404 quotes the path.
 */
static void test_environment_proxy_credentials_masked(void **state)
{
	(void)state;
	const char *const written[] = { PROXY_PASSWORD, PROXY_PASSWORD_ENCODED };
	for (size_t i = 0; i < 2; i++) {
		char env[192], url[256];
		snprintf(env, sizeof(env), "http://%s:%s@127.0.0.1:%d", PROXY_USER, written[i],
		         auth_proxy.port);
		setenv("http_proxy", env, 1);
		tu_log *log = calloc(1, sizeof(*log));
		tfy_client_options o = options(&plain_gw, url, sizeof(url),
		                               i ? "/" PROXY_PASSWORD_ENCODED "/" PROXY_PASSWORD
		                                 : "/" PROXY_PASSWORD,
		                               log);
		tfy_error *err;
		assert_int_equal(list(&o, &err), TFY_ERROR_NOT_FOUND); /* through: the proxy took them */
		assert_non_null(strstr(err->body, "[REDACTED]"));
		assert_error_without_proxy_secret(err, log);
		tfy_error_free(err);
		free(log);
	}
	unsetenv("http_proxy");
}

/* A proxy that echoes the request's Proxy-Authorization wherever a server's text goes. */
static void echo_proxy_authorization(tu_server *s, int fd)
{
	(void)s;
	char head[8192], value[512] = "-", body[1024], headers[1280];
	if (!tu_read_head_into(fd, head, sizeof(head)))
		return;
	tu_head_value(head, "\r\nProxy-Authorization: ", value, sizeof(value));
	int blen = snprintf(body, sizeof(body),
	                    "{\"error\":{\"message\":\"refused %s\","
	                    "\"code\":\"%s\"}}",
	                    value, value);
	snprintf(headers, sizeof(headers), "x-request-id: %s\r\nx-tfy-echo: %s\r\n", value, value);
	tu_send_answer(fd, 403, headers, body, (size_t)blen);
}

static void test_proxy_authorization_echo_masked(void **state)
{
	(void)state;
	tu_server echo;
	tu_server_start(&echo, echo_proxy_authorization, NULL, 0);
	char proxy_url[64], env[192], url[256];
	snprintf(proxy_url, sizeof(proxy_url), "http://127.0.0.1:%d", echo.port);
	snprintf(env, sizeof(env), "http://%s:%s@127.0.0.1:%d", PROXY_USER, PROXY_PASSWORD_ENCODED,
	         echo.port);
	for (int from_env = 0; from_env < 2; from_env++) {
		tu_log *log = calloc(1, sizeof(*log));
		tfy_client_options o = options(&plain_gw, url, sizeof(url), "/v1", log);
		if (from_env) {
			setenv("http_proxy", env, 1);
		} else {
			o.proxy = proxy_url;
			o.proxy_credentials = PROXY_USER ":" PROXY_PASSWORD_ENCODED;
		}
		tfy_error *err;
		assert_int_equal(list(&o, &err), TFY_ERROR_PERMISSION_DENIED);
		/* The proxy saw the decoded pair, and echoed it everywhere: all masked. */
		assert_string_equal(err->request_id, "Basic [REDACTED]");
		assert_string_equal(tfy_error_header(err, "x-tfy-echo"), "Basic [REDACTED]");
		assert_error_without_proxy_secret(err, log);
		tfy_error_free(err);
		free(log);
		unsetenv("http_proxy");
	}
	tu_server_stop(&echo);
}

static void test_bad_proxy_options(void **state)
{
	(void)state;
	char url[256];
	tfy_client_options o = options(&plain_gw, url, sizeof(url), "/v1", NULL);
	const char *const refused[] = { "http://" PROXY_USER ":" PROXY_PASSWORD "@127.0.0.1:3128",
		                        PROXY_USER ":" PROXY_PASSWORD "@127.0.0.1:3128",
		                        "ftp://127.0.0.1:21", "http://127.0.0.1:1\n", "" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		o.proxy = refused[i];
		tfy_client *c = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "proxy"));
		assert_null(strstr(err->message, PROXY_PASSWORD));
		tfy_error_free(err);
	}
	o.proxy = NULL;
	o.proxy_credentials = PROXY_PASSWORD; /* no user: */
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(strstr(err->message, PROXY_PASSWORD));
	tfy_error_free(err);
	o.proxy_credentials = NULL;
	o.proxy_env = 7;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
}

/* tfy-batches through the authenticating proxy: the user from a file or a variable. */
static void test_cli_proxy_flags(void **state)
{
	(void)state;
	char url[192], secret[640];
	snprintf(url, sizeof(url), "--base-url=%s/v1", tls_gw.base);
	snprintf(secret, sizeof(secret), "%s/proxy-user.txt", dir);
	FILE *f = fopen(secret, "w");
	assert_non_null(f);
	fputs(PROXY_USER ":" PROXY_PASSWORD "\n", f);
	fclose(f);
	const char *const env[] = { "TFY_API_KEY=" KEY, "TFY_LOG=debug", NULL, NULL };
	const char *argv[] = { getenv("TFY_BATCHES"), url,    "--cacert", ca_file,
		               "--max-retries",       "0",    "--proxy",  auth_proxy.url,
		               "--proxy-user-file",   secret, NULL };
	struct {
		const char *const *argv;
		const char *env;
		int status;
	} runs[] = {
		{ argv, NULL, 0 },                                            /* the file */
		{ argv, "TFY_PROXY_USER=" PROXY_USER ":" PROXY_PASSWORD, 0 }, /* the file wins */
	};
	for (size_t i = 0; i < 2; i++) {
		const char *vars[4] = { env[0], env[1], runs[i].env, NULL };
		tu_run r;
		assert_int_equal(tu_run_cmd(runs[i].argv, vars, &r), 0);
		if (r.status != runs[i].status)
			fprintf(stderr, "%s\n", r.err);
		assert_int_equal(r.status, runs[i].status);
		assert_null(strstr(r.err, PROXY_PASSWORD));
		assert_null(strstr(r.out, PROXY_PASSWORD));
		tu_run_free(&r);
	}
	/* From the variable alone; then without any: the CONNECT is refused (407). */
	argv[8] = NULL;
	const char *with_var[] = { env[0], env[1], "TFY_PROXY_USER=" PROXY_USER ":" PROXY_PASSWORD,
		                   NULL };
	tu_run r;
	assert_int_equal(tu_run_cmd(argv, with_var, &r), 0);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	assert_int_equal(tu_run_cmd(argv, env, &r), 0);
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "407"));
	tu_run_free(&r);
	/* --noproxy goes around a dead proxy. */
	char dead[64];
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", tu_free_port());
	const char *around[] = { argv[0],         url,         "--cacert", ca_file,
		                 "--max-retries", "0",         "--proxy",  dead,
		                 "--noproxy",     "127.0.0.1", NULL };
	assert_int_equal(tu_run_cmd(around, env, &r), 0);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
}

static const char *find_tinyproxy(void)
{
	static const char *const paths[] = { "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy" };
	for (size_t i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int main(void)
{
	tinyproxy_exe = find_tinyproxy();
	if (!tinyproxy_exe) {
		fprintf(stderr, "skipped: tinyproxy is not installed\n");
		return 77;
	}
	/* The test's own variables only: a proxy from the caller's environment would mislead it. */
	const char *const vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		                     "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	int rc = tu_tls_material(dir, sizeof(dir));
	if (rc != 0)
		return rc == 77 ? 77 : 1;
	snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_through_the_proxy),
		cmocka_unit_test(test_https_through_a_connect_tunnel),
		cmocka_unit_test(test_dead_proxy_named_in_the_error),
		cmocka_unit_test(test_environment_proxy_and_proxy_env_none),
		cmocka_unit_test(test_proxy_credentials),
		cmocka_unit_test(test_proxy_password_masked),
		cmocka_unit_test(test_environment_proxy_credentials_masked),
		cmocka_unit_test(test_proxy_authorization_echo_masked),
		cmocka_unit_test(test_bad_proxy_options),
		cmocka_unit_test(test_cli_proxy_flags),
	};
	rc = cmocka_run_group_tests(tests, setup, teardown);
	tu_remove_tree(dir);
	return rc;
}
