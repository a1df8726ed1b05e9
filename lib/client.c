#include "client_internal.h"

#include "alloc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "network.h"
#include "options.h"
#include "request_build.h"
#include "retry.h"

/* Bytes of each version of tfy_client_options, oldest first. */
static const size_t client_options_sizes[] = {
	offsetof(tfy_client_options, proxy), /* 1.0 */
	sizeof(tfy_client_options),          /* 1.2: proxy .. keep_headers_count */
};

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

/* The retry policy and kept headers of version 2 (zero in a version 1 struct). */
static tfy_code check_retry_options(const tfy_client_options *o, tfy_error **err)
{
	int64_t initial = o->retry_initial_backoff_ms ? o->retry_initial_backoff_ms
	                                              : TFY__BACKOFF_INITIAL_MS;
	int64_t max = o->retry_max_backoff_ms ? o->retry_max_backoff_ms : TFY__BACKOFF_MAX_MS;
	if (!time_ok(o->retry_initial_backoff_ms) || !time_ok(o->retry_max_backoff_ms))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "retry_initial_backoff_ms and retry_max_backoff_ms must be between 0 "
		                      "and INT64_MAX / 4 ms");
	if (max < initial)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "retry_max_backoff_ms (%lld) must not be below retry_initial_backoff_ms "
		                      "(%lld; 0 means 8000 and 500)",
		                      (long long)max, (long long)initial);
	if (o->retry_after_policy < TFY_RETRY_AFTER_DEFAULT ||
	    o->retry_after_policy > TFY_RETRY_AFTER_IGNORE)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "retry_after_policy is not a TFY_RETRY_AFTER_* value");
	if (o->keep_headers_count > TFY__HEADERS_MAX || (o->keep_headers_count && !o->keep_headers))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "keep_headers: at most %d names, and not NULL when keep_headers_count "
		                      "is set",
		                      TFY__HEADERS_MAX);
	for (size_t i = 0; i < o->keep_headers_count; i++)
		if (!tfy__header_name_ok(o->keep_headers[i]) ||
		    strlen(o->keep_headers[i]) > TFY__HEADER_NAME_MAX)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "keep_headers[%zu] is not an HTTP header name", i);
	return TFY_OK;
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
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "max_response_bytes is out of range");
	if (o->log_level < TFY_LOG_OFF || o->log_level > TFY_LOG_DEBUG)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "log_level is not a TFY_LOG_* value");
	return check_retry_options(o, err);
}

/* Which header carries the key, and the defaults of every call (deep-copied). */
static tfy_code take_auth_and_defaults(tfy_client *c, const tfy_client_options *o, tfy_error **err)
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

/* TrueFoundry's platform URL leads to its gateway at this path. */
#define PLATFORM_GATEWAY_PATH "/api/llm"

/* Where the base URL and the key come from: the option, or one pair of variables. */
typedef struct source {
	const char *url, *url_from; /* the value, and the option or variable it came from */
	const char *key, *key_from;
	int platform; /* url is TrueFoundry's platform URL, not the API base */
} source;

/*
 * The documented precedence: the base_url option (with the api_key option,
 * else TFY_API_KEY); else TFY_BASE_URL, TrueFoundry's platform URL as its
 * own tools read it, with TFY_API_KEY; else OPENAI_BASE_URL, the API base as
 * TrueFoundry documents it for OpenAI's SDKs, with OPENAI_API_KEY.  A key
 * is only ever taken from the pair its URL came from, so a key meant for one
 * service never goes to another.
 */
static source find_source(const tfy_client_options *o)
{
	const char *tfy = getenv("TFY_BASE_URL"), *openai = getenv("OPENAI_BASE_URL");
	source s = { NULL, "TFY_BASE_URL", NULL, "TFY_API_KEY", 0 };
	if (o->base_url) {
		s.url = o->base_url;
		s.url_from = "the base_url option";
	} else if (tfy && *tfy) {
		s.url = tfy;
		s.platform = 1;
	} else if (openai && *openai) {
		s = (source){ openai, "OPENAI_BASE_URL", NULL, "OPENAI_API_KEY", 0 };
	}
	s.key = getenv(s.key_from);
	if (o->api_key) {
		s.key = o->api_key;
		s.key_from = "the api_key option";
	}
	return s;
}

