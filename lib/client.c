#include "client_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "request.h"

tfy_code tfy_client_options_init(tfy_client_options *opts, uint32_t version)
{
	if (!opts || version != TFY_CLIENT_OPTIONS_VERSION)
		return TFY_ERROR_INVALID_ARGUMENT;
	const tfy_client_options defaults = TFY_CLIENT_OPTIONS_INIT;
	*opts = defaults;
	return TFY_OK;
}

static tfy_code check_options(const tfy_client_options *o, tfy_error **err)
{
	if (o->version != TFY_CLIENT_OPTIONS_VERSION)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "unsupported tfy_client_options version %u", o->version);
	if (o->connect_timeout_ms < 0 || o->timeout_ms < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "timeouts must not be negative");
	return TFY_OK;
}

static tfy_code take_settings(tfy_client *c, const tfy_client_options *o, tfy_error **err)
{
	const char *url = o->base_url ? o->base_url : getenv("TFY_BASE_URL");
	const char *key = o->api_key ? o->api_key : getenv("TFY_API_KEY");
	if (!url || !*url)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no base URL: set base_url or TFY_BASE_URL");
	if (!key || !*key)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no API key: set api_key or TFY_API_KEY");
	/* The key is never quoted back: it could be a real secret with a stray byte. */
	if (!tfy__header_value_ok(key))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "the API key contains CR, LF or another control character");
	const char *why = NULL;
	c->base_url = tfy__base_url_normalise(url, &why);
	if (!c->base_url)
		return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why)
		           : tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	c->api_key = strdup(key);
	if (!c->api_key)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return TFY_OK;
}

tfy_code tfy_client_new(const tfy_client_options *opts, tfy_client **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "out must not be NULL");
	*out = NULL;
	const tfy_client_options defaults = TFY_CLIENT_OPTIONS_INIT;
	const tfy_client_options *o = opts ? opts : &defaults;
	tfy_code rc = check_options(o, err);
	if (rc != TFY_OK)
		return rc;
	tfy_client *c = calloc(1, sizeof(*c));
	if (!c)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	c->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms
	                                              : TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : TFY_CLIENT_DEFAULT_TIMEOUT_MS;
	c->tls_insecure = o->tls_insecure != 0;
	c->max_body = TFY__MAX_BODY_DEFAULT;
	rc = take_settings(c, o, err);
	if (rc == TFY_OK && !(c->transport = tfy__transport_new()))
		rc = tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "could not initialise libcurl");
	if (rc != TFY_OK) {
		tfy_client_free(c);
		return rc;
	}
	*out = c;
	return TFY_OK;
}

void tfy_client_free(tfy_client *client)
{
	if (!client)
		return;
	tfy__transport_free(client->transport);
	/* Scrub the secret before the memory is reused; volatile keeps the stores. */
	for (volatile char *p = client->api_key; p && *p; p++)
		*p = 0;
	free(client->api_key);
	free(client->base_url);
	free(client);
}

const char *tfy_client_base_url(const tfy_client *client)
{
	return client ? client->base_url : NULL;
}
