/**
 * @file
 * libtfy: verifying the webhooks OpenAI sends when a batch ends, and
 * reading their event.  Since 1.3.
 *
 * OpenAI signs each delivery as the Standard Webhooks specification says.
 * Three headers come with the body: `webhook-id` (the delivery's id, the
 * same on every retry of one event), `webhook-timestamp` (Unix seconds of
 * the attempt) and `webhook-signature`, a space-separated list of
 * `v1,<base64>` entries.  An entry is the HMAC-SHA256 of
 * `{webhook-id}.{webhook-timestamp}.{body}` keyed by the bytes that the
 * secret (`whsec_` followed by their base64) stands for; one entry that
 * matches is enough (a sender rotating its secret signs with both).
 *
 * tfy_webhook_verify() checks all of it and decodes the body, an event
 * such as
 * `{"id": "evt_...", "object": "event", "created_at": 1719168000,
 *   "type": "batch.completed", "data": {"id": "batch_..."}}`.
 * The batch events are batch.completed, batch.failed, batch.expired and
 * batch.cancelled; `data.id` is the batch.  See docs/webhooks.md.
 */
#ifndef TFY_WEBHOOK_H
#define TFY_WEBHOOK_H

#include <tfy/batch.h>
#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** tolerance_seconds when the options leave it 0: 300 s, as OpenAI's SDKs have it. */
#define TFY_WEBHOOK_TOLERANCE_DEFAULT 300

/** Current version of tfy_webhook_verify_options. */
#define TFY_WEBHOOK_VERIFY_OPTIONS_VERSION 1

/**
 * How to verify a webhook.  Initialise with TFY_WEBHOOK_VERIFY_OPTIONS_INIT
 * or tfy_webhook_verify_options_init() (or zero the struct and set
 * `version`: zero means "default" in every field).  Read during the call
 * that is given them, never kept.  Fields are only appended in later
 * versions, with a new version number.  Since 1.3.
 */
typedef struct tfy_webhook_verify_options {
	uint32_t version;  /**< TFY_WEBHOOK_VERIFY_OPTIONS_VERSION */
	int32_t reserved_; /**< padding, leave 0 */
	/**
	 * How far, in seconds, webhook-timestamp may lie from `now`, before
	 * it or after it: 0 means TFY_WEBHOOK_TOLERANCE_DEFAULT; must not be
	 * negative.  The bound is what keeps a delivery that was captured from
	 * being replayed later.
	 */
	int64_t tolerance_seconds;
	/**
	 * The time to check webhook-timestamp against, in Unix seconds: 0
	 * means the system clock (CLOCK_REALTIME) at the call; must not be
	 * negative.  For tests, and for checking a delivery stored earlier.
	 */
	int64_t now;
} tfy_webhook_verify_options;

/** Static initialiser for tfy_webhook_verify_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_WEBHOOK_VERIFY_OPTIONS_INIT { TFY_WEBHOOK_VERIFY_OPTIONS_VERSION, 0, 0, 0 }
/* clang-format on */

/**
 * A verified webhook event.  Allocated by the library, owned by the caller
 * and freed with tfy_webhook_event_free(); every pointer in it lives as
 * long as the event.  Fields are only appended in later versions (the
 * caller never allocates one).
 *
 * The body is decoded by the rules of a batch (see batch.h): a member that
 * is absent, null or of the wrong JSON type reads as absent (a NULL
 * string, `present == 0`), a string holding a NUL character (`\u0000`)
 * reads as NULL, and raw_json keeps the exact text.  Since 1.3.
 */
