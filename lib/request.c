#include "request_build.h"

#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "decode.h"
#include "encode.h"
#include "error_internal.h"
#include "tfy/version.h"
#include "utf8.h"

#define USER_AGENT "libtfy/" TFY_VERSION_STRING
#define FIXED_HEADERS 13 /* the library's own: 3 defaults, Content-Type, 8 x-tfy-*, metadata */

int tfy__header_value_ok(const char *s)
{
	int blank = 1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
		blank = blank && (*p == ' ' || *p == '\t');
	}
	return !blank;
}

int tfy__header_name_ok(const char *s)
{
	static const char tchar_punct[] = "!#$%&'*+-.^_`|~";
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		            (*p >= '0' && *p <= '9');
		if (!alnum && !strchr(tchar_punct, *p))
			return 0;
	}
	return 1;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int tfy__append_escaped(tfy__buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		if (tfy__buf_append(b, is_unreserved(*p) ? (const char *)p : enc,
		                    is_unreserved(*p) ? 1 : 3) < 0)
			return -1;
	}
	return 0;
}

/* {"k":"v",...}: the x-tfy-metadata value, in ASCII. */
static tfy_code encode_metadata(const tfy_pair *pairs, size_t n, tfy__buf *out, tfy_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (!pairs[i].name || !pairs[i].value || !tfy__utf8_ok(pairs[i].name) ||
		    !tfy__utf8_ok(pairs[i].value))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "metadata_header[%zu]: key and value must be non-NULL UTF-8",
			                      i);
		if (tfy__utf8_chars(pairs[i].value, strlen(pairs[i].value)) >
		    TFY_METADATA_HEADER_VALUE_MAX)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "metadata_header[%zu]: the value is longer than %d characters "
			                      "(TrueFoundry's limit)",
			                      i, TFY_METADATA_HEADER_VALUE_MAX);
	}
	return tfy__json_append_object(out, pairs, n) < 0
	             ? tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory")
	             : TFY_OK;
}

/* Appends "?" before the first parameter of a URL and "&" before the others. */
static int append_param(tfy__buf *b, int *first, const tfy_pair *p)
{
	int rc = tfy__buf_append(b, *first ? "?" : "&", 1) | tfy__append_escaped(b, p->name) |
	         tfy__buf_append(b, "=", 1) | tfy__append_escaped(b, p->value);
	*first = 0;
	return rc;
}

/*
 * Names are checked before anything compares them (a NULL name included).
 * The key's header is the client's alone: one place masks and clears it.
 */
static tfy_code check_names(const tfy__target *t, const tfy_pair *h, size_t n, tfy_error **err)
{
	const char *key_header = t->auth_header ? t->auth_header : "Authorization";
	for (size_t i = 0; i < n; i++) {
		/* A name that failed the check is not echoed: it may hold anything. */
		if (!tfy__header_name_ok(h[i].name))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "headers[%zu]: a header name is not a valid HTTP header name",
			                      i);
		if (strcasecmp(h[i].name, key_header) == 0)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "headers[%zu]: %s carries the key; set it with the api_key option",
			                      i, key_header);
	}
	return TFY_OK;
}

static tfy_code check_query(const tfy_pair *q, size_t n, tfy_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (!q[i].name || !*q[i].name || !q[i].value)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "query_params[%zu]: the name must be non-empty and the value non-NULL",
			                      i);
	return TFY_OK;
}

/* 1 when a pair of `list` has the same name (compared as `eq` says). */
static int named_in(const char *name, const tfy_pair *list, size_t n,
                    int (*eq)(const char *, const char *))
{
	for (size_t i = 0; i < n; i++)
		if (eq(name, list[i].name) == 0)
			return 1;
	return 0;
}

