/*
 * tfy-batches: waiting for a batch with progress on stderr.
 *
 * On a terminal one line, rewritten in place with "\r": the status,
 * completed/failed/total and the time waited.  The library calls the
 * progress callback only when something changed, so the elapsed time is
 * also refreshed from the cancel callback (called every few ms while the
 * wait sleeps), at most once a second.  Off a terminal each new status is
 * one line, so a log keeps the history without the noise.
 *
 * With --webhook-listen a listener (hooklisten.c) runs beside the polls,
 * which slow down meanwhile; the cancel callback ends the wait when it has
 * heard that the batch ended, and the batch is then fetched once.
 */
#include "watch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "connect.h"
#include "diag.h"
#include "grid.h"
#include "hooklisten.h"
#include "interrupt.h"
#include "table.h"
#include "term.h"
#include "text.h"

typedef struct watch {
	int live; /* stderr is a terminal: the rewritten line */
	struct timespec start;
	int64_t last_drawn_s; /* elapsed second last drawn */
	char status[64];      /* the status last seen */
	char counts[96];      /* "completed/failed/total" last seen */
	int shown;            /* a live line is on the screen */
	hook_listener *hooks; /* --webhook-listen: ends the wait once it heard; NULL without */
} watch;

/* The polls' pauses while a listener is up: its event should end the wait first. */
#define HOOK_POLL_INITIAL_MS 10000
#define HOOK_POLL_MAX_MS 120000

static int64_t elapsed_ms(const watch *w)
{
	return term_elapsed_ms(&w->start);
}

static void draw(watch *w)
{
	int64_t s = elapsed_ms(w) / 1000;

	term_live_line(w->status, 32, w->counts, s);
	w->last_drawn_s = s;
	w->shown = 1;
}

static void format_counts(char *buf, size_t size, const tfy_batch_request_counts *rc)
{
	if (rc == NULL)
		snprintf(buf, size, "-/-/-");
	else
		snprintf(buf, size, "%" PRId64 "/%" PRId64 "/%" PRId64, rc->completed.value,
		         rc->failed.value, rc->total.value);
}

static int32_t on_progress(void *userdata, const tfy_batch *b)
{
	watch *w = userdata;
	const char *status = table_status_text(b);
	int new_status = strcmp(status, w->status) != 0;

	snprintf(w->status, sizeof w->status, "%s", status);
	format_counts(w->counts, sizeof w->counts, b->request_counts);
	if (w->live) {
		draw(w);
	} else if (new_status) {
		fputs(CLI_NAME ": ", stderr);
		text_put_file(stderr, b->id != NULL ? b->id : "-");
		fputs(" ", stderr);
		text_put_file(stderr, w->status);
		fprintf(stderr, " %s\n", w->counts);
	}
	return interrupt_seen() ? 1 : TFY_CANCEL_CONTINUE;
}

static int32_t on_cancel_check(void *userdata)
{
	watch *w = userdata;

	if (w->live && w->shown && elapsed_ms(w) / 1000 != w->last_drawn_s)
		draw(w);
	if (w->hooks != NULL && hook_listen_heard(w->hooks) != TFY_BATCH_STATUS_UNKNOWN)
		return 1;
	return interrupt_cancel(NULL);
}

static void end_line(watch *w)
{
	if (w->shown)
		fputs("\n", stderr);
	w->shown = 0;
}

/*
 * The listener heard that the batch ended: the batch is fetched once and,
 * ended, is the wait's answer.  When the API does not say so yet, the wait
 * goes on by polling alone, at the usual pace, within what is left of its
 * bound (--wait-timeout or --timeout).
 */
static tfy_code finish_on_webhook(tfy_client *client, const char *id, watch *w,
                                  tfy_batch_wait_options *opts, tfy_batch **out, tfy_error **err)
{
	tfy_batch *b = NULL;
	tfy_code code;

	w->hooks = NULL; /* heard: the cancel callback must let the fetch run */
	code = tfy_batches_retrieve(client, id, opts->request, &b, err);
	if (code != TFY_OK)
		return code;
	if (tfy_batch_status_is_terminal(b->status)) {
		on_progress(w, b);
		tfy_batch_free(*out);
		*out = b;
		return TFY_OK;
	}
	tfy_batch_free(b);
	tfy_batch_free(*out);
	*out = NULL;
	opts->poll_initial_ms = 0;
	opts->poll_max_ms = 0;
	if (opts->timeout_ms > 0)
		opts->timeout_ms = opts->timeout_ms > elapsed_ms(w) ? opts->timeout_ms - elapsed_ms(w)
		                                                    : 1;
	return tfy_batch_wait(client, id, opts, out, err);
}

/*
 * The wait's bound: --wait-timeout, or what is left of --timeout when that
 * comes first; *which names the option that gives it.  0: none.
 */
static int64_t wait_bound(const cli_args *args, const char **which)
{
	int64_t left = cli_deadline_left(args), own = args->wait_timeout_ms;

	*which = "--wait-timeout";
	if (left > 0 && (own == 0 || left < own)) {
		*which = "--timeout";
		return left;
	}
	return own;
}

