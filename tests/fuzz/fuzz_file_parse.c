/*
 * libFuzzer harness: tfy_file_parse on any text, then tfy_file_dup twice.
 * Invariants: TFY_OK or TFY_ERROR_DECODE (nothing fails allocations here);
 * on failure no file and an error with a message; on success raw_json is
 * the input without the whitespace around it, every string is readable,
 * and each copy equals its original field by field and outlives it.
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
	return a.present == b.present && a.value == b.value && !a.reserved_ && !b.reserved_;
}

static int same_file(const tfy_file *a, const tfy_file *b)
{
	return same_str(a->id, b->id) && same_str(a->object, b->object) &&
	       same_int(a->bytes, b->bytes) && same_int(a->created_at, b->created_at) &&
	       same_int(a->expires_at, b->expires_at) && same_str(a->filename, b->filename) &&
	       same_str(a->purpose, b->purpose) && same_str(a->status, b->status) &&
	       same_str(a->status_details, b->status_details) && same_str(a->raw_json, b->raw_json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	tfy_file *f = (tfy_file *)&f;
	tfy_error *err = (tfy_error *)&err;
	tfy_code rc = tfy_file_parse(text, size, &f, &err);
	if (rc != TFY_OK) {
		if (rc != TFY_ERROR_DECODE || f || !err || !err->message || !err->detail)
			abort();
		tfy_error_free(err);
		return 0;
	}
	if (!f || err || !f->raw_json || f->raw_json[0] != '{')
		abort();
	if (!tu_is_trimmed(f->raw_json, text, size))
		abort();
	tfy_file *copy = tfy_file_dup(f);
	if (!copy || !same_file(f, copy))
		abort();
	tfy_file_free(f);
	tfy_file *again = tfy_file_dup(copy);
	if (!again || !same_file(copy, again))
		abort();
	tfy_file_free(again);
	tfy_file_free(copy);
	return 0;
}
