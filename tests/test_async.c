/*
 * The event-loop API (tfy/async.h), driven by a small poll(2) loop of the
 * test's own that implements the hooks: every start form against
 * tfy-mock-gateway (and the raw server for scripted answers), with the
 * blocking tests' assertions, and the workflow's faults: an unknown
 * outcome on create (reconciled, one POST), a dropped download (retried,
 * no partial file), 429 with Retry-After (a timer: nothing blocks), a
 * deadline, a cancel mid-transfer, a driver freed with calls pending, many
 * calls at once.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rawserver.h"
#include "testutil.h"
#include "tfy/tfy.h"

/* ---- the driver: tests/testutil.c's poll(2) loop ------------------------------ */

typedef tu_async_driver driver;

static tfy_async *drv_new(tfy_client *c, driver *d)
{
	tfy_async *as = NULL;
	assert_int_equal(tu_async_new(c, d, &as), TFY_OK);
	assert_non_null(as);
	return as;
}

static void drv_once(tfy_async *as, driver *d)
{
	assert_int_equal(tu_async_once(as, d), 0);
}

/* Drives until nothing is pending (bounded, so that a bug fails rather than hangs). */
static void drv_run(tfy_async *as, driver *d)
{
	assert_int_equal(tu_async_run(as, d, 60 * tu_slowdown()), 0);
}

/* ---- what callbacks were told ---------------------------------------------- */

typedef struct told {
	int called;
	int order;
	tfy_code rc;
	void *out;
	tfy_error *err;
	double at;
} told;

static int told_count;

static void note(told *t, tfy_code rc, void *out, tfy_error *err)
{
	t->called++;
	t->order = ++told_count;
	t->rc = rc;
	t->out = out;
	t->err = err;
	t->at = tu_now_s();
}

static void on_batch(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err)
{
	note(userdata, rc, batch, err);
}

static void on_batch_page(void *userdata, tfy_code rc, tfy_batch_page *page, tfy_error *err)
{
	note(userdata, rc, page, err);
}

static void on_file(void *userdata, tfy_code rc, tfy_file *file, tfy_error *err)
{
	note(userdata, rc, file, err);
}

static void on_file_page(void *userdata, tfy_code rc, tfy_file_page *page, tfy_error *err)
{
	note(userdata, rc, page, err);
}

static void on_done(void *userdata, tfy_code rc, tfy_error *err)
{
	note(userdata, rc, NULL, err);
}

static void told_batch_clear(told *t)
{
	tfy_batch_free(t->out);
	tfy_error_free(t->err);
	memset(t, 0, sizeof(*t));
}

