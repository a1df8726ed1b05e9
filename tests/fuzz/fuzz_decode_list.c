/*
 * libFuzzer harness: the List batches response decoder on any body.
 * Invariants: the result is TFY_OK or TFY_ERROR_DECODE (never OOM: nothing
 * fails allocations here, so OOM would mean a hidden failure was misread);
 * on success every batch is there with its raw JSON, every string is
 * readable; on failure there is no list and the detail is a string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* Reads every byte of s so ASan sees a dangling or unterminated string. */
static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tfy_batch_list *list = (tfy_batch_list *)&list;
	char detail[256];
	memset(detail, 'x', sizeof(detail));
	tfy_code rc = tfy__decode_batch_list((const char *)data, size, &list, detail, sizeof(detail));
	if (rc != TFY_OK) {
		if (rc != TFY_ERROR_DECODE || list || !memchr(detail, '\0', sizeof(detail)))
			abort();
		return 0;
	}
	if (!list || (list->count && !list->items))
		abort();
	size_t sum = touch(list->object) + touch(list->first_id) + touch(list->last_id);
	for (size_t i = 0; i < list->count; i++) {
		const tfy_batch *b = list->items[i];
		if (!b || !b->raw_json || (b->errors_count && !b->errors) ||
		    (b->metadata_count && !b->metadata))
			abort();
		sum += touch(b->raw_json) + touch(b->id) + touch(b->status_raw) + touch(b->metadata_json);
		for (size_t j = 0; j < b->errors_count; j++)
			sum += touch(b->errors[j].code) + touch(b->errors[j].message);
		for (size_t j = 0; j < b->metadata_count; j++)
			if (!b->metadata[j].key || !b->metadata[j].value)
				abort();
			else
				sum += touch(b->metadata[j].key) + touch(b->metadata[j].value);
	}
	if (tfy__batch_list_set_request_id(list, "req_fuzz") != 0 || strcmp(list->request_id, "req_fuzz"))
		abort();
	tfy_batch_list_free(list);
	return sum == (size_t)-1;
}
