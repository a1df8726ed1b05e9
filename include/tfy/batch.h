/**
 * @file
 * libtfy: the typed Batch object and a page of batches.
 *
 * Decoded values follow one rule: a field that the server left out and a
 * field it sent as JSON null read the same (NULL string, or present == 0).
 * A field of the wrong JSON type also reads as absent; the item's raw JSON
 * text keeps whatever was sent.
 *
 * Malformed JSON anywhere in a body fails the whole page (TFY_ERROR_DECODE).
 * A problem local to one value of well-formed JSON fails only the field that
 * holds it, which reads as absent: a number out of range (`1e400`), a value
 * nested deeper than 2048 levels, a value of more than 100,000 JSON values
 * (arrays' elements and objects' members counted).  A member whose key holds
 * a NUL character (`\u0000`) is skipped wherever it is.  Memory stays within
 * a few times the body's size whatever the body holds.
 */
#ifndef TFY_BATCH_H
#define TFY_BATCH_H

#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An optional 64-bit integer: `value` is meaningful only when `present` is 1.
 *
 * Integers are taken from JSON integers that fit in int64_t, from JSON
 * numbers with a fraction or exponent whose exact value is an integer of
 * magnitude below 2^53 (`4.5e1` is 45; `9007199254740993.0` is absent, as
 * a double would have rounded it), and from JSON strings holding a decimal
 * integer that fits in int64_t.  Anything else, including a value that
 * would not fit, is absent rather than wrapped.  Timestamps are Unix
 * seconds; milliseconds and ISO-8601 text from other providers are
 * converted (see tfy_batch_time_converted()).
 */
typedef struct tfy_opt_int64 {
	int64_t value;     /**< the integer; 0 when not present */
	int32_t present;   /**< 1 when value holds the field, 0 when absent, null or unusable */
	int32_t reserved_; /**< padding, always 0 */
} tfy_opt_int64;

/** Batch status.  Values are part of the ABI and never renumbered. */
typedef int32_t tfy_batch_status;

