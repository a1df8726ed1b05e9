/*
 * Settling a shard once its batch ended, and the input of the next round.
 * The settled file's format is described in job_settled.c; the files of
 * a job's directory in docs/jobs.md.
 *
 * A shard is settled in three passes, none holding more than one line:
 * its lines' custom_ids are read from the round's input into an index
 * (custom_id to position: the one thing that grows with the shard, its
 * custom_ids plus some 100 bytes a line); each record of the output and
 * error files finds its line there, which notes the record's place and
 * fate; then the settled file is written in the shard's order, each
 * record read back from its file by offset.
 *
 * A record's fate: a success when response.status_code is 2xx; else a
 * retry when the status is 408, 429 or 5xx, or, without a status, when
 * the error's code says the request may pass later (rate limits, server
 * errors, timeouts, an expired or cancelled batch); else a final failure.
 * A line with no record (its batch expired, failed or was cancelled
 * before it ran) is a retry with the batch's error.  In the last round a
 * retry is a final failure.  When a custom_id has several records, a
 * success wins over a failure, a final failure over a retry, and the
 * first one over later ones of the same fate.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "arena.h"
#include "decode.h"
#include "encode.h"
#include "error_internal.h"
#include "job_data.h"
#include "job_settled.h"
#include "lines.h"
#include "localfile.h"
#include "strset.h"
#include "tfy/results.h"

/* The longest line read: a request or a record; an entry of a settled file, a record and a little. */
#define LINE_MAX_BYTES TFY_RESULT_LINE_MAX_DEFAULT
#define SETTLED_MAX_BYTES (2 * (size_t)TFY_RESULT_LINE_MAX_DEFAULT)

/* A string literal and its length, for the append functions. */
#define LIT(s) s, sizeof(s) - 1

enum { SRC_NONE, SRC_OUTPUT, SRC_ERROR, SRC_COUNT };

/* A record's fate, in order of precedence. */
enum { FATE_NONE, FATE_RETRY, FATE_FAILED, FATE_SUCCEEDED };

/* One line of the shard: its custom_id, and where its record is. */
typedef struct entry {
	const char *id;
	size_t id_len;
	int64_t off;  /* the record's offset in its file */
	uint32_t len; /* its length (without its line ending) */
	uint8_t src;  /* SRC_* */
	uint8_t fate; /* FATE_* */
} entry;

typedef struct settler {
	const tfy__shard_end *end;
	const tfy__price_table *prices;
	tfy__strset ids; /* custom_id to position */
	tfy__arena *arena;
	entry *entries;
	int64_t count, count_max; /* lines indexed, and the plan's count */
	tfy__buf strings, scratch, text, id;
	tfy_job_usage usage;
	int fds[SRC_COUNT];
} settler;

