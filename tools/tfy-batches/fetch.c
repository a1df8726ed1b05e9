/*
 * tfy-batches: a file's content to a path or a stream.  To a path the
 * library writes PATH.XXXXXX.part and renames it when complete, so a
 * failed download never leaves half a file under the name.  The size the
 * File object gives bounds the download: a body that grows past it (a
 * compressed bomb, a hostile server) fails instead of filling the disk.
 */
#include "fetch.h"

#include <errno.h>

#include "cli.h"
#include "connect.h"
#include "diag.h"
#include "interrupt.h"

typedef struct stream {
	FILE *fp;
	int err; /* errno of the failed write, 0 while all went well */
} stream;

static int32_t to_stream(void *userdata, const char *data, size_t size)
{
	stream *s = userdata;

	if (fwrite(data, 1, size, s->fp) == size)
		return 0;
	s->err = errno;
	return 1;
}

int64_t fetch_bytes_of(const tfy_file *f)
{
	return f->bytes.present && f->bytes.value >= 0 ? f->bytes.value : -1;
}

int fetch_size(tfy_client *client, const cli_args *args, const char *id, int64_t *bytes)
{
	tfy_request_options request = cli_request(args);
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code code;
	int rc = CLI_EXIT_OK;

	/* once the signals are caught (run), they stop this request as well */
	request.cancel = interrupt_cancel;
	code = tfy_files_retrieve(client, id, &request, &f, &err);
	*bytes = -1;
	if (code == TFY_OK)
		*bytes = fetch_bytes_of(f);
	else if (code == TFY_ERROR_CANCELLED && interrupt_seen())
		rc = CLI_EXIT_INTERRUPTED;
	else
		rc = diag_library(code, err);
	tfy_file_free(f);
	tfy_error_free(err);
	return rc;
}

int fetch_file_sized(tfy_client *client, const cli_args *args, const char *id, int64_t bytes,
                     const char *path, FILE *fp, meter *m)
{
	tfy_files_download_options opts = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	tfy_request_options request = cli_request(args);
	stream s = { fp, 0 };
	tfy_error *err = NULL;
	tfy_code code;
	int rc = CLI_EXIT_OK;

	opts.path = path;
	opts.overwrite = args->force;
	/* 0 is the library's "unknown": an empty file is trusted to its framing */
	opts.expected_bytes = bytes > 0 ? bytes : 0;
	if (path == NULL) {
		opts.write = to_stream;
		opts.write_userdata = &s;
	}
	/*
	 * Ctrl-C, SIGTERM and SIGHUP cancel the download instead of killing
	 * the process, so the library removes its PATH.XXXXXX.part file before
	 * the command exits.
	 */
	if (path != NULL) {
		interrupt_install();
		request.cancel = interrupt_cancel;
	}
	opts.request = &request;
	if (m != NULL)
		meter_attach_download(m, &opts);
	code = tfy_files_download(client, id, &opts, &err);
	if (code == TFY_OK && path == NULL && fflush(fp) != 0) {
		s.err = errno;
		code = TFY_ERROR_IO;
	}
	if (code != TFY_OK && m != NULL)
		meter_abandon(m);
	/* A reader that went away (| head) chose to stop: not reported, as for list. */
	if (code == TFY_ERROR_IO && s.err == EPIPE)
		rc = CLI_EXIT_FAILURE;
	else if (code == TFY_ERROR_CANCELLED && interrupt_seen())
		rc = CLI_EXIT_INTERRUPTED;
	else if (code != TFY_OK)
		rc = diag_library(code, err);
	tfy_error_free(err);
	return rc;
}

int fetch_file(tfy_client *client, const cli_args *args, const char *id, const char *path, FILE *fp,
               meter *m)
{
	int64_t bytes;
	int rc = fetch_size(client, args, id, &bytes);

	return rc == CLI_EXIT_OK ? fetch_file_sized(client, args, id, bytes, path, fp, m) : rc;
}
