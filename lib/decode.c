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

/*
 * Items' own text (at most the body's size), their fields' strings and the
 * batch structs, in one chunk: growing the arena mid-page costs a large
 * allocation, which makes glibc merge all its small free chunks.
 */
#define ARENA_HINT(len) (2 * (len) + 4096)

/*
 * Each item costs a whole tfy_batch (424 bytes) however small its text, so a
 * body of bare numbers would ask for some 200 times its size; API pages hold
 * at most TFY_BATCHES_LIMIT_MAX (100).
 */
#define PAGE_ITEMS_MAX 100000

/* Largest integer a double holds exactly: beyond it a value may have been rounded. */
#define EXACT_DOUBLE_MAX 9007199254740992.0

typedef struct decoder {
	tfy__arena *arena;
	tfy__buf dump;         /* reused for every JSON text the page keeps */
	json_t *extra;         /* the envelope's members libtfy does not model, or NULL */
	int oom;               /* set by any step that ran out of memory */
	int invalid;           /* set when the body is not one valid JSON object */
	const char *s;         /* the body */
	size_t n;              /* its length */
	size_t i;              /* where the walk is in it */
	tfy_batch **items;     /* the list's items, in the arena */
	size_t count, cap;     /* items held, and room for */
	const char *data_type; /* NULL once "data" is an array, else what it is */
	size_t items_seen;     /* those of a replaced "data" included; past PAGE_ITEMS_MAX: too many */
} decoder;

static const char *copy_str(decoder *d, const char *s, size_t n)
{
	char *p = tfy__arena_strndup(d->arena, s, n);
	if (!p)
		d->oom = 1;
	return p;
}

/*
 * A string value, or NULL when it is null, not a string, or holds a NUL
 * character: a C string would silently end there ("a\u0000b" is not "a").
 */
static const char *str_value(decoder *d, const json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return copy_str(d, json_string_value(v), json_string_length(v));
}

