/**
 * @file
 * libtfy: the client, which holds the target, the credentials and the
 * connections.
 */
#ifndef TFY_CLIENT_H
#define TFY_CLIENT_H

#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default connect timeout in milliseconds. */
#define TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS 10000
/** Default timeout of one HTTP request in milliseconds. */
#define TFY_CLIENT_DEFAULT_TIMEOUT_MS 60000

/** Default number of retries after a failed first attempt. */
#define TFY_CLIENT_DEFAULT_MAX_RETRIES 2
/** Default longest server-requested delay (Retry-After) honoured, in ms. */
#define TFY_CLIENT_DEFAULT_RETRY_AFTER_MAX_MS 60000
/** Default time without a received byte after which an attempt is abandoned, in ms. */
#define TFY_CLIENT_DEFAULT_STALL_TIMEOUT_MS 30000
/** Default cap on a response body, in bytes. */
#define TFY_CLIENT_DEFAULT_MAX_RESPONSE_BYTES (32 * 1024 * 1024)

/** Log levels; a message is passed on when its level is at most the threshold. */
enum {
	TFY_LOG_OFF = -1,    /**< nothing is logged */
	TFY_LOG_DEFAULT = 0, /**< TFY_LOG from the environment, else TFY_LOG_WARN */
	TFY_LOG_ERROR = 1,   /**< failures */
	TFY_LOG_WARN = 2,    /**< dangerous settings, such as TLS verification turned off */
	TFY_LOG_INFO = 3,    /**< retries and their delays */
	TFY_LOG_DEBUG = 4    /**< every attempt: method, URL, status, duration, request id */
};

/**
 * Receives one log line.  May be called from any thread that uses the
 * client, concurrently, while libtfy holds no lock; it may call libtfy
 * functions, and free the client (since 1.3; the call it logs for keeps
 * the client alive until it returns).
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param level a TFY_LOG_* level from TFY_LOG_ERROR to TFY_LOG_DEBUG.
 * @param line one line of text without a newline, borrowed for the duration
 *        of the call.  It never contains the API key, a header or another
 *        secret, not even in part (as tfy_error promises), and text from
 *        the server in it has its control characters
 *        escaped (as \\xHH), so no server can forge or split log lines.
 * @param userdata tfy_client_options.log_userdata.
 */
typedef void (*tfy_log_fn)(int32_t level, const char *line, void *userdata) TFY_CALLBACK_NOEXCEPT;

/**
 * Asked for the API key before each request, for credentials that expire
 * (Azure Entra ID tokens, workload identity, a TrueFoundry token refreshed
 * by an agent).  Called from the thread making the request, possibly from
 * several threads at once; it must not call libtfy with the same client.
 * Since 1.2.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata tfy_client_options.credential_userdata.
 * @param refresh 0 before a request; 1 after the server answered 401 to the
 *        key this callback last gave (the request is then sent once more
 *        with the new key).
 * @param key where to write the key as a NUL-terminated string; the
 *        library clears the buffer after use.
 * @param key_size bytes available in key (TFY_CREDENTIAL_MAX).
 * @return 0 with key written, or non-zero to fail the call with
 *         TFY_ERROR_AUTHENTICATION (nothing is sent).
 */
typedef int32_t (*tfy_credential_fn)(void *userdata, int32_t refresh, char *key,
                                     size_t key_size) TFY_CALLBACK_NOEXCEPT;

/** Size of the buffer a tfy_credential_fn writes the key into, NUL included. */
#define TFY_CREDENTIAL_MAX 16384

/**
 * What one failed attempt was and what happens next, passed to
 * tfy_retry_fn.  Allocated by the library; may grow at its end.  Since 1.2.
 */
typedef struct tfy_retry_info {
	int32_t attempt;     /**< the attempt that failed, from 1 */
	int32_t http_status; /**< its HTTP status, 0 when no response came */
	tfy_code code;       /**< what the failure maps to (TFY_ERROR_*) */
	int32_t reserved_;   /**< always 0 */
	int64_t delay_ms;    /**< the wait before the next attempt */
	const char *reason;  /**< one line, e.g. "server error (HTTP 503)"; borrowed for the call */
} tfy_retry_info;

