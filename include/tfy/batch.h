/**
 * @file
 * libtfy: the typed Batch object and a page of batches.
 *
 * Decoded values follow one rule: a field that the server left out and a
 * field it sent as JSON null read the same (NULL string, or present == 0).
 * A field of the wrong JSON type also reads as absent; the item's raw JSON
 * text keeps whatever was sent.
 */
#ifndef TFY_BATCH_H
#define TFY_BATCH_H

#include <tfy/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An optional 64-bit integer: `value` is meaningful only when `present` is 1.
 *
 * Integers are taken from JSON integers, from JSON numbers with no fraction
 * whose magnitude is at most 2^53, and from JSON strings holding a decimal
 * integer that fits in int64_t.  Anything else, including a value that would
 * not fit, is absent rather than wrapped.  An item that holds an integer
 * beyond 64 bits has all its numbers read as doubles, so in that item alone
 * integers beyond 2^53 are absent too.  Timestamps are Unix seconds as the
 * server sent them (no unit guessing).
 */
typedef struct tfy_opt_int64 {
	int64_t value;     /**< the integer; 0 when not present */
	int32_t present;   /**< 1 when value holds the field, 0 when absent, null or unusable */
	int32_t reserved_; /**< padding, always 0 */
} tfy_opt_int64;

/** Batch status.  Values are part of the ABI and never renumbered. */
typedef int32_t tfy_batch_status;

enum {
	TFY_BATCH_STATUS_UNKNOWN = 0,      /**< absent, or a value this version does not know; see status_raw */
	TFY_BATCH_STATUS_VALIDATING = 1,
	TFY_BATCH_STATUS_FAILED = 2,
	TFY_BATCH_STATUS_IN_PROGRESS = 3,
	TFY_BATCH_STATUS_FINALIZING = 4,
	TFY_BATCH_STATUS_COMPLETED = 5,
	TFY_BATCH_STATUS_EXPIRED = 6,
	TFY_BATCH_STATUS_CANCELLING = 7,
	TFY_BATCH_STATUS_CANCELLED = 8
};

/** One entry of a batch's `errors.data`. */
typedef struct tfy_batch_error {
	const char *code;    /**< may be NULL */
	const char *message; /**< may be NULL */
	const char *param;   /**< may be NULL */
	tfy_opt_int64 line;  /**< line of the input file, when given */
} tfy_batch_error;

/** One metadata entry.  A non-string value is given as its compact JSON text. */
typedef struct tfy_metadata_entry {
	const char *key;   /**< the metadata key */
	const char *value; /**< the value: a string as is, anything else as compact JSON */
} tfy_metadata_entry;

/** `request_counts`; `present` is 0 when the object was absent or null. */
typedef struct tfy_batch_request_counts {
	int32_t present;         /**< 1 when request_counts was an object */
	int32_t reserved_;       /**< padding, always 0 */
	tfy_opt_int64 total;     /**< `request_counts.total`: requests in the input file */
	tfy_opt_int64 completed; /**< `request_counts.completed` */
	tfy_opt_int64 failed;    /**< `request_counts.failed` */
} tfy_batch_request_counts;

/** `usage`; `present` is 0 when the object was absent or null. */
typedef struct tfy_batch_usage {
	int32_t present;                /**< 1 when usage was an object */
	int32_t reserved_;              /**< padding, always 0 */
	tfy_opt_int64 input_tokens;     /**< `usage.input_tokens` */
	tfy_opt_int64 cached_tokens;    /**< input_tokens_details.cached_tokens */
	tfy_opt_int64 output_tokens;    /**< `usage.output_tokens` */
	tfy_opt_int64 reasoning_tokens; /**< output_tokens_details.reasoning_tokens */
	tfy_opt_int64 total_tokens;     /**< `usage.total_tokens` */
} tfy_batch_usage;

/**
 * One batch.  Owned by the tfy_batch_page it came from: every pointer in it
 * lives exactly as long as that list.  Fields are only appended in later
 * versions; lists hand out pointers to batches, so that is ABI-safe.
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
	tfy_batch_request_counts request_counts; /**< `request_counts` */
	tfy_batch_usage usage;         /**< `usage` */
	const char *errors_object;     /**< `errors.object`, NULL when errors is absent */
	size_t errors_count;           /**< number of entries in errors */
	const tfy_batch_error *errors; /**< errors_count entries, NULL when none */
	size_t metadata_count;         /**< number of entries in metadata */
	const tfy_metadata_entry *metadata; /**< entries of an object-valued metadata, in the order sent */
	const char *metadata_json;     /**< metadata as compact JSON text of any type, NULL if absent/null */
	/**
	 * The whole item as JSON text, the bytes exactly as the server sent
	 * them (its whitespace included); never NULL.
	 */
	const char *raw_json;
} tfy_batch;

/**
 * One page of batches as returned by tfy_batches_list().  Owns every batch
 * and every string reachable from it; free with tfy_batch_page_free().
 */
typedef struct tfy_batch_page {
	const char *object;       /**< "list", or NULL if absent */
	size_t count;             /**< number of batches in items */
	const tfy_batch *const *items; /**< count pointers, NULL when count is 0 */
	const char *first_id;     /**< may be NULL */
	const char *last_id;      /**< may be NULL */
	int32_t has_more;         /**< 1 if the server says more pages follow */
	int32_t has_more_present; /**< 0 if the server left has_more out (then has_more is 0) */
	const char *request_id;   /**< the response's `x-request-id` header, or NULL */
} tfy_batch_page;

/**
 * Free a list and everything it owns.
 *
 * @param list the list, or NULL (then nothing happens).
 */
TFY_EXTERN void tfy_batch_page_free(tfy_batch_page *list);

/**
 * The i-th batch of a list, for bindings that cannot index a C array.
 *
 * @param list the list, or NULL.
 * @param i the index, from 0.
 * @return a pointer borrowed from the list (valid until tfy_batch_page_free()),
 *         or NULL if list is NULL or i >= list->count.
 */
TFY_EXTERN const tfy_batch *tfy_batch_page_get(const tfy_batch_page *list, size_t i);

/**
 * The API's name of a status ("in_progress", ...).
 *
 * @param status any value.
 * @return static text, never NULL; "unknown" for TFY_BATCH_STATUS_UNKNOWN or
 *         any value outside the enum.
 */
TFY_EXTERN const char *tfy_batch_status_name(tfy_batch_status status);

/**
 * Map the API's status string to the enum.  The match is exact (the API's
 * values are lower case).
 *
 * @param s a status string, or NULL.
 * @return the status, or TFY_BATCH_STATUS_UNKNOWN if s is NULL or unknown.
 */
TFY_EXTERN tfy_batch_status tfy_batch_status_parse(const char *s);

#ifdef __cplusplus
}
#endif

#endif
