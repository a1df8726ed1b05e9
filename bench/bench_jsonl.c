/*
 * Benchmark 8: the JSONL readers against jansson's parse of each line.
 *
 *   bench_jsonl [--lines N] [--rounds R] [--mode results|check|both] [--smoke]
 *
 * The data are generated at run time, never stored: a stream (tfy_read_fn)
 * writes N lines from a template, each with its own number in its ids, in
 * 64 KiB chunks.  Each side reads the same stream:
 *
 *   results  tfy_result_reader_new + tfy_result_reader_next for every line
 *            (an OpenAI output line: a chat completion body of ~0.6 KB)
 *   check    tfy_input_check_read over N request lines (the custom_ids all
 *            distinct, so the set grows to N)
 *   jansson  the same stream split at '\n' (memchr) and each line parsed
 *            with json_loadb + json_decref: the floor
 *   stream   the stream split at '\n' and nothing more: what generating
 *            and splitting cost both sides
 *
 * Each round times every side once with the process CPU clock (CPU time of
 * this process only), the order rotating from round to round.  Prints
 * key=value lines: medians over the rounds, the ratios of the medians with
 * and without the stream's cost (net = (side - stream) / (jansson - stream)),
 * and the peak RSS.  --smoke: 2,000 lines, 1 round, and a check that every
 * line was read and the input was found clean (exit 1 if not).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "tfy/tfy.h"

#define MAX_ROUNDS 51
#define CHUNK 65536

/* Where the line number goes in a template: 7 digits, at each '#######'. */
static const char output_line[] =
	"{\"id\": \"batch_req_#######\", \"custom_id\": \"request-#######\", \"response\": {\"status_code\": 200, "
	"\"request_id\": \"req_c187b3#######\", \"body\": {\"id\": \"chatcmpl-9w2x#######\", \"object\": "
	"\"chat.completion\", \"created\": 1711652795, \"model\": \"gpt-4o-mini-2024-07-18\", \"choices\": "
	"[{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"Hello! The capital of France is "
	"Paris. It is known for the Eiffel Tower, the Louvre and its caf\\u00e9s.\", \"refusal\": null}, "
	"\"logprobs\": null, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": 22, "
	"\"completion_tokens\": 31, \"total_tokens\": 53, \"prompt_tokens_details\": {\"cached_tokens\": 0}, "
	"\"completion_tokens_details\": {\"reasoning_tokens\": 0}}, \"system_fingerprint\": \"fp_44709d6fcb\"}}, "
	"\"error\": null}\n";

static const char input_line[] =
	"{\"custom_id\": \"request-#######\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": "
	"{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"system\", \"content\": \"You are a helpful "
	"assistant.\"}, {\"role\": \"user\", \"content\": \"What is the capital of France? Answer in one "
	"sentence.\"}], \"max_tokens\": 1000}}\n";

typedef struct stream {
	const char *tmpl;
	size_t tmpl_len;
	long lines, done;
	char *line; /* the current line, numbered */
	size_t pos; /* bytes of it handed out */
} stream;

static void number_line(stream *s)
{
	memcpy(s->line, s->tmpl, s->tmpl_len + 1); /* its NUL too: strstr reads to it */
	char digits[7];
	long v = s->done;
	for (int k = 6; k >= 0; k--, v /= 10)
		digits[k] = (char)('0' + v % 10);
	for (char *p = s->line; (p = strstr(p, "#######")) != NULL; p += 7)
		memcpy(p, digits, 7);
}

static int64_t stream_read(void *userdata, char *buf, size_t size)
{
	stream *s = userdata;
	size_t n = 0;
	while (n < size && s->done < s->lines) {
		if (s->pos == 0)
			number_line(s);
		size_t k = s->tmpl_len - s->pos;
		if (k > size - n)
			k = size - n;
		memcpy(buf + n, s->line + s->pos, k);
		n += k;
		s->pos += k;
		if (s->pos == s->tmpl_len) {
			s->pos = 0;
			s->done++;
		}
	}
	return (int64_t)n;
}

