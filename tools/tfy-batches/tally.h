/*
 * tfy-batches: batches counted per status, for --summary.
 */
#ifndef TFY_BATCHES_TALLY_H
#define TFY_BATCHES_TALLY_H

#include <stddef.h>

/* One status seen. */
typedef struct tally_entry {
	char *status; /* status_raw, or "-" when absent */
	size_t count;
} tally_entry;

/*
 * The statuses in order of first appearance, and a hash index over them, so
 * counting n batches takes O(n) whatever the number of distinct statuses
 * (gateways pass statuses through, so a server decides how many there are).
 */
typedef struct tally {
	tally_entry *entries;
	size_t len, cap;
	size_t *slots;     /* open addressing: entry index + 1, 0 for empty */
	size_t slot_count; /* 0 or a power of two, more than twice len */
} tally;

/* clang-format off */
#define TALLY_INIT { NULL, 0, 0, NULL, 0 }
/* clang-format on */

/* Counts one batch of this status; returns 0, or -1 when out of memory. */
int tally_add(tally *t, const char *status);

void tally_free(tally *t);

#endif
