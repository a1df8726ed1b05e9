/* Run-level faults: an ordered list shared by all connections. Each request
 * takes the first fault that still has uses left, so a list reads as a
 * script ("none:times=2" then "status:code=500" = two good answers, then
 * errors). */
#ifndef TFY_MOCK_FAULT_PLAN_H
#define TFY_MOCK_FAULT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "fault.h"

struct mgw_fault_plan;

/* Copies `initial` (n may be 0), which mgw_fault_plan_reset restores.
 * Returns NULL on allocation failure. */
struct mgw_fault_plan *mgw_fault_plan_new(const struct mgw_fault *initial, size_t n);
void mgw_fault_plan_free(struct mgw_fault_plan *plan);

/* Uses up one request's worth of the first live fault that applies to
 * `route` (enum mgw_route) and copies it to `out`; false when none does. */
bool mgw_fault_plan_take(struct mgw_fault_plan *plan, unsigned route, struct mgw_fault *out);

/* A created batch, with its metadata (NULL: none), asks for the first
 * expire-batch fault that acts on it; copies it to `out`, or returns false.
 * Every expire-batch fault whose meta= matches counts the create for its
 * nth=. Request faults (mgw_fault_plan_take) never see these. */
bool mgw_fault_plan_take_batch(struct mgw_fault_plan *plan, const json_t *metadata,
                               struct mgw_fault *out);

/* True when `metadata` (NULL: none) holds the fault's meta= pair, or it has none. */
bool mgw_fault_matches_metadata(const struct mgw_fault *f, const json_t *metadata);

/* Replaces the list with a copy of `faults`, use counts at zero. Returns
 * false on allocation failure, leaving the plan unchanged. */
bool mgw_fault_plan_replace(struct mgw_fault_plan *plan, const struct mgw_fault *faults, size_t n);

/* Restores the initial list with use counts at zero. */
bool mgw_fault_plan_reset(struct mgw_fault_plan *plan);

/* Returns a new reference to {"faults":[{"spec","times","served"}...]}. */
json_t *mgw_fault_plan_json(struct mgw_fault_plan *plan);

#endif