int watch_batch(tfy_client *client, const cli_args *args, const char *id, tfy_batch **out)
{
	tfy_batch_wait_options opts = TFY_BATCH_WAIT_OPTIONS_INIT;
	tfy_request_options polls = args->request;
	tfy_error *err = NULL;
	const char *which;
	tfy_code code;
	hook_listener *hooks;
	int64_t bound_ms;
	watch w;

	memset(&w, 0, sizeof w);
	w.live = term_ansi(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &w.start);
	/* the bound is the whole wait's, not each poll's */
	opts.timeout_ms = bound_ms = wait_bound(args, &which);
	polls.deadline_ms = 0;
	polls.cancel = on_cancel_check;
	polls.cancel_userdata = &w;
	opts.request = &polls;
	opts.on_progress = on_progress;
	opts.progress_userdata = &w;
	*out = NULL;
	if (args->webhook_listen != NULL) {
		int rc;

		if ((w.hooks = hook_listen_start(args->webhook_listen, args->webhook_secret, id,
		                                 &rc)) == NULL)
			return rc;
		opts.poll_initial_ms = HOOK_POLL_INITIAL_MS;
		opts.poll_max_ms = HOOK_POLL_MAX_MS;
	}
	hooks = w.hooks;
	code = tfy_batch_wait(client, id, &opts, out, &err);
	if (code == TFY_ERROR_CANCELLED && !interrupt_seen() && w.hooks != NULL &&
	    hook_listen_heard(w.hooks) != TFY_BATCH_STATUS_UNKNOWN) {
		tfy_error_free(err);
		err = NULL;
		code = finish_on_webhook(client, id, &w, &opts, out, &err);
	}
	hook_listen_stop(hooks);
	end_line(&w);
	if (code == TFY_OK) {
		tfy_error_free(err);
		return CLI_EXIT_OK;
	}
	if (code == TFY_ERROR_CANCELLED && interrupt_seen()) {
		tfy_error_free(err);
		return CLI_EXIT_INTERRUPTED;
	}
	/*
	 * The wait's own end, not one poll's --request-timeout: the library's
	 * clock started a moment after ours and both round down to whole ms,
	 * hence the slack.
	 */
	if (code == TFY_ERROR_TIMEOUT && bound_ms > 0 && elapsed_ms(&w) + 20 >= bound_ms) {
		fprintf(stderr, CLI_NAME ": %s passed; the batch ", which);
		text_put_file(stderr, id);
		fputs(" is still ", stderr);
		text_put_file(stderr, *out != NULL ? table_status_text(*out) : "running");
		fputs("\n", stderr);
		tfy_error_free(err);
		return CLI_EXIT_WAIT_TIMEOUT;
	}
	{
		int rc = diag_library(code, err);

		tfy_error_free(err);
		return rc;
	}
}

int watch_exit_status(const tfy_batch *b)
{
	switch (b->status) {
	case TFY_BATCH_STATUS_FAILED: return CLI_EXIT_BATCH_FAILED;
	case TFY_BATCH_STATUS_EXPIRED: return CLI_EXIT_BATCH_EXPIRED;
	case TFY_BATCH_STATUS_CANCELLED: return CLI_EXIT_BATCH_CANCELLED;
	default: return CLI_EXIT_OK;
	}
}

/* The errors listed one a line; the rest are counted. */
#define ERRORS_SHOWN 20

/*
 * "line 2: duplicate_custom_id: The custom_id ..." as one line within width
 * (0: no limit): the server's code and message, escaped and cut.
 */
static void put_error(sink *err, const tfy_batch_error *e, size_t width)
{
	char line[32] = "";
	const char *code = e->code != NULL ? e->code : "-";
	const char *message = e->message != NULL ? e->message : "";
	size_t n = strlen(code) + strlen(message) + sizeof line + 8;
	char *text = malloc(n);

	if (e->line.present)
		snprintf(line, sizeof line, "line %" PRId64 ": ", e->line.value);
	sink_puts(err, "  ");
	if (text == NULL) {
		grid_put_cell(err, code, width > 2 ? width - 2 : 0);
	} else {
		snprintf(text, n, "%s%s%s%s", line, code, message[0] != '\0' ? ": " : "", message);
		grid_put_cell(err, text, width > 2 ? width - 2 : 0);
		free(text);
	}
	sink_puts(err, "\n");
}

void watch_say_errors(const tfy_batch *b)
{
	size_t i, shown = b->errors_count < ERRORS_SHOWN ? b->errors_count : ERRORS_SHOWN;
	size_t width = term_width(STDERR_FILENO);
	char text[96];
	sink err;

	/* the id is left out: the command line or run's "created the batch" line gives it */
	if (b->errors_count == 0)
		snprintf(text, sizeof text, "the batch failed; the server gave no errors");
	else if (shown < b->errors_count)
		snprintf(text, sizeof text,
		         "the batch failed with %zu errors; the first %d:", b->errors_count,
		         ERRORS_SHOWN);
	else
		snprintf(text, sizeof text, "the batch failed with %zu %s:", b->errors_count,
		         b->errors_count == 1 ? "error" : "errors");
	diag_error(text, NULL);
	sink_init(&err, stderr);
	for (i = 0; i < shown; i++)
		put_error(&err, b->errors[i], width);
	if (shown < b->errors_count) {
		snprintf(text, sizeof text,
		         "  ... and %zu more: see '" CLI_NAME " get ID --format json'",
		         b->errors_count - shown);
		grid_put_cell(&err, text, width);
		sink_puts(&err, "\n");
	}
	sink_flush(&err);
}
