/* OpenAI-shaped JSON replies: error bodies, encoding, and the headers every
 * response carries. */
#ifndef TFY_MOCK_RESPOND_H
#define TFY_MOCK_RESPOND_H

#include <stdbool.h>

#include <jansson.h>
#include <microhttpd.h>

struct mgw_reply {
	unsigned status;
	json_t *body;             /* reference consumed by mgw_reply_send */
	const char *request_id;   /* value of x-request-id */
	const char *allow;        /* Allow header for 405, or NULL */
	bool gzip;                /* encode the body with Content-Encoding: gzip */
	const char *content_type; /* NULL: application/json */
};

/* Returns a JSON string for untrusted bytes: invalid UTF-8 is replaced by '?'
 * rather than failing, and NULL becomes JSON null. */
json_t *mgw_string_lossy(const char *s);

/* Returns a new reference to {"error":{"message","type","param","code"}} with
 * type invalid_request_error; `param` and `code` may be NULL. */
json_t *mgw_error_body(const char *message, const char *param, const char *code);

/* As mgw_error_body with the message prefix + value + suffix, where `value`
 * is untrusted. */
json_t *mgw_error_body3(const char *prefix, const char *value, const char *suffix,
                        const char *param, const char *code);

/* True when an Accept-Encoding value (may be NULL) admits gzip. */
bool mgw_accepts_gzip(const char *accept_encoding);

/* Returns r->body as sent (indented, final newline, gzip-encoded if r->gzip)
 * in a malloc'd buffer, or NULL on failure. Does not release r->body. */
char *mgw_reply_encode(const struct mgw_reply *r, size_t *len);

/* Returns `text` gzip-encoded in a malloc'd buffer, or NULL on failure. */
char *mgw_gzip(const char *text, size_t len, size_t *out_len);

/* Adds r's headers (Content-Type, x-request-id, Content-Encoding when r->gzip,
 * Allow) to `resp`, queues it with r->status and drops our reference to it.
 * A NULL `resp` (failed allocation) yields MHD_NO, which closes the connection. */
enum MHD_Result mgw_reply_queue(struct MHD_Connection *conn, const struct mgw_reply *r,
                                struct MHD_Response *resp);

/* Queues the reply on `conn`. Releases r->body in every case. */
enum MHD_Result mgw_reply_send(struct MHD_Connection *conn, const struct mgw_reply *r);

#endif
