/*
 * JSON text libtfy writes (request bodies and the x-tfy-metadata header):
 * built byte by byte in pure ASCII, so no JSON library is needed and a
 * server that reads headers as Latin-1 still reads the same text.
 * Internal to libtfy.
 */
#ifndef TFY_ENCODE_H
#define TFY_ENCODE_H

#include <stddef.h>

#include "buf.h"
#include "tfy/jobs.h"

/*
 * Appends s (well-formed UTF-8) as a JSON string: quotes, backslashes and
 * every control and non-ASCII character escaped (\uXXXX, a surrogate pair
 * beyond the BMP).  0, or -1 on OOM.
 */
int tfy__json_append_string(tfy__buf *b, const char *s);

/* The same for the n bytes at s, which may hold NUL (written \u0000). */
int tfy__json_append_string_n(tfy__buf *b, const char *s, size_t n);

/* Appends {"name":"value",...} for n pairs of well-formed UTF-8.  0, or -1 on OOM. */
int tfy__json_append_object(tfy__buf *b, const tfy_pair *pairs, size_t n);

/*
 * The body of POST /batches for options already checked: input_file_id,
 * endpoint, completion_window ("24h" when NULL), metadata when it has
 * pairs, output_expires_after when seconds is set, in that order, compact.
 * 0, or -1 on OOM (b then holds part of it; the caller clears it).
 */
int tfy__encode_create_body(tfy__buf *b, const tfy_batches_create_options *o);

#endif
