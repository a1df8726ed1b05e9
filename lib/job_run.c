/*
 * A job's run (tfy_job_run()): rounds one after another; in each, every
 * shard goes through upload, create, the poll of its batch, the download
 * of its files and its settling, up to `concurrency` transfers at once on
 * one loop (loop.h) driven from the calling thread.  Every step is written
 * to the journal before it is sent and after it happened, and the state
 * the run acts on is always the journal's: a run killed at any moment and
 * started again does what was left, and nothing twice that mattered (an
 * upload whose answer was lost is sent again, a stray file costs nothing;
 * a create whose answer was lost is looked for by its metadata first).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alloc.h"
#include "batches_internal.h"
#include "call.h"
#include "encode.h"
#include "error_internal.h"
#include "files_internal.h"
#include "job_data.h"
#include "job_internal.h"
#include "jobs_internal.h"
#include "loop.h"
#include "tfy/batch.h"
#include "tfy/file.h"

#define POLL_FIRST_MS 1000
#define POLL_MAX_MS 30000
#define LOOP_STEP_MS 100
#define UPLOAD_TRIES 3
#define PROBLEMS_SHOWN 3
#define REFRESH_STEPS 10 /* loop steps between reads of the journal for others' records */

typedef struct run run;

/* A shard of the running round and what is in flight for it. */
typedef struct slot {
	run *r;
	int32_t index;
	int busy;     /* an op of the shard is in flight */
	int reserved; /* its tokens count against the budget */
	int upload_tries;
	int cancel_sent;       /* this run asked for its batch's cancel */
	tfy_batch_status last; /* its batch's status at the last poll (0: none seen) */
	tfy__call call;
	tfy__shard_reader *reader;
	tfy__upload upload;
	tfy__buf body;
	int dl_kind; /* 0: output, 1: error */
	int dl_open;
	int64_t expected;
	tfy__download_file dl;
	tfy__sink sink;
	char name[128];
	char rel[64]; /* the download's name in the job's directory */
	char path[PATH_MAX];
} slot;

struct run {
	tfy_job *job;
	tfy__loop *loop;
	tfy__options_pair pair;
	tfy__call base; /* for the cancel question */
	tfy__price_table *prices;
	int32_t round;
	char *input;
	slot *slots;
	size_t count;
	int transfers;
	int64_t live_tokens;
	tfy__timer *timer;
	int polls;
	int64_t interval;
	int64_t asked; /* the longest Retry-After of this poll's answers */
	int list_useless;
	int stop;
	tfy_code rc;
	tfy_error *err;
	tfy__jrec rec;
	tfy__page_query query;
};

static const tfy__jstate *state(const run *r)
{
	return tfy__journal_state(r->job->j);
}

static tfy__jshard *shard(const run *r, const slot *sl)
{
	return tfy__journal_shard(r->job->j, r->round, sl->index);
}

/* The run's first failure is its result; what follows it is dropped. */
static void fail(run *r, tfy_code rc, tfy_error *e)
{
	if (r->stop) {
		tfy_error_free(e);
		return;
	}
	r->stop = 1;
	r->rc = rc;
	r->err = e;
}

static void fail_oom(run *r)
{
	fail(r, TFY_ERROR_OUT_OF_MEMORY, tfy__error_out_of_memory());
}

/* A local failure: what failed, the path, errno's text. */
static void fail_io(run *r, const char *what, const char *path)
{
	char why[TFY__IO_WHY_MAX];
	snprintf(why, sizeof(why), "%s %s: %s", what, path, strerror(errno));
	tfy_error *e = NULL;
	tfy_code rc = tfy__io_error(why, &e);
	fail(r, rc, e);
}

/* Appends the record in r->rec; a failure stops the run. */
static int journal(run *r)
{
	tfy_error *e = NULL;
	tfy_code rc = tfy__journal_append(r->job->j, &r->rec, &e);
	if (rc != TFY_OK)
		fail(r, rc, e);
	return rc == TFY_OK ? 0 : -1;
}

static void rec_shard(run *r, const char *type, int32_t index)
{
	tfy__jrec_begin(&r->rec, type);
	tfy__jrec_int(&r->rec, "r", r->round);
	tfy__jrec_int(&r->rec, "i", index);
}

/* ---- progress ------------------------------------------------------------------------------ */

static void progress(run *r, int32_t phase, const char *fmt, ...) TFY__PRINTF(3, 4);

