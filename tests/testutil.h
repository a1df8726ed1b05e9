/*
 * Helpers shared by the test programs: fixtures, and child processes on
 * loopback (the local gateway and the CLI).
 */
#ifndef TFY_TESTUTIL_H
#define TFY_TESTUTIL_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>
#include <tfy/tfy.h>

/* Whole contents of tests/fixtures/<name>, NUL-terminated; aborts the test on failure. */
char *tu_read_fixture(const char *name, size_t *len);

typedef struct tu_gateway {
	pid_t pid;
	int port;
	char base[128]; /* http://127.0.0.1:PORT, https:// when started with --tls-cert */
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

/* The JSON the gateway answers a GET of path with (a /_mock endpoint), or NULL. */
json_t *tu_mock_json(const tu_gateway *gw, const char *path);

/* The gateway's count `name` of GET /_mock/stats (such as "connections"); -1 on failure. */
long tu_mock_stat(const tu_gateway *gw, const char *name);

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
	int status; /* exit status, or 128 + signal */
	char *out;  /* stdout, NUL-terminated */
	char *err;  /* stderr, NUL-terminated */
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
char *tu_webhook_sign(const char *secret, const char *id, const char *timestamp, const char *body,
                      size_t len);

/*
 * A client for url with the given key (NULL: none), other options from base
 * (NULL: TFY_CLIENT_OPTIONS_INIT).  NULL when creation fails (or a success
 * comes with an error), with the reason on stderr.
 */
tfy_client *tu_client_url(const char *url, const char *key, const tfy_client_options *base);

/* The same for gw's base URL + path. */
tfy_client *tu_client(const tu_gateway *gw, const char *path, const char *key,
                      const tfy_client_options *base);

/*
 * The log lines of a client, in order, each with its level: the first
 * TU_LOG_LINES of them, as long as they fit in text.
 */
#define TU_LOG_LINES 256
typedef struct tu_log {
	char text[65536]; /* the lines, each NUL-terminated */
	size_t used;
	size_t count;            /* lines kept */
	size_t at[TU_LOG_LINES]; /* where line i starts in text */
	int32_t level[TU_LOG_LINES];
} tu_log;

/* Has the client made with o log into log (zeroed before its first use) from level up. */
void tu_log_into(tu_log *log, tfy_client_options *o, int32_t level);

/* Line i of log (i < log->count). */
const char *tu_log_line(const tu_log *log, size_t i);

/* The first line at level (0: at any level) that holds text, or NULL. */
const char *tu_log_find(const tu_log *log, int32_t level, const char *text);

/*
 * For a cmocka setup: a zeroed state of size bytes whose first member is a
 * tu_gateway, started with args (see tu_gateway_start), in *state.  NULL
 * (and *state NULL) when either fails.
 */
void *tu_gateway_state(void **state, size_t size, const char *const *args);

/* The cmocka teardown for it: stops the gateway, frees *state; -1 unless it stopped clean. */
int tu_gateway_teardown(void **state);

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

/*
 * One page of batches through c, limit at a time (0: the default), with
 * the gateway fault spec as x-mock-fault (NULL: none).
 */
tfy_code tu_list_faulty(tfy_client *c, const char *fault, int32_t limit, tfy_batch_page **page,
                        tfy_error **err);

/* Seconds on the monotonic clock. */
double tu_now_s(void);

/*
 * A loopback TCP port nothing listens on now, for a program the test
 * starts to listen on.  Drawn below the kernel's ephemeral range (32768
 * and up on Linux), so that no port the kernel hands out meanwhile (a
 * gateway's --port 0, the local end of any connection of a test running
 * beside this one) can take it before the program binds it.
 */
int tu_free_port(void);

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

/* Whether s is the n bytes at text without the JSON white space around them. */
int tu_is_trimmed(const char *s, const char *text, size_t n);

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

/*
 * Token counts as tfy-mock-gateway gives them: the usage of one chat
 * answer, or of a batch's answers summed.
 */
typedef struct tu_usage {
	int64_t prompt, cached, completion, reasoning, total;
} tu_usage;

/*
 * Adds to sum the usage tfy-mock-gateway gives the chat answer to
 * custom_id (the formula of its --help and docs/testing-offline.md).
 */
void tu_mock_usage_add(tu_usage *sum, const char *custom_id);

/* The line feeds in s. */
size_t tu_count_lines(const char *s);

/* Case-insensitive strstr (ASCII). */
const char *tu_strcasestr(const char *haystack, const char *needle);

/*
 * A tiny event loop over poll(2) implementing tfy_async_hooks (tfy/async.h),
 * for the tests of the event-loop API: the watched sockets and the one timer.
 */
#define TU_WATCH_MAX 512

typedef struct tu_async_driver {
	struct pollfd fds[TU_WATCH_MAX];
	size_t count;
	double due;          /* tu_now_s() when the timer fires; < 0: disarmed */
	double slowest_call; /* the longest a call into libtfy took, seconds */
} tu_async_driver;

/* A tfy_async over c driven by d (reset here): tfy_async_new's result. */
tfy_code tu_async_new(tfy_client *c, tu_async_driver *d, tfy_async **out);

/* One wait (at most 100 ms) and the events it brought: 0, or -1 when poll failed. */
int tu_async_once(tfy_async *as, tu_async_driver *d);

/* Drives until nothing is pending: 0, or -1 after max_s seconds. */
int tu_async_run(tfy_async *as, tu_async_driver *d, double max_s);

#endif
