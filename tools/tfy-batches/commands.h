/*
 * tfy-batches: the subcommands, one table entry and one handler file each.
 */
#ifndef TFY_BATCHES_COMMANDS_H
#define TFY_BATCHES_COMMANDS_H

#include <stddef.h>

#include "opts.h"
#include "text.h"

typedef struct cli_command {
	const char *name;
	/* Runs the parsed command; returns the exit status (cli.h). */
	int (*run)(const cli_args *args, sink *out);
	const char *usage;    /* what follows "tfy-batches NAME" in the usage line */
	const char *summary;  /* one line, in the list of commands */
	const char *help;     /* what it does and its own notes, lines under 80 columns */
	unsigned groups;      /* the option groups it accepts (opts.h) */
	size_t operands_max;  /* operands it takes */
} cli_command;

/* The command run when the first argument is an option or there is none. */
extern const cli_command *const cli_default_command;

/* The table, ending in an entry whose name is NULL. */
extern const cli_command cli_commands[];

/* The command called name, or NULL. */
const cli_command *cli_find_command(const char *name);

/* Writes "Commands:" and one line per command. */
void cli_write_command_list(sink *out);

/* The help of cmd ("tfy-batches CMD --help"), or the general help when cmd is NULL. */
void cli_write_help(sink *out, const cli_command *cmd);

/* The handlers, one file each. */
int cmd_list_run(const cli_args *args, sink *out);
int cmd_help_run(const cli_args *args, sink *out);

#endif
