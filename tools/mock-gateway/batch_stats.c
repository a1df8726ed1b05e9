/* A handful of triples per job: a list searched from the start is enough. */
#include "batch_stats.h"

#include <pthread.h>
#include <stdlib.h>

static const char *const keys[] = { "tfy_job_id", "tfy_shard", "tfy_round" };
#define KEY_COUNT (sizeof keys / sizeof keys[0])

struct mgw_batch_stats {
	pthread_mutex_t lock;
	json_t *entries; /* the listing as served */
	int64_t lines;
};

struct mgw_batch_stats *mgw_batch_stats_new(void)
{
	struct mgw_batch_stats *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (!(s->entries = json_array()) || pthread_mutex_init(&s->lock, NULL) != 0) {
		json_decref(s->entries);
		free(s);
		return NULL;
	}
	return s;
}

void mgw_batch_stats_free(struct mgw_batch_stats *s)
{
	if (!s)
		return;
	json_decref(s->entries);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* The metadata's value of `key` as the listing shows it: a string or null. */
static json_t *value_of(const json_t *metadata, const char *key)
{
	json_t *v = json_object_get(metadata, key);
	return json_is_string(v) ? v : json_null();
}

static bool same_triple(const json_t *entry, const json_t *metadata)
{
	for (size_t k = 0; k < KEY_COUNT; k++)
		if (!json_equal(json_object_get(entry, keys[k]), value_of(metadata, keys[k])))
			return false;
	return true;
}

static json_t *new_entry(const json_t *metadata)
{
	json_t *e = json_object();
	for (size_t k = 0; e && k < KEY_COUNT; k++)
		json_object_set(e, keys[k], value_of(metadata, keys[k]));
	if (e)
		json_object_set_new(e, "batches", json_integer(0));
	return e;
}

void mgw_batch_stats_created(struct mgw_batch_stats *s, const json_t *metadata)
{
	json_t *e = NULL;
	size_t k;
	pthread_mutex_lock(&s->lock);
	json_array_foreach(s->entries, k, e)
		if (same_triple(e, metadata))
			break;
	if (k == json_array_size(s->entries)) {
		e = new_entry(metadata);
		if (json_array_append_new(s->entries, e) != 0)
			e = NULL;
	}
	if (e)
		json_object_set_new(e, "batches",
		                    json_integer(json_integer_value(json_object_get(e, "batches")) + 1));
	pthread_mutex_unlock(&s->lock);
}

void mgw_batch_stats_lines(struct mgw_batch_stats *s, int64_t n)
{
	pthread_mutex_lock(&s->lock);
	s->lines += n;
	pthread_mutex_unlock(&s->lock);
}

bool mgw_batch_stats_put(struct mgw_batch_stats *s, json_t *obj)
{
	json_t *entries, *lines;
	pthread_mutex_lock(&s->lock);
	entries = json_deep_copy(s->entries);
	lines = json_integer((json_int_t)s->lines);
	pthread_mutex_unlock(&s->lock);
	return json_object_set_new(obj, "lines_processed", lines) == 0 &&
	       json_object_set_new(obj, "batches_by_metadata", entries) == 0;
}

void mgw_batch_stats_reset(struct mgw_batch_stats *s)
{
	pthread_mutex_lock(&s->lock);
	json_array_clear(s->entries);
	s->lines = 0;
	pthread_mutex_unlock(&s->lock);
}
