/*
 * The Files calls against a scripted raw server on loopback: the multipart
 * body as the server receives it, streaming, the repeat rule of an upload,
 * downloads to a writer and to a path (temporary file, rename, cleanup on
 * every failure, a gzip body held to expected_bytes, long names), retrieve,
 * delete, listing (one page, and every page with the file iterator and
 * its guards), the one rule for ids, inputs that are not regular files, the
 * key kept out of errors, and flat memory for large transfers.  Public API
 * of the shared library only.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "rawserver.h"
#include "testutil.h"
#include <tfy/tfy.h>

#define KEY "sk-proj-Q7xW2mZr9TbK4vLp8NcYd3HsJf6AeUg1"
#define FILE_JSON \
	"{\"id\":\"file-abc\",\"object\":\"file\",\"bytes\":12,\"created_at\":1700000000," \
	"\"filename\":\"in.jsonl\",\"purpose\":\"batch\",\"status\":\"uploaded\"}"
#define BATCH_JSON \
	"{\"id\":\"batch_1\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\"," \
	"\"input_file_id\":\"file a\",\"completion_window\":\"24h\"," \
	"\"status\":\"validating\",\"created_at\":1700000000}"

static const char *header_in(const char *head, const char *name)
{
	const char *h = tu_strcasestr(head, name);
	return h ? h + strlen(name) : NULL;
}

static tfy_client *client_on(const char *base)
{
	tfy_client *c = tu_client_url(base, KEY, NULL);
	assert_non_null(c);
	return c;
}

static tfy_client *client_for(const tu_script *f)
{
	return client_on(f->s.base);
}

static void assert_no_key(const tfy_error *e)
{
	const char *fields[] = { e->message, e->detail, e->body, e->api_message };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_null(fields[i] ? strstr(fields[i], "Q7xW2mZr9TbK") : NULL);
}

/* ---- local files ---------------------------------------------------------------- */

typedef struct tmpdir {
	char path[256];
} tmpdir;

static void tmpdir_make(tmpdir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/tfy-files-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static void tmpdir_file(const tmpdir *d, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", d->path, name);
}

/* Entries of the directory (other than . and ..) whose name contains needle. */
static int count_entries(const tmpdir *d, const char *needle)
{
	DIR *dir = opendir(d->path);
	assert_non_null(dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(dir));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, needle))
			n++;
	closedir(dir);
	return n;
}

static void tmpdir_remove(tmpdir *d)
{
	DIR *dir = opendir(d->path);
	assert_non_null(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(p);
	}
	closedir(dir);
	rmdir(d->path);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *read_text(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return s;
}

static void assert_pattern(const char *data, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if ((unsigned char)data[i] != tu_pattern(i))
			fail_msg("byte %lld differs", (long long)i);
}

/* The file at path holds n bytes of tu_pattern(). */
static void assert_file_pattern(const char *path, int64_t n)
{
	size_t len;
	char *got = read_text(path, &len);
	assert_non_null(got);
	assert_int_equal(len, (size_t)n);
	assert_pattern(got, n);
	free(got);
}

/* n bytes of tu_pattern(), or n zeros, gzip-compressed into a new buffer of *len bytes. */
static unsigned char *gzip_of(int64_t n, int zeros, size_t *len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = (size_t)deflateBound(&z, (uLong)n);
	unsigned char *out = malloc(cap);
	assert_non_null(out);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	static char in[65536];
	for (int64_t off = 0; off < n;) {
		size_t k = n - off < (int64_t)sizeof(in) ? (size_t)(n - off) : sizeof(in);
		if (zeros)
			memset(in, 0, k);
		else
			tu_fill_pattern(in, off, k);
		off += (int64_t)k;
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)k;
		assert_int_equal(deflate(&z, off < n ? Z_NO_FLUSH : Z_FINISH),
		                 off < n ? Z_OK : Z_STREAM_END);
	}
	*len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* A server answering every request with 200 and body. */
static tu_script *start_answering(const char *body)
{
	const tu_step step = { .status = 200, .body = body };
	return tu_script_start(&step, 1);
}

/* A server answering every request with 200 and the gzip bytes, gzip-encoded. */
static tu_script *start_gzip(const unsigned char *gzip, size_t len)
{
	const tu_step step = { .status = 200,
		               .headers = "Content-Encoding: gzip\r\n",
		               .body = (const char *)gzip,
		               .body_len = len };
	return tu_script_start(&step, 1);
}

/* ---- a generated stream to upload ---------------------------------------------- */

typedef struct gen {
	int64_t size, pos;
	size_t max_piece; /* largest piece per call (0: what libcurl asks) */
	int calls, rewinds;
} gen;

static int64_t gen_read(void *userdata, char *buf, size_t size)
{
	gen *g = userdata;
	g->calls++;
	if (g->max_piece && size > g->max_piece)
		size = g->max_piece;
	int64_t n = g->size - g->pos < (int64_t)size ? g->size - g->pos : (int64_t)size;
	tu_fill_pattern(buf, g->pos, (size_t)n);
	g->pos += n;
	return n;
}

static int32_t gen_rewind(void *userdata)
{
	gen *g = userdata;
	g->rewinds++;
	g->pos = 0;
	return 0;
}

/* The file part's content inside a multipart body, or NULL. */
static const char *file_part(const tu_script *f, size_t *len)
{
	const char *start = memmem(f->body, f->body_len, "Content-Type: application/jsonl\r\n\r\n", 35);
	if (!start)
		return NULL;
	start += 35;
	const char *end = NULL;
	for (const char *p = start;
	     (p = memmem(p, f->body_len - (size_t)(p - f->body), "\r\n--", 4)); p++)
		end = p;
	*len = end ? (size_t)(end - start) : 0;
	return end ? start : NULL;
}

/* ---- upload ---------------------------------------------------------------------- */

static void test_upload_multipart_exact(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tmpdir d;
	tmpdir_make(&d);
	char path[300];
	tmpdir_file(&d, "my input.jsonl", path, sizeof(path));
	const char *content = "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}\n";
	write_text(path, content);
	tfy_client *c = client_for(f);
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.path = path;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload(c, &o, &file, &err), TFY_OK);
	assert_null(err);
	assert_string_equal(file->id, "file-abc");
	assert_int_equal(file->bytes.value, 12);
	tfy_file_free(file);

	assert_int_equal(atomic_load(&f->reqs), 1);
	tu_script_seen(f);
	assert_true(strncmp(f->head, "POST /v1/files HTTP/1.1\r\n", 25) == 0);
	assert_non_null(strstr(f->head, "\r\nAuthorization: Bearer " KEY "\r\n"));
	const char *b = header_in(f->head, "\r\nContent-Type: multipart/form-data; boundary=");
	assert_non_null(b);
	char boundary[128];
	size_t blen = strcspn(b, "\r");
	assert_true(blen > 0 && blen < sizeof(boundary));
	memcpy(boundary, b, blen);
	boundary[blen] = '\0';
	char expected[2048];
	int n = snprintf(expected, sizeof(expected),
	                 "--%s\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
	                 "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"my input.jsonl\"\r\n"
	                 "Content-Type: application/jsonl\r\n\r\n%s\r\n--%s--\r\n",
	                 boundary, boundary, content, boundary);
	assert_int_equal(f->body_total, n);
	assert_memory_equal(f->body, expected, (size_t)n);

	/* A reader, with the filename, purpose and type given. */
	gen g = { 100, 0, 7, 0, 0 };
	tfy_files_upload_options r = TFY_FILES_UPLOAD_OPTIONS_INIT;
	r.read = gen_read;
	r.read_userdata = &g;
	r.filename = "x.jsonl";
	r.purpose = "fine-tune";
	r.content_type = "application/jsonl";
	assert_int_equal(tfy_files_upload(c, &r, &file, &err), TFY_OK);
	tfy_file_free(file);
	tu_script_seen(f);
	assert_non_null(memmem(f->body, f->body_len, "name=\"purpose\"\r\n\r\nfine-tune\r\n", 29));
	assert_non_null(memmem(f->body, f->body_len, "filename=\"x.jsonl\"", 18));
	assert_non_null(strstr(f->head, "Transfer-Encoding: chunked")); /* size unknown */
	size_t plen;
	const char *part = file_part(f, &plen);
	assert_non_null(part);
	assert_int_equal(plen, 100);
	assert_pattern(part, 100);

	tfy_client_free(c);
	tu_script_stop(f);
	tmpdir_remove(&d);
}

