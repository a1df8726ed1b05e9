/*
 * A job's journal (job_journal.h has the format): appending records
 * crash-safely, replaying them into the job's state, the locks.
 */
#define _GNU_SOURCE
#include "job_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error_internal.h"
#include "files_internal.h"

#define JOURNAL_NAME "journal"
#define LOCK_NAME "lock"
#define RECORD_MAX 65536
#define KEYS_MAX 24
#define READ_CHUNK 65536

struct tfy__journal {
	char *dir;
	char *path;
	int fd;       /* the journal, O_RDWR|O_APPEND */
	int lock_fd;  /* DIR/lock while held, else -1 */
	int64_t end;  /* bytes of whole, valid records read so far */
	int64_t line; /* records read so far */
	int torn;     /* bytes past end that are not a valid record */
	tfy__jstate st;
};

/* ---- small pieces ---------------------------------------------------------------- */

uint32_t tfy__crc32(const char *s, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= (unsigned char)s[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

int tfy__job_id_new(char id[TFY__JOB_ID_LEN + 1])
{
	unsigned char raw[TFY__JOB_ID_LEN / 2];
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int tfy__dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static tfy_code io_fail(tfy_error **err, const char *what, const char *path)
{
	char why[TFY__IO_WHY_MAX];
	snprintf(why, sizeof(why), "%s %s: %s", what, path, strerror(errno));
	return tfy__io_error(why, err);
}

static tfy_code oom(tfy_error **err)
{
	return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
}

/* ---- building a record ------------------------------------------------------------- */

static int must_escape(unsigned char c)
{
	return c < 0x21 || c == 0x7f || c == '%' || c == '=';
}

static void put(tfy__jrec *r, const void *p, size_t n)
{
	if (!r->failed && tfy__buf_append(&r->buf, p, n) < 0)
		r->failed = 1;
}

void tfy__jrec_begin(tfy__jrec *r, const char *type)
{
	r->buf.len = 0;
	r->failed = 0;
	put(r, type, strlen(type));
}

void tfy__jrec_clear(tfy__jrec *r)
{
	tfy__buf_clear(&r->buf);
	r->failed = 0;
}

void tfy__jrec_str(tfy__jrec *r, const char *key, const char *value)
{
	if (!value)
		return;
	put(r, " ", 1);
	put(r, key, strlen(key));
	put(r, "=", 1);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (!must_escape(*p)) {
			put(r, p, 1);
			continue;
		}
		char hex[4];
		snprintf(hex, sizeof(hex), "%%%02X", *p);
		put(r, hex, 3);
	}
}

void tfy__jrec_int(tfy__jrec *r, const char *key, int64_t value)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRId64, value);
	tfy__jrec_str(r, key, text);
}

void tfy__jrec_double(tfy__jrec *r, const char *key, double value)
{
	char text[64];
	snprintf(text, sizeof(text), "%.17g", value);
	tfy__jrec_str(r, key, text);
}

/* ---- reading a record -------------------------------------------------------------- */

typedef struct kv {
	const char *key;
	char *value;
} kv;

typedef struct record {
	const char *type;
	kv keys[KEYS_MAX];
	size_t count;
} record;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a value in place; -1 on a bad escape. */
static int unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*w++ = (char)(hi * 16 + lo);
		r += 2;
	}
	*w = '\0';
	return 0;
}

/* Splits a checked line (NUL-terminated, no tab or line feed) into its type and keys, in place. */
static int parse_record(char *line, record *rec)
{
	rec->count = 0;
	char *save = NULL;
	rec->type = strtok_r(line, " ", &save);
	if (!rec->type)
		return -1;
	for (char *t = strtok_r(NULL, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		if (!eq || rec->count == KEYS_MAX)
			return -1;
		*eq = '\0';
		if (unescape(eq + 1) < 0)
			return -1;
		rec->keys[rec->count].key = t;
		rec->keys[rec->count].value = eq + 1;
		rec->count++;
	}
	return 0;
}

static const char *get(const record *rec, const char *key)
{
	for (size_t i = 0; i < rec->count; i++)
		if (strcmp(rec->keys[i].key, key) == 0)
			return rec->keys[i].value;
	return NULL;
}

/* A number key: its value, or `missing` when absent; *bad set when it is not a number. */
static int64_t get_int(const record *rec, const char *key, int64_t missing, int *bad)
{
	const char *v = get(rec, key);
	if (!v)
		return missing;
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno)
		*bad = 1;
	return (int64_t)n;
}

