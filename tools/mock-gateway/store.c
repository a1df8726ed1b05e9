/* The file store: a list of file objects under one mutex (connections run
 * on their own threads), their bytes in files named after their ids. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "respond.h"

#define FILENAME_MAX_LEN 512
#define PATH_SIZE 4096

struct entry {
	char id[MGW_FILE_ID_SIZE];
	char *filename;
	char purpose[16];
	uint64_t bytes;
	long long created_at;
};

struct mgw_store {
	pthread_mutex_t lock;
	char dir[PATH_SIZE - 512]; /* room for a name of up to 255 bytes */
	uint64_t max_bytes;
	uint64_t used; /* committed files plus bytes of uploads under way */
	unsigned long long next_id;
	struct entry *entries;
	size_t count, cap;
};

struct mgw_file_writer {
	struct mgw_store *st;
	char id[MGW_FILE_ID_SIZE];
	int fd;
	uint64_t written;
};

static void path_of(const struct mgw_store *st, const char *name, char out[PATH_SIZE])
{
	snprintf(out, PATH_SIZE, "%s/%s", st->dir, name);
}

struct mgw_store *mgw_store_new(uint64_t max_bytes, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	struct mgw_store *st = calloc(1, sizeof *st);
	if (!st || pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	snprintf(st->dir, sizeof st->dir, "%s/tfy-mock-gateway.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(st->dir)) {
		snprintf(err, err_size, "cannot create a directory for files in %s: %s",
		         tmp && tmp[0] ? tmp : "/tmp", strerror(errno));
		pthread_mutex_destroy(&st->lock);
		free(st);
		return NULL;
	}
	st->max_bytes = max_bytes;
	return st;
}

/* Everything in the directory goes, leftovers of aborted uploads included. */
static void remove_all(const struct mgw_store *st)
{
	DIR *d = opendir(st->dir);
	struct dirent *e;
	char path[PATH_SIZE];
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path_of(st, e->d_name, path);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(st->dir);
}

void mgw_store_free(struct mgw_store *st)
{
	if (!st)
		return;
	remove_all(st);
	for (size_t k = 0; k < st->count; k++)
		free(st->entries[k].filename);
	free(st->entries);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const char *mgw_store_dir(const struct mgw_store *st)
{
	return st->dir;
}

struct mgw_file_writer *mgw_store_begin(struct mgw_store *st)
{
	struct mgw_file_writer *w = calloc(1, sizeof *w);
	char path[PATH_SIZE];
	if (!w)
		return NULL;
	pthread_mutex_lock(&st->lock);
	snprintf(w->id, sizeof w->id, "file-mock%016llx", ++st->next_id);
	pthread_mutex_unlock(&st->lock);
	w->st = st;
	path_of(st, w->id, path);
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	return w;
}

/* Reserves `len` bytes of the cap; false when they do not fit. */
static bool reserve(struct mgw_store *st, uint64_t len)
{
	bool ok;
	pthread_mutex_lock(&st->lock);
	ok = len <= st->max_bytes - st->used;
	if (ok)
		st->used += len;
	pthread_mutex_unlock(&st->lock);
	return ok;
}

static void release(struct mgw_store *st, uint64_t len)
{
	pthread_mutex_lock(&st->lock);
	st->used -= len;
	pthread_mutex_unlock(&st->lock);
}

bool mgw_writer_write(struct mgw_file_writer *w, const void *data, size_t len, bool *full)
{
	const char *p = data;
	*full = !reserve(w->st, len);
	if (*full)
		return false;
	w->written += len;
	while (len > 0) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void close_writer(struct mgw_file_writer *w, bool remove)
{
	char path[PATH_SIZE];
	close(w->fd);
	if (remove) {
		path_of(w->st, w->id, path);
		unlink(path);
		release(w->st, w->written);
	}
	free(w);
}

void mgw_writer_abort(struct mgw_file_writer *w)
{
	if (w)
		close_writer(w, true);
}

static json_t *object_of(const struct entry *e)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:n, s:o, s:s, s:s, s:n}", "id", e->id, "object",
	                 "file", "bytes", (json_int_t)e->bytes, "created_at", (json_int_t)e->created_at,
	                 "expires_at", "filename", mgw_string_lossy(e->filename), "purpose",
	                 e->purpose, "status", "processed", "status_details");
}

static bool append(struct mgw_store *st, const struct entry *e)
{
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct entry *grown = realloc(st->entries, cap * sizeof *grown);
		if (!grown)
			return false;
		st->entries = grown;
		st->cap = cap;
	}
	st->entries[st->count++] = *e;
	return true;
}

