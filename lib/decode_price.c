/*
 * A job's price table (docs/jobs.md): a small JSON object of models, each
 * with its prices per million tokens.  Read whole with jansson: the file
 * is the caller's, of a few models, and price.c bounds its size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "decode.h"
#include "json_scan.h"

/* A price member: a number >= 0; -1 when absent; -2 when it is anything else. */
static double price_of(const json_t *model, const char *name)
{
	const json_t *v = json_object_get(model, name);
	if (!v)
		return -1;
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
		return -2;
	return json_number_value(v);
}

static int by_model(const void *a, const void *b)
{
	return strcmp(((const tfy__price *)a)->model, ((const tfy__price *)b)->model);
}

/* One model's entry into p; 0, or -1 with detail written. */
static int read_model(const char *key, const json_t *value, tfy__arena *arena, tfy__price *p,
                      int *oom, char *detail, size_t size)
{
	if (!json_is_object(value)) {
		snprintf(detail, size, "price table: model \"%.64s\" is not an object", key);
		return -1;
	}
	p->input = price_of(value, "input");
	p->output = price_of(value, "output");
	p->cached_input = price_of(value, "cached_input");
	if (p->input < 0 || p->output < 0 || p->cached_input < -1) {
		snprintf(detail, size,
		         "price table: model \"%.64s\" needs input and output prices, numbers >= 0 "
		         "(cached_input too when given)",
		         key);
		return -1;
	}
	if (!(p->model = tfy__arena_strndup(arena, key, strlen(key)))) {
		*oom = 1;
		return -1;
	}
	return 0;
}

tfy_code tfy__decode_price_table(const char *text, size_t len, tfy__arena *arena, tfy__price **out,
                                 size_t *count, char *detail, size_t detail_size)
{
	*out = NULL;
	*count = 0;
	if (tfy__json_refuse_nul(text, len, detail, detail_size))
		return TFY_ERROR_DECODE;
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	memset(&jerr, 0, sizeof(jerr));
	json_t *root = json_loadb(text, len, 0, &jerr);
	if (!root || tfy__alloc_thread_failures() != failures) {
		json_decref(root);
		if (tfy__alloc_thread_failures() != failures ||
		    json_error_code(&jerr) == json_error_out_of_memory)
			return TFY_ERROR_OUT_OF_MEMORY;
		snprintf(detail, detail_size, "price table: %s at line %d, column %d", jerr.text,
		         jerr.line, jerr.column);
		return TFY_ERROR_DECODE;
	}
	tfy_code rc = TFY_OK;
	size_t n = json_is_object(root) ? json_object_size(root) : 0;
	tfy__price *prices = n ? tfy__arena_alloc(arena, n * sizeof(*prices)) : NULL;
	if (!json_is_object(root)) {
		snprintf(detail, detail_size, "price table: not a JSON object of models");
		rc = TFY_ERROR_DECODE;
	} else if (n && !prices) {
		rc = TFY_ERROR_OUT_OF_MEMORY;
	} else {
		const char *key;
		const json_t *value;
		size_t i = 0;
		int oom = 0;
		json_object_foreach(root, key, value) {
			if (read_model(key, value, arena, &prices[i++], &oom, detail, detail_size) < 0) {
				rc = oom ? TFY_ERROR_OUT_OF_MEMORY : TFY_ERROR_DECODE;
				break;
			}
		}
	}
	json_decref(root);
	if (rc != TFY_OK)
		return rc;
	if (n)
		qsort(prices, n, sizeof(*prices), by_model);
	*out = prices;
	*count = n;
	return TFY_OK;
}