static void test_upload_streams_large_file(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tfy_client *c = client_for(f);
	gen g = { (3 << 20) / 2, 0, 0, 0, 0 }; /* 1.5 MiB */
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.read = gen_read;
	o.read_userdata = &g;
	o.size = g.size;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload(c, &o, &file, &err), TFY_OK);
	tfy_file_free(file);
	assert_true(g.calls > 10); /* pieces, not the whole file at once */
	tu_script_seen(f);
	assert_non_null(strstr(f->head, "Content-Length: "));
	size_t plen;
	const char *part = file_part(f, &plen);
	assert_non_null(part);
	assert_int_equal(plen, (size_t)g.size);
	assert_pattern(part, g.size);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* 503 is retried only when the reader can rewind. */
static void test_upload_retry_needs_rewind(void **state)
{
	(void)state;
	const tu_step steps[] = { { .status = 503, .body = "{}" },
		                  { .status = 200, .body = FILE_JSON } };
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = 2;
	for (int with_rewind = 1; with_rewind >= 0; with_rewind--) {
		tu_script *f = tu_script_start(steps, 2);
		tfy_client *c = client_for(f);
		gen g = { 5000, 0, 0, 0, 0 };
		tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
		o.read = gen_read;
		o.read_userdata = &g;
		o.rewind = with_rewind ? gen_rewind : NULL;
		o.request = &ro;
		tfy_file *file = NULL;
		tfy_error *err = NULL;
		tfy_code rc = tfy_files_upload(c, &o, &file, &err);
		if (with_rewind) {
			assert_int_equal(rc, TFY_OK);
			assert_int_equal(atomic_load(&f->reqs), 2);
			assert_int_equal(g.rewinds, 1);
			tu_script_seen(f);
			size_t plen;
			const char *part = file_part(f, &plen);
			assert_non_null(part);
			assert_int_equal(plen, 5000);
			assert_pattern(part, 5000);
		} else {
			assert_int_equal(rc, TFY_ERROR_SERVER);
			assert_int_equal(atomic_load(&f->reqs), 1);
			assert_int_equal(err->attempts, 1);
			assert_non_null(strstr(err->message, "cannot rewind"));
		}
		tfy_file_free(file);
		tfy_error_free(err);
		tfy_client_free(c);
		tu_script_stop(f);
	}
}

/* Sent, then the connection dropped: a file may exist; never sent twice. */
static void test_upload_dropped_is_outcome_unknown(void **state)
{
	(void)state;
	const tu_step steps[] = { { .status = 0 }, { .status = 200, .body = FILE_JSON } };
	tu_script *f = tu_script_start(steps, 2);
	tfy_client *c = client_for(f);
	tmpdir d;
	tmpdir_make(&d);
	char path[300];
	tmpdir_file(&d, "in.jsonl", path, sizeof(path));
	write_text(path, "{}\n");
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = 3;
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.path = path;
	o.request = &ro;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload(c, &o, &file, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_null(file);
	assert_int_equal(err->code, TFY_ERROR_OUTCOME_UNKNOWN);
	assert_non_null(strstr(err->message, "a file may have been uploaded"));
	assert_int_equal(err->attempts, 1);
	assert_int_equal(atomic_load(&f->reqs), 1);
	assert_no_key(err);
	tfy_error_free(err);
	tfy_client_free(c);
	tu_script_stop(f);
	tmpdir_remove(&d);
}

/* An upload of the small file at path, with ro; its result, the error in *err. */
static tfy_code upload_path(tfy_client *c, const char *path, tfy_request_options *ro, tfy_error **err)
{
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.path = path;
	o.request = ro;
	tfy_file *file = NULL;
	tfy_code rc = tfy_files_upload(c, &o, &file, err);
	if (rc != TFY_OK)
		assert_null(file);
	tfy_file_free(file);
	return rc;
}

/*
 * Every status from 400 to 599 against a server that counts the uploads it
 * was sent: only 408, 429 and 503 (nothing was stored) are sent again; a
 * refusal (any other 4xx but 409 and 499) is its own error; everything
 * else may have stored the file: sent once, OUTCOME_UNKNOWN.
 */
static void test_upload_every_status(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, tu_reply_status, "", 0);
	tfy_client *c = client_on(s.base);
	char *path = tu_write_temp("{}\n", 3);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = 2;
	for (int status = 400; status <= 599; status++) {
		char rule = tu_create_rule(status);
		atomic_store(&s.status, status);
		atomic_store(&s.posts, 0);
		tfy_error *err = NULL;
		tfy_code rc = upload_path(c, path, &ro, &err);
		int posts = atomic_load(&s.posts);
		tfy_code want = rule == 'u' ? TFY_ERROR_OUTCOME_UNKNOWN : tu_code_for_status(status);
		if (rc != want || posts != (rule == 'r' ? 3 : 1))
			fail_msg("HTTP %d: %s after %d uploads: %s", status, tfy_strerror(rc),
			         posts, err ? err->message : "-");
		assert_int_equal(err->http_status, status);
		assert_int_equal(err->attempts, posts);
		assert_non_null(strstr(err->message, "scripted refusal"));
		if (rule == 'u')
			assert_non_null(strstr(err->message, "a file may have been uploaded"));
		tfy_error_free(err);
	}
	unlink(path);
	free(path);
	tfy_client_free(c);
	tu_server_stop(&s);
}

/* A 2xx whose body is not a file with an id: the file was stored, unseen. */
static void test_upload_broken_answer_unknown(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		"{\"id\": \"file-", "<html><body>OK</body></html>", "{}", "{\"id\":7}",
		"{\"id\":\"\"}",
	};
	char *path = tu_write_temp("{}\n", 3);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const tu_step steps[] = { { .status = 200, .body = bodies[i] },
			                  { .status = 200, .body = FILE_JSON } };
		tu_script *f = tu_script_start(steps, 2);
		tfy_client *c = client_for(f);
		tfy_error *err = NULL;
		tfy_code rc = upload_path(c, path, NULL, &err);
		if (rc != TFY_ERROR_OUTCOME_UNKNOWN)
			fail_msg("body %zu: %s: %s", i, tfy_strerror(rc), err ? err->message : "-");
		assert_int_equal(atomic_load(&f->reqs), 1);
		assert_int_equal(err->http_status, 200);
		assert_non_null(strstr(err->message, "a file may have been uploaded"));
		tfy_error_free(err);
		tfy_client_free(c);
		tu_script_stop(f);
	}
	unlink(path);
	free(path);
}

static int32_t cancel_once_read(void *userdata)
{
	return atomic_load(&((tu_script *)userdata)->reqs) >= 1;
}

/* Cancelled once the server had the whole upload: a file may exist. */
static void test_upload_cancelled_after_sending(void **state)
{
	(void)state;
	const tu_step steps[] = { { .pause_ms = 10000 }, { .status = 200, .body = FILE_JSON } };
	tu_script *f = tu_script_start(steps, 2);
	tfy_client *c = client_for(f);
	char *path = tu_write_temp("{}\n", 3);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.cancel = cancel_once_read;
	ro.cancel_userdata = f;
	tfy_error *err = NULL;
	assert_int_equal(upload_path(c, path, &ro, &err), TFY_ERROR_OUTCOME_UNKNOWN);
	assert_non_null(strstr(err->message, "cancelled by the caller"));
	assert_non_null(strstr(err->message, "a file may have been uploaded"));
	assert_int_equal(atomic_load(&f->reqs), 1);
	tfy_error_free(err);
	unlink(path);
	free(path);
	tfy_client_free(c);
	tu_script_stop(f);
}

