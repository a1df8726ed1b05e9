#include "decode.h"

#include "alloc.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "buf.h"
#include "error_internal.h"
#include "spans.h"

/* Items' own text (about the body's size) plus their fields' strings, in one chunk. */
#define ARENA_HINT(len) ((len) + (len) / 2 + 4096)

/* Largest integer a double holds exactly: beyond it a value may have been rounded. */
#define EXACT_DOUBLE_MAX 9007199254740992.0

typedef struct decoder {
	tfy__arena *arena;
	tfy__buf dump;          /* reused for every JSON text the page keeps */
	int oom;                /* set by any step that ran out of memory */
	const char *body;       /* the response, for items' own text */
	const tfy__span *spans; /* where each item lies in body; NULL: serialise instead */
} decoder;

static const char *copy_str(decoder *d, const char *s, size_t n)
{
	char *p = tfy__arena_strndup(d->arena, s, n);
	if (!p)
		d->oom = 1;
	return p;
}

/* A string member, or NULL when it is absent, null or not a string. */
static const char *get_str(decoder *d, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		return NULL;
	return copy_str(d, json_string_value(v), json_string_length(v));
}

/*
 * Notes the failure in the decoder as well as returning it: jansson 2.14
 * ignores the callback's result in places and would then report success
 * for a text with a piece missing.
 */
static int dump_cb(const char *buffer, size_t size, void *data)
{
	decoder *d = data;
	if (tfy__buf_append(&d->dump, buffer, size) < 0) {
		d->oom = 1;
		return -1;
	}
	return 0;
}

/* The compact JSON text of any value, kept in the arena. */
static const char *dump_json(decoder *d, const json_t *v)
{
	d->dump.len = 0;
	if (json_dump_callback(v, dump_cb, d, JSON_COMPACT | JSON_ENCODE_ANY) != 0 || d->oom) {
		d->oom = 1;
		return NULL;
	}
	return copy_str(d, d->dump.data ? d->dump.data : "", d->dump.len);
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

/* See tfy_opt_int64 for what counts as an integer. */
static tfy_opt_int64 to_int(const json_t *v)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	if (json_is_integer(v)) {
		r.value = json_integer_value(v);
		r.present = 1;
	} else if (json_is_real(v)) {
		double x = json_real_value(v);
		if (isfinite(x) && x == trunc(x) && fabs(x) <= EXACT_DOUBLE_MAX) {
			r.value = (int64_t)x;
			r.present = 1;
		}
	} else if (json_is_string(v)) {
		r.present = parse_decimal(json_string_value(v), &r.value);
	}
	return r;
}

static tfy_opt_int64 get_int(const json_t *obj, const char *key)
{
	return to_int(json_object_get(obj, key));
}

static void decode_counts(const json_t *v, tfy_batch_request_counts *c)
{
	if (!json_is_object(v))
		return;
	c->present = 1;
	c->total = get_int(v, "total");
	c->completed = get_int(v, "completed");
	c->failed = get_int(v, "failed");
}

static void decode_usage(const json_t *v, tfy_batch_usage *u)
{
	if (!json_is_object(v))
		return;
	u->present = 1;
	u->input_tokens = get_int(v, "input_tokens");
	u->cached_tokens = get_int(json_object_get(v, "input_tokens_details"), "cached_tokens");
	u->output_tokens = get_int(v, "output_tokens");
	u->reasoning_tokens = get_int(json_object_get(v, "output_tokens_details"), "reasoning_tokens");
	u->total_tokens = get_int(v, "total_tokens");
}

/* `errors` is {object, data: [...]}; a bare array is taken as the data too. */
static void decode_errors(decoder *d, const json_t *v, tfy_batch *b)
{
	const json_t *data = v;
	if (json_is_object(v)) {
		b->errors_object = get_str(d, v, "object");
		data = json_object_get(v, "data");
	}
	size_t n = json_array_size(data);
	if (n == 0)
		return;
	tfy_batch_error *errs = tfy__arena_alloc(d->arena, n * sizeof(*errs));
	if (!errs) {
		d->oom = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(data, i);
		errs[i].code = get_str(d, e, "code");
		errs[i].message = get_str(d, e, "message");
		errs[i].param = get_str(d, e, "param");
		errs[i].line = get_int(e, "line");
	}
	b->errors = errs;
	b->errors_count = n;
}

