/*
 * tfy-batches: a job's progress, summary and exit status, shared by run,
 * job status and job cancel.  The summary is the journal's (tfy_job_status),
 * so what run prints at its end and what job status prints later agree.
 */
#include "jobshow.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "connect.h"
#include "diag.h"
#include "interrupt.h"
#include "record.h"
#include "show.h"
#include "term.h"

static int64_t elapsed_ms(const job_watch *w)
{
	return term_elapsed_ms(&w->start);
}

void job_watch_init(job_watch *w, const cli_args *args)
{
	int64_t left = cli_deadline_left(args);

	memset(w, 0, sizeof *w);
	w->live = isatty(STDERR_FILENO) && term_ansi(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &w->start);
	w->bound_ms = args->wait_timeout_ms;
	w->bound_is_wait = w->bound_ms > 0;
	if (left > 0 && (w->bound_ms == 0 || left < w->bound_ms)) {
		w->bound_ms = left;
		w->bound_is_wait = 0;
	}
}

static void draw(job_watch *w)
{
	int64_t s = elapsed_ms(w) / 1000;
	size_t width = term_width(STDERR_FILENO);

	/* the time stays visible: the line is cut before it on a narrow terminal */
	term_live_line(w->line, width > 16 ? width - 12 : 4, NULL, s);
	w->last_drawn_s = s;
	w->shown = 1;
}

static const char *const phase_names[] = { "planning",    "uploading", "creating", "waiting",
	                                   "downloading", "merging",   "done" };

int32_t job_watch_progress(void *userdata, const tfy_job_progress *p)
{
	job_watch *w = userdata;
	const char *phase = p->phase >= 0 && (size_t)p->phase <
	                                             sizeof phase_names / sizeof phase_names[0]
	                          ? phase_names[p->phase]
	                          : "working";

	if (w->live) {
		snprintf(w->line, sizeof w->line,
		         "%-11s round %" PRId32 "  shards %" PRId64 "/%" PRId64 " ended, %" PRId64
		         " live  requests %" PRId64 "/%" PRId64 " done, %" PRId64 " failed",
		         phase, p->round, p->shards_ended, p->shards, p->shards_live, p->completed,
		         p->requests, p->failed);
		draw(w);
	} else {
		fputs(CLI_NAME ": ", stderr);
		text_put_file(stderr, p->message != NULL ? p->message : phase);
		fputs("\n", stderr);
	}
	return job_watch_cancel(w);
}

int32_t job_watch_cancel(void *userdata)
{
	job_watch *w = userdata;
	int64_t ms = elapsed_ms(w);

	if (w->live && w->shown && ms / 1000 != w->last_drawn_s)
		draw(w);
	if (w->bound_ms > 0 && ms >= w->bound_ms)
		w->timed_out = 1;
	return w->timed_out || (interrupt_seen() && !w->ignore_signals) ? 1 : TFY_CANCEL_CONTINUE;
}

void job_watch_end(job_watch *w)
{
	if (w->shown)
		fputs("\n", stderr);
	w->shown = 0;
}

tfy_job *job_open_dir(tfy_client *client, const cli_args *args, const char *dir, const char *input,
                      const char *endpoint, job_watch *w, tfy_request_options *request, int *rc)
{
	tfy_job_options opts = TFY_JOB_OPTIONS_INIT;
	tfy_error *err = NULL;
	tfy_job *job = NULL;
	tfy_code code;

	*request = cli_request(args);
	/* --timeout bounds the whole run through the cancel callback, not each request */
	request->deadline_ms = 0;
	if (w != NULL) {
		request->cancel = job_watch_cancel;
		request->cancel_userdata = w;
		opts.progress = job_watch_progress;
		opts.progress_userdata = w;
	} else {
		request->cancel = interrupt_cancel;
	}
	opts.directory = dir;
	opts.input_path = input;
	opts.endpoint = endpoint;
	opts.completion_window = args->completion_window;
	opts.max_requests = args->max_requests;
	opts.max_bytes = args->max_bytes;
	opts.max_enqueued_tokens = args->max_enqueued_tokens;
	opts.concurrency = args->concurrency;
	if (args->retries >= 0)
		opts.retries = args->retries;
	opts.provider_kind = args->provider_kind;
	opts.price_path = args->prices;
	opts.request = request;
	code = tfy_job_open(client, &opts, &job, &err);
	if (code != TFY_OK) {
		*rc = diag_library(code, err);
		/* the journal's limits differ from the options': a usage error, nothing was sent */
		if (code == TFY_ERROR_INVALID_ARGUMENT)
			*rc = CLI_EXIT_USAGE;
	}
	tfy_error_free(err);
	return job;
}

