/*
 * The proxy and client certificate options of a client: checked, copied
 * into a tfy__network (transport.h) and scrubbed when the client goes.
 * Internal to libtfy.
 */
#ifndef TFY_NETWORK_H
#define TFY_NETWORK_H

#include "tfy/client.h"
#include "transport.h"

/*
 * Checks proxy, no_proxy, proxy_credentials, proxy_env, tls_client_cert,
 * tls_client_key and tls_client_key_password and copies them into n.
 * TFY_ERROR_INVALID_ARGUMENT names the option at fault and never quotes a
 * value (a proxy URL could hold a password); TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__network_take(tfy__network *n, const tfy_client_options *o, tfy_error **err);

/* Frees n's strings, clearing the secrets first. */
void tfy__network_clear(tfy__network *n);

/*
 * Room a caller leaves for tfy__network_secrets: five forms of each of six
 * credentials (proxy_credentials and five proxy variables), the passphrase.
 */
#define TFY__NETWORK_SECRETS 32

/*
 * Writes copies of n's secrets to list (at most TFY__NETWORK_SECRETS, each
 * once): for proxy_credentials, and for the user information of each
 * proxy variable libcurl reads (http_proxy, https_proxy, HTTPS_PROXY,
 * all_proxy, ALL_PROXY, read now) when the environment's proxy is used,
 * "user:password" and the password alone, as given and percent-decoded,
 * and the base64 of the decoded pair (Basic Proxy-Authorization); then the
 * key's passphrase.  Returns how many, or -1 when memory ran out (nothing
 * is left in list).  Free them with tfy__network_secrets_free.
 */
int tfy__network_secrets(const tfy__network *n, char **list);

/* Clears and frees the count secrets of list, setting each to NULL. */
void tfy__network_secrets_free(char **list, size_t count);

#endif
