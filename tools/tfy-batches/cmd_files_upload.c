/*
 * tfy-batches files upload PATH: a batch input file, with the progress
 * line on a terminal (meter.c).
 */
#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "meter.h"
#include "show.h"

int cmd_files_upload_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_request_options request = cli_request(args);
	tfy_files_upload_options opts = TFY_FILES_UPLOAD_OPTIONS_INIT;
	const char *path = args->operands[0];
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code code;
	meter m;

	if (client == NULL)
		return rc;
	opts.path = path;
	opts.request = &request;
	meter_init(&m, args, "uploading", path, 0);
	meter_attach_upload(&m, &opts);
	code = tfy_files_upload(client, &opts, &f, &err);
	if (code == TFY_OK) {
		meter_end(&m, "uploaded", "from", path, f->id != NULL ? f->id : "-");
		rc = show_file(args, out, f);
	} else {
		meter_abandon(&m);
		rc = diag_library(code, err);
	}
	tfy_file_free(f);
	tfy_error_free(err);
	tfy_client_free(client);
	return rc;
}
