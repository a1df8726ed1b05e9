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
	const char *usage;   /* what follows "tfy-batches NAME" in the usage line */
	const char *summary; /* one line, in the list of commands */
	const char *help;    /* what it does and its own notes, lines under 80 columns */
	unsigned groups;     /* the option groups it accepts (opts.h) */
	size_t operands_min; /* operands it needs */
	size_t operands_max; /* operands it takes */
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

/*
 * The help of a group of commands ("tfy-batches files --help", "help
 * files"): its commands and their summaries.  0 when group is none.
 */
int cli_write_subcommand_help(sink *out, const char *group);

/*
 * The command named by words[0] (and words[1] for a two-word command such as
 * "files get"), or NULL; *used is how many words the name took.
 */
const cli_command *cli_find_command_words(char *const *words, size_t count, size_t *used);

/* word is the first word of two-word commands ("files"). */
int cli_is_command_group(const char *word);

/* The handlers, one file each. */
int cmd_list_run(const cli_args *args, sink *out);
int cmd_help_run(const cli_args *args, sink *out);
int cmd_get_run(const cli_args *args, sink *out);
int cmd_cancel_run(const cli_args *args, sink *out);
int cmd_create_run(const cli_args *args, sink *out);
int cmd_wait_run(const cli_args *args, sink *out);
int cmd_files_upload_run(const cli_args *args, sink *out);
int cmd_files_get_run(const cli_args *args, sink *out);
int cmd_files_list_run(const cli_args *args, sink *out);
int cmd_files_download_run(const cli_args *args, sink *out);
int cmd_files_delete_run(const cli_args *args, sink *out);
int cmd_check_run(const cli_args *args, sink *out);
int cmd_results_run(const cli_args *args, sink *out);
int cmd_run_run(const cli_args *args, sink *out);
int cmd_webhook_verify_run(const cli_args *args, sink *out);
int cmd_job_status_run(const cli_args *args, sink *out);
int cmd_job_cancel_run(const cli_args *args, sink *out);

#endif
