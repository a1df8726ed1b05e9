/*
 * A job (job.h): its options, opening its directory, its status and its
 * cancel.  The run is in job_run.c, the journal in job_journal.c, the data
 * path (planning, settling, merging) in job_data.c.
 */
#define _GNU_SOURCE
#include "tfy/job.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "client_internal.h"
#include "error_internal.h"
#include "files_internal.h"
#include "job_internal.h"
#include "options.h"
#include "tfy/check.h"
#include "tfy/iter.h"
#include "tfy/jobs.h"

/* Bytes of each version of tfy_job_options, oldest first. */
static const size_t job_options_sizes[] = { sizeof(tfy_job_options) };

tfy_code tfy_job_options_init(tfy_job_options *opts, uint32_t version)
{
	tfy_code rc = tfy__options_init(opts, version, job_options_sizes, TFY_JOB_OPTIONS_VERSION);
	if (rc == TFY_OK)
		opts->retries = TFY_JOB_RETRIES_DEFAULT; /* as TFY_JOB_OPTIONS_INIT */
	return rc;
}

static tfy_code bad(tfy_error **err, const char *why)
{
	return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why);
}

static tfy_code oom(tfy_error **err)
{
	return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
}

static tfy_code check_options(const tfy_job_options *o, tfy_error **err)
{
	if (o->reserved_ || o->reserved2_)
		return bad(err, "tfy_job_options: reserved fields must be 0");
	if (!o->directory || !*o->directory)
		return bad(err, "tfy_job_options.directory must not be NULL or empty");
	if ((o->input_path && !*o->input_path) || (o->endpoint && o->endpoint[0] != '/'))
		return bad(err, "input_path must not be empty, and endpoint must be a path starting with "
		                "\"/\" such as \"/v1/chat/completions\"");
	if (o->completion_window && !*o->completion_window)
		return bad(err, "completion_window must be NULL or not empty");
	if (o->max_requests < 0 || o->max_bytes < 0 || o->max_enqueued_tokens < 0)
		return bad(err, "max_requests, max_bytes and max_enqueued_tokens must be 0 (the "
		                "default) or more");
	if (o->concurrency < 0 || o->concurrency > TFY_JOB_CONCURRENCY_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "concurrency must be 0 (the default) to %d",
		                      TFY_JOB_CONCURRENCY_MAX);
	if (o->retries < 0 || o->retries > TFY_JOB_RETRIES_MAX)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "retries must be 0 to %d",
		                      TFY_JOB_RETRIES_MAX);
	if (o->provider_kind < TFY_PROVIDER_KIND_OPENAI || o->provider_kind > TFY_PROVIDER_KIND_VERTEX)
		return bad(err, "provider_kind must be a TFY_PROVIDER_KIND_* value");
	if (o->price_path && !*o->price_path)
		return bad(err, "price_path must be NULL or not empty");
	return TFY_OK;
}

/* A copy of s in the job's arena (NULL stays NULL); -1 when memory runs out. */
static int keep(tfy_job *job, const char **slot)
{
	if (!*slot)
		return 0;
	*slot = tfy__arena_strndup(job->copies, *slot, strlen(*slot));
	return *slot ? 0 : -1;
}

static tfy_code read_options(tfy_job *job, const tfy_job_options *src, tfy_error **err)
{
	const tfy_job_options defaults = TFY_JOB_OPTIONS_INIT;
	tfy_job_options *o = &job->o;
	*o = defaults;
	tfy_code rc = tfy__options_read(o, src, job_options_sizes, TFY_JOB_OPTIONS_VERSION,
	                                "tfy_job_options", err);
	if (rc == TFY_OK)
		rc = check_options(o, err);
	tfy_request_options read;
	if (rc == TFY_OK)
		rc = tfy__request_options_read(o->request, &read, err);
	if (rc != TFY_OK)
		return rc;
	if (keep(job, &o->directory) < 0 || keep(job, &o->input_path) < 0 ||
	    keep(job, &o->endpoint) < 0 || keep(job, &o->completion_window) < 0 ||
	    keep(job, &o->price_path) < 0 ||
	    tfy__request_options_copy(job->copies, &read, &job->request) < 0)
		return oom(err);
	o->request = NULL;
	if (!o->concurrency)
		o->concurrency = TFY_JOB_CONCURRENCY_DEFAULT;
	return TFY_OK;
}

/* ---- the job record ------------------------------------------------------------------- */

static int64_t limit_or(int64_t v, int64_t dflt)
{
	return v ? v : dflt;
}

static int64_t min_requests_of(int32_t provider_kind)
{
	return provider_kind == TFY_PROVIDER_KIND_BEDROCK ? TFY_INPUT_BEDROCK_MIN_REQUESTS : 0;
}

