/*
 * tfy-batches: checked writes and terminal-safe text.
 *
 * Widths come from a small built-in table (combining marks 0, East Asian
 * wide and emoji 2, the rest 1) rather than wcwidth(): that would need a
 * locale and make the layout depend on the environment.  Rare scripts may be
 * off by a column; the table only has to keep columns roughly aligned.
 */
#include "text.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

void sink_init(sink *s, FILE *fp)
{
	s->fp = fp;
	s->err = 0;
}

static void sink_fail(sink *s)
{
	if (s->err == 0)
		s->err = errno != 0 ? errno : EIO;
}

void sink_write(sink *s, const char *buf, size_t len)
{
	if (s->err != 0 || len == 0)
		return;
	errno = 0;
	if (fwrite(buf, 1, len, s->fp) != len)
		sink_fail(s);
}

void sink_puts(sink *s, const char *str)
{
	sink_write(s, str, strlen(str));
}

void sink_spaces(sink *s, size_t n)
{
	static const char blanks[] = "                                ";

	while (n > 0) {
		size_t chunk = n < sizeof blanks - 1 ? n : sizeof blanks - 1;

		sink_write(s, blanks, chunk);
		n -= chunk;
	}
}

int sink_flush(sink *s)
{
	errno = 0;
	if (fflush(s->fp) != 0 || ferror(s->fp))
		sink_fail(s);
	return s->err;
}

typedef struct cp_range {
	unsigned long first, last;
} cp_range;

static int in_ranges(unsigned long cp, const cp_range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (cp >= r[i].first && cp <= r[i].last)
			return 1;
	}
	return 0;
}

/* Bidi overrides and isolates count too: they can make a value read backwards. */
static int is_control(unsigned long cp)
{
	static const cp_range ctl[] = {
		{ 0x00, 0x1F }, { 0x7F, 0x9F }, { 0x202A, 0x202E }, { 0x2066, 0x2069 }
	};

	return in_ranges(cp, ctl, sizeof ctl / sizeof ctl[0]);
}

static size_t cp_width(unsigned long cp)
{
	static const cp_range zero[] = { { 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD },
		                         { 0x0610, 0x061A }, { 0x064B, 0x065F }, { 0x200B, 0x200F },
		                         { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F } };
	static const cp_range wide[] = {
		{ 0x1100, 0x115F },   { 0x2E80, 0x303E },   { 0x3041, 0x33FF },
		{ 0x3400, 0x4DBF },   { 0x4E00, 0x9FFF },   { 0xA000, 0xA4CF },
		{ 0xAC00, 0xD7A3 },   { 0xF900, 0xFAFF },   { 0xFE30, 0xFE4F },
		{ 0xFF00, 0xFF60 },   { 0xFFE0, 0xFFE6 },   { 0x1F300, 0x1F64F },
		{ 0x1F900, 0x1F9FF }, { 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD }
	};

	if (in_ranges(cp, zero, sizeof zero / sizeof zero[0]))
		return 0;
	return in_ranges(cp, wide, sizeof wide / sizeof wide[0]) ? 2 : 1;
}

/*
 * What is shown for a control character (cp) or a byte that does not start
 * well-formed UTF-8 (raw): C escapes, all ASCII, so a value cannot drive the
 * terminal yet can still be read back: \n, \r and \t by name, other bytes
 * as \xHH, control code points from U+0080 on as \uHHHH.  Returns the length.
 */
static size_t escape(char buf[TEXT_ESCAPE_MAX + 1], unsigned long cp, int raw)
{
	static const char named[][3] = { { '\t', 't' }, { '\n', 'n' }, { '\r', 'r' } };
	size_t i;

	for (i = 0; !raw && i < sizeof named / sizeof named[0]; i++) {
		if (cp == (unsigned char)named[i][0]) {
			buf[0] = '\\';
			buf[1] = named[i][1];
			buf[2] = '\0';
			return 2;
		}
	}
	return (size_t)snprintf(buf, TEXT_ESCAPE_MAX + 1,
	                        raw || cp < 0x80 ? "\\x%02lx" : "\\u%04lx", cp);
}

/*
 * The character at s: its byte length, its width, and in esc what to print
 * in its place (empty: print it as is).
 */
static size_t next_char(const char *s, size_t *width, char esc[TEXT_ESCAPE_MAX + 1])
{
	uint32_t cp;
	size_t len = tfy__utf8_decode(s, strnlen(s, 4), &cp);

	esc[0] = '\0';
	if (len == 0) {
		*width = escape(esc, (unsigned char)s[0], 1);
		return 1;
	}
	*width = is_control(cp) ? escape(esc, cp, 0) : cp_width(cp);
	return len;
}

size_t text_width(const char *s)
{
	char esc[TEXT_ESCAPE_MAX + 1];
	size_t cols = 0, width;

	while (*s != '\0') {
		s += next_char(s, &width, esc);
		cols += width;
	}
	return cols;
}

int text_is_plain(const char *s)
{
	char esc[TEXT_ESCAPE_MAX + 1];
	size_t width;

	while (*s != '\0') {
		s += next_char(s, &width, esc);
		if (esc[0] != '\0')
			return 0;
	}
	return 1;
}

size_t text_put(sink *out, const char *s, size_t max_cols)
{
	char esc[TEXT_ESCAPE_MAX + 1];
	size_t cols = 0, width;

	while (*s != '\0') {
		size_t len = next_char(s, &width, esc);

		if (max_cols != 0 && cols + width > max_cols)
			break;
		if (esc[0] != '\0')
			sink_puts(out, esc);
		else
			sink_write(out, s, len);
		s += len;
		cols += width;
	}
	return cols;
}

size_t text_put_cut(sink *out, const char *s, size_t cap)
{
	size_t cols;

	if (cap == 0 || text_width(s) <= cap)
		return text_put(out, s, 0);
	cols = text_put(out, s, cap - (sizeof TEXT_CUT_MARK - 1));
	sink_puts(out, TEXT_CUT_MARK);
	return cols + sizeof TEXT_CUT_MARK - 1;
}

void text_put_wrapped(sink *out, char *text, size_t width, size_t indent)
{
	size_t col = 0;
	char *word = text;

	while (*word != '\0') {
		char *end = word + strcspn(word, " ");
		char saved = *end;
		size_t w;

		*end = '\0';
		w = text_width(word);
		if (width != 0 && col > indent && col + 1 + w > width) {
			sink_puts(out, "\n");
			sink_spaces(out, indent);
			col = indent;
		} else if (word != text) {
			sink_puts(out, " ");
			col++;
		}
		sink_puts(out, word);
		col += w;
		*end = saved;
		word = end + (saved != '\0');
	}
}

void text_put_file(FILE *fp, const char *s)
{
	sink tmp;

	sink_init(&tmp, fp);
	text_put(&tmp, s, 0);
}
