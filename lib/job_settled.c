/*
 * A shard's settled file, dir/settled/r<round>-s<index>.jsonl: one line
 * per request line of the shard, in the shard's order (which is input
 * order), each one JSON object of three members in this order:
 *
 *   {"outcome":"succeeded","custom_id":"<id>","record":<record>}
 *
 * - outcome: "succeeded" (a final success: the record goes to
 *   output.jsonl), "failed" (a final failure: errors.jsonl) or "retry"
 *   (the line goes to the next round, whose settled files say how it
 *   ended; in the last round a "retry" reads as "failed").
 * - custom_id: the line's custom_id, written by this library's encoder
 *   (ASCII, \uXXXX escapes), so that two entries of one custom_id are the
 *   same bytes.
 * - record: the line's record, one line of JSON as the output or error
 *   file holds it, or, for a line no file has a record of (its batch
 *   expired, failed or was cancelled first), one the job writes in the
 *   error file's shape: {"id":null,"custom_id":...,"response":null,
 *   "error":{"code":"batch_expired","message":"..."}}.
 *
 * The fixed shape lets the merge and the retry input read an entry with a
 * few byte compares instead of a JSON parser: the record is everything
 * between the prefix and the final '}'.  A settled file is written through
 * a temporary name, flushed and renamed (outfile.h): present means
 * complete.
 */
#include "job_settled.h"

#include <string.h>

#include "encode.h"
#include "job_data.h"

static const char *const outcome_names[] = { NULL, "succeeded", "failed", "retry" };

#define PREFIX "{\"outcome\":\""
#define ID_PREFIX "\",\"custom_id\":"
#define RECORD_PREFIX ",\"record\":"
#define LEN(s) (sizeof(s) - 1)

int tfy__job_settled_id(tfy__buf *b, const char *id, size_t n)
{
	b->len = 0;
	return tfy__json_append_string_n(b, id, n);
}

int tfy__job_settled_write(tfy__outfile *f, tfy__buf *scratch, int outcome, const char *id,
                           size_t n, const char *record, size_t record_len)
{
	const char *name = outcome_names[outcome];
	if (tfy__job_settled_id(scratch, id, n) < 0)
		return -1;
	int rc = tfy__outfile_write(f, PREFIX, LEN(PREFIX)) |
	         tfy__outfile_write(f, name, strlen(name)) |
	         tfy__outfile_write(f, ID_PREFIX, LEN(ID_PREFIX)) |
	         tfy__outfile_write(f, scratch->data, scratch->len) |
	         tfy__outfile_write(f, RECORD_PREFIX, LEN(RECORD_PREFIX)) |
	         tfy__outfile_write(f, record, record_len) | tfy__outfile_write(f, "}\n", 2);
	return rc ? -1 : 0;
}

/* The end of the JSON string at s[0] (its opening quote) within n bytes: past its closing quote, or 0. */
static size_t string_end(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

int tfy__job_settled_parse(const char *line, size_t len, tfy__settled *out)
{
	if (len < LEN(PREFIX) || memcmp(line, PREFIX, LEN(PREFIX)) != 0)
		return -1;
	size_t i = LEN(PREFIX);
	out->outcome = 0;
	for (int k = 1; k <= TFY__SETTLED_RETRY && !out->outcome; k++) {
		size_t m = strlen(outcome_names[k]);
		if (len - i > m && memcmp(line + i, outcome_names[k], m) == 0)
			out->outcome = k, i += m;
	}
	if (!out->outcome || len - i < LEN(ID_PREFIX) ||
	    memcmp(line + i, ID_PREFIX, LEN(ID_PREFIX)) != 0)
		return -1;
	i += LEN(ID_PREFIX);
	size_t id_len = i < len && line[i] == '"' ? string_end(line + i, len - i) : 0;
	if (!id_len)
		return -1;
	out->id = line + i;
	out->id_len = id_len;
	i += id_len;
	if (len - i < LEN(RECORD_PREFIX) + 2 ||
	    memcmp(line + i, RECORD_PREFIX, LEN(RECORD_PREFIX)) != 0 || line[len - 1] != '}')
		return -1;
	i += LEN(RECORD_PREFIX);
	out->record = line + i;
	out->record_len = len - 1 - i;
	return 0;
}

char *tfy__job_settled_path(const char *dir, int32_t round, int32_t index)
{
	return tfy__outfile_path("%s/settled/r%d-s%d.jsonl", dir, (int)round, (int)index);
}

char *tfy__job_round_path(const char *dir, int32_t round)
{
	return tfy__outfile_path("%s/rounds/r%d.jsonl", dir, (int)round);
}
