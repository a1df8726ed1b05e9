/*
 * tfy-batches: the csv format.
 *
 * Columns: id, status, created_at (Unix seconds), created (ISO 8601, UTC),
 * completed, failed, total (request_counts), endpoint, model, input_file_id,
 * output_file_id, error_file_id.  Absent values are empty fields.  Values are
 * written as sent (a spreadsheet may treat a leading '=' as a formula).
 */
#include "csv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void csv_write_field(sink *out, const char *s, int last)
{
	if (s != NULL && strpbrk(s, ",\"\r\n") != NULL) {
		const char *p;

		sink_puts(out, "\"");
		for (p = s; *p; p++) {
			if (*p == '"')
				sink_puts(out, "\"");
			sink_write(out, p, 1);
		}
		sink_puts(out, "\"");
	} else if (s != NULL) {
		sink_puts(out, s);
	}
	sink_puts(out, last ? "\r\n" : ",");
}

static const char *int_text(char *buf, size_t size, const tfy_opt_int64 *v)
{
	if (!v->present)
		return NULL;
	snprintf(buf, size, "%" PRId64, v->value);
	return buf;
}

static const char *utc_text(char *buf, size_t size, const tfy_opt_int64 *t)
{
	time_t secs = (time_t)t->value;
	struct tm tm;

	if (!t->present || (int64_t)secs != t->value || gmtime_r(&secs, &tm) == NULL ||
	    tm.tm_year < 1000 - 1900 || tm.tm_year > 9999 - 1900 ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}

void csv_write_header(sink *out)
{
	sink_puts(out, "id,status,created_at,created,completed,failed,total,endpoint,model,"
	               "input_file_id,output_file_id,error_file_id\r\n");
}

void csv_write_row(sink *out, const tfy_batch *b)
{
	const tfy_batch_request_counts *rc = b->request_counts;
	static const tfy_opt_int64 absent = { 0, 0, 0 };
	char created_at[24], created[32], done[24], failed[24], total[24];

	csv_write_field(out, b->id, 0);
	csv_write_field(out, b->status_raw, 0);
	csv_write_field(out, int_text(created_at, sizeof created_at, &b->created_at), 0);
	csv_write_field(out, utc_text(created, sizeof created, &b->created_at), 0);
	csv_write_field(out, int_text(done, sizeof done, rc != NULL ? &rc->completed : &absent), 0);
	csv_write_field(out, int_text(failed, sizeof failed, rc != NULL ? &rc->failed : &absent), 0);
	csv_write_field(out, int_text(total, sizeof total, rc != NULL ? &rc->total : &absent), 0);
	csv_write_field(out, b->endpoint, 0);
	csv_write_field(out, b->model, 0);
	csv_write_field(out, b->input_file_id, 0);
	csv_write_field(out, b->output_file_id, 0);
	csv_write_field(out, b->error_file_id, 1);
}
