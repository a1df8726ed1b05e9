/* An open-addressing hash set of byte strings under one mutex: batches
 * write their outputs on the threads of the connections that ask. */
#include "flaky.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char *key; /* NULL: empty */
	size_t len;
	uint64_t hash;
};

struct mgw_flaky {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t cap, count; /* cap a power of two, or 0 */
};

static uint64_t hash_of(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t k = 0; k < len; k++)
		h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
	return h;
}

struct mgw_flaky *mgw_flaky_new(void)
{
	struct mgw_flaky *f = calloc(1, sizeof *f);
	if (f && pthread_mutex_init(&f->lock, NULL) != 0) {
		free(f);
		return NULL;
	}
	return f;
}

void mgw_flaky_free(struct mgw_flaky *f)
{
	if (!f)
		return;
	for (size_t k = 0; k < f->cap; k++)
		free(f->slots[k].key);
	free(f->slots);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

bool mgw_flaky_is(const char *custom_id, size_t len)
{
	size_t n = strlen(MGW_FLAKY_PREFIX);
	return len >= n && memcmp(custom_id, MGW_FLAKY_PREFIX, n) == 0;
}

/* The slot holding the key, or the empty one where it would go. */
static struct slot *probe(struct slot *slots, size_t cap, const char *s, size_t len, uint64_t h)
{
	size_t k = (size_t)h & (cap - 1);
	while (slots[k].key &&
	       !(slots[k].hash == h && slots[k].len == len && memcmp(slots[k].key, s, len) == 0))
		k = (k + 1) & (cap - 1);
	return &slots[k];
}

/* Doubles the table when it is half full; false when memory runs out. */
static bool make_room(struct mgw_flaky *f)
{
	size_t cap = f->cap ? f->cap * 2 : 64;
	struct slot *grown;
	if (f->cap && f->count < f->cap / 2)
		return true;
	if (!(grown = calloc(cap, sizeof *grown)))
		return false;
	for (size_t k = 0; k < f->cap; k++)
		if (f->slots[k].key)
			*probe(grown, cap, f->slots[k].key, f->slots[k].len,
			       f->slots[k].hash) = f->slots[k];
	free(f->slots);
	f->slots = grown;
	f->cap = cap;
	return true;
}

bool mgw_flaky_first_time(struct mgw_flaky *f, const char *custom_id, size_t len)
{
	uint64_t h = hash_of(custom_id, len);
	struct slot *s;
	bool first = true;
	pthread_mutex_lock(&f->lock);
	if (make_room(f)) {
		s = probe(f->slots, f->cap, custom_id, len, h);
		first = s->key == NULL;
		if (first && (s->key = malloc(len ? len : 1)) != NULL) {
			memcpy(s->key, custom_id, len);
			s->len = len;
			s->hash = h;
			f->count++;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return first;
}

size_t mgw_flaky_count(struct mgw_flaky *f)
{
	size_t n;
	pthread_mutex_lock(&f->lock);
	n = f->count;
	pthread_mutex_unlock(&f->lock);
	return n;
}
