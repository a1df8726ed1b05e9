/*
 * The input checker: a batch input file streamed line by line (lines.c),
 * each line read by the decoder's scanner (tfy__decode_input_line), the
 * custom_ids kept in a hash set (strset.c), the problems in the report's
 * arena.  The core (check_internal.h) is fed one line at a time, so a
 * job's plan runs the same check in the pass that cuts its shards.
 */
#include "check_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"
#include "buf.h"
#include "decode.h"
#include "lines.h"
#include "options.h"
#include "strset.h"
#include "tfy/results.h"
#include "utf8.h"

#define DETAIL_MAX 256
/* Bytes of a custom_id or url quoted in a message. */
#define QUOTE_MAX 64

typedef struct report_owner {
	tfy_input_report pub;
	tfy__arena *arena;
} report_owner;

struct tfy__check {
	tfy_input_check_options o;
	int job; /* a job's input: see tfy__check_new */
	report_owner *report;
	tfy__buf problems; /* pointers to the problems kept */
	tfy__buf strings, scratch;
	tfy__strset ids;
	size_t expected_len;
	tfy__buf model;     /* the first body.model of the file */
	int64_t model_line; /* its line; 0 until one is seen */
	int64_t inputs;     /* embedding inputs so far */
	int oom;
};

typedef struct tfy__check checker;

static const size_t check_options_sizes[] = {
	offsetof(tfy_input_check_options, provider_kind), /* 1.2 */
	sizeof(tfy_input_check_options),                  /* 1.3: provider_kind */
};

/*
 * OpenAI's errors.data code for the same fault where it has one (what the
 * Batch API puts in a batch it failed at validation), else the checker's
 * own name.  The mock gateway gives these codes too (validate.c).
 */
static const char *const problem_names[] = {
	[0] = "unknown",
	[TFY_INPUT_PROBLEM_INVALID_JSON] = "invalid_json_line",
	[TFY_INPUT_PROBLEM_NOT_AN_OBJECT] = "invalid_json_line",
	[TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING] = "invalid_request",
	[TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING] = "invalid_request",
	[TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY] = "invalid_request",
	[TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE] = "duplicate_custom_id",
	[TFY_INPUT_PROBLEM_METHOD] = "invalid_request",
	[TFY_INPUT_PROBLEM_URL_MISSING] = "mismatched_url",
	[TFY_INPUT_PROBLEM_URL_MISMATCH] = "mismatched_url",
	[TFY_INPUT_PROBLEM_BODY_MISSING] = "invalid_request",
	[TFY_INPUT_PROBLEM_BODY_NOT_OBJECT] = "invalid_request",
	[TFY_INPUT_PROBLEM_TOO_MANY_REQUESTS] = "too_many_requests",
	[TFY_INPUT_PROBLEM_FILE_TOO_LARGE] = "file_too_large",
	[TFY_INPUT_PROBLEM_EMPTY_FILE] = "empty_file",
	[TFY_INPUT_PROBLEM_LINE_TOO_LONG] = "line_too_long",
	[TFY_INPUT_PROBLEM_MODEL_MISSING] = "missing_required_parameter",
	[TFY_INPUT_PROBLEM_MODEL_MISMATCH] = "mismatched_model",
	[TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY] = "messages_not_an_array",
	[TFY_INPUT_PROBLEM_TOO_MANY_INPUTS] = "too_many_inputs",
	[TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS] = "too_few_requests",
};

const char *tfy_input_problem_name(int32_t kind)
{
	if (kind <= 0 || (size_t)kind >= sizeof(problem_names) / sizeof(problem_names[0]))
		return problem_names[0];
	return problem_names[kind];
}

tfy_code tfy_input_check_options_init(tfy_input_check_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, check_options_sizes, TFY_INPUT_CHECK_OPTIONS_VERSION);
}

/* A limit that accepts TFY_NONE: the default for 0, INT64_MAX for none, -1 when out of range. */
static int64_t limit(int64_t v, int64_t dflt)
{
	return v == 0 ? dflt : v == TFY_NONE ? INT64_MAX : v < 0 ? -1 : v;
}

