/*
 * tfy-batches webhook verify: one webhook delivery, the HTTP request that
 * carried it, read on standard input and verified with the endpoint's
 * secret; its event is shown.  Nothing is sent.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "diag.h"
#include "hookreq.h"
#include "show.h"
#include "text.h"

int cmd_webhook_verify_run(const cli_args *args, sink *out)
{
	hook_request r;
	const char *why = NULL;
	tfy_webhook_event *e = NULL;
	tfy_error *err = NULL;
	hook_read got;
	tfy_code code;
	int rc;

	if (args->webhook_secret == NULL) {
		diag_error("no webhook secret: give --secret-file FILE or set TFY_WEBHOOK_SECRET",
		           NULL);
		return CLI_EXIT_USAGE;
	}
	got = hook_request_read(STDIN_FILENO, -1, 1, &r, &why);
	if (got == HOOK_READ_NO_MEMORY) {
		diag_error("out of memory", NULL);
		return CLI_EXIT_FAILURE;
	}
	if (got != HOOK_READ_OK) {
		fputs(CLI_NAME ": standard input is not an HTTP request: ", stderr);
		text_put_file(stderr, why);
		fputs("\n", stderr);
		return CLI_EXIT_WEBHOOK_INVALID;
	}
	code = tfy_webhook_verify(args->webhook_secret, r.id, r.timestamp, r.signature, r.body,
	                          r.body_len, NULL, &e, &err);
	rc = code == TFY_OK ? show_event(args, out, e) : diag_library(code, err);
	tfy_webhook_event_free(e);
	tfy_error_free(err);
	hook_request_free(&r);
	return rc;
}
