/*
 * JSONL line by line through one reused buffer (see lines.h).  The buffer
 * grows only while a line does not fit, so it stays below twice the
 * longest line read; a line longer than the cap is skipped as it streams
 * by, never held whole.
 */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error_internal.h"
#include "localfile.h"

/* The first buffer, and the least asked of each read. */
#define READ_CHUNK 65536u

/* The longest line an option may ask for: 1 TiB, well inside size_t arithmetic. */
#define LINE_MAX_LIMIT (INT64_C(1) << 40)

static int64_t fd_read(void *userdata, char *buf, size_t size)
{
	tfy__lines *l = userdata;
	for (;;) {
		ssize_t n = read(l->fd, buf, size);
		if (n >= 0)
			return n;
		if (errno != EINTR) {
			l->err_no = errno;
			return -1;
		}
	}
}

void tfy__lines_init(tfy__lines *l, tfy_read_fn read_fn, void *userdata, size_t max_line)
{
	memset(l, 0, sizeof(*l));
	l->read = read_fn;
	l->userdata = userdata;
	l->fd = -1;
	l->max_line = max_line;
}

/* strerror's text for errnum, in buf. */
static const char *errno_text(int errnum, char *buf, size_t size)
{
	if (strerror_r(errnum, buf, size) != 0)
		snprintf(buf, size, "error %d", errnum);
	return buf;
}

/* A TFY_ERROR_IO error "<what> PATH: <text>", text in detail. */
static tfy_code io_error_text(tfy_error **err, const char *what, const char *path, const char *text)
{
	if (!err)
		return TFY_ERROR_IO;
	tfy_error *e = tfy__error_new(TFY_ERROR_IO, "%s %s: %s", what, path, text);
	if (!e || tfy__error_put(&e->detail, text, strlen(text)) < 0 || tfy__error_finish(e, NULL) < 0) {
		tfy_error_free(e);
		*err = tfy__error_out_of_memory();
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	*err = e;
	return TFY_ERROR_IO;
}

/* The same with strerror's text for errnum. */
static tfy_code io_error(tfy_error **err, const char *what, const char *path, int errnum)
{
	char text[128];
	return io_error_text(err, what, path, errno_text(errnum, text, sizeof(text)));
}

tfy_code tfy__lines_open(tfy__lines *l, const char *path, size_t max_line, int regular_only,
                         tfy_error **err)
{
	tfy__lines_init(l, fd_read, l, max_line);
	l->path = tfy__strdup(path);
	if (!l->path)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	if (regular_only) {
		char why[128];
		int64_t size;
		l->fd = tfy__open_regular(path, &size, why, sizeof(why));
		return l->fd < 0 ? io_error_text(err, "cannot open", path, why) : TFY_OK;
	}
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0)
		return io_error(err, "cannot open", path, errno);
	return TFY_OK;
}

void tfy__lines_close(tfy__lines *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	tfy__free(l->path);
	tfy__free(l->buf);
	l->path = l->buf = NULL;
}

/* More bytes into the buffer: 1, 0 at the end of the stream, or TFY__LINE_IO / _OOM. */
static int fill(tfy__lines *l)
{
	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->cap - l->end < READ_CHUNK / 4 && l->end >= l->cap / 2) {
		size_t cap = l->cap ? l->cap * 2 : READ_CHUNK;
		char *p = cap > l->cap ? tfy__realloc(l->buf, cap) : NULL;
		if (!p)
			return TFY__LINE_OOM;
		l->buf = p;
		l->cap = cap;
	}
	/* One byte is kept free: the byte after a line becomes its NUL. */
	int64_t n = l->read(l->userdata, l->buf + l->end, l->cap - l->end - 1);
	if (n < 0 || (uint64_t)n > l->cap - l->end - 1) {
		l->failed = 1;
		return TFY__LINE_IO;
	}
	l->end += (size_t)n;
	l->bytes += n;
	return n > 0;
}

