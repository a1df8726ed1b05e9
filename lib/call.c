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
#include "loop.h"
#include "retry.h"

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
	char detail[TFY__DETAIL_MAX] = "";
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

/*
 * The attempts of one request as a state machine, advanced by a loop
 * (loop.h): the blocking call drives a loop of its own with one, an op
 * shares its loop with others.  Each stage does what the attempt loop did
 * in order, never waiting: an attempt begins (deadline and cancel asked,
 * key asked, request started on the loop's hub), its flight is in the air,
 * its answer is judged (decode or the one retry rule), the backoff passes.
 */
typedef enum stage {
	STAGE_ATTEMPT,  /* the next attempt begins at the next advance */
	STAGE_SENDING,  /* its flight is in the air */
	STAGE_ANSWERED, /* its flight ended: to be judged */
	STAGE_BACKOFF,  /* waiting for wake before the next attempt */
	STAGE_OVER      /* rc, out and e hold the result */
} stage;

struct tfy__attempts {
	tfy__task task; /* the loop's handle on it */
	tfy_client *client;
	const tfy__request *req;
	tfy__call call;
	tfy__decode_fn decode;
	tfy__attempts_end_fn end; /* NULL: the owner looks at the stage itself */
	void *userdata;
	stage stage;
	int attempt; /* attempts begun */
	int retries;
	int refreshed; /* 1: the next attempt has a refreshed key; 2: it had */
	int cancelled; /* tfy__call_attempts_cancel */
	uint64_t seed;
	outcome oc;
	tfy__flight *flight; /* STAGE_SENDING */
	int64_t started;     /* the attempt's send, for its log line */
	int64_t wake;        /* STAGE_BACKOFF: when the next attempt may begin */
	tfy_code answer;     /* STAGE_ANSWERED: how the flight ended */
	tfy__http_response resp;
	char detail[TFY__DETAIL_MAX];
	tfy_code rc; /* STAGE_OVER */
	void *out;
	tfy_error *e;
	tfy__call_key k; /* points into itself: the machine never moves */
};

static int stop_wanted(const tfy__attempts *a)
{
	return a->cancelled || tfy__call_cancelled(&a->call);
}

/* stop_wanted as the transport's polls ask it, the machine as userdata. */
static int32_t attempts_stop_asked(void *a)
{
	return stop_wanted(a);
}

static tfy__http_request http_request(const tfy__attempts *a, const tfy__sending *s, int64_t timeout)
{
	const tfy_client *c = a->client;
	const tfy__request *req = a->req;
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
		.cancel = attempts_stop_asked,
		.cancel_userdata = (void *)a,
		.deadline = a->call.deadline,
		.network = &c->network,
		.fresh_connection = req->repeat == TFY__REPEAT_UNSENT,
		.keep = &c->keep,
	};
	return http;
}

static void over(tfy__attempts *a, tfy_code rc)
{
	a->rc = rc;
	a->stage = STAGE_OVER;
}

/* The flight's report: the answer waits in the machine until the loop advances it. */
/* cppcheck-suppress constParameter ; the type of tfy__flight_done_fn */
static void flight_ended(void *userdata, tfy_code rc, tfy__http_response *resp, const char *detail)
{
	tfy__attempts *a = userdata;
	a->flight = NULL;
	a->answer = rc;
	a->resp = *resp;
	snprintf(a->detail, sizeof(a->detail), "%s", detail);
	a->stage = STAGE_ANSWERED;
}

/* Starts the attempt's request on the loop's hub, with the call's key. */
static void send_attempt(tfy__attempts *a, int64_t timeout)
{
	tfy__sending s;
	tfy_code rc = TFY_ERROR_OUT_OF_MEMORY;
	snprintf(a->detail, sizeof(a->detail), "out of memory");
	a->started = tfy__now_ms();
	if (tfy__sending_prepare(a->client, a->req, &a->k, &s) == 0) {
		const tfy__http_request http = http_request(a, &s, timeout);
		rc = tfy__hub_start(tfy__loop_hub(a->task.loop), &http, flight_ended, a, &a->flight,
		                    a->detail, sizeof(a->detail));
	}
	tfy__sending_clear(&s);
	if (rc == TFY_OK) {
		a->stage = STAGE_SENDING;
		return;
	}
	memset(&a->resp, 0, sizeof(a->resp));
	a->answer = rc;
	a->stage = STAGE_ANSWERED;
}