static void progress(run *r, int32_t phase, const char *fmt, ...)
{
	const tfy_job_options *o = &r->job->o;
	if (!o->progress)
		return;
	const tfy__jstate *st = state(r);
	tfy_job_progress p = { .phase = phase, .round = r->round };
	for (size_t i = 0; i < st->shards_count; i++) {
		const tfy__jshard *s = &st->shards[i];
		if (s->settled) {
			p.completed += s->ok + s->lost;
			p.failed += s->lost;
		}
		if (s->round != r->round)
			continue;
		p.shards++;
		p.shards_live += s->file_id && !s->ended;
		p.shards_ended += s->settled;
	}
	p.requests = st->rounds_count ? st->rounds[0].requests : 0;
	char message[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	p.message = message;
	if (o->progress(o->progress_userdata, &p) != TFY_CANCEL_CONTINUE)
		fail(r, TFY_ERROR_CANCELLED,
		     tfy__error_new(TFY_ERROR_CANCELLED,
		                    "%s: the progress callback stopped the job; its batches go on (run "
		                    "it again to resume)",
		                    tfy_strerror(TFY_ERROR_CANCELLED)));
}

/* ---- the token budget ------------------------------------------------------------------------ */

/* Whether the shard may go up now; its tokens then count until its batch ends. */
static int admit(run *r, slot *sl, const tfy__jshard *s)
{
	int64_t budget = state(r)->max_tokens;
	if (sl->reserved)
		return 1;
	if (budget && r->live_tokens && r->live_tokens + s->plan.tokens > budget)
		return 0;
	r->live_tokens += s->plan.tokens;
	sl->reserved = 1;
	return 1;
}

static void release(run *r, slot *sl, const tfy__jshard *s)
{
	if (!sl->reserved)
		return;
	r->live_tokens -= s->plan.tokens;
	sl->reserved = 0;
}

/* ---- upload ---------------------------------------------------------------------------------- */

static void pump(run *r);

static void op_done(slot *sl)
{
	sl->busy = 0;
	sl->r->transfers--;
}

static void on_uploaded(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	slot *sl = userdata;
	run *r = sl->r;
	op_done(sl);
	tfy__shard_reader_close(sl->reader);
	sl->reader = NULL;
	tfy_file *file = out;
	if (rc == TFY_OK) {
		rec_shard(r, "uploaded", sl->index);
		tfy__jrec_str(&r->rec, "file", file->id);
		if (journal(r) == 0)
			progress(r, TFY_JOB_PHASE_UPLOADING, "round %d shard %d: uploaded as %s",
			         (int)r->round, (int)sl->index, file->id);
	} else if (rc == TFY_ERROR_OUTCOME_UNKNOWN && ++sl->upload_tries < UPLOAD_TRIES) {
		tfy_error_free(e); /* a stray file costs nothing: the upload goes again */
	} else {
		fail(r, rc, e);
	}
	tfy_file_free(file);
	pump(r);
}

static int start(run *r, slot *sl, const tfy__endpoint *ep, const tfy__endpoint_args *args,
                 tfy__op_done_fn done)
{
	if (!tfy__op_start(r->loop, ep, args, &r->pair, &sl->call, done, sl)) {
		fail_oom(r);
		return -1;
	}
	sl->busy = 1;
	r->transfers++;
	return 0;
}

static void start_upload(run *r, slot *sl, const tfy__jshard *s)
{
	tfy_error *e = NULL;
	rec_shard(r, "upload", sl->index);
	if (journal(r) < 0)
		return;
	tfy_code rc = tfy__shard_reader_open(r->input, &s->plan, &sl->reader, &e);
	if (rc != TFY_OK) {
		fail(r, rc, e);
		return;
	}
	static const tfy_pair fields[] = { { "purpose", "batch" } };
	snprintf(sl->name, sizeof(sl->name), "tfy-job-%.12s-r%d-s%d.jsonl", state(r)->id,
	         (int)r->round, (int)sl->index);
	const tfy__upload up = {
		.fields = fields,
		.fields_count = 1,
		.file_field = "file",
		.filename = sl->name,
		.content_type = "application/jsonl",
		.read = tfy__shard_reader_read,
		.userdata = sl->reader,
		.size = tfy__shard_reader_size(sl->reader),
		.rewind = tfy__shard_reader_rewind,
	};
	sl->upload = up;
	sl->call = tfy__call_start_transfer(r->job->client, &r->pair);
	const tfy__endpoint_args args = { .upload = &sl->upload };
	start(r, sl, &tfy__files_upload_endpoint, &args, on_uploaded);
}

/* ---- create ------------------------------------------------------------------------------------ */

static tfy_code record_created(run *r, int32_t index, const char *batch_id, tfy_error **e)
{
	rec_shard(r, "created", index);
	tfy__jrec_str(&r->rec, "batch", batch_id);
	tfy_code rc = tfy__journal_append(r->job->j, &r->rec, e);
	r->interval = POLL_FIRST_MS;
	return rc;
}

/* A batch the search found for a shard of the running round (others are left to their round). */
static tfy_code on_found(void *userdata, tfy__jshard *s, const tfy_batch *b, tfy_error **e)
{
	run *r = userdata;
	if (s->round != r->round)
		return TFY_OK;
	return record_created(r, s->index, b->id, e);
}

static void search(run *r)
{
	tfy_error *e = NULL;
	tfy_code rc = tfy__job_search(r->job, on_found, r, &e);
	if (rc != TFY_OK)
		fail(r, rc, e);
}

static void cancel_live(run *r);

/* A cancel another process recorded: nothing more is created, the live batches are cancelled. */
static void notice_cancel(run *r)
{
	tfy_error *e = NULL;
	int was = state(r)->cancelled;
	tfy_code rc = tfy__journal_refresh(r->job->j, &e);
	if (rc != TFY_OK)
		fail(r, rc, e);
	else if (!was && state(r)->cancelled)
		cancel_live(r);
}

static void on_created(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	slot *sl = userdata;
	run *r = sl->r;
	op_done(sl);
	tfy__buf_clear(&sl->body);
	tfy_batch *b = out;
	tfy_error *je = NULL;
	if (rc == TFY_OK) {
		tfy_code jrc = record_created(r, sl->index, b->id, &je);
		if (jrc != TFY_OK)
			fail(r, jrc, je);
		else
			progress(r, TFY_JOB_PHASE_CREATING, "round %d shard %d: batch %s created",
			         (int)r->round, (int)sl->index, b->id);
	} else if (rc == TFY_ERROR_OUTCOME_UNKNOWN) {
		tfy_error_free(e); /* found by its metadata, or created again */
		search(r);
	} else {
		fail(r, rc, e);
	}
	tfy_batch_free(b);
	if (state(r)->cancelled)
		cancel_live(r);
	pump(r);
}

static void start_create(run *r, slot *sl, const tfy__jshard *s)
{
	const tfy__jstate *st = state(r);
	char shard_text[16], round_text[16];
	snprintf(shard_text, sizeof(shard_text), "%d", (int)sl->index);
	snprintf(round_text, sizeof(round_text), "%d", (int)r->round);
	const tfy_pair metadata[] = {
		{ TFY__JOB_META_ID, st->id },
		{ TFY__JOB_META_SHARD, shard_text },
		{ TFY__JOB_META_ROUND, round_text },
	};
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = s->file_id;
	o.endpoint = st->endpoint;
	o.completion_window = st->window;
	o.metadata = metadata;
	o.metadata_count = 3;
	sl->body.len = 0;
	if (tfy__encode_create_body(&sl->body, &o) < 0) {
		fail_oom(r);
		return;
	}
	rec_shard(r, "create", sl->index);
	if (journal(r) < 0)
		return;
	sl->call = tfy__call_start(r->job->client, &r->pair);
	const tfy__endpoint_args args = { .body = sl->body.data, .body_len = sl->body.len };
	start(r, sl, &tfy__jobs_create_endpoint, &args, on_created);
}

/* ---- poll -------------------------------------------------------------------------------------- */

static int64_t count_of(const tfy_batch *b, int which)
{
	const tfy_batch_request_counts *c = b->request_counts;
	const tfy_opt_int64 *v = !c         ? NULL
	                       : which == 0 ? &c->total
	                       : which == 1 ? &c->completed
	                                    : &c->failed;
	return v && v->present ? v->value : -1;
}

/* A batch as a poll saw it: recorded when it ended. */
static void seen(run *r, slot *sl, const tfy_batch *b)
{
	tfy__jshard *s = shard(r, sl);
	if (!s || s->ended)
		return;
	int changed = b->status != sl->last;
	sl->last = b->status;
	if (!tfy_batch_status_is_terminal(b->status)) {
		if (changed)
			progress(r, TFY_JOB_PHASE_WAITING, "round %d shard %d: batch %s %s",
			         (int)r->round, (int)sl->index, b->id,
			         tfy_batch_status_name(b->status));
		return;
	}
	char why[512] = "";
	if (b->errors_count && b->errors[0]->message)
		snprintf(why, sizeof(why), "%s%s%s", b->errors[0]->code ? b->errors[0]->code : "",
		         b->errors[0]->code ? ": " : "", b->errors[0]->message);
	const char *status = b->status_raw ? b->status_raw : tfy_batch_status_name(b->status);
	rec_shard(r, "ended", sl->index);
	tfy__jrec_str(&r->rec, "status", tfy_batch_status_name(b->status));
	tfy__jrec_str(&r->rec, "output", b->output_file_id);
	tfy__jrec_str(&r->rec, "error", b->error_file_id);
	tfy__jrec_int(&r->rec, "total", count_of(b, 0));
	tfy__jrec_int(&r->rec, "completed", count_of(b, 1));
	tfy__jrec_int(&r->rec, "failed", count_of(b, 2));
	tfy__jrec_str(&r->rec, "why", *why ? why : NULL);
	if (journal(r) < 0)
		return;
	s = shard(r, sl);
	release(r, sl, s);
	r->interval = POLL_FIRST_MS;
	progress(r, TFY_JOB_PHASE_WAITING, "round %d shard %d: batch %s %s", (int)r->round,
	         (int)sl->index, b->id, status);
}

static int live(const tfy__jshard *s)
{
	return s && s->batch_id && !s->ended;
}

static void schedule_poll(run *r);

static void poll_done(run *r)
{
	if (--r->polls == 0)
		schedule_poll(r);
	pump(r);
}

static void on_retrieved(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	slot *sl = userdata;
	run *r = sl->r;
	tfy__polled *p = out;
	if (rc == TFY_OK) {
		if (p->retry_after_ms > r->asked)
			r->asked = p->retry_after_ms;
		seen(r, sl, p->batch);
		tfy_batch_free(p->batch);
		tfy__free(p);
	} else {
		fail(r, rc, e);
	}
	poll_done(r);
}

static void retrieve(run *r, slot *sl)
{
	tfy__jshard *s = shard(r, sl);
	const tfy__endpoint_args args = { .id = s->batch_id };
	tfy__call call = tfy__call_start(r->job->client, &r->pair);
	if (!tfy__op_start(r->loop, &tfy__jobs_poll_endpoint, &args, &r->pair, &call, on_retrieved, sl)) {
		fail_oom(r);
		return;
	}
	r->polls++;
}

static void on_listed(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	run *r = userdata;
	tfy_batch_page *page = out;
	r->polls++; /* held while the retrieves start */
	if (rc != TFY_OK) {
		/* A gateway without a listing: each batch is retrieved from now on. */
		tfy_error_free(e);
		r->list_useless = 1;
	}
	int matched = 0;
	for (size_t i = 0; i < r->count && !r->stop; i++) {
		slot *sl = &r->slots[i];
		tfy__jshard *s = shard(r, sl);
		if (!live(s))
			continue;
		const tfy_batch *b = NULL;
		for (size_t k = 0; page && k < page->count && !b; k++)
			if (page->items[k]->id && strcmp(page->items[k]->id, s->batch_id) == 0)
				b = page->items[k];
		if (b) {
			matched++;
			seen(r, sl, b);
		} else {
			retrieve(r, sl);
		}
	}
	if (!matched)
		r->list_useless = 1;
	tfy_batch_page_free(page);
	r->polls--; /* the list's own */
	poll_done(r);
}

static int any_live(const run *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (live(shard(r, &r->slots[i])))
			return 1;
	return 0;
}

static void on_poll_time(void *userdata)
{
	run *r = userdata;
	r->timer = NULL;
	notice_cancel(r);
	if (r->stop)
		return;
	r->asked = -1;
	r->polls = 1;
	if (r->list_useless) {
		for (size_t i = 0; i < r->count && !r->stop; i++)
			if (live(shard(r, &r->slots[i])))
				retrieve(r, &r->slots[i]);
		poll_done(r);
		return;
	}
	const tfy__endpoint_args args = tfy__page_args(&r->query, 100, NULL, NULL, 0);
	tfy__call call = tfy__call_start(r->job->client, &r->pair);
	if (!tfy__op_start(r->loop, &tfy__batches_list_endpoint, &args, &r->pair, &call, on_listed, r)) {
		r->polls = 0;
		fail_oom(r);
	}
}

static void schedule_poll(run *r)
{
	if (r->stop || r->timer || r->polls || !any_live(r))
		return;
	int64_t delay = r->interval;
	if (r->asked > delay)
		delay = r->asked;
	r->interval = r->interval * 3 / 2 > POLL_MAX_MS ? POLL_MAX_MS : r->interval * 3 / 2;
	r->timer = tfy__loop_timer(r->loop, delay, on_poll_time, r);
	if (!r->timer)
		fail_oom(r);
}

/* ---- cancel ------------------------------------------------------------------------------------ */

/* A cancelled job: every live batch of the round is cancelled (once a run; a repeat is harmless). */
static void cancel_live(run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		tfy__jshard *s = shard(r, &r->slots[i]);
		if (!live(s) || r->slots[i].cancel_sent)
			continue;
		r->slots[i].cancel_sent = 1;
		tfy_batch *b = NULL;
		tfy_error *e = NULL;
		tfy_batches_cancel(r->job->client, s->batch_id, &r->job->request, &b, &e);
		tfy_batch_free(b);
		tfy_error_free(e); /* its end is seen by the poll either way */
	}
}