/*
 * Reads the request head only, answers 413 with an error body, and closes
 * with the request's body unread (a reset).  With s->status 1 the answer
 * announces 10 bytes more than its JSON body: the connection breaks before
 * the body is whole.
 */
static void too_large_early(tu_server *s, int fd)
{
	static const char body[] = "{\"error\":{\"message\":\"Request Entity Too Large: the file "
				   "exceeds 100 MB\",\"type\":\"invalid_request_error\"}}";
	char head[256];
	if (!tu_read_head(fd))
		return;
	atomic_fetch_add(&s->requests, 1);
	int cut = atomic_load(&s->status);
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 413 Payload Too Large\r\n"
	                 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	                 "x-request-id: req-413\r\nConnection: close\r\n\r\n",
	                 sizeof(body) - 1 + (cut ? 10 : 0));
	tu_send_all(fd, head, (size_t)n);
	tu_send_all(fd, body, sizeof(body) - 1);
	if (cut) {
		struct linger reset = { 1, 0 };
		tu_pause_ms(fd, 20);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	}
}

/*
 * A server that answers 413 while the upload's body is still on its way,
 * then closes: the call fails with that answer (status, request id, the
 * server's message), even when the connection broke before its body was
 * whole.
 */
static void test_upload_answered_early(void **state)
{
	(void)state;
	tu_server s;
	tu_server_start(&s, too_large_early, NULL, 0);
	tfy_client *c = client_on(s.base);
	for (int variant = 0; variant < 4; variant++) {
		atomic_store(&s.requests, 0);
		atomic_store(&s.status, variant / 2);
		gen g = { 64 << 20, 0, 0, 0, 0 };
		tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
		o.read = gen_read;
		o.read_userdata = &g;
		o.rewind = gen_rewind;
		o.size = variant % 2 ? g.size : 0;
		tfy_file *file = NULL;
		tfy_error *err = NULL;
		tfy_code rc = tfy_files_upload(c, &o, &file, &err);
		if (rc != TFY_ERROR_CLIENT)
			fail_msg("variant %d: %s: %s", variant, tfy_strerror(rc),
			         err ? err->message : "-");
		assert_null(file);
		assert_int_equal(err->http_status, 413);
		assert_string_equal(err->request_id, "req-413");
		assert_non_null(strstr(err->message, "HTTP 413"));
		assert_non_null(strstr(err->message, "exceeds 100 MB"));
		assert_string_equal(err->api_type, "invalid_request_error");
		assert_int_equal(err->attempts, 1);
		assert_int_equal(atomic_load(&s.requests), 1);
		assert_true(g.pos < g.size);
		tfy_error_free(err);
	}
	tfy_client_free(c);
	tu_server_stop(&s);
}

static void expect_refused(tfy_client *c, const tfy_files_upload_options *o, tfy_code code,
                           const char *text)
{
	tfy_file *file = (tfy_file *)1;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload(c, o, &file, &err), code);
	assert_null(file);
	assert_non_null(err);
	if (!strstr(err->message, text))
		fail_msg("message \"%s\" lacks \"%s\"", err->message, text);
	assert_no_key(err);
	tfy_error_free(err);
}

static void test_upload_arguments_checked_before_sending(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tfy_client *c = client_for(f);
	gen g = { 10, 0, 0, 0, 0 };
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	expect_refused(c, &o, TFY_ERROR_INVALID_ARGUMENT, "exactly one of path and read");
	o.path = "/nonexistent/in.jsonl";
	o.read = gen_read;
	expect_refused(c, &o, TFY_ERROR_INVALID_ARGUMENT, "exactly one of path and read");
	o.read = NULL;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload(c, &o, &file, &err), TFY_ERROR_IO);
	assert_string_equal(err->detail, "opening /nonexistent/in.jsonl: No such file or directory");
	tfy_error_free(err);
	o.path = "/tmp";
	expect_refused(c, &o, TFY_ERROR_IO, "Is a directory");
	o.path = NULL;
	o.read = gen_read;
	o.read_userdata = &g;
	const char *bad[] = { "a\r\nb", "a\nb", "a\"b", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.filename = bad[i];
		expect_refused(c, &o, TFY_ERROR_INVALID_ARGUMENT, "filename");
	}
	o.filename = NULL;
	o.purpose = "batch\r\nX: y";
	expect_refused(c, &o, TFY_ERROR_INVALID_ARGUMENT, "purpose");
	o.purpose = NULL;
	o.size = -2;
	expect_refused(c, &o, TFY_ERROR_INVALID_ARGUMENT, "size");
	o.size = 0;
	o.reserved_ = 1;
	expect_refused(c, &o, TFY_ERROR_INVALID_ARGUMENT, "reserved");
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	assert_int_equal(tfy_files_upload(c, NULL, &file, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* A reader that ends before its announced size fails the call with TFY_ERROR_IO. */
static void test_upload_short_reader_fails(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tfy_client *c = client_for(f);
	gen g = { 10, 0, 0, 0, 0 };
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.read = gen_read;
	o.read_userdata = &g;
	o.size = 20;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_upload(c, &o, &file, &err), TFY_ERROR_IO);
	assert_non_null(strstr(err->detail, "ended after 10 of 20 bytes"));
	tfy_error_free(err);
	tfy_client_free(c);
	tu_script_stop(f);
}

/*
 * Only a regular file is uploaded from a path: a FIFO without a writer used
 * to block the call in open() past every deadline, and a device has no end.
 * Both are refused at once, before anything is sent.
 */
static void test_upload_refuses_what_is_not_a_regular_file(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tfy_client *c = client_for(f);
	tmpdir d;
	tmpdir_make(&d);
	char fifo[300];
	tmpdir_file(&d, "in.jsonl", fifo, sizeof(fifo));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.path = fifo;
	alarm((unsigned)(60 * tu_slowdown())); /* a blocked call fails the test rather than hang it */
	expect_refused(c, &o, TFY_ERROR_IO, "a FIFO, not a regular file");
	o.path = "/dev/null";
	expect_refused(c, &o, TFY_ERROR_IO, "a device, not a regular file");
	alarm(0);
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	tfy_client_free(c);
	tu_script_stop(f);
	tmpdir_remove(&d);
}

/* ---- download -------------------------------------------------------------------- */

typedef struct sink {
	char *data;
	size_t len, cap;
	int calls;
	int fail_at_call; /* > 0: fail that call */
} sink;

static int32_t sink_write(void *userdata, const char *data, size_t size)
{
	sink *s = userdata;
	if (++s->calls == s->fail_at_call)
		return 1;
	if (s->len + size > s->cap) {
		s->cap = (s->len + size) * 2;
		s->data = realloc(s->data, s->cap);
		assert_non_null(s->data);
	}
	memcpy(s->data + s->len, data, size);
	s->len += size;
	return 0;
}

/* A download of file-abc to a writer, with expected_bytes: n bytes of tu_pattern(). */
static void download_pattern(tfy_client *c, int64_t n, int64_t expected)
{
	sink s = { 0 };
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.write = sink_write;
	o.write_userdata = &s;
	o.expected_bytes = expected;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_OK);
	assert_int_equal(s.len, (size_t)n);
	assert_pattern(s.data, n);
	free(s.data);
}

