#include "request.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "decode.h"
#include "error_internal.h"
#include "tfy/version.h"

#define BATCHES_PATH "/batches"
#define USER_AGENT "libtfy/" TFY_VERSION_STRING
#define FIXED_HEADERS 12 /* the library's own: 3 defaults, 8 x-tfy-*, metadata */

int tfy__header_value_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
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

/* Accepts well-formed UTF-8 only: JSON text must be Unicode. */
static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
		      : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xC2) || (n == 3 && *p > 0xF4))
			return 0;
		unsigned lead = *p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
		/* Overlong three-byte forms and UTF-16 surrogates. */
		if (n == 2 && ((lead == 0xE0 && p[-2] < 0xA0) || (lead == 0xED && p[-2] >= 0xA0)))
			return 0;
		if (n == 3 && ((lead == 0xF0 && p[-3] < 0x90) || (lead == 0xF4 && p[-3] >= 0x90)))
			return 0;
	}
	return 1;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static int append_escaped(tfy__buf *b, const char *s)
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

static int append_json_string(tfy__buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (tfy__buf_append(b, "\"", 1) < 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
		int rc;
		if (*p == '"' || *p == '\\')
			rc = tfy__buf_append(b, (const char[]){ '\\', (char)*p }, 2);
		else if (*p < 0x20 || *p == 0x7f)
			rc = tfy__buf_append(b, esc, 6);
		else
			rc = tfy__buf_append(b, p, 1);
		if (rc < 0)
			return -1;
	}
	return tfy__buf_append(b, "\"", 1);
}

/* {"k":"v",...}: the x-tfy-metadata value; only ASCII reaches the header. */
static tfy_code encode_metadata(const tfy_pair *pairs, size_t n, tfy__buf *out,
                                tfy_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (!pairs[i].name || !pairs[i].value || !utf8_ok(pairs[i].name) ||
		    !utf8_ok(pairs[i].value))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "metadata[%zu]: key and value must be non-NULL UTF-8", i);
	int rc = tfy__buf_append(out, "{", 1);
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = (i ? tfy__buf_append(out, ",", 1) : 0) | append_json_string(out, pairs[i].name) |
		     tfy__buf_append(out, ":", 1) | append_json_string(out, pairs[i].value);
	}
	if (rc == 0)
		rc = tfy__buf_append(out, "}", 1);
	return rc ? tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory") : TFY_OK;
}

static tfy_code check_paging(const tfy_batches_list_options *o, tfy_error **err)
{
	if (o->limit < 0 || o->limit > TFY_BATCHES_LIMIT_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "limit must be between 1 and %d (or 0 for the server default), got %d",
		                      TFY_BATCHES_LIMIT_MAX, (int)o->limit);
	if (o->after && !*o->after)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "after must be a batch id, not an empty string");
	return TFY_OK;
}

/* Appends "?" before the first parameter of a URL and "&" before the others. */
static int append_param(tfy__buf *b, int *first, const char *text)
{
	int rc = tfy__buf_append(b, *first ? "?" : "&", 1) | tfy__buf_append(b, text, strlen(text));
	*first = 0;
	return rc;
}