/**
 * Told before each retry.  Called from the thread of the call, possibly
 * from several threads at once.  Since 1.2.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata tfy_client_options.on_retry_userdata.
 * @param info borrowed for the duration of the call.
 * @return TFY_CANCEL_CONTINUE (0) to retry; any other value ends the call
 *         with the failure of the last attempt.
 */
typedef int32_t (*tfy_retry_fn)(void *userdata, const tfy_retry_info *info) TFY_CALLBACK_NOEXCEPT;

/** What a Retry-After longer than retry_after_max_ms leads to (tfy_client_options.retry_after_policy). */
enum {
	/** The default, TFY_RETRY_AFTER_FAIL. */
	TFY_RETRY_AFTER_DEFAULT = 0,
	/** Fail at once with tfy_error.retry_after_ms set (1.0 and 1.1 behaviour). */
	TFY_RETRY_AFTER_FAIL = 1,
	/** Wait retry_after_max_ms instead, then retry. */
	TFY_RETRY_AFTER_CLAMP = 2,
	/** Use the library's own backoff instead of the server's delay. */
	TFY_RETRY_AFTER_IGNORE = 3,
	/** Since 1.3: not a policy, refused; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_RETRY_AFTER__SIGNED = INT32_MIN
};

/**
 * Current version of tfy_client_options: 2 since 1.2 (proxy, mutual TLS,
 * credential callback, retry policy and kept response headers appended);
 * version 1 structs keep working.
 */
#define TFY_CLIENT_OPTIONS_VERSION 2

/**
 * Options for tfy_client_new().  Initialise with TFY_CLIENT_OPTIONS_INIT or
 * tfy_client_options_init() (or zero the struct and set `version`: zero
 * means "default" in every field), then set what you need.  Fields are only
 * appended in later versions, with a new version number; the library accepts
 * every version from 1 to its own.  The client copies every string and
 * array; the options need not outlive tfy_client_new(), but log_userdata,
 * credential_userdata, on_retry_userdata, request_defaults->cancel_userdata
 * and request_defaults->cancel_token must live as long as the client: until
 * tfy_client_free() and the end of every call and iterator that holds it
 * (see tfy_client_free()).
 */
typedef struct tfy_client_options {
	uint32_t version;   /**< TFY_CLIENT_OPTIONS_VERSION */
	uint32_t reserved_; /**< padding, leave 0 */
	/**
	 * Base URL of the API, without the trailing "/batches":
	 *  - TrueFoundry gateway (SaaS): "https://gateway.truefoundry.ai"
	 *  - TrueFoundry gateway:        "https://<org>.truefoundry.cloud/api/llm"
	 *  - TrueFoundry control plane:  "https://<host>/api/llm/api/inference/openai"
	 *  - OpenAI:                     "https://api.openai.com/v1"
	 * http and https only; user name and password in the URL are refused.
	 * NULL means the environment, first found: TFY_BASE_URL, TrueFoundry's
	 * platform URL as its own tools read it ("https://<org>.truefoundry.cloud",
	 * no path; the API base is that plus "/api/llm"), then OPENAI_BASE_URL,
	 * the API base as TrueFoundry documents it for OpenAI's SDKs.
	 */
	const char *base_url;
	/**
	 * The API key.  NULL means the variable paired with where the base URL
	 * came from: TFY_API_KEY for the base_url option and TFY_BASE_URL,
	 * OPENAI_API_KEY for OPENAI_BASE_URL (a key is never sent to a base URL
	 * from another pair).
	 */
	const char *api_key;
	/** Connect timeout in ms; 0 means TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS. */
	int64_t connect_timeout_ms;
	/** Timeout of a whole HTTP request in ms; 0 means TFY_CLIENT_DEFAULT_TIMEOUT_MS. */
	int64_t timeout_ms;
	/**
	 * An attempt fails with TFY_ERROR_TIMEOUT ("no data received for N ms")
	 * when no byte arrives on its connection for this long.  Any byte counts
	 * as it comes off the network: part of the status line or of a header
	 * line, compressed body bytes not yet decompressed, TLS records.  The
	 * clock starts with the request (for a prefetched request, when its
	 * answer is asked for), restarts with every arrival, and also runs
	 * during name lookup and connect.  A slow but steady server is bounded by
	 * timeout_ms and deadline_ms instead.  0 means
	 * TFY_CLIENT_DEFAULT_STALL_TIMEOUT_MS, TFY_NONE turns the check off.
	 */
	int64_t stall_timeout_ms;
	/**
	 * Longest server-requested delay honoured, in ms; a longer one fails the
	 * call at once with tfy_error.retry_after_ms set.  0 means
	 * TFY_CLIENT_DEFAULT_RETRY_AFTER_MAX_MS.
	 */
	int64_t retry_after_max_ms;
	/** Larger bodies fail with TFY_ERROR_RESPONSE_TOO_LARGE; 0 means the default (32 MiB). */
	int64_t max_response_bytes;
	/**
	 * Retries after a failed first attempt (408, 409, 429, 5xx, connection
	 * failures, timeouts; a server's `x-should-retry` header overrides for
	 * error responses; a create or an upload is retried only when it did
	 * nothing: see tfy_batches_create()).  0 means
	 * TFY_CLIENT_DEFAULT_MAX_RETRIES, TFY_NONE means none, else
	 * 1..TFY_MAX_RETRIES_LIMIT.
	 */
	int32_t max_retries;
	/**
	 * Set to 1 to skip TLS peer and host verification (for test servers with
	 * self-signed certificates only).  Verification is on by default; turning
	 * it off logs a warning when the client is created.
	 */
	int32_t tls_insecure;
	/**
	 * Set to 1 to follow redirects, at most 5 (the sixth 3xx in a row fails
	 * with TFY_ERROR_HTTP, not retried); each hop is a GET and all hops share
	 * the attempt's timeout.  On a hop whose scheme, host or port differ from
	 * the base URL's, the key's header (Authorization, or auth_header such
	 * as "api-key") and every caller-supplied header are left out.  A
	 * redirect from https to http, to another scheme, or to an unparseable
	 * Location fails with TFY_ERROR_HTTP.  Off by default: a 3xx is returned
	 * as TFY_ERROR_HTTP.
	 */
	int32_t follow_redirects;
	/**
	 * Log threshold (TFY_LOG_*).  TFY_LOG_DEFAULT (0) means: the TFY_LOG
	 * environment variable ("off", "error", "warn", "info" or "debug"), else
	 * TFY_LOG_WARN.  TFY_LOG=debug logs every request: method, URL, status,
	 * duration, request id and attempt (headers are never logged).
	 */
	int32_t log_level;
	/** CA bundle file for TLS verification; NULL means libcurl's default. */
	const char *ca_file;
	/** CA certificate directory for TLS verification; NULL means libcurl's default. */
	const char *ca_path;
	/** Receives log lines; NULL means standard error. */
	tfy_log_fn log;
	/** Passed to every call of log; must stay valid as long as the client. */
	void *log_userdata;
	/**
	 * Name of the header that carries the key as it is, instead of
	 * `Authorization: Bearer <key>`: "api-key" for Azure OpenAI.  NULL means
	 * bearer.  Must be an HTTP header name.
	 */
	const char *auth_header;
	/**
	 * Defaults for every call made with this client (routing headers such as
	 * the provider name, x-tfy-metadata, headers, query parameters such as
	 * Azure's api-version, deadline, cancel callback, retries, timeout),
	 * which each call's own tfy_request_options override field by field.
	 * Copied by tfy_client_new(); NULL means none.
	 */
	const tfy_request_options *request_defaults;

	/* Since version 2 (1.2). */

	/**
	 * Proxy URL: "http://host:port", "https://host:port" (TLS to the proxy)
	 * or "socks5h://host:port".  NULL means the environment as libcurl reads
	 * it (http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY) unless proxy_env is
	 * TFY_NONE.  An https target goes through a CONNECT tunnel, so the proxy
	 * never sees the key.  User name and password in the URL are refused:
	 * use proxy_credentials.
	 */
	const char *proxy;
	/** Hosts that bypass the proxy, comma-separated as NO_PROXY ("*": all); NULL: none. */
	const char *no_proxy;
	/**
	 * "user:password" for the proxy (libcurl percent-decodes both); a
	 * secret, never logged, masked as written, percent-decoded and as the
	 * Basic base64 of the pair, as are credentials in the proxy variables.
	 * NULL: none.
	 */
	const char *proxy_credentials;
	/** Client certificate (PEM file) for mutual TLS; NULL: none. */
	const char *tls_client_cert;
	/** Its private key (PEM file); NULL: in tls_client_cert. */
	const char *tls_client_key;
	/**
	 * Passphrase of that key; a secret, never logged.  NULL: none (an
	 * encrypted key then fails with TFY_ERROR_TLS naming this option; the
	 * library never asks for a passphrase on the terminal).
	 */
	const char *tls_client_key_password;
	/**
	 * Asked for the key before each request and once more after a 401
	 * (see tfy_credential_fn); the key it gives is masked like api_key.
	 * NULL: api_key (or the environment) is the key.  With a callback,
	 * api_key and the key variables are not needed.
	 */
	tfy_credential_fn credential;
	/** Passed to credential; must stay valid as long as the client. */
	void *credential_userdata;
	/** Told before each retry; NULL: nobody. */
	tfy_retry_fn on_retry;
	/** Passed to on_retry; must stay valid as long as the client. */
	void *on_retry_userdata;
	/** First backoff delay in ms (then doubled); 0 means 500. */
	int64_t retry_initial_backoff_ms;
	/** Longest backoff delay in ms; 0 means 8000. */
	int64_t retry_max_backoff_ms;
	/** A TFY_RETRY_AFTER_* value; 0 means TFY_RETRY_AFTER_FAIL. */
	int32_t retry_after_policy;
	/** 0 honours the proxy variables of the environment; TFY_NONE ignores them. */
	int32_t proxy_env;
	/**
	 * Names of response headers to keep beyond the default set (x-request-id,
	 * retry-after, x-ratelimit-*, server-timing, x-tfy-*), read back with
	 * the *_header() functions; copied by tfy_client_new().  NULL: none.
	 */
	const char *const *keep_headers;
	/** Entries in keep_headers. */
	size_t keep_headers_count;
} tfy_client_options;

/** Static initialiser for tfy_client_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_CLIENT_OPTIONS_INIT { TFY_CLIENT_OPTIONS_VERSION, 0, NULL, NULL, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
	NULL, NULL, NULL, 0, 0, 0, 0, NULL, 0 }
/* clang-format on */

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_CLIENT_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 */
TFY_EXTERN tfy_code tfy_client_options_init(tfy_client_options *opts, uint32_t version);

/**
 * An opaque client.  Safe to use from several threads at once.  Since 1.3
 * also across fork(): a client used in a child process notices that its
 * pid changed and never reuses a connection made before the fork (it
 * leaves them to the parent, untouched), so parent and child never read
 * each other's answers.
 */
typedef struct tfy_client tfy_client;

/**
 * Create a client.  Nothing is sent on the network.
 *
 * @param opts options, or NULL for all defaults (base URL and key then come
 *        from the environment as base_url and api_key say).
 * @param out receives the new client, owned by the caller, to be freed with
 *        tfy_client_free(); set to NULL on failure.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK, TFY_ERROR_INVALID_ARGUMENT (no or bad base URL, no API key,
 *         a control character in either, an option out of range, an unknown
 *         options version, a non-zero reserved_ field; the message names the
 *         option or environment variable at fault) or TFY_ERROR_OUT_OF_MEMORY.
 */
TFY_EXTERN tfy_code tfy_client_new(const tfy_client_options *opts, tfy_client **out, tfy_error **err);

/**
 * Give up the caller's reference to a client.  The client is
 * reference-counted (since 1.3): each iterator made on it and each call
 * in flight on it hold a reference too, and the last reference frees it,
 * closing its connections and scrubbing its copy of the key.  So it may be
 * freed before its iterators (which go on working), from another thread
 * while a call on it runs (the call finishes first), or from inside a
 * callback of a call on it.  After this the caller must not start a new
 * call on it nor make an iterator on it (an iterator it already has may be
 * used).  Before 1.3 no call or iterator could be in use.
 *
 * @param client the client, or NULL (then nothing happens).
 */
TFY_EXTERN void tfy_client_free(tfy_client *client);

/**
 * The base URL the client sends to (after defaults were applied).
 *
 * @param client the client, or NULL.
 * @return a string borrowed from the client, valid until tfy_client_free();
 *         NULL when client is NULL.
 */
TFY_EXTERN const char *tfy_client_base_url(const tfy_client *client);

#ifdef __cplusplus
}
#endif

#endif
