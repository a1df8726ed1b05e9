/*
 * The progress callback of uploads and downloads against raw servers on
 * loopback: bytes that never go back within an attempt, the total from
 * expected_bytes, Content-Length or the upload's size (TFY_NONE when
 * nothing tells it), calls at most every 100 ms, one last call when the
 * call succeeded, a stop from the callback that leaves no file behind, and
 * the version 1 layouts of the options read without the new fields.
 * Public API of the shared library only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "sk-test-progress-0123456789"
#define FILE_JSON \
	"{\"id\":\"file-abc\",\"object\":\"file\",\"bytes\":12,\"created_at\":1700000000," \
	"\"filename\":\"in.jsonl\",\"purpose\":\"batch\",\"status\":\"uploaded\"}"
#define MAX_CALLS 512

/* Every call of the callback, copied. */
typedef struct calls {
	tfy_transfer_progress seen[MAX_CALLS];
	int n;
	int64_t stop_after; /* > 0: ask to stop once bytes_done reaches it */
} calls;

static int32_t record(void *userdata, const tfy_transfer_progress *p)
{
	calls *c = userdata;
	if (c->n < MAX_CALLS)
		c->seen[c->n++] = *p;
	return c->stop_after > 0 && p->bytes_done >= c->stop_after ? 1 : TFY_CANCEL_CONTINUE;
}

/*
 * The calls as promised: phase until the last, bytes never going back,
 * total as told, at least ~100 ms between two (the library's clock and
 * ours round to whole ms, hence the slack), and when done is set a last
 * call with every byte.
 */
static void assert_calls(const calls *c, int32_t phase, int64_t total, int64_t done)
{
	int last = done >= 0 ? c->n - 1 : c->n;
	assert_true(last >= 1);
	for (int i = 0; i < last; i++) {
		const tfy_transfer_progress *p = &c->seen[i];
		assert_int_equal(p->phase, phase);
		assert_int_equal(p->bytes_total, total);
		assert_true(p->bytes_done > 0);
		if (total >= 0)
			assert_true(p->bytes_done <= total);
		if (i > 0) {
			assert_true(p->bytes_done >= c->seen[i - 1].bytes_done);
			assert_true(p->elapsed_ms - c->seen[i - 1].elapsed_ms >= 95);
		}
	}
	if (done < 0)
		return;
	const tfy_transfer_progress *end = &c->seen[c->n - 1];
	assert_int_equal(end->phase, TFY_TRANSFER_PHASE_DONE);
	assert_int_equal(end->bytes_done, done);
	assert_int_equal(end->bytes_total, done);
	assert_true(end->elapsed_ms >= c->seen[last - 1].elapsed_ms);
}

/* ---- a server that drips the content ------------------------------------- */

#define PIECES 12
#define PIECE 25000
#define CONTENT (PIECES * PIECE)

/*
 * 200 with CONTENT bytes of tu_pattern() in PIECES pieces 40 ms apart;
 * with Content-Length when s->reply is "length", else until it closes.
 */
static void drip(tu_server *s, int fd)
{
	char head[4096];
	if (!tu_read_whole(fd, head, sizeof(head)))
		return;
	char answer[256], length[64] = "";
	if (s->reply && strcmp(s->reply, "length") == 0)
		snprintf(length, sizeof(length), "Content-Length: %d\r\n", CONTENT);
	int n = snprintf(answer, sizeof(answer),
	                 "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n%s"
	                 "Connection: close\r\n\r\n",
	                 length);
	tu_send_all(fd, answer, (size_t)n);
	static char piece[PIECE];
	for (int i = 0; i < PIECES; i++) {
		tu_fill_pattern(piece, (int64_t)i * PIECE, PIECE);
		tu_send_all(fd, piece, PIECE);
		if (!tu_pause_ms(fd, 40))
			return;
	}
	atomic_fetch_add(&s->requests, 1);
}

static tfy_client *client_on(const char *base)
{
	tfy_client *c = tu_client_url(base, KEY, NULL);
	assert_non_null(c);
	return c;
}

static int32_t drop(void *userdata, const char *data, size_t size)
{
	(void)data;
	*(int64_t *)userdata += (int64_t)size;
	return 0;
}

