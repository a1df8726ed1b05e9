/*
 * tfy-batches: one batch or one file in the chosen --format, for the
 * commands that show what they got (get, cancel, create, wait, files ...).
 */
#ifndef TFY_BATCHES_SHOW_H
#define TFY_BATCHES_SHOW_H

#include <tfy/tfy.h>

#include "opts.h"
#include "text.h"

/*
 * table: the row of 'list'; json: the batch as the server sent it
 * (raw_json); ndjson: list's object on one line; csv: list's header and
 * row.  Returns the exit status (a write error is reported).
 */
int show_batch(const cli_args *args, sink *out, const tfy_batch *b);

/* A file: json as sent; else its id, bytes, created_at, filename, purpose, status. */
int show_file(const cli_args *args, sink *out, const tfy_file *f);

/*
 * A webhook event: json as sent; else its type, id, created_at, batch
 * (data.id), webhook_id and timestamp.
 */
int show_event(const cli_args *args, sink *out, const tfy_webhook_event *e);

/* A call that takes one batch id and answers a batch (retrieve, cancel). */
typedef tfy_code (*show_batch_call)(tfy_client *client, const char *id,
                                    const tfy_request_options *request, tfy_batch **out,
                                    tfy_error **err);

/* A call that takes one operand (a file id, or a path to upload) and answers a file. */
typedef tfy_code (*show_file_call)(tfy_client *client, const char *id,
                                   const tfy_request_options *request, tfy_file **out,
                                   tfy_error **err);

/* Opens the client, calls call with the first operand and shows its answer; the exit status. */
int show_batch_from(const cli_args *args, sink *out, show_batch_call call);
int show_file_from(const cli_args *args, sink *out, show_file_call call);

/* The exit status of a failed output, reported on stderr (see diag_output). */
int show_status(out_status st, const sink *out);

#endif
