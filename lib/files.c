/*
 * The Files calls: upload (multipart, streamed from a path or a reader),
 * retrieve, delete, download (streamed to a writer or a path), and list
 * (one page, or every page through the pager of iter_internal.h).  Each is
 * an endpoint (endpoint.h) with its decoder; the upload's source and the
 * download's file are opened and closed around its run.
 */
#include "tfy/files.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"
#include "async_internal.h"
#include "clock.h"
#include "decode.h"
#include "endpoint.h"
#include "error_internal.h"
#include "file_internal.h"
#include "files_internal.h"
#include "iter_internal.h"

#define DEFAULT_PURPOSE "batch"
#define DEFAULT_FILENAME "input.jsonl"
#define DEFAULT_CONTENT_TYPE "application/jsonl"
#define UPLOAD_EFFECT "not repeated, since a file may have been uploaded"

/* Bytes of each version, oldest first: a version ends where the next one's fields start. */
static const size_t upload_options_sizes[] = {
	offsetof(tfy_files_upload_options, progress), /* 1.2 */
	sizeof(tfy_files_upload_options),             /* 1.3: progress, progress_userdata */
};

static const size_t download_options_sizes[] = {
	offsetof(tfy_files_download_options, progress), /* 1.2 */
	sizeof(tfy_files_download_options),             /* 1.3: progress, progress_userdata */
};

static const size_t list_options_sizes[] = {
	sizeof(tfy_files_list_options), /* 1.3 */
};

tfy_code tfy_files_upload_options_init(tfy_files_upload_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, upload_options_sizes, TFY_FILES_UPLOAD_OPTIONS_VERSION);
}

tfy_code tfy_files_download_options_init(tfy_files_download_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, download_options_sizes,
	                         TFY_FILES_DOWNLOAD_OPTIONS_VERSION);
}

tfy_code tfy_files_list_options_init(tfy_files_list_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, list_options_sizes, TFY_FILES_LIST_OPTIONS_VERSION);
}

/*
 * A local stream's failure told with its own reason (the transport only
 * knows that the reader or the writer failed); the attempts are kept.
 */
static tfy_code local_reason(tfy_code rc, const char *why, tfy_error **e)
{
	if (rc != TFY_ERROR_IO || !*why || !*e)
		return rc;
	int32_t attempts = (*e)->attempts;
	tfy_error_free(*e);
	*e = NULL;
	rc = tfy__io_error(why, e);
	if (rc == TFY_ERROR_IO)
		(*e)->attempts = attempts;
	return rc;
}

static tfy_code decode_file(const tfy__http_response *resp, void **out, char *detail, size_t detail_size)
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

static tfy_code decode_list(const tfy__http_response *resp, void **out, char *detail, size_t detail_size)
{
	tfy_file_page *page = NULL;
	tfy_code rc = tfy__decode_file_page(resp->body, resp->body_len, &page, detail, detail_size);
	if (rc == TFY_OK && tfy__file_page_attach(page, resp->status, resp->request_id) < 0) {
		tfy_file_page_free(page);
		page = NULL;
		rc = TFY_ERROR_OUT_OF_MEMORY;
	}
	*out = page;
	return rc;
}

/* A download's answer went to its sink as it came: nothing is left to decode. */
static tfy_code decode_nothing(const tfy__http_response *resp, void **out, char *detail,
                               size_t detail_size)
{
	(void)resp;
	(void)detail;
	(void)detail_size;
	*out = NULL;
	return TFY_OK;
}

/* ---- progress ------------------------------------------------------------------ */

/*
 * The caller's tfy_transfer_progress_fn behind the transport's reports: the
 * public struct filled, with the size the caller knows when it knows one.
 */
typedef struct relay {
	tfy__progress progress; /* the transport's side; userdata is the relay */
	tfy_transfer_progress_fn fn;
	void *userdata;
	int32_t phase;
	int64_t known;    /* the size the caller gave (expected_bytes, a path's size), or -1 */
	int64_t start_ms; /* when the call started */
} relay;

