/*
 * The walk every decoder of libtfy makes over a JSON text.  Bodies are read
 * piecewise: a decoder walks the text itself (an envelope, each item's
 * members, `errors` and `metadata` member by member) with a scanner that
 * checks every byte's syntax as jansson would, and hands jansson only the
 * values of the fields libtfy models, one at a time.  So:
 *
 * - Memory is bounded by the body's size: a value the walk skips (an
 *   unknown member, a field's value past TFY__VALUE_NODES_MAX JSON values,
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
 * The decoder family (lib/json_*.c and lib/decode_*.c) are the only units
 * of libtfy that include jansson, through this header; the rest of the
 * library reaches them through decode.h.  This header: the decoder's
 * state, the scanner (json_scan.c) and the body's verdict.  Reading the
 * values of fields: json_values.h.  Object lists: decode_page.h.
 */
#ifndef TFY_JSON_SCAN_H
#define TFY_JSON_SCAN_H

#include <jansson.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "tfy/error.h"

/*
 * Items' own text (at most the body's size), their fields' strings and the
 * structs, in one chunk: growing the arena mid-page costs a large
 * allocation, which makes glibc merge all its small free chunks.
 */
#define TFY__ARENA_HINT(len) (2 * (len) + 4096)

/*
 * jansson spends some 50 to 100 bytes on each JSON value (and object
 * member) it builds, against as little as 2 bytes of text: a field's value
 * is built only when it holds at most this many (some 10 MiB), else it
 * reads as absent.  Batches' fields hold a few dozen.
 */
#define TFY__VALUE_NODES_MAX 100000

#define TFY__COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

#define TFY__STRINGIFY_(x) #x
#define TFY__STRINGIFY(x) TFY__STRINGIFY_(x)

/* The state of one walk over one text. */
typedef struct tfy__decoder {
	tfy__arena *arena; /* what the walk decodes lives here (NULL for a line or an error body) */
	tfy__buf dump;     /* reused for every JSON text the walk keeps */
	tfy__buf ptrs;     /* reused: the entries of one errors or metadata */
	tfy__buf scratch;  /* reused: one decoded string */
	int oom;           /* set by any step that ran out of memory */
	int invalid;       /* set at the first syntax error */
	size_t err_at;     /* where it is */
	const char *err_what; /* and what */
	const char *over; /* set when the text passed a bound (the detail to give): the walk stops */
	const char *s;    /* the text */
	size_t n;         /* its length */
	size_t i;         /* where the walk is in it */
	const char *top_type; /* what the text is when it is not an object */
	int one_line; /* the text is one line of a JSONL file: errors give the column only */
} tfy__decoder;

/* An object key, as decoded. */
typedef struct tfy__json_key {
	const char *s;
	size_t len;
} tfy__json_key;

/* Reads one member's value (the walk is at it) into ctx; must step over it. */
typedef void (*tfy__member_fn)(tfy__decoder *d, tfy__json_key k, void *ctx);

/* Decodes the value at the walk's position into the public struct at pub, raw_json included. */
typedef void (*tfy__item_fn)(tfy__decoder *d, void *pub);

/* A member of a struct that decodes into it: its JSON name and offset. */
typedef struct tfy__json_field {
	const char *key;
	size_t offset;
} tfy__json_field;

/* The walk ends at the first syntax error, out of memory, or past a bound. */
static inline int tfy__json_stopped(const tfy__decoder *d)
{
	return d->oom || d->invalid || d->over;
}

/* JSON's whitespace, as jansson's lexer has it. */
static inline void tfy__json_skip_ws(tfy__decoder *d)
{
	while (d->i < d->n &&
	       (d->s[d->i] == ' ' || d->s[d->i] == '\n' || d->s[d->i] == '\r' || d->s[d->i] == '\t'))
		d->i++;
}

/* The next byte after whitespace, or 0 at the end. */
static inline char tfy__json_peek(tfy__decoder *d)
{
	tfy__json_skip_ws(d);
	return d->i < d->n ? d->s[d->i] : 0;
}

/* Steps past c, after any whitespace; 0 when the next byte is not c. */
static inline int tfy__json_accept(tfy__decoder *d, char c)
{
	if (tfy__json_peek(d) != c)
		return 0;
	d->i++;
	return 1;
}

