/*
 * Lines of JSONL files: a line of a batch output or error file
 * (tfy__decode_result_line, and tfy__decode_record for a job), a line of
 * an input file (tfy__decode_input_line, and tfy__decode_custom_id for a
 * job).  A line's strings are kept one after the
 * other, each NUL-terminated, in a buffer the caller reuses from line to
 * line: no allocation per line once the buffer has grown to the longest
 * line's strings.
 */
#include "decode.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_values.h"

#define NO_STRING ((size_t)-1)

/* Strings of a line, by slot: offsets into buf, NO_STRING when absent. */
typedef struct kept_strings {
	tfy__buf *buf;
	size_t *off;
	size_t *len;
} kept_strings;

static void keep_bytes(tfy__decoder *d, kept_strings *k, int slot, const char *s, size_t n)
{
	k->off[slot] = k->buf->len;
	k->len[slot] = n;
	if (tfy__buf_append(k->buf, s, n) < 0 || tfy__buf_append(k->buf, "", 1) < 0)
		d->oom = 1;
}

enum { KEEP_NUMBERS = 1, KEEP_NUL = 2 };

/*
 * The value at the walk's position into slot when it is a string without
 * NUL (with KEEP_NUL, with NUL too; with KEEP_NUMBERS, a number too, as
 * its text); else the slot is absent.
 */
static void keep_text(tfy__decoder *d, kept_strings *k, int slot, int flags)
{
	char c = tfy__json_peek(d);
	size_t start = d->i;
	int nul, numbers = flags & KEEP_NUMBERS;
	k->off[slot] = NO_STRING;
	if (c == '"') {
		if (tfy__json_read_string(d, &nul) > 0 && (!nul || (flags & KEEP_NUL)))
			keep_bytes(d, k, slot, d->scratch.data ? d->scratch.data : "", d->scratch.len);
		return;
	}
	tfy__json_scan_value(d);
	if (numbers && !d->invalid && (c == '-' || (c >= '0' && c <= '9')))
		keep_bytes(d, k, slot, d->s + start, d->i - start);
}

/*
 * Runs a line's walk: one JSON value, nothing after it.  A value that is
 * not an object is TFY_ERROR_DECODE, unless not_object is given: then it
 * receives what the value is.
 */
static tfy_code decode_line(tfy__decoder *d, tfy__buf *scratch, tfy__member_fn fn, void *ctx,
                            const char **not_object, char *detail, size_t detail_size)
{
	const char *nul = memchr(d->s, '\0', d->n);
	if (nul) {
		snprintf(detail, detail_size, "invalid JSON: a NUL byte at column %zu",
		         (size_t)(nul - d->s) + 1);
		return TFY_ERROR_DECODE;
	}
	d->scratch = *scratch;
	d->one_line = 1;
	tfy__json_top(d, fn, ctx);
	*scratch = d->scratch;
	if (not_object && d->top_type && !tfy__json_stopped(d)) {
		*not_object = d->top_type;
		return TFY_OK;
	}
	return tfy__json_verdict(d, "a JSON object", detail, detail_size);
}

enum { RS_ID, RS_CUSTOM_ID, RS_REQUEST_ID, RS_BODY, RS_ERROR_CODE, RS_ERROR_MESSAGE, RS_COUNT };

typedef struct result_ctx {
	kept_strings k;
	int32_t status_code;
} result_ctx;

static void response_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	result_ctx *r = ctx;
	if (tfy__json_key_is(k, "status_code")) {
		tfy_opt_int64 v = tfy__json_read_number(d); /* no arena here for read_int's string form */
		r->status_code = v.present && v.value > 0 && v.value <= INT32_MAX ? (int32_t)v.value
		                                                                  : 0;
	} else if (tfy__json_key_is(k, "request_id")) {
		keep_text(d, &r->k, RS_REQUEST_ID, 0);
	} else if (tfy__json_key_is(k, "body")) {
		tfy__json_skip_ws(d);
		size_t start = d->i;
		tfy__json_scan_value(d);
		if (!d->invalid)
			keep_bytes(d, &r->k, RS_BODY, d->s + start, d->i - start);
	} else {
		tfy__json_scan_value(d);
	}
}

