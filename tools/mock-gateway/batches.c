/* The created batches and their state machine:
 *   validating (pace/4) -> in_progress (pace) -> finalizing (pace/4) -> completed
 * or failed after validating (a bad input file), expired part-way through
 * in_progress (an expire-batch fault, or metadata mock_outcome=expire),
 * cancelling (pace/4) then cancelled after a cancel.
 *
 * One mutex guards the list and every job's mutable state. Jobs live on the
 * heap and are never freed before the list, so a job can be used outside
 * the lock: its output, which may take a second for a large batch, is
 * written without holding up the other batches (the job shows finalizing,
 * or in_progress when it expires, until it is written). */
#include "batches.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "batch_input.h"
#include "batch_output.h"
#include "batch_params.h"
#include "flaky.h"
#include "respond.h"
#include "route.h"
#include "validate.h"

#define BATCH_ID_SIZE MGW_BATCH_ID_SIZE
#define ENDPOINT_SIZE 32
#define WINDOW_S 86400
#define UNSET (-1.0)
#define NO_EXPIRY (-1)

enum output { OUT_PENDING, OUT_WRITING, OUT_WRITTEN };

struct job {
	char id[BATCH_ID_SIZE];
	char input_file_id[MGW_ROUTE_ID_MAX];
	char endpoint[ENDPOINT_SIZE];
	char *model;         /* the input's first body.model, NULL when none */
	json_t *metadata;    /* NULL when none was given */
	double t0;           /* monotonic seconds at creation */
	double wall0;        /* the same instant in Unix seconds */
	bool outcome_expire; /* metadata mock_outcome=expire */
	int64_t keep;        /* requests answered when it expires; NO_EXPIRY: it runs to the end */
	json_t *errors;      /* validation errors' data, NULL when the input is good */
	int64_t total, failing;
	struct mgw_batch_input *input; /* a good input, until its output is written */
	double cancel_at;              /* seconds after t0, UNSET if never cancelled */
	enum output out;
	bool ended_taken;               /* handed out by mgw_batches_take_ended */
	struct mgw_batch_result result; /* once out is OUT_WRITTEN */
};

struct mgw_batches {
	pthread_mutex_t lock;
	struct mgw_batches_config cfg;
	struct mgw_flaky *flaky;
	unsigned long long next_id;
	struct job **jobs; /* in creation order */
	size_t count, cap;
};

/* What a job looks like at one moment: times are seconds after t0. */
struct view {
	const char *status;
	double in_progress, finalizing, completed, failed, expired, cancelling, cancelled;
	int64_t total, completed_n, failed_n;
};

static double monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct mgw_batches *mgw_batches_new(const struct mgw_batches_config *cfg)
{
	struct mgw_batches *b = calloc(1, sizeof *b);
	if (!b || !(b->flaky = mgw_flaky_new()) || pthread_mutex_init(&b->lock, NULL) != 0) {
		if (b)
			mgw_flaky_free(b->flaky);
		free(b);
		return NULL;
	}
	b->cfg = *cfg;
	return b;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->model);
	json_decref(j->metadata);
	json_decref(j->errors);
	mgw_batch_input_free(j->input);
	free(j);
}

