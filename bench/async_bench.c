/*
 * The event-loop API against the blocking calls, for bench/async.sh:
 *
 *   async_bench BASE_URL retrieve async|serial|threads N [THREADS [WINDOW]]
 *   async_bench BASE_URL download async|serial|threads N FILE_ID [THREADS [WINDOW]]
 *
 * retrieve: N retrieves of the gateway's batches (listed first, untimed),
 * id after id, wrapping around.  download: N downloads of FILE_ID to a
 * writer that drops the content.  async: all from this thread on the
 * epoll adapter, at most WINDOW (default 64) in flight, so on as many
 * connections; serial: the blocking call, one
 * after another; threads: the blocking call on THREADS threads (default
 * 8) sharing the client, N/THREADS each.
 *
 * Prints one line: op, mode, n, wall_ms, cpu_ms (user + system of the
 * whole process, every thread), user_ms, sys_ms, cpu_us_per_req, threads
 * (the most seen in /proc/self/status), failed.  Exit status 1 when a call failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <tfy/adapters/epoll.h>
#include <tfy/tfy.h>

enum { WINDOW = 64, MAX_IDS = 100000 };

typedef struct bench {
	tfy_client *client;
	int download;
	const char *file_id;
	char **ids;
	size_t id_count;
	long n;
	/* async */
	long window;
	tfy_async *async;
	long next, in_flight, failed;
	long long bytes;
	/* threads */
	long per_thread;
} bench;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv)
{
	return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

/* CPU time of the process so far: user, and system in *sys. */
static double user_ms(double *sys)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*sys = tv_ms(ru.ru_stime);
	return tv_ms(ru.ru_utime);
}

static long threads_now(void)
{
	char line[256];
	long n = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Threads:", 8) == 0)
			n = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return n;
}

static int32_t drop(void *userdata, const char *data, size_t size)
{
	(void)userdata;
	(void)data;
	(void)size;
	return 0;
}

static void list_ids(bench *b)
{
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = TFY_BATCHES_LIMIT_MAX;
	tfy_batch_iter *it = NULL;
	const tfy_batch *batch = NULL;
	b->ids = calloc(MAX_IDS, sizeof *b->ids);
	if (!b->ids || tfy_batch_iter_new(b->client, &o, &it, NULL) != TFY_OK)
		exit(2);
	while (b->id_count < MAX_IDS && tfy_batch_iter_next(it, &batch, NULL) == TFY_OK && batch)
		b->ids[b->id_count++] = strdup(batch->id);
	tfy_batch_iter_free(it);
	if (b->id_count == 0)
		exit(2);
}

static tfy_files_download_options sink(void)
{
	tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	o.write = drop;
	return o;
}

/* One blocking call: the i-th of the run. */
static int blocking_one(bench *b, long i)
{
	tfy_code rc;
	if (b->download) {
		tfy_files_download_options o = sink();
		rc = tfy_files_download(b->client, b->file_id, &o, NULL);
	} else {
		tfy_batch *batch = NULL;
		rc = tfy_batches_retrieve(b->client, b->ids[(size_t)i % b->id_count], NULL, &batch,
		                          NULL);
		tfy_batch_free(batch);
	}
	return rc == TFY_OK ? 0 : 1;
}

typedef struct worker {
	bench *b;
	long first, count, failed;
	pthread_t thread;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	for (long i = 0; i < w->count; i++)
		w->failed += blocking_one(w->b, w->first + i);
	return NULL;
}

static long run_threads(bench *b, long nthreads, long *max_threads)
{
	worker *ws = calloc((size_t)nthreads, sizeof *ws);
	long failed = 0;
	if (!ws)
		exit(2);
	for (long t = 0; t < nthreads; t++) {
		ws[t].b = b;
		ws[t].first = t * (b->n / nthreads);
		ws[t].count = b->n / nthreads + (t == nthreads - 1 ? b->n % nthreads : 0);
		if (pthread_create(&ws[t].thread, NULL, work, &ws[t]) != 0)
			exit(2);
	}
	*max_threads = threads_now();
	for (long t = 0; t < nthreads; t++) {
		pthread_join(ws[t].thread, NULL);
		failed += ws[t].failed;
	}
	free(ws);
	return failed;
}