/* The API base from the source's URL: a platform URL (no path) gains /api/llm. */
static tfy_code take_base_url(tfy_client *c, const source *s, tfy_error **err)
{
	const char *why = NULL;
	char *url = tfy__base_url_normalise(s->url, &why);
	if (url && s->platform) {
		const char *host = strstr(url, "://") + 3;
		if (strchr(host, '/')) {
			tfy__free(url);
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "TFY_BASE_URL is TrueFoundry's platform URL "
			                      "(https://<org>.truefoundry.cloud) and takes no path; for a full API "
			                      "base set OPENAI_BASE_URL or the base_url option");
		}
		size_t n = strlen(url) + sizeof(PLATFORM_GATEWAY_PATH);
		char *api = tfy__malloc(n);
		if (api)
			snprintf(api, n, "%s" PLATFORM_GATEWAY_PATH, url);
		tfy__free(url);
		url = api;
	}
	if (!url)
		return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s: %s", s->url_from, why)
		           : tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	c->base_url = url;
	return TFY_OK;
}

/*
 * Every secret the client holds, in every form it is sent, for masking
 * errors and log lines (no key with a callback: each call adds its own).
 */
static tfy_code take_secrets(tfy_client *c, tfy_error **err)
{
	size_t n = 0;
	int count = tfy__network_secrets(&c->network, c->network_secrets);
	if (count < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	c->network_secrets_count = (size_t)count;
	if (c->api_key)
		c->secrets[n++] = c->api_key;
	for (size_t i = 0; i < c->network_secrets_count; i++)
		c->secrets[n++] = c->network_secrets[i];
	c->secrets[n] = NULL;
	c->log.secrets = c->secrets;
	return TFY_OK;
}

/* The response headers to keep beyond the default set, copied. */
static tfy_code take_keep_headers(tfy_client *c, const tfy_client_options *o, tfy_error **err)
{
	if (!o->keep_headers_count)
		return TFY_OK;
	if (!(c->keep_names = tfy__calloc(o->keep_headers_count, sizeof(char *))))
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	/* Set first: tfy_client_free() frees the names copied so far (the rest are NULL). */
	c->keep = (tfy__keep){ (const char *const *)c->keep_names, o->keep_headers_count };
	for (size_t i = 0; i < o->keep_headers_count; i++)
		if (!(c->keep_names[i] = tfy__strdup(o->keep_headers[i])))
			return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return TFY_OK;
}

/* What follows the base URL and the key: CA paths, network, secrets, defaults, kept headers. */
static tfy_code take_rest(tfy_client *c, const tfy_client_options *o, tfy_error **err)
{
	if ((o->ca_file && !(c->ca_file = tfy__strdup(o->ca_file))) ||
	    (o->ca_path && !(c->ca_path = tfy__strdup(o->ca_path))))
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_code rc = tfy__network_take(&c->network, o, err);
	if (rc == TFY_OK)
		rc = take_secrets(c, err);
	if (rc != TFY_OK)
		return rc;
	rc = take_auth_and_defaults(c, o, err);
	return rc == TFY_OK ? take_keep_headers(c, o, err) : rc;
}

/*
 * With a credential callback the key is asked for before each request:
 * api_key and the key variables are neither needed nor kept.
 */
static tfy_code take_credential(tfy_client *c, const tfy_client_options *o, const source *s,
                                tfy_error **err)
{
	c->credential = o->credential;
	c->credential_userdata = o->credential_userdata;
	tfy_code rc = take_base_url(c, s, err);
	return rc == TFY_OK ? take_rest(c, o, err) : rc;
}

static tfy_code take_settings(tfy_client *c, const tfy_client_options *o, tfy_error **err)
{
	const source s = find_source(o);
	if (!s.url || !*s.url)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no base URL: set the base_url option, TFY_BASE_URL (TrueFoundry's "
		                      "platform URL) or OPENAI_BASE_URL (the API base)");
	if (o->credential)
		return take_credential(c, o, &s, err);
	if (!s.key || !*s.key)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no API key: set the api_key option or %s (the base URL came from %s)",
		                      strcmp(s.url_from, "OPENAI_BASE_URL") ? "TFY_API_KEY"
		                                                            : "OPENAI_API_KEY",
		                      s.url_from);
	/* The key is never quoted back: it could be a real secret with a stray byte. */
	if (!tfy__header_value_ok(s.key))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s: the API key is blank or contains CR, LF or another control character",
		                      s.key_from);
	tfy_code rc = take_base_url(c, &s, err);
	if (rc != TFY_OK)
		return rc;
	c->api_key = tfy__strdup(s.key);
	if (!c->api_key)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return take_rest(c, o, err);
}

