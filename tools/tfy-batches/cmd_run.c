/*
 * tfy-batches run PATH [-o DIR]: the input run as a job (tfy_job_*): cut
 * into shards within a batch's limits (one shard for a small input),
 * uploaded, created, waited for, downloaded, failed lines retried, merged
 * into DIR/output.jsonl and DIR/errors.jsonl, and a summary printed.
 * Each step says what it did on stderr (on a terminal one progress line);
 * stdout holds the summary alone, in --format.  The endpoint defaults to
 * the first line's url, as check has it; -o DIR (default .) is made ready
 * (created when missing) before anything is sent, and holds the job's
 * journal: running the same command again resumes the job, and on a job
 * that is done prints its summary.
 *
 * Ctrl-C (or SIGTERM, SIGHUP) leaves the job's batches running (they are
 * paid for and may be nearly done) and prints the command that resumes,
 * unless --cancel-on-interrupt asks for them to be cancelled.
 *
 * run --resume ID -o DIR is the single batch of an earlier tfy-batches
 * (before jobs): it waits for the batch ID and downloads its files into
 * DIR as ID-output.jsonl and ID-errors.jsonl.  Every failure once that
 * batch exists says how to go on: run --resume again, which skips a file
 * already saved whole, or, when the server's id cannot be used, list.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "create.h"
#include "diag.h"
#include "fetch.h"
#include "inputcheck.h"
#include "interrupt.h"
#include "jobshow.h"
#include "meter.h"
#include "opts.h"
#include "record.h"
#include "show.h"
#include "table.h"
#include "text.h"
#include "watch.h"

static void say(const char *what, const char *value)
{
	fputs(CLI_NAME ": ", stderr);
	fputs(what, stderr);
	text_put_file(stderr, value);
	fputs("\n", stderr);
}

/* "tfy-batches: -o 'DIR': why", exit 8. */
static int refuse_dir(const char *dir, const char *why)
{
	fputs(CLI_NAME ": -o '", stderr);
	text_put_file(stderr, dir);
	fputs("': ", stderr);
	fputs(why, stderr);
	fputs("\n", stderr);
	return CLI_EXIT_IO;
}