static void result_error_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	result_ctx *r = ctx;
	if (tfy__json_key_is(k, "code"))
		keep_text(d, &r->k, RS_ERROR_CODE, KEEP_NUMBERS);
	else if (tfy__json_key_is(k, "message"))
		keep_text(d, &r->k, RS_ERROR_MESSAGE, 0);
	else
		tfy__json_scan_value(d);
}

/* A member whose value is an object walked by fn; any other value leaves its slots absent. */
static void sub_object(tfy__decoder *d, tfy__member_fn fn, void *ctx)
{
	if (tfy__json_peek(d) == '{')
		tfy__json_walk_object(d, fn, ctx);
	else
		tfy__json_scan_value(d);
}

static void result_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	result_ctx *r = ctx;
	if (tfy__json_key_is(k, "id")) {
		keep_text(d, &r->k, RS_ID, 0);
	} else if (tfy__json_key_is(k, "custom_id")) {
		keep_text(d, &r->k, RS_CUSTOM_ID, 0);
	} else if (tfy__json_key_is(k, "response")) { /* a repeated member replaces the earlier one */
		r->status_code = 0;
		r->k.off[RS_REQUEST_ID] = r->k.off[RS_BODY] = NO_STRING;
		sub_object(d, response_member, r);
	} else if (tfy__json_key_is(k, "error")) {
		r->k.off[RS_ERROR_CODE] = r->k.off[RS_ERROR_MESSAGE] = NO_STRING;
		sub_object(d, result_error_member, r);
	} else {
		tfy__json_scan_value(d);
	}
}

tfy_code tfy__decode_result_line(const char *line, size_t len, tfy_result *rec, tfy__buf *strings,
                                 tfy__buf *scratch, char *detail, size_t detail_size)
{
	size_t off[RS_COUNT], lens[RS_COUNT];
	result_ctx r = { { strings, off, lens }, 0 };
	for (int i = 0; i < RS_COUNT; i++)
		off[i] = NO_STRING, lens[i] = 0;
	strings->len = 0;
	tfy__decoder d = { .s = line, .n = len };
	tfy_code rc = decode_line(&d, scratch, result_member, &r, NULL, detail, detail_size);
	if (rc != TFY_OK)
		return rc;
	const char **slots[RS_COUNT] = { &rec->id,        &rec->custom_id,  &rec->request_id,
		                         &rec->body_json, &rec->error_code, &rec->error_message };
	for (int i = 0; i < RS_COUNT; i++)
		*slots[i] = off[i] == NO_STRING ? NULL : strings->data + off[i];
	rec->body_json_len = rec->body_json ? lens[RS_BODY] : 0;
	rec->status_code = r.status_code;
	return TFY_OK;
}

enum { IN_CUSTOM_ID, IN_METHOD, IN_URL, IN_MODEL, IN_COUNT };

typedef struct input_ctx {
	kept_strings k;
	const char *types[IN_COUNT];
	const char *body_type, *messages_type;
	int64_t inputs;
} input_ctx;

/* The value at the walk's position into slot i, its type into types[i]. */
static void keep_member(tfy__decoder *d, input_ctx *in, int i)
{
	in->types[i] = tfy__json_type_name(tfy__json_peek(d));
	keep_text(d, &in->k, i, KEEP_NUL);
}

/* One element of body.input: a first element that is a number makes the array one token array. */
static void count_input(tfy__decoder *d, size_t index, void *ctx)
{
	input_ctx *in = ctx;
	char c = tfy__json_peek(d);
	if (index == 0)
		in->inputs = c == '-' || (c >= '0' && c <= '9') ? -1 : 0;
	if (in->inputs >= 0)
		in->inputs++;
	tfy__json_scan_value(d);
}

/* body.input: the embedding inputs it holds (a string, tokens, an array of either). */
static void read_inputs(tfy__decoder *d, input_ctx *in)
{
	char c = tfy__json_peek(d);
	in->inputs = c == '"' ? 1 : 0;
	if (c != '[') {
		tfy__json_scan_value(d);
		return;
	}
	tfy__json_walk_array(d, count_input, in);
	if (in->inputs < 0) /* one array of tokens */
		in->inputs = 1;
}

