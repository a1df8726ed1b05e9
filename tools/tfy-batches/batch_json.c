/*
 * tfy-batches: a decoded batch as a JSON object.
 *
 * Built from the typed fields rather than echoing raw_json: the output shows
 * what the library understood, with a stable key set that scripts can rely
 * on whatever the server sent.  Written straight into text, in jansson's
 * compact form (JSON_COMPACT, strings escaped as json_dumps escapes them),
 * because building a jansson tree per batch only to print it cost about as
 * much as parsing the page.  The strings come from the library's parse, so
 * they are valid UTF-8; metadata_json is compact JSON the library wrote.
 */
#include "batch_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int json_text_put(json_text *t, const char *s, size_t n)
{
	if (t->oom)
		return -1;
	if (n > t->cap - t->len) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap - t->len < n) {
			if (cap > SIZE_MAX / 2) {
				t->oom = 1;
				return -1;
			}
			cap *= 2;
		}
		char *p = realloc(t->data, cap);
		if (p == NULL) {
			t->oom = 1;
			return -1;
		}
		t->data = p;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	return 0;
}

void json_text_free(json_text *t)
{
	free(t->data);
	memset(t, 0, sizeof *t);
}

static void put_lit(json_text *t, const char *s)
{
	json_text_put(t, s, strlen(s));
}

static void put_escape(json_text *t, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char seq[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': put_lit(t, "\\\""); break;
	case '\\': put_lit(t, "\\\\"); break;
	case '\b': put_lit(t, "\\b"); break;
	case '\f': put_lit(t, "\\f"); break;
	case '\n': put_lit(t, "\\n"); break;
	case '\r': put_lit(t, "\\r"); break;
	case '\t': put_lit(t, "\\t"); break;
	default: json_text_put(t, seq, sizeof seq); break;
	}
}

static void put_string(json_text *t, const char *s)
{
	const char *run;

	if (s == NULL) {
		put_lit(t, "null");
		return;
	}
	json_text_put(t, "\"", 1);
	for (run = s; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		json_text_put(t, run, (size_t)(s - run));
		put_escape(t, c);
		run = s + 1;
	}
	json_text_put(t, run, (size_t)(s - run));
	json_text_put(t, "\"", 1);
}

void json_text_put_str(json_text *t, const char *s)
{
	put_string(t, s);
}

static void put_int(json_text *t, const tfy_opt_int64 *v)
{
	char digits[24];
	char *p = digits + sizeof digits;
	/* in unsigned arithmetic, so INT64_MIN negates too */
	uint64_t u = v->value < 0 ? 0 - (uint64_t)v->value : (uint64_t)v->value;

	if (!v->present) {
		put_lit(t, "null");
		return;
	}
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v->value < 0)
		*--p = '-';
	json_text_put(t, p, (size_t)(digits + sizeof digits - p));
}

/* Opens the object at its first key; *n counts the keys written so far. */
static void put_key(json_text *t, int *n, const char *key)
{
	json_text_put(t, *n > 0 ? ",\"" : "{\"", 2);
	put_lit(t, key);
	json_text_put(t, "\":", 2);
	(*n)++;
}

static void put_str_member(json_text *t, int *n, const char *key, const char *s)
{
	put_key(t, n, key);
	put_string(t, s);
}

static void put_int_member(json_text *t, int *n, const char *key, const tfy_opt_int64 *v)
{
	put_key(t, n, key);
	put_int(t, v);
}

static void put_one_key(json_text *t, const char *key, const tfy_opt_int64 *v)
{
	int n = 0;

	put_int_member(t, &n, key, v);
	json_text_put(t, "}", 1);
}

static void put_request_counts(json_text *t, const tfy_batch_request_counts *rc)
{
	int n = 0;

	if (rc == NULL) {
		put_lit(t, "null");
		return;
	}
	put_int_member(t, &n, "total", &rc->total);
	put_int_member(t, &n, "completed", &rc->completed);
	put_int_member(t, &n, "failed", &rc->failed);
	json_text_put(t, "}", 1);
}

