/*
 * A download to a path: the content goes to a temporary file beside the
 * final name ("PATH.XXXXXX.part", same directory, so the rename is atomic;
 * the name part of PATH cut short when the whole would pass the file
 * system's limit on a name), which is flushed to disk and renamed over the
 * final name only when complete.  Any failure removes the temporary file
 * and leaves the final name as it was.
 */
#include "files_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "error_internal.h"
#include "utf8.h"

#define TEMP_TRIES 100

static tfy_code io_fail(const char *what, const char *path, int errnum, tfy_error **err)
{
	char why[TFY__IO_WHY_MAX];
	snprintf(why, sizeof(why), "%s %s: %s", what, path, strerror(errnum));
	return tfy__io_error(why, err);
}

/* Six characters for a temporary name, different on every call in the process. */
static void temp_suffix(char out[7])
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static atomic_uint_fast64_t counter;
	uint64_t v = (uint64_t)tfy__now_ms() * 0x9E3779B97F4A7C15u ^ (uint64_t)getpid() << 32 ^
	             (atomic_fetch_add(&counter, 1) + 1) * 0xBF58476D1CE4E5B9u;
	for (int i = 0; i < 6; i++, v /= 62)
		out[i] = chars[v % 62];
	out[6] = '\0';
}

/* What the temporary name adds to (a prefix of) the final one. */
#define TEMP_TAIL ".XXXXXX.part"
#define TEMP_TAIL_LEN (sizeof(TEMP_TAIL) - 1)

/* The directory holding path ("." for a bare name), in dir. */
static void directory_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else
		snprintf(dir, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/*
 * How many bytes of path the temporary name starts with: all of them, unless
 * the last component and the tail would pass the directory's name limit;
 * then that component is cut (on a UTF-8 character boundary) to fit.
 */
static size_t temp_prefix(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t len = strlen(name);
	char dir[4096];
	directory_of(path, dir, sizeof(dir));
	long max = pathconf(dir, _PC_NAME_MAX);
	size_t limit = max > 0 ? (size_t)max : 255;
	size_t room = limit > TEMP_TAIL_LEN ? limit - TEMP_TAIL_LEN : 0;
	return (size_t)(name - path) + tfy__utf8_cut(name, len, room);
}

/* Creates a new temporary file (O_EXCL: never one that exists) with the umask's mode. */
static int create_temp(tfy__download_file *d, size_t len)
{
	int prefix = (int)temp_prefix(d->path);
	for (int i = 0; i < TEMP_TRIES; i++) {
		char suffix[7];
		temp_suffix(suffix);
		snprintf(d->temp, len, "%.*s.%s.part", prefix, d->path, suffix);
		d->fd = open(d->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (d->fd >= 0 || errno != EEXIST)
			return d->fd;
	}
	return -1;
}

tfy_code tfy__download_file_open(tfy__download_file *d, const char *path, int overwrite, tfy_error **err)
{
	memset(d, 0, sizeof(*d));
	d->path = path;
	d->fd = -1;
	struct stat st;
	if (!overwrite && lstat(path, &st) == 0)
		return io_fail("refusing to replace", path, EEXIST, err);
	size_t len = strlen(path) + sizeof(TEMP_TAIL);
	if (!(d->temp = tfy__malloc(len)))
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	if (create_temp(d, len) < 0) {
		tfy_code rc = io_fail("creating", d->temp, errno, err);
		tfy__free(d->temp);
		d->temp = NULL;
		return rc;
	}
	return TFY_OK;
}

int32_t tfy__download_file_write(void *userdata, const char *data, size_t size)
{
	tfy__download_file *d = userdata;
	while (size) {
		ssize_t n = write(d->fd, data, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(d->why, sizeof(d->why), "writing %s: %s", d->temp,
			         strerror(n < 0 ? errno : EIO));
			return -1;
		}
		data += n;
		size -= (size_t)n;
		d->written += n;
	}
	return 0;
}

int tfy__download_file_rewind(void *userdata)
{
	tfy__download_file *d = userdata;
	if (ftruncate(d->fd, 0) != 0 || lseek(d->fd, 0, SEEK_SET) != 0) {
		snprintf(d->why, sizeof(d->why), "truncating %s: %s", d->temp, strerror(errno));
		return -1;
	}
	d->written = 0;
	return 0;
}

void tfy__download_file_abort(tfy__download_file *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->temp)
		unlink(d->temp);
	tfy__free(d->temp);
	d->temp = NULL;
}

/* The directory's entry is flushed too, so the new name survives a crash; best effort. */
static void sync_directory(const char *path)
{
	char dir[4096];
	directory_of(path, dir, sizeof(dir));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * The temporary file takes the final name: replacing it with overwrite;
 * without, link() fails atomically when the name exists (a file system
 * without hard links falls back to a rename after one more check).
 */
static int install(const tfy__download_file *d, int overwrite)
{
	if (overwrite)
		return rename(d->temp, d->path);
	if (link(d->temp, d->path) == 0) {
		unlink(d->temp); /* the content is in place; a stray name is all a failure leaves */
		return 0;
	}
	if (errno == EEXIST)
		return -1;
	struct stat st;
	if (lstat(d->path, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(d->temp, d->path);
}

tfy_code tfy__download_file_commit(tfy__download_file *d, int overwrite, tfy_error **err)
{
	const char *what = NULL, *path = d->temp;
	int errnum = 0, fd = d->fd;
	d->fd = -1;
	if (fsync(fd) != 0)
		what = "flushing", errnum = errno;
	if (close(fd) != 0 && !what)
		what = "closing", errnum = errno;
	if (!what && install(d, overwrite) != 0) {
		errnum = errno;
		what = errnum == EEXIST ? "refusing to replace" : "renaming the download to";
		path = d->path;
	}
	if (what) {
		tfy_code rc = io_fail(what, path, errnum, err);
		tfy__download_file_abort(d);
		return rc;
	}
	sync_directory(d->path);
	tfy__free(d->temp);
	d->temp = NULL;
	return TFY_OK;
}
