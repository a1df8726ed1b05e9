/*
 * Reading the value at the walk's position into a field: strings, integers,
 * timestamps, free text, booleans, and trees for the values libtfy keeps as
 * JSON text.  Each steps over the value whatever it is; one that does not
 * fit the field leaves it absent.  Internal to the decoder family (see
 * json_scan.h).
 */
#ifndef TFY_JSON_VALUES_H
#define TFY_JSON_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "json_scan.h"
#include "tfy/batch.h"

/*
 * A string value, or NULL when it is null, not a string, or holds a NUL
 * character: a C string would silently end there ("a\u0000b" is not "a").
 */
const char *tfy__json_str_value(tfy__decoder *d, const json_t *v);

/* The compact JSON text of any value, kept in the arena; NULL with oom set. */
const char *tfy__json_dump(tfy__decoder *d, const json_t *v);

/* A string field: NULL when it is not a string or holds NUL (see tfy__json_str_value). */
const char *tfy__json_read_str(tfy__decoder *d);

/*
 * A JSON number as an integer, exactly (no double in between): an integer
 * that fits in int64_t, or a number with a fraction or exponent whose value
 * is integral and below 2^53 in magnitude; any other value is absent.
 */
tfy_opt_int64 tfy__json_read_number(tfy__decoder *d);

/* An integer field: a number, or a string holding a decimal integer. */
tfy_opt_int64 tfy__json_read_int(tfy__decoder *d);

/*
 * A timestamp as Unix seconds: what tfy__json_read_int() reads, with two
 * conversions for what providers send through a gateway: an ISO-8601
 * string, and milliseconds.  *converted is set when one of them applied.
 */
tfy_opt_int64 tfy__json_read_time(tfy__decoder *d, int *converted);

/* A free-text field: a string, or a number given as its text. */
const char *tfy__json_read_text(tfy__decoder *d);

/* A boolean field: 1 for true; *present is 0 when the value is not a boolean. */
int32_t tfy__json_read_bool(tfy__decoder *d, int32_t *present);

/*
 * A value as a tree for metadata and extra_json: strings built here, the
 * rest by tfy__json_load_value() (whose rules it follows).
 */
json_t *tfy__json_value_tree(tfy__decoder *d, size_t max_nodes, size_t *nodes);

#endif
