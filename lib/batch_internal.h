/*
 * How pages and batches own their memory.  Internal to libtfy.
 */
#ifndef TFY_BATCH_INTERNAL_H
#define TFY_BATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "tfy/batch.h"

/*
 * The public list is the first member, so the pointer handed to the caller
 * leads back to the arena that holds the list, its batches and their strings.
 */
typedef struct tfy__list_owner {
	tfy_batch_page pub;
	tfy__arena *arena;
} tfy__list_owner;

/*
 * Every batch is allocated behind this header.  A batch that owns itself
 * (tfy_batch_dup, tfy_batch_parse) lives in its own arena; one borrowed
 * from a page has arena NULL, so tfy_batch_free() leaves it alone.
 */
typedef struct tfy__batch_owner {
	tfy__arena *arena;
	uint32_t converted_times; /* bit i: the i-th time field was converted (tfy_batch_time_converted) */
	tfy_batch pub;
} tfy__batch_owner;

/* The header of a batch handed out by the library. */
#define TFY__BATCH_OWNER(b) \
	((tfy__batch_owner *)(void *)((char *)(b) - offsetof(tfy__batch_owner, pub)))

#endif
