/*
 * tfy-batches create: a batch from an uploaded file.
 */
#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "create.h"
#include "opts.h"
#include "show.h"

int cmd_create_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client;
	tfy_batch *b;

	if (args->input_file_id == NULL || args->endpoint == NULL) {
		cli_usage_error("create needs --input-file-id and --endpoint", NULL);
		return CLI_EXIT_USAGE;
	}
	if ((client = cli_open_client(args, &rc)) == NULL)
		return rc;
	b = create_batch(client, args, args->input_file_id, args->endpoint, &rc);
	if (b != NULL)
		rc = show_batch(args, out, b);
	tfy_batch_free(b);
	tfy_client_free(client);
	return rc;
}
