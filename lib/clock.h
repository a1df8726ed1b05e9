/*
 * The library's clock: monotonic milliseconds, saturating sums of them, and
 * a sleep that a cancel callback can cut short.  Deadlines, backoff, the
 * stall timer and the wait all measure time here.  Internal to libtfy.
 */
#ifndef TFY_CLOCK_H
#define TFY_CLOCK_H

#include <stdint.h>

#include "tfy/common.h"

/* Milliseconds on the monotonic clock. */
int64_t tfy__now_ms(void);

/* a + b, saturated at INT64_MAX and INT64_MIN instead of overflowing. */
int64_t tfy__add_ms(int64_t a, int64_t b);

/*
 * Sleeps ms milliseconds in short slices, asking cancel (may be NULL) between
 * them.  Returns TFY_OK, or TFY_ERROR_CANCELLED as soon as cancel says so.
 */
tfy_code tfy__sleep_ms(int64_t ms, int32_t (*cancel)(void *), void *userdata);

#endif