/* Replaces *slot by a copy of the key's value (kept when absent); -1 when memory runs out. */
static int set_str(char **slot, const record *rec, const char *key)
{
	const char *v = get(rec, key);
	if (!v)
		return 0;
	char *copy = tfy__strdup(v);
	if (!copy)
		return -1;
	tfy__free(*slot);
	*slot = copy;
	return 0;
}

/* ---- applying a record --------------------------------------------------------------- */

/* Why a record does not fit: static text. */
typedef const char *fit;

static fit apply_job(tfy__jstate *st, const record *rec)
{
	int bad = 0;
	const char *id = get(rec, "id");
	if (get_int(rec, "v", 0, &bad) != 1)
		return "a job record of another version";
	if (!id || strlen(id) != TFY__JOB_ID_LEN)
		return "a job record without an id";
	if (st->has_job)
		return strcmp(st->id, id) == 0 ? NULL : "a second job record";
	memcpy(st->id, id, TFY__JOB_ID_LEN + 1);
	st->max_requests = get_int(rec, "max_requests", 0, &bad);
	st->max_bytes = get_int(rec, "max_bytes", 0, &bad);
	st->max_tokens = get_int(rec, "max_tokens", 0, &bad);
	st->min_requests = get_int(rec, "min_requests", 0, &bad);
	st->retries = (int32_t)get_int(rec, "retries", 0, &bad);
	st->provider_kind = (int32_t)get_int(rec, "provider", 0, &bad);
	st->started = get_int(rec, "started", 0, &bad);
	if (bad || st->retries < 0 || st->retries > TFY_JOB_RETRIES_MAX)
		return "a job record with a bad number";
	if (set_str(&st->input, rec, "input") < 0 || set_str(&st->endpoint, rec, "endpoint") < 0 ||
	    set_str(&st->window, rec, "window") < 0)
		return "";
	if (!st->input || !st->endpoint)
		return "a job record without its input or endpoint";
	st->has_job = 1;
	return NULL;
}

/* The round and index of a record, checked against the state. */
static fit locate(const tfy__jstate *st, const record *rec, int32_t *round, int32_t *index)
{
	int bad = 0;
	int64_t r = get_int(rec, "r", -1, &bad);
	int64_t i = get_int(rec, "i", -1, &bad);
	if (!st->has_job)
		return "a record before the job record";
	if (bad || r < 0 || r >= TFY__JOURNAL_ROUNDS || i < -1 || i > INT32_MAX)
		return "a record with a bad round or index";
	*round = (int32_t)r;
	*index = (int32_t)i;
	return NULL;
}

tfy__jshard *tfy__journal_shard(const tfy__journal *j, int32_t round, int32_t index)
{
	const tfy__jstate *st = &j->st;
	if (round < 0 || round >= st->rounds_count || index < 0)
		return NULL;
	const tfy__jround *r = &st->rounds[round];
	if (index >= r->shards)
		return NULL;
	return &st->shards[r->first + (size_t)index];
}

static fit apply_shard(tfy__jstate *st, const record *rec, int32_t round, int32_t index)
{
	int bad = 0;
	tfy__shard_plan plan = {
		.offset = get_int(rec, "offset", -1, &bad),
		.bytes = get_int(rec, "bytes", -1, &bad),
		.requests = get_int(rec, "requests", -1, &bad),
		.tokens = get_int(rec, "tokens", 0, &bad),
	};
	if (bad || plan.offset < 0 || plan.bytes <= 0 || plan.requests <= 0 || plan.tokens < 0)
		return "a shard record with a bad number";
	/* Rounds are planned one after another, each after the last one's shards. */
	if (round > st->rounds_count ||
	    (round == st->rounds_count && round > 0 && !st->rounds[round - 1].done))
		return "a shard of a round that has not begun";
	if (round < st->rounds_count - 1 || st->rounds[round].planned)
		return round < st->rounds_count - 1 || index >= st->rounds[round].shards
		             ? "a shard record after its round was planned"
		             : NULL;
	if (round == st->rounds_count) {
		st->rounds[round].first = st->shards_count;
		st->rounds_count++;
	}
	tfy__jround *r = &st->rounds[round];
	if (index > r->shards)
		return "a shard record out of order";
	if (index < r->shards) { /* planned again after a crash: the same cut */
		st->shards[r->first + (size_t)index].plan = plan;
		return NULL;
	}
	if (st->shards_count == st->shards_cap) {
		size_t cap = st->shards_cap ? st->shards_cap * 2 : 16;
		tfy__jshard *grown = tfy__realloc(st->shards, cap * sizeof(*grown));
		if (!grown)
			return "";
		st->shards = grown;
		st->shards_cap = cap;
	}
	tfy__jshard *s = &st->shards[st->shards_count++];
	memset(s, 0, sizeof(*s));
	s->round = round;
	s->index = index;
	s->plan = plan;
	r->shards++;
	return NULL;
}