static void judge(tfy__attempts *a, tfy_code rc);

/* Sets the backoff before the next attempt; its error is logged and dropped. */
static void back_off(tfy__attempts *a, int64_t delay)
{
	tfy__log(&a->k.log, TFY_LOG_INFO, "retrying in %lld ms (attempt %d of %d failed: %s)",
	         (long long)delay, a->attempt, a->call.max_retries + 1,
	         a->e ? a->e->message : "out of memory");
	tfy_error_free(a->e);
	a->e = NULL;
	a->wake = tfy__add_ms(tfy__now_ms(), delay);
	a->stage = STAGE_BACKOFF;
}

/* The backoff's end: the next attempt, unless the caller stopped the call meanwhile. */
static void backoff_over(tfy__attempts *a)
{
	if (!stop_wanted(a)) {
		a->stage = STAGE_ATTEMPT;
		return;
	}
	a->e = transport_error(TFY_ERROR_CANCELLED, "cancelled by the caller during backoff");
	finish_error(a->e, a->attempt, &a->oc, "");
	over(a, TFY_ERROR_CANCELLED);
}

/* A new attempt: the streams rewound, the deadline and cancel asked, the key asked, then sent. */
static void begin_attempt(tfy__attempts *a)
{
	tfy_code rc = a->attempt > 0 ? rewind_streams(a->req, &a->oc, &a->e) : TFY_OK;
	if (rc != TFY_OK) {
		over(a, finish_error(a->e, a->attempt, &a->oc, "") < 0 ? out_of_memory(&a->e) : rc);
		return;
	}
	a->attempt++;
	a->oc = (outcome){ 0, -1, -1, 0, 0, 0, 0 };
	int64_t timeout = attempt_timeout(&a->call);
	/* Asked before anything is sent, so that a call cancelled already sends nothing. */
	if (timeout < 0 || stop_wanted(a)) {
		tfy_code stop = timeout < 0 ? TFY_ERROR_TIMEOUT : TFY_ERROR_CANCELLED;
		a->e = transport_error(stop, timeout < 0 ? "the call's deadline passed"
		                                         : "cancelled by the caller");
		judge(a, stop);
		return;
	}
	a->oc.sent = 1;
	if (a->client->credential &&
	    (rc = tfy__call_key_ask(a->client, &a->k, a->refreshed == 1, &a->e)) != TFY_OK) {
		a->oc.sent = 0; /* no key: nothing was sent */
		judge(a, rc);
		return;
	}
	send_attempt(a, timeout);
}

