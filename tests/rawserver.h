/*
 * A raw HTTP server on 127.0.0.1 for what tfy-mock-gateway cannot send:
 * bytes that break the protocol, drips and stalls, one fixed answer, or a
 * script of answers.  One thread of the test, one connection at a time, a
 * handler for each.
 */
#ifndef TFY_RAWSERVER_H
#define TFY_RAWSERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tu_server tu_server;

/* Handles one accepted connection; the server closes fd afterwards. */
typedef void (*tu_handler)(tu_server *s, int fd);

struct tu_server {
	int listener;
	int port;
	char base[64]; /* http://127.0.0.1:PORT/v1 */
	pthread_t thread;
	atomic_int stop;
	atomic_int accepted; /* connections taken */
	atomic_int requests; /* requests answered by tu_reply_fixed */
	tu_handler handle;
	const char *reply; /* for handlers that send a fixed text */
	size_t reply_len;
	char *owned;       /* the reply tu_server_canned built; freed by tu_server_stop */
	atomic_int status; /* tu_reply_status: the status every POST gets */
	atomic_int posts;  /* tu_reply_status: POST requests read */
};

/* Starts s with handler h (reply and reply_len for it, may be NULL and 0); aborts the test on failure. */
void tu_server_start(tu_server *s, tu_handler h, const char *reply, size_t reply_len);

/*
 * Starts s answering every request with status, headers (each ending in
 * CRLF, may be "") and body, as tu_send_answer does; then it closes the
 * connection.
 */
void tu_server_canned(tu_server *s, int status, const char *headers, const char *body);

/* Stops the thread and closes the listener. */
void tu_server_stop(tu_server *s);

/* Reads the request head; 0 when the client hung up first (or after 10 s of silence). */
int tu_read_head(int fd);

/* The same, keeping what was read (NUL-terminated, cut to size - 1 bytes) in buf. */
int tu_read_head_into(int fd, char *buf, size_t size);

/*
 * Reads one whole request: its head into head (NUL-terminated, cut to
 * size - 1 bytes), a 100 Continue when it asks for one, then its body (of
 * Content-Length bytes, or chunked), which is dropped.  0 when the client
 * hung up first (or after 10 s of silence).
 */
int tu_read_whole(int fd, char *head, size_t size);

/*
 * Reads one whole request as tu_read_whole does and keeps it, head and
 * body (of Content-Length bytes, or the chunks' data), in buf,
 * NUL-terminated and cut to cap - 1 bytes; its length, 0 when the client
 * hung up first (or after 10 s of silence).
 */
size_t tu_read_request(int fd, char *buf, size_t cap);

/*
 * Copies what follows the first `prefix` (any case) in head, up to the end
 * of its line, into out (cut to size - 1 bytes); leaves out as it is when
 * head has no such prefix or nothing follows it.
 */
void tu_head_value(const char *head, const char *prefix, char *out, size_t size);

/* Sends all of data, or as much as the client takes before it hangs up. */
void tu_send_all(int fd, const char *data, size_t len);

/*
 * Sends an answer: status, Content-Type: application/json, Content-Length
 * len, Connection: close, the extra headers (each ending in CRLF; NULL:
 * none), then the len bytes of body.
 */
void tu_send_answer(int fd, int status, const char *headers, const char *body, size_t len);

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

/* ---- a scripted server ---- */

#define TU_STEPS_MAX 16
#define TU_SEEN_MAX 16
#define TU_KEEP_MAX (4 << 20) /* bytes of a request's body kept for the test */

/* What a scripted server does with one request, once it has read it whole. */
typedef struct tu_step {
	int status; /* the answer's status; 0: none, the server hangs up (after pause_ms) */
	const char *headers; /* extra header lines of the answer, each ending in CRLF; NULL: none */
	const char *body;    /* the answer's body; NULL: "{}" */
	size_t body_len;     /* its length; 0: strlen(body) */
	int64_t content;     /* > 0: the answer is 200 with this many bytes of tu_pattern() */
	int64_t cut_at; /* > 0: the server hangs up after this many content bytes (and pause_ms) */
	int pause_ms;   /* status 0 or cut_at: how long to wait for the client to hang up first */
	int chunked;    /* the content goes chunked, without Content-Length */
} tu_step;

/*
 * A server that answers request n (from 0) as steps[n] says; the last step
 * repeats.  It reads each request whole (a 100 Continue when asked for, a
 * body of Content-Length bytes or chunked) and keeps what the test checks.
 */
typedef struct tu_script {
	tu_server s;          /* first: the handler gets it */
	pthread_mutex_t lock; /* taken around every record (see tu_script_seen) */
	tu_step steps[TU_STEPS_MAX];
	int nsteps;
	atomic_int reqs;   /* request heads read */
	atomic_int paused; /* the server holds a request: a cut answer, or a silent step */
	char head[8192];   /* the last request's head */
	char *body;        /* its body, TU_KEEP_MAX bytes at most */
	size_t body_len;
	int64_t body_total;           /* its whole length */
	char seen[TU_SEEN_MAX][2048]; /* request n: its request line, a blank, its body */
} tu_script;

/* Starts a scripted server with n steps (1..TU_STEPS_MAX); aborts the test on failure. */
tu_script *tu_script_start(const tu_step *steps, int n);

/* Between calls: new steps, counted from request 0 again, and nothing recorded yet. */
void tu_script_set(tu_script *t, const tu_step *steps, int n);

/*
 * t, for the test to read what the server recorded once a call returned:
 * taking its lock orders the server thread's writes before the test's
 * reads (for TSan, which does not see the ordering through the socket).
 */
tu_script *tu_script_seen(tu_script *t);

/* Stops the server and frees t. */
void tu_script_stop(tu_script *t);

/* Byte i of the content a scripted server sends. */
unsigned char tu_pattern(int64_t i);

/* Fills buf with n bytes of tu_pattern() from byte from on. */
void tu_fill_pattern(char *buf, int64_t from, size_t n);

#endif