/* A member of the body; a repeated key replaces the earlier value, as jansson's objects do. */
static void body_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	input_ctx *in = ctx;
	if (tfy__json_key_is(k, "model")) {
		keep_member(d, in, IN_MODEL);
	} else if (tfy__json_key_is(k, "messages")) {
		in->messages_type = tfy__json_type_name(tfy__json_peek(d));
		tfy__json_scan_value(d);
	} else if (tfy__json_key_is(k, "input")) {
		read_inputs(d, in);
	} else {
		tfy__json_scan_value(d);
	}
}

static void input_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	input_ctx *in = ctx;
	static const char *const names[] = { "custom_id", "method", "url" };
	for (int i = 0; i < (int)TFY__COUNT_OF(names); i++)
		if (tfy__json_key_is(k, names[i])) {
			keep_member(d, in, i);
			return;
		}
	if (!tfy__json_key_is(k, "body")) {
		tfy__json_scan_value(d);
		return;
	}
	/* A repeated body replaces the earlier one, its members included. */
	in->k.off[IN_MODEL] = NO_STRING;
	in->types[IN_MODEL] = in->messages_type = NULL;
	in->inputs = 0;
	in->body_type = tfy__json_type_name(tfy__json_peek(d));
	sub_object(d, body_member, in);
}

tfy_code tfy__decode_input_line(const char *line, size_t len, tfy__input_line *out, tfy__buf *strings,
                                tfy__buf *scratch, char *detail, size_t detail_size)
{
	size_t off[IN_COUNT], lens[IN_COUNT];
	input_ctx in = { { strings, off, lens }, { NULL, NULL, NULL, NULL }, NULL, NULL, 0 };
	for (int i = 0; i < IN_COUNT; i++)
		off[i] = NO_STRING, lens[i] = 0;
	strings->len = 0;
	memset(out, 0, sizeof(*out));
	tfy__decoder d = { .s = line, .n = len };
	tfy_code rc = decode_line(&d, scratch, input_member, &in, &out->not_object, detail,
	                          detail_size);
	if (rc != TFY_OK || out->not_object)
		return rc;
	const char **values[IN_COUNT] = { &out->custom_id, &out->method, &out->url, &out->model };
	size_t *lengths[IN_COUNT] = { &out->custom_id_len, &out->method_len, &out->url_len,
		                      &out->model_len };
	const char **types[IN_COUNT] = { &out->custom_id_type, &out->method_type, &out->url_type,
		                         &out->model_type };
	for (int i = 0; i < IN_COUNT; i++) {
		*values[i] = off[i] == NO_STRING ? NULL : strings->data + off[i];
		*lengths[i] = lens[i];
		*types[i] = in.types[i];
	}
	out->body_type = in.body_type;
	out->messages_type = in.messages_type;
	out->inputs = in.inputs;
	return TFY_OK;
}

/* ---- A job's records: what a line's fate and usage are, and input lines' custom_ids ---- */

enum { REC_CUSTOM_ID, REC_ERROR_CODE, REC_BODY_ERROR_CODE, REC_MODEL, REC_COUNT };

typedef struct record_ctx {
	kept_strings k;
	tfy__record *out;
	int64_t *details_field; /* cached_tokens or reasoning_tokens, for a *_details object */
} record_ctx;

/* A count of tokens: a non-negative integer, else 0. */
static int64_t read_count(tfy__decoder *d)
{
	tfy_opt_int64 v = tfy__json_read_number(d);
	return v.present && v.value > 0 ? v.value : 0;
}

static void details_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	int64_t *field = r->details_field;
	int cached = field == &r->out->cached_tokens;
	if (tfy__json_key_is(k, cached ? "cached_tokens" : "reasoning_tokens"))
		*field = read_count(d);
	else
		tfy__json_scan_value(d);
}

/* usage: chat's names (prompt_tokens, ...) or the Responses API's (input_tokens, ...). */
static void usage_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	tfy__record *o = r->out;
	if (tfy__json_key_is(k, "prompt_tokens") || tfy__json_key_is(k, "input_tokens")) {
		o->prompt_tokens = read_count(d);
	} else if (tfy__json_key_is(k, "completion_tokens") || tfy__json_key_is(k, "output_tokens")) {
		o->completion_tokens = read_count(d);
	} else if (tfy__json_key_is(k, "prompt_tokens_details") ||
	           tfy__json_key_is(k, "input_tokens_details")) {
		r->details_field = &o->cached_tokens;
		sub_object(d, details_member, r);
	} else if (tfy__json_key_is(k, "completion_tokens_details") ||
	           tfy__json_key_is(k, "output_tokens_details")) {
		r->details_field = &o->reasoning_tokens;
		sub_object(d, details_member, r);
	} else {
		tfy__json_scan_value(d);
	}
}

