/*
 * tfy-batches list: one page of batches, or every page with --all.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "output.h"
#include "pager.h"
#include "term.h"

int cmd_list_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	out_writer w;

	if (client == NULL)
		return rc;
	out_init(&w, args->format, out);
	w.statuses = args->statuses;
	w.status_count = args->status_count;
	w.summary = args->summary;
	w.summary_width = term_width(STDERR_FILENO);
	if (args->format == OUT_TABLE) {
		w.color = term_color(STDOUT_FILENO);
		w.width = term_width(STDOUT_FILENO);
	}
	rc = pager_run(client, args, &w);
	out_free(&w);
	tfy_client_free(client);
	return rc;
}
