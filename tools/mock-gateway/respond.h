/* OpenAI-shaped JSON replies: error bodies, encoding, and the headers every
 * response carries. */
#ifndef TFY_MOCK_RESPOND_H
#define TFY_MOCK_RESPOND_H

#include <stdbool.h>

#include <jansson.h>
#include <microhttpd.h>

struct mgw_reply {
    unsigned status;
    json_t *body;           /* reference consumed by mgw_reply_send */
    const char *request_id; /* value of x-request-id */
    const char *allow;      /* Allow header for 405, or NULL */
    bool gzip;              /* encode the body with Content-Encoding: gzip */
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

/* Queues the reply on `conn`. Releases r->body in every case. */
enum MHD_Result mgw_reply_send(struct MHD_Connection *conn, const struct mgw_reply *r);

#endif
