/*
 * Retry policy: which failures are retried, how long to wait, and what the
 * server's Retry-After headers mean.  Pure functions plus an interruptible
 * sleep; no I/O beyond the clock.  Internal to libtfy.
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

/*
 * Whether a failed attempt is worth another: 408, 409, 429 and 5xx
 * responses, and connection failures and timeouts without a response.
 * should_retry (from tfy__should_retry_header) overrides for responses with
 * an error status (anything but 2xx); a 2xx whose body failed to decode is
 * never retried, whatever the header says.
 */
int tfy__retryable(tfy_code code, long http_status, int should_retry);

/*
 * Backoff before retry number n (0 for the first retry):
 * min(initial * 2^n, max) * (0.75 + 0.25 * unit), unit in [0, 1]; the
 * client's defaults are TFY__BACKOFF_INITIAL_MS and TFY__BACKOFF_MAX_MS.
 * initial and max are positive, max >= initial.
 */
int64_t tfy__backoff_ms(int64_t initial, int64_t max, int n, double unit);

/* A uniform number in [0, 1] from a caller-held xorshift state (never 0). */
double tfy__random_unit(uint64_t *state);

/* a + b, saturated at INT64_MAX and INT64_MIN instead of overflowing. */
int64_t tfy__add_ms(int64_t a, int64_t b);

/* Milliseconds on the monotonic clock. */
int64_t tfy__now_ms(void);

/*
 * Sleeps ms milliseconds in short slices, asking cancel (may be NULL) between
 * them.  Returns TFY_OK, or TFY_ERROR_CANCELLED as soon as cancel says so.
 */
tfy_code tfy__sleep_ms(int64_t ms, int32_t (*cancel)(void *), void *userdata);

#endif
