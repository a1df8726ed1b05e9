/*
 * tfy-batches: reading a webhook delivery's HTTP request, head then body,
 * into one buffer that never grows past the two bounds.
 */
#include "hookreq.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

typedef struct reader {
	int fd;
	int timeout_ms;
	struct timespec start;
	char *buf;
	size_t len, cap;
} reader;

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Waits for bytes within the time left: 1 when there are (or may be), -1 with *why set. */
static int wait_readable(reader *rd, const char **why)
{
	struct pollfd p = { rd->fd, POLLIN, 0 };
	long left;
	int n;

	if (rd->timeout_ms < 0)
		return 1;
	left = rd->timeout_ms - elapsed_ms(&rd->start);
	n = left > 0 ? poll(&p, 1, (int)left) : 0;
	if (n == 0) {
		*why = "the request did not come whole in time";
		return -1;
	}
	if (n < 0 && errno != EINTR) {
		*why = "cannot read the request";
		return -1;
	}
	return 1;
}

/* Reads more, keeping at most max bytes in all: 1 read (or interrupted), 0 the end, -1 *why set. */
static int read_more(reader *rd, size_t max, hook_read *rc, const char **why)
{
	ssize_t n;

	if (rd->len == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 4096;
		char *grown = realloc(rd->buf, (cap < max ? cap : max) + 1);

		if (grown == NULL) {
			*rc = HOOK_READ_NO_MEMORY;
			*why = "out of memory";
			return -1;
		}
		rd->buf = grown;
		rd->cap = cap < max ? cap : max;
	}
	*rc = HOOK_READ_FAILED;
	if (wait_readable(rd, why) < 0)
		return -1;
	n = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
	if (n < 0 && errno != EINTR && errno != EAGAIN) {
		*why = "cannot read the request";
		return -1;
	}
	if (n == 0)
		return 0;
	rd->len += n > 0 ? (size_t)n : 0;
	return 1;
}

/* Where the head ends (after its last line end) and the body starts; 0 while unknown. */
static int find_blank_line(const char *s, size_t len, size_t *head_len, size_t *body)
{
	for (size_t i = 0; i < len; i++) {
		size_t at = i;

		if (i > 0 && s[i - 1] != '\n')
			continue;
		if (s[at] == '\r')
			at++;
		if (at < len && s[at] == '\n') {
			*head_len = i;
			*body = at + 1;
			return 1;
		}
	}
	return 0;
}

static int is_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return n > 0;
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* One header into r (the ones that matter here); *length gets Content-Length. */
static hook_read take_header(const char *name, char *value, hook_request *r, long long *length,
                             const char **why)
{
	value = trim(value);
	if (strcasecmp(name, "webhook-id") == 0) {
		r->id = value;
	} else if (strcasecmp(name, "webhook-timestamp") == 0) {
		r->timestamp = value;
	} else if (strcasecmp(name, "webhook-signature") == 0) {
		r->signature = value;
	} else if (strcasecmp(name, "transfer-encoding") == 0 && strcasecmp(value, "identity") != 0) {
		*why = "a Transfer-Encoding (chunked bodies are not read: send Content-Length)";
		return HOOK_READ_MALFORMED;
	} else if (strcasecmp(name, "content-length") == 0) {
		if (value[0] == '\0' || strspn(value, "0123456789") != strlen(value)) {
			*why = "a Content-Length that is not a number";
			return HOOK_READ_MALFORMED;
		}
		if (strlen(value) > 9 || atol(value) > HOOK_BODY_MAX) {
			*why = "a body larger than 1 MiB";
			return HOOK_READ_TOO_LARGE;
		}
		*length = atol(value);
	}
	return HOOK_READ_OK;
}

