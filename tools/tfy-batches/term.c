/*
 * tfy-batches: what the terminal allows: its width, escape codes, colour.
 */
#include "term.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
