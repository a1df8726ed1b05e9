/*
 * tfy-batches: the batches of an OpenAI-compatible Batch API, one
 * subcommand at a time (commands.c).
 *
 * Exit status: see cli.h and --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <tfy/tfy.h>

#include "cli.h"
#include "commands.h"
#include "diag.h"
#include "interrupt.h"
#include "opts.h"
#include "text.h"

static int fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/*
 * A descriptor 0, 1 or 2 closed at exec goes to the next open(), a socket
 * inside libcurl among them: what is printed on "stdout" would then be sent
 * to the server.  A closed stdin is harmless once it is /dev/null; a closed
 * stdout or stderr would lose the output or the diagnostics, so the run
 * stops before anything is opened.
 */
static int std_fds_ok(void)
{
	/* open() takes the lowest free descriptor: 0 when stdin is closed */
	int in_lost = fd_closed(STDIN_FILENO) && open("/dev/null", O_RDONLY) != STDIN_FILENO;
	int out_closed = fd_closed(STDOUT_FILENO);
	int err_closed = fd_closed(STDERR_FILENO);

	if (err_closed)
		return 0;
	if (out_closed)
		diag_error("standard output is closed", NULL);
	else if (in_lost)
		diag_error("standard input is closed and /dev/null cannot be opened", NULL);
	return !out_closed && !in_lost;
}

/* stdout is checked once at the end as well: a failed write must not pass for success. */
static int finish_stdout(sink *out, int rc)
{
	if (sink_flush(out) != 0 && rc == CLI_EXIT_OK) {
		diag_output(OUT_WRITE, out);
		return CLI_EXIT_FAILURE;
	}
	return rc;
}

static int print_version(sink *out)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

	sink_puts(out, CLI_NAME " ");
	sink_puts(out, tfy_version());
	sink_puts(out, "\nlibtfy ");
	sink_puts(out, tfy_version());
	sink_puts(out, "\nlibcurl ");
	sink_puts(out, curl != NULL && curl->version != NULL ? curl->version : "unknown");
	sink_puts(out, "\njansson ");
#if JANSSON_VERSION_HEX >= 0x020d00
	sink_puts(out, jansson_version_str());
#else
	sink_puts(out, JANSSON_VERSION);
#endif
	sink_puts(out, "\n");
	return CLI_EXIT_OK;
}

/*
 * The command named by the first argument (two for "files get"); without
 * one (no argument, or an option first) the default command, list, so
 * "tfy-batches --all" goes on working.  *shift is how many arguments the
 * name took.
 */
static const cli_command *pick_command(int argc, char **argv, int *shift)
{
	size_t used;
	const cli_command *cmd;

	*shift = 0;
	if (argc < 2 || argv[1][0] == '-')
		return cli_default_command;
	cmd = cli_find_command_words(argv + 1, (size_t)(argc - 1), &used);
	*shift = (int)used;
	return cmd;
}

static int dispatch(int argc, char **argv, sink *out)
{
	const cli_command *cmd;
	cli_args args;
	cli_action act;
	int shift, rc;

	cmd = pick_command(argc, argv, &shift);
	/* "files --help", as "git remote --help": the group's commands */
	if (cmd == NULL && argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) &&
	    cli_write_subcommand_help(out, argv[1]))
		return CLI_EXIT_OK;
	if (cmd == NULL && cli_is_command_group(argv[1]))
		return diag_unknown_subcommand(argv[1], argc > 2 && argv[2][0] != '-' ? argv[2] : NULL);
	if (cmd == NULL)
		return diag_unknown_command(argv[1]);
	/* argv[shift] stands for the program in getopt's eyes: the command's name or ours */
	act = cli_parse(argc - shift, argv + shift, cmd, &args);
	switch (act) {
	case CLI_RUN: rc = cmd->run(&args, out); break;
	/* "tfy-batches --help" is the general help, "tfy-batches list --help" the command's */
	case CLI_HELP:
		cli_write_help(out, shift != 0 ? cmd : NULL);
		rc = CLI_EXIT_OK;
		break;
	case CLI_VERSION: rc = print_version(out); break;
	case CLI_NO_MEMORY:
		diag_error("out of memory", NULL);
		rc = CLI_EXIT_FAILURE;
		break;
	default: rc = CLI_EXIT_USAGE; break;
	}
	cli_args_free(&args);
	return rc;
}

int main(int argc, char **argv)
{
	sink out;
	int rc;

	if (!std_fds_ok())
		return CLI_EXIT_FAILURE;
	/* A closed pipe then shows up as EPIPE, which ends the run quietly. */
	signal(SIGPIPE, SIG_IGN);
	sink_init(&out, stdout);
	rc = dispatch(argc, argv, &out);
	/* stopped by SIGINT, SIGTERM or SIGHUP: 128 + its number, as a shell says */
	if (rc == CLI_EXIT_INTERRUPTED)
		rc = interrupt_exit_status();
	return finish_stdout(&out, rc);
}
