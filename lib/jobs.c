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
#include "arena.h"
#include "async_internal.h"
#include "batch_internal.h"
#include "batches_internal.h"
#include "decode.h"
#include "encode.h"
#include "error_internal.h"
#include "jobs_internal.h"
#include "options.h"
#include "retry.h"
#include "utf8.h"

/* Bytes of each version of tfy_batches_create_options, oldest first. */
static const size_t create_options_sizes[] = { sizeof(tfy_batches_create_options) };

tfy_code tfy_batches_create_options_init(tfy_batches_create_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, create_options_sizes,
	                         TFY_BATCHES_CREATE_OPTIONS_VERSION);
}

/* A batch that owns itself, keeping its response's headers (tfy_batch_header). */
static tfy_code decode_batch(const tfy__http_response *resp, void **out, char *detail, size_t detail_size)
{
	tfy_batch *batch = NULL;
	tfy_code rc = tfy__decode_batch(resp->body, resp->body_len, 1, &batch, detail, detail_size);
	if (rc == TFY_OK && tfy__batch_attach(batch, resp->headers) < 0) {
		tfy_batch_free(batch);
		batch = NULL;
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	*out = batch;
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
	tfy_batch *batch = *out;
	if (rc != TFY_OK || (batch->id && *batch->id))
		return rc;
	tfy_batch_free(batch);
	*out = NULL;
	snprintf(detail, detail_size, "the answer is not a batch with an id");
	return TFY_ERROR_DECODE;
}

static tfy_code decode_polled(const tfy__http_response *resp, void **out, char *detail,
                              size_t detail_size)
{
	tfy__polled *p = tfy__malloc(sizeof(*p));
	if (!p)
		return TFY_ERROR_OUT_OF_MEMORY;
	p->retry_after_ms = tfy__retry_after_ms(resp->retry_after_ms, resp->retry_after, time(NULL));
	void *batch = NULL;
	tfy_code rc = decode_batch(resp, &batch, detail, detail_size);
	p->batch = batch;
	if (rc != TFY_OK) {
		tfy__free(p);
		p = NULL;
	}
	*out = p;
	return rc;
}

static const tfy__endpoint retrieve_endpoint = {
	.method = "GET",
	.collection = "/batches",
	.id_name = "batch_id",
	.decode = decode_batch,
};

/* A cancel is safe to repeat: a second one leaves the batch as the first did. */
static const tfy__endpoint cancel_endpoint = {
	.method = "POST",
	.collection = "/batches",
	.id_name = "batch_id",
	.suffix = "/cancel",
	.decode = decode_batch,
};

const tfy__endpoint tfy__jobs_create_endpoint = {
	.method = "POST",
	.collection = "/batches",
	.body = TFY__BODY_JSON,
	.decode = decode_created,
	.repeat = TFY__REPEAT_UNSENT,
};

/* Retrieve, as a wait polls it. */
const tfy__endpoint tfy__jobs_poll_endpoint = {
	.method = "GET",
	.collection = "/batches",
	.id_name = "batch_id",
	.decode = decode_polled,
};

void tfy__batch_polled_take(void *got, tfy_batch **out, int64_t *retry_after_ms)
{
	tfy__polled *p = got;
	*out = p ? p->batch : NULL;
	*retry_after_ms = p ? p->retry_after_ms : -1;
	tfy__free(p);
}

tfy_code tfy__batch_poll(tfy_client *client, const char *batch_id, const tfy__options_pair *pair,
                         const tfy__call *call, tfy_batch **out, int64_t *retry_after_ms,
                         tfy_error **err)
{
	const tfy__endpoint_args args = { .id = batch_id };
	void *got = NULL;
	tfy_code rc = tfy__endpoint_run(client, &tfy__jobs_poll_endpoint, &args, pair, call, NULL,
	                                &got, err);
	tfy__batch_polled_take(got, out, retry_after_ms);
	return rc;
}

tfy_code tfy__batch_poll_check(tfy_client *client, const char *batch_id,
                               const tfy__options_pair *pair, tfy_error **e)
{
	const tfy__endpoint_args args = { .id = batch_id };
	tfy__request req;
	tfy_code rc = tfy__endpoint_build(client, &tfy__jobs_poll_endpoint, &args, pair, &req, e);
	tfy__request_clear(&req);
	return rc;
}

int tfy__batch_poll_op(tfy_async_call *c, const char *batch_id, const tfy__options_pair *pair,
                       const tfy__call *call)
{
	const tfy__endpoint_args args = { .id = batch_id };
	return tfy__async_op(c, &tfy__jobs_poll_endpoint, &args, pair, call);
}

/* Retrieve and cancel: ep on one batch id. */
static tfy_code on_batch(tfy_client *client, const tfy__endpoint *ep, const char *batch_id,
                         const tfy_request_options *opts, tfy_batch **out, tfy_error **err)
{
	tfy__entry en = { .ep = ep,
		          .needs = "client and out",
		          .missing = !out,
		          .request = opts,
		          .args = { .id = batch_id } };
	void *batch;
	tfy_code rc = tfy__endpoint_enter(client, &en, &batch, err);
	if (out)
		*out = batch;
	return rc;
}

/* The start form of retrieve and cancel: the same entry as on_batch's, as an op. */
static tfy_code on_batch_start(tfy_async *async, const tfy__endpoint *ep, const char *batch_id,
                               const tfy_request_options *opts, tfy_async_batch_fn done,
                               void *userdata, tfy_async_call **call, tfy_error **err)
{
	tfy__entry en = { .ep = ep, .needs = "the client", .request = opts, .args = { .id = batch_id } };
	return tfy__async_start(async, &en, tfy__async_end_batch, (tfy__any_fn)done, userdata, call,
	                        err);
}

tfy_code tfy_batches_retrieve_start(tfy_async *async, const char *batch_id,
                                    const tfy_request_options *request, tfy_async_batch_fn done,
                                    void *userdata, tfy_async_call **call, tfy_error **err)
{
	return on_batch_start(async, &retrieve_endpoint, batch_id, request, done, userdata, call, err);
}

tfy_code tfy_batches_cancel_start(tfy_async *async, const char *batch_id,
                                  const tfy_request_options *request, tfy_async_batch_fn done,
                                  void *userdata, tfy_async_call **call, tfy_error **err)
{
	return on_batch_start(async, &cancel_endpoint, batch_id, request, done, userdata, call, err);
}

tfy_code tfy_batches_retrieve(tfy_client *client, const char *batch_id,
                              const tfy_request_options *opts, tfy_batch **out, tfy_error **err)
{
	return on_batch(client, &retrieve_endpoint, batch_id, opts, out, err);
}

tfy_code tfy_batches_cancel(tfy_client *client, const char *batch_id,
                            const tfy_request_options *opts, tfy_batch **out, tfy_error **err)
{
	return on_batch(client, &cancel_endpoint, batch_id, opts, out, err);
}

/* A required or optional text option: UTF-8, and (when `token`) no blank or control character. */
static tfy_code check_text(const char *s, const char *name, int required, int token, tfy_error **err)
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
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s must not hold a %s",
			                      name, *p == ' ' ? "blank" : "control character");
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
			                      "metadata[%zu]: keys may hold %d characters, values %d",
			                      i, TFY_BATCH_METADATA_KEY_MAX,
			                      TFY_BATCH_METADATA_VALUE_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
				                      "metadata[%zu]: the key of metadata[%zu] again",
				                      i, j);
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

