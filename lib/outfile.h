/*
 * A file written whole or not at all, through a buffer: the content goes
 * to a temporary name beside the final one (download.c's), and only a
 * complete file, flushed to disk, is renamed over the final name.  For a
 * job's files: a present file is a complete one.  Internal to libtfy.
 */
#ifndef TFY_OUTFILE_H
#define TFY_OUTFILE_H

#include <stddef.h>

#include "error_internal.h"
#include "files_internal.h"

typedef struct tfy__outfile {
	tfy__download_file file;
	char *path; /* the final name, owned */
	char *buf;
	size_t len, cap;
	int failed; /* a write failed: file.why says why */
} tfy__outfile;

/* Starts writing the file at path (replacing it at the commit).  TFY_OK, TFY_ERROR_IO, _OUT_OF_MEMORY. */
tfy_code tfy__outfile_open(tfy__outfile *f, const char *path, tfy_error **err);

/* Appends n bytes; 0, or -1 when writing failed (the commit then fails). */
int tfy__outfile_write(tfy__outfile *f, const void *p, size_t n);

/* Writes the rest, flushes, renames to the final name; on failure nothing is left.  TFY_OK or TFY_ERROR_IO. */
tfy_code tfy__outfile_commit(tfy__outfile *f, tfy_error **err);

/* Drops the file (nothing after a commit or a failed open). */
void tfy__outfile_abort(tfy__outfile *f);

/* Makes directory path unless it exists.  TFY_OK or TFY_ERROR_IO. */
tfy_code tfy__outfile_mkdir(const char *path, tfy_error **err);

/* A new string formatted from fmt (free with tfy__free); NULL on OOM. */
char *tfy__outfile_path(const char *fmt, ...) TFY__PRINTF(1, 2);

#endif
