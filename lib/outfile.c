/*
 * Files written whole or not at all (outfile.h): a buffer over
 * download.c's temporary file, which is flushed and renamed at the end.
 */
#include "outfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "error_internal.h"

/* Bytes gathered before a write: few system calls for many short records. */
#define OUT_BUF (256 * 1024)

static void release(tfy__outfile *f)
{
	tfy__free(f->buf);
	tfy__free(f->path);
	f->buf = f->path = NULL;
}

tfy_code tfy__outfile_open(tfy__outfile *f, const char *path, tfy_error **err)
{
	memset(f, 0, sizeof(*f));
	f->file.fd = -1;
	if (!(f->buf = tfy__malloc(OUT_BUF)) || !(f->path = tfy__strdup(path))) {
		release(f);
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	}
	f->cap = OUT_BUF;
	tfy_code rc = tfy__download_file_open(&f->file, f->path, 1, err);
	if (rc != TFY_OK)
		release(f);
	return rc;
}

static int flush(tfy__outfile *f)
{
	if (f->len && !f->failed && tfy__download_file_write(&f->file, f->buf, f->len) < 0)
		f->failed = 1;
	f->len = 0;
	return f->failed ? -1 : 0;
}

int tfy__outfile_write(tfy__outfile *f, const void *p, size_t n)
{
	if (f->failed)
		return -1;
	if (f->cap - f->len < n && flush(f) < 0)
		return -1;
	if (n >= f->cap) {
		if (tfy__download_file_write(&f->file, p, n) < 0)
			f->failed = 1;
		return f->failed ? -1 : 0;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return 0;
}

tfy_code tfy__outfile_commit(tfy__outfile *f, tfy_error **err)
{
	tfy_code rc;
	if (flush(f) < 0) {
		rc = tfy__io_error(f->file.why, err);
		tfy__download_file_abort(&f->file);
	} else {
		rc = tfy__download_file_commit(&f->file, 1, err);
	}
	release(f);
	return rc;
}

void tfy__outfile_abort(tfy__outfile *f)
{
	tfy__download_file_abort(&f->file);
	release(f);
}

tfy_code tfy__outfile_mkdir(const char *path, tfy_error **err)
{
	struct stat st;
	if (mkdir(path, 0777) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return TFY_OK;
	int errnum = errno == EEXIST ? ENOTDIR : errno;
	char why[TFY__IO_WHY_MAX];
	snprintf(why, sizeof(why), "making the directory %s: %s", path, strerror(errnum));
	return tfy__io_error(why, err);
}

char *tfy__outfile_path(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n >= 0 ? tfy__malloc((size_t)n + 1) : NULL;
	if (s) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return s;
}
