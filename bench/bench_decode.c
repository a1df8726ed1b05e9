/*
 * Benchmark 1: decode one List batches page into the typed list, against
 * jansson's bare parse of the same bytes.
 *
 *   bench_decode --file PAGE.json [--rounds R] [--blocks B] [--iters N]
 *                [--mode both|tfy|jansson] [--once]
 *
 * A round runs B blocks of each side, alternating which side goes first from
 * one block to the next; a block is N decodes with tfy__decode_batch_list +
 * tfy_batch_list_free, or N parses with json_loadb + json_decref.  Fine
 * interleaving puts both sides under the same load on a shared machine.
 * Each block is timed with the thread's CPU clock (time other processes take
 * the core from it is not counted) and with the monotonic clock.  --iters 0
 * (the default) picks N so that a libtfy block takes about 4 ms.  Prints
 * key=value lines: per-page medians over the rounds and the ratio, libtfy over
 * jansson.
 *
 * --once decodes the page exactly once with tfy__decode_batch_list, frees it
 * and exits (for callgrind: one page's instruction count).  Not a test:
 * nothing is checked but that the page decodes and holds batches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "decode.h"
#include "tfy/batch.h"

#define MAX_ROUNDS 101

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_decode: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *grown = realloc(buf, cap * 2);
		if (!grown) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	fclose(f);
	*len = n;
	return buf;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile size_t sink; /* keeps the loops from being optimised away */

/* Decodes the page n times; returns the ns taken, or a negative value on failure. */
static double run_tfy(const char *body, size_t len, long n)
{
	char detail[256];
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		tfy_batch_list *list;
		if (tfy__decode_batch_list(body, len, &list, detail, sizeof(detail)) != TFY_OK) {
			fprintf(stderr, "bench_decode: decode failed: %s\n", detail);
			return -1;
		}
		sink += list->count;
		tfy_batch_list_free(list);
	}
	return now_ns() - t0;
}

static double run_jansson(const char *body, size_t len, long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		json_error_t jerr;
		json_t *root = json_loadb(body, len, 0, &jerr);
		if (!root) {
			fprintf(stderr, "bench_decode: json_loadb failed: %s\n", jerr.text);
			return -1;
		}
		sink += json_object_size(root);
		json_decref(root);
	}
	return now_ns() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_decode --file PAGE.json [--rounds R] [--iters N] "
	                "[--mode both|tfy|jansson] [--once]\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL, *mode = "both";
	long iters = 0;
	int rounds = 15, once = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--once") == 0) {
			once = 1;
			continue;
		}
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			usage();
			return 2;
		}
		if (strcmp(a, "--file") == 0)
			path = v;
		else if (strcmp(a, "--rounds") == 0)
			rounds = atoi(v);
		else if (strcmp(a, "--iters") == 0)
			iters = atol(v);
		else if (strcmp(a, "--mode") == 0)
			mode = v;
		else {
			usage();
			return 2;
		}
		i++;
	}
	int do_tfy = strcmp(mode, "jansson") != 0, do_jansson = strcmp(mode, "tfy") != 0;
	if (!path || rounds < 1 || rounds > MAX_ROUNDS || iters < 0 || (!do_tfy && !do_jansson)) {
		usage();
		return 2;
	}
	size_t len;
	char *body = read_file(path, &len);
	if (!body)
		return 1;

	char detail[256];
	tfy_batch_list *list;
	if (tfy__decode_batch_list(body, len, &list, detail, sizeof(detail)) != TFY_OK) {
		fprintf(stderr, "bench_decode: %s: %s\n", path, detail);
		free(body);
		return 1;
	}
	size_t items = list->count;
	tfy_batch_list_free(list);
	if (once) {
		printf("page_bytes=%zu\npage_items=%zu\n", len, items);
		free(body);
		return items ? 0 : 1;
	}
	if (items == 0) {
		fprintf(stderr, "bench_decode: %s holds no batch\n", path);
		free(body);
		return 1;
	}

	if (iters == 0) {
		/* Warm up, then size N for ~100 ms per measurement. */
		double t = 0;
		long n = 1;
		while (t < 20e6 && n < (1L << 24)) {
			t = do_tfy ? run_tfy(body, len, n) : run_jansson(body, len, n);
			if (t < 0) {
				free(body);
				return 1;
			}
			n *= 2;
		}
		n /= 2;
		iters = (long)(100e6 / (t / (double)n)) + 1;
	}

	double tfy_ns[MAX_ROUNDS], jan_ns[MAX_ROUNDS], ratio[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) {
		double a = 0, b = 0;
		if (r % 2 == 0) {
			if (do_tfy)
				a = run_tfy(body, len, iters);
			if (do_jansson)
				b = run_jansson(body, len, iters);
		} else {
			if (do_jansson)
				b = run_jansson(body, len, iters);
			if (do_tfy)
				a = run_tfy(body, len, iters);
		}
		if (a < 0 || b < 0) {
			free(body);
			return 1;
		}
		tfy_ns[r] = a / (double)iters;
		jan_ns[r] = b / (double)iters;
		ratio[r] = b > 0 ? a / b : 0;
	}
	printf("page_bytes=%zu\n", len);
	printf("page_items=%zu\n", items);
	printf("rounds=%d\n", rounds);
	printf("iters_per_round=%ld\n", iters);
	if (do_tfy) {
		double m = median(tfy_ns, rounds);
		printf("tfy_ns_per_page=%.0f\n", m);
		printf("tfy_ns_per_batch=%.1f\n", m / (double)items);
		printf("tfy_mb_per_s=%.1f\n", (double)len / m * 1e3);
	}
	if (do_jansson) {
		double m = median(jan_ns, rounds);
		printf("jansson_ns_per_page=%.0f\n", m);
		printf("jansson_ns_per_batch=%.1f\n", m / (double)items);
		printf("jansson_mb_per_s=%.1f\n", (double)len / m * 1e3);
	}
	if (do_tfy && do_jansson) {
		double lo = 1e300, hi = 0;
		for (int r = 0; r < rounds; r++) {
			lo = ratio[r] < lo ? ratio[r] : lo;
			hi = ratio[r] > hi ? ratio[r] : hi;
		}
		printf("ratio_median=%.3f\n", median(ratio, rounds));
		printf("ratio_min=%.3f\n", lo);
		printf("ratio_max=%.3f\n", hi);
	}
	free(body);
	return 0;
}
