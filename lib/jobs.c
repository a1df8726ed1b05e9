/*
 * Create, retrieve and cancel a batch: each one request answered by one
 * batch (jobs.h).  Waiting is in wait.c, reconciling a create in reconcile.c.
 */
#include "tfy/jobs.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "batch_internal.h"
#include "decode.h"
#include "encode.h"
#include "error_internal.h"
#include "jobs_internal.h"
#include "retry.h"
#include "utf8.h"

/* Bytes of each version of tfy_batches_create_options, oldest first. */
static const size_t create_options_sizes[] = { sizeof(tfy_batches_create_options) };

tfy_code tfy_batches_create_options_init(tfy_batches_create_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, create_options_sizes,
	                         TFY_BATCHES_CREATE_OPTIONS_VERSION);
}

/* What decode_batch hands back: the batch and the delay its answer asked for. */
typedef struct answer {
	tfy_batch *batch;
	int64_t retry_after_ms;
} answer;

static tfy_code decode_batch(const tfy__http_response *resp, void **out, char *detail,
                             size_t detail_size)
{
	answer *a = tfy__malloc(sizeof(*a));
	if (!a)
		return TFY_ERROR_OUT_OF_MEMORY;
	a->retry_after_ms = tfy__retry_after_ms(resp->retry_after_ms, resp->retry_after, time(NULL));
	tfy_code rc = tfy__decode_batch(resp->body, resp->body_len, 1, &a->batch, detail,
	                                detail_size);
	/* The batch keeps its response's headers (tfy_batch_header). */
	if (rc == TFY_OK && tfy__batch_attach(a->batch, resp->headers) < 0) {
		tfy_batch_free(a->batch);
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	if (rc != TFY_OK) {
		tfy__free(a);
		a = NULL;
	}
	*out = a;
	return rc;
}

/*
 * A create's answer: a batch with an id.  Anything else in a 2xx (no JSON,
 * cut JSON, {}, an id that is not a string) fails to decode, which for a
 * create is an unknown outcome: the batch exists, unseen.
 */
static tfy_code decode_created(const tfy__http_response *resp, void **out, char *detail,
                               size_t detail_size)
{
	tfy_code rc = decode_batch(resp, out, detail, detail_size);
	answer *a = *out;
	if (rc != TFY_OK || (a->batch->id && *a->batch->id))
		return rc;
	tfy_batch_free(a->batch);
	tfy__free(a);
	*out = NULL;
	snprintf(detail, detail_size, "the answer is not a batch with an id");
	return TFY_ERROR_DECODE;
}

/* Runs req, its 2xx answer decoded by decode (decode_batch or decode_created). */
static tfy_code fetch(tfy_client *client, const tfy__request *req, const tfy__call *call,
                      tfy__decode_fn decode, tfy_batch **out, int64_t *retry_after_ms,
                      tfy_error **err)
{
	void *got = NULL;
	tfy_code rc = tfy__call_run(client, req, call, NULL, decode, &got, err);
	answer *a = got;
	*out = a ? a->batch : NULL;
	if (retry_after_ms)
		*retry_after_ms = a ? a->retry_after_ms : -1;
	tfy__free(a);
	return rc;
}

tfy_code tfy__batch_fetch(tfy_client *client, const tfy__request *req, const tfy__call *call,
                          tfy_batch **out, int64_t *retry_after_ms, tfy_error **err)
{
	return fetch(client, req, call, decode_batch, out, retry_after_ms, err);
}

/* Builds the request of ep under the call's options and runs it once (with retries). */
static tfy_code run_endpoint(tfy_client *client, const tfy_request_options *request,
                             const tfy__endpoint *ep, tfy__decode_fn decode, tfy_batch **out,
                             tfy_error **e)
{
	const tfy__options_pair pair = { request, &client->defaults };
	const tfy__target target = tfy__client_target(client);
	tfy__request req;
	tfy_code rc = tfy__request_build(&target, &pair, ep, &req, e);
	if (rc != TFY_OK)
		return rc;
	const tfy__call call = tfy__call_start(client, &pair);
	rc = fetch(client, &req, &call, decode, out, NULL, e);
	tfy__request_clear(&req);
	return rc;
}

/* Retrieve and cancel: method and path suffix on one batch id. */
static tfy_code batch_id_call(tfy_client *client, const char *method, const char *suffix,
                              const char *batch_id, const tfy_request_options *opts,
                              tfy_batch **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!client || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "client and out must not be NULL");
	tfy_request_options request;
	tfy__buf path = TFY__BUF_INIT;
	tfy_error *e = NULL;
	tfy_code rc = tfy__request_options_read(opts, &request, &e);
	if (rc == TFY_OK)
		rc = tfy__resource_path(&path, "/batches", batch_id, "batch_id", suffix, &e);
	if (rc == TFY_OK) {
		/* A cancel is safe to repeat: a second one leaves the batch as the first did. */
		const tfy__endpoint ep = { .method = method, .path = path.data,
		                           .repeat = TFY__REPEAT_SAFE };
		rc = run_endpoint(client, &request, &ep, decode_batch, out, &e);
	}
	tfy__buf_clear(&path);
	return tfy__call_hand_error(client, rc, e, err);
}

tfy_code tfy_batches_retrieve(tfy_client *client, const char *batch_id,
                              const tfy_request_options *opts, tfy_batch **out, tfy_error **err)
{
	return batch_id_call(client, "GET", NULL, batch_id, opts, out, err);
}

tfy_code tfy_batches_cancel(tfy_client *client, const char *batch_id,
                            const tfy_request_options *opts, tfy_batch **out, tfy_error **err)
{
	return batch_id_call(client, "POST", "/cancel", batch_id, opts, out, err);
}