static int retryable_status(int32_t status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

/* Error codes of failures that can pass on a second try. */
static int retryable_code(const char *code)
{
	static const char *const codes[] = {
		"rate_limit_exceeded", "rate_limit_error",      "server_error",
		"internal_error",      "internal_server_error", "service_unavailable",
		"overloaded",          "overloaded_error",      "timeout",
		"request_timeout",     "batch_expired",         "batch_cancelled",
	};
	for (size_t i = 0; code && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int fate_of(const tfy__record *r)
{
	if (r->status_code >= 200 && r->status_code <= 299)
		return FATE_SUCCEEDED;
	if (r->status_code)
		return retryable_status(r->status_code) ? FATE_RETRY : FATE_FAILED;
	return retryable_code(r->error_code) ? FATE_RETRY : FATE_FAILED;
}

static tfy_code oom(tfy_error **err)
{
	return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
}

/* A line that cannot be read: "WHERE line N: detail". */
static tfy_code bad_line(tfy_error **err, const char *where, int64_t line, const char *detail)
{
	return tfy__error_set(err, TFY_ERROR_DECODE, "%s line %" PRId64 ": %s", where, line, detail);
}

/* One request line of the shard: its custom_id into the index, at position pos. */
static tfy_code index_line(settler *st, int64_t n, const char *line, size_t len, tfy_error **err)
{
	const char *id;
	size_t id_len;
	char detail[256] = "";
	tfy_code rc = tfy__decode_custom_id(line, len, &id, &id_len, &st->strings, &st->scratch,
	                                    detail, sizeof(detail));
	if (rc == TFY_ERROR_OUT_OF_MEMORY)
		return oom(err);
	if (rc != TFY_OK || !id)
		return bad_line(err, "the shard's", n, rc != TFY_OK ? detail : "no custom_id");
	if (st->count >= st->count_max)
		return bad_line(err, "the shard's", n, "more requests than the plan gave the shard");
	int64_t first = 0;
	const char *copy = tfy__arena_strndup(st->arena, id, id_len);
	int added = copy ? tfy__strset_add(&st->ids, copy, id_len, st->count, &first) : -1;
	if (added < 0)
		return oom(err);
	if (!added)
		return bad_line(err, "the shard's", n, "a custom_id used twice in the shard");
	st->entries[st->count].id = copy;
	st->entries[st->count++].id_len = id_len;
	return TFY_OK;
}

/* Reads the lines of a shard of round_input with fn (index_line, ...); TFY_OK or the first error. */
typedef tfy_code (*line_fn)(void *ctx, int64_t n, const char *line, size_t len, tfy_error **err);

static tfy_code each_request(const char *round_input, const tfy__shard_plan *shard, line_fn fn,
                             void *ctx, tfy_error **err)
{
	tfy__shard_reader *r = NULL;
	tfy_code rc = tfy__shard_reader_open(round_input, shard, &r, err);
	if (rc != TFY_OK)
		return rc;
	tfy__lines l;
	tfy__lines_init(&l, tfy__shard_reader_read, r, LINE_MAX_BYTES);
	while (rc == TFY_OK) {
		const char *line;
		size_t len;
		int what = tfy__lines_next(&l, &line, &len);
		if (what == TFY__LINE_END)
			break;
		if (what != TFY__LINE_OK)
			rc = tfy__lines_error(&l, what, err);
		else if (!tfy__line_blank(line, len))
			rc = fn(ctx, l.line_no, line, len, err);
	}
	tfy__lines_close(&l);
	tfy__shard_reader_close(r);
	return rc;
}

static tfy_code index_request(void *ctx, int64_t n, const char *line, size_t len, tfy_error **err)
{
	return index_line(ctx, n, line, len, err);
}

/* The index of the shard's custom_ids. */
static tfy_code index_shard(settler *st, const char *round_input, const tfy__shard_plan *shard,
                            tfy_error **err)
{
	st->count_max = shard->requests;
	if (shard->requests <= 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "a shard holds requests");
	st->entries = tfy__calloc((size_t)shard->requests, sizeof(entry));
	st->arena = st->entries ? tfy__arena_new(64 * 1024) : NULL;
	if (!st->arena)
		return oom(err);
	tfy_code rc = each_request(round_input, shard, index_request, st, err);
	if (rc == TFY_OK && st->count != shard->requests)
		rc = tfy__error_set(err, TFY_ERROR_DECODE,
		                    "the shard holds %" PRId64 " requests, the plan gave it %" PRId64,
		                    st->count, shard->requests);
	return rc;
}

/* One record of the output or error file at path: its line's fate and place, its usage. */
static tfy_code note_record(settler *st, const char *path, int src, const tfy__lines *l,
                            const char *line, size_t len, tfy_error **err)
{
	tfy__record rec = { 0 };
	char detail[256] = "";
	tfy_code rc = tfy__decode_record(line, len, &rec, &st->strings, &st->scratch, detail,
	                                 sizeof(detail));
	if (rc == TFY_ERROR_OUT_OF_MEMORY)
		return oom(err);
	if (rc != TFY_OK)
		return bad_line(err, path, l->line_no, detail);
	int64_t pos = rec.custom_id ? tfy__strset_find(&st->ids, rec.custom_id, rec.custom_id_len)
	                            : -1;
	if (pos < 0)
		return bad_line(err, path, l->line_no,
		                rec.custom_id ? "a record of a custom_id the shard does not hold"
		                              : "a record without a custom_id");
	tfy__usage_add_record(&st->usage, st->prices, &rec);
	entry *e = &st->entries[pos];
	int fate = fate_of(&rec);
	if (fate > e->fate) {
		e->fate = (uint8_t)fate;
		e->src = (uint8_t)src;
		e->off = tfy__lines_offset(l) - (int64_t)l->last_raw;
		e->len = (uint32_t)len;
	}
	return TFY_OK;
}

static tfy_code read_records(settler *st, const char *path, int src, tfy_error **err)
{
	if (!path)
		return TFY_OK;
	tfy__lines l;
	tfy_code rc = tfy__lines_open(&l, path, LINE_MAX_BYTES, 1, err);
	while (rc == TFY_OK) {
		const char *line;
		size_t len;
		int what = tfy__lines_next(&l, &line, &len);
		if (what == TFY__LINE_END)
			break;
		if (what != TFY__LINE_OK)
			rc = tfy__lines_error(&l, what, err);
		else if (!tfy__line_blank(line, len))
			rc = note_record(st, path, src, &l, line, len, err);
	}
	tfy__lines_close(&l);
	if (rc != TFY_OK)
		return rc;
	/* Kept open to read the records back by offset. */
	char why[256];
	int64_t size;
	if ((st->fds[src] = tfy__open_regular(path, &size, why, sizeof(why))) < 0)
		return tfy__error_set(err, TFY_ERROR_IO, "opening %s: %s", path, why);
	return TFY_OK;
}

/* The record of an entry read back from its file into st->text. */
static tfy_code read_back(settler *st, const entry *e, tfy_error **err)
{
	st->text.len = 0;
	if (tfy__buf_reserve(&st->text, e->len) < 0)
		return oom(err);
	const char *path = e->src == SRC_OUTPUT ? st->end->output_path : st->end->error_path;
	while (st->text.len < e->len) {
		ssize_t n = pread(st->fds[e->src], st->text.data + st->text.len,
		                  e->len - st->text.len, (off_t)(e->off + (int64_t)st->text.len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return tfy__error_set(err, TFY_ERROR_IO, "reading %s: %s", path,
			                      n < 0 ? strerror(errno) : "the file shrank");
		st->text.len += (size_t)n;
	}
	return TFY_OK;
}

/* The error code of a line its batch never ran, by the batch's status. */
static const char *missing_code(const char *status)
{
	if (!status)
		return "missing_result";
	if (strcmp(status, "expired") == 0)
		return "batch_expired";
	if (strcmp(status, "failed") == 0)
		return "batch_failed";
	if (strcmp(status, "cancelled") == 0 || strcmp(status, "cancelling") == 0)
		return "batch_cancelled";
	return "missing_result";
}

/* The record the job writes for a line no file has a record of, into st->text. */
static tfy_code missing_record(settler *st, const entry *e, tfy_error **err)
{
	const tfy__shard_end *end = st->end;
	const char *batch = end->batch_id ? end->batch_id : "(unknown)";
	const char *status = end->status ? end->status : "ended";
	char message[1024];
	if (end->batch_error)
		snprintf(message, sizeof(message), "batch %s %s: %s", batch, status, end->batch_error);
	else
		snprintf(message, sizeof(message), "batch %s %s without a result for this request",
		         batch, status);
	tfy__buf *b = &st->text;
	b->len = 0;
	int rc = tfy__buf_append(b, LIT("{\"id\":null,\"custom_id\":")) |
	         tfy__json_append_string_n(b, e->id, e->id_len) |
	         tfy__buf_append(b, LIT(",\"response\":null,\"error\":{\"code\":")) |
	         tfy__json_append_string(b, missing_code(end->status)) |
	         tfy__buf_append(b, LIT(",\"message\":")) | tfy__json_append_string(b, message) |
	         tfy__buf_append(b, LIT("}}"));
	return rc ? oom(err) : TFY_OK;
}

/* The outcome an entry is written with. */
static int outcome_of(const entry *e, int last_round)
{
	if (e->fate == FATE_SUCCEEDED)
		return TFY__SETTLED_SUCCEEDED;
	if (e->fate == FATE_FAILED || last_round)
		return TFY__SETTLED_FAILED;
	return TFY__SETTLED_RETRY;
}

/* Every entry into the settled file at path, in the shard's order. */
static tfy_code write_settled(settler *st, const char *path, int last_round, tfy_error **err)
{
	tfy__outfile f;
	tfy_code rc = tfy__outfile_open(&f, path, err);
	if (rc != TFY_OK)
		return rc;
	for (int64_t i = 0; i < st->count && rc == TFY_OK; i++) {
		const entry *e = &st->entries[i];
		rc = e->src == SRC_NONE ? missing_record(st, e, err) : read_back(st, e, err);
		int outcome = outcome_of(e, last_round);
		if (rc == TFY_OK &&
		    tfy__job_settled_write(&f, &st->id, outcome, e->id, e->id_len, st->text.data,
		                           st->text.len) < 0 &&
		    !f.failed)
			rc = oom(err);
		st->usage.requests += outcome == TFY__SETTLED_SUCCEEDED;
		st->usage.failed += outcome == TFY__SETTLED_FAILED;
	}
	if (rc != TFY_OK) {
		tfy__outfile_abort(&f);
		return rc;
	}
	return tfy__outfile_commit(&f, err);
}

static void settler_free(settler *st)
{
	tfy__strset_free(&st->ids);
	tfy__arena_free(st->arena);
	tfy__free(st->entries);
	tfy__buf_clear(&st->strings);
	tfy__buf_clear(&st->scratch);
	tfy__buf_clear(&st->text);
	tfy__buf_clear(&st->id);
	for (int i = 0; i < SRC_COUNT; i++)
		if (st->fds[i] >= 0)
			close(st->fds[i]);
}

/* dir/settled/ and the settled file's name in it. */
static tfy_code settled_path(const char *dir, int32_t round, int32_t index, char **path, tfy_error **err)
{
	char *sub = tfy__outfile_path("%s/settled", dir);
	tfy_code rc = sub ? tfy__outfile_mkdir(sub, err) : oom(err);
	tfy__free(sub);
	if (rc == TFY_OK && !(*path = tfy__job_settled_path(dir, round, index)))
		rc = oom(err);
	return rc;
}

tfy_code tfy__job_settle(const char *dir, int32_t round, int32_t index, const char *round_input,
                         const tfy__shard_plan *shard, const tfy__shard_end *end, int last_round,
                         const tfy__price_table *prices, tfy_job_usage *usage, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!dir || !round_input || !shard || !end || !usage)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "dir, round_input, shard, end and usage must not be NULL");
	settler st;
	memset(&st, 0, sizeof(st));
	st.end = end;
	st.prices = prices;
	st.fds[SRC_NONE] = st.fds[SRC_OUTPUT] = st.fds[SRC_ERROR] = -1;
	tfy__usage_init(&st.usage, prices);
	char *path = NULL;
	tfy_code rc = index_shard(&st, round_input, shard, err);
	if (rc == TFY_OK)
		rc = read_records(&st, end->output_path, SRC_OUTPUT, err);
	if (rc == TFY_OK)
		rc = read_records(&st, end->error_path, SRC_ERROR, err);
	st.usage.requests = 0; /* counted by outcome below, once per line */
	if (rc == TFY_OK)
		rc = settled_path(dir, round, index, &path, err);
	if (rc == TFY_OK)
		rc = write_settled(&st, path, last_round, err);
	if (rc == TFY_OK)
		tfy__usage_sum(usage, &st.usage);
	tfy__free(path);
	settler_free(&st);
	return rc;
}

/* ---- The input of the next round ---- */

typedef struct retry_ctx {
	const char *path; /* the settled file being read */
	tfy__lines settled;
	tfy__outfile out;
	tfy__buf strings, scratch, id;
	int64_t requests;
} retry_ctx;

static tfy_code mismatch(retry_ctx *c, tfy_error **err)
{
	return tfy__error_set(err, TFY_ERROR_DECODE,
	                      "%s does not match the round's input at its line %" PRId64
	                      ": settle the shard again",
	                      c->path, c->settled.line_no);
}

/* The next entry of the settled file; TFY_OK, or an error (a missing entry: mismatch). */
static tfy_code next_entry(retry_ctx *c, tfy__settled *e, tfy_error **err)
{
	const char *line;
	size_t len;
	int what = tfy__lines_next(&c->settled, &line, &len);
	if (what == TFY__LINE_END)
		return mismatch(c, err);
	if (what != TFY__LINE_OK)
		return tfy__lines_error(&c->settled, what, err);
	if (tfy__job_settled_parse(line, len, e) < 0)
		return bad_line(err, c->path, c->settled.line_no, "not an entry of a settled file");
	return TFY_OK;
}

/* One request of the shard, with its entry: copied to the next round when it is to be retried. */
static tfy_code retry_line(void *ctx, int64_t n, const char *line, size_t len, tfy_error **err)
{
	retry_ctx *c = ctx;
	tfy__settled e;
	tfy_code rc = next_entry(c, &e, err);
	if (rc != TFY_OK || e.outcome != TFY__SETTLED_RETRY)
		return rc;
	const char *id;
	size_t id_len;
	char detail[256] = "";
	rc = tfy__decode_custom_id(line, len, &id, &id_len, &c->strings, &c->scratch, detail,
	                           sizeof(detail));
	if (rc == TFY_ERROR_OUT_OF_MEMORY ||
	    (rc == TFY_OK && id && tfy__job_settled_id(&c->id, id, id_len) < 0))
		return oom(err);
	if (rc != TFY_OK || !id)
		return bad_line(err, "the shard's", n, rc != TFY_OK ? detail : "no custom_id");
	if (c->id.len != e.id_len || memcmp(c->id.data, e.id, e.id_len) != 0)
		return mismatch(c, err);
	c->requests++;
	tfy__outfile_write(&c->out, line, len);
	tfy__outfile_write(&c->out, "\n", 1); /* a failed write fails the commit */
	return TFY_OK;
}

/* One shard: its settled file read along its lines. */
static tfy_code retry_shard(retry_ctx *c, const char *dir, int32_t round, int32_t index,
                            const char *round_input, const tfy__shard_plan *shard, tfy_error **err)
{
	char *path = tfy__job_settled_path(dir, round, index);
	if (!path)
		return oom(err);
	c->path = path;
	tfy_code rc = tfy__lines_open(&c->settled, path, SETTLED_MAX_BYTES, 1, err);
	if (rc == TFY_OK)
		rc = each_request(round_input, shard, retry_line, c, err);
	const char *line;
	size_t len;
	if (rc == TFY_OK && tfy__lines_next(&c->settled, &line, &len) != TFY__LINE_END)
		rc = mismatch(c, err);
	tfy__lines_close(&c->settled);
	tfy__free(path);
	c->path = NULL;
	return rc;
}

/* dir/rounds/ and the next round's input file in it, opened. */
static tfy_code open_round(retry_ctx *c, const char *dir, int32_t round, tfy_error **err)
{
	char *sub = tfy__outfile_path("%s/rounds", dir);
	char *path = sub ? tfy__job_round_path(dir, round) : NULL;
	tfy_code rc = !path ? oom(err) : tfy__outfile_mkdir(sub, err);
	if (rc == TFY_OK)
		rc = tfy__outfile_open(&c->out, path, err);
	tfy__free(sub);
	tfy__free(path);
	return rc;
}

tfy_code tfy__job_retry_input(const char *dir, int32_t round, const char *round_input,
                              const tfy__shard_plan *shards, size_t shards_count, int64_t *requests,
                              tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!dir || !round_input || (!shards && shards_count) || !requests)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "dir, round_input, shards and requests must not be NULL");
	*requests = 0;
	retry_ctx c;
	memset(&c, 0, sizeof(c));
	tfy_code rc = open_round(&c, dir, round + 1, err);
	if (rc != TFY_OK)
		return rc;
	for (size_t i = 0; i < shards_count && rc == TFY_OK; i++)
		rc = retry_shard(&c, dir, round, (int32_t)i, round_input, &shards[i], err);
	if (rc == TFY_OK && c.requests)
		rc = tfy__outfile_commit(&c.out, err);
	else
		tfy__outfile_abort(&c.out);
	tfy__buf_clear(&c.strings);
	tfy__buf_clear(&c.scratch);
	tfy__buf_clear(&c.id);
	if (rc == TFY_OK)
		*requests = c.requests;
	return rc;
}
