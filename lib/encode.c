#include "encode.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Accepts well-formed UTF-8 only: JSON text must be Unicode. */
int tfy__utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
		      : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xC2) || (n == 3 && *p > 0xF4))
			return 0;
		unsigned lead = *p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
		/* Overlong three-byte forms and UTF-16 surrogates. */
		if (n == 2 && ((lead == 0xE0 && p[-2] < 0xA0) || (lead == 0xED && p[-2] >= 0xA0)))
			return 0;
		if (n == 3 && ((lead == 0xF0 && p[-3] < 0x90) || (lead == 0xF4 && p[-3] >= 0x90)))
			return 0;
	}
	return 1;
}

/* The code point of the valid UTF-8 sequence at *p; advances *p past it. */
static uint32_t next_code_point(const unsigned char **p)
{
	const unsigned char *s = *p;
	int n = *s < 0x80 ? 0 : *s < 0xE0 ? 1 : *s < 0xF0 ? 2 : 3;
	uint32_t cp = n == 0 ? *s : (uint32_t)(*s & (0x3F >> n));
	for (int i = 1; i <= n; i++)
		cp = (cp << 6) | (s[i] & 0x3Fu);
	*p = s + n + 1;
	return cp;
}

/* \uXXXX for one UTF-16 unit (upper-case hex, as jansson writes it). */
static int append_u16(tfy__buf *b, uint32_t unit)
{
	static const char hex[] = "0123456789ABCDEF";
	const char esc[6] = { '\\', 'u', hex[(unit >> 12) & 15], hex[(unit >> 8) & 15],
	                      hex[(unit >> 4) & 15], hex[unit & 15] };
	return tfy__buf_append(b, esc, 6);
}

/*
 * A JSON string of well-formed UTF-8 s in pure ASCII: every control and
 * non-ASCII character as \uXXXX (a surrogate pair beyond the BMP), so a
 * server that reads headers as Latin-1 still reads the same text.
 */
int tfy__json_append_string(tfy__buf *b, const char *s)
{
	int rc = tfy__buf_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0;) {
		uint32_t cp = next_code_point(&p);
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


size_t tfy__utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
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
		                 ",\"output_expires_after\":{\"anchor\":\"created_at\",\"seconds\":%" PRId64 "}",
		                 o->output_expires_after_seconds);
		rc |= tfy__buf_append(b, tail, (size_t)n);
	}
	return rc | tfy__buf_append(b, "}", 1);
}
