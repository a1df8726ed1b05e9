/* Parsing fault specs. Modes and keys are tables so that --help, the parser
 * and the error messages cannot drift apart on what each mode accepts. */
#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TIMES 1000000000ul
#define MAX_SECONDS 100000000ul /* a few years: enough to test clamping */
#define MAX_MS 100000000ul
#define MAX_BYTES (1ul << 30)
#define MAX_MB 1048576ul /* streamed, so only the client's patience limits it */

enum key_bit {
	K_CODE = 1u << 0,
	K_SECONDS = 1u << 1,
	K_MS = 1u << 2,
	K_DATE = 1u << 3,
	K_VALUE = 1u << 4,
	K_BYTES = 1u << 5,
	K_INTERVAL = 1u << 6,
	K_MB = 1u << 7,
	K_CHUNKED = 1u << 8,
	K_TO = 1u << 9,
	K_KIND = 1u << 10,
	K_TIMES = 1u << 11, /* every mode takes it */
	K_ROUTE = 1u << 12, /* every mode takes it */
	K_LINES = 1u << 13,
	K_FRACTION = 1u << 14,
	K_NTH = 1u << 15,
	K_META = 1u << 16,
};

struct parse {
	struct mgw_fault *f;
	unsigned seen; /* key bits given */
	char *err;
	size_t err_size;
};

static bool fail(struct parse *p, const char *what, const char *detail)
{
	snprintf(p->err, p->err_size, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	return false;
}

/* ---- values ------------------------------------------------------------ */

bool mgw_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool number(struct parse *p, const char *key, const char *s, unsigned long max,
                   unsigned long *out)
{
	char what[96];
	if (mgw_parse_ulong(s, max, out))
		return true;
	snprintf(what, sizeof what, "%s expects an integer in 0..%lu, got", key, max);
	return fail(p, what, s);
}

static bool boolean(struct parse *p, const char *key, const char *s, bool *out)
{
	char what[64];
	*out = strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
	if (*out || strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		return true;
	snprintf(what, sizeof what, "%s expects true or false, got", key);
	return fail(p, what, s);
}

/* ---- keys -------------------------------------------------------------- */

static bool set_times(struct parse *p, const char *v)
{
	return number(p, "times", v, MAX_TIMES, &p->f->times);
}

static bool set_code(struct parse *p, const char *v)
{
	unsigned long code;
	if (!number(p, "code", v, 599, &code))
		return false;
	p->f->code = (unsigned)code;
	return true;
}

/* stall waits in seconds; retry-after announces them. */
static bool set_seconds(struct parse *p, const char *v)
{
	unsigned long s;
	if (!number(p, "seconds", v, MAX_SECONDS, &s))
		return false;
	if (p->f->kind == MGW_FAULT_STALL || p->f->kind == MGW_FAULT_NO_ANSWER)
		p->f->wait_ms = s * 1000;
	else
		p->f->retry_s = (long)s;
	return true;
}

static bool set_ms(struct parse *p, const char *v)
{
	unsigned long ms;
	if (!number(p, "ms", v, MAX_MS, &ms))
		return false;
	if (p->f->kind == MGW_FAULT_DELAY)
		p->f->wait_ms = ms;
	else
		p->f->retry_ms = (long)ms;
	return true;
}

/* "+S", "-S" or "S": a date in the past is legal and worth testing. */
static bool set_date(struct parse *p, const char *v)
{
	unsigned long s;
	bool negative = v[0] == '-';
	if (!mgw_parse_ulong(v + (v[0] == '-' || v[0] == '+'), MAX_SECONDS, &s))
		return fail(p, "date expects +SECONDS or -SECONDS from now, got", v);
	p->f->date.set = true;
	p->f->date.offset_s = negative ? -(long)s : (long)s;
	return true;
}

static bool set_value(struct parse *p, const char *v)
{
	return boolean(p, "value", v, &p->f->should_retry);
}

static bool set_bytes(struct parse *p, const char *v)
{
	p->f->bytes_set = true;
	return number(p, "bytes", v, MAX_BYTES, &p->f->bytes);
}

static bool set_interval(struct parse *p, const char *v)
{
	return number(p, "interval_ms", v, MAX_MS, &p->f->wait_ms);
}

static bool set_mb(struct parse *p, const char *v)
{
	return number(p, "mb", v, MAX_MB, &p->f->mb);
}

static bool set_chunked(struct parse *p, const char *v)
{
	return boolean(p, "chunked", v, &p->f->chunked);
}

/* The target lands in a Location header: visible ASCII only, so no header
 * injection through CR/LF. */
static bool set_to(struct parse *p, const char *v)
{
	if (*v == '\0')
		return fail(p, "to must not be empty", NULL);
	for (const char *c = v; *c; c++)
		if (*c < '!' || *c > '~')
			return fail(p, "to must be visible ASCII (percent-encode the rest), got", v);
	snprintf(p->f->to, sizeof p->f->to, "%s", v);
	return true;
}

static bool set_kind(struct parse *p, const char *v)
{
	char what[160];
	if (mgw_error_kind_parse(v, &p->f->error_kind))
		return true;
	snprintf(what, sizeof what, "kind expects one of %s, got", mgw_error_kind_names());
	return fail(p, what, v);
}

static bool set_route(struct parse *p, const char *v)
{
	char what[160];
	if (mgw_route_parse(v, &p->f->routes))
		return true;
	snprintf(what, sizeof what, "route expects names from %s joined by '|', got",
	         mgw_route_names());
	return fail(p, what, v);
}

static bool set_lines(struct parse *p, const char *v)
{
	p->f->lines_set = true;
	return number(p, "lines", v, MAX_TIMES, &p->f->lines);
}

static bool set_fraction(struct parse *p, const char *v)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v || *end != '\0' || !(x >= 0.0 && x <= 1.0))
		return fail(p, "fraction expects a number in 0..1, got", v);
	p->f->fraction = x;
	return true;
}

