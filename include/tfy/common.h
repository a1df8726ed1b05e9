/**
 * @file
 * libtfy: common definitions shared by every public header.
 *
 * FFI rules followed by the whole public API: plain structs passed by
 * pointer, never by value; fixed-width integers; enums stored as int32_t;
 * no bitfields; no varargs; strings are NUL-terminated UTF-8; every object
 * handed to the caller has its own _free function that accepts NULL.
 *
 * ABI rules (from 1.0 on, checked by abidiff in CI): exported symbols and
 * enum values are never removed or renumbered; structs the library allocates
 * (errors, batches, pages) only grow at their tail and are always reached
 * through a pointer; options structs the caller allocates carry a `version`
 * and the library accepts every version from 1 to the current one.
 *
 * Callbacks: every callback runs on the thread that made the call, while
 * libtfy holds no lock.  A callback may call libtfy functions on other
 * objects, and (since 1.3) free the client of its call, which stays alive
 * until the call returns; it must not free the iterator or the options it
 * was registered with.
 *
 * Client lifetime (since 1.3): a client is reference-counted.  The caller
 * holds one reference, each iterator and each call in flight another;
 * tfy_client_free() drops the caller's and the last one frees the client.
 * "As long as the client" below means until then.
 */
#ifndef TFY_COMMON_H
#define TFY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol exported from the shared library; everything else is hidden. */
#if defined(_WIN32) && defined(TFY_BUILDING_LIBRARY)
#define TFY_EXTERN __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define TFY_EXTERN __attribute__((visibility("default")))
#else
#define TFY_EXTERN
#endif

/**
 * Result codes.  The numeric values are part of the ABI: they are never
 * renumbered and new codes are only appended.  Functions return one of these
 * as an int32_t (the typedef tfy_code).
 */
typedef int32_t tfy_code;

enum {
	/* clang-format off */
	TFY_OK = 0,                      /**< success */
	TFY_ERROR_INVALID_ARGUMENT = 1,  /**< bad argument, rejected before anything was sent */
	TFY_ERROR_OUT_OF_MEMORY = 2,     /**< an allocation failed */
	TFY_ERROR_CONNECT = 3,           /**< could not connect (refused, unreachable) */
	TFY_ERROR_DNS = 4,               /**< host name could not be resolved */
	TFY_ERROR_TLS = 5,               /**< TLS handshake or certificate verification failed */
	TFY_ERROR_TIMEOUT = 6,           /**< a timeout expired */
	TFY_ERROR_NETWORK = 7,           /**< other transport failure (connection reset, protocol error) */
	TFY_ERROR_BAD_REQUEST = 8,       /**< HTTP 400 */
	TFY_ERROR_AUTHENTICATION = 9,    /**< HTTP 401 */
	TFY_ERROR_PERMISSION_DENIED = 10,/**< HTTP 403 */
	TFY_ERROR_NOT_FOUND = 11,        /**< HTTP 404 */
	TFY_ERROR_CONFLICT = 12,         /**< HTTP 409 */
	TFY_ERROR_UNPROCESSABLE = 13,    /**< HTTP 422 */
	TFY_ERROR_RATE_LIMIT = 14,       /**< HTTP 429 */
	TFY_ERROR_CLIENT = 15,           /**< any other HTTP 4xx */
	TFY_ERROR_SERVER = 16,           /**< HTTP 5xx */
	TFY_ERROR_HTTP = 17,             /**< an HTTP status that is neither 2xx, 4xx nor 5xx (e.g. a redirect) */
	TFY_ERROR_DECODE = 18,           /**< the response body could not be decoded */
	TFY_ERROR_RESPONSE_TOO_LARGE = 19, /**< the response body exceeded the size cap */
	TFY_ERROR_CANCELLED = 20,        /**< the caller's cancel callback asked to stop */
	TFY_ERROR_PAGINATION = 21,       /**< the server's paging went wrong (repeated cursor, has_more with no items) */
	/* clang-format on */
	/**
	 * Since 1.2: a request that is not safe to repeat (creating a batch,
	 * uploading a file) was sent and no answer came, or the
	 * answer was one that does not prove it did nothing: it may have taken
	 * effect (see docs/errors-and-retries.md for the rule).  Not retried;
	 * the message says what may exist.
	 */
	TFY_ERROR_OUTCOME_UNKNOWN = 22,
	/** Since 1.2: a local file could not be opened, read, written or renamed (tfy_error.detail says why). */
	TFY_ERROR_IO = 23,
	/**
	 * Since 1.3: the server understood the request and answered that it did
	 * not do it (a file delete answered `"deleted": false`).  The answer
	 * decoded; nothing was changed.  Not retried.
	 */
	TFY_ERROR_DECLINED = 24,
	/**
	 * Since 1.3: a webhook delivery failed verification
	 * (tfy_webhook_verify()): a header is missing, its timestamp is
	 * malformed or outside the tolerance, or no signature matches.  The
	 * message says which; the body must not be acted on.
	 */
	TFY_ERROR_WEBHOOK_INVALID = 25,
	/**
	 * Since 1.3: a job's input has problems (tfy_job_run()): a line that
	 * is not a request, a custom_id twice, a line above a shard's limits.
	 * The message names the first problems with their line numbers;
	 * nothing was sent.
	 */
	TFY_ERROR_INPUT_INVALID = 26,
	/**
	 * Since 1.3: not a code, never returned.  Its negative value makes this
	 * enum's type signed (int, 32 bits), the type of tfy_code, so that FFI
	 * generators give every code the type tfy_code has (bindgen: `c_int`,
	 * which is `i32`, rather than `u32`).  The same member ends each enum
	 * of the public headers whose values are all non-negative.
	 */
	TFY_CODE__SIGNED = INT32_MIN
};

