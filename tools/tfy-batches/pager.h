/*
 * tfy-batches: fetching one page, or every page with --all.
 */
#ifndef TFY_BATCHES_PAGER_H
#define TFY_BATCHES_PAGER_H

#include <tfy/tfy.h>

#include "opts.h"
#include "output.h"

/* Fetches and prints; failures are reported on stderr.  Returns the exit status. */
int pager_run(tfy_client *client, const cli_args *args, out_writer *w);

#endif
