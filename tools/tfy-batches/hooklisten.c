/*
 * tfy-batches: a minimal HTTP listener for webhook deliveries, on its own
 * thread so that a slow sender never holds up the wait's polling.  One
 * connection at a time, each read whole within CONN_TIMEOUT_MS and bounded
 * by hookreq.h: a sender can cost this process at most one request's
 * bounds and five seconds at a time.
 */
#include "hooklisten.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "hookreq.h"
#include "secret.h"
#include "text.h"

#define CONN_TIMEOUT_MS 5000
#define ACCEPT_POLL_MS 100
#define ADDR_MAX 128

struct hook_listener {
	int fd;
	char *secret;
	char *batch_id;
	pthread_t thread;
	atomic_int stop;
	atomic_int heard; /* a tfy_batch_status; UNKNOWN until the event came */
};

static void reply(int fd, const char *status, const char *text)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf,
	                 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n%s",
	                 status, strlen(text), text);

	if (n > 0 && (size_t)n < sizeof buf)
		(void)send(fd, buf, (size_t)n, MSG_NOSIGNAL);
}

/* "tfy-batches: webhook refused: what: why" on stderr (why may be NULL). */
static void say_refused(const char *what, const char *why)
{
	fputs(CLI_NAME ": webhook refused: ", stderr);
	fputs(what, stderr);
	if (why != NULL) {
		fputs(": ", stderr);
		text_put_file(stderr, why);
	}
	fputs("\n", stderr);
}

/* The verified event: noted when it is the first about our batch. */
static void take_event(hook_listener *l, const tfy_webhook_event *e)
{
	int unknown = TFY_BATCH_STATUS_UNKNOWN;

	if (e->batch_status == TFY_BATCH_STATUS_UNKNOWN || e->data_id == NULL ||
	    strcmp(e->data_id, l->batch_id) != 0)
		return;
	if (!atomic_compare_exchange_strong(&l->heard, &unknown, e->batch_status))
		return;
	fputs(CLI_NAME ": webhook ", stderr);
	text_put_file(stderr, e->type);
	fputs(" for ", stderr);
	text_put_file(stderr, l->batch_id);
	fputs("\n", stderr);
}

static void serve_one(hook_listener *l, int fd)
{
	hook_request r;
	const char *why = NULL;
	tfy_webhook_event *e = NULL;
	tfy_error *err = NULL;
	hook_read rc = hook_request_read(fd, CONN_TIMEOUT_MS, 0, &r, &why);
	tfy_code code;

	if (rc == HOOK_READ_TOO_LARGE) {
		reply(fd, "413 Content Too Large", "too large\n");
		say_refused("too large", why);
		return;
	}
	if (rc != HOOK_READ_OK) {
		reply(fd, "400 Bad Request", "not an HTTP request\n");
		say_refused("not an HTTP request", why);
		return;
	}
	if (r.method != NULL && strcmp(r.method, "POST") != 0) {
		reply(fd, "405 Method Not Allowed", "POST only\n");
		hook_request_free(&r);
		return;
	}
	code = tfy_webhook_verify(l->secret, r.id, r.timestamp, r.signature, r.body, r.body_len,
	                          NULL, &e, &err);
	if (code == TFY_OK) {
		reply(fd, "204 No Content", "");
		take_event(l, e);
	} else {
		reply(fd, code == TFY_ERROR_OUT_OF_MEMORY ? "500 Internal Server Error" : "400 Bad Request",
		      "webhook refused\n");
		/* "webhook verification failed: ..." (the library's words: no secret in them) */
		diag_library(code, err);
	}
	tfy_webhook_event_free(e);
	tfy_error_free(err);
	hook_request_free(&r);
}

static void *run(void *arg)
{
	hook_listener *l = arg;
	sigset_t all;

	/* the wait's thread takes Ctrl-C, SIGTERM and SIGHUP */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!atomic_load(&l->stop)) {
		struct pollfd p = { l->fd, POLLIN, 0 };
		int conn;

		if (poll(&p, 1, ACCEPT_POLL_MS) <= 0)
			continue;
		if ((conn = accept(l->fd, NULL, NULL)) < 0)
			continue;
		serve_one(l, conn);
		close(conn);
	}
	return NULL;
}

