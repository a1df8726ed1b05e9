/*
 * tfy-batches: checked writes and terminal-safe text.
 */
#ifndef TFY_BATCHES_TEXT_H
#define TFY_BATCHES_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * A stream that remembers the errno of its first failed write, so callers
 * can write freely and check once, and so EPIPE can be told apart from a
 * real write error after the fact (ferror() alone loses errno).
 */
typedef struct sink {
	FILE *fp;
	int err; /* errno of the first failed write or flush; 0 while all went well */
} sink;

void sink_init(sink *s, FILE *fp);
void sink_puts(sink *s, const char *str);
void sink_write(sink *s, const char *buf, size_t len);
void sink_spaces(sink *s, size_t n);
/* Flushes and returns the sticky error (0 when everything was written). */
int sink_flush(sink *s);

/* Display columns of s as text_put() would print it without a limit. */
size_t text_width(const char *s);

/* Longest escape text_put() prints for one character ("\u202e"). */
#define TEXT_ESCAPE_MAX 6

/*
 * Writes s with control characters escaped: values come from a server and
 * must not be able to drive the terminal or forge a line.  Escaped are C0
 * (\t, \n and \r by name, the others as \xHH), DEL (\x7f), C1 and the bidi
 * overrides and isolates as code points (\u009b, \u202e), and any byte that
 * is not part of well-formed UTF-8 (\xHH).  A backslash is left as is, so
 * an escape is only a hint, not a lossless encoding.  Stops after max_cols
 * columns (0: no limit), never inside a character or an escape.
 * Returns the number of columns written.
 */
size_t text_put(sink *out, const char *s, size_t max_cols);

/* 1 when text_put() would print s as it is: well-formed UTF-8 with nothing to escape. */
int text_is_plain(const char *s);

/*
 * Ends a value cut short.  Plain ASCII, so it reads the same in any locale
 * and cannot form part of a character with what precedes it.
 */
#define TEXT_CUT_MARK "..."

/*
 * text_put() within cap columns (cap > 3; 0: no limit): a wider value is cut
 * at a character boundary and ends in TEXT_CUT_MARK, so a cut value is never
 * mistaken for a whole one.  Returns the number of columns written.
 */
size_t text_put_cut(sink *out, const char *s, size_t cap);

/*
 * Writes text (made safe already: no control characters) with its lines
 * broken at blanks so that each fits width columns (0: as it is); the lines
 * after the first are indented by indent blanks.  A word wider than the
 * room is written whole.  text is changed while this runs, and restored.
 */
void text_put_wrapped(sink *out, char *text, size_t width, size_t indent);

/* text_put() to a plain stream whose errors nobody can report (stderr). */
void text_put_file(FILE *fp, const char *s);

#endif