/* The caller's options read and checked into *o (not yet their request options). */
static tfy_code read_create_options(const tfy_batches_create_options *src,
                                    tfy_batches_create_options *o, tfy_error **e)
{
	const tfy_batches_create_options defaults = TFY_BATCHES_CREATE_OPTIONS_INIT;
	*o = defaults;
	tfy_code rc = tfy__options_read(o, src, create_options_sizes,
	                                TFY_BATCHES_CREATE_OPTIONS_VERSION,
	                                "tfy_batches_create_options", e);
	return rc == TFY_OK ? check_create_options(o, e) : rc;
}

/* Unix seconds now, a create's start or end as the server's created_at would show it. */
static int64_t wall_seconds(void)
{
	return (int64_t)time(NULL);
}

/* tfy_batches_create()'s own: the caller's options, read, and the body. */
typedef struct create_call {
	const tfy_batches_create_options *opts;
	tfy_batches_create_options o;
	tfy__buf body;
} create_call;

static tfy_code create_prepare(tfy__entry *en, tfy_error **e)
{
	create_call *c = en->self;
	tfy_code rc = read_create_options(c->opts, &c->o, e);
	if (rc == TFY_OK && tfy__encode_create_body(&c->body, &c->o) < 0)
		rc = tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	en->request = c->o.request;
	en->args.body = c->body.data;
	en->args.body_len = c->body.len;
	return rc;
}

