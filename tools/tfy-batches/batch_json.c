/*
 * tfy-batches: a decoded batch as a JSON object.
 *
 * Built from the typed fields rather than echoing raw_json: the output shows
 * what the library understood, with a stable key set that scripts can rely
 * on whatever the server sent.
 */
#include "batch_json.h"

#include <stdbool.h>

/* Steals v like json_object_set_new(); a NULL v (failed allocation) sticks in *ok. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		*ok = false;
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *int_or_null(const tfy_opt_int64 *v)
{
	return v->present ? json_integer((json_int_t)v->value) : json_null();
}

/* Returns obj when every put succeeded, else frees it and returns NULL. */
static json_t *checked(json_t *obj, bool ok)
{
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *one_key(const char *key, const tfy_opt_int64 *v)
{
	json_t *obj = json_object();
	bool ok = obj != NULL;

	if (ok)
		put(obj, key, int_or_null(v), &ok);
	return checked(obj, ok);
}

static json_t *request_counts_json(const tfy_batch_request_counts *rc)
{
	json_t *obj;
	bool ok;

	if (!rc->present)
		return json_null();
	obj = json_object();
	ok = obj != NULL;
	if (ok) {
		put(obj, "total", int_or_null(&rc->total), &ok);
		put(obj, "completed", int_or_null(&rc->completed), &ok);
		put(obj, "failed", int_or_null(&rc->failed), &ok);
	}
	return checked(obj, ok);
}

/*
 * The library flattens the *_details objects, so an absent details object
 * and one with a null member come out the same: {"cached_tokens": null}.
 */
static json_t *usage_json(const tfy_batch_usage *u)
{
	json_t *obj;
	bool ok;

	if (!u->present)
		return json_null();
	obj = json_object();
	ok = obj != NULL;
	if (ok) {
		put(obj, "input_tokens", int_or_null(&u->input_tokens), &ok);
		put(obj, "input_tokens_details", one_key("cached_tokens", &u->cached_tokens), &ok);
		put(obj, "output_tokens", int_or_null(&u->output_tokens), &ok);
		put(obj, "output_tokens_details",
		    one_key("reasoning_tokens", &u->reasoning_tokens), &ok);
		put(obj, "total_tokens", int_or_null(&u->total_tokens), &ok);
	}
	return checked(obj, ok);
}

static json_t *error_entry_json(const tfy_batch_error *e)
{
	json_t *obj = json_object();
	bool ok = obj != NULL;

	if (ok) {
		put(obj, "code", str_or_null(e->code), &ok);
		put(obj, "message", str_or_null(e->message), &ok);
		put(obj, "param", str_or_null(e->param), &ok);
		put(obj, "line", int_or_null(&e->line), &ok);
	}
	return checked(obj, ok);
}

static json_t *error_list_json(const tfy_batch *b)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < b->errors_count; i++) {
		if (json_array_append_new(arr, error_entry_json(&b->errors[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

/*
 * The library has no presence flag for errors: an object name or any entry
 * means the server sent one.
 */
static json_t *errors_json(const tfy_batch *b)
{
	json_t *obj;
	bool ok;

	if (b->errors_object == NULL && b->errors_count == 0)
		return json_null();
	obj = json_object();
	ok = obj != NULL;
	if (ok) {
		put(obj, "object", str_or_null(b->errors_object), &ok);
		put(obj, "data", error_list_json(b), &ok);
	}
	return checked(obj, ok);
}

/*
 * metadata_json is compact JSON of any type that the library produced, so it
 * parses; should it ever not, keeping the text as a string loses nothing.
 */
static json_t *metadata_to_json(const char *text)
{
	json_t *v;

	if (text == NULL)
		return json_null();
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	return v != NULL ? v : json_string(text);
}

static void put_strings(json_t *obj, const tfy_batch *b, bool *ok)
{
	put(obj, "id", str_or_null(b->id), ok);
	put(obj, "object", str_or_null(b->object), ok);
	put(obj, "endpoint", str_or_null(b->endpoint), ok);
	put(obj, "model", str_or_null(b->model), ok);
	put(obj, "input_file_id", str_or_null(b->input_file_id), ok);
	put(obj, "completion_window", str_or_null(b->completion_window), ok);
	/* the raw text, so statuses this library version does not know survive */
	put(obj, "status", str_or_null(b->status_raw), ok);
	put(obj, "output_file_id", str_or_null(b->output_file_id), ok);
	put(obj, "error_file_id", str_or_null(b->error_file_id), ok);
}

static void put_timestamps(json_t *obj, const tfy_batch *b, bool *ok)
{
	put(obj, "created_at", int_or_null(&b->created_at), ok);
	put(obj, "in_progress_at", int_or_null(&b->in_progress_at), ok);
	put(obj, "expires_at", int_or_null(&b->expires_at), ok);
	put(obj, "finalizing_at", int_or_null(&b->finalizing_at), ok);
	put(obj, "completed_at", int_or_null(&b->completed_at), ok);
	put(obj, "failed_at", int_or_null(&b->failed_at), ok);
	put(obj, "expired_at", int_or_null(&b->expired_at), ok);
	put(obj, "cancelling_at", int_or_null(&b->cancelling_at), ok);
	put(obj, "cancelled_at", int_or_null(&b->cancelled_at), ok);
}

json_t *batch_to_json(const tfy_batch *b)
{
	json_t *obj = json_object();
	bool ok = obj != NULL;

	if (!ok)
		return NULL;
	put_strings(obj, b, &ok);
	put_timestamps(obj, b, &ok);
	put(obj, "request_counts", request_counts_json(&b->request_counts), &ok);
	put(obj, "usage", usage_json(&b->usage), &ok);
	put(obj, "errors", errors_json(b), &ok);
	put(obj, "metadata", metadata_to_json(b->metadata_json), &ok);
	return checked(obj, ok);
}
