#include "error_internal.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "headers.h"

/* Longest kept text from the server in a field other than body and request_id. */
#define FIELD_MAX 4096

static const char *const code_text[] = {
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
	[TFY_ERROR_OUTCOME_UNKNOWN] = "the request was sent but its outcome is unknown",
	[TFY_ERROR_IO] = "local file error",
	[TFY_ERROR_DECLINED] = "the server declined the request",
	[TFY_ERROR_WEBHOOK_INVALID] = "the webhook failed verification",
	[TFY_ERROR_INPUT_INVALID] = "the job's input has problems",
};

const char *tfy_strerror(tfy_code code)
{
	if (code < 0 || code >= (tfy_code)(sizeof(code_text) / sizeof(code_text[0])) ||
	    !code_text[code])
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

/*
 * Every error the library allocates sits in this owner, whose private part
 * holds the kept response headers (tfy_error_header): the public struct
 * needs no new field for them.
 */
typedef struct error_owner {
	tfy_error pub;
	tfy__headers *headers;
} error_owner;

/* The owner of an error the library allocated (never the static out-of-memory one). */
static error_owner *owner_of(tfy_error *e)
{
	return (error_owner *)(void *)e;
}

TFY__PRINTF(2, 0) static tfy_error *error_vnew(tfy_code code, const char *fmt, va_list ap)
{
	error_owner *owner = tfy__calloc(1, sizeof(*owner));
	if (!owner)
		return NULL;
	tfy_error *e = &owner->pub;
	e->code = code;
	e->retry_after_ms = -1;
	e->message = vformat(fmt, ap);
	if (!e->message) {
		tfy__free(owner);
		return NULL;
	}
	return e;
}

int tfy__error_put_headers(tfy_error *e, const tfy__headers *headers)
{
	tfy__headers *copy;
	if (tfy__headers_dup(headers, &copy) < 0)
		return -1;
	tfy__headers_free(owner_of(e)->headers);
	owner_of(e)->headers = copy;
	return 0;
}

tfy_error *tfy__error_new(tfy_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tfy_error *e = error_vnew(code, fmt, ap);
	va_end(ap);
	return e;
}

/*
 * Handed out when an error cannot be allocated, so that a failing call
 * always has one; never written to, and ignored by tfy_error_free().
 */
static tfy_error out_of_memory = {
	TFY_ERROR_OUT_OF_MEMORY,
	0,
	0,
	0,
	"out of memory",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	-1,
};

tfy_error *tfy__error_out_of_memory(void)
{
	return &out_of_memory;
}

tfy_code tfy__error_set(tfy_error **out, tfy_code code, const char *fmt, ...)
{
	if (!out)
		return code;
	va_list ap;
	va_start(ap, fmt);
	*out = error_vnew(code, fmt, ap);
	va_end(ap);
	if (*out)
		return code;
	*out = &out_of_memory;
	return TFY_ERROR_OUT_OF_MEMORY;
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
	if (s && !(copy = tfy__text_dup(s, n)))
		return -1;
	tfy__free((char *)*slot);
	*slot = copy;
	return 0;
}

int tfy__error_put_body(tfy_error *e, const char *body, size_t len)
{
	if (!body || len == 0)
		return 0;
	/* Kept longer than shown, so that a key straddling the cut is still whole when masked. */
	return tfy__error_put(&e->body, body, len < TFY__ERROR_RAW_MAX ? len : TFY__ERROR_RAW_MAX);
}

int tfy__error_finish(tfy_error *e, tfy__secrets secrets)
{
	if (e == &out_of_memory)
		return 0;
	const struct {
		const char **slot;
		size_t max;
		int allow_lf;
	} fields[] = {
		{ &e->message, FIELD_MAX, 0 },     { &e->api_type, FIELD_MAX, 0 },
		{ &e->api_code, FIELD_MAX, 0 },    { &e->api_param, FIELD_MAX, 0 },
		{ &e->api_message, FIELD_MAX, 0 }, { &e->request_id, TFY__REQUEST_ID_MAX, 0 },
		{ &e->detail, FIELD_MAX, 0 },      { &e->body, TFY_ERROR_BODY_MAX, 1 },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (tfy__text_finish(fields[i].slot, fields[i].max, fields[i].allow_lf, secrets) < 0)
			return -1;
	return 0;
}

void tfy_error_free(tfy_error *e)
{
	if (!e || e == &out_of_memory)
		return;
	tfy__free((char *)e->message);
	tfy__free((char *)e->api_type);
	tfy__free((char *)e->api_code);
	tfy__free((char *)e->api_param);
	tfy__free((char *)e->api_message);
	tfy__free((char *)e->request_id);
	tfy__free((char *)e->detail);
	tfy__free((char *)e->body);
	tfy__headers_free(owner_of(e)->headers);
	tfy__free(owner_of(e));
}

const char *tfy_error_header(const tfy_error *err, const char *name)
{
	if (!err || err == &out_of_memory || !name)
		return NULL;
	return tfy__headers_get(((const error_owner *)(const void *)err)->headers, name);
}

/* The public face of a decoder result: the error it stands for, if any. */
tfy_code tfy__decode_error(tfy_code rc, const char *detail, tfy_error **err)
{
	if (rc == TFY_OK || !err)
		return rc;
	if (rc == TFY_ERROR_OUT_OF_MEMORY) {
		*err = tfy__error_out_of_memory();
		return rc;
	}
	tfy_error *e = tfy__error_new(rc, "%s: %s", tfy_strerror(rc), detail);
	if (!e || tfy__error_put(&e->detail, detail, strlen(detail)) < 0 ||
	    tfy__error_finish(e, NULL) < 0) {
		tfy_error_free(e);
		*err = tfy__error_out_of_memory();
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	*err = e;
	return rc;
}
