/*
 * How a tfy_batch_page owns its memory.  Internal to libtfy.
 */
#ifndef TFY_BATCH_INTERNAL_H
#define TFY_BATCH_INTERNAL_H

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

#endif