/* ---- download ------------------------------------------------------------------------------------ */

static const char *want_file(const tfy__jshard *s, int *kind)
{
	if (s->output_file_id && !s->output_path) {
		*kind = 0;
		return s->output_file_id;
	}
	if (s->error_file_id && !s->error_path) {
		*kind = 1;
		return s->error_file_id;
	}
	return NULL;
}

static void on_downloaded(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	slot *sl = userdata;
	run *r = sl->r;
	(void)out;
	op_done(sl);
	sl->dl_open = 0;
	if (rc == TFY_OK && sl->expected && sl->dl.written != sl->expected) {
		rc = tfy__error_set(&e, TFY_ERROR_NETWORK,
		                    "%s: the download ended after %" PRId64
		                    " bytes; the file has %" PRId64,
		                    tfy_strerror(TFY_ERROR_NETWORK), sl->dl.written, sl->expected);
	}
	if (rc != TFY_OK) {
		tfy__download_file_abort(&sl->dl);
		fail(r, rc, e);
		return;
	}
	int64_t bytes = sl->dl.written;
	rc = tfy__download_file_commit(&sl->dl, 1, &e);
	char results[PATH_MAX];
	snprintf(results, sizeof(results), "%s/results", tfy__journal_dir(r->job->j));
	if (rc != TFY_OK) {
		fail(r, rc, e);
		return;
	}
	if (tfy__dir_sync(results) < 0) {
		fail_io(r, "cannot sync", results);
		return;
	}
	rec_shard(r, "downloaded", sl->index);
	tfy__jrec_str(&r->rec, "kind", sl->dl_kind ? "error" : "output");
	tfy__jrec_str(&r->rec, "path", sl->rel);
	tfy__jrec_int(&r->rec, "bytes", bytes);
	if (journal(r) == 0)
		progress(r, TFY_JOB_PHASE_DOWNLOADING, "round %d shard %d: %s file downloaded",
		         (int)r->round, (int)sl->index, sl->dl_kind ? "error" : "output");
	pump(r);
}