static int32_t relay_call(const relay *r, int32_t phase, int64_t done, int64_t total)
{
	const tfy_transfer_progress p = { phase, 0, done, total, tfy__now_ms() - r->start_ms };
	return r->fn(r->userdata, &p);
}

static int32_t relay_report(void *userdata, int64_t done, int64_t total)
{
	const relay *r = userdata;
	if (r->known >= 0)
		total = r->known;
	else if (total < done)
		total = TFY_NONE; /* a compressed body outgrew its Content-Length, or none was sent */
	return relay_call(r, r->phase, done, total);
}

/* The transport's side of fn, or NULL when the caller gave none: then nothing is reported. */
static const tfy__progress *relay_start(relay *r, tfy_transfer_progress_fn fn, void *userdata,
                                        int32_t phase, int64_t known)
{
	*r = (relay){ { relay_report, r }, fn, userdata, phase, known, tfy__now_ms() };
	return fn ? &r->progress : NULL;
}

/* The last call, once the call succeeded: every byte done. */
static void relay_done(const relay *r, int64_t bytes)
{
	if (r->fn)
		(void)relay_call(r, TFY_TRANSFER_PHASE_DONE, bytes, bytes);
}

/* ---- the endpoints ----------------------------------------------------------- */

const tfy__endpoint tfy__files_upload_endpoint = {
	.method = "POST",
	.collection = "/files",
	.body = TFY__BODY_UPLOAD,
	.decode = decode_uploaded,
	.repeat = TFY__REPEAT_UNSENT,
	.effect = UPLOAD_EFFECT,
};

const tfy__endpoint tfy__files_retrieve_endpoint = {
	.method = "GET",
	.collection = "/files",
	.id_name = "the file id",
	.decode = decode_file,
};

static const tfy__endpoint delete_endpoint = {
	.method = "DELETE",
	.collection = "/files",
	.id_name = "the file id",
	.decode = decode_deleted,
};

const tfy__endpoint tfy__files_download_endpoint = {
	.method = "GET",
	.collection = "/files",
	.id_name = "the file id",
	.suffix = "/content",
	.body = TFY__BODY_DOWNLOAD,
	.decode = decode_nothing,
};

static const tfy__endpoint list_endpoint = {
	.method = "GET",
	.collection = "/files",
	.decode = decode_list,
};

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
	tfy_code rc = tfy__options_read(o, src, upload_options_sizes, TFY_FILES_UPLOAD_OPTIONS_VERSION,
	                                "tfy_files_upload_options", err);
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

/* tfy_files_upload()'s own: the caller's options, read. */
typedef struct upload_call {
	const tfy_files_upload_options *opts;
	tfy_files_upload_options o;
} upload_call;

static tfy_code upload_prepare(tfy__entry *en, tfy_error **e)
{
	upload_call *c = en->self;
	tfy_code rc = read_upload_options(c->opts, &c->o, e);
	en->request = c->o.request;
	return rc;
}

/*
 * An upload's streaming, the same for both drivers: the source (a path's
 * file or the caller's reader), the multipart body over it, the progress
 * relay.  It must not move while its upload is used.
 */
typedef struct upload_run {
	tfy__upload_source src;
	tfy_pair fields[1];
	relay r;
	tfy__upload upload;
} upload_run;

/* Opens the source and describes the body over it (o's strings borrowed for the run). */
static tfy_code upload_begin(upload_run *u, const tfy_files_upload_options *o, tfy_error **e)
{
	tfy__upload_source *src = &u->src;
	if (o->path) {
		tfy_code rc = tfy__upload_source_open(src, o->path, e);
		if (rc != TFY_OK)
			return rc;
	} else {
		tfy__upload_source_reader(src, o->read, o->read_userdata, o->rewind, o->size);
	}
	u->fields[0] = (tfy_pair){ "purpose", o->purpose };
	/* A path (a regular file) seeks back; a reader with a rewind callback rewinds; nothing else can. */
	int can_rewind = src->fd >= 0 || src->rewind != NULL;
	u->upload = (tfy__upload){
		.fields = u->fields,
		.fields_count = 1,
		.file_field = "file",
		.filename = o->filename,
		.content_type = o->content_type,
		.read = tfy__upload_source_read,
		.userdata = src,
		.size = src->size,
		.rewind = can_rewind ? tfy__upload_source_rewind : NULL,
		.progress = relay_start(&u->r, o->progress, o->progress_userdata,
		                        TFY_TRANSFER_PHASE_SENDING, src->size),
	};
	return TFY_OK;
}

