#include "utf8.h"

#include <string.h>

size_t tfy__utf8_decode(const char *p, size_t avail, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)p;
	if (s[0] < 0x80) {
		if (cp)
			*cp = s[0];
		return 1;
	}
	/* 0x80..0xC1 are continuations or lead only overlong pairs; 0xF5.. lead past U+10FFFF. */
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	size_t n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (avail < n)
		return 0;
	uint32_t v = s[0] & (0x7Fu >> n);
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[k] & 0x3Fu);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if (cp)
		*cp = v;
	return n;
}

size_t tfy__utf8_encode(uint32_t v, char out[4])
{
	static const unsigned char lead[] = { 0, 0x00, 0xC0, 0xE0, 0xF0 };
	unsigned char *o = (unsigned char *)out;
	size_t n = v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
	for (size_t k = n - 1; k > 0; k--, v >>= 6)
		o[k] = (unsigned char)(0x80 | (v & 0x3F));
	o[0] = (unsigned char)(lead[n] | v);
	return n;
}

int tfy__utf8_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = tfy__utf8_decode(s + i, n - i, NULL)))
			return 0;
	return 1;
}

size_t tfy__utf8_chars(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}

size_t tfy__utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}
