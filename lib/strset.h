/*
 * A set of byte strings, each with the line it was first seen on: the
 * custom_ids of an input file.  Open addressing, strings copied into an
 * arena.  A hashed set keeps only each string's 64-bit hash and line
 * instead, for sets too large to hold (a job's input of millions of
 * lines): 12 bytes a slot, at most 3/4 full, so 16 to 32 bytes a string
 * (a million strings: 24 MiB, 36 MiB while the table doubles), whatever
 * the strings' length.  Two strings of the same hash count as one: among
 * n distinct strings that happens with odds of about n^2 / 2^65 (2.7e-8
 * for a million).  Internal to libtfy.
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
	int hashed;       /* a hashed set: hashes and lines instead of slots */
	uint64_t *hashes; /* 0: an empty slot */
	uint32_t *lines;  /* the line, UINT32_MAX for any past it */
} tfy__strset;

/* clang-format off */
#define TFY__STRSET_INIT { NULL, 0, 0, NULL, 0, NULL, NULL }
/* clang-format on */

/* Makes an empty set (zeroed or freed) a hashed one. */
void tfy__strset_init_hashed(tfy__strset *set);

/*
 * Adds the n bytes at s, first seen on line: 1 when added, 0 when already
 * there (*first gets the line it was added with), -1 when memory ran out.
 */
int tfy__strset_add(tfy__strset *set, const char *s, size_t n, int64_t line, int64_t *first);

/* The line s was added with, or -1 when it is not in the set (a set that is not hashed). */
int64_t tfy__strset_find(const tfy__strset *set, const char *s, size_t n);

void tfy__strset_free(tfy__strset *set);

#endif
