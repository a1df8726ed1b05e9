#include "tfy/batches.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "async_internal.h"
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

tfy__paging tfy__batches_paging(const tfy_batches_list_options *o)
{
	const tfy__paging paging = { o->max_items, o->max_pages, o->prefetch, o->missing_has_more };
	return paging;
}

static tfy_code check_list_options(const tfy_batches_list_options *o, tfy_error **err)
{
	if (o->reserved_ || o->reserved2_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_batches_list_options: reserved fields must be 0");
	if (o->limit < 0 || o->limit > TFY_BATCHES_LIMIT_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "limit must be between 1 and %d (or 0 for the server default), got %d",
		                      TFY_BATCHES_LIMIT_MAX, (int)o->limit);
	if (o->after && tfy__id_check(o->after, "after (a batch id)", err) != TFY_OK)
		return TFY_ERROR_INVALID_ARGUMENT;
	const tfy__paging paging = tfy__batches_paging(o);
	return tfy__paging_check(&paging, err);
}

/* The caller's list options (NULL: the defaults) read and checked, but not their request options. */
static tfy_code read_list_options(const tfy_batches_list_options *src,
                                  tfy_batches_list_options *dst, tfy_error **err)
{
	const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	*dst = defaults;
	tfy_code rc = src ? tfy__options_read(dst, src, list_options_sizes,
	                                      TFY_BATCHES_LIST_OPTIONS_VERSION,
	                                      "tfy_batches_list_options", err)
	                  : TFY_OK;
	return rc == TFY_OK ? check_list_options(dst, err) : rc;
}

tfy_code tfy__batches_options_read(const tfy_batches_list_options *src, tfy_batches_list_options *dst,
                                   tfy_request_options *request, tfy_error **err)
{
	tfy_code rc = read_list_options(src, dst, err);
	if (rc == TFY_OK)
		rc = tfy__request_options_read(dst->request, request, err);
	dst->request = request;
	return rc;
}

static tfy_code decode_page(const tfy__http_response *resp, void **out, char *detail, size_t detail_size)
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

static const tfy__endpoint list_endpoint = {
	.method = "GET",
	.collection = "/batches",
	.decode = decode_page,
};

/* One page's call: its query (limit and after, from the options) and options. */
typedef struct page_call {
	tfy__page_query query;
	tfy__endpoint_args args;
	tfy__options_pair pair;
} page_call;

static tfy__endpoint_args page_args(const tfy_batches_list_options *o, page_call *p)
{
	return tfy__page_args(&p->query, o->limit, o->after, NULL, 0);
}

static void page_call_of(const tfy_client *client, const tfy_batches_list_options *o, page_call *p)
{
	p->args = page_args(o, p);
	p->pair = tfy__endpoint_pair(client, o->request);
}

tfy_code tfy__batches_request(const tfy_client *client, const tfy_batches_list_options *opts,
                              tfy__request *req, tfy_error **err)
{
	page_call p;
	page_call_of(client, opts, &p);
	return tfy__endpoint_build(client, &list_endpoint, &p.args, &p.pair, req, err);
}

tfy_code tfy__batches_page(tfy_client *client, const tfy_batches_list_options *opts,
                           const tfy__call *call, tfy__endpoint_early *early, tfy_batch_page **out,
                           tfy_error **err)
{
	page_call p;
	page_call_of(client, opts, &p);
	void *page = NULL;
	tfy_code rc = tfy__endpoint_run(client, &list_endpoint, &p.args, &p.pair, call, early,
	                                &page, err);
	*out = page;
	return rc;
}

int tfy__batches_page_early(tfy_client *client, const tfy_batches_list_options *opts,
                            const tfy__call *call, tfy__endpoint_early *early)
{
	page_call p;
	page_call_of(client, opts, &p);
	return tfy__endpoint_send_early(client, &list_endpoint, &p.args, &p.pair, call, early);
}

int tfy__batches_page_op(tfy_async_call *c, const tfy_batches_list_options *opts, const tfy__call *call)
{
	page_call p;
	page_call_of(tfy__async_client(c->async), opts, &p);
	return tfy__async_op(c, &list_endpoint, &p.args, &p.pair, call);
}

/* tfy_batches_list()'s own: the caller's options, read, and the page's query. */
typedef struct list_call {
	const tfy_batches_list_options *opts;
	tfy_batches_list_options o;
	page_call page;
} list_call;

static tfy_code list_prepare(tfy__entry *en, tfy_error **e)
{
	list_call *c = en->self;
	tfy_code rc = read_list_options(c->opts, &c->o, e);
	en->request = c->o.request;
	en->args = page_args(&c->o, &c->page);
	return rc;
}

tfy_code tfy_batches_list(tfy_client *client, const tfy_batches_list_options *opts,
                          tfy_batch_page **out, tfy_error **err)
{
	list_call c = { .opts = opts };
	tfy__entry en = { .ep = &list_endpoint,
		          .needs = "client and out",
		          .missing = !out,
		          .prepare = list_prepare,
		          .self = &c };
	void *page;
	tfy_code rc = tfy__endpoint_enter(client, &en, &page, err);
	if (out)
		*out = page;
	return rc;
}

tfy_code tfy_batches_list_start(tfy_async *async, const tfy_batches_list_options *opts,
                                tfy_async_batch_page_fn done, void *userdata, tfy_async_call **call,
                                tfy_error **err)
{
	list_call c = { .opts = opts };
	tfy__entry en = {
		.ep = &list_endpoint, .needs = "the client", .prepare = list_prepare, .self = &c
	};
	return tfy__async_start(async, &en, tfy__async_end_batch_page, (tfy__any_fn)done, userdata,
	                        call, err);
}
