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
static bool take_model(struct mgw_batch_input *in, const char *line, size_t len)
{
	json_t *req = json_loadb(line, len, 0, NULL);
	const json_t *model = json_object_get(json_object_get(req, "body"), "model");
	bool ok;
	if (!json_is_string(model)) {
		ok = (in->model_json = strdup("null")) != NULL;
	} else {
		in->model = strdup(json_string_value(model));
		in->model_json = encode(model);
		ok = in->model && in->model_json;
	}
	json_decref(req);
	return ok;
}

/* ---- finding the custom_id ---------------------------------------------
 * jansson would build every line's whole tree (most of the time a batch
 * takes at create). The input checker has accepted each line, so a scanner
 * that only skips values finds the custom_id's text; a line it does not
 * follow goes to jansson after all. */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the string at p (its opening quote), or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past the value at p, or NULL. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;
	while (p < end) {
		if (*p == '"') {
			if (!(p = skip_string(p, end)) || depth == 0)
				return p;
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return p; /* a number, true, false or null just ended */
			if (--depth == 0)
				return p + 1;
		} else if (depth == 0 && (*p == ',' || skip_ws(p, end) != p)) {
			return p;
		}
		p++;
	}
	return depth == 0 ? p : NULL;
}

/* The text of the object's last member `name` as [*at, *stop); false when
 * there is none or the text is not followed. */
static bool member(const char *p, const char *end, const char *name, const char **at, const char **stop)
{
	size_t n = strlen(name);
	bool found = false;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return false;
	for (p = skip_ws(p + 1, end); p < end && *p == '"';) {
		const char *key = p, *value;
		if (!(p = skip_string(p, end)))
			return false;
		bool match = (size_t)(p - key) == n + 2 && memcmp(key + 1, name, n) == 0;
		p = skip_ws(p, end);
		if (p >= end || *p != ':' || !(p = skip_value(value = skip_ws(p + 1, end), end)))
			return false;
		if (match) {
			*at = value;
			*stop = p;
			found = true;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return found && p < end && *p == '}';
}

/* Adds a request whose custom_id is the JSON string text `quoted` (quotes
 * included, `n` bytes) and decodes to `id` (`len` bytes). */
static bool add_decoded(struct reading *r, const char *quoted, size_t n, const char *id, size_t len)
{
	struct mgw_batch_input *in = r->in;
	struct mgw_request *q;
	if (!grow((void **)&in->requests, &in->cap, in->count + 1, sizeof *q) ||
	    !grow((void **)&in->ids, &in->ids_cap, in->ids_len + n, 1))
		return false;
	q = &in->requests[in->count++];
	*q = (struct mgw_request){ in->ids_len, n - 2, (uint32_t)len, 0, 0 };
	for (size_t k = 0; k < len; k++)
		q->id_sum += (unsigned char)id[k];
	memcpy(in->ids + in->ids_len, quoted + 1, n - 2);
	in->ids_len += n - 2;
	q->fate = fate_of(r, id, len);
	in->failing += q->fate != MGW_FATE_OK;
	return true;
}

/* The escaped text is kept as it came (valid JSON inside quotes); only
 * a custom_id with escapes needs decoding for its bytes. */
static bool add_request(struct reading *r, const char *quoted, size_t n)
{
	json_t *decoded;
	bool ok;
	if (!memchr(quoted, '\\', n))
		return add_decoded(r, quoted, n, quoted + 1, n - 2);
	decoded = json_loadb(quoted, n, JSON_DECODE_ANY, NULL);
	ok = json_is_string(decoded) &&
	     add_decoded(r, quoted, n, json_string_value(decoded), json_string_length(decoded));
	json_decref(decoded);
	return ok;
}

/* A line the scanner does not follow, through jansson. */
static bool add_parsed(struct reading *r, const char *line, size_t len)
{
	json_t *req = json_loadb(line, len, 0, NULL);
	const json_t *custom_id = json_object_get(req, "custom_id");
	char *text = json_is_string(custom_id) ? encode(custom_id) : NULL;
	bool ok = text && add_request(r, text, strlen(text));
	free(text);
	json_decref(req);
	return ok;
}

static bool read_line(const char *line, size_t len, long long lineno, void *ctx)
{
	struct reading *r = ctx;
	const char *at = NULL, *stop = NULL;
	(void)lineno;
	if (r->in->count == 0 && !take_model(r->in, line, len))
		r->failed = true;
	else if (member(line, line + len, "custom_id", &at, &stop) && *at == '"' && stop - at >= 2)
		r->failed = !add_request(r, at, (size_t)(stop - at));
	else
		r->failed = !add_parsed(r, line, len);
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
