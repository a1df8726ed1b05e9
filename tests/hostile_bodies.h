/*
 * Response bodies built to blow up a decoder's memory (huge arrays of tiny
 * values where a tree would cost some 100 bytes a value), and the peak RSS
 * growth of decoding one in a child process.  Shared by tests/test_decode.c
 * (the bound) and bench/decode_memory.c (the figures in docs/performance.md).
 * Header-only; needs lib/decode.h.
 */
#ifndef TFY_HOSTILE_BODIES_H
#define TFY_HOSTILE_BODIES_H

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode.h"

typedef struct hostile_body {
	const char *name;
	const char *head, *unit, *last, *tail; /* head unit unit ... last tail */
	int error_body;                        /* decoded as an error body, not a page */
} hostile_body;

static const hostile_body hostile_bodies[] = {
	{ "errors.data of empty objects",
	  "{\"data\":[{\"id\":\"b\",\"errors\":{\"object\":\"list\",\"data\":[", "{},", "{}",
	  "]}}]}", 0 },
	{ "the same array under an unknown member", "{\"data\":[{\"id\":\"b\",\"unknown\":[", "{},",
	  "{}", "]}]}", 0 },
	{ "an item [0,0,0,...]", "{\"data\":[[", "0,", "0", "]]}", 0 },
	{ "metadata holding [0,0,0,...]", "{\"data\":[{\"id\":\"b\",\"metadata\":{\"k\":[", "0,",
	  "0", "]}}]}", 0 },
	{ "an envelope member of empty objects", "{\"data\":[],\"next\":[", "{},", "{}", "]}", 0 },
	{ "an error body of empty objects", "{\"error\":{\"message\":\"m\",\"x\":[", "{},", "{}",
	  "]}}", 1 },
};

#define HOSTILE_BODIES (sizeof(hostile_bodies) / sizeof(hostile_bodies[0]))

/* Body k of about `bytes` bytes (malloc'd, NUL-terminated), its length in *len. */
static char *hostile_body_new(size_t k, size_t bytes, size_t *len)
{
	const hostile_body *h = &hostile_bodies[k];
	size_t head = strlen(h->head), unit = strlen(h->unit), last = strlen(h->last);
	size_t tail = strlen(h->tail),
	       units = bytes > head + tail + last ? (bytes - head - tail - last) / unit : 0;
	char *body = malloc(head + units * unit + last + tail + 1), *p = body;
	if (!body)
		return NULL;
	memcpy(p, h->head, head), p += head;
	for (size_t i = 0; i < units; i++)
		memcpy(p, h->unit, unit), p += unit;
	memcpy(p, h->last, last), p += last;
	memcpy(p, h->tail, tail + 1), p += tail;
	*len = (size_t)(p - body);
	return body;
}

/* Decodes body k; 0 when it decoded as expected (a page, or an error envelope). */
static int hostile_decode(size_t k, const char *body, size_t len)
{
	if (hostile_bodies[k].error_body) {
		tfy_error e;
		memset(&e, 0, sizeof(e));
		int rc = tfy__decode_error_body(body, len, &e);
		free((char *)e.api_message);
		return rc < 0;
	}
	tfy_batch_page *page = NULL;
	char detail[256];
	tfy_code rc = tfy__decode_batch_page(body, len, &page, detail, sizeof(detail));
	tfy_batch_page_free(page);
	return rc == TFY_OK ? 0 : 1;
}

/*
 * In a child process, so the measure is that of this decode alone: builds
 * body k of about `bytes` bytes and decodes it.  Returns the growth of the
 * peak RSS in KiB (the body included), or -1 when the decode failed.
 */
static long hostile_rss_kib(size_t k, size_t bytes)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		struct rusage before, after;
		getrusage(RUSAGE_SELF, &before);
		size_t len;
		char *body = hostile_body_new(k, bytes, &len);
		int rc = body ? hostile_decode(k, body, len) : 1;
		free(body);
		getrusage(RUSAGE_SELF, &after);
		long growth = rc ? -1 : after.ru_maxrss - before.ru_maxrss;
		_exit(write(fd[1], &growth, sizeof(growth)) == sizeof(growth) ? 0 : 1);
	}
	close(fd[1]);
	long growth = -1;
	if (pid < 0 || read(fd[0], &growth, sizeof(growth)) != sizeof(growth))
		growth = -1;
	close(fd[0]);
	int status;
	if (pid > 0)
		waitpid(pid, &status, 0);
	return growth;
}

#endif