static tfy_code read_options(const tfy_input_check_options *opts, tfy_input_check_options *o,
                             tfy_error **err)
{
	const tfy_input_check_options init = TFY_INPUT_CHECK_OPTIONS_INIT;
	*o = init;
	if (opts && tfy__options_read(o, opts, check_options_sizes, TFY_INPUT_CHECK_OPTIONS_VERSION,
	                              "tfy_input_check_options", err) != TFY_OK)
		return TFY_ERROR_INVALID_ARGUMENT;
	if (o->reserved_ || o->reserved2_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_input_check_options: reserved fields must be 0");
	if (o->provider_kind < TFY_PROVIDER_KIND_OPENAI || o->provider_kind > TFY_PROVIDER_KIND_VERTEX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "provider_kind must be a TFY_PROVIDER_KIND_* value");
	o->max_requests = limit(o->max_requests, TFY_INPUT_MAX_REQUESTS_DEFAULT);
	o->max_bytes = limit(o->max_bytes, TFY_INPUT_MAX_BYTES_DEFAULT);
	o->max_problems = o->max_problems == 0 ? TFY_INPUT_MAX_PROBLEMS_DEFAULT : o->max_problems;
	o->max_line_bytes = tfy__line_max(o->max_line_bytes, TFY_RESULT_LINE_MAX_DEFAULT);
	if (o->max_requests < 0 || o->max_bytes < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "max_requests and max_bytes must be 0 (the default), TFY_NONE or positive");
	if (o->max_problems < 0 || o->max_line_bytes < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "max_problems must be 0 (the default) or positive, max_line_bytes 0 or 1 to 2^40");
	return TFY_OK;
}

/*
 * A quoted, shortened copy of text that came from the file: at most
 * QUOTE_MAX bytes (cut on a character boundary, "..." after), control
 * characters as '?', so a message stays one readable line.
 */
static const char *quote(char *buf, size_t size, const char *s, size_t n)
{
	size_t cut = tfy__utf8_cut(s, n, QUOTE_MAX), o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < cut && o + 5 < size; i++)
		buf[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[o++] = '"';
	if (cut < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void problem(checker *c, int64_t line, int32_t kind, const char *fmt, ...) TFY__PRINTF(4, 5);

static void problem_v(checker *c, int64_t line, int32_t kind, const char *fmt, va_list ap)
	TFY__PRINTF(4, 0);

/* Counts a problem, and keeps it while the report has room. */
static void problem_v(checker *c, int64_t line, int32_t kind, const char *fmt, va_list ap)
{
	c->report->pub.problems_total++;
	if ((int64_t)(c->problems.len / sizeof(void *)) >= c->o.max_problems)
		return;
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	tfy_input_problem *p = tfy__arena_alloc(c->report->arena, sizeof(*p));
	if (!p || !(p->message = tfy__arena_strndup(c->report->arena, text, strlen(text))) ||
	    tfy__buf_append(&c->problems, &p, sizeof(p)) < 0) {
		c->oom = 1;
		return;
	}
	p->line = line;
	p->kind = kind;
}

static void problem(checker *c, int64_t line, int32_t kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problem_v(c, line, kind, fmt, ap);
	va_end(ap);
}

void tfy__check_problem(tfy__check *c, int64_t line, int32_t kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problem_v(c, line, kind, fmt, ap);
	va_end(ap);
}

int64_t tfy__check_problems(const tfy__check *c)
{
	return c->report->pub.problems_total;
}

static void check_custom_id(checker *c, int64_t line, const tfy__input_line *in)
{
	char q[QUOTE_MAX + 8];
	int64_t first = 0;
	if (!in->custom_id_type || strcmp(in->custom_id_type, "null") == 0)
		problem(c, line, TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING, "custom_id is missing");
	else if (!in->custom_id)
		problem(c, line, TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING,
		        "custom_id is %s, not a string", in->custom_id_type);
	else if (in->custom_id_len == 0)
		problem(c, line, TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY, "custom_id is empty");
	else {
		int added = tfy__strset_add(&c->ids, in->custom_id, in->custom_id_len, line, &first);
		if (added < 0)
			c->oom = 1;
		else if (!added)
			problem(c, line, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE,
			        "custom_id %s was already used on line %" PRId64,
			        quote(q, sizeof(q), in->custom_id, in->custom_id_len), first);
	}
}

/* Vertex routes a line by x-tfy-provider-model: it may omit method, url and body.model. */
static int may_omit(const checker *c)
{
	return c->o.provider_kind == TFY_PROVIDER_KIND_VERTEX;
}

static void check_method(checker *c, int64_t line, const tfy__input_line *in)
{
	char q[QUOTE_MAX + 8];
	if (!in->method_type && may_omit(c))
		return;
	if (!in->method_type)
		problem(c, line, TFY_INPUT_PROBLEM_METHOD, "method is missing (it must be \"POST\")");
	else if (!in->method)
		problem(c, line, TFY_INPUT_PROBLEM_METHOD, "method is %s, not \"POST\"",
		        in->method_type);
	else if (in->method_len != 4 || memcmp(in->method, "POST", 4) != 0)
		problem(c, line, TFY_INPUT_PROBLEM_METHOD,
		        "method is %s; the Batch API takes \"POST\" only",
		        quote(q, sizeof(q), in->method, in->method_len));
}

/* The endpoint every url is held to: the option's, else the first url's (kept in the report). */
static void check_url(checker *c, int64_t line, const tfy__input_line *in)
{
	tfy_input_report *r = &c->report->pub;
	if (!in->url_type && may_omit(c))
		return;
	if (!in->url_type || strcmp(in->url_type, "null") == 0) {
		problem(c, line, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
		return;
	}
	if (!in->url || in->url_len == 0) {
		problem(c, line, TFY_INPUT_PROBLEM_URL_MISSING, "url is %s",
		        in->url                                 ? "empty"
		        : strcmp(in->url_type, "a string") == 0 ? "a string holding NUL"
		                                                : in->url_type);
		return;
	}
	if (!r->endpoint) {
		r->endpoint = tfy__arena_strndup(c->report->arena, in->url, in->url_len);
		c->expected_len = in->url_len;
		c->oom |= !r->endpoint;
		return;
	}
	if (in->url_len != c->expected_len || memcmp(in->url, r->endpoint, in->url_len) != 0) {
		char q[QUOTE_MAX + 8], e[QUOTE_MAX + 8];
		problem(c, line, TFY_INPUT_PROBLEM_URL_MISMATCH,
		        "url %s differs from the endpoint %s%s",
		        quote(q, sizeof(q), in->url, in->url_len),
		        quote(e, sizeof(e), r->endpoint, c->expected_len),
		        c->o.endpoint ? "" : " (the first line's)");
	}
}

/* body.model: present, and the first line's on every line (the gateway routes a batch by it). */
static void check_model(checker *c, int64_t line, const tfy__input_line *in)
{
	char q[QUOTE_MAX + 8], e[QUOTE_MAX + 8];
	if (!in->model_type && may_omit(c))
		return;
	if (!in->model_type || strcmp(in->model_type, "null") == 0) {
		problem(c, line, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is missing");
	} else if (!in->model) {
		problem(c, line, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is %s, not a string",
		        in->model_type);
	} else if (in->model_len == 0) {
		problem(c, line, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is empty");
	} else if (!c->model_line) {
		c->model_line = line;
		c->oom |= tfy__buf_append(&c->model, in->model, in->model_len) < 0;
	} else if (in->model_len != c->model.len || memcmp(in->model, c->model.data, c->model.len)) {
		problem(c, line, TFY_INPUT_PROBLEM_MODEL_MISMATCH,
		        "body.model %s differs from %s on line %" PRId64 "; a batch has one model",
		        quote(q, sizeof(q), in->model, in->model_len),
		        quote(e, sizeof(e), c->model.data, c->model.len), c->model_line);
	}
}

/* The batch's endpoint is `url`: the option, else the first line's url. */
static int endpoint_is(const checker *c, const char *url)
{
	const char *e = c->report->pub.endpoint;
	return e && c->expected_len == strlen(url) && memcmp(e, url, c->expected_len) == 0;
}

/* An embeddings batch takes TFY_INPUT_MAX_EMBEDDING_INPUTS inputs in all; the request past it is the problem. */
static void count_inputs(checker *c, int64_t line, const tfy__input_line *in)
{
	int64_t before = c->inputs;
	c->inputs += in->inputs;
	if (before <= TFY_INPUT_MAX_EMBEDDING_INPUTS && c->inputs > TFY_INPUT_MAX_EMBEDDING_INPUTS)
		problem(c, line, TFY_INPUT_PROBLEM_TOO_MANY_INPUTS,
		        "the batch's inputs come to %" PRId64 " here, past the limit of %d inputs of an "
		        "embeddings batch",
		        c->inputs, TFY_INPUT_MAX_EMBEDDING_INPUTS);
}

static void check_body(checker *c, int64_t line, const tfy__input_line *in)
{
	if (!in->body_type || strcmp(in->body_type, "null") == 0) {
		problem(c, line, TFY_INPUT_PROBLEM_BODY_MISSING, "body is missing");
		return;
	}
	if (strcmp(in->body_type, "an object") != 0) {
		problem(c, line, TFY_INPUT_PROBLEM_BODY_NOT_OBJECT, "body is %s, not an object",
		        in->body_type);
		return;
	}
	check_model(c, line, in);
	if (endpoint_is(c, "/v1/chat/completions") && !in->messages_type)
		problem(c, line, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY, "body.messages is missing");
	else if (endpoint_is(c, "/v1/chat/completions") && strcmp(in->messages_type, "an array") != 0)
		problem(c, line, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY,
		        "body.messages is %s, not an array of messages", in->messages_type);
	if (endpoint_is(c, "/v1/embeddings") && !c->job)
		count_inputs(c, line, in);
}

/* A line that is not blank is a request: the first past the limit is a problem. */
static void count_request(checker *c, int64_t line)
{
	tfy_input_report *r = &c->report->pub;
	r->requests++;
	if (c->o.max_requests != INT64_MAX && r->requests == c->o.max_requests + 1)
		problem(c, line, TFY_INPUT_PROBLEM_TOO_MANY_REQUESTS,
		        "request %" PRId64 " is past the limit of %" PRId64 " requests in a batch",
		        r->requests, c->o.max_requests);
}

/* One line that is not blank; its embedding inputs when the batch's endpoint takes them. */
static int64_t check_line(checker *c, int64_t n, const char *line, size_t len)
{
	count_request(c, n);
	tfy__input_line in;
	char detail[DETAIL_MAX] = "";
	tfy_code rc = tfy__decode_input_line(line, len, &in, &c->strings, &c->scratch, detail,
	                                     sizeof(detail));
	if (rc == TFY_ERROR_OUT_OF_MEMORY) {
		c->oom = 1;
	} else if (rc != TFY_OK) {
		problem(c, n, TFY_INPUT_PROBLEM_INVALID_JSON, "%s", detail);
	} else if (in.not_object) {
		problem(c, n, TFY_INPUT_PROBLEM_NOT_AN_OBJECT, "the line is %s, not a JSON object",
		        in.not_object);
	} else {
		check_custom_id(c, n, &in);
		check_method(c, n, &in);
		check_url(c, n, &in);
		check_body(c, n, &in);
		return endpoint_is(c, "/v1/embeddings") ? in.inputs : 0;
	}
	return 0;
}

int tfy__check_feed(tfy__check *c, int64_t line_no, int what, const char *line, size_t len,
                    int64_t *inputs)
{
	int64_t n = 0;
	int request = 1;
	if (what == TFY__LINE_TOO_LONG) {
		count_request(c, line_no);
		const char *which = c->job ? ", the longest a job's shard takes (max_bytes, at most 64 MiB)"
		                           : " (max_line_bytes)";
		problem(c, line_no, TFY_INPUT_PROBLEM_LINE_TOO_LONG,
		        "the line is longer than %" PRId64 " bytes%s; not read further",
		        c->o.max_line_bytes, which);
	} else if (!tfy__line_blank(line, len)) {
		n = check_line(c, line_no, line, len);
	} else {
		request = 0;
	}
	if (inputs)
		*inputs = n;
	return c->oom ? -1 : request;
}

/* The problems of the whole file, once every line is read. */
static void check_file(checker *c, int64_t lines, int64_t bytes)
{
	tfy_input_report *r = &c->report->pub;
	r->bytes = bytes;
	r->lines = lines;
	if (r->bytes > c->o.max_bytes)
		problem(c, 0, TFY_INPUT_PROBLEM_FILE_TOO_LARGE,
		        "the file is %" PRId64 " bytes, past the limit of %" PRId64, r->bytes,
		        c->o.max_bytes);
	if (r->requests == 0)
		problem(c, 0, TFY_INPUT_PROBLEM_EMPTY_FILE,
		        r->bytes ? "the file holds only blank lines" : "the file is empty");
	else if (c->o.provider_kind == TFY_PROVIDER_KIND_BEDROCK && !c->job &&
	         r->requests < TFY_INPUT_BEDROCK_MIN_REQUESTS)
		problem(c, 0, TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS,
		        "the file holds %" PRId64 " requests; a Bedrock batch takes %d at least",
		        r->requests, TFY_INPUT_BEDROCK_MIN_REQUESTS);
}

static tfy_code out_of_memory(tfy_error **err)
{
	if (err)
		*err = tfy__error_out_of_memory();
	return TFY_ERROR_OUT_OF_MEMORY;
}

tfy_code tfy__check_end(tfy__check *c, int64_t lines, int64_t bytes, tfy_input_report **out,
                        tfy_error **err)
{
	check_file(c, lines, bytes);
	size_t n;
	c->report->pub.problems_count = n = c->problems.len / sizeof(void *);
	if (n) {
		void *p = tfy__arena_alloc(c->report->arena, c->problems.len);
		if (!p)
			return out_of_memory(err);
		memcpy(p, c->problems.data, c->problems.len);
		c->report->pub.problems = p;
	}
	if (c->oom)
		return out_of_memory(err);
	*out = &c->report->pub;
	c->report = NULL;
	return TFY_OK;
}

void tfy__check_free(tfy__check *c)
{
	if (!c)
		return;
	if (c->report)
		tfy__arena_free(c->report->arena);
	tfy__buf_clear(&c->problems);
	tfy__buf_clear(&c->strings);
	tfy__buf_clear(&c->scratch);
	tfy__buf_clear(&c->model);
	tfy__strset_free(&c->ids);
	tfy__free(c);
}

/* The report's arena and the options' endpoint in it. */
static int new_report(checker *c)
{
	tfy__arena *arena = tfy__arena_new(4096);
	c->report = arena ? tfy__arena_alloc(arena, sizeof(*c->report)) : NULL;
	if (!c->report) {
		tfy__arena_free(arena);
		return -1;
	}
	c->report->arena = arena;
	if (c->o.endpoint) {
		c->expected_len = strlen(c->o.endpoint);
		c->report->pub.endpoint = tfy__arena_strndup(arena, c->o.endpoint, c->expected_len);
		if (!c->report->pub.endpoint)
			return -1;
	}
	return 0;
}

tfy_code tfy__check_new(const tfy_input_check_options *opts, int job, tfy__check **out, tfy_error **err)
{
	*out = NULL;
	tfy__check *c = tfy__calloc(1, sizeof(*c));
	if (!c)
		return out_of_memory(err);
	tfy_code rc = read_options(opts, &c->o, err);
	if (rc == TFY_OK && new_report(c) < 0)
		rc = out_of_memory(err);
	if (rc != TFY_OK) {
		tfy__check_free(c);
		return rc;
	}
	c->job = job;
	if (job) {
		c->o.max_requests = c->o.max_bytes = INT64_MAX;
		tfy__strset_init_hashed(&c->ids);
	}
	*out = c;
	return TFY_OK;
}

/* Feeds every line of l to a new check with opts; frees l. */
static tfy_code check_lines(const tfy_input_check_options *opts, tfy__lines *l,
                            tfy_input_report **out, tfy_error **err)
{
	tfy__check *c;
	tfy_code rc = tfy__check_new(opts, 0, &c, err);
	while (rc == TFY_OK) {
		const char *line = NULL;
		size_t len = 0;
		int what = tfy__lines_next(l, &line, &len);
		if (what == TFY__LINE_END)
			break;
		if (what != TFY__LINE_OK && what != TFY__LINE_TOO_LONG)
			rc = tfy__lines_error(l, what, err);
		else if (tfy__check_feed(c, l->line_no, what, line, len, NULL) < 0)
			rc = out_of_memory(err);
	}
	if (rc == TFY_OK)
		rc = tfy__check_end(c, l->line_no, l->bytes, out, err);
	tfy__check_free(c);
	tfy__lines_close(l);
	return rc;
}

/* The checks before any line: out and the options. */
static tfy_code start(const tfy_input_check_options *opts, tfy_input_check_options *o,
                      tfy_input_report **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "out must not be NULL");
	return read_options(opts, o, err);
}

tfy_code tfy_input_check_path(const char *path, const tfy_input_check_options *opts,
                              tfy_input_report **out, tfy_error **err)
{
	tfy_input_check_options o;
	tfy__lines l;
	tfy_code rc = start(opts, &o, out, err);
	if (rc == TFY_OK && !path)
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "path must not be NULL");
	if (rc != TFY_OK)
		return rc;
	rc = tfy__lines_open(&l, path, (size_t)o.max_line_bytes, 1, err);
	if (rc != TFY_OK) {
		tfy__lines_close(&l);
		return rc;
	}
	return check_lines(opts, &l, out, err);
}

tfy_code tfy_input_check_read(tfy_read_fn read, void *userdata, const tfy_input_check_options *opts,
                              tfy_input_report **out, tfy_error **err)
{
	tfy_input_check_options o;
	tfy__lines l;
	tfy_code rc = start(opts, &o, out, err);
	if (rc == TFY_OK && !read)
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "read must not be NULL");
	if (rc != TFY_OK)
		return rc;
	tfy__lines_init(&l, read, userdata, (size_t)o.max_line_bytes);
	return check_lines(opts, &l, out, err);
}

void tfy_input_report_free(tfy_input_report *report)
{
	if (report)
		tfy__arena_free(((report_owner *)report)->arena);
}