/* The input's absolute path, for the journal: the job may be resumed from another directory. */
static tfy_code input_of(const tfy_job *job, char *abs, tfy_error **err)
{
	struct stat sb;
	if (!realpath(job->o.input_path, abs) || stat(abs, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		char why[TFY__IO_WHY_MAX];
		snprintf(why, sizeof(why), "the input %s: %s", job->o.input_path,
		         errno ? strerror(errno) : "not a regular file");
		return tfy__io_error(why, err);
	}
	return TFY_OK;
}

static tfy_code write_job_record(tfy_job *job, tfy_error **err)
{
	char abs[PATH_MAX];
	char id[TFY__JOB_ID_LEN + 1];
	errno = 0;
	tfy_code rc = input_of(job, abs, err);
	if (rc != TFY_OK)
		return rc;
	if (tfy__job_id_new(id) < 0)
		return tfy__error_set(err, TFY_ERROR_IO, "I/O error: getrandom: %s", strerror(errno));
	const tfy_job_options *o = &job->o;
	tfy__jrec b = TFY__JREC_INIT;
	tfy__jrec_begin(&b, "job");
	tfy__jrec_int(&b, "v", 1);
	tfy__jrec_str(&b, "id", id);
	tfy__jrec_str(&b, "input", abs);
	tfy__jrec_str(&b, "endpoint", o->endpoint);
	tfy__jrec_str(&b, "window",
	              o->completion_window ? o->completion_window : TFY_COMPLETION_WINDOW_DEFAULT);
	tfy__jrec_int(&b, "max_requests", limit_or(o->max_requests, TFY_JOB_MAX_REQUESTS_DEFAULT));
	tfy__jrec_int(&b, "max_bytes", limit_or(o->max_bytes, TFY_JOB_MAX_BYTES_DEFAULT));
	tfy__jrec_int(&b, "max_tokens", o->max_enqueued_tokens);
	tfy__jrec_int(&b, "min_requests", min_requests_of(o->provider_kind));
	tfy__jrec_int(&b, "retries", o->retries);
	tfy__jrec_int(&b, "provider", o->provider_kind);
	tfy__jrec_int(&b, "started", (int64_t)time(NULL));
	rc = tfy__journal_append(job->j, &b, err);
	tfy__jrec_clear(&b);
	return rc;
}

/* The caller's options against the journal's job: what they give must be what it holds. */
static tfy_code check_against(tfy_job *job, tfy_error **err)
{
	const tfy__jstate *st = tfy__journal_state(job->j);
	const tfy_job_options *o = &job->o;
	const char *differs = NULL;
	char abs[PATH_MAX];
	if (o->input_path && (!realpath(o->input_path, abs) || strcmp(abs, st->input) != 0))
		differs = "input_path";
	else if (o->endpoint && strcmp(o->endpoint, st->endpoint) != 0)
		differs = "endpoint";
	else if (o->completion_window && st->window && strcmp(o->completion_window, st->window) != 0)
		differs = "completion_window";
	else if ((o->max_requests && o->max_requests != st->max_requests) ||
	         (o->max_bytes && o->max_bytes != st->max_bytes) ||
	         (o->max_enqueued_tokens && o->max_enqueued_tokens != st->max_tokens))
		differs = "a limit (max_requests, max_bytes or max_enqueued_tokens)";
	if (!differs)
		return TFY_OK;
	return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
	                      "the job in %s was made with another %s; use another directory for "
	                      "another job",
	                      o->directory, differs);
}

static tfy_code open_journal(tfy_job *job, tfy_error **err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/journal", job->o.directory);
	int exists = access(path, F_OK) == 0;
	if (!exists && (!job->o.input_path || !job->o.endpoint))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s holds no job: input_path and endpoint are required for a new "
		                      "one",
		                      job->o.directory);
	tfy_code rc = tfy__journal_open(job->o.directory, !exists, &job->j, err);
	if (rc != TFY_OK)
		return rc;
	if (tfy__journal_state(job->j)->has_job)
		return check_against(job, err);
	if (!job->o.input_path || !job->o.endpoint)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s holds no job: input_path and endpoint are required for a new "
		                      "one",
		                      job->o.directory);
	return write_job_record(job, err);
}

tfy_code tfy_job_open(tfy_client *client, const tfy_job_options *opts, tfy_job **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!client || !opts || !out)
		return bad(err, "client, opts and out must not be NULL");
	tfy_job *job = tfy__calloc(1, sizeof(*job));
	if (job)
		job->copies = tfy__arena_new(1024);
	if (!job || !job->copies) {
		tfy__free(job);
		return oom(err);
	}
	tfy__client_hold(client);
	job->client = client;
	tfy_code rc = read_options(job, opts, err);
	if (rc == TFY_OK)
		rc = open_journal(job, err);
	if (rc != TFY_OK) {
		tfy_job_free(job);
		return rc;
	}
	*out = job;
	return TFY_OK;
}