void mgw_batches_free(struct mgw_batches *b)
{
	if (!b)
		return;
	for (size_t k = 0; k < b->count; k++)
		job_free(b->jobs[k]);
	free(b->jobs);
	mgw_flaky_free(b->flaky);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* ---- the clock --------------------------------------------------------- */

static void count_at(const struct job *j, double pace, double t, double start, struct view *v)
{
	double frac = pace > 0 ? (t - start) / pace : 1.0;
	frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	v->total = j->total;
	v->completed_n = (int64_t)floor((double)(j->total - j->failing) * frac);
	v->failed_n = (int64_t)floor((double)j->failing * frac);
}

/* When an expiring job expires: once the share it answers has run. */
static double expiry_of(const struct job *j, double pace)
{
	return pace / 4 + pace * (double)j->keep / (double)(j->total > 0 ? j->total : 1);
}

/* The state `t` seconds after creation had nobody cancelled. */
static void natural(const struct job *j, double pace, double t, struct view *v)
{
	double validated = pace / 4, ran = validated + pace;
	*v = (struct view){ "validating", UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, UNSET, 0, 0, 0 };
	if (t < validated)
		return;
	if (j->errors) {
		v->status = "failed";
		v->failed = validated;
		return;
	}
	v->status = "in_progress";
	v->in_progress = validated;
	if (j->keep != NO_EXPIRY && t >= expiry_of(j, pace)) {
		v->status = "expired";
		v->expired = expiry_of(j, pace);
		count_at(j, pace, v->expired, validated, v);
		return;
	}
	count_at(j, pace, t, validated, v);
	if (t < ran)
		return;
	v->status = "finalizing";
	v->finalizing = ran;
	if (t < ran + pace / 4)
		return;
	v->status = "completed";
	v->completed = ran + pace / 4;
}

static void view_at(const struct job *j, double pace, double t, struct view *v)
{
	if (j->cancel_at == UNSET || t < j->cancel_at) {
		natural(j, pace, t, v);
		return;
	}
	natural(j, pace, j->cancel_at, v);
	v->status = "cancelling";
	v->cancelling = j->cancel_at;
	if (t >= j->cancel_at + pace / 4) {
		v->status = "cancelled";
		v->cancelled = j->cancel_at + pace / 4;
	}
}

static bool is_terminal(const char *status)
{
	return strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
	       strcmp(status, "expired") == 0 || strcmp(status, "cancelled") == 0;
}

/* Completed and expired batches have output files. */
static bool wants_output(const struct view *v)
{
	return strcmp(v->status, "completed") == 0 || strcmp(v->status, "expired") == 0;
}

/* The job as clients see it now: a batch whose output is not written yet
 * is still finalizing (or in_progress, when it expires); a written one
 * counts what its files hold. Lock held. */
static void view_now(const struct job *j, double pace, struct view *v)
{
	view_at(j, pace, monotonic_s() - j->t0, v);
	if (!wants_output(v))
		return;
	if (j->out == OUT_WRITTEN) {
		v->completed_n = j->result.completed;
		v->failed_n = j->result.failed;
	} else if (strcmp(v->status, "completed") == 0) {
		v->status = "finalizing";
		v->completed = UNSET;
	} else {
		v->status = "in_progress";
		v->expired = UNSET;
	}
}

/* ---- the Batch object -------------------------------------------------- */

static json_t *stamp(const struct job *j, double offset)
{
	return offset == UNSET ? json_null() : json_integer((json_int_t)(j->wall0 + offset));
}

static json_t *file_id(const char *id)
{
	return id[0] ? json_string(id) : json_null();
}

static json_t *errors_of(const struct job *j)
{
	return j->errors ? json_pack("{s:s, s:O}", "object", "list", "data", j->errors) : json_null();
}

static json_t *batch_json(const struct job *j, const struct view *v)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "id", j->id, "object",
	                      "batch", "endpoint", j->endpoint, "model",
	                      j->model ? mgw_string_lossy(j->model) : json_null(), "errors",
	                      errors_of(j), "input_file_id", j->input_file_id, "completion_window",
	                      "24h", "status", v->status);
	bool written = j->out == OUT_WRITTEN;
	if (!o)
		return NULL;
	json_object_set_new(o, "output_file_id", file_id(written ? j->result.output_id : ""));
	json_object_set_new(o, "error_file_id", file_id(written ? j->result.error_id : ""));
	json_object_set_new(o, "created_at", stamp(j, 0));
	json_object_set_new(o, "in_progress_at", stamp(j, v->in_progress));
	json_object_set_new(o, "expires_at", stamp(j, WINDOW_S));
	json_object_set_new(o, "finalizing_at", stamp(j, v->finalizing));
	json_object_set_new(o, "completed_at", stamp(j, v->completed));
	json_object_set_new(o, "failed_at", stamp(j, v->failed));
	json_object_set_new(o, "expired_at", stamp(j, v->expired));
	json_object_set_new(o, "cancelling_at", stamp(j, v->cancelling));
	json_object_set_new(o, "cancelled_at", stamp(j, v->cancelled));
	json_object_set_new(o, "request_counts",
	                    json_pack("{s:I, s:I, s:I}", "total", (json_int_t)v->total, "completed",
	                              (json_int_t)v->completed_n, "failed", (json_int_t)v->failed_n));
	json_object_set_new(o, "usage", mgw_usage_json(&j->result.usage)); /* zeros until written */
	json_object_set_new(o, "metadata", j->metadata ? json_deep_copy(j->metadata) : json_null());
	return o;
}

