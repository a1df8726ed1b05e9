/*
 * tfy-batches files delete ID.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "show.h"
#include "text.h"

/*
 * The server answered "deleted": false: no decoding or transport trouble,
 * a refusal, said as one with its own exit status.
 */
static int declined(const char *id, const tfy_error *err)
{
	fputs(CLI_NAME ": the server declined to delete the file ", stderr);
	text_put_file(stderr, id);
	fputs(" (it answered \"deleted\": false): it was not deleted", stderr);
	diag_put_context(err);
	fputs("\n", stderr);
	return CLI_EXIT_DECLINED;
}

int cmd_files_delete_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_request_options request = cli_request(args);
	tfy_error *err = NULL;
	tfy_code code;

	if (client == NULL)
		return rc;
	code = tfy_files_delete(client, args->operands[0], &request, &err);
	if (code == TFY_OK) {
		sink_puts(out, "deleted ");
		text_put(out, args->operands[0], 0);
		sink_puts(out, "\n");
		rc = show_status(sink_flush(out) != 0 ? OUT_WRITE : OUT_OK, out);
	} else if (code == TFY_ERROR_DECLINED) {
		rc = declined(args->operands[0], err);
	} else {
		rc = diag_library(code, err);
	}
	tfy_error_free(err);
	tfy_client_free(client);
	return rc;
}
