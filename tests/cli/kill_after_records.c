/*
 * LD_PRELOAD for tests/cli/job_crash.sh: kills its process with SIGKILL
 * right after it has appended TFY_TEST_KILL_AFTER_RECORDS more records
 * (lines) to a file named "journal", so that a job is stopped right after
 * each step of its journal in turn, whatever the timing.  Only write(2) is
 * watched: the journal appends with one write of whole lines.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The same prototype as unistd.h's, defined here in place of libc's. */
ssize_t write(int fd, const void *buf, size_t count);

static long records_seen;

/* fd is open on a file whose name is "journal". */
static int is_journal(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	const char *base = strrchr(path, '/');
	return base != NULL && strcmp(base + 1, "journal") == 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	const char *limit = getenv("TFY_TEST_KILL_AFTER_RECORDS");
	ssize_t n;

	if (real_write == NULL)
		*(void **)&real_write = dlsym(RTLD_NEXT, "write");
	n = real_write(fd, buf, count);
	if (limit != NULL && n > 0 && fd > 2 && is_journal(fd)) {
		for (ssize_t i = 0; i < n; i++)
			records_seen += ((const char *)buf)[i] == '\n';
		if (records_seen >= atol(limit))
			kill(getpid(), SIGKILL);
	}
	return n;
}
