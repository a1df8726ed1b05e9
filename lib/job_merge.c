/*
 * The merge of a job's results: output.jsonl and errors.jsonl from the
 * settled files of every round, in input order, one record per custom_id.
 *
 * Round 0's settled files, shard after shard, hold an entry for every
 * request of the input in input order; round r+1's hold one for every
 * entry of round r marked "retry", in the same order (its input is those
 * lines, in order, and its shards are ranges of it).  So the merge is one
 * walk with a reader per round: each entry of round 0 is final, or the
 * next entry of round 1 says what became of it, and so on.  Memory: one
 * line buffer per round; a file is read once, front to back.
 */
#include <inttypes.h>
#include <string.h>

#include "alloc.h"
#include "error_internal.h"
#include "job_data.h"
#include "job_settled.h"
#include "lines.h"
#include "outfile.h"
#include "tfy/results.h"

/* An entry: a record and a little. */
#define SETTLED_MAX_BYTES (2 * (size_t)TFY_RESULT_LINE_MAX_DEFAULT)

/* The entries of one round, its settled files read one after the other. */
typedef struct stream {
	const char *dir;
	int32_t round;
	size_t shards, next; /* settled files in all, and the next to open */
	int open;
	char *path; /* of the open one */
	tfy__lines l;
} stream;

static void stream_close(stream *s)
{
	if (s->open)
		tfy__lines_close(&s->l);
	s->open = 0;
	tfy__free(s->path);
	s->path = NULL;
}

static tfy_code bad_entry(const stream *s, tfy_error **err, const char *what)
{
	return tfy__error_set(err, TFY_ERROR_DECODE, "%s line %" PRId64 ": %s", s->path,
	                      s->l.line_no, what);
}

/* The round's next entry: 1, 0 at its end, or -1 with *rc set. */
static int stream_next(stream *s, tfy__settled *e, tfy_code *rc, tfy_error **err)
{
	for (;;) {
		if (!s->open) {
			if (s->next == s->shards)
				return 0;
			s->path = tfy__job_settled_path(s->dir, s->round, (int32_t)s->next++);
			*rc = s->path ? tfy__lines_open(&s->l, s->path, SETTLED_MAX_BYTES, 1, err)
			              : tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
			s->open = s->path != NULL;
			if (*rc != TFY_OK)
				return -1;
		}
		const char *line;
		size_t len;
		int what = tfy__lines_next(&s->l, &line, &len);
		if (what == TFY__LINE_END) {
			stream_close(s);
			continue;
		}
		if (what != TFY__LINE_OK) {
			*rc = tfy__lines_error(&s->l, what, err);
			return -1;
		}
		if (tfy__job_settled_parse(line, len, e) == 0)
			return 1;
		*rc = bad_entry(s, err, "not an entry of a settled file");
		return -1;
	}
}

typedef struct merger {
	stream *rounds;
	int32_t count;
	tfy__outfile out, errors;
	int64_t succeeded, failed;
} merger;

/* What became of an entry of round 0: followed through the rounds that retried it. */
static tfy_code follow(merger *m, tfy__settled *e, tfy_error **err)
{
	tfy_code rc = TFY_OK;
	for (int32_t r = 1; e->outcome == TFY__SETTLED_RETRY && r < m->count; r++) {
		tfy__settled next;
		int got = stream_next(&m->rounds[r], &next, &rc, err);
		if (got < 0)
			return rc;
		if (!got || next.id_len != e->id_len || memcmp(next.id, e->id, e->id_len) != 0)
			return tfy__error_set(err, TFY_ERROR_DECODE,
			                      "round %d's settled files do not follow round %d's retries "
			                      "(custom_id %.*s)",
			                      (int)r, (int)r - 1,
			                      (int)(e->id_len > 80 ? 80 : e->id_len), e->id);
		*e = next;
	}
	return rc;
}

static tfy_code walk(merger *m, tfy_error **err)
{
	tfy_code rc = TFY_OK;
	tfy__settled e;
	int got;
	while ((got = stream_next(&m->rounds[0], &e, &rc, err)) > 0) {
		if ((rc = follow(m, &e, err)) != TFY_OK)
			return rc;
		int ok = e.outcome == TFY__SETTLED_SUCCEEDED;
		tfy__outfile *f = ok ? &m->out : &m->errors;
		tfy__outfile_write(f, e.record, e.record_len);
		tfy__outfile_write(f, "\n", 1); /* a failed write fails the commit */
		m->succeeded += ok;
		m->failed += !ok;
	}
	if (got < 0)
		return rc;
	for (int32_t r = 1; r < m->count; r++) {
		if ((got = stream_next(&m->rounds[r], &e, &rc, err)) < 0)
			return rc;
		if (got)
			return bad_entry(&m->rounds[r], err,
			                 "an entry no earlier round sent to this one");
	}
	return TFY_OK;
}

/* Opens output.jsonl and errors.jsonl (temporary names until the commit). */
static tfy_code open_outputs(merger *m, const char *dir, tfy_error **err)
{
	char *out = tfy__outfile_path("%s/output.jsonl", dir);
	char *errors = tfy__outfile_path("%s/errors.jsonl", dir);
	tfy_code rc = out && errors ? tfy__outfile_open(&m->out, out, err)
	                            : tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	if (rc == TFY_OK && (rc = tfy__outfile_open(&m->errors, errors, err)) != TFY_OK)
		tfy__outfile_abort(&m->out);
	tfy__free(out);
	tfy__free(errors);
	return rc;
}

tfy_code tfy__job_merge(const char *dir, int32_t rounds, const size_t *shards_per_round,
                        int64_t *succeeded, int64_t *failed, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!dir || rounds < 1 || !shards_per_round || !succeeded || !failed)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "dir, shards_per_round and the counts must not be NULL, rounds >= 1");
	*succeeded = *failed = 0;
	merger m;
	memset(&m, 0, sizeof(m));
	m.count = rounds;
	m.rounds = tfy__calloc((size_t)rounds, sizeof(stream));
	if (!m.rounds)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	for (int32_t r = 0; r < rounds; r++)
		m.rounds[r] = (stream){ .dir = dir, .round = r, .shards = shards_per_round[r] };
	tfy_code rc = open_outputs(&m, dir, err);
	if (rc == TFY_OK) {
		rc = walk(&m, err);
		if (rc == TFY_OK && (rc = tfy__outfile_commit(&m.out, err)) == TFY_OK)
			rc = tfy__outfile_commit(&m.errors, err);
		else if (rc != TFY_OK)
			tfy__outfile_abort(&m.out);
		if (rc != TFY_OK)
			tfy__outfile_abort(&m.errors);
	}
	for (int32_t r = 0; r < rounds; r++)
		stream_close(&m.rounds[r]);
	tfy__free(m.rounds);
	if (rc == TFY_OK) {
		*succeeded = m.succeeded;
		*failed = m.failed;
	}
	return rc;
}
