/*
 * The client's state, shared by the calls that use it.  Internal to libtfy.
 */
#ifndef TFY_CLIENT_INTERNAL_H
#define TFY_CLIENT_INTERNAL_H

#include "tfy/client.h"
#include "transport.h"

/* Cap on a response body: far above the largest real page, bounded for hostile servers. */
#define TFY__MAX_BODY_DEFAULT ((size_t)32 * 1024 * 1024)

/* Immutable after tfy_client_new except inside the transport, which locks itself. */
struct tfy_client {
	char *base_url;
	char *api_key;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int32_t tls_insecure;
	size_t max_body;
	tfy__transport *transport;
};

#endif