/* mkdir -p: dir and its missing parents, 0700. */
static int make_dirs(char *dir)
{
	char *p;

	for (p = dir + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			*p = c;
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/*
 * -o DIR ready before anything is sent, so a finished batch's files always
 * have somewhere to go: a missing DIR is created with its parents, 0700
 * (the files the download writes are 0600: a batch's output is the
 * caller's alone); one that is not a directory we can write into is
 * refused, exit 8.
 */
static int prepare_dir(const char *dir)
{
	struct stat st;
	char *copy;
	int made;

	if (stat(dir, &st) != 0 && errno == ENOENT) {
		if ((copy = strdup(dir)) == NULL) {
			diag_error("out of memory", NULL);
			return CLI_EXIT_FAILURE;
		}
		made = make_dirs(copy);
		free(copy);
		if (made != 0)
			return refuse_dir(dir, strerror(errno));
		say("created the directory ", dir);
	}
	if (stat(dir, &st) != 0)
		return refuse_dir(dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return refuse_dir(dir, "not a directory");
	if (access(dir, W_OK | X_OK) != 0)
		return refuse_dir(dir, strerror(errno));
	return CLI_EXIT_OK;
}

/* "tfy-batches: LEAD tfy-batches run --resume ID -o DIR". */
static void say_resume(const cli_args *args, const char *id, const char *lead)
{
	fputs(CLI_NAME ": ", stderr);
	fputs(lead, stderr);
	fputs(CLI_NAME " run --resume ", stderr);
	text_put_file(stderr, id);
	fputs(" -o ", stderr);
	text_put_file(stderr, args->output != NULL ? args->output : ".");
	fputs("\n", stderr);
}

/*
 * The batch exists, but the server's answer gave no id a request can name
 * (none, or one the library refuses): the listing still shows it.
 */
static int say_unreachable(const char *id)
{
	if (id != NULL)
		say("the batch was created, but its id cannot be used in a request: ", id);
	else
		diag_error("the batch was created, but the answer gave no id for it", NULL);
	fputs(CLI_NAME ": find it with: " CLI_NAME " list\n", stderr);
	return CLI_EXIT_RESPONSE;
}

/* Says how to resume, or cancels with --cancel-on-interrupt. */
static void interrupted(tfy_client *client, const cli_args *args, const char *id)
{
	tfy_request_options plain = cli_request(args);
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	tfy_code code;

	if (!args->cancel_on_interrupt) {
		say("interrupted; the batch goes on: ", id);
		fputs(CLI_NAME ": wait for it with: " CLI_NAME " wait ", stderr);
		text_put_file(stderr, id);
		fputs("\n", stderr);
		say_resume(args, id, "or finish the run with: ");
		return;
	}
	plain.cancel = NULL;
	code = tfy_batches_cancel(client, id, &plain, &b, &err);
	if (code == TFY_OK)
		say("interrupted; cancelled the batch ", id);
	else
		diag_library(code, err);
	tfy_batch_free(b);
	tfy_error_free(err);
}

/* dir/ID-what.jsonl, the id made a plain file name (Bedrock and Vertex ids hold '/' and ':'). */
static char *local_path(const char *dir, const char *id, const char *what)
{
	size_t n = strlen(dir) + strlen(id) + strlen(what) + 3;
	char *path = malloc(n), *p;

	if (path == NULL)
		return NULL;
	snprintf(path, n, "%s/", dir);
	p = path + strlen(path);
	snprintf(p, n - (size_t)(p - path), "%s%s", id, what);
	for (; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_' && *p != '.')
			*p = '_';
	return path;
}

/*
 * Something is at path already, and it is not the whole file: refused (the
 * library would refuse it too), saying why, so a resume is not tried again
 * as it is.
 */
static int refuse_existing(const char *path, const struct stat *st, int64_t bytes)
{
	fputs(CLI_NAME ": refusing to replace ", stderr);
	text_put_file(stderr, path);
	if (!S_ISREG(st->st_mode))
		fputs(", which is not a regular file", stderr);
	else if (bytes >= 0)
		fprintf(stderr, ", which is not the whole file (%jd bytes; the file has %jd)",
		        (intmax_t)st->st_size, (intmax_t)bytes);
	else
		fputs(" (the server does not give the file's size)", stderr);
	fputs("; move it away first, or give -f to replace it\n", stderr);
	return CLI_EXIT_IO;
}

/*
 * Downloads file_id (if any) to *path, unless an earlier run saved it whole
 * there (a resume after a failed or interrupted download): a regular file
 * of the size the File object gives.  With -f whatever is there is
 * replaced.  0 or the failure's status (said).
 */
static int download(tfy_client *client, const cli_args *args, const char *id, const char *file_id,
                    const char *what, char **path)
{
	struct stat st;
	int64_t bytes;
	meter m;
	int rc;

	*path = NULL;
	if (file_id == NULL)
		return CLI_EXIT_OK;
	if ((*path = local_path(args->output != NULL ? args->output : ".", id, what)) == NULL) {
		diag_error("out of memory", NULL);
		return CLI_EXIT_FAILURE;
	}
	rc = fetch_size(client, args, file_id, &bytes);
	if (rc == CLI_EXIT_OK && !args->force && lstat(*path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || bytes < 0 || st.st_size != bytes)
			return refuse_existing(*path, &st, bytes);
		say("already saved ", *path);
		return CLI_EXIT_OK;
	}
	meter_init(&m, args, "downloading", *path, 0);
	if (rc == CLI_EXIT_OK)
		rc = fetch_file_sized(client, args, file_id, bytes, *path, NULL, &m);
	if (rc == CLI_EXIT_OK && !meter_end(&m, "saved", "to", *path, NULL))
		say("saved ", *path);
	else if (rc == CLI_EXIT_INTERRUPTED)
		say("interrupted; not saved: ", *path);
	return rc;
}

/* The batch ended: its files into -o DIR; 0 or the failure's status (said, with what to do). */
static int download_files(tfy_client *client, const cli_args *args, const char *id,
                          const tfy_batch *b, char **output, char **errors)
{
	int rc = download(client, args, id, b->output_file_id, "-output.jsonl", output);

	if (rc == CLI_EXIT_OK)
		rc = download(client, args, id, b->error_file_id, "-errors.jsonl", errors);
	if (rc == CLI_EXIT_USAGE) {
		/* a file id from the server that the library refuses: not the user's doing */
		fputs(CLI_NAME ": the batch names a file by an id that cannot be used in a "
		               "request; see it with: " CLI_NAME " get ",
		      stderr);
		text_put_file(stderr, id);
		fputs("\n", stderr);
		rc = CLI_EXIT_RESPONSE;
	} else if (rc != CLI_EXIT_OK) {
		say_resume(args, id, "finish the run with: ");
	}
	return rc;
}

/* watch_batch() failed with rc: what the user can do now; the exit status. */
static int wait_failed(tfy_client *client, const cli_args *args, const char *id, int rc)
{
	if (rc == CLI_EXIT_INTERRUPTED)
		interrupted(client, args, id);
	/* refused before sending: the user's --resume ID, or the id the server gave the new batch */
	else if (rc == CLI_EXIT_USAGE && args->resume == NULL)
		rc = say_unreachable(id);
	else if (rc != CLI_EXIT_USAGE)
		say_resume(args, id, "the batch goes on; finish the run with: ");
	return rc;
}

static int summary(const cli_args *args, sink *out, const tfy_batch *b, const char *output,
                   const char *errors)
{
	/* the paths are never cut either: they are for copying */
	static const rec_col cols[] = { { "id", 0, 0, 0, 1 },        { "status", 0, 0, 0, 0 },
		                        { "completed", 0, 0, 0, 0 }, { "failed", 0, 0, 0, 0 },
		                        { "total", 0, 0, 0, 0 },     { "output", 0, 0, 0, 1 },
		                        { "errors", 0, 0, 0, 1 } };
	const tfy_batch_request_counts *rc = b->request_counts;
	char n[3][24];
	rec_val vals[7] = { { b->id, 0, NULL }, { b->status_raw, 0, table_status_text(b) },
		            { NULL, 1, NULL },  { NULL, 1, NULL },
		            { NULL, 1, NULL },  { output, 0, NULL },
		            { errors, 0, NULL } };
	rec_writer w;
	out_status st;

	if (rc != NULL) {
		snprintf(n[0], sizeof n[0], "%" PRId64, rc->completed.value);
		snprintf(n[1], sizeof n[1], "%" PRId64, rc->failed.value);
		snprintf(n[2], sizeof n[2], "%" PRId64, rc->total.value);
		vals[2].text = n[0];
		vals[3].text = n[1];
		vals[4].text = n[2];
	}
	rec_init(&w, args->format, out, cols, 7);
	w.single = 1; /* json: one object, not a list of one */
	st = rec_row(&w, vals);
	json_text_free(&w.text);
	return show_status(st, out);
}

/* Waits for id, downloads its files and prints the summary. */
static int finish(tfy_client *client, const cli_args *args, sink *out, const char *id)
{
	char *output = NULL, *errors = NULL;
	tfy_batch *b = NULL;
	int rc;

	rc = watch_batch(client, args, id, &b);
	if (rc != CLI_EXIT_OK)
		rc = wait_failed(client, args, id, rc);
	else
		rc = download_files(client, args, id, b, &output, &errors);
	if (rc == CLI_EXIT_OK)
		rc = summary(args, out, b, output, errors);
	if (rc == CLI_EXIT_OK)
		rc = watch_exit_status(b);
	if (rc == CLI_EXIT_BATCH_FAILED)
		watch_say_errors(b);
	free(output);
	free(errors);
	tfy_batch_free(b);
	return rc;
}

/* The job's options as given, to repeat in the command that resumes it. */
static void put_job_options(const cli_args *args)
{
	static const char *const names[] = { "--max-requests", "--max-bytes", "--max-enqueued-tokens" };
	const int64_t values[] = { args->max_requests, args->max_bytes, args->max_enqueued_tokens };

	if (args->endpoint != NULL) {
		fputs(" --endpoint ", stderr);
		text_put_file(stderr, args->endpoint);
	}
	if (args->completion_window != NULL) {
		fputs(" --completion-window ", stderr);
		text_put_file(stderr, args->completion_window);
	}
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (values[i] > 0)
			fprintf(stderr, " %s %" PRId64, names[i], values[i]);
	if (args->concurrency > 0)
		fprintf(stderr, " --concurrency %" PRId32, args->concurrency);
	if (args->retries >= 0)
		fprintf(stderr, " --retries %" PRId32, args->retries);
	if (args->provider_kind != TFY_PROVIDER_KIND_OPENAI)
		fputs(args->provider_kind == TFY_PROVIDER_KIND_AZURE     ? " --provider-kind azure"
		      : args->provider_kind == TFY_PROVIDER_KIND_BEDROCK ? " --provider-kind bedrock"
		                                                         : " --provider-kind vertex",
		      stderr);
	if (args->prices != NULL) {
		fputs(" --prices ", stderr);
		text_put_file(stderr, args->prices);
	}
}

/* "tfy-batches: LEAD tfy-batches run PATH -o DIR [the job's options]". */
static void say_job_resume(const cli_args *args, const char *lead)
{
	fputs(CLI_NAME ": ", stderr);
	fputs(lead, stderr);
	fputs(CLI_NAME " run ", stderr);
	text_put_file(stderr, args->operands[0]);
	fputs(" -o ", stderr);
	text_put_file(stderr, args->output != NULL ? args->output : ".");
	put_job_options(args);
	fputs("\n", stderr);
}

/*
 * The endpoint of a job: --endpoint, else the first line's url (the
 * caller frees it); NULL after the failure was said (the input's problems
 * listed, exit 9; a file that cannot be read, exit 8; no url, exit 2).
 */
static char *job_endpoint(const cli_args *args, int *rc)
{
	char *endpoint = args->endpoint != NULL ? strdup(args->endpoint)
	                                        : input_first_url(args->operands[0]);
	sink err_sink;

	if (endpoint != NULL)
		return endpoint;
	sink_init(&err_sink, stderr);
	if ((*rc = input_check_job(args->operands[0], NULL, args->provider_kind, &err_sink)) != 0)
		return NULL;
	/* A clean file has a url, unless Vertex's rules let its lines omit it. */
	*rc = CLI_EXIT_USAGE;
	cli_usage_error("the input file names no endpoint: give --endpoint", NULL);
	return NULL;
}

/* The job's summary on stdout; the exit status its state stands for (or the output's). */
static int job_summary(tfy_job *job, const cli_args *args, sink *out)
{
	tfy_job_summary *s = NULL;
	tfy_error *err = NULL;
	tfy_code code = tfy_job_status(job, &s, &err);
	int rc;

	if (code != TFY_OK) {
		rc = diag_library(code, err);
	} else if ((rc = job_show(args, out, s, 0)) == CLI_EXIT_OK) {
		rc = job_exit_status(s);
		if (s->state == TFY_JOB_STATE_CANCELLED)
			say("the job was cancelled: ", s->directory);
	}
	tfy_job_summary_free(s);
	tfy_error_free(err);
	return rc;
}

/* Ctrl-C, SIGTERM or SIGHUP stopped the run: resume, or with --cancel-on-interrupt cancel. */
static int job_interrupted(tfy_job *job, const cli_args *args, job_watch *w)
{
	tfy_error *err = NULL;
	tfy_code code;

	if (!args->cancel_on_interrupt) {
		say_job_resume(args, "interrupted; the job's batches go on; resume with: ");
		return CLI_EXIT_INTERRUPTED;
	}
	w->ignore_signals = 1; /* the signal asked for this cancel: it must not stop it too */
	code = tfy_job_cancel(job, &err);
	if (code == TFY_OK)
		say("interrupted; cancelled the job's batches in ",
		    args->output != NULL ? args->output : ".");
	else
		diag_library(code, err);
	tfy_error_free(err);
	return CLI_EXIT_INTERRUPTED;
}

/* tfy_job_run() failed with code: what the user can do now; the exit status. */
static int job_failed(tfy_job *job, const cli_args *args, sink *out, job_watch *w,
                      const char *endpoint, tfy_code code, const tfy_error *err)
{
	sink err_sink;
	int rc;

	if (code == TFY_ERROR_CANCELLED && interrupt_seen())
		return job_interrupted(job, args, w);
	if (code == TFY_ERROR_CANCELLED && w->timed_out) {
		diag_error(w->bound_is_wait ? "--wait-timeout passed; the job's batches go on"
		                            : "--timeout passed; the job's batches go on",
		           NULL);
		say_job_resume(args, "resume with: ");
		return CLI_EXIT_WAIT_TIMEOUT;
	}
	if (code == TFY_ERROR_CANCELLED) /* cancelled by job cancel: what ended is merged */
		return job_summary(job, args, out);
	if (code == TFY_ERROR_INPUT_INVALID) {
		/* the problems as check lists them; the library's word when the check sees none */
		sink_init(&err_sink, stderr);
		rc = input_check_job(args->operands[0], endpoint, args->provider_kind, &err_sink);
		if (rc == CLI_EXIT_OK)
			diag_library(code, err);
		return CLI_EXIT_INPUT;
	}
	rc = diag_library(code, err);
	/* the options were checked by tfy_job_open(): what the run refuses is the server's (an id) */
	if (code == TFY_ERROR_INVALID_ARGUMENT)
		rc = CLI_EXIT_RESPONSE;
	say_job_resume(args, "the job goes on; resume with: ");
	return rc;
}

/* run PATH: the input as a job in -o DIR, run or resumed to its end. */
static int run_job(const cli_args *args, sink *out)
{
	const char *dir = args->output != NULL ? args->output : ".";
	tfy_request_options request;
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	tfy_job *job = NULL;
	char *endpoint;
	job_watch w;
	tfy_code code;
	int rc = CLI_EXIT_FAILURE;

	if ((endpoint = job_endpoint(args, &rc)) == NULL)
		return rc;
	if ((rc = prepare_dir(dir)) == CLI_EXIT_OK && (client = cli_open_client(args, &rc)) != NULL) {
		interrupt_install();
		job_watch_init(&w, args);
		job = job_open_dir(client, args, dir, args->operands[0], endpoint, &w, &request, &rc);
	}
	if (job != NULL) {
		code = tfy_job_run(job, &err);
		job_watch_end(&w);
		rc = code == TFY_OK ? job_summary(job, args, out)
		                    : job_failed(job, args, out, &w, endpoint, code, err);
	}
	tfy_error_free(err);
	tfy_job_free(job);
	tfy_client_free(client);
	free(endpoint);
	return rc;
}

/* run --resume ID: the single batch of an earlier run, waited for and downloaded. */
static int resume_batch(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client;

	if ((client = cli_open_client(args, &rc)) == NULL)
		return rc;
	interrupt_install();
	rc = prepare_dir(args->output != NULL ? args->output : ".");
	if (rc == CLI_EXIT_OK)
		rc = finish(client, args, out, args->resume);
	tfy_client_free(client);
	return rc;
}

int cmd_run_run(const cli_args *args, sink *out)
{
	if (args->resume == NULL && args->operand_count == 0) {
		cli_usage_error("run needs PATH, or --resume ID", NULL);
		return CLI_EXIT_USAGE;
	}
	if (args->resume != NULL && args->operand_count > 0) {
		cli_usage_error("run takes PATH (a job, resumed by running it again) or --resume ID "
		                "(a single batch), not both",
		                NULL);
		return CLI_EXIT_USAGE;
	}
	/* a job's batches carry its own metadata (tfy_job_id, tfy_shard, tfy_round) */
	if (args->metadata_count > 0) {
		cli_usage_error("run does not take --metadata: a job's batches carry tfy_job_id, "
		                "tfy_shard and tfy_round",
		                NULL);
		return CLI_EXIT_USAGE;
	}
	return args->resume != NULL ? resume_batch(args, out) : run_job(args, out);
}
