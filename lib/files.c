/*
 * The Files calls: upload (multipart, streamed from a path or a reader),
 * retrieve, delete, and download (streamed to a writer or a path).  Each
 * builds its request and runs the one call path (call.h) with its decoder.
 */
#include "tfy/files.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "call.h"
#include "decode.h"
#include "error_internal.h"
#include "files_internal.h"

#define DEFAULT_PURPOSE "batch"
#define DEFAULT_FILENAME "input.jsonl"
#define DEFAULT_CONTENT_TYPE "application/jsonl"
#define UPLOAD_EFFECT "not repeated, since a file may have been uploaded"

static const size_t upload_options_sizes[] = {
	sizeof(tfy_files_upload_options), /* 1.2 */
};

static const size_t download_options_sizes[] = {
	sizeof(tfy_files_download_options), /* 1.2 */
};

tfy_code tfy_files_upload_options_init(tfy_files_upload_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, upload_options_sizes,
	                         TFY_FILES_UPLOAD_OPTIONS_VERSION);
}

tfy_code tfy_files_download_options_init(tfy_files_download_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, download_options_sizes,
	                         TFY_FILES_DOWNLOAD_OPTIONS_VERSION);
}

/* Resets the out parameters and checks the ones every call needs. */
static tfy_code begin(const tfy_client *client, const void *needed, const char *what,
                      tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!client || !needed)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "client and %s must not be NULL",
		                      what);
	return TFY_OK;
}

/* Builds a request for path under the client's base URL with the call's request options. */
static tfy_code build(tfy_client *client, const tfy_request_options *opts,
                      tfy_request_options *request, const tfy__endpoint *ep, tfy__request *req,
                      tfy__options_pair *pair, tfy_error **err)
{
	tfy_code rc = tfy__request_options_read(opts, request, err);
	if (rc != TFY_OK)
		return rc;
	*pair = (tfy__options_pair){ request, &client->defaults };
	const tfy__target target = tfy__client_target(client);
	return tfy__request_build(&target, pair, ep, req, err);
}

/*
 * A local stream's failure told with its own reason (the transport only
 * knows that the reader or the writer failed); the attempts are kept.
 */
static tfy_code local_reason(const tfy_client *client, tfy_code rc, const char *why,
                             tfy_error **err)
{
	if (rc != TFY_ERROR_IO || !*why || !err || !*err)
		return rc;
	int32_t attempts = (*err)->attempts;
	tfy_error_free(*err);
	*err = NULL;
	tfy_error *e = NULL;
	rc = tfy__io_error(why, &e);
	if (rc == TFY_ERROR_IO)
		e->attempts = attempts;
	return tfy__call_hand_error(client, rc, e, err);
}

static tfy_code decode_file(const tfy__http_response *resp, void **out, char *detail,
                            size_t detail_size)
{
	tfy_file *file = NULL;
	tfy_code rc = tfy__decode_file(resp->body, resp->body_len, &file, detail, detail_size);
	*out = file;
	return rc;
}

/*
 * An upload's answer: a File object with an id.  Anything else in a 2xx
 * fails to decode, which for an upload is an unknown outcome: the file was
 * stored, unseen.
 */
static tfy_code decode_uploaded(const tfy__http_response *resp, void **out, char *detail,
                                size_t detail_size)
{
	tfy_code rc = decode_file(resp, out, detail, detail_size);
	tfy_file *file = *out;
	if (rc != TFY_OK || (file->id && *file->id))
		return rc;
	tfy_file_free(file);
	*out = NULL;
	snprintf(detail, detail_size, "the answer is not a file with an id");
	return TFY_ERROR_DECODE;
}

/* Runs an upload, whose answer is a File object with an id. */
static tfy_code run_for_file(tfy_client *client, const tfy__request *req, const tfy__call *call,
                             tfy_file **out, tfy_error **err)
{
	void *file = NULL;
	tfy_code rc = tfy__call_run(client, req, call, NULL, decode_uploaded, &file, err);
	*out = file;
	return rc;
}

/* ---- upload ------------------------------------------------------------------ */