static void decode_metadata(decoder *d, const json_t *v, tfy_batch *b)
{
	if (!v || json_is_null(v))
		return;
	b->metadata_json = dump_json(d, v);
	size_t n = json_is_object(v) ? json_object_size(v) : 0;
	if (n == 0)
		return;
	tfy_metadata_entry *m = tfy__arena_alloc(d->arena, n * sizeof(*m));
	if (!m) {
		d->oom = 1;
		return;
	}
	size_t i = 0;
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)v, key, val) {
		m[i].key = copy_str(d, key, strlen(key));
		m[i].value = json_is_string(val) ? copy_str(d, json_string_value(val), json_string_length(val))
		                                 : dump_json(d, val);
		i++;
	}
	b->metadata = m;
	b->metadata_count = i;
}

#define FIELD(name) { #name, offsetof(tfy_batch, name) }

static const struct field { const char *key; size_t offset; } string_fields[] = {
	FIELD(id), FIELD(object), FIELD(endpoint), FIELD(model), FIELD(input_file_id),
	FIELD(completion_window), FIELD(output_file_id), FIELD(error_file_id),
	{ "status", offsetof(tfy_batch, status_raw) },
};

static const struct field time_fields[] = {
	FIELD(created_at), FIELD(in_progress_at), FIELD(expires_at), FIELD(finalizing_at),
	FIELD(completed_at), FIELD(failed_at), FIELD(expired_at), FIELD(cancelling_at),
	FIELD(cancelled_at),
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void decode_batch(decoder *d, const json_t *item, const tfy__span *span, tfy_batch *b)
{
	b->raw_json = span ? copy_str(d, d->body + span->start, span->end - span->start)
	                   : dump_json(d, item);
	if (!json_is_object(item))
		return;
	char *base = (char *)b;
	for (size_t i = 0; i < COUNT_OF(string_fields); i++)
		*(const char **)(base + string_fields[i].offset) = get_str(d, item, string_fields[i].key);
	for (size_t i = 0; i < COUNT_OF(time_fields); i++)
		*(tfy_opt_int64 *)(base + time_fields[i].offset) = get_int(item, time_fields[i].key);
	b->status = tfy_batch_status_parse(b->status_raw);
	decode_counts(json_object_get(item, "request_counts"), &b->request_counts);
	decode_usage(json_object_get(item, "usage"), &b->usage);
	decode_errors(d, json_object_get(item, "errors"), b);
	decode_metadata(d, json_object_get(item, "metadata"), b);
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/*
 * jansson refuses integers beyond 64 bits; rather than lose the whole page
 * over one such field, parse again with every number as a double, which
 * to_int() then accepts only where it is exact.
 */
static json_t *parse(const char *body, size_t len, json_error_t *jerr)
{
	/*
	 * jansson leaves jerr unwritten when it runs out of memory before it
	 * starts (valgrind caught json_error_code reading it): zero it, which
	 * reads as json_error_unknown.
	 */
	memset(jerr, 0, sizeof(*jerr));
	json_t *root = json_loadb(body, len, JSON_ALLOW_NUL, jerr);
	if (!root && json_error_code(jerr) == json_error_numeric_overflow)
		root = json_loadb(body, len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, jerr);
	return root;
}

/* Checks the envelope; returns the data array or NULL with detail written. */
static const json_t *envelope_data(const json_t *root, char *detail, size_t size)
{
	if (!json_is_object(root)) {
		snprintf(detail, size, "expected a JSON object with a \"data\" array, got %s",
		         json_type_name(root));
		return NULL;
	}
	const json_t *data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		snprintf(detail, size, "expected a JSON object with a \"data\" array, but \"data\" is %s",
		         data ? json_type_name(data) : "missing");
		return NULL;
	}
	return data;
}

static void decode_envelope(decoder *d, const json_t *root, tfy_batch_list *list)
{
	list->object = get_str(d, root, "object");
	list->first_id = get_str(d, root, "first_id");
	list->last_id = get_str(d, root, "last_id");
	const json_t *more = json_object_get(root, "has_more");
	list->has_more_present = json_is_boolean(more);
	list->has_more = json_is_true(more);
}

static void decode_items(decoder *d, const json_t *data, tfy_batch_list *list)
{
	size_t n = json_array_size(data);
	if (n == 0)
		return;
	tfy_batch **items = tfy__arena_alloc(d->arena, n * sizeof(*items));
	tfy_batch *batches = tfy__arena_alloc(d->arena, n * sizeof(*batches));
	if (!items || !batches) {
		d->oom = 1;
		return;
	}
	for (size_t i = 0; i < n && !d->oom; i++) {
		items[i] = &batches[i];
		decode_batch(d, json_array_get(data, i), d->spans ? &d->spans[i] : NULL, items[i]);
	}
	list->items = (const tfy_batch *const *)items;
	list->count = n;
}

tfy_code tfy__decode_batch_list(const char *body, size_t len, tfy_batch_list **out,
                                char *detail, size_t detail_size)
{
	*out = NULL;
	/* See tfy__alloc_thread_failures: jansson may hide running out of memory. */
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	json_t *root = parse(body, len, &jerr);
	if (!root || tfy__alloc_thread_failures() != failures) {
		/* jerr is only filled in when the parse failed: test the counter first. */
		if (tfy__alloc_thread_failures() != failures ||
		    json_error_code(&jerr) == json_error_out_of_memory) {
			json_decref(root);
			return TFY_ERROR_OUT_OF_MEMORY;
		}
		snprintf(detail, detail_size, "invalid JSON at line %d, column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		return TFY_ERROR_DECODE;
	}
	const json_t *data = envelope_data(root, detail, detail_size);
	if (!data) {
		json_decref(root);
		return TFY_ERROR_DECODE;
	}
	tfy__span *spans = NULL;
	int oom = 0;
	size_t spans_count = tfy__data_item_spans(body, len, &spans, &oom);
	decoder d = { oom ? NULL : tfy__arena_new(ARENA_HINT(len)), TFY__BUF_INIT, 0, body,
	              spans_count == json_array_size(data) ? spans : NULL };
	tfy__list_owner *owner = d.arena ? tfy__arena_alloc(d.arena, sizeof(*owner)) : NULL;
	if (owner) {
		owner->arena = d.arena;
		decode_envelope(&d, root, &owner->pub);
		decode_items(&d, data, &owner->pub);
	}
	tfy__buf_clear(&d.dump);
	tfy__free(spans);
	json_decref(root);
	if (!owner || d.oom) {
		tfy__arena_free(d.arena);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	*out = &owner->pub;
	return TFY_OK;
}

int tfy__batch_list_set_request_id(tfy_batch_list *list, const char *request_id)
{
	if (!request_id)
		return 0;
	tfy__arena *arena = ((tfy__list_owner *)list)->arena;
	list->request_id = tfy__arena_strndup(arena, request_id, strlen(request_id));
	return list->request_id ? 0 : -1;
}

/* Error fields are free text on some gateways: numbers become their JSON text. */
static int put_text(const char **slot, const json_t *v)
{
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return tfy__error_put(slot, json_string_value(v), json_string_length(v));
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		return -1;
	int rc = tfy__error_put(slot, text, strlen(text));
	tfy__free(text);
	return rc;
}

static int read_error_object(const json_t *err, tfy_error *e)
{
	if (put_text(&e->api_type, json_object_get(err, "type")) < 0 ||
	    put_text(&e->api_code, json_object_get(err, "code")) < 0 ||
	    put_text(&e->api_param, json_object_get(err, "param")) < 0 ||
	    put_text(&e->api_message, json_object_get(err, "message")) < 0)
		return -1;
	/* Python gateways print a missing param as the string "None". */
	if (e->api_param && strcmp(e->api_param, "None") == 0)
		tfy__error_put(&e->api_param, NULL, 0);
	return 1;
}

int tfy__decode_error_body(const char *body, size_t len, tfy_error *e)
{
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	json_t *root = parse(body, len, &jerr);
	if (tfy__alloc_thread_failures() != failures) {
		json_decref(root);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return 0;
	}
	const json_t *err = json_object_get(root, "error");
	const json_t *message = json_object_get(root, "message");
	const json_t *fastapi_detail = json_object_get(root, "detail");
	int rc = 0;
	if (json_is_object(err))
		rc = read_error_object(err, e);
	else if (json_is_string(err))
		rc = put_text(&e->api_message, err) < 0 ? -1 : 1;
	else if (json_is_string(message))
		rc = put_text(&e->api_message, message) < 0 ? -1 : 1;
	else if (json_is_string(fastapi_detail))
		rc = put_text(&e->api_message, fastapi_detail) < 0 ? -1 : 1;
	json_decref(root);
	return rc;
}

int tfy__json_is_string_object(const char *text)
{
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	memset(&jerr, 0, sizeof(jerr)); /* see parse() */
	json_t *v = json_loads(text, 0, &jerr);
	if (tfy__alloc_thread_failures() != failures) {
		json_decref(v);
		return -1;
	}
	if (!v)
		return json_error_code(&jerr) == json_error_out_of_memory ? -1 : 0;
	int ok = json_is_object(v);
	const char *key;
	json_t *value;
	json_object_foreach(v, key, value)
		ok = ok && json_is_string(value);
	json_decref(v);
	return ok;
}
