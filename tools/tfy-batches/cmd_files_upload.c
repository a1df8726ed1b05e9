/*
 * tfy-batches files upload PATH: a batch input file.
 */
#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "show.h"

int cmd_files_upload_run(const cli_args *args, sink *out)
{
	tfy_files_upload_options opts = TFY_FILES_UPLOAD_OPTIONS_INIT;
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	if (client == NULL)
		return rc;
	opts.path = args->operands[0];
	opts.request = &args->request;
	code = tfy_files_upload(client, &opts, &f, &err);
	rc = code == TFY_OK ? show_file(args, out, f) : diag_library(code, err);
	tfy_file_free(f);
	tfy_error_free(err);
	tfy_client_free(client);
	return rc;
}
