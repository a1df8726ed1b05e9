/* --provider NAME=KIND: the accounts the mock pretends the gateway has. */
#include "provider.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
	[MGW_PROVIDER_OPENAI] = "openai",
	[MGW_PROVIDER_AZURE] = "azure",
	[MGW_PROVIDER_BEDROCK] = "bedrock",
	[MGW_PROVIDER_VERTEX] = "vertex",
};

/* A header value can hold it as is: no blanks, no controls, no '='. */
static bool good_name(const char *name, size_t len)
{
	if (len == 0 || len >= MGW_PROVIDER_NAME_MAX)
		return false;
	for (size_t k = 0; k < len; k++)
		if (name[k] < '!' || name[k] > '~')
			return false;
	return true;
}

bool mgw_provider_parse(const char *spec, struct mgw_provider *out, char *err, size_t err_size)
{
	const char *eq = strchr(spec, '=');
	if (!eq || !good_name(spec, (size_t)(eq - spec))) {
		snprintf(err, err_size,
		         "expected NAME=KIND, NAME 1..%d visible ASCII characters, got: %s",
		         MGW_PROVIDER_NAME_MAX - 1, spec);
		return false;
	}
	for (size_t k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++) {
		if (strcmp(eq + 1, kind_names[k]) == 0) {
			memcpy(out->name, spec, (size_t)(eq - spec));
			out->name[eq - spec] = '\0';
			out->kind = (enum mgw_provider_kind)k;
			return true;
		}
	}
	snprintf(err, err_size, "KIND must be openai, azure, bedrock or vertex, got: %s", eq + 1);
	return false;
}

const struct mgw_provider *mgw_provider_find(const struct mgw_provider *list, size_t n, const char *name)
{
	for (size_t k = 0; name && k < n; k++)
		if (strcmp(list[k].name, name) == 0)
			return &list[k];
	return NULL;
}

enum mgw_shape mgw_provider_shape(enum mgw_provider_kind kind)
{
	switch (kind) {
	case MGW_PROVIDER_BEDROCK: return MGW_SHAPE_BEDROCK;
	case MGW_PROVIDER_VERTEX: return MGW_SHAPE_VERTEX;
	default: return MGW_SHAPE_OPENAI;
	}
}
