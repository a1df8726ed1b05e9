/*
 * tfy-batches: what the terminal allows: its width, escape codes, colour.
 */
#include "term.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "text.h"

#define DEFAULT_WIDTH 80
/* Wider is taken for a typo in COLUMNS, not a terminal. */
#define MAX_WIDTH 10000

/* COLUMNS wins over the terminal, as in ls and GNU tools: a user can ask for a width. */
static size_t columns_from_env(void)
{
	const char *v = getenv("COLUMNS");
	char *end;
	long n;

	if (v == NULL || v[0] < '1' || v[0] > '9')
		return 0;
	n = strtol(v, &end, 10);
	return *end == '\0' && n > 0 && n <= MAX_WIDTH ? (size_t)n : 0;
}

size_t term_width(int fd)
{
	struct winsize ws;
	size_t n;

	if (!isatty(fd))
		return 0;
	n = columns_from_env();
	if (n != 0)
		return n;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return DEFAULT_WIDTH;
}

int term_ansi(int fd)
{
	const char *term = getenv("TERM");

	return isatty(fd) && (term == NULL || strcmp(term, "dumb") != 0);
}

int term_color(int fd)
{
	return term_ansi(fd) && getenv("NO_COLOR") == NULL;
}

int64_t term_elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

void term_live_line(const char *text, size_t cap, const char *tail, int64_t seconds)
{
	sink err;

	sink_init(&err, stderr);
	sink_puts(&err, "\r\033[K");
	if (cap != 0)
		text_put_cut(&err, text, cap);
	else
		text_put(&err, text, 0);
	if (tail != NULL)
		fprintf(stderr, "  %s", tail);
	fprintf(stderr, "  %" PRId64 "m%02" PRId64 "s", seconds / 60, seconds % 60);
	fflush(stderr);
}
