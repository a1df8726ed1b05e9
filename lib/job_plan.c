/*
 * A job's plan: one pass over a round's input that checks every line (the
 * input checker's core, check_internal.h, in job mode) and cuts the lines
 * into shards, each a contiguous byte range within the limits, greedily:
 * a shard takes lines until the next would pass max_requests, max_bytes,
 * max_tokens or an embeddings batch's inputs.  Blank lines between shards
 * belong to none; those inside a shard's range go up with it (the Batch
 * API skips them, as the checker does) and count in its bytes.
 *
 * A shard is handed out once the next one is cut, so that the last one
 * can take lines from the one before when it holds fewer than
 * min_requests: the last min_requests lines of the two shards being cut
 * are kept (offsets and estimates), nothing else of the input.  Memory:
 * the line buffer, the checker's custom_id hashes (16 to 32 bytes a
 * line) and those two tails.
 */
#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "check_internal.h"
#include "error_internal.h"
#include "job_data.h"
#include "lines.h"
#include "tfy/results.h"

/* Where a request line is in the file and what it weighs. */
typedef struct line_at {
	int64_t start, end; /* bytes [start, end): the line and its line ending */
	int64_t tokens, inputs;
	int lf; /* it ends with a line feed */
} line_at;

/* The last lines of a shard being cut, up to cap (min_requests), oldest first from head. */
typedef struct tail {
	line_at *v;
	size_t cap, len, head;
} tail;

typedef struct cut {
	tfy__shard_plan s; /* offset, requests, tokens; bytes set when handed out */
	int64_t end;       /* after its last line */
	int lf;            /* its last line ends with a line feed */
	int64_t inputs;    /* embedding inputs */
	tail t;
} cut;

typedef struct planner {
	const tfy__plan_limits *lim;
	tfy__plan_fn fn;
	void *userdata;
	tfy__check *check;
	tfy__lines lines;
	cut cur, held;      /* the shard being cut, and the one before it */
	int64_t shards;     /* handed out */
	int64_t max_tokens; /* INT64_MAX for none */
} planner;

static int64_t shard_bytes(const cut *c)
{
	return c->end - c->s.offset + !c->lf;
}

/* The k-th line from the end of a tail (0: the last). */
static const line_at *tail_at(const tail *t, size_t k)
{
	return &t->v[(t->head + t->len - 1 - k) % t->cap];
}

static void tail_push(tail *t, const line_at *l)
{
	if (!t->cap)
		return;
	if (t->len < t->cap) {
		t->v[(t->head + t->len++) % t->cap] = *l;
	} else {
		t->v[t->head] = *l;
		t->head = (t->head + 1) % t->cap;
	}
}

/*
 * Moves lines from the end of the shard before into the last one until
 * it holds min_requests, when both stay within the limits; else leaves
 * them (the short shard is then a problem).
 */
static void rebalance(planner *p)
{
	cut *a = &p->held, *b = &p->cur;
	int64_t k = p->lim->min_requests - b->s.requests;
	if (k <= 0 || a->s.requests - k < p->lim->min_requests || (size_t)k >= a->t.len)
		return;
	int64_t tokens = 0, inputs = 0;
	for (int64_t i = 0; i < k; i++) {
		tokens += tail_at(&a->t, (size_t)i)->tokens;
		inputs += tail_at(&a->t, (size_t)i)->inputs;
	}
	int64_t offset = tail_at(&a->t, (size_t)k - 1)->start;
	if (b->end - offset + !b->lf > p->lim->max_bytes || b->s.tokens + tokens > p->max_tokens ||
	    b->inputs + inputs > TFY_INPUT_MAX_EMBEDDING_INPUTS)
		return;
	a->s.requests -= k;
	a->s.tokens -= tokens;
	a->inputs -= inputs;
	a->end = tail_at(&a->t, (size_t)k)->end;
	a->lf = 1;
	b->s.offset = offset;
	b->s.requests += k;
	b->s.tokens += tokens;
	b->inputs += inputs;
}