/* After the run: the last progress report, a local failure's reason, the source closed. */
static tfy_code upload_end(upload_run *u, tfy_code rc, tfy_error **e)
{
	if (rc == TFY_OK)
		relay_done(&u->r, u->src.done);
	rc = local_reason(rc, u->src.why, e);
	tfy__upload_source_close(&u->src);
	return rc;
}

/* The source opened (a path's file, or the caller's reader), the upload run, the source closed. */
static tfy_code upload_around(tfy__entry *en, void **out, tfy_error **e)
{
	const tfy_files_upload_options *o = &((upload_call *)en->self)->o;
	upload_run u;
	tfy_code rc = upload_begin(&u, o, e);
	if (rc != TFY_OK)
		return rc;
	en->args.upload = &u.upload;
	rc = tfy__entry_run(en, out, e);
	en->args.upload = NULL;
	return upload_end(&u, rc, e);
}

tfy_code tfy_files_upload(tfy_client *client, const tfy_files_upload_options *opts, tfy_file **out,
                          tfy_error **err)
{
	upload_call c = { .opts = opts };
	tfy__entry en = { .ep = &tfy__files_upload_endpoint,
		          .needs = "client, opts and out",
		          .missing = !opts || !out,
		          .prepare = upload_prepare,
		          .around = upload_around,
		          .self = &c };
	void *file;
	tfy_code rc = tfy__endpoint_enter(client, &en, &file, err);
	if (out)
		*out = file;
	return rc;
}

/* An upload under way: its options kept, its source open, its body described. */
typedef struct upload_async {
	tfy_async_call base;
	tfy__arena *arena;          /* the options' strings */
	tfy_files_upload_options o; /* read; strings in arena */
	upload_run u;
	int opened; /* u is begun: upload_end or close it */
} upload_async;

static char *keep_text(tfy__arena *a, const char *s, int *oom)
{
	char *copy = s && !*oom ? tfy__arena_strndup(a, s, strlen(s)) : NULL;
	*oom |= s && !copy;
	return copy;
}

/* The options' strings copied, the source opened (as upload_around does), the upload lent to the op. */
static tfy_code upload_keep(tfy_async_call *c, tfy__entry *en, tfy_error **e)
{
	upload_async *ua = (upload_async *)c;
	ua->o = ((upload_call *)en->self)->o;
	int oom = !(ua->arena = tfy__arena_new(256));
	ua->o.path = keep_text(ua->arena, ua->o.path, &oom);
	ua->o.filename = keep_text(ua->arena, ua->o.filename, &oom);
	ua->o.purpose = keep_text(ua->arena, ua->o.purpose, &oom);
	ua->o.content_type = keep_text(ua->arena, ua->o.content_type, &oom);
	if (oom)
		return tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_code rc = upload_begin(&ua->u, &ua->o, e);
	ua->opened = rc == TFY_OK;
	en->args.upload = &ua->u.upload;
	return rc;
}

static void upload_async_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	upload_async *ua = (upload_async *)c;
	if (ua->opened && (rc = upload_end(&ua->u, rc, &e)) != TFY_OK) {
		tfy_file_free(out);
		out = NULL;
		rc = tfy__async_hand(c, rc, &e);
	}
	tfy__async_end_file(c, rc, out, e);
	tfy__arena_free(ua->arena);
}

