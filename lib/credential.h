/*
 * The key of one call: the client's static key, or one asked of the
 * credential callback before each attempt (validated, masked in the call's
 * errors and log lines, scrubbed after use), and the header lines of one
 * send with that key's line in place.  Internal to libtfy.
 */
#ifndef TFY_CREDENTIAL_H
#define TFY_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "client_internal.h"
#include "log.h"
#include "request_build.h"
#include "tfy/request.h"

/* Keys a call can send: one per attempt (max_retries + 1) and the refresh. */
#define TFY__CALL_KEYS_MAX (TFY_MAX_RETRIES_LIMIT + 2)

/*
 * The key of one call: the client's static key, or what the credential
 * callback last gave, held in a buffer of the call's own so that threads
 * sharing the client never see each other's key.  The call's errors and log
 * lines mask the client's secrets and every key the callback gave during
 * the call: a later answer may echo an earlier key (the logger is the
 * client's, with this list).  It points into itself: not to be copied once
 * initialised.
 */
typedef struct tfy__call_key {
	char *buf; /* TFY_CREDENTIAL_MAX bytes, or NULL; scrubbed and freed by tfy__call_key_clear */
	const char *key; /* the key sent: buf, or the client's static key */
	size_t fixed;    /* the client's secrets that lead secrets */
	size_t earlier;  /* copies of the call's earlier keys that follow them (owned) */
	/* then buf, NULL-terminated */
	const char *secrets[1 + TFY__NETWORK_SECRETS + TFY__CALL_KEYS_MAX + 1];
	tfy__logger log;
} tfy__call_key;

void tfy__call_key_init(tfy__call_key *k, const tfy_client *client);

/* Takes buf (TFY_CREDENTIAL_MAX bytes, owned, NUL-terminated, or NULL) as the call's key. */
void tfy__call_key_take(tfy__call_key *k, char *buf);

/* Scrubs and frees the call's key buffer and its copies of earlier keys. */
void tfy__call_key_clear(tfy__call_key *k);

/*
 * Asks the credential callback for a key (refresh: after a 401).  TFY_OK
 * with the key in k; else TFY_ERROR_AUTHENTICATION (the callback failed, or
 * its key cannot be a header value: blank, a control character, no NUL)
 * with *e set, or TFY_ERROR_OUT_OF_MEMORY.  Nothing is sent either way.
 */
tfy_code tfy__call_key_ask(const tfy_client *client, tfy__call_key *k, int32_t refresh, tfy_error **e);

/*
 * The header lines of one send: the request's, with the call's key line at
 * safe_count when the key comes from the callback (the request was built
 * without it).  The transport copies them, so they are cleared right after.
 */
typedef struct tfy__sending {
	const char *const *headers;
	size_t count;
	const char **own; /* allocated here, or NULL */
	char *key_line;
} tfy__sending;

/* Fills s for one send of req with k's key: 0, or -1 on OOM; tfy__sending_clear() after, either way. */
int tfy__sending_prepare(const tfy_client *client, const tfy__request *req, const tfy__call_key *k,
                         tfy__sending *s);

void tfy__sending_clear(tfy__sending *s);

#endif
