#include "error_internal.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDACTED "[REDACTED]"
/*
 * Shorter "keys" are test placeholders; masking every occurrence of, say,
 * "k" would garble the text while protecting nothing.
 */
#define REDACT_MIN 8

static const char *const code_text[TFY_ERROR__COUNT] = {
	[TFY_OK] = "success",
	[TFY_ERROR_INVALID_ARGUMENT] = "invalid argument",
	[TFY_ERROR_OUT_OF_MEMORY] = "out of memory",
	[TFY_ERROR_CONNECT] = "could not connect to the server",
	[TFY_ERROR_DNS] = "could not resolve the host name",
	[TFY_ERROR_TLS] = "TLS handshake or certificate verification failed",
	[TFY_ERROR_TIMEOUT] = "timed out",
	[TFY_ERROR_NETWORK] = "network error",
	[TFY_ERROR_BAD_REQUEST] = "bad request (HTTP 400)",
	[TFY_ERROR_AUTHENTICATION] = "authentication failed (HTTP 401)",
	[TFY_ERROR_PERMISSION_DENIED] = "permission denied (HTTP 403)",
	[TFY_ERROR_NOT_FOUND] = "not found (HTTP 404)",
	[TFY_ERROR_CONFLICT] = "conflict (HTTP 409)",
	[TFY_ERROR_UNPROCESSABLE] = "unprocessable entity (HTTP 422)",
	[TFY_ERROR_RATE_LIMIT] = "rate limited (HTTP 429)",
	[TFY_ERROR_CLIENT] = "client error (HTTP 4xx)",
	[TFY_ERROR_SERVER] = "server error (HTTP 5xx)",
	[TFY_ERROR_HTTP] = "unexpected HTTP status",
	[TFY_ERROR_DECODE] = "the response could not be decoded",
	[TFY_ERROR_RESPONSE_TOO_LARGE] = "the response is larger than the size cap",
	[TFY_ERROR_CANCELLED] = "cancelled",
	[TFY_ERROR_PAGINATION] = "pagination error",
};

const char *tfy_strerror(tfy_code code)
{
	if (code < 0 || code >= TFY_ERROR__COUNT || !code_text[code])
		return "unknown error code";
	return code_text[code];
}

tfy_code tfy__code_for_status(long status)
{
	if (status >= 200 && status < 300)
		return TFY_OK;
	switch (status) {
	case 400: return TFY_ERROR_BAD_REQUEST;
	case 401: return TFY_ERROR_AUTHENTICATION;
	case 403: return TFY_ERROR_PERMISSION_DENIED;
	case 404: return TFY_ERROR_NOT_FOUND;
	case 409: return TFY_ERROR_CONFLICT;
	case 422: return TFY_ERROR_UNPROCESSABLE;
	case 429: return TFY_ERROR_RATE_LIMIT;
	default: break;
	}
	if (status >= 400 && status < 500)
		return TFY_ERROR_CLIENT;
	if (status >= 500 && status < 600)
		return TFY_ERROR_SERVER;
	return TFY_ERROR_HTTP;
}

TFY__PRINTF(1, 0) static char *vformat(const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *s = n < 0 ? NULL : tfy__malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

TFY__PRINTF(2, 0) static tfy_error *error_vnew(tfy_code code, const char *fmt, va_list ap)
{
	tfy_error *e = tfy__calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->code = code;
	e->retry_after_ms = -1;
	e->message = vformat(fmt, ap);
	if (!e->message) {
		tfy__free(e);
		return NULL;
	}
	return e;
}

tfy_error *tfy__error_new(tfy_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tfy_error *e = error_vnew(code, fmt, ap);
	va_end(ap);
	return e;
}

tfy_code tfy__error_set(tfy_error **out, tfy_code code, const char *fmt, ...)
{
	if (!out)
		return code;
	va_list ap;
	va_start(ap, fmt);
	*out = error_vnew(code, fmt, ap);
	va_end(ap);
	return code;
}

int tfy__error_reformat(tfy_error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return -1;
	tfy__free((char *)e->message);
	e->message = s;
	return 0;
}

int tfy__error_put(const char **slot, const char *s, size_t n)
{
	char *copy = NULL;
	if (s) {
		copy = tfy__malloc(n + 1);
		if (!copy)
			return -1;
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	tfy__free((char *)*slot);
	*slot = copy;
	return 0;
}

/* Backs off to the start of a UTF-8 sequence so a cut never splits a character. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

int tfy__error_put_body(tfy_error *e, const char *body, size_t len)
{
	if (!body || len == 0)
		return 0;
	return tfy__error_put(&e->body, body, utf8_cut(body, len, TFY_ERROR_BODY_MAX));
}

static int redact_one(const char **slot, const char *secret)
{
	const char *s = *slot;
	if (!s || !strstr(s, secret))
		return 0;
	size_t slen = strlen(secret), rlen = strlen(REDACTED);
	size_t cap = strlen(s) / slen * rlen + strlen(s) + 1;
	char *out = tfy__malloc(cap), *w = out;
	if (!out)
		return -1;
	for (const char *hit; (hit = strstr(s, secret)); s = hit + slen) {
		memcpy(w, s, (size_t)(hit - s));
		w += hit - s;
		memcpy(w, REDACTED, rlen);
		w += rlen;
	}
	strcpy(w, s);
	tfy__free((char *)*slot);
	*slot = out;
	return 0;
}

int tfy__error_redact(tfy_error *e, const char *secret)
{
	if (!e || !secret || strlen(secret) < REDACT_MIN)
		return 0;
	const char **slots[] = { &e->message, &e->api_type, &e->api_code, &e->api_param,
	                         &e->api_message, &e->request_id, &e->detail, &e->body };
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (redact_one(slots[i], secret) < 0)
			return -1;
	return 0;
}

void tfy_error_free(tfy_error *e)
{
	if (!e)
		return;
	tfy__free((char *)e->message);
	tfy__free((char *)e->api_type);
	tfy__free((char *)e->api_code);
	tfy__free((char *)e->api_param);
	tfy__free((char *)e->api_message);
	tfy__free((char *)e->request_id);
	tfy__free((char *)e->detail);
	tfy__free((char *)e->body);
	tfy__free(e);
}
