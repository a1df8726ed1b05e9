/*
 * tfy-batches: what the terminal allows: its width, escape codes, colour.
 */
#ifndef TFY_BATCHES_TERM_H
#define TFY_BATCHES_TERM_H

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

#endif
