/**
 * @file
 * libtfy: List batches (`GET {base_url}/batches`).
 */
#ifndef TFY_BATCHES_H
#define TFY_BATCHES_H

#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/batch.h>
#include <tfy/client.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest page size the API accepts. */
#define TFY_BATCHES_LIMIT_MAX 100

/** Current version of tfy_batches_list_options. */
#define TFY_BATCHES_LIST_OPTIONS_VERSION 1

/**
 * Options for one List batches request.  Initialise with
 * TFY_BATCHES_LIST_OPTIONS_INIT or tfy_batches_list_options_init().  Every
 * pointer is borrowed for the duration of the call only; NULL strings are not
 * sent.  Header values must not contain CR or LF; header names must be HTTP
 * tokens.  Fields are only appended in later versions.
 */
typedef struct tfy_batches_list_options {
	uint32_t version;   /**< TFY_BATCHES_LIST_OPTIONS_VERSION */
	/** Page size: 0 lets the server choose (20 on OpenAI); else 1..TFY_BATCHES_LIMIT_MAX. */
	int32_t limit;
	/** Cursor: the id of the last batch of the previous page.  Sent URL-encoded. */
	const char *after;

	/* TrueFoundry routing headers, each sent only when not NULL. */
	const char *provider_name;              /**< x-tfy-provider-name */
	const char *provider_model;             /**< x-tfy-provider-model */
	const char *azure_api_version;          /**< x-tfy-azure-api-version */
	const char *vertex_region;              /**< x-tfy-vertex-region */
	const char *vertex_storage_bucket_name; /**< x-tfy-vertex-storage-bucket-name */
	const char *aws_s3_bucket;              /**< x-tfy-aws-s3-bucket */
	const char *aws_bedrock_model;          /**< x-tfy-aws-bedrock-model */
	/** x-tfy-metadata sent verbatim (a JSON object of strings).  Exclusive with metadata. */
	const char *metadata_json;
	/**
	 * x-tfy-metadata built from key/value pairs: the library encodes them as
	 * a JSON object of strings.  Exclusive with metadata_json.
	 */
	const tfy_pair *metadata;
	size_t metadata_count; /**< number of entries in metadata */

	/**
	 * Further headers, sent after the library's own.  One whose name matches a
	 * header the library would send (case-insensitively, e.g. Accept or
	 * User-Agent) replaces it.
	 */
	const tfy_pair *headers;
	size_t headers_count; /**< number of entries in headers */

	/**
	 * Overall time budget in ms across every attempt and backoff sleep of a
	 * call (for an iterator: of the whole iteration, from tfy_batch_iter_new);
	 * 0 means none.  Exceeding it fails with TFY_ERROR_TIMEOUT.
	 */
	int64_t deadline_ms;
	/**
	 * Checked while a transfer runs and during backoff sleeps; a non-zero
	 * return aborts the call promptly with TFY_ERROR_CANCELLED.  May be NULL.
	 * Called on the calling thread.
	 */
	int32_t (*cancel)(void *userdata);
	void *cancel_userdata; /**< passed to cancel as it is */
	/** Iterator only: stop after this many batches (0: no cap). */
	int64_t max_items;
	/** Iterator only: stop after this many pages (0: no cap). */
	int64_t max_pages;
	/**
	 * Iterator only: 1 sends the request for the next page as soon as a page
	 * arrives, so the server's latency overlaps the caller's work on the
	 * current page (no thread is used).  What the caller sees is unchanged;
	 * stopping early may leave one extra page requested.  The _INIT macro and
	 * tfy_batches_list_options_init() set 1; 0 turns it off.
	 */
	int32_t prefetch;
	int32_t reserved_; /**< padding, leave 0 */
} tfy_batches_list_options;

/** Static initialiser for tfy_batches_list_options. */
#define TFY_BATCHES_LIST_OPTIONS_INIT { TFY_BATCHES_LIST_OPTIONS_VERSION, 0, NULL, \
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, 1, 0 }

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill.
 * @param version TFY_BATCHES_LIST_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is not one this library knows.
 */
TFY_EXTERN tfy_code tfy_batches_list_options_init(tfy_batches_list_options *opts,
                                                  uint32_t version);

/**
 * Fetch one page of batches.
 *
 * Arguments are checked before anything is sent.  The client's connection is
 * reused across calls (HTTP keep-alive).  Failed attempts are retried as
 * tfy_client_options.max_retries says, with exponential backoff (0.5 s
 * doubling up to 8 s, times a random factor in [0.75, 1]) or the delay the
 * server asks for; tfy_error.attempts tells how many were made.
 *
 * @param client the client.
 * @param opts options, or NULL for the first page at the server's default size.
 * @param out receives a new list owned by the caller (free with
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
