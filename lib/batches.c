#include "tfy/batches.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "batch_internal.h"
#include "batches_internal.h"
#include "decode.h"
#include "error_internal.h"

/* Bytes of each version of tfy_batches_list_options, oldest first. */
static const size_t list_options_sizes[] = {
	offsetof(tfy_batches_list_options, missing_has_more), /* 1.0 */
	sizeof(tfy_batches_list_options),                     /* 1.1: missing_has_more */
};

tfy_code tfy_batches_list_options_init(tfy_batches_list_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, list_options_sizes, TFY_BATCHES_LIST_OPTIONS_VERSION);
}

static tfy_code check_list_options(const tfy_batches_list_options *o, tfy_error **err)
{
	if (o->reserved_ || o->reserved2_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_batches_list_options: reserved fields must be 0");
	if (o->missing_has_more < TFY_MISSING_HAS_MORE_DEFAULT ||
	    o->missing_has_more > TFY_MISSING_HAS_MORE_STOP)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "missing_has_more must be a TFY_MISSING_HAS_MORE_* value");
	if (o->limit < 0 || o->limit > TFY_BATCHES_LIMIT_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "limit must be between 1 and %d (or 0 for the server default), got %d",
		                      TFY_BATCHES_LIMIT_MAX, (int)o->limit);
	if (o->after && tfy__id_check(o->after, "after (a batch id)", err) != TFY_OK)
		return TFY_ERROR_INVALID_ARGUMENT;
	if (o->max_items < 0 || o->max_pages < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "max_items and max_pages must not be negative");
	if (o->prefetch != 0 && o->prefetch != 1 && o->prefetch != TFY_NONE)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "prefetch must be 0 (the default), 1 or TFY_NONE");
	return TFY_OK;
}

tfy_code tfy__batches_options_read(const tfy_batches_list_options *src,
                                   tfy_batches_list_options *dst, tfy_request_options *request,
                                   tfy_error **err)
{
	const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	*dst = defaults;
	tfy_code rc = src ? tfy__options_read(dst, src, list_options_sizes,
	                                      TFY_BATCHES_LIST_OPTIONS_VERSION,
	                                      "tfy_batches_list_options", err)
	                  : TFY_OK;
	if (rc == TFY_OK)
		rc = check_list_options(dst, err);
	if (rc == TFY_OK)
		rc = tfy__request_options_read(dst->request, request, err);
	dst->request = request;
	return rc;
}

tfy__options_pair tfy__batches_options_pair(const tfy_client *client,
                                            const tfy_batches_list_options *opts)
{
	const tfy__options_pair pair = { opts->request, &client->defaults };
	return pair;
}

tfy_code tfy__batches_request(tfy_client *client, const tfy_batches_list_options *opts,
                              tfy__request *req, tfy_error **err)
{
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", (int)opts->limit);
	tfy_pair query[2];
	size_t n = 0;
	if (opts->limit > 0)
		query[n++] = (tfy_pair){ "limit", limit };
	if (opts->after)
		query[n++] = (tfy_pair){ "after", opts->after };
	const tfy__endpoint endpoint = { .method = "GET", .path = "/batches", .query = query,
	                                 .query_count = n };
	const tfy__target target = tfy__client_target(client);
	const tfy__options_pair pair = tfy__batches_options_pair(client, opts);
	return tfy__request_build(&target, &pair, &endpoint, req, err);
}

static tfy_code decode_page(const tfy__http_response *resp, void **out, char *detail,
                            size_t detail_size)
{
	tfy_batch_page *page = NULL;
	tfy_code rc = tfy__decode_batch_page(resp->body, resp->body_len, &page, detail, detail_size);
	if (rc == TFY_OK &&
	    tfy__batch_page_attach(page, resp->status, resp->request_id, resp->headers) < 0) {
		tfy_batch_page_free(page);
		page = NULL;
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	*out = page;
	return rc;
}

tfy_code tfy__batches_fetch(tfy_client *client, const tfy__request *req, const tfy__call *call,
                            tfy__early *early, tfy_batch_page **out, tfy_error **err)
{
	void *page = NULL;
	tfy_code rc = tfy__call_run(client, req, call, early, decode_page, &page, err);
	*out = page;
	return rc;
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
	tfy_batches_list_options o;
	tfy_request_options request;
	tfy__request req;
	tfy_error *e = NULL;
	tfy_code rc = tfy__batches_options_read(opts, &o, &request, &e);
	if (rc == TFY_OK)
		rc = tfy__batches_request(client, &o, &req, &e);
	if (rc != TFY_OK)
		return tfy__call_hand_error(client, rc, e, err);
	const tfy__options_pair pair = tfy__batches_options_pair(client, &o);
	const tfy__call call = tfy__call_start(client, &pair);
	rc = tfy__batches_fetch(client, &req, &call, NULL, out, err);
	tfy__request_clear(&req);
	return rc;
}
