/*
 * The scanner every decoder walks its text with: JSON syntax checked byte
 * by byte exactly as jansson's parser checks it, without building anything;
 * objects walked member by member; values built by jansson one at a time;
 * the verdict on a whole body.  See json_scan.h for the design.
 */
#include "json_scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "utf8.h"

/* jansson's JSON_PARSER_MAX_DEPTH: the scanner nests no deeper within one value. */
#define DEPTH_MAX 2048

const char *tfy__json_copy(tfy__decoder *d, const char *s, size_t n)
{
	char *p = tfy__arena_strndup(d->arena, s, n);
	if (!p)
		d->oom = 1;
	return p;
}

void *tfy__json_alloc(tfy__decoder *d, size_t n)
{
	void *p = tfy__arena_alloc(d->arena, n);
	if (!p)
		d->oom = 1;
	return p;
}

const char *tfy__json_type_name(char c)
{
	switch (c) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't':
	case 'f': return "a boolean";
	case 'n': return "null";
	default: return "a number";
	}
}

/*
 * jansson refuses integers beyond 64 bits; rather than lose the field, parse
 * again with every number as a double.
 */
static json_t *parse(const char *body, size_t len, size_t flags, json_error_t *jerr)
{
	/*
	 * jansson leaves jerr unwritten when it runs out of memory before it
	 * starts (valgrind caught json_error_code reading it): zero it, which
	 * reads as json_error_unknown.
	 */
	memset(jerr, 0, sizeof(*jerr));
	json_t *root = json_loadb(body, len, flags, jerr);
	if (!root && json_error_code(jerr) == json_error_numeric_overflow)
		root = json_loadb(body, len, flags | JSON_DECODE_INT_AS_REAL, jerr);
	return root;
}

/* ---- The scanner: JSON syntax exactly as jansson's parser checks it, without building anything. ---- */

void tfy__json_syntax_error(tfy__decoder *d, const char *what)
{
	if (!d->invalid) {
		d->invalid = 1;
		d->err_at = d->i;
		d->err_what = what;
	}
}

/* The 4 hex digits of a \u escape at s[i]; -1 when they are not. */
static long hex4(const tfy__decoder *d, size_t i)
{
	if (d->n - i < 4)
		return -1;
	char hex[5];
	memcpy(hex, d->s + i, 4);
	hex[4] = '\0';
	for (int k = 0; k < 4; k++)
		if (!hex[k] || !strchr("0123456789abcdefABCDEF", hex[k]))
			return -1;
	return strtol(hex, NULL, 16);
}

/* A \u escape at d->i (past the backslash and u): a surrogate must pair. */
static void scan_unicode_escape(tfy__decoder *d, int *nul)
{
	long v = hex4(d, d->i);
	if (v < 0) {
		tfy__json_syntax_error(d, "invalid escape");
		return;
	}
	d->i += 4;
	if (v == 0)
		*nul = 1;
	if (v >= 0xDC00 && v <= 0xDFFF) {
		tfy__json_syntax_error(d, "invalid Unicode escape");
		return;
	}
	if (v < 0xD800 || v > 0xDBFF)
		return;
	long low = d->n - d->i >= 2 && d->s[d->i] == '\\' && d->s[d->i + 1] == 'u' ? hex4(d, d->i + 2)
	                                                                           : -1;
	if (low < 0xDC00 || low > 0xDFFF) {
		tfy__json_syntax_error(d, "invalid Unicode escape");
		return;
	}
	d->i += 6;
}

/*
 * The string at d->i (its opening quote).  *nul is set when it holds a NUL
 * (\u0000), *escaped when it holds any escape.
 */
/* Bytes of v equal to zero have their top bit set in the result (no false positive below the first). */
#define ZERO_BYTES(v) (((v)-UINT64_C(0x0101010101010101)) & ~(v)&UINT64_C(0x8080808080808080))

/*
 * Steps over the 8-byte runs at d->i that need no care in a string: ASCII
 * from 0x20 up, neither quote nor backslash (most of a body's text).
 * What the byte loop of scan_string does with them, eight at a time.
 */
