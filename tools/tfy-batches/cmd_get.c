/*
 * tfy-batches get ID: one batch.
 */
#include "commands.h"
#include "show.h"

int cmd_get_run(const cli_args *args, sink *out)
{
	return show_batch_from(args, out, tfy_batches_retrieve);
}