static void test_download_to_writer(void **state)
{
	(void)state;
	const int64_t n = 300 * 1024 + 7;
	const tu_step steps[] = { { .status = 200, .content = n },
		                  { .status = 200, .content = n, .chunked = 1 } };
	tu_script *f = tu_script_start(steps, 2);
	tfy_client *c = client_for(f);
	for (int i = 0; i < 2; i++) {
		download_pattern(c, n, i ? n : 0);
		tu_script_seen(f);
		assert_true(strncmp(f->head, "GET /v1/files/file-abc/content HTTP/1.1\r\n", 41) == 0);
	}
	tfy_client_free(c);
	tu_script_stop(f);
}

/* A writer that was given bytes is not given them again: no repeat after a drop. */
static void test_download_writer_not_repeated(void **state)
{
	(void)state;
	const tu_step steps[] = { { .status = 200, .content = 100000, .cut_at = 50000 },
		                  { .status = 200, .content = 100000 } };
	tu_script *f = tu_script_start(steps, 2);
	tfy_client *c = client_for(f);
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = 3;
	sink s = { 0 };
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.write = sink_write;
	o.write_userdata = &s;
	o.request = &ro;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_NETWORK);
	assert_int_equal(atomic_load(&f->reqs), 1);
	assert_non_null(strstr(err->message, "already given to the writer"));
	tfy_error_free(err);
	/* A writer that fails ends the call with TFY_ERROR_IO. */
	free(s.data);
	s = (sink){ .fail_at_call = 1 };
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_IO);
	tfy_error_free(err);
	free(s.data);
	tfy_client_free(c);
	tu_script_stop(f);
}

static tfy_code download_path(tfy_client *c, const char *path, int overwrite, int64_t expected,
                              const tfy_request_options *ro, tfy_error **err)
{
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.path = path;
	o.overwrite = overwrite;
	o.expected_bytes = expected;
	o.request = ro;
	return tfy_files_download(c, "file-abc", &o, err);
}

static void test_download_to_path(void **state)
{
	(void)state;
	const int64_t n = 1000003;
	/* A drop mid-body, then the whole file: the retry starts the temporary file again. */
	const tu_step steps[] = { { .status = 200, .content = n, .cut_at = 400000 },
		                  { .status = 200, .content = n } };
	tu_script *f = tu_script_start(steps, 2);
	tfy_client *c = client_for(f);
	tmpdir d;
	tmpdir_make(&d);
	char path[300];
	tmpdir_file(&d, "out.jsonl", path, sizeof(path));
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = 2;
	tfy_error *err = NULL;
	assert_int_equal(download_path(c, path, 0, n, &ro, &err), TFY_OK);
	assert_int_equal(atomic_load(&f->reqs), 2);
	assert_file_pattern(path, n);
	assert_int_equal(count_entries(&d, ".part"), 0);
	assert_int_equal(count_entries(&d, ""), 1);
	/* It exists now: refused before anything is sent, unless overwrite. */
	assert_int_equal(download_path(c, path, 0, 0, NULL, &err), TFY_ERROR_IO);
	assert_non_null(strstr(err->detail, "File exists"));
	tfy_error_free(err);
	assert_int_equal(atomic_load(&f->reqs), 2);
	tfy_client_free(c);
	tu_script_stop(f);
	tmpdir_remove(&d);
}

/* Every failure leaves the final name as it was and no temporary file. */
static void test_download_failures_leave_path_alone(void **state)
{
	(void)state;
	const int64_t n = 500000;
	const struct {
		tu_step st;
		int64_t expected;
		tfy_code code;
	} cases[] = {
		/* dropped mid-body */
		{ { .status = 200, .content = n, .cut_at = 200000 }, 0, TFY_ERROR_NETWORK },
		/* chunked, no last chunk */
		{ { .status = 200, .content = n, .cut_at = 200000, .chunked = 1 }, 0, TFY_ERROR_NETWORK },
		/* not the file's size */
		{ { .status = 200, .content = n }, n + 1, TFY_ERROR_NETWORK },
		{ { .status = 404, .body = "{\"error\":{\"message\":\"no such file\"}}" },
		  0,
		  TFY_ERROR_NOT_FOUND },
	};
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.max_retries = TFY_NONE;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int existing = 0; existing < 2; existing++) {
			tu_script *f = tu_script_start(&cases[i].st, 1);
			tfy_client *c = client_for(f);
			tmpdir d;
			tmpdir_make(&d);
			char path[300];
			tmpdir_file(&d, "out.jsonl", path, sizeof(path));
			if (existing)
				write_text(path, "old content\n");
			tfy_error *err = NULL;
			assert_int_equal(download_path(c, path, existing, cases[i].expected, &ro, &err),
			                 cases[i].code);
			assert_no_key(err);
			tfy_error_free(err);
			size_t len;
			char *got = read_text(path, &len);
			if (existing) {
				assert_non_null(got);
				assert_string_equal(got, "old content\n");
			} else {
				assert_null(got);
			}
			free(got);
			assert_int_equal(count_entries(&d, ".part"), 0);
			tfy_client_free(c);
			tu_script_stop(f);
			tmpdir_remove(&d);
		}
	}
}

static int32_t cancel_when_sent(void *userdata)
{
	tu_script *f = userdata;
	return atomic_load(&f->paused);
}

static void test_download_cancel_mid_body(void **state)
{
	(void)state;
	const tu_step steps[] = {
		{ .status = 200, .content = 2000000, .cut_at = 300000, .pause_ms = 20000 }
	};
	tu_script *f = tu_script_start(steps, 1);
	tfy_client *c = client_for(f);
	tmpdir d;
	tmpdir_make(&d);
	char path[300];
	tmpdir_file(&d, "out.jsonl", path, sizeof(path));
	write_text(path, "old content\n");
	tfy_request_options ro = TFY_REQUEST_OPTIONS_INIT;
	ro.cancel = cancel_when_sent;
	ro.cancel_userdata = f;
	double t0 = tu_now_s();
	tfy_error *err = NULL;
	assert_int_equal(download_path(c, path, 1, 0, &ro, &err), TFY_ERROR_CANCELLED);
	assert_true(tu_now_s() - t0 < 10 * tu_slowdown());
	tfy_error_free(err);
	size_t len;
	char *got = read_text(path, &len);
	assert_non_null(got);
	assert_string_equal(got, "old content\n");
	free(got);
	assert_int_equal(count_entries(&d, ".part"), 0);
	tfy_client_free(c);
	tu_script_stop(f);
	tmpdir_remove(&d);
}

/*
 * A small gzip body that inflates far past expected_bytes (16 MiB of zeros
 * in 16 KiB) is stopped at expected_bytes, counted after decoding: the
 * writer never takes more, and a download to a path leaves no file.  It
 * is not retried: the same answer would come again.
 */
static void test_download_gzip_bomb_stopped(void **state)
{
	(void)state;
	size_t len;
	unsigned char *bomb = gzip_of((int64_t)16 << 20, 1, &len);
	tu_script *f = start_gzip(bomb, len);
	tfy_client *c = client_for(f);
	const int64_t expected[] = { 12, 100000 };
	for (int i = 0; i < 2; i++) {
		sink s = { 0 };
		tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		o.write = sink_write;
		o.write_userdata = &s;
		o.expected_bytes = expected[i];
		tfy_error *err = NULL;
		assert_int_equal(tfy_files_download(c, "file-abc", &o, &err),
		                 TFY_ERROR_RESPONSE_TOO_LARGE);
		if (s.len > (size_t)expected[i])
			fail_msg("the writer took %zu bytes, expected_bytes %lld", s.len,
			         (long long)expected[i]);
		assert_non_null(strstr(err->message, "exceeded the expected"));
		assert_int_equal(atomic_load(&f->reqs), i + 1);
		tfy_error_free(err);
		free(s.data);
	}
	tmpdir d;
	tmpdir_make(&d);
	char path[300];
	tmpdir_file(&d, "out.jsonl", path, sizeof(path));
	tfy_error *err = NULL;
	assert_int_equal(download_path(c, path, 0, 12, NULL, &err), TFY_ERROR_RESPONSE_TOO_LARGE);
	tfy_error_free(err);
	assert_int_equal(count_entries(&d, ""), 0);
	tfy_client_free(c);
	tu_script_stop(f);
	free(bomb);
	tmpdir_remove(&d);
}