tfy_code tfy_files_upload_start(tfy_async *async, const tfy_files_upload_options *opts,
                                tfy_async_file_fn done, void *userdata, tfy_async_call **call,
                                tfy_error **err)
{
	tfy_code rc = tfy__async_check(async, (tfy__any_fn)done, call, err);
	if (rc != TFY_OK)
		return rc;
	upload_async *ua = (upload_async *)tfy__async_call_new(async, sizeof(*ua), upload_async_end,
	                                                       (tfy__any_fn)done, userdata);
	if (!ua)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	upload_call c = { .opts = opts };
	tfy__entry en = { .ep = &tfy__files_upload_endpoint,
		          .needs = "opts",
		          .missing = !opts,
		          .prepare = upload_prepare,
		          .self = &c };
	rc = tfy__async_entry(&ua->base, &en, upload_keep, err);
	if (rc != TFY_OK) {
		if (ua->opened)
			tfy__upload_source_close(&ua->u.src);
		tfy__arena_free(ua->arena);
		tfy__async_call_drop(&ua->base);
		return rc;
	}
	return tfy__async_call_go(&ua->base, call);
}

/* ---- retrieve and delete ----------------------------------------------------- */

tfy_code tfy_files_retrieve(tfy_client *client, const char *id, const tfy_request_options *request,
                            tfy_file **out, tfy_error **err)
{
	tfy__entry en = { .ep = &tfy__files_retrieve_endpoint,
		          .needs = "client and out",
		          .missing = !out,
		          .request = request,
		          .args = { .id = id } };
	void *file;
	tfy_code rc = tfy__endpoint_enter(client, &en, &file, err);
	if (out)
		*out = file;
	return rc;
}

tfy_code tfy_files_delete(tfy_client *client, const char *id, const tfy_request_options *request,
                          tfy_error **err)
{
	tfy__entry en = {
		.ep = &delete_endpoint, .needs = "client", .request = request, .args = { .id = id }
	};
	void *nothing;
	return tfy__endpoint_enter(client, &en, &nothing, err);
}

tfy_code tfy_files_retrieve_start(tfy_async *async, const char *id,
                                  const tfy_request_options *request, tfy_async_file_fn done,
                                  void *userdata, tfy_async_call **call, tfy_error **err)
{
	tfy__entry en = { .ep = &tfy__files_retrieve_endpoint,
		          .needs = "the client",
		          .request = request,
		          .args = { .id = id } };
	return tfy__async_start(async, &en, tfy__async_end_file, (tfy__any_fn)done, userdata, call,
	                        err);
}

