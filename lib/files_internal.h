/*
 * The local ends of a file transfer: the upload's source (a path or the
 * caller's reader, held to an exact size) and the download's temporary file
 * (written beside its final name and renamed there when complete).
 * Internal to libtfy.
 */
#ifndef TFY_FILES_INTERNAL_H
#define TFY_FILES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"
#include "tfy/files.h"

/*
 * The endpoints a job runs on its loop (job.c): upload (args.upload; a
 * tfy_file with an id), retrieve (a tfy_file) and download (args.sink;
 * no result).
 */
extern const tfy__endpoint tfy__files_upload_endpoint;
extern const tfy__endpoint tfy__files_retrieve_endpoint;
extern const tfy__endpoint tfy__files_download_endpoint;

/* Room for the text of a local I/O failure: what failed, the path, strerror. */
#define TFY__IO_WHY_MAX 512

typedef struct tfy__upload_source {
	int fd;           /* the path's descriptor, or -1 with a reader */
	const char *path; /* borrowed, for messages */
	tfy_read_fn read; /* the caller's reader when fd < 0 */
	void *userdata;
	tfy_rewind_fn rewind;      /* the caller's, or NULL */
	int64_t size;              /* exact size, or -1 when unknown */
	int64_t done;              /* bytes given since the start (or the last rewind) */
	char why[TFY__IO_WHY_MAX]; /* set when a read failed */
} tfy__upload_source;

/*
 * Opens path for reading and takes its size (tfy__open_regular: a FIFO, a
 * device, a socket or a directory is refused without waiting on it);
 * TFY_ERROR_IO with the reason in the error's detail when it cannot.
 */
tfy_code tfy__upload_source_open(tfy__upload_source *src, const char *path, tfy_error **err);
/* A source reading the caller's reader; size -1 when unknown. */
void tfy__upload_source_reader(tfy__upload_source *src, tfy_read_fn read, void *userdata,
                               tfy_rewind_fn rewind, int64_t size);
void tfy__upload_source_close(tfy__upload_source *src);
/* The transport's reader and rewind over a source (userdata: the source). */
int64_t tfy__upload_source_read(void *src, char *buf, size_t size);
int tfy__upload_source_rewind(void *src);

typedef struct tfy__download_file {
	const char *path;          /* the final name, borrowed */
	char *temp;                /* "PATH.XXXXXX.part", owned */
	int fd;                    /* the temporary file's, or -1 */
	int64_t written;           /* bytes in the temporary file */
	char why[TFY__IO_WHY_MAX]; /* set when a write or rewind failed */
} tfy__download_file;

/*
 * Refuses an existing path without overwrite, then creates the temporary
 * file.  TFY_ERROR_IO with the reason in the error's detail on failure.
 */
tfy_code tfy__download_file_open(tfy__download_file *d, const char *path, int overwrite,
                                 tfy_error **err);
/* The transport's sink over the file (userdata: the download file). */
int32_t tfy__download_file_write(void *d, const char *data, size_t size);
int tfy__download_file_rewind(void *d);
/*
 * Flushes and closes the temporary file, then renames it to the final name
 * (without overwrite, only if that name still does not exist).  On failure
 * the temporary file is removed, TFY_ERROR_IO returned with *err set.
 */
tfy_code tfy__download_file_commit(tfy__download_file *d, int overwrite, tfy_error **err);
/* Closes and removes the temporary file (nothing after a commit). */
void tfy__download_file_abort(tfy__download_file *d);

/* A local I/O failure as an error: "I/O error: <why>", detail <why>. */
tfy_code tfy__io_error(const char *why, tfy_error **err);

#endif