/* host and port of "HOST:PORT" ("[V6]:PORT") into buf; 0, or -1 when it is not that. */
static int split_address(const char *addr, char *buf, const char **host, const char **port)
{
	char *colon;
	size_t n = strlen(addr);

	if (n == 0 || n >= ADDR_MAX)
		return -1;
	memcpy(buf, addr, n + 1);
	if ((colon = strrchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	*port = colon + 1;
	*host = buf;
	if (buf[0] == '[' && colon > buf + 1 && colon[-1] == ']') {
		colon[-1] = '\0';
		*host = buf + 1;
	}
	n = strlen(*port);
	return (*host)[0] != '\0' && n > 0 && n <= 5 && strspn(*port, "0123456789") == n &&
	                       atol(*port) <= 65535
	             ? 0
	             : -1;
}

/* A listening socket on addr, said on stderr; -1 with the problem said and *rc set. */
static int open_socket(const char *addr, int *rc)
{
	char buf[ADDR_MAX], shown[64], port[8]; /* INET6_ADDRSTRLEN, "65535" */
	const char *host, *service;
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage bound;
	socklen_t len = sizeof bound;
	int fd = -1, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (split_address(addr, buf, &host, &service) < 0 ||
	    getaddrinfo(host, service, &hints, &ai) != 0) {
		diag_error("--webhook-listen wants ADDRESS:PORT with a numeric address "
		           "(127.0.0.1:9000, [::1]:9000), not",
		           addr);
		*rc = CLI_EXIT_USAGE;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&bound, len, shown, sizeof shown, port, sizeof port,
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		fprintf(stderr, CLI_NAME ": cannot listen for webhooks on %s: %s\n", addr,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		*rc = CLI_EXIT_FAILURE;
		return -1;
	}
	freeaddrinfo(ai);
	fprintf(stderr, CLI_NAME ": listening for webhooks on %s%s%s:%s\n",
	        bound.ss_family == AF_INET6 ? "[" : "", shown,
	        bound.ss_family == AF_INET6 ? "]" : "", port);
	return fd;
}

/* What start made of a listener, freed; NULL is ignored. */
static void listener_free(hook_listener *l)
{
	if (l == NULL)
		return;
	if (l->fd >= 0)
		close(l->fd);
	secret_free(l->secret);
	free(l->batch_id);
	free(l);
}

void hook_listen_stop(hook_listener *l)
{
	if (l == NULL)
		return;
	atomic_store(&l->stop, 1);
	pthread_join(l->thread, NULL);
	listener_free(l);
}

/*
 * A secret that is not whsec_ and base64 would refuse every delivery: said
 * now, as the library says it (without showing it).  With no headers, any
 * other secret fails at the first header instead.  0, or -1 with *rc set.
 */
static int check_secret(const char *secret, int *rc)
{
	tfy_error *err = NULL;
	int bad = tfy_webhook_verify(secret, NULL, NULL, NULL, NULL, 0, NULL, NULL, &err) ==
	          TFY_ERROR_INVALID_ARGUMENT;

	if (bad)
		*rc = diag_library(TFY_ERROR_INVALID_ARGUMENT, err);
	tfy_error_free(err);
	return bad ? -1 : 0;
}

hook_listener *hook_listen_start(const char *addr, const char *secret, const char *batch_id, int *rc)
{
	hook_listener *l = calloc(1, sizeof *l);

	*rc = CLI_EXIT_FAILURE;
	if (l != NULL)
		l->fd = -1;
	if (l == NULL || (l->secret = strdup(secret)) == NULL ||
	    (l->batch_id = strdup(batch_id)) == NULL) {
		diag_error("out of memory", NULL);
		listener_free(l);
		return NULL;
	}
	if (check_secret(secret, rc) < 0 || (l->fd = open_socket(addr, rc)) < 0) {
		listener_free(l);
		return NULL;
	}
	atomic_init(&l->stop, 0);
	atomic_init(&l->heard, TFY_BATCH_STATUS_UNKNOWN);
	if (pthread_create(&l->thread, NULL, run, l) != 0) {
		diag_error("cannot start the webhook listener", NULL);
		listener_free(l);
		return NULL;
	}
	return l;
}

tfy_batch_status hook_listen_heard(hook_listener *l)
{
	return atomic_load(&l->heard);
}