/*
 * The library flattens the *_details objects, so an absent details object
 * and one with a null member come out the same: {"cached_tokens": null}.
 */
static void put_usage(json_text *t, const tfy_batch_usage *u)
{
	int n = 0;

	if (u == NULL) {
		put_lit(t, "null");
		return;
	}
	put_int_member(t, &n, "input_tokens", &u->input_tokens);
	put_key(t, &n, "input_tokens_details");
	put_one_key(t, "cached_tokens", &u->cached_tokens);
	put_int_member(t, &n, "output_tokens", &u->output_tokens);
	put_key(t, &n, "output_tokens_details");
	put_one_key(t, "reasoning_tokens", &u->reasoning_tokens);
	put_int_member(t, &n, "total_tokens", &u->total_tokens);
	json_text_put(t, "}", 1);
}

static void put_error_entry(json_text *t, const tfy_batch_error *e)
{
	int n = 0;

	put_str_member(t, &n, "code", e->code);
	put_str_member(t, &n, "message", e->message);
	put_str_member(t, &n, "param", e->param);
	put_int_member(t, &n, "line", &e->line);
	json_text_put(t, "}", 1);
}

/*
 * The library has no presence flag for errors: an object name or any entry
 * means the server sent one.
 */
static void put_errors(json_text *t, const tfy_batch *b)
{
	int n = 0;
	size_t i;

	if (b->errors_object == NULL && b->errors_count == 0) {
		put_lit(t, "null");
		return;
	}
	put_str_member(t, &n, "object", b->errors_object);
	put_key(t, &n, "data");
	json_text_put(t, "[", 1);
	for (i = 0; i < b->errors_count; i++) {
		if (i > 0)
			json_text_put(t, ",", 1);
		put_error_entry(t, b->errors[i]);
	}
	json_text_put(t, "]}", 2);
}

static void put_strings(json_text *t, int *n, const tfy_batch *b)
{
	put_str_member(t, n, "id", b->id);
	put_str_member(t, n, "object", b->object);
	put_str_member(t, n, "endpoint", b->endpoint);
	put_str_member(t, n, "model", b->model);
	put_str_member(t, n, "input_file_id", b->input_file_id);
	put_str_member(t, n, "completion_window", b->completion_window);
	/* the raw text, so statuses this library version does not know survive */
	put_str_member(t, n, "status", b->status_raw);
	put_str_member(t, n, "output_file_id", b->output_file_id);
	put_str_member(t, n, "error_file_id", b->error_file_id);
}

static void put_timestamps(json_text *t, int *n, const tfy_batch *b)
{
	put_int_member(t, n, "created_at", &b->created_at);
	put_int_member(t, n, "in_progress_at", &b->in_progress_at);
	put_int_member(t, n, "expires_at", &b->expires_at);
	put_int_member(t, n, "finalizing_at", &b->finalizing_at);
	put_int_member(t, n, "completed_at", &b->completed_at);
	put_int_member(t, n, "failed_at", &b->failed_at);
	put_int_member(t, n, "expired_at", &b->expired_at);
	put_int_member(t, n, "cancelling_at", &b->cancelling_at);
	put_int_member(t, n, "cancelled_at", &b->cancelled_at);
}

int batch_json_append(json_text *t, const tfy_batch *b)
{
	int n = 0;

	put_strings(t, &n, b);
	put_timestamps(t, &n, b);
	put_key(t, &n, "request_counts");
	put_request_counts(t, b->request_counts);
	put_key(t, &n, "usage");
	put_usage(t, b->usage);
	put_key(t, &n, "errors");
	put_errors(t, b);
	put_key(t, &n, "metadata");
	put_lit(t, b->metadata_json != NULL ? b->metadata_json : "null");
	json_text_put(t, "}", 1);
	return t->oom ? -1 : 0;
}