enum {
	TFY_BATCH_STATUS_UNKNOWN = 0, /**< absent, or a value this version does not know; see status_raw */
	TFY_BATCH_STATUS_VALIDATING = 1,
	TFY_BATCH_STATUS_FAILED = 2,
	TFY_BATCH_STATUS_IN_PROGRESS = 3,
	TFY_BATCH_STATUS_FINALIZING = 4,
	TFY_BATCH_STATUS_COMPLETED = 5,
	TFY_BATCH_STATUS_EXPIRED = 6,
	TFY_BATCH_STATUS_CANCELLING = 7,
	TFY_BATCH_STATUS_CANCELLED = 8,
	/**
	 * Finished with only some requests done: Bedrock's PartiallyCompleted,
	 * Vertex's JOB_STATE_PARTIALLY_SUCCEEDED (OpenAI reports such a batch as
	 * completed, with failed requests counted).
	 */
	TFY_BATCH_STATUS_PARTIALLY_COMPLETED = 9,
	/** Since 1.3: not a status, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_BATCH_STATUS__SIGNED = INT32_MIN
};

/**
 * One entry of a batch's `errors.data`.  Owned by the batch; reached through
 * a pointer, so fields may be appended in later versions.  An entry that is
 * not an object, or cannot be read, is there with every field absent.
 */
typedef struct tfy_batch_error {
	const char *code;    /**< may be NULL; a number is given as its text */
	const char *message; /**< may be NULL */
	const char *param;   /**< may be NULL; a number is given as its text */
	tfy_opt_int64 line;  /**< line of the input file, when given */
} tfy_batch_error;

/**
 * One metadata entry.  A non-string value is given as its compact JSON text.
 * A string value holding a NUL character (`\u0000`) reads as NULL (it could
 * not be used without being cut; metadata_json keeps it escaped).  A member
 * whose key holds NUL, or whose value is a local problem (see the file's
 * text), is left out, of metadata_json too.  Owned by the batch; reached
 * through a pointer.
 */
typedef struct tfy_metadata_entry {
	const char *key; /**< the metadata key */
	const char *value; /**< the value: a string as is (NULL if it holds NUL), anything else as compact JSON */
} tfy_metadata_entry;

/** `request_counts`.  Owned by the batch; reached through a pointer. */
typedef struct tfy_batch_request_counts {
	tfy_opt_int64 total;     /**< `request_counts.total`: requests in the input file */
	tfy_opt_int64 completed; /**< `request_counts.completed` */
	tfy_opt_int64 failed;    /**< `request_counts.failed` */
} tfy_batch_request_counts;

/** `usage`.  Owned by the batch; reached through a pointer. */
typedef struct tfy_batch_usage {
	tfy_opt_int64 input_tokens;     /**< `usage.input_tokens` */
	tfy_opt_int64 cached_tokens;    /**< `usage.input_tokens_details.cached_tokens` */
	tfy_opt_int64 output_tokens;    /**< `usage.output_tokens` */
	tfy_opt_int64 reasoning_tokens; /**< `usage.output_tokens_details.reasoning_tokens` */
	tfy_opt_int64 total_tokens;     /**< `usage.total_tokens` */
} tfy_batch_usage;

/**
 * One batch.  Either borrowed from the tfy_batch_page (or iterator) it came
 * from, living exactly as long as that page, or owned on its own (from
 * tfy_batch_dup(), tfy_batch_parse() and the calls that return one batch),
 * then freed with tfy_batch_free().  Every pointer in it lives as long as the
 * batch.  Every struct reachable from it is reached through a pointer, so all
 * of them only grow at their tail in later versions.
 *
 * A typed string field holding a NUL character (`\u0000`) reads as absent
 * (NULL), since it could not be used without being cut; raw_json keeps it.
 */
typedef struct tfy_batch {
	const char *id;                /**< the batch id (the cursor for `after`), NULL if absent */
	const char *object;            /**< "batch" */
	const char *endpoint;          /**< e.g. "/v1/chat/completions", NULL if absent */
	const char *model;             /**< the model, NULL if absent */
	const char *input_file_id;     /**< the input file, NULL if absent */
	const char *completion_window; /**< e.g. "24h", NULL if absent */
	tfy_batch_status status;       /**< TFY_BATCH_STATUS_UNKNOWN for unknown values */
	int32_t reserved_;             /**< padding, always 0 */
	const char *status_raw;        /**< the status string as sent, NULL if absent */
	const char *output_file_id;    /**< the output file, NULL if absent */
	const char *error_file_id;     /**< the error file, NULL if absent */
	tfy_opt_int64 created_at;      /**< Unix seconds */
	tfy_opt_int64 in_progress_at;  /**< Unix seconds */
	tfy_opt_int64 expires_at;      /**< Unix seconds */
	tfy_opt_int64 finalizing_at;   /**< Unix seconds */
	tfy_opt_int64 completed_at;    /**< Unix seconds */
	tfy_opt_int64 failed_at;       /**< Unix seconds */
	tfy_opt_int64 expired_at;      /**< Unix seconds */
	tfy_opt_int64 cancelling_at;   /**< Unix seconds */
	tfy_opt_int64 cancelled_at;    /**< Unix seconds */
	/** `request_counts`, NULL when it was absent, null or not an object. */
	const tfy_batch_request_counts *request_counts;
	/** `usage`, NULL when it was absent, null or not an object. */
	const tfy_batch_usage *usage;
	const char *errors_object; /**< `errors.object`, NULL when errors is absent */
	size_t errors_count;       /**< number of entries in errors, at most 10,000 */
	/**
	 * errors_count pointers to the entries of `errors.data`, NULL when none.
	 * Entries past the first 10,000 are dropped; raw_json keeps them all.
	 */
	const tfy_batch_error *const *errors;
	size_t metadata_count; /**< number of entries in metadata */
	/** metadata_count pointers to the entries of an object-valued metadata, in the order sent. */
	const tfy_metadata_entry *const *metadata;
	const char *metadata_json; /**< metadata as compact JSON text of any type, NULL if absent/null */
	/**
	 * The whole item as JSON text, the bytes exactly as the server sent
	 * them (its whitespace included); never NULL.
	 */
	const char *raw_json;
} tfy_batch;

/**
 * One page of batches as returned by tfy_batches_list() or
 * tfy_batch_page_parse().  Owns every batch and every string reachable from
 * it; free with tfy_batch_page_free().  Fields are only appended in later
 * versions.
 */
typedef struct tfy_batch_page {
	const char *object;            /**< "list", or NULL if absent */
	size_t count;                  /**< number of batches in items */
	const tfy_batch *const *items; /**< count pointers, NULL when count is 0 */
	const char *first_id;          /**< may be NULL */
	const char *last_id;           /**< may be NULL */
	int32_t has_more;              /**< 1 if the server says more pages follow */
	int32_t has_more_present; /**< 0 if the server left has_more out (then has_more is 0) */
	const char *request_id;   /**< the response's `x-request-id` header, or NULL */
	/**
	 * The members of the list object that libtfy does not model (a
	 * gateway's `next_page_token`, say), as one compact JSON object in the
	 * order sent; NULL when there are none.  Members that are local problems
	 * (see the file's text) are left out, and so are those past 100,000 JSON
	 * values in all.
	 */
	const char *extra_json;
	/**
	 * The HTTP status of the response the page came from (200, or another
	 * 2xx); 0 for a page from tfy_batch_page_parse().  Since 1.2.
	 */
	int32_t http_status;
	int32_t reserved_; /**< padding, always 0 */
} tfy_batch_page;

/**
 * Free a page and everything it owns.
 *
 * @param page the page, or NULL (then nothing happens).
 */
TFY_EXTERN void tfy_batch_page_free(tfy_batch_page *page);

/**
 * The i-th batch of a page, for bindings that cannot index a C array.
 *
 * @param page the page, or NULL.
 * @param i the index, from 0.
 * @return a pointer borrowed from the page (valid until tfy_batch_page_free()),
 *         or NULL if page is NULL or i >= page->count.
 */
TFY_EXTERN const tfy_batch *tfy_batch_page_get(const tfy_batch_page *page, size_t i);

/**
 * A response header of the response the page came from, by name (compared
 * without case): the same set, bounds and cleaning as tfy_error_header().
 * Since 1.2.
 *
 * @param page the page, or NULL.
 * @param name the header's name, or NULL.
 * @return the value, borrowed from the page (valid until
 *         tfy_batch_page_free()); NULL when page or name is NULL, the page
 *         came from tfy_batch_page_parse(), or the header was absent or not
 *         kept.
 */
TFY_EXTERN const char *tfy_batch_page_header(const tfy_batch_page *page, const char *name);

/**
 * A response header of the response a single batch came from
 * (tfy_batches_create, tfy_batches_retrieve, tfy_batches_cancel,
 * tfy_batch_wait), by name, as tfy_batch_page_header().  Since 1.2.
 *
 * @param batch the batch, or NULL.
 * @param name the header's name, or NULL.
 * @return the value, borrowed from the batch (valid until tfy_batch_free());
 *         NULL for a batch of a page (read the page's headers instead), a
 *         batch from tfy_batch_dup() or tfy_batch_parse(), or when the
 *         header was absent or not kept.
 */
TFY_EXTERN const char *tfy_batch_header(const tfy_batch *batch, const char *name);

/**
 * A deep copy of a batch that owns itself, so it can outlive its page.
 *
 * @param batch any batch (borrowed from a page or owned), or NULL.
 * @return a new batch owned by the caller (free with tfy_batch_free()), or
 *         NULL when batch is NULL or memory ran out.
 */
TFY_EXTERN tfy_batch *tfy_batch_dup(const tfy_batch *batch);

/**
 * Free a batch owned on its own (from tfy_batch_dup(), tfy_batch_parse() or
 * a call that returns one batch).
 *
 * @param batch the batch, or NULL (then nothing happens).  A batch borrowed
 *        from a page or an iterator is left alone: its page owns it.
 */
TFY_EXTERN void tfy_batch_free(tfy_batch *batch);

/**
 * Decode one Batch object from JSON text the caller already has (a cache, a
 * webhook, a file), with the same rules as a response from the API.
 *
 * @param json the text; need not be NUL-terminated; borrowed for the call.
 * @param len its length in bytes.
 * @param out receives a new batch owned by the caller (free with
 *        tfy_batch_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT when json or out is NULL;
 *         TFY_ERROR_DECODE when the text is not one JSON object (an object
 *         that lacks a Batch's members decodes, with those fields absent);
 *         TFY_ERROR_OUT_OF_MEMORY.  raw_json is the object's text without
 *         the whitespace around it.
 */
TFY_EXTERN tfy_code tfy_batch_parse(const char *json, size_t len, tfy_batch **out, tfy_error **err);

/**
 * Decode a List batches response body the caller already has, exactly as
 * tfy_batches_list() decodes one (request_id is then NULL).
 *
 * @param json the text; need not be NUL-terminated; borrowed for the call.
 * @param len its length in bytes.
 * @param out receives a new page owned by the caller (free with
 *        tfy_batch_page_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT when json or out is NULL;
 *         TFY_ERROR_DECODE when the text is not a JSON object with a `data`
 *         array; TFY_ERROR_OUT_OF_MEMORY.
 */
TFY_EXTERN tfy_code tfy_batch_page_parse(const char *json, size_t len, tfy_batch_page **out,
                                         tfy_error **err);

/**
 * Whether a timestamp of a batch was converted to Unix seconds from what
 * the server sent: from milliseconds (a value of 100,000,000,000 or more,
 * which in seconds would lie past the year 5000; Bedrock's times through a
 * gateway) or from an ISO-8601 string such as "2025-01-31T23:59:44Z"
 * (Vertex's; fractions of a second dropped).  raw_json keeps what was sent.
 *
 * @param batch any batch, or NULL.
 * @param field the address of one of batch's time fields (created_at ...
 *        cancelled_at), e.g. &batch->created_at.
 * @return 1 when that field was converted, 0 when it was read as sent, is
 *         absent, or field is not one of batch's time fields.
 * @since 1.1
 */
TFY_EXTERN int32_t tfy_batch_time_converted(const tfy_batch *batch, const tfy_opt_int64 *field);

/**
 * The API's name of a status ("in_progress", ...).
 *
 * @param status any value.
 * @return static text, never NULL; "unknown" for TFY_BATCH_STATUS_UNKNOWN or
 *         any value outside the enum.
 */
TFY_EXTERN const char *tfy_batch_status_name(tfy_batch_status status);

/**
 * Map a status string to the enum: OpenAI's names ("in_progress"), and the
 * job states a gateway passes through from other providers, each matched
 * without regard to case:
 *  - Bedrock: Submitted, Validating -> VALIDATING; Scheduled, InProgress ->
 *    IN_PROGRESS; PartiallyCompleted -> PARTIALLY_COMPLETED; Completed ->
 *    COMPLETED; Failed -> FAILED; Stopping -> CANCELLING; Stopped ->
 *    CANCELLED; Expired -> EXPIRED;
 *  - Vertex: JOB_STATE_QUEUED, _PENDING -> VALIDATING; _RUNNING, _PAUSED,
 *    _UPDATING -> IN_PROGRESS; _SUCCEEDED -> COMPLETED;
 *    _PARTIALLY_SUCCEEDED -> PARTIALLY_COMPLETED; _FAILED -> FAILED;
 *    _CANCELLING -> CANCELLING; _CANCELLED -> CANCELLED; _EXPIRED -> EXPIRED.
 * A batch's status_raw keeps the text as sent.
 *
 * @param s a status string, or NULL.
 * @return the status, or TFY_BATCH_STATUS_UNKNOWN if s is NULL or unknown.
 */
TFY_EXTERN tfy_batch_status tfy_batch_status_parse(const char *s);

#ifdef __cplusplus
}
#endif

#endif
