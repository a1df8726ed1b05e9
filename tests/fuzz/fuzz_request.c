/*
 * libFuzzer harness: base URL normalisation and request building from
 * fuzzed fields.  The input is split at NULs into: base URL, after, header
 * name, header value, x-tfy-metadata key, its value, its JSON form, query
 * parameter value; the first byte picks the limit and which fields are set.
 * Invariants: a normalised URL is a prefix of the input starting with
 * http(s):// and no trailing slash; a built request's URL starts with it and
 * no header line holds CR, LF or another control character; a failed build
 * leaves the request empty and the error's code equal to the result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error_internal.h"
#include "request_build.h"

#define FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line)
{
	const char *colon = strchr(line, ':');
	if (!colon || colon == line || colon[1] != ' ')
		abort();
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	const char *f[FIELDS] = { 0 };
	const char *p = text, *end = text + size - 1;
	for (size_t i = 0; i < FIELDS && p <= end; i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}

	const char *why = NULL;
	char *base = tfy__base_url_normalise(f[0], &why);
	if (!base) {
		if (!why)
			abort();
	} else {
		size_t n = strlen(base);
		if (strncmp(base, f[0], n) != 0 || (n && base[n - 1] == '/') ||
		    (strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0))
			abort();
	}

	tfy_pair header = { f[2] ? f[2] : "", f[3] };
	tfy_pair meta = { f[4] ? f[4] : "", f[5] ? f[5] : "" };
	tfy_pair param = { "api-version", f[7] ? f[7] : "" };
	tfy_request_options call = TFY_REQUEST_OPTIONS_INIT, defaults = TFY_REQUEST_OPTIONS_INIT;
	if (flags & 0x40) {
		call.query_params = &param;
		call.query_params_count = 1;
	}
	if (flags & 0x8) {
		call.headers = &header;
		call.headers_count = 1;
	}
	if (flags & 0x10) {
		call.metadata_header = &meta;
		call.metadata_header_count = 1;
	}
	if (flags & 0x20)
		call.metadata_header_json = f[6];
	/* The endpoint's own query: limit (any of 0, 50, 100, 101) and after. */
	static const char *const limits[] = { "0", "50", "100", "101" };
	tfy_pair query[2] = { { "limit", limits[flags & 0x3] }, { "after", f[1] ? f[1] : "" } };
	const tfy__request_spec spec = { .method = "GET",
		                         .path = "/batches",
		                         .query = query,
		                         .query_count = (flags & 0x4) ? 2 : 1 };
	const tfy__options_pair pair = { &call, &defaults };
	const tfy__target target = { base ? base : "http://localhost", "tfy-key",
		                     (flags & 0x80) ? "api-key" : NULL };
	tfy__request req;
	tfy_error *err = NULL;
	tfy_code rc = tfy__request_build(&target, &pair, &spec, &req, &err);
	if (rc == TFY_OK) {
		if (err || !req.url || strncmp(req.url, target.base_url, strlen(target.base_url)) != 0 ||
		    strncmp(req.url + strlen(target.base_url), "/batches", 8) != 0)
			abort();
		for (size_t i = 0; i < req.count; i++)
			check_line(req.headers[i]);
	} else {
		if (rc != TFY_ERROR_INVALID_ARGUMENT || !err || err->code != rc || req.url ||
		    req.headers || req.count)
			abort();
	}
	tfy__request_clear(&req);
	tfy_error_free(err);
	free(base);
	free(text);
	return 0;
}
