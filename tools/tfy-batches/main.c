/*
 * tfy-batches: list the batches of an OpenAI-compatible Batch API.
 *
 * Exit status: see cli.h and --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <tfy/tfy.h>

#include "args.h"
#include "cli.h"
#include "diag.h"
#include "output.h"
#include "pager.h"
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

static int print_text(sink *out, cli_action act)
{
	if (act == CLI_HELP) {
		cli_write_help(out);
	} else {
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
	}
	return finish_stdout(out, CLI_EXIT_OK);
}

/* NULL strings make the library read TFY_BASE_URL and TFY_API_KEY itself. */
static tfy_client *open_client(const cli_args *args, int *rc)
{
	tfy_client_options opts = TFY_CLIENT_OPTIONS_INIT;
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	opts.base_url = args->base_url;
	opts.api_key = args->api_key;
	opts.log = diag_log;
	net_flags_apply(&args->net, &opts);
	/* --max-retries 0 means none; in the options 0 means the default. */
	if (args->max_retries >= 0)
		opts.max_retries = args->max_retries == 0 ? TFY_NONE : args->max_retries;
	code = tfy_client_new(&opts, &client, &err);
	if (code != TFY_OK) {
		*rc = diag_library(code, err);
		tfy_error_free(err);
		return NULL;
	}
	return client;
}

static int run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = open_client(args, &rc);
	out_writer w;

	if (client == NULL)
		return rc;
	out_init(&w, args->format, out);
	w.statuses = args->statuses;
	w.status_count = args->status_count;
	w.summary = args->summary;
	/* https://no-color.org: any NO_COLOR turns colour off */
	w.color = args->format == OUT_TABLE && isatty(fileno(stdout)) && getenv("NO_COLOR") == NULL;
	rc = pager_run(client, args, &w);
	out_free(&w);
	tfy_client_free(client);
	return rc;
}

int main(int argc, char **argv)
{
	cli_args args;
	cli_action act;
	sink out;
	int rc;

	if (!std_fds_ok())
		return CLI_EXIT_FAILURE;
	/* A closed pipe then shows up as EPIPE, which ends the run quietly. */
	signal(SIGPIPE, SIG_IGN);
	sink_init(&out, stdout);
	act = cli_parse(argc, argv, &args);
	switch (act) {
	case CLI_RUN: rc = run(&args, &out); break;
	case CLI_HELP: /* fall through */
	case CLI_VERSION: rc = print_text(&out, act); break;
	case CLI_NO_MEMORY: diag_error("out of memory", NULL); rc = CLI_EXIT_FAILURE; break;
	default: rc = CLI_EXIT_USAGE; break;
	}
	cli_args_free(&args);
	return finish_stdout(&out, rc);
}