/*
 * Without expected_bytes a compressed body is decoded whole: its
 * Content-Length counts the bytes on the wire, not the content, and caps
 * nothing.  With expected_bytes equal to the decoded size it succeeds.
 */
static void test_download_gzip_decoded(void **state)
{
	(void)state;
	const int64_t n = (1 << 20) + 5;
	size_t len;
	unsigned char *gz = gzip_of(n, 0, &len);
	tu_script *f = start_gzip(gz, len);
	tfy_client *c = client_for(f);
	for (int i = 0; i < 2; i++)
		download_pattern(c, n, i ? n : 0);
	tfy_client_free(c);
	tu_script_stop(f);
	free(gz);
}

/*
 * A name as long as the file system allows downloads fine: the temporary
 * name, which adds ".XXXXXX.part", is cut to fit (it used to fail with
 * ENAMETOOLONG from 244 bytes on).
 */
static void test_download_long_name(void **state)
{
	(void)state;
	const int64_t n = 70000;
	const tu_step steps[] = { { .status = 200, .content = n } };
	tu_script *f = tu_script_start(steps, 1);
	tfy_client *c = client_for(f);
	tmpdir d;
	tmpdir_make(&d);
	const size_t lengths[] = { 250, 255 };
	for (size_t i = 0; i < 2; i++) {
		char name[256], path[600];
		memset(name, 'x', lengths[i]);
		name[lengths[i]] = '\0';
		memcpy(name + lengths[i] - 6, ".jsonl", 6);
		tmpdir_file(&d, name, path, sizeof(path));
		for (int overwrite = 0; overwrite < 2; overwrite++) {
			tfy_error *err = NULL;
			tfy_code rc = download_path(c, path, overwrite, n, NULL, &err);
			if (rc != TFY_OK)
				fail_msg("%s", err->message);
			assert_file_pattern(path, n);
			assert_int_equal(count_entries(&d, ".part"), 0);
		}
	}
	assert_int_equal(count_entries(&d, ""), 2);
	tfy_client_free(c);
	tu_script_stop(f);
	tmpdir_remove(&d);
}