/* Hands out the n bytes at start as a line, "\r" before its line feed dropped. */
static int hand_out(tfy__lines *l, size_t n, size_t skip, const char **line, size_t *len)
{
	char *s = l->buf + l->start;
	l->start += n + skip;
	l->scanned = 0;
	l->line_no++;
	l->last_raw = n + skip;
	l->last_lf = (int)skip;
	if (n > l->max_line)
		return TFY__LINE_TOO_LONG;
	*line = s;
	*len = n - (n && s[n - 1] == '\r');
	s[*len] = '\0'; /* a byte of the line ending, or the spare one after the data */
	return TFY__LINE_OK;
}

int tfy__lines_next(tfy__lines *l, const char **line, size_t *len)
{
	if (l->failed)
		return TFY__LINE_IO;
	for (;;) {
		size_t pending = l->end - l->start;
		const char *nl = pending > l->scanned ? memchr(l->buf + l->start + l->scanned, '\n',
		                                               pending - l->scanned)
		                                      : NULL;
		if (nl && l->skipping) { /* the end of a line already refused */
			l->start += (size_t)(nl - (l->buf + l->start)) + 1;
			l->scanned = 0;
			l->skipping = 0;
			continue;
		}
		if (nl)
			return hand_out(l, (size_t)(nl - (l->buf + l->start)), 1, line, len);
		l->scanned = pending;
		if (l->skipping) {
			l->start = l->end = l->scanned = 0;
		} else if (pending > l->max_line) {
			/* Refused now, before it is held whole; its rest streams by unread. */
			l->line_no++;
			l->skipping = 1;
			l->start = l->end = l->scanned = 0;
			return TFY__LINE_TOO_LONG;
		}
		if (l->eof) {
			if (l->end == l->start)
				return TFY__LINE_END;
			return hand_out(l, l->end - l->start, 0, line, len);
		}
		int r = fill(l);
		if (r == TFY__LINE_OOM && l->end > l->start) {
			/* The line cannot be held: it is lost, the reader goes on after it. */
			l->line_no++;
			l->skipping = 1;
			l->start = l->end = l->scanned = 0;
		}
		if (r < 0)
			return r;
		l->eof = r == 0;
	}
}

int tfy__line_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

tfy_code tfy__line_error(tfy_error **err, tfy_code code, int64_t line, const char *detail)
{
	if (!err)
		return code;
	tfy_error *e = tfy__error_new(code, "line %" PRId64 ": %s", line, detail);
	if (!e || tfy__error_put(&e->detail, detail, strlen(detail)) < 0 ||
	    tfy__error_finish(e, NULL) < 0) {
		tfy_error_free(e);
		*err = tfy__error_out_of_memory();
		return TFY_ERROR_OUT_OF_MEMORY;
	}
	*err = e;
	return code;
}

tfy_code tfy__lines_error(const tfy__lines *l, int what, tfy_error **err)
{
	char detail[128];
	switch (what) {
	case TFY__LINE_TOO_LONG:
		snprintf(detail, sizeof(detail), "longer than %zu bytes (max_line_bytes)", l->max_line);
		return tfy__line_error(err, TFY_ERROR_DECODE, l->line_no, detail);
	case TFY__LINE_IO:
		if (l->path)
			return io_error(err, "cannot read", l->path, l->err_no);
		snprintf(detail, sizeof(detail), "the read callback failed after line %" PRId64,
		         l->line_no);
		return tfy__error_set(err, TFY_ERROR_IO, "%s", detail);
	default:
		if (err)
			*err = tfy__error_out_of_memory();
		return TFY_ERROR_OUT_OF_MEMORY;
	}
}

int64_t tfy__line_max(int64_t requested, int64_t dflt)
{
	if (requested == 0)
		return dflt;
	return requested < 0 || requested > LINE_MAX_LIMIT ? -1 : requested;
}
