/*
 * The one way an endpoint is called.  An endpoint is a descriptor (method,
 * path, body kind, decoder, whether it creates something); a call of it
 * brings its arguments (id, query, body).  Public functions go through
 * tfy__endpoint_enter, which does every step they share: resetting the
 * outs, the NULL checks, reading the request options, building the
 * request, choosing the call's context, running it through the call path
 * (call.h) and handing the error with secrets masked.  Code that holds a
 * call's context across requests (the iterator's pages, a wait's polls, a
 * reconcile's search) runs an endpoint with tfy__endpoint_run.  Internal
 * to libtfy.
 */
#ifndef TFY_ENDPOINT_H
#define TFY_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "call.h"

/* What an endpoint's request carries, and where its answer goes. */
typedef enum tfy__body {
	TFY__BODY_NONE = 0, /* no body; the answer is decoded from memory */
	TFY__BODY_JSON,     /* the call's body, sent as application/json */
	TFY__BODY_UPLOAD,   /* the call's upload: multipart/form-data, streamed */
	TFY__BODY_DOWNLOAD  /* no body; a 2xx answer streams into the call's sink */
} tfy__body;

/*
 * An endpoint: everything that is the same on each of its calls.  Its path
 * is collection alone, or collection "/" id suffix when id_name is set; the
 * id is checked and percent-encoded by tfy__resource_path (request_build.h).
 * An upload or a download runs as a transfer (tfy__call_start_transfer):
 * no per-attempt timeout unless the call's own options set one.
 */
typedef struct tfy__endpoint {
	const char *method;     /* "GET", "POST", "DELETE": static text */
	const char *collection; /* "/batches", "/files" */
	const char *id_name;    /* names the id in errors ("batch_id"); NULL: the path has no id */
	const char *suffix;     /* after the id ("/cancel", "/content"); NULL: none */
	tfy__body body;
	tfy__decode_fn decode; /* a 2xx answer into the call's result */
	int repeat;            /* TFY__REPEAT_*: TFY__REPEAT_UNSENT when it creates something */
	const char *effect;    /* with TFY__REPEAT_UNSENT: see tfy__request_spec; NULL: generic */
} tfy__endpoint;

/* What one call of an endpoint brings; each part is borrowed for the call. */
typedef struct tfy__endpoint_args {
	const char *id;        /* when the endpoint's path has one */
	const tfy_pair *query; /* the endpoint's own query parameters */
	size_t query_count;
	const char *body; /* TFY__BODY_JSON */
	size_t body_len;
	const tfy__upload *upload; /* TFY__BODY_UPLOAD */
	const tfy__sink *sink;     /* TFY__BODY_DOWNLOAD */
} tfy__endpoint_args;

/* Query parameters a page of a list can have: limit, after and the list's own. */
#define TFY__PAGE_QUERY_MAX 4

/* The query of one page of a list; its pairs point into it and at the values given. */
typedef struct tfy__page_query {
	char limit[16];
	tfy_pair pairs[TFY__PAGE_QUERY_MAX];
} tfy__page_query;

/*
 * The arguments of one page of a list: `limit` when not 0, `after` when
 * set, then each of the list's own parameters whose value is not NULL (at
 * most TFY__PAGE_QUERY_MAX in all).  The values are borrowed; q must stay
 * where it is while the arguments are used.
 */
tfy__endpoint_args tfy__page_args(tfy__page_query *q, int32_t limit, const char *after,
                                  const tfy_pair *own, size_t own_count);

/* A call's request options over the client's defaults (both borrowed). */
tfy__options_pair tfy__endpoint_pair(const tfy_client *client, const tfy_request_options *request);

/*
 * Builds the request of one call of ep: its path, query and body, under the
 * options of pair.  TFY_OK, or the error with *err set (err may be NULL);
 * on failure req is left empty.
 */
tfy_code tfy__endpoint_build(const tfy_client *client, const tfy__endpoint *ep,
                             const tfy__endpoint_args *args, const tfy__options_pair *pair,
                             tfy__request *req, tfy_error **err);

/*
 * A request of an endpoint whose first attempt was sent ahead (the
 * iterator's prefetch).  flight NULL: none.
 */
