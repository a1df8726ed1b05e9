/*
 * The page walker: one object list envelope,
 *
 *   {"object": "list", "data": [item, ...], "first_id": ..., "last_id": ...,
 *    "has_more": ..., ...}
 *
 * decoded with the item decoder of one kind of object (batches in
 * decode_batch.c).  Listing another kind is a tfy__page_kind and the
 * decoder of one item: the envelope, its bounds and its errors stay here.
 * Internal to the decoder family (see json_scan.h).
 */
#ifndef TFY_DECODE_PAGE_H
#define TFY_DECODE_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "json_scan.h"

/* What a page holds and how one of its items is decoded. */
typedef struct tfy__page_kind {
	size_t page_size;   /* the caller's page struct, zeroed: the arena's first allocation */
	size_t item_size;   /* each item's allocation, zeroed: its owner header and public struct */
	size_t item_offset; /* where the public struct lies in it */
	/*
	 * Decodes the value at the walk's position (any JSON value: a page's
	 * items may be anything) into the public struct, stepping over it.
	 */
	tfy__item_fn item;
	const char *expected; /* what the body must be, for detail: "a JSON object with a ..." */
} tfy__page_kind;

/*
 * A decoded envelope.  Everything lives in arena, which the caller owns
 * once tfy__decode_page() has returned TFY_OK; a repeated member replaces
 * the earlier one, as in jansson's objects.
 */
typedef struct tfy__page {
	tfy__arena *arena;
	void *owner;              /* kind->page_size zeroed bytes for the caller's page struct */
	const char *object;       /* "object", NULL when absent or not a string */
	const char *first_id;     /* likewise */
	const char *last_id;      /* likewise */
	int32_t has_more;         /* 1 for true */
	int32_t has_more_present; /* 0 when has_more is absent or not a boolean */
	const char *extra_json; /* the members not modelled here, one compact JSON object, or NULL */
	void *const *items;     /* count pointers to the items' public structs, NULL when none */
	size_t count;
} tfy__page;

/*
 * Copies a decoded envelope into a public page struct (tfy_batch_page,
 * tfy_file_page: the same members), its items typed as ITEM (the public
 * struct of the kind's item_offset).
 */
#define TFY__PAGE_PUBLISH(pub, page, ITEM) \
	do { \
		(pub)->object = (page)->object; \
		(pub)->first_id = (page)->first_id; \
		(pub)->last_id = (page)->last_id; \
		(pub)->has_more = (page)->has_more; \
		(pub)->has_more_present = (page)->has_more_present; \
		(pub)->extra_json = (page)->extra_json; \
		(pub)->items = (const ITEM *const *)(page)->items; \
		(pub)->count = (page)->count; \
	} while (0)

/*
 * Decodes a list body into *page.  Returns TFY_OK; TFY_ERROR_DECODE (page
 * zeroed, detail says what was received) when the body is not JSON, not an
 * object, its "data" is missing or not an array, or it holds more than
 * 100,000 items; TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__decode_page(const char *body, size_t len, const tfy__page_kind *kind, tfy__page *page,
                          char *detail, size_t detail_size);

#endif
