/*
 * The input checker's core, fed one line at a time by whoever reads the
 * file: tfy_input_check_path and tfy_input_check_read (check.c), and a
 * job's plan (job_plan.c), which reads the input once to check it and cut
 * it into shards.  Internal to libtfy.
 */
#ifndef TFY_CHECK_INTERNAL_H
#define TFY_CHECK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "error_internal.h"
#include "tfy/check.h"

typedef struct tfy__check tfy__check;

/*
 * A new check with opts (NULL: the defaults), read and refused as
 * tfy_input_check_path does.  job: the input of a job, which cuts it into
 * shards rather than sending it as one batch: the limits of one batch's
 * file (requests, bytes, embedding inputs, the provider's fewest
 * requests) are the plan's to apply per shard, and custom_ids are kept as
 * 64-bit hashes (a hashed strset: 16 to 32 bytes a custom_id whatever its
 * length, see strset.h) instead of whole.  TFY_OK, or
 * TFY_ERROR_INVALID_ARGUMENT, TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__check_new(const tfy_input_check_options *opts, int job, tfy__check **out,
                        tfy_error **err);

/*
 * Checks line line_no as tfy__lines_next gave it: a line (TFY__LINE_OK),
 * or one refused as too long (TFY__LINE_TOO_LONG, line unread).  Returns
 * 1 for a request, 0 for a blank line, -1 when memory ran out (the check
 * cannot go on).  *inputs, when not NULL, gets the request's inputs when
 * the batch's endpoint is /v1/embeddings (see tfy__input_line), else 0.
 */
int tfy__check_feed(tfy__check *c, int64_t line_no, int what, const char *line, size_t len,
                    int64_t *inputs);

/* Adds a problem of the caller's to the report (line 0: the whole file). */
void tfy__check_problem(tfy__check *c, int64_t line, int32_t kind, const char *fmt, ...)
	TFY__PRINTF(4, 5);

/* Problems found so far. */
int64_t tfy__check_problems(const tfy__check *c);

/*
 * Ends the check once every line was fed (lines: the last line's number,
 * bytes: the file's size): the problems of the whole file, then *out gets
 * the report (new, tfy_input_report_free).  TFY_OK, or
 * TFY_ERROR_OUT_OF_MEMORY.  Free the check after, whatever it returned.
 */
tfy_code tfy__check_end(tfy__check *c, int64_t lines, int64_t bytes, tfy_input_report **out,
                        tfy_error **err);

/* Frees a check (NULL is ignored); a report handed out is the caller's. */
void tfy__check_free(tfy__check *c);

#endif
