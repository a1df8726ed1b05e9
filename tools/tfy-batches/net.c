/*
 * tfy-batches: the TLS and proxy flags into tfy_client_options, and the two
 * secrets from their flags, files or variables.
 */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

enum { FROM_PROXY_USER, FROM_PASS };

int net_flag(net_flags *n, int id, const char *value)
{
	if (id < NET_OPT_CACERT || id >= NET_OPT_END)
		return 0;
	if (id == NET_OPT_INSECURE)
		n->insecure = 1;
	else
		n->value[id - NET_OPT_CACERT] = value;
	return 1;
}

static const char *flag(const net_flags *n, int id)
{
	return n->value[id - NET_OPT_CACERT];
}

/*
 * One secret: the flag, else its file, else its variable var (an empty one
 * is unset; NULL: none).  NULL, or what went wrong (*quoted: the file at fault, or NULL).
 */
static const char *settle(net_flags *n, int flag_id, int file_id, const char *var, int slot,
                          const char *both, const char **out, const char **quoted)
{
	const char *given = flag(n, flag_id), *file = flag(n, file_id);
	const char *env = var != NULL ? getenv(var) : NULL;
	const char *why = NULL;

	*quoted = NULL;
	if (given && file)
		return both;
	if (file && !(n->from_file[slot] = secret_first_line(file, &why))) {
		*quoted = file;
		return why;
	}
	*out = given ? given : file ? n->from_file[slot] : env && *env ? env : NULL;
	return NULL;
}

const char *net_flags_finish(net_flags *n, const char **quoted)
{
	const char *why = settle(n, NET_OPT_PROXY_USER, NET_OPT_PROXY_USER_FILE, "TFY_PROXY_USER",
	                         FROM_PROXY_USER, "give --proxy-user or --proxy-user-file, not both",
	                         &n->proxy_user, quoted);

	/* TFY_KEY_PASSWORD alone counts only with a certificate: an exported one must not fail every run. */
	if (why == NULL)
		why = settle(n, NET_OPT_PASS, NET_OPT_PASS_FILE,
		             flag(n, NET_OPT_CERT) != NULL ? "TFY_KEY_PASSWORD" : NULL, FROM_PASS,
		             "give --pass or --pass-file, not both", &n->pass, quoted);
	return why;
}

void net_flags_apply(const net_flags *n, tfy_client_options *o)
{
	o->ca_file = flag(n, NET_OPT_CACERT);
	o->ca_path = flag(n, NET_OPT_CAPATH);
	o->tls_insecure = n->insecure;
	o->proxy = flag(n, NET_OPT_PROXY);
	o->no_proxy = flag(n, NET_OPT_NOPROXY);
	o->proxy_credentials = n->proxy_user;
	o->tls_client_cert = flag(n, NET_OPT_CERT);
	o->tls_client_key = flag(n, NET_OPT_KEY);
	o->tls_client_key_password = n->pass;
}

void net_flags_free(net_flags *n)
{
	for (size_t i = 0; i < 2; i++) {
		secret_free(n->from_file[i]);
		n->from_file[i] = NULL;
	}
}
