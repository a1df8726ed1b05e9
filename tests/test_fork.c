/*
 * A client used across fork(): parent and child never share a kept-alive
 * connection, so each reads its own answers.
 *
 * The server here keeps several connections alive at once (the raw server
 * of rawserver.h serves one at a time) and answers
 * GET /v1/batches/{id} with a batch of that id, and GET /v1/batches with
 * two pages of one batch each.  A request for an id starting with
 * "batch_child" is held, unanswered, until the test releases it or another
 * request arrives on the same connection (answers go out in order): that
 * is how the test makes parent and child interleave on one connection
 * when they share it.
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
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tfy/tfy.h>

#include "rawserver.h"
#include "testutil.h"

#define KEY "tfy-local-key-for-fork-tests"
#define MAX_CONNS 16
#define HELD_PREFIX "batch_child"

typedef struct conn {
	int fd;
	char in[8192];
	size_t len;
	char held[128]; /* the id of a request held unanswered; "" when none */
} conn;

typedef struct server {
	int listener;
	char base[64];
	pthread_t thread;
	atomic_int stop;
	atomic_int release;   /* answer held requests now */
	atomic_int held_seen; /* requests for HELD_PREFIX ids that arrived */
	atomic_int accepted;
	conn conns[MAX_CONNS];
} server;

static void send_json(int fd, const char *json)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                 "Content-Length: %zu\r\n\r\n",
	                 strlen(json));
	tu_send_all(fd, head, (size_t)n);
	tu_send_all(fd, json, strlen(json));
}

static void batch_json(char *buf, size_t size, const char *id)
{
	snprintf(buf, size,
	         "{\"id\":\"%s\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
	         "\"input_file_id\":\"file-in\",\"completion_window\":\"24h\","
	         "\"status\":\"completed\",\"created_at\":1714564800}",
	         id);
}

static void answer_batch(int fd, const char *id)
{
	char json[1024];
	batch_json(json, sizeof(json), id);
	send_json(fd, json);
}

/* Page one holds batch_1 (more follow), page two (after=batch_1) batch_2. */
static void answer_page(int fd, const char *query)
{
	const char *id = strstr(query, "after=batch_1") ? "batch_2" : "batch_1";
	char item[512], json[1024];
	batch_json(item, sizeof(item), id);
	snprintf(json, sizeof(json),
	         "{\"object\":\"list\",\"data\":[%s],\"first_id\":\"%s\",\"last_id\":\"%s\","
	         "\"has_more\":%s}",
	         item, id, id, strcmp(id, "batch_1") == 0 ? "true" : "false");
	send_json(fd, json);
}

/* One request head in c->in: answered, or held; consumed. */
static void serve_request(server *s, conn *c, const char *head)
{
	char path[96] = "";
	sscanf(head, "GET %95s", path);
	const char *item = strncmp(path, "/v1/batches/", 12) == 0 ? path + 12 : NULL;
	if (item && strncmp(item, HELD_PREFIX, strlen(HELD_PREFIX)) == 0 &&
	    !atomic_load(&s->release) && !c->held[0]) {
		snprintf(c->held, sizeof(c->held), "%s", item);
		atomic_fetch_add(&s->held_seen, 1);
		return;
	}
	if (c->held[0]) { /* HTTP/1.1 answers in order: the held one first */
		answer_batch(c->fd, c->held);
		c->held[0] = '\0';
	}
	if (item)
		answer_batch(c->fd, item);
	else
		answer_page(c->fd, path);
}

/* Reads what arrived; 0 when the client hung up. */
static int read_conn(server *s, conn *c)
{
	ssize_t n = read(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len);
	if (n <= 0)
		return 0;
	c->len += (size_t)n;
	c->in[c->len] = '\0';
	char *end;
	while ((end = strstr(c->in, "\r\n\r\n"))) {
		*end = '\0';
		serve_request(s, c, c->in);
		size_t used = (size_t)(end + 4 - c->in);
		memmove(c->in, c->in + used, c->len - used + 1);
		c->len -= used;
	}
	return 1;
}

