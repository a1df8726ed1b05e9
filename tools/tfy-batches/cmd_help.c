/*
 * tfy-batches help [COMMAND]: the general help, or a command's.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "diag.h"

int cmd_help_run(const cli_args *args, sink *out)
{
	const cli_command *cmd = NULL;

	if (args->operand_count > 0) {
		cmd = cli_find_command(args->operands[0]);
		if (cmd == NULL)
			return diag_unknown_command(args->operands[0]);
	}
	cli_write_help(out, cmd);
	return CLI_EXIT_OK;
}