static void start_download(run *r, slot *sl)
{
	tfy_error *e = NULL;
	const char *id = want_file(shard(r, sl), &sl->dl_kind);
	/* The journal names it within the directory, which may be moved or reached another way. */
	snprintf(sl->rel, sizeof(sl->rel), "results/r%d-s%d.%s.jsonl", (int)r->round,
	         (int)sl->index, sl->dl_kind ? "error" : "output");
	snprintf(sl->path, sizeof(sl->path), "%s/%s", tfy__journal_dir(r->job->j), sl->rel);
	tfy_code rc = tfy__download_file_open(&sl->dl, sl->path, 1, &e);
	if (rc != TFY_OK) {
		fail(r, rc, e);
		return;
	}
	sl->dl_open = 1;
	const tfy__sink sink = { .write = tfy__download_file_write,
		                 .userdata = &sl->dl,
		                 .rewind = tfy__download_file_rewind,
		                 .limit = sl->expected };
	sl->sink = sink;
	sl->call = tfy__call_start_transfer(r->job->client, &r->pair);
	const tfy__endpoint_args args = { .id = id, .sink = &sl->sink };
	start(r, sl, &tfy__files_download_endpoint, &args, on_downloaded);
}

/* The file's size first, to hold the download to it. */
static void on_file(void *userdata, tfy_code rc, void *out, tfy_error *e)
{
	slot *sl = userdata;
	run *r = sl->r;
	op_done(sl);
	tfy_file *f = out;
	if (rc != TFY_OK) {
		fail(r, rc, e);
		return;
	}
	sl->expected = f->bytes.present ? f->bytes.value : 0;
	tfy_file_free(f);
	if (!r->stop)
		start_download(r, sl);
}