/* Hands a shard out (while the input has no problem); TFY_ERROR_CANCELLED when fn says stop. */
static tfy_code hand_out(planner *p, cut *c, int last, tfy_error **err)
{
	c->s.bytes = shard_bytes(c);
	if (c->s.requests < p->lim->min_requests) {
		if (last && p->shards == 0)
			tfy__check_problem(p->check, 0, TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS,
			                   "the input holds %" PRId64
			                   " requests; a batch takes %" PRId64 " at least",
			                   c->s.requests, p->lim->min_requests);
		else
			tfy__check_problem(p->check, 0, TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS,
			                   "shard %" PRId64 " would hold %" PRId64
			                   " requests, fewer than the %" PRId64
			                   " a batch takes: its lines are too large for the limits",
			                   p->shards, c->s.requests, p->lim->min_requests);
	}
	if (tfy__check_problems(p->check) == 0 && p->fn && p->fn(p->userdata, &c->s) != 0)
		return tfy__error_set(err, TFY_ERROR_CANCELLED, "the plan was stopped");
	p->shards++;
	return TFY_OK;
}

/* The shard being cut is complete: the one before it goes out, it is held. */
static tfy_code close_shard(planner *p, tfy_error **err)
{
	tfy_code rc = p->held.s.requests ? hand_out(p, &p->held, 0, err) : TFY_OK;
	tail t = p->held.t;
	p->held = p->cur;
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.t = t;
	p->cur.t.len = p->cur.t.head = 0;
	return rc;
}

/* A line alone past a shard's limits is a problem of the input; 1 when so. */
static int too_large(planner *p, int64_t n, const line_at *l)
{
	int64_t bytes = l->end - l->start + !l->lf;
	if (bytes > p->lim->max_bytes)
		tfy__check_problem(p->check, n, TFY_INPUT_PROBLEM_LINE_TOO_LONG,
		                   "the line takes %" PRId64
		                   " bytes with its line feed, more than a shard's file holds (%" PRId64
		                   ", max_bytes)",
		                   bytes, p->lim->max_bytes);
	else if (l->tokens > p->max_tokens)
		tfy__check_problem(p->check, n, TFY_INPUT_PROBLEM_LINE_TOO_LONG,
		                   "the line is estimated at %" PRId64
		                   " tokens, more than a shard may enqueue (%" PRId64 ")",
		                   l->tokens, p->max_tokens);
	else if (l->inputs > TFY_INPUT_MAX_EMBEDDING_INPUTS)
		tfy__check_problem(p->check, n, TFY_INPUT_PROBLEM_TOO_MANY_INPUTS,
		                   "the line holds %" PRId64
		                   " embedding inputs, more than a batch takes (%d)",
		                   l->inputs, TFY_INPUT_MAX_EMBEDDING_INPUTS);
	else
		return 0;
	return 1;
}

/* One request line into the shard being cut, or into a new one. */
static tfy_code take(planner *p, int64_t n, const line_at *l, tfy_error **err)
{
	cut *c = &p->cur;
	if (too_large(p, n, l))
		return TFY_OK;
	if (c->s.requests && (c->s.requests >= p->lim->max_requests ||
	                      l->end - c->s.offset + !l->lf > p->lim->max_bytes ||
	                      c->s.tokens + l->tokens > p->max_tokens ||
	                      c->inputs + l->inputs > TFY_INPUT_MAX_EMBEDDING_INPUTS)) {
		tfy_code rc = close_shard(p, err);
		if (rc != TFY_OK)
			return rc;
	}
	if (!c->s.requests)
		c->s.offset = l->start;
	c->s.requests++;
	c->s.tokens += l->tokens;
	c->inputs += l->inputs;
	c->end = l->end;
	c->lf = l->lf;
	tail_push(&c->t, l);
	return TFY_OK;
}

/* The estimate of a line: the callback's, else its characters / 4, rounded up. */
static int64_t estimate(const planner *p, const char *line, size_t len)
{
	if (p->lim->estimate)
		return p->lim->estimate(p->lim->estimate_userdata, line, len);
	/* Characters are the bytes that do not continue one (10xxxxxx), counted 8 at a time. */
	size_t cont = 0, i = 0;
	for (; len - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, line + i, 8);
		uint64_t top = (w & ~(w << 1) & UINT64_C(0x8080808080808080)) >> 7; /* 1 a byte */
		cont += (size_t)((top * UINT64_C(0x0101010101010101)) >> 56);
	}
	for (; i < len; i++)
		cont += ((unsigned char)line[i] & 0xC0) == 0x80;
	return (int64_t)((len - cont + 3) / 4);
}

