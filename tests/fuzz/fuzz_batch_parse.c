/*
 * libFuzzer harness: tfy_batch_parse on any text, then tfy_batch_dup.
 * Invariants: TFY_OK or TFY_ERROR_DECODE (nothing fails allocations here);
 * on failure no batch and an error with a message; on success raw_json is
 * the input without the whitespace around it, every string is readable,
 * and the copy equals the batch field by field and outlives it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tfy/tfy.h"

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_int(tfy_opt_int64 a, tfy_opt_int64 b)
{
	return a.present == b.present && a.value == b.value;
}

static int same_counts(const tfy_batch_request_counts *a, const tfy_batch_request_counts *b)
{
	if (!a || !b)
		return a == b;
	return same_int(a->total, b->total) && same_int(a->completed, b->completed) &&
	       same_int(a->failed, b->failed);
}

static int same_usage(const tfy_batch_usage *a, const tfy_batch_usage *b)
{
	if (!a || !b)
		return a == b;
	return same_int(a->input_tokens, b->input_tokens) &&
	       same_int(a->cached_tokens, b->cached_tokens) &&
	       same_int(a->output_tokens, b->output_tokens) &&
	       same_int(a->reasoning_tokens, b->reasoning_tokens) &&
	       same_int(a->total_tokens, b->total_tokens);
}

static int same_lists(const tfy_batch *a, const tfy_batch *b)
{
	if (a->errors_count != b->errors_count || a->metadata_count != b->metadata_count)
		return 0;
	for (size_t i = 0; i < a->errors_count; i++) {
		const tfy_batch_error *x = a->errors[i], *y = b->errors[i];
		if (!same_str(x->code, y->code) || !same_str(x->message, y->message) ||
		    !same_str(x->param, y->param) || !same_int(x->line, y->line))
			return 0;
	}
	for (size_t i = 0; i < a->metadata_count; i++)
		if (!same_str(a->metadata[i]->key, b->metadata[i]->key) ||
		    !same_str(a->metadata[i]->value, b->metadata[i]->value))
			return 0;
	return 1;
}

static int same_batch(const tfy_batch *a, const tfy_batch *b)
{
	const tfy_opt_int64 *ta = &a->created_at, *tb = &b->created_at;
	for (int i = 0; i < 9; i++)
		if (!same_int(ta[i], tb[i]))
			return 0;
	return same_str(a->id, b->id) && same_str(a->object, b->object) &&
	       same_str(a->endpoint, b->endpoint) && same_str(a->model, b->model) &&
	       same_str(a->input_file_id, b->input_file_id) &&
	       same_str(a->completion_window, b->completion_window) && a->status == b->status &&
	       same_str(a->status_raw, b->status_raw) &&
	       same_str(a->output_file_id, b->output_file_id) &&
	       same_str(a->error_file_id, b->error_file_id) &&
	       same_counts(a->request_counts, b->request_counts) && same_usage(a->usage, b->usage) &&
	       same_str(a->errors_object, b->errors_object) && same_lists(a, b) &&
	       same_str(a->metadata_json, b->metadata_json) && same_str(a->raw_json, b->raw_json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	tfy_batch *b = (tfy_batch *)&b;
	tfy_error *err = (tfy_error *)&err;
	tfy_code rc = tfy_batch_parse(text, size, &b, &err);
	if (rc != TFY_OK) {
		if (rc != TFY_ERROR_DECODE || b || !err || !err->message)
			abort();
		tfy_error_free(err);
		return 0;
	}
	if (!b || err || !b->raw_json || b->raw_json[0] != '{')
		abort();
	/* raw_json: the input without the whitespace around it. */
	if (!tu_is_trimmed(b->raw_json, text, size))
		abort();
	tfy_batch *copy = tfy_batch_dup(b);
	if (!copy || !same_batch(b, copy))
		abort();
	tfy_batch_free(b);
	/* The copy owns its memory: reading it after the original is gone is clean under ASan. */
	tfy_batch *again = tfy_batch_dup(copy);
	if (!again || !same_batch(copy, again))
		abort();
	tfy_batch_free(again);
	tfy_batch_free(copy);
	return 0;
}