static fit apply_round(tfy__jstate *st, const record *rec, int32_t round)
{
	int bad = 0;
	int64_t shards = get_int(rec, "shards", -1, &bad);
	int64_t requests = get_int(rec, "requests", -1, &bad);
	if (bad || requests < 0)
		return "a round record with a bad number";
	if (round == st->rounds_count && shards == 0 && (round == 0 || st->rounds[round - 1].done)) {
		st->rounds[round].first = st->shards_count;
		st->rounds_count++;
	}
	if (round >= st->rounds_count || shards != st->rounds[round].shards)
		return "a round record that does not match its shards";
	st->rounds[round].planned = 1;
	st->rounds[round].requests = requests;
	if (round == 0) { /* the input as it was planned: its shards are ranges of it */
		st->size = get_int(rec, "size", 0, &bad);
		st->mtime = get_int(rec, "mtime", 0, &bad);
	}
	return bad ? "a round record with a bad number" : NULL;
}

static fit apply_download(tfy__jshard *s, const record *rec)
{
	const char *kind = get(rec, "kind");
	if (!kind || !get(rec, "path"))
		return "a download record without its kind or path";
	if (strcmp(kind, "output") == 0)
		return set_str(&s->output_path, rec, "path") < 0 ? "" : NULL;
	if (strcmp(kind, "error") == 0)
		return set_str(&s->error_path, rec, "path") < 0 ? "" : NULL;
	return "a download record of an unknown kind";
}

static fit apply_ended(tfy__jshard *s, const record *rec)
{
	int bad = 0;
	if (!get(rec, "status"))
		return "an ended record without a status";
	if (set_str(&s->status, rec, "status") < 0 || set_str(&s->output_file_id, rec, "output") < 0 ||
	    set_str(&s->error_file_id, rec, "error") < 0 || set_str(&s->why, rec, "why") < 0)
		return "";
	s->total = get_int(rec, "total", -1, &bad);
	s->completed = get_int(rec, "completed", -1, &bad);
	s->failed = get_int(rec, "failed", -1, &bad);
	s->ended = 1;
	return bad ? "an ended record with a bad number" : NULL;
}

static fit apply_settled(tfy__jshard *s, const record *rec)
{
	int bad = 0;
	s->ok = get_int(rec, "ok", 0, &bad);
	s->lost = get_int(rec, "failed", 0, &bad);
	s->retry = get_int(rec, "retry", 0, &bad);
	s->usage.requests = get_int(rec, "requests", 0, &bad);
	s->usage.failed = s->lost;
	s->usage.prompt_tokens = get_int(rec, "prompt", 0, &bad);
	s->usage.completion_tokens = get_int(rec, "completion", 0, &bad);
	s->usage.cached_tokens = get_int(rec, "cached", 0, &bad);
	s->usage.reasoning_tokens = get_int(rec, "reasoning", 0, &bad);
	s->usage.has_cost = (int32_t)get_int(rec, "has_cost", 0, &bad);
	const char *cost = get(rec, "cost");
	s->usage.cost = cost ? strtod(cost, NULL) : 0;
	s->settled = 1;
	return bad ? "a settled record with a bad number" : NULL;
}

/* The id an uploaded or created record carries. */
static fit set_id(char **slot, const record *rec, const char *key)
{
	if (!get(rec, key) || !*get(rec, key))
		return "a record without its id";
	return set_str(slot, rec, key) < 0 ? "" : NULL;
}