/* Every line: checked, and cut into shards. */
static tfy_code run(planner *p, tfy_error **err)
{
	tfy__lines *ls = &p->lines;
	for (;;) {
		const char *line = NULL;
		size_t len = 0;
		int what = tfy__lines_next(ls, &line, &len);
		if (what == TFY__LINE_END)
			break;
		if (what != TFY__LINE_OK && what != TFY__LINE_TOO_LONG)
			return tfy__lines_error(ls, what, err);
		line_at l = { 0, 0, 0, 0, ls->last_lf };
		int request = tfy__check_feed(p->check, ls->line_no, what, line, len, &l.inputs);
		if (request < 0)
			return tfy__lines_error(ls, TFY__LINE_OOM, err);
		if (!request || what == TFY__LINE_TOO_LONG)
			continue;
		l.end = tfy__lines_offset(ls);
		l.start = l.end - (int64_t)ls->last_raw;
		if ((l.tokens = estimate(p, line, len)) < 0)
			return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
			                      "the estimate callback failed on line %" PRId64,
			                      ls->line_no);
		tfy_code rc = take(p, ls->line_no, &l, err);
		if (rc != TFY_OK)
			return rc;
	}
	if (p->cur.s.requests && p->held.s.requests)
		rebalance(p);
	tfy_code rc = p->held.s.requests ? hand_out(p, &p->held, !p->cur.s.requests, err) : TFY_OK;
	if (rc == TFY_OK && p->cur.s.requests)
		rc = hand_out(p, &p->cur, 1, err);
	return rc;
}

static tfy_code check_limits(const tfy__plan_limits *l, tfy_error **err)
{
	if (l->max_requests <= 0 || l->max_bytes <= 0 || l->max_tokens < 0 || l->min_requests < 0 ||
	    l->min_requests > l->max_requests)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "plan limits: max_requests and max_bytes must be positive, "
		                      "max_tokens >= 0, min_requests 0 to max_requests");
	return TFY_OK;
}

/* The checker's options for a job's input: its endpoint and provider; lines up to max_bytes. */
static void check_options(const tfy__plan_limits *l, tfy_input_check_options *o)
{
	const tfy_input_check_options init = TFY_INPUT_CHECK_OPTIONS_INIT;
	*o = init;
	o->endpoint = l->endpoint;
	o->provider_kind = l->provider_kind;
	o->max_requests = o->max_bytes = TFY_NONE;
	o->max_line_bytes = l->max_bytes < TFY_RESULT_LINE_MAX_DEFAULT ? l->max_bytes : 0;
}

static tfy_code tails(planner *p, tfy_error **err)
{
	size_t n = (size_t)p->lim->min_requests;
	if (!n)
		return TFY_OK;
	p->cur.t.v = tfy__calloc(n, sizeof(line_at));
	p->held.t.v = tfy__calloc(n, sizeof(line_at));
	if (!p->cur.t.v || !p->held.t.v)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	p->cur.t.cap = p->held.t.cap = n;
	return TFY_OK;
}

tfy_code tfy__job_plan(const char *path, const tfy__plan_limits *limits, tfy__plan_fn fn,
                       void *userdata, tfy_input_report **report, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (report)
		*report = NULL;
	if (!path || !limits || !report)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "path, limits and report must not be NULL");
	tfy_code rc = check_limits(limits, err);
	if (rc != TFY_OK)
		return rc;
	planner p;
	memset(&p, 0, sizeof(p));
	p.lim = limits;
	p.fn = fn;
	p.userdata = userdata;
	p.max_tokens = limits->max_tokens ? limits->max_tokens : INT64_MAX;
	p.lines.fd = -1;
	tfy_input_check_options o;
	check_options(limits, &o);
	rc = tails(&p, err);
	if (rc == TFY_OK)
		rc = tfy__check_new(&o, 1, &p.check, err);
	if (rc == TFY_OK)
		rc = tfy__lines_open(&p.lines, path,
		                     o.max_line_bytes ? (size_t)o.max_line_bytes
		                                      : TFY_RESULT_LINE_MAX_DEFAULT,
		                     1, err);
	if (rc == TFY_OK)
		rc = run(&p, err);
	if (rc == TFY_OK)
		rc = tfy__check_end(p.check, p.lines.line_no, p.lines.bytes, report, err);
	tfy__check_free(p.check);
	tfy__lines_close(&p.lines);
	tfy__free(p.cur.t.v);
	tfy__free(p.held.t.v);
	return rc;
}
