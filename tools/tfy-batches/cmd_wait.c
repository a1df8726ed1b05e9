/*
 * tfy-batches wait ID: wait until a batch ends, with progress, and exit by
 * its final state.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "interrupt.h"
#include "show.h"
#include "text.h"
#include "watch.h"

int cmd_wait_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	tfy_batch *b = NULL;

	if (client == NULL)
		return rc;
	interrupt_install();
	rc = watch_batch(client, args, args->operands[0], &b);
	if (rc == CLI_EXIT_INTERRUPTED) {
		fputs(CLI_NAME ": interrupted; the batch ", stderr);
		text_put_file(stderr, args->operands[0]);
		fputs(" goes on.  Wait again with: " CLI_NAME " wait ", stderr);
		text_put_file(stderr, args->operands[0]);
		fputs("\n", stderr);
	} else if (rc == CLI_EXIT_OK && b != NULL) {
		rc = show_batch(args, out, b);
		if (rc == CLI_EXIT_OK)
			rc = watch_exit_status(b);
		if (rc == CLI_EXIT_BATCH_FAILED)
			watch_say_errors(b);
	}
	tfy_batch_free(b);
	tfy_client_free(client);
	return rc;
}
