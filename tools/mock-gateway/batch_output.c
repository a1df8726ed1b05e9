/* Lines are printed from templates into a buffer that goes to the store a
 * megabyte at a time: writing is linear in the output and does no JSON
 * work per line (the custom_ids and the model were encoded when read). */
#include "batch_output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_SIZE 256
#define FLUSH_AT (1u << 20)

/* One output file on its way to the store. */
struct sink {
	struct mgw_store *st;
	struct mgw_file_writer *w; /* NULL until the first line */
	char *buf;
	size_t len, cap;
	int64_t lines;
	bool failed;
};

/* FNV-1a over `len` bytes: stable ids and numbers from text. */
static uint64_t fnv(const char *s, size_t len, uint64_t h)
{
	for (size_t k = 0; k < len; k++)
		h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
	return h;
}

void mgw_usage_of(uint32_t bytes, uint32_t sum, bool embedding, struct mgw_usage *u)
{
	u->input_tokens = 10 + sum % 90;
	u->cached_tokens = 4 * (sum % 3);
	u->output_tokens = embedding ? 0 : 5 + bytes % 50;
	u->reasoning_tokens = embedding ? 0 : bytes % 4;
	u->total_tokens = u->input_tokens + u->output_tokens;
}

static void usage_add(struct mgw_usage *sum, const struct mgw_usage *u)
{
	sum->input_tokens += u->input_tokens;
	sum->cached_tokens += u->cached_tokens;
	sum->output_tokens += u->output_tokens;
	sum->reasoning_tokens += u->reasoning_tokens;
	sum->total_tokens += u->total_tokens;
}

json_t *mgw_usage_json(const struct mgw_usage *u)
{
	return json_pack("{s:I, s:{s:I}, s:I, s:{s:I}, s:I}", "input_tokens",
	                 (json_int_t)u->input_tokens, "input_tokens_details", "cached_tokens",
	                 (json_int_t)u->cached_tokens, "output_tokens", (json_int_t)u->output_tokens,
	                 "output_tokens_details", "reasoning_tokens", (json_int_t)u->reasoning_tokens,
	                 "total_tokens", (json_int_t)u->total_tokens);
}

/* ---- the sink ---------------------------------------------------------- */

static void flush(struct sink *s)
{
	bool full;
	if (s->failed || s->len == 0)
		return;
	if (!s->w)
		s->w = mgw_store_begin(s->st);
	s->failed = !s->w || !mgw_writer_write(s->w, s->buf, s->len, &full);
	s->len = 0;
}

/* Room for more than `n` bytes; false (remembered) when memory runs out. */
static bool room(struct sink *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 2 * FLUSH_AT;
	char *grown;
	if (s->failed)
		return false;
	if (s->buf && n < s->cap - s->len)
		return true;
	while (cap - s->len <= n)
		cap *= 2;
	if (!(grown = realloc(s->buf, cap))) {
		s->failed = true;
		return false;
	}
	s->buf = grown;
	s->cap = cap;
	return true;
}

