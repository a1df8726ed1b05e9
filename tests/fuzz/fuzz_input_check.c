/*
 * libFuzzer harness: the input checker over any bytes, handed out in
 * chunks of a size the input chooses, with limits the input chooses.
 * Invariants: the check returns TFY_OK with a report (never IO or OOM
 * here); bytes is the input's size; requests <= lines; at most
 * max_problems kept, at most problems_total; each kept problem has a known
 * kind, reserved_ 0, a line within the file (0 only for whole-file
 * problems, which come last) in nondecreasing order, and a message of
 * printable text without line breaks; a clean report has an endpoint
 * unless the file holds no request or Vertex's rules let its lines omit
 * the url.  The provider kind is the input's choice too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tfy/tfy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	tu_mem_stream m = { (const char *)data + 3, size - 3, 0, (size_t)data[0] % 128 + 1, -1 };
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_requests = data[1] & 1 ? data[1] >> 4 : 0;
	opts.max_problems = data[2] % 8;
	opts.max_line_bytes = data[1] & 2 ? 64 : 0;
	opts.endpoint = data[1] & 4 ? "/v1/chat/completions"
	              : data[1] & 8 ? "/v1/embeddings"
	                            : NULL;
	opts.provider_kind = (data[2] >> 3) & 3; /* OPENAI, AZURE, BEDROCK, VERTEX */
	tfy_input_report *rep = NULL;
	tfy_error *err = NULL;
	if (tfy_input_check_read(tu_mem_read, &m, &opts, &rep, &err) != TFY_OK || err || !rep)
		abort();
	int64_t kept = opts.max_problems ? opts.max_problems : TFY_INPUT_MAX_PROBLEMS_DEFAULT;
	if (rep->bytes != (int64_t)m.len || rep->requests > rep->lines ||
	    rep->lines > (int64_t)m.len + 1 || (int64_t)rep->problems_count > kept ||
	    (int64_t)rep->problems_count > rep->problems_total ||
	    (rep->problems_count && !rep->problems))
		abort();
	int64_t prev = 1;
	int whole_file = 0;
	for (size_t i = 0; i < rep->problems_count; i++) {
		const tfy_input_problem *p = rep->problems[i];
		if (p->kind < TFY_INPUT_PROBLEM_INVALID_JSON ||
		    p->kind > TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS || p->reserved_ || !p->message ||
		    p->line < 0 || p->line > rep->lines)
			abort();
		int file_kind = p->kind == TFY_INPUT_PROBLEM_FILE_TOO_LARGE ||
		                p->kind == TFY_INPUT_PROBLEM_EMPTY_FILE ||
		                p->kind == TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS;
		if (file_kind != (p->line == 0) || (whole_file && !file_kind) ||
		    (!file_kind && p->line < prev))
			abort();
		whole_file |= file_kind;
		prev = file_kind ? prev : p->line;
		for (const char *c = p->message; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
		if (strcmp(tfy_input_problem_name(p->kind), "unknown") == 0)
			abort();
	}
	if (rep->problems_total == 0 && rep->requests && !rep->endpoint &&
	    opts.provider_kind != TFY_PROVIDER_KIND_VERTEX)
		abort();
	tfy_input_report_free(rep);
	return 0;
}