static void skip_plain(tfy__decoder *d)
{
	while (d->n - d->i >= 8) {
		uint64_t w;
		memcpy(&w, d->s + d->i, 8);
		uint64_t special = (w | (w - UINT64_C(0x2020202020202020))) &
		                   UINT64_C(0x8080808080808080); /* >= 0x80, or < 0x20 */
		special |= ZERO_BYTES(w ^ UINT64_C(0x2222222222222222)) |
		           ZERO_BYTES(w ^ UINT64_C(0x5C5C5C5C5C5C5C5C));
		if (special)
			return;
		d->i += 8;
	}
}

static void scan_string(tfy__decoder *d, int *nul, int *escaped)
{
	*nul = *escaped = 0;
	d->i++;
	while (d->i < d->n) {
		skip_plain(d);
		if (d->i >= d->n)
			break;
		unsigned char c = (unsigned char)d->s[d->i];
		if (c == '"') {
			d->i++;
			return;
		}
		if (c < 0x20) {
			tfy__json_syntax_error(d, "control character in a string");
			return;
		}
		if (c != '\\') {
			/* tfy__utf8_decode refuses what jansson refuses: overlong forms, surrogates, past U+10FFFF. */
			size_t k = c < 0x80 ? 1 : tfy__utf8_decode(d->s + d->i, d->n - d->i, NULL);
			if (!k) {
				tfy__json_syntax_error(d, "invalid UTF-8");
				return;
			}
			d->i += k;
			continue;
		}
		*escaped = 1;
		char e = d->i + 1 < d->n ? d->s[d->i + 1] : 0;
		d->i += 2;
		if (e == 'u')
			scan_unicode_escape(d, nul);
		else if (!e || !strchr("\"\\/bfnrt", e)) {
			tfy__json_syntax_error(d, "invalid escape");
			return;
		}
		if (d->invalid)
			return;
	}
	tfy__json_syntax_error(d, "premature end of input");
}

static int is_digit(tfy__decoder *d)
{
	return d->i < d->n && d->s[d->i] >= '0' && d->s[d->i] <= '9';
}