/* "tfy-batches: no job in 'DIR': why", exit 8. */
static int no_job(const char *dir, const char *why)
{
	fputs(CLI_NAME ": no job in '", stderr);
	text_put_file(stderr, dir);
	fputs("': ", stderr);
	fputs(why, stderr);
	fputs("\n", stderr);
	return CLI_EXIT_IO;
}

int job_dir_check(const char *dir)
{
	char journal[4096];
	struct stat st;

	if (stat(dir, &st) != 0)
		return no_job(dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return no_job(dir, "not a directory");
	/* the journal names the job: without one, opening would make a new, empty job there */
	snprintf(journal, sizeof journal, "%s/journal", dir);
	if (stat(journal, &st) != 0)
		return no_job(dir, "it holds no journal (run makes one)");
	return CLI_EXIT_OK;
}

const char *job_state_name(int32_t state)
{
	switch (state) {
	case TFY_JOB_STATE_NEW: return "new";
	case TFY_JOB_STATE_RUNNING: return "running";
	case TFY_JOB_STATE_DONE: return "done";
	case TFY_JOB_STATE_CANCELLED: return "cancelled";
	default: return "unknown";
	}
}

int job_exit_status(const tfy_job_summary *s)
{
	switch (s->state) {
	case TFY_JOB_STATE_DONE: return CLI_EXIT_OK;
	case TFY_JOB_STATE_CANCELLED: return CLI_EXIT_BATCH_CANCELLED;
	default: return CLI_EXIT_FAILURE;
	}
}

/* The columns of a job's record, in every format. */
enum { JOB_COLUMNS = 14 };

/* the paths are never cut: they are for copying */
static const rec_col job_columns[JOB_COLUMNS] = {
	{ "id", 0, 0, 0, 1 },
	{ "status", 0, 0, 0, 0 },
	{ "completed", 0, 0, 0, 0 },
	{ "failed", 0, 0, 0, 0 },
	{ "total", 0, 0, 0, 0 },
	{ "batches", 0, 0, 0, 0 },
	{ "rounds", 0, 0, 0, 0 },
	{ "prompt_tokens", 0, 0, 0, 0 },
	{ "completion_tokens", 0, 0, 0, 0 },
	{ "cached_tokens", 0, 0, 0, 0 },
	{ "reasoning_tokens", 0, 0, 0, 0 },
	{ "cost", 0, 0, 0, 0 },
	{ "output", 0, 0, 0, 1 },
	{ "errors", 0, 0, 0, 1 },
};

/* The record's numbers as text. */
typedef struct job_row {
	rec_val vals[JOB_COLUMNS];
	char n[10][32];
} job_row;

static void number(job_row *r, size_t col, int64_t v)
{
	snprintf(r->n[col - 2], sizeof r->n[0], "%" PRId64, v);
	r->vals[col] = (rec_val){ r->n[col - 2], 1, NULL };
}

static void job_row_fill(job_row *r, const tfy_job_summary *s)
{
	const tfy_job_usage *u = &s->usage;

	memset(r, 0, sizeof *r);
	r->vals[0] = (rec_val){ s->job_id, 0, NULL };
	r->vals[1] = (rec_val){ job_state_name(s->state), 0, NULL };
	number(r, 2, s->succeeded);
	number(r, 3, s->failed);
	number(r, 4, s->requests);
	number(r, 5, (int64_t)s->shards_count);
	number(r, 6, s->rounds);
	number(r, 7, u->prompt_tokens);
	number(r, 8, u->completion_tokens);
	number(r, 9, u->cached_tokens);
	number(r, 10, u->reasoning_tokens);
	if (u->has_cost) {
		snprintf(r->n[9], sizeof r->n[0], "%.6f", u->cost);
		r->vals[11] = (rec_val){ r->n[9], 1, NULL };
	} else {
		r->vals[11] = (rec_val){ NULL, 0, NULL };
	}
	r->vals[12] = (rec_val){ s->output_path, 0, NULL };
	r->vals[13] = (rec_val){ s->errors_path, 0, NULL };
}

static json_t *usage_json(const tfy_job_usage *u)
{
	return json_pack("{sIsIsIsIsIsI}", "requests", (json_int_t)u->requests, "failed",
	                 (json_int_t)u->failed, "prompt_tokens", (json_int_t)u->prompt_tokens,
	                 "completion_tokens", (json_int_t)u->completion_tokens, "cached_tokens",
	                 (json_int_t)u->cached_tokens, "reasoning_tokens",
	                 (json_int_t)u->reasoning_tokens);
}

static json_t *nullable(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *shard_json(const tfy_job_shard *sh)
{
	json_t *o = json_pack("{sisisIsI}", "round", (int)sh->round, "index", (int)sh->index,
	                      "requests", (json_int_t)sh->requests, "bytes", (json_int_t)sh->bytes);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "file_id", nullable(sh->file_id));
	json_object_set_new(o, "batch_id", nullable(sh->batch_id));
	json_object_set_new(o, "status", nullable(sh->status));
	json_object_set_new(o, "usage", usage_json(&sh->usage));
	return o;
}

/* The record's members (the column names), the usage and the shards. */
static json_t *job_json(const tfy_job_summary *s, const job_row *r)
{
	json_t *o = json_object(), *list;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < JOB_COLUMNS; i++) {
		const rec_val *v = &r->vals[i];

		json_object_set_new(o, job_columns[i].name,
		                    v->text == NULL ? json_null()
		                    : v->json       ? json_loads(v->text, JSON_DECODE_ANY, NULL)
		                                    : json_string(v->text));
	}
	json_object_set_new(o, "usage", usage_json(&s->usage));
	if ((list = json_array()) != NULL) {
		for (size_t i = 0; i < s->shards_count; i++)
			json_array_append_new(list, shard_json(&s->shards[i]));
		json_object_set_new(o, "shards", list);
	}
	return o;
}

