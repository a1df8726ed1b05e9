/*
 * libFuzzer harness: the API error envelope decoder, then what the call
 * path does next with the same error (keep the raw body, then finish it:
 * mask the key, cut, clean).
 * Invariants: 1 or 0 (never -1 without allocation failures); 0 leaves the
 * error untouched; every field set is a readable string without the key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "error_internal.h"

#define SECRET "tfy-secret-key-123"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tfy_error *e = tfy__error_new(TFY_ERROR_BAD_REQUEST, "%s", "bad request");
	if (!e)
		abort();
	int rc = tfy__decode_error_body((const char *)data, size, e);
	if (rc != 0 && rc != 1)
		abort();
	if (rc == 0 && (e->api_type || e->api_code || e->api_param || e->api_message))
		abort();
	if (rc == 0 && tfy__error_put_body(e, (const char *)data, size) != 0)
		abort();
	if (tfy__error_finish(e, (const char *[]){ SECRET, NULL }) != 0)
		abort();
	/* At most TFY_ERROR_BODY_MAX bytes kept, each becoming at most U+FFFD (3 bytes) when cleaned. */
	if (e->body && strlen(e->body) > 3 * TFY_ERROR_BODY_MAX)
		abort();
	const char *fields[] = { e->message,   e->api_type,    e->api_code,
		                 e->api_param, e->api_message, e->body };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] && strstr(fields[i], SECRET))
			abort();
	tfy_error_free(e);
	return 0;
}