/* ---- the output -------------------------------------------------------- */

/* Writes the job's output once its clock says completed or expired. The
 * first caller to find it due claims it and writes outside the lock; a
 * failed write is tried again by the next. Called without the lock. */
static void ensure_output(struct mgw_batches *b, struct job *j)
{
	struct mgw_batch_result r;
	struct mgw_batch_source src;
	struct mgw_batch_input *done = NULL;
	struct view v;
	bool claimed, ok;
	pthread_mutex_lock(&b->lock);
	view_at(j, b->cfg.pace_s, monotonic_s() - j->t0, &v);
	claimed = j->out == OUT_PENDING && wants_output(&v);
	if (claimed)
		j->out = OUT_WRITING;
	pthread_mutex_unlock(&b->lock);
	if (!claimed)
		return;
	/* The job's identity is fixed, and only the claimer touches the input. */
	src = (struct mgw_batch_source){ j->input, j->id, j->endpoint, (long long)j->wall0,
		                         (size_t)(strcmp(v.status, "expired") == 0 ? j->keep
		                                                                   : j->total) };
	memset(&r, 0, sizeof r);
	ok = mgw_batch_output_write(b->cfg.files, &src, &r);
	if (ok)
		mgw_batch_stats_lines(b->cfg.stats, r.completed + r.failed);
	pthread_mutex_lock(&b->lock);
	j->out = ok ? OUT_WRITTEN : OUT_PENDING;
	if (ok) {
		j->result = r;
		done = j->input;
		j->input = NULL;
	}
	pthread_mutex_unlock(&b->lock);
	mgw_batch_input_free(done);
}

/* The job as of now, its output written first when due. Called without the lock. */
static json_t *settle(struct mgw_batches *b, struct job *j)
{
	struct view v;
	json_t *obj;
	ensure_output(b, j);
	pthread_mutex_lock(&b->lock);
	view_now(j, b->cfg.pace_s, &v);
	obj = batch_json(j, &v);
	pthread_mutex_unlock(&b->lock);
	return obj;
}

/* ---- calls ------------------------------------------------------------- */

/* The job of `id`, or NULL. Lock held. */
static struct job *find(struct mgw_batches *b, const char *id)
{
	for (size_t k = 0; k < b->count; k++)
		if (strcmp(b->jobs[k]->id, id) == 0)
			return b->jobs[k];
	return NULL;
}

/* The job at `index` in creation order (below a count seen before). */
static struct job *job_at(struct mgw_batches *b, size_t index)
{
	struct job *j;
	pthread_mutex_lock(&b->lock);
	j = index < b->count ? b->jobs[index] : NULL;
	pthread_mutex_unlock(&b->lock);
	return j;
}

static json_t *no_such_file(const char *id, unsigned *status)
{
	*status = MHD_HTTP_NOT_FOUND;
	return mgw_error_body3("No such File object: ", id, "", "input_file_id", NULL);
}

static json_t *unreadable(unsigned *status)
{
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	return mgw_error_body("The mock gateway could not read the input file.", NULL, NULL);
}

/* Validates the kept input and reads what its answers need. NULL or an error. */
static json_t *read_input(struct mgw_batches *b, struct job *j, const char *path, unsigned *status)
{
	int rc = mock_validate_input(path, j->endpoint, &j->errors, &j->total);
	if (rc < 0)
		return unreadable(status);
	if (rc > 0) {
		j->model = mgw_batch_input_first_model(path);
		return NULL;
	}
	if (!(j->input = mgw_batch_input_read(path, b->flaky)) || (int64_t)j->input->count != j->total)
		return unreadable(status);
	j->failing = j->input->failing;
	if (j->input->model && !(j->model = strdup(j->input->model)))
		return unreadable(status);
	return NULL;
}

