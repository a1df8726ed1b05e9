/*
 * tfy-batches job cancel DIR: cancel every live batch of the job in DIR
 * and record that the job is cancelled (a run going on in another process
 * stops at its next poll; a later run merges what ended and creates
 * nothing), then show the job as job status does.
 */
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "interrupt.h"
#include "jobshow.h"

int cmd_job_cancel_run(const cli_args *args, sink *out)
{
	tfy_request_options request;
	tfy_job_summary *s = NULL;
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	tfy_job *job = NULL;
	tfy_code code;
	int rc;

	if ((rc = job_dir_check(args->operands[0])) != CLI_EXIT_OK)
		return rc;
	if ((client = cli_open_client(args, &rc)) == NULL)
		return rc;
	interrupt_install();
	job = job_open_dir(client, args, args->operands[0], NULL, NULL, NULL, &request, &rc);
	if (job != NULL) {
		/* the cancel is recorded even when a batch's cancel fails: shown all the same */
		code = tfy_job_cancel(job, &err);
		rc = code == TFY_OK ? CLI_EXIT_OK : diag_library(code, err);
		tfy_error_free(err);
		err = NULL;
		code = tfy_job_status(job, &s, &err);
		if (code == TFY_OK) {
			int shown = job_show(args, out, s, 1);

			rc = rc != CLI_EXIT_OK ? rc : shown;
		} else if (rc == CLI_EXIT_OK) {
			rc = diag_library(code, err);
		}
	}
	tfy_job_summary_free(s);
	tfy_error_free(err);
	tfy_job_free(job);
	tfy_client_free(client);
	return rc;
}