/* The create, and when its outcome is unknown, the search for the batch it may have made. */
static tfy_code create_around(tfy__entry *en, void **out, tfy_error **e)
{
	create_call *c = en->self;
	int64_t started = wall_seconds();
	tfy_code rc = tfy__entry_run(en, out, e);
	if (rc != TFY_ERROR_OUTCOME_UNKNOWN)
		return rc;
	c->o.request = en->pair.call;
	if (c->o.reconcile == TFY_NONE)
		return tfy__create_not_reconciled(&c->o, "reconcile is off", e);
	tfy_batch *found = NULL;
	rc = tfy__create_reconcile(en->client, &c->o, started, wall_seconds(), &found, e);
	*out = found;
	return rc;
}

tfy_code tfy_batches_create(tfy_client *client, const tfy_batches_create_options *opts,
                            tfy_batch **out, tfy_error **err)
{
	create_call c = { .opts = opts, .body = TFY__BUF_INIT };
	tfy__entry en = { .ep = &tfy__jobs_create_endpoint,
		          .needs = "client, opts and out",
		          .missing = !opts || !out,
		          .prepare = create_prepare,
		          .around = create_around,
		          .self = &c };
	void *batch;
	tfy_code rc = tfy__endpoint_enter(client, &en, &batch, err);
	tfy__buf_clear(&c.body);
	if (out)
		*out = batch;
	return rc;
}

/* ---- the start form of create: the op, then the reconcile's pages as ops ---- */

/* A create under way: its options kept (the caller's are read during the start form only). */
typedef struct create_async {
	tfy_async_call base;
	tfy__arena *arena;            /* the options' strings and arrays */
	tfy_batches_create_options o; /* read; strings in arena */
	tfy_request_options request;  /* the request options read; strings in arena */
	int64_t started;              /* wall seconds, as create_around notes it */
	tfy_error *e;                 /* the unknown outcome, while reconciling */
	tfy__reconcile r;
} create_async;

static void create_async_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	create_async *ca = (create_async *)c;
	tfy__async_end_batch(c, rc, out, e);
	tfy__arena_free(ca->arena);
}

/* Ends the create with rc and ca->e, masked. */
static void create_async_finish(create_async *ca, tfy_code rc, tfy_batch *found)
{
	tfy_error *e = ca->e;
	ca->e = NULL;
	rc = tfy__async_hand(&ca->base, rc, &e);
	tfy__async_call_end(&ca->base, rc, found, e);
}

static char *keep_text(tfy__arena *a, const char *s, int *oom)
{
	char *copy = s ? tfy__arena_strndup(a, s, strlen(s)) : NULL;
	*oom |= s && !copy;
	return copy;
}

