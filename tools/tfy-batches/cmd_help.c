/*
 * tfy-batches help [COMMAND]: the general help, a command's, or a group's
 * ("help files").
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "diag.h"

int cmd_help_run(const cli_args *args, sink *out)
{
	const cli_command *cmd = NULL;

	if (args->operand_count > 0) {
		size_t used;

		cmd = cli_find_command_words(args->operands, args->operand_count, &used);
		/* "help files": the group's commands */
		if (cmd == NULL && args->operand_count == 1 &&
		    cli_write_subcommand_help(out, args->operands[0]))
			return CLI_EXIT_OK;
		if (cmd == NULL || used != args->operand_count)
			return diag_unknown_command(args->operands[0]);
	}
	cli_write_help(out, cmd);
	return CLI_EXIT_OK;
}
