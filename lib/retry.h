/*
 * Retry policy: which failures are retried, how long to wait, and what the
 * server's Retry-After headers mean.  Pure functions; the clock and the
 * interruptible sleep are in clock.h.  Internal to libtfy.
 */
#ifndef TFY_RETRY_H
#define TFY_RETRY_H

#include <stdint.h>
#include <time.h>

#include "tfy/common.h"

#define TFY__BACKOFF_INITIAL_MS 500
#define TFY__BACKOFF_MAX_MS 8000

/*
 * The delay a response asks for, in ms: `retry-after-ms` first (a
 * non-negative number), then `Retry-After` as seconds or as an HTTP date
 * (IMF-fixdate, relative to now; a past date is 0).  Either header may be
 * NULL.  Returns -1 when neither holds a usable value.  Huge values saturate
 * at INT64_MAX rather than overflow.
 */
int64_t tfy__retry_after_ms(const char *retry_after_ms, const char *retry_after, time_t now);

/* `x-should-retry`: 1 for "true", 0 for "false", -1 when absent or anything else. */
int tfy__should_retry_header(const char *value);

/* What a failed attempt means for its request (tfy__attempt_verdict). */
typedef enum tfy__verdict {
	TFY__VERDICT_FINAL = 0,  /* not sent again: the failure is the call's answer */
	TFY__VERDICT_RETRY = 1,  /* worth another attempt, as max_retries and the deadline allow */
	TFY__VERDICT_UNKNOWN = 2 /* a create that may have taken effect: never sent again */
} tfy__verdict;

/*
 * The one rule deciding whether a failed attempt is sent again
 * (docs/errors-and-retries.md has it as a table).  creates: the request
 * creates something (TFY__REPEAT_UNSENT); code: the attempt's result;
 * http_status: its response's status, 0 when no response came (then
 * reached says whether the request went out); should_retry: from
 * tfy__should_retry_header.
 *
 * Any request: out of memory, a bad argument, a local reader or writer
 * failing are final; so is a cancel before sending.  An error status
 * carrying x-should-retry: true is retried (the server vouches that the
 * request did nothing: OpenAI's SDKs read it so, for every request).
 *
 * A request that is safe to repeat is retried after a connection failure,
 * a lookup failure, a reset or a timeout, and after 408, 409, 429 and
 * every 5xx unless x-should-retry: false says otherwise.
 *
 * A create is sent again only when it certainly did nothing: it never went
 * out (connection, name lookup), or the answer was 408, 429 or 503 (final
 * with x-should-retry: false), or carried x-should-retry: true.  A 4xx
 * refusal (every 4xx but 408, 409, 429, 499) is final.  Anything else is
 * an unknown outcome: sent and no answer (a reset, a timeout, the
 * deadline, a cancel), 409, 499, every other 5xx, a 1xx or 3xx, a status
 * above 599, and a 2xx that could not be read (the thing exists).
 */
tfy__verdict tfy__attempt_verdict(int creates, tfy_code code, long http_status, int should_retry,
                                  int reached);

/*
 * Backoff before retry number n (0 for the first retry):
 * min(initial * 2^n, max) * (0.75 + 0.25 * unit), unit in [0, 1]; the
 * client's defaults are TFY__BACKOFF_INITIAL_MS and TFY__BACKOFF_MAX_MS.
 * initial and max are positive, max >= initial.
 */
int64_t tfy__backoff_ms(int64_t initial, int64_t max, int n, double unit);

/* A uniform number in [0, 1] from a caller-held xorshift state (never 0). */
double tfy__random_unit(uint64_t *state);

#endif
