/**
 * @file
 * libtfy: the error detail of a failed call.
 */
#ifndef TFY_ERROR_H
#define TFY_ERROR_H

#include <tfy/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of bytes of a response body kept in tfy_error.body. */
#define TFY_ERROR_BODY_MAX 512

/**
 * What went wrong in a call.  Allocated by the library and handed to the
 * caller through a `tfy_error **` out parameter; free it with
 * tfy_error_free().  Every string is owned by the error and lives until then.
 * Strings that do not apply are NULL.  Fields are only ever appended, so the
 * struct may grow in later versions (the caller never allocates it).
 *
 * Every call that fails and was given a non-NULL `err` sets `*err` to a
 * non-NULL error, also when memory runs out: then `*err` may be a static
 * error with code TFY_ERROR_OUT_OF_MEMORY, which tfy_error_free() ignores.
 *
 * Every string is valid UTF-8 without control characters (C0, DEL and C1)
 * other than tab, and `body` may also hold line feeds: text that came from
 * the server is cleaned, each invalid byte or control character becoming
 * U+FFFD.  No field ever contains the API key or another secret the
 * library sends (every key a credential callback gave during the call, the
 * proxy's user and password as written, percent-decoded and as Basic
 * base64, the client key's passphrase), not even in part: every run of 8
 * or more of a secret's leading characters, wherever it stands (a secret
 * shorter than 8 where it appears whole), reads "[REDACTED]"; see
 * docs/errors-and-retries.md, "Secrets".
 */
typedef struct tfy_error {
	/* clang-format off */
	tfy_code code;           /**< never TFY_OK */
	int32_t http_status;     /**< HTTP status of the response, 0 when none was received */
	int32_t attempts;        /**< HTTP requests made for this call (0 if none was sent) */
	int32_t reserved_;       /**< padding, always 0 */
	const char *message;     /**< one line for people; never NULL */
	const char *api_type;    /**< `error.type` of an API error body */
	const char *api_code;    /**< `error.code` of an API error body */
	const char *api_param;   /**< `error.param` of an API error body */
	const char *api_message; /**< `error.message` of an API error body */
	const char *request_id;  /**< the response's `x-request-id` header (at most 256 bytes) */
	const char *detail;      /**< transport or decoder detail (libcurl's text, the JSON error) */
	const char *body;        /**< prefix (at most TFY_ERROR_BODY_MAX bytes of the body, cut on
	                              a character boundary, then cleaned) of a response body */
	/* clang-format on */
	/**
	 * The delay the server asked for (retry-after-ms or Retry-After) on the
	 * last response, in ms; -1 when it asked for none or no response came.
	 * When it is above the client's retry_after_max_ms the call failed at
	 * once rather than wait.
	 */
	int64_t retry_after_ms;
} tfy_error;

/**
 * Free an error returned by any libtfy call.
 *
 * @param err the error, or NULL, or the static out-of-memory error (then
 *        nothing happens).
 */
TFY_EXTERN void tfy_error_free(tfy_error *err);

/**
 * A response header of the failed call's last response, by name (compared
 * without case).  Kept are x-request-id, retry-after, retry-after-ms,
 * server-timing, every x-ratelimit-* and x-tfy-* header, and the names in
 * tfy_client_options.keep_headers: at most 64 headers and 64 KiB of names
 * and values per response, each value cut to 8 KiB, with the key masked and
 * control characters cleaned as in request_id.  Since 1.2.
 *
 * @param err the error, or NULL.
 * @param name the header's name, or NULL.
 * @return the value, borrowed from the error (valid until tfy_error_free());
 *         NULL when err or name is NULL, no response came, or the header
 *         was absent or not kept.  A header sent twice reads as the last.
 */
TFY_EXTERN const char *tfy_error_header(const tfy_error *err, const char *name);

#ifdef __cplusplus
}
#endif

#endif