typedef struct tfy__endpoint_early {
	tfy__early *flight;
	tfy__request req; /* what was sent */
} tfy__endpoint_early;

/*
 * Builds the request and sends its first attempt now, returning at once:
 * 0, or -1 when it could not start (early then holds nothing; the call is
 * made when it is asked for).
 */
int tfy__endpoint_send_early(tfy_client *client, const tfy__endpoint *ep,
                             const tfy__endpoint_args *args, const tfy__options_pair *pair,
                             const tfy__call *call, tfy__endpoint_early *early);

/* Drops a request sent early that will not be asked for (one holding nothing: nothing happens). */
void tfy__endpoint_drop_early(tfy__endpoint_early *early);

/*
 * One call of ep under a context the caller holds: builds the request
 * (unless early holds one, of the same endpoint and arguments, which is
 * then consumed: its answer is the first attempt's) and runs its attempts.
 * TFY_OK with *out set by the endpoint's decoder, or the error in *err
 * (handed as tfy__call_run does, with secrets masked).
 */
tfy_code tfy__endpoint_run(tfy_client *client, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                           const tfy__options_pair *pair, const tfy__call *call,
                           tfy__endpoint_early *early, void **out, tfy_error **err);

/*
 * The start of a public call: *err reset (err may be NULL), then
 * TFY_ERROR_INVALID_ARGUMENT "<needs> must not be NULL" when missing is
 * set.  The caller resets its own outs.
 */
tfy_code tfy__entry_check(tfy_error **err, int missing, const char *needs);

/*
 * A public function's call of its endpoint.  The function fills the
 * fields from ep to self; tfy__endpoint_enter sets the others before it
 * runs the hooks.
 */
typedef struct tfy__entry tfy__entry;
struct tfy__entry {
	const tfy__endpoint *ep;
	const char *needs; /* the arguments that must not be NULL, as the error names them */
	int missing;       /* one of them is NULL (the client is checked here) */
	const tfy_request_options *request; /* the caller's (NULL: none), read and checked here */
	tfy__endpoint_args args;
	/*
	 * Reads the endpoint's own options (from self) and sets request and
	 * args from them.  NULL: the function set them itself.
	 */
	tfy_code (*prepare)(tfy__entry *en, tfy_error **e);
	/*
	 * Once the request is built: whatever the endpoint does around its run
	 * (local files, reconciling a create), calling tfy__entry_run for the
	 * run itself.  Errors go in *e as unmasked.  NULL: only the run.
	 */
	tfy_code (*around)(tfy__entry *en, void **out, tfy_error **e);
	void *self; /* the function's own state, for the hooks */
	/* ---- set by tfy__endpoint_enter ---- */
	tfy_client *client;
	tfy_request_options read; /* *request, read */
	tfy__options_pair pair;   /* read over the client's defaults */
	tfy__request req;
	tfy__call call;
};

/*
 * Runs a public function's call from start to end: resets *out and *err,
 * checks client and en->missing, runs prepare, reads the request options,
 * builds the request, starts the call's context (a transfer's for an
 * upload or a download), runs it (through around when set) and hands the
 * error, masked, to err.  out must not be NULL: the function copies *out
 * to its typed out.
 */
tfy_code tfy__endpoint_enter(tfy_client *client, tfy__entry *en, void **out, tfy_error **err);

/*
 * The part of tfy__endpoint_enter before the run, which the blocking call
 * and its start form (async.h) share: *err reset, client and en->missing
 * checked (refused: the error is in *err, and tfy__entry_close only
 * returns rc), then the client held, prepare run, the request options
 * read, the request built and the call's context started.  A failure after
 * the check leaves its error, unmasked, in *e.  Always followed by
 * tfy__entry_close.
 */
tfy_code tfy__entry_open(tfy_client *client, tfy__entry *en, tfy_error **err, tfy_error **e);

/*
 * The end of an entry opened by tfy__entry_open: the request cleared, rc
 * and e (taken) handed to err with secrets masked, the client released.
 * Returns the code handed.
 */
tfy_code tfy__entry_close(tfy__entry *en, tfy_code rc, tfy_error *e, tfy_error **err);

/* The run of en's built request: the call path's attempts, decoded by its endpoint. */
tfy_code tfy__entry_run(tfy__entry *en, void **out, tfy_error **e);

#endif
