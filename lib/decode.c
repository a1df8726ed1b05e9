/*
 * The JSON decoder.  Bodies are read piecewise: the decoder walks the text
 * itself (the envelope, each item's members, `errors` and `metadata`
 * member by member) with a scanner that checks every byte's syntax as
 * jansson would, and hands jansson only the values of the fields libtfy
 * models, one at a time.  So:
 *
 * - Memory is bounded by the body's size: a value the walk skips (an
 *   unknown member, a field's value past ITEM_VALUE_NODES_MAX JSON values,
 *   `errors.data` entries past TFY__ERRORS_MAX) is scanned, never built;
 *   no tree of a whole page or a whole item is ever built.
 * - Malformed JSON syntax anywhere fails the whole body (TFY_ERROR_DECODE).
 * - A problem local to one value in well-formed text (a number out of
 *   range such as 1e400, a key holding a NUL character, a value nested
 *   past jansson's depth limit, a value too large to build) makes only the
 *   field that holds it absent; a member whose key holds NUL is skipped
 *   wherever it is (item, metadata, the envelope's extra members).  The
 *   item's raw_json keeps the exact text.
 *
 * The only part of libtfy that includes jansson.
 */
#include "decode.h"

#include "alloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"
#include "buf.h"
#include "civil.h"
#include "error_internal.h"
#include "file_internal.h"
#include "tfy/request.h"

/*
 * Items' own text (at most the body's size), their fields' strings and the
 * batch structs, in one chunk: growing the arena mid-page costs a large
 * allocation, which makes glibc merge all its small free chunks.
 */
#define ARENA_HINT(len) (2 * (len) + 4096)

/*
 * Each item costs a whole tfy_batch (424 bytes) however small its text, so a
 * body of bare numbers would ask for some 200 times its size; API pages hold
 * at most TFY_BATCHES_LIMIT_MAX (100).
 */
#define PAGE_ITEMS_MAX 100000

/*
 * jansson spends some 50 to 100 bytes on each JSON value (and object
 * member) it builds, against as little as 2 bytes of text: a field's value
 * is built only when it holds at most this many (some 10 MiB), else it
 * reads as absent.  Batches' fields hold a few dozen.
 */
#define ITEM_VALUE_NODES_MAX 100000

/* The same bound for the envelope's extra members, all of them together. */
#define EXTRA_NODES_MAX ITEM_VALUE_NODES_MAX

/* jansson's JSON_PARSER_MAX_DEPTH: the scanner nests no deeper within one value. */
#define DEPTH_MAX 2048

/* A timestamp this large is milliseconds: in seconds it would be past the year 5000. */
#define TIME_MS_FROM INT64_C(100000000000)

#define TFY__STRINGIFY_(x) #x
#define TFY__STRINGIFY(x) TFY__STRINGIFY_(x)

/* A member of a struct that decodes into it: its JSON name and offset. */
struct field {
	const char *key;
	size_t offset;
};

typedef struct decoder {
	tfy__arena *arena;
	tfy__buf dump;         /* reused for every JSON text the page keeps */
	tfy__buf ptrs;         /* reused: the entries of one errors or metadata */
	tfy__buf scratch;      /* reused: one decoded string */
	json_t *extra;         /* the envelope's members libtfy does not model, or NULL */
	size_t extra_nodes;    /* JSON values in extra */
	int oom;               /* set by any step that ran out of memory */
	int invalid;           /* set at the first syntax error */
	size_t err_at;         /* where it is */
	const char *err_what;  /* and what */
	const char *s;         /* the body */
	size_t n;              /* its length */
	size_t i;              /* where the walk is in it */
	tfy_batch **items;     /* the list's items, in the arena */
	size_t count, cap;     /* items held, and room for */
	const char *top_type;  /* what the body is when it is not an object */
	const char *data_type; /* NULL once "data" is an array, else what it is */
	size_t items_seen;     /* those of a replaced "data" included; past PAGE_ITEMS_MAX: too many */
	int one_line;          /* the text is one line of a JSONL file: errors give the column only */
} decoder;

static const char *copy_str(decoder *d, const char *s, size_t n)
{
	char *p = tfy__arena_strndup(d->arena, s, n);
	if (!p)
		d->oom = 1;
	return p;
}

/*
 * A string value, or NULL when it is null, not a string, or holds a NUL
 * character: a C string would silently end there ("a\u0000b" is not "a").
 */
static const char *str_value(decoder *d, const json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return copy_str(d, json_string_value(v), json_string_length(v));
}
/*
 * Notes the failure in the decoder as well as returning it: jansson 2.14
 * ignores the callback's result in places and would then report success
 * for a text with a piece missing.
 */
static int dump_cb(const char *buffer, size_t size, void *data)
{
	decoder *d = data;
	if (tfy__buf_append(&d->dump, buffer, size) < 0) {
		d->oom = 1;
		return -1;
	}
	return 0;
}

/* The compact JSON text of any value, kept in the arena. */
static const char *dump_json(decoder *d, const json_t *v)
{
	d->dump.len = 0;
	if (json_dump_callback(v, dump_cb, d, JSON_COMPACT | JSON_ENCODE_ANY) != 0 || d->oom) {
		d->oom = 1;
		return NULL;
	}
	return copy_str(d, d->dump.data ? d->dump.data : "", d->dump.len);
}

static int parse_decimal(const char *s, int64_t *out)
{
	if (*s != '-' && (*s < '0' || *s > '9'))
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return 0;
	*out = v;
	return 1;
}
/* n zeroed bytes in the page's arena; NULL with oom set when memory ran out. */
static void *alloc(decoder *d, size_t n)
{
	void *p = tfy__arena_alloc(d->arena, n);
	if (!p)
		d->oom = 1;
	return p;
}

/* What a value is, from its first byte (the scanner has checked the rest). */
static const char *text_type_name(char c)
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
 * again with every number as a double, which to_int() then accepts only
 * where it is exact.
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

/* Records the first syntax error; the walk stops at it. */
static void syntax_error(decoder *d, const char *what)
{
	if (!d->invalid) {
		d->invalid = 1;
		d->err_at = d->i;
		d->err_what = what;
	}
}

static int stopped(const decoder *d)
{
	return d->oom || d->invalid || d->items_seen > PAGE_ITEMS_MAX;
}

/* JSON's whitespace, as jansson's lexer has it. */
static void skip_ws(decoder *d)
{
	while (d->i < d->n && (d->s[d->i] == ' ' || d->s[d->i] == '\n' || d->s[d->i] == '\r' ||
	                       d->s[d->i] == '\t'))
		d->i++;
}

/* The next byte after whitespace, or 0 at the end. */
static char peek(decoder *d)
{
	skip_ws(d);
	return d->i < d->n ? d->s[d->i] : 0;
}

/* Steps past c, after any whitespace; 0 when the next byte is not c. */
static int accept(decoder *d, char c)
{
	if (peek(d) != c)
		return 0;
	d->i++;
	return 1;
}

