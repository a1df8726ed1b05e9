/*
 * tfy-batches: what the terminal allows: its width, escape codes, colour.
 */
#ifndef TFY_BATCHES_TERM_H
#define TFY_BATCHES_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <stddef.h>

/*
 * Columns of the terminal on fd: COLUMNS when it is a positive number, else
 * the terminal's own (TIOCGWINSZ), else 80; 0 when fd is not a terminal
 * (then nothing is fitted).
 */
size_t term_width(int fd);

/* fd is a terminal that takes escape codes (TERM is not "dumb"). */
int term_ansi(int fd);

/* term_ansi(), and NO_COLOR is not set (https://no-color.org). */
int term_color(int fd);

/* Milliseconds since *start (CLOCK_MONOTONIC). */
int64_t term_elapsed_ms(const struct timespec *start);

/*
 * Rewrites the live progress line on stderr: "\r", erase to the end, text
 * (escaped, cut to cap columns; 0: not cut), then "  TAIL" when tail is
 * not NULL, then "  MmSSs" of seconds.  Flushes.
 */
void term_live_line(const char *text, size_t cap, const char *tail, int64_t seconds);

#endif
