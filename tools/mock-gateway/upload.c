/* The upload form. OpenAI wants `purpose` and a `file` part with a
 * filename; the mock takes purpose "batch" only, as batches are all it runs. */
#include "upload.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond.h"

#define POST_BUFFER (64u * 1024u)
#define PURPOSE_MAX 64
#define FILENAME_MAX_LEN 512

enum form_error { FORM_OK, FORM_BAD, FORM_FULL, FORM_IO, FORM_NOT_MULTIPART };

struct mgw_upload {
	struct mgw_store *st;
	struct MHD_PostProcessor *pp;
	struct mgw_file_writer *writer;
	bool file_seen;
	char filename[FILENAME_MAX_LEN + 1];
	char purpose[PURPOSE_MAX + 1];
	bool purpose_seen;
	enum form_error error;
};

static void fail(struct mgw_upload *up, enum form_error e)
{
	if (up->error == FORM_OK)
		up->error = e;
	mgw_writer_abort(up->writer); /* a partial upload never stays */
	up->writer = NULL;
}

static void take_purpose(struct mgw_upload *up, const char *data, uint64_t off, size_t size)
{
	up->purpose_seen = true;
	if (off + size > PURPOSE_MAX) {
		fail(up, FORM_BAD);
		return;
	}
	memcpy(up->purpose + off, data, size);
	up->purpose[off + size] = '\0';
}

static void take_file(struct mgw_upload *up, const char *filename, const char *data, size_t size)
{
	bool full = false;
	if (!up->file_seen) {
		up->file_seen = true;
		snprintf(up->filename, sizeof up->filename, "%s", filename);
		if (!(up->writer = mgw_store_begin(up->st))) {
			fail(up, FORM_IO);
			return;
		}
	}
	if (up->writer && size && !mgw_writer_write(up->writer, data, size, &full))
		fail(up, full ? FORM_FULL : FORM_IO);
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
	struct mgw_upload *up = cls;
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (strcmp(key, "purpose") == 0)
		take_purpose(up, data, off, size);
	else if (strcmp(key, "file") == 0 && filename)
		take_file(up, filename, data, size);
	return up->error == FORM_OK ? MHD_YES : MHD_NO;
}

struct mgw_upload *mgw_upload_new(struct MHD_Connection *conn, struct mgw_store *st)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_CONTENT_TYPE);
	struct mgw_upload *up = calloc(1, sizeof *up);
	if (!up)
		return NULL;
	up->st = st;
	/* The post processor would also take url-encoded forms; OpenAI does not. */
	if (!type || strncmp(type, "multipart/form-data", 19) != 0 ||
	    !(up->pp = MHD_create_post_processor(conn, POST_BUFFER, on_field, up)))
		up->error = FORM_NOT_MULTIPART;
	return up;
}

void mgw_upload_feed(struct mgw_upload *up, const char *data, size_t size)
{
	if (up->error == FORM_OK && MHD_post_process(up->pp, data, size) != MHD_YES)
		fail(up, FORM_BAD);
}

static json_t *missing(const char *param)
{
	return mgw_error_body3("Missing required parameter: '", param, "'.", param, NULL);
}

static json_t *form_error(const struct mgw_upload *up, unsigned *status)
{
	*status = MHD_HTTP_BAD_REQUEST;
	switch (up->error) {
	case FORM_FULL:
		*status = MHD_HTTP_CONTENT_TOO_LARGE;
		return mgw_error_body("File too large: the mock gateway's files would pass the total "
		                      "set by --max-file-bytes.",
		                      "file", "file_too_large");
	case FORM_IO:
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		return mgw_error_body("The mock gateway could not store the file.", NULL, NULL);
	case FORM_NOT_MULTIPART:
		return mgw_error_body("Expected a multipart/form-data body with fields 'purpose' and "
		                      "'file'.",
		                      NULL, "invalid_content_type");
	default: return mgw_error_body("The multipart/form-data body is malformed.", NULL, NULL);
	}
}

json_t *mgw_upload_finish(struct mgw_upload *up, unsigned *status)
{
	json_t *obj;
	if (up->pp && MHD_destroy_post_processor(up->pp) != MHD_YES)
		fail(up, FORM_BAD);
	up->pp = NULL;
	if (up->error != FORM_OK)
		return form_error(up, status);
	*status = MHD_HTTP_BAD_REQUEST;
	if (!up->purpose_seen)
		return missing("purpose");
	if (strcmp(up->purpose, "batch") != 0)
		return mgw_error_body3("Invalid value for 'purpose': '", up->purpose,
		                       "'. The mock gateway accepts only 'batch'.", "purpose",
		                       "invalid_value");
	if (!up->file_seen)
		return missing("file");
	obj = mgw_writer_commit(up->writer, up->filename, "batch");
	up->writer = NULL;
	*status = obj ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR;
	return obj ? obj : mgw_error_body("The mock gateway could not store the file.", NULL, NULL);
}

void mgw_upload_free(struct mgw_upload *up)
{
	if (!up)
		return;
	if (up->pp)
		MHD_destroy_post_processor(up->pp);
	mgw_writer_abort(up->writer);
	free(up);
}