static void start_next(bench *b);

static void on_batch(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err)
{
	bench *b = userdata;
	b->in_flight--;
	b->failed += rc != TFY_OK;
	tfy_batch_free(batch);
	tfy_error_free(err);
	start_next(b);
}

static void on_done(void *userdata, tfy_code rc, tfy_error *err)
{
	on_batch(userdata, rc, NULL, err);
}

/* Keep window calls in flight until n were started. */
static void start_next(bench *b)
{
	while (b->in_flight < b->window && b->next < b->n) {
		long i = b->next++;
		tfy_code rc;
		if (b->download) {
			tfy_files_download_options o = sink();
			rc = tfy_files_download_start(b->async, b->file_id, &o, on_done, b, NULL, NULL);
		} else {
			rc = tfy_batches_retrieve_start(b->async, b->ids[(size_t)i % b->id_count],
			                                NULL, on_batch, b, NULL, NULL);
		}
		if (rc != TFY_OK)
			b->failed++;
		else
			b->in_flight++;
	}
}

static void run_async(bench *b, long *max_threads)
{
	tfy_epoll *ep = NULL;
	if (tfy_epoll_attach(b->client, &ep, NULL) != TFY_OK)
		exit(2);
	b->async = tfy_epoll_async(ep);
	start_next(b);
	while (b->in_flight > 0)
		if (tfy_epoll_dispatch(ep, -1) < 0)
			exit(2);
	*max_threads = threads_now();
	tfy_epoll_detach(ep);
}

int main(int argc, char **argv)
{
	bench b = { 0 };
	if (argc < 5)
		return 2;
	b.download = strcmp(argv[2], "download") == 0;
	const char *mode = argv[3];
	b.n = atol(argv[4]);
	int rest = 5;
	if (b.download) {
		if (argc < 6)
			return 2;
		b.file_id = argv[rest++];
	}
	long nthreads = argc > rest ? atol(argv[rest]) : 8;
	b.window = argc > rest + 1 ? atol(argv[rest + 1]) : WINDOW;
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.base_url = argv[1];
	co.api_key = "tfy-local-key";
	if (b.n <= 0 || nthreads <= 0 || b.window <= 0 || tfy_client_new(&co, &b.client, NULL) != TFY_OK)
		return 2;
	if (!b.download)
		list_ids(&b);

	long max_threads = threads_now(), failed = 0;
	double s0, s1, w0 = now_ms(), u0 = user_ms(&s0);
	if (strcmp(mode, "async") == 0) {
		run_async(&b, &max_threads);
		failed = b.failed;
	} else if (strcmp(mode, "serial") == 0) {
		for (long i = 0; i < b.n; i++)
			failed += blocking_one(&b, i);
	} else if (strcmp(mode, "threads") == 0) {
		failed = run_threads(&b, nthreads, &max_threads);
	} else {
		return 2;
	}
	double wall = now_ms() - w0, user = user_ms(&s1) - u0, sys = s1 - s0;
	printf("op=%s mode=%s window=%ld n=%ld wall_ms=%.1f cpu_ms=%.1f user_ms=%.1f sys_ms=%.1f "
	       "cpu_us_per_req=%.1f threads=%ld failed=%ld\n",
	       argv[2], mode, b.window, b.n, wall, user + sys, user, sys,
	       (user + sys) * 1e3 / (double)b.n, max_threads, failed);
	for (size_t i = 0; i < b.id_count; i++)
		free(b.ids[i]);
	free(b.ids);
	tfy_client_free(b.client);
	return failed ? 1 : 0;
}