static bool set_nth(struct parse *p, const char *v)
{
	return number(p, "nth", v, MAX_TIMES, &p->f->nth) &&
	       (p->f->nth > 0 || fail(p, "nth counts from 1, got", v));
}

/* "KEY:VALUE": the value may hold ':' (not ','). */
static bool set_meta(struct parse *p, const char *v)
{
	const char *colon = strchr(v, ':');
	if (!colon || colon == v)
		return fail(p, "meta expects KEY:VALUE, got", v);
	snprintf(p->f->meta_key, sizeof p->f->meta_key, "%.*s", (int)(colon - v), v);
	snprintf(p->f->meta_value, sizeof p->f->meta_value, "%s", colon + 1);
	return true;
}

struct key {
	const char *name;
	unsigned bit;
	bool (*set)(struct parse *p, const char *value);
};

static const struct key keys[] = {
	{ "times", K_TIMES, set_times },
	{ "code", K_CODE, set_code },
	{ "seconds", K_SECONDS, set_seconds },
	{ "ms", K_MS, set_ms },
	{ "date", K_DATE, set_date },
	{ "value", K_VALUE, set_value },
	{ "bytes", K_BYTES, set_bytes },
	{ "interval_ms", K_INTERVAL, set_interval },
	{ "mb", K_MB, set_mb },
	{ "chunked", K_CHUNKED, set_chunked },
	{ "to", K_TO, set_to },
	{ "kind", K_KIND, set_kind },
	{ "route", K_ROUTE, set_route },
	{ "lines", K_LINES, set_lines },
	{ "fraction", K_FRACTION, set_fraction },
	{ "nth", K_NTH, set_nth },
	{ "meta", K_META, set_meta },
};

/* ---- modes ------------------------------------------------------------- */

static bool code_in(struct parse *p, unsigned lo, unsigned hi)
{
	char what[64];
	if (p->f->code >= lo && p->f->code <= hi)
		return true;
	snprintf(what, sizeof what, "code must be in %u..%u for this mode", lo, hi);
	return fail(p, what, NULL);
}

static bool finish_status(struct parse *p)
{
	if (!(p->seen & K_CODE))
		p->f->code = 500;
	return code_in(p, 200, 599);
}

static bool finish_retry_after(struct parse *p)
{
	if ((p->seen & K_SECONDS) && (p->seen & K_DATE))
		return fail(p, "seconds and date both set Retry-After; give one", NULL);
	if (!(p->seen & (K_SECONDS | K_MS | K_DATE)))
		p->f->retry_s = 1;
	if (!(p->seen & K_CODE))
		p->f->code = 429;
	return code_in(p, 200, 599);
}

static bool finish_should_retry(struct parse *p)
{
	if (!(p->seen & K_VALUE))
		return fail(p, "should-retry needs value=true or value=false", NULL);
	if (!(p->seen & K_CODE))
		p->f->code = p->f->should_retry ? 400 : 500;
	return code_in(p, 200, 599);
}

