#include "tfy/batches.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "batches_internal.h"
#include "client_internal.h"
#include "decode.h"
#include "error_internal.h"
#include "request.h"
#include "retry.h"
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
	return e;
}

/* Turns a complete response into a list, or into the error it stands for. */
static tfy_code read_response(const tfy__http_response *resp, tfy_batch_page **out,
                              tfy_error **e)
{
	char detail[DETAIL_MAX] = "";
	tfy_code rc = tfy__code_for_status(resp->status);
	if (rc != TFY_OK) {
		*e = http_error(resp);
		return rc;
	}
	rc = tfy__decode_batch_page(resp->body, resp->body_len, out, detail, sizeof(detail));
	if (rc == TFY_OK && tfy__batch_page_set_request_id(*out, resp->request_id) < 0) {
		tfy_batch_page_free(*out);
		*out = NULL;
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	if (rc != TFY_OK)
		*e = decode_error(rc, resp, detail);
	return rc;
}

/* What a failed attempt's response said about trying again. */
typedef struct outcome {
	long status;
	int64_t retry_after_ms;
	int should_retry;
} outcome;

static int64_t attempt_timeout(const tfy_client *c, const tfy__call *call)
{
	if (!call->deadline)
		return c->timeout_ms;
	int64_t left = call->deadline - tfy__now_ms();
	return left < c->timeout_ms ? left : c->timeout_ms;
}

static void log_attempt(const tfy_client *c, const tfy__request *req, int attempt,
                        const tfy__http_response *resp, int64_t took, const char *detail)
{
	if (!tfy__log_enabled(&c->log, TFY_LOG_DEBUG))
		return;
	if (resp->status)
		tfy__log(&c->log, TFY_LOG_DEBUG, "GET %s -> %ld in %lld ms (request id %s, attempt %d/%d)",
		         req->url, resp->status, (long long)took,
		         resp->request_id ? resp->request_id : "-", attempt, c->max_retries + 1);
	else
		tfy__log(&c->log, TFY_LOG_DEBUG, "GET %s -> failed in %lld ms: %s (attempt %d/%d)",
		         req->url, (long long)took, detail, attempt, c->max_retries + 1);
}

static tfy__http_request http_request(const tfy_client *c, const tfy__request *req,
                                      const tfy__call *call, int64_t timeout)
{
	const tfy__http_request http = {
		req->url, (const char *const *)req->headers, req->count, c->connect_timeout_ms, timeout,
		c->stall_timeout_ms, c->tls_insecure, c->follow_redirects, c->ca_file, c->ca_path,
		c->max_body, call->cancel, call->cancel_userdata,
	};
	return http;
}

/*
 * The answer to a request sent ahead of time, when it got one.  A transport
 * failure of such a request is not the caller's: the time it waited may be
 * what broke it, so the request is simply sent again.
 */
static tfy_code land_early(const tfy_client *c, tfy__flight *early, tfy__http_response *resp)
{
	char detail[DETAIL_MAX] = "";
	tfy_code rc = tfy__transport_finish(early, resp, detail, sizeof(detail));
	if (rc != TFY_OK)
		tfy__log(&c->log, TFY_LOG_DEBUG, "a prefetched request failed (%s); sending it again",
		         detail);
	return rc;
}

static tfy_code attempt_once(tfy_client *c, const tfy__request *req, const tfy__call *call,
                             int attempt, tfy__flight **early, tfy_batch_page **out,
                             tfy_error **e, outcome *oc)
{
	int64_t timeout = attempt_timeout(c, call);
	if (timeout <= 0) {
		tfy__transport_abandon(*early);
		*early = NULL;
		*e = transport_error(TFY_ERROR_TIMEOUT, "the call's deadline passed");
		return TFY_ERROR_TIMEOUT;
	}
	const tfy__http_request http = http_request(c, req, call, timeout);
	tfy__http_response resp;
	char detail[DETAIL_MAX] = "";
	int64_t start = tfy__now_ms();
	tfy_code rc = *early ? land_early(c, *early, &resp) : TFY_ERROR_NETWORK;
	int sent_early = *early != NULL;
	*early = NULL;
	if (!sent_early || rc != TFY_OK)
		rc = tfy__transport_get(c->transport, &http, &resp, detail, sizeof(detail));
	log_attempt(c, req, attempt, &resp, tfy__now_ms() - start, detail);
	if (rc != TFY_OK) {
		*e = transport_error(rc, detail);
		return rc;
	}
	oc->status = resp.status;
	oc->retry_after_ms = tfy__retry_after_ms(resp.retry_after_ms, resp.retry_after, time(NULL));
	oc->should_retry = tfy__should_retry_header(resp.should_retry);
	rc = read_response(&resp, out, e);
	tfy__http_response_clear(&resp);
	return rc;
}

/* Why no further attempt is made, or NULL when one is.  Sets *delay. */
static const char *no_retry_reason(const tfy_client *c, const tfy__call *call, tfy_code rc,
                                   int attempt, const outcome *oc, uint64_t *seed, int64_t *delay)
{
	if (rc == TFY_ERROR_CANCELLED || attempt > c->max_retries ||
	    !tfy__retryable(rc, oc->status, oc->should_retry))
		return "";
	if (oc->retry_after_ms > c->retry_after_max_ms)
		return "the server's retry delay is longer than retry_after_max_ms";
	*delay = oc->retry_after_ms >= 0 ? oc->retry_after_ms
	                                 : tfy__backoff_ms(attempt - 1, tfy__random_unit(seed));
	if (call->deadline && tfy__now_ms() + *delay >= call->deadline)
		return "no time is left before the deadline for another attempt";
	return NULL;
}

/* Notes on e why the call gave up, after how many attempts. */
static void finish_error(tfy_error *e, int attempt, const outcome *oc, const char *reason)
{
	if (!e)
		return;
	e->attempts = attempt;
	e->retry_after_ms = oc->retry_after_ms;
	if (attempt > 1 || *reason)
		tfy__error_reformat(e, "%s (%d attempt%s%s%s)", e->message, attempt, attempt > 1 ? "s" : "",
		                    *reason ? "; " : "", reason);
}

static tfy_code run_attempts(tfy_client *c, const tfy__request *req, const tfy__call *call,
                             tfy__flight *early, tfy_batch_page **out, tfy_error **e)
{
	uint64_t seed = (uint64_t)tfy__now_ms() ^ (uint64_t)(uintptr_t)&seed;
	for (int attempt = 1;; attempt++) {
		outcome oc = { 0, -1, -1 };
		tfy_code rc = attempt_once(c, req, call, attempt, &early, out, e, &oc);
		if (rc == TFY_OK || rc == TFY_ERROR_OUT_OF_MEMORY)
			return rc;
		int64_t delay = 0;
		const char *reason = no_retry_reason(c, call, rc, attempt, &oc, &seed, &delay);
		if (reason) {
			finish_error(*e, attempt, &oc, reason);
			return rc;
		}
		tfy__log(&c->log, TFY_LOG_INFO, "retrying in %lld ms (attempt %d of %d failed: %s)",
		         (long long)delay, attempt, c->max_retries + 1, *e ? (*e)->message : tfy_strerror(rc));
		if (tfy__sleep_ms(delay, call->cancel, call->cancel_userdata) != TFY_OK) {
			tfy_error_free(*e);
			*e = transport_error(TFY_ERROR_CANCELLED, "cancelled by the caller during backoff");
			finish_error(*e, attempt, &oc, "");
			return TFY_ERROR_CANCELLED;
		}
		tfy_error_free(*e);
		*e = NULL;
	}
}

tfy__call tfy__call_from_options(const tfy_batches_list_options *opts)
{
	tfy__call call = { 0, opts->cancel, opts->cancel_userdata };
	if (opts->deadline_ms > 0)
		call.deadline = tfy__now_ms() + opts->deadline_ms;
	return call;
}

static tfy_code build_request(const tfy_client *client, const tfy_batches_list_options *opts,
                              tfy__request *req, tfy_error **e)
{
	const tfy__target target = { client->base_url, client->api_key, client->auth_header,
	                             client->query };
	return tfy__request_build(&target, opts, req, e);
}

/* Hands e to the caller, or frees it, with any echo of the key masked first. */
static void hand_error(const tfy_client *client, tfy_error *e, tfy_error **err)
{
	if (e && tfy__error_redact(e, client->api_key) < 0) {
		tfy_error_free(e);
		e = NULL;
	}
	if (err)
		*err = e;
	else
		tfy_error_free(e);
}

tfy_code tfy__batches_check(tfy_client *client, const tfy_batches_list_options *opts,
                            tfy_error **err)
{
	tfy__request req;
	tfy_error *e = NULL;
	tfy_code rc = build_request(client, opts, &req, &e);
	tfy__request_clear(&req);
	hand_error(client, e, err);
	return rc;
}

tfy_code tfy__batches_fetch(tfy_client *client, const tfy_batches_list_options *opts,
                            const tfy__call *call, tfy_batch_page **out, tfy_error **err)
{
	*out = NULL;
	tfy__request req;
	tfy_error *e = NULL;
	tfy_code rc = build_request(client, opts, &req, &e);
	if (rc == TFY_OK)
		rc = run_attempts(client, &req, call, NULL, out, &e);
	tfy__request_clear(&req);
	hand_error(client, e, err);
	return rc;
}

struct tfy__prefetch {
	tfy__request req;
	tfy__flight *flight;
};

tfy__prefetch *tfy__batches_prefetch(tfy_client *client, const tfy_batches_list_options *opts,
                                     const tfy__call *call)
{
	tfy__prefetch *p = tfy__calloc(1, sizeof(*p));
	int64_t timeout = attempt_timeout(client, call);
	if (p && timeout > 0 && build_request(client, opts, &p->req, NULL) == TFY_OK) {
		const tfy__http_request http = http_request(client, &p->req, call, timeout);
		char detail[DETAIL_MAX];
		if (tfy__transport_start(client->transport, &http, &p->flight, detail, sizeof(detail)) ==
		    TFY_OK)
			return p;
	}
	tfy__prefetch_free(p);
	return NULL;
}

tfy_code tfy__batches_fetch_prefetched(tfy_client *client, tfy__prefetch *p,
                                       const tfy__call *call, tfy_batch_page **out,
                                       tfy_error **err)
{
	tfy_error *e = NULL;
	*out = NULL;
	tfy_code rc = run_attempts(client, &p->req, call, p->flight, out, &e);
	p->flight = NULL; /* run_attempts landed or abandoned it */
	tfy__prefetch_free(p);
	hand_error(client, e, err);
	return rc;
}

void tfy__prefetch_free(tfy__prefetch *p)
{
	if (!p)
		return;
	tfy__transport_abandon(p->flight);
	tfy__request_clear(&p->req);
	tfy__free(p);
}

tfy_code tfy_batches_list(tfy_client *client, const tfy_batches_list_options *opts,
                          tfy_batch_page **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!client || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "client and out must not be NULL");
	const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	const tfy_batches_list_options *o = opts ? opts : &defaults;
	if (o->deadline_ms < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "deadline_ms must not be negative");
	const tfy__call call = tfy__call_from_options(o);
	return tfy__batches_fetch(client, o, &call, out, err);
}
