/*
 * tfy-batches: a file's content to a path or a stream.  To a path the
 * library writes PATH.XXXXXX.part and renames it when complete, so a
 * failed download never leaves half a file under the name.
 */
#include "fetch.h"

#include <errno.h>

#include "cli.h"
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

int fetch_file(tfy_client *client, const cli_args *args, const char *id, const char *path,
               FILE *fp)
{
	tfy_files_download_options opts = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	tfy_request_options request = args->request;
	stream s = { fp, 0 };
	tfy_error *err = NULL;
	tfy_code code;
	int rc = CLI_EXIT_OK;

	opts.path = path;
	if (path == NULL) {
		opts.write = to_stream;
		opts.write_userdata = &s;
	}
	/*
	 * Ctrl-C cancels the download instead of killing the process, so the
	 * library removes its PATH.XXXXXX.part file before the command exits.
	 */
	if (path != NULL) {
		interrupt_install();
		request.cancel = interrupt_cancel;
	}
	opts.request = &request;
	code = tfy_files_download(client, id, &opts, &err);
	if (code == TFY_OK && path == NULL && fflush(fp) != 0) {
		s.err = errno;
		code = TFY_ERROR_IO;
	}
	/* A reader that went away (| head) chose to stop: not reported, as for list. */
	if (code == TFY_ERROR_IO && s.err == EPIPE)
		rc = CLI_EXIT_FAILURE;
	else if (code == TFY_ERROR_CANCELLED && interrupt_seen()) {
		diag_error("interrupted; nothing was saved", NULL);
		rc = CLI_EXIT_INTERRUPTED;
	}
	else if (code != TFY_OK)
		rc = diag_library(code, err);
	tfy_error_free(err);
	return rc;
}
