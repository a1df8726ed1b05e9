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

int diag_exit_status(tfy_code code)
{
	switch (code) {
	case TFY_OK: return CLI_EXIT_OK;
	case TFY_ERROR_AUTHENTICATION:
	case TFY_ERROR_PERMISSION_DENIED: return CLI_EXIT_AUTH;
	case TFY_ERROR_BAD_REQUEST:
	case TFY_ERROR_NOT_FOUND:
	case TFY_ERROR_CONFLICT:
	case TFY_ERROR_UNPROCESSABLE:
	case TFY_ERROR_RATE_LIMIT:
	case TFY_ERROR_CLIENT: return CLI_EXIT_API;
	case TFY_ERROR_SERVER:
	case TFY_ERROR_HTTP:
	case TFY_ERROR_CONNECT:
	case TFY_ERROR_DNS:
	case TFY_ERROR_TLS:
	case TFY_ERROR_TIMEOUT:
	case TFY_ERROR_NETWORK: return CLI_EXIT_SERVER;
	case TFY_ERROR_DECODE:
	case TFY_ERROR_RESPONSE_TOO_LARGE:
	case TFY_ERROR_PAGINATION: return CLI_EXIT_RESPONSE;
	default: return CLI_EXIT_FAILURE;
	}
}

int diag_library(tfy_code code, const tfy_error *err)
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
	return diag_exit_status(code);
}

void diag_log(int32_t level, const char *line, void *userdata)
{
	static const char *const tags[] = { "error", "warn", "info", "debug" };

	(void)userdata;
	/* one line even when the library logs from another thread */
	flockfile(stderr);
	fputs("libtfy ", stderr);
	fputs(level >= TFY_LOG_ERROR && level <= TFY_LOG_DEBUG ? tags[level - TFY_LOG_ERROR] : "log",
	      stderr);
	fputs(": ", stderr);
	text_put_file(stderr, line);
	fputs("\n", stderr);
	funlockfile(stderr);
}

void diag_output(out_status st, const sink *out)
{
	if (st == OUT_NO_MEMORY)
		diag_error("out of memory while encoding JSON", NULL);
	else if (st == OUT_WRITE && out->err != EPIPE)
		fprintf(stderr, "%s: write error: %s\n", CLI_NAME, strerror(out->err));
}