static tfy_code build_url(const tfy__target *t, const tfy_batches_list_options *o, char **url)
{
	tfy__buf b = TFY__BUF_INIT;
	int first = 1;
	int rc = tfy__buf_append(&b, t->base_url, strlen(t->base_url)) |
	         tfy__buf_append(&b, BATCHES_PATH, strlen(BATCHES_PATH));
	char limit[32];
	snprintf(limit, sizeof(limit), "limit=%d", (int)o->limit);
	if (t->query && *t->query)
		rc |= append_param(&b, &first, t->query);
	if (o->limit > 0)
		rc |= append_param(&b, &first, limit);
	if (o->after)
		rc |= append_param(&b, &first, "after=") | append_escaped(&b, o->after);
	if (rc) {
		tfy__buf_clear(&b);
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	*url = tfy__buf_detach(&b);
	return *url ? TFY_OK : TFY_ERROR_OUT_OF_MEMORY;
}

/* The library's own headers, before the caller's extras are merged in. */
static size_t fixed_headers(const tfy_pair *auth, const char *metadata,
                            const tfy_batches_list_options *o, tfy_pair *h)
{
	const tfy_pair all[FIXED_HEADERS] = {
		*auth,
		{ "Accept", "application/json" },
		{ "User-Agent", USER_AGENT },
		{ "x-tfy-provider-name", o->provider_name },
		{ "x-tfy-provider-model", o->provider_model },
		{ "x-tfy-azure-api-version", o->azure_api_version },
		{ "x-tfy-vertex-region", o->vertex_region },
		{ "x-tfy-vertex-storage-bucket-name", o->vertex_storage_bucket_name },
		{ "x-tfy-aws-s3-bucket", o->aws_s3_bucket },
		{ "x-tfy-aws-bedrock-model", o->aws_bedrock_model },
		{ "x-tfy-metadata", metadata },
	};
	size_t n = 0;
	for (size_t i = 0; i < FIXED_HEADERS; i++)
		if (all[i].name && all[i].value)
			h[n++] = all[i];
	return n;
}

static tfy_code check_headers(const tfy_pair *h, size_t n, size_t fixed, tfy_error **err)
{
	for (size_t i = 0; i < n; i++) {
		/* Names the caller gave are not echoed: they failed the check. */
		if (i >= fixed && !tfy__header_name_ok(h[i].name))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "headers[%zu]: the name is not a valid HTTP header name",
			                      i - fixed);
		if (!h[i].value)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "header %s: the value is NULL", h[i].name);
		if (!tfy__header_value_ok(h[i].value))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "header %s: the value contains CR, LF or another control character",
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

/* A caller's header replaces the library's header of the same name. */
static int overridden(const tfy_pair *h, const tfy_batches_list_options *o)
{
	for (size_t i = 0; i < o->headers_count; i++)
		if (strcasecmp(h->name, o->headers[i].name) == 0)
			return 1;
	return 0;
}

static tfy_code format_headers(const tfy_pair *h, size_t n, size_t fixed,
                               const tfy_batches_list_options *o, tfy__request *req)
{
	req->headers = tfy__calloc(n ? n : 1, sizeof(char *));
	if (!req->headers)
		return TFY_ERROR_OUT_OF_MEMORY;
	for (size_t i = 0; i < n; i++) {
		if (i < fixed && overridden(&h[i], o))
			continue;
		if (!(req->headers[req->count] = header_line(&h[i])))
			return TFY_ERROR_OUT_OF_MEMORY;
		req->count++;
	}
	return TFY_OK;
}

static tfy_code build_headers(const tfy__target *t, const char *metadata,
                              const tfy_batches_list_options *o, tfy__request *req,
                              tfy_error **err)
{
	size_t total = FIXED_HEADERS + o->headers_count;
	tfy_pair *h = tfy__calloc(total, sizeof(*h));
	char *bearer = tfy__malloc(strlen(t->api_key) + sizeof("Bearer "));
	tfy_code rc = TFY_ERROR_OUT_OF_MEMORY;
	if (h && bearer) {
		sprintf(bearer, "Bearer %s", t->api_key);
		const tfy_pair auth = t->auth_header ? (tfy_pair){ t->auth_header, t->api_key }
		                                       : (tfy_pair){ "Authorization", bearer };
		size_t fixed = fixed_headers(&auth, metadata, o, h);
		if (o->headers_count)
			memcpy(h + fixed, o->headers, o->headers_count * sizeof(*h));
		rc = check_headers(h, fixed + o->headers_count, fixed, err);
		if (rc == TFY_OK)
			rc = format_headers(h, fixed + o->headers_count, fixed, o, req);
	}
	if (rc == TFY_ERROR_OUT_OF_MEMORY && err && !*err)
		tfy__error_set(err, rc, "out of memory");
	tfy__free(h);
	tfy__free(bearer);
	return rc;
}

static tfy_code check_options(const tfy_batches_list_options *o, tfy_error **err)
{
	if (o->version != TFY_BATCHES_LIST_OPTIONS_VERSION)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "unsupported tfy_batches_list_options version %u", o->version);
	if (o->metadata_json && o->metadata_count)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "set metadata_json or metadata pairs, not both");
	int shape = o->metadata_json ? tfy__json_is_string_object(o->metadata_json) : 1;
	if (shape < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	if (!shape)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "metadata_json must be a JSON object whose values are strings");
	if ((o->metadata_count && !o->metadata) || (o->headers_count && !o->headers))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "a non-zero count was given with a NULL array");
	return check_paging(o, err);
}

tfy_code tfy__request_build(const tfy__target *target, const tfy_batches_list_options *opts,
                            tfy__request *req, tfy_error **err)
{
	memset(req, 0, sizeof(*req));
	tfy_code rc = check_options(opts, err);
	if (rc != TFY_OK)
		return rc;
	tfy__buf metadata = TFY__BUF_INIT;
	if (opts->metadata_count)
		rc = encode_metadata(opts->metadata, opts->metadata_count, &metadata, err);
	if (rc == TFY_OK)
		rc = build_headers(target, opts->metadata_count ? metadata.data : opts->metadata_json,
		                   opts, req, err);
	if (rc == TFY_OK && build_url(target, opts, &req->url) != TFY_OK)
		rc = tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy__buf_clear(&metadata);
	if (rc != TFY_OK)
		tfy__request_clear(req);
	return rc;
}

void tfy__request_clear(tfy__request *req)
{
	for (size_t i = 0; i < req->count; i++)
		tfy__free(req->headers[i]);
	tfy__free(req->headers);
	tfy__free(req->url);
	memset(req, 0, sizeof(*req));
}

char *tfy__query_encode(const tfy_pair *params, size_t count, const char **why)
{
	tfy__buf b = TFY__BUF_INIT;
	int rc = tfy__buf_append(&b, "", 0); /* "" rather than NULL for no parameters */
	*why = NULL;
	for (size_t i = 0; i < count && rc == 0; i++) {
		if (!params[i].name || !*params[i].name || !params[i].value) {
			*why = "query_params: every name must be non-empty and every value non-NULL";
			break;
		}
		rc = (i ? tfy__buf_append(&b, "&", 1) : 0) | append_escaped(&b, params[i].name) |
		     tfy__buf_append(&b, "=", 1) | append_escaped(&b, params[i].value);
	}
	if (rc || *why) {
		tfy__buf_clear(&b);
		return NULL;
	}
	return tfy__buf_detach(&b);
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
	              : strncasecmp(url, "http://", 7) == 0  ? 7 : 0;
	*why = check_url_text(url);
	if (!*why && !scheme)
		*why = "the base URL must start with http:// or https://";
	if (!*why && (url[scheme] == '\0' || url[scheme] == '/'))
		*why = "the base URL has no host";
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
