/* Content readers. MHD calls a reader again only once the bytes it returned
 * last time are on the wire, which is what makes pacing and mid-body
 * hang-ups land where intended. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Enough to keep the socket busy without making each call slow. */
#define HUGE_BLOCK (64u * 1024u)

struct stream {
	char *buf;
	size_t len;
	size_t keep;          /* drop: bytes sent before the hang-up */
	struct mgw_drip drip; /* drip: pacing */
};

static void free_stream(void *cls)
{
	struct stream *s = cls;
	free(s->buf);
	free(s);
}

static struct stream *new_stream(char *buf, size_t len)
{
	struct stream *s = calloc(1, sizeof *s);
	if (!s) {
		free(buf);
		return NULL;
	}
	s->buf = buf;
	s->len = len;
	return s;
}

static struct MHD_Response *from_stream(struct stream *s, uint64_t size, size_t block,
                                        MHD_ContentReaderCallback read)
{
	struct MHD_Response *resp;
	if (!s)
		return NULL;
	resp = MHD_create_response_from_callback(size, block, read, s, free_stream);
	if (!resp)
		free_stream(s);
	return resp;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* ---- drip -------------------------------------------------------------- */

static ssize_t read_drip(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;
	if (pos >= s->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* The first piece goes out with the headers: a client sees a response
     * start at once, then has to wait for the rest. */
	if (pos > 0 && !mgw_sleeper_sleep(s->drip.sleeper, s->drip.interval_ms, s->drip.fd))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = min_size(min_size(s->drip.piece, max), s->len - (size_t)pos);
	memcpy(buf, s->buf + pos, n);
	return (ssize_t)n;
}

struct MHD_Response *mgw_stream_drip(char *buf, size_t len, const struct mgw_drip *drip)
{
	struct stream *s = new_stream(buf, len);
	if (s)
		s->drip = *drip;
	return from_stream(s, len, drip->piece, read_drip);
}

/* ---- drop -------------------------------------------------------------- */

static ssize_t read_drop(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;
	if (pos >= s->keep)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = min_size(max, s->keep - (size_t)pos);
	memcpy(buf, s->buf + pos, n);
	return (ssize_t)n;
}

struct MHD_Response *mgw_stream_drop(char *buf, size_t len, size_t keep)
{
	struct stream *s = new_stream(buf, len);
	if (s)
		s->keep = keep;
	return from_stream(s, len, HUGE_BLOCK, read_drop);
}

/* ---- huge -------------------------------------------------------------- */

static const char huge_head[] =
	"{\"object\":\"list\",\"data\":[],\"first_id\":null,\"last_id\":null,\"has_more\":false,"
	"\"padding\":\"";
static const char huge_tail[] = "\"}\n";

#define HEAD_LEN (sizeof huge_head - 1)
#define TAIL_LEN (sizeof huge_tail - 1)

/* Byte `pos` of a body of `size` bytes: head, padding, tail. */
static char huge_byte(uint64_t pos, uint64_t size)
{
	if (pos < HEAD_LEN)
		return huge_head[pos];
	if (pos >= size - TAIL_LEN)
		return huge_tail[pos - (size - TAIL_LEN)];
	return 'x';
}

static ssize_t read_huge(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;
	if (pos >= s->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = (size_t)min_size(max, (size_t)(s->len - pos));
	for (size_t k = 0; k < n; k++)
		buf[k] = huge_byte(pos + k, s->len);
	return (ssize_t)n;
}

struct MHD_Response *mgw_stream_huge(uint64_t size, bool chunked)
{
	struct stream *s = new_stream(NULL, 0);
	if (size < HEAD_LEN + TAIL_LEN)
		size = HEAD_LEN + TAIL_LEN;
	if (s)
		s->len = (size_t)size;
	return from_stream(s, chunked ? MHD_SIZE_UNKNOWN : size, HUGE_BLOCK, read_huge);
}

/* ---- file -------------------------------------------------------------- */

struct file_stream {
	int fd;
	uint64_t keep;
};

static ssize_t read_file(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct file_stream *f = cls;
	ssize_t n;
	if (pos >= f->keep)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (max > f->keep - pos)
		max = (size_t)(f->keep - pos);
	n = pread(f->fd, buf, max, (off_t)pos);
	return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void free_file(void *cls)
{
	struct file_stream *f = cls;
	close(f->fd);
	free(f);
}

struct MHD_Response *mgw_stream_file(int fd, uint64_t size, uint64_t keep)
{
	struct file_stream *f;
	struct MHD_Response *resp;
	if (keep >= size) {
		resp = MHD_create_response_from_fd64(size, fd);
		if (!resp)
			close(fd);
		return resp;
	}
	if (!(f = malloc(sizeof *f))) {
		close(fd);
		return NULL;
	}
	f->fd = fd;
	f->keep = keep;
	resp = MHD_create_response_from_callback(size, HUGE_BLOCK, read_file, f, free_file);
	if (!resp)
		free_file(f);
	return resp;
}