static bool finish_stall(struct parse *p)
{
	if (!(p->seen & K_SECONDS))
		p->f->wait_ms = 30000;
	return true;
}

static bool finish_delay(struct parse *p)
{
	if (!(p->seen & K_MS))
		p->f->wait_ms = 1000;
	return true;
}

static bool finish_drip(struct parse *p)
{
	if (!(p->seen & K_BYTES))
		p->f->bytes = 16;
	if (!(p->seen & K_INTERVAL))
		p->f->wait_ms = 100;
	return p->f->bytes > 0 || fail(p, "bytes must be at least 1 for drip", NULL);
}

static bool finish_huge(struct parse *p)
{
	if (!(p->seen & K_MB))
		p->f->mb = 40;
	return true;
}

static bool finish_redirect(struct parse *p)
{
	if (!(p->seen & K_TO))
		return fail(p, "redirect needs to=URL", NULL);
	if (!(p->seen & K_CODE))
		p->f->code = 302;
	return code_in(p, 300, 399);
}

static bool finish_html_502(struct parse *p)
{
	p->f->code = 502;
	return true;
}

static bool finish_error_shape(struct parse *p)
{
	if (!(p->seen & K_KIND))
		return fail(p, "error-shape needs kind=", mgw_error_kind_names());
	if (!(p->seen & K_CODE))
		p->f->code = 400;
	return code_in(p, 200, 599);
}

static bool finish_nothing(struct parse *p)
{
	(void)p;
	return true;
}

static bool finish_drop_upload(struct parse *p)
{
	if (!(p->seen & K_BYTES))
		p->f->bytes = 1024;
	return true;
}

static bool finish_expire_batch(struct parse *p)
{
	if ((p->seen & K_LINES) && (p->seen & K_FRACTION))
		return fail(p, "lines and fraction both say how much is answered; give one", NULL);
	if (!(p->seen & K_FRACTION))
		p->f->fraction = 0.5;
	return true;
}

struct mode {
	const char *name;
	enum mgw_fault_kind kind;
	unsigned keys;
	unsigned long times; /* default: error answers once, everything else always */
	bool (*finish)(struct parse *p);
	unsigned routes; /* default route= (0: every route) */
};

static const struct mode modes[] = {
	{ "none", MGW_FAULT_NONE, 0, 0, finish_nothing, 0 },
	{ "status", MGW_FAULT_STATUS, K_CODE, 1, finish_status, 0 },
	{ "retry-after", MGW_FAULT_RETRY_AFTER, K_CODE | K_SECONDS | K_MS | K_DATE, 1,
	  finish_retry_after, 0 },
	{ "should-retry", MGW_FAULT_SHOULD_RETRY, K_VALUE | K_CODE, 1, finish_should_retry, 0 },
	{ "html-502", MGW_FAULT_HTML_502, 0, 1, finish_html_502, 0 },
	{ "error-shape", MGW_FAULT_ERROR_SHAPE, K_KIND | K_CODE, 1, finish_error_shape, 0 },
	{ "drop", MGW_FAULT_DROP, K_BYTES, 0, finish_nothing, 0 },
	{ "stall", MGW_FAULT_STALL, K_SECONDS, 0, finish_stall, 0 },
	{ "delay", MGW_FAULT_DELAY, K_MS, 0, finish_delay, 0 },
	{ "drip", MGW_FAULT_DRIP, K_BYTES | K_INTERVAL, 0, finish_drip, 0 },
	{ "non-json", MGW_FAULT_NON_JSON, 0, 0, finish_nothing, 0 },
	{ "truncated", MGW_FAULT_TRUNCATED, 0, 0, finish_nothing, 0 },
	{ "huge", MGW_FAULT_HUGE, K_MB | K_CHUNKED, 0, finish_huge, MGW_ROUTE_LIST },
	{ "redirect", MGW_FAULT_REDIRECT, K_TO | K_CODE, 0, finish_redirect, 0 },
	{ "ignore-after", MGW_FAULT_IGNORE_AFTER, 0, 0, finish_nothing, MGW_ROUTE_LIST },
	{ "empty-has-more", MGW_FAULT_EMPTY_HAS_MORE, 0, 0, finish_nothing, MGW_ROUTE_LIST },
	{ "no-has-more", MGW_FAULT_NO_HAS_MORE, 0, 0, finish_nothing, MGW_ROUTE_LIST },
	{ "drop-upload", MGW_FAULT_DROP_UPLOAD, K_BYTES, 0, finish_drop_upload, MGW_ROUTE_UPLOAD },
	{ "no-answer", MGW_FAULT_NO_ANSWER, K_SECONDS, 1, finish_nothing, 0 },
	{ "create-no-answer", MGW_FAULT_NO_ANSWER, K_SECONDS, 1, finish_nothing, MGW_ROUTE_CREATE },
	{ "expire-batch", MGW_FAULT_EXPIRE_BATCH, K_LINES | K_FRACTION | K_NTH | K_META, 0,
	  finish_expire_batch, MGW_ROUTE_CREATE },
};