static void start_file(run *r, slot *sl, const tfy__jshard *s)
{
	int kind = 0;
	const tfy__endpoint_args args = { .id = want_file(s, &kind) };
	sl->call = tfy__call_start(r->job->client, &r->pair);
	start(r, sl, &tfy__files_retrieve_endpoint, &args, on_file);
}

/* ---- settle ---------------------------------------------------------------------------------------- */

static int last_round(const run *r)
{
	return r->round >= state(r)->retries || state(r)->cancelled;
}

/* A downloaded file's path: its name in the journal, in the job's directory. */
static const char *in_dir(const run *r, const char *rel, char *buf, size_t size)
{
	if (!rel)
		return NULL;
	snprintf(buf, size, "%s/%s", tfy__journal_dir(r->job->j), rel);
	return buf;
}

static void settle(run *r, slot *sl, const tfy__jshard *s)
{
	char out[PATH_MAX], errs[PATH_MAX];
	tfy__shard_end end = { .batch_id = s->batch_id,
		               .status = s->status ? s->status : "cancelled",
		               .output_path = in_dir(r, s->output_path, out, sizeof(out)),
		               .error_path = in_dir(r, s->error_path, errs, sizeof(errs)),
		               .batch_error = s->why };
	if (!s->ended)
		end.batch_error = "the job was cancelled before this shard's batch was created";
	tfy_job_usage usage;
	tfy__usage_init(&usage, r->prices);
	tfy_error *e = NULL;
	tfy_code rc = tfy__job_settle(tfy__journal_dir(r->job->j), r->round, sl->index, r->input,
	                              &s->plan, &end, last_round(r), r->prices, &usage, &e);
	if (rc != TFY_OK) {
		fail(r, rc, e);
		return;
	}
	int64_t retry = s->plan.requests - usage.requests - usage.failed;
	rec_shard(r, "settled", sl->index);
	tfy__jrec_int(&r->rec, "ok", usage.requests);
	tfy__jrec_int(&r->rec, "failed", usage.failed);
	tfy__jrec_int(&r->rec, "retry", retry > 0 ? retry : 0);
	tfy__jrec_int(&r->rec, "requests", usage.requests);
	tfy__jrec_int(&r->rec, "prompt", usage.prompt_tokens);
	tfy__jrec_int(&r->rec, "completion", usage.completion_tokens);
	tfy__jrec_int(&r->rec, "cached", usage.cached_tokens);
	tfy__jrec_int(&r->rec, "reasoning", usage.reasoning_tokens);
	tfy__jrec_double(&r->rec, "cost", usage.cost);
	tfy__jrec_int(&r->rec, "has_cost", usage.has_cost);
	journal(r);
}

/* ---- the pump: what can start, starts ---------------------------------------------------------------- */