static void body_error_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	if (tfy__json_key_is(k, "code"))
		keep_text(d, &r->k, REC_BODY_ERROR_CODE, KEEP_NUMBERS);
	else
		tfy__json_scan_value(d);
}

static void record_body_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	if (tfy__json_key_is(k, "model")) {
		keep_text(d, &r->k, REC_MODEL, 0);
	} else if (tfy__json_key_is(k, "usage")) {
		r->out->usage = tfy__json_peek(d) == '{';
		sub_object(d, usage_member, r);
	} else if (tfy__json_key_is(k, "error")) {
		sub_object(d, body_error_member, r);
	} else {
		tfy__json_scan_value(d);
	}
}

static void record_response_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	if (tfy__json_key_is(k, "status_code")) {
		tfy_opt_int64 v = tfy__json_read_number(d);
		r->out->status_code = v.present && v.value > 0 && v.value <= INT32_MAX
		                            ? (int32_t)v.value
		                            : 0;
	} else if (tfy__json_key_is(k, "body")) {
		sub_object(d, record_body_member, r);
	} else {
		tfy__json_scan_value(d);
	}
}

static void record_error_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	if (tfy__json_key_is(k, "code"))
		keep_text(d, &r->k, REC_ERROR_CODE, KEEP_NUMBERS);
	else
		tfy__json_scan_value(d);
}

static void record_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	record_ctx *r = ctx;
	if (tfy__json_key_is(k, "custom_id"))
		keep_text(d, &r->k, REC_CUSTOM_ID, KEEP_NUL);
	else if (tfy__json_key_is(k, "response"))
		sub_object(d, record_response_member, r);
	else if (tfy__json_key_is(k, "error"))
		sub_object(d, record_error_member, r);
	else
		tfy__json_scan_value(d);
}

tfy_code tfy__decode_record(const char *line, size_t len, tfy__record *out, tfy__buf *strings,
                            tfy__buf *scratch, char *detail, size_t detail_size)
{
	size_t off[REC_COUNT], lens[REC_COUNT];
	record_ctx r = { { strings, off, lens }, out, NULL };
	for (int i = 0; i < REC_COUNT; i++)
		off[i] = NO_STRING, lens[i] = 0;
	strings->len = 0;
	memset(out, 0, sizeof(*out));
	tfy__decoder d = { .s = line, .n = len };
	tfy_code rc = decode_line(&d, scratch, record_member, &r, NULL, detail, detail_size);
	if (rc != TFY_OK)
		return rc;
	const char *v[REC_COUNT];
	for (int i = 0; i < REC_COUNT; i++)
		v[i] = off[i] == NO_STRING ? NULL : strings->data + off[i];
	out->custom_id = v[REC_CUSTOM_ID];
	out->custom_id_len = lens[REC_CUSTOM_ID];
	out->error_code = v[REC_ERROR_CODE] ? v[REC_ERROR_CODE] : v[REC_BODY_ERROR_CODE];
	out->model = v[REC_MODEL];
	return TFY_OK;
}

static void custom_id_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	if (tfy__json_key_is(k, "custom_id"))
		keep_text(d, ctx, 0, KEEP_NUL);
	else
		tfy__json_scan_value(d);
}

tfy_code tfy__decode_custom_id(const char *line, size_t len, const char **id, size_t *id_len,
                               tfy__buf *strings, tfy__buf *scratch, char *detail, size_t detail_size)
{
	size_t off = NO_STRING, n = 0;
	kept_strings k = { strings, &off, &n };
	strings->len = 0;
	*id = NULL;
	*id_len = 0;
	tfy__decoder d = { .s = line, .n = len };
	tfy_code rc = decode_line(&d, scratch, custom_id_member, &k, NULL, detail, detail_size);
	if (rc == TFY_OK && off != NO_STRING) {
		*id = strings->data + off;
		*id_len = n;
	}
	return rc;
}
