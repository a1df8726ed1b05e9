/* The run-level fault list. Connections run on their own threads and the
 * admin endpoint swaps the list at any time, hence one mutex around it all. */
#include "fault_plan.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "respond.h"

struct entry {
	struct mgw_fault fault;
	unsigned long served;
	unsigned long matched; /* expire-batch: creates its meta= matched */
};

struct mgw_fault_plan {
	pthread_mutex_t lock;
	struct entry *entries;
	size_t count;
	struct mgw_fault *initial;
	size_t initial_count;
};

/* malloc(0) may return NULL, which would read as failure. */
static void *alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static struct entry *entries_of(const struct mgw_fault *faults, size_t n)
{
	struct entry *e = alloc_array(n, sizeof *e);
	for (size_t k = 0; e && k < n; k++)
		e[k].fault = faults[k];
	return e;
}

struct mgw_fault_plan *mgw_fault_plan_new(const struct mgw_fault *initial, size_t n)
{
	struct mgw_fault_plan *plan = calloc(1, sizeof *plan);
	if (!plan)
		return NULL;
	plan->initial = alloc_array(n, sizeof *plan->initial);
	plan->entries = entries_of(initial, n);
	if (!plan->initial || !plan->entries || pthread_mutex_init(&plan->lock, NULL) != 0) {
		free(plan->initial);
		free(plan->entries);
		free(plan);
		return NULL;
	}
	if (n)
		memcpy(plan->initial, initial, n * sizeof *initial);
	plan->initial_count = plan->count = n;
	return plan;
}

void mgw_fault_plan_free(struct mgw_fault_plan *plan)
{
	if (!plan)
		return;
	pthread_mutex_destroy(&plan->lock);
	free(plan->entries);
	free(plan->initial);
	free(plan);
}

bool mgw_fault_plan_take(struct mgw_fault_plan *plan, unsigned route, struct mgw_fault *out)
{
	bool found = false;
	pthread_mutex_lock(&plan->lock);
	for (size_t k = 0; k < plan->count && !found; k++) {
		struct entry *e = &plan->entries[k];
		if (mgw_fault_stage(e->fault.kind) != MGW_STAGE_BATCH &&
		    mgw_fault_applies(&e->fault, route) &&
		    (e->fault.times == 0 || e->served < e->fault.times)) {
			e->served++;
			*out = e->fault;
			found = true;
		}
	}
	pthread_mutex_unlock(&plan->lock);
	return found;
}

bool mgw_fault_matches_metadata(const struct mgw_fault *f, const json_t *metadata)
{
	const char *v = json_string_value(json_object_get(metadata, f->meta_key));
	return !f->meta_key[0] || (v && strcmp(v, f->meta_value) == 0);
}

/* Counts the create for `e` and says whether `e` acts on it. Lock held. */
static bool takes_batch(struct entry *e, const json_t *metadata)
{
	if (e->fault.kind != MGW_FAULT_EXPIRE_BATCH || !mgw_fault_matches_metadata(&e->fault, metadata))
		return false;
	e->matched++;
	if (e->fault.times != 0 && e->served >= e->fault.times)
		return false;
	return e->fault.nth == 0 || e->matched == e->fault.nth;
}

bool mgw_fault_plan_take_batch(struct mgw_fault_plan *plan, const json_t *metadata,
                               struct mgw_fault *out)
{
	bool found = false;
	pthread_mutex_lock(&plan->lock);
	/* Every matching fault counts the create, so nth= counts alike for all. */
	for (size_t k = 0; k < plan->count; k++) {
		struct entry *e = &plan->entries[k];
		if (takes_batch(e, metadata) && !found) {
			e->served++;
			*out = e->fault;
			found = true;
		}
	}
	pthread_mutex_unlock(&plan->lock);
	return found;
}

bool mgw_fault_plan_replace(struct mgw_fault_plan *plan, const struct mgw_fault *faults, size_t n)
{
	struct entry *fresh = entries_of(faults, n), *old;
	if (!fresh)
		return false;
	pthread_mutex_lock(&plan->lock);
	old = plan->entries;
	plan->entries = fresh;
	plan->count = n;
	pthread_mutex_unlock(&plan->lock);
	free(old);
	return true;
}

bool mgw_fault_plan_reset(struct mgw_fault_plan *plan)
{
	/* initial never changes after creation, so it is safe to read unlocked. */
	return mgw_fault_plan_replace(plan, plan->initial, plan->initial_count);
}

static json_t *entry_json(const struct entry *e)
{
	return json_pack("{s:o, s:I, s:I}", "spec", mgw_string_lossy(e->fault.text), "times",
	                 (json_int_t)e->fault.times, "served", (json_int_t)e->served);
}

json_t *mgw_fault_plan_json(struct mgw_fault_plan *plan)
{
	json_t *list = json_array();
	if (!list)
		return NULL;
	pthread_mutex_lock(&plan->lock);
	for (size_t k = 0; k < plan->count; k++)
		json_array_append_new(list, entry_json(&plan->entries[k]));
	pthread_mutex_unlock(&plan->lock);
	return json_pack("{s:o}", "faults", list);
}
