#include "network.h"

#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "error_internal.h"
#include "request.h"

/* Proxy schemes libcurl speaks; without one, libcurl takes http://. */
static const char *const proxy_schemes[] = { "http", "https", "socks4", "socks4a", "socks5",
	                                     "socks5h" };

static int scheme_ok(const char *url, const char *sep)
{
	size_t len = (size_t)(sep - url);
	for (size_t i = 0; i < sizeof(proxy_schemes) / sizeof(proxy_schemes[0]); i++)
		if (strlen(proxy_schemes[i]) == len && strncasecmp(url, proxy_schemes[i], len) == 0)
			return 1;
	return 0;
}

/* Why a proxy URL is refused, or NULL.  The URL itself is never quoted. */
static const char *proxy_problem(const char *url)
{
	if (!tfy__header_value_ok(url) || strpbrk(url, " \t"))
		return "proxy: the URL is empty or contains a space or a control character";
	const char *sep = strstr(url, "://");
	if (sep && !scheme_ok(url, sep))
		return "proxy: the scheme must be http, https, socks4, socks4a, socks5 or socks5h";
	const char *host = sep ? sep + 3 : url;
	const char *at = strchr(host, '@'), *end = host + strcspn(host, "/?#");
	if (at && at < end)
		return "proxy: a user name or password in the URL is refused; set proxy_credentials";
	return NULL;
}

static tfy_code check(const tfy_client_options *o, tfy_error **err)
{
	const char *why = o->proxy ? proxy_problem(o->proxy) : NULL;
	if (why)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why);
	if (o->no_proxy && !tfy__header_value_ok(o->no_proxy))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "no_proxy is blank or contains a control character");
	if (o->proxy_credentials &&
	    (!strchr(o->proxy_credentials, ':') || !tfy__header_value_ok(o->proxy_credentials)))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "proxy_credentials must be \"user:password\" without control "
		                      "characters");
	if (o->proxy_env != 0 && o->proxy_env != TFY_NONE)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "proxy_env must be 0 (use the environment) or TFY_NONE");
	if (!o->tls_client_cert && (o->tls_client_key || o->tls_client_key_password))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tls_client_key and tls_client_key_password need tls_client_cert");
	if ((o->tls_client_cert && !*o->tls_client_cert) || (o->tls_client_key && !*o->tls_client_key))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tls_client_cert and tls_client_key must not be empty");
	return TFY_OK;
}

/* *to = a copy of from (NULL stays NULL); -1 when memory runs out. */
static int copy(char **to, const char *from)
{
	return from && !(*to = tfy__strdup(from)) ? -1 : 0;
}

tfy_code tfy__network_take(tfy__network *n, const tfy_client_options *o, tfy_error **err)
{
	tfy_code rc = check(o, err);
	if (rc != TFY_OK)
		return rc;
	n->ignore_proxy_env = o->proxy_env == TFY_NONE;
	if (copy(&n->proxy, o->proxy) < 0 || copy(&n->no_proxy, o->no_proxy) < 0 ||
	    copy(&n->proxy_credentials, o->proxy_credentials) < 0 ||
	    copy(&n->client_cert, o->tls_client_cert) < 0 ||
	    copy(&n->client_key, o->tls_client_key) < 0 ||
	    copy(&n->client_key_password, o->tls_client_key_password) < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return TFY_OK;
}

static void free_secret(char *s)
{
	for (volatile char *p = s; p && *p; p++)
		*p = 0;
	tfy__free(s);
}

void tfy__network_clear(tfy__network *n)
{
	free_secret(n->proxy_credentials);
	free_secret(n->client_key_password);
	tfy__free(n->proxy);
	tfy__free(n->no_proxy);
	tfy__free(n->client_cert);
	tfy__free(n->client_key);
	memset(n, 0, sizeof(*n));
}

size_t tfy__network_secrets(const tfy__network *n, const char **list)
{
	size_t k = 0;
	if (n->proxy_credentials) {
		list[k++] = n->proxy_credentials;
		/* The password alone: a proxy's answer could echo it without the user. */
		list[k++] = strchr(n->proxy_credentials, ':') + 1;
	}
	if (n->client_key_password)
		list[k++] = n->client_key_password;
	return k;
}