static void step(run *r, slot *sl)
{
	const tfy__jshard *s = shard(r, sl);
	int cancelled = state(r)->cancelled;
	int room = r->transfers < r->job->o.concurrency;
	if (!s || s->settled || sl->busy)
		return;
	if (s->ended) {
		if (!want_file(s, &sl->dl_kind))
			settle(r, sl, s);
		else if (room)
			start_file(r, sl, s);
	} else if (s->batch_id) {
		return; /* live: the poll watches it */
	} else if (cancelled) {
		settle(r, sl, s);
	} else if (room && admit(r, sl, s)) {
		if (!s->file_id)
			start_upload(r, sl, s);
		else
			start_create(r, sl, s);
	}
}

static void pump(run *r)
{
	for (size_t i = 0; i < r->count && !r->stop; i++)
		step(r, &r->slots[i]);
	schedule_poll(r);
}

static int round_settled(const run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const tfy__jshard *s = shard(r, &r->slots[i]);
		if (!s || !s->settled)
			return 0;
	}
	return 1;
}

/* ---- a round -------------------------------------------------------------------------------------------- */

static void slots_clear(run *r)
{
	for (size_t i = 0; i < r->count; i++) {
		slot *sl = &r->slots[i];
		tfy__shard_reader_close(sl->reader);
		if (sl->dl_open)
			tfy__download_file_abort(&sl->dl);
		tfy__buf_clear(&sl->body);
	}
	tfy__free(r->slots);
	r->slots = NULL;
	r->count = 0;
}

static void round_setup(run *r)
{
	const tfy__jround *rd = &state(r)->rounds[r->round];
	r->count = (size_t)rd->shards;
	r->slots = tfy__calloc(r->count ? r->count : 1, sizeof(*r->slots));
	r->input = tfy__job_round_input(r->job, r->round);
	if (!r->slots || !r->input) {
		fail_oom(r);
		return;
	}
	r->live_tokens = 0;
	r->interval = POLL_FIRST_MS;
	for (size_t i = 0; i < r->count; i++) {
		slot *sl = &r->slots[i];
		sl->r = r;
		sl->index = (int32_t)i;
		const tfy__jshard *s = shard(r, sl);
		if (live(s) || (s->create_intent && !s->ended)) { /* enqueued, whatever the budget says */
			r->live_tokens += s->plan.tokens;
			sl->reserved = 1;
		}
	}
}

static void drive(run *r)
{
	int idle = 0;
	for (int64_t steps = 1; !r->stop && !round_settled(r); steps++) {
		int pending = tfy__loop_run(r->loop, LOOP_STEP_MS);
		if (steps % REFRESH_STEPS == 0)
			notice_cancel(r);
		/* Nothing in flight and nothing startable would spin: a fault of the run's own. */
		idle = pending || r->timer || r->transfers || r->polls ? 0 : idle + 1;
		if (idle > 100) {
			fail(r, TFY_ERROR_IO,
			     tfy__error_new(TFY_ERROR_IO,
			                    "%s: the job in %s cannot go on: no shard can start",
			                    tfy_strerror(TFY_ERROR_IO), tfy__journal_dir(r->job->j)));
			break;
		}
		if (!r->stop && tfy__call_cancelled(&r->base))
			fail(r, TFY_ERROR_CANCELLED,
			     tfy__error_new(TFY_ERROR_CANCELLED,
			                    "%s: the job was stopped; its batches go on (run it again to "
			                    "resume)",
			                    tfy_strerror(TFY_ERROR_CANCELLED)));
		pump(r);
	}
}

static void run_round(run *r)
{
	round_setup(r);
	if (r->stop)
		return;
	search(r);
	if (!r->stop && state(r)->cancelled)
		cancel_live(r);
	pump(r);
	drive(r);
	if (r->stop)
		return;
	/* Every shard settled: the next round's input, then the round is done. */
	int64_t retry = 0;
	tfy_error *e = NULL;
	if (!last_round(r)) {
		const tfy__jstate *st = state(r);
		size_t first = st->rounds[r->round].first;
		tfy__shard_plan *plans = tfy__calloc(r->count ? r->count : 1, sizeof(*plans));
		if (!plans) {
			fail_oom(r);
			return;
		}
		for (size_t i = 0; i < r->count; i++)
			plans[i] = st->shards[first + i].plan;
		tfy_code rc = tfy__job_retry_input(tfy__journal_dir(r->job->j), r->round, r->input,
		                                   plans, r->count, &retry, &e);
		tfy__free(plans);
		if (rc != TFY_OK) {
			fail(r, rc, e);
			return;
		}
	}
	tfy__jrec_begin(&r->rec, "rounddone");
	tfy__jrec_int(&r->rec, "r", r->round);
	tfy__jrec_int(&r->rec, "retry", retry);
	journal(r);
}

/* ---- planning ------------------------------------------------------------------------------------------- */

typedef struct plan_vec {
	tfy__shard_plan *v;
	size_t n, cap;
} plan_vec;

