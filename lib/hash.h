/*
 * FNV-1a, the library's one hash of byte strings: fast on the short keys it
 * gets (the custom_ids of an input file, the cursors of a page walk), where
 * a collision costs at most a compare (strset) or, at odds of about 2^-64 a
 * pair, a page walk stopped as a cycle (iter).  Internal to libtfy.
 */
#ifndef TFY_HASH_H
#define TFY_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The 64-bit FNV-1a hash of the n bytes at s. */
uint64_t tfy__hash(const char *s, size_t n);

#endif
