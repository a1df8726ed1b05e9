#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static bool blank(const char *line, size_t len)
{
	return strspn(line, " \t\r") == len;
}

bool mgw_jsonl_each(const char *path,
                    bool (*fn)(const char *line, size_t len, long long lineno, void *ctx), void *ctx)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long long lineno = 0;
	bool ok;
	if (!f)
		return false;
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		++lineno;
		if (!blank(line, len) && !fn(line, len, lineno, ctx))
			break;
	}
	ok = !ferror(f);
	free(line);
	fclose(f);
	return ok;
}
