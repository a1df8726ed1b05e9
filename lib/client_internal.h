/*
 * The client's state, shared by the calls that use it.  Internal to libtfy.
 */
#ifndef TFY_CLIENT_INTERNAL_H
#define TFY_CLIENT_INTERNAL_H

#include <stdatomic.h>

#include "arena.h"
#include "headers.h"
#include "log.h"
#include "network.h"
#include "request_build.h"
#include "tfy/client.h"
#include "transport.h"

/*
 * Immutable after tfy_client_new except refs and inside the transport,
 * which locks itself.
 */
struct tfy_client {
	/*
	 * References: the caller's (dropped by tfy_client_free), one per
	 * iterator and one per call in flight; the last one frees the client.
	 */
	atomic_int refs;
	char *base_url;
	char *api_key;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int64_t stall_timeout_ms;
	int64_t retry_after_max_ms;
	int32_t max_retries;
	int32_t tls_insecure;
	int32_t follow_redirects;
	size_t max_body;
	char *ca_file;
	char *ca_path;
	char *auth_header;            /* NULL: Authorization: Bearer */
	tfy_request_options defaults; /* request_defaults, its strings in defaults_arena */
	tfy__arena *defaults_arena;
	tfy__logger log;
	tfy__transport *transport;
	tfy__network network; /* proxy and client certificate (network.c) */
	/* Masked in every error and log line: the key, then network_secrets. */
	const char *secrets[1 + TFY__NETWORK_SECRETS + 1];
	/* Proxy credentials in every form they are sent, the key's passphrase (network.h). */
	char *network_secrets[TFY__NETWORK_SECRETS];
	size_t network_secrets_count;
	/* Since 1.2: credential callback, retry policy, kept response headers. */
	tfy_credential_fn credential; /* NULL: api_key is the key */
	void *credential_userdata;
	tfy_retry_fn on_retry; /* may be NULL */
	void *on_retry_userdata;
	int64_t backoff_initial_ms;
	int64_t backoff_max_ms;
	int32_t retry_after_policy; /* TFY_RETRY_AFTER_FAIL, _CLAMP or _IGNORE */
	tfy__keep keep;             /* keep_headers, copied (names in keep_names) */
	char **keep_names;
};

/* Where the client's requests go and how they authenticate. */
tfy__target tfy__client_target(const tfy_client *client);

/*
 * Takes a reference to the client, for a call (from its start to the
 * moment it handed its error) or an iterator (for its life), so that the
 * caller may free the client meanwhile: from another thread, from inside
 * a callback, or before the iterator.
 */
void tfy__client_hold(tfy_client *client);

/* Drops a reference; the last one frees the client.  The caller must not touch it after. */
void tfy__client_release(tfy_client *client);

#endif