static void test_download_options_checked(void **state)
{
	(void)state;
	const tu_step steps[] = { { .status = 200, .content = 10 } };
	tu_script *f = tu_script_start(steps, 1);
	tfy_client *c = client_for(f);
	sink s = { 0 };
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	o.write = sink_write;
	o.write_userdata = &s;
	o.path = "/tmp/x";
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	o.path = NULL;
	o.expected_bytes = -1;
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	o.expected_bytes = 0;
	o.overwrite = 2;
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	assert_int_equal(tfy_files_download(c, "file-abc", NULL, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	/* A directory that does not exist: TFY_ERROR_IO, nothing sent. */
	o.overwrite = 0;
	o.write = NULL;
	o.path = "/nonexistent/dir/out.jsonl";
	assert_int_equal(tfy_files_download(c, "file-abc", &o, &err), TFY_ERROR_IO);
	assert_non_null(strstr(err->detail, "No such file or directory"));
	tfy_error_free(err);
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* ---- retrieve, delete, ids ----------------------------------------------------- */

static void test_retrieve_and_delete(void **state)
{
	(void)state;
	const tu_step steps[] = {
		{ .status = 200, .body = FILE_JSON },
		{ .status = 200, .body = "{\"id\":\"file-abc\",\"object\":\"file\",\"deleted\":true}" },
		{ .status = 200, .body = "{\"id\":\"file-abc\",\"object\":\"file\",\"deleted\":false}" },
		{ .status = 200, .body = "{\"id\":\"file-abc\",\"object\":\"file\"}" },
		{ .status = 200, .body = "[1]" },
	};
	tu_script *f = tu_script_start(steps, 5);
	tfy_client *c = client_for(f);
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_retrieve(c, "file a/b", NULL, &file, &err), TFY_OK);
	tu_script_seen(f);
	assert_true(strncmp(f->head, "GET /v1/files/file%20a%2Fb HTTP/1.1\r\n", 37) == 0);
	assert_string_equal(file->filename, "in.jsonl");
	assert_string_equal(file->status, "uploaded");
	tfy_file_free(file);
	assert_int_equal(tfy_files_delete(c, "file-abc", NULL, &err), TFY_OK);
	assert_null(err);
	tu_script_seen(f);
	assert_true(strncmp(f->head, "DELETE /v1/files/file-abc HTTP/1.1\r\n", 36) == 0);
	/* "deleted": false is a valid answer: the server declined, which is no decode error. */
	assert_int_equal(tfy_files_delete(c, "file-abc", NULL, &err), TFY_ERROR_DECLINED);
	assert_string_equal(err->message, "the server declined the request: the server answered "
	                                  "\"deleted\": false; the file was not deleted");
	assert_int_equal(err->http_status, 200);
	assert_int_equal(err->attempts, 1);
	tfy_error_free(err);
	/* An answer that does not say either way is one. */
	assert_int_equal(tfy_files_delete(c, "file-abc", NULL, &err), TFY_ERROR_DECODE);
	assert_non_null(strstr(err->message, "deleted"));
	tfy_error_free(err);
	assert_int_equal(tfy_files_delete(c, "file-abc", NULL, &err), TFY_ERROR_DECODE);
	tfy_error_free(err);
	tfy_client_free(c);
	tu_script_stop(f);
}

static void test_bad_ids_refused_before_sending(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tfy_client *c = client_for(f);
	const char *bad[] = { NULL,    "",  "file\n1", "file\r1", "a\x01",
		              "a\x7f", ".", "..",      "a\xff",   "a\xc2\x85" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tfy_file *file = NULL;
		tfy_error *err = NULL;
		sink s = { 0 };
		tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		o.write = sink_write;
		o.write_userdata = &s;
		assert_int_equal(tfy_files_retrieve(c, bad[i], NULL, &file, &err),
		                 TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "file id"));
		tfy_error_free(err);
		assert_int_equal(tfy_files_delete(c, bad[i], NULL, &err), TFY_ERROR_INVALID_ARGUMENT);
		tfy_error_free(err);
		assert_int_equal(tfy_files_download(c, bad[i], &o, &err), TFY_ERROR_INVALID_ARGUMENT);
		tfy_error_free(err);
	}
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* A call refused for a NULL argument: its message names every argument that must not be NULL. */
static void expect_null_refused(tfy_code rc, tfy_error *err, const char *message)
{
	assert_int_equal(rc, TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(err);
	assert_string_equal(err->message, message);
	tfy_error_free(err);
}

/* A NULL argument is refused by name before anything is sent; the result is reset. */
static void test_null_arguments_named(void **state)
{
	(void)state;
	tu_script *f = start_answering(FILE_JSON);
	tfy_client *c = client_for(f);
	tfy_files_upload_options up = TFY_FILES_UPLOAD_OPTIONS_INIT;
	up.path = "/dev/null";
	tfy_error *err = NULL;
	tfy_file *file = (tfy_file *)(uintptr_t)1; /* not NULL: the call must reset it */
	tfy_code rc = tfy_files_upload(c, NULL, &file, &err);
	assert_null(file);
	expect_null_refused(rc, err, "client, opts and out must not be NULL");
	rc = tfy_files_upload(NULL, &up, NULL, &err);
	expect_null_refused(rc, err, "client, opts and out must not be NULL");
	file = (tfy_file *)(uintptr_t)1;
	rc = tfy_files_retrieve(NULL, "file-1", NULL, &file, &err);
	assert_null(file);
	expect_null_refused(rc, err, "client and out must not be NULL");
	rc = tfy_files_delete(NULL, "file-1", NULL, &err);
	expect_null_refused(rc, err, "client must not be NULL");
	rc = tfy_files_download(c, "file-1", NULL, &err);
	expect_null_refused(rc, err, "client and opts must not be NULL");
	assert_int_equal(tfy_files_delete(NULL, "file-1", NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* The last request began with line (its CRLF included). */
static void expect_request_line(tu_script *f, const char *line)
{
	tu_script_seen(f);
	if (strncmp(f->head, line, strlen(line)) != 0)
		fail_msg("request head: %.*s", (int)strcspn(f->head, "\r"), f->head);
}

/*
 * One rule for every id a call takes (file ids, batch ids, input_file_id,
 * the list's after): "." and ".." are refused before anything is sent,
 * since a URL reads them as steps up its path (GET /v1/files, POST
 * /v1/cancel), and so is text that is not UTF-8 or holds a control
 * character; anything else, a blank included, is sent, percent-encoded in
 * a path.
 */
static void test_one_rule_for_ids(void **state)
{
	(void)state;
	tu_script *f = start_answering(BATCH_JSON);
	tfy_client *c = client_for(f);
	const char *bad[] = { ".", "..", "a\xff", "a\xc2\x85", "a\tb" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tfy_batch *b = NULL;
		assert_int_equal(tfy_batches_retrieve(c, bad[i], NULL, &b, NULL),
		                 TFY_ERROR_INVALID_ARGUMENT);
		assert_int_equal(tfy_batches_cancel(c, bad[i], NULL, &b, NULL),
		                 TFY_ERROR_INVALID_ARGUMENT);
		assert_int_equal(tfy_batch_wait(c, bad[i], NULL, &b, NULL), TFY_ERROR_INVALID_ARGUMENT);
		tfy_batches_create_options co = TFY_BATCHES_CREATE_OPTIONS_INIT;
		co.input_file_id = bad[i];
		co.endpoint = "/v1/chat/completions";
		tfy_error *err = NULL;
		assert_int_equal(tfy_batches_create(c, &co, &b, &err), TFY_ERROR_INVALID_ARGUMENT);
		assert_non_null(strstr(err->message, "input_file_id"));
		tfy_error_free(err);
		tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
		lo.after = bad[i];
		tfy_batch_page *page = NULL;
		assert_int_equal(tfy_batches_list(c, &lo, &page, NULL), TFY_ERROR_INVALID_ARGUMENT);
		tfy_batch_iter *it = NULL;
		assert_int_equal(tfy_batch_iter_new(c, &lo, &it, NULL), TFY_ERROR_INVALID_ARGUMENT);
		tfy_file *file = NULL;
		assert_int_equal(tfy_files_retrieve(c, bad[i], NULL, &file, NULL),
		                 TFY_ERROR_INVALID_ARGUMENT);
		tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		o.path = "/nonexistent/out.jsonl";
		assert_int_equal(tfy_files_download(c, bad[i], &o, NULL), TFY_ERROR_INVALID_ARGUMENT);
	}
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	/* A blank, a slash, dots that are not a whole segment: sent, encoded. */
	tfy_batch *b = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_batches_retrieve(c, "...", NULL, &b, &err), TFY_OK);
	tfy_batch_free(b);
	expect_request_line(f, "GET /v1/batches/... HTTP/1.1\r\n");
	assert_int_equal(tfy_batches_cancel(c, "a b/.", NULL, &b, &err), TFY_OK);
	tfy_batch_free(b);
	expect_request_line(f, "POST /v1/batches/a%20b%2F./cancel HTTP/1.1\r\n");
	tfy_batches_create_options co = TFY_BATCHES_CREATE_OPTIONS_INIT;
	co.input_file_id = "file a";
	co.endpoint = "/v1/chat/completions";
	assert_int_equal(tfy_batches_create(c, &co, &b, &err), TFY_OK);
	tfy_batch_free(b);
	tu_script_seen(f);
	assert_non_null(memmem(f->body, f->body_len, "\"input_file_id\":\"file a\"", 24));
	tfy_client_free(c);
	tu_script_stop(f);
}

static void test_key_never_in_errors(void **state)
{
	(void)state;
	const tu_step steps[] = { { .status = 401,
		                    .body = "{\"error\":{\"message\":\"bad key " KEY "\"}}" } };
	tu_script *f = tu_script_start(steps, 1);
	tfy_client *c = client_for(f);
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_retrieve(c, "file-" KEY, NULL, &file, &err),
	                 TFY_ERROR_AUTHENTICATION);
	assert_no_key(err);
	tfy_error_free(err);
	gen g = { 10, 0, 0, 0, 0 };
	tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
	o.read = gen_read;
	o.read_userdata = &g;
	assert_int_equal(tfy_files_upload(c, &o, &file, &err), TFY_ERROR_AUTHENTICATION);
	assert_no_key(err);
	tfy_error_free(err);
	char path[] = "/nonexistent/" KEY;
	tfy_files_download_options d = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	d.path = path;
	assert_int_equal(tfy_files_download(c, "file-1", &d, &err), TFY_ERROR_IO);
	assert_no_key(err);
	tfy_error_free(err);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* ---- list and the file iterator ----------------------------------------------- */

#define FILE_A \
	"{\"id\":\"file-a\",\"object\":\"file\",\"bytes\":1,\"created_at\":1700000001," \
	"\"filename\":\"a.jsonl\",\"purpose\":\"batch\"}"
#define FILE_B \
	"{\"id\":\"file-b\",\"object\":\"file\",\"bytes\":2,\"created_at\":1700000002," \
	"\"filename\":\"b.jsonl\",\"purpose\":\"batch\"}"
#define FILE_C \
	"{\"id\":\"file-c\",\"object\":\"file\",\"bytes\":3,\"created_at\":1700000003," \
	"\"filename\":\"c.jsonl\",\"purpose\":\"batch\"}"

/* One page: the query as sent, the envelope, the items decoded by the File rules. */
static void test_list_one_page(void **state)
{
	(void)state;
	const tu_step steps[] = {
		{ .status = 200,
		  .body = "{\"object\":\"list\",\"data\":[" FILE_A ",7," FILE_B "],\"first_id\":\"file-a\","
		          "\"last_id\":\"file-b\",\"has_more\":true,\"next\":\"x\"}" },
		{ .status = 200, .body = "{\"object\":\"list\",\"data\":[]}" },
		{ .status = 200, .body = "{\"object\":\"list\",\"data\":{}}" },
	};
	tu_script *f = tu_script_start(steps, 3);
	tfy_client *c = client_for(f);
	tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;
	o.limit = 2;
	o.after = "file 0";
	o.order = "asc";
	o.purpose = "batch_output";
	tfy_file_page *page = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_list(c, &o, &page, &err), TFY_OK);
	expect_request_line(f, "GET /v1/files?limit=2&after=file%200&order=asc&purpose=batch_output "
	                       "HTTP/1.1\r\n");
	assert_int_equal(page->count, 3);
	assert_string_equal(page->object, "list");
	assert_string_equal(page->first_id, "file-a");
	assert_string_equal(page->last_id, "file-b");
	assert_int_equal(page->has_more, 1);
	assert_int_equal(page->has_more_present, 1);
	assert_int_equal(page->http_status, 200);
	assert_string_equal(page->extra_json, "{\"next\":\"x\"}");
	assert_string_equal(page->items[0]->filename, "a.jsonl");
	assert_int_equal(page->items[0]->bytes.value, 1);
	assert_string_equal(page->items[0]->raw_json, FILE_A);
	/* An item that is not an object: every field absent, its text kept. */
	assert_null(page->items[1]->id);
	assert_int_equal(page->items[1]->bytes.present, 0);
	assert_string_equal(page->items[1]->raw_json, "7");
	/* A page's file belongs to it: freeing one leaves it alone; a copy is the caller's. */
	tfy_file_free((tfy_file *)page->items[2]);
	tfy_file *copy = tfy_file_dup(page->items[2]);
	assert_non_null(copy);
	tfy_file_page_free(page);
	assert_string_equal(copy->id, "file-b");
	tfy_file_free(copy);
	/* No options: no query at all. */
	assert_int_equal(tfy_files_list(c, NULL, &page, &err), TFY_OK);
	expect_request_line(f, "GET /v1/files HTTP/1.1\r\n");
	assert_int_equal(page->count, 0);
	assert_null(page->items);
	assert_int_equal(page->has_more_present, 0);
	tfy_file_page_free(page);
	assert_int_equal(tfy_files_list(c, NULL, &page, &err), TFY_ERROR_DECODE);
	assert_null(page);
	assert_non_null(strstr(err->message, "\"data\" is an object"));
	tfy_error_free(err);
	tfy_file_page_free(NULL);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* Each bad option of a listing is refused by one page's call and by the iterator alike. */
static void expect_list_refused(tfy_client *c, const tfy_files_list_options *o, const char *what)
{
	tfy_file_page *page = (tfy_file_page *)(uintptr_t)1;
	tfy_file_iter *it = (tfy_file_iter *)(uintptr_t)1;
	tfy_error *err = NULL;
	assert_int_equal(tfy_files_list(c, o, &page, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(page);
	if (!strstr(err->message, what))
		fail_msg("\"%s\" not in \"%s\"", what, err->message);
	tfy_error_free(err);
	assert_int_equal(tfy_file_iter_new(c, o, &it, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(it);
	assert_non_null(strstr(err->message, what));
	tfy_error_free(err);
}

static void test_list_options_checked(void **state)
{
	(void)state;
	const tu_step steps[] = { { .status = 200, .body = "{\"data\":[]}" } };
	tu_script *f = tu_script_start(steps, 1);
	tfy_client *c = client_for(f);
	const tfy_files_list_options init = TFY_FILES_LIST_OPTIONS_INIT;
	tfy_files_list_options o = init;
	o.limit = -1;
	expect_list_refused(c, &o, "limit must be between 1 and 10000");
	o.limit = TFY_FILES_LIMIT_MAX + 1;
	expect_list_refused(c, &o, "got 10001");
	o = init;
	o.order = "ASC";
	expect_list_refused(c, &o, "order must be \"asc\" or \"desc\"");
	const char *purposes[] = { "", "  ", "batch\n", "a\x7f" };
	for (size_t i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++) {
		o = init;
		o.purpose = purposes[i];
		expect_list_refused(c, &o, "purpose must not be empty");
	}
	o = init;
	o.after = "..";
	expect_list_refused(c, &o, "after (a file id)");
	o = init;
	o.missing_has_more = 3;
	expect_list_refused(c, &o, "missing_has_more");
	o = init;
	o.max_pages = -1;
	expect_list_refused(c, &o, "must not be negative");
	o = init;
	o.prefetch = 2;
	expect_list_refused(c, &o, "prefetch");
	o = init;
	o.version = TFY_FILES_LIST_OPTIONS_VERSION + 1;
	expect_list_refused(c, &o, "tfy_files_list_options: version 2");
	tfy_pair bad_header = { "x-a", "1\r\n2" };
	tfy_request_options r = TFY_REQUEST_OPTIONS_INIT;
	r.headers = &bad_header;
	r.headers_count = 1;
	o = init;
	o.request = &r;
	expect_list_refused(c, &o, "x-a");
	assert_int_equal(tfy_files_list_options_init(&o, 0), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_files_list_options_init(NULL, 1), TFY_ERROR_INVALID_ARGUMENT);
	memset(&o, 0x55, sizeof(o));
	assert_int_equal(tfy_files_list_options_init(&o, TFY_FILES_LIST_OPTIONS_VERSION), TFY_OK);
	assert_memory_equal(&o, &init, sizeof(o));
	/* NULL arguments, named. */
	tfy_error *err = NULL;
	tfy_file_page *page = NULL;
	tfy_code rc = tfy_files_list(NULL, NULL, &page, &err);
	expect_null_refused(rc, err, "client and out must not be NULL");
	rc = tfy_files_list(c, NULL, NULL, &err);
	expect_null_refused(rc, err, "client and out must not be NULL");
	tfy_file_iter *it = NULL;
	rc = tfy_file_iter_new(c, NULL, NULL, &err);
	expect_null_refused(rc, err, "client and out must not be NULL");
	const tfy_file *file = NULL;
	rc = tfy_file_iter_next(NULL, &file, &err);
	expect_null_refused(rc, err, "iter and file must not be NULL");
	assert_int_equal(tfy_file_iter_new(c, NULL, &it, &err), TFY_OK);
	rc = tfy_file_iter_next(it, NULL, &err);
	expect_null_refused(rc, err, "iter and file must not be NULL");
	tfy_file_iter_free(it);
	tfy_file_iter_free(NULL);
	assert_int_equal(atomic_load(&f->s.accepted), 0);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* Walks it to its end or its first failure: the ids handed out, joined by ' '. */
static tfy_code drain_files(tfy_file_iter *it, char *ids, size_t cap, tfy_error **err)
{
	const tfy_file *file;
	tfy_code rc;
	ids[0] = '\0';
	while ((rc = tfy_file_iter_next(it, &file, err)) == TFY_OK && file) {
		size_t n = strlen(ids);
		snprintf(ids + n, cap - n, "%s%s", n ? " " : "", file->id ? file->id : "-");
	}
	return rc;
}

/*
 * Every page: the cursor is the last file's id, an empty page with has_more
 * goes on from its last_id, the query of the options on every page.
 */
static void test_file_iter_walks_pages(void **state)
{
	(void)state;
	const tu_step steps[] = {
		{ .status = 200, .body = "{\"data\":[" FILE_A "," FILE_B "],\"has_more\":true}" },
		{ .status = 200, .body = "{\"data\":[],\"has_more\":true,\"last_id\":\"file-x\"}" },
		{ .status = 200, .body = "{\"data\":[" FILE_C "],\"has_more\":false}" },
	};
	for (int prefetch = 0; prefetch < 2; prefetch++) {
		tu_script *f = tu_script_start(steps, 3);
		tfy_client *c = client_for(f);
		tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;
		char purpose[] = "batch";
		o.limit = 2;
		o.order = "desc";
		o.purpose = purpose;
		o.prefetch = prefetch ? 0 : TFY_NONE;
		tfy_file_iter *it = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tfy_file_iter_new(c, &o, &it, &err), TFY_OK);
		purpose[0] = 'X'; /* copied: the caller's may change */
		char ids[256];
		if (prefetch) {
			/* A page at a time, then one at a time: the two mix. */
			const tfy_file *const *run = NULL;
			size_t n = 0;
			assert_int_equal(tfy_file_iter_next_page(it, &run, &n, &err), TFY_OK);
			assert_int_equal(n, 2);
			assert_string_equal(run[1]->id, "file-b");
			assert_int_equal(drain_files(it, ids, sizeof(ids), &err), TFY_OK);
			assert_string_equal(ids, "file-c");
			assert_int_equal(tfy_file_iter_next_page(it, &run, &n, &err), TFY_OK);
			assert_null(run);
			assert_int_equal(n, 0);
			tfy_code rc = tfy_file_iter_next_page(it, NULL, &n, &err);
			expect_null_refused(rc, err, "iter, files and count must not be NULL");
		} else {
			assert_int_equal(drain_files(it, ids, sizeof(ids), &err), TFY_OK);
			assert_string_equal(ids, "file-a file-b file-c");
		}
		assert_int_equal(atomic_load(&f->reqs), 3);
		expect_request_line(f, "GET /v1/files?limit=2&after=file-x&order=desc&purpose=batch "
		                       "HTTP/1.1\r\n");
		tfy_file_iter_free(it);
		tfy_client_free(c);
		tu_script_stop(f);
	}
}

/* A server that ignores `after` or repeats a cursor ends the walk with a pagination error. */
static void test_file_iter_guards(void **state)
{
	(void)state;
	const struct {
		tu_step steps[2];
		const char *ids;
		const char *why;
	} cases[] = {
		{ { { .status = 200, .body = "{\"data\":[" FILE_A "," FILE_B "],\"has_more\":true}" } },
		  "file-a file-b",
		  "the server returned the file it was asked to start after after page 2" },
		{ { { .status = 200, .body = "{\"data\":[" FILE_A "],\"has_more\":true}" },
		    { .status = 200, .body = "{\"data\":[],\"has_more\":true,\"last_id\":\"file-a\"}" } },
		  "file-a",
		  "the server repeated a cursor" },
		{ { { .status = 200, .body = "{\"data\":[],\"has_more\":true}" } },
		  "",
		  "empty page without a last_id" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_script *f = tu_script_start(cases[i].steps, cases[i].steps[1].status ? 2 : 1);
		tfy_client *c = client_for(f);
		tfy_file_iter *it = NULL;
		tfy_error *err = NULL;
		assert_int_equal(tfy_file_iter_new(c, NULL, &it, &err), TFY_OK);
		char ids[256];
		assert_int_equal(drain_files(it, ids, sizeof(ids), &err), TFY_ERROR_PAGINATION);
		assert_string_equal(ids, cases[i].ids);
		if (!strstr(err->message, cases[i].why))
			fail_msg("case %zu: %s", i, err->message);
		tfy_error_free(err);
		/* Final: the next call fails the same way without a request. */
		int reqs = atomic_load(&f->reqs);
		const tfy_file *file = NULL;
		assert_int_equal(tfy_file_iter_next(it, &file, &err), TFY_ERROR_PAGINATION);
		assert_null(file);
		tfy_error_free(err);
		assert_int_equal(atomic_load(&f->reqs), reqs);
		tfy_file_iter_free(it);
		tfy_client_free(c);
		tu_script_stop(f);
	}
}

/* A failure that is not the server's pagination leaves the iterator where it was. */
static void test_file_iter_retries_a_failed_page(void **state)
{
	(void)state;
	const tu_step steps[] = {
		{ .status = 200, .body = "{\"data\":[" FILE_A "],\"has_more\":true}" },
		{ .status = 404, .body = "{\"error\":{\"message\":\"gone\"}}" },
		{ .status = 200, .body = "{\"data\":[" FILE_B "],\"has_more\":false}" },
	};
	tu_script *f = tu_script_start(steps, 3);
	tfy_client *c = client_for(f);
	tfy_files_list_options o = TFY_FILES_LIST_OPTIONS_INIT;
	o.prefetch = TFY_NONE;
	o.max_items = 5;
	tfy_file_iter *it = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_file_iter_new(c, &o, &it, &err), TFY_OK);
	char ids[256];
	assert_int_equal(drain_files(it, ids, sizeof(ids), &err), TFY_ERROR_NOT_FOUND);
	assert_string_equal(ids, "file-a");
	tfy_error_free(err);
	assert_int_equal(drain_files(it, ids, sizeof(ids), &err), TFY_OK);
	assert_string_equal(ids, "file-b");
	expect_request_line(f, "GET /v1/files?after=file-a HTTP/1.1\r\n");
	tfy_file_iter_free(it);
	tfy_client_free(c);
	tu_script_stop(f);
}

/* ---- memory ---------------------------------------------------------------------- */

static int32_t discard(void *userdata, const char *data, size_t size)
{
	(void)data;
	*(int64_t *)userdata += (int64_t)size;
	return 0;
}

static long max_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* In a child: growth of peak RSS over a 64 MiB download and a 64 MiB upload, in KiB. */
static int measure_child(const tu_script *f)
{
	tfy_client *c = client_for(f);
	int64_t got = 0;
	tfy_files_download_options d = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	d.write = discard;
	d.write_userdata = &got;
	tfy_error *err = NULL;
	/* A first small transfer each way sets up the connection and libcurl's buffers. */
	gen small = { 1000, 0, 0, 0, 0 };
	tfy_files_upload_options u = TFY_FILES_UPLOAD_OPTIONS_INIT;
	u.read = gen_read;
	u.read_userdata = &small;
	u.size = small.size;
	tfy_file *file = NULL;
	if (tfy_files_upload(c, &u, &file, &err) != TFY_OK)
		return 1;
	tfy_file_free(file);
	long before = max_rss_kib();
	if (tfy_files_download(c, "file-abc", &d, &err) != TFY_OK || got != (int64_t)64 << 20)
		return 2;
	gen big = { (int64_t)64 << 20, 0, 0, 0, 0 };
	u.read_userdata = &big;
	u.size = big.size;
	if (tfy_files_upload(c, &u, &file, &err) != TFY_OK)
		return 3;
	tfy_file_free(file);
	long growth = max_rss_kib() - before;
	tfy_client_free(c);
	fprintf(stderr, "peak RSS growth over 64 MiB down and up: %ld KiB\n", growth);
	return growth < 16 * 1024 ? 0 : 4;
}

static void test_large_transfers_flat_memory(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	skip(); /* sanitizer shadow memory and quarantine are no measure of the library's */
#endif
	if (tu_slowdown() > 1)
		skip(); /* under valgrind: RSS is valgrind's */
	/* The download, then answers to the small and the large upload (the server keeps 4 MiB). */
	const tu_step steps[] = { { .status = 200, .body = FILE_JSON },
		                  { .status = 200, .content = (int64_t)64 << 20 },
		                  { .status = 200, .body = FILE_JSON } };
	tu_script *f = tu_script_start(steps, 3);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(measure_child(f));
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	tu_script_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upload_multipart_exact),
		cmocka_unit_test(test_upload_streams_large_file),
		cmocka_unit_test(test_upload_retry_needs_rewind),
		cmocka_unit_test(test_upload_dropped_is_outcome_unknown),
		cmocka_unit_test(test_upload_every_status),
		cmocka_unit_test(test_upload_broken_answer_unknown),
		cmocka_unit_test(test_upload_cancelled_after_sending),
		cmocka_unit_test(test_upload_answered_early),
		cmocka_unit_test(test_upload_arguments_checked_before_sending),
		cmocka_unit_test(test_upload_short_reader_fails),
		cmocka_unit_test(test_upload_refuses_what_is_not_a_regular_file),
		cmocka_unit_test(test_download_to_writer),
		cmocka_unit_test(test_download_writer_not_repeated),
		cmocka_unit_test(test_download_to_path),
		cmocka_unit_test(test_download_failures_leave_path_alone),
		cmocka_unit_test(test_download_cancel_mid_body),
		cmocka_unit_test(test_download_gzip_bomb_stopped),
		cmocka_unit_test(test_download_gzip_decoded),
		cmocka_unit_test(test_download_long_name),
		cmocka_unit_test(test_download_options_checked),
		cmocka_unit_test(test_retrieve_and_delete),
		cmocka_unit_test(test_bad_ids_refused_before_sending),
		cmocka_unit_test(test_null_arguments_named),
		cmocka_unit_test(test_one_rule_for_ids),
		cmocka_unit_test(test_key_never_in_errors),
		cmocka_unit_test(test_list_one_page),
		cmocka_unit_test(test_list_options_checked),
		cmocka_unit_test(test_file_iter_walks_pages),
		cmocka_unit_test(test_file_iter_guards),
		cmocka_unit_test(test_file_iter_retries_a_failed_page),
		cmocka_unit_test(test_large_transfers_flat_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
