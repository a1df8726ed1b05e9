/*
 * async_epoll.c on a libuv loop: list every batch with the async page
 * iteration, then retrieve each of them with at most 64 calls in flight,
 * through <tfy/adapters/libuv.h>.  It prints how many batches it retrieved
 * and the process's thread count, 1: neither libtfy nor libuv starts a
 * thread for this.
 *
 *   TFY_API_KEY=... ./async_libuv https://gateway.truefoundry.ai
 *
 * Build against an installed libtfy:
 *   cc async_libuv.c $(pkg-config --cflags --libs tfy libuv) -o async_libuv
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tfy/adapters/libuv.h>
#include <tfy/tfy.h>

enum { WINDOW = 64 }; /* calls in flight at most: connections */

typedef struct run {
	uv_loop_t *loop;
	tfy_async *async;
	char **ids; /* every batch id, from the listing */
	size_t count, cap;
	size_t next;      /* ids[next] is the next to retrieve */
	size_t in_flight; /* retrieves whose callback has not run */
	size_t retrieved, failed;
	int listed; /* 1: the listing ended well; -1: it failed */
} run;

static void report(const char *what, tfy_error *err)
{
	fprintf(stderr, "async_libuv: %s: %s\n", what, err ? err->message : "out of memory");
	tfy_error_free(err);
}

static void on_batch(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err);

/* Start retrieves until WINDOW are in flight or every id was started. */
static void top_up(run *r)
{
	while (r->in_flight < WINDOW && r->next < r->count) {
		tfy_error *err = NULL;
		const char *id = r->ids[r->next++];
		if (tfy_batches_retrieve_start(r->async, id, NULL, on_batch, r, NULL, &err) != TFY_OK) {
			r->failed++; /* not started: on_batch will not be called */
			report("retrieve", err);
			continue;
		}
		r->in_flight++;
	}
	if (r->in_flight == 0)
		uv_stop(r->loop); /* all done: leave uv_run */
}

/* Called once per retrieve, on the loop's thread: count it, start the next. */
static void on_batch(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err)
{
	run *r = userdata;
	r->in_flight--;
	if (rc == TFY_OK)
		r->retrieved++;
	else {
		r->failed++;
		report("retrieve", err);
	}
	tfy_batch_free(batch);
	top_up(r);
}

/* Ends the listing: on_page is not called again after it returns this. */
static int32_t out_of_memory(run *r)
{
	report("list", NULL);
	r->listed = -1;
	uv_stop(r->loop);
	return 1;
}

/* Called once per page of the listing; its end starts the retrieves. */
static int32_t on_page(void *userdata, tfy_code rc, const tfy_batch *const *batches, size_t count,
                       tfy_error *err)
{
	run *r = userdata;
	if (rc != TFY_OK) {
		report("list", err);
		r->listed = -1;
		uv_stop(r->loop);
		return TFY_CANCEL_CONTINUE; /* ignored: the iteration is over */
	}
	if (count == 0) {
		r->listed = 1;
		top_up(r);
		return TFY_CANCEL_CONTINUE;
	}
	for (size_t i = 0; i < count; i++) {
		if (r->count == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 256;
			char **ids = realloc(r->ids, cap * sizeof *ids);
			if (!ids)
				return out_of_memory(r);
			r->ids = ids;
			r->cap = cap;
		}
		if (!(r->ids[r->count] = strdup(batches[i]->id)))
			return out_of_memory(r);
		r->count++;
	}
	return TFY_CANCEL_CONTINUE;
}

/* The Threads: line of /proc/self/status. */
static long thread_count(void)
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

int main(int argc, char **argv)
{
	tfy_client_options copts = TFY_CLIENT_OPTIONS_INIT;
	copts.base_url = argc > 1 ? argv[1] : NULL; /* NULL: from the environment */
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	if (tfy_client_new(&copts, &client, &err) != TFY_OK) {
		report("client", err);
		return 1;
	}
	uv_loop_t loop;
	uv_loop_init(&loop);
	tfy_libuv *adapter = NULL;
	if (tfy_libuv_attach(&loop, client, &adapter, &err) != TFY_OK) {
		report("libuv", err);
		tfy_client_free(client);
		return 1;
	}
	run r = { .loop = &loop, .async = tfy_libuv_async(adapter) };

	tfy_batches_list_options lopts = TFY_BATCHES_LIST_OPTIONS_INIT;
	lopts.limit = TFY_BATCHES_LIMIT_MAX;
	if (tfy_batch_iter_start(r.async, &lopts, on_page, &r, NULL, &err) != TFY_OK) {
		report("list", err);
		r.listed = -1;
	} else {
		uv_run(&loop, UV_RUN_DEFAULT); /* until top_up or on_page stops it */
	}
	if (r.listed == 1)
		printf("retrieved %zu of %zu batches, %zu failed\n", r.retrieved, r.count, r.failed);
	printf("threads: %ld\n", thread_count());

	tfy_libuv_detach(adapter);
	uv_run(&loop, UV_RUN_DEFAULT); /* the adapter's handles close */
	uv_loop_close(&loop);
	tfy_client_free(client);
	for (size_t i = 0; i < r.count; i++)
		free(r.ids[i]);
	free(r.ids);
	return r.listed == 1 && r.failed == 0 ? 0 : 1;
}
