/*
 * libFuzzer harness: the result reader over any bytes, handed out in
 * chunks of a size the input chooses, with a line cap the input chooses.
 * Invariants: every call returns TFY_OK or TFY_ERROR_DECODE (never IO or
 * OOM here) and the read ends; the records and decode errors come one per
 * line that is not blank (or is longer than the cap), in order, with that
 * line's number; a record's
 * line_json is that line (line ending dropped), NUL-terminated, and its
 * body_json, when set, is NUL-terminated and found inside the line; a
 * decode error's message starts "line N: "; a line within the cap and
 * without a NUL byte that jansson reads as an object is a record
 * (differential).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "tfy/tfy.h"

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Line `want` (from 1) of the text: its start and length without "\n" or "\r\n". */
static int find_line(const char *s, size_t n, int64_t want, const char **line, size_t *len,
                     size_t *raw_len)
{
	size_t i = 0;
	for (int64_t no = 1; i < n; no++) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		if (no == want) {
			*line = s + i;
			*raw_len = e - i;
			*len = *raw_len - (*raw_len && s[e - 1] == '\r');
			return 1;
		}
		if (!nl)
			break;
		i = e + 1;
	}
	return 0;
}

/* Whether the n bytes at needle occur in the len bytes at hay. */
static int contains(const char *hay, size_t len, const char *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	tu_mem_stream m = { (const char *)data + 2, size - 2, 0, (size_t)data[0] % 64 + 1, -1 };
	tfy_result_reader_options opts = TFY_RESULT_READER_OPTIONS_INIT;
	opts.max_line_bytes = data[1] < 128 ? 0 : data[1] - 120;
	tfy_result_reader *r = NULL;
	if (tfy_result_reader_new(tu_mem_read, &m, &opts, &r, NULL) != TFY_OK)
		abort();
	int64_t last = 0;
	for (size_t calls = 0;; calls++) {
		if (calls > m.len + 2)
			abort(); /* more results than lines */
		const tfy_result *rec = (const tfy_result *)&r;
		tfy_error *err = NULL;
		tfy_code rc = tfy_result_reader_next(r, &rec, &err);
		if (rc == TFY_OK && !rec)
			break;
		int64_t no;
		if (rc == TFY_OK) {
			no = rec->line;
		} else {
			long long n = 0;
			if (rc != TFY_ERROR_DECODE || rec || !err ||
			    sscanf(err->message, "line %lld: ", &n) != 1)
				abort();
			no = n;
			tfy_error_free(err);
		}
		/* Every line between the last one and this one was blank (or too long, refused unread). */
		const char *line;
		size_t len, raw_len;
		size_t cap = opts.max_line_bytes ? (size_t)opts.max_line_bytes
		                                 : (size_t)TFY_RESULT_LINE_MAX_DEFAULT;
		if (no <= last || !find_line(m.data, m.len, no, &line, &len, &raw_len) ||
		    (blank(line, len) && (rc == TFY_OK || raw_len <= cap)))
			abort();
		for (int64_t k = last + 1; k < no; k++) {
			const char *l2;
			size_t n2, r2;
			if (!find_line(m.data, m.len, k, &l2, &n2, &r2) || !blank(l2, n2))
				abort();
		}
		last = no;
		if (rc == TFY_OK) {
			if (rec->line_len != len || memcmp(rec->line_json, line, len) != 0 ||
			    rec->line_json[len] != '\0' || raw_len > cap)
				abort();
			if (rec->body_json &&
			    (strlen(rec->body_json) != rec->body_json_len ||
			     !contains(line, len, rec->body_json, rec->body_json_len)))
				abort();
			if (!rec->body_json && rec->body_json_len)
				abort();
		} else if (raw_len <= cap && !memchr(line, '\0', len)) {
			/* (a raw NUL byte is refused, as JSON never holds one; jansson reads it as the end) */
			json_error_t e;
			json_t *v = json_loadb(line, len, 0, &e);
			if (v && json_is_object(v))
				abort(); /* jansson reads an object where the reader refused one */
			json_decref(v);
		}
	}
	/* Nothing but blank lines after the last result. */
	for (int64_t k = last + 1;; k++) {
		const char *l2;
		size_t n2, r2;
		if (!find_line(m.data, m.len, k, &l2, &n2, &r2))
			break;
		if (!blank(l2, n2))
			abort();
	}
	tfy_result_reader_free(r);
	return 0;
}
