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

void tu_server_canned(tu_server *s, int status, const char *headers, const char *body)
{
	size_t body_len = strlen(body), cap = strlen(headers) + body_len + 256;
	char *reply = malloc(cap);
	assert_non_null(reply);
	int n = snprintf(reply, cap,
	                 "HTTP/1.1 %d Canned\r\nContent-Type: application/json\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
	                 status, body_len, headers);
	assert_true(n > 0 && (size_t)n + body_len < cap);
	memcpy(reply + n, body, body_len);
	tu_server_start(s, tu_reply_fixed, reply, (size_t)n + body_len);
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

int tu_read_head_into(int fd, char *buf, size_t size)
{
	size_t have = 0;
	buf[0] = '\0';
	while (have < size - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 10000) <= 0)
			return 0;
		ssize_t n = read(fd, buf + have, size - 1 - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return 1;
	}
	return 1;
}

int tu_read_head(int fd)
{
	char buf[4096];
	return tu_read_head_into(fd, buf, sizeof(buf));
}

size_t tu_read_request(int fd, char *buf, size_t cap)
{
	size_t have = 0, want = 0;
	const char *end = NULL;
	while (have < cap - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 10000) <= 0)
			return 0;
		ssize_t n = read(fd, buf + have, cap - 1 - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = tu_strcasestr(buf, "\r\nContent-Length:");
			want = (size_t)(end - buf) + 4 + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end && have >= want)
			return have;
	}
	return have;
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
	char buf[16384], head[512];
	if (!tu_read_request(fd, buf, sizeof(buf)))
		return;
	atomic_fetch_add(&s->requests, 1);
	if (strncmp(buf, "POST ", 5) != 0) {
		int n = snprintf(head, sizeof(head),
		                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		                 "Content-Length: %zu\r\nConnection: close\r\n\r\n", s->reply_len);
		tu_send_all(fd, head, (size_t)n);
		tu_send_all(fd, s->reply, s->reply_len);
		shutdown(fd, SHUT_WR);
		return;
	}
	atomic_fetch_add(&s->posts, 1);
	static const char body[] = "{\"error\":{\"message\":\"scripted refusal\"}}";
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d Counted\r\nContent-Type: application/json\r\n"
	                 "Content-Length: %zu\r\nretry-after-ms: 0\r\nConnection: close\r\n\r\n",
	                 atomic_load(&s->status), sizeof(body) - 1);
	tu_send_all(fd, head, (size_t)n);
	tu_send_all(fd, body, sizeof(body) - 1);
	shutdown(fd, SHUT_WR);
}
