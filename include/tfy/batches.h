/**
 * @file
 * libtfy: List batches (`GET {base_url}/batches`).
 */
#ifndef TFY_BATCHES_H
#define TFY_BATCHES_H

#include <tfy/batch.h>
#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest page size the API accepts. */
#define TFY_BATCHES_LIMIT_MAX 100

/**
 * Current version of tfy_batches_list_options: 2 since 1.1 (missing_has_more
 * appended); version 1 structs keep working.
 */
#define TFY_BATCHES_LIST_OPTIONS_VERSION 2

/** What the iterator does after a page that has no has_more member. */
enum {
	/** The default, TFY_MISSING_HAS_MORE_CONTINUE. */
	TFY_MISSING_HAS_MORE_DEFAULT = 0,
	/**
	 * Ask for the next page while pages are not empty (openai-python and
	 * openai-go do the same), so a gateway that omits has_more still gives
	 * every batch.  A next page that repeats what was seen (the batch asked
	 * to start after, or a cursor seen before) ends the iteration quietly,
	 * since no more pages were promised.
	 */
	TFY_MISSING_HAS_MORE_CONTINUE = 1,
	/** Stop after such a page (as openai-node does). */
	TFY_MISSING_HAS_MORE_STOP = 2,
	/** Since 1.3: not a value, refused; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_MISSING_HAS_MORE__SIGNED = INT32_MIN
};

/**
 * Options for listing: one page with tfy_batches_list(), or every page with
 * tfy_batch_iter_new().  Initialise with TFY_BATCHES_LIST_OPTIONS_INIT or
 * tfy_batches_list_options_init() (or zero the struct and set `version`:
 * zero means "default" in every field).  Pointers are borrowed for the
 * duration of the call (tfy_batch_iter_new() copies what they point at).
 * Fields are only appended in later versions, with a new version number.
 */
typedef struct tfy_batches_list_options {
	uint32_t version; /**< TFY_BATCHES_LIST_OPTIONS_VERSION */
	/** Page size: 0 lets the server choose (20 on OpenAI); else 1..TFY_BATCHES_LIMIT_MAX. */
	int32_t limit;
	/**
	 * Cursor: the id of the last batch of the previous page; NULL for the
	 * first page.  An id as jobs.h says (not empty, UTF-8, no control
	 * character, not "." or ".."; TFY_ERROR_INVALID_ARGUMENT otherwise).
	 * Sent URL-encoded.
	 */
	const char *after;
	/**
	 * Routing, headers, query parameters, deadline, cancel callback, retries
	 * and timeout for the request(s); NULL means the client's defaults only.
	 */
	const tfy_request_options *request;
	/** Iterator only: stop after this many batches (0: no cap). */
	int64_t max_items;
	/** Iterator only: stop after this many pages (0: no cap). */
	int64_t max_pages;
	/**
	 * Iterator only: sends the request for the next page as soon as a page
	 * arrives, so the server's latency overlaps the caller's work on the
	 * current page (no thread is used).  What the caller sees is unchanged,
	 * deadline, cancellation and tfy_error.attempts included; stopping early
	 * may leave one extra page requested.  0 (the default) and 1 mean on,
	 * TFY_NONE off.
	 */
	int32_t prefetch;
	int32_t reserved_; /**< padding, leave 0 */
	/**
	 * Iterator only, since version 2: after a page without has_more, a
	 * TFY_MISSING_HAS_MORE_* value; 0 means TFY_MISSING_HAS_MORE_CONTINUE.
	 */
	int32_t missing_has_more;
	int32_t reserved2_; /**< padding, leave 0; since version 2 */
} tfy_batches_list_options;

/** Static initialiser for tfy_batches_list_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_BATCHES_LIST_OPTIONS_INIT { TFY_BATCHES_LIST_OPTIONS_VERSION, 0, NULL, NULL, 0, 0, 0, 0, \
	0, 0 }
/* clang-format on */

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_BATCHES_LIST_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 */
TFY_EXTERN tfy_code tfy_batches_list_options_init(tfy_batches_list_options *opts, uint32_t version);

/**
 * Fetch one page of batches.
 *
 * Arguments are checked before anything is sent.  The client's connection is
 * reused across calls (HTTP keep-alive).  Failed attempts are retried as
 * max_retries says (the call's, else the client's), with exponential backoff
 * (0.5 s doubling up to 8 s, times a random factor in [0.75, 1]) or the
 * delay the server asks for; tfy_error.attempts tells how many were made.
 *
 * @param client the client.
 * @param opts options, or NULL for the first page at the server's default size.
 * @param out receives a new page owned by the caller (free with
 *        tfy_batch_page_free()); set to NULL on failure.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK or one of the error codes of common.h: TFY_ERROR_INVALID_ARGUMENT
 *         for a bad argument, a transport code, an HTTP status code, or
 *         TFY_ERROR_DECODE when a 2xx body is not a JSON object with a `data` array.
 */
TFY_EXTERN tfy_code tfy_batches_list(tfy_client *client, const tfy_batches_list_options *opts,
                                     tfy_batch_page **out, tfy_error **err);

#ifdef __cplusplus
}
#endif

#endif
