/*
 * The result reader: batch output and error files, one record a line,
 * through one reused line buffer (lines.c) and one reused string buffer.
 */
#include "tfy/results.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "decode.h"
#include "error_internal.h"
#include "lines.h"
#include "options.h"

#define DETAIL_MAX 256

struct tfy_result_reader {
	tfy__lines lines;
	tfy__buf strings; /* the current record's strings */
	tfy__buf scratch; /* the decoder's, reused */
	tfy_result rec;
};

static const size_t reader_options_sizes[] = { sizeof(tfy_result_reader_options) };

tfy_code tfy_result_reader_options_init(tfy_result_reader_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, reader_options_sizes,
	                         TFY_RESULT_READER_OPTIONS_VERSION);
}

/* The longest line the options allow, or 0 with *err set. */
static size_t read_options(const tfy_result_reader_options *opts, tfy_error **err)
{
	tfy_result_reader_options o = TFY_RESULT_READER_OPTIONS_INIT;
	if (opts && tfy__options_read(&o, opts, reader_options_sizes, TFY_RESULT_READER_OPTIONS_VERSION,
	                              "tfy_result_reader_options", err) != TFY_OK)
		return 0;
	if (o.reserved_) {
		tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		               "tfy_result_reader_options: reserved fields must be 0");
		return 0;
	}
	int64_t max = tfy__line_max(o.max_line_bytes, TFY_RESULT_LINE_MAX_DEFAULT);
	if (max < 0)
		tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		               "max_line_bytes must be 0 (the default) or 1 to 2^40");
	return max < 0 ? 0 : (size_t)max;
}

/* A new reader with the options read; NULL with *rc and *err set on failure. */
static tfy_result_reader *reader_new(const tfy_result_reader_options *opts, size_t *max_line,
                                     tfy_code *rc, tfy_error **err)
{
	*max_line = read_options(opts, err);
	if (!*max_line) {
		*rc = err && *err ? (*err)->code : TFY_ERROR_INVALID_ARGUMENT;
		return NULL;
	}
	tfy_result_reader *r = tfy__calloc(1, sizeof(*r));
	if (!r)
		*rc = tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return r;
}

static void start_call(tfy_result_reader **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
}

tfy_code tfy_result_reader_open(const char *path, const tfy_result_reader_options *opts,
                                tfy_result_reader **out, tfy_error **err)
{
	start_call(out, err);
	if (!path || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "path and out must not be NULL");
	size_t max_line;
	tfy_code rc = TFY_OK;
	tfy_result_reader *r = reader_new(opts, &max_line, &rc, err);
	if (!r)
		return rc;
	/* Not only regular files: a FIFO the caller feeds (a decompressor's) is read as it comes. */
	rc = tfy__lines_open(&r->lines, path, max_line, 0, err);
	if (rc != TFY_OK) {
		tfy_result_reader_free(r);
		return rc;
	}
	*out = r;
	return TFY_OK;
}

tfy_code tfy_result_reader_new(tfy_read_fn read, void *userdata, const tfy_result_reader_options *opts,
                               tfy_result_reader **out, tfy_error **err)
{
	start_call(out, err);
	if (!read || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "read and out must not be NULL");
	size_t max_line;
	tfy_code rc = TFY_OK;
	tfy_result_reader *r = reader_new(opts, &max_line, &rc, err);
	if (!r)
		return rc;
	tfy__lines_init(&r->lines, read, userdata, max_line);
	*out = r;
	return TFY_OK;
}

tfy_code tfy_result_reader_next(tfy_result_reader *r, const tfy_result **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!r || !out)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "reader and out must not be NULL");
	for (;;) {
		const char *line;
		size_t len;
		int what = tfy__lines_next(&r->lines, &line, &len);
		if (what == TFY__LINE_END)
			return TFY_OK;
		if (what != TFY__LINE_OK)
			return tfy__lines_error(&r->lines, what, err);
		if (tfy__line_blank(line, len))
			continue;
		char detail[DETAIL_MAX] = "";
		memset(&r->rec, 0, sizeof(r->rec));
		tfy_code rc = tfy__decode_result_line(line, len, &r->rec, &r->strings, &r->scratch,
		                                      detail, sizeof(detail));
		if (rc == TFY_ERROR_OUT_OF_MEMORY)
			return tfy__lines_error(&r->lines, TFY__LINE_OOM, err);
		if (rc != TFY_OK)
			return tfy__line_error(err, rc, r->lines.line_no, detail);
		r->rec.line = r->lines.line_no;
		r->rec.line_json = line;
		r->rec.line_len = len;
		*out = &r->rec;
		return TFY_OK;
	}
}

void tfy_result_reader_free(tfy_result_reader *r)
{
	if (!r)
		return;
	tfy__lines_close(&r->lines);
	tfy__buf_clear(&r->strings);
	tfy__buf_clear(&r->scratch);
	tfy__free(r);
}
