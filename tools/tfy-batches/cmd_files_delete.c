/*
 * tfy-batches files delete ID.
 */
#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "show.h"

int cmd_files_delete_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_error *err = NULL;
	tfy_code code;

	if (client == NULL)
		return rc;
	code = tfy_files_delete(client, args->operands[0], &args->request, &err);
	if (code == TFY_OK) {
		sink_puts(out, "deleted ");
		text_put(out, args->operands[0], 0);
		sink_puts(out, "\n");
		rc = show_status(sink_flush(out) != 0 ? OUT_WRITE : OUT_OK, out);
	} else {
		rc = diag_library(code, err);
	}
	tfy_error_free(err);
	tfy_client_free(client);
	return rc;
}
