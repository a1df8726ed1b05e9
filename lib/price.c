/*
 * A job's price table: loaded once (decode_price.c reads the JSON), then
 * asked for each output line's model.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "arena.h"
#include "decode.h"
#include "error_internal.h"
#include "job_data.h"
#include "localfile.h"

/* The largest price table read: some thousands of models. */
#define PRICE_FILE_MAX (4 * 1024 * 1024)

struct tfy__price_table {
	tfy__arena *arena;
	tfy__price *prices; /* sorted by model */
	size_t count;
};

/* The whole file at path into a new buffer (NUL-terminated); NULL with why set. */
static char *read_small(const char *path, size_t *len, char *why, size_t why_size)
{
	int64_t size = 0;
	int fd = tfy__open_regular(path, &size, why, why_size);
	if (fd < 0)
		return NULL;
	char *text = NULL;
	if (size > PRICE_FILE_MAX)
		snprintf(why, why_size, "larger than %d bytes", PRICE_FILE_MAX);
	else if (!(text = tfy__malloc((size_t)size + 1)))
		snprintf(why, why_size, "out of memory");
	size_t got = 0;
	while (text && got < (size_t)size) {
		ssize_t n = read(fd, text + got, (size_t)size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, why_size, "%s", n < 0 ? strerror(errno) : "the file shrank");
			tfy__free(text);
			text = NULL;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (text) {
		text[got] = '\0';
		*len = got;
	}
	return text;
}

tfy_code tfy__price_table_load(const char *path, tfy__price_table **out, tfy_error **err)
{
	*out = NULL;
	char why[256] = "", detail[512] = "";
	size_t len = 0;
	char *text = read_small(path, &len, why, sizeof(why));
	if (!text)
		return strcmp(why, "out of memory") == 0
		             ? tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory")
		             : tfy__error_set(err, TFY_ERROR_IO, "price table %s: %s", path, why);
	tfy__price_table *t = tfy__calloc(1, sizeof(*t));
	tfy_code rc = t && (t->arena = tfy__arena_new(len + 1024))
	                    ? tfy__decode_price_table(text, len, t->arena, &t->prices, &t->count,
	                                              detail, sizeof(detail))
	                    : TFY_ERROR_OUT_OF_MEMORY;
	tfy__free(text);
	if (rc != TFY_OK) {
		tfy__price_table_free(t);
		return rc == TFY_ERROR_OUT_OF_MEMORY
		             ? tfy__error_set(err, rc, "out of memory")
		             : tfy__error_set(err, rc, "%s (%s)", detail, path);
	}
	*out = t;
	return TFY_OK;
}

void tfy__price_table_free(tfy__price_table *t)
{
	if (!t)
		return;
	tfy__arena_free(t->arena);
	tfy__free(t);
}

/* The entry named exactly n bytes at name, or NULL. */
static const tfy__price *exact(const tfy__price_table *t, const char *name, size_t n)
{
	size_t lo = 0, hi = t->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = t->prices[mid].model;
		int c = strncmp(m, name, n);
		if (c == 0 && m[n] != '\0')
			c = 1;
		if (c == 0)
			return &t->prices[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The longest model M for which name is "M-...": a dated snapshot of it. */
static const tfy__price *snapshot_of(const tfy__price_table *t, const char *name, size_t n)
{
	const tfy__price *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < t->count; i++) {
		size_t m = strlen(t->prices[i].model);
		if (m < n && m > best_len && name[m] == '-' && memcmp(name, t->prices[i].model, m) == 0)
			best = &t->prices[i], best_len = m;
	}
	return best;
}

const tfy__price *tfy__price_find(const tfy__price_table *t, const char *model)
{
	if (!t || !model)
		return NULL;
	const char *slash = strrchr(model, '/');
	const char *names[2] = { model, slash ? slash + 1 : NULL };
	for (int k = 0; k < 2; k++) {
		const tfy__price *p = names[k] ? exact(t, names[k], strlen(names[k])) : NULL;
		if (p)
			return p;
	}
	for (int k = 0; k < 2; k++) {
		const tfy__price *p = names[k] ? snapshot_of(t, names[k], strlen(names[k])) : NULL;
		if (p)
			return p;
	}
	return NULL;
}