/* What the reconcile reads of the options, copied: the ids, window, metadata, request options. */
static tfy_code create_keep(tfy_async_call *c, tfy__entry *en, tfy_error **e)
{
	create_async *ca = (create_async *)c;
	const create_call *cc = en->self;
	int oom = !(ca->arena = tfy__arena_new(512));
	ca->o = cc->o;
	ca->started = wall_seconds();
	if (!oom) {
		ca->o.input_file_id = keep_text(ca->arena, cc->o.input_file_id, &oom);
		ca->o.endpoint = keep_text(ca->arena, cc->o.endpoint, &oom);
		ca->o.completion_window = keep_text(ca->arena, cc->o.completion_window, &oom);
		tfy_pair *m = cc->o.metadata_count
		                    ? tfy__arena_alloc(ca->arena, cc->o.metadata_count * sizeof(*m))
		                    : NULL;
		oom |= cc->o.metadata_count && !m;
		for (size_t i = 0; !oom && i < cc->o.metadata_count; i++) {
			m[i].name = keep_text(ca->arena, cc->o.metadata[i].name, &oom);
			m[i].value = keep_text(ca->arena, cc->o.metadata[i].value, &oom);
		}
		ca->o.metadata = m;
		oom = oom || tfy__request_options_copy(ca->arena, &en->read, &ca->request) < 0;
	}
	ca->o.request = &ca->request;
	return oom ? tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory") : TFY_OK;
}

static void reconcile_step(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e);

/* The reconcile's next page as an op, or its end. */
static void reconcile_next(create_async *ca, int more)
{
	if (more && tfy__batches_page_op(&ca->base, &ca->r.lo, &ca->r.call) == 0)
		return;
	if (more) { /* out of memory starting the page: the search failed */
		/* Two statements: the order in which arguments are evaluated is unspecified. */
		tfy_error *le = NULL;
		tfy_code oom = tfy__error_set(&le, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
		tfy__reconcile_page(&ca->r, oom, NULL, le);
	}
	tfy_batch *found = NULL;
	tfy_code rc = tfy__reconcile_end(&ca->r, tfy__async_client(ca->base.async), &found, &ca->e);
	create_async_finish(ca, rc, found);
}

static void reconcile_step(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	create_async *ca = (create_async *)c;
	reconcile_next(ca, tfy__reconcile_page(&ca->r, rc, out, e));
}

/* The create's op ended: its result, or the search for the batch it may have made (as create_around). */
static void create_step(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	create_async *ca = (create_async *)c;
	ca->e = e;
	if (rc != TFY_ERROR_OUTCOME_UNKNOWN) {
		create_async_finish(ca, rc, out);
		return;
	}
	if (ca->o.reconcile == TFY_NONE || c->cancelled) {
		rc = tfy__create_not_reconciled(&ca->o,
		                                c->cancelled ? "the call was cancelled"
		                                             : "reconcile is off",
		                                &ca->e);
		create_async_finish(ca, rc, NULL);
		return;
	}
	rc = tfy__reconcile_begin(&ca->r, tfy__async_client(c->async), &ca->o, ca->started,
	                          wall_seconds(), &ca->e);
	if (rc != TFY_OK) {
		create_async_finish(ca, rc, NULL);
		return;
	}
	c->step = reconcile_step;
	reconcile_next(ca, 1);
}

tfy_code tfy_batches_create_start(tfy_async *async, const tfy_batches_create_options *opts,
                                  tfy_async_batch_fn done, void *userdata, tfy_async_call **call,
                                  tfy_error **err)
{
	tfy_code rc = tfy__async_check(async, (tfy__any_fn)done, call, err);
	if (rc != TFY_OK)
		return rc;
	create_async *ca = (create_async *)tfy__async_call_new(async, sizeof(*ca), create_async_end,
	                                                       (tfy__any_fn)done, userdata);
	if (!ca)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	ca->base.step = create_step;
	create_call c = { .opts = opts, .body = TFY__BUF_INIT };
	tfy__entry en = { .ep = &tfy__jobs_create_endpoint,
		          .needs = "opts",
		          .missing = !opts,
		          .prepare = create_prepare,
		          .self = &c };
	rc = tfy__async_entry(&ca->base, &en, create_keep, err);
	tfy__buf_clear(&c.body);
	if (rc != TFY_OK) {
		tfy__arena_free(ca->arena);
		tfy__async_call_drop(&ca->base);
		return rc;
	}
	return tfy__async_call_go(&ca->base, call);
}