/* A download of the drip to a writer; the callback's calls in *c. */
static tfy_code download_drip(const char *reply, int64_t expected, calls *c)
{
	tu_server s;
	tu_server_start(&s, drip, reply, 0);
	tfy_client *cl = client_on(s.base);
	int64_t got = 0;
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.write = drop;
	o.write_userdata = &got;
	o.expected_bytes = expected;
	o.progress = record;
	o.progress_userdata = c;
	tfy_error *err = NULL;
	tfy_code rc = tfy_files_download(cl, "file-abc", &o, &err);
	if (rc == TFY_OK)
		assert_int_equal(got, CONTENT);
	tfy_error_free(err);
	tfy_client_free(cl);
	tu_server_stop(&s);
	return rc;
}

/*
 * The total comes from expected_bytes, else Content-Length, else it is
 * TFY_NONE; a dozen pieces over ~0.5 s give a few calls, not one a piece.
 */
static void test_download_progress(void **state)
{
	(void)state;
	static calls c;
	const struct {
		const char *reply;
		int64_t expected, total;
	} cases[] = {
		{ "length", 0, CONTENT },
		{ "none", CONTENT, CONTENT },
		{ "none", 0, TFY_NONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(download_drip(cases[i].reply, cases[i].expected, &c), TFY_OK);
		assert_calls(&c, TFY_TRANSFER_PHASE_RECEIVING, cases[i].total, CONTENT);
		assert_true(c.n >= 3);
		assert_true(c.n < PIECES + 1);
	}
}

/* ---- downloads to a path ---------------------------------------------------- */

static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/*
 * To a path: the last call comes once the file is in place.  A stop from
 * the callback is TFY_ERROR_CANCELLED, no temporary file left, PATH not
 * made, and no last call.
 */
typedef struct at_path {
	calls c;
	const char *path;
	int present_at_done; /* PATH existed when the last call came */
} at_path;

static int32_t record_at_path(void *userdata, const tfy_transfer_progress *p)
{
	at_path *a = userdata;
	if (p->phase == TFY_TRANSFER_PHASE_DONE)
		a->present_at_done = access(a->path, F_OK) == 0;
	return record(&a->c, p);
}

static void test_download_progress_to_path_and_stop(void **state)
{
	(void)state;
	char dir[] = "/tmp/tfy-progress-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	static at_path a;
	for (int stop = 0; stop < 2; stop++) {
		memset(&a, 0, sizeof(a));
		a.path = path;
		a.c.stop_after = stop ? 1 : 0;
		tu_server s;
		tu_server_start(&s, drip, "length", 0);
		tfy_client *cl = client_on(s.base);
		tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		o.path = path;
		o.overwrite = 1;
		o.progress = record_at_path;
		o.progress_userdata = &a;
		tfy_error *err = NULL;
		tfy_code rc = tfy_files_download(cl, "file-abc", &o, &err);
		if (stop) {
			assert_int_equal(rc, TFY_ERROR_CANCELLED);
			assert_int_equal(a.c.n, 1); /* the first call stopped it */
			assert_int_equal(entries_in(dir), 0);
			assert_int_equal(err->attempts, 1);
		} else {
			assert_int_equal(rc, TFY_OK);
			assert_calls(&a.c, TFY_TRANSFER_PHASE_RECEIVING, CONTENT, CONTENT);
			assert_true(a.present_at_done);
			assert_int_equal(unlink(path), 0);
		}
		tfy_error_free(err);
		tfy_client_free(cl);
		tu_server_stop(&s);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* ---- uploads ------------------------------------------------------------------ */

/* A reader of size bytes of tu_pattern() in pieces of 16 KiB, 15 ms apart. */
typedef struct slow {
	int64_t size, pos;
} slow;

static int64_t slow_read(void *userdata, char *buf, size_t size)
{
	slow *g = userdata;
	if (size > 16384)
		size = 16384;
	int64_t n = g->size - g->pos < (int64_t)size ? g->size - g->pos : (int64_t)size;
	tu_fill_pattern(buf, g->pos, (size_t)n);
	g->pos += n;
	nanosleep(&(struct timespec){ 0, 15000000 }, NULL);
	return n;
}

static tfy_code upload_slow(tu_script *f, int64_t size, int64_t told, calls *c)
{
	tfy_client *cl = client_on(f->s.base);
	slow g = { size, 0 };
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.read = slow_read;
	o.read_userdata = &g;
	o.size = told;
	o.progress = record;
	o.progress_userdata = c;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_files_upload(cl, &o, &file, &err);
	tfy_file_free(file);
	tfy_error_free(err);
	tfy_client_free(cl);
	return rc;
}

/*
 * The total is the reader's size when told, else TFY_NONE; a stop from the
 * callback ends the upload before the file's end (the request went out:
 * as a cancel, an unknown outcome, never sent again).
 */
static void test_upload_progress(void **state)
{
	(void)state;
	const tu_step step = { .status = 200, .body = FILE_JSON };
	tu_script *f = tu_script_start(&step, 1);
	const int64_t size = 30 * 16384;
	static calls c;
	for (int told = 0; told < 2; told++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(upload_slow(f, size, told ? size : 0, &c), TFY_OK);
		assert_calls(&c, TFY_TRANSFER_PHASE_SENDING, told ? size : TFY_NONE, size);
		assert_true(c.n >= 3);
	}
	memset(&c, 0, sizeof(c));
	c.stop_after = 5 * 16384;
	assert_int_equal(upload_slow(f, size, size, &c), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_calls(&c, TFY_TRANSFER_PHASE_SENDING, size, -1);
	assert_true(c.seen[c.n - 1].bytes_done < size);
	tu_script_seen(f);
	assert_true(f->body_total < size);
	assert_int_equal(atomic_load(&f->reqs), 3);

	/* A path's total is its size. */
	char dir[] = "/tmp/tfy-progress-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in.jsonl", dir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 1000; i++)
		fputs("{\"custom_id\":\"x\"}\n", fp);
	fclose(fp);
	memset(&c, 0, sizeof(c));
	tfy_client *cl = client_on(f->s.base);
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.path = path;
	o.progress = record;
	o.progress_userdata = &c;
	tfy_file *file = NULL;
	assert_int_equal(tfy_files_upload(cl, &o, &file, NULL), TFY_OK);
	tfy_file_free(file);
	assert_int_equal(c.seen[c.n - 1].phase, TFY_TRANSFER_PHASE_DONE);
	assert_int_equal(c.seen[c.n - 1].bytes_done, 18000);
	for (int i = 0; i < c.n - 1; i++)
		assert_int_equal(c.seen[i].bytes_total, 18000);
	tfy_client_free(cl);
	unlink(path);
	rmdir(dir);
	tu_script_stop(f);
}

/* ---- the version 1 layouts -------------------------------------------------- */

/*
 * A caller built against 1.2 passes version 1 structs, which end where
 * progress starts: the library reads nothing past them (here, bytes that
 * would be a wild callback), and _init of version 1 writes nothing past
 * them either.
 */
static void test_version_1_layouts(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, drip, "length", 0);
	tfy_client *cl = client_on(s.base);
	size_t v1 = offsetof(tfy_files_download_options, progress);
	tfy_files_download_options *o = malloc(sizeof(*o));
	assert_non_null(o);
	memset(o, 0xA5, sizeof(*o));
	assert_int_equal(tfy_files_download_options_init(o, 1), TFY_OK);
	for (size_t i = v1; i < sizeof(*o); i++)
		assert_int_equal(((unsigned char *)o)[i], 0xA5);
	int64_t got = 0;
	o->write = drop;
	o->write_userdata = &got;
	assert_int_equal(tfy_files_download(cl, "file-abc", o, NULL), TFY_OK);
	assert_int_equal(got, CONTENT);
	free(o);
	tfy_client_free(cl);
	tu_server_stop(&s);

	const tu_step step = { .status = 200, .body = FILE_JSON };
	tu_script *f = tu_script_start(&step, 1);
	cl = client_on(f->s.base);
	tfy_files_upload_options *u = malloc(sizeof(*u));
	assert_non_null(u);
	memset(u, 0xA5, sizeof(*u));
	assert_int_equal(tfy_files_upload_options_init(u, 1), TFY_OK);
	v1 = offsetof(tfy_files_upload_options, progress);
	for (size_t i = v1; i < sizeof(*u); i++)
		assert_int_equal(((unsigned char *)u)[i], 0xA5);
	slow g = { 100, 0 };
	u->read = slow_read;
	u->read_userdata = &g;
	tfy_file *file = NULL;
	assert_int_equal(tfy_files_upload(cl, u, &file, NULL), TFY_OK);
	tfy_file_free(file);
	free(u);
	tfy_client_free(cl);
	tu_script_stop(f);

	/* Version 3 is not one this library knows. */
	tfy_files_upload_options w;
	assert_int_equal(tfy_files_upload_options_init(&w, TFY_FILES_UPLOAD_OPTIONS_VERSION + 1),
	                 TFY_ERROR_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_download_progress),
		cmocka_unit_test(test_download_progress_to_path_and_stop),
		cmocka_unit_test(test_upload_progress),
		cmocka_unit_test(test_version_1_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