/* The query: the defaults' parameters the call does not replace, the call's, the request's. */
static tfy_code build_url(const tfy__target *t, const tfy__options_pair *o,
                          const tfy__request_spec *spec, char **url)
{
	const tfy_request_options *c = o->call, *d = o->defaults;
	tfy__buf b = TFY__BUF_INIT;
	int first = 1;
	int rc = tfy__buf_append(&b, t->base_url, strlen(t->base_url)) |
	         tfy__buf_append(&b, spec->path, strlen(spec->path));
	for (size_t i = 0; i < d->query_params_count; i++)
		if (!named_in(d->query_params[i].name, c->query_params, c->query_params_count, strcmp))
			rc |= append_param(&b, &first, &d->query_params[i]);
	for (size_t i = 0; i < c->query_params_count; i++)
		rc |= append_param(&b, &first, &c->query_params[i]);
	for (size_t i = 0; i < spec->query_count; i++)
		rc |= append_param(&b, &first, &spec->query[i]);
	if (rc) {
		tfy__buf_clear(&b);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	*url = tfy__buf_detach(&b);
	return *url ? TFY_OK : TFY_ERROR_OUT_OF_MEMORY;
}

/* The library's own non-secret headers: defaults, routing and metadata. */
static size_t library_headers(const tfy__options_pair *o, const char *metadata,
                              const char *content_type, tfy_pair *h)
{
	const tfy_request_options *c = o->call, *d = o->defaults;
	const tfy_pair all[] = {
		{ "Accept", "application/json" },
		{ "User-Agent", USER_AGENT },
		{ "Content-Type", content_type },
		{ "x-tfy-provider-name", tfy__pick_str(c->provider_name, d->provider_name) },
		{ "x-tfy-provider-model", tfy__pick_str(c->provider_model, d->provider_model) },
		{ "x-tfy-azure-api-version", tfy__pick_str(c->azure_api_version, d->azure_api_version) },
		{ "x-tfy-vertex-region", tfy__pick_str(c->vertex_region, d->vertex_region) },
		{ "x-tfy-vertex-storage-bucket-name",
		  tfy__pick_str(c->vertex_storage_bucket_name, d->vertex_storage_bucket_name) },
		{ "x-tfy-aws-s3-bucket", tfy__pick_str(c->aws_s3_bucket, d->aws_s3_bucket) },
		{ "x-tfy-aws-bedrock-model", tfy__pick_str(c->aws_bedrock_model, d->aws_bedrock_model) },
		{ "x-tfy-metadata", metadata },
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i].value)
			h[n++] = all[i];
	return n;
}

/* A caller's header replaces the library's (and a call's a default's) of the same name. */
static int overridden(const char *name, const tfy__options_pair *o, int by_defaults_too)
{
	return named_in(name, o->call->headers, o->call->headers_count, strcasecmp) ||
	       (by_defaults_too &&
	        named_in(name, o->defaults->headers, o->defaults->headers_count, strcasecmp));
}

/*
 * Every header in sending order: the library's own (unless the caller
 * replaces one), the key header, the defaults' extras, the call's extras.
 * *safe receives how many lead the list and may cross origins.
 */
static size_t collect_headers(const tfy__options_pair *o, const tfy_pair *auth, const char *metadata,
                              const char *content_type, tfy_pair *h, size_t *safe)
{
	tfy_pair own[FIXED_HEADERS];
	size_t n_own = library_headers(o, metadata, content_type, own), n = 0;
	for (size_t i = 0; i < n_own; i++)
		if (!overridden(own[i].name, o, 1))
			h[n++] = own[i];
	*safe = n;
	if (auth)
		h[n++] = *auth;
	for (size_t i = 0; i < o->defaults->headers_count; i++)
		if (!overridden(o->defaults->headers[i].name, o, 0))
			h[n++] = o->defaults->headers[i];
	for (size_t i = 0; i < o->call->headers_count; i++)
		h[n++] = o->call->headers[i];
	return n;
}

static tfy_code check_headers(const tfy_pair *h, size_t n, tfy_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (!h[i].value)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "header %s: the value is NULL", h[i].name);
		if (!tfy__header_value_ok(h[i].value))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "header %s: the value is empty, blank, or contains CR, LF or "
			                      "another control character",
			                      h[i].name);
	}
	return TFY_OK;
}

