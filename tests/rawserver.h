/*
 * A raw HTTP server on 127.0.0.1 for what tfy-mock-gateway cannot send:
 * bytes that break the protocol, drips and stalls, or one fixed answer.
 * One thread of the test, one connection at a time, a handler for each.
 */
#ifndef TFY_RAWSERVER_H
#define TFY_RAWSERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct tu_server tu_server;

/* Handles one accepted connection; the server closes fd afterwards. */
typedef void (*tu_handler)(tu_server *s, int fd);

struct tu_server {
	int listener;
	int port;
	char base[64];        /* http://127.0.0.1:PORT/v1 */
	pthread_t thread;
	atomic_int stop;
	atomic_int accepted;  /* connections taken */
	atomic_int requests;  /* requests answered by tu_reply_fixed */
	tu_handler handle;
	const char *reply;    /* for handlers that send a fixed text */
	size_t reply_len;
	char *owned;          /* the reply tu_server_canned built; freed by tu_server_stop */
	atomic_int status;    /* tu_reply_status: the status every POST gets */
	atomic_int posts;     /* tu_reply_status: POST requests read */
};

/* Starts s with handler h (reply and reply_len for it, may be NULL and 0); aborts the test on failure. */
void tu_server_start(tu_server *s, tu_handler h, const char *reply, size_t reply_len);

/*
 * Starts s answering every request with status, headers (each ending in
 * CRLF, may be "") and body, with Content-Type: application/json,
 * Content-Length and Connection: close; then it closes the connection.
 */
void tu_server_canned(tu_server *s, int status, const char *headers, const char *body);

/* Stops the thread and closes the listener. */
void tu_server_stop(tu_server *s);

/* Reads the request head; 0 when the client hung up first (or after 10 s of silence). */
int tu_read_head(int fd);

/* The same, keeping what was read (NUL-terminated, cut to size - 1 bytes) in buf. */
int tu_read_head_into(int fd, char *buf, size_t size);

/*
 * Reads one whole request (its head, and a body of Content-Length bytes)
 * into buf, NUL-terminated, cut to cap - 1 bytes; its length, or 0 when the
 * client hung up first (or after 10 s of silence).
 */
size_t tu_read_request(int fd, char *buf, size_t cap);

/* Sends all of data, or as much as the client takes before it hangs up. */
void tu_send_all(int fd, const char *data, size_t len);

/* Waits ms, or less when the client hangs up; 0 when it did. */
int tu_pause_ms(int fd, int ms);

/* The handler for a fixed answer: reads the head, counts it, sends s->reply, ends the output. */
void tu_reply_fixed(tu_server *s, int fd);

/*
 * The handler of a counting server (start it with reply and reply_len: the
 * answer to a GET): reads each request whole; a POST is counted in
 * s->posts and answered with s->status, `retry-after-ms: 0` and an OpenAI
 * error body whose message is "scripted refusal"; a GET gets 200 and s->reply.
 */
void tu_reply_status(tu_server *s, int fd);

#endif
