/*
 * tfy-batches: sizes as people write them.  Decimal units follow SI (and
 * OpenAI's "200 MB" per file); binary ones need the "i".
 */
#include "size.h"

#include <ctype.h>
#include <string.h>

static const struct {
	const char *name;
	int64_t factor;
} units[] = {
	{ "", 1 },
	{ "B", 1 },
	{ "k", 1000 },
	{ "kB", 1000 },
	{ "K", 1000 },
	{ "KB", 1000 },
	{ "M", 1000000 },
	{ "MB", 1000000 },
	{ "G", 1000000000 },
	{ "GB", 1000000000 },
	{ "T", 1000000000000 },
	{ "TB", 1000000000000 },
	{ "KiB", 1024 },
	{ "MiB", 1024 * 1024 },
	{ "GiB", 1024 * 1024 * 1024 },
	{ "TiB", (int64_t)1024 * 1024 * 1024 * 1024 },
};

/* The factor of the unit text names, or 0 when it is none. */
static int64_t unit_factor(const char *text)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(text, units[i].name) == 0)
			return units[i].factor;
	return 0;
}

int cli_parse_size(const char *text, int64_t *out)
{
	int64_t whole = 0, frac = 0, scale = 1, factor;
	const char *p = text;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (INT64_MAX - 9) / 10)
			return -1;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		/* 9 digits of fraction are plenty for a byte count; the rest are read and dropped */
		for (; isdigit((unsigned char)*p); p++)
			if (scale < 1000000000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
	}
	if ((factor = unit_factor(p)) == 0 || (scale > 1 && factor == 1))
		return -1;
	if (whole > (INT64_MAX - factor) / factor)
		return -1;
	*out = whole * factor + (int64_t)((double)frac / (double)scale * (double)factor);
	return 0;
}