/* The attempt's flight ended: its log line, then the answer decoded or judged. */
static void answered(tfy__attempts *a)
{
	tfy__http_response *resp = &a->resp;
	tfy_code rc = a->answer;
	if (rc == TFY_OK && a->cancelled) {
		/* Stopped by its owner once the answer was in: as if stopped in flight. */
		int sent = resp->sent;
		int64_t sunk = resp->sunk, uploaded = resp->uploaded;
		tfy__http_response_clear(resp);
		*resp = (tfy__http_response){ .sent = sent, .sunk = sunk, .uploaded = uploaded };
		snprintf(a->detail, sizeof(a->detail), "cancelled by the caller");
		rc = TFY_ERROR_CANCELLED;
	}
	/* The logger masks the secrets and shows control characters as \xHH itself. */
	log_attempt(&a->k.log, a->req, a->attempt, &a->call, resp, tfy__now_ms() - a->started,
	            a->detail);
	/* The request id and kept headers reach results and errors: masked, cut and cleaned once, here. */
	if (rc == TFY_OK && (tfy__text_finish((const char **)&resp->request_id, TFY__REQUEST_ID_MAX,
	                                      0, a->k.secrets) < 0 ||
	                     tfy__headers_finish(resp->headers, a->k.secrets) < 0)) {
		tfy__http_response_clear(resp);
		snprintf(a->detail, sizeof(a->detail), "out of memory");
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	a->oc.reached = resp->sent;
	a->oc.sunk = resp->sunk;
	a->oc.uploaded = resp->uploaded;
	if (rc != TFY_OK) {
		tfy__http_response_clear(resp);
		a->e = transport_error(rc, a->detail);
		judge(a, rc);
		return;
	}
	a->oc.status = resp->status;
	a->oc.retry_after_ms = tfy__retry_after_ms(resp->retry_after_ms, resp->retry_after, time(NULL));
	a->oc.should_retry = tfy__should_retry_header(resp->should_retry);
	rc = read_response(resp, a->decode, &a->out, &a->e);
	tfy__http_response_clear(resp);
	judge(a, rc);
}

/* What a failed attempt leads to: the end of the call, a refreshed key, or a backoff. */
static void judge(tfy__attempts *a, tfy_code rc)
{
	const tfy_client *c = a->client;
	const tfy__request *req = a->req;
	const outcome *oc = &a->oc;
	if (rc == TFY_OK) {
		over(a, rc);
		return;
	}
	tfy__verdict verdict = verdict_of(req, rc, oc);
	if (verdict == TFY__VERDICT_UNKNOWN) {
		if (finish_error(a->e, a->attempt, oc,
		                 req->effect ? req->effect
		                             : "not repeated, since it may have taken effect") < 0 ||
		    unknown_outcome(a->e) == TFY_ERROR_OUT_OF_MEMORY)
			over(a, out_of_memory(&a->e));
		else
			over(a, TFY_ERROR_OUTCOME_UNKNOWN);
		return;
	}
	a->refreshed += a->refreshed == 1;
	if (!a->refreshed && refresh_key(c, &a->k, req, a->attempt, rc, oc, &a->e)) {
		a->refreshed = 1;
		a->stage = STAGE_ATTEMPT;
		return;
	}
	int64_t delay = 0;
	const char *reason = no_retry_reason(c, &a->call, req, verdict, a->retries, oc, &a->seed,
	                                     &delay);
	int stop = reason ? 0 : ask_on_retry(c, &a->k, a->attempt, rc, oc, delay, a->e);
	if (stop < 0) {
		over(a, out_of_memory(&a->e));
		return;
	}
	if (stop)
		reason = "on_retry stopped the retries";
	/* An attempt stopped before sending (deadline, cancel, no key) is no request made. */
	if (reason) {
		over(a, finish_error(a->e, a->attempt - !oc->sent, oc, reason) < 0
		                ? out_of_memory(&a->e)
		                : rc);
		return;
	}
	a->retries++;
	back_off(a, delay);
}

static int advance(tfy__task *task)
{
	tfy__attempts *a = (tfy__attempts *)task;
	for (;;) {
		switch (a->stage) {
		case STAGE_ATTEMPT: begin_attempt(a); break;
		case STAGE_SENDING: return 0;
		case STAGE_ANSWERED: answered(a); break;
		case STAGE_BACKOFF:
			/* Asked at every step, as the blocking sleep asked between its slices. */
			if (!stop_wanted(a) && tfy__now_ms() < a->wake)
				return 0;
			backoff_over(a);
			break;
		case STAGE_OVER: return 1;
		}
	}
}

static int64_t wake(const tfy__task *task)
{
	const tfy__attempts *a = (const tfy__attempts *)task;
	if (a->cancelled && a->stage != STAGE_SENDING)
		return tfy__now_ms(); /* stopped by its owner: over at the next step */
	switch (a->stage) {
	case STAGE_SENDING: return 0;
	case STAGE_BACKOFF: return a->wake;
	default: return tfy__now_ms();
	}
}

static void ended(tfy__task *task, int dropped)
{
	tfy__attempts *a = (tfy__attempts *)task;
	if (a->end)
		a->end(a->userdata, a, dropped);
}

/* The caller's cancel question is asked between steps: while there is one, steps come often. */
static int polls(const tfy__task *task)
{
	const tfy__attempts *a = (const tfy__attempts *)task;
	return a->call.cancel != NULL || a->call.cancel_token != NULL;
}

static const tfy__task_kind attempts_kind = { advance, wake, ended, polls };

tfy__attempts *tfy__call_attempts_start(tfy__loop *loop, const tfy__request *req,
                                        const tfy__call *call, tfy__decode_fn decode,
                                        tfy__attempts_end_fn end, void *userdata)
{
	tfy__attempts *a = tfy__calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->client = tfy__loop_client(loop);
	a->req = req;
	a->call = *call;
	a->decode = decode;
	a->end = end;
	a->userdata = userdata;
	a->seed = (uint64_t)tfy__now_ms() ^ (uint64_t)(uintptr_t)a;
	a->oc = (outcome){ 0, -1, -1, 0, 0, 0, 0 };
	tfy__call_key_init(&a->k, a->client);
	tfy__loop_add(loop, &a->task, &attempts_kind);
	return a;
}

void tfy__call_attempts_cancel(tfy__attempts *a)
{
	a->cancelled = 1;
	if (a->flight)
		tfy__flight_cancel(a->flight);
}

tfy_code tfy__call_attempts_result(tfy__attempts *a, void **out, tfy_error **err)
{
	*out = a->out;
	a->out = NULL;
	tfy_error *e = a->e;
	a->e = NULL;
	return hand_error(a->k.secrets, a->stage == STAGE_OVER ? a->rc : TFY_ERROR_CANCELLED, e, err);
}

void tfy__call_attempts_free(tfy__attempts *a)
{
	if (!a)
		return;
	tfy__loop_remove(&a->task);
	tfy__flight_abandon(a->flight);
	tfy__http_response_clear(&a->resp);
	tfy_error_free(a->e);
	tfy__call_key_clear(&a->k);
	tfy__free(a);
}

/* A first attempt sent ahead (the iterator's prefetch): a loop of its own with the attempts. */
struct tfy__early {
	tfy__loop *loop;
	tfy__attempts *a;
};

void tfy__call_abandon_early(tfy__early *early)
{
	if (!early)
		return;
	tfy__call_attempts_free(early->a);
	tfy__loop_free(early->loop);
	tfy__free(early);
}

/* Drives a's loop until a is over; returns its result. */
static tfy_code drive(tfy__loop *loop, tfy__attempts *a, void **out, tfy_error **err)
{
	while (a->stage != STAGE_OVER && tfy__loop_run(loop, -1) > 0)
		;
	tfy_code rc = tfy__call_attempts_result(a, out, err);
	tfy__call_attempts_free(a);
	tfy__loop_free(loop);
	return rc;
}

tfy_code tfy__call_run(tfy_client *client, const tfy__request *req, const tfy__call *call,
                       tfy__early *early, tfy__decode_fn decode, void **out, tfy_error **err)
{
	*out = NULL;
	/*
	 * A request sent before a fork is the parent's to read; one whose call
	 * ran out of time or was cancelled meanwhile is dropped: the attempt
	 * then fails as it begins, sending nothing.
	 */
	if (early && (tfy__loop_inherited(early->loop) || attempt_timeout(call) < 0 ||
	              tfy__call_cancelled(call))) {
		tfy__call_abandon_early(early);
		early = NULL;
	}
	if (early) {
		tfy__loop *loop = early->loop;
		tfy__attempts *a = early->a;
		tfy__free(early);
		a->call = *call;
		a->decode = decode;
		return drive(loop, a, out, err);
	}
	tfy__loop *loop = tfy__loop_new(client);
	tfy__attempts *a = loop ? tfy__call_attempts_start(loop, req, call, decode, NULL, NULL) : NULL;
	if (!a) {
		tfy__loop_free(loop);
		return hand_error(client->secrets, TFY_ERROR_OUT_OF_MEMORY, NULL, err);
	}
	return drive(loop, a, out, err);
}

tfy__early *tfy__call_send_early(tfy_client *client, const tfy__request *req, const tfy__call *call,
                                 tfy__decode_fn decode)
{
	if (attempt_timeout(call) < 0 || tfy__call_cancelled(call))
		return NULL;
	tfy__early *early = tfy__calloc(1, sizeof(*early));
	if (!early)
		return NULL;
	early->loop = tfy__loop_new(client);
	early->a = early->loop ? tfy__call_attempts_start(early->loop, req, call, decode, NULL, NULL)
	                       : NULL;
	/*
	 * Only the first attempt begins here (key, send), and the hub sends it;
	 * its answer is judged when the call asks for it.  Whatever fails here,
	 * the call asks again when it needs the answer.
	 */
	if (early->a) {
		begin_attempt(early->a);
		if (early->a->stage == STAGE_SENDING) {
			tfy__hub_perform(tfy__loop_hub(early->loop));
			return early;
		}
	}
	tfy__call_abandon_early(early);
	return NULL;
}