tfy_code tfy_files_delete_start(tfy_async *async, const char *id,
                                const tfy_request_options *request, tfy_async_done_fn done,
                                void *userdata, tfy_async_call **call, tfy_error **err)
{
	tfy__entry en = {
		.ep = &delete_endpoint, .needs = "the client", .request = request, .args = { .id = id }
	};
	return tfy__async_start(async, &en, tfy__async_end_done, (tfy__any_fn)done, userdata, call,
	                        err);
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

/* A complete answer of another size than the file's. */
static tfy_code check_size(int64_t expected, int64_t got, tfy_error **e)
{
	if (!expected || got == expected)
		return TFY_OK;
	char why[128];
	snprintf(why, sizeof(why), "the download ended after %lld bytes; the file has %lld",
	         (long long)got, (long long)expected);
	tfy_code rc = tfy__decode_error(TFY_ERROR_NETWORK, why, e);
	if (rc == TFY_ERROR_NETWORK)
		(*e)->attempts = 1;
	return rc;
}

/*
 * A download's destination, the same for both drivers: a temporary file
 * renamed to the path when complete, or the caller's writer, counted; the
 * progress relay.  It must not move while its sink is used.
 */
typedef struct download_run {
	const tfy_files_download_options *o; /* read; borrowed for the run */
	relay r;
	counted_writer w;
	tfy__download_file d; /* to a path */
	tfy__sink sink;
} download_run;

/* Opens the destination (the temporary file of a path) and sets the sink over it. */
static tfy_code download_begin(download_run *dr, const tfy_files_download_options *o, tfy_error **e)
{
	dr->o = o;
	const tfy__progress *progress = relay_start(&dr->r, o->progress, o->progress_userdata,
	                                            TFY_TRANSFER_PHASE_RECEIVING,
	                                            o->expected_bytes > 0 ? o->expected_bytes : -1);
	dr->w = (counted_writer){ o->write, o->write_userdata, 0 };
	if (!o->path) {
		dr->sink = (tfy__sink){ counted_write, &dr->w, NULL, o->expected_bytes, progress };
		return TFY_OK;
	}
	tfy_code rc = tfy__download_file_open(&dr->d, o->path, o->overwrite, e);
	dr->sink = (tfy__sink){ tfy__download_file_write, &dr->d, tfy__download_file_rewind,
		                o->expected_bytes, progress };
	return rc;
}

/*
 * After the run: the content's size checked when the caller knows it, a
 * local failure's reason; to a path, the file renamed when whole and
 * removed otherwise (never a partial file); then the last progress report.
 */
static tfy_code download_end(download_run *dr, tfy_code rc, tfy_error **e)
{
	const tfy_files_download_options *o = dr->o;
	int64_t written = o->path ? dr->d.written : dr->w.written;
	rc = rc == TFY_OK ? check_size(o->expected_bytes, written, e)
	                  : local_reason(rc, o->path ? dr->d.why : "", e);
	if (o->path && rc != TFY_OK)
		tfy__download_file_abort(&dr->d);
	else if (o->path)
		rc = tfy__download_file_commit(&dr->d, o->overwrite, e);
	/* To a path, after the rename: the file is there when the caller is told it is done. */
	if (rc == TFY_OK)
		relay_done(&dr->r, written);
	return rc;
}

/* tfy_files_download()'s own: the caller's options, read. */
typedef struct download_call {
	const tfy_files_download_options *opts;
	tfy_files_download_options o;
} download_call;

static tfy_code download_prepare(tfy__entry *en, tfy_error **e)
{
	download_call *c = en->self;
	tfy_code rc = read_download_options(c->opts, &c->o, e);
	en->request = c->o.request;
	return rc;
}

/* Into a temporary file renamed to the path when complete, or through the caller's writer. */
static tfy_code download_around(tfy__entry *en, void **out, tfy_error **e)
{
	download_run dr;
	tfy_code rc = download_begin(&dr, &((download_call *)en->self)->o, e);
	if (rc != TFY_OK)
		return rc;
	en->args.sink = &dr.sink;
	rc = tfy__entry_run(en, out, e);
	en->args.sink = NULL;
	return download_end(&dr, rc, e);
}

tfy_code tfy_files_download(tfy_client *client, const char *id,
                            const tfy_files_download_options *opts, tfy_error **err)
{
	download_call c = { .opts = opts };
	tfy__entry en = { .ep = &tfy__files_download_endpoint,
		          .needs = "client and opts",
		          .missing = !opts,
		          .args = { .id = id },
		          .prepare = download_prepare,
		          .around = download_around,
		          .self = &c };
	void *nothing;
	return tfy__endpoint_enter(client, &en, &nothing, err);
}

/* A download under way: its options kept, its destination open. */
typedef struct download_async {
	tfy_async_call base;
	tfy_files_download_options o; /* read; path copied */
	char *path;
	download_run dr;
	int opened; /* dr is begun: download_end it */
} download_async;

/* The path copied, the destination opened (as download_around does), the sink lent to the op. */
static tfy_code download_keep(tfy_async_call *c, tfy__entry *en, tfy_error **e)
{
	download_async *da = (download_async *)c;
	da->o = ((download_call *)en->self)->o;
	if (da->o.path && !(da->o.path = da->path = tfy__strdup(da->o.path)))
		return tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_code rc = download_begin(&da->dr, &da->o, e);
	da->opened = rc == TFY_OK;
	en->args.sink = &da->dr.sink;
	return rc;
}

static void download_async_end(tfy_async_call *c, tfy_code rc, void *out, tfy_error *e)
{
	download_async *da = (download_async *)c;
	if (da->opened && (rc = download_end(&da->dr, rc, &e)) != TFY_OK)
		rc = tfy__async_hand(c, rc, &e);
	tfy__async_end_done(c, rc, out, e);
	tfy__free(da->path);
}

tfy_code tfy_files_download_start(tfy_async *async, const char *id,
                                  const tfy_files_download_options *opts, tfy_async_done_fn done,
                                  void *userdata, tfy_async_call **call, tfy_error **err)
{
	tfy_code rc = tfy__async_check(async, (tfy__any_fn)done, call, err);
	if (rc != TFY_OK)
		return rc;
	download_async *da = (download_async *)tfy__async_call_new(async, sizeof(*da),
	                                                           download_async_end,
	                                                           (tfy__any_fn)done, userdata);
	if (!da)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	download_call c = { .opts = opts };
	tfy__entry en = { .ep = &tfy__files_download_endpoint,
		          .needs = "opts",
		          .missing = !opts,
		          .args = { .id = id },
		          .prepare = download_prepare,
		          .self = &c };
	rc = tfy__async_entry(&da->base, &en, download_keep, err);
	if (rc != TFY_OK) {
		if (da->opened && da->o.path)
			tfy__download_file_abort(&da->dr.d);
		tfy__free(da->path);
		tfy__async_call_drop(&da->base);
		return rc;
	}
	return tfy__async_call_go(&da->base, call);
}

/* ---- list ---------------------------------------------------------------------- */

static tfy__paging list_paging(const tfy_files_list_options *o)
{
	const tfy__paging paging = { o->max_items, o->max_pages, o->prefetch, o->missing_has_more };
	return paging;
}

static tfy_code check_list_options(tfy_files_list_options *o, tfy_error **err)
{
	const char *why = NULL;
	if (o->limit < 0 || o->limit > TFY_FILES_LIMIT_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "limit must be between 1 and %d (or 0 for the server default), got %d",
		                      TFY_FILES_LIMIT_MAX, (int)o->limit);
	if (o->after && tfy__id_check(o->after, "after (a file id)", err) != TFY_OK)
		return TFY_ERROR_INVALID_ARGUMENT;
	/* The server's own spelling, static: an iterator need not copy it. */
	if (o->order && strcmp(o->order, "asc") == 0)
		o->order = "asc";
	else if (o->order && strcmp(o->order, "desc") == 0)
		o->order = "desc";
	else if (o->order)
		why = "order must be \"asc\" or \"desc\" (or NULL for the server's default)";
	if (!why && o->purpose && !tfy__header_value_ok(o->purpose))
		why = "purpose must not be empty or blank or hold a control character";
	if (why)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why);
	const tfy__paging paging = list_paging(o);
	return tfy__paging_check(&paging, err);
}

