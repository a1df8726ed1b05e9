/*
 * The endpoint runner: an endpoint's descriptor and a call's arguments made
 * into a request and run through the one call path (call.c).
 */
#include "endpoint.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error_internal.h"

tfy__endpoint_args tfy__page_args(tfy__page_query *q, int32_t limit, const char *after,
                                  const tfy_pair *own, size_t own_count)
{
	size_t n = 0;
	snprintf(q->limit, sizeof(q->limit), "%d", (int)limit);
	if (limit > 0)
		q->pairs[n++] = (tfy_pair){ "limit", q->limit };
	if (after)
		q->pairs[n++] = (tfy_pair){ "after", after };
	for (size_t i = 0; i < own_count && n < TFY__PAGE_QUERY_MAX; i++)
		if (own[i].value)
			q->pairs[n++] = own[i];
	const tfy__endpoint_args args = { .query = q->pairs, .query_count = n };
	return args;
}

tfy__options_pair tfy__endpoint_pair(const tfy_client *client, const tfy_request_options *request)
{
	const tfy__options_pair pair = { request, &client->defaults };
	return pair;
}

tfy_code tfy__endpoint_build(const tfy_client *client, const tfy__endpoint *ep,
                             const tfy__endpoint_args *args, const tfy__options_pair *pair,
                             tfy__request *req, tfy_error **err)
{
	tfy__buf path = TFY__BUF_INIT;
	memset(req, 0, sizeof(*req));
	tfy_code rc = ep->id_name ? tfy__resource_path(&path, ep->collection, args->id, ep->id_name,
	                                               ep->suffix, err)
	                          : TFY_OK;
	if (rc == TFY_OK) {
		int json = ep->body == TFY__BODY_JSON;
		const tfy__request_spec spec = {
			.method = ep->method,
			.path = ep->id_name ? path.data : ep->collection,
			.query = args->query,
			.query_count = args->query_count,
			.body = json ? args->body : NULL,
			.body_len = json ? args->body_len : 0,
			.content_type = json ? "application/json" : NULL,
			.repeat = ep->repeat,
			.effect = ep->effect,
		};
		const tfy__target target = tfy__client_target(client);
		rc = tfy__request_build(&target, pair, &spec, req, err);
	}
	tfy__buf_clear(&path);
	return rc;
}

/* The attempts of a built request, its streams (if any) lent to it for the run. */
static tfy_code run_request(tfy_client *client, const tfy__endpoint *ep, tfy__request *req,
                            const tfy__endpoint_args *args, const tfy__call *call,
                            tfy__early *early, void **out, tfy_error **err)
{
	req->upload = ep->body == TFY__BODY_UPLOAD ? args->upload : NULL;
	req->sink = ep->body == TFY__BODY_DOWNLOAD ? args->sink : NULL;
	tfy_code rc = tfy__call_run(client, req, call, early, ep->decode, out, err);
	req->upload = NULL;
	req->sink = NULL;
	return rc;
}

int tfy__endpoint_send_early(tfy_client *client, const tfy__endpoint *ep,
                             const tfy__endpoint_args *args, const tfy__options_pair *pair,
                             const tfy__call *call, tfy__endpoint_early *early)
{
	early->flight = NULL;
	/* Whatever fails here, the call is made again when it is asked for. */
	if (tfy__endpoint_build(client, ep, args, pair, &early->req, NULL) == TFY_OK &&
	    (early->flight = tfy__call_send_early(client, &early->req, call, ep->decode)))
		return 0;
	tfy__request_clear(&early->req);
	return -1;
}

void tfy__endpoint_drop_early(tfy__endpoint_early *early)
{
	if (!early->flight)
		return;
	tfy__call_abandon_early(early->flight);
	early->flight = NULL;
	tfy__request_clear(&early->req);
}

tfy_code tfy__endpoint_run(tfy_client *client, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                           const tfy__options_pair *pair, const tfy__call *call,
                           tfy__endpoint_early *early, void **out, tfy_error **err)
{
	tfy__request built, *req = &built;
	tfy__early *flight = NULL;
	*out = NULL;
	if (early && early->flight) {
		req = &early->req;
		flight = early->flight;
		early->flight = NULL;
	} else {
		tfy_error *e = NULL;
		tfy_code rc = tfy__endpoint_build(client, ep, args, pair, &built, &e);
		if (rc != TFY_OK)
			return tfy__call_hand_error(client, rc, e, err);
	}
	tfy_code rc = run_request(client, ep, req, args, call, flight, out, err);
	tfy__request_clear(req);
	return rc;
}

tfy_code tfy__entry_check(tfy_error **err, int missing, const char *needs)
{
	if (err)
		*err = NULL;
	if (missing)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s must not be NULL", needs);
	return TFY_OK;
}

tfy_code tfy__entry_run(tfy__entry *en, void **out, tfy_error **e)
{
	return run_request(en->client, en->ep, &en->req, &en->args, &en->call, NULL, out, e);
}

/* Everything before the run: the endpoint's options, the request options, the request. */
static tfy_code ready(tfy__entry *en, tfy_error **e)
{
	tfy_code rc = en->prepare ? en->prepare(en, e) : TFY_OK;
	if (rc == TFY_OK)
		rc = tfy__request_options_read(en->request, &en->read, e);
	if (rc != TFY_OK)
		return rc;
	en->pair = tfy__endpoint_pair(en->client, &en->read);
	return tfy__endpoint_build(en->client, en->ep, &en->args, &en->pair, &en->req, e);
}

/* A file's bytes on a slow link take longer than a JSON answer: no per-attempt default. */
static int is_transfer(const tfy__endpoint *ep)
{
	return ep->body == TFY__BODY_UPLOAD || ep->body == TFY__BODY_DOWNLOAD;
}

tfy_code tfy__entry_open(tfy_client *client, tfy__entry *en, tfy_error **err, tfy_error **e)
{
	memset(&en->req, 0, sizeof(en->req));
	en->client = NULL;
	tfy_code rc = tfy__entry_check(err, !client || en->missing, en->needs);
	if (rc != TFY_OK)
		return rc;
	en->client = client;
	/* The call's reference: the caller may free the client while it runs. */
	tfy__client_hold(client);
	rc = ready(en, e);
	if (rc == TFY_OK)
		en->call = is_transfer(en->ep) ? tfy__call_start_transfer(client, &en->pair)
		                               : tfy__call_start(client, &en->pair);
	return rc;
}

tfy_code tfy__entry_close(tfy__entry *en, tfy_code rc, tfy_error *e, tfy_error **err)
{
	tfy_client *client = en->client;
	if (!client)
		return rc; /* refused by the check, which set err */
	tfy__request_clear(&en->req);
	rc = tfy__call_hand_error(client, rc, e, err);
	en->client = NULL;
	tfy__client_release(client);
	return rc;
}

tfy_code tfy__endpoint_enter(tfy_client *client, tfy__entry *en, void **out, tfy_error **err)
{
	*out = NULL;
	tfy_error *e = NULL;
	tfy_code rc = tfy__entry_open(client, en, err, &e);
	if (rc == TFY_OK)
		rc = en->around ? en->around(en, out, &e) : tfy__entry_run(en, out, &e);
	return tfy__entry_close(en, rc, e, err);
}
