#include "tfy/batches.h"

#include <stdio.h>
#include <string.h>

#include "client_internal.h"
#include "decode.h"
#include "error_internal.h"
#include "request.h"
#include "transport.h"

#define DETAIL_MAX 512

tfy_code tfy_batches_list_options_init(tfy_batches_list_options *opts, uint32_t version)
{
	if (!opts || version != TFY_BATCHES_LIST_OPTIONS_VERSION)
		return TFY_ERROR_INVALID_ARGUMENT;
	const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	*opts = defaults;
	return TFY_OK;
}

/* Fills what every error after a response shares: status, request id, attempts. */
static int describe_response(tfy_error *e, const tfy__http_response *resp)
{
	e->http_status = (int32_t)resp->status;
	e->attempts = 1;
	if (resp->request_id &&
	    tfy__error_put(&e->request_id, resp->request_id, strlen(resp->request_id)) < 0)
		return -1;
	return 0;
}

/* The message's head: the code's text, with the exact status where the code is a range. */
static int set_status_message(tfy_error *e, long status)
{
	switch (e->code) {
	case TFY_ERROR_CLIENT: return tfy__error_reformat(e, "client error (HTTP %ld)", status);
	case TFY_ERROR_SERVER: return tfy__error_reformat(e, "server error (HTTP %ld)", status);
	case TFY_ERROR_HTTP: return tfy__error_reformat(e, "unexpected HTTP status %ld", status);
	default: return 0;
	}
}

static tfy_error *http_error(const tfy__http_response *resp)
{
	tfy_code code = tfy__code_for_status(resp->status);
	tfy_error *e = tfy__error_new(code, "%s", tfy_strerror(code));
	if (!e || describe_response(e, resp) < 0 || set_status_message(e, resp->status) < 0)
		goto oom;
	int envelope = tfy__decode_error_body(resp->body, resp->body_len, e);
	if (envelope < 0 || (!envelope && tfy__error_put_body(e, resp->body, resp->body_len) < 0))
		goto oom;
	if (e->api_message &&
	    tfy__error_reformat(e, "%s: %s", e->message, e->api_message) < 0)
		goto oom;
	return e;
oom:
	tfy_error_free(e);
	return NULL;
}

static tfy_error *decode_error(tfy_code code, const tfy__http_response *resp, const char *detail)
{
	tfy_error *e = code == TFY_ERROR_OUT_OF_MEMORY
	                   ? tfy__error_new(code, "out of memory while decoding the response")
	                   : tfy__error_new(code, "%s: %s", tfy_strerror(code), detail);
	if (!e || describe_response(e, resp) < 0 ||
	    tfy__error_put(&e->detail, detail, strlen(detail)) < 0 ||
	    tfy__error_put_body(e, resp->body, resp->body_len) < 0) {
		tfy_error_free(e);
		return NULL;
	}
	return e;
}

static tfy_error *transport_error(tfy_code code, const char *detail)
{
	tfy_error *e = tfy__error_new(code, "%s: %s", tfy_strerror(code), detail);
	if (!e || tfy__error_put(&e->detail, detail, strlen(detail)) < 0) {
		tfy_error_free(e);
		return NULL;
	}
	e->attempts = code == TFY_ERROR_OUT_OF_MEMORY ? 0 : 1;
	return e;
}

/* Turns a complete response into a list, or into the error it stands for. */
static tfy_code read_response(const tfy__http_response *resp, tfy_batch_list **out,
                              tfy_error **e)
{
	char detail[DETAIL_MAX] = "";
	tfy_code rc = tfy__code_for_status(resp->status);
	if (rc != TFY_OK) {
		*e = http_error(resp);
		return rc;
	}
	rc = tfy__decode_batch_list(resp->body, resp->body_len, out, detail, sizeof(detail));
	if (rc == TFY_OK && tfy__batch_list_set_request_id(*out, resp->request_id) < 0) {
		tfy_batch_list_free(*out);
		*out = NULL;
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	if (rc != TFY_OK)
		*e = decode_error(rc, resp, detail);
	return rc;
}

static tfy_code perform(tfy_client *c, const tfy__request *req, tfy_batch_list **out,
                        tfy_error **e)
{
	const tfy__http_request http = {
		req->url, (const char *const *)req->headers, req->count,
		c->connect_timeout_ms, c->timeout_ms, c->tls_insecure, c->max_body,
	};
	tfy__http_response resp;
	char detail[DETAIL_MAX] = "";
	tfy_code rc = tfy__transport_get(c->transport, &http, &resp, detail, sizeof(detail));
	if (rc != TFY_OK) {
		*e = transport_error(rc, detail);
		return rc;
	}
	rc = read_response(&resp, out, e);
	tfy__http_response_clear(&resp);
	return rc;
}

tfy_code tfy_batches_list(tfy_client *client, const tfy_batches_list_options *opts,
                          tfy_batch_list **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!client || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "client and out must not be NULL");
	const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	tfy__request req;
	tfy_error *e = NULL;
	tfy_code rc = tfy__request_build(client->base_url, client->api_key, opts ? opts : &defaults,
	                                 &req, &e);
	if (rc == TFY_OK)
		rc = perform(client, &req, out, &e);
	tfy__request_clear(&req);
	if (e && tfy__error_redact(e, client->api_key) < 0) {
		tfy_error_free(e);
		e = NULL;
	}
	if (err)
		*err = e;
	else
		tfy_error_free(e);
	return rc;
}