/* The caller's list options (NULL: the defaults) read and checked, but not their request options. */
static tfy_code read_list_options(const tfy_files_list_options *src, tfy_files_list_options *o,
                                  tfy_error **err)
{
	const tfy_files_list_options defaults = TFY_FILES_LIST_OPTIONS_INIT;
	*o = defaults;
	tfy_code rc = src ? tfy__options_read(o, src, list_options_sizes,
	                                      TFY_FILES_LIST_OPTIONS_VERSION,
	                                      "tfy_files_list_options", err)
	                  : TFY_OK;
	return rc == TFY_OK ? check_list_options(o, err) : rc;
}

/* One page's query: limit, after (the cursor), order and purpose. */
static tfy__endpoint_args list_args(const tfy_files_list_options *o, const char *after,
                                    tfy__page_query *q)
{
	const tfy_pair own[] = { { "order", o->order }, { "purpose", o->purpose } };
	return tfy__page_args(q, o->limit, after, own, sizeof(own) / sizeof(own[0]));
}

/* tfy_files_list()'s own: the caller's options, read, and the page's query. */
typedef struct list_call {
	const tfy_files_list_options *opts;
	tfy_files_list_options o;
	tfy__page_query query;
} list_call;

static tfy_code list_prepare(tfy__entry *en, tfy_error **e)
{
	list_call *c = en->self;
	tfy_code rc = read_list_options(c->opts, &c->o, e);
	en->request = c->o.request;
	en->args = list_args(&c->o, c->o.after, &c->query);
	return rc;
}