/* A record about one shard. */
static fit apply_to_shard(tfy__journal *j, const record *rec, int32_t round, int32_t index)
{
	tfy__jshard *s = tfy__journal_shard(j, round, index);
	const char *t = rec->type;
	if (!s)
		return "a record of a shard that was not planned";
	if (strcmp(t, "upload") == 0)
		s->upload_intent = 1;
	else if (strcmp(t, "uploaded") == 0)
		return set_id(&s->file_id, rec, "file");
	else if (strcmp(t, "create") == 0)
		s->create_intent = 1;
	else if (strcmp(t, "created") == 0)
		return set_id(&s->batch_id, rec, "batch");
	else if (strcmp(t, "ended") == 0)
		return apply_ended(s, rec);
	else if (strcmp(t, "downloaded") == 0)
		return apply_download(s, rec);
	else if (strcmp(t, "settled") == 0)
		return apply_settled(s, rec);
	return NULL;
}

static fit apply_round_done(tfy__jstate *st, const record *rec, int32_t round)
{
	int bad = 0;
	if (round >= st->rounds_count || !st->rounds[round].planned)
		return "a rounddone record of a round not planned";
	st->rounds[round].retry = get_int(rec, "retry", 0, &bad);
	st->rounds[round].done = 1;
	return bad ? "a rounddone record with a bad number" : NULL;
}

static fit apply(tfy__journal *j, const record *rec)
{
	tfy__jstate *st = &j->st;
	const char *t = rec->type;
	int32_t round = 0, index = 0;
	int bad = 0;
	if (strcmp(t, "job") == 0)
		return apply_job(st, rec);
	if (!st->has_job)
		return "a record before the job record";
	if (strcmp(t, "cancelled") == 0) {
		st->cancelled = 1;
		return NULL;
	}
	if (strcmp(t, "done") == 0) {
		st->done = 1;
		return NULL;
	}
	if (strcmp(t, "merged") == 0) {
		st->succeeded = get_int(rec, "succeeded", 0, &bad);
		st->failed = get_int(rec, "failed", 0, &bad);
		st->merged = 1;
		return bad ? "a merged record with a bad number" : NULL;
	}
	static const char *const known[] = { "shard",   "round",    "upload", "uploaded",
		                             "create",  "created",  "ended",  "downloaded",
		                             "settled", "rounddone" };
	size_t k = 0;
	while (k < sizeof(known) / sizeof(known[0]) && strcmp(t, known[k]) != 0)
		k++;
	if (k == sizeof(known) / sizeof(known[0]))
		return "a record of an unknown type";
	fit why = locate(st, rec, &round, &index);
	if (why)
		return why;
	if (k == 0)
		return apply_shard(st, rec, round, index);
	if (k == 1)
		return apply_round(st, rec, round);
	if (k == 9)
		return apply_round_done(st, rec, round);
	return apply_to_shard(j, rec, round, index);
}

/* ---- replay ------------------------------------------------------------------------- */

/* Checks one line (without its line feed) and applies it: 1 applied, 0 torn, -1 error (*rc set). */
static int take_line(tfy__journal *j, char *line, size_t len, tfy_code *rc, tfy_error **err)
{
	char *tab = memchr(line, '\t', len);
	if (!tab || line + len - tab != 9)
		return 0;
	char crc_text[9];
	memcpy(crc_text, tab + 1, 8);
	crc_text[8] = '\0';
	char *end = NULL;
	unsigned long crc = strtoul(crc_text, &end, 16);
	if (*end || crc != tfy__crc32(line, (size_t)(tab - line)))
		return 0;
	*tab = '\0';
	if (memchr(line, '\0', (size_t)(tab - line)))
		return 0;
	record rec;
	if (parse_record(line, &rec) < 0)
		return 0;
	fit why = apply(j, &rec);
	if (!why)
		return 1;
	if (!*why) {
		*rc = oom(err);
		return -1;
	}
	*rc = tfy__error_set(err, TFY_ERROR_IO, "I/O error: the journal %s: line %" PRId64 ": %s",
	                     j->path, j->line + 1, why);
	return -1;
}

/*
 * Reads and applies the whole lines after j->end.  Stops at the first line
 * that is torn (j->torn set).  TFY_OK, TFY_ERROR_IO, TFY_ERROR_OUT_OF_MEMORY.
 */
