/*
 * tfy-batches cancel ID: ask for a batch to be cancelled.  Safe to repeat,
 * so the library retries it as a read.
 */
#include "commands.h"
#include "show.h"

int cmd_cancel_run(const cli_args *args, sink *out)
{
	return show_batch_from(args, out, tfy_batches_cancel);
}
