#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define LINE_MAX_BYTES 1024

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
	char line[LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log->fn)
		log->fn(level, line, log->userdata);
	else
		fprintf(stderr, "libtfy %s: %s\n", tags[level], line);
}
