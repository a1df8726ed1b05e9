#include "spans.h"

#include <string.h>

#include "alloc.h"

#define SCAN_FAILED ((size_t)-1)

static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* s[i] is the opening quote; returns the index just past the closing one. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
	/* memchr runs through the text; a quote preceded by an odd run of backslashes is escaped. */
	for (size_t from = i + 1; from < n;) {
		const char *q = memchr(s + from, '"', n - from);
		if (!q)
			return n;
		size_t j = (size_t)(q - s), backslashes = 0;
		while (j - backslashes > i + 1 && s[j - backslashes - 1] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return j + 1;
		from = j + 1;
	}
	return n;
}

enum { PLAIN, QUOTE, OPEN, CLOSE, END_OF_SCALAR };

/* What each byte means to the scan, so the inner loops cost one lookup a byte. */
static const unsigned char byte_class[256] = {
	['"'] = QUOTE, ['{'] = OPEN, ['['] = OPEN, ['}'] = CLOSE, [']'] = CLOSE,
	[','] = END_OF_SCALAR, [' '] = END_OF_SCALAR, ['\t'] = END_OF_SCALAR,
	['\r'] = END_OF_SCALAR, ['\n'] = END_OF_SCALAR,
};

/* Returns the index just past the value that starts at s[i]. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	if (i >= n)
		return n;
	unsigned char first = byte_class[(unsigned char)s[i]];
	if (first == QUOTE)
		return skip_string(s, i, n);
	if (first != OPEN) {
		while (i < n && byte_class[(unsigned char)s[i]] != END_OF_SCALAR &&
		       byte_class[(unsigned char)s[i]] != CLOSE)
			i++;
		return i;
	}
	size_t depth = 0;
	while (i < n) {
		unsigned char k = byte_class[(unsigned char)s[i]];
		if (k == QUOTE) {
			i = skip_string(s, i, n);
			continue;
		}
		if (k == OPEN)
			depth++;
		else if (k == CLOSE && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* Records the elements of the array that starts at s[i]; returns their count. */
static size_t array_spans(const char *s, size_t i, size_t n, tfy__span **spans, int *oom)
{
	size_t count = 0, cap = 0;
	tfy__free(*spans);
	*spans = NULL;
	for (i = skip_ws(s, i + 1, n); i < n && s[i] != ']'; i = skip_ws(s, i + 1, n)) {
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			tfy__span *grown = tfy__realloc(*spans, cap * sizeof(**spans));
			if (!grown) {
				*oom = 1;
				return SCAN_FAILED;
			}
			*spans = grown;
		}
		size_t end = skip_value(s, i, n);
		(*spans)[count++] = (tfy__span){ i, end };
		i = skip_ws(s, end, n); /* now at ',' or ']' */
		if (i >= n || s[i] == ']')
			break;
	}
	return count;
}

size_t tfy__data_item_spans(const char *body, size_t len, tfy__span **spans, int *oom)
{
	size_t count = SCAN_FAILED;
	*spans = NULL;
	size_t i = skip_ws(body, 0, len);
	if (i >= len || body[i] != '{')
		return SCAN_FAILED;
	for (i = skip_ws(body, i + 1, len); i < len && body[i] == '"'; i = skip_ws(body, i + 1, len)) {
		size_t key_end = skip_string(body, i, len);
		/* An escaped key might decode to "data" and be the one jansson keeps. */
		if (memchr(body + i, '\\', key_end - i)) {
			count = SCAN_FAILED;
			break;
		}
		int is_data = key_end - i == 6 && memcmp(body + i, "\"data\"", 6) == 0;
		size_t v = skip_ws(body, skip_ws(body, key_end, len) + 1, len); /* past ':' */
		if (is_data)
			count = v < len && body[v] == '[' ? array_spans(body, v, len, spans, oom) : SCAN_FAILED;
		if (is_data && count == SCAN_FAILED)
			break;
		i = skip_ws(body, skip_value(body, v, len), len); /* now at ',' or '}' */
		if (i >= len || body[i] != ',')
			break;
	}
	if (count == SCAN_FAILED) {
		tfy__free(*spans);
		*spans = NULL;
	}
	return count;
}
