/*
 * tfy-batches job status DIR: what the journal of the job in DIR records,
 * without a request: its state, request counts, usage and cost, the
 * files, and its shards.  For an orchestrator: --format json, "status".
 */
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "jobshow.h"

int cmd_job_status_run(const cli_args *args, sink *out)
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
	job = job_open_dir(client, args, args->operands[0], NULL, NULL, NULL, &request, &rc);
	if (job != NULL) {
		code = tfy_job_status(job, &s, &err);
		rc = code == TFY_OK ? job_show(args, out, s, 1) : diag_library(code, err);
	}
	tfy_job_summary_free(s);
	tfy_error_free(err);
	tfy_job_free(job);
	tfy_client_free(client);
	return rc;
}
