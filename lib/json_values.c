/*
 * The values of the fields libtfy models, read from the scanned text:
 * strings (decoded by the scanner), integers and timestamps without jansson
 * (see json_scan.c on why); trees by jansson for the values kept as JSON.
 */
#include "json_values.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"

/* A timestamp this large is milliseconds: in seconds it would be past the year 5000. */
#define TIME_MS_FROM INT64_C(100000000000)

const char *tfy__json_str_value(tfy__decoder *d, const json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return tfy__json_copy(d, json_string_value(v), json_string_length(v));
}

/*
 * Notes the failure in the decoder as well as returning it: jansson 2.14
 * ignores the callback's result in places and would then report success
 * for a text with a piece missing.
 */
static int dump_cb(const char *buffer, size_t size, void *data)
{
	tfy__decoder *d = data;
	if (tfy__buf_append(&d->dump, buffer, size) < 0) {
		d->oom = 1;
		return -1;
	}
	return 0;
}

const char *tfy__json_dump(tfy__decoder *d, const json_t *v)
{
	d->dump.len = 0;
	if (json_dump_callback(v, dump_cb, d, JSON_COMPACT | JSON_ENCODE_ANY) != 0 || d->oom) {
		d->oom = 1;
		return NULL;
	}
	return tfy__json_copy(d, d->dump.data ? d->dump.data : "", d->dump.len);
}

static int parse_decimal(const char *s, int64_t *out)
{
	if (*s != '-' && (*s < '0' || *s > '9'))
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return 0;
	*out = v;
	return 1;
}

const char *tfy__json_read_str(tfy__decoder *d)
{
	int nul;
	if (tfy__json_read_string(d, &nul) <= 0 || nul)
		return NULL;
	return tfy__json_copy(d, d->scratch.data ? d->scratch.data : "", d->scratch.len);
}

/*
 * A JSON number token (checked by the scanner) as an integer, exactly (no
 * double in between): an integer that fits in int64_t, or a number with a
 * fraction or exponent whose value is integral and below 2^53 in magnitude
 * (see tfy_opt_int64).  The value is mant x 10^exp with mant's trailing
 * zeros moved into exp; a mant past 64 bits has 20 significant digits,
 * which no integral value below 2^53 has.
 */
static tfy_opt_int64 number_value(const char *s, size_t n)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	int neg = s[0] == '-', over = 0, real = 0;
	uint64_t mant = 0;
	int64_t zeros = 0, frac = 0, exp = 0;
	size_t i = (size_t)neg;
	for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] == '.') {
			real = 1;
			continue;
		}
		frac += real;
		if (s[i] == '0') {
			zeros++;
			continue;
		}
		for (; zeros >= 0; zeros--) /* the pending zeros, then this digit */
			if (mant > (UINT64_MAX - 9) / 10)
				over = 1;
			else
				mant = mant * 10 + (zeros ? 0 : (uint64_t)(s[i] - '0'));
		zeros = 0;
	}
	if (i < n) { /* the exponent, saturated */
		real = 1;
		int eneg = s[++i] == '-';
		i += s[i] == '-' || s[i] == '+';
		for (; i < n; i++)
			exp = exp > 100000 ? exp : exp * 10 + (s[i] - '0');
		exp = eneg ? -exp : exp;
	}
	exp += zeros - frac;
	if (!real) { /* an integer: all of int64_t */
		if (over || (exp > 0 && mant > 0 && exp > 18))
			return r;
		for (; exp > 0 && mant; exp--)
			if (mant > UINT64_MAX / 10)
				return r;
			else
				mant *= 10;
		if (mant > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
			return r;
		r.value = neg ? (int64_t)(0 - mant) : (int64_t)mant;
		r.present = 1;
		return r;
	}
	if (over || (mant && exp < 0))
		return r;
	for (; mant && exp > 0 && mant < (1ULL << 53); exp--)
		mant *= 10;
	if (mant >= (1ULL << 53))
		return r;
	r.value = neg ? -(int64_t)mant : (int64_t)mant;
	r.present = 1;
	return r;
}