json_t *mgw_writer_commit(struct mgw_file_writer *w, const char *filename, const char *purpose)
{
	struct mgw_store *st = w->st;
	struct entry e = { .bytes = w->written, .created_at = (long long)time(NULL) };
	json_t *obj = NULL;
	bool listed = false;
	memcpy(e.id, w->id, sizeof e.id);
	snprintf(e.purpose, sizeof e.purpose, "%s", purpose);
	e.filename = strndup(filename, FILENAME_MAX_LEN);
	pthread_mutex_lock(&st->lock);
	listed = e.filename && append(st, &e);
	if (listed)
		obj = object_of(&e);
	pthread_mutex_unlock(&st->lock);
	if (!listed)
		free(e.filename);
	else if (!obj)
		mgw_store_delete(st, e.id); /* releases the bytes and the name */
	close_writer(w, !listed);
	return obj;
}

/* Index of `id`, or count when absent; called with the lock held. */
static size_t find(const struct mgw_store *st, const char *id)
{
	size_t k = 0;
	while (k < st->count && strcmp(st->entries[k].id, id) != 0)
		k++;
	return k;
}

json_t *mgw_store_object(struct mgw_store *st, const char *id)
{
	json_t *obj = NULL;
	size_t k;
	pthread_mutex_lock(&st->lock);
	k = find(st, id);
	if (k < st->count)
		obj = object_of(&st->entries[k]);
	pthread_mutex_unlock(&st->lock);
	return obj;
}

int mgw_store_open(struct mgw_store *st, const char *id, uint64_t *size)
{
	char path[PATH_SIZE];
	int fd = -1;
	size_t k;
	pthread_mutex_lock(&st->lock);
	k = find(st, id);
	if (k < st->count) {
		path_of(st, st->entries[k].id, path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		*size = st->entries[k].bytes;
	}
	pthread_mutex_unlock(&st->lock);
	return fd;
}

/* The entry `step` places from `k` in the listing's order; count when past the end. */
static size_t step_from(const struct mgw_store *st, size_t k, bool asc)
{
	if (asc)
		return k + 1 < st->count ? k + 1 : st->count;
	return k > 0 && k < st->count ? k - 1 : st->count;
}

static bool wanted(const struct entry *e, const char *purpose)
{
	return !purpose || strcmp(e->purpose, purpose) == 0;
}

/* The listing's items from entry `k` on; *more when a wanted one is left. Lock held. */
static json_t *collect_page(const struct mgw_store *st, size_t k, size_t limit, bool asc,
                            const char *purpose, bool *more)
{
	json_t *data = json_array();
	*more = false;
	for (; data && k < st->count; k = step_from(st, k, asc)) {
		if (!wanted(&st->entries[k], purpose))
			continue;
		if (json_array_size(data) == limit) {
			*more = true;
			break;
		}
		if (json_array_append_new(data, object_of(&st->entries[k])) != 0) {
			json_decref(data);
			return NULL;
		}
	}
	return data;
}

json_t *mgw_store_list(struct mgw_store *st, const char *after, size_t limit, bool asc,
                       const char *purpose, bool *unknown_after)
{
	json_t *data = NULL;
	bool more = false;
	size_t k;
	pthread_mutex_lock(&st->lock);
	k = asc ? 0 : st->count - 1; /* desc on an empty store: count - 1 wraps past the end */
	*unknown_after = after && (k = find(st, after)) == st->count;
	if (!*unknown_after) {
		if (after)
			k = step_from(st, k, asc);
		data = collect_page(st, k, limit, asc, purpose, &more);
	}
	pthread_mutex_unlock(&st->lock);
	if (!data)
		return NULL;
	return json_pack("{s:s, s:o, s:O?, s:O?, s:b}", "object", "list", "data", data, "first_id",
	                 json_object_get(json_array_get(data, 0), "id"), "last_id",
	                 json_object_get(json_array_get(data, json_array_size(data) - 1), "id"),
	                 "has_more", more);
}

bool mgw_store_delete(struct mgw_store *st, const char *id)
{
	char path[PATH_SIZE];
	bool found;
	size_t k;
	pthread_mutex_lock(&st->lock);
	k = find(st, id);
	found = k < st->count;
	if (found) {
		struct entry *e = &st->entries[k];
		path_of(st, e->id, path);
		unlink(path);
		st->used -= e->bytes;
		free(e->filename);
		/* Upload order is the listing's order: close the gap. */
		memmove(e, e + 1, (st->count - k - 1) * sizeof *e);
		st->count--;
	}
	pthread_mutex_unlock(&st->lock);
	return found;
}

char *mgw_store_keep(struct mgw_store *st, const char *id, const char *tag)
{
	char from[PATH_SIZE], to[PATH_SIZE];
	char *kept = NULL;
	size_t k;
	pthread_mutex_lock(&st->lock);
	k = find(st, id);
	if (k < st->count) {
		path_of(st, st->entries[k].id, from);
		snprintf(to, sizeof to, "%s/%s.input", st->dir, tag);
		if (link(from, to) == 0 && !(kept = strdup(to)))
			unlink(to);
	}
	pthread_mutex_unlock(&st->lock);
	return kept;
}
