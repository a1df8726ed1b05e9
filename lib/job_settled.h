/*
 * The settled file of a shard (its format: job_settled.c) and the names of
 * a job's files.  Internal to libtfy.
 */
#ifndef TFY_JOB_SETTLED_H
#define TFY_JOB_SETTLED_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "outfile.h"

/* A line's fate in its round. */
enum { TFY__SETTLED_SUCCEEDED = 1, TFY__SETTLED_FAILED = 2, TFY__SETTLED_RETRY = 3 };

/* One entry as read: borrowed from the line it was read from. */
typedef struct tfy__settled {
	int outcome;    /* a TFY__SETTLED_* value */
	const char *id; /* the custom_id as its JSON string, quotes included */
	size_t id_len;
	const char *record; /* the record, one JSON value */
	size_t record_len;
} tfy__settled;

/*
 * Writes one entry: outcome, the custom_id (n bytes, encoded here), the
 * record text (one line of JSON).  scratch is reused between calls.  0,
 * or -1 (out of memory, or the write failed: see f->failed).
 */
int tfy__job_settled_write(tfy__outfile *f, tfy__buf *scratch, int outcome, const char *id,
                           size_t n, const char *record, size_t record_len);

/* Reads one entry's line; 0, or -1 when it is not one. */
int tfy__job_settled_parse(const char *line, size_t len, tfy__settled *out);

/* The custom_id of n bytes as an entry holds it (a JSON string) into b (emptied first); 0 or -1. */
int tfy__job_settled_id(tfy__buf *b, const char *id, size_t n);

#endif