tfy_code tfy_files_list(tfy_client *client, const tfy_files_list_options *opts, tfy_file_page **out,
                        tfy_error **err)
{
	list_call c = { .opts = opts };
	tfy__entry en = { .ep = &list_endpoint,
		          .needs = "client and out",
		          .missing = !out,
		          .prepare = list_prepare,
		          .self = &c };
	void *page;
	tfy_code rc = tfy__endpoint_enter(client, &en, &page, err);
	if (out)
		*out = page;
	return rc;
}

tfy_code tfy_files_list_start(tfy_async *async, const tfy_files_list_options *opts,
                              tfy_async_file_page_fn done, void *userdata, tfy_async_call **call,
                              tfy_error **err)
{
	list_call c = { .opts = opts };
	tfy__entry en = {
		.ep = &list_endpoint, .needs = "the client", .prepare = list_prepare, .self = &c
	};
	return tfy__async_start(async, &en, tfy__async_end_file_page, (tfy__any_fn)done, userdata,
	                        call, err);
}

/* ---- the file iterator: the pager with the file kind ------------------------- */

static const tfy__pager_kind file_kind;

struct tfy_file_iter {
	tfy__pager pager;
	tfy_files_list_options opts; /* read; purpose copied into the pager's arena */
};

static tfy_code file_fetch(tfy__pager *p, const char *after, tfy__endpoint_early *early,
                           void **page, tfy_error **err)
{
	tfy__page_query q = { 0 };
	const tfy__endpoint_args args = list_args(p->self, after, &q);
	const tfy__options_pair pair = tfy__endpoint_pair(p->client, &p->request);
	return tfy__endpoint_run(p->client, &list_endpoint, &args, &pair, &p->call, early, page, err);
}

static int file_send_early(tfy__pager *p, const char *after, tfy__endpoint_early *early)
{
	tfy__page_query q = { 0 };
	const tfy__endpoint_args args = list_args(p->self, after, &q);
	const tfy__options_pair pair = tfy__endpoint_pair(p->client, &p->request);
	return tfy__endpoint_send_early(p->client, &list_endpoint, &args, &pair, &p->call, early);
}

static tfy__page_view file_view(const void *page)
{
	const tfy_file_page *f = page;
	const tfy__page_view v = {
		(const void *const *)f->items, f->count,     f->last_id, f->has_more,
		f->has_more_present,           f->request_id
	};
	return v;
}

static const char *file_id(const void *item)
{
	return ((const tfy_file *)item)->id;
}

static void file_page_free(void *page)
{
	tfy_file_page_free(page);
}

/* Reads and checks everything, building the first request, so a bad option is refused now. */
static tfy_code iter_options(tfy_client *client, const tfy_files_list_options *opts,
                             tfy_files_list_options *o, tfy_request_options *request, tfy_error **e)
{
	tfy_code rc = read_list_options(opts, o, e);
	if (rc == TFY_OK)
		rc = tfy__request_options_read(o->request, request, e);
	if (rc != TFY_OK)
		return rc;
	o->request = request;
	tfy__page_query q = { 0 };
	tfy__request req;
	const tfy__endpoint_args args = list_args(o, o->after, &q);
	const tfy__options_pair pair = tfy__endpoint_pair(client, request);
	rc = tfy__endpoint_build(client, &list_endpoint, &args, &pair, &req, e);
	tfy__request_clear(&req);
	return rc;
}

/* The options read into self (purpose copied into the pager's arena), the pager started. */
static tfy_code file_open(tfy__pager *p, void *self, tfy_client *client, const void *opts,
                          tfy_error **e)
{
	tfy_files_list_options *o = self;
	tfy_request_options request;
	tfy_code rc = iter_options(client, opts, o, &request, e);
	if (rc != TFY_OK)
		return rc;
	const tfy__paging paging = list_paging(o);
	const char *after = o->after;
	o->after = NULL; /* the cursor is the pager's */
	rc = tfy__pager_start(p, &file_kind, o, client, after, &request, &paging, e);
	o->request = &p->request;
	if (rc == TFY_OK && o->purpose &&
	    !(o->purpose = tfy__arena_strndup(p->copies, o->purpose, strlen(o->purpose))))
		rc = tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	return rc;
}

