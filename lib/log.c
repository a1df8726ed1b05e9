#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mask.h"
#include "utf8.h"

#define LINE_MAX_BYTES 1024
/* A line is formatted in full up to this size, masked, and only then cut. */
#define RAW_MAX_BYTES 8192

/* A cut line that ends in the beginning of a secret loses that end. */
static void drop_secret_prefix_at_end(char *s, tfy__secrets secrets)
{
	size_t n = strlen(s);
	s[n - tfy__secret_prefix_at_end(s, n, secrets, TFY__SECRET_PREFIX_MIN)] = '\0';
}

static int32_t level_from_env(void)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	const char *v = getenv("TFY_LOG");
	if (v && strcasecmp(v, "off") == 0)
		return TFY_LOG_OFF;
	for (int32_t i = 0; v && i < 4; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i + 1;
	return TFY_LOG_WARN;
}

void tfy__logger_init(tfy__logger *log, int32_t level, tfy_log_fn fn, void *userdata)
{
	log->level = level != TFY_LOG_DEFAULT ? level : level_from_env();
	log->fn = fn;
	log->userdata = userdata;
	log->secrets = NULL;
}

/*
 * Copies src into dst with each byte that could end, split or restyle a line
 * (C0 controls but tab, DEL, C1 controls, bytes of invalid UTF-8) as \xHH.
 */
static void escape(const char *src, char *dst, size_t size)
{
	const char *p = src;
	size_t w = 0;
	while (*p && w + 5 < size) {
		uint32_t cp;
		size_t len = tfy__utf8_decode(p, strnlen(p, 4), &cp);
		if (!len || tfy__text_is_control(cp, 0)) {
			w += (size_t)snprintf(dst + w, size - w, "\\x%02X", (unsigned char)*p);
			p++;
			continue;
		}
		if (w + len >= size)
			break;
		memcpy(dst + w, p, len);
		w += len;
		p += len;
	}
	dst[w] = '\0';
}

int tfy__log_enabled(const tfy__logger *log, int32_t level)
{
	return level <= log->level;
}

void tfy__log(const tfy__logger *log, int32_t level, const char *fmt, ...)
{
	static const char *const tags[] = { "", "error", "warn", "info", "debug" };
	if (level < TFY_LOG_ERROR || level > TFY_LOG_DEBUG || !tfy__log_enabled(log, level))
		return;
	char raw[RAW_MAX_BYTES], masked[RAW_MAX_BYTES], line[4 * LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(raw))
		drop_secret_prefix_at_end(raw, log->secrets);
	tfy__mask_secrets(raw, log->secrets, masked, sizeof(masked), NULL);
	escape(masked, line, sizeof(line));
	if (log->fn)
		log->fn(level, line, log->userdata);
	else
		fprintf(stderr, "libtfy %s: %s\n", tags[level], line);
}
