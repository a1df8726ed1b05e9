#include "rawserver.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static void *serve(void *arg)
{
	tu_server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = { s->listener, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept(s->listener, NULL, NULL);
		if (fd < 0)
			continue;
		atomic_fetch_add(&s->accepted, 1);
		s->handle(s, fd);
		close(fd);
	}
	return NULL;
}

void tu_server_start(tu_server *s, tu_handler h, const char *reply, size_t reply_len)
{
	memset(s, 0, sizeof(*s));
	s->handle = h;
	s->reply = reply;
	s->reply_len = reply_len;
	s->listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listener >= 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	assert_int_equal(bind(s->listener, (struct sockaddr *)&a, len), 0);
	assert_int_equal(listen(s->listener, 16), 0);
	assert_int_equal(getsockname(s->listener, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d/v1", s->port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* The head of an answer of len body bytes; its length (it fits when headers fit in cap - 256). */
static size_t answer_head(char *buf, size_t cap, int status, const char *headers, size_t len)
{
	int n = snprintf(buf, cap,
	                 "HTTP/1.1 %d Scripted\r\nContent-Type: application/json\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
	                 status, len, headers ? headers : "");
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

void tu_server_canned(tu_server *s, int status, const char *headers, const char *body)
{
	size_t body_len = strlen(body), cap = strlen(headers) + body_len + 256;
	char *reply = malloc(cap);
	assert_non_null(reply);
	size_t n = answer_head(reply, cap, status, headers, body_len);
	memcpy(reply + n, body, body_len);
	tu_server_start(s, tu_reply_fixed, reply, n + body_len);
	s->owned = reply;
}

void tu_server_stop(tu_server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	close(s->listener);
	free(s->owned);
	s->owned = NULL;
}

/* Waits up to 10 s for bytes and reads them; 0 or less when the client hung up or was silent. */
static ssize_t read_some(int fd, char *buf, size_t room)
{
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, 10000) <= 0)
		return 0;
	return read(fd, buf, room);
}

/* Reads into buf (NUL-terminated) up to a whole head or a full buf: its length, 0 on a hang-up. */
static size_t read_head(int fd, char *buf, size_t size)
{
	size_t have = 0;
	buf[0] = '\0';
	while (have < size - 1) {
		ssize_t n = read_some(fd, buf + have, size - 1 - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	return have;
}

int tu_read_head_into(int fd, char *buf, size_t size)
{
	return read_head(fd, buf, size) > 0;
}

int tu_read_head(int fd)
{
	char buf[4096];
	return tu_read_head_into(fd, buf, sizeof(buf));
}

/* A buffered reader of one request, and the script that records it (NULL: none). */
typedef struct conn {
	int fd;
	tu_script *t;
	int index; /* the request's number on t */
	char buf[65536];
	size_t have, pos;
	char *copy; /* NULL, or where the body's bytes go too (tu_read_request) */
	size_t copy_len, copy_cap;
} conn;

static int conn_fill(conn *c)
{
	if (c->pos < c->have)
		return 1;
	ssize_t n = read_some(c->fd, c->buf, sizeof(c->buf));
	c->pos = 0;
	c->have = n > 0 ? (size_t)n : 0;
	return n > 0;
}

/* Keeps body bytes for the test (up to TU_KEEP_MAX) and counts them all. */
static void keep(tu_script *t, const char *data, size_t n)
{
	pthread_mutex_lock(&t->lock);
	size_t room = t->body_len < TU_KEEP_MAX ? TU_KEEP_MAX - t->body_len : 0;
	size_t k = n < room ? n : room;
	memcpy(t->body + t->body_len, data, k);
	t->body_len += k;
	t->body_total += (int64_t)n;
	pthread_mutex_unlock(&t->lock);
}

/* Reads n body bytes; 0 when the client hung up first. */
static int read_body(conn *c, int64_t n)
{
	while (n > 0) {
		if (!conn_fill(c))
			return 0;
		size_t k = c->have - c->pos;
		if ((int64_t)k > n)
			k = (size_t)n;
		if (c->t)
			keep(c->t, c->buf + c->pos, k);
		if (c->copy) {
			size_t room = c->copy_cap - c->copy_len, m = k < room ? k : room;
			memcpy(c->copy + c->copy_len, c->buf + c->pos, m);
			c->copy_len += m;
		}
		c->pos += k;
		n -= (int64_t)k;
	}
	return 1;
}

static int read_line(conn *c, char *line, size_t cap)
{
	size_t n = 0;
	for (;;) {
		if (!conn_fill(c))
			return 0;
		char ch = c->buf[c->pos++];
		if (n + 1 < cap)
			line[n++] = ch;
		if (ch == '\n') {
			line[n] = '\0';
			return 1;
		}
	}
}

static int read_chunked(conn *c)
{
	char line[64];
	for (;;) {
		if (!read_line(c, line, sizeof(line)))
			return 0;
		int64_t n = strtoll(line, NULL, 16);
		if (n == 0)
			return read_line(c, line, sizeof(line)); /* the final CRLF */
		if (!read_body(c, n) || !read_line(c, line, sizeof(line)))
			return 0;
	}
}

static const char *header_in(const char *head, const char *name)
{
	const char *h = tu_strcasestr(head, name);
	return h ? h + strlen(name) : NULL;
}

/* The head is in: it counts as a request of c->t, which keeps it and a body to come. */
static void record_head(conn *c, const char *head)
{
	tu_script *t = c->t;
	pthread_mutex_lock(&t->lock);
	snprintf(t->head, sizeof(t->head), "%s", head);
	t->body_len = 0;
	t->body_total = 0;
	pthread_mutex_unlock(&t->lock);
	c->index = atomic_fetch_add(&t->reqs, 1);
}

/* The request is whole: the script's record of it, its request line and body. */
static void record_whole(conn *c)
{
	tu_script *t = c->t;
	if (c->index >= TU_SEEN_MAX)
		return;
	pthread_mutex_lock(&t->lock);
	snprintf(t->seen[c->index], sizeof(t->seen[c->index]), "%.*s %.*s",
	         (int)strcspn(t->head, "\r"), t->head, (int)t->body_len, t->body);
	pthread_mutex_unlock(&t->lock);
}

/* Reads a whole request with c: head (into head), a 100 Continue when asked for, the body. */
static int read_whole(conn *c, char *head, size_t size)
{
	c->have = read_head(c->fd, c->buf, sizeof(c->buf));
	const char *end = c->have ? strstr(c->buf, "\r\n\r\n") : NULL;
	if (!end)
		return 0;
	c->pos = (size_t)(end + 4 - c->buf);
	snprintf(head, size, "%.*s", (int)c->pos, c->buf);
	if (c->t)
		record_head(c, head);
	const char *expect = header_in(head, "\r\nExpect: ");
	if (expect && strncasecmp(expect, "100-continue", 12) == 0)
		tu_send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	const char *len = header_in(head, "\r\nContent-Length: ");
	int ok = len ? read_body(c, strtoll(len, NULL, 10))
	       : header_in(head, "\r\nTransfer-Encoding: chunked") ? read_chunked(c)
	                                                           : 1;
	if (ok && c->t)
		record_whole(c);
	return ok;
}

static conn *conn_new(int fd, tu_script *t)
{
	conn *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->fd = fd;
	c->t = t;
	return c;
}

int tu_read_whole(int fd, char *head, size_t size)
{
	conn *c = conn_new(fd, NULL);
	int ok = read_whole(c, head, size);
	free(c);
	return ok;
}

size_t tu_read_request(int fd, char *buf, size_t cap)
{
	conn *c = conn_new(fd, NULL);
	size_t len = 0;
	c->copy = malloc(cap);
	c->copy_cap = cap;
	assert_non_null(c->copy);
	if (read_whole(c, buf, cap)) {
		len = strlen(buf);
		size_t k = c->copy_len < cap - 1 - len ? c->copy_len : cap - 1 - len;
		memcpy(buf + len, c->copy, k);
		len += k;
		buf[len] = '\0';
	}
	free(c->copy);
	free(c);
	return len;
}

void tu_head_value(const char *head, const char *prefix, char *out, size_t size)
{
	const char *v = header_in(head, prefix);
	size_t n = v ? strcspn(v, "\r\n") : 0;
	if (n)
		snprintf(out, size, "%.*s", (int)n, v);
}

void tu_send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

void tu_send_answer(int fd, int status, const char *headers, const char *body, size_t len)
{
	size_t cap = (headers ? strlen(headers) : 0) + 256;
	char *head = malloc(cap);
	assert_non_null(head);
	tu_send_all(fd, head, answer_head(head, cap, status, headers, len));
	free(head);
	tu_send_all(fd, body, len);
}

int tu_pause_ms(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) == 0;
}

void tu_reply_fixed(tu_server *s, int fd)
{
	if (!tu_read_head(fd))
		return;
	atomic_fetch_add(&s->requests, 1);
	tu_send_all(fd, s->reply, s->reply_len);
	/* The answer is whole: say so before the close, which resets when bytes are unread. */
	shutdown(fd, SHUT_WR);
}

void tu_reply_status(tu_server *s, int fd)
{
	char head[16384];
	if (!tu_read_whole(fd, head, sizeof(head)))
		return;
	atomic_fetch_add(&s->requests, 1);
	if (strncmp(head, "POST ", 5) != 0) {
		tu_send_answer(fd, 200, NULL, s->reply, s->reply_len);
	} else {
		atomic_fetch_add(&s->posts, 1);
		static const char body[] = "{\"error\":{\"message\":\"scripted refusal\"}}";
		tu_send_answer(fd, atomic_load(&s->status), "retry-after-ms: 0\r\n", body,
		               sizeof(body) - 1);
	}
	shutdown(fd, SHUT_WR);
}

/* ---- a scripted server ---- */

unsigned char tu_pattern(int64_t i)
{
	return (unsigned char)(i % 61 == 60 ? '\n' : 'a' + (i * 7 + i / 61) % 26);
}

void tu_fill_pattern(char *buf, int64_t from, size_t n)
{
	for (size_t k = 0; k < n; k++)
		buf[k] = (char)tu_pattern(from + (int64_t)k);
}

/* A 200 of st->content bytes of tu_pattern(), chunked or not, cut at st->cut_at. */
static void send_content(tu_script *t, int fd, const tu_step *st)
{
	char head[256];
	int n = st->chunked ? snprintf(head, sizeof(head),
	                               "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	                               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
	                    : snprintf(head, sizeof(head),
	                               "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	                               "Content-Length: %lld\r\nConnection: close\r\n\r\n",
	                               (long long)st->content);
	tu_send_all(fd, head, (size_t)n);
	static _Thread_local char buf[65536 + 32];
	int64_t limit = st->cut_at > 0 ? st->cut_at : st->content;
	for (int64_t off = 0; off < limit;) {
		size_t k = limit - off < 65536 ? (size_t)(limit - off) : 65536;
		size_t pre = st->chunked ? (size_t)snprintf(buf, 32, "%zx\r\n", k) : 0;
		tu_fill_pattern(buf + pre, off, k);
		if (st->chunked)
			memcpy(buf + pre + k, "\r\n", 2);
		tu_send_all(fd, buf, pre + k + (st->chunked ? 2 : 0));
		off += (int64_t)k;
	}
	if (st->cut_at > 0) {
		atomic_store(&t->paused, 1);
		tu_pause_ms(fd, st->pause_ms);
		return;
	}
	if (st->chunked)
		tu_send_all(fd, "0\r\n\r\n", 5);
}

static void scripted(tu_server *s, int fd)
{
	tu_script *t = (tu_script *)s;
	char head[8192];
	conn *c = conn_new(fd, t);
	int ok = read_whole(c, head, sizeof(head));
	int i = c->index;
	free(c);
	if (!ok)
		return;
	pthread_mutex_lock(&t->lock);
	tu_step st = t->steps[i < t->nsteps ? i : t->nsteps - 1];
	pthread_mutex_unlock(&t->lock);
	const char *body = st.body ? st.body : "{}";
	if (st.content > 0) {
		send_content(t, fd, &st);
	} else if (st.status) {
		tu_send_answer(fd, st.status, st.headers, body,
		               st.body_len ? st.body_len : strlen(body));
	} else if (st.pause_ms) {
		atomic_store(&t->paused, 1);
		tu_pause_ms(fd, st.pause_ms);
	}
	shutdown(fd, SHUT_WR);
}

void tu_script_set(tu_script *t, const tu_step *steps, int n)
{
	assert_true(n > 0 && n <= TU_STEPS_MAX);
	pthread_mutex_lock(&t->lock);
	memcpy(t->steps, steps, (size_t)n * sizeof(*steps));
	t->nsteps = n;
	memset(t->seen, 0, sizeof(t->seen));
	t->head[0] = '\0';
	t->body_len = 0;
	t->body_total = 0;
	atomic_store(&t->reqs, 0);
	atomic_store(&t->paused, 0);
	pthread_mutex_unlock(&t->lock);
}

tu_script *tu_script_start(const tu_step *steps, int n)
{
	tu_script *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->body = malloc(TU_KEEP_MAX);
	assert_non_null(t->body);
	pthread_mutex_init(&t->lock, NULL);
	tu_script_set(t, steps, n);
	tu_server_start(&t->s, scripted, NULL, 0);
	return t;
}

tu_script *tu_script_seen(tu_script *t)
{
	pthread_mutex_lock(&t->lock);
	pthread_mutex_unlock(&t->lock);
	return t;
}

void tu_script_stop(tu_script *t)
{
	tu_server_stop(&t->s);
	pthread_mutex_destroy(&t->lock);
	free(t->body);
	free(t);
}