/* Checks the input file and fills in what the job needs to run; NULL or an error. */
static json_t *prepare(struct mgw_batches *b, struct job *j, unsigned *status)
{
	json_t *file = mgw_store_object(b->cfg.files, j->input_file_id), *err;
	const char *purpose = json_string_value(json_object_get(file, "purpose"));
	bool batch_file = purpose && strcmp(purpose, "batch") == 0;
	char *path;
	json_decref(file);
	if (!file)
		return no_such_file(j->input_file_id, status);
	*status = MHD_HTTP_BAD_REQUEST;
	if (!batch_file)
		return mgw_error_body("The input file must have purpose 'batch'.", "input_file_id",
		                      "invalid_value");
	/* A private link: a delete of the file meanwhile cannot pull it away. */
	if (!(path = mgw_store_keep(b->cfg.files, j->input_file_id, j->id)))
		return unreadable(status);
	err = read_input(b, j, path, status);
	unlink(path);
	free(path);
	return err;
}

/* An expire-batch fault (the request's own, else the run's) or metadata
 * mock_outcome=expire makes a good batch expire with the first `keep`
 * requests answered. */
static void choose_expiry(struct mgw_batches *b, struct job *j, const struct mgw_fault *header)
{
	struct mgw_fault f;
	bool fault = header ? header->kind == MGW_FAULT_EXPIRE_BATCH &&
	                              mgw_fault_matches_metadata(header, j->metadata)
	                    : mgw_fault_plan_take_batch(b->cfg.faults, j->metadata, &f);
	j->keep = NO_EXPIRY;
	if (j->errors)
		return;
	if (fault && header)
		f = *header;
	if (fault && f.lines_set)
		j->keep = f.lines < (unsigned long)j->total ? (int64_t)f.lines : j->total;
	else if (fault)
		j->keep = (int64_t)floor(f.fraction * (double)j->total);
	else if (j->outcome_expire)
		j->keep = j->total / 2;
}

static bool append(struct mgw_batches *b, struct job *j)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct job **grown = realloc(b->jobs, cap * sizeof *grown);
		if (!grown)
			return false;
		b->jobs = grown;
		b->cap = cap;
	}
	b->jobs[b->count++] = j;
	return true;
}

static void fill_from_request(struct job *j, const json_t *req)
{
	json_t *metadata = json_object_get(req, "metadata");
	const char *outcome = json_string_value(json_object_get(metadata, "mock_outcome"));
	snprintf(j->input_file_id, sizeof j->input_file_id, "%s",
	         json_string_value(json_object_get(req, "input_file_id")));
	snprintf(j->endpoint, sizeof j->endpoint, "%s",
	         json_string_value(json_object_get(req, "endpoint")));
	if (json_is_object(metadata))
		j->metadata = json_deep_copy(metadata);
	j->outcome_expire = outcome && strcmp(outcome, "expire") == 0;
	j->cancel_at = UNSET;
}

json_t *mgw_batches_create(struct mgw_batches *b, const json_t *req, const struct mgw_fault *header,
                           unsigned *status)
{
	struct job *j;
	json_t *err = mgw_batch_params_error(req);
	bool listed;
	*status = MHD_HTTP_BAD_REQUEST;
	if (err)
		return err;
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (!(j = calloc(1, sizeof *j)))
		return mgw_error_body("out of memory", NULL, NULL);
	fill_from_request(j, req);
	pthread_mutex_lock(&b->lock);
	snprintf(j->id, sizeof j->id, "batch_mock%016llx", ++b->next_id);
	pthread_mutex_unlock(&b->lock);
	/* Validation reads the whole file: outside the lock. */
	if ((err = prepare(b, j, status)) != NULL) {
		job_free(j);
		return err;
	}
	choose_expiry(b, j, header);
	j->t0 = monotonic_s();
	j->wall0 = wall_s();
	pthread_mutex_lock(&b->lock);
	listed = append(b, j);
	pthread_mutex_unlock(&b->lock);
	if (!listed) {
		job_free(j);
		return mgw_error_body("out of memory", NULL, NULL);
	}
	mgw_batch_stats_created(b->cfg.stats, j->metadata);
	*status = MHD_HTTP_OK;
	return settle(b, j);
}

