/*
 * A shard as an upload's body: a byte range of a round's input read with
 * pread (so a rewind is free), a line feed added after a last line that
 * has none.  The range must still be what the plan cut: its last byte a
 * line feed, or the file ending one byte short of it without one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error_internal.h"
#include "job_data.h"
#include "localfile.h"

struct tfy__shard_reader {
	int fd;
	int64_t offset; /* of the range in the file */
	int64_t bytes;  /* given in all, the line feed added included */
	int64_t pos;    /* given so far */
	int add_lf;     /* the range's last byte is the added line feed */
};

/* The byte at off of the file, or -1. */
static int byte_at(int fd, int64_t off)
{
	unsigned char c;
	ssize_t n;
	do
		n = pread(fd, &c, 1, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

/* Whether the file still holds the range; sets add_lf. */
static int range_holds(tfy__shard_reader *r, int64_t size)
{
	int64_t avail = size - r->offset;
	if (r->bytes == 0)
		return avail >= 0;
	if (avail >= r->bytes)
		return byte_at(r->fd, r->offset + r->bytes - 1) == '\n';
	r->add_lf = 1;
	return avail == r->bytes - 1 && avail > 0 && byte_at(r->fd, size - 1) != '\n' &&
	       byte_at(r->fd, size - 1) >= 0;
}

tfy_code tfy__shard_reader_open(const char *path, const tfy__shard_plan *shard,
                                tfy__shard_reader **out, tfy_error **err)
{
	*out = NULL;
	if (shard->offset < 0 || shard->bytes < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "a shard's range is negative");
	tfy__shard_reader *r = tfy__calloc(1, sizeof(*r));
	if (!r)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	r->offset = shard->offset;
	r->bytes = shard->bytes;
	char why[256];
	int64_t size = 0;
	r->fd = tfy__open_regular(path, &size, why, sizeof(why));
	if (r->fd < 0) {
		tfy__free(r);
		return tfy__error_set(err, TFY_ERROR_IO, "opening %s: %s", path, why);
	}
	if (!range_holds(r, size)) {
		tfy__shard_reader_close(r);
		return tfy__error_set(err, TFY_ERROR_IO,
		                      "%s no longer holds the shard's lines (bytes %lld to %lld): the "
		                      "file changed since it was planned",
		                      path, (long long)shard->offset,
		                      (long long)(shard->offset + shard->bytes));
	}
	*out = r;
	return TFY_OK;
}

int64_t tfy__shard_reader_read(void *reader, char *buf, size_t size)
{
	tfy__shard_reader *r = reader;
	int64_t in_file = r->bytes - r->add_lf;
	if (r->pos >= r->bytes || size == 0)
		return 0;
	if (r->pos == in_file) { /* only the added line feed is left */
		buf[0] = '\n';
		r->pos++;
		return 1;
	}
	size_t want = (uint64_t)(in_file - r->pos) < size ? (size_t)(in_file - r->pos) : size;
	ssize_t n;
	do
		n = pread(r->fd, buf, want, (off_t)(r->offset + r->pos));
	while (n < 0 && errno == EINTR);
	if (n <= 0) /* an error, or the file shrank under the range */
		return -1;
	r->pos += n;
	return n;
}

int tfy__shard_reader_rewind(void *reader)
{
	((tfy__shard_reader *)reader)->pos = 0;
	return 0;
}

int64_t tfy__shard_reader_size(const tfy__shard_reader *r)
{
	return r->bytes;
}

void tfy__shard_reader_close(tfy__shard_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	tfy__free(r);
}
