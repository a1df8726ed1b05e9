/*
 * tfy-batches: a decoded batch as a JSON object, for the json and ndjson
 * formats alike so the two can never disagree.
 */
#ifndef TFY_BATCHES_BATCH_JSON_H
#define TFY_BATCHES_BATCH_JSON_H

#include <stddef.h>
#include <tfy/tfy.h>

/* Growable text; oom sticks once an append could not grow it. */
typedef struct json_text {
	char *data;
	size_t len;
	size_t cap;
	int oom;
} json_text;

/*
 * Appends the typed fields of b as one compact JSON object: the API's key
 * names, every key present (null when absent), in a fixed order.  Returns
 * 0, or -1 when memory ran out (t->oom is then set).
 */
int batch_json_append(json_text *t, const tfy_batch *b);

/* Appends n bytes of s verbatim; 0, or -1 when memory ran out. */
int json_text_put(json_text *t, const char *s, size_t n);

/* Appends s as a JSON string, null when s is NULL (jansson's compact escapes). */
void json_text_put_str(json_text *t, const char *s);

/* Frees the text's memory and empties it. */
void json_text_free(json_text *t);

#endif