static void *serve(void *arg)
{
	server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p[MAX_CONNS + 1];
		p[0] = (struct pollfd){ s->listener, POLLIN, 0 };
		for (int i = 0; i < MAX_CONNS; i++)
			p[i + 1] = (struct pollfd){ s->conns[i].fd, POLLIN, 0 };
		if (poll(p, MAX_CONNS + 1, 20) < 0)
			continue;
		for (int i = 0; i < MAX_CONNS; i++) {
			conn *c = &s->conns[i];
			if (c->fd >= 0 && atomic_load(&s->release) && c->held[0]) {
				answer_batch(c->fd, c->held);
				c->held[0] = '\0';
			}
			if (c->fd >= 0 && (p[i + 1].revents & (POLLIN | POLLHUP)) && !read_conn(s, c)) {
				close(c->fd);
				c->fd = -1;
			}
		}
		if (p[0].revents & POLLIN) {
			int fd = accept(s->listener, NULL, NULL);
			for (int i = 0; fd >= 0 && i < MAX_CONNS; i++)
				if (s->conns[i].fd < 0) {
					s->conns[i] = (conn){ .fd = fd };
					atomic_fetch_add(&s->accepted, 1);
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
		}
	}
	return NULL;
}

static void server_start(server *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MAX_CONNS; i++)
		s->conns[i].fd = -1;
	s->listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listener >= 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	assert_int_equal(bind(s->listener, (struct sockaddr *)&a, len), 0);
	assert_int_equal(listen(s->listener, 16), 0);
	assert_int_equal(getsockname(s->listener, (struct sockaddr *)&a, &len), 0);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d/v1", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	for (int i = 0; i < MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			close(s->conns[i].fd);
	close(s->listener);
}

/* A short timeout: a call that lost its answer to the other process fails soon. */
static tfy_client *client_for(const server *s)
{
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = s->base;
	o.api_key = KEY;
	o.timeout_ms = (int64_t)(3000 * tu_slowdown());
	o.max_retries = TFY_NONE;
	tfy_client *c = NULL;
	assert_int_equal(tfy_client_new(&o, &c, NULL), TFY_OK);
	return c;
}

/* What a call in the child got, sent to the parent through a pipe. */
typedef struct verdict {
	tfy_code rc;
	char id[64];
} verdict;

static verdict retrieve(tfy_client *c, const char *id)
{
	verdict v = { 0, "" };
	tfy_batch *b = NULL;
	v.rc = tfy_batches_retrieve(c, id, NULL, &b, NULL);
	if (b && b->id)
		snprintf(v.id, sizeof(v.id), "%s", b->id);
	tfy_batch_free(b);
	return v;
}

static void expect_batch(const verdict *v, const char *id)
{
	if (v->rc != TFY_OK || strcmp(v->id, id) != 0)
		fail_msg("asked for %s, got code %d and batch \"%s\"", id, v->rc, v->id);
}

/* The child's end: its verdict to the pipe, the client freed, and out without the parent's atexit. */
static void child_done(int fd, const verdict *v, tfy_client *c)
{
	(void)!write(fd, v, sizeof(*v));
	close(fd);
	tfy_client_free(c);
	_exit(0);
}

static verdict read_verdict(int fd)
{
	verdict v = { TFY_ERROR_IO, "(no answer from the child)" };
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, (int)(30000 * tu_slowdown())) == 1 && read(fd, &v, sizeof(v)) != sizeof(v))
		v = (verdict){ TFY_ERROR_IO, "(a short read from the child)" };
	close(fd);
	return v;
}

