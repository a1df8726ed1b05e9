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

/* Room a caller leaves for tfy__network_secrets. */
#define TFY__NETWORK_SECRETS 3

/*
 * Writes n's secrets to list, at most TFY__NETWORK_SECRETS of them, longest
 * match first (the credentials, then their password alone, then the key's
 * passphrase); returns how many.
 */
size_t tfy__network_secrets(const tfy__network *n, const char **list);

#endif
