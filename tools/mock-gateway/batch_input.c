#include "batch_input.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonl.h"

#define FAIL_PREFIX "fail"

struct reading {
	struct mgw_batch_input *in;
	struct mgw_flaky *flaky;
	bool failed;
};

/* `text` quoted as JSON (a new string), or NULL when memory runs out. */
static char *encode(const json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *grown;
	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	if (!(grown = realloc(*p, c * size)))
		return false;
	*p = grown;
	*cap = c;
	return true;
}

static unsigned char fate_of(struct reading *r, const char *id, size_t len)
{
	if (len >= strlen(FAIL_PREFIX) && memcmp(id, FAIL_PREFIX, strlen(FAIL_PREFIX)) == 0)
		return MGW_FATE_FAIL;
	if (mgw_flaky_is(id, len) && mgw_flaky_first_time(r->flaky, id, len))
		return MGW_FATE_FLAKY;
	return MGW_FATE_OK;
}

/* The first request names the model: the checker wants the same on every line. */
static bool take_model(struct mgw_batch_input *in, const json_t *req)
{
	const json_t *model = json_object_get(json_object_get(req, "body"), "model");
	if (!json_is_string(model))
		return (in->model_json = strdup("null")) != NULL;
	in->model = strdup(json_string_value(model));
	in->model_json = encode(model);
	return in->model && in->model_json;
}

static bool add_request(struct reading *r, const json_t *custom_id)
{
	struct mgw_batch_input *in = r->in;
	const char *id = json_string_value(custom_id);
	size_t len = json_string_length(custom_id), quoted;
	char *text = encode(custom_id);
	struct mgw_request *q;
	bool ok = text && grow((void **)&in->requests, &in->cap, in->count + 1, sizeof *q) &&
	          grow((void **)&in->ids, &in->ids_cap, in->ids_len + strlen(text), 1);
	if (ok) {
		quoted = strlen(text);
		q = &in->requests[in->count++];
		*q = (struct mgw_request){ in->ids_len, quoted - 2, (uint32_t)len, 0, 0 };
		for (size_t k = 0; k < len; k++)
			q->id_sum += (unsigned char)id[k];
		memcpy(in->ids + in->ids_len, text + 1, quoted - 2);
		in->ids_len += quoted - 2;
		q->fate = fate_of(r, id, len);
		in->failing += q->fate != MGW_FATE_OK;
	}
	free(text);
	return ok;
}

static bool read_line(const char *line, size_t len, long long lineno, void *ctx)
{
	struct reading *r = ctx;
	json_t *req = json_loadb(line, len, 0, NULL);
	const json_t *custom_id = json_object_get(req, "custom_id");
	(void)lineno;
	r->failed = !json_is_string(custom_id) || (r->in->count == 0 && !take_model(r->in, req)) ||
	            !add_request(r, custom_id);
	json_decref(req);
	return !r->failed;
}

struct mgw_batch_input *mgw_batch_input_read(const char *path, struct mgw_flaky *flaky)
{
	struct reading r = { calloc(1, sizeof *r.in), flaky, false };
	if (!r.in)
		return NULL;
	if (!mgw_jsonl_each(path, read_line, &r) || r.failed || r.in->count == 0) {
		mgw_batch_input_free(r.in);
		return NULL;
	}
	return r.in;
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

char *mgw_batch_input_first_model(const char *path)
{
	char *model = NULL;
	mgw_jsonl_each(path, first_model, &model);
	return model;
}

void mgw_batch_input_free(struct mgw_batch_input *in)
{
	if (!in)
		return;
	free(in->ids);
	free(in->requests);
	free(in->model);
	free(in->model_json);
	free(in);
}
