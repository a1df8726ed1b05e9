#include "batch_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

#define FAIL_PREFIX "fail"
#define NAME_SIZE 256

/* FNV-1a: stable ids and numbers from text. */
static uint64_t fnv(const char *s, uint64_t h)
{
	if (!h)
		h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool fails(const char *custom_id)
{
	return custom_id && strncmp(custom_id, FAIL_PREFIX, strlen(FAIL_PREFIX)) == 0;
}

static bool count_line(const char *line, size_t len, long long lineno, void *ctx)
{
	json_t *req = json_loadb(line, len, 0, NULL);
	(void)lineno;
	if (fails(json_string_value(json_object_get(req, "custom_id"))))
		++*(int64_t *)ctx;
	json_decref(req);
	return true;
}

int64_t mgw_batch_output_failing(const char *input_path)
{
	int64_t n = 0;
	return mgw_jsonl_each(input_path, count_line, &n) ? n : -1;
}

static bool first_model(const char *line, size_t len, long long lineno, void *ctx)
{
	json_t *req = json_loadb(line, len, 0, NULL);
	const char *model = json_string_value(json_object_get(json_object_get(req, "body"), "model"));
	(void)lineno;
	*(char **)ctx = model ? strdup(model) : NULL;
	json_decref(req);
	return false; /* the first request only */
}

char *mgw_batch_output_model(const char *input_path)
{
	char *model = NULL;
	mgw_jsonl_each(input_path, first_model, &model);
	return model;
}

json_t *mgw_usage_json(const struct mgw_usage *u)
{
	return json_pack("{s:I, s:{s:I}, s:I, s:{s:I}, s:I}", "input_tokens",
	                 (json_int_t)u->input_tokens, "input_tokens_details", "cached_tokens",
	                 (json_int_t)u->cached_tokens, "output_tokens", (json_int_t)u->output_tokens,
	                 "output_tokens_details", "reasoning_tokens", (json_int_t)u->reasoning_tokens,
	                 "total_tokens", (json_int_t)u->total_tokens);
}

/* A count of `usage` under the first of two names (chat's, then the
 * Responses API's), 0 when neither is an integer. */
static int64_t tokens(const json_t *usage, const char *name, const char *other)
{
	const json_t *v = json_object_get(usage, name);
	if (!json_is_integer(v))
		v = json_object_get(usage, other);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Adds the usage of one answer's body. */
static void add_usage(struct mgw_usage *sum, const json_t *body)
{
	const json_t *u = json_object_get(body, "usage");
	const json_t *in = json_object_get(u, "prompt_tokens_details");
	const json_t *out = json_object_get(u, "completion_tokens_details");
	sum->input_tokens += tokens(u, "prompt_tokens", "input_tokens");
	sum->output_tokens += tokens(u, "completion_tokens", "output_tokens");
	sum->total_tokens += tokens(u, "total_tokens", "total_tokens");
	sum->cached_tokens += tokens(in ? in : json_object_get(u, "input_tokens_details"),
	                             "cached_tokens", "cached_tokens");
	sum->reasoning_tokens += tokens(out ? out : json_object_get(u, "output_tokens_details"),
	                                "reasoning_tokens", "reasoning_tokens");
}

static json_t *embedding(json_t *model, uint64_t h)
{
	json_t *vector = json_array();
	for (int k = 0; vector && k < 4; k++, h >>= 16)
		json_array_append_new(vector, json_real((double)(h & 0xffff) / 65536.0 - 0.5));
	return json_pack("{s:s, s:[{s:s, s:i, s:o}], s:O, s:{s:i, s:i}}", "object", "list", "data",
	                 "object", "embedding", "index", 0, "embedding", vector, "model", model,
	                 "usage", "prompt_tokens", 8, "total_tokens", 8);
}

static json_t *chat_completion(json_t *model, const char *custom_id, uint64_t h, long long created)
{
	char id[64], content[512];
	snprintf(id, sizeof id, "chatcmpl-mock%016llx", (unsigned long long)h);
	snprintf(content, sizeof content, "Mock reply to %.400s.", custom_id);
	return json_pack("{s:s, s:s, s:I, s:O, s:[{s:i, s:{s:s, s:s}, s:s}], s:{s:i, s:i, s:i}}",
	                 "id", id, "object", "chat.completion", "created", (json_int_t)created,
	                 "model", model, "choices", "index", 0, "message", "role", "assistant",
	                 "content", content, "finish_reason", "stop", "usage", "prompt_tokens", 8,
	                 "completion_tokens", 4, "total_tokens", 12);
}

static json_t *failure(const char *custom_id)
{
	char message[512];
	snprintf(message, sizeof message,
	         "Mock failure for request %.400s (its custom_id starts "
	         "with 'fail').",
	         custom_id);
	return json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message", message, "type",
	                 "invalid_request_error", "param", "code", "mock_failure");
}

struct writing {
	const struct mgw_batch_source *src;
	struct mgw_store *st;
	struct mgw_file_writer *out, *err;
	bool failed;
	struct mgw_usage usage; /* of the answers written */
};

static bool put(struct writing *w, struct mgw_file_writer **to, json_t *line)
{
	char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	bool full, ok;
	json_decref(line);
	if (!*to)
		*to = mgw_store_begin(w->st);
	ok = text && *to && mgw_writer_write(*to, text, strlen(text), &full) &&
	     mgw_writer_write(*to, "\n", 1, &full);
	free(text);
	return ok;
}

static json_t *answer_line(const struct mgw_batch_source *src, json_t *req, long long lineno,
                           struct mgw_usage *usage)
{
	const char *custom_id = json_string_value(json_object_get(req, "custom_id"));
	json_t *model = json_object_get(json_object_get(req, "body"), "model");
	uint64_t h = fnv(custom_id, fnv(src->batch_id, 0) + (uint64_t)lineno);
	char id[64], request_id[64];
	json_t *body;
	bool failing = fails(custom_id);
	if (!model)
		model = json_null();
	snprintf(id, sizeof id, "batch_req_mock%016llx", (unsigned long long)h);
	snprintf(request_id, sizeof request_id, "req_mock%016llx%08llx", (unsigned long long)h,
	         (unsigned long long)lineno);
	if (failing)
		body = failure(custom_id);
	else if (strcmp(src->endpoint, "/v1/embeddings") == 0)
		body = embedding(model, h);
	else
		body = chat_completion(model, custom_id, h, src->created_at);
	add_usage(usage, body);
	return json_pack("{s:s, s:s, s:{s:i, s:s, s:o}, s:n}", "id", id, "custom_id", custom_id,
	                 "response", "status_code", failing ? 400 : 200, "request_id", request_id,
	                 "body", body, "error");
}

static bool write_line(const char *line, size_t len, long long lineno, void *ctx)
{
	struct writing *w = ctx;
	json_t *req = json_loadb(line, len, 0, NULL);
	bool failing = fails(json_string_value(json_object_get(req, "custom_id")));
	if (!json_is_object(req) ||
	    !put(w, failing ? &w->err : &w->out, answer_line(w->src, req, lineno, &w->usage)))
		w->failed = true;
	json_decref(req);
	return !w->failed;
}

/* Commits `w` as the file of `id` ("" when there was nothing to write). */
static bool commit(struct mgw_file_writer *w, const char *batch_id, const char *kind,
                   char id[MGW_FILE_ID_SIZE])
{
	char name[NAME_SIZE];
	json_t *obj;
	id[0] = '\0';
	if (!w)
		return true;
	snprintf(name, sizeof name, "%.100s_%s.jsonl", batch_id, kind);
	obj = mgw_writer_commit(w, name, "batch_output");
	if (obj)
		snprintf(id, MGW_FILE_ID_SIZE, "%s", json_string_value(json_object_get(obj, "id")));
	json_decref(obj);
	return obj != NULL;
}

bool mgw_batch_output_write(struct mgw_store *st, const struct mgw_batch_source *src,
                            char output_id[MGW_FILE_ID_SIZE], char error_id[MGW_FILE_ID_SIZE],
                            struct mgw_usage *usage)
{
	struct writing w = { src, st, NULL, NULL, false, { 0, 0, 0, 0, 0 } };
	bool ok = mgw_jsonl_each(src->input_path, write_line, &w) && !w.failed;
	if (!ok) {
		mgw_writer_abort(w.out);
		mgw_writer_abort(w.err);
		return false;
	}
	ok = commit(w.out, src->batch_id, "output", output_id);
	if (!commit(w.err, src->batch_id, "error", error_id) || !ok) {
		if (output_id[0])
			mgw_store_delete(st, output_id);
		if (error_id[0])
			mgw_store_delete(st, error_id);
		return false;
	}
	*usage = w.usage;
	return true;
}