static char *header_line(const tfy_pair *h)
{
	size_t n = strlen(h->name) + strlen(h->value) + 3;
	char *line = tfy__malloc(n);
	if (line)
		snprintf(line, n, "%s: %s", h->name, h->value);
	return line;
}

static tfy_code format_headers(const tfy_pair *h, size_t n, tfy__request *req)
{
	req->headers = tfy__calloc(n ? n : 1, sizeof(char *));
	if (!req->headers)
		return TFY_ERROR_OUT_OF_MEMORY;
	for (size_t i = 0; i < n; i++) {
		if (!(req->headers[req->count] = header_line(&h[i])))
			return TFY_ERROR_OUT_OF_MEMORY;
		req->count++;
	}
	return TFY_OK;
}

char *tfy__request_key_line(const tfy__target *t, const char *key)
{
	const char *name = t->auth_header ? t->auth_header : "Authorization";
	const char *scheme = t->auth_header ? "" : "Bearer ";
	size_t n = strlen(name) + strlen(scheme) + strlen(key) + 3;
	char *line = tfy__malloc(n);
	if (line)
		snprintf(line, n, "%s: %s%s", name, scheme, key);
	return line;
}

static tfy_code build_headers(const tfy__target *t, const char *metadata, const char *content_type,
                              const tfy__options_pair *o, tfy__request *req, tfy_error **err)
{
	size_t total = FIXED_HEADERS + o->defaults->headers_count + o->call->headers_count;
	tfy_pair *h = tfy__calloc(total, sizeof(*h));
	/* Zeroed: tfy__secret_free() reads it up to its NUL even when it was never written. */
	char *bearer = t->auth_header || !t->api_key
	                     ? NULL
	                     : tfy__calloc(1, strlen(t->api_key) + sizeof("Bearer "));
	tfy_code rc = TFY_ERROR_OUT_OF_MEMORY;
	if (h && (bearer || t->auth_header || !t->api_key)) {
		if (bearer)
			sprintf(bearer, "Bearer %s", t->api_key);
		const tfy_pair auth = t->auth_header ? (tfy_pair){ t->auth_header, t->api_key }
		                                     : (tfy_pair){ "Authorization", bearer };
		size_t n = collect_headers(o, t->api_key ? &auth : NULL, metadata, content_type, h,
		                           &req->safe_count);
		rc = check_headers(h, n, err);
		if (rc == TFY_OK)
			rc = format_headers(h, n, req);
	}
	if (rc == TFY_ERROR_OUT_OF_MEMORY)
		tfy__error_set(err, rc, "out of memory");
	tfy__free(h);
	tfy__secret_free(bearer);
	return rc;
}

/*
 * The x-tfy-metadata value of the call, else of the defaults, written into
 * text as ASCII JSON; *out is NULL when neither sets one.
 */
static tfy_code metadata_header(const tfy__options_pair *o, tfy__buf *text, const char **out,
                                tfy_error **err)
{
	const tfy_request_options *m = o->call->metadata_header_json || o->call->metadata_header_count
	                                     ? o->call
	                                     : o->defaults;
	*out = NULL;
	if (m->metadata_header_count) {
		tfy_code rc = encode_metadata(m->metadata_header, m->metadata_header_count, text, err);
		*out = text->data;
		return rc;
	}
	if (!m->metadata_header_json)
		return TFY_OK;
	const char *why = NULL;
	char *ascii = tfy__json_metadata_ascii(m->metadata_header_json,
	                                       TFY_METADATA_HEADER_VALUE_MAX, &why);
	if (!ascii)
		return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why)
		           : tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	int rc = tfy__buf_append(text, ascii, strlen(ascii));
	tfy__free(ascii);
	if (rc < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	*out = text->data;
	return TFY_OK;
}

