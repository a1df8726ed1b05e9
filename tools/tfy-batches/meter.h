/*
 * tfy-batches: the progress line of a file transfer (files upload, files
 * download, run's upload and downloads) on stderr, as curl and wget show
 * one: the file, the percentage, the bytes, the rate and the time left.
 */
#ifndef TFY_BATCHES_METER_H
#define TFY_BATCHES_METER_H

#include <stddef.h>
#include <stdint.h>

#include <tfy/tfy.h>

#include "opts.h"

/* Rate samples kept: the rate is measured over the last second or so. */
#define METER_SAMPLES 16

typedef struct meter {
	int live;                        /* the line is drawn: stderr is a terminal, not -q */
	const char *verb;                /* "uploading", "downloading" */
	const char *name;                /* the file's path or id, shown escaped and cut */
	int shown;                       /* a line is on the screen */
	int64_t done, total, elapsed_ms; /* the last report */
	int64_t sample_bytes[METER_SAMPLES], sample_ms[METER_SAMPLES];
	size_t samples; /* reports taken into the samples */
} meter;

/*
 * A meter for one transfer of name.  Live when stderr is a terminal that
 * takes escape codes, -q was not given, and the content does not go to
 * that terminal itself (to_terminal: a download to standard output that is
 * one); otherwise it shows nothing at all.
 */
void meter_init(meter *m, const cli_args *args, const char *verb, const char *name, int to_terminal);

/* The library's progress callback (tfy_transfer_progress_fn); userdata: the meter. */
int32_t meter_report(void *userdata, const tfy_transfer_progress *p);

/* Sets opts' progress callback to the meter when it is live. */
void meter_attach_upload(meter *m, tfy_files_upload_options *opts);
void meter_attach_download(meter *m, tfy_files_download_options *opts);

/*
 * The transfer succeeded: the line becomes "tfy-batches: VERB SIZE in TIME
 * (RATE) PREP NAME[ as ID]" (NULL NAME: "standard output"), ending with a
 * line feed.  The name and the id are never cut: on a terminal too narrow
 * the rate is left out, then the name goes on a line of its own.  Returns
 * 1 when it said so, 0 when the meter is not live (the caller says what it
 * says off a terminal).
 */
int meter_end(meter *m, const char *verb, const char *prep, const char *name, const char *id);

/* The transfer failed: the line is erased, so that the error has the line to itself. */
void meter_abandon(meter *m);

/* "512 B", "1.5 KiB", "256.0 MiB", "1.0 GiB" into buf. */
void meter_size(char *buf, size_t size, int64_t bytes);

#endif
