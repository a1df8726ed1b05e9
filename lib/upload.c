/*
 * The upload's source: a local file read through its descriptor, or the
 * caller's reader, either held to the size announced to the server so that
 * a file that shrinks or a reader that ends early fails the call instead of
 * sending a body shorter than its Content-Length.
 */
#include "files_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error_internal.h"
#include "localfile.h"

tfy_code tfy__io_error(const char *why, tfy_error **err)
{
	return tfy__decode_error(TFY_ERROR_IO, why, err);
}

tfy_code tfy__upload_source_open(tfy__upload_source *src, const char *path, tfy_error **err)
{
	memset(src, 0, sizeof(*src));
	src->path = path;
	char reason[256], why[TFY__IO_WHY_MAX];
	src->fd = tfy__open_regular(path, &src->size, reason, sizeof(reason));
	if (src->fd >= 0)
		return TFY_OK;
	snprintf(why, sizeof(why), "opening %s: %s", path, reason);
	return tfy__io_error(why, err);
}

void tfy__upload_source_reader(tfy__upload_source *src, tfy_read_fn read, void *userdata,
                               tfy_rewind_fn rewind, int64_t size)
{
	memset(src, 0, sizeof(*src));
	src->fd = -1;
	src->read = read;
	src->userdata = userdata;
	src->rewind = rewind;
	src->size = size > 0 ? size : -1;
}

void tfy__upload_source_close(tfy__upload_source *src)
{
	if (src->fd >= 0)
		close(src->fd);
	src->fd = -1;
}

/* Up to size bytes from the descriptor or the reader; -1 with why set. */
static int64_t read_some(tfy__upload_source *src, char *buf, size_t size)
{
	if (src->fd < 0) {
		int64_t n = src->read(src->userdata, buf, size);
		if (n >= 0 && (uint64_t)n <= size)
			return n;
		snprintf(src->why, sizeof(src->why), "the upload's read callback failed");
		return -1;
	}
	ssize_t n;
	do
		n = read(src->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (int64_t)n;
	snprintf(src->why, sizeof(src->why), "reading %s: %s", src->path, strerror(errno));
	return -1;
}

int64_t tfy__upload_source_read(void *userdata, char *buf, size_t size)
{
	tfy__upload_source *src = userdata;
	if (src->size >= 0 && (uint64_t)(src->size - src->done) < size)
		size = (size_t)(src->size - src->done);
	if (size == 0)
		return 0;
	int64_t n = read_some(src, buf, size);
	if (n == 0 && src->size >= 0) {
		snprintf(src->why, sizeof(src->why), "%s ended after %lld of %lld bytes",
		         src->fd >= 0 ? src->path : "the upload's reader", (long long)src->done,
		         (long long)src->size);
		return -1;
	}
	if (n > 0)
		src->done += n;
	return n;
}

int tfy__upload_source_rewind(void *userdata)
{
	tfy__upload_source *src = userdata;
	int failed = src->fd >= 0 ? lseek(src->fd, 0, SEEK_SET) != 0
	                          : !src->rewind || src->rewind(src->userdata) != 0;
	if (failed) {
		snprintf(src->why, sizeof(src->why),
		         "the file to upload could not be rewound for "
		         "another attempt");
		return -1;
	}
	src->done = 0;
	return 0;
}
