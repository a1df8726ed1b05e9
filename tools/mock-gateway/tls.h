/* HTTPS for the mock gateway: the certificate and key it serves, the CA that
 * client certificates must chain to (mutual TLS), and a GnuTLS priority
 * string, loaded from files and handed to libmicrohttpd at start. */
#ifndef TFY_MOCK_TLS_H
#define TFY_MOCK_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

struct mgw_tls_config {
	const char *cert_file;      /* PEM; NULL: plain HTTP */
	const char *key_file;       /* PEM, unencrypted */
	const char *client_ca_file; /* PEM; NULL: no client certificate asked for */
	const char *priorities;     /* GnuTLS priority string; NULL: GnuTLS's default */
};

/* The files' contents, kept for the daemon's lifetime. */
struct mgw_tls;

/* NULL with a reason in err when a file cannot be read; cfg->cert_file must be set. */
struct mgw_tls *mgw_tls_load(const struct mgw_tls_config *cfg, char *err, size_t err_size);
void mgw_tls_free(struct mgw_tls *tls);

/* The MHD options that turn TLS on, ending with MHD_OPTION_END; for MHD_OPTION_ARRAY. */
const struct MHD_OptionItem *mgw_tls_options(const struct mgw_tls *tls);

/* Whether client certificates are checked (--tls-client-ca). */
bool mgw_tls_wants_client_cert(const struct mgw_tls *tls);

/* The verdict on a connection's client certificate. */
enum mgw_peer {
	MGW_PEER_OK,      /* present and signed by the client CA */
	MGW_PEER_MISSING, /* none sent: 401 */
	MGW_PEER_BAD      /* sent, but not verified: 403 */
};

enum mgw_peer mgw_tls_check_peer(struct MHD_Connection *conn);

#endif
