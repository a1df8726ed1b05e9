/*
 * libtfy: the client, which holds the target, the credentials and the
 * connections.
 */
#ifndef TFY_CLIENT_H
#define TFY_CLIENT_H

#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default connect timeout in milliseconds. */
#define TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS 10000
/** Default timeout of one HTTP request in milliseconds. */
#define TFY_CLIENT_DEFAULT_TIMEOUT_MS 60000

/** Current version of tfy_client_options. */
#define TFY_CLIENT_OPTIONS_VERSION 1

/**
 * Options for tfy_client_new().  Initialise with TFY_CLIENT_OPTIONS_INIT or
 * tfy_client_options_init(), then set what you need.  Fields are only
 * appended in later versions.  The client copies every string; the options
 * need not outlive tfy_client_new().
 */
typedef struct tfy_client_options {
	uint32_t version;          /**< TFY_CLIENT_OPTIONS_VERSION */
	uint32_t reserved_;
	/**
	 * Base URL of the API, without the trailing "/batches":
	 *  - TrueFoundry gateway:       "https://<org>.truefoundry.cloud/api/llm"
	 *  - TrueFoundry control plane: "https://<host>/api/llm/api/inference/openai"
	 *  - OpenAI:                    "https://api.openai.com/v1"
	 * NULL means the TFY_BASE_URL environment variable.  http and https only.
	 */
	const char *base_url;
	/** Bearer token; NULL means the TFY_API_KEY environment variable. */
	const char *api_key;
	/** Connect timeout in ms; 0 means TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS. */
	int64_t connect_timeout_ms;
	/** Timeout of a whole HTTP request in ms; 0 means TFY_CLIENT_DEFAULT_TIMEOUT_MS. */
	int64_t timeout_ms;
	/**
	 * Set to 1 to skip TLS peer and host verification (for test servers with
	 * self-signed certificates only).  Verification is on by default.
	 */
	int32_t tls_insecure;
	int32_t reserved2_;
} tfy_client_options;

/** Static initialiser for tfy_client_options. */
#define TFY_CLIENT_OPTIONS_INIT { TFY_CLIENT_OPTIONS_VERSION, 0, NULL, NULL, 0, 0, 0, 0 }

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill.
 * @param version TFY_CLIENT_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is not one this library knows.
 */
TFY_EXTERN tfy_code tfy_client_options_init(tfy_client_options *opts, uint32_t version);

/** An opaque client.  Safe to use from several threads at once. */
typedef struct tfy_client tfy_client;

/**
 * Create a client.  Nothing is sent on the network.
 *
 * @param opts options, or NULL for all defaults (base URL and key then come
 *        from TFY_BASE_URL and TFY_API_KEY).
 * @param out receives the new client, owned by the caller, to be freed with
 *        tfy_client_free(); set to NULL on failure.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.  Under out-of-memory it may
 *        stay NULL while the return value says TFY_ERROR_OUT_OF_MEMORY.
 * @return TFY_OK, TFY_ERROR_INVALID_ARGUMENT (no or bad base URL, no API key,
 *         a control character in either, unknown options version) or
 *         TFY_ERROR_OUT_OF_MEMORY.
 */
TFY_EXTERN tfy_code tfy_client_new(const tfy_client_options *opts, tfy_client **out,
                                   tfy_error **err);

/**
 * Free a client and close its connections.  No call may be running on it.
 *
 * @param client the client, or NULL (then nothing happens).
 */
TFY_EXTERN void tfy_client_free(tfy_client *client);

/**
 * The base URL the client sends to (after defaults were applied).
 *
 * @return a string borrowed from the client, valid until tfy_client_free().
 */
TFY_EXTERN const char *tfy_client_base_url(const tfy_client *client);

#ifdef __cplusplus
}
#endif

#endif
