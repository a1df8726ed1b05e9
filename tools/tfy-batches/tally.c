/*
 * tfy-batches: batches counted per status, for --summary.
 */
#include "tally.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys, no need for more. */
static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

/* The slot holding status, or the empty one where it would go. */
static size_t *find_slot(const tally *t, const char *status)
{
	size_t mask = t->slot_count - 1, i = hash(status) & mask;

	while (t->slots[i] != 0 && strcmp(t->entries[t->slots[i] - 1].status, status) != 0)
		i = (i + 1) & mask;
	return &t->slots[i];
}

/* Doubles the index (load stays under one half) and re-inserts every entry. */
static int grow_index(tally *t)
{
	size_t count = t->slot_count != 0 ? t->slot_count * 2 : 64, i;
	size_t *slots;

	if (count > SIZE_MAX / sizeof *slots || (slots = calloc(count, sizeof *slots)) == NULL)
		return -1;
	free(t->slots);
	t->slots = slots;
	t->slot_count = count;
	for (i = 0; i < t->len; i++)
		*find_slot(t, t->entries[i].status) = i + 1;
	return 0;
}

static int grow_entries(tally *t)
{
	size_t cap = t->cap != 0 ? t->cap * 2 : 16;
	tally_entry *entries;

	if (cap > SIZE_MAX / sizeof *entries ||
	    (entries = realloc(t->entries, cap * sizeof *entries)) == NULL)
		return -1;
	t->entries = entries;
	t->cap = cap;
	return 0;
}

int tally_add(tally *t, const char *status)
{
	size_t *slot;
	tally_entry *e;

	if ((t->len + 1) * 2 > t->slot_count && grow_index(t) != 0)
		return -1;
	slot = find_slot(t, status);
	if (*slot != 0) {
		t->entries[*slot - 1].count++;
		return 0;
	}
	if (t->len == t->cap && grow_entries(t) != 0)
		return -1;
	e = &t->entries[t->len];
	if ((e->status = strdup(status)) == NULL)
		return -1;
	e->count = 1;
	*slot = ++t->len;
	return 0;
}

void tally_free(tally *t)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		free(t->entries[i].status);
	free(t->entries);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
