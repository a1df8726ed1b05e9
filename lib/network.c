#include "network.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "error_internal.h"
#include "request_build.h"

/* Proxy schemes libcurl speaks; without one, libcurl takes http://. */
static const char *const proxy_schemes[] = { "http",    "https",  "socks4",
	                                     "socks4a", "socks5", "socks5h" };

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

void tfy__network_clear(tfy__network *n)
{
	tfy__secret_free(n->proxy_credentials);
	tfy__secret_free(n->client_key_password);
	tfy__free(n->proxy);
	tfy__free(n->no_proxy);
	tfy__free(n->client_cert);
	tfy__free(n->client_key);
	memset(n, 0, sizeof(*n));
}

/* The list being filled by tfy__network_secrets: owned strings, each once. */
typedef struct secret_list {
	char **items;
	size_t count;
	int oom;
} secret_list;

/*
 * Adds the n bytes at s as a new string, unless empty or there already.  A
 * full list (which TFY__NETWORK_SECRETS rules out) fails as memory would:
 * a secret is never dropped.
 */
static void add(secret_list *l, const char *s, size_t n)
{
	for (size_t i = 0; i < l->count; i++)
		if (strlen(l->items[i]) == n && memcmp(l->items[i], s, n) == 0)
			return;
	if (!n || l->oom)
		return;
	char *dup = l->count < TFY__NETWORK_SECRETS ? tfy__malloc(n + 1) : NULL;
	if (!dup) {
		l->oom = 1;
		return;
	}
	memcpy(dup, s, n);
	dup[n] = '\0';
	l->items[l->count++] = dup;
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                            : -1;
}

/* s[0..n) with each %XX decoded, as libcurl decodes proxy user names and passwords. */
static size_t percent_decode(const char *s, size_t n, char *out)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		int hi = i + 2 < n && s[i] == '%' ? hex(s[i + 1]) : -1;
		int lo = hi >= 0 ? hex(s[i + 2]) : -1;
		if (lo >= 0) {
			out[w++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[w++] = s[i];
		}
	}
	return w;
}

/* The base64 (with padding) of s[0..n) into out, which holds 4 * ((n + 2) / 3) bytes. */
static size_t base64(const char *s, size_t n, char *out)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t w = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)(unsigned char)s[i] << 16;
		v |= i + 1 < n ? (unsigned long)(unsigned char)s[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned long)(unsigned char)s[i + 2] : 0;
		out[w++] = digits[v >> 18 & 63];
		out[w++] = digits[v >> 12 & 63];
		out[w++] = i + 1 < n ? digits[v >> 6 & 63] : '=';
		out[w++] = i + 2 < n ? digits[v & 63] : '=';
	}
	return w;
}

/*
 * "user:password" (cred[0..n)) in every form it is sent or may come back:
 * as given, its password alone, both percent-decoded (libcurl decodes
 * them), and the base64 of the decoded "user:password" that a Basic
 * Proxy-Authorization header carries.
 */
static void add_credentials(secret_list *l, const char *cred, size_t n)
{
	const char *colon = memchr(cred, ':', n);
	const char *pw = colon ? colon + 1 : cred + n;
	size_t pw_len = (size_t)(cred + n - pw);
	add(l, cred, n);
	add(l, pw, pw_len);
	/* Decoding never lengthens; ":" and base64's 4/3 fit in 2n + 8. */
	char *work = tfy__calloc(1, 2 * n + 8), *pair = tfy__calloc(1, n + 2);
	if (!work || !pair) {
		l->oom = 1;
	} else {
		size_t user_len = percent_decode(cred, (size_t)(pw - cred) - (colon != NULL), pair);
		pair[user_len] = ':';
		size_t pw_dec = percent_decode(pw, pw_len, pair + user_len + 1);
		add(l, pair, user_len + 1 + pw_dec);
		add(l, pair + user_len + 1, pw_dec);
		add(l, work, base64(pair, user_len + 1 + pw_dec, work));
	}
	if (work)
		tfy__scrub(work, 2 * n + 8);
	if (pair)
		tfy__scrub(pair, n + 2);
	tfy__free(work);
	tfy__free(pair);
}

/* The user information of a proxy URL as libcurl reads it from the environment, or NULL. */
static const char *user_info(const char *url, size_t *n)
{
	const char *sep = strstr(url, "://");
	const char *host = sep ? sep + 3 : url, *end = host + strcspn(host, "/?#"), *at = NULL;
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			at = p;
	*n = at ? (size_t)(at - host) : 0;
	return at ? host : NULL;
}

/* The proxy variables libcurl reads (http_proxy in lower case only). */
static const char *const proxy_variables[] = { "http_proxy", "https_proxy", "HTTPS_PROXY",
	                                       "all_proxy", "ALL_PROXY" };

int tfy__network_secrets(const tfy__network *n, char **list)
{
	secret_list l = { list, 0, 0 };
	if (n->proxy_credentials)
		add_credentials(&l, n->proxy_credentials, strlen(n->proxy_credentials));
	for (size_t i = 0; !n->proxy && !n->ignore_proxy_env &&
	                   i < sizeof(proxy_variables) / sizeof(proxy_variables[0]);
	     i++) {
		const char *url = getenv(proxy_variables[i]);
		size_t len;
		const char *info = url ? user_info(url, &len) : NULL;
		if (info && len)
			add_credentials(&l, info, len);
	}
	if (n->client_key_password)
		add(&l, n->client_key_password, strlen(n->client_key_password));
	if (!l.oom)
		return (int)l.count;
	tfy__network_secrets_free(list, l.count);
	return -1;
}

void tfy__network_secrets_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		tfy__secret_free(list[i]);
		list[i] = NULL;
	}
}
