/**
 * @file
 * libtfy: the options every call takes: TrueFoundry routing, the
 * x-tfy-metadata header, extra headers and query parameters, the deadline,
 * the cancel callback and per-call retry and timeout overrides.
 */
#ifndef TFY_REQUEST_H
#define TFY_REQUEST_H

#include <tfy/cancel.h>
#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Current version of tfy_request_options. */
#define TFY_REQUEST_OPTIONS_VERSION 2

/** Largest number of retries a call may ask for. */
#define TFY_MAX_RETRIES_LIMIT 100

/**
 * Longest value, in characters, of an x-tfy-metadata entry (TrueFoundry's
 * documented limit); longer values are refused before anything is sent.
 */
#define TFY_METADATA_HEADER_VALUE_MAX 128

/**
 * Returned by a cancel callback to let the call go on; any other value
 * stops it with TFY_ERROR_CANCELLED.
 */
#define TFY_CANCEL_CONTINUE 0

/**
 * Asked while a call runs whether to stop it.  Called often (every 50 ms or
 * so during a transfer and a backoff sleep), on the calling thread, and
 * before each request is sent: once it has stopped a call, nothing more is
 * sent for it.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata tfy_request_options.cancel_userdata.
 * @return TFY_CANCEL_CONTINUE to go on, anything else to stop.
 */
typedef int32_t (*tfy_cancel_fn)(void *userdata) TFY_CALLBACK_NOEXCEPT;

/**
 * Options shared by every call.  Initialise with TFY_REQUEST_OPTIONS_INIT or
 * tfy_request_options_init() (or zero the struct and set `version`: zero
 * means "default" in every field), then set what you need.
 *
 * A call's options override the client's defaults
 * (tfy_client_options.request_defaults) field by field: a string, array,
 * callback or number set here replaces the client's; headers and query
 * parameters are merged, the call's replacing a client's entry of the same
 * name (headers compared case-insensitively).
 *
 * Header values are refused when empty, all blanks, or holding a control
 * character other than tab; header names must be HTTP tokens.  Every
 * pointer is borrowed: for the duration of the call, for as long as the
 * client when given as request_defaults (copied, but cancel_userdata and
 * cancel_token must stay valid that long), and copied by
 * tfy_batch_iter_new() (where cancel_userdata and cancel_token must live
 * as long as the iterator).
 *
 * Fields are only appended in later versions (with a new version number).
 */
typedef struct tfy_request_options {
	uint32_t version;   /**< TFY_REQUEST_OPTIONS_VERSION */
	uint32_t reserved_; /**< padding, leave 0 */

	/* TrueFoundry routing headers, each sent only when not NULL. */
	const char *provider_name;              /**< x-tfy-provider-name */
	const char *provider_model;             /**< x-tfy-provider-model */
	const char *azure_api_version;          /**< x-tfy-azure-api-version */
	const char *vertex_region;              /**< x-tfy-vertex-region */
	const char *vertex_storage_bucket_name; /**< x-tfy-vertex-storage-bucket-name */
	const char *aws_s3_bucket;              /**< x-tfy-aws-s3-bucket */
	const char *aws_bedrock_model;          /**< x-tfy-aws-bedrock-model */

	/**
	 * The x-tfy-metadata request header (TrueFoundry's request tags, not a
	 * filter) given as JSON text: an object whose values are strings of at
	 * most TFY_METADATA_HEADER_VALUE_MAX characters.  It is checked and
	 * sent re-encoded as compact ASCII JSON (non-ASCII as \\uXXXX escapes),
	 * the same value.  Exclusive with metadata_header.
	 */
	const char *metadata_header_json;
	/**
	 * The x-tfy-metadata request header given as key/value pairs (UTF-8,
	 * values of at most TFY_METADATA_HEADER_VALUE_MAX characters), encoded
	 * by the library as a JSON object of strings in ASCII (non-ASCII as
	 * \\uXXXX escapes).  Exclusive with metadata_header_json.
	 */
	const tfy_pair *metadata_header;
	size_t metadata_header_count; /**< number of entries in metadata_header */

	/**
	 * Further headers, sent after the library's own.  One whose name matches
	 * a header the library would send (case-insensitively: Accept,
	 * User-Agent, the x-tfy-* headers) replaces it; one named like the key's
	 * header (Authorization, or the client's auth_header) is refused, since
	 * the key is set with the client's api_key.  They are never sent to
	 * another origin after a redirect.
	 */
	const tfy_pair *headers;
	size_t headers_count; /**< number of entries in headers */

	/**
	 * Further query parameters, each name and value percent-encoded, sent
	 * before the call's own (`limit`, `after`): {"api-version",
	 * "2024-10-21"} for Azure OpenAI.
	 */
	const tfy_pair *query_params;
	size_t query_params_count; /**< number of entries in query_params */

	/**
	 * Overall time budget in ms across every attempt and backoff sleep of a
	 * call (for an iterator: of the whole iteration, from tfy_batch_iter_new);
	 * 0 means none.  Exceeding it fails with TFY_ERROR_TIMEOUT.  Values
	 * above INT64_MAX / 4 are refused.
	 */
	int64_t deadline_ms;
	/** Asked while the call runs whether to stop; NULL means never. */
	tfy_cancel_fn cancel;
	/** Passed to cancel as it is; see the struct's text for its lifetime. */
	void *cancel_userdata;
	/**
	 * Retries after a failed first attempt for this call: 0 means the
	 * client's setting, TFY_NONE means no retry, 1..TFY_MAX_RETRIES_LIMIT
	 * that many.
	 */
	int32_t max_retries;
	int32_t reserved2_; /**< padding, leave 0 */
	/**
	 * Timeout of each HTTP request of this call in ms; 0 means the client's
	 * timeout_ms.  Values above INT64_MAX / 4 are refused.
	 */
	int64_t timeout_ms;

	/* ---- Since 1.3 (version 2) ---- */
	/**
	 * Stops the call once cancelled (tfy_cancel_token_cancel(), from any
	 * thread or a signal handler); NULL means none.  Borrowed: it must
	 * outlive the call (the iterator, or the client when given in
	 * request_defaults).  Works alongside `cancel`: either one stops the
	 * call.  A call's token replaces the client's default token.
	 */
	tfy_cancel_token *cancel_token;
} tfy_request_options;

/** Static initialiser for tfy_request_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_REQUEST_OPTIONS_INIT { TFY_REQUEST_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, \
	NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0, 0, NULL }
/* clang-format on */

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version the TFY_REQUEST_OPTIONS_VERSION the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 */
TFY_EXTERN tfy_code tfy_request_options_init(tfy_request_options *opts, uint32_t version);

#ifdef __cplusplus
}
#endif

#endif
