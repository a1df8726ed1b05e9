/*
 * How pages and batches own their memory.  Internal to libtfy.
 */
#ifndef TFY_BATCH_INTERNAL_H
#define TFY_BATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "headers.h"
#include "tfy/batch.h"

/*
 * The public list is the first member, so the pointer handed to the caller
 * leads back to the arena that holds the list, its batches and their strings.
 */
typedef struct tfy__list_owner {
	tfy_batch_page pub;
	tfy__arena *arena;
	tfy__headers *headers; /* kept response headers, or NULL; freed with the page */
} tfy__list_owner;

/*
 * Every batch is allocated behind this header.  A batch that owns itself
 * (tfy_batch_dup, tfy_batch_parse) lives in its own arena; one borrowed
 * from a page has arena NULL, so tfy_batch_free() leaves it alone.
 */
typedef struct tfy__batch_owner {
	tfy__arena *arena;
	uint32_t converted_times; /* bit i: the i-th time field was converted (tfy_batch_time_converted) */
	tfy__headers *headers; /* a single result's kept response headers, or NULL */
	tfy_batch pub;
} tfy__batch_owner;

/*
 * Gives a decoded page what its response says beside the body: status,
 * request id (finished) and a copy of the kept headers.  0, or -1 on OOM.
 */
int tfy__batch_page_attach(tfy_batch_page *page, long status, const char *request_id,
                           const tfy__headers *headers);

/*
 * Gives a single result (a batch a call returned by itself, which owns its
 * arena) a copy of its response's kept headers.  0, or -1 on OOM.
 */
int tfy__batch_attach(tfy_batch *batch, const tfy__headers *headers);

/* The header of a batch handed out by the library. */
#define TFY__BATCH_OWNER(b) \
	((tfy__batch_owner *)(void *)((char *)(b)-offsetof(tfy__batch_owner, pub)))

#endif
