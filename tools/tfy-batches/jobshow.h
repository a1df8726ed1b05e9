/*
 * tfy-batches: a job (run, job status, job cancel): opening the job of a
 * directory with the command's options, its progress on stderr, its
 * summary on stdout in --format, and the exit status its state stands for.
 */
#ifndef TFY_BATCHES_JOBSHOW_H
#define TFY_BATCHES_JOBSHOW_H

#include <stdint.h>
#include <time.h>

#include <tfy/job.h>
#include <tfy/tfy.h>

#include "opts.h"
#include "text.h"

/*
 * The progress of a running job.  On a terminal one line, rewritten in
 * place: the round, shards ended/live/all, requests done/failed/all and
 * the time taken; elsewhere each step the library reports is one line.
 * Also the job's cancel callback: a signal (interrupt.h) or the bound of
 * --wait-timeout or --timeout stops the run, leaving the batches going.
 */
typedef struct job_watch {
	int live;              /* stderr is a terminal: the rewritten line */
	int shown;             /* a live line is on the screen */
	struct timespec start; /* when the run started */
	int64_t last_drawn_s;  /* elapsed second last drawn */
	int64_t bound_ms;      /* --wait-timeout or what is left of --timeout; 0: none */
	int timed_out;         /* the bound passed */
	int bound_is_wait;     /* the bound is --wait-timeout's (else --timeout's) */
	int ignore_signals; /* a signal no longer stops the job's calls (--cancel-on-interrupt) */
	char line[192];     /* the live line without its time */
} job_watch;

void job_watch_init(job_watch *w, const cli_args *args);

/* A tfy_job_progress_fn over a job_watch. */
int32_t job_watch_progress(void *userdata, const tfy_job_progress *p);

/* A tfy_cancel_fn over a job_watch: a signal came or the bound passed. */
int32_t job_watch_cancel(void *userdata);

/* Ends the live line, if one is shown. */
void job_watch_end(job_watch *w);

/*
 * Opens the job of dir with the options of args (input and endpoint NULL
 * for a job the directory holds already), its progress to w (NULL: none)
 * and its requests' options in *request, which must outlive the job.
 * NULL after the failure was said; *rc is then the exit status.
 */
tfy_job *job_open_dir(tfy_client *client, const cli_args *args, const char *dir, const char *input,
                      const char *endpoint, job_watch *w, tfy_request_options *request, int *rc);

/*
 * The directory of job status and job cancel: one that holds a job's
 * journal (DIR/journal); else said, exit 8.
 */
int job_dir_check(const char *dir);

/* "new", "running", "done" or "cancelled"; "unknown" for any other value. */
const char *job_state_name(int32_t state);

/*
 * The summary in --format: table the job's record (id, status, request
 * counts, batches, rounds, usage, cost, the files), then with shards a
 * table of its shards; json one object (its shards as an array, always);
 * ndjson that object on one line; csv the record's header and row; -q the
 * job's id.
 * Returns the exit status of the output (a write error is reported).
 */
int job_show(const cli_args *args, sink *out, const tfy_job_summary *s, int shards);

/* The job's exit status by its state: 0 completed, 12 cancelled, 1 otherwise. */
int job_exit_status(const tfy_job_summary *s);

#endif
