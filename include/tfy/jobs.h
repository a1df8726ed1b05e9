/**
 * @file
 * libtfy: the calls of a batch job: create one (`POST {base_url}/batches`),
 * retrieve it (`GET /batches/{id}`), cancel it (`POST /batches/{id}/cancel`)
 * and wait until it ends (polling retrieve).  Since 1.2.
 *
 * Each call returns one batch that owns itself: free it with
 * tfy_batch_free().  Every id (batch_id, input_file_id) follows one rule,
 * the same as for file ids (files.h) and `after` (batches.h): it is
 * refused with TFY_ERROR_INVALID_ARGUMENT, nothing sent, when NULL, empty,
 * not UTF-8, holding a control character (C0, DEL, C1), or "." or ".."
 * (which a URL reads as a step up its path).  Anything else, blanks and
 * "/" included, is valid: sent percent-encoded as one path segment, or
 * escaped in a JSON body.
 */
#ifndef TFY_JOBS_H
#define TFY_JOBS_H

#include <tfy/batch.h>
#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The completion window sent when tfy_batches_create_options.completion_window is NULL. */
#define TFY_COMPLETION_WINDOW_DEFAULT "24h"

/** Most metadata pairs a batch may carry (the API's limit). */
#define TFY_BATCH_METADATA_MAX 16
/** Longest metadata key, in characters. */
#define TFY_BATCH_METADATA_KEY_MAX 64
/** Longest metadata value, in characters. */
#define TFY_BATCH_METADATA_VALUE_MAX 512

/** Shortest output_expires_after_seconds the API accepts (one hour). */
#define TFY_OUTPUT_EXPIRES_MIN_SECONDS 3600
/** Longest output_expires_after_seconds the API accepts (30 days). */
#define TFY_OUTPUT_EXPIRES_MAX_SECONDS 2592000

/**
 * How far, in seconds, before the start of a create call or after its end
 * a batch's created_at may lie and still be taken for the batch that call
 * created when reconciling (the server's clock and this machine's differ).
 */
#define TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS 300

/** Most pages of the newest batches (TFY_BATCHES_LIMIT_MAX each) read when reconciling. */
#define TFY_RECONCILE_PAGES_MAX 3

/** Current version of tfy_batches_create_options. */
#define TFY_BATCHES_CREATE_OPTIONS_VERSION 1

/**
 * What to create.  Initialise with TFY_BATCHES_CREATE_OPTIONS_INIT or
 * tfy_batches_create_options_init() (or zero the struct and set `version`),
 * then set input_file_id and endpoint.  Every pointer is borrowed for the
 * duration of the call.  Fields are only appended in later versions, with a
 * new version number.
 */
typedef struct tfy_batches_create_options {
	uint32_t version;   /**< TFY_BATCHES_CREATE_OPTIONS_VERSION */
	uint32_t reserved_; /**< padding, leave 0 */
	/**
	 * The uploaded JSONL file of requests (purpose "batch"); required, an
	 * id as the rule above says (since 1.3 a blank is accepted, as every
	 * other call taking an id accepts it).
	 */
	const char *input_file_id;
	/**
	 * The endpoint every request of the file goes to; required.  It must
	 * start with "/" and hold no blank or control character; beyond that it
	 * is not checked against OpenAI's list (`/v1/responses`,
	 * `/v1/chat/completions`, `/v1/embeddings`, `/v1/completions`,
	 * `/v1/moderations`, ...), since gateways and providers add their own:
	 * the server refuses an endpoint it does not serve.
	 */
	const char *endpoint;
	/** The time frame to finish in; NULL sends TFY_COMPLETION_WINDOW_DEFAULT, "" is refused. */
	const char *completion_window;
	/**
	 * The batch's metadata: at most TFY_BATCH_METADATA_MAX pairs of UTF-8
	 * text, keys of 1 to TFY_BATCH_METADATA_KEY_MAX characters, values of at
	 * most TFY_BATCH_METADATA_VALUE_MAX; keys must differ.  Sent as a JSON
	 * object of strings.
	 */
	const tfy_pair *metadata;
	size_t metadata_count; /**< number of entries in metadata */
	/**
	 * When the output and error files expire, in seconds after the batch's
	 * creation (sent as `output_expires_after` with anchor "created_at"):
	 * 0 sends nothing (the server's default), else
	 * TFY_OUTPUT_EXPIRES_MIN_SECONDS..TFY_OUTPUT_EXPIRES_MAX_SECONDS.
	 */
	int64_t output_expires_after_seconds;
	/** Routing, headers, deadline, cancel, retries; NULL: the client's defaults only. */
	const tfy_request_options *request;
	/**
	 * After a create whose outcome is unknown (see tfy_batches_create()),
	 * look for the batch it may have created: 0 (the default) and 1 mean
	 * on, TFY_NONE off.
	 */
	int32_t reconcile;
	int32_t reserved2_; /**< padding, leave 0 */
} tfy_batches_create_options;