static inline int tfy__json_key_is(tfy__json_key k, const char *name)
{
	return k.len == strlen(name) && memcmp(k.s, name, k.len) == 0;
}

/* n zeroed bytes in the walk's arena; NULL with oom set when memory ran out. */
void *tfy__json_alloc(tfy__decoder *d, size_t n);

/* A NUL-terminated copy of n bytes at s in the arena; NULL with oom set. */
const char *tfy__json_copy(tfy__decoder *d, const char *s, size_t n);

/* Records the first syntax error, at the walk's position; the walk stops at it. */
void tfy__json_syntax_error(tfy__decoder *d, const char *what);

/* What a value is ("an object", "null", ...), from its first byte (the scanner checks the rest). */
const char *tfy__json_type_name(char c);

/*
 * Steps over the value at the walk's position, checking its syntax, and
 * returns how many JSON values and object members it holds (what jansson
 * would build for it); 0 with invalid set on a syntax error.
 */
size_t tfy__json_scan_value(tfy__decoder *d);

/*
 * The value at the walk's position as a new tree, or NULL when it is null
 * text, holds more than `max_nodes` values, or jansson refuses it though
 * its syntax is sound (a number out of range, a key holding NUL, nesting
 * past jansson's limit): then the field it fills reads as absent.  *nodes,
 * when not NULL, receives its size.  NULL with invalid set on a syntax error.
 */
json_t *tfy__json_load_value(tfy__decoder *d, size_t max_nodes, size_t *nodes);

/*
 * The string at the walk's position, decoded into d->scratch; 0 when the
 * value is not a string (stepped over), -1 on a syntax error or OOM.
 * *nul is set when it holds NUL.
 */
int tfy__json_read_string(tfy__decoder *d, int *nul);

/*
 * Walks the object at the walk's position (its '{') member by member: fn
 * is called with the walk at each member's value and must step over it.
 * A member whose key holds NUL (which jansson cannot hold) is stepped over
 * here.
 */
void tfy__json_walk_object(tfy__decoder *d, tfy__member_fn fn, void *ctx);

/* Reads one element of an array (the walk is at it; index from 0) into ctx; must step over it. */
typedef void (*tfy__element_fn)(tfy__decoder *d, size_t index, void *ctx);

/*
 * Walks the array at the walk's position (its '[') element by element: fn
 * is called with the walk at each element and must step over it.
 */
void tfy__json_walk_array(tfy__decoder *d, tfy__element_fn fn, void *ctx);

/*
 * The whole text: one value, then nothing but whitespace.  An object is
 * walked with fn (when fn is not NULL); any other value is stepped over
 * and named in top_type.
 */
void tfy__json_top(tfy__decoder *d, tfy__member_fn fn, void *ctx);

/*
 * What the walk came to: TFY_OK, TFY_ERROR_OUT_OF_MEMORY, or
 * TFY_ERROR_DECODE with detail written (a syntax error with its place, the
 * bound passed, or the text not being `expected`).
 */
tfy_code tfy__json_verdict(const tfy__decoder *d, const char *expected, char *detail, size_t size);

/* 1 with detail written when the body holds a NUL byte, which JSON text never does. */
int tfy__json_refuse_nul(const char *body, size_t len, char *detail, size_t size);

/*
 * Ends a walk: its buffers freed, an allocation failure jansson hid noted
 * as oom (failures: tfy__alloc_thread_failures() when the walk began).
 */
void tfy__json_finish(tfy__decoder *d, long failures);

/*
 * The whole text (but surrounding whitespace) as one item in a new arena:
 * owner_size zeroed bytes whose first member is the arena pointer, the
 * public struct at pub_offset.  Any JSON value is decoded by `item` unless
 * object_only (then anything but an object is TFY_ERROR_DECODE, named by
 * `expected`).  *out is the owner, or NULL on error.
 */
tfy_code tfy__json_decode_one(const char *body, size_t len, int object_only, size_t owner_size,
                              size_t pub_offset, tfy__item_fn item, const char *expected,
                              void **out, char *detail, size_t detail_size);

#endif