static void put(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends printf-style text; a failure is remembered for the end. */
static void put(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	int n = 0;
	for (size_t want = 256; room(s, want); want = (size_t)n) {
		va_start(ap, fmt);
		n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->failed = true;
		} else if ((size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
	}
}

/* Commits the file as `id` ("" when it got no line). */
static bool commit(struct sink *s, const char *batch_id, const char *kind, char id[MGW_FILE_ID_SIZE])
{
	char name[NAME_SIZE];
	json_t *obj;
	id[0] = '\0';
	flush(s);
	if (s->failed)
		return false;
	if (!s->w)
		return true;
	snprintf(name, sizeof name, "%.100s_%s.jsonl", batch_id, kind);
	obj = mgw_writer_commit(s->w, name, "batch_output");
	s->w = NULL;
	if (obj)
		snprintf(id, MGW_FILE_ID_SIZE, "%s", json_string_value(json_object_get(obj, "id")));
	json_decref(obj);
	return obj != NULL;
}

static void sink_free(struct sink *s)
{
	mgw_writer_abort(s->w);
	free(s->buf);
}

/* ---- the lines --------------------------------------------------------- */

struct line {
	const struct mgw_batch_source *src;
	const struct mgw_request *q;
	const char *id; /* q's escaped custom_id */
	int idn;
	uint64_t h;
};

static void open_line(struct sink *s, const struct line *l, unsigned status)
{
	put(s,
	    "{\"id\":\"batch_req_mock%016llx\",\"custom_id\":\"%.*s\",\"response\":{\"status_code\":%u,"
	    "\"request_id\":\"req_mock%016llx%08llx\",\"body\":",
	    (unsigned long long)l->h, l->idn, l->id, status, (unsigned long long)l->h,
	    (unsigned long long)(l->q - l->src->input->requests) + 1);
}

static void close_line(struct sink *s)
{
	put(s, "},\"error\":null}\n");
	s->lines++;
	if (s->len >= FLUSH_AT)
		flush(s);
}

static void chat_body(struct sink *s, const struct line *l, const struct mgw_usage *u)
{
	put(s,
	    "{\"id\":\"chatcmpl-mock%016llx\",\"object\":\"chat.completion\",\"created\":%lld,"
	    "\"model\":%s,\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
	    "\"content\":\"Mock reply to %.*s.\"},\"finish_reason\":\"stop\"}],"
	    "\"usage\":{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,\"total_tokens\":%lld,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":%lld},"
	    "\"completion_tokens_details\":{\"reasoning_tokens\":%lld}}}",
	    (unsigned long long)l->h, l->src->created_at, l->src->input->model_json, l->idn, l->id,
	    (long long)u->input_tokens, (long long)u->output_tokens, (long long)u->total_tokens,
	    (long long)u->cached_tokens, (long long)u->reasoning_tokens);
}

static void embedding_body(struct sink *s, const struct line *l, const struct mgw_usage *u)
{
	uint64_t h = l->h;
	put(s, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[");
	for (int k = 0; k < 4; k++, h >>= 16)
		put(s, "%s%.6f", k ? "," : "", (double)(h & 0xffff) / 65536.0 - 0.5);
	put(s, "]}],\"model\":%s,\"usage\":{\"prompt_tokens\":%lld,\"total_tokens\":%lld}}",
	    l->src->input->model_json, (long long)u->input_tokens, (long long)u->total_tokens);
}

static void failure_body(struct sink *s, const struct line *l)
{
	put(s,
	    "{\"error\":{\"message\":\"Mock failure for request %.*s (its custom_id starts with "
	    "'fail').\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"mock_failure\"}}",
	    l->idn, l->id);
}

/* OpenAI's words for a rate limit, as its batch error files carry them. */
static void rate_limit_body(struct sink *s)
{
	put(s, "{\"error\":{\"message\":\"Rate limit reached in organization org-mock on requests per "
	       "min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit "
	       "https://platform.openai.com/account/rate-limits to learn more.\",\"type\":"
	       "\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
}

static void write_request(const struct line *l, struct sink *out, struct sink *err,
                          struct mgw_usage *sum)
{
	bool embedding = strcmp(l->src->endpoint, "/v1/embeddings") == 0;
	struct mgw_usage u;
	if (l->q->fate != MGW_FATE_OK) {
		bool flaky = l->q->fate == MGW_FATE_FLAKY;
		open_line(err, l, flaky ? 429 : 400);
		if (flaky)
			rate_limit_body(err);
		else
			failure_body(err, l);
		close_line(err);
		return;
	}
	mgw_usage_of(l->q->id_bytes, l->q->id_sum, embedding, &u);
	usage_add(sum, &u);
	open_line(out, l, 200);
	if (embedding)
		embedding_body(out, l, &u);
	else
		chat_body(out, l, &u);
	close_line(out);
}

bool mgw_batch_output_write(struct mgw_store *st, const struct mgw_batch_source *src,
                            struct mgw_batch_result *result)
{
	const struct mgw_batch_input *in = src->input;
	struct sink out = { .st = st }, err = { .st = st };
	uint64_t seed = fnv(src->batch_id, strlen(src->batch_id), 1469598103934665603ull);
	struct mgw_usage sum = { 0, 0, 0, 0, 0 };
	bool ok;
	for (size_t k = 0; k < src->records && k < in->count && !out.failed && !err.failed; k++) {
		const struct mgw_request *q = &in->requests[k];
		struct line l = { src, q, in->ids + q->id_at, (int)q->id_len, 0 };
		l.h = fnv(l.id, q->id_len, seed + k);
		write_request(&l, &out, &err, &sum);
	}
	ok = commit(&out, src->batch_id, "output", result->output_id);
	if (!commit(&err, src->batch_id, "error", result->error_id) || !ok) {
		if (result->output_id[0])
			mgw_store_delete(st, result->output_id);
		if (result->error_id[0])
			mgw_store_delete(st, result->error_id);
		ok = false;
	}
	result->completed = out.lines;
	result->failed = err.lines;
	result->usage = sum;
	sink_free(&out);
	sink_free(&err);
	return ok;
}
