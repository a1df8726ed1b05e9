/*
 * Benchmark 1: decode one List batches page into the typed list, against
 * jansson's bare parse of the same bytes.
 *
 *   bench_decode --file PAGE.json [--rounds R] [--blocks B] [--iters N]
 *                [--mode both|tfy|jansson] [--once]
 *
 * A round runs B blocks of each side, alternating which side goes first from
 * one block to the next; a block is N decodes with tfy__decode_batch_page +
 * tfy_batch_page_free, or N parses with json_loadb + json_decref.  Fine
 * interleaving puts both sides under the same load on a shared machine.
 * Each block is timed with the thread's CPU clock (time other processes take
 * the core from it is not counted) and with the monotonic clock.  --iters 0
 * (the default) picks N so that a libtfy block takes about 4 ms.  Prints
 * key=value lines: per-page medians over the rounds and the ratio, libtfy over
 * jansson.
 *
 * --once decodes the page once to check it, then once more with run_tfy and
 * parses it once with run_jansson, and exits: for callgrind, the two
 * functions' inclusive counts are one page's instructions on each side, both
 * on a heap the first decode has warmed.  Not a test:
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

static double clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile size_t sink; /* keeps the loops from being optimised away */

/* Decodes the page n times; 0, or -1 on failure.  (noinline: callgrind names it.) */
__attribute__((noinline)) static int run_tfy(const char *body, size_t len, long n)
{
	char detail[256];
	for (long i = 0; i < n; i++) {
		tfy_batch_page *list;
		if (tfy__decode_batch_page(body, len, &list, detail, sizeof(detail)) != TFY_OK) {
			fprintf(stderr, "bench_decode: decode failed: %s\n", detail);
			return -1;
		}
		sink += list->count;
		tfy_batch_page_free(list);
	}
	return 0;
}

__attribute__((noinline)) static int run_jansson(const char *body, size_t len, long n)
{
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
	return 0;
}

typedef struct side {
	int (*run)(const char *, size_t, long);
	double cpu_ns, wall_ns; /* accumulated over the current round */
} side;

static int timed(side *s, const char *body, size_t len, long n)
{
	double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), w0 = clock_ns(CLOCK_MONOTONIC);
	if (s->run(body, len, n) != 0)
		return -1;
	s->wall_ns += clock_ns(CLOCK_MONOTONIC) - w0;
	s->cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of v (sorted in place), and its extremes. */
