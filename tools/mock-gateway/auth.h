/* Bearer-token check and the masking that keeps received keys out of replies. */
#ifndef TFY_MOCK_AUTH_H
#define TFY_MOCK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Enough for "Bearer " plus a masked token, or any masked value. */
#define MGW_MASKED_SIZE 32

/* True when `authorization` (may be NULL) is exactly "Bearer " followed by `key`. */
bool mgw_auth_ok(const char *authorization, const char *key);

/* Writes a masked copy of a credential header value: the scheme is kept and the
 * token shortened to its first 3 and last 4 bytes, or to "***" when it is too
 * short for that to hide most of it. */
void mgw_auth_mask(const char *value, char out[MGW_MASKED_SIZE]);

/* Longest key mgw_auth_current_key writes, NUL included. */
#define MGW_KEY_MAX 512

/* The key accepted after `authorized` authorized requests when it rotates every
 * `every` (0: never): `key` for the first `every`, then "key-2", "key-3", ... */
void mgw_auth_current_key(const char *key, uint32_t every, unsigned long long authorized,
                          char out[MGW_KEY_MAX]);

/* Returns a new reference to the OpenAI-style 401 body for `authorization`. */
json_t *mgw_auth_error_body(const char *authorization);

#endif