static int collect(void *userdata, const tfy__shard_plan *shard)
{
	plan_vec *pv = userdata;
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 16;
		tfy__shard_plan *grown = tfy__realloc(pv->v, cap * sizeof(*grown));
		if (!grown)
			return -1;
		pv->v = grown;
		pv->cap = cap;
	}
	pv->v[pv->n++] = *shard;
	return 0;
}

/* The input's problems as the error: the first few, with their lines. */
static void input_invalid(run *r, const tfy_input_report *rep)
{
	char text[1024];
	size_t used = (size_t)snprintf(text, sizeof(text), "%s: %" PRId64 " problem%s in %s",
	                               tfy_strerror(TFY_ERROR_INPUT_INVALID), rep->problems_total,
	                               rep->problems_total == 1 ? "" : "s", r->input);
	for (size_t i = 0; i < rep->problems_count && i < PROBLEMS_SHOWN && used < sizeof(text); i++) {
		const tfy_input_problem *p = rep->problems[i];
		if (p->line)
			used += (size_t)snprintf(text + used, sizeof(text) - used,
			                         "%s line %" PRId64 ": %s", i ? ";" : ":", p->line,
			                         p->message);
		else
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s",
			                         i ? ";" : ":", p->message);
	}
	if (used < sizeof(text) && rep->problems_total > PROBLEMS_SHOWN)
		snprintf(text + used, sizeof(text) - used, "; ...");
	fail(r, TFY_ERROR_INPUT_INVALID, tfy__error_new(TFY_ERROR_INPUT_INVALID, "%s", text));
}

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static void input_changed(run *r)
{
	fail(r, TFY_ERROR_IO,
	     tfy__error_new(TFY_ERROR_IO,
	                    "%s: the input %s changed since the job planned it; its shards are "
	                    "ranges of it",
	                    tfy_strerror(TFY_ERROR_IO), state(r)->input));
}

static void journal_plan(run *r, const plan_vec *pv, int64_t requests, const struct stat *sb)
{
	for (size_t i = 0; i < pv->n && !r->stop; i++) {
		rec_shard(r, "shard", (int32_t)i);
		tfy__jrec_int(&r->rec, "offset", pv->v[i].offset);
		tfy__jrec_int(&r->rec, "bytes", pv->v[i].bytes);
		tfy__jrec_int(&r->rec, "requests", pv->v[i].requests);
		tfy__jrec_int(&r->rec, "tokens", pv->v[i].tokens);
		journal(r);
	}
	if (r->stop)
		return;
	tfy__jrec_begin(&r->rec, "round");
	tfy__jrec_int(&r->rec, "r", r->round);
	tfy__jrec_int(&r->rec, "shards", (int64_t)pv->n);
	tfy__jrec_int(&r->rec, "requests", requests);
	if (r->round == 0) {
		tfy__jrec_int(&r->rec, "size", (int64_t)sb->st_size);
		tfy__jrec_int(&r->rec, "mtime", mtime_ns(sb));
	}
	journal(r);
}

static void plan_round(run *r)
{
	const tfy__jstate *st = state(r);
	progress(r, TFY_JOB_PHASE_PLANNING, "round %d: planning %s", (int)r->round, r->input);
	struct stat before, after;
	if (r->stop)
		return;
	if (stat(r->input, &before) < 0) {
		fail_io(r, "cannot read the input", r->input);
		return;
	}
	const tfy__plan_limits limits = {
		.max_requests = st->max_requests,
		.max_bytes = st->max_bytes,
		.max_tokens = st->max_tokens,
		.min_requests = r->round == 0 ? st->min_requests : 0,
		.endpoint = st->endpoint,
		.provider_kind = st->provider_kind,
		.estimate = r->job->o.estimate,
		.estimate_userdata = r->job->o.estimate_userdata,
	};
	plan_vec pv = { 0 };
	tfy_input_report *rep = NULL;
	tfy_error *e = NULL;
	tfy_code rc = tfy__job_plan(r->input, &limits, collect, &pv, &rep, &e);
	if (rc != TFY_OK)
		fail(r, rc, e);
	else if (rep->problems_total > 0)
		input_invalid(r, rep);
	else if (stat(r->input, &after) < 0 || after.st_size != before.st_size ||
	         mtime_ns(&after) != mtime_ns(&before))
		input_changed(r);
	else
		journal_plan(r, &pv, rep->requests, &after);
	tfy_input_report_free(rep);
	tfy__free(pv.v);
}

/* ---- the job --------------------------------------------------------------------------------------------- */

static void check_input(run *r)
{
	const tfy__jstate *st = state(r);
	struct stat sb;
	if (!st->rounds_count || !st->rounds[0].planned || st->rounds[0].done)
		return;
	if (stat(st->input, &sb) < 0 || sb.st_size != st->size || mtime_ns(&sb) != st->mtime)
		input_changed(r);
}