static double median(double *v, int n, double *lo, double *hi)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	if (lo)
		*lo = v[0];
	if (hi)
		*hi = v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_decode --file PAGE.json [--rounds R] [--blocks B] [--iters N]\n"
	                "                    [--mode both|tfy|jansson] [--once]\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL, *mode = "both";
	long iters = 0;
	int rounds = 15, blocks = 20, once = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--once") == 0) {
			once = 1;
			continue;
		}
		const char *v = i + 1 < argc ? argv[++i] : NULL;
		if (!v) {
			usage();
			return 2;
		}
		if (strcmp(a, "--file") == 0)
			path = v;
		else if (strcmp(a, "--rounds") == 0)
			rounds = atoi(v);
		else if (strcmp(a, "--blocks") == 0)
			blocks = atoi(v);
		else if (strcmp(a, "--iters") == 0)
			iters = atol(v);
		else if (strcmp(a, "--mode") == 0)
			mode = v;
		else {
			usage();
			return 2;
		}
	}
	int do_tfy = strcmp(mode, "jansson") != 0, do_jansson = strcmp(mode, "tfy") != 0;
	if (!path || rounds < 1 || rounds > MAX_ROUNDS || blocks < 1 || iters < 0 ||
	    (!do_tfy && !do_jansson)) {
		usage();
		return 2;
	}
	size_t len;
	char *body = read_file(path, &len);
	if (!body)
		return 1;

	char detail[256];
	tfy_batch_page *list;
	if (tfy__decode_batch_page(body, len, &list, detail, sizeof(detail)) != TFY_OK) {
		fprintf(stderr, "bench_decode: %s: %s\n", path, detail);
		free(body);
		return 1;
	}
	size_t items = list->count;
	tfy_batch_page_free(list);
	if (once) {
		int rc = run_tfy(body, len, 1) || run_jansson(body, len, 1);
		printf("page_bytes=%zu\npage_items=%zu\n", len, items);
		free(body);
		return items && !rc ? 0 : 1;
	}
	if (items == 0) {
		fprintf(stderr, "bench_decode: %s holds no batch\n", path);
		free(body);
		return 1;
	}

	side sides[2] = { { run_tfy, 0, 0 }, { run_jansson, 0, 0 } };
	side *first = do_tfy ? &sides[0] : &sides[1];
	if (iters == 0) {
		/* Warm up for ~50 ms, then size a block for ~4 ms of CPU. */
		long n = 0;
		first->cpu_ns = 0;
		while (first->cpu_ns < 50e6 && n < (1L << 24)) {
			if (timed(first, body, len, 1) != 0) {
				free(body);
				return 1;
			}
			n++;
		}
		iters = (long)(4e6 / (first->cpu_ns / (double)n)) + 1;
	}

	double cpu[2][MAX_ROUNDS], wall[2][MAX_ROUNDS], ratio[MAX_ROUNDS], wratio[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) {
		sides[0].cpu_ns = sides[0].wall_ns = sides[1].cpu_ns = sides[1].wall_ns = 0;
		for (int k = 0; k < blocks; k++) {
			int order = (r + k) % 2; /* 0: libtfy first */
			for (int j = 0; j < 2; j++) {
				int s = j ^ order;
				if ((s == 0 && !do_tfy) || (s == 1 && !do_jansson))
					continue;
				if (timed(&sides[s], body, len, iters) != 0) {
					free(body);
					return 1;
				}
			}
		}
		double per = (double)iters * blocks;
		for (int s = 0; s < 2; s++) {
			cpu[s][r] = sides[s].cpu_ns / per;
			wall[s][r] = sides[s].wall_ns / per;
		}
		ratio[r] = cpu[1][r] > 0 ? cpu[0][r] / cpu[1][r] : 0;
		wratio[r] = wall[1][r] > 0 ? wall[0][r] / wall[1][r] : 0;
	}
	printf("page_bytes=%zu\n", len);
	printf("page_items=%zu\n", items);
	printf("rounds=%d\n", rounds);
	printf("blocks_per_round=%d\n", blocks);
	printf("iters_per_block=%ld\n", iters);
	static const char *const names[2] = { "tfy", "jansson" };
	double med_cpu[2] = { 0, 0 };
	for (int s = 0; s < 2; s++) {
		if ((s == 0 && !do_tfy) || (s == 1 && !do_jansson))
			continue;
		double lo, hi;
		med_cpu[s] = median(cpu[s], rounds, &lo, &hi);
		printf("%s_ns_per_page=%.0f\n", names[s], med_cpu[s]);
		printf("%s_ns_per_page_min=%.0f\n", names[s], lo);
		printf("%s_ns_per_page_max=%.0f\n", names[s], hi);
		printf("%s_ns_per_batch=%.1f\n", names[s], med_cpu[s] / (double)items);
		printf("%s_mb_per_s=%.1f\n", names[s], (double)len / med_cpu[s] * 1e3);
		printf("%s_wall_ns_per_page=%.0f\n", names[s], median(wall[s], rounds, NULL, NULL));
	}
	if (do_tfy && do_jansson) {
		double lo, hi;
		printf("ratio_median=%.3f\n", median(ratio, rounds, &lo, &hi));
		printf("ratio_min=%.3f\n", lo);
		printf("ratio_max=%.3f\n", hi);
		printf("ratio_of_medians=%.3f\n", med_cpu[0] / med_cpu[1]);
		printf("wall_ratio_median=%.3f\n", median(wratio, rounds, &lo, &hi));
		printf("wall_ratio_min=%.3f\n", lo);
		printf("wall_ratio_max=%.3f\n", hi);
	}
	free(body);
	return 0;
}