static void reap(pid_t pid)
{
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void wait_for(atomic_int *counter, int at_least)
{
	double end = tu_now_s() + 10 * tu_slowdown();
	while (atomic_load(counter) < at_least && tu_now_s() < end) {
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
	assert_true(atomic_load(counter) >= at_least);
}

/*
 * The parent's connection is kept alive when it forks.  The child sends
 * its request (held by the server), is stopped, and the parent sends its
 * own: on a shared connection the parent would read the answer to the
 * child's request (the server answers in order), and the child the
 * parent's.  Each must get its own.
 */
static void test_parent_and_child_each_get_their_own_answer(void **state)
{
	(void)state;
	server s;
	server_start(&s);
	tfy_client *c = client_for(&s);
	verdict v = retrieve(c, "batch_before");
	expect_batch(&v, "batch_before");
	assert_int_equal(atomic_load(&s.accepted), 1);
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		v = retrieve(c, HELD_PREFIX "_1");
		child_done(p[1], &v, c);
	}
	close(p[1]);
	wait_for(&s.held_seen, 1);
	kill(pid, SIGSTOP);
	verdict parent = retrieve(c, "batch_parent_1");
	atomic_store(&s.release, 1);
	kill(pid, SIGCONT);
	v = read_verdict(p[0]);
	reap(pid);
	expect_batch(&parent, "batch_parent_1");
	expect_batch(&v, HELD_PREFIX "_1");
	/* The parent's connection was still its own: the child made a second one. */
	assert_int_equal(atomic_load(&s.accepted), 2);
	v = retrieve(c, "batch_parent_2");
	expect_batch(&v, "batch_parent_2");
	tfy_client_free(c);
	server_stop(&s);
}

/* Parent and child racing on one client, many times over. */
static void test_parent_and_child_interleave(void **state)
{
	(void)state;
	server s;
	server_start(&s);
	atomic_store(&s.release, 1); /* nothing held */
	tfy_client *c = client_for(&s);
	verdict v = retrieve(c, "batch_warm");
	expect_batch(&v, "batch_warm");
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		verdict bad = { TFY_OK, "" };
		for (int i = 0; i < 50 && !bad.id[0]; i++) {
			char id[32];
			snprintf(id, sizeof(id), "batch_c%d", i);
			v = retrieve(c, id);
			if (v.rc != TFY_OK || strcmp(v.id, id) != 0)
				bad = v;
		}
		child_done(p[1], &bad, c);
	}
	close(p[1]);
	for (int i = 0; i < 50; i++) {
		char id[32];
		snprintf(id, sizeof(id), "batch_p%d", i);
		v = retrieve(c, id);
		expect_batch(&v, id);
	}
	v = read_verdict(p[0]);
	if (v.rc != TFY_OK || v.id[0])
		fail_msg("the child got code %d and batch \"%s\"", v.rc, v.id);
	reap(pid);
	tfy_client_free(c);
	server_stop(&s);
}

/*
 * An iterator made before the fork, whose next page's request the parent
 * had sent (prefetch): the child asks for that page again on a connection
 * of its own and leaves the parent's answer to the parent.
 */
static void test_iterator_made_before_the_fork(void **state)
{
	(void)state;
	server s;
	server_start(&s);
	tfy_client *c = client_for(&s);
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(c, NULL, &it, NULL), TFY_OK);
	const tfy_batch *b = NULL;
	assert_int_equal(tfy_batch_iter_next(it, &b, NULL), TFY_OK);
	assert_string_equal(b->id, "batch_1"); /* page two is on its way */
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		verdict v = { TFY_OK, "" };
		v.rc = tfy_batch_iter_next(it, &b, NULL);
		snprintf(v.id, sizeof(v.id), "%s", b ? b->id : "(none)");
		tfy_batch_iter_free(it);
		child_done(p[1], &v, c);
	}
	close(p[1]);
	verdict v = read_verdict(p[0]);
	expect_batch(&v, "batch_2");
	reap(pid);
	/* The parent reads its own answer to page two, which the child left alone. */
	assert_int_equal(tfy_batch_iter_next(it, &b, NULL), TFY_OK);
	assert_non_null(b);
	assert_string_equal(b->id, "batch_2");
	assert_int_equal(tfy_batch_iter_next(it, &b, NULL), TFY_OK);
	assert_null(b);
	tfy_batch_iter_free(it);
	tfy_client_free(c);
	server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parent_and_child_each_get_their_own_answer),
		cmocka_unit_test(test_parent_and_child_interleave),
		cmocka_unit_test(test_iterator_made_before_the_fork),
	};
	return cmocka_run_group_tests_name("fork", tests, NULL, NULL);
}
