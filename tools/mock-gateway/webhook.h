/* Webhooks as OpenAI sends them: when a created batch reaches a terminal
 * state, an event POSTed to --webhook-url, signed as the Standard Webhooks
 * specification says with the --webhook-secret, and sent again with backoff
 * when the receiver fails. HMAC-SHA256 and base64 are GnuTLS's (not the
 * libcrypto libtfy verifies with), the POST libcurl's. */
#ifndef TFY_MOCK_WEBHOOK_H
#define TFY_MOCK_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "batches.h"
#include "sleeper.h"

/* Attempts of one delivery, and the default pause before the first retry
 * (doubled after each failure): 0.5, 1, 2, 4 and 8 s, some 15 s in all. */
#define MGW_WEBHOOK_ATTEMPTS 6
#define MGW_WEBHOOK_FIRST_RETRY_MS 500ul
#define MGW_WEBHOOK_FIRST_RETRY_MAX_MS 60000ul

struct mgw_webhook;

/* Whether `secret` is whsec_ followed by the base64 of at least one byte. */
bool mgw_webhook_secret_ok(const char *secret);

/* Starts the sender thread, which watches `batches` and delivers to `url`
 * until `sleeper` is stopped, pausing `first_retry_ms` before the first
 * retry (0: the default). The strings and both objects must outlive it.
 * NULL with a reason in `err` on failure. */
struct mgw_webhook *mgw_webhook_start(const char *url, const char *secret,
                                      unsigned long first_retry_ms, struct mgw_batches *batches,
                                      struct mgw_sleeper *sleeper, char *err, size_t err_size);

/* Joins the thread (stop the sleeper first: a delivery under way is cut
 * short) and frees everything; undelivered events are dropped. NULL is ok. */
void mgw_webhook_stop(struct mgw_webhook *w);

#endif