void tfy_job_free(tfy_job *job)
{
	if (!job)
		return;
	tfy__journal_close(job->j);
	tfy__arena_free(job->copies);
	if (job->client)
		tfy__client_release(job->client);
	tfy__free(job);
}

char *tfy__job_round_input(const tfy_job *job, int32_t round)
{
	if (round == 0)
		return tfy__strdup(tfy__journal_state(job->j)->input);
	return tfy__job_round_path(tfy__journal_dir(job->j), round);
}

/* ---- finding a batch whose create was not seen to end --------------------------------- */

/* The shard a batch's metadata names, when it is one of this job's. */
static tfy__jshard *shard_of(tfy_job *job, const tfy_batch *b)
{
	const char *id = NULL, *shard = NULL, *round = NULL;
	for (size_t i = 0; i < b->metadata_count; i++) {
		const tfy_metadata_entry *m = b->metadata[i];
		if (!m->value)
			continue;
		if (strcmp(m->key, TFY__JOB_META_ID) == 0)
			id = m->value;
		else if (strcmp(m->key, TFY__JOB_META_SHARD) == 0)
			shard = m->value;
		else if (strcmp(m->key, TFY__JOB_META_ROUND) == 0)
			round = m->value;
	}
	if (!id || !shard || !round || strcmp(id, tfy__journal_state(job->j)->id) != 0)
		return NULL;
	char *end1 = NULL, *end2 = NULL;
	long s = strtol(shard, &end1, 10), r = strtol(round, &end2, 10);
	if (*end1 || *end2 || s < 0 || r < 0 || s > INT32_MAX || r > INT32_MAX)
		return NULL;
	return tfy__journal_shard(job->j, (int32_t)r, (int32_t)s);
}

static size_t pending_creates(const tfy__jstate *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->shards_count; i++)
		n += st->shards[i].create_intent && !st->shards[i].batch_id;
	return n;
}

tfy_code tfy__job_search(tfy_job *job, tfy__job_found_fn found, void *userdata, tfy_error **err)
{
	const tfy__jstate *st = tfy__journal_state(job->j);
	size_t pending = pending_creates(st);
	if (!pending)
		return TFY_OK;
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 100;
	lo.request = &job->request;
	tfy_batch_iter *it = NULL;
	tfy_code rc = tfy_batch_iter_new(job->client, &lo, &it, err);
	int64_t oldest = st->started - TFY_RECONCILE_CLOCK_TOLERANCE_SECONDS;
	while (rc == TFY_OK && pending) {
		const tfy_batch *b = NULL;
		rc = tfy_batch_iter_next(it, &b, err);
		if (rc != TFY_OK || !b)
			break;
		if (b->created_at.present && b->created_at.value < oldest)
			break;
		tfy__jshard *s = shard_of(job, b);
		if (!s || !s->create_intent || s->batch_id || !b->id)
			continue;
		rc = found(userdata, s, b, err);
		pending--;
	}
	tfy_batch_iter_free(it);
	return rc;
}

/* ---- status ------------------------------------------------------------------------------ */

typedef struct summary_block {
	tfy_job_summary s; /* first: the caller's pointer is the block's */
	tfy__arena *a;
} summary_block;

static const char *arena_copy(tfy__arena *a, const char *s, int *failed)
{
	if (!s)
		return NULL;
	const char *c = tfy__arena_strndup(a, s, strlen(s));
	*failed |= !c;
	return c;
}

static const char *arena_path(tfy__arena *a, const char *dir, const char *name, int *failed)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return arena_copy(a, path, failed);
}

static void usage_add(tfy_job_usage *to, const tfy_job_usage *u)
{
	to->requests += u->requests;
	to->failed += u->failed;
	to->prompt_tokens += u->prompt_tokens;
	to->completion_tokens += u->completion_tokens;
	to->cached_tokens += u->cached_tokens;
	to->reasoning_tokens += u->reasoning_tokens;
	to->cost += u->cost;
}

static int32_t state_of(const tfy__jstate *st)
{
	if (st->cancelled)
		return TFY_JOB_STATE_CANCELLED;
	if (st->done)
		return TFY_JOB_STATE_DONE;
	return st->rounds_count && st->rounds[0].planned ? TFY_JOB_STATE_RUNNING : TFY_JOB_STATE_NEW;
}