static tfy_code replay(tfy__journal *j, tfy_error **err)
{
	tfy__buf pending = TFY__BUF_INIT;
	char *chunk = tfy__malloc(READ_CHUNK);
	tfy_code rc = chunk ? TFY_OK : oom(err);
	int64_t off = j->end;
	j->torn = 0;
	while (rc == TFY_OK && !j->torn) {
		ssize_t n = pread(j->fd, chunk, READ_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = io_fail(err, "cannot read", j->path);
			break;
		}
		if (n == 0) {
			j->torn = pending.len > 0;
			break;
		}
		off += n;
		if (tfy__buf_append(&pending, chunk, (size_t)n) < 0) {
			rc = oom(err);
			break;
		}
		size_t start = 0;
		char *nl;
		while (!j->torn && (nl = memchr(pending.data + start, '\n', pending.len - start))) {
			size_t len = (size_t)(nl - (pending.data + start));
			int took = len > RECORD_MAX
			                 ? 0
			                 : take_line(j, pending.data + start, len, &rc, err);
			if (took < 0)
				break;
			if (!took) {
				j->torn = 1;
				break;
			}
			j->end += (int64_t)len + 1;
			j->line++;
			start += len + 1;
		}
		memmove(pending.data, pending.data + start, pending.len - start);
		pending.len -= start;
		if (pending.len > RECORD_MAX + 16)
			j->torn = 1;
	}
	tfy__buf_clear(&pending);
	tfy__free(chunk);
	return rc;
}

static tfy_code locked(tfy__journal *j, int how, tfy_error **err)
{
	while (flock(j->fd, how) < 0)
		if (errno != EINTR)
			return io_fail(err, "cannot lock", j->path);
	return TFY_OK;
}

tfy_code tfy__journal_refresh(tfy__journal *j, tfy_error **err)
{
	tfy_code rc = locked(j, LOCK_SH, err);
	if (rc != TFY_OK)
		return rc;
	rc = replay(j, err);
	flock(j->fd, LOCK_UN);
	return rc;
}

/* ---- open and close -------------------------------------------------------------------- */

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = tfy__malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The parent directory of path, for its fsync: "." when it has none. */
static int sync_parent(const char *path)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	char *slash = strrchr(parent, '/');
	if (!slash)
		return tfy__dir_sync(".");
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	return tfy__dir_sync(parent);
}

static tfy_code make_dir(const char *dir, tfy_error **err)
{
	if (mkdir(dir, 0700) == 0)
		return sync_parent(dir) == 0 ? TFY_OK : io_fail(err, "cannot sync the parent of", dir);
	struct stat sb;
	if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return TFY_OK;
	if (errno == EEXIST)
		errno = ENOTDIR;
	return io_fail(err, "cannot make the job directory", dir);
}

static tfy_code open_file(tfy__journal *j, int create, tfy_error **err)
{
	int flags = O_RDWR | O_APPEND | O_CLOEXEC;
	j->fd = open(j->path, flags);
	if (j->fd >= 0 || errno != ENOENT || !create)
		return j->fd >= 0 ? TFY_OK : io_fail(err, "cannot open the journal", j->path);
	j->fd = open(j->path, flags | O_CREAT, 0600);
	if (j->fd < 0)
		return io_fail(err, "cannot create the journal", j->path);
	return tfy__dir_sync(j->dir) == 0 ? TFY_OK : io_fail(err, "cannot sync", j->dir);
}

tfy_code tfy__journal_open(const char *dir, int create, tfy__journal **out, tfy_error **err)
{
	*out = NULL;
	tfy__journal *j = tfy__calloc(1, sizeof(*j));
	if (!j)
		return oom(err);
	j->fd = -1;
	j->lock_fd = -1;
	j->dir = tfy__strdup(dir);
	j->path = j->dir ? join(dir, JOURNAL_NAME) : NULL;
	tfy_code rc = j->path ? TFY_OK : oom(err);
	if (rc == TFY_OK && create)
		rc = make_dir(dir, err);
	if (rc == TFY_OK)
		rc = open_file(j, create, err);
	if (rc == TFY_OK)
		rc = tfy__journal_refresh(j, err);
	if (rc != TFY_OK) {
		tfy__journal_close(j);
		return rc;
	}
	*out = j;
	return TFY_OK;
}

static void shard_clear(tfy__jshard *s)
{
	tfy__free(s->file_id);
	tfy__free(s->batch_id);
	tfy__free(s->status);
	tfy__free(s->output_file_id);
	tfy__free(s->error_file_id);
	tfy__free(s->why);
	tfy__free(s->output_path);
	tfy__free(s->error_path);
}

