/* The error bodies a client of the gateway meets: OpenAI's envelope, and
 * those of LiteLLM, TrueFoundry itself, FastAPI services, providers passed
 * through, Azure, and HTML pages from proxies. */
#ifndef TFY_MOCK_ERROR_SHAPE_H
#define TFY_MOCK_ERROR_SHAPE_H

#include <stdbool.h>

#include <jansson.h>

enum mgw_error_kind {
	MGW_ERROR_OPENAI,       /* {"error":{"message","type","param","code"}} */
	MGW_ERROR_LITELLM,      /* the same, param "None" and code the status as a number */
	MGW_ERROR_TRUEFOUNDRY,  /* {"statusCode","message","code","details"} */
	MGW_ERROR_FASTAPI,      /* {"detail":"..."} */
	MGW_ERROR_FASTAPI_LIST, /* {"detail":[{"loc","msg","type"}]} */
	MGW_ERROR_PROVIDER,     /* {"error":{...},"provider":"bedrock"} */
	MGW_ERROR_FAILURE,      /* {"status":"failure","message"} */
	MGW_ERROR_AZURE,        /* {"error":{"code","message"}} */
	MGW_ERROR_HTML,         /* an HTML page, not JSON */
};

/* "openai", "litellm", ... as fault specs spell them; false if unknown. */
bool mgw_error_kind_parse(const char *name, enum mgw_error_kind *out);

/* The names, "a|b|..." for messages and --help. */
const char *mgw_error_kind_names(void);

/* Returns a new reference to an error body of `kind` for HTTP `status`
 * carrying `message` (untrusted bytes are made valid UTF-8); `detail` is
 * TrueFoundry's "details" member (reference consumed; NULL: {}). NULL for
 * MGW_ERROR_HTML and on allocation failure. */
json_t *mgw_error_shaped(enum mgw_error_kind kind, unsigned status, const char *message,
                         json_t *detail);

/* Returns the nginx error page for `status` in a malloc'd string, or NULL. */
char *mgw_error_html(unsigned status);

/* Azure's envelope with its own code text, e.g. "401". */
json_t *mgw_error_azure(const char *code, const char *message);

#endif
