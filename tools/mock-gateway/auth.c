/* Authentication as OpenAI does it: one bearer token, 401 invalid_api_key otherwise. */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "respond.h"

#define BEARER "Bearer "
/* Below this length first-3 + last-4 would reveal most of the token. */
#define MASK_MIN_LEN 12

bool mgw_auth_ok(const char *authorization, const char *key)
{
	size_t n = strlen(BEARER);
	return authorization && strncmp(authorization, BEARER, n) == 0 &&
	       strcmp(authorization + n, key) == 0;
}

void mgw_auth_current_key(const char *key, uint32_t every, unsigned long long authorized,
                          char out[MGW_KEY_MAX])
{
	unsigned long long generation = every ? authorized / every + 1 : 1;
	if (generation == 1)
		snprintf(out, MGW_KEY_MAX, "%s", key);
	else
		snprintf(out, MGW_KEY_MAX, "%s-%llu", key, generation);
}

static void mask_token(const char *token, char *out, size_t size)
{
	size_t len = strlen(token);
	if (len < MASK_MIN_LEN)
		snprintf(out, size, "***");
	else
		snprintf(out, size, "%.3s***%s", token, token + len - 4);
}

void mgw_auth_mask(const char *value, char out[MGW_MASKED_SIZE])
{
	size_t n = strlen(BEARER);
	if (strncmp(value, BEARER, n) == 0) {
		memcpy(out, BEARER, n);
		mask_token(value + n, out + n, MGW_MASKED_SIZE - n);
		return;
	}
	mask_token(value, out, MGW_MASKED_SIZE);
}

/* The mock says where its key comes from, to save users a trip to --help. */
#define KEY_HINT " The mock gateway accepts only the key given by --api-key or TFY_MOCK_API_KEY."

json_t *mgw_auth_error_body(const char *authorization)
{
	char masked[MGW_MASKED_SIZE];
	const char *token;
	size_t n = strlen(BEARER);
	if (!authorization || authorization[0] == '\0')
		return mgw_error_body("You didn't provide an API key. You need to provide your API key in an "
		                      "Authorization header using Bearer auth (i.e. Authorization: Bearer "
		                      "YOUR_KEY).",
		                      NULL, "invalid_api_key");
	token = strncmp(authorization, BEARER, n) == 0 ? authorization + n : authorization;
	mask_token(token, masked, sizeof masked);
	if (strlen(token) < MASK_MIN_LEN)
		return mgw_error_body("Incorrect API key provided." KEY_HINT, NULL, "invalid_api_key");
	return mgw_error_body3("Incorrect API key provided: ", masked, "." KEY_HINT, NULL,
	                       "invalid_api_key");
}