/* The head's lines, NUL-terminated in place: an optional request line, then headers. */
static hook_read parse_head(char *head, size_t len, hook_request *r, long long *length, const char **why)
{
	char *line = head, *end = head + len;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *colon;

		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		colon = strchr(line, ':');
		if (line[0] == ' ' || line[0] == '\t') {
			*why = "a folded header line";
			return HOOK_READ_MALFORMED;
		}
		if (colon != NULL && is_token(line, (size_t)(colon - line))) {
			hook_read rc;

			*colon = '\0';
			if ((rc = take_header(line, colon + 1, r, length, why)) != HOOK_READ_OK)
				return rc;
		} else if (line == head && strchr(line, ' ') != NULL) {
			r->method = line;
			*strchr(line, ' ') = '\0';
		} else {
			*why = "a line that is neither a request line nor a header";
			return HOOK_READ_MALFORMED;
		}
		line = nl + 1;
	}
	return HOOK_READ_OK;
}

/* Reads the body: `length` bytes, or (length < 0) to the end when to_eof. */
static hook_read read_body(reader *rd, size_t start, long long length, int to_eof, hook_request *r,
                           const char **why)
{
	size_t want = length >= 0 ? start + (size_t)length : start + HOOK_BODY_MAX + 1;
	hook_read rc = HOOK_READ_OK;
	int more = 1;

	if (length < 0 && !to_eof)
		want = start;
	while (rd->len < want && (more = read_more(rd, want, &rc, why)) > 0)
		;
	if (more < 0)
		return rc;
	if (length >= 0 && rd->len < want) {
		*why = "the input ended before Content-Length bytes of body";
		return HOOK_READ_FAILED;
	}
	if (length < 0 && to_eof && rd->len > start + HOOK_BODY_MAX) {
		*why = "a body larger than 1 MiB";
		return HOOK_READ_TOO_LARGE;
	}
	r->body = rd->buf + start;
	r->body_len = (rd->len < want ? rd->len : want) - start;
	return HOOK_READ_OK;
}

/*
 * read_body, with the head's pointers into the buffer held as offsets
 * meanwhile: reading the body may move the buffer.
 */
static hook_read read_body_keeping_head(reader *rd, size_t start, long long length, int to_eof,
                                        hook_request *r, const char **why)
{
	const char **slots[] = { &r->method, &r->id, &r->timestamp, &r->signature };
	size_t at[sizeof slots / sizeof slots[0]];
	hook_read rc;

	for (size_t k = 0; k < sizeof slots / sizeof slots[0]; k++)
		at[k] = *slots[k] != NULL ? (size_t)(*slots[k] - rd->buf) : (size_t)-1;
	rc = read_body(rd, start, length, to_eof, r, why);
	for (size_t k = 0; k < sizeof slots / sizeof slots[0]; k++)
		*slots[k] = at[k] != (size_t)-1 ? rd->buf + at[k] : NULL;
	return rc;
}

static hook_read read_request(reader *rd, int to_eof, hook_request *r, const char **why)
{
	size_t head_len = 0, body = 0, head_max = HOOK_HEAD_MAX + 2;
	long long length = -1;
	hook_read rc = HOOK_READ_OK;
	int more = 1;

	while (!find_blank_line(rd->buf, rd->len, &head_len, &body)) {
		if (rd->len >= head_max) {
			*why = "a head (request line and headers) larger than 64 KiB";
			return HOOK_READ_TOO_LARGE;
		}
		if ((more = read_more(rd, head_max, &rc, why)) <= 0) {
			if (more == 0)
				*why = rd->len ? "the input ended inside the head" : "no request came";
			return more == 0 ? HOOK_READ_MALFORMED : rc;
		}
	}
	if ((rc = parse_head(rd->buf, head_len, r, &length, why)) != HOOK_READ_OK)
		return rc;
	return read_body_keeping_head(rd, body, length, to_eof, r, why);
}

hook_read hook_request_read(int fd, int timeout_ms, int to_eof, hook_request *r, const char **why)
{
	reader rd = { fd, timeout_ms, { 0, 0 }, NULL, 0, 0 };
	hook_read rc;

	memset(r, 0, sizeof *r);
	clock_gettime(CLOCK_MONOTONIC, &rd.start);
	rc = read_request(&rd, to_eof, r, why);
	if (rc != HOOK_READ_OK) {
		free(rd.buf);
		memset(r, 0, sizeof *r);
		return rc;
	}
	r->data = rd.buf;
	r->len = rd.len;
	return HOOK_READ_OK;
}

void hook_request_free(hook_request *r)
{
	free(r->data);
	memset(r, 0, sizeof *r);
}
