/*
 * x-tfy-metadata given as JSON text (metadata_header_json): checked and
 * re-encoded as compact ASCII JSON for the header.
 */
#include "decode.h"

#include <string.h>

#include "alloc.h"
#include "json_scan.h"
#include "tfy/request.h"
#include "utf8.h"

char *tfy__json_metadata_ascii(const char *text, size_t max_chars, const char **why)
{
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	memset(&jerr, 0, sizeof(jerr)); /* see parse() in json_scan.c */
	json_t *v = json_loads(text, 0, &jerr);
	*why = NULL;
	if (!v && json_error_code(&jerr) != json_error_out_of_memory)
		*why = "metadata_header_json must be a JSON object whose values are strings";
	const char *key;
	json_t *value;
	if (v && !json_is_object(v))
		*why = "metadata_header_json must be a JSON object whose values are strings";
	json_object_foreach(v, key, value) {
		if (!json_is_string(value))
			*why = "metadata_header_json must be a JSON object whose values are strings";
		else if (tfy__utf8_chars(json_string_value(value), json_string_length(value)) > max_chars)
			/* clang-format off */
			*why = "metadata_header_json: a value is longer than TrueFoundry's limit of "
			       TFY__STRINGIFY(TFY_METADATA_HEADER_VALUE_MAX) " characters";
		/* clang-format on */
	}
	char *ascii = v && !*why ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(v);
	if (tfy__alloc_thread_failures() != failures) {
		tfy__free(ascii);
		*why = NULL;
		return NULL;
	}
	return ascii;
}
