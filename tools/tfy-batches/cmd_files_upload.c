/*
 * tfy-batches files upload PATH: a batch input file.
 */
#include "cli.h"
#include "commands.h"
#include "show.h"

/* tfy_files_upload of a path, in the shape show_file_from calls. */
static tfy_code upload_path(tfy_client *client, const char *path,
                            const tfy_request_options *request, tfy_file **out, tfy_error **err)
{
	tfy_files_upload_options opts = TFY_FILES_UPLOAD_OPTIONS_INIT;

	opts.path = path;
	opts.request = request;
	return tfy_files_upload(client, &opts, out, err);
}

int cmd_files_upload_run(const cli_args *args, sink *out)
{
	return show_file_from(args, out, upload_path);
}
