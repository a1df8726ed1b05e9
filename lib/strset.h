/*
 * A set of byte strings, each with the line it was first seen on: the
 * custom_ids of an input file.  Open addressing, strings copied into an
 * arena.  Internal to libtfy.
 */
#ifndef TFY_STRSET_H
#define TFY_STRSET_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct tfy__strset_slot {
	uint64_t hash;
	const char *s; /* NULL: an empty slot */
	size_t len;
	int64_t line;
} tfy__strset_slot;

typedef struct tfy__strset {
	tfy__strset_slot *slots;
	size_t cap, count; /* cap is 0 or a power of two */
	tfy__arena *arena;
} tfy__strset;

/* clang-format off */
#define TFY__STRSET_INIT { NULL, 0, 0, NULL }
/* clang-format on */

/*
 * Adds the n bytes at s, first seen on line: 1 when added, 0 when already
 * there (*first gets the line it was added with), -1 when memory ran out.
 */
int tfy__strset_add(tfy__strset *set, const char *s, size_t n, int64_t line, int64_t *first);

void tfy__strset_free(tfy__strset *set);

#endif