tfy_code tfy__request_build(const tfy__target *target, const tfy__options_pair *opts,
                            const tfy__request_spec *spec, tfy__request *req, tfy_error **err)
{
	memset(req, 0, sizeof(*req));
	const tfy_request_options *c = opts->call, *d = opts->defaults;
	tfy_code rc = check_query(d->query_params, d->query_params_count, err);
	if (rc == TFY_OK)
		rc = check_query(c->query_params, c->query_params_count, err);
	if (rc == TFY_OK)
		rc = check_names(target, d->headers, d->headers_count, err);
	if (rc == TFY_OK)
		rc = check_names(target, c->headers, c->headers_count, err);
	tfy__buf text = TFY__BUF_INIT;
	const char *metadata = NULL;
	if (rc == TFY_OK)
		rc = metadata_header(opts, &text, &metadata, err);
	if (rc == TFY_OK)
		rc = build_headers(target, metadata, spec->content_type, opts, req, err);
	if (rc == TFY_OK && build_url(target, opts, spec, &req->url) != TFY_OK)
		rc = tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	req->method = spec->method;
	req->body = spec->body;
	req->body_len = spec->body_len;
	req->repeat = spec->repeat;
	req->effect = spec->effect;
	tfy__buf_clear(&text);
	if (rc != TFY_OK)
		tfy__request_clear(req);
	return rc;
}

/* U+0080..U+009F in UTF-8: the C1 controls. */
static int c1_control(const unsigned char *p)
{
	return p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;
}

tfy_code tfy__id_check(const char *id, const char *what, tfy_error **err)
{
	if (!id || !*id)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s must not be NULL or empty", what);
	if (!tfy__utf8_ok(id))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s must be UTF-8", what);
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p < 0x20 || *p == 0x7f || c1_control(p))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "%s contains a control character", what);
	/* As a path segment these are steps up the URL (libcurl removes them): never an id. */
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s must not be \".\" or \"..\"", what);
	return TFY_OK;
}

tfy_code tfy__resource_path(tfy__buf *path, const char *collection, const char *id,
                            const char *what, const char *suffix, tfy_error **err)
{
	tfy_code rc = tfy__id_check(id, what, err);
	if (rc != TFY_OK)
		return rc;
	if (tfy__buf_append(path, collection, strlen(collection)) < 0 ||
	    tfy__buf_append(path, "/", 1) < 0 || tfy__append_escaped(path, id) < 0 ||
	    (suffix && tfy__buf_append(path, suffix, strlen(suffix)) < 0))
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return TFY_OK;
}

void tfy__request_clear(tfy__request *req)
{
	for (size_t i = 0; i < req->count; i++)
		tfy__secret_free(req->headers[i]);
	tfy__free(req->headers);
	tfy__free(req->url);
	memset(req, 0, sizeof(*req));
}

static const char *check_url_text(const char *url)
{
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return "the base URL contains a space or a control character";
		if (*p == '?' || *p == '#')
			return "the base URL must not contain a query or a fragment";
	}
	return NULL;
}

char *tfy__base_url_normalise(const char *url, const char **why)
{
	size_t scheme = strncasecmp(url, "https://", 8) == 0 ? 8
	              : strncasecmp(url, "http://", 7) == 0  ? 7
	                                                     : 0;
	*why = check_url_text(url);
	if (!*why && !scheme)
		*why = "the base URL must start with http:// or https://";
	if (!*why && (url[scheme] == '\0' || url[scheme] == '/'))
		*why = "the base URL has no host";
	if (!*why && memchr(url + scheme, '@', strcspn(url + scheme, "/")))
		*why = "the base URL must not hold a user name or password (give the key as the API key)";
	if (*why)
		return NULL;
	size_t len = strlen(url);
	while (len > scheme && url[len - 1] == '/')
		len--;
	char *copy = tfy__malloc(len + 1);
	if (copy) {
		memcpy(copy, url, len);
		copy[len] = '\0';
	}
	return copy;
}
