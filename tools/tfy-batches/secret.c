/*
 * tfy-batches: secrets read from files, scrubbed before they are freed.
 */
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void secret_scrub(char *s, size_t size)
{
	for (volatile char *p = s; p && size--; p++)
		*p = 0;
}

char *secret_first_line(const char *path, const char **why)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, SECRET_FILE_MAX + 1);
	size_t n = f && buf ? fread(buf, 1, SECRET_FILE_MAX, f) : 0;
	if (f)
		fclose(f);
	if (!buf || !f || n == 0) {
		*why = !buf ? "out of memory" : "cannot read the secret file (or it is empty):";
		free(buf);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	/* What follows the first line is not kept around either. */
	secret_scrub(buf + strlen(buf), SECRET_FILE_MAX - strlen(buf));
	return buf;
}

void secret_free(char *s)
{
	if (s)
		secret_scrub(s, strlen(s));
	free(s);
}
