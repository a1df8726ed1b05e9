/*
 * tfy-batches: a webhook delivery as the HTTP request that carried it, read
 * whole and bounded: 'webhook verify' reads one from standard input, 'wait
 * --webhook-listen' from each connection.  Its head gives the three
 * webhook-* headers; its body is kept byte for byte, as verifying needs.
 */
#ifndef TFY_BATCHES_HOOKREQ_H
#define TFY_BATCHES_HOOKREQ_H

#include <stddef.h>

/* The longest head (request line and headers) and body read; OpenAI's events are < 1 KiB. */
#define HOOK_HEAD_MAX (64 * 1024)
#define HOOK_BODY_MAX (1024 * 1024)

typedef struct hook_request {
	char *data; /* what was read (head and body), ours */
	size_t len;
	const char *method; /* the request line's first word, NULL without one */
	const char *id, *timestamp, *signature; /* the webhook-* headers' values, NULL when absent */
	const char *body;                       /* in data; body_len bytes, not NUL-terminated */
	size_t body_len;
} hook_request;

typedef enum hook_read {
	HOOK_READ_OK,
	HOOK_READ_MALFORMED, /* not an HTTP request: *why says what */
	HOOK_READ_TOO_LARGE, /* the head or the body passes its bound */
	HOOK_READ_FAILED,    /* the input ended early, or failed, or timed out: *why says */
	HOOK_READ_NO_MEMORY
} hook_read;

/*
 * Reads one request from fd: a request line (optional), header lines and
 * a blank line ("\r\n" or "\n" line ends), then a body of Content-Length
 * bytes or, without one, everything up to the end of the input when
 * to_eof (else no body).  A header line is a name of visible characters,
 * ':' and its value; a name repeated keeps the last value; a folded line
 * or chunked transfer coding is malformed.  Reading stops at timeout_ms
 * after it began (-1: never).  On failure *r holds nothing and *why a
 * static reason.
 */
hook_read hook_request_read(int fd, int timeout_ms, int to_eof, hook_request *r, const char **why);

void hook_request_free(hook_request *r);

#endif
