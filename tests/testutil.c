#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_TIMEOUT_MS 60000

extern char **environ;

char *tu_read_fixture(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		abort();
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Reads one line from fd within the timeout; returns its length or -1. */
static int read_line(int fd, char *line, size_t size, int timeout_ms)
{
	size_t n = 0;
	while (n + 1 < size) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, timeout_ms) <= 0 || read(fd, line + n, 1) != 1)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return (int)n;
}

int tu_gateway_start(tu_gateway *gw, const char *const *args)
{
	const char *exe = getenv("TFY_MOCK_GATEWAY");
	if (!exe) {
		fprintf(stderr, "TFY_MOCK_GATEWAY is not set\n");
		return -1;
	}
	const char *argv[32] = { exe, "--port", "0" };
	size_t argc = 3;
	for (size_t i = 0; args && args[i] && argc < 31; i++)
		argv[argc++] = args[i];
	int out[2];
	if (pipe(out) < 0)
		return -1;
	gw->pid = fork();
	if (gw->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	char line[256];
	int ok = gw->pid > 0 && read_line(out[0], line, sizeof(line), 10000) > 0;
	close(out[0]);
	const char *colon = ok ? strrchr(line, ':') : NULL;
	gw->port = colon ? atoi(colon + 1) : 0;
	if (gw->port <= 0) {
		fprintf(stderr, "tfy-mock-gateway did not report its port\n");
		if (gw->pid > 0)
			tu_gateway_stop(gw);
		return -1;
	}
	snprintf(gw->base, sizeof(gw->base), "%s://127.0.0.1:%d",
	         strstr(line, "https://") ? "https" : "http", gw->port);
	return 0;
}

int tu_gateway_stop(tu_gateway *gw)
{
	int status = -1;
	if (gw->pid <= 0)
		return -1;
	kill(gw->pid, SIGTERM);
	waitpid(gw->pid, &status, 0);
	gw->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int connect_loopback(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Appends everything readable from fd to *buf until EOF. */
static int slurp(int fd, char **buf, size_t *len)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n <= 0)
		return (int)n;
	char *grown = realloc(*buf, *len + (size_t)n + 1);
	if (!grown)
		abort();
	memcpy(grown + *len, chunk, (size_t)n);
	*len += (size_t)n;
	grown[*len] = '\0';
	*buf = grown;
	return 1;
}

char *tu_http_get(const tu_gateway *gw, const char *path)
{
	int fd = connect_loopback(gw->port);
	if (fd < 0)
		return NULL;
	char req[512];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	char *resp = calloc(1, 1);
	size_t len = 0;
	if (write(fd, req, (size_t)n) == n)
		while (slurp(fd, &resp, &len) > 0)
			;
	close(fd);
	char *body = strstr(resp, "\r\n\r\n");
	char *copy = body ? strdup(body + 4) : NULL;
	free(resp);
	return copy;
}

/* The variables a child would take its target and key from: only the test's own reach it. */
static int inherited_config(const char *entry)
{
	static const char *const names[] = { "TFY_BASE_URL=", "TFY_API_KEY=", "OPENAI_BASE_URL=",
		                             "OPENAI_API_KEY=" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(entry, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

static char **child_env(const char *const *extra)
{
	size_t n = 0, m = 0;
	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	char **env = calloc(n + m + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!inherited_config(environ[i]))
			env[k++] = environ[i];
	for (size_t i = 0; i < m; i++)
		env[k++] = (char *)extra[i];
	return env;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Drains both pipes until EOF on both, killing the child past the timeout. */
static void drain(pid_t pid, int out, int err, tu_run *r)
{
	size_t out_len = 0, err_len = 0;
	struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (elapsed_ms(&start) > CHILD_TIMEOUT_MS)
			kill(pid, SIGKILL);
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (slurp(p[i].fd, i ? &r->err : &r->out, i ? &err_len : &out_len) <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
	}
}

int tu_run_cmd(const char *const *argv, const char *const *env, tu_run *r)
{
	return tu_run_cmd_stdin(argv, env, NULL, r);
}

int tu_run_cmd_stdin(const char *const *argv, const char *const *env, const char *stdin_path, tu_run *r)
{
	int out[2], err[2];
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	if (pipe(out) < 0 || pipe(err) < 0)
		return -1;
	char **envp = child_env(env);
	pid_t pid = fork();
	if (pid == 0) {
		if (stdin_path && !freopen(stdin_path, "rb", stdin))
			_exit(127);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(err[0]);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	free(envp);
	close(out[1]);
	close(err[1]);
	drain(pid, out[0], err[0], r);
	int status = 0;
	waitpid(pid, &status, 0);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

char *tu_webhook_sign(const char *secret, const char *id, const char *timestamp, const char *body,
                      size_t len)
{
	/* Python's hmac and base64: an implementation independent of libcrypto's. */
	static const char script[] =
		"import base64, hashlib, hmac, sys\n"
		"secret, wid, ts, path = sys.argv[1:5]\n"
		"key = base64.b64decode(secret[len('whsec_'):], validate=True)\n"
		"body = open(path, 'rb').read()\n"
		"mac = hmac.new(key, wid.encode() + b'.' + ts.encode() + b'.' + body, hashlib.sha256)\n"
		"print('v1,' + base64.b64encode(mac.digest()).decode(), end='')\n";
	char *path = tu_write_temp(body, len);
	const char *const argv[] = { "/usr/bin/python3", "-c", script, secret, id,
		                     timestamp,          path, NULL };
	tu_run r;
	char *sig = NULL;
	if (path && tu_run_cmd(argv, NULL, &r) == 0) {
		if (r.status == 0)
			sig = strdup(r.out);
		else
			fprintf(stderr, "python3 could not sign: %s\n", r.err);
		tu_run_free(&r);
	}
	if (path)
		unlink(path);
	free(path);
	return sig;
}

void tu_run_free(tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void tu_mock_usage_add(tu_usage *sum, const char *custom_id)
{
	size_t bytes = strlen(custom_id);
	unsigned total = 0;
	for (const char *c = custom_id; *c; c++)
		total += (unsigned char)*c;
	int64_t prompt = 10 + total % 90, completion = 5 + (int64_t)(bytes % 50);
	sum->prompt += prompt;
	sum->cached += 4 * (total % 3);
	sum->completion += completion;
	sum->reasoning += (int64_t)(bytes % 4);
	sum->total += prompt + completion;
}

size_t tu_count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

const char *tu_strcasestr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return haystack;
	return n ? NULL : haystack;
}

tfy_client *tu_client_url(const char *url, const char *key, const tfy_client_options *base)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	if (base)
		o = *base;
	o.base_url = url;
	o.api_key = key;
	tfy_client *c = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_client_new(&o, &c, &err);
	/* A success comes without an error. */
	if (rc != TFY_OK || err) {
		fprintf(stderr, "tfy_client_new: %s: %s\n", tfy_strerror(rc), err ? err->message : "-");
		tfy_client_free(c);
		c = NULL;
	}
	tfy_error_free(err);
	return c;
}

tfy_client *tu_client(const tu_gateway *gw, const char *path, const char *key,
                      const tfy_client_options *base)
{
	char url[256];
	snprintf(url, sizeof(url), "%s%s", gw->base, path);
	return tu_client_url(url, key, base);
}

static void log_line(int32_t level, const char *line, void *userdata)
{
	tu_log *log = userdata;
	size_t n = strlen(line) + 1;
	if (log->count == TU_LOG_LINES || n > sizeof(log->text) - log->used)
		return;
	memcpy(log->text + log->used, line, n);
	log->at[log->count] = log->used;
	log->level[log->count++] = level;
	log->used += n;
}

void tu_log_into(tu_log *log, tfy_client_options *o, int32_t level)
{
	o->log = log_line;
	o->log_userdata = log;
	o->log_level = level;
}

const char *tu_log_line(const tu_log *log, size_t i)
{
	return log->text + log->at[i];
}

const char *tu_log_find(const tu_log *log, int32_t level, const char *text)
{
	for (size_t i = 0; i < log->count; i++)
		if ((!level || log->level[i] == level) && strstr(tu_log_line(log, i), text))
			return tu_log_line(log, i);
	return NULL;
}

double tu_slowdown(void)
{
	const char *v = getenv("TFY_TEST_SLOWDOWN");
	double x = v ? strtod(v, NULL) : 1.0;
	return x >= 1.0 ? x : 1.0;
}

double tu_now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void *tu_gateway_state(void **state, size_t size, const char *const *args)
{
	tu_gateway *gw = calloc(1, size);
	*state = NULL;
	if (!gw || tu_gateway_start(gw, args) < 0) {
		free(gw);
		return NULL;
	}
	*state = gw;
	return gw;
}

int tu_gateway_teardown(void **state)
{
	tu_gateway *gw = *state;
	int rc = tu_gateway_stop(gw);
	free(gw);
	return rc == 0 ? 0 : -1;
}

int tu_fixture_setup(void **state)
{
	static const char *const args[] = { "--count", "250", NULL };
	tu_fixture *f = tu_gateway_state(state, sizeof(*f), args);
	if (!f)
		return -1;
	f->client = tu_client(&f->gw, "/v1", "tfy-local-key", NULL);
	return f->client ? 0 : -1;
}

int tu_fixture_teardown(void **state)
{
	tu_fixture *f = *state;
	if (!f)
		return 0;
	tfy_client_free(f->client);
	int rc = f->gw.pid > 0 ? tu_gateway_stop(&f->gw) : 0;
	free(f);
	return rc == 0 ? 0 : -1;
}

json_t *tu_mock_json(const tu_gateway *gw, const char *path)
{
	char *body = tu_http_get(gw, path);
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	free(body);
	return j;
}

tfy_code tu_list_faulty(tfy_client *c, const char *fault, int32_t limit, tfy_batch_page **page,
                        tfy_error **err)
{
	tfy_pair h = { "x-mock-fault", fault };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = fault ? &h : NULL;
	r.headers_count = fault ? 1 : 0;
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = limit;
	o.request = &r;
	return tfy_batches_list(c, &o, page, err);
}

long tu_mock_stat(const tu_gateway *gw, const char *name)
{
	json_t *stats = tu_mock_json(gw, "/_mock/stats");
	json_t *n = json_object_get(stats, name);
	long v = json_is_integer(n) ? (long)json_integer_value(n) : -1;
	json_decref(stats);
	return v;
}

long tu_gateway_requests(const tu_gateway *gw)
{
	return tu_mock_stat(gw, "requests");
}

int tu_tls_material(char *dir, size_t size)
{
	const char *script = getenv("TFY_TLS_CERTS");
	const char *tmp = getenv("TMPDIR");
	if (!script || access(script, R_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0) {
		fprintf(stderr, "skipped: TFY_TLS_CERTS or /usr/bin/openssl is missing\n");
		return 77;
	}
	snprintf(dir, size, "%s/tfy-tls-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	const char *const argv[] = { "/bin/sh", script, dir, NULL };
	tu_run r;
	int rc = tu_run_cmd(argv, NULL, &r) == 0 && r.status == 0 ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "tls-certs.sh failed: %s\n", r.err);
	tu_run_free(&r);
	return rc;
}

void tu_remove_tree(const char *dir)
{
	const char *const argv[] = { "/bin/rm", "-rf", dir, NULL };
	tu_run r;
	if (dir && *dir && tu_run_cmd(argv, NULL, &r) == 0)
		tu_run_free(&r);
}

int64_t tu_mem_read(void *userdata, char *buf, size_t size)
{
	tu_mem_stream *m = userdata;
	if (m->fail_after >= 0 && m->pos >= (size_t)m->fail_after)
		return -1;
	size_t n = m->len - m->pos;
	if (n > size)
		n = size;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	if (m->fail_after >= 0 && n > (size_t)m->fail_after - m->pos)
		n = (size_t)m->fail_after - m->pos;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int64_t)n;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int tu_is_trimmed(const char *s, const char *text, size_t n)
{
	size_t start = 0, end = n;
	while (start < end && is_ws(text[start]))
		start++;
	while (end > start && is_ws(text[end - 1]))
		end--;
	return strlen(s) == end - start && memcmp(s, text + start, end - start) == 0;
}

char *tu_write_temp(const char *data, size_t n)
{
	const char *dir = getenv("TMPDIR");
	char *path = malloc(4096);
	if (!path)
		abort();
	snprintf(path, 4096, "%s/tfy-test-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, data + done, n - done);
		if (w <= 0)
			abort();
		done += (size_t)w;
	}
	close(fd);
	return path;
}

tfy_code tu_code_for_status(int status)
{
	switch (status) {
	case 400: return TFY_ERROR_BAD_REQUEST;
	case 401: return TFY_ERROR_AUTHENTICATION;
	case 403: return TFY_ERROR_PERMISSION_DENIED;
	case 404: return TFY_ERROR_NOT_FOUND;
	case 409: return TFY_ERROR_CONFLICT;
	case 422: return TFY_ERROR_UNPROCESSABLE;
	case 429: return TFY_ERROR_RATE_LIMIT;
	default: return status < 500 ? TFY_ERROR_CLIENT : TFY_ERROR_SERVER;
	}
}

char tu_create_rule(int status)
{
	if (status == 408 || status == 429 || status == 503)
		return 'r';
	return status < 500 && status != 409 && status != 499 ? 'f' : 'u';
}

/* ---- a poll(2) driver for tfy/async.h ------------------------------------------- */

static int32_t tu_async_watch(void *userdata, int fd, int32_t what)
{
	tu_async_driver *d = userdata;
	struct pollfd *fds = d->fds;
	size_t i = 0;
	while (i < d->count && fds[i].fd != fd)
		i++;
	if (what == TFY_ASYNC_WATCH_NONE) {
		if (i < d->count)
			fds[i] = fds[--d->count];
		return 0;
	}
	if (i == d->count) {
		if (d->count == TU_WATCH_MAX)
			return -1;
		d->count++;
	}
	fds[i].fd = fd;
	fds[i].events = (short)((what & TFY_ASYNC_WATCH_READ ? POLLIN : 0) |
	                        (what & TFY_ASYNC_WATCH_WRITE ? POLLOUT : 0));
	fds[i].revents = 0;
	return 0;
}

static int32_t tu_async_timer(void *userdata, int64_t delay_ms)
{
	tu_async_driver *d = userdata;
	d->due = delay_ms < 0 ? -1 : tu_now_s() + (double)delay_ms / 1000;
	return 0;
}

tfy_code tu_async_new(tfy_client *c, tu_async_driver *d, tfy_async **out)
{
	memset(d, 0, sizeof(*d));
	d->due = -1;
	tfy_async_hooks h = TFY_ASYNC_HOOKS_INIT;
	h.watch = tu_async_watch;
	h.timer = tu_async_timer;
	h.userdata = d;
	return tfy_async_new(c, &h, out, NULL);
}

static void tu_async_timed(tu_async_driver *d, double t0)
{
	double took = tu_now_s() - t0;
	if (took > d->slowest_call)
		d->slowest_call = took;
}

int tu_async_once(tfy_async *as, tu_async_driver *d)
{
	double now = tu_now_s();
	/* At most 100 ms, so that a test's own clock is looked at often. */
	int timeout = d->due < 0 ? 100 : d->due <= now ? 0 : (int)((d->due - now) * 1000) + 1;
	if (timeout > 100)
		timeout = 100;
	struct pollfd fds[TU_WATCH_MAX];
	size_t n = d->count;
	memcpy(fds, d->fds, n * sizeof(*fds));
	int ready = poll(fds, n, timeout);
	if (ready < 0 && errno != EINTR)
		return -1;
	for (size_t i = 0; ready > 0 && i < n; i++) {
		if (!fds[i].revents)
			continue;
		int32_t ev = (fds[i].revents & POLLIN ? TFY_ASYNC_WATCH_READ : 0) |
		             (fds[i].revents & POLLOUT ? TFY_ASYNC_WATCH_WRITE : 0) |
		             (fds[i].revents & (POLLERR | POLLHUP) ? TFY_ASYNC_WATCH_ERROR : 0);
		double t0 = tu_now_s();
		tfy_async_socket_ready(as, fds[i].fd, ev);
		tu_async_timed(d, t0);
	}
	if (d->due >= 0 && tu_now_s() >= d->due) {
		d->due = -1;
		double t0 = tu_now_s();
		tfy_async_timer_fired(as);
		tu_async_timed(d, t0);
	}
	return 0;
}

int tu_async_run(tfy_async *as, tu_async_driver *d, double max_s)
{
	double until = tu_now_s() + max_s;
	while (tfy_async_pending(as) > 0)
		if (tu_async_once(as, d) < 0 || tu_now_s() >= until)
			return -1;
	return 0;
}

int tu_free_port(void)
{
	static unsigned seq;
	unsigned seed = (unsigned)getpid() * 7919u + (unsigned)time(NULL);
	for (int tries = 0; tries < 1000; tries++) {
		int port = 20000 + (int)((seed + 104729u * ++seq) % 12000u);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return port;
	}
	abort();
}