static const struct mode *find_mode(const char *name)
{
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++)
		if (strcmp(modes[k].name, name) == 0)
			return &modes[k];
	return NULL;
}

static const struct key *find_key(const char *name)
{
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (strcmp(keys[k].name, name) == 0)
			return &keys[k];
	return NULL;
}

/* ---- the spec ---------------------------------------------------------- */

static char *trim(char *s)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* One "key=value"; values keep any '=' after the first (URLs have them). */
static bool apply_pair(struct parse *p, const struct mode *m, char *pair)
{
	char *eq = strchr(pair, '=');
	const struct key *k;
	if (!eq)
		return fail(p, "expected key=value, got", *pair ? pair : "an empty item");
	*eq = '\0';
	k = find_key(trim(pair));
	if (!k || !(k->bit & (m->keys | K_TIMES | K_ROUTE))) {
		char what[64];
		snprintf(what, sizeof what, "mode %s does not take the key", m->name);
		return fail(p, what, trim(pair));
	}
	p->seen |= k->bit;
	return k->set(p, trim(eq + 1));
}

static bool apply_pairs(struct parse *p, const struct mode *m, char *list)
{
	while (list) {
		char *comma = strchr(list, ',');
		if (comma)
			*comma = '\0';
		if (!apply_pair(p, m, list))
			return false;
		list = comma ? comma + 1 : NULL;
	}
	return true;
}

static void set_defaults(struct mgw_fault *f, const struct mode *m)
{
	memset(f, 0, sizeof *f);
	f->kind = m->kind;
	f->times = m->times;
	f->routes = m->routes;
	f->retry_s = -1;
	f->retry_ms = -1;
}

bool mgw_fault_parse(const char *spec, struct mgw_fault *out, char *err, size_t err_size)
{
	char work[MGW_FAULT_TEXT_MAX];
	struct parse p = { out, 0, err, err_size };
	const struct mode *m;
	char *s, *colon;
	if (strlen(spec) >= sizeof work)
		return fail(&p, "fault spec too long", NULL);
	memcpy(work, spec, strlen(spec) + 1);
	s = trim(work);
	colon = strchr(s, ':');
	if (colon)
		*colon = '\0';
	if (!(m = find_mode(s)))
		return fail(&p, "unknown fault mode", *s ? s : "(empty)");
	set_defaults(out, m);
	if (colon)
		*colon = ':';
	snprintf(out->text, sizeof out->text, "%s", s);
	if (colon && !apply_pairs(&p, m, colon + 1))
		return false;
	return m->finish(&p);
}

enum mgw_fault_stage mgw_fault_stage(enum mgw_fault_kind kind)
{
	switch (kind) {
	case MGW_FAULT_NONE: return MGW_STAGE_NONE;
	case MGW_FAULT_STALL:
	case MGW_FAULT_DELAY: return MGW_STAGE_WAIT;
	case MGW_FAULT_IGNORE_AFTER:
	case MGW_FAULT_EMPTY_HAS_MORE:
	case MGW_FAULT_NO_HAS_MORE: return MGW_STAGE_PAGE;
	case MGW_FAULT_DROP:
	case MGW_FAULT_DRIP:
	case MGW_FAULT_TRUNCATED: return MGW_STAGE_BODY;
	case MGW_FAULT_DROP_UPLOAD: return MGW_STAGE_READ;
	case MGW_FAULT_NO_ANSWER: return MGW_STAGE_SILENT;
	case MGW_FAULT_EXPIRE_BATCH: return MGW_STAGE_BATCH;
	default: return MGW_STAGE_ANSWER;
	}
}

bool mgw_fault_applies(const struct mgw_fault *f, unsigned route)
{
	return f->routes == 0 || (f->routes & route) != 0;
}