static int64_t or_default(int64_t value, int64_t fallback)
{
	return value ? value : fallback;
}

static void apply_defaults(tfy_client *c, const tfy_client_options *o)
{
	c->connect_timeout_ms = or_default(o->connect_timeout_ms,
	                                   TFY_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS);
	c->timeout_ms = or_default(o->timeout_ms, TFY_CLIENT_DEFAULT_TIMEOUT_MS);
	/* 0 in the transport means no stall check. */
	c->stall_timeout_ms = o->stall_timeout_ms == TFY_NONE
	                            ? 0
	                            : or_default(o->stall_timeout_ms,
	                                         TFY_CLIENT_DEFAULT_STALL_TIMEOUT_MS);
	c->retry_after_max_ms = or_default(o->retry_after_max_ms,
	                                   TFY_CLIENT_DEFAULT_RETRY_AFTER_MAX_MS);
	c->max_body = (size_t)or_default(o->max_response_bytes, TFY_CLIENT_DEFAULT_MAX_RESPONSE_BYTES);
	c->max_retries = o->max_retries == TFY_NONE ? 0
	               : o->max_retries             ? o->max_retries
	                                            : TFY_CLIENT_DEFAULT_MAX_RETRIES;
	c->tls_insecure = o->tls_insecure != 0;
	c->follow_redirects = o->follow_redirects != 0;
	tfy__logger_init(&c->log, o->log_level, o->log, o->log_userdata);
	c->on_retry = o->on_retry;
	c->on_retry_userdata = o->on_retry_userdata;
	c->backoff_initial_ms = or_default(o->retry_initial_backoff_ms, TFY__BACKOFF_INITIAL_MS);
	c->backoff_max_ms = or_default(o->retry_max_backoff_ms, TFY__BACKOFF_MAX_MS);
	c->retry_after_policy = o->retry_after_policy ? o->retry_after_policy : TFY_RETRY_AFTER_FAIL;
}

/* The defaults are checked now, as every call would check them, so a bad one fails here. */
static tfy_code check_defaults(const tfy_client *c, tfy_error **err)
{
	const tfy_request_options none = TFY_REQUEST_OPTIONS_INIT;
	const tfy__options_pair pair = { &none, &c->defaults };
	const tfy__target target = { c->base_url, c->api_key, c->auth_header };
	const tfy__request_spec spec = { .method = "GET", .path = "/batches" };
	tfy__request req;
	tfy_code rc = tfy__request_build(&target, &pair, &spec, &req, err);
	tfy__request_clear(&req);
	return rc;
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
	atomic_init(&c->refs, 1); /* the caller's */
	apply_defaults(c, o);
	rc = take_settings(c, o, err);
	if (rc == TFY_OK)
		rc = check_defaults(c, err);
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

void tfy__client_hold(tfy_client *client)
{
	atomic_fetch_add_explicit(&client->refs, 1, memory_order_relaxed);
}

/* Closes the connections and frees everything, scrubbing the key: once no reference is left. */
static void destroy(tfy_client *client)
{
	tfy__transport_free(client->transport);
	tfy__secret_free(client->api_key);
	tfy__free(client->base_url);
	tfy__free(client->ca_file);
	tfy__free(client->ca_path);
	tfy__network_secrets_free(client->network_secrets, client->network_secrets_count);
	tfy__network_clear(&client->network);
	tfy__free(client->auth_header);
	tfy__arena_free(client->defaults_arena);
	for (size_t i = 0; client->keep_names && i < client->keep.count; i++)
		tfy__free(client->keep_names[i]);
	tfy__free(client->keep_names);
	tfy__free(client);
}

void tfy__client_release(tfy_client *client)
{
	/* acq_rel: every use of the client by the other holders happens before the free. */
	if (atomic_fetch_sub_explicit(&client->refs, 1, memory_order_acq_rel) == 1)
		destroy(client);
}

void tfy_client_free(tfy_client *client)
{
	if (client)
		tfy__client_release(client);
}

tfy__target tfy__client_target(const tfy_client *c)
{
	const tfy__target t = { c->base_url, c->api_key, c->auth_header };
	return t;
}

const char *tfy_client_base_url(const tfy_client *client)
{
	return client ? client->base_url : NULL;
}