static void fill_shards(tfy_job_summary *s, tfy_job_shard *shards, const tfy__jstate *st,
                        tfy__arena *a, int *failed)
{
	int costed = 1, settled = 0;
	for (size_t i = 0; i < st->shards_count; i++) {
		const tfy__jshard *js = &st->shards[i];
		tfy_job_shard *d = &shards[i];
		d->round = js->round;
		d->index = js->index;
		d->requests = js->plan.requests;
		d->bytes = js->plan.bytes;
		d->file_id = arena_copy(a, js->file_id, failed);
		d->batch_id = arena_copy(a, js->batch_id, failed);
		d->status = arena_copy(a, js->status, failed);
		d->usage = js->usage;
		if (js->settled) {
			settled++;
			costed &= js->usage.has_cost != 0;
			usage_add(&s->usage, &js->usage);
			if (!st->merged) {
				s->succeeded += js->ok;
				s->failed += js->lost;
			}
		}
	}
	s->usage.has_cost = settled && costed;
	if (!s->usage.has_cost)
		s->usage.cost = 0;
}

tfy_code tfy_job_status(tfy_job *job, tfy_job_summary **out, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	if (!job || !out)
		return bad(err, "job and out must not be NULL");
	tfy_code rc = tfy__journal_refresh(job->j, err);
	if (rc != TFY_OK)
		return rc;
	const tfy__jstate *st = tfy__journal_state(job->j);
	tfy__arena *a = tfy__arena_new(1024);
	summary_block *blk = a ? tfy__arena_alloc(a, sizeof(*blk)) : NULL;
	tfy_job_shard *shards = blk && st->shards_count
	                              ? tfy__arena_alloc(a, st->shards_count * sizeof(*shards))
	                              : NULL;
	if (!blk || (st->shards_count && !shards)) {
		tfy__arena_free(a);
		return oom(err);
	}
	memset(blk, 0, sizeof(*blk));
	if (shards)
		memset(shards, 0, st->shards_count * sizeof(*shards));
	blk->a = a;
	tfy_job_summary *s = &blk->s;
	int failed = 0;
	const char *dir = tfy__journal_dir(job->j);
	s->job_id = arena_copy(a, st->id, &failed);
	s->directory = arena_copy(a, dir, &failed);
	s->state = state_of(st);
	s->rounds = st->rounds_count;
	s->requests = st->rounds_count ? st->rounds[0].requests : 0;
	s->shards_count = st->shards_count;
	s->shards = shards;
	s->output_path = arena_path(a, dir, "output.jsonl", &failed);
	s->errors_path = arena_path(a, dir, "errors.jsonl", &failed);
	fill_shards(s, shards, st, a, &failed);
	if (st->merged) {
		s->succeeded = st->succeeded;
		s->failed = st->failed;
	}
	s->usage.requests = s->succeeded;
	s->usage.failed = s->failed;
	if (failed) {
		tfy__arena_free(a);
		return oom(err);
	}
	*out = s;
	return TFY_OK;
}

void tfy_job_summary_free(tfy_job_summary *summary)
{
	if (summary)
		tfy__arena_free(((summary_block *)summary)->a);
}

/* ---- cancel -------------------------------------------------------------------------------- */

tfy_code tfy_job_cancel(tfy_job *job, tfy_error **err)
{
	if (err)
		*err = NULL;
	if (!job)
		return bad(err, "job must not be NULL");
	tfy_code rc = tfy__journal_refresh(job->j, err);
	const tfy__jstate *st = tfy__journal_state(job->j);
	if (rc != TFY_OK || st->done)
		return rc;
	if (!st->cancelled) {
		tfy__jrec b = TFY__JREC_INIT;
		tfy__jrec_begin(&b, "cancelled");
		rc = tfy__journal_append(job->j, &b, err);
		tfy__jrec_clear(&b);
		if (rc != TFY_OK)
			return rc;
	}
	tfy_code first = TFY_OK;
	for (size_t i = 0; i < st->shards_count; i++) {
		const tfy__jshard *s = &st->shards[i];
		if (!s->batch_id || s->ended)
			continue;
		tfy_batch *b = NULL;
		tfy_error *e = NULL;
		rc = tfy_batches_cancel(job->client, s->batch_id, &job->request, &b, &e);
		tfy_batch_free(b);
		/* A batch that ended meanwhile refuses the cancel (400, 409): it is not live. */
		int ended = rc == TFY_ERROR_BAD_REQUEST || rc == TFY_ERROR_CONFLICT;
		if (rc != TFY_OK && !ended && first == TFY_OK) {
			first = rc;
			if (err)
				*err = e;
			e = NULL;
		}
		tfy_error_free(e);
	}
	return first;
}
