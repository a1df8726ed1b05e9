/* Error bodies in every shape the gateway's clients must decode. Each one is
 * copied from what that server sends, so that a decoder tested against the
 * mock meets the same members, types and nesting as in production. */
#include "error_shape.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "respond.h"

static const char *const kind_names[] = {
	[MGW_ERROR_OPENAI] = "openai",
	[MGW_ERROR_LITELLM] = "litellm",
	[MGW_ERROR_TRUEFOUNDRY] = "truefoundry",
	[MGW_ERROR_FASTAPI] = "fastapi",
	[MGW_ERROR_FASTAPI_LIST] = "fastapi-list",
	[MGW_ERROR_PROVIDER] = "provider",
	[MGW_ERROR_FAILURE] = "failure",
	[MGW_ERROR_AZURE] = "azure",
	[MGW_ERROR_HTML] = "html",
};

#define KIND_COUNT (sizeof kind_names / sizeof kind_names[0])

bool mgw_error_kind_parse(const char *name, enum mgw_error_kind *out)
{
	for (size_t k = 0; k < KIND_COUNT; k++) {
		if (strcmp(kind_names[k], name) == 0) {
			*out = (enum mgw_error_kind)k;
			return true;
		}
	}
	return false;
}

const char *mgw_error_kind_names(void)
{
	return "openai|litellm|truefoundry|fastapi|fastapi-list|provider|failure|azure|html";
}

/* TrueFoundry's codes read like the reason phrase: "Too Many Requests" ->
 * "TOO_MANY_REQUESTS". */
static json_t *reason_code(unsigned status)
{
	char code[64];
	const char *reason = MHD_get_reason_phrase_for(status);
	size_t n = 0;
	for (; reason[n] && n + 1 < sizeof code; n++)
		code[n] = isalnum((unsigned char)reason[n]) ? (char)toupper((unsigned char)reason[n])
		                                            : '_';
	code[n] = '\0';
	return json_string(n ? code : "ERROR");
}

static json_t *status_text(unsigned status)
{
	char text[16];
	snprintf(text, sizeof text, "%u", status);
	return json_string(text);
}

static json_t *openai_like(unsigned status, json_t *message, bool litellm)
{
	if (litellm)
		return json_pack("{s:{s:o, s:s, s:s, s:I}}", "error", "message", message, "type",
		                 status >= 500 ? "internal_server_error" : "invalid_request_error",
		                 "param", "None", "code", (json_int_t)status);
	return json_pack("{s:{s:o, s:s, s:n, s:n}}", "error", "message", message, "type",
	                 "server_error", "param", "code");
}

json_t *mgw_error_azure(const char *code, const char *message)
{
	return json_pack("{s:{s:s, s:o}}", "error", "code", code, "message", mgw_string_lossy(message));
}

/* Each branch consumes `message`, and `detail` where it is used. */
static json_t *shaped(enum mgw_error_kind kind, unsigned status, json_t *message, json_t **detail)
{
	switch (kind) {
	case MGW_ERROR_LITELLM: return openai_like(status, message, true);
	case MGW_ERROR_TRUEFOUNDRY: {
		json_t *d = *detail ? *detail : json_object();
		*detail = NULL;
		return json_pack("{s:I, s:o, s:o, s:o}", "statusCode", (json_int_t)status,
		                 "message", message, "code", reason_code(status), "details", d);
	}
	case MGW_ERROR_FASTAPI: return json_pack("{s:o}", "detail", message);
	case MGW_ERROR_FASTAPI_LIST:
		return json_pack("{s:[{s:[s,s], s:o, s:s}]}", "detail", "loc", "query", "limit",
		                 "msg", message, "type", "value_error");
	case MGW_ERROR_PROVIDER:
		return json_pack("{s:{s:o, s:s, s:n, s:o}, s:s}", "error", "message", message,
		                 "type", "ValidationException", "param", "code",
		                 status_text(status), "provider", "bedrock");
	case MGW_ERROR_FAILURE:
		return json_pack("{s:s, s:o}", "status", "failure", "message", message);
	case MGW_ERROR_AZURE:
		return json_pack("{s:{s:o, s:o}}", "error", "code", status_text(status), "message",
		                 message);
	case MGW_ERROR_HTML: json_decref(message); return NULL;
	default: return openai_like(status, message, false);
	}
}

json_t *mgw_error_shaped(enum mgw_error_kind kind, unsigned status, const char *message, json_t *detail)
{
	json_t *body = shaped(kind, status, mgw_string_lossy(message), &detail);
	json_decref(detail);
	return body;
}

/* nginx's own error page, CRLFs and all: what a proxy in front of the API
 * sends when the upstream fails. */
#define HTML_PAGE \
	"<html>\r\n<head><title>%u %s</title></head>\r\n<body>\r\n" \
	"<center><h1>%u %s</h1></center>\r\n<hr><center>nginx</center>\r\n" \
	"</body>\r\n</html>\r\n"

char *mgw_error_html(unsigned status)
{
	const char *reason = MHD_get_reason_phrase_for(status);
	size_t size = sizeof HTML_PAGE + 2 * (strlen(reason) + 8);
	char *page = malloc(size);
	if (page)
		snprintf(page, size, HTML_PAGE, status, reason, status, reason);
	return page;
}
