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
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* Returns the index just past the value that starts at s[i]. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	if (i >= n)
		return n;
	if (s[i] == '"')
		return skip_string(s, i, n);
	if (s[i] != '{' && s[i] != '[') {
		while (i < n && !strchr(",]} \t\r\n", s[i]))
			i++;
		return i;
	}
	size_t depth = 0;
	while (i < n) {
		char c = s[i];
		if (c == '"') {
			i = skip_string(s, i, n);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
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
