/*
 * tfy-batches: checking a batch input file with the library's checker,
 * problems said as compilers say them, so editors can jump to the line:
 * "PATH:LINE: message [code]", the code in brackets as GCC gives a
 * warning's option (the code the Batch API gives the same fault).
 */
#include "inputcheck.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>
#include <tfy/tfy.h>

#include "cli.h"
#include "diag.h"

static void put_problem(sink *out, const char *path, const tfy_input_problem *p)
{
	char line[32];

	text_put(out, path, 0);
	snprintf(line, sizeof line, ":%" PRId64 ": ", p->line);
	sink_puts(out, line);
	text_put(out, p->message, 0);
	sink_puts(out, " [");
	sink_puts(out, tfy_input_problem_name(p->kind));
	sink_puts(out, "]\n");
}

/* The check of path with opts, problems to out; see input_check(). */
static int check_with(const char *path, const tfy_input_check_options *opts, sink *out,
                      int64_t *requests, char **used)
{
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	tfy_code code;
	int rc = CLI_EXIT_OK;
	size_t i;

	if (used != NULL)
		*used = NULL;
	code = tfy_input_check_path(path, opts, &report, &err);
	if (code != TFY_OK) {
		rc = diag_library(code, err);
		tfy_error_free(err);
		return rc;
	}
	*requests = report->requests;
	if (used != NULL && report->endpoint != NULL && (*used = strdup(report->endpoint)) == NULL) {
		diag_error("out of memory", NULL);
		rc = CLI_EXIT_FAILURE;
	}
	for (i = 0; i < report->problems_count; i++)
		put_problem(out, path, report->problems[i]);
	if ((size_t)report->problems_total > report->problems_count) {
		char more[64];

		text_put(out, path, 0);
		snprintf(more, sizeof more, ": %" PRId64 " more problems not shown\n",
		         report->problems_total - (int64_t)report->problems_count);
		sink_puts(out, more);
	}
	if (report->problems_total > 0 && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_INPUT;
	tfy_input_report_free(report);
	return rc;
}

int input_check(const char *path, const char *endpoint, int32_t provider_kind, sink *out,
                int64_t *requests, char **used)
{
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;

	opts.endpoint = endpoint;
	opts.provider_kind = provider_kind;
	return check_with(path, &opts, out, requests, used);
}

int input_check_job(const char *path, const char *endpoint, int32_t provider_kind, sink *out)
{
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	int64_t requests = 0;

	opts.endpoint = endpoint;
	opts.provider_kind = provider_kind;
	/* a job cuts the input into batches within these: no limit of one batch applies */
	opts.max_requests = TFY_NONE;
	opts.max_bytes = TFY_NONE;
	return check_with(path, &opts, out, &requests, NULL);
}

char *input_first_url(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *url = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL)
		return NULL;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		json_t *o, *u;

		if (strspn(line, " \t\r\n") == (size_t)n)
			continue; /* blank lines belong to no request */
		o = json_loadb(line, (size_t)n, 0, NULL);
		u = json_object_get(o, "url");
		if (json_is_string(u))
			url = strdup(json_string_value(u));
		json_decref(o);
		break;
	}
	free(line);
	fclose(fp);
	return url;
}
