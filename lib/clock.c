#include "clock.h"

#include <time.h>

/* How often a sleep asks its cancel callback. */
#define SLEEP_SLICE_MS 20

int64_t tfy__now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int64_t tfy__add_ms(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

tfy_code tfy__sleep_ms(int64_t ms, int32_t (*cancel)(void *), void *userdata)
{
	int64_t end = tfy__add_ms(tfy__now_ms(), ms);
	for (int64_t left = ms; left > 0; left = end - tfy__now_ms()) {
		if (cancel && cancel(userdata))
			return TFY_ERROR_CANCELLED;
		int64_t slice = left < SLEEP_SLICE_MS ? left : SLEEP_SLICE_MS;
		struct timespec ts = { (time_t)(slice / 1000), (long)(slice % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return cancel && cancel(userdata) ? TFY_ERROR_CANCELLED : TFY_OK;
}
