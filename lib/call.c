#include "call.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "clock.h"
#include "credential.h"
#include "decode.h"
#include "error_internal.h"
#include "retry.h"

#define DETAIL_MAX 512

tfy__call tfy__call_start(const tfy_client *c, const tfy__options_pair *o)
{
	const tfy_request_options *call = o->call, *d = o->defaults;
	int32_t retries = call->max_retries ? call->max_retries
	                : d->max_retries    ? d->max_retries
	                                    : c->max_retries;
	int64_t deadline_ms = call->deadline_ms ? call->deadline_ms : d->deadline_ms;
	tfy__call ctx = {
		.deadline = deadline_ms ? tfy__add_ms(tfy__now_ms(), deadline_ms) : 0,
		.cancel = call->cancel ? call->cancel : d->cancel,
		.cancel_userdata = call->cancel ? call->cancel_userdata : d->cancel_userdata,
		.cancel_token = call->cancel_token ? call->cancel_token : d->cancel_token,
		.max_retries = retries == TFY_NONE ? 0 : retries,
		.timeout_ms = call->timeout_ms ? call->timeout_ms
		            : d->timeout_ms    ? d->timeout_ms
		                               : c->timeout_ms,
	};
	return ctx;
}

int tfy__call_cancelled(const tfy__call *call)
{
	return tfy_cancel_token_is_cancelled(call->cancel_token) ||
	       (call->cancel && call->cancel(call->cancel_userdata) != TFY_CANCEL_CONTINUE);
}

/* tfy__call_cancelled as the transport and the sleep ask it, the call as userdata. */
static int32_t stop_asked(void *call)
{
	return tfy__call_cancelled(call);
}

tfy_code tfy__call_sleep(const tfy__call *call, int64_t ms)
{
	return tfy__sleep_ms(ms, stop_asked, (void *)call);
}

tfy__call tfy__call_start_transfer(const tfy_client *client, const tfy__options_pair *opts)
{
	tfy__call ctx = tfy__call_start(client, opts);
	ctx.timeout_ms = opts->call->timeout_ms;
	return ctx;
}

