/*
 * The client's state, shared by the calls that use it.  Internal to libtfy.
 */
#ifndef TFY_CLIENT_INTERNAL_H
#define TFY_CLIENT_INTERNAL_H

#include "tfy/client.h"
#include "log.h"
#include "transport.h"

/* Upper bound on max_retries: beyond it a call could outlive any sane deadline. */
#define TFY__MAX_RETRIES_LIMIT 100

/* Immutable after tfy_client_new except inside the transport, which locks itself. */
struct tfy_client {
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
	char *auth_header;  /* NULL: Authorization: Bearer */
	char *query;        /* encoded query_params, or NULL */
	tfy__logger log;
	tfy__transport *transport;
};

#endif