static void stream_start(stream *s, const char *tmpl, long lines)
{
	s->tmpl = tmpl;
	s->tmpl_len = strlen(tmpl);
	s->lines = lines;
	s->done = 0;
	s->pos = 0;
	if (!s->line)
		s->line = malloc(s->tmpl_len + 1);
	if (!s->line)
		exit(2);
}

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Splits the stream at '\n'; with parse, json_loadb + json_decref each line.  Returns the lines. */
static long split(stream *s, int parse)
{
	static char buf[CHUNK * 4];
	size_t have = 0;
	long lines = 0;
	for (;;) {
		int64_t n = stream_read(s, buf + have, sizeof(buf) - have);
		have += (size_t)n;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (parse) {
				json_error_t e;
				json_t *v = json_loadb(p, (size_t)(nl - p), 0, &e);
				if (!v)
					exit(3);
				json_decref(v);
			}
			lines++;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
		if (n == 0)
			return lines;
	}
}

static long run_results(stream *s)
{
	tfy_result_reader *r;
	if (tfy_result_reader_new(stream_read, s, NULL, &r, NULL) != TFY_OK)
		exit(4);
	long n = 0;
	const tfy_result *rec;
	while (tfy_result_reader_next(r, &rec, NULL) == TFY_OK && rec) {
		if (rec->status_code != 200 || !rec->body_json)
			exit(5);
		n++;
	}
	tfy_result_reader_free(r);
	return n;
}

static long run_check(stream *s, int64_t *problems)
{
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_requests = TFY_NONE;
	opts.max_bytes = TFY_NONE;
	tfy_input_report *rep;
	if (tfy_input_check_read(stream_read, s, &opts, &rep, NULL) != TFY_OK)
		exit(6);
	long n = (long)rep->requests;
	*problems = rep->problems_total;
	tfy_input_report_free(rep);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One benchmark: ours (results or check) against jansson and the bare stream, same template. */
static int bench(const char *name, const char *tmpl, int is_check, long lines, int rounds, int smoke)
{
	double ours[MAX_ROUNDS], jan[MAX_ROUNDS], bare[MAX_ROUNDS];
	stream s = { 0 };
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 3; k++) {
			int side = (r + k) % 3;
			stream_start(&s, tmpl, lines);
			double t0 = cpu_ms();
			long n;
			int64_t problems = 0;
			if (side == 0)
				n = is_check ? run_check(&s, &problems) : run_results(&s);
			else
				n = split(&s, side == 1);
			double t = cpu_ms() - t0;
			if (n != lines || problems != 0) {
				fprintf(stderr,
				        "bench_jsonl: %s side %d read %ld lines, %lld problems\n",
				        name, side, n, (long long)problems);
				return 1;
			}
			(side == 0 ? ours : side == 1 ? jan : bare)[r] = t;
		}
	}
	free(s.line);
	double o = median(ours, rounds), j = median(jan, rounds), b = median(bare, rounds);
	printf("%s_lines=%ld\n%s_line_bytes=%zu\n", name, lines, name, strlen(tmpl));
	printf("%s_ms=%.1f\n%s_jansson_ms=%.1f\n%s_stream_ms=%.1f\n", name, o, name, j, name, b);
	printf("%s_ratio=%.3f\n%s_net_ratio=%.3f\n", name, o / j, name, (o - b) / (j - b));
	if (smoke)
		printf("%s_smoke=ok\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	long lines = 1000000;
	int rounds = 3, smoke = 0;
	const char *mode = "both";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
			lines = atol(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "--smoke") == 0)
			smoke = 1;
		else {
			fprintf(stderr,
			        "usage: bench_jsonl [--lines N] [--rounds R] [--mode results|check|both] [--smoke]\n");
			return 2;
		}
	}
	if (smoke)
		lines = 2000, rounds = 1;
	if (rounds < 1 || rounds > MAX_ROUNDS || lines < 1 || lines > 9999999)
		return 2;
	int rc = 0;
	if (strcmp(mode, "check") != 0)
		rc |= bench("results", output_line, 0, lines, rounds, smoke);
	if (strcmp(mode, "results") != 0)
		rc |= bench("check", input_line, 1, lines, rounds, smoke);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_kb=%ld\n", ru.ru_maxrss);
	return rc;
}