void tfy__journal_close(tfy__journal *j)
{
	if (!j)
		return;
	tfy__journal_unlock(j);
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->st.shards_count; i++)
		shard_clear(&j->st.shards[i]);
	tfy__free(j->st.shards);
	tfy__free(j->st.input);
	tfy__free(j->st.endpoint);
	tfy__free(j->st.window);
	tfy__free(j->path);
	tfy__free(j->dir);
	tfy__free(j);
}

const tfy__jstate *tfy__journal_state(const tfy__journal *j)
{
	return &j->st;
}

const char *tfy__journal_dir(const tfy__journal *j)
{
	return j->dir;
}

/* ---- append ---------------------------------------------------------------------------- */

static tfy_code write_all(tfy__journal *j, const char *p, size_t n, tfy_error **err)
{
	while (n) {
		ssize_t w = write(j->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(err, "cannot write", j->path);
		p += w;
		n -= (size_t)w;
	}
	return fdatasync(j->fd) == 0 ? TFY_OK : io_fail(err, "cannot sync", j->path);
}

/* Under the exclusive lock: the others' records read, a torn tail cut, the line written. */
static tfy_code append_locked(tfy__journal *j, const tfy__buf *line, tfy_error **err)
{
	tfy_code rc = replay(j, err);
	if (rc != TFY_OK)
		return rc;
	if (j->torn && ftruncate(j->fd, (off_t)j->end) < 0)
		return io_fail(err, "cannot cut the torn end of", j->path);
	rc = write_all(j, line->data, line->len, err);
	if (rc != TFY_OK) {
		/* Leave no part of the line to be read as a record. */
		if (ftruncate(j->fd, (off_t)j->end) == 0)
			fdatasync(j->fd);
		return rc;
	}
	return replay(j, err);
}

tfy_code tfy__journal_append(tfy__journal *j, tfy__jrec *r, tfy_error **err)
{
	tfy_code rc = TFY_OK;
	if (r->buf.len > RECORD_MAX)
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "a journal record is too long");
	if (rc == TFY_OK && !r->failed && r->buf.data) {
		char crc[16];
		snprintf(crc, sizeof(crc), "\t%08" PRIx32 "\n", tfy__crc32(r->buf.data, r->buf.len));
		put(r, crc, strlen(crc));
	}
	if (rc == TFY_OK && (r->failed || !r->buf.data))
		rc = oom(err);
	if (rc == TFY_OK)
		rc = locked(j, LOCK_EX, err);
	if (rc == TFY_OK) {
		rc = append_locked(j, &r->buf, err);
		flock(j->fd, LOCK_UN);
	}
	r->buf.len = 0;
	r->failed = 0;
	return rc;
}

/* ---- the run lock ------------------------------------------------------------------------ */

static tfy_code held_by_other(tfy__journal *j, int fd, tfy_error **err)
{
	char pid[32] = "";
	ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	close(fd);
	return tfy__error_set(err, TFY_ERROR_IO,
	                      "I/O error: the job in %s is being run by %s%s (one process at a time)",
	                      j->dir, *pid ? "process " : "another process", pid);
}

tfy_code tfy__journal_lock(tfy__journal *j, tfy_error **err)
{
	if (j->lock_fd >= 0)
		return TFY_OK;
	char *path = join(j->dir, LOCK_NAME);
	if (!path)
		return oom(err);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	tfy_code rc = fd < 0 ? io_fail(err, "cannot open", path) : TFY_OK;
	tfy__free(path);
	if (rc != TFY_OK)
		return rc;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return held_by_other(j, fd, err);
		if (errno != EINTR) {
			rc = io_fail(err, "cannot lock the job in", j->dir);
			close(fd);
			return rc;
		}
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		rc = io_fail(err, "cannot write the lock of", j->dir);
		close(fd);
		return rc;
	}
	j->lock_fd = fd;
	return TFY_OK;
}

void tfy__journal_unlock(tfy__journal *j)
{
	if (j->lock_fd < 0)
		return;
	if (ftruncate(j->lock_fd, 0) < 0) {
		/* The next holder writes its own pid anyway. */
	}
	close(j->lock_fd);
	j->lock_fd = -1;
}
