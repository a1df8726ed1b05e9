/* Loads the PEM files of --tls-cert, --tls-key and --tls-client-ca, and
 * checks a connection's client certificate with GnuTLS. */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

/* A PEM file is small; anything larger is not one. */
#define PEM_MAX (1024 * 1024)
#define OPTIONS_MAX 5

struct mgw_tls {
	char *cert, *key, *client_ca, *priorities;
	struct MHD_OptionItem options[OPTIONS_MAX];
};

static char *read_file(const char *path, char *err, size_t err_size)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(PEM_MAX + 1);
	size_t n = 0;
	if (f && buf) {
		n = fread(buf, 1, PEM_MAX + 1, f);
		if (n > 0 && n <= PEM_MAX && !ferror(f)) {
			buf[n] = '\0';
			fclose(f);
			return buf;
		}
	}
	snprintf(err, err_size, "cannot read %s%s", path, n > PEM_MAX ? ": larger than 1 MiB" : "");
	if (f)
		fclose(f);
	free(buf);
	return NULL;
}

static void add_option(struct mgw_tls *tls, size_t *n, enum MHD_OPTION option, void *value)
{
	tls->options[(*n)++] = (struct MHD_OptionItem){ option, 0, value };
}

struct mgw_tls *mgw_tls_load(const struct mgw_tls_config *cfg, char *err, size_t err_size)
{
	struct mgw_tls *tls = calloc(1, sizeof *tls);
	size_t n = 0;
	if (!tls) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	if (!(tls->cert = read_file(cfg->cert_file, err, err_size)) ||
	    !(tls->key = read_file(cfg->key_file ? cfg->key_file : cfg->cert_file, err, err_size)) ||
	    (cfg->client_ca_file && !(tls->client_ca = read_file(cfg->client_ca_file, err, err_size))) ||
	    (cfg->priorities && !(tls->priorities = strdup(cfg->priorities)))) {
		mgw_tls_free(tls);
		return NULL;
	}
	add_option(tls, &n, MHD_OPTION_HTTPS_MEM_CERT, tls->cert);
	add_option(tls, &n, MHD_OPTION_HTTPS_MEM_KEY, tls->key);
	/* With a trust list set, libmicrohttpd asks every client for a certificate. */
	if (tls->client_ca)
		add_option(tls, &n, MHD_OPTION_HTTPS_MEM_TRUST, tls->client_ca);
	if (tls->priorities)
		add_option(tls, &n, MHD_OPTION_HTTPS_PRIORITIES, tls->priorities);
	add_option(tls, &n, MHD_OPTION_END, NULL);
	return tls;
}

void mgw_tls_free(struct mgw_tls *tls)
{
	if (!tls)
		return;
	free(tls->cert);
	free(tls->key);
	free(tls->client_ca);
	free(tls->priorities);
	free(tls);
}

const struct MHD_OptionItem *mgw_tls_options(const struct mgw_tls *tls)
{
	return tls->options;
}

bool mgw_tls_wants_client_cert(const struct mgw_tls *tls)
{
	return tls && tls->client_ca;
}

/* libmicrohttpd only asks for the certificate; whether it chains to the
 * trusted CA is verified here, against the credentials it was given. */
enum mgw_peer mgw_tls_check_peer(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t session = info ? (gnutls_session_t)info->tls_session : NULL;
	unsigned int status = 0, count = 0;
	if (!session || !gnutls_certificate_get_peers(session, &count) || count == 0)
		return MGW_PEER_MISSING;
	if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0)
		return MGW_PEER_BAD;
	return MGW_PEER_OK;
}
