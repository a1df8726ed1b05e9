#include "encode.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* \uXXXX for one UTF-16 unit (upper-case hex, as jansson writes it). */
static int append_u16(tfy__buf *b, uint32_t unit)
{
	static const char hex[] = "0123456789ABCDEF";
	const char esc[6] = { '\\',
		              'u',
		              hex[(unit >> 12) & 15],
		              hex[(unit >> 8) & 15],
		              hex[(unit >> 4) & 15],
		              hex[unit & 15] };
	return tfy__buf_append(b, esc, 6);
}

/*
 * A JSON string of well-formed UTF-8 s in pure ASCII: every control and
 * non-ASCII character as \uXXXX (a surrogate pair beyond the BMP), so a
 * server that reads headers as Latin-1 still reads the same text.
 */
int tfy__json_append_string(tfy__buf *b, const char *s)
{
	return tfy__json_append_string_n(b, s, strlen(s));
}

int tfy__json_append_string_n(tfy__buf *b, const char *s, size_t n)
{
	int rc = tfy__buf_append(b, "\"", 1);
	for (size_t i = 0, len; i < n && rc == 0; i += len) {
		uint32_t cp;
		if (!(len = tfy__utf8_decode(s + i, n - i, &cp))) {
			len = 1; /* never: s was checked; a byte that is not UTF-8 is not sent as is */
			cp = 0xFFFD;
		}
		if (cp == '"' || cp == '\\')
			rc = tfy__buf_append(b, (const char[]){ '\\', (char)cp }, 2);
		else if (cp >= 0x20 && cp < 0x7f)
			rc = tfy__buf_append(b, (const char[]){ (char)cp }, 1);
		else if (cp < 0x10000)
			rc = append_u16(b, cp);
		else
			rc = append_u16(b, 0xD800 + ((cp - 0x10000) >> 10)) |
			     append_u16(b, 0xDC00 + ((cp - 0x10000) & 0x3FF));
	}
	return rc | tfy__buf_append(b, "\"", 1);
}

int tfy__json_append_object(tfy__buf *b, const tfy_pair *pairs, size_t n)
{
	int rc = tfy__buf_append(b, "{", 1);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = (i ? tfy__buf_append(b, ",", 1) : 0) | tfy__json_append_string(b, pairs[i].name) |
		     tfy__buf_append(b, ":", 1) | tfy__json_append_string(b, pairs[i].value);
	return rc | tfy__buf_append(b, "}", 1);
}

/* ,"name":"value" (or {"name":"value" for the first member). */
static int member(tfy__buf *b, const char *name, const char *value)
{
	return tfy__buf_append(b, b->len ? "," : "{", 1) | tfy__json_append_string(b, name) |
	       tfy__buf_append(b, ":", 1) | tfy__json_append_string(b, value);
}

int tfy__encode_create_body(tfy__buf *b, const tfy_batches_create_options *o)
{
	int rc = member(b, "input_file_id", o->input_file_id) | member(b, "endpoint", o->endpoint) |
	         member(b, "completion_window",
	                o->completion_window ? o->completion_window : TFY_COMPLETION_WINDOW_DEFAULT);
	if (o->metadata_count)
		rc |= tfy__buf_append(b, ",\"metadata\":", 12) |
		      tfy__json_append_object(b, o->metadata, o->metadata_count);
	if (o->output_expires_after_seconds) {
		char tail[96];
		int n = snprintf(tail, sizeof(tail),
		                 ",\"output_expires_after\":{\"anchor\":\"created_at\",\"seconds\":%" PRId64
		                 "}",
		                 o->output_expires_after_seconds);
		rc |= tfy__buf_append(b, tail, (size_t)n);
	}
	return rc | tfy__buf_append(b, "}", 1);
}
