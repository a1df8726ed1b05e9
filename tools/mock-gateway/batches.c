/* The created batches and their state machine:
 *   validating (pace/4) -> in_progress (pace) -> finalizing (pace/4) -> completed
 * or failed after validating (a bad input file), expired half-way through
 * in_progress (metadata mock_outcome=expire), cancelling (pace/4) then
 * cancelled after a cancel. One mutex: connections run on their own threads. */
#include "batches.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "batch_output.h"
#include "batch_params.h"
#include "respond.h"
#include "route.h"
#include "validate.h"

#define BATCH_ID_SIZE MGW_BATCH_ID_SIZE
#define ENDPOINT_SIZE 32
#define WINDOW_S 86400
#define UNSET (-1.0)

struct job {
	char id[BATCH_ID_SIZE];
	char input_file_id[MGW_ROUTE_ID_MAX];
	char endpoint[ENDPOINT_SIZE];
	char *model;      /* the input's first body.model, NULL when none */
	json_t *metadata; /* NULL when none was given */
	double t0;        /* monotonic seconds at creation */
	double wall0;     /* the same instant in Unix seconds */
	bool expire;
	json_t *errors; /* validation errors' data, NULL when the input is good */
	int64_t total, failing;
	char *input_path; /* a private link to the input until the output is written */
	double cancel_at; /* seconds after t0, UNSET if never cancelled */
	bool written;
	bool ended_taken; /* handed out by mgw_batches_take_ended */
	char output_id[MGW_FILE_ID_SIZE], error_id[MGW_FILE_ID_SIZE];
	struct mgw_usage usage; /* summed from the output once written; zeros before */
};