static out_status put_json(sink *out, json_t *o, int compact)
{
	char *text = o != NULL ? json_dumps(o, compact ? JSON_COMPACT : JSON_INDENT(2)) : NULL;

	json_decref(o);
	if (text == NULL)
		return OUT_NO_MEMORY;
	sink_puts(out, text);
	sink_puts(out, "\n");
	free(text);
	return sink_flush(out) != 0 ? OUT_WRITE : OUT_OK;
}

/* One shard's row: its texts in n, its values in vals. */
enum { SHARD_COLUMNS = 8 };

static const rec_col shard_columns[SHARD_COLUMNS] = {
	{ "round", 0, 0, 0, 0 },  { "shard", 0, 0, 0, 0 },  { "requests", 0, 0, 0, 0 },
	{ "status", 0, 0, 0, 0 }, { "batch", 0, 0, 0, 1 },  { "succeeded", 0, 0, 0, 0 },
	{ "failed", 0, 0, 0, 0 }, { "tokens", 0, 0, 0, 0 },
};

static void shard_row(const tfy_job_shard *sh, char n[6][24], rec_val *vals)
{
	snprintf(n[0], 24, "%" PRId32, sh->round);
	snprintf(n[1], 24, "%" PRId32, sh->index);
	snprintf(n[2], 24, "%" PRId64, sh->requests);
	snprintf(n[3], 24, "%" PRId64, sh->usage.requests);
	snprintf(n[4], 24, "%" PRId64, sh->usage.failed);
	snprintf(n[5], 24, "%" PRId64, sh->usage.prompt_tokens + sh->usage.completion_tokens);
	vals[0] = (rec_val){ n[0], 1, NULL };
	vals[1] = (rec_val){ n[1], 1, NULL };
	vals[2] = (rec_val){ n[2], 1, NULL };
	vals[3] = (rec_val){ sh->status, 0, NULL };
	vals[4] = (rec_val){ sh->batch_id, 0, NULL };
	vals[5] = (rec_val){ n[3], 1, NULL };
	vals[6] = (rec_val){ n[4], 1, NULL };
	vals[7] = (rec_val){ n[5], 1, NULL };
}

/* The shards, one row each, after the record (table only), fitted to all of them. */
static out_status shards_table(sink *out, const tfy_job_summary *s)
{
	rec_writer w;
	rec_val vals[SHARD_COLUMNS];
	char n[6][24];
	out_status st = OUT_OK;
	size_t i;

	sink_puts(out, "\n");
	rec_init(&w, OUT_TABLE, out, shard_columns, SHARD_COLUMNS);
	for (i = 0; i < s->shards_count; i++) {
		shard_row(&s->shards[i], n, vals);
		rec_fit(&w, vals);
	}
	for (i = 0; i < s->shards_count && st == OUT_OK; i++) {
		shard_row(&s->shards[i], n, vals);
		st = rec_row(&w, vals);
	}
	json_text_free(&w.text);
	return st;
}

int job_show(const cli_args *args, sink *out, const tfy_job_summary *s, int shards)
{
	job_row r;
	rec_writer w;
	out_status st;

	job_row_fill(&r, s);
	if (args->format == OUT_JSON || args->format == OUT_NDJSON)
		return show_status(put_json(out, job_json(s, &r), args->format == OUT_NDJSON), out);
	rec_init(&w, args->format, out, job_columns, JOB_COLUMNS);
	w.single = 1;
	st = rec_row(&w, r.vals);
	json_text_free(&w.text);
	if (st == OUT_OK && shards && args->format == OUT_TABLE && s->shards_count > 0)
		st = shards_table(out, s);
	return show_status(st, out);
}