typedef struct tfy_webhook_event {
	/* clang-format off */
	const char *type;         /**< "batch.completed", ..., NULL if absent */
	const char *id;           /**< the event's id ("evt_..."), NULL if absent */
	const char *object;       /**< "event", NULL if absent */
	tfy_opt_int64 created_at; /**< Unix seconds (milliseconds and ISO-8601 converted as for a batch) */
	const char *data_id;      /**< `data.id`: the batch of a batch event; NULL if absent */
	/* clang-format on */
	/**
	 * The state a batch event says its batch ended in:
	 * TFY_BATCH_STATUS_COMPLETED for batch.completed, _FAILED for
	 * batch.failed, _EXPIRED for batch.expired, _CANCELLED for
	 * batch.cancelled; TFY_BATCH_STATUS_UNKNOWN for any other type.
	 */
	tfy_batch_status batch_status;
	int32_t reserved_; /**< padding, always 0 */
	/** The webhook-timestamp header, Unix seconds. */
	int64_t timestamp;
	/**
	 * The webhook-id header (without the blanks around it): the same on
	 * every delivery of one event, so a receiver that keeps the ids it has
	 * handled can skip a repeated delivery.  Never NULL.
	 */
	const char *webhook_id;
	/**
	 * The body as JSON text, the bytes exactly as sent (without the
	 * whitespace around the object); never NULL.
	 */
	const char *raw_json;
} tfy_webhook_event;

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_WEBHOOK_VERIFY_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_webhook_verify_options_init(tfy_webhook_verify_options *opts, uint32_t version);

/**
 * Verify a webhook delivery and decode its event.
 *
 * The checks, in this order, the first that fails giving the error:
 * the three headers are present and not empty; webhook-timestamp is a
 * decimal integer of at most 18 digits; it lies within tolerance_seconds
 * of `now` (neither older nor newer); one `v1,<base64>` entry of
 * webhook-signature (entries are separated by spaces; other versions and
 * malformed entries are skipped) is the HMAC-SHA256 of
 * `{webhook_id}.{webhook_timestamp}.{body}`, compared in constant time.
 * Spaces and tabs around each header value are ignored, as HTTP has it.
 * Only then is the body decoded.  HMAC-SHA256 and base64 are OpenSSL's
 * (libcrypto).  Nothing is kept between calls; any thread may call it.
 *
 * The error's message says which check failed ("the webhook-timestamp
 * header is missing", "... is 400 s older than now, past the tolerance of
 * 300 s", "no signature in webhook-signature matches", ...).  It never
 * holds the secret, nor any of the header values or the body.
 *
 * @param secret the endpoint's signing secret, `whsec_` followed by the
 *        standard base64 (with its `=` padding) of 1 to 512 bytes;
 *        borrowed for the call.
 * @param webhook_id the webhook-id header's value, or NULL when absent.
 * @param webhook_timestamp the webhook-timestamp header's value, or NULL.
 * @param webhook_signature the webhook-signature header's value, or NULL.
 * @param body the raw body, exactly as received (before any JSON parsing,
 *        which would change its bytes); need not be NUL-terminated; may be
 *        NULL when body_len is 0.
 * @param body_len its length in bytes.
 * @param opts options, or NULL for the defaults; read during the call only.
 * @param out receives the event, a new tfy_webhook_event owned by the
 *        caller (free with tfy_webhook_event_free()); NULL on failure.
 *        May be NULL: then the delivery is verified and the body is not
 *        decoded (for a payload that is not an event).
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK; TFY_ERROR_WEBHOOK_INVALID when a check fails (do not act
 *         on the body: answer the sender with a 4xx); TFY_ERROR_DECODE when
 *         the delivery is verified but its body is not one JSON object;
 *         TFY_ERROR_INVALID_ARGUMENT for a NULL or malformed secret (the
 *         message does not show it), a NULL body with a body_len other
 *         than 0, or a bad option; TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_webhook_verify(const char *secret, const char *webhook_id,
                                       const char *webhook_timestamp, const char *webhook_signature,
                                       const char *body, size_t body_len,
                                       const tfy_webhook_verify_options *opts,
                                       tfy_webhook_event **out, tfy_error **err);

/**
 * Free an event and every string in it.
 *
 * @param event the event, or NULL (then nothing happens).
 * @since 1.3
 */
TFY_EXTERN void tfy_webhook_event_free(tfy_webhook_event *event);

#ifdef __cplusplus
}
#endif

#endif