/**
 * The value that turns a feature off in an options struct.  Zero always
 * means "the default" (so a struct zeroed with memset and given its version
 * behaves exactly like its _INIT macro); fields that can be switched off
 * document that they accept TFY_NONE.
 */
#define TFY_NONE (-1)

/**
 * A name and a value: an HTTP header, an x-tfy-metadata entry or a query
 * parameter.  Both are NUL-terminated UTF-8 strings, borrowed from the
 * caller for as long as the struct that points at them says.
 */
typedef struct tfy_pair {
	const char *name;  /**< the header, key or parameter name */
	const char *value; /**< its value */
} tfy_pair;

#ifndef TFY_CALLBACK_NOEXCEPT
#if (defined(__cplusplus) && __cplusplus >= 201703L) || (defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#define TFY_CALLBACK_NOEXCEPT noexcept
#else
/**
 * Ends the declaration of every callback type: `noexcept` in C++17 and
 * later, where it is part of a function's type, and nothing in C and older
 * C++.  A callback must return normally: a C++ exception, a longjmp(), a
 * Rust panic or any other unwinding that leaves it would cross libtfy's C
 * frames, skipping their cleanup (memory, locks, connections).  So in C++17
 * a callback is a function or a captureless lambda declared `noexcept`
 * (catching what it calls may throw); one that may throw does not convert
 * to the callback type.  A program whose older code cannot be changed yet
 * may define TFY_CALLBACK_NOEXCEPT as empty before including a libtfy
 * header, which only silences the compiler: the rule stays.  Since 1.3.
 */
#define TFY_CALLBACK_NOEXCEPT
#endif
#endif

/**
 * Supplies the next bytes of a stream (a file to upload, a JSONL file to
 * read).  Called from the thread of the call that was given it, never after
 * that call returns.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata the pointer given with the callback, untouched.
 * @param buf where to write.
 * @param size bytes available in buf (at least 1).
 * @return the number of bytes written (1..size), 0 at the end of the
 *         stream, or -1 to fail the call (with TFY_ERROR_IO).
 */
typedef int64_t (*tfy_read_fn)(void *userdata, char *buf, size_t size) TFY_CALLBACK_NOEXCEPT;

/**
 * Receives the next bytes of a stream (a downloaded file).  Called from the
 * thread of the call that was given it, never after that call returns; data
 * is borrowed for the duration of the call.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata the pointer given with the callback, untouched.
 * @param data the bytes.
 * @param size their number (at least 1).
 * @return 0 to go on, non-zero to fail the call (with TFY_ERROR_IO).
 */
typedef int32_t (*tfy_write_fn)(void *userdata, const char *data, size_t size) TFY_CALLBACK_NOEXCEPT;

/**
 * Static English text for a result code.
 *
 * @param code any value; unknown values give "unknown error code".
 * @return a borrowed pointer to static storage; never NULL; valid forever.
 */
TFY_EXTERN const char *tfy_strerror(tfy_code code);

#ifdef __cplusplus
}
#endif

#endif