static void merge(run *r)
{
	const tfy__jstate *st = state(r);
	size_t per_round[TFY__JOURNAL_ROUNDS];
	for (int32_t i = 0; i < st->rounds_count; i++)
		per_round[i] = (size_t)st->rounds[i].shards;
	int64_t ok = 0, failed = 0;
	tfy_error *e = NULL;
	progress(r, TFY_JOB_PHASE_MERGING, "merging %d round%s", (int)st->rounds_count,
	         st->rounds_count == 1 ? "" : "s");
	if (r->stop)
		return;
	tfy_code rc = tfy__job_merge(tfy__journal_dir(r->job->j), st->rounds_count, per_round, &ok,
	                             &failed, &e);
	if (rc != TFY_OK) {
		fail(r, rc, e);
		return;
	}
	tfy__jrec_begin(&r->rec, "merged");
	tfy__jrec_int(&r->rec, "succeeded", ok);
	tfy__jrec_int(&r->rec, "failed", failed);
	journal(r);
}

static void make_results_dir(run *r)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/results", tfy__journal_dir(r->job->j));
	if (mkdir(path, 0700) == 0)
		tfy__dir_sync(tfy__journal_dir(r->job->j));
	else if (errno != EEXIST)
		fail_io(r, "cannot make", path);
}

/* The next thing to do: plan a round, run it, or merge (returns 0 when the rounds are over). */
static int next_round(run *r)
{
	const tfy__jstate *st = state(r);
	int32_t last = st->rounds_count - 1;
	if (last < 0 || (st->rounds[last].done && st->rounds[last].retry > 0 &&
	                 last < st->retries && !st->cancelled)) {
		if (last < 0 && st->cancelled)
			return 0;
		r->round = last + 1;
		tfy__free(r->input);
		r->input = tfy__job_round_input(r->job, r->round);
		if (!r->input)
			fail_oom(r);
		else
			plan_round(r);
		return !r->stop;
	}
	if (st->rounds[last].done)
		return 0;
	r->round = last;
	if (!st->rounds[last].planned) {
		tfy__free(r->input);
		r->input = tfy__job_round_input(r->job, r->round);
		if (!r->input) {
			fail_oom(r);
			return 0;
		}
		plan_round(r);
		return !r->stop;
	}
	tfy__free(r->input);
	r->input = NULL;
	run_round(r);
	if (r->stop)
		return 0; /* the slots stay until the loop is freed: its ops point at them */
	if (r->timer)
		tfy__timer_clear(r->timer);
	r->timer = NULL;
	slots_clear(r);
	return 1;
}

static tfy_code finish(run *r, tfy_error **err)
{
	const tfy__jstate *st = state(r);
	if (!r->stop && st->cancelled)
		fail(r, TFY_ERROR_CANCELLED,
		     tfy__error_new(TFY_ERROR_CANCELLED, "%s: the job in %s was cancelled",
		                    tfy_strerror(TFY_ERROR_CANCELLED), tfy__journal_dir(r->job->j)));
	if (!r->stop)
		return TFY_OK;
	if (!r->err)
		r->err = tfy__error_new(r->rc, "%s", tfy_strerror(r->rc));
	return tfy__call_hand_error(r->job->client, r->rc, r->err, err);
}

static void run_job(run *r)
{
	check_input(r);
	if (!r->stop && r->job->o.price_path) {
		tfy_error *e = NULL;
		tfy_code rc = tfy__price_table_load(r->job->o.price_path, &r->prices, &e);
		if (rc != TFY_OK)
			fail(r, rc, e);
	}
	if (!r->stop)
		make_results_dir(r);
	while (!r->stop && next_round(r))
		;
	const tfy__jstate *st = state(r);
	if (!r->stop && !st->merged && st->rounds_count)
		merge(r);
	if (!r->stop && !st->done) {
		tfy__jrec_begin(&r->rec, "done");
		journal(r);
	}
	if (!r->stop)
		progress(r, TFY_JOB_PHASE_DONE, "done: %" PRId64 " succeeded, %" PRId64 " failed",
		         st->succeeded, st->failed);
}

/* The run under the directory's lock. */
static tfy_code run_locked(tfy_job *job, tfy_error **err)
{
	const tfy__jstate *st = tfy__journal_state(job->j);
	if (st->done && !st->cancelled)
		return TFY_OK;
	run r = { .job = job, .rec = TFY__JREC_INIT, .interval = POLL_FIRST_MS, .asked = -1 };
	r.pair = tfy__endpoint_pair(job->client, &job->request);
	r.base = tfy__call_start(job->client, &r.pair);
	if (!st->done) {
		r.loop = tfy__loop_new(job->client);
		if (!r.loop)
			fail_oom(&r);
		else
			run_job(&r);
	}
	/* Ops still in flight are dropped: the journal has what the next run needs. */
	tfy__loop_free(r.loop);
	slots_clear(&r);
	tfy__free(r.input);
	tfy__price_table_free(r.prices);
	tfy__jrec_clear(&r.rec);
	return finish(&r, err);
}

tfy_code tfy_job_run(tfy_job *job, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!job)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "job must not be NULL");
	tfy_code rc = tfy__journal_lock(job->j, err);
	if (rc == TFY_OK)
		rc = tfy__journal_refresh(job->j, err);
	if (rc == TFY_OK)
		rc = run_locked(job, err);
	tfy__journal_unlock(job->j);
	return rc;
}