struct mgw_batches {
	pthread_mutex_t lock;
	struct mgw_store *files;
	double pace;
	unsigned long long next_id;
	struct job *jobs; /* in creation order */
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

struct mgw_batches *mgw_batches_new(struct mgw_store *files, double pace_s)
{
	struct mgw_batches *b = calloc(1, sizeof *b);
	if (!b || pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return NULL;
	}
	b->files = files;
	b->pace = pace_s;
	return b;
}

static void job_free(struct job *j)
{
	free(j->model);
	json_decref(j->metadata);
	json_decref(j->errors);
	if (j->input_path)
		unlink(j->input_path);
	free(j->input_path);
}

void mgw_batches_free(struct mgw_batches *b)
{
	if (!b)
		return;
	for (size_t k = 0; k < b->count; k++)
		job_free(&b->jobs[k]);
	free(b->jobs);
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

/* The state `t` seconds after creation had nobody cancelled. */
static void natural(const struct job *j, double pace, double t, struct view *v)
{
	double validated = pace / 4, expiry = validated + pace / 2, ran = validated + pace;
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
	if (j->expire && t >= expiry) {
		v->status = "expired";
		v->expired = expiry;
		count_at(j, pace, expiry, validated, v);
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
	if (!o)
		return NULL;
	json_object_set_new(o, "output_file_id", file_id(j->output_id));
	json_object_set_new(o, "error_file_id", file_id(j->error_id));
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
	json_object_set_new(o, "usage", mgw_usage_json(&j->usage));
	json_object_set_new(o, "metadata", j->metadata ? json_deep_copy(j->metadata) : json_null());
	return o;
}

/* The output is written once, by the first access that finds the job
 * completed; a failed write is tried again on the next. Lock held. */
static void write_output(struct mgw_batches *b, struct job *j)
{
	struct mgw_batch_source src = { j->input_path, j->id, j->endpoint, (long long)j->wall0 };
	if (j->written || !j->input_path ||
	    !mgw_batch_output_write(b->files, &src, j->output_id, j->error_id, &j->usage))
		return;
	j->written = true;
	unlink(j->input_path);
	free(j->input_path);
	j->input_path = NULL;
}

/* The job as of now; lock held. */
static json_t *current(struct mgw_batches *b, struct job *j)
{
	struct view v;
	view_at(j, b->pace, monotonic_s() - j->t0, &v);
	if (strcmp(v.status, "completed") == 0)
		write_output(b, j);
	return batch_json(j, &v);
}

/* ---- calls ------------------------------------------------------------- */

static struct job *find(struct mgw_batches *b, const char *id)
{
	for (size_t k = 0; k < b->count; k++)
		if (strcmp(b->jobs[k].id, id) == 0)
			return &b->jobs[k];
	return NULL;
}

static json_t *no_such_file(const char *id, unsigned *status)
{
	*status = MHD_HTTP_NOT_FOUND;
	return mgw_error_body3("No such File object: ", id, "", "input_file_id", NULL);
}

/* Checks the input file and fills in what the job needs to run; NULL or an error. */
static json_t *prepare(struct mgw_batches *b, struct job *j, unsigned *status)
{
	json_t *file = mgw_store_object(b->files, j->input_file_id);
	const char *purpose = json_string_value(json_object_get(file, "purpose"));
	bool batch_file = purpose && strcmp(purpose, "batch") == 0;
	int rc;
	json_decref(file);
	if (!file)
		return no_such_file(j->input_file_id, status);
	*status = MHD_HTTP_BAD_REQUEST;
	if (!batch_file)
		return mgw_error_body("The input file must have purpose 'batch'.", "input_file_id",
		                      "invalid_value");
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (!(j->input_path = mgw_store_keep(b->files, j->input_file_id, j->id)))
		return mgw_error_body("The mock gateway could not read the input file.", NULL, NULL);
	rc = mock_validate_input(j->input_path, j->endpoint, &j->errors, &j->total);
	if (rc == 0)
		j->failing = mgw_batch_output_failing(j->input_path);
	j->model = mgw_batch_output_model(j->input_path);
	if (rc < 0 || j->failing < 0)
		return mgw_error_body("The mock gateway could not read the input file.", NULL, NULL);
	return NULL;
}

static bool append(struct mgw_batches *b, const struct job *j)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct job *grown = realloc(b->jobs, cap * sizeof *grown);
		if (!grown)
			return false;
		b->jobs = grown;
		b->cap = cap;
	}
	b->jobs[b->count++] = *j;
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
	j->expire = outcome && strcmp(outcome, "expire") == 0;
	j->cancel_at = UNSET;
}

json_t *mgw_batches_create(struct mgw_batches *b, const json_t *req, unsigned *status)
{
	struct job j;
	json_t *err = mgw_batch_params_error(req), *obj = NULL;
	bool listed;
	*status = MHD_HTTP_BAD_REQUEST;
	if (err)
		return err;
	memset(&j, 0, sizeof j);
	fill_from_request(&j, req);
	pthread_mutex_lock(&b->lock);
	snprintf(j.id, sizeof j.id, "batch_mock%016llx", ++b->next_id);
	pthread_mutex_unlock(&b->lock);
	/* Validation reads the whole file: outside the lock. */
	if ((err = prepare(b, &j, status)) != NULL) {
		job_free(&j);
		return err;
	}
	j.t0 = monotonic_s();
	j.wall0 = wall_s();
	pthread_mutex_lock(&b->lock);
	listed = append(b, &j);
	if (listed)
		obj = current(b, &b->jobs[b->count - 1]);
	pthread_mutex_unlock(&b->lock);
	if (!listed)
		job_free(&j);
	*status = obj ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR;
	return obj ? obj : mgw_error_body("out of memory", NULL, NULL);
}

static json_t *no_such_batch(const char *id, unsigned *status)
{
	*status = MHD_HTTP_NOT_FOUND;
	return mgw_error_body3("No batch found with id '", id, "'.", "batch_id", NULL);
}

json_t *mgw_batches_retrieve(struct mgw_batches *b, const char *id, unsigned *status)
{
	struct job *j;
	json_t *obj = NULL;
	pthread_mutex_lock(&b->lock);
	if ((j = find(b, id)) != NULL)
		obj = current(b, j);
	pthread_mutex_unlock(&b->lock);
	if (!j)
		return no_such_batch(id, status);
	*status = MHD_HTTP_OK;
	return obj;
}

json_t *mgw_batches_cancel(struct mgw_batches *b, const char *id, unsigned *status)
{
	struct job *j;
	struct view v;
	json_t *obj = NULL;
	char message[128] = "";
	pthread_mutex_lock(&b->lock);
	if ((j = find(b, id)) != NULL) {
		double now = monotonic_s() - j->t0;
		view_at(j, b->pace, now, &v);
		if (is_terminal(v.status))
			snprintf(message, sizeof message, "Cannot cancel a batch with status '%s'.",
			         v.status);
		else if (j->cancel_at == UNSET)
			j->cancel_at = now;
		if (!message[0])
			obj = current(b, j);
	}
	pthread_mutex_unlock(&b->lock);
	if (!j)
		return no_such_batch(id, status);
	*status = message[0] ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK;
	return message[0] ? mgw_error_body(message, NULL, "invalid_state") : obj;
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
		if (strcmp(b->jobs[k].id, id) == 0) {
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
	pthread_mutex_lock(&b->lock);
	for (size_t k = start; items && k < b->count && k - start < limit; k++)
		json_array_append_new(items, current(b, &b->jobs[b->count - 1 - k]));
	pthread_mutex_unlock(&b->lock);
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

size_t mgw_batches_take_ended(struct mgw_batches *b, struct mgw_batch_ended *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&b->lock);
	for (size_t k = 0; k < b->count && n < max; k++) {
		struct job *j = &b->jobs[k];
		struct view v;
		if (j->ended_taken)
			continue;
		view_at(j, b->pace, monotonic_s() - j->t0, &v);
		if (!is_terminal(v.status))
			continue;
		if (strcmp(v.status, "completed") == 0)
			write_output(b, j);
		j->ended_taken = true;
		snprintf(out[n].id, sizeof out[n].id, "%s", j->id);
		snprintf(out[n].status, sizeof out[n].status, "%s", v.status);
		out[n].at = (long long)(j->wall0 + ended_at(&v));
		n++;
	}
	pthread_mutex_unlock(&b->lock);
	return n;
}