/* The id of the mock's first batch, through the async list. */
static void first_batch_id(tfy_async *as, driver *d, char *id, size_t size)
{
	told t = { 0 };
	assert_int_equal(tfy_batches_list_start(as, NULL, on_batch_page, &t, NULL, NULL), TFY_OK);
	assert_int_equal(t.called, 0); /* never from inside the start form */
	drv_run(as, d);
	assert_int_equal(t.called, 1);
	assert_int_equal(t.rc, TFY_OK);
	tfy_batch_page *page = t.out;
	assert_true(page->count > 0);
	snprintf(id, size, "%s", page->items[0]->id);
	tfy_batch_page_free(page);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_hooks_checked(void **state)
{
	tu_fixture *f = *state;
	tfy_async_hooks h;
	assert_int_equal(tfy_async_hooks_init(&h, TFY_ASYNC_HOOKS_VERSION), TFY_OK);
	assert_int_equal(h.version, TFY_ASYNC_HOOKS_VERSION);
	assert_int_equal(tfy_async_hooks_init(&h, 99), TFY_ERROR_INVALID_ARGUMENT);
	tfy_async *as = (tfy_async *)&h;
	tfy_error *err = NULL;
	assert_int_equal(tfy_async_new(f->client, &h, &as, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(as);
	assert_non_null(err);
	tfy_error_free(err);
	driver d;
	as = drv_new(f->client, &d);
	told t = { 0 };
	tfy_async_call *call = (tfy_async_call *)&t;
	assert_int_equal(tfy_batches_retrieve_start(as, "batch_1", NULL, NULL, &t, &call, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_null(call);
	tfy_error_free(err);
	/* A bad id is refused by the start form, as the blocking call refuses it. */
	assert_int_equal(tfy_batches_retrieve_start(as, "", NULL, on_batch, &t, &call, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(err);
	tfy_error_free(err);
	assert_int_equal(tfy_async_pending(as), 0);
	assert_int_equal(t.called, 0);
	tfy_async_free(as);
	assert_true(d.due < 0);
}

static void test_retrieve_and_list(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	told t = { 0 };
	tfy_async_call *call = NULL;
	assert_int_equal(tfy_batches_retrieve_start(as, id, NULL, on_batch, &t, &call, NULL), TFY_OK);
	assert_non_null(call);
	assert_int_equal(tfy_async_pending(as), 1);
	drv_run(as, &d);
	assert_int_equal(t.called, 1);
	assert_int_equal(t.rc, TFY_OK);
	assert_null(t.err);
	assert_string_equal(((tfy_batch *)t.out)->id, id);
	/* The same as the blocking call's answer. */
	tfy_batch *b = NULL;
	assert_int_equal(tfy_batches_retrieve(f->client, id, NULL, &b, NULL), TFY_OK);
	assert_int_equal(b->status, ((tfy_batch *)t.out)->status);
	assert_string_equal(b->input_file_id, ((tfy_batch *)t.out)->input_file_id);
	tfy_batch_free(b);
	told_batch_clear(&t);
	/* A missing batch: the blocking call's error. */
	assert_int_equal(tfy_batches_retrieve_start(as, "batch_nope", NULL, on_batch, &t, NULL, NULL),
	                 TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_NOT_FOUND);
	assert_non_null(t.err);
	assert_int_equal(t.err->http_status, 404);
	assert_null(t.out);
	told_batch_clear(&t);
	/* A page of two. */
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	assert_int_equal(tfy_batches_list_start(as, &lo, on_batch_page, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_int_equal(((tfy_batch_page *)t.out)->count, 2);
	assert_true(((tfy_batch_page *)t.out)->has_more);
	tfy_batch_page_free(t.out);
	/* Nothing left watched or armed once idle and freed. */
	tfy_async_free(as);
	assert_int_equal(d.count, 0);
	assert_true(d.due < 0);
}

#define MANY 200

static void test_many_retrieves_at_once(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	static told t[MANY];
	memset(t, 0, sizeof(t));
	for (int i = 0; i < MANY; i++)
		assert_int_equal(tfy_batches_retrieve_start(as, id, NULL, on_batch, &t[i], NULL, NULL),
		                 TFY_OK);
	assert_int_equal(tfy_async_pending(as), MANY);
	drv_run(as, &d);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(t[i].called, 1);
		assert_int_equal(t[i].rc, TFY_OK);
		assert_string_equal(((tfy_batch *)t[i].out)->id, id);
		told_batch_clear(&t[i]);
	}
	tfy_async_free(as);
}

static const char input_line[] =
	"{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
	"\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n";

/* A file uploaded by the blocking call, for the file calls; its id in id. */
static void upload_blocking(tfy_client *c, char *id, size_t size)
{
	char *path = tu_write_temp(input_line, sizeof(input_line) - 1);
	assert_non_null(path);
	tfy_files_upload_options uo = TFY_FILES_UPLOAD_OPTIONS_INIT;
	uo.path = path;
	tfy_file *file = NULL;
	assert_int_equal(tfy_files_upload(c, &uo, &file, NULL), TFY_OK);
	snprintf(id, size, "%s", file->id);
	tfy_file_free(file);
	unlink(path);
	free(path);
}

static void test_file_calls(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	upload_blocking(f->client, id, sizeof(id));
	told t = { 0 };
	assert_int_equal(tfy_files_retrieve_start(as, id, NULL, on_file, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_string_equal(((tfy_file *)t.out)->id, id);
	assert_int_equal(((tfy_file *)t.out)->bytes.value, (int64_t)sizeof(input_line) - 1);
	tfy_file_free(t.out);
	memset(&t, 0, sizeof(t));
	assert_int_equal(tfy_files_list_start(as, NULL, on_file_page, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_true(((tfy_file_page *)t.out)->count >= 1);
	tfy_file_page_free(t.out);
	memset(&t, 0, sizeof(t));
	assert_int_equal(tfy_files_delete_start(as, id, NULL, on_done, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_null(t.err);
	/* Gone: the retrieve says so. */
	assert_int_equal(tfy_files_retrieve_start(as, id, NULL, on_file, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_NOT_FOUND);
	tfy_error_free(t.err);
	tfy_async_free(as);
}

/* ---- a gateway of a test's own ---------------------------------------------- */

typedef struct own {
	tu_gateway gw;
	tfy_client *client;
	char dir[256]; /* a scratch directory */
	char file_id[128];
} own;

/* A gateway paced at seconds per batch step, with a run-level fault (or none), and an input file. */
static void own_start(own *o, const char *pace, const char *fault, const tfy_client_options *co)
{
	memset(o, 0, sizeof(*o));
	const char *args[] = { "--batch-seconds",        pace,  "--count", "3",
		               fault ? "--fault" : NULL, fault, NULL };
	assert_int_equal(tu_gateway_start(&o->gw, args), 0);
	o->client = tu_client(&o->gw, "/v1", "tfy-local-key", co);
	assert_non_null(o->client);
	snprintf(o->dir, sizeof(o->dir), "/tmp/tfy-async-XXXXXX");
	assert_non_null(mkdtemp(o->dir));
	upload_blocking(o->client, o->file_id, sizeof(o->file_id));
}

static void own_stop(own *o)
{
	tfy_client_free(o->client);
	tu_remove_tree(o->dir);
	assert_int_equal(tu_gateway_stop(&o->gw), 0);
}

/* Files in dir whose name holds part. */
static int count_named(const char *dir, const char *part)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -c -- '%s'", dir, part);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static tfy_batches_create_options create_opts(const char *file_id)
{
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = file_id;
	o.endpoint = "/v1/chat/completions";
	return o;
}

/* A create carried out but never answered is found by reconciling, on the loop: one POST, one batch. */
static void test_create_reconciled(void **state)
{
	(void)state;
	own o;
	own_start(&o, "1", "create-no-answer", NULL);
	driver d;
	tfy_async *as = drv_new(o.client, &d);
	tfy_batches_create_options co = create_opts(o.file_id);
	told t = { 0 };
	assert_int_equal(tfy_batches_create_start(as, &co, on_batch, &t, NULL, NULL), TFY_OK);
	memset(&co, 0xff, sizeof(co)); /* read during the start form only */
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_null(t.err);
	tfy_batch *b = t.out;
	assert_non_null(b->id);
	assert_string_equal(b->input_file_id, o.file_id);
	assert_int_equal(tu_mock_stat(&o.gw, "batches_created"), 1);
	assert_int_equal(tu_mock_stat(&o.gw, "faults_served"), 1);
	told_batch_clear(&t);
	/* Without reconcile: the outcome stays unknown, named by the file. */
	co = create_opts(o.file_id);
	co.reconcile = TFY_NONE;
	tfy_pair fault = { "x-mock-fault", "create-no-answer" };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = &fault;
	r.headers_count = 1;
	co.request = &r;
	assert_int_equal(tfy_batches_create_start(as, &co, on_batch, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_OUTCOME_UNKNOWN);
	assert_null(t.out);
	assert_non_null(strstr(t.err->message, o.file_id));
	assert_int_equal(t.err->attempts, 1);
	assert_int_equal(tu_mock_stat(&o.gw, "batches_created"), 2);
	told_batch_clear(&t);
	/* A plain create, then its cancel. */
	co = create_opts(o.file_id);
	assert_int_equal(tfy_batches_create_start(as, &co, on_batch, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_int_equal(((tfy_batch *)t.out)->status, TFY_BATCH_STATUS_VALIDATING);
	char id[128];
	snprintf(id, sizeof(id), "%s", ((tfy_batch *)t.out)->id);
	told_batch_clear(&t);
	assert_int_equal(tfy_batches_cancel_start(as, id, NULL, on_batch, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_int_equal(((tfy_batch *)t.out)->status, TFY_BATCH_STATUS_CANCELLING);
	told_batch_clear(&t);
	/* A create cancelled once sent: its outcome is unknown, and it is not reconciled. */
	co = create_opts(o.file_id);
	fault.value = "delay:ms=3000";
	co.request = &r;
	tfy_async_call *call = NULL;
	long lists = tu_gateway_requests(&o.gw);
	assert_int_equal(tfy_batches_create_start(as, &co, on_batch, &t, &call, NULL), TFY_OK);
	double until = tu_now_s() + 0.5;
	while (tu_now_s() < until)
		drv_once(as, &d);
	tfy_async_call_cancel(call);
	assert_int_equal(t.called, 0);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_OUTCOME_UNKNOWN);
	assert_non_null(strstr(t.err->message, "cancelled"));
	assert_int_equal(tu_gateway_requests(&o.gw), lists + 1); /* the create, no list */
	told_batch_clear(&t);
	tfy_async_free(as);
	own_stop(&o);
}

/* A writer that keeps what it is given, and may cancel its call at the first write. */
typedef struct sink {
	char *data;
	size_t len;
	int writes;
	tfy_async_call *cancel;
} sink;

static int32_t sink_write(void *userdata, const char *data, size_t size)
{
	sink *k = userdata;
	char *grown = realloc(k->data, k->len + size + 1);
	assert_non_null(grown);
	memcpy(grown + k->len, data, size);
	k->data = grown;
	k->len += size;
	k->data[k->len] = '\0';
	if (k->writes++ == 0 && k->cancel)
		tfy_async_call_cancel(k->cancel);
	return 0;
}

static char *read_whole(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Upload from a path and from a reader, download to a path and to a writer: the same bytes. */
static void test_upload_and_download(void **state)
{
	(void)state;
	own o;
	own_start(&o, "0.2", "drop:bytes=10,route=download,times=1", NULL);
	driver d;
	tfy_async *as = drv_new(o.client, &d);
	char path[300];
	snprintf(path, sizeof(path), "%s/in.jsonl", o.dir);
	FILE *fp = fopen(path, "w");
	fputs(input_line, fp);
	fclose(fp);
	tfy_files_upload_options uo = TFY_FILES_UPLOAD_OPTIONS_INIT;
	uo.path = path;
	told t = { 0 };
	assert_int_equal(tfy_files_upload_start(as, &uo, on_file, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	char id[128];
	snprintf(id, sizeof(id), "%s", ((tfy_file *)t.out)->id);
	assert_string_equal(((tfy_file *)t.out)->filename, "in.jsonl");
	tfy_file_free(t.out);
	memset(&t, 0, sizeof(t));
	/* From a reader. */
	tu_mem_stream in = { input_line, sizeof(input_line) - 1, 0, 0, -1 };
	tfy_files_upload_options ro = TFY_FILES_UPLOAD_OPTIONS_INIT;
	ro.read = tu_mem_read;
	ro.read_userdata = &in;
	ro.size = (int64_t)sizeof(input_line) - 1;
	assert_int_equal(tfy_files_upload_start(as, &ro, on_file, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	tfy_file_free(t.out);
	memset(&t, 0, sizeof(t));
	/* A path that cannot be opened: refused by the start form. */
	uo.path = "/nonexistent/in.jsonl";
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload_start(as, &uo, on_file, &t, NULL, &err), TFY_ERROR_IO);
	tfy_error_free(err);
	/* To a path; the first download is cut off (the run's fault) and repeated. */
	char out[300];
	snprintf(out, sizeof(out), "%s/out.jsonl", o.dir);
	tfy_files_download_options dopt = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	dopt.path = out;
	dopt.expected_bytes = (int64_t)sizeof(input_line) - 1;
	assert_int_equal(tfy_files_download_start(as, id, &dopt, on_done, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_int_equal(tu_mock_stat(&o.gw, "faults_served"), 1);
	char *got = read_whole(out);
	assert_non_null(got);
	assert_string_equal(got, input_line);
	free(got);
	assert_int_equal(count_named(o.dir, ".part"), 0);
	/* To a writer. */
	sink k = { 0 };
	tfy_files_download_options wopt = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	wopt.write = sink_write;
	wopt.write_userdata = &k;
	assert_int_equal(tfy_files_download_start(as, id, &wopt, on_done, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_string_equal(k.data, input_line);
	free(k.data);
	/* Cut off every time: fails after its retry, leaving neither the file nor a part. */
	tfy_pair fault = { "x-mock-fault", "drop:bytes=10,route=download" };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = &fault;
	r.headers_count = 1;
	r.max_retries = 1;
	snprintf(out, sizeof(out), "%s/dropped.jsonl", o.dir);
	dopt.request = &r;
	assert_int_equal(tfy_files_download_start(as, id, &dopt, on_done, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_NETWORK);
	assert_int_equal(t.err->attempts, 2);
	tfy_error_free(t.err);
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(count_named(o.dir, ".part"), 0);
	tfy_async_free(as);
	own_stop(&o);
}

/* What on_progress saw. */
typedef struct seen {
	int calls;
	tfy_batch_status last;
} seen;

static int32_t on_progress(void *userdata, const tfy_batch *b)
{
	seen *s = userdata;
	s->calls++;
	s->last = b->status;
	return TFY_CANCEL_CONTINUE;
}

static void test_wait(void **state)
{
	(void)state;
	own o;
	own_start(&o, "0.2", NULL, NULL);
	tfy_batches_create_options co = create_opts(o.file_id);
	tfy_batch *b = NULL;
	assert_int_equal(tfy_batches_create(o.client, &co, &b, NULL), TFY_OK);
	char id[128];
	snprintf(id, sizeof(id), "%s", b->id);
	tfy_batch_free(b);
	driver d;
	tfy_async *as = drv_new(o.client, &d);
	seen s = { 0 };
	tfy_batch_wait_options wo = TFY_BATCH_WAIT_OPTIONS_INIT;
	wo.poll_initial_ms = 50;
	wo.poll_max_ms = 100;
	wo.on_progress = on_progress;
	wo.progress_userdata = &s;
	told t = { 0 };
	assert_int_equal(tfy_batch_wait_start(as, id, &wo, on_batch, &t, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_OK);
	assert_int_equal(((tfy_batch *)t.out)->status, TFY_BATCH_STATUS_COMPLETED);
	assert_true(s.calls >= 2); /* at least a running state, then completed */
	assert_int_equal(s.last, TFY_BATCH_STATUS_COMPLETED);
	told_batch_clear(&t);
	/* A timeout leaves the last state seen. */
	co = create_opts(o.file_id);
	assert_int_equal(tfy_batches_create(o.client, &co, &b, NULL), TFY_OK);
	wo = (tfy_batch_wait_options)TFY_BATCH_WAIT_OPTIONS_INIT;
	wo.timeout_ms = 150;
	double t0 = tu_now_s();
	assert_int_equal(tfy_batch_wait_start(as, b->id, &wo, on_batch, &t, NULL, NULL), TFY_OK);
	tfy_batch_free(b);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_TIMEOUT);
	assert_non_null(t.out);
	assert_false(tfy_batch_status_is_terminal(((tfy_batch *)t.out)->status));
	assert_true(tu_now_s() - t0 < 1.5 * tu_slowdown());
	told_batch_clear(&t);
	/* A bad id is refused by the start form. */
	tfy_error *err = NULL;
	assert_int_equal(tfy_batch_wait_start(as, "", NULL, on_batch, &t, NULL, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	tfy_async_free(as);
	own_stop(&o);
}

/* What the iteration gave. */
typedef struct walk {
	int pages;
	size_t items;
	int ends;
	tfy_code rc;
	tfy_error *err;
	int stop_after; /* pages; 0: never */
	char first_id[128];
} walk;

static int32_t on_page(void *userdata, tfy_code rc, const tfy_batch *const *batches, size_t count,
                       tfy_error *err)
{
	walk *w = userdata;
	if (rc != TFY_OK || !count) {
		w->ends++;
		w->rc = rc;
		w->err = err;
		return TFY_CANCEL_CONTINUE;
	}
	if (!w->pages && batches) /* on_files notes its own */
		snprintf(w->first_id, sizeof(w->first_id), "%s", batches[0]->id);
	w->pages++;
	w->items += count;
	return w->stop_after && w->pages >= w->stop_after ? 1 : TFY_CANCEL_CONTINUE;
}

static void test_iter(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 100;
	walk w = { 0 };
	assert_int_equal(tfy_batch_iter_start(as, &lo, on_page, &w, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.rc, TFY_OK);
	assert_null(w.err);
	assert_int_equal(w.pages, 3);
	assert_int_equal(w.items, 250);
	/* As the blocking iterator walks it. */
	tfy_batch_iter *it = NULL;
	assert_int_equal(tfy_batch_iter_new(f->client, &lo, &it, NULL), TFY_OK);
	const tfy_batch *b = NULL;
	assert_int_equal(tfy_batch_iter_next(it, &b, NULL), TFY_OK);
	assert_string_equal(b->id, w.first_id);
	tfy_batch_iter_free(it);
	/* Stopped by on_page: no further call. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	assert_int_equal(tfy_batch_iter_start(as, &lo, on_page, &w, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(w.pages, 1);
	assert_int_equal(w.ends, 0);
	/* A server that ignores `after`: the guard stops it. */
	memset(&w, 0, sizeof(w));
	tfy_pair fault = { "x-mock-fault", "ignore-after" };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = &fault;
	r.headers_count = 1;
	lo.request = &r;
	assert_int_equal(tfy_batch_iter_start(as, &lo, on_page, &w, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.rc, TFY_ERROR_PAGINATION);
	assert_non_null(w.err);
	tfy_error_free(w.err);
	tfy_async_free(as);
}

/* As on_page, for files: a walk shared with the batches'. */
static int32_t on_files(void *userdata, tfy_code rc, const tfy_file *const *files, size_t count,
                        tfy_error *err)
{
	walk *w = userdata;
	if (rc == TFY_OK && count && !w->pages)
		snprintf(w->first_id, sizeof(w->first_id), "%s", files[0]->id);
	if (rc == TFY_OK && count)
		assert_non_null(files[count - 1]->id);
	return on_page(userdata, rc, NULL, rc == TFY_OK ? count : 0, err);
}

/* Walks the file listing with a request-level mock fault (or none). */
static void walk_files(tfy_async *as, driver *d, tfy_files_list_options *lo, const char *fault, walk *w)
{
	tfy_pair header = { "x-mock-fault", fault };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = &header;
	r.headers_count = fault ? 1 : 0;
	lo->request = &r;
	assert_int_equal(tfy_file_iter_start(as, lo, on_files, w, NULL, NULL), TFY_OK);
	lo->request = NULL; /* read during the call only */
	drv_run(as, d);
}

static void test_file_iter(void **state)
{
	(void)state;
	own o;
	own_start(&o, "0.2", NULL, NULL);
	char id[128];
	for (int i = 0; i < 4; i++)
		upload_blocking(o.client, id, sizeof(id));
	driver d;
	tfy_async *as = drv_new(o.client, &d);
	tfy_files_list_options lo = TFY_FILES_LIST_OPTIONS_INIT;
	lo.limit = 2;
	/* Five files, two a page: every page, then the end. */
	walk w = { 0 };
	walk_files(as, &d, &lo, NULL, &w);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.rc, TFY_OK);
	assert_null(w.err);
	assert_int_equal(w.pages, 3);
	assert_int_equal(w.items, 5);
	/* As the blocking iterator walks it. */
	tfy_file_iter *it = NULL;
	assert_int_equal(tfy_file_iter_new(o.client, &lo, &it, NULL), TFY_OK);
	const tfy_file *file = NULL;
	assert_int_equal(tfy_file_iter_next(it, &file, NULL), TFY_OK);
	assert_string_equal(file->id, w.first_id);
	tfy_file_iter_free(it);
	/* Stopped by on_page: no further call. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	walk_files(as, &d, &lo, NULL, &w);
	assert_int_equal(w.pages, 2);
	assert_int_equal(w.items, 4);
	assert_int_equal(w.ends, 0);
	/* A server that ignores `after`: the guard stops it after the first page. */
	memset(&w, 0, sizeof(w));
	walk_files(as, &d, &lo, "ignore-after:route=files", &w);
	assert_int_equal(w.pages, 1);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.rc, TFY_ERROR_PAGINATION);
	assert_non_null(w.err);
	tfy_error_free(w.err);
	/* An error page: the server's error, once, and no page. */
	memset(&w, 0, sizeof(w));
	walk_files(as, &d, &lo, "status:code=400", &w);
	assert_int_equal(w.pages, 0);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.rc, TFY_ERROR_BAD_REQUEST);
	assert_non_null(w.err);
	tfy_error_free(w.err);
	/* A bad option is refused by the start form: nothing is called. */
	memset(&w, 0, sizeof(w));
	tfy_error *err = NULL;
	lo.order = "sideways";
	assert_int_equal(tfy_file_iter_start(as, &lo, on_files, &w, NULL, &err),
	                 TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(err);
	tfy_error_free(err);
	drv_run(as, &d);
	assert_int_equal(w.ends, 0);
	tfy_async_free(as);
	own_stop(&o);
}

/* One call waits out a 429's Retry-After on a timer while the others finish; nothing blocks. */
static void test_retry_after_is_a_timer(void **state)
{
	(void)state;
	static const char *const args[] = { "--count", "5", "--fault",
		                            "retry-after:ms=600,route=retrieve", NULL };
	tu_gateway gw;
	assert_int_equal(tu_gateway_start(&gw, args), 0);
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.max_retries = 2;
	tfy_client *c = tu_client(&gw, "/v1", "tfy-local-key", &co);
	driver d;
	tfy_async *as = drv_new(c, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	told_count = 0;
	told limited = { 0 }, others[4] = { 0 };
	double t0 = tu_now_s();
	assert_int_equal(tfy_batches_retrieve_start(as, id, NULL, on_batch, &limited, NULL, NULL),
	                 TFY_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(tfy_batches_list_start(as, NULL, on_batch_page, &others[i], NULL, NULL),
		                 TFY_OK);
	assert_true(tu_now_s() - t0 < 0.1 * tu_slowdown());
	d.slowest_call = 0;
	drv_run(as, &d);
	assert_int_equal(limited.rc, TFY_OK);
	assert_true(limited.at - t0 >= 0.6);
	assert_int_equal(limited.order, 5);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(others[i].rc, TFY_OK);
		tfy_batch_page_free(others[i].out);
	}
	/* No call into libtfy waited out the delay. */
	assert_true(d.slowest_call < 0.2 * tu_slowdown());
	told_batch_clear(&limited);
	tfy_async_free(as);
	tfy_client_free(c);
	assert_int_equal(tu_gateway_stop(&gw), 0);
}

/* Request options with a fault for the mock, a deadline and a cancel token. */
static tfy_request_options faulty(tfy_pair *h, const char *fault, int64_t deadline_ms,
                                  tfy_cancel_token *token)
{
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	*h = (tfy_pair){ "x-mock-fault", fault };
	r.headers = h;
	r.headers_count = 1;
	r.deadline_ms = deadline_ms;
	r.cancel_token = token;
	return r;
}

static void test_deadline(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	tfy_pair h1, h2;
	tfy_request_options hurried = faulty(&h1, "delay:ms=3000", 200, NULL);
	tfy_request_options patient = faulty(&h2, "delay:ms=500", 0, NULL);
	tfy_batches_list_options l1 = TFY_BATCHES_LIST_OPTIONS_INIT, l2 = l1;
	l1.request = &hurried;
	l2.request = &patient;
	told late = { 0 }, fine = { 0 };
	double t0 = tu_now_s();
	assert_int_equal(tfy_batches_list_start(as, &l1, on_batch_page, &late, NULL, NULL), TFY_OK);
	assert_int_equal(tfy_batches_list_start(as, &l2, on_batch_page, &fine, NULL, NULL), TFY_OK);
	drv_run(as, &d);
	assert_int_equal(late.rc, TFY_ERROR_TIMEOUT);
	assert_non_null(late.err);
	assert_true(late.at - t0 < 1.0 * tu_slowdown());
	assert_int_equal(fine.rc, TFY_OK);
	assert_true(late.at < fine.at);
	tfy_error_free(late.err);
	tfy_batch_page_free(fine.out);
	tfy_async_free(as);
}

/* Cancelled from the writer's first write: no partial file, the callback says cancelled. */
static void test_cancel_mid_download(void **state)
{
	(void)state;
	const tu_step steps[] = { { .content = 8 << 20 } };
	tu_script *srv = tu_script_start(steps, 1);
	tfy_client *c = tu_client_url(srv->s.base, "sk-test", NULL);
	driver d;
	tfy_async *as = drv_new(c, &d);
	sink k = { 0 };
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.write = sink_write;
	o.write_userdata = &k;
	told t = { 0 };
	assert_int_equal(tfy_files_download_start(as, "file-abc", &o, on_done, &t, &k.cancel, NULL),
	                 TFY_OK);
	drv_run(as, &d);
	assert_int_equal(t.called, 1);
	assert_int_equal(t.rc, TFY_ERROR_CANCELLED);
	assert_int_equal(k.writes, 1);
	assert_true(k.len < (size_t)8 << 20);
	tfy_error_free(t.err);
	free(k.data);
	/* To a path, cancelled by a token mid-transfer: no file, no part. */
	char dir[] = "/tmp/tfy-async-XXXXXX", out[64];
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/big", dir);
	tfy_cancel_token *token = NULL;
	assert_int_equal(tfy_cancel_token_new(&token), TFY_OK);
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.cancel_token = token;
	tfy_files_download_options po = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	po.path = out;
	po.request = &r;
	memset(&t, 0, sizeof(t));
	assert_int_equal(tfy_files_download_start(as, "file-abc", &po, on_done, &t, NULL, NULL),
	                 TFY_OK);
	while (!atomic_load(&srv->reqs))
		drv_once(as, &d);
	tfy_cancel_token_cancel(token);
	drv_run(as, &d);
	assert_int_equal(t.rc, TFY_ERROR_CANCELLED);
	tfy_error_free(t.err);
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(count_named(dir, ".part"), 0);
	tu_remove_tree(dir);
	tfy_cancel_token_free(token);
	tfy_async_free(as);
	tfy_client_free(c);
	tu_script_stop(srv);
}

/* A cancel token cancelled from another call's callback stops a slow call at once. */
static tfy_cancel_token *to_cancel;

static void cancel_on_batch(void *userdata, tfy_code rc, tfy_batch_page *page, tfy_error *err)
{
	note(userdata, rc, page, err);
	tfy_cancel_token_cancel(to_cancel);
}

static void test_cancel_token_and_call(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	assert_int_equal(tfy_cancel_token_new(&to_cancel), TFY_OK);
	tfy_pair h;
	tfy_request_options slow = faulty(&h, "delay:ms=3000", 0, to_cancel);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.request = &slow;
	told victim = { 0 }, trigger = { 0 }, direct = { 0 };
	double t0 = tu_now_s();
	assert_int_equal(tfy_batches_list_start(as, &lo, on_batch_page, &victim, NULL, NULL), TFY_OK);
	assert_int_equal(tfy_batches_list_start(as, NULL, cancel_on_batch, &trigger, NULL, NULL),
	                 TFY_OK);
	/* And one cancelled by its handle, before any event: told at the next one, not here. */
	tfy_pair h2;
	tfy_request_options slow2 = faulty(&h2, "delay:ms=3000", 0, NULL);
	tfy_batches_list_options lo2 = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo2.request = &slow2;
	tfy_async_call *call = NULL;
	assert_int_equal(tfy_batches_list_start(as, &lo2, on_batch_page, &direct, &call, NULL), TFY_OK);
	tfy_async_call_cancel(call);
	assert_int_equal(direct.called, 0);
	drv_run(as, &d);
	assert_int_equal(victim.rc, TFY_ERROR_CANCELLED);
	assert_int_equal(direct.rc, TFY_ERROR_CANCELLED);
	assert_int_equal(trigger.rc, TFY_OK);
	assert_true(victim.at - t0 < 1.5 * tu_slowdown());
	tfy_error_free(victim.err);
	tfy_error_free(direct.err);
	tfy_batch_page_free(trigger.out);
	tfy_cancel_token_free(to_cancel);
	tfy_async_free(as);
}

/* Freed with calls of every shape pending: each callback runs once, before the free returns. */
static void test_free_with_pending(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	tfy_pair h;
	tfy_request_options slow = faulty(&h, "delay:ms=3000", 0, NULL);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.request = &slow;
	told lists[4] = { 0 }, waited = { 0 };
	walk w = { 0 };
	for (int i = 0; i < 4; i++)
		assert_int_equal(tfy_batches_list_start(as, &lo, on_batch_page, &lists[i], NULL, NULL),
		                 TFY_OK);
	/* One in a Retry-After backoff (a timer of the loop's). */
	tfy_pair h2;
	tfy_request_options later = faulty(&h2, "retry-after:ms=5000", 0, NULL);
	later.max_retries = 2;
	assert_int_equal(tfy_batches_retrieve_start(as, id, &later, on_batch, &waited, NULL, NULL),
	                 TFY_OK);
	assert_int_equal(tfy_batch_iter_start(as, &lo, on_page, &w, NULL, NULL), TFY_OK);
	double until = tu_now_s() + 0.3;
	while (tu_now_s() < until)
		drv_once(as, &d); /* under way: a retrieve in its backoff, the lists in flight */
	assert_int_equal(tfy_async_pending(as), 6);
	tfy_async_free(as);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(lists[i].called, 1);
		assert_int_equal(lists[i].rc, TFY_ERROR_CANCELLED);
		tfy_error_free(lists[i].err);
	}
	assert_int_equal(waited.called, 1);
	assert_int_equal(waited.rc, TFY_ERROR_CANCELLED);
	tfy_error_free(waited.err);
	tfy_batch_free(waited.out);
	assert_int_equal(w.ends, 1);
	assert_int_equal(w.rc, TFY_ERROR_CANCELLED);
	tfy_error_free(w.err);
	assert_int_equal(d.count, 0);
	assert_true(d.due < 0);
}

/* Blocking calls on another thread share the client while this thread drives async calls. */
typedef struct blocking_run {
	tfy_client *client;
	const char *id;
	int ok;
} blocking_run;

static void *blocking_thread(void *arg)
{
	blocking_run *r = arg;
	for (int i = 0; i < 20; i++) {
		tfy_batch *b = NULL;
		if (tfy_batches_retrieve(r->client, r->id, NULL, &b, NULL) == TFY_OK)
			r->ok++;
		tfy_batch_free(b);
	}
	return NULL;
}

static void test_shared_client_threads(void **state)
{
	tu_fixture *f = *state;
	driver d;
	tfy_async *as = drv_new(f->client, &d);
	char id[128];
	first_batch_id(as, &d, id, sizeof(id));
	blocking_run r = { f->client, id, 0 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, blocking_thread, &r), 0);
	static told t[50];
	memset(t, 0, sizeof(t));
	for (int i = 0; i < 50; i++)
		assert_int_equal(tfy_batches_retrieve_start(as, id, NULL, on_batch, &t[i], NULL, NULL),
		                 TFY_OK);
	drv_run(as, &d);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.ok, 20);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(t[i].rc, TFY_OK);
		told_batch_clear(&t[i]);
	}
	tfy_async_free(as);
}

/* ---- main ------------------------------------------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks_checked),
		cmocka_unit_test(test_retrieve_and_list),
		cmocka_unit_test(test_many_retrieves_at_once),
		cmocka_unit_test(test_file_calls),
		cmocka_unit_test(test_create_reconciled),
		cmocka_unit_test(test_upload_and_download),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_iter),
		cmocka_unit_test(test_file_iter),
		cmocka_unit_test(test_retry_after_is_a_timer),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_cancel_mid_download),
		cmocka_unit_test(test_cancel_token_and_call),
		cmocka_unit_test(test_free_with_pending),
		cmocka_unit_test(test_shared_client_threads),
	};
	return cmocka_run_group_tests(tests, tu_fixture_setup, tu_fixture_teardown);
}