/* n decimal digits at s into *out; 0 when they are not all digits. */
static int digits(const char *s, int n, int64_t *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*out = *out * 10 + (s[i] - '0');
	}
	return 1;
}

/*
 * An ISO-8601 / RFC 3339 date and time, "2025-01-31T23:59:44Z" (fractions
 * dropped; "Z", "+hh:mm" or "-hh:mm"; "T" or a space), as Unix seconds.
 */
static int parse_iso8601(const char *s, int64_t *out)
{
	int64_t y, mo, d, h, mi, sec, oh = 0, om = 0;
	if (strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return 0;
	const char *p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	int sign = *p == '-' ? -1 : 1;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
	         digits(p + 4, 2, &om))
		p += 6;
	else
		return 0;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return 0;
	*out = tfy__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	return 1;
}

/* A JSON number as an integer (see number_value); any other value is absent. */
tfy_opt_int64 tfy__json_read_number(tfy__decoder *d)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	char c = tfy__json_peek(d);
	size_t start = d->i;
	tfy__json_scan_value(d);
	if (!d->invalid && (c == '-' || (c >= '0' && c <= '9')))
		r = number_value(d->s + start, d->i - start);
	return r;
}

tfy_opt_int64 tfy__json_read_int(tfy__decoder *d)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	if (tfy__json_peek(d) == '"') {
		const char *s = tfy__json_read_str(d);
		if (s)
			r.present = parse_decimal(s, &r.value);
		return r;
	}
	return tfy__json_read_number(d);
}

/*
 * The milliseconds a timestamp may be given in are values of TIME_MS_FROM
 * or more, which in seconds would lie beyond the year 5000.
 */
tfy_opt_int64 tfy__json_read_time(tfy__decoder *d, int *converted)
{
	tfy_opt_int64 t = { 0, 0, 0 };
	*converted = 0;
	char c = tfy__json_peek(d);
	size_t start = d->i;
	if (c == '"') {
		const char *s = tfy__json_read_str(d);
		if (s && !(t.present = parse_decimal(s, &t.value)))
			t.present = *converted = parse_iso8601(s, &t.value);
	} else {
		tfy__json_scan_value(d);
		if (!d->invalid && (c == '-' || (c >= '0' && c <= '9')))
			t = number_value(d->s + start, d->i - start);
	}
	if (t.present && (t.value >= TIME_MS_FROM || t.value <= -TIME_MS_FROM)) {
		t.value /= 1000;
		*converted = 1;
	}
	return t;
}

const char *tfy__json_read_text(tfy__decoder *d)
{
	char c = tfy__json_peek(d);
	size_t start = d->i;
	if (c == '"')
		return tfy__json_read_str(d);
	tfy__json_scan_value(d);
	if (d->invalid || !(c == '-' || (c >= '0' && c <= '9')))
		return NULL;
	return tfy__json_copy(d, d->s + start, d->i - start);
}

int32_t tfy__json_read_bool(tfy__decoder *d, int32_t *present)
{
	char c = tfy__json_peek(d);
	tfy__json_scan_value(d);
	*present = !d->invalid && (c == 't' || c == 'f');
	return *present && c == 't';
}

json_t *tfy__json_value_tree(tfy__decoder *d, size_t max_nodes, size_t *nodes)
{
	if (tfy__json_peek(d) != '"')
		return tfy__json_load_value(d, max_nodes, nodes);
	int nul;
	if (nodes)
		*nodes = 1;
	if (tfy__json_read_string(d, &nul) <= 0)
		return NULL;
	json_t *v = json_stringn_nocheck(d->scratch.data ? d->scratch.data : "", d->scratch.len);
	if (!v)
		d->oom = 1;
	return v;
}
