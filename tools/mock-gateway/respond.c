/* Turning JSON into HTTP responses the way api.openai.com sends them. */
#include "respond.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

json_t *mgw_string_lossy(const char *s)
{
	json_t *str;
	char *copy;
	size_t len;
	if (!s)
		return json_null();
	str = json_string(s);
	if (str)
		return str;
	/* jansson refuses invalid UTF-8; ASCII-only is always accepted. */
	len = strlen(s);
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	for (size_t k = 0; k <= len; k++)
		copy[k] = (unsigned char)s[k] < 0x80 ? s[k] : '?';
	str = json_string(copy);
	free(copy);
	return str;
}

json_t *mgw_error_body(const char *message, const char *param, const char *code)
{
	return json_pack("{s:{s:o, s:s, s:s?, s:s?}}", "error", "message", mgw_string_lossy(message),
	                 "type", "invalid_request_error", "param", param, "code", code);
}

json_t *mgw_error_body3(const char *prefix, const char *value, const char *suffix,
                        const char *param, const char *code)
{
	size_t a = strlen(prefix), b = strlen(value), c = strlen(suffix);
	char *message = malloc(a + b + c + 1);
	json_t *body;
	if (!message)
		return NULL;
	memcpy(message, prefix, a);
	memcpy(message + a, value, b);
	memcpy(message + a + b, suffix, c + 1);
	body = mgw_error_body(message, param, code);
	free(message);
	return body;
}

/* One coding of an Accept-Encoding list, e.g. "gzip;q=0.5"; q=0 means refused. */
static bool coding_admits_gzip(const char *item, size_t len)
{
	size_t name = 0;
	const char *q;
	while (name < len && item[name] != ';' && item[name] != ' ' && item[name] != '\t')
		name++;
	if (!((name == 4 && strncasecmp(item, "gzip", 4) == 0) || (name == 1 && item[0] == '*')))
		return false;
	for (q = item + name; q < item + len; q++) {
		if ((*q == 'q' || *q == 'Q') && q + 1 < item + len && q[1] == '=')
			return strtod(q + 2, NULL) > 0.0;
	}
	return true;
}

bool mgw_accepts_gzip(const char *accept_encoding)
{
	const char *p = accept_encoding;
	if (!p)
		return false;
	while (*p) {
		size_t len;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		len = strcspn(p, ",");
		if (len && coding_admits_gzip(p, len))
			return true;
		p += len;
	}
	return false;
}

/* Compresses in one shot: pages are at most a few hundred KB. */
char *mgw_gzip(const char *in, size_t len, size_t *out_len)
{
	z_stream zs;
	char *out;
	uLong bound;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	bound = deflateBound(&zs, (uLong)len);
	out = malloc(bound);
	if (out) {
		zs.next_in = (Bytef *)(uintptr_t)in;
		zs.avail_in = (uInt)len;
		zs.next_out = (Bytef *)out;
		zs.avail_out = (uInt)bound;
		if (deflate(&zs, Z_FINISH) == Z_STREAM_END) {
			*out_len = zs.total_out;
		} else {
			free(out);
			out = NULL;
		}
	}
	deflateEnd(&zs);
	return out;
}

char *mgw_reply_encode(const struct mgw_reply *r, size_t *len)
{
	char *dumped = json_dumps(r->body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *text, *packed;
	if (!dumped)
		return NULL;
	/* A final newline, like the live API, keeps terminals tidy under curl. */
	*len = strlen(dumped);
	text = realloc(dumped, *len + 2);
	if (!text) {
		free(dumped);
		return NULL;
	}
	text[(*len)++] = '\n';
	text[*len] = '\0';
	if (!r->gzip)
		return text;
	packed = mgw_gzip(text, *len, len);
	free(text);
	return packed;
}

static bool add_headers(struct MHD_Response *resp, const struct mgw_reply *r)
{
	const char *type = r->content_type ? r->content_type : "application/json";
	bool ok = MHD_add_response_header(resp, "Content-Type", type) == MHD_YES &&
	          MHD_add_response_header(resp, "x-request-id", r->request_id) == MHD_YES;
	if (ok && r->gzip)
		ok = MHD_add_response_header(resp, "Content-Encoding", "gzip") == MHD_YES;
	if (ok && r->allow)
		ok = MHD_add_response_header(resp, "Allow", r->allow) == MHD_YES;
	return ok;
}

enum MHD_Result mgw_reply_queue(struct MHD_Connection *conn, const struct mgw_reply *r,
                                struct MHD_Response *resp)
{
	enum MHD_Result ret;
	if (!resp)
		return MHD_NO;
	if (!add_headers(resp, r)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result mgw_reply_send(struct MHD_Connection *conn, const struct mgw_reply *r)
{
	size_t len = 0;
	char *buf = r->body ? mgw_reply_encode(r, &len) : NULL;
	struct MHD_Response *resp;
	json_decref(r->body);
	if (!buf)
		return MHD_NO; /* out of memory: MHD closes the connection */
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(buf);
	return mgw_reply_queue(conn, r, resp);
}
