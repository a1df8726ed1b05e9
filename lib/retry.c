#include "retry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "clock.h"

/* Parses "123" or "123.45" (no sign, no exponent) into ms, scaled by unit_ms. */
static int64_t parse_amount(const char *s, int64_t unit_ms)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9' || s[strspn(s, "0123456789.")] > ' ')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || v != v)
		return -1;
	double ms = v * (double)unit_ms;
	return ms >= 9.2e18 ? INT64_MAX : (int64_t)ms;
}

static int month_index(const char *m)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (strncmp(m, months + 3 * i, 3) == 0)
			return i;
	return -1;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate) to Unix seconds, or -1. */
static int64_t parse_http_date(const char *s)
{
	char wday[4], mon[4], zone[4];
	int day, year, hh, mm, ss, used = 0;
	if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3s%n", wday, &day, mon, &year,
	           &hh, &mm, &ss, zone, &used) != 8 ||
	    s[used] != '\0')
		return -1;
	int m = month_index(mon);
	if (strlen(wday) != 3 || strcmp(zone, "GMT") != 0 || m < 0 || day < 1 || day > 31 ||
	    hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || year < 1970)
		return -1;
	return tfy__days_from_civil(year, m + 1, day) * 86400 + hh * 3600 + mm * 60 + ss;
}

int64_t tfy__retry_after_ms(const char *retry_after_ms, const char *retry_after, time_t now)
{
	int64_t ms = retry_after_ms ? parse_amount(retry_after_ms, 1) : -1;
	if (ms >= 0 || !retry_after)
		return ms;
	ms = parse_amount(retry_after, 1000);
	if (ms >= 0)
		return ms;
	int64_t when = parse_http_date(retry_after);
	if (when < 0)
		return -1;
	/* now is the caller's: saturate rather than trust it to be near when. */
	int64_t delta = (int64_t)now == INT64_MIN ? INT64_MAX : tfy__add_ms(when, -(int64_t)now);
	return delta <= 0 ? 0 : delta > INT64_MAX / 1000 ? INT64_MAX : delta * 1000;
}

int tfy__should_retry_header(const char *value)
{
	if (!value)
		return -1;
	if (strcasecmp(value, "true") == 0)
		return 1;
	if (strcasecmp(value, "false") == 0)
		return 0;
	return -1;
}

/* 408, 429 and 503: the server did nothing with the request and asks for it again. */
static int did_nothing(long status)
{
	return status == 408 || status == 429 || status == 503;
}

/*
 * A 4xx that refuses the request: the server did nothing with it, and the
 * same request would be refused again.  Not 408 and 429 (did_nothing), 409
 * (a conflict with what exists, for a create maybe the very thing an
 * earlier attempt made) and 499 (a proxy's "client closed request": it gave
 * up on a server that may have acted).
 */
static int refused(long status)
{
	return status >= 400 && status < 500 && !did_nothing(status) && status != 409 && status != 499;
}

/* A failure with no response: what the transport says, and whether the request went out. */
static tfy__verdict unanswered(int creates, tfy_code code, int reached)
{
	switch (code) {
	case TFY_ERROR_OUT_OF_MEMORY:
	case TFY_ERROR_INVALID_ARGUMENT:
	case TFY_ERROR_IO: /* a local reader or writer failed: a body cut short creates nothing */
		return TFY__VERDICT_FINAL;
	default: break;
	}
	if (creates && reached)
		return TFY__VERDICT_UNKNOWN;
	switch (code) {
	case TFY_ERROR_CONNECT:
	case TFY_ERROR_DNS:
	case TFY_ERROR_TIMEOUT:
	case TFY_ERROR_NETWORK: return TFY__VERDICT_RETRY;
	default: return TFY__VERDICT_FINAL;
	}
}

tfy__verdict tfy__attempt_verdict(int creates, tfy_code code, long http_status, int should_retry,
                                  int reached)
{
	if (code == TFY_ERROR_OUT_OF_MEMORY)
		return TFY__VERDICT_FINAL;
	if (http_status <= 0)
		return unanswered(creates, code, reached);
	/* A 2xx that could not be read: the server did it (a batch, a file exists), whatever it says. */
	if (http_status >= 200 && http_status < 300)
		return creates ? TFY__VERDICT_UNKNOWN : TFY__VERDICT_FINAL;
	if (should_retry == 1)
		return TFY__VERDICT_RETRY;
	if (!creates)
		return should_retry < 0 && (did_nothing(http_status) || http_status == 409 ||
		                            (http_status >= 500 && http_status < 600))
		             ? TFY__VERDICT_RETRY
		             : TFY__VERDICT_FINAL;
	if (did_nothing(http_status))
		return should_retry < 0 ? TFY__VERDICT_RETRY : TFY__VERDICT_FINAL;
	return refused(http_status) ? TFY__VERDICT_FINAL : TFY__VERDICT_UNKNOWN;
}

int64_t tfy__backoff_ms(int64_t initial, int64_t max, int n, double unit)
{
	int64_t base = n < 0 ? max : initial; /* a negative n is out of range: the longest */
	/* Doubling stops at max, so it never overflows. */
	for (int i = 0; i < n && base < max; i++)
		base = base > max / 2 ? max : base * 2;
	if (base > max)
		base = max;
	if (!(unit >= 0)) /* NaN too: converting it to an integer is undefined */
		unit = 0;
	if (unit > 1)
		unit = 1;
	return (int64_t)((double)base * (0.75 + 0.25 * unit));
}

double tfy__random_unit(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9E3779B97F4A7C15u;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (double)(x >> 11) / 9007199254740991.0;
}
