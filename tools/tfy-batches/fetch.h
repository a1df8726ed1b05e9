/*
 * tfy-batches: a file's content to a path or a stream (files download,
 * results, run).
 */
#ifndef TFY_BATCHES_FETCH_H
#define TFY_BATCHES_FETCH_H

#include <stdint.h>
#include <stdio.h>

#include <tfy/tfy.h>

#include "meter.h"
#include "opts.h"

/* The size in bytes a File object gives, -1 when it gives none. */
int64_t fetch_bytes_of(const tfy_file *f);

/*
 * The size of the file id from its File object (GET /files/ID) in *bytes,
 * -1 when the object gives none.  Returns the exit status; a failure is
 * said, except CLI_EXIT_INTERRUPTED (a signal caught by interrupt_install()
 * stopped the request).
 */
int fetch_size(tfy_client *client, const cli_args *args, const char *id, int64_t *bytes);

/*
 * Downloads the file id, bytes long (-1: unknown; a body of another size
 * fails, exit status 5), to path (never over an existing one) or, when path
 * is NULL, to fp.  With m (NULL: none), its progress line shows the
 * download; on failure the line is erased, on success the caller ends it
 * (meter_end).  Returns the exit status; a failure is said, except
 * CLI_EXIT_INTERRUPTED (a signal stopped a download to path, which was not
 * created): the caller says what it meant.
 */
int fetch_file_sized(tfy_client *client, const cli_args *args, const char *id, int64_t bytes,
                     const char *path, FILE *fp, meter *m);

/* fetch_size(), then fetch_file_sized() with that size. */
int fetch_file(tfy_client *client, const cli_args *args, const char *id, const char *path, FILE *fp,
               meter *m);

#endif