/* A required or optional text option: UTF-8, and (when `token`) no blank or control character. */
static tfy_code check_text(const char *s, const char *name, int required, int token,
                           tfy_error **err)
{
	if (!s)
		return required ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                                 "%s must not be NULL", name)
		                : TFY_OK;
	if (!*s)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s must not be empty", name);
	if (!tfy__utf8_ok(s))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s must be UTF-8", name);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (token && *p == ' '))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "%s must not hold a %s", name,
			                      *p == ' ' ? "blank" : "control character");
	return TFY_OK;
}

static tfy_code check_metadata(const tfy_pair *m, size_t n, tfy_error **err)
{
	if (n > TFY_BATCH_METADATA_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "metadata holds %zu pairs; the API takes at most %d", n,
		                      TFY_BATCH_METADATA_MAX);
	if (n && !m)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "metadata_count is not 0 but metadata is NULL");
	for (size_t i = 0; i < n; i++) {
		if (!m[i].name || !m[i].value || !*m[i].name || !tfy__utf8_ok(m[i].name) ||
		    !tfy__utf8_ok(m[i].value))
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "metadata[%zu]: key and value must be UTF-8, the key not empty",
			                      i);
		if (tfy__utf8_chars(m[i].name, strlen(m[i].name)) > TFY_BATCH_METADATA_KEY_MAX ||
		    tfy__utf8_chars(m[i].value, strlen(m[i].value)) > TFY_BATCH_METADATA_VALUE_MAX)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "metadata[%zu]: keys may hold %d characters, values %d", i,
			                      TFY_BATCH_METADATA_KEY_MAX, TFY_BATCH_METADATA_VALUE_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
				                      "metadata[%zu]: the key of metadata[%zu] again", i, j);
	}
	return TFY_OK;
}

static tfy_code check_create_options(const tfy_batches_create_options *o, tfy_error **err)
{
	if (o->reserved_ || o->reserved2_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_batches_create_options: reserved fields must be 0");
	tfy_code rc = tfy__id_check(o->input_file_id, "input_file_id", err);
	if (rc == TFY_OK)
		rc = check_text(o->endpoint, "endpoint", 1, 1, err);
	if (rc == TFY_OK && o->endpoint[0] != '/')
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                    "endpoint must be a path starting with \"/\", such as "
		                    "\"/v1/chat/completions\"");
	if (rc == TFY_OK)
		rc = check_text(o->completion_window, "completion_window", 0, 1, err);
	if (rc == TFY_OK)
		rc = check_metadata(o->metadata, o->metadata_count, err);
	if (rc == TFY_OK && o->output_expires_after_seconds &&
	    (o->output_expires_after_seconds < TFY_OUTPUT_EXPIRES_MIN_SECONDS ||
	     o->output_expires_after_seconds > TFY_OUTPUT_EXPIRES_MAX_SECONDS))
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                    "output_expires_after_seconds must be 0 (not sent) or %d to %d",
		                    TFY_OUTPUT_EXPIRES_MIN_SECONDS, TFY_OUTPUT_EXPIRES_MAX_SECONDS);
	if (rc == TFY_OK && o->reconcile != 0 && o->reconcile != 1 && o->reconcile != TFY_NONE)
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                    "reconcile must be 0 (the default), 1 or TFY_NONE");
	return rc;
}

/* The caller's options read and checked into *o, its request options into *request. */
static tfy_code read_create_options(const tfy_batches_create_options *src,
                                    tfy_batches_create_options *o, tfy_request_options *request,
                                    tfy_error **e)
{
	const tfy_batches_create_options defaults = TFY_BATCHES_CREATE_OPTIONS_INIT;
	*o = defaults;
	tfy_code rc = tfy__options_read(o, src, create_options_sizes,
	                                TFY_BATCHES_CREATE_OPTIONS_VERSION,
	                                "tfy_batches_create_options", e);
	if (rc == TFY_OK)
		rc = check_create_options(o, e);
	if (rc == TFY_OK)
		rc = tfy__request_options_read(o->request, request, e);
	o->request = request;
	return rc;
}

/* Unix seconds now, a create's start or end as the server's created_at would show it. */
static int64_t wall_seconds(void)
{
	return (int64_t)time(NULL);
}

tfy_code tfy_batches_create(tfy_client *client, const tfy_batches_create_options *opts,
                            tfy_batch **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!client || !opts || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "client, opts and out must not be NULL");
	tfy_batches_create_options o;
	tfy_request_options request;
	tfy__buf body = TFY__BUF_INIT;
	tfy_error *e = NULL;
	tfy_code rc = read_create_options(opts, &o, &request, &e);
	if (rc == TFY_OK && tfy__encode_create_body(&body, &o) < 0)
		rc = tfy__error_set(&e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	if (rc == TFY_OK) {
		const tfy__endpoint ep = { .method = "POST", .path = "/batches", .body = body.data,
		                           .body_len = body.len, .content_type = "application/json",
		                           .repeat = TFY__REPEAT_UNSENT };
		int64_t started = wall_seconds();
		rc = run_endpoint(client, &request, &ep, decode_created, out, &e);
		if (rc == TFY_ERROR_OUTCOME_UNKNOWN)
			rc = o.reconcile != TFY_NONE
			         ? tfy__create_reconcile(client, &o, started, wall_seconds(), out, &e)
			         : tfy__create_not_reconciled(&o, "reconcile is off", &e);
	}
	tfy__buf_clear(&body);
	return tfy__call_hand_error(client, rc, e, err);
}
