/*
 * libFuzzer harness: the Retry-After / retry-after-ms / x-should-retry
 * parsers on any header values.  The input is split at the first NUL into
 * retry-after-ms and Retry-After (the latter NULL when there is no NUL).
 * Invariants: a delay is -1 or non-negative; x-should-retry is -1, 0 or 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Header values reach the parsers as NUL-terminated copies, as from transport.c. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	const char *first = text;
	const char *second = strlen(text) < size ? text + strlen(text) + 1 : NULL;
	static const time_t nows[] = { 0, 1700000000, (time_t)INT32_MAX * 4 };
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		int64_t a = tfy__retry_after_ms(first, second, nows[i]);
		int64_t b = tfy__retry_after_ms(NULL, first, nows[i]);
		int64_t c = tfy__retry_after_ms(second, NULL, nows[i]);
		if (a < -1 || b < -1 || c < -1)
			abort();
	}
	int s = tfy__should_retry_header(first);
	if (s < -1 || s > 1)
		abort();
	free(text);
	return 0;
}