/* 1 when s can go in a quoted multipart parameter: not empty, no control character or quote. */
static int filename_ok(const char *s)
{
	if (!*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"')
			return 0;
	return 1;
}

static const char *default_filename(const tfy_files_upload_options *o)
{
	if (!o->path)
		return DEFAULT_FILENAME;
	const char *slash = strrchr(o->path, '/');
	const char *base = slash ? slash + 1 : o->path;
	return *base ? base : DEFAULT_FILENAME;
}

static tfy_code check_upload(const tfy_files_upload_options *o, tfy_error **err)
{
	const char *why = NULL;
	if (o->reserved_)
		why = "tfy_files_upload_options: reserved fields must be 0";
	else if (!o->path == !o->read)
		why = "set exactly one of path and read";
	else if (o->path && (o->size || o->rewind))
		why = "size and rewind go with read, not with path";
	else if (o->size < TFY_NONE)
		why = "size must be the reader's size in bytes, or 0 or TFY_NONE when unknown";
	else if (!filename_ok(o->filename))
		why = "filename must not be empty or hold a control character or a double quote";
	else if (!tfy__header_value_ok(o->purpose))
		why = "purpose must not be empty or blank or hold a control character";
	else if (!tfy__header_value_ok(o->content_type))
		why = "content_type must not be empty or blank or hold a control character";
	return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why) : TFY_OK;
}

static tfy_code read_upload_options(const tfy_files_upload_options *src,
                                    tfy_files_upload_options *o, tfy_error **err)
{
	const tfy_files_upload_options defaults = TFY_FILES_UPLOAD_OPTIONS_INIT;
	*o = defaults;
	tfy_code rc = tfy__options_read(o, src, upload_options_sizes,
	                                TFY_FILES_UPLOAD_OPTIONS_VERSION, "tfy_files_upload_options",
	                                err);
	if (rc != TFY_OK)
		return rc;
	if (!o->filename)
		o->filename = default_filename(o);
	if (!o->purpose)
		o->purpose = DEFAULT_PURPOSE;
	if (!o->content_type)
		o->content_type = DEFAULT_CONTENT_TYPE;
	return check_upload(o, err);
}

/* The request once its source is open: multipart fields and the file part. */
static tfy_code send_upload(tfy_client *client, const tfy_files_upload_options *o,
                            tfy__upload_source *src, tfy__request *req,
                            const tfy__options_pair *pair, tfy_file **out, tfy_error **err)
{
	const tfy_pair fields[] = { { "purpose", o->purpose } };
	/* A path (a regular file) seeks back; a reader with a rewind callback rewinds; nothing else can. */
	int can_rewind = src->fd >= 0 || src->rewind != NULL;
	const tfy__upload upload = {
		.fields = fields,
		.fields_count = 1,
		.file_field = "file",
		.filename = o->filename,
		.content_type = o->content_type,
		.read = tfy__upload_source_read,
		.userdata = src,
		.size = src->size,
		.rewind = can_rewind ? tfy__upload_source_rewind : NULL,
	};
	req->upload = &upload;
	const tfy__call call = tfy__call_start_transfer(client, pair);
	tfy_code rc = run_for_file(client, req, &call, out, err);
	req->upload = NULL;
	return local_reason(client, rc, src->why, err);
}

tfy_code tfy_files_upload(tfy_client *client, const tfy_files_upload_options *opts,
                          tfy_file **out, tfy_error **err)
{
	if (out)
		*out = NULL;
	tfy_code rc = begin(client, opts && out ? opts : NULL, "opts and out", err);
	if (rc != TFY_OK)
		return rc;
	tfy_files_upload_options o;
	tfy_request_options request;
	tfy__options_pair pair;
	tfy__request req;
	tfy_error *e = NULL;
	const tfy__endpoint ep = { .method = "POST", .path = "/files", .repeat = TFY__REPEAT_UNSENT,
	                           .effect = UPLOAD_EFFECT };
	rc = read_upload_options(opts, &o, &e);
	if (rc == TFY_OK)
		rc = build(client, o.request, &request, &ep, &req, &pair, &e);
	if (rc != TFY_OK)
		return tfy__call_hand_error(client, rc, e, err);
	tfy__upload_source src;
	if (o.path)
		rc = tfy__upload_source_open(&src, o.path, &e);
	else
		tfy__upload_source_reader(&src, o.read, o.read_userdata, o.rewind, o.size);
	if (rc == TFY_OK)
		rc = send_upload(client, &o, &src, &req, &pair, out, err);
	else
		rc = tfy__call_hand_error(client, rc, e, err);
	tfy__upload_source_close(&src);
	tfy__request_clear(&req);
	return rc;
}

