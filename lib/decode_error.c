/*
 * API error bodies: the envelope {"error": {...}} and the variants
 * gateways send, read into a tfy_error's api_* fields.
 */
#include "decode.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error_internal.h"
#include "json_scan.h"

/*
 * Error fields are free text on some gateways: numbers (LiteLLM's HTTP
 * status as code) become their JSON text.
 */
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

/*
 * OpenAI's {message, type, param, code} (Azure sends code and message
 * only); also the top level of TrueFoundry's control plane
 * {statusCode, message, code, details} and of {"status":"failure","message"}.
 */
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

/* Appends text, numbers as their JSON text; -1 on OOM. */
static int append_text(tfy__buf *b, const json_t *v)
{
	if (json_is_string(v))
		return tfy__buf_append(b, json_string_value(v), strlen(json_string_value(v)));
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc = text ? tfy__buf_append(b, text, strlen(text)) : -1;
	tfy__free(text);
	return rc;
}

/* One FastAPI validation entry as "msg (loc: a.b)"; -1 on OOM. */
static int append_fastapi_entry(tfy__buf *b, const json_t *entry)
{
	const json_t *loc = json_object_get(entry, "loc");
	if ((b->len && tfy__buf_append(b, "; ", 2) < 0) ||
	    append_text(b, json_object_get(entry, "msg")) < 0)
		return -1;
	if (!json_is_array(loc) || !json_array_size(loc))
		return 0;
	if (tfy__buf_append(b, " (loc: ", 7) < 0)
		return -1;
	size_t i;
	const json_t *part;
	json_array_foreach(loc, i, part)
		if ((i && tfy__buf_append(b, ".", 1) < 0) || append_text(b, part) < 0)
			return -1;
	return tfy__buf_append(b, ")", 1);
}

/*
 * FastAPI's {"detail": [{loc, msg, type}, ...]}: the messages joined with
 * "; ", each with its location; type from the first.  0 when no entry has
 * a string msg.
 */
static int read_fastapi_detail(const json_t *detail, tfy_error *e)
{
	tfy__buf b = TFY__BUF_INIT;
	const json_t *first = NULL, *entry;
	size_t i;
	int rc = 0;
	json_array_foreach(detail, i, entry) {
		if (!json_is_string(json_object_get(entry, "msg")))
			continue;
		first = first ? first : entry;
		if (append_fastapi_entry(&b, entry) < 0)
			rc = -1;
	}
	if (rc == 0 && first)
		rc = tfy__error_put(&e->api_message, b.data, b.len) < 0 ||
		                     put_text(&e->api_type, json_object_get(first, "type")) < 0
		           ? -1
		           : 1;
	tfy__buf_clear(&b);
	return rc;
}

int tfy__decode_error_body(const char *body, size_t len, tfy_error *e)
{
	long failures = tfy__alloc_thread_failures();
	/* Bounded as a page is: a body too large to build is only kept raw. */
	tfy__decoder d = { .s = body, .n = len };
	json_t *root = tfy__json_peek(&d) == '{'
	                     ? tfy__json_load_value(&d, TFY__VALUE_NODES_MAX, NULL)
	                     : NULL;
	if (root && tfy__json_peek(&d) != 0)
		json_decref(root), root = NULL;
	if (tfy__alloc_thread_failures() != failures || d.oom) {
		json_decref(root);
		return -1;
	}
	const json_t *err = json_object_get(root, "error");
	const json_t *message = json_object_get(root, "message");
	const json_t *detail = json_object_get(root, "detail");
	int rc = 0;
	if (json_is_object(err))
		rc = read_error_object(err, e);
	else if (json_is_string(err))
		rc = put_text(&e->api_message, err) < 0 ? -1 : 1;
	else if (json_is_string(message))
		rc = read_error_object(root, e);
	else if (json_is_string(detail))
		rc = put_text(&e->api_message, detail) < 0 ? -1 : 1;
	else if (json_is_array(detail))
		rc = read_fastapi_detail(detail, e);
	json_decref(root);
	return rc;
}