/* A string member, or NULL when it is absent, null or not a string. */
static const char *get_str(decoder *d, const json_t *obj, const char *key)
{
	return str_value(d, json_object_get(obj, key));
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

/* n zeroed bytes in the page's arena; NULL with oom set when memory ran out. */
static void *alloc(decoder *d, size_t n)
{
	void *p = tfy__arena_alloc(d->arena, n);
	if (!p)
		d->oom = 1;
	return p;
}

static const tfy_batch_request_counts *decode_counts(decoder *d, const json_t *v)
{
	tfy_batch_request_counts *c = json_is_object(v) ? alloc(d, sizeof(*c)) : NULL;
	if (c) {
		c->total = get_int(v, "total");
		c->completed = get_int(v, "completed");
		c->failed = get_int(v, "failed");
	}
	return c;
}

static const tfy_batch_usage *decode_usage(decoder *d, const json_t *v)
{
	tfy_batch_usage *u = json_is_object(v) ? alloc(d, sizeof(*u)) : NULL;
	if (u) {
		u->input_tokens = get_int(v, "input_tokens");
		u->cached_tokens = get_int(json_object_get(v, "input_tokens_details"), "cached_tokens");
		u->output_tokens = get_int(v, "output_tokens");
		u->reasoning_tokens =
		    get_int(json_object_get(v, "output_tokens_details"), "reasoning_tokens");
		u->total_tokens = get_int(v, "total_tokens");
	}
	return u;
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
	tfy_batch_error **errs = n ? alloc(d, n * sizeof(*errs)) : NULL;
	if (!errs)
		return;
	for (size_t i = 0; i < n && !d->oom; i++) {
		const json_t *e = json_array_get(data, i);
		tfy_batch_error *entry = alloc(d, sizeof(*entry));
		if (!entry)
			return;
		entry->code = get_str(d, e, "code");
		entry->message = get_str(d, e, "message");
		entry->param = get_str(d, e, "param");
		entry->line = get_int(e, "line");
		errs[i] = entry;
	}
	b->errors = (const tfy_batch_error *const *)errs;
	b->errors_count = n;
}

static void decode_metadata(decoder *d, const json_t *v, tfy_batch *b)
{
	if (!v || json_is_null(v))
		return;
	b->metadata_json = dump_json(d, v);
	size_t n = json_is_object(v) ? json_object_size(v) : 0;
	tfy_metadata_entry **m = n ? alloc(d, n * sizeof(*m)) : NULL;
	if (!m)
		return;
	size_t i = 0;
	const char *key;
	const json_t *val;
	json_object_foreach((json_t *)v, key, val) {
		tfy_metadata_entry *entry = alloc(d, sizeof(*entry));
		if (!entry)
			return;
		entry->key = copy_str(d, key, strlen(key));
		entry->value = json_is_string(val) ? str_value(d, val) : dump_json(d, val);
		m[i++] = entry;
	}
	b->metadata = (const tfy_metadata_entry *const *)m;
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

static void decode_batch(decoder *d, const json_t *item, size_t start, size_t end, tfy_batch *b)
{
	b->raw_json = copy_str(d, d->s + start, end - start);
	if (!json_is_object(item))
		return;
	char *base = (char *)b;
	for (size_t i = 0; i < COUNT_OF(string_fields); i++)
		*(const char **)(base + string_fields[i].offset) = get_str(d, item, string_fields[i].key);
	for (size_t i = 0; i < COUNT_OF(time_fields); i++)
		*(tfy_opt_int64 *)(base + time_fields[i].offset) = get_int(item, time_fields[i].key);
	b->status = tfy_batch_status_parse(b->status_raw);
	b->request_counts = decode_counts(d, json_object_get(item, "request_counts"));
	b->usage = decode_usage(d, json_object_get(item, "usage"));
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
static json_t *parse(const char *body, size_t len, size_t flags, json_error_t *jerr)
{
	/*
	 * jansson leaves jerr unwritten when it runs out of memory before it
	 * starts (valgrind caught json_error_code reading it): zero it, which
	 * reads as json_error_unknown.
	 */
	memset(jerr, 0, sizeof(*jerr));
	json_t *root = json_loadb(body, len, flags, jerr);
	if (!root && json_error_code(jerr) == json_error_numeric_overflow)
		root = json_loadb(body, len, flags | JSON_DECODE_INT_AS_REAL, jerr);
	return root;
}

/*
 * The page is read piecewise: the decoder walks the envelope's punctuation
 * itself and has jansson parse each value on its own, every item of "data"
 * included, with JSON_DISABLE_EOF_CHECK telling where the value ended.  An
 * item's raw_json is then the exact slice of the body, each item is decoded
 * while its small tree is fresh and freed before the next is parsed, and no
 * tree of the whole page is ever built.  jansson still checks every byte
 * but the walk's own (whitespace and , : [ ] { }), so a body is accepted
 * exactly when a whole parse would accept it, but for three refinements: a
 * 64-bit overflow reparses only its own value with doubles, items may nest
 * two levels deeper than jansson's depth limit allows a whole page, and a
 * raw NUL byte, which jansson skips in places, is refused.  The list
 * decoder's fuzz harness holds the decoder to a whole parse.
 */
#define PIECE_FLAGS (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL)

/* JSON's whitespace, as jansson's lexer has it. */
static void skip_ws(decoder *d)
{
	while (d->i < d->n && (d->s[d->i] == ' ' || d->s[d->i] == '\n' || d->s[d->i] == '\r' ||
	                       d->s[d->i] == '\t'))
		d->i++;
}

/* Steps past c, after any whitespace; 0 when the next byte is not c. */
static int accept(decoder *d, char c)
{
	skip_ws(d);
	if (d->i >= d->n || d->s[d->i] != c)
		return 0;
	d->i++;
	return 1;
}

/* The value at the walk's position as a new reference; NULL with oom or invalid set. */
static json_t *parse_value(decoder *d)
{
	skip_ws(d);
	json_error_t jerr;
	json_t *v = parse(d->s + d->i, d->n - d->i, PIECE_FLAGS, &jerr);
	if (!v) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			d->oom = 1;
		else
			d->invalid = 1;
		return NULL;
	}
	/* position is an int in jansson: a value past 2 GiB cannot be placed. */
	if (jerr.position <= 0 || (size_t)jerr.position > d->n - d->i) {
		json_decref(v);
		d->invalid = 1;
		return NULL;
	}
	d->i += (size_t)jerr.position;
	return v;
}

/* An object key as a new string reference: jansson refuses a NUL in keys, so does the walk. */
static json_t *parse_key(decoder *d)
{
	skip_ws(d);
	if (d->i >= d->n || d->s[d->i] != '"') {
		d->invalid = 1;
		return NULL;
	}
	json_t *k = parse_value(d);
	if (k && strlen(json_string_value(k)) != json_string_length(k)) {
		json_decref(k);
		d->invalid = 1;
		return NULL;
	}
	return k;
}

/* A new zeroed batch at the end of the items; NULL on OOM or past PAGE_ITEMS_MAX. */
static tfy_batch *add_item(decoder *d)
{
	if (++d->items_seen > PAGE_ITEMS_MAX)
		return NULL;
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 128;
		tfy_batch **items = tfy__arena_alloc(d->arena, cap * sizeof(*items));
		if (!items) {
			d->oom = 1;
			return NULL;
		}
		if (d->count)
			memcpy(items, d->items, d->count * sizeof(*items));
		d->items = items;
		d->cap = cap;
	}
	tfy__batch_owner *owner = alloc(d, sizeof(*owner));
	if (!owner)
		return NULL;
	d->items[d->count++] = &owner->pub;
	return &owner->pub;
}

/* The "data" array at the walk's position, each item parsed, decoded and freed in turn. */
static void decode_data(decoder *d)
{
	d->count = 0; /* a repeated "data" replaces the earlier one, as jansson's objects do */
	d->data_type = NULL;
	d->i++; /* '[' */
	if (accept(d, ']'))
		return;
	do {
		skip_ws(d);
		size_t start = d->i;
		json_t *item = parse_value(d);
		tfy_batch *b = item ? add_item(d) : NULL;
		if (b)
			decode_batch(d, item, start, d->i, b);
		json_decref(item);
		if (!b)
			return;
	} while (!d->oom && accept(d, ','));
	if (!d->oom && !accept(d, ']'))
		d->invalid = 1;
}

/* Keeps an envelope member libtfy does not model, for the page's extra_json. */
static void keep_extra(decoder *d, const char *key, json_t *v)
{
	if (!d->extra && !(d->extra = json_object()))
		d->oom = 1;
	else if (json_object_set(d->extra, key, v) != 0)
		d->oom = 1;
}

/* One member of the envelope; a repeated key replaces the earlier value. */
static void decode_member(decoder *d, const char *key, tfy_batch_page *list)
{
	int is_data = strcmp(key, "data") == 0;
	skip_ws(d);
	if (is_data && d->i < d->n && d->s[d->i] == '[') {
		decode_data(d);
		return;
	}
	json_t *v = parse_value(d);
	if (!v)
		return;
	if (is_data) {
		d->count = 0;
		d->data_type = json_type_name(v);
	} else if (strcmp(key, "object") == 0) {
		list->object = str_value(d, v);
	} else if (strcmp(key, "first_id") == 0) {
		list->first_id = str_value(d, v);
	} else if (strcmp(key, "last_id") == 0) {
		list->last_id = str_value(d, v);
	} else if (strcmp(key, "has_more") == 0) {
		list->has_more_present = json_is_boolean(v);
		list->has_more = json_is_true(v);
	} else {
		keep_extra(d, key, v);
	}
	json_decref(v);
}

static int stopped(const decoder *d)
{
	return d->oom || d->invalid || d->items_seen > PAGE_ITEMS_MAX;
}

/* The whole body: one object, then nothing but whitespace. */
static void decode_envelope(decoder *d, tfy_batch_page *list)
{
	if (!accept(d, '{')) {
		d->invalid = 1;
		return;
	}
	if (!accept(d, '}')) {
		do {
			json_t *key = parse_key(d);
			if (key && accept(d, ':'))
				decode_member(d, json_string_value(key), list);
			else if (key)
				d->invalid = 1;
			json_decref(key);
		} while (!stopped(d) && accept(d, ','));
		if (stopped(d))
			return;
		if (!accept(d, '}'))
			d->invalid = 1;
	}
	skip_ws(d);
	if (d->i != d->n)
		d->invalid = 1;
}

/*
 * A body the walk could not read: a whole parse, only to describe the
 * problem as jansson sees it.
 */
static tfy_code explain_invalid(const char *body, size_t len, char *detail, size_t size)
{
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	json_t *root = parse(body, len, JSON_ALLOW_NUL, &jerr);
	if (tfy__alloc_thread_failures() != failures ||
	    (!root && json_error_code(&jerr) == json_error_out_of_memory)) {
		json_decref(root);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	if (!root)
		snprintf(detail, size, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column,
		         jerr.text);
	else if (!json_is_object(root))
		snprintf(detail, size, "expected a JSON object with a \"data\" array, got %s",
		         json_type_name(root));
	else
		snprintf(detail, size, "invalid JSON: the page's members could not be read one by one");
	json_decref(root);
	return TFY_ERROR_DECODE;
}

/* What the walk came to, with detail written for a decode error. */
static tfy_code verdict(const decoder *d, char *detail, size_t size)
{
	if (d->oom)
		return TFY_ERROR_OUT_OF_MEMORY;
	if (d->items_seen > PAGE_ITEMS_MAX)
		snprintf(detail, size, "the page holds more than %d items", PAGE_ITEMS_MAX);
	else if (d->invalid)
		return explain_invalid(d->s, d->n, detail, size);
	else if (d->data_type)
		snprintf(detail, size, "expected a JSON object with a \"data\" array, but \"data\" is %s",
		         d->data_type);
	else
		return TFY_OK;
	return TFY_ERROR_DECODE;
}

tfy_code tfy__decode_batch_page(const char *body, size_t len, tfy_batch_page **out,
                                char *detail, size_t detail_size)
{
	*out = NULL;
	/*
	 * JSON text never holds a NUL byte, yet jansson skips one that follows a
	 * number or a literal, and a NUL inside an item would cut its raw_json.
	 */
	const char *nul = memchr(body, '\0', len);
	if (nul) {
		snprintf(detail, detail_size, "invalid JSON: a NUL byte at offset %zu", (size_t)(nul - body));
		return TFY_ERROR_DECODE;
	}
	/* See tfy__alloc_thread_failures: jansson may hide running out of memory. */
	long failures = tfy__alloc_thread_failures();
	decoder d = { .arena = tfy__arena_new(ARENA_HINT(len)), .dump = TFY__BUF_INIT, .s = body,
	              .n = len, .data_type = "missing" };
	tfy__list_owner *owner = d.arena ? tfy__arena_alloc(d.arena, sizeof(*owner)) : NULL;
	if (owner) {
		owner->arena = d.arena;
		decode_envelope(&d, &owner->pub);
		if (d.extra && !d.oom && !d.invalid)
			owner->pub.extra_json = dump_json(&d, d.extra);
	}
	json_decref(d.extra);
	tfy__buf_clear(&d.dump);
	d.oom = d.oom || !owner || tfy__alloc_thread_failures() != failures;
	tfy_code rc = verdict(&d, detail, detail_size);
	if (rc != TFY_OK) {
		tfy__arena_free(d.arena);
		return rc;
	}
	owner->pub.items = d.count ? (const tfy_batch *const *)d.items : NULL;
	owner->pub.count = d.count;
	*out = &owner->pub;
	return TFY_OK;
}

/*
 * One value, the whole body but surrounding whitespace, decoded as a batch
 * that owns its arena.  Any JSON value is a batch (a non-object one with
 * every field absent) unless `object_only`.
 */
tfy_code tfy__decode_batch(const char *body, size_t len, int object_only, tfy_batch **out,
                           char *detail, size_t detail_size)
{
	*out = NULL;
	if (memchr(body, '\0', len)) {
		snprintf(detail, detail_size, "invalid JSON: a NUL byte");
		return TFY_ERROR_DECODE;
	}
	long failures = tfy__alloc_thread_failures();
	decoder d = { .arena = tfy__arena_new(ARENA_HINT(len)), .dump = TFY__BUF_INIT, .s = body,
	              .n = len };
	tfy__batch_owner *owner = d.arena ? alloc(&d, sizeof(*owner)) : NULL;
	json_t *v = NULL;
	if (owner) {
		skip_ws(&d);
		size_t start = d.i;
		v = parse_value(&d);
		size_t end = d.i;
		skip_ws(&d);
		if (v && d.i != d.n)
			d.invalid = 1;
		if (v && !d.invalid && object_only && !json_is_object(v))
			d.data_type = json_type_name(v);
		else if (v && !d.invalid)
			decode_batch(&d, v, start, end, &owner->pub);
	}
	json_decref(v);
	tfy__buf_clear(&d.dump);
	d.oom = d.oom || !owner || tfy__alloc_thread_failures() != failures;
	tfy_code rc = d.oom ? TFY_ERROR_OUT_OF_MEMORY : TFY_OK;
	if (rc == TFY_OK && d.invalid)
		rc = explain_invalid(body, len, detail, detail_size);
	else if (rc == TFY_OK && d.data_type) {
		snprintf(detail, detail_size, "expected a JSON object (a Batch), got %s", d.data_type);
		rc = TFY_ERROR_DECODE;
	}
	if (rc != TFY_OK) {
		tfy__arena_free(d.arena);
		return rc;
	}
	owner->arena = d.arena;
	*out = &owner->pub;
	return TFY_OK;
}

int tfy__batch_page_set_request_id(tfy_batch_page *list, const char *request_id)
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
	json_t *root = parse(body, len, JSON_ALLOW_NUL, &jerr);
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