/* ---- retrieve and delete ----------------------------------------------------- */

/* A request on /files/{id}[tail] by method, built into req (cleared by the caller). */
static tfy_code build_on_id(tfy_client *client, const char *method, const char *id,
                            const char *tail, const tfy_request_options *opts,
                            tfy_request_options *request, tfy__request *req,
                            tfy__options_pair *pair, tfy_error **err)
{
	tfy__buf path = TFY__BUF_INIT;
	memset(req, 0, sizeof(*req));
	tfy_code rc = tfy__resource_path(&path, "/files", id, "the file id", tail, err);
	if (rc == TFY_OK) {
		tfy__endpoint ep = { .method = method, .path = path.data, .repeat = TFY__REPEAT_SAFE };
		rc = build(client, opts, request, &ep, req, pair, err);
	}
	tfy__buf_clear(&path);
	return rc;
}

/* One request on /files/{id} by method, run and decoded by decode into *out. */
static tfy_code call_on_id(tfy_client *client, const char *method, const char *id,
                           const tfy_request_options *opts, tfy__decode_fn decode, void **out,
                           tfy_error **err)
{
	tfy_request_options ro;
	tfy__options_pair pair;
	tfy__request req;
	tfy_error *e = NULL;
	tfy_code rc = build_on_id(client, method, id, NULL, opts, &ro, &req, &pair, &e);
	if (rc != TFY_OK)
		return tfy__call_hand_error(client, rc, e, err);
	const tfy__call call = tfy__call_start(client, &pair);
	rc = tfy__call_run(client, &req, &call, NULL, decode, out, err);
	tfy__request_clear(&req);
	return rc;
}

tfy_code tfy_files_retrieve(tfy_client *client, const char *id,
                            const tfy_request_options *request, tfy_file **out, tfy_error **err)
{
	if (out)
		*out = NULL;
	tfy_code rc = begin(client, out, "out", err);
	if (rc != TFY_OK)
		return rc;
	void *file = NULL;
	rc = call_on_id(client, "GET", id, request, decode_file, &file, err);
	*out = file;
	return rc;
}

/*
 * A delete's answer is only a success when it says so.  "deleted": false is
 * a valid answer (OpenAI's schema allows it): the server declined, which is
 * no decoding failure; an answer without the member is one.
 */
static tfy_code decode_deleted(const tfy__http_response *resp, void **out, char *detail,
                               size_t detail_size)
{
	tfy__file_deleted *d = NULL;
	tfy_code rc = tfy__decode_file_deleted(resp->body, resp->body_len, &d, detail, detail_size);
	if (rc == TFY_OK && d->deleted_present && !d->deleted) {
		snprintf(detail, detail_size,
		         "the server answered \"deleted\": false; the file was not deleted");
		rc = TFY_ERROR_DECLINED;
	} else if (rc == TFY_OK && !d->deleted) {
		snprintf(detail, detail_size, "the answer does not say \"deleted\": true");
		rc = TFY_ERROR_DECODE;
	}
	tfy__file_deleted_free(d);
	*out = NULL;
	return rc;
}

tfy_code tfy_files_delete(tfy_client *client, const char *id, const tfy_request_options *request,
                          tfy_error **err)
{
	tfy_code rc = begin(client, client, "client", err);
	if (rc != TFY_OK)
		return rc;
	void *nothing = NULL;
	return call_on_id(client, "DELETE", id, request, decode_deleted, &nothing, err);
}

/* ---- download ------------------------------------------------------------------ */

static tfy_code read_download_options(const tfy_files_download_options *src,
                                      tfy_files_download_options *o, tfy_error **err)
{
	const tfy_files_download_options defaults = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	*o = defaults;
	tfy_code rc = tfy__options_read(o, src, download_options_sizes,
	                                TFY_FILES_DOWNLOAD_OPTIONS_VERSION,
	                                "tfy_files_download_options", err);
	const char *why = NULL;
	if (rc != TFY_OK)
		return rc;
	if (o->reserved_ || o->reserved2_)
		why = "tfy_files_download_options: reserved fields must be 0";
	else if (!o->path == !o->write)
		why = "set exactly one of path and write";
	else if (o->path && !*o->path)
		why = "path must not be empty";
	else if (o->expected_bytes < 0)
		why = "expected_bytes must be the file's size in bytes, or 0 when unknown";
	else if (o->overwrite != 0 && o->overwrite != 1)
		why = "overwrite must be 0 or 1";
	return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why) : TFY_OK;
}

