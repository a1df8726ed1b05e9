/*
 * Helpers shared by the test programs: fixtures, and child processes on
 * loopback (the local gateway and the CLI).
 */
#ifndef TFY_TESTUTIL_H
#define TFY_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <tfy/tfy.h>

/* Whole contents of tests/fixtures/<name>, NUL-terminated; aborts the test on failure. */
char *tu_read_fixture(const char *name, size_t *len);

typedef struct tu_gateway {
	pid_t pid;
	int port;
	char base[128];      /* http://127.0.0.1:PORT, https:// when started with --tls-cert */
} tu_gateway;

/*
 * Starts tfy-mock-gateway (path in env TFY_MOCK_GATEWAY) on an ephemeral
 * loopback port with the given extra arguments (NULL-terminated, may be
 * NULL).  Returns 0, or -1 with a message on stderr.
 */
int tu_gateway_start(tu_gateway *gw, const char *const *args);
/* Stops it with SIGTERM and reaps it; returns its exit status (0 when clean). */
int tu_gateway_stop(tu_gateway *gw);

/*
 * GETs path from the gateway with libcurl-free plain sockets and returns the
 * body (malloc'd, NUL-terminated) or NULL.  For the /_mock endpoints.
 */
char *tu_http_get(const tu_gateway *gw, const char *path);

/* The gateway's count of requests outside /_mock/ so far (GET /_mock/stats); -1 on failure. */
long tu_gateway_requests(const tu_gateway *gw);

/*
 * Writes throwaway TLS material (tests/tls-certs.sh, path in env
 * TFY_TLS_CERTS, with the openssl command) into a new temporary directory,
 * whose path goes to dir.  Returns 0, or 77 (meson's "skipped") when the
 * script or openssl is missing, with a message on stderr.
 */
int tu_tls_material(char *dir, size_t size);
/* Removes a directory tree made by the tests (rm -rf). */
void tu_remove_tree(const char *dir);

typedef struct tu_run {
	int status;     /* exit status, or 128 + signal */
	char *out;      /* stdout, NUL-terminated */
	char *err;      /* stderr, NUL-terminated */
} tu_run;

/*
 * Runs argv[0] with argv and extra environment entries ("NAME=value",
 * NULL-terminated, may be NULL) added to a copy of this environment with
 * TFY_BASE_URL and TFY_API_KEY removed.  Captures both streams.
 */
int tu_run_cmd(const char *const *argv, const char *const *env, tu_run *r);
/* Likewise, with the file at stdin_path (NULL: this process's) as the child's standard input. */
int tu_run_cmd_stdin(const char *const *argv, const char *const *env, const char *stdin_path,
                     tu_run *r);
void tu_run_free(tu_run *r);

/*
 * The Standard Webhooks signature of a delivery, "v1,<base64>" (malloc'd),
 * computed by /usr/bin/python3's hmac from the secret ("whsec_<base64>"),
 * the webhook-id, the webhook-timestamp and the body's len bytes; NULL
 * with a message on stderr when Python fails.
 */
char *tu_webhook_sign(const char *secret, const char *id, const char *timestamp,
                      const char *body, size_t len);

/*
 * A client for gw's base URL + path with the given key, other options from
 * base (NULL: TFY_CLIENT_OPTIONS_INIT).  NULL when creation fails.
 */
tfy_client *tu_client(const tu_gateway *gw, const char *path, const char *key,
                      const tfy_client_options *base);

/* A gateway and a client on its /v1, the state most integration groups share. */
typedef struct tu_fixture {
	tu_gateway gw;
	tfy_client *client;
} tu_fixture;

/*
 * cmocka group setup and teardown for a tu_fixture: the gateway is started
 * with `--count 250` and the client uses the gateway's default key.
 */
int tu_fixture_setup(void **state);
int tu_fixture_teardown(void **state);

/* Seconds on the monotonic clock. */
double tu_now_s(void);

/*
 * How much slower than native the tests run: TFY_TEST_SLOWDOWN (the
 * valgrind test setup sets it), else 1.  Upper time bounds are multiplied
 * by it; lower bounds never are.
 */
double tu_slowdown(void);

/*
 * A tfy_read_fn over bytes in memory: at most `chunk` bytes a call (0: as
 * many as fit), and -1 once `fail_after` bytes were handed out (when
 * fail_after is not negative).
 */
typedef struct tu_mem_stream {
	const char *data;
	size_t len, pos, chunk;
	long fail_after;
} tu_mem_stream;

int64_t tu_mem_read(void *userdata, char *buf, size_t size);

/* Writes n bytes to a new file under $TMPDIR (or /tmp); returns its path (free it after unlink). */
char *tu_write_temp(const char *data, size_t n);

/* The code an error answer of status (400..599) gets as a call's result (common.h's table). */
tfy_code tu_code_for_status(int status);

/*
 * What the documented rule says of a create or an upload answered status
 * (400..599): 'r' sent again (408, 429, 503), 'f' a final refusal (any
 * other 4xx but 409 and 499), 'u' an unknown outcome (the rest).
 */
char tu_create_rule(int status);

/* Case-insensitive strstr (ASCII). */
const char *tu_strcasestr(const char *haystack, const char *needle);

#endif
