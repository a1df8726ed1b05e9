#include "strset.h"

#include <string.h>

#include "alloc.h"
#include "hash.h"

/* The table's size is a power of two: its index takes the low bits, so the high ones are folded in. */
static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = tfy__hash(s, n);
	return h ^ (h >> 29);
}

static tfy__strset_slot *find(tfy__strset_slot *slots, size_t cap, uint64_t h, const char *s, size_t n)
{
	for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		tfy__strset_slot *slot = &slots[i];
		if (!slot->s || (slot->hash == h && slot->len == n && memcmp(slot->s, s, n) == 0))
			return slot;
	}
}

/* Doubles the table (kept at most half full); -1 on OOM. */
static int grow(tfy__strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	if (cap > ((size_t)-1) / sizeof(tfy__strset_slot))
		return -1;
	tfy__strset_slot *slots = tfy__calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i].s)
			*find(slots, cap, set->slots[i].hash, set->slots[i].s,
			      set->slots[i].len) = set->slots[i];
	tfy__free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

void tfy__strset_init_hashed(tfy__strset *set)
{
	set->hashed = 1;
}

/* The slot of hash h in a hashed table: its own, or the empty one it goes to. */
static size_t find_hashed(const uint64_t *hashes, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);
	while (hashes[i] && hashes[i] != h)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Doubles a hashed table (kept at most 3/4 full); -1 on OOM. */
static int grow_hashed(tfy__strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	if (cap > ((size_t)-1) / sizeof(uint64_t))
		return -1;
	uint64_t *hashes = tfy__calloc(cap, sizeof(*hashes));
	uint32_t *lines = hashes ? tfy__malloc(cap * sizeof(*lines)) : NULL;
	if (!lines) {
		tfy__free(hashes);
		return -1;
	}
	for (size_t i = 0; i < set->cap; i++)
		if (set->hashes[i]) {
			size_t k = find_hashed(hashes, cap, set->hashes[i]);
			hashes[k] = set->hashes[i];
			lines[k] = set->lines[i];
		}
	tfy__free(set->hashes);
	tfy__free(set->lines);
	set->hashes = hashes;
	set->lines = lines;
	set->cap = cap;
	return 0;
}

static int add_hashed(tfy__strset *set, const char *s, size_t n, int64_t line, int64_t *first)
{
	if (set->count >= set->cap / 4 * 3 && grow_hashed(set) < 0)
		return -1;
	uint64_t h = hash_bytes(s, n);
	h += !h; /* 0 marks an empty slot */
	size_t i = find_hashed(set->hashes, set->cap, h);
	if (set->hashes[i]) {
		*first = set->lines[i];
		return 0;
	}
	set->hashes[i] = h;
	set->lines[i] = line < 0 || line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	set->count++;
	return 1;
}

int tfy__strset_add(tfy__strset *set, const char *s, size_t n, int64_t line, int64_t *first)
{
	if (set->hashed)
		return add_hashed(set, s, n, line, first);
	if (!set->arena && !(set->arena = tfy__arena_new(64 * 1024)))
		return -1;
	if (set->count >= set->cap / 2 && grow(set) < 0)
		return -1;
	uint64_t h = hash_bytes(s, n);
	tfy__strset_slot *slot = find(set->slots, set->cap, h, s, n);
	if (slot->s) {
		*first = slot->line;
		return 0;
	}
	const char *copy = tfy__arena_strndup(set->arena, s, n); /* never NULL for "" */
	if (!copy)
		return -1;
	slot->hash = h;
	slot->s = copy;
	slot->len = n;
	slot->line = line;
	set->count++;
	return 1;
}

int64_t tfy__strset_find(const tfy__strset *set, const char *s, size_t n)
{
	if (set->hashed || !set->cap)
		return -1;
	const tfy__strset_slot *slot = find(set->slots, set->cap, hash_bytes(s, n), s, n);
	return slot->s ? slot->line : -1;
}

void tfy__strset_free(tfy__strset *set)
{
	tfy__free(set->slots);
	tfy__free(set->hashes);
	tfy__free(set->lines);
	tfy__arena_free(set->arena);
	set->slots = NULL;
	set->hashes = NULL;
	set->lines = NULL;
	set->arena = NULL;
	set->cap = set->count = 0;
}