/* The caller's writer, counted. */
typedef struct counted_writer {
	tfy_write_fn write;
	void *userdata;
	int64_t written;
} counted_writer;

static int32_t counted_write(void *userdata, const char *data, size_t size)
{
	counted_writer *w = userdata;
	if (w->write(w->userdata, data, size) != 0)
		return -1;
	w->written += (int64_t)size;
	return 0;
}

static tfy_code decode_nothing(const tfy__http_response *resp, void **out, char *detail,
                               size_t detail_size)
{
	(void)resp;
	(void)detail;
	(void)detail_size;
	*out = NULL;
	return TFY_OK;
}

/* A complete answer of another size than the file's. */
static tfy_code check_size(const tfy_client *client, int64_t expected, int64_t got,
                           tfy_error **err)
{
	if (!expected || got == expected)
		return TFY_OK;
	char why[128];
	snprintf(why, sizeof(why), "the download ended after %lld bytes; the file has %lld",
	         (long long)got, (long long)expected);
	tfy_error *e = NULL;
	tfy_code rc = tfy__decode_error(TFY_ERROR_NETWORK, why, &e);
	if (rc == TFY_ERROR_NETWORK)
		e->attempts = 1;
	return tfy__call_hand_error(client, rc, e, err);
}

/* Runs the download into the sink; the content's size checked when the caller knows it. */
static tfy_code run_download(tfy_client *client, tfy__request *req, const tfy__call *call,
                             const tfy__sink *sink, const int64_t *written, int64_t expected,
                             const char *why, tfy_error **err)
{
	void *nothing = NULL;
	req->sink = sink;
	tfy_code rc = tfy__call_run(client, req, call, NULL, decode_nothing, &nothing, err);
	req->sink = NULL;
	if (rc == TFY_OK)
		return check_size(client, expected, *written, err);
	return local_reason(client, rc, why, err);
}

static tfy_code download_to_path(tfy_client *client, const tfy_files_download_options *o,
                                 tfy__request *req, const tfy__call *call, tfy_error **err)
{
	tfy__download_file d;
	tfy_error *e = NULL;
	tfy_code rc = tfy__download_file_open(&d, o->path, o->overwrite, &e);
	if (rc != TFY_OK)
		return tfy__call_hand_error(client, rc, e, err);
	const tfy__sink sink = { tfy__download_file_write, &d, tfy__download_file_rewind,
		                 o->expected_bytes };
	rc = run_download(client, req, call, &sink, &d.written, o->expected_bytes, d.why, err);
	if (rc != TFY_OK) {
		tfy__download_file_abort(&d);
		return rc;
	}
	rc = tfy__download_file_commit(&d, o->overwrite, &e);
	return rc == TFY_OK ? rc : tfy__call_hand_error(client, rc, e, err);
}

tfy_code tfy_files_download(tfy_client *client, const char *id,
                            const tfy_files_download_options *opts, tfy_error **err)
{
	tfy_code rc = begin(client, opts, "opts", err);
	if (rc != TFY_OK)
		return rc;
	tfy_files_download_options o;
	tfy_request_options ro;
	tfy__options_pair pair;
	tfy__request req;
	tfy_error *e = NULL;
	rc = read_download_options(opts, &o, &e);
	if (rc == TFY_OK)
		rc = build_on_id(client, "GET", id, "/content", o.request, &ro, &req, &pair, &e);
	if (rc != TFY_OK)
		return tfy__call_hand_error(client, rc, e, err);
	const tfy__call call = tfy__call_start_transfer(client, &pair);
	if (o.path) {
		rc = download_to_path(client, &o, &req, &call, err);
	} else {
		counted_writer w = { o.write, o.write_userdata, 0 };
		const tfy__sink sink = { counted_write, &w, NULL, o.expected_bytes };
		rc = run_download(client, &req, &call, &sink, &w.written, o.expected_bytes, "", err);
	}
	tfy__request_clear(&req);
	return rc;
}