/** Static initialiser for tfy_batches_create_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_BATCHES_CREATE_OPTIONS_INIT { TFY_BATCHES_CREATE_OPTIONS_VERSION, 0, NULL, NULL, \
	NULL, NULL, 0, 0, NULL, 0, 0 }
/* clang-format on */

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_BATCHES_CREATE_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_batches_create_options_init(tfy_batches_create_options *opts, uint32_t version);

/**
 * Create a batch (`POST /batches`).
 *
 * Every option is checked before anything is sent.  Creating is not safe to
 * repeat, so a failed attempt is only sent again when it certainly did not
 * reach the server or the server said it did nothing (a refused connection;
 * 408, 429 or 503; x-should-retry: true on any status), as max_retries
 * allows.  A refusal (any other 4xx but 409 and 499) is returned as its own
 * code.  Any other failure after the request went out means the batch may
 * exist, and the call never sends it again: no answer (a reset, a timeout,
 * the deadline), a cancel after sending, 409, 499, a 5xx other than 503, a
 * 1xx, 3xx or a status above 599, or a 2xx whose body is not a batch with
 * an id (docs/errors-and-retries.md has the table).  Then, unless
 * reconcile is TFY_NONE or the cancel callback says stop, it reconciles:
 * it reads the newest batches (at most TFY_RECONCILE_PAGES_MAX pages of
 * TFY_BATCHES_LIMIT_MAX, a second call under the same request options,
 * with its own deadline_ms) and looks for one with the same input_file_id,
 * endpoint and metadata, the same completion_window when the batch shows
 * one, created_at from the call's start less
 * TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS to its end plus that tolerance, in
 * a state a batch has moments after its creation (validating, in_progress,
 * failed without an in_progress_at, or a state this version does not
 * know; never finalizing, completed, expired, cancelling or cancelled).
 * The newest such batch is returned with TFY_OK (and a line logged at
 * TFY_LOG_INFO).  Two creates from the same file and endpoint within that
 * tolerance cannot be told apart: give each its own metadata to make them
 * distinct.
 *
 * @param client the client.
 * @param opts what to create; input_file_id and endpoint are required.
 * @param out receives the new batch (free with tfy_batch_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT; TFY_ERROR_OUTCOME_UNKNOWN
 *         when the batch may exist and was not found (the message names
 *         the input file, and says why it was not looked for when it was
 *         not; check with tfy_batches_list() before creating again);
 *         TFY_ERROR_CANCELLED when cancelled before the request went out;
 *         any other code of tfy_batches_list().
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_batches_create(tfy_client *client, const tfy_batches_create_options *opts,
                                       tfy_batch **out, tfy_error **err);

/**
 * Retrieve one batch (`GET /batches/{batch_id}`), retried as
 * tfy_batches_list() is.
 *
 * @param client the client.
 * @param batch_id the batch's id, following the rule for ids above.
 * @param opts request options, or NULL for the client's defaults.
 * @param out receives the batch (free with tfy_batch_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK or an error code, as tfy_batches_list() (TFY_ERROR_NOT_FOUND
 *         for an unknown id); TFY_ERROR_DECODE when a 2xx body is not a JSON object.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_batches_retrieve(tfy_client *client, const char *batch_id,
                                         const tfy_request_options *opts, tfy_batch **out,
                                         tfy_error **err);

/**
 * Ask for a batch to be cancelled (`POST /batches/{batch_id}/cancel`).  The
 * batch answered is usually "cancelling"; tfy_batch_wait() follows it to
 * "cancelled".  Cancelling is safe to repeat (a second cancel leaves the
 * batch as the first did), so failed attempts are retried as
 * tfy_batches_retrieve() does and TFY_ERROR_OUTCOME_UNKNOWN never occurs.
 *
 * @param client the client.
 * @param batch_id the batch's id, following the rule for ids above.
 * @param opts request options, or NULL for the client's defaults.
 * @param out receives the batch (free with tfy_batch_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return as tfy_batches_retrieve(); a batch that has ended already is
 *         usually refused by the server (TFY_ERROR_CONFLICT or TFY_ERROR_BAD_REQUEST).
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_batches_cancel(tfy_client *client, const char *batch_id,
                                       const tfy_request_options *opts, tfy_batch **out,
                                       tfy_error **err);

/**
 * Told about each new state of a batch being waited for.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata tfy_batch_wait_options.progress_userdata.
 * @param batch the state: borrowed, valid only during the call.
 * @return TFY_CANCEL_CONTINUE to go on waiting; anything else ends the wait
 *         with TFY_ERROR_CANCELLED.
 */
