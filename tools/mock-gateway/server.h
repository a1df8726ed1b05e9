/* The HTTP side of the mock gateway: a libmicrohttpd daemon on 127.0.0.1. */
#ifndef TFY_MOCK_SERVER_H
#define TFY_MOCK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "provider.h"
#include "tls.h"

struct mgw_server_config {
	uint16_t port;                  /* 0 picks an ephemeral port */
	uint32_t count;                 /* items in the data set */
	const char *api_key;            /* accepted bearer token; must outlive the server */
	bool gzip;                      /* gzip bodies for clients that accept it */
	const struct mgw_fault *faults; /* run-level faults, copied at start */
	size_t fault_count;
	const struct mgw_provider *providers; /* --provider; must outlive the server */
	size_t provider_count;
	bool require_provider;     /* batches requests must name a declared provider */
	const struct mgw_tls *tls; /* HTTPS (mgw_tls_load); NULL: plain HTTP; must outlive the server */
	uint64_t max_file_bytes;   /* total size of the files kept */
	double batch_seconds;      /* how long a created batch runs */
	uint32_t rotate_key_after; /* the key changes after this many authorized requests; 0: never */
	const char *webhook_url;   /* where ended batches are told about; NULL: nowhere */
	const char *webhook_secret;     /* whsec_...; both must outlive the server */
	unsigned long webhook_retry_ms; /* the pause before the first retry; 0: the default */
};

struct mgw_server;

/* Starts listening and serving on background threads. Returns NULL on failure
 * with a reason in `err`. */
struct mgw_server *mgw_server_start(const struct mgw_server_config *cfg, char *err, size_t err_size);

/* The private directory holding the files. */
const char *mgw_server_files_dir(const struct mgw_server *srv);

/* The port actually bound. */
uint16_t mgw_server_port(const struct mgw_server *srv);

/* Stops the daemon, closing open connections, and frees everything. NULL is ok. */
void mgw_server_stop(struct mgw_server *srv);

#endif
