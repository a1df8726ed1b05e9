/*
 * tfy-batches: the one line on stderr that explains exit status 1.
 *
 * Server-supplied text goes through text_put_file() so it cannot drive the
 * terminal or break the one-line promise.
 */
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void diag_error(const char *msg, const char *quoted)
{
	fputs(CLI_NAME ": ", stderr);
	fputs(msg, stderr);
	if (quoted != NULL) {
		fputs(" '", stderr);
		text_put_file(stderr, quoted);
		fputs("'", stderr);
	}
	fputs("\n", stderr);
}

/* The library's message already names the HTTP status; the request id is added here. */
static void put_context(const tfy_error *err)
{
	if (err->request_id == NULL)
		return;
	fputs(" (request id ", stderr);
	text_put_file(stderr, err->request_id);
	fputs(")", stderr);
}

void diag_library(tfy_code code, const tfy_error *err)
{
	fputs(CLI_NAME ": ", stderr);
	if (err == NULL || err->message == NULL) {
		fputs(tfy_strerror(code), stderr);
	} else {
		text_put_file(stderr, err->message);
	}
	if (err != NULL)
		put_context(err);
	fputs("\n", stderr);
}

void diag_output(out_status st, const sink *out)
{
	if (st == OUT_NO_MEMORY)
		diag_error("out of memory while encoding JSON", NULL);
	else if (st == OUT_WRITE && out->err != EPIPE)
		fprintf(stderr, "%s: write error: %s\n", CLI_NAME, strerror(out->err));
}
