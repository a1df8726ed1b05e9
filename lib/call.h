/*
 * The one call path every endpoint takes: the call's context (deadline,
 * cancel, retries, timeout), the attempt loop with retries, backoff and the
 * deadline, the error of a failed response, and handing the error to the
 * caller with secrets masked.  An endpoint (endpoint.h) brings its request
 * (request_build.h) and its decoder.  Internal to libtfy.
 */
#ifndef TFY_CALL_H
#define TFY_CALL_H

#include "client_internal.h"
#include "options.h"
#include "request_build.h"
#include "transport.h"

/* A call's context, resolved from its options, the client's defaults and the client. */
typedef struct tfy__call {
	int64_t deadline;     /* monotonic ms (tfy__now_ms); 0: none */
	tfy_cancel_fn cancel; /* may be NULL */
	void *cancel_userdata;
	const tfy_cancel_token *cancel_token; /* may be NULL */
	int32_t max_retries;                  /* 0..TFY_MAX_RETRIES_LIMIT */
	int64_t timeout_ms; /* of each attempt; 0: none (the stall check and deadline only) */
} tfy__call;

/*
 * Whether the caller wants the call stopped: its cancel token was cancelled
 * or its cancel callback says stop.  The one question every phase asks:
 * before each attempt, in the transport's polls (connecting, sending,
 * waiting, a download or an upload), in the backoff and a wait's pauses,
 * before a reconcile.  1 to stop, else 0.
 */
int tfy__call_cancelled(const tfy__call *call);

/* Sleeps ms, cut short when the call is cancelled: TFY_OK or TFY_ERROR_CANCELLED. */
tfy_code tfy__call_sleep(const tfy__call *call, int64_t ms);

/* The context of a call starting now. */
tfy__call tfy__call_start(const tfy_client *client, const tfy__options_pair *opts);

/*
 * The context of a file transfer (an upload or a download) starting now: as
 * tfy__call_start, but an attempt has no timeout unless the call's own
 * options set timeout_ms (the client's and the defaults' timeouts are for
 * JSON answers; a large file on a slow link takes longer).  The stall
 * check, the deadline and cancellation still apply.
 */
tfy__call tfy__call_start_transfer(const tfy_client *client, const tfy__options_pair *opts);

/*
 * Turns a 2xx response into the endpoint's result: TFY_OK with *out set, or
 * TFY_ERROR_DECODE with detail written, or TFY_ERROR_OUT_OF_MEMORY.
 */
typedef tfy_code (*tfy__decode_fn)(const tfy__http_response *resp, void **out, char *detail,
                                   size_t detail_size);

/*
 * Runs the attempts of one request under the call's context, to their end:
 * a loop of its own (loop.h) with the request's attempts on it, driven
 * until they are over.  `early`, when not NULL, is the first attempt
 * already on its way (the iterator's prefetch); it is consumed.  On failure
 * *err gets the error (never NULL when err is not NULL), with the key
 * masked.
 *
 * With a credential callback, the key is asked for before each attempt
 * (into a buffer of the call's own, masked in its errors and log lines,
 * scrubbed at the end), and a 401 earns one more request with a key asked
 * for with refresh = 1, outside max_retries.  on_retry is told before each
 * retry and may stop them.
 */
typedef struct tfy__early tfy__early;
tfy_code tfy__call_run(tfy_client *client, const tfy__request *req, const tfy__call *call,
                       tfy__early *early, tfy__decode_fn decode, void **out, tfy_error **err);

/*
 * Sends the first attempt of req now and returns at once; NULL when it
 * could not start.  With a credential callback the key is asked for now,
 * and kept (for masking its answer) until the attempt is consumed.  req
 * and call must stay where they are until then; decode reads the answer.
 */
tfy__early *tfy__call_send_early(tfy_client *client, const tfy__request *req, const tfy__call *call,
                                 tfy__decode_fn decode);

/* Drops a request sent early that will not be asked for (NULL: nothing happens). */
void tfy__call_abandon_early(tfy__early *early);

/*
 * The attempts of one request as a state machine on a loop (loop.h): the
 * one implementation of the attempt rules above, which tfy__call_run and
 * every op of a loop run.  Each step of the loop moves it on without
 * waiting: the attempt begins (deadline and cancel asked, key asked, the
 * request started on the loop's hub), its flight ends, its answer is
 * decoded or judged by the one retry rule, a backoff or Retry-After passes
 * as a wake time, and the next attempt begins.
 */
typedef struct tfy__attempts tfy__attempts;
typedef struct tfy__loop tfy__loop;

/*
 * Told when the attempts are over (dropped 0: the result waits in a for
 * tfy__call_attempts_result) or dropped with their loop (dropped 1).  The
 * owner frees a, in the callback or later.
 */
typedef void (*tfy__attempts_end_fn)(void *userdata, tfy__attempts *a, int dropped);

/*
 * Puts the attempts of req on the loop, for the loop's client; the first
 * begins at the loop's next step.  req (with its upload and sink) must stay
 * valid until a is freed; call is copied.  end may be NULL.  NULL when
 * memory runs out.
 */
tfy__attempts *tfy__call_attempts_start(tfy__loop *loop, const tfy__request *req,
                                        const tfy__call *call, tfy__decode_fn decode,
                                        tfy__attempts_end_fn end, void *userdata);

/*
 * Stops the attempts at the loop's next step: the flight in the air is
 * dropped (its sink and reader are not called again) and the attempt ends
 * as cancelled, judged by the one rule (a create that went out: unknown
 * outcome); a backoff ends as cancelled.
 */
void tfy__call_attempts_cancel(tfy__attempts *a);

/*
 * The result once over: TFY_OK with *out set (new, the caller's), or the
 * error handed to err as tfy__call_run hands it (secrets masked).
 */
tfy_code tfy__call_attempts_result(tfy__attempts *a, void **out, tfy_error **err);

/* Frees a (taking it off its loop, dropping its flight); NULL: nothing happens. */
void tfy__call_attempts_free(tfy__attempts *a);

/* Hands e to the caller, or frees it, with every echo of a secret masked first. */
tfy_code tfy__call_hand_error(const tfy_client *client, tfy_code rc, tfy_error *e, tfy_error **err);

#endif