static json_t *no_such_batch(const char *id, unsigned *status)
{
	*status = MHD_HTTP_NOT_FOUND;
	return mgw_error_body3("No batch found with id '", id, "'.", "batch_id", NULL);
}

json_t *mgw_batches_retrieve(struct mgw_batches *b, const char *id, unsigned *status)
{
	struct job *j;
	pthread_mutex_lock(&b->lock);
	j = find(b, id);
	pthread_mutex_unlock(&b->lock);
	if (!j)
		return no_such_batch(id, status);
	*status = MHD_HTTP_OK;
	return settle(b, j);
}

json_t *mgw_batches_cancel(struct mgw_batches *b, const char *id, unsigned *status)
{
	struct job *j;
	struct view v;
	char message[128] = "";
	pthread_mutex_lock(&b->lock);
	if ((j = find(b, id)) != NULL) {
		double now = monotonic_s() - j->t0;
		view_at(j, b->cfg.pace_s, now, &v);
		if (is_terminal(v.status))
			snprintf(message, sizeof message, "Cannot cancel a batch with status '%s'.",
			         v.status);
		else if (j->cancel_at == UNSET)
			j->cancel_at = now;
	}
	pthread_mutex_unlock(&b->lock);
	if (!j)
		return no_such_batch(id, status);
	*status = message[0] ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK;
	return message[0] ? mgw_error_body(message, NULL, "invalid_state") : settle(b, j);
}

size_t mgw_batches_count(struct mgw_batches *b)
{
	size_t n;
	pthread_mutex_lock(&b->lock);
	n = b->count;
	pthread_mutex_unlock(&b->lock);
	return n;
}

bool mgw_batches_find(struct mgw_batches *b, const char *id, size_t *index)
{
	bool found = false;
	pthread_mutex_lock(&b->lock);
	for (size_t k = 0; k < b->count && !found; k++) {
		if (strcmp(b->jobs[k]->id, id) == 0) {
			*index = b->count - 1 - k;
			found = true;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return found;
}

json_t *mgw_batches_slice(struct mgw_batches *b, size_t start, size_t limit)
{
	json_t *items = json_array();
	size_t count = mgw_batches_count(b); /* later creates do not shift the page */
	for (size_t k = start; items && k < count && k - start < limit; k++)
		json_array_append_new(items, settle(b, job_at(b, count - 1 - k)));
	return items;
}

/* When the view's terminal state began, in seconds after t0. */
static double ended_at(const struct view *v)
{
	return v->completed != UNSET ? v->completed
	     : v->failed != UNSET    ? v->failed
	     : v->expired != UNSET   ? v->expired
	                             : v->cancelled;
}

/* Hands `j` out into `out` if it has ended and was not handed out before. */
static bool take_if_ended(struct mgw_batches *b, struct job *j, struct mgw_batch_ended *out)
{
	struct view v;
	bool taken;
	pthread_mutex_lock(&b->lock);
	taken = j->ended_taken;
	pthread_mutex_unlock(&b->lock);
	if (taken)
		return false;
	ensure_output(b, j);
	pthread_mutex_lock(&b->lock);
	view_now(j, b->cfg.pace_s, &v);
	taken = !j->ended_taken && is_terminal(v.status);
	if (taken) {
		j->ended_taken = true;
		snprintf(out->id, sizeof out->id, "%s", j->id);
		snprintf(out->status, sizeof out->status, "%s", v.status);
		out->at = (long long)(j->wall0 + ended_at(&v));
	}
	pthread_mutex_unlock(&b->lock);
	return taken;
}

size_t mgw_batches_take_ended(struct mgw_batches *b, struct mgw_batch_ended *out, size_t max)
{
	size_t n = 0;
	struct job *j;
	for (size_t k = 0; n < max && (j = job_at(b, k)) != NULL; k++)
		n += take_if_ended(b, j, &out[n]);
	return n;
}
