/*
 * Versioned options structs and the request options every call shares:
 * reading a caller's struct of any known version, deep copies, and how a
 * call's options are resolved against the client's defaults.  Internal.
 */
#ifndef TFY_OPTIONS_H
#define TFY_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "tfy/request.h"

/*
 * A caller's options struct (whose first member is its uint32_t version)
 * into dst, a struct of the current layout already holding the defaults:
 * only the bytes of the caller's version (sizes[version - 1]) are read, so
 * fields appended later keep their defaults.  The version is checked before
 * anything else is read.  `what` names the struct in the error.
 */
tfy_code tfy__options_read(void *dst, const void *src, const size_t *sizes, uint32_t current,
                           const char *what, tfy_error **err);

/* The _init functions: zeroes the version's bytes and sets the version. */
tfy_code tfy__options_init(void *opts, uint32_t version, const size_t *sizes, uint32_t current);

/*
 * Reads and checks a caller's request options (NULL reads as the zeros):
 * version, reserved fields, counts against arrays, ranges.  Strings and
 * header values are checked when a request is built.
 */
tfy_code tfy__request_options_read(const tfy_request_options *src, tfy_request_options *dst,
                                   tfy_error **err);

/*
 * Copies every string and array of src into the arena; the callbacks,
 * their userdata and the cancel token are kept as pointers (borrowed).
 * Returns -1 on OOM.
 */
int tfy__request_options_copy(tfy__arena *a, const tfy_request_options *src, tfy_request_options *dst);

/*
 * A call's options over the client's defaults, both borrowed and never
 * NULL: strings, callbacks, the cancel token and numbers come from `call`
 * when set there, else from `defaults`; headers and query parameters are
 * the union, a
 * call's entry replacing a default's of the same name.
 */
typedef struct tfy__options_pair {
	const tfy_request_options *call;
	const tfy_request_options *defaults;
} tfy__options_pair;

/* The string the call sets, else the default's. */
const char *tfy__pick_str(const char *call, const char *fallback);

/*
 * What a list's options (tfy_batches_list_options, tfy_files_list_options)
 * say about walking every page with an iterator.
 */
typedef struct tfy__paging {
	int64_t max_items;
	int64_t max_pages;
	int32_t prefetch;         /* 0 or 1: on; TFY_NONE: off */
	int32_t missing_has_more; /* TFY_MISSING_HAS_MORE_* */
} tfy__paging;

/* Checks the iterator's settings of a list's options, as every list checks them. */
tfy_code tfy__paging_check(const tfy__paging *paging, tfy_error **err);

#endif