/* Hands e over with secrets (the client's, and the key of this call) masked. */
static tfy_code hand_error(tfy__secrets secrets, tfy_code rc, tfy_error *e, tfy_error **err)
{
	if (rc == TFY_OK) {
		tfy_error_free(e);
		e = NULL;
	} else if (!e || (rc == TFY_ERROR_OUT_OF_MEMORY && e->code != rc) ||
	           tfy__error_finish(e, secrets) < 0) {
		/* Memory ran out while describing another failure: the code and error must agree. */
		tfy_error_free(e);
		e = tfy__error_out_of_memory();
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	if (err)
		*err = e;
	else
		tfy_error_free(e);
	return rc;
}

tfy_code tfy__call_hand_error(const tfy_client *client, tfy_code rc, tfy_error *e, tfy_error **err)
{
	return hand_error(client->secrets, rc, e, err);
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

/* What every error after a response shares: status, request id and kept headers. */
static int describe_response(tfy_error *e, const tfy__http_response *resp)
{
	e->http_status = (int32_t)resp->status;
	if (tfy__error_put_headers(e, resp->headers) < 0)
		return -1;
	return resp->request_id
	             ? tfy__error_put(&e->request_id, resp->request_id, strlen(resp->request_id))
	             : 0;
}

static tfy_error *http_error(const tfy__http_response *resp)
{
	tfy_code code = tfy__code_for_status(resp->status);
	tfy_error *e = tfy__error_new(code, "%s", tfy_strerror(code));
	if (!e || describe_response(e, resp) < 0 || set_status_message(e, resp->status) < 0)
		goto oom;
	int envelope = tfy__decode_error_body(resp->body, resp->body_len, e);
	if (envelope < 0 || tfy__error_put_body(e, resp->body, resp->body_len) < 0)
		goto oom;
	if (e->api_message && tfy__error_reformat(e, "%s: %s", e->message, e->api_message) < 0)
		goto oom;
	return e;
oom:
	tfy_error_free(e);
	return NULL;
}

static tfy_error *decode_error(tfy_code code, const tfy__http_response *resp, const char *detail)
{
	if (code == TFY_ERROR_OUT_OF_MEMORY)
		return NULL;
	tfy_error *e = tfy__error_new(code, "%s: %s", tfy_strerror(code), detail);
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

/* Turns a complete response into the result, or into the error it stands for. */
static tfy_code read_response(const tfy__http_response *resp, tfy__decode_fn decode, void **out,
                              tfy_error **e)
{
	char detail[DETAIL_MAX] = "";
	tfy_code rc = tfy__code_for_status(resp->status);
	if (rc != TFY_OK) {
		*e = http_error(resp);
		return *e ? rc : TFY_ERROR_OUT_OF_MEMORY;
	}
	rc = decode(resp, out, detail, sizeof(detail));
	if (rc != TFY_OK)
		*e = decode_error(rc, resp, detail);
	return rc != TFY_OK && !*e ? TFY_ERROR_OUT_OF_MEMORY : rc;
}

/* What a failed attempt's response said about trying again. */
typedef struct outcome {
	long status;
	int64_t retry_after_ms;
	int should_retry;
	int sent;         /* 0 when the attempt stopped before sending anything */
	int reached;      /* the request may have reached the server (it went out) */
	int64_t sunk;     /* bytes a download gave its sink */
	int64_t uploaded; /* bytes an upload took from its reader */
} outcome;

/* The next attempt's timeout: 0 for none (a transfer's default), -1 when the deadline passed. */
static int64_t attempt_timeout(const tfy__call *call)
{
	if (!call->deadline)
		return call->timeout_ms;
	int64_t left = call->deadline - tfy__now_ms();
	if (left <= 0)
		return -1;
	return call->timeout_ms && call->timeout_ms < left ? call->timeout_ms : left;
}

static void log_attempt(const tfy__logger *log, const tfy__request *req, int attempt,
                        const tfy__call *call, const tfy__http_response *resp, int64_t took,
                        const char *detail)
{
	if (!tfy__log_enabled(log, TFY_LOG_DEBUG))
		return;
	if (resp->status)
		tfy__log(log, TFY_LOG_DEBUG, "%s %s -> %ld in %lld ms (request id %s, attempt %d/%d)",
		         req->method, req->url, resp->status, (long long)took,
		         resp->request_id ? resp->request_id : "-", attempt, call->max_retries + 1);
	else
		tfy__log(log, TFY_LOG_DEBUG, "%s %s -> failed in %lld ms: %s (attempt %d/%d)",
		         req->method, req->url, (long long)took, detail, attempt,
		         call->max_retries + 1);
}

static tfy__http_request http_request(const tfy_client *c, const tfy__request *req,
                                      const tfy__sending *s, const tfy__call *call, int64_t timeout)
{
	const tfy__http_request http = {
		.method = req->method,
		.body = req->body,
		.body_len = req->body_len,
		.upload = req->upload,
		.sink = req->sink,
		.url = req->url,
		.headers = s->headers,
		.headers_count = s->count,
		.safe_headers_count = req->safe_count,
		.connect_timeout_ms = c->connect_timeout_ms,
		.timeout_ms = timeout,
		.stall_timeout_ms = c->stall_timeout_ms,
		.tls_insecure = c->tls_insecure,
		.follow_redirects = c->follow_redirects,
		.ca_file = c->ca_file,
		.ca_path = c->ca_path,
		.max_body = c->max_body,
		/* The call outlives the request: a request sent early is the iterator's, as is its call. */
		.cancel = stop_asked,
		.cancel_userdata = (void *)call,
		.deadline = call->deadline,
		.network = &c->network,
		.fresh_connection = req->repeat == TFY__REPEAT_UNSENT,
		.keep = &c->keep,
	};
	return http;
}

/* A first attempt sent ahead (the iterator's prefetch), with the key it was sent with. */
struct tfy__early {
	tfy__flight *flight;
	char *key; /* TFY_CREDENTIAL_MAX bytes from the callback, or NULL */
};

void tfy__call_abandon_early(tfy__early *early)
{
	if (!early)
		return;
	tfy__transport_abandon(early->flight);
	if (early->key) {
		tfy__scrub(early->key, TFY_CREDENTIAL_MAX);
		tfy__free(early->key);
	}
	tfy__free(early);
}

/* Sends the attempt now, with the call's key. */
static tfy_code send_now(tfy_client *c, const tfy__request *req, const tfy__call *call,
                         const tfy__call_key *k, int64_t timeout, tfy__http_response *resp,
                         char *detail, size_t detail_size)
{
	tfy__sending s;
	tfy_code rc = TFY_ERROR_OUT_OF_MEMORY;
	snprintf(detail, detail_size, "out of memory");
	if (tfy__sending_prepare(c, req, k, &s) == 0) {
		const tfy__http_request http = http_request(c, req, &s, call, timeout);
		rc = tfy__transport_send(c->transport, &http, resp, detail, detail_size);
	}
	tfy__sending_clear(&s);
	return rc;
}

/*
 * One attempt: the request sent early when there is one (its answer counts
 * as this attempt, whatever it is), else a request sent now.
 */
static tfy_code attempt_once(tfy_client *c, const tfy__request *req, const tfy__call *call,
                             int attempt, tfy__early **early, tfy__decode_fn decode, void **out,
                             tfy_error **e, outcome *oc, tfy__call_key *k, int32_t refresh)
{
	int64_t timeout = attempt_timeout(call);
	/* Asked before anything is sent, so that a call cancelled already sends nothing. */
	if (timeout < 0 || tfy__call_cancelled(call)) {
		tfy__call_abandon_early(*early);
		*early = NULL;
		tfy_code stop = timeout < 0 ? TFY_ERROR_TIMEOUT : TFY_ERROR_CANCELLED;
		*e = transport_error(stop, timeout < 0 ? "the call's deadline passed"
		                                       : "cancelled by the caller");
		return stop;
	}
	if (*early && tfy__transport_inherited((*early)->flight)) {
		/* Sent before a fork: its answer is the parent's to read. */
		tfy__call_abandon_early(*early);
		*early = NULL;
	}
	tfy__http_response resp = { 0 };
	char detail[DETAIL_MAX] = "";
	int64_t start = tfy__now_ms();
	tfy_code rc;
	oc->sent = 1;
	if (*early) {
		if ((*early)->key)
			tfy__call_key_take(k, (*early)->key);
		(*early)->key = NULL;
		rc = tfy__transport_finish((*early)->flight, &resp, detail, sizeof(detail));
		(*early)->flight = NULL;
		tfy__call_abandon_early(*early);
		*early = NULL;
	} else if (c->credential && (rc = tfy__call_key_ask(c, k, refresh, e)) != TFY_OK) {
		oc->sent = 0; /* no key: nothing was sent */
		return rc;
	} else {
		rc = send_now(c, req, call, k, timeout, &resp, detail, sizeof(detail));
	}
	/* The logger masks the secrets and shows control characters as \xHH itself. */
	log_attempt(&k->log, req, attempt, call, &resp, tfy__now_ms() - start, detail);
	/* The request id and kept headers reach results and errors: masked, cut and cleaned once, here. */
	if (rc == TFY_OK &&
	    (tfy__text_finish((const char **)&resp.request_id, TFY__REQUEST_ID_MAX, 0, k->secrets) < 0 ||
	     tfy__headers_finish(resp.headers, k->secrets) < 0)) {
		tfy__http_response_clear(&resp);
		snprintf(detail, sizeof(detail), "out of memory");
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	oc->reached = resp.sent;
	oc->sunk = resp.sunk;
	oc->uploaded = resp.uploaded;
	if (rc != TFY_OK) {
		*e = transport_error(rc, detail);
		return rc;
	}
	oc->status = resp.status;
	oc->retry_after_ms = tfy__retry_after_ms(resp.retry_after_ms, resp.retry_after, time(NULL));
	oc->should_retry = tfy__should_retry_header(resp.should_retry);
	rc = read_response(&resp, decode, out, e);
	tfy__http_response_clear(&resp);
	return rc;
}

/* What the failed attempt means for its request: the one rule, in retry.c. */
static tfy__verdict verdict_of(const tfy__request *req, tfy_code rc, const outcome *oc)
{
	return tfy__attempt_verdict(req->repeat == TFY__REPEAT_UNSENT, rc, oc->status,
	                            oc->should_retry, oc->reached);
}

/* Why the body cannot be sent or received again, or NULL. */
static const char *cannot_repeat(const tfy__request *req, const outcome *oc)
{
	if (req->upload && oc->uploaded > 0 && !req->upload->rewind)
		return "part of the file to upload was already read from a reader that cannot rewind";
	if (req->sink && oc->sunk > 0 && !req->sink->rewind)
		return "part of the download was already given to the writer";
	return NULL;
}

/* The wait a retry-after of wait_ms leads to under the client's policy: -1 for backoff. */
static int64_t server_delay(const tfy_client *c, int64_t wait_ms)
{
	if (wait_ms <= c->retry_after_max_ms)
		return wait_ms;
	return c->retry_after_policy == TFY_RETRY_AFTER_CLAMP ? c->retry_after_max_ms : -1;
}

/* Why no further attempt is made, or NULL when one is.  Sets *delay. */
static const char *no_retry_reason(const tfy_client *c, const tfy__call *call,
                                   const tfy__request *req, tfy__verdict verdict, int retries,
                                   const outcome *oc, uint64_t *seed, int64_t *delay)
{
	if (verdict != TFY__VERDICT_RETRY || retries >= call->max_retries)
		return "";
	const char *why = cannot_repeat(req, oc);
	if (why)
		return why;
	if (oc->retry_after_ms > c->retry_after_max_ms && c->retry_after_policy == TFY_RETRY_AFTER_FAIL)
		return "the server's retry delay is longer than retry_after_max_ms";
	int64_t wait = server_delay(c, oc->retry_after_ms);
	*delay = wait >= 0 ? wait
	                   : tfy__backoff_ms(c->backoff_initial_ms, c->backoff_max_ms, retries,
	                                     tfy__random_unit(seed));
	if (call->deadline && tfy__add_ms(tfy__now_ms(), *delay) >= call->deadline)
		return "no time is left before the deadline for another attempt";
	return NULL;
}

/* Notes on e why the call gave up, after how many attempts; 0, or -1 on OOM. */
static int finish_error(tfy_error *e, int attempt, const outcome *oc, const char *reason)
{
	if (!e)
		return -1;
	e->attempts = attempt;
	e->retry_after_ms = oc->retry_after_ms;
	if (attempt > 1 || *reason)
		return tfy__error_reformat(e, "%s (%d attempt%s%s%s)", e->message, attempt,
		                           attempt > 1 ? "s" : "", *reason ? "; " : "", reason);
	return 0;
}

/*
 * Tells on_retry about the coming retry: 1 when it says stop, 0 when not,
 * -1 when memory ran out readying its reason, which is the failure's
 * message masked and cleaned as the caller would get it.
 */
static int ask_on_retry(const tfy_client *c, const tfy__call_key *k, int attempt, tfy_code rc,
                        const outcome *oc, int64_t delay, tfy_error *e)
{
	if (!c->on_retry)
		return 0;
	if (!e || tfy__error_finish(e, k->secrets) < 0)
		return -1;
	const tfy_retry_info info = { attempt, (int32_t)oc->status, rc, 0, delay, e->message };
	return c->on_retry(c->on_retry_userdata, &info) != TFY_CANCEL_CONTINUE;
}

/* Sleeps before the next attempt; TFY_ERROR_CANCELLED (with *e replaced) when cancelled. */
static tfy_code back_off(const tfy__logger *log, const tfy__call *call, int attempt, int64_t delay,
                         const outcome *oc, tfy_error **e)
{
	tfy__log(log, TFY_LOG_INFO, "retrying in %lld ms (attempt %d of %d failed: %s)",
	         (long long)delay, attempt, call->max_retries + 1,
	         *e ? (*e)->message : "out of memory");
	tfy_error_free(*e);
	*e = NULL;
	if (tfy__call_sleep(call, delay) == TFY_OK)
		return TFY_OK;
	*e = transport_error(TFY_ERROR_CANCELLED, "cancelled by the caller during backoff");
	finish_error(*e, attempt, oc, "");
	return TFY_ERROR_CANCELLED;
}

/*
 * The error of a request that may have taken effect: TFY_ERROR_OUTCOME_UNKNOWN
 * in front, what happened to the attempt after it.
 */
static tfy_code unknown_outcome(tfy_error *e)
{
	if (!e)
		return TFY_ERROR_OUT_OF_MEMORY;
	const char *what = e->message;
	e->code = TFY_ERROR_OUTCOME_UNKNOWN;
	return tfy__error_reformat(e, "%s: %s", tfy_strerror(TFY_ERROR_OUTCOME_UNKNOWN), what) < 0
	             ? TFY_ERROR_OUT_OF_MEMORY
	             : TFY_ERROR_OUTCOME_UNKNOWN;
}

/* Puts the body's stream back to its start before an attempt after the first. */
static tfy_code rewind_streams(const tfy__request *req, const outcome *oc, tfy_error **e)
{
	int failed = (req->upload && oc->uploaded > 0 && req->upload->rewind(req->upload->userdata)) ||
	             (req->sink && oc->sunk > 0 && req->sink->rewind(req->sink->userdata));
	if (!failed)
		return TFY_OK;
	*e = transport_error(TFY_ERROR_IO, "the stream could not be rewound for another attempt");
	return *e ? TFY_ERROR_IO : TFY_ERROR_OUT_OF_MEMORY;
}

/*
 * A 401 to a key from the credential callback earns one more request, with
 * a key asked for with refresh = 1; it is not one of max_retries.  A body
 * that cannot be sent again gets none.
 */
static int refresh_key(const tfy_client *c, const tfy__call_key *k, const tfy__request *req,
                       int attempt, tfy_code rc, const outcome *oc, tfy_error **e)
{
	/* Running out of memory on the 401's error is no reason to try again: it ends the call. */
	if (!c->credential || oc->status != 401 || rc != TFY_ERROR_AUTHENTICATION ||
	    cannot_repeat(req, oc))
		return 0;
	tfy__log(&k->log, TFY_LOG_INFO,
	         "the server refused the key (HTTP 401, attempt %d): asking the credential callback "
	         "for a new one",
	         attempt);
	tfy_error_free(*e);
	*e = NULL;
	return 1;
}

/* Drops the call's error when memory ran out finishing it: the caller gets the static one. */
static tfy_code out_of_memory(tfy_error **e)
{
	tfy_error_free(*e);
	*e = NULL;
	return TFY_ERROR_OUT_OF_MEMORY;
}

static tfy_code run_attempts(tfy_client *c, const tfy__request *req, const tfy__call *call,
                             tfy__early *early, tfy__decode_fn decode, void **out, tfy_error **e,
                             tfy__call_key *k)
{
	uint64_t seed = (uint64_t)tfy__now_ms() ^ (uint64_t)(uintptr_t)&seed;
	int retries = 0, refreshed = 0;
	outcome oc = { 0, -1, -1, 0, 0, 0, 0 };
	for (int attempt = 1;; attempt++) {
		tfy_code rc = attempt > 1 ? rewind_streams(req, &oc, e) : TFY_OK;
		if (rc != TFY_OK)
			return finish_error(*e, attempt - 1, &oc, "") < 0 ? out_of_memory(e) : rc;
		oc = (outcome){ 0, -1, -1, 0, 0, 0, 0 };
		int32_t refresh = refreshed == 1;
		rc = attempt_once(c, req, call, attempt, &early, decode, out, e, &oc, k, refresh);
		if (rc == TFY_OK)
			return rc;
		tfy__verdict verdict = verdict_of(req, rc, &oc);
		if (verdict == TFY__VERDICT_UNKNOWN) {
			if (finish_error(*e, attempt, &oc,
			                 req->effect
			                         ? req->effect
			                         : "not repeated, since it may have taken effect") < 0 ||
			    unknown_outcome(*e) == TFY_ERROR_OUT_OF_MEMORY)
				return out_of_memory(e);
			return TFY_ERROR_OUTCOME_UNKNOWN;
		}
		refreshed += refreshed == 1;
		if (!refreshed && refresh_key(c, k, req, attempt, rc, &oc, e)) {
			refreshed = 1;
			continue;
		}
		int64_t delay = 0;
		const char *reason = no_retry_reason(c, call, req, verdict, retries, &oc, &seed,
		                                     &delay);
		int stop = reason ? 0 : ask_on_retry(c, k, attempt, rc, &oc, delay, *e);
		if (stop < 0)
			return out_of_memory(e);
		if (stop)
			reason = "on_retry stopped the retries";
		/* An attempt stopped before sending (deadline, cancel, no key) is no request made. */
		if (reason)
			return finish_error(*e, attempt - !oc.sent, &oc, reason) < 0
			             ? out_of_memory(e)
			             : rc;
		retries++;
		if (back_off(&k->log, call, attempt, delay, &oc, e) != TFY_OK)
			return TFY_ERROR_CANCELLED;
	}
}

tfy_code tfy__call_run(tfy_client *client, const tfy__request *req, const tfy__call *call,
                       tfy__early *early, tfy__decode_fn decode, void **out, tfy_error **err)
{
	tfy_error *e = NULL;
	*out = NULL;
	tfy__call_key k;
	tfy__call_key_init(&k, client);
	tfy_code rc = run_attempts(client, req, call, early, decode, out, &e, &k);
	rc = hand_error(k.secrets, rc, e, err);
	tfy__call_key_clear(&k);
	return rc;
}

tfy__early *tfy__call_send_early(tfy_client *client, const tfy__request *req, const tfy__call *call)
{
	int64_t timeout = attempt_timeout(call);
	if (timeout < 0 || tfy__call_cancelled(call))
		return NULL;
	tfy__early *early = tfy__calloc(1, sizeof(*early));
	tfy__call_key k;
	tfy__call_key_init(&k, client);
	tfy_error *e = NULL;
	tfy__sending s = { 0 };
	/* Whatever fails here, the call asks again when it needs the answer. */
	if (early && (!client->credential || tfy__call_key_ask(client, &k, 0, &e) == TFY_OK) &&
	    tfy__sending_prepare(client, req, &k, &s) == 0) {
		char detail[DETAIL_MAX];
		const tfy__http_request http = http_request(client, req, &s, call, timeout);
		if (tfy__transport_start(client->transport, &http, &early->flight, detail,
		                         sizeof(detail)) != TFY_OK)
			early->flight = NULL;
	}
	tfy__sending_clear(&s);
	tfy_error_free(e);
	if (!early || !early->flight) {
		tfy__free(early);
		tfy__call_key_clear(&k);
		return NULL;
	}
	early->key = k.buf; /* the key it was sent with, masked in its answer */
	return early;
}