static void skip_digits(tfy__decoder *d)
{
	while (is_digit(d))
		d->i++;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static void scan_number(tfy__decoder *d)
{
	if (d->s[d->i] == '-')
		d->i++;
	if (!is_digit(d)) {
		tfy__json_syntax_error(d, "invalid number");
		return;
	}
	if (d->s[d->i++] != '0')
		skip_digits(d);
	else if (is_digit(d)) {
		tfy__json_syntax_error(d, "invalid number");
		return;
	}
	if (d->i < d->n && d->s[d->i] == '.') {
		d->i++;
		if (!is_digit(d)) {
			tfy__json_syntax_error(d, "invalid number");
			return;
		}
		skip_digits(d);
	}
	if (d->i < d->n && (d->s[d->i] == 'e' || d->s[d->i] == 'E')) {
		d->i++;
		if (d->i < d->n && (d->s[d->i] == '+' || d->s[d->i] == '-'))
			d->i++;
		if (!is_digit(d)) {
			tfy__json_syntax_error(d, "invalid number");
			return;
		}
		skip_digits(d);
	}
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* true, false or null: jansson reads the whole run of letters as one word. */
static void scan_literal(tfy__decoder *d)
{
	size_t start = d->i;
	while (d->i < d->n && is_alpha(d->s[d->i]))
		d->i++;
	size_t len = d->i - start;
	static const char *const words[] = { "true", "false", "null" };
	for (size_t k = 0; k < 3; k++)
		if (len == strlen(words[k]) && memcmp(d->s + start, words[k], len) == 0)
			return;
	d->i = start;
	tfy__json_syntax_error(d, "invalid token");
}

static void scan_scalar(tfy__decoder *d)
{
	char c = d->s[d->i];
	int nul, escaped;
	if (c == '"')
		scan_string(d, &nul, &escaped);
	else if (c == '-' || (c >= '0' && c <= '9'))
		scan_number(d);
	else if (is_alpha(c))
		scan_literal(d);
	else
		tfy__json_syntax_error(d, "invalid token");
}

/* An object's key and its colon, inside the scanner. */
static void scan_key(tfy__decoder *d)
{
	int nul, escaped;
	if (tfy__json_peek(d) != '"') {
		tfy__json_syntax_error(d, "string or '}' expected");
		return;
	}
	scan_string(d, &nul, &escaped);
	if (!d->invalid && !tfy__json_accept(d, ':'))
		tfy__json_syntax_error(d, "':' expected");
}

/*
 * Opens the container at d->i; 1 when it closed at once ([] or {}), else
 * 0 with the walk at its first value.
 */
static int scan_open(tfy__decoder *d, unsigned char *is_obj, size_t *depth)
{
	char open = d->s[d->i++];
	if (*depth == DEPTH_MAX) {
		d->i--;
		tfy__json_syntax_error(d, "maximum parsing depth reached");
		return 1;
	}
	if (tfy__json_accept(d, open == '{' ? '}' : ']'))
		return 1;
	is_obj[*depth] = open == '{';
	(*depth)++;
	if (open == '{')
		scan_key(d);
	return 0;
}

/*
 * After a value inside containers: steps over ',' (and the next key) or
 * closing brackets; 1 when the outermost container closed.
 */
static int scan_after_value(tfy__decoder *d, const unsigned char *is_obj, size_t *depth)
{
	while (*depth > 0) {
		int obj = is_obj[*depth - 1];
		if (tfy__json_accept(d, ',')) {
			if (obj)
				scan_key(d);
			return 0;
		}
		if (!tfy__json_accept(d, obj ? '}' : ']')) {
			tfy__json_syntax_error(d, obj ? "'}' or ',' expected" : "']' or ',' expected");
			return 1;
		}
		(*depth)--;
	}
	return 1;
}

/*
 * Steps over the value at the walk's position, checking its syntax, and
 * returns how many JSON values and object members it holds (what jansson
 * would build for it); 0 with invalid set on a syntax error.  Iterative:
 * nesting costs one byte per level, up to DEPTH_MAX.
 */
size_t tfy__json_scan_value(tfy__decoder *d)
{
	unsigned char is_obj[DEPTH_MAX];
	size_t depth = 0, nodes = 0;
	do {
		char c = tfy__json_peek(d);
		nodes++;
		if (!c) {
			tfy__json_syntax_error(d, "premature end of input");
		} else if (c == '{' || c == '[') {
			nodes += c == '{'; /* the member a key stands for */
			if (!scan_open(d, is_obj, &depth))
				continue;
		} else {
			scan_scalar(d);
		}
		if (d->invalid || scan_after_value(d, is_obj, &depth))
			break;
	} while (!d->invalid);
	return d->invalid ? 0 : nodes;
}

/*
 * The value at the walk's position as a new tree, or NULL when it is null
 * text, holds more than `max_nodes` values, or jansson refuses it though
 * its syntax is sound (a number out of range, a key holding NUL, nesting
 * past jansson's limit): then the field it fills reads as absent.  *nodes,
 * when not NULL, receives its size.  NULL with invalid set on a syntax error.
 */
json_t *tfy__json_load_value(tfy__decoder *d, size_t max_nodes, size_t *nodes)
{
	tfy__json_skip_ws(d);
	size_t start = d->i, count = tfy__json_scan_value(d);
	if (nodes)
		*nodes = count;
	if (d->invalid || count > max_nodes)
		return NULL;
	json_error_t jerr;
	json_t *v = parse(d->s + start, d->i - start, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!v && json_error_code(&jerr) == json_error_out_of_memory)
		d->oom = 1;
	return v;
}

/*
 * ---- Strings decoded without jansson ----
 *
 * Keys and the strings of the modelled fields are decoded here from the
 * scanned text (and their numbers in json_values.c): jansson 2.14's lexer
 * drops a byte when its token buffer cannot grow and then reads past the
 * token, so under memory pressure a string it lexes can crash it.  jansson
 * still builds metadata's and the envelope's non-string values.
 */

/* The decoded text of the string token at s[0..n) (quotes included, checked by the scanner), in b. */
static int unescape(const tfy__decoder *d, size_t start, size_t n, tfy__buf *b)
{
	static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
	size_t i = start + 1, end = start + n - 1;
	b->len = 0;
	if (tfy__buf_reserve(b, n) < 0)
		return -1;
	while (i < end) {
		size_t run = i;
		while (run < end && d->s[run] != '\\')
			run++;
		if (tfy__buf_append(b, d->s + i, run - i) < 0)
			return -1;
		if (run == end)
			break;
		char e = d->s[run + 1];
		i = run + 2;
		if (e != 'u') {
			if (tfy__buf_append(b, &decoded[strchr(plain, e) - plain], 1) < 0)
				return -1;
			continue;
		}
		uint32_t v = (uint32_t)hex4(d, i);
		i += 4;
		if (v >= 0xD800 && v <= 0xDBFF) {
			v = 0x10000 + ((v - 0xD800) << 10) + ((uint32_t)hex4(d, i + 2) - 0xDC00);
			i += 6;
		}
		char utf8[4];
		if (tfy__buf_append(b, utf8, tfy__utf8_encode(v, utf8)) < 0)
			return -1;
	}
	return 0;
}

/*
 * Walks the object at the walk's position member by member: fn is called
 * with the walk at each member's value and must step over it.  A member
 * whose key holds NUL (which jansson cannot hold) is stepped over here.
 */
void tfy__json_walk_object(tfy__decoder *d, tfy__member_fn fn, void *ctx)
{
	d->i++; /* '{' */
	if (tfy__json_accept(d, '}'))
		return;
	do {
		if (tfy__json_peek(d) != '"') {
			tfy__json_syntax_error(d, "string or '}' expected");
			return;
		}
		size_t start = d->i;
		int nul, escaped;
		scan_string(d, &nul, &escaped);
		size_t end = d->i;
		if (!d->invalid && !tfy__json_accept(d, ':'))
			tfy__json_syntax_error(d, "':' expected");
		if (d->invalid)
			return;
		/* A key without escapes is its bytes; the others are decoded into their own buffer. */
		tfy__json_key k = { d->s + start + 1, end - start - 2 };
		tfy__buf decoded = TFY__BUF_INIT;
		if (escaped && !nul) {
			if (unescape(d, start, end - start, &decoded) < 0) {
				d->oom = 1;
				return;
			}
			k.s = decoded.data ? decoded.data : "";
			k.len = decoded.len;
		}
		if (nul)
			tfy__json_scan_value(d);
		else
			fn(d, k, ctx);
		tfy__buf_clear(&decoded);
	} while (!tfy__json_stopped(d) && tfy__json_accept(d, ','));
	if (!tfy__json_stopped(d) && !tfy__json_accept(d, '}'))
		tfy__json_syntax_error(d, "'}' or ',' expected");
}

/*
 * Walks the array at the walk's position (its '[') element by element: fn
 * is called with the walk at each element and must step over it.
 */
void tfy__json_walk_array(tfy__decoder *d, tfy__element_fn fn, void *ctx)
{
	size_t index = 0;
	d->i++; /* '[' */
	if (tfy__json_accept(d, ']'))
		return;
	do {
		fn(d, index++, ctx);
	} while (!tfy__json_stopped(d) && tfy__json_accept(d, ','));
	if (!tfy__json_stopped(d) && !tfy__json_accept(d, ']'))
		tfy__json_syntax_error(d, "']' or ',' expected");
}

/*
 * The string at the walk's position, decoded into d->scratch; 0 when the
 * value is not a string (stepped over), -1 on a syntax error or OOM.
 * *nul is set when it holds NUL.
 */
int tfy__json_read_string(tfy__decoder *d, int *nul)
{
	*nul = 0;
	if (tfy__json_peek(d) != '"') {
		tfy__json_scan_value(d);
		return 0;
	}
	size_t start = d->i;
	int escaped;
	scan_string(d, nul, &escaped);
	if (d->invalid)
		return -1;
	if (unescape(d, start, d->i - start, &d->scratch) < 0) {
		d->oom = 1;
		return -1;
	}
	return 1;
}

/* ---- Whole texts: a body or a line walked from end to end, and what it came to ---- */

/* The whole body: one value, then nothing but whitespace. */
void tfy__json_top(tfy__decoder *d, tfy__member_fn fn, void *ctx)
{
	char c = tfy__json_peek(d);
	if (c == '{' && fn) {
		tfy__json_walk_object(d, fn, ctx);
	} else {
		tfy__json_scan_value(d);
		d->top_type = tfy__json_type_name(c);
	}
	if (tfy__json_stopped(d))
		return;
	tfy__json_skip_ws(d);
	if (d->i != d->n)
		tfy__json_syntax_error(d, "end of file expected");
}

/* What the walk came to, with detail written for a decode error. */
tfy_code tfy__json_verdict(const tfy__decoder *d, const char *expected, char *detail, size_t size)
{
	if (d->oom)
		return TFY_ERROR_OUT_OF_MEMORY;
	if (d->over) {
		snprintf(detail, size, "%s", d->over);
	} else if (d->invalid && d->one_line) {
		snprintf(detail, size, "invalid JSON at column %zu: %s", d->err_at + 1, d->err_what);
	} else if (d->invalid) {
		size_t line = 1, column = 1;
		for (size_t k = 0; k < d->err_at && k < d->n; k++)
			if (d->s[k] == '\n')
				line++, column = 1;
			else
				column++;
		snprintf(detail, size, "invalid JSON at line %zu, column %zu: %s", line, column,
		         d->err_what);
	} else if (d->top_type) {
		snprintf(detail, size, "expected %s, got %s", expected, d->top_type);
	} else {
		return TFY_OK;
	}
	return TFY_ERROR_DECODE;
}

/* JSON text never holds a NUL byte; one inside an item would cut its raw_json. */
int tfy__json_refuse_nul(const char *body, size_t len, char *detail, size_t size)
{
	const char *nul = memchr(body, '\0', len);
	if (nul)
		snprintf(detail, size, "invalid JSON: a NUL byte at offset %zu", (size_t)(nul - body));
	return nul != NULL;
}

/* Ends a decoder's run: its buffers freed, a hidden OOM noted (see tfy__alloc_thread_failures). */
void tfy__json_finish(tfy__decoder *d, long failures)
{
	tfy__buf_clear(&d->dump);
	tfy__buf_clear(&d->ptrs);
	tfy__buf_clear(&d->scratch);
	if (tfy__alloc_thread_failures() != failures)
		d->oom = 1;
}

/*
 * The whole text (but surrounding whitespace) as one item in a new arena:
 * owner_size zeroed bytes whose first member is the arena pointer, the
 * public struct at pub_offset.  Any JSON value is decoded by `item` unless
 * object_only (then anything but an object is TFY_ERROR_DECODE, named by
 * `expected`).
 */
tfy_code tfy__json_decode_one(const char *body, size_t len, int object_only, size_t owner_size,
                              size_t pub_offset, tfy__item_fn item, const char *expected,
                              void **out, char *detail, size_t detail_size)
{
	*out = NULL;
	if (tfy__json_refuse_nul(body, len, detail, detail_size))
		return TFY_ERROR_DECODE;
	long failures = tfy__alloc_thread_failures();
	tfy__decoder d = { .arena = tfy__arena_new(TFY__ARENA_HINT(len)),
		           .dump = TFY__BUF_INIT,
		           .ptrs = TFY__BUF_INIT,
		           .scratch = TFY__BUF_INIT,
		           .s = body,
		           .n = len };
	char *owner = d.arena ? tfy__json_alloc(&d, owner_size) : NULL;
	if (owner) {
		if (object_only && tfy__json_peek(&d) != '{')
			tfy__json_top(&d, NULL, NULL);
		else
			item(&d, owner + pub_offset);
		if (!tfy__json_stopped(&d)) {
			tfy__json_skip_ws(&d);
			if (d.i != d.n)
				tfy__json_syntax_error(&d, "end of file expected");
		}
	}
	d.oom = d.oom || !owner;
	tfy__json_finish(&d, failures);
	tfy_code rc = tfy__json_verdict(&d, expected, detail, detail_size);
	if (rc != TFY_OK) {
		tfy__arena_free(d.arena);
		return rc;
	}
	memcpy(owner, &d.arena, sizeof(d.arena));
	*out = owner;
	return TFY_OK;
}
