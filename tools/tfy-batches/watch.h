/*
 * tfy-batches: waiting for a batch to end, with progress on stderr, and
 * the exit status its final state stands for (wait and run).
 */
#ifndef TFY_BATCHES_WATCH_H
#define TFY_BATCHES_WATCH_H

#include <tfy/tfy.h>

#include "opts.h"

/*
 * Waits for the batch id (--wait-timeout, or what is left of --timeout,
 * bounds the whole wait) and hands back the last state seen in *out (NULL
 * when none).  Returns 0 when it ended, CLI_EXIT_INTERRUPTED on SIGINT
 * (nothing said: the caller says how to resume), CLI_EXIT_WAIT_TIMEOUT
 * when the bound passed (said, naming the option), or the status of a
 * failure (said).
 */
int watch_batch(tfy_client *client, const cli_args *args, const char *id, tfy_batch **out);

/* 0 completed (or partially_completed), then failed, expired, cancelled (cli.h). */
int watch_exit_status(const tfy_batch *b);

/*
 * A failed batch's errors.data on stderr: a line saying so with their
 * count, then the first 20 (line, code, message), each cut to the
 * terminal's width, and how many more there are.
 */
void watch_say_errors(const tfy_batch *b);

#endif
