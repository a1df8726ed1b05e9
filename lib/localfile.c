#include "localfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What kind of file st is, for the message refusing it. */
static const char *kind(const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return "a device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "a special file";
}

/* Reads block again: the descriptor is handed to plain read() loops. */
static int clear_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

int tfy__open_regular(const char *path, int64_t *size, char *why, size_t why_size)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	int errnum = 0;
	if (fd < 0 || fstat(fd, &st) != 0)
		errnum = errno;
	else if (S_ISDIR(st.st_mode))
		errnum = EISDIR;
	else if (!S_ISREG(st.st_mode))
		snprintf(why, why_size, "%s, not a regular file", kind(&st));
	else if (clear_nonblock(fd) != 0)
		errnum = errno;
	else {
		*size = (int64_t)st.st_size;
		return fd;
	}
	if (errnum)
		snprintf(why, why_size, "%s", strerror(errnum));
	if (fd >= 0)
		close(fd);
	return -1;
}
