/*
 * libFuzzer harness: the List batches response decoder on any body.
 * Invariants: the result is TFY_OK or TFY_ERROR_DECODE (never OOM: nothing
 * fails allocations here, so OOM would mean a hidden failure was misread);
 * on success every batch is there with its raw JSON, every string is
 * readable; on failure there is no list and the detail is a string.
 * Differential: the decoder reads the page piecewise with its own syntax
 * scanner, so jansson's whole parse of the same bytes is the oracle.  Both
 * accept the same bodies but for problems local to one value, which the
 * decoder accepts and a whole parse refuses (values nested past jansson's
 * depth limit, numbers out of range, keys holding NUL); on success the items are the whole tree's "data" elements in
 * order, each raw_json parsing back to the element it stands for, and the
 * envelope's strings match.  A raw NUL byte, which jansson skips in some
 * places, makes the decoder refuse the body, and so does a page of more
 * than 100,000 items.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "decode.h"

/* Reads every byte of s so ASan sees a dangling or unterminated string. */
static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/*
 * The decoder reads numbers itself: a JSON integer timestamp must come out
 * as jansson reads it, milliseconds (100,000,000,000 or more) in seconds.
 */
static int same_time(const json_t *v, tfy_opt_int64 got)
{
	if (!json_is_integer(v))
		return 1;
	json_int_t x = json_integer_value(v);
	if (x >= 100000000000LL || x <= -100000000000LL)
		x /= 1000;
	return got.present && got.value == x;
}

/* jansson's parse as the decoder uses it: integers beyond 64 bits read as doubles. */
static json_t *load(const char *text, size_t len, size_t flags, size_t *used, json_error_t *jerr)
{
	*used = flags;
	json_t *v = json_loadb(text, len, flags, jerr);
	if (!v && json_error_code(jerr) == json_error_numeric_overflow) {
		*used = flags | JSON_DECODE_INT_AS_REAL;
		v = json_loadb(text, len, *used, jerr);
	}
	return v;
}

/* What the decoder confines to the value that holds it. */
static int local_problem(const json_error_t *jerr)
{
	enum json_error_code code = json_error_code(jerr);
	return code == json_error_stack_overflow || code == json_error_numeric_overflow ||
	       code == json_error_null_byte_in_key;
}

/* A string holding NUL reads as NULL. */
static int same_string(const json_t *v, const char *s)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return s == NULL;
	return s && strcmp(json_string_value(v), s) == 0;
}

static void check_against_whole_parse(const char *body, size_t size, tfy_code rc,
                                      const tfy_batch_page *list, const char *detail)
{
	/* The decoder's bound on items: at least 2 bytes each, so only a large body reaches it. */
	if (rc == TFY_ERROR_DECODE && strcmp(detail, "the page holds more than 100000 items") == 0) {
		if (size < 200000)
			abort();
		return;
	}
	/* JSON has no NUL bytes; jansson skips some, the decoder refuses them all. */
	if (memchr(body, '\0', size)) {
		if (rc != TFY_ERROR_DECODE)
			abort();
		return;
	}
	json_error_t jerr;
	size_t flags;
	json_t *root = load(body, size, JSON_ALLOW_NUL, &flags, &jerr);
	const json_t *items = json_object_get(root, "data");
	if (!json_is_array(items)) {
		if (rc == TFY_OK && (root || !local_problem(&jerr)))
			abort();
		json_decref(root);
		return;
	}
	if (rc != TFY_OK || list->count != json_array_size(items) ||
	    !same_string(json_object_get(root, "object"), list->object) ||
	    !same_string(json_object_get(root, "first_id"), list->first_id) ||
	    !same_string(json_object_get(root, "last_id"), list->last_id) ||
	    list->has_more != json_is_true(json_object_get(root, "has_more")))
		abort();
	for (size_t i = 0; i < list->count; i++) {
		/* An item with an overflow is read with doubles on its own, so compare like with like. */
		size_t item_flags;
		const char *raw = list->items[i]->raw_json;
		json_t *item = load(raw, strlen(raw), flags | JSON_DECODE_ANY, &item_flags, &jerr);
		if (!json_equal(item, json_array_get(items, i)) ||
		    !same_string(json_object_get(item, "id"), list->items[i]->id) ||
		    !same_time(json_object_get(item, "created_at"), list->items[i]->created_at))
			abort();
		json_decref(item);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tfy_batch_page *list = (tfy_batch_page *)&list;
	char detail[256];
	memset(detail, 'x', sizeof(detail));
	tfy_code rc = tfy__decode_batch_page((const char *)data, size, &list, detail, sizeof(detail));
	if (rc != TFY_OK) {
		if (rc != TFY_ERROR_DECODE || list || !memchr(detail, '\0', sizeof(detail)))
			abort();
		check_against_whole_parse((const char *)data, size, rc, list, detail);
		return 0;
	}
	if (!list || (list->count && !list->items))
		abort();
	check_against_whole_parse((const char *)data, size, rc, list, detail);
	size_t sum = touch(list->object) + touch(list->first_id) + touch(list->last_id);
	for (size_t i = 0; i < list->count; i++) {
		const tfy_batch *b = list->items[i];
		if (!b || !b->raw_json || (b->errors_count && !b->errors) ||
		    (b->metadata_count && !b->metadata))
			abort();
		sum += touch(b->raw_json) + touch(b->id) + touch(b->status_raw) +
		       touch(b->metadata_json);
		for (size_t j = 0; j < b->errors_count; j++)
			if (!b->errors[j])
				abort();
			else
				sum += touch(b->errors[j]->code) + touch(b->errors[j]->message);
		/* A value holding NUL reads as NULL; a key never does. */
		for (size_t j = 0; j < b->metadata_count; j++)
			if (!b->metadata[j] || !b->metadata[j]->key)
				abort();
			else
				sum += touch(b->metadata[j]->key) + touch(b->metadata[j]->value);
	}
	if (tfy__batch_page_set_request_id(list, "req_fuzz") != 0 ||
	    strcmp(list->request_id, "req_fuzz"))
		abort();
	tfy_batch_page_free(list);
	return sum == (size_t)-1;
}