/*
 * The length of the UTF-8 sequence at p, 0 when jansson would refuse it
 * (overlong forms, surrogates, values past U+10FFFF).
 */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
	size_t n;
	uint32_t v;
	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xC2 || p[0] > 0xF4)
		return 0;
	n = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
	v = p[0] & (0x7Fu >> n);
	if (avail < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[k] & 0x3Fu);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return n;
}

/* The 4 hex digits of a \u escape at s[i]; -1 when they are not. */
static long hex4(const decoder *d, size_t i)
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
static void scan_unicode_escape(decoder *d, int *nul)
{
	long v = hex4(d, d->i);
	if (v < 0) {
		syntax_error(d, "invalid escape");
		return;
	}
	d->i += 4;
	if (v == 0)
		*nul = 1;
	if (v >= 0xDC00 && v <= 0xDFFF) {
		syntax_error(d, "invalid Unicode escape");
		return;
	}
	if (v < 0xD800 || v > 0xDBFF)
		return;
	long low = d->n - d->i >= 2 && d->s[d->i] == '\\' && d->s[d->i + 1] == 'u' ? hex4(d, d->i + 2) : -1;
	if (low < 0xDC00 || low > 0xDFFF) {
		syntax_error(d, "invalid Unicode escape");
		return;
	}
	d->i += 6;
}

/*
 * The string at d->i (its opening quote).  *nul is set when it holds a NUL
 * (\u0000), *escaped when it holds any escape.
 */