static int file_page_op(tfy_async_call *c, tfy__pager *p, const char *after)
{
	tfy__page_query q = { 0 };
	const tfy__endpoint_args args = list_args(p->self, after, &q);
	const tfy__options_pair pair = tfy__endpoint_pair(p->client, &p->request);
	return tfy__async_op(c, &list_endpoint, &args, &pair, &p->call);
}

static int32_t file_on_page(tfy__any_fn fn, void *userdata, tfy_code rc, const void *const *items,
                            size_t count, tfy_error *err)
{
	/* The run is the page's own array of file pointers (file_view). */
	return ((tfy_async_files_fn)fn)(userdata, rc, (const tfy_file *const *)items, count, err);
}

static const tfy__pager_kind file_kind = {
	.item = "file",
	.fetch = file_fetch,
	.send_early = file_send_early,
	.view = file_view,
	.item_id = file_id,
	.page_free = file_page_free,
	.self_size = sizeof(tfy_files_list_options),
	.open = file_open,
	.page_op = file_page_op,
	.on_page = file_on_page,
};

static tfy_code iter_new(tfy_client *client, const tfy_files_list_options *opts,
                         tfy_file_iter **out, tfy_error **e)
{
	tfy_file_iter *it = tfy__calloc(1, sizeof(*it));
	if (!it)
		return tfy__error_set(e, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	tfy_code rc = file_open(&it->pager, &it->opts, client, opts, e);
	if (rc != TFY_OK) {
		tfy_file_iter_free(it);
		return rc;
	}
	*out = it;
	return TFY_OK;
}

tfy_code tfy_file_iter_new(tfy_client *client, const tfy_files_list_options *opts,
                           tfy_file_iter **out, tfy_error **err)
{
	if (out)
		*out = NULL;
	tfy_code rc = tfy__entry_check(err, !client || !out, "client and out");
	if (rc != TFY_OK)
		return rc;
	tfy_error *e = NULL;
	rc = iter_new(client, opts, out, &e);
	return tfy__call_hand_error(client, rc, e, err);
}

tfy_code tfy_file_iter_next(tfy_file_iter *it, const tfy_file **file, tfy_error **err)
{
	if (file)
		*file = NULL;
	tfy_code rc = tfy__entry_check(err, !it || !file, "iter and file");
	if (rc != TFY_OK)
		return rc;
	const void *const *run;
	size_t n;
	rc = tfy__pager_next(&it->pager, 1, &run, &n, err);
	if (n)
		*file = run[0];
	return rc;
}

tfy_code tfy_file_iter_next_page(tfy_file_iter *it, const tfy_file *const **files, size_t *count,
                                 tfy_error **err)
{
	if (files)
		*files = NULL;
	if (count)
		*count = 0;
	tfy_code rc = tfy__entry_check(err, !it || !files || !count, "iter, files and count");
	if (rc != TFY_OK)
		return rc;
	const void *const *run;
	rc = tfy__pager_next(&it->pager, SIZE_MAX, &run, count, err);
	/* The run is the page's own array of file pointers (file_view). */
	*files = (const tfy_file *const *)run;
	return rc;
}

void tfy_file_iter_free(tfy_file_iter *it)
{
	if (!it)
		return;
	tfy__pager_clear(&it->pager);
	tfy__free(it);
}

tfy_code tfy_file_iter_start(tfy_async *async, const tfy_files_list_options *opts,
                             tfy_async_files_fn on_page, void *userdata, tfy_async_call **call,
                             tfy_error **err)
{
	return tfy__pager_async_start(async, &file_kind, opts, (tfy__any_fn)on_page, userdata, call,
	                              err);
}