typedef int32_t (*tfy_batch_progress_fn)(void *userdata, const tfy_batch *batch) TFY_CALLBACK_NOEXCEPT;

/** First pause between polls by default, in ms. */
#define TFY_WAIT_POLL_INITIAL_MS 1000
/** Longest pause between polls by default, in ms. */
#define TFY_WAIT_POLL_MAX_MS 30000

/** Current version of tfy_batch_wait_options. */
#define TFY_BATCH_WAIT_OPTIONS_VERSION 1

/**
 * How to wait.  Initialise with TFY_BATCH_WAIT_OPTIONS_INIT or
 * tfy_batch_wait_options_init() (or zero the struct and set `version`).
 * Pointers are borrowed for the duration of the wait.
 */
typedef struct tfy_batch_wait_options {
	uint32_t version;   /**< TFY_BATCH_WAIT_OPTIONS_VERSION */
	uint32_t reserved_; /**< padding, leave 0 */
	/** Give up after this many ms (TFY_ERROR_TIMEOUT); 0: wait as long as it takes. */
	int64_t timeout_ms;
	/** Pause after the first poll, in ms; 0: TFY_WAIT_POLL_INITIAL_MS. */
	int64_t poll_initial_ms;
	/** Longest pause, in ms; 0: TFY_WAIT_POLL_MAX_MS (or poll_initial_ms when that is longer). */
	int64_t poll_max_ms;
	/** Called with each new state; NULL: none. */
	tfy_batch_progress_fn on_progress;
	void *progress_userdata; /**< passed to on_progress as it is */
	/**
	 * Options of each poll (routing, headers, retries, per-poll deadline_ms,
	 * timeout); its cancel callback (or the client's default one) also
	 * ends the wait.  NULL: the client's defaults only.
	 */
	const tfy_request_options *request;
} tfy_batch_wait_options;

/** Static initialiser for tfy_batch_wait_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_BATCH_WAIT_OPTIONS_INIT { TFY_BATCH_WAIT_OPTIONS_VERSION, 0, 0, 0, 0, NULL, NULL, NULL }
/* clang-format on */

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_BATCH_WAIT_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_batch_wait_options_init(tfy_batch_wait_options *opts, uint32_t version);

/**
 * Wait until a batch ends: completed, partially_completed, failed, expired
 * or cancelled.
 *
 * Polls tfy_batches_retrieve() at once, then after pauses of
 * poll_initial_ms, growing by half each time (x1.5) up to poll_max_ms.  A
 * poll answer that carries Retry-After (or retry-after-ms) makes the next
 * pause at least that long (at most the client's retry_after_max_ms).  A
 * failed poll is retried as any call is (the client's or the options'
 * max_retries, with backoff).  When it still fails with a status any call
 * retries (408, 409, 429, 5xx) and a Retry-After (or retry-after-ms) that
 * ends before the wait's timeout_ms does (or with no timeout_ms), that
 * delay, however long, is simply the next pause: retry_after_max_ms bounds
 * one call, not the wait.  Any other failure ends the wait with its error.
 * A status this library does not know counts as not ended.  Pauses end
 * within some 20 ms of the cancel callback asking to stop.
 *
 * @param client the client.
 * @param batch_id the batch's id, following the rule for ids above.
 * @param opts options, or NULL for the defaults.
 * @param out receives the batch in its final state (free with
 *        tfy_batch_free()).  On every failure (TFY_ERROR_TIMEOUT,
 *        TFY_ERROR_CANCELLED, a poll's error) it receives the last state
 *        seen, also owned by the caller, so that a program can show it and
 *        wait again later; NULL when no poll answered.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK when the batch ended (whatever its status: read
 *         (*out)->status); TFY_ERROR_TIMEOUT after timeout_ms;
 *         TFY_ERROR_CANCELLED when the cancel callback or on_progress asked
 *         to stop; any code of tfy_batches_retrieve().
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_batch_wait(tfy_client *client, const char *batch_id,
                                   const tfy_batch_wait_options *opts, tfy_batch **out,
                                   tfy_error **err);

/**
 * Whether a status is one a batch ends in: completed, partially_completed,
 * failed, expired or cancelled.
 *
 * @param status any value.
 * @return 1 or 0.
 * @since 1.2
 */
TFY_EXTERN int32_t tfy_batch_status_is_terminal(tfy_batch_status status);

#ifdef __cplusplus
}
#endif

#endif
