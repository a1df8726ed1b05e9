/*
 * Lists every batch with the public iterator API and prints how many there
 * were: the library's whole-listing path, for benchmarks 2 to 6.
 *
 *   iter_all [--base-url URL] [--api-key KEY] [--limit N] [--max-items N]
 *            [--max-pages N] [--work-ms M] [--no-prefetch] [--dry-run]
 *
 * URL and KEY default to $TFY_BASE_URL and $TFY_API_KEY; --limit defaults to
 * 100.  --work-ms M sleeps M ms after each page handed out (the caller's
 * simulated work on it).  --no-prefetch turns the iterator's prefetch of the
 * next page off (benchmark 5 compares both).  --dry-run creates the client and exits: the fixed
 * cost of a process that links libtfy.  Prints
 * "items=N pages=P elapsed_ms=E" (E from the iterator's creation to its end).
 * Retries are off, so a failure is never hidden in a benchmark figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tfy/tfy.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: iter_all [--base-url URL] [--api-key KEY] [--limit N] [--max-items N]\n"
	        "                [--max-pages N] [--work-ms M] [--no-prefetch] [--dry-run]\n");
}

int main(int argc, char **argv)
{
	tfy_client_options copts = TFY_CLIENT_OPTIONS_INIT;
	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	copts.max_retries = 0;
	opts.limit = TFY_BATCHES_LIMIT_MAX;
	long work_ms = 0;
	int dry_run = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dry-run") == 0) {
			dry_run = 1;
			continue;
		}
		if (strcmp(a, "--no-prefetch") == 0) {
			opts.prefetch = 0;
			continue;
		}
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (!v) {
			usage();
			return 2;
		}
		if (strcmp(a, "--base-url") == 0)
			copts.base_url = v;
		else if (strcmp(a, "--api-key") == 0)
			copts.api_key = v;
		else if (strcmp(a, "--limit") == 0)
			opts.limit = atoi(v);
		else if (strcmp(a, "--max-items") == 0)
			opts.max_items = atoll(v);
		else if (strcmp(a, "--max-pages") == 0)
			opts.max_pages = atoll(v);
		else if (strcmp(a, "--work-ms") == 0)
			work_ms = atol(v);
		else {
			usage();
			return 2;
		}
	}

	tfy_client *client = NULL;
	tfy_error *err = NULL;
	if (tfy_client_new(&copts, &client, &err) != TFY_OK) {
		fprintf(stderr, "iter_all: %s\n", err ? err->message : "out of memory");
		tfy_error_free(err);
		return 1;
	}
	if (dry_run) {
		tfy_client_free(client);
		printf("items=0 pages=0 elapsed_ms=0\n");
		return 0;
	}

	double t0 = now_ms();
	tfy_batch_iter *it = NULL;
	if (tfy_batch_iter_new(client, &opts, &it, &err) != TFY_OK) {
		fprintf(stderr, "iter_all: %s\n", err ? err->message : "out of memory");
		tfy_error_free(err);
		tfy_client_free(client);
		return 1;
	}
	int status = 0;
	size_t total = 0;
	for (;;) {
		const tfy_batch *const *batches;
		size_t count;
		if (tfy_batch_iter_next_page(it, &batches, &count, &err) != TFY_OK) {
			fprintf(stderr, "iter_all: %s\n", err ? err->message : "out of memory");
			tfy_error_free(err);
			status = 1;
			break;
		}
		if (count == 0)
			break;
		total += count;
		if (work_ms > 0)
			sleep_ms(work_ms);
	}
	double elapsed = now_ms() - t0;
	printf("items=%zu pages=%lld elapsed_ms=%.1f\n", total, (long long)tfy_batch_iter_pages(it),
	       elapsed);
	tfy_batch_iter_free(it);
	tfy_client_free(client);
	return status;
}
