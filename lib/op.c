/*
 * Ops: one endpoint call each, on a loop shared with others (loop.h).  An
 * op builds its request as the endpoint runner does and runs it as the
 * attempts of the call path (call.h): the same rules as a blocking call.
 */
#include "loop.h"

#include <string.h>

#include "alloc.h"
#include "clock.h"

struct tfy__op {
	tfy__loop *loop;
	tfy__attempts *a;   /* the request's attempts; NULL when it could not be built */
	tfy__task failed;   /* an op whose request could not be built, on the loop until told */
	tfy_code build_rc;  /* why not */
	tfy_error *build_e; /* unmasked */
	tfy__request req;
	char *body; /* the op's copy of the arguments' body */
	tfy__op_done_fn done;
	void *userdata;
};

static void op_free(tfy__op *op)
{
	tfy__call_attempts_free(op->a);
	tfy__request_clear(&op->req);
	tfy_error_free(op->build_e);
	tfy__free(op->body);
	tfy__free(op);
}

/* The attempts are over: done is told the result, then the op is freed. */
static void attempts_ended(void *userdata, tfy__attempts *a, int dropped)
{
	tfy__op *op = userdata;
	if (!dropped) {
		void *out = NULL;
		tfy_error *e = NULL;
		tfy_code rc = tfy__call_attempts_result(a, &out, &e);
		op->done(op->userdata, rc, out, e);
	}
	op_free(op);
}

/* A request that could not be built is over at the loop's first step. */
static int failed_advance(tfy__task *task)
{
	(void)task;
	return 1;
}

static int64_t failed_wake(const tfy__task *task)
{
	(void)task;
	return tfy__now_ms(); /* over at the next step */
}

static int failed_polls(const tfy__task *task)
{
	(void)task;
	return 0;
}

static void failed_ended(tfy__task *task, int dropped)
{
	tfy__op *op = (tfy__op *)((char *)task - offsetof(tfy__op, failed));
	if (!dropped) {
		tfy_error *e = NULL;
		tfy_code rc = tfy__call_hand_error(tfy__loop_client(op->loop), op->build_rc,
		                                   op->build_e, &e);
		op->build_e = NULL;
		op->done(op->userdata, rc, NULL, e);
	}
	op_free(op);
}

static const tfy__task_kind failed_kind = { failed_advance, failed_wake, failed_ended, failed_polls };

/* The arguments as the op keeps them: the body copied, the streams lent. */
static int copy_args(tfy__op *op, const tfy__endpoint_args *args, tfy__endpoint_args *copy)
{
	*copy = *args;
	if (!args->body)
		return 0;
	if (!(op->body = tfy__malloc(args->body_len + 1)))
		return -1;
	memcpy(op->body, args->body, args->body_len);
	op->body[args->body_len] = '\0';
	copy->body = op->body;
	return 0;
}

/* The op's request, built, on its way: its attempts put on the loop.  -1 when memory runs out. */
static int launch(tfy__op *op, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                  const tfy__call *call)
{
	op->req.upload = ep->body == TFY__BODY_UPLOAD ? args->upload : NULL;
	op->req.sink = ep->body == TFY__BODY_DOWNLOAD ? args->sink : NULL;
	op->a = tfy__call_attempts_start(op->loop, &op->req, call, ep->decode, attempts_ended, op);
	return op->a ? 0 : -1;
}

static tfy__op *op_new(tfy__loop *loop, tfy__op_done_fn done, void *userdata)
{
	tfy__op *op = tfy__calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->loop = loop;
	op->done = done;
	op->userdata = userdata;
	return op;
}

tfy__op *tfy__op_start(tfy__loop *loop, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                       const tfy__options_pair *pair, const tfy__call *call, tfy__op_done_fn done,
                       void *userdata)
{
	tfy__op *op = op_new(loop, done, userdata);
	tfy__endpoint_args kept;
	if (!op || copy_args(op, args, &kept) < 0) {
		tfy__free(op);
		return NULL;
	}
	op->build_rc = tfy__endpoint_build(tfy__loop_client(loop), ep, &kept, pair, &op->req,
	                                   &op->build_e);
	if (op->build_rc == TFY_ERROR_OUT_OF_MEMORY) {
		op_free(op);
		return NULL;
	}
	if (op->build_rc != TFY_OK) {
		tfy__loop_add(loop, &op->failed, &failed_kind);
		return op;
	}
	if (launch(op, ep, args, call) < 0) {
		op_free(op);
		return NULL;
	}
	return op;
}

tfy__op *tfy__op_start_built(tfy__loop *loop, const tfy__endpoint *ep, tfy__request *req,
                             const tfy__endpoint_args *args, const tfy__call *call,
                             tfy__op_done_fn done, void *userdata)
{
	tfy__op *op = op_new(loop, done, userdata);
	/* The request borrows its body from the arguments: the op keeps a copy. */
	const tfy__endpoint_args body = { .body = req->body, .body_len = req->body_len };
	tfy__endpoint_args kept;
	if (!op || copy_args(op, &body, &kept) < 0) {
		tfy__free(op);
		return NULL;
	}
	op->req = *req;
	op->req.body = kept.body;
	if (launch(op, ep, args, call) < 0) {
		memset(&op->req, 0, sizeof(op->req)); /* still the caller's */
		op_free(op);
		return NULL;
	}
	memset(req, 0, sizeof(*req));
	return op;
}

void tfy__op_cancel(tfy__op *op)
{
	if (op->a)
		tfy__call_attempts_cancel(op->a);
}
