/*
 * tfy-batches: the progress line of a file transfer.
 *
 * On a terminal one line on stderr, rewritten in place with "\r" and an
 * erase to its end each time the library reports (at most every 100 ms):
 * "downloading out.jsonl  45%  115.2 MiB / 256.0 MiB  52.3 MiB/s  0:03
 * left".  It fits the terminal's width: the name is cut first, then left
 * out.  When the transfer succeeds the line becomes what was saved where;
 * when it fails it is erased, so the error stands alone.  Off a terminal,
 * or with -q, nothing of it is written: a log gets the command's own lines.
 */
#include "meter.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "term.h"
#include "text.h"

/* A name is cut to no fewer columns than this; with less room it is left out. */
#define NAME_MIN 10

void meter_init(meter *m, const cli_args *args, const char *verb, const char *name, int to_terminal)
{
	memset(m, 0, sizeof *m);
	m->live = term_ansi(STDERR_FILENO) && args->format != OUT_IDS && !to_terminal;
	m->verb = verb;
	m->name = name;
	m->total = -1;
}

void meter_attach_upload(meter *m, tfy_files_upload_options *opts)
{
	if (m->live) {
		opts->progress = meter_report;
		opts->progress_userdata = m;
	}
}

void meter_attach_download(meter *m, tfy_files_download_options *opts)
{
	if (m->live) {
		opts->progress = meter_report;
		opts->progress_userdata = m;
	}
}

void meter_size(char *buf, size_t size, int64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRId64 " B", bytes);
		return;
	}
	for (v /= 1024; v >= 1024 && u + 1 < sizeof units / sizeof units[0]; u++)
		v /= 1024;
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

/* "4.1s", "3m12s", "2h05m". */
static void put_duration(char *buf, size_t size, int64_t ms)
{
	int64_t s = ms / 1000;

	if (s < 60)
		snprintf(buf, size, "%.1fs", (double)ms / 1000);
	else if (s < 3600)
		snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
}

/* Bytes a second over the samples kept (about the last 1.6 s); 0 before two reports. */
static double rate_now(const meter *m)
{
	size_t n = m->samples < METER_SAMPLES ? m->samples : METER_SAMPLES;
	size_t newest = (m->samples - 1) % METER_SAMPLES;
	size_t oldest = m->samples <= METER_SAMPLES ? 0 : m->samples % METER_SAMPLES;
	int64_t ms;

	if (n < 2)
		return 0;
	ms = m->sample_ms[newest] - m->sample_ms[oldest];
	if (ms <= 0)
		return 0;
	return (double)(m->sample_bytes[newest] - m->sample_bytes[oldest]) * 1000 / (double)ms;
}

/* The figures of the line, ASCII: percentage, bytes, rate, time left (what is known). */
static void format_figures(const meter *m, char *buf, size_t size)
{
	char done[24], total[24], rate[24] = "", left[32] = "";
	double r = rate_now(m);
	size_t n;

	meter_size(done, sizeof done, m->done);
	if (r > 0) {
		meter_size(rate, sizeof rate, (int64_t)r);
		strcat(rate, "/s");
	}
	if (m->total <= 0) {
		snprintf(buf, size, "%s%s%s", done, rate[0] ? "  " : "", rate);
		return;
	}
	meter_size(total, sizeof total, m->total);
	if (r > 0 && m->total > m->done) {
		int64_t s = (int64_t)((double)(m->total - m->done) / r + 0.5);

		if (s < 3600)
			snprintf(left, sizeof left, "%" PRId64 ":%02" PRId64 " left", s / 60, s % 60);
		else
			snprintf(left, sizeof left, "%" PRId64 ":%02" PRId64 ":%02" PRId64 " left",
			         s / 3600, s / 60 % 60, s % 60);
	}
	n = (size_t)snprintf(buf, size, "%3d%%  %s / %s", (int)(m->done * 100 / m->total), done, total);
	if (rate[0] && n < size)
		n += (size_t)snprintf(buf + n, size - n, "  %s", rate);
	if (left[0] && n < size)
		snprintf(buf + n, size - n, "  %s", left);
}

/* Columns the line may take: one short of the width, so the cursor never wraps. */
static size_t room(void)
{
	size_t width = term_width(STDERR_FILENO);

	return width > 1 ? width - 1 : 1;
}

static void draw(meter *m)
{
	size_t cols = room(), verb = strlen(m->verb), figures_len;
	char figures[160];
	sink err;

	format_figures(m, figures, sizeof figures);
	figures_len = strlen(figures);
	sink_init(&err, stderr);
	sink_puts(&err, "\r\033[K");
	if (verb + 1 + NAME_MIN + 2 + figures_len <= cols) {
		sink_puts(&err, m->verb);
		sink_puts(&err, " ");
		text_put_cut(&err, m->name, cols - verb - 3 - figures_len);
		sink_puts(&err, "  ");
	} else if (verb + 2 + figures_len <= cols) {
		sink_puts(&err, m->verb);
		sink_puts(&err, "  ");
	}
	sink_write(&err, figures, figures_len < cols ? figures_len : cols);
	sink_flush(&err);
	m->shown = 1;
}

int32_t meter_report(void *userdata, const tfy_transfer_progress *p)
{
	meter *m = userdata;
	size_t i;

	/* a repeated attempt starts from 0 again: so does the rate */
	if (p->bytes_done < m->done)
		m->samples = 0;
	m->done = p->bytes_done;
	m->total = p->bytes_total;
	m->elapsed_ms = p->elapsed_ms;
	i = m->samples++ % METER_SAMPLES;
	m->sample_bytes[i] = p->bytes_done;
	m->sample_ms[i] = p->elapsed_ms;
	if (p->phase != TFY_TRANSFER_PHASE_DONE)
		draw(m);
	return TFY_CANCEL_CONTINUE;
}

int meter_end(meter *m, const char *verb, const char *prep, const char *name, const char *id)
{
	char size[24], took[24], speed[24], rate[40] = "", head[192];
	const char *shown = name != NULL ? name : "standard output";
	size_t cols = room(), tail = 1 + strlen(prep) + 1 + text_width(shown);
	sink err;

	if (!m->live)
		return 0;
	meter_size(size, sizeof size, m->done);
	put_duration(took, sizeof took, m->elapsed_ms);
	if (m->elapsed_ms > 0) {
		meter_size(speed, sizeof speed,
		           (int64_t)((double)m->done * 1000 / (double)m->elapsed_ms));
		snprintf(rate, sizeof rate, " (%s/s)", speed);
	}
	if (id != NULL)
		tail += 4 + text_width(id);
	/* the name and the id are for copying: never cut; the rate goes first, then the line breaks */
	snprintf(head, sizeof head, CLI_NAME ": %s %s in %s%s", verb, size, took, rate);
	if (strlen(head) + tail > cols)
		snprintf(head, sizeof head, CLI_NAME ": %s %s in %s", verb, size, took);
	sink_init(&err, stderr);
	sink_puts(&err, "\r\033[K");
	sink_puts(&err, head);
	sink_puts(&err, " ");
	sink_puts(&err, prep);
	sink_puts(&err, strlen(head) + tail > cols ? "\n  " : " ");
	text_put(&err, shown, 0);
	if (id != NULL) {
		sink_puts(&err, " as ");
		text_put(&err, id, 0);
	}
	sink_puts(&err, "\n");
	sink_flush(&err);
	m->shown = 0;
	return 1;
}

void meter_abandon(meter *m)
{
	if (m->shown)
		fputs("\r\033[K", stderr);
	fflush(stderr);
	m->shown = 0;
}
