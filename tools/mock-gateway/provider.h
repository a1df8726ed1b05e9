/* Provider accounts declared with --provider NAME=KIND: which one a request
 * names in x-tfy-provider-name decides the shape of its pages. */
#ifndef TFY_MOCK_PROVIDER_H
#define TFY_MOCK_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "dataset.h"

#define MGW_PROVIDER_HEADER "x-tfy-provider-name"
/* TrueFoundry's account names are short; this bounds what a spec may hold. */
#define MGW_PROVIDER_NAME_MAX 128

enum mgw_provider_kind {
	MGW_PROVIDER_OPENAI,
	MGW_PROVIDER_AZURE,
	MGW_PROVIDER_BEDROCK,
	MGW_PROVIDER_VERTEX,
};

struct mgw_provider {
	char name[MGW_PROVIDER_NAME_MAX];
	enum mgw_provider_kind kind;
};

/* Parses "NAME=KIND": NAME of 1..127 visible ASCII characters other than
 * '=', KIND one of openai, azure, bedrock, vertex. Returns false with a
 * reason in `err` otherwise. */
bool mgw_provider_parse(const char *spec, struct mgw_provider *out, char *err, size_t err_size);

/* The provider named `name` (exact, case-sensitive), or NULL. */
const struct mgw_provider *mgw_provider_find(const struct mgw_provider *list, size_t n,
                                             const char *name);

/* The shape of the batches of a provider of this kind. */
enum mgw_shape mgw_provider_shape(enum mgw_provider_kind kind);

#endif
