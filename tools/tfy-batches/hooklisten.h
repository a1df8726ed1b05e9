/*
 * tfy-batches: the webhook receiver of 'wait --webhook-listen'.  A thread
 * accepts one connection at a time on ADDR:PORT, reads its request
 * (hookreq.h, at most 5 s), verifies it with tfy_webhook_verify() and
 * answers 204 when verified, 400 when not (or malformed), 405 to a method
 * other than POST and 413 to a request past the bounds.  The first
 * verified batch event whose data.id is the batch waited for is noted, for
 * the wait's cancel callback to end the wait.
 */
#ifndef TFY_BATCHES_HOOKLISTEN_H
#define TFY_BATCHES_HOOKLISTEN_H

#include <tfy/tfy.h>

typedef struct hook_listener hook_listener;

/*
 * Listens on addr ("HOST:PORT": HOST a numeric IPv4 address or an IPv6 one
 * in brackets, PORT 0 to 65535, 0 a free one) for events about batch_id,
 * verified with secret (both copied), and says where on stderr.  NULL with
 * the problem said on stderr and *rc the exit status (usage for a bad
 * address).
 */
hook_listener *hook_listen_start(const char *addr, const char *secret, const char *batch_id, int *rc);

/*
 * The state the first verified event about the batch said it ended in;
 * TFY_BATCH_STATUS_UNKNOWN while none came.  Any thread may ask.
 */
tfy_batch_status hook_listen_heard(hook_listener *l);

/* Stops the thread, closes the socket, scrubs the secret; NULL is ignored. */
void hook_listen_stop(hook_listener *l);

#endif