static void scan_string(decoder *d, int *nul, int *escaped)
{
	*nul = *escaped = 0;
	d->i++;
	while (d->i < d->n) {
		unsigned char c = (unsigned char)d->s[d->i];
		if (c == '"') {
			d->i++;
			return;
		}
		if (c < 0x20) {
			syntax_error(d, "control character in a string");
			return;
		}
		if (c != '\\') {
			size_t k = utf8_len((const unsigned char *)d->s + d->i, d->n - d->i);
			if (!k) {
				syntax_error(d, "invalid UTF-8");
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
			syntax_error(d, "invalid escape");
			return;
		}
		if (d->invalid)
			return;
	}
	syntax_error(d, "premature end of input");
}

static int is_digit(decoder *d)
{
	return d->i < d->n && d->s[d->i] >= '0' && d->s[d->i] <= '9';
}

static void skip_digits(decoder *d)
{
	while (is_digit(d))
		d->i++;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static void scan_number(decoder *d)
{
	if (d->s[d->i] == '-')
		d->i++;
	if (!is_digit(d)) {
		syntax_error(d, "invalid number");
		return;
	}
	if (d->s[d->i++] != '0')
		skip_digits(d);
	else if (is_digit(d)) {
		syntax_error(d, "invalid number");
		return;
	}
	if (d->i < d->n && d->s[d->i] == '.') {
		d->i++;
		if (!is_digit(d)) {
			syntax_error(d, "invalid number");
			return;
		}
		skip_digits(d);
	}
	if (d->i < d->n && (d->s[d->i] == 'e' || d->s[d->i] == 'E')) {
		d->i++;
		if (d->i < d->n && (d->s[d->i] == '+' || d->s[d->i] == '-'))
			d->i++;
		if (!is_digit(d)) {
			syntax_error(d, "invalid number");
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
static void scan_literal(decoder *d)
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
	syntax_error(d, "invalid token");
}

static void scan_scalar(decoder *d)
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
		syntax_error(d, "invalid token");
}

/* An object's key and its colon, inside the scanner. */
static void scan_key(decoder *d)
{
	int nul, escaped;
	if (peek(d) != '"') {
		syntax_error(d, "string or '}' expected");
		return;
	}
	scan_string(d, &nul, &escaped);
	if (!d->invalid && !accept(d, ':'))
		syntax_error(d, "':' expected");
}

/*
 * Opens the container at d->i; 1 when it closed at once ([] or {}), else
 * 0 with the walk at its first value.
 */
static int scan_open(decoder *d, unsigned char *is_obj, size_t *depth)
{
	char open = d->s[d->i++];
	if (*depth == DEPTH_MAX) {
		d->i--;
		syntax_error(d, "maximum parsing depth reached");
		return 1;
	}
	if (accept(d, open == '{' ? '}' : ']'))
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
static int scan_after_value(decoder *d, const unsigned char *is_obj, size_t *depth)
{
	while (*depth > 0) {
		int obj = is_obj[*depth - 1];
		if (accept(d, ',')) {
			if (obj)
				scan_key(d);
			return 0;
		}
		if (!accept(d, obj ? '}' : ']')) {
			syntax_error(d, obj ? "'}' or ',' expected" : "']' or ',' expected");
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
static size_t scan_value(decoder *d)
{
	unsigned char is_obj[DEPTH_MAX];
	size_t depth = 0, nodes = 0;
	do {
		char c = peek(d);
		nodes++;
		if (!c) {
			syntax_error(d, "premature end of input");
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
static json_t *load_value(decoder *d, size_t max_nodes, size_t *nodes)
{
	skip_ws(d);
	size_t start = d->i, count = scan_value(d);
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
 * ---- Values read without jansson ----
 *
 * Strings and numbers of the modelled fields are read here from the
 * scanned text: jansson 2.14's lexer drops a byte when its token buffer
 * cannot grow and then reads past the token, so under memory pressure a
 * string it lexes can crash it.  jansson still builds metadata's and the
 * envelope's non-string values.
 */

/* Appends code point v as UTF-8. */
static int put_utf8(tfy__buf *b, uint32_t v)
{
	unsigned char out[4];
	size_t n;
	if (v < 0x80) {
		out[0] = (unsigned char)v;
		n = 1;
	} else if (v < 0x800) {
		out[0] = (unsigned char)(0xC0 | (v >> 6));
		out[1] = (unsigned char)(0x80 | (v & 0x3F));
		n = 2;
	} else if (v < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (v >> 12));
		out[1] = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (v & 0x3F));
		n = 3;
	} else {
		out[0] = (unsigned char)(0xF0 | (v >> 18));
		out[1] = (unsigned char)(0x80 | ((v >> 12) & 0x3F));
		out[2] = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
		out[3] = (unsigned char)(0x80 | (v & 0x3F));
		n = 4;
	}
	return tfy__buf_append(b, out, n);
}

/* The decoded text of the string token at s[0..n) (quotes included, checked by the scanner), in b. */
static int unescape(const decoder *d, size_t start, size_t n, tfy__buf *b)
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
		if (put_utf8(b, v) < 0)
			return -1;
	}
	return 0;
}

/* An object key, as decoded. */
typedef struct member_key {
	const char *s;
	size_t len;
} member_key;

static int key_is(member_key k, const char *name)
{
	return k.len == strlen(name) && memcmp(k.s, name, k.len) == 0;
}

typedef void (*member_fn)(decoder *d, member_key k, void *ctx);

/*
 * Walks the object at the walk's position member by member: fn is called
 * with the walk at each member's value and must step over it.  A member
 * whose key holds NUL (which jansson cannot hold) is stepped over here.
 */
static void walk_object(decoder *d, member_fn fn, void *ctx)
{
	d->i++; /* '{' */
	if (accept(d, '}'))
		return;
	do {
		if (peek(d) != '"') {
			syntax_error(d, "string or '}' expected");
			return;
		}
		size_t start = d->i;
		int nul, escaped;
		scan_string(d, &nul, &escaped);
		size_t end = d->i;
		if (!d->invalid && !accept(d, ':'))
			syntax_error(d, "':' expected");
		if (d->invalid)
			return;
		/* A key without escapes is its bytes; the others are decoded into their own buffer. */
		member_key k = { d->s + start + 1, end - start - 2 };
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
			scan_value(d);
		else
			fn(d, k, ctx);
		tfy__buf_clear(&decoded);
	} while (!stopped(d) && accept(d, ','));
	if (!stopped(d) && !accept(d, '}'))
		syntax_error(d, "'}' or ',' expected");
}

/*
 * The string at the walk's position, decoded into d->scratch; 0 when the
 * value is not a string (stepped over), -1 on a syntax error or OOM.
 * *nul is set when it holds NUL.
 */
static int read_raw_string(decoder *d, int *nul)
{
	*nul = 0;
	if (peek(d) != '"') {
		scan_value(d);
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

/* A string field: NULL when it is not a string or holds NUL (see str_value). */
static const char *read_str(decoder *d)
{
	int nul;
	if (read_raw_string(d, &nul) <= 0 || nul)
		return NULL;
	return copy_str(d, d->scratch.data ? d->scratch.data : "", d->scratch.len);
}

/*
 * A JSON number token (checked by the scanner) as an integer, exactly (no
 * double in between): an integer that fits in int64_t, or a number with a
 * fraction or exponent whose value is integral and below 2^53 in magnitude
 * (see tfy_opt_int64).  The value is mant x 10^exp with mant's trailing
 * zeros moved into exp; a mant past 64 bits has 20 significant digits,
 * which no integral value below 2^53 has.
 */
static tfy_opt_int64 number_value(const char *s, size_t n)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	int neg = s[0] == '-', over = 0, real = 0;
	uint64_t mant = 0;
	int64_t zeros = 0, frac = 0, exp = 0;
	size_t i = (size_t)neg;
	for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] == '.') {
			real = 1;
			continue;
		}
		frac += real;
		if (s[i] == '0') {
			zeros++;
			continue;
		}
		for (; zeros >= 0; zeros--) /* the pending zeros, then this digit */
			if (mant > (UINT64_MAX - 9) / 10)
				over = 1;
			else
				mant = mant * 10 + (zeros ? 0 : (uint64_t)(s[i] - '0'));
		zeros = 0;
	}
	if (i < n) { /* the exponent, saturated */
		real = 1;
		int eneg = s[++i] == '-';
		i += s[i] == '-' || s[i] == '+';
		for (; i < n; i++)
			exp = exp > 100000 ? exp : exp * 10 + (s[i] - '0');
		exp = eneg ? -exp : exp;
	}
	exp += zeros - frac;
	if (!real) { /* an integer: all of int64_t */
		if (over || (exp > 0 && mant > 0 && exp > 18))
			return r;
		for (; exp > 0 && mant; exp--)
			if (mant > UINT64_MAX / 10)
				return r;
			else
				mant *= 10;
		if (mant > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
			return r;
		r.value = neg ? (int64_t)(0 - mant) : (int64_t)mant;
		r.present = 1;
		return r;
	}
	if (over || (mant && exp < 0))
		return r;
	for (; mant && exp > 0 && mant < (1ULL << 53); exp--)
		mant *= 10;
	if (mant >= (1ULL << 53))
		return r;
	r.value = neg ? -(int64_t)mant : (int64_t)mant;
	r.present = 1;
	return r;
}

/* n decimal digits at s into *out; 0 when they are not all digits. */
static int digits(const char *s, int n, int64_t *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*out = *out * 10 + (s[i] - '0');
	}
	return 1;
}

/*
 * An ISO-8601 / RFC 3339 date and time, "2025-01-31T23:59:44Z" (fractions
 * dropped; "Z", "+hh:mm" or "-hh:mm"; "T" or a space), as Unix seconds.
 */
static int parse_iso8601(const char *s, int64_t *out)
{
	int64_t y, mo, d, h, mi, sec, oh = 0, om = 0;
	if (strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return 0;
	const char *p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	int sign = *p == '-' ? -1 : 1;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' && digits(p + 4, 2, &om))
		p += 6;
	else
		return 0;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || oh > 23 ||
	    om > 59)
		return 0;
	*out = tfy__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
	return 1;
}

/* A JSON number as an integer (see number_value); any other value is absent. */
static tfy_opt_int64 read_number(decoder *d)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	char c = peek(d);
	size_t start = d->i;
	scan_value(d);
	if (!d->invalid && (c == '-' || (c >= '0' && c <= '9')))
		r = number_value(d->s + start, d->i - start);
	return r;
}

/* An integer field: a number, or a string holding a decimal integer. */
static tfy_opt_int64 read_int(decoder *d)
{
	tfy_opt_int64 r = { 0, 0, 0 };
	if (peek(d) == '"') {
		const char *s = read_str(d);
		if (s)
			r.present = parse_decimal(s, &r.value);
		return r;
	}
	return read_number(d);
}

/*
 * A timestamp as Unix seconds: what read_int() reads, with two conversions
 * for what providers send through a gateway: an ISO-8601 string, and
 * milliseconds (a value of TIME_MS_FROM or more, which in seconds would lie
 * beyond the year 5000).  *converted is set when one of them applied.
 */
static tfy_opt_int64 read_time(decoder *d, int *converted)
{
	tfy_opt_int64 t = { 0, 0, 0 };
	*converted = 0;
	char c = peek(d);
	size_t start = d->i;
	if (c == '"') {
		const char *s = read_str(d);
		if (s && !(t.present = parse_decimal(s, &t.value)))
			t.present = *converted = parse_iso8601(s, &t.value);
	} else {
		scan_value(d);
		if (!d->invalid && (c == '-' || (c >= '0' && c <= '9')))
			t = number_value(d->s + start, d->i - start);
	}
	if (t.present && (t.value >= TIME_MS_FROM || t.value <= -TIME_MS_FROM)) {
		t.value /= 1000;
		*converted = 1;
	}
	return t;
}

/* A free-text field: a string, or a number given as its text. */
static const char *read_text(decoder *d)
{
	char c = peek(d);
	size_t start = d->i;
	if (c == '"')
		return read_str(d);
	scan_value(d);
	if (d->invalid || !(c == '-' || (c >= '0' && c <= '9')))
		return NULL;
	return copy_str(d, d->s + start, d->i - start);
}

/* A boolean field: 1 for true; *present is 0 when the value is not a boolean. */
static int32_t read_bool(decoder *d, int32_t *present)
{
	char c = peek(d);
	scan_value(d);
	*present = !d->invalid && (c == 't' || c == 'f');
	return *present && c == 't';
}

/* A value as a tree for metadata and extra_json: strings built here, the rest by load_value(). */
static json_t *value_tree(decoder *d, size_t max_nodes, size_t *nodes)
{
	if (peek(d) != '"')
		return load_value(d, max_nodes, nodes);
	int nul;
	if (nodes)
		*nodes = 1;
	if (read_raw_string(d, &nul) <= 0)
		return NULL;
	json_t *v = json_stringn_nocheck(d->scratch.data ? d->scratch.data : "", d->scratch.len);
	if (!v)
		d->oom = 1;
	return v;
}

/* Integer members of a struct, by name. */
typedef struct int_fields {
	const struct field *fields;
	size_t count;
	char *base;
} int_fields;

/* ---- Batches ---- */
static void push_ptr(decoder *d, const void *p)
{
	if (tfy__buf_append(&d->ptrs, &p, sizeof(p)) < 0)
		d->oom = 1;
}

/* The pointers gathered in d->ptrs, copied to the arena (NULL when none); empties d->ptrs. */
static const void *const *keep_ptrs(decoder *d, size_t *count)
{
	size_t n = d->ptrs.len / sizeof(void *);
	void **p = n ? alloc(d, d->ptrs.len) : NULL;
	if (p)
		memcpy(p, d->ptrs.data, d->ptrs.len);
	*count = p ? n : 0;
	d->ptrs.len = 0;
	return (const void *const *)p;
}

static void int_member(decoder *d, member_key k, void *ctx)
{
	int_fields *f = ctx;
	for (size_t i = 0; i < f->count; i++)
		if (key_is(k, f->fields[i].key)) {
			*(tfy_opt_int64 *)(f->base + f->fields[i].offset) = read_int(d);
			return;
		}
	scan_value(d);
}

/* The object at the walk's position into n zeroed bytes of the arena by `fields`; NULL if not an object. */
static void *read_int_object(decoder *d, size_t n, const struct field *fields, size_t count,
                             member_fn fn)
{
	if (peek(d) != '{') {
		scan_value(d);
		return NULL;
	}
	int_fields f = { fields, count, alloc(d, n) };
	if (f.base)
		walk_object(d, fn ? fn : int_member, &f);
	return f.base;
}

#define IFIELD(type, name) { #name, offsetof(type, name) }

static const struct field counts_fields[] = {
	IFIELD(tfy_batch_request_counts, total), IFIELD(tfy_batch_request_counts, completed),
	IFIELD(tfy_batch_request_counts, failed),
};

static const struct field usage_fields[] = {
	IFIELD(tfy_batch_usage, input_tokens), IFIELD(tfy_batch_usage, output_tokens),
	IFIELD(tfy_batch_usage, total_tokens),
};

/* usage.input_tokens_details.cached_tokens, usage.output_tokens_details.reasoning_tokens */
static const struct field usage_details[][1] = {
	{ { "cached_tokens", offsetof(tfy_batch_usage, cached_tokens) } },
	{ { "reasoning_tokens", offsetof(tfy_batch_usage, reasoning_tokens) } },
};

static void usage_member(decoder *d, member_key k, void *ctx)
{
	int_fields *f = ctx;
	int which = key_is(k, "input_tokens_details") ? 0 : key_is(k, "output_tokens_details") ? 1 : -1;
	if (which < 0) {
		int_member(d, k, ctx);
		return;
	}
	const struct field *detail = usage_details[which];
	tfy_opt_int64 none = { 0, 0, 0 };
	*(tfy_opt_int64 *)(f->base + detail->offset) = none; /* a repeated member replaces */
	int_fields inner = { detail, 1, f->base };
	if (peek(d) == '{')
		walk_object(d, int_member, &inner);
	else
		scan_value(d);
}

/* Every errors entry with no field set is this one, so `[{},{},...]` costs a pointer each. */
static const tfy_batch_error empty_error;

static void error_entry_member(decoder *d, member_key k, void *ctx)
{
	tfy_batch_error *e = ctx;
	if (key_is(k, "code"))
		e->code = read_text(d);
	else if (key_is(k, "message"))
		e->message = read_str(d);
	else if (key_is(k, "param"))
		e->param = read_text(d);
	else if (key_is(k, "line"))
		e->line = read_int(d);
	else
		scan_value(d);
}

static const tfy_batch_error *decode_error_entry(decoder *d)
{
	tfy_batch_error e = { NULL, NULL, NULL, { 0, 0, 0 } };
	if (peek(d) == '{')
		walk_object(d, error_entry_member, &e);
	else
		scan_value(d);
	if (!e.code && !e.message && !e.param && !e.line.present)
		return &empty_error;
	tfy_batch_error *entry = alloc(d, sizeof(*entry));
	if (entry)
		*entry = e;
	return entry;
}

/* `errors.data` at the walk's position: its first TFY__ERRORS_MAX entries, the rest stepped over. */
static void decode_error_data(decoder *d, tfy_batch *b)
{
	b->errors = NULL;
	b->errors_count = 0;
	if (peek(d) != '[') {
		scan_value(d);
		return;
	}
	d->ptrs.len = 0;
	d->i++;
	if (!accept(d, ']')) {
		do {
			if (d->ptrs.len / sizeof(void *) < TFY__ERRORS_MAX)
				push_ptr(d, decode_error_entry(d));
			else
				scan_value(d);
		} while (!stopped(d) && accept(d, ','));
		if (!stopped(d) && !accept(d, ']'))
			syntax_error(d, "']' or ',' expected");
	}
	b->errors = (const tfy_batch_error *const *)keep_ptrs(d, &b->errors_count);
}

static void errors_member(decoder *d, member_key k, void *ctx)
{
	tfy_batch *b = ctx;
	if (key_is(k, "object")) {
		b->errors_object = read_str(d);
	} else if (key_is(k, "data")) {
		decode_error_data(d, b);
	} else {
		scan_value(d);
	}
}

/* `errors` is {object, data: [...]}; a bare array is taken as the data too. */
static void decode_errors(decoder *d, tfy_batch *b)
{
	b->errors_object = NULL;
	if (peek(d) == '{') {
		b->errors = NULL;
		b->errors_count = 0;
		walk_object(d, errors_member, b);
	} else {
		decode_error_data(d, b);
	}
}

/* Gathers metadata members one by one, so one jansson refuses is dropped alone. */
static void metadata_member(decoder *d, member_key k, void *ctx)
{
	json_t *v = value_tree(d, ITEM_VALUE_NODES_MAX, NULL);
	if (v && json_object_setn_new(ctx, k.s, k.len, v) != 0)
		d->oom = 1;
}

static void metadata_entries(decoder *d, const json_t *all, tfy_batch *b)
{
	b->metadata_json = dump_json(d, all);
	const char *name;
	const json_t *val;
	d->ptrs.len = 0;
	json_object_foreach((json_t *)all, name, val) {
		tfy_metadata_entry *entry = alloc(d, sizeof(*entry));
		if (!entry)
			return;
		entry->key = copy_str(d, name, strlen(name));
		entry->value = json_is_string(val) ? str_value(d, val) : dump_json(d, val);
		push_ptr(d, entry);
	}
	b->metadata = (const tfy_metadata_entry *const *)keep_ptrs(d, &b->metadata_count);
}

static void decode_metadata(decoder *d, tfy_batch *b)
{
	b->metadata_json = NULL;
	b->metadata = NULL;
	b->metadata_count = 0;
	if (peek(d) != '{') {
		json_t *v = value_tree(d, ITEM_VALUE_NODES_MAX, NULL);
		if (v && !json_is_null(v))
			b->metadata_json = dump_json(d, v);
		json_decref(v);
		return;
	}
	/* Its size first, so a huge one is stepped over without building any of it. */
	size_t start = d->i;
	if (scan_value(d) > ITEM_VALUE_NODES_MAX || d->invalid)
		return;
	d->i = start;
	json_t *all = json_object();
	if (!all) {
		d->oom = 1;
		return;
	}
	walk_object(d, metadata_member, all);
	if (!stopped(d))
		metadata_entries(d, all, b);
	json_decref(all);
}

#define FIELD(name) { #name, offsetof(tfy_batch, name) }

static const struct field string_fields[] = {
	FIELD(id), FIELD(object), FIELD(endpoint), FIELD(model), FIELD(input_file_id),
	FIELD(completion_window), FIELD(output_file_id), FIELD(error_file_id),
	{ "status", offsetof(tfy_batch, status_raw) },
};

static const struct field time_fields[] = {
	FIELD(created_at), FIELD(in_progress_at), FIELD(expires_at), FIELD(finalizing_at),
	FIELD(completed_at), FIELD(failed_at), FIELD(expired_at), FIELD(cancelling_at),
	FIELD(cancelled_at),
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* One member of an item; a repeated key replaces the earlier value, as in jansson's objects. */
static void item_member(decoder *d, member_key k, void *ctx)
{
	tfy_batch *b = ctx;
	char *base = (char *)b;
	for (size_t i = 0; i < COUNT_OF(string_fields); i++)
		if (key_is(k, string_fields[i].key)) {
			*(const char **)(base + string_fields[i].offset) = read_str(d);
			return;
		}
	for (size_t i = 0; i < COUNT_OF(time_fields); i++)
		if (key_is(k, time_fields[i].key)) {
			int converted;
			*(tfy_opt_int64 *)(base + time_fields[i].offset) = read_time(d, &converted);
			/* A repeated key replaces the earlier value, and so its mark. */
			uint32_t bit = UINT32_C(1) << i;
			tfy__batch_owner *owner = TFY__BATCH_OWNER(b);
			owner->converted_times = converted ? owner->converted_times | bit
			                                   : owner->converted_times & ~bit;
			return;
		}
	if (key_is(k, "request_counts"))
		b->request_counts = read_int_object(d, sizeof(tfy_batch_request_counts), counts_fields,
		                                    COUNT_OF(counts_fields), NULL);
	else if (key_is(k, "usage"))
		b->usage = read_int_object(d, sizeof(tfy_batch_usage), usage_fields,
		                           COUNT_OF(usage_fields), usage_member);
	else if (key_is(k, "errors"))
		decode_errors(d, b);
	else if (key_is(k, "metadata"))
		decode_metadata(d, b);
	else
		scan_value(d);
}

/* The value at the walk's position as a batch; a non-object one has every field absent. */
static void decode_item(decoder *d, tfy_batch *b)
{
	char c = peek(d);
	size_t start = d->i;
	if (c == '{')
		walk_object(d, item_member, b);
	else
		scan_value(d);
	if (stopped(d))
		return;
	b->status = tfy_batch_status_parse(b->status_raw);
	b->raw_json = copy_str(d, d->s + start, d->i - start);
}

/* ---- Pages ---- */

/* A new zeroed batch at the end of the items; NULL on OOM or past PAGE_ITEMS_MAX. */
static tfy_batch *add_item(decoder *d)
{
	if (++d->items_seen > PAGE_ITEMS_MAX)
		return NULL;
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 128;
		tfy_batch **items = alloc(d, cap * sizeof(*items));
		if (!items)
			return NULL;
		if (d->count)
			memcpy(items, d->items, d->count * sizeof(*items));
		d->items = items;
		d->cap = cap;
	}
	tfy__batch_owner *owner = alloc(d, sizeof(*owner));
	if (!owner)
		return NULL;
	d->items[d->count++] = &owner->pub;
	return &owner->pub;
}

/* The "data" array at the walk's position, each item decoded in turn. */
static void decode_data(decoder *d)
{
	d->count = 0; /* a repeated "data" replaces the earlier one, as jansson's objects do */
	d->data_type = NULL;
	d->i++; /* '[' */
	if (accept(d, ']'))
		return;
	do {
		tfy_batch *b = add_item(d);
		if (!b)
			return;
		decode_item(d, b);
	} while (!stopped(d) && accept(d, ','));
	if (!stopped(d) && !accept(d, ']'))
		syntax_error(d, "']' or ',' expected");
}

/* Keeps an envelope member libtfy does not model, for the page's extra_json. */
static void keep_extra(decoder *d, member_key k, json_t *v)
{
	if (!d->extra && !(d->extra = json_object()))
		d->oom = 1;
	else if (json_object_setn(d->extra, k.s, k.len, v) != 0)
		d->oom = 1;
}

/* One member of the envelope; a repeated key replaces the earlier value. */
static void envelope_member(decoder *d, member_key k, void *ctx)
{
	tfy_batch_page *list = ctx;
	if (key_is(k, "data")) {
		char c = peek(d);
		if (c == '[') {
			decode_data(d);
			return;
		}
		scan_value(d);
		d->count = 0;
		d->data_type = text_type_name(c);
		return;
	}
	if (key_is(k, "object")) {
		list->object = read_str(d);
	} else if (key_is(k, "first_id")) {
		list->first_id = read_str(d);
	} else if (key_is(k, "last_id")) {
		list->last_id = read_str(d);
	} else if (key_is(k, "has_more")) {
		list->has_more = read_bool(d, &list->has_more_present);
	} else {
		size_t nodes;
		json_t *v = value_tree(d, ITEM_VALUE_NODES_MAX, &nodes);
		if (v && nodes <= EXTRA_NODES_MAX - d->extra_nodes) {
			keep_extra(d, k, v);
			d->extra_nodes += nodes;
		}
		json_decref(v);
	}
}

/* The whole body: one value, then nothing but whitespace. */
static void decode_top(decoder *d, member_fn fn, void *ctx)
{
	char c = peek(d);
	if (c == '{' && fn) {
		walk_object(d, fn, ctx);
	} else {
		scan_value(d);
		d->top_type = text_type_name(c);
	}
	if (stopped(d))
		return;
	skip_ws(d);
	if (d->i != d->n)
		syntax_error(d, "end of file expected");
}

/* What the walk came to, with detail written for a decode error. */
static tfy_code verdict(const decoder *d, const char *expected, char *detail, size_t size)
{
	if (d->oom)
		return TFY_ERROR_OUT_OF_MEMORY;
	if (d->items_seen > PAGE_ITEMS_MAX) {
		snprintf(detail, size, "the page holds more than %d items", PAGE_ITEMS_MAX);
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
	} else if (d->data_type) {
		snprintf(detail, size, "expected %s, but \"data\" is %s", expected, d->data_type);
	} else {
		return TFY_OK;
	}
	return TFY_ERROR_DECODE;
}

/* JSON text never holds a NUL byte; one inside an item would cut its raw_json. */
static int refuse_nul(const char *body, size_t len, char *detail, size_t size)
{
	const char *nul = memchr(body, '\0', len);
	if (nul)
		snprintf(detail, size, "invalid JSON: a NUL byte at offset %zu", (size_t)(nul - body));
	return nul != NULL;
}

/* Ends a decoder's run: its buffers freed, a hidden OOM noted (see tfy__alloc_thread_failures). */
static void finish(decoder *d, long failures)
{
	json_decref(d->extra);
	d->extra = NULL;
	tfy__buf_clear(&d->dump);
	tfy__buf_clear(&d->ptrs);
	tfy__buf_clear(&d->scratch);
	if (tfy__alloc_thread_failures() != failures)
		d->oom = 1;
}

tfy_code tfy__decode_batch_page(const char *body, size_t len, tfy_batch_page **out,
                                char *detail, size_t detail_size)
{
	*out = NULL;
	if (refuse_nul(body, len, detail, detail_size))
		return TFY_ERROR_DECODE;
	long failures = tfy__alloc_thread_failures();
	decoder d = { .arena = tfy__arena_new(ARENA_HINT(len)), .dump = TFY__BUF_INIT,
	              .ptrs = TFY__BUF_INIT, .scratch = TFY__BUF_INIT, .s = body, .n = len, .data_type = "missing" };
	tfy__list_owner *owner = d.arena ? alloc(&d, sizeof(*owner)) : NULL;
	if (owner) {
		owner->arena = d.arena;
		decode_top(&d, envelope_member, &owner->pub);
		if (d.extra && !stopped(&d))
			owner->pub.extra_json = dump_json(&d, d.extra);
	}
	d.oom = d.oom || !owner;
	finish(&d, failures);
	tfy_code rc = verdict(&d, "a JSON object with a \"data\" array", detail, detail_size);
	if (rc != TFY_OK) {
		tfy__arena_free(d.arena);
		return rc;
	}
	owner->pub.items = d.count ? (const tfy_batch *const *)d.items : NULL;
	owner->pub.count = d.count;
	*out = &owner->pub;
	return TFY_OK;
}

/* Decodes the value at the walk's position into the struct at pub, raw_json included. */
typedef void (*item_fn)(decoder *d, void *pub);

/*
 * The whole text (but surrounding whitespace) as one item in a new arena:
 * owner_size zeroed bytes whose first member is the arena pointer, the
 * public struct at pub_offset.  Any JSON value is decoded by `item` unless
 * object_only (then anything but an object is TFY_ERROR_DECODE, named by
 * `expected`).
 */
static tfy_code decode_single(const char *body, size_t len, int object_only, size_t owner_size,
                              size_t pub_offset, item_fn item, const char *expected,
                              void **out, char *detail, size_t detail_size)
{
	*out = NULL;
	if (refuse_nul(body, len, detail, detail_size))
		return TFY_ERROR_DECODE;
	long failures = tfy__alloc_thread_failures();
	decoder d = { .arena = tfy__arena_new(ARENA_HINT(len)), .dump = TFY__BUF_INIT,
	              .ptrs = TFY__BUF_INIT, .scratch = TFY__BUF_INIT, .s = body, .n = len };
	char *owner = d.arena ? alloc(&d, owner_size) : NULL;
	if (owner) {
		if (object_only && peek(&d) != '{')
			decode_top(&d, NULL, NULL);
		else
			item(&d, owner + pub_offset);
		if (!stopped(&d)) {
			skip_ws(&d);
			if (d.i != d.n)
				syntax_error(&d, "end of file expected");
		}
	}
	d.oom = d.oom || !owner;
	finish(&d, failures);
	tfy_code rc = verdict(&d, expected, detail, detail_size);
	if (rc != TFY_OK) {
		tfy__arena_free(d.arena);
		return rc;
	}
	memcpy(owner, &d.arena, sizeof(d.arena));
	*out = owner;
	return TFY_OK;
}

static void batch_item(decoder *d, void *pub)
{
	decode_item(d, pub);
}

tfy_code tfy__decode_batch(const char *body, size_t len, int object_only, tfy_batch **out,
                           char *detail, size_t detail_size)
{
	void *owner;
	tfy_code rc = decode_single(body, len, object_only, sizeof(tfy__batch_owner),
	                            offsetof(tfy__batch_owner, pub), batch_item,
	                            "a JSON object (a Batch)", &owner, detail, detail_size);
	*out = owner ? &((tfy__batch_owner *)owner)->pub : NULL;
	return rc;
}

/* ---- Files ---- */

#define FFIELD(name) { #name, offsetof(tfy_file, name) }

static const struct field file_strings[] = {
	FFIELD(id), FFIELD(object), FFIELD(filename), FFIELD(purpose), FFIELD(status),
	FFIELD(status_details),
};

/* One member of a File object; a repeated key replaces the earlier value. */
static void file_member(decoder *d, member_key k, void *ctx)
{
	tfy_file *f = ctx;
	int converted;
	for (size_t i = 0; i < COUNT_OF(file_strings); i++)
		if (key_is(k, file_strings[i].key)) {
			*(const char **)((char *)f + file_strings[i].offset) = read_str(d);
			return;
		}
	if (key_is(k, "bytes"))
		f->bytes = read_int(d);
	else if (key_is(k, "created_at"))
		f->created_at = read_time(d, &converted);
	else if (key_is(k, "expires_at"))
		f->expires_at = read_time(d, &converted);
	else
		scan_value(d);
}

/* The object at the walk's position (the caller has checked it is one) and its raw_json. */
static void file_item(decoder *d, void *pub)
{
	tfy_file *f = pub;
	size_t start = d->i;
	walk_object(d, file_member, f);
	if (!stopped(d))
		f->raw_json = copy_str(d, d->s + start, d->i - start);
}

tfy_code tfy__decode_file(const char *body, size_t len, tfy_file **out, char *detail,
                          size_t detail_size)
{
	void *owner;
	tfy_code rc = decode_single(body, len, 1, sizeof(tfy__file_owner),
	                            offsetof(tfy__file_owner, pub), file_item,
	                            "a JSON object (a File)", &owner, detail, detail_size);
	*out = owner ? &((tfy__file_owner *)owner)->pub : NULL;
	return rc;
}

static void deleted_member(decoder *d, member_key k, void *ctx)
{
	tfy__file_deleted *del = ctx;
	if (key_is(k, "id"))
		del->id = read_str(d);
	else if (key_is(k, "object"))
		del->object = read_str(d);
	else if (key_is(k, "deleted"))
		del->deleted = read_bool(d, &del->deleted_present);
	else
		scan_value(d);
}

static void deleted_item(decoder *d, void *pub)
{
	walk_object(d, deleted_member, pub);
}

tfy_code tfy__decode_file_deleted(const char *body, size_t len, tfy__file_deleted **out,
                                  char *detail, size_t detail_size)
{
	void *owner;
	tfy_code rc = decode_single(body, len, 1, sizeof(tfy__file_deleted), 0, deleted_item,
	                            "a JSON object (a deleted File)", &owner, detail, detail_size);
	*out = owner;
	return rc;
}

void tfy__file_deleted_free(tfy__file_deleted *deleted)
{
	if (deleted)
		tfy__arena_free(deleted->arena);
}

int tfy__batch_page_set_request_id(tfy_batch_page *list, const char *request_id)
{
	if (!request_id)
		return 0;
	tfy__arena *arena = ((tfy__list_owner *)list)->arena;
	list->request_id = tfy__arena_strndup(arena, request_id, strlen(request_id));
	return list->request_id ? 0 : -1;
}

/* ---- Error bodies ---- */

/* Error fields are free text on some gateways: numbers (LiteLLM's HTTP status as code) become their JSON text. */
static int put_text(const char **slot, const json_t *v)
{
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return tfy__error_put(slot, json_string_value(v), json_string_length(v));
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		return -1;
	int rc = tfy__error_put(slot, text, strlen(text));
	tfy__free(text);
	return rc;
}

/*
 * OpenAI's {message, type, param, code} (Azure sends code and message
 * only); also the top level of TrueFoundry's control plane
 * {statusCode, message, code, details} and of {"status":"failure","message"}.
 */
static int read_error_object(const json_t *err, tfy_error *e)
{
	if (put_text(&e->api_type, json_object_get(err, "type")) < 0 ||
	    put_text(&e->api_code, json_object_get(err, "code")) < 0 ||
	    put_text(&e->api_param, json_object_get(err, "param")) < 0 ||
	    put_text(&e->api_message, json_object_get(err, "message")) < 0)
		return -1;
	/* Python gateways print a missing param as the string "None". */
	if (e->api_param && strcmp(e->api_param, "None") == 0)
		tfy__error_put(&e->api_param, NULL, 0);
	return 1;
}

/* Appends text, numbers as their JSON text; -1 on OOM. */
static int append_text(tfy__buf *b, const json_t *v)
{
	if (json_is_string(v))
		return tfy__buf_append(b, json_string_value(v), strlen(json_string_value(v)));
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc = text ? tfy__buf_append(b, text, strlen(text)) : -1;
	tfy__free(text);
	return rc;
}

/* One FastAPI validation entry as "msg (loc: a.b)"; -1 on OOM. */
static int append_fastapi_entry(tfy__buf *b, const json_t *entry)
{
	const json_t *loc = json_object_get(entry, "loc");
	if ((b->len && tfy__buf_append(b, "; ", 2) < 0) ||
	    append_text(b, json_object_get(entry, "msg")) < 0)
		return -1;
	if (!json_is_array(loc) || !json_array_size(loc))
		return 0;
	if (tfy__buf_append(b, " (loc: ", 7) < 0)
		return -1;
	size_t i;
	const json_t *part;
	json_array_foreach(loc, i, part)
		if ((i && tfy__buf_append(b, ".", 1) < 0) || append_text(b, part) < 0)
			return -1;
	return tfy__buf_append(b, ")", 1);
}

/*
 * FastAPI's {"detail": [{loc, msg, type}, ...]}: the messages joined with
 * "; ", each with its location; type from the first.  0 when no entry has
 * a string msg.
 */
static int read_fastapi_detail(const json_t *detail, tfy_error *e)
{
	tfy__buf b = TFY__BUF_INIT;
	const json_t *first = NULL, *entry;
	size_t i;
	int rc = 0;
	json_array_foreach(detail, i, entry) {
		if (!json_is_string(json_object_get(entry, "msg")))
			continue;
		first = first ? first : entry;
		if (append_fastapi_entry(&b, entry) < 0)
			rc = -1;
	}
	if (rc == 0 && first)
		rc = tfy__error_put(&e->api_message, b.data, b.len) < 0 ||
		             put_text(&e->api_type, json_object_get(first, "type")) < 0
		         ? -1
		         : 1;
	tfy__buf_clear(&b);
	return rc;
}

int tfy__decode_error_body(const char *body, size_t len, tfy_error *e)
{
	long failures = tfy__alloc_thread_failures();
	/* Bounded as a page is: a body too large to build is only kept raw. */
	decoder d = { .s = body, .n = len };
	json_t *root = peek(&d) == '{' ? load_value(&d, ITEM_VALUE_NODES_MAX, NULL) : NULL;
	if (root && peek(&d) != 0)
		json_decref(root), root = NULL;
	if (tfy__alloc_thread_failures() != failures || d.oom) {
		json_decref(root);
		return -1;
	}
	const json_t *err = json_object_get(root, "error");
	const json_t *message = json_object_get(root, "message");
	const json_t *detail = json_object_get(root, "detail");
	int rc = 0;
	if (json_is_object(err))
		rc = read_error_object(err, e);
	else if (json_is_string(err))
		rc = put_text(&e->api_message, err) < 0 ? -1 : 1;
	else if (json_is_string(message))
		rc = read_error_object(root, e);
	else if (json_is_string(detail))
		rc = put_text(&e->api_message, detail) < 0 ? -1 : 1;
	else if (json_is_array(detail))
		rc = read_fastapi_detail(detail, e);
	json_decref(root);
	return rc;
}

/* Characters (code points) in a valid UTF-8 string of n bytes. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}

char *tfy__json_metadata_ascii(const char *text, size_t max_chars, const char **why)
{
	long failures = tfy__alloc_thread_failures();
	json_error_t jerr;
	memset(&jerr, 0, sizeof(jerr)); /* see parse() */
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
		else if (utf8_chars(json_string_value(value), json_string_length(value)) > max_chars)
			*why = "metadata_header_json: a value is longer than TrueFoundry's limit of "
			       TFY__STRINGIFY(TFY_METADATA_HEADER_VALUE_MAX) " characters";
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

/*
 * ---- Lines of JSONL files ----
 *
 * A line's strings are kept one after the other, each NUL-terminated, in a
 * buffer the caller reuses from line to line: no allocation per line once
 * the buffer has grown to the longest line's strings.
 */

#define NO_STRING ((size_t)-1)

/* Strings of a line, by slot: offsets into buf, NO_STRING when absent. */
typedef struct kept_strings {
	tfy__buf *buf;
	size_t *off;
	size_t *len;
} kept_strings;

static void keep_bytes(decoder *d, kept_strings *k, int slot, const char *s, size_t n)
{
	k->off[slot] = k->buf->len;
	k->len[slot] = n;
	if (tfy__buf_append(k->buf, s, n) < 0 || tfy__buf_append(k->buf, "", 1) < 0)
		d->oom = 1;
}

enum { KEEP_NUMBERS = 1, KEEP_NUL = 2 };

/*
 * The value at the walk's position into slot when it is a string without
 * NUL (with KEEP_NUL, with NUL too; with KEEP_NUMBERS, a number too, as
 * its text); else the slot is absent.
 */
static void keep_text(decoder *d, kept_strings *k, int slot, int flags)
{
	char c = peek(d);
	size_t start = d->i;
	int nul, numbers = flags & KEEP_NUMBERS;
	k->off[slot] = NO_STRING;
	if (c == '"') {
		if (read_raw_string(d, &nul) > 0 && (!nul || (flags & KEEP_NUL)))
			keep_bytes(d, k, slot, d->scratch.data ? d->scratch.data : "", d->scratch.len);
		return;
	}
	scan_value(d);
	if (numbers && !d->invalid && (c == '-' || (c >= '0' && c <= '9')))
		keep_bytes(d, k, slot, d->s + start, d->i - start);
}

/*
 * Runs a line's walk: one JSON value, nothing after it.  A value that is
 * not an object is TFY_ERROR_DECODE, unless not_object is given: then it
 * receives what the value is.
 */
static tfy_code decode_line(decoder *d, tfy__buf *scratch, member_fn fn, void *ctx,
                            const char **not_object, char *detail, size_t detail_size)
{
	const char *nul = memchr(d->s, '\0', d->n);
	if (nul) {
		snprintf(detail, detail_size, "invalid JSON: a NUL byte at column %zu",
		         (size_t)(nul - d->s) + 1);
		return TFY_ERROR_DECODE;
	}
	d->scratch = *scratch;
	d->one_line = 1;
	decode_top(d, fn, ctx);
	*scratch = d->scratch;
	if (not_object && d->top_type && !stopped(d)) {
		*not_object = d->top_type;
		return TFY_OK;
	}
	return verdict(d, "a JSON object", detail, detail_size);
}

enum { RS_ID, RS_CUSTOM_ID, RS_REQUEST_ID, RS_BODY, RS_ERROR_CODE, RS_ERROR_MESSAGE, RS_COUNT };

typedef struct result_ctx {
	kept_strings k;
	int32_t status_code;
} result_ctx;

static void response_member(decoder *d, member_key k, void *ctx)
{
	result_ctx *r = ctx;
	if (key_is(k, "status_code")) {
		tfy_opt_int64 v = read_number(d); /* no arena here for read_int's string form */
		r->status_code = v.present && v.value > 0 && v.value <= INT32_MAX ? (int32_t)v.value : 0;
	} else if (key_is(k, "request_id")) {
		keep_text(d, &r->k, RS_REQUEST_ID, 0);
	} else if (key_is(k, "body")) {
		skip_ws(d);
		size_t start = d->i;
		scan_value(d);
		if (!d->invalid)
			keep_bytes(d, &r->k, RS_BODY, d->s + start, d->i - start);
	} else {
		scan_value(d);
	}
}

static void result_error_member(decoder *d, member_key k, void *ctx)
{
	result_ctx *r = ctx;
	if (key_is(k, "code"))
		keep_text(d, &r->k, RS_ERROR_CODE, KEEP_NUMBERS);
	else if (key_is(k, "message"))
		keep_text(d, &r->k, RS_ERROR_MESSAGE, 0);
	else
		scan_value(d);
}

/* A member whose value is an object walked by fn; any other value leaves its slots absent. */
static void sub_object(decoder *d, member_fn fn, void *ctx)
{
	if (peek(d) == '{')
		walk_object(d, fn, ctx);
	else
		scan_value(d);
}

static void result_member(decoder *d, member_key k, void *ctx)
{
	result_ctx *r = ctx;
	if (key_is(k, "id")) {
		keep_text(d, &r->k, RS_ID, 0);
	} else if (key_is(k, "custom_id")) {
		keep_text(d, &r->k, RS_CUSTOM_ID, 0);
	} else if (key_is(k, "response")) { /* a repeated member replaces the earlier one */
		r->status_code = 0;
		r->k.off[RS_REQUEST_ID] = r->k.off[RS_BODY] = NO_STRING;
		sub_object(d, response_member, r);
	} else if (key_is(k, "error")) {
		r->k.off[RS_ERROR_CODE] = r->k.off[RS_ERROR_MESSAGE] = NO_STRING;
		sub_object(d, result_error_member, r);
	} else {
		scan_value(d);
	}
}

tfy_code tfy__decode_result_line(const char *line, size_t len, tfy_result *rec, tfy__buf *strings,
                                 tfy__buf *scratch, char *detail, size_t detail_size)
{
	size_t off[RS_COUNT], lens[RS_COUNT];
	result_ctx r = { { strings, off, lens }, 0 };
	for (int i = 0; i < RS_COUNT; i++)
		off[i] = NO_STRING, lens[i] = 0;
	strings->len = 0;
	decoder d = { .s = line, .n = len };
	tfy_code rc = decode_line(&d, scratch, result_member, &r, NULL, detail, detail_size);
	if (rc != TFY_OK)
		return rc;
	const char **slots[RS_COUNT] = { &rec->id, &rec->custom_id, &rec->request_id,
	                                 &rec->body_json, &rec->error_code, &rec->error_message };
	for (int i = 0; i < RS_COUNT; i++)
		*slots[i] = off[i] == NO_STRING ? NULL : strings->data + off[i];
	rec->body_json_len = rec->body_json ? lens[RS_BODY] : 0;
	rec->status_code = r.status_code;
	return TFY_OK;
}

enum { IN_CUSTOM_ID, IN_METHOD, IN_URL, IN_COUNT };

typedef struct input_ctx {
	kept_strings k;
	const char *types[IN_COUNT];
	const char *body_type;
} input_ctx;

static void input_member(decoder *d, member_key k, void *ctx)
{
	input_ctx *in = ctx;
	static const char *const names[IN_COUNT] = { "custom_id", "method", "url" };
	for (int i = 0; i < IN_COUNT; i++)
		if (key_is(k, names[i])) {
			in->types[i] = text_type_name(peek(d));
			keep_text(d, &in->k, i, KEEP_NUL);
			return;
		}
	if (key_is(k, "body"))
		in->body_type = text_type_name(peek(d));
	scan_value(d);
}

tfy_code tfy__decode_input_line(const char *line, size_t len, tfy__input_line *out,
                                tfy__buf *strings, tfy__buf *scratch, char *detail,
                                size_t detail_size)
{
	size_t off[IN_COUNT], lens[IN_COUNT];
	input_ctx in = { { strings, off, lens }, { NULL, NULL, NULL }, NULL };
	for (int i = 0; i < IN_COUNT; i++)
		off[i] = NO_STRING, lens[i] = 0;
	strings->len = 0;
	memset(out, 0, sizeof(*out));
	decoder d = { .s = line, .n = len };
	tfy_code rc = decode_line(&d, scratch, input_member, &in, &out->not_object, detail,
	                          detail_size);
	if (rc != TFY_OK || out->not_object)
		return rc;
	const char **values[IN_COUNT] = { &out->custom_id, &out->method, &out->url };
	size_t *lengths[IN_COUNT] = { &out->custom_id_len, &out->method_len, &out->url_len };
	for (int i = 0; i < IN_COUNT; i++) {
		*values[i] = off[i] == NO_STRING ? NULL : strings->data + off[i];
		*lengths[i] = lens[i];
	}
	out->custom_id_type = in.types[IN_CUSTOM_ID];
	out->method_type = in.types[IN_METHOD];
	out->url_type = in.types[IN_URL];
	out->body_type = in.body_type;
	return TFY_OK;
}
