#include "client_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "options.h"
#include "request.h"

/* Bytes of each version of tfy_client_options, oldest first. */
static const size_t client_options_sizes[] = { sizeof(tfy_client_options) };

/* Time options are bounded well below INT64_MAX so that no sum of them overflows. */
#define TIME_OPTION_MAX (INT64_MAX / 4)

tfy_code tfy_client_options_init(tfy_client_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, client_options_sizes, TFY_CLIENT_OPTIONS_VERSION);
}

static int time_ok(int64_t ms)
{
	return ms >= 0 && ms <= TIME_OPTION_MAX;
}

static tfy_code check_options(const tfy_client_options *o, tfy_error **err)
{
	if (o->reserved_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_client_options: reserved fields must be 0");
	if (!time_ok(o->connect_timeout_ms) || !time_ok(o->timeout_ms) ||
	    !time_ok(o->retry_after_max_ms) ||
	    (o->stall_timeout_ms != TFY_NONE && !time_ok(o->stall_timeout_ms)))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "timeouts must be between 0 and INT64_MAX / 4 ms");
	if (o->max_retries != TFY_NONE && (o->max_retries < 0 || o->max_retries > TFY_MAX_RETRIES_LIMIT))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "max_retries must be TFY_NONE, 0 (the default) or 1 to %d",
		                      TFY_MAX_RETRIES_LIMIT);
	if (o->max_response_bytes < 0 || (uint64_t)o->max_response_bytes > SIZE_MAX / 2)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "max_response_bytes is out of range");
	if (o->log_level < TFY_LOG_OFF || o->log_level > TFY_LOG_DEBUG)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "log_level is not a TFY_LOG_* value");
	return TFY_OK;
}

/* Which header carries the key, and the defaults of every call (deep-copied). */
static tfy_code take_auth_and_defaults(tfy_client *c, const tfy_client_options *o,
                                       tfy_error **err)
{
	if (o->auth_header && !tfy__header_name_ok(o->auth_header))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "auth_header is not a valid HTTP header name");
	tfy_request_options d;
	tfy_code rc = tfy__request_options_read(o->request_defaults, &d, err);
	if (rc != TFY_OK)
		return rc;
	if ((o->auth_header && !(c->auth_header = tfy__strdup(o->auth_header))) ||
	    !(c->defaults_arena = tfy__arena_new(512)) ||
	    tfy__request_options_copy(c->defaults_arena, &d, &c->defaults) < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return TFY_OK;
}

static tfy_code take_settings(tfy_client *c, const tfy_client_options *o, tfy_error **err)
{
	const char *url = o->base_url ? o->base_url : getenv("TFY_BASE_URL");
	const char *key = o->api_key ? o->api_key : getenv("TFY_API_KEY");
	if (!url || !*url)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no base URL: set the base_url option or TFY_BASE_URL");
	if (!key || !*key)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no API key: set the api_key option or TFY_API_KEY");
	/* The key is never quoted back: it could be a real secret with a stray byte. */
	if (!tfy__header_value_ok(key))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s: the API key is blank or contains CR, LF or another control character",
		                      o->api_key ? "the api_key option" : "TFY_API_KEY");
	const char *why = NULL;
	c->base_url = tfy__base_url_normalise(url, &why);
	if (!c->base_url)
		return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s: %s",
		                            o->base_url ? "the base_url option" : "TFY_BASE_URL", why)
		           : tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	c->api_key = tfy__strdup(key);
	c->log.secret = c->api_key;
	if (!c->api_key || (o->ca_file && !(c->ca_file = tfy__strdup(o->ca_file))) ||
	    (o->ca_path && !(c->ca_path = tfy__strdup(o->ca_path))))
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return take_auth_and_defaults(c, o, err);
}

static int64_t or_default(int64_t value, int64_t fallback)
{
	return value ? value : fallback;
}

static void apply_defaults(tfy_client *c, const tfy_client_options *o)
{
	c->connect_timeout_ms = or_default(o->connect_timeout_ms, TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS);
	c->timeout_ms = or_default(o->timeout_ms, TFY_CLIENT_DEFAULT_TIMEOUT_MS);
	/* 0 in the transport means no stall check. */
	c->stall_timeout_ms = o->stall_timeout_ms == TFY_NONE
	                          ? 0 : or_default(o->stall_timeout_ms, TFY_CLIENT_DEFAULT_STALL_TIMEOUT_MS);
	c->retry_after_max_ms = or_default(o->retry_after_max_ms, TFY_CLIENT_DEFAULT_RETRY_AFTER_MAX_MS);
	c->max_body = (size_t)or_default(o->max_response_bytes, TFY_CLIENT_DEFAULT_MAX_RESPONSE_BYTES);
	c->max_retries = o->max_retries == TFY_NONE ? 0
	               : o->max_retries ? o->max_retries : TFY_CLIENT_DEFAULT_MAX_RETRIES;
	c->tls_insecure = o->tls_insecure != 0;
	c->follow_redirects = o->follow_redirects != 0;
	tfy__logger_init(&c->log, o->log_level, o->log, o->log_userdata);
}

tfy_code tfy_client_new(const tfy_client_options *opts, tfy_client **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "out must not be NULL");
	*out = NULL;
	tfy_client_options copy = TFY_CLIENT_OPTIONS_INIT;
	const tfy_client_options *o = &copy;
	tfy_code rc = opts ? tfy__options_read(&copy, opts, client_options_sizes,
	                                       TFY_CLIENT_OPTIONS_VERSION, "tfy_client_options", err)
	                   : TFY_OK;
	if (rc == TFY_OK)
		rc = check_options(o, err);
	if (rc != TFY_OK)
		return rc;
	tfy_client *c = tfy__calloc(1, sizeof(*c));
	if (!c)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	apply_defaults(c, o);
	rc = take_settings(c, o, err);
	if (rc == TFY_OK && !(c->transport = tfy__transport_new()))
		rc = tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "could not initialise libcurl");
	if (rc != TFY_OK) {
		tfy_client_free(c);
		return rc;
	}
	if (c->tls_insecure)
		tfy__log(&c->log, TFY_LOG_WARN,
		         "TLS certificate verification is off for %s: anyone on the path can read the API key",
		         c->base_url);
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
	tfy__free(client->api_key);
	tfy__free(client->base_url);
	tfy__free(client->ca_file);
	tfy__free(client->ca_path);
	tfy__free(client->auth_header);
	tfy__arena_free(client->defaults_arena);
	tfy__free(client);
}

const char *tfy_client_base_url(const tfy_client *client)
{
	return client ? client->base_url : NULL;
}
