/*
 * tfy-batches: creating a batch from the options (create and run).
 */
#include "create.h"

#include <stdio.h>

#include "cli.h"
#include "connect.h"
#include "diag.h"

tfy_batch *create_batch(tfy_client *client, const cli_args *args, const char *input_file_id,
                        const char *endpoint, int *rc)
{
	tfy_batches_create_options opts = TFY_BATCHES_CREATE_OPTIONS_INIT;
	tfy_request_options request = cli_request(args);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	opts.input_file_id = input_file_id;
	opts.endpoint = endpoint;
	opts.completion_window = args->completion_window;
	opts.metadata = args->metadata;
	opts.metadata_count = args->metadata_count;
	opts.request = &request;
	code = tfy_batches_create(client, &opts, &b, &err);
	if (code != TFY_OK)
		*rc = diag_library(code, err);
	/* the message asks for the batches to be listed: say the command that does */
	if (code == TFY_ERROR_OUTCOME_UNKNOWN)
		fputs(CLI_NAME ": see the newest batches with: " CLI_NAME " list\n", stderr);
	tfy_error_free(err);
	return b;
}
