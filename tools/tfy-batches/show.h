/*
 * tfy-batches: one batch or one file in the chosen --format, for the
 * commands that show what they got (get, cancel, create, wait, files ...).
 */
#ifndef TFY_BATCHES_SHOW_H
#define TFY_BATCHES_SHOW_H

#include <tfy/tfy.h>

#include "opts.h"
#include "record.h"
#include "text.h"

/*
 * table: the row of 'list', then its output and error file ids; json: the
 * batch as the server sent it (raw_json); ndjson: list's object on one
 * line; csv: list's header and row; -q: its id.  Returns the exit status
 * (a write error is reported).
 */
int show_batch(const cli_args *args, sink *out, const tfy_batch *b);

/*
 * A file: json as sent; else its id, bytes, created_at (in the table a date
 * as list shows it, else the API's seconds), filename, purpose, status;
 * -q: its id.
 */
int show_file(const cli_args *args, sink *out, const tfy_file *f);

/* The columns of a file in those formats (files get, files list), and a file's row. */
enum { FILE_COLUMNS = 6 };
extern const rec_col file_columns[FILE_COLUMNS];

typedef struct file_row {
	rec_val vals[FILE_COLUMNS];
	char bytes[24], created[24], when[32];
} file_row;

void file_row_fill(file_row *r, const tfy_file *f);

/*
 * A webhook event: json as sent; else its type, id, created_at, batch
 * (data.id), webhook_id and timestamp.
 */
int show_event(const cli_args *args, sink *out, const tfy_webhook_event *e);

/* A call that takes one batch id and answers a batch (retrieve, cancel). */
typedef tfy_code (*show_batch_call)(tfy_client *client, const char *id,
                                    const tfy_request_options *request, tfy_batch **out,
                                    tfy_error **err);

/* A call that takes one operand (a file id) and answers a file. */
typedef tfy_code (*show_file_call)(tfy_client *client, const char *id,
                                   const tfy_request_options *request, tfy_file **out,
                                   tfy_error **err);

/* Opens the client, calls call with the first operand and shows its answer; the exit status. */
int show_batch_from(const cli_args *args, sink *out, show_batch_call call);
int show_file_from(const cli_args *args, sink *out, show_file_call call);

/* The exit status of a failed output, reported on stderr (see diag_output). */
int show_status(out_status st, const sink *out);

#endif
