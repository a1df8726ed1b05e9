/*
 * tfy-batches: a file's content to a path or a stream (files download,
 * results, run).
 */
#ifndef TFY_BATCHES_FETCH_H
#define TFY_BATCHES_FETCH_H

#include <stdio.h>

#include <tfy/tfy.h>

#include "opts.h"

/*
 * Downloads the file id to path (never over an existing one) or, when path
 * is NULL, to fp.  Returns the exit status; a failure is said.
 */
int fetch_file(tfy_client *client, const cli_args *args, const char *id, const char *path,
               FILE *fp);

#endif
