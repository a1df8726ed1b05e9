/*
 * A JSONL file read line by line through one reused buffer: from a path or
 * a tfy_read_fn, with line numbers, a cap on a line's length, "\r\n" line
 * endings and a last line without a line feed.  Shared by the result
 * reader and the input checker.  Internal to libtfy.
 */
#ifndef TFY_LINES_H
#define TFY_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "tfy/common.h"
#include "tfy/error.h"

typedef struct tfy__lines {
	tfy_read_fn read;
	void *userdata;
	int fd;     /* the file opened from a path, else -1 */
	char *path; /* its name, for messages; NULL for a callback */
	int err_no; /* errno of the failed read of the file */
	char *buf;
	size_t cap;        /* bytes at buf */
	size_t start, end; /* the bytes read and not yet handed out */
	size_t scanned;    /* bytes after start known to hold no line feed */
	size_t max_line;   /* the longest line accepted, in bytes before its line feed */
	int64_t line_no;   /* the number of the last line handed out (or refused) */
	int64_t bytes;     /* bytes read so far */
	size_t last_raw;   /* bytes of the last line handed out, its line ending included */
	int last_lf;       /* it ended with a line feed (else the stream ended) */
	int eof, failed, skipping;
} tfy__lines;

/* What tfy__lines_next found. */
enum {
	TFY__LINE_END = 0,      /* no more lines */
	TFY__LINE_OK = 1,       /* a line (perhaps blank) */
	TFY__LINE_TOO_LONG = 2, /* line line_no is longer than max_line; it is skipped */
	TFY__LINE_IO = -1,      /* reading failed: every later call says so again */
	TFY__LINE_OOM = -2      /* the buffer could not grow; the line is skipped */
};

/* Starts reading from a callback.  Never fails. */
void tfy__lines_init(tfy__lines *l, tfy_read_fn read, void *userdata, size_t max_line);

/*
 * Starts reading the file at path; TFY_ERROR_IO or TFY_ERROR_OUT_OF_MEMORY in
 * *err on failure.  With regular_only, anything but a regular file (a FIFO,
 * a device, a directory) is refused with TFY_ERROR_IO before it is waited on
 * (tfy__open_regular).
 */
tfy_code tfy__lines_open(tfy__lines *l, const char *path, size_t max_line, int regular_only,
                         tfy_error **err);

/*
 * The next line, without its line ending ("\n", "\r\n"), NUL-terminated and
 * borrowed until the next call; returns one of the TFY__LINE_* values.
 */
int tfy__lines_next(tfy__lines *l, const char **line, size_t *len);

/*
 * Where the stream is: the offset of the byte after the last line handed
 * out and its line ending (a line refused as too long: not yet known).
 */
static inline int64_t tfy__lines_offset(const tfy__lines *l)
{
	return l->bytes - (int64_t)(l->end - l->start);
}

/* Whether a line holds nothing but spaces, tabs and carriage returns. */
int tfy__line_blank(const char *line, size_t len);

/*
 * The error for what tfy__lines_next returned (TOO_LONG, IO or OOM), handed
 * to *err when not NULL; returns its code.
 */
tfy_code tfy__lines_error(const tfy__lines *l, int what, tfy_error **err);

/* An error "line N: detail" (detail in tfy_error.detail too); returns code. */
tfy_code tfy__line_error(tfy_error **err, tfy_code code, int64_t line, const char *detail);

/* The longest line from an options field: 0 means dflt; -1 when out of range. */
int64_t tfy__line_max(int64_t requested, int64_t dflt);

void tfy__lines_close(tfy__lines *l);

#endif
