/*
 * Where each item of a list response's top-level "data" array lies in the
 * body.  The decoder keeps every item's JSON text (tfy_batch.raw_json);
 * copying these byte ranges costs a memcpy where serialising jansson's tree
 * again cost as much as a third of the whole decode.  Internal to libtfy.
 */
#ifndef TFY_SPANS_H
#define TFY_SPANS_H

#include <stddef.h>

typedef struct tfy__span {
	size_t start;
	size_t end; /* one past the item's last byte */
} tfy__span;

/*
 * Scans a body that is already known to be valid JSON (jansson parsed it) and
 * returns the number of elements of the value of its last top-level key
 * spelled exactly "data" (the one jansson keeps), with their ranges in a new
 * array at *spans (free with tfy__free; NULL when there are none).  Returns
 * (size_t)-1 when that value is not an array or the body is not an object
 * (the caller then serialises items itself), and also when memory ran out,
 * which sets *oom.
 */
size_t tfy__data_item_spans(const char *body, size_t len, tfy__span **spans, int *oom);

#endif
