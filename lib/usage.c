/*
 * A job's usage: token counts summed exactly (integers) from the records
 * of its output, and their estimated cost from a price table.
 */
#include <string.h>

#include "buf.h"
#include "decode.h"
#include "job_data.h"

void tfy__usage_init(tfy_job_usage *u, const tfy__price_table *prices)
{
	memset(u, 0, sizeof(*u));
	u->has_cost = prices != NULL;
}

/*
 * No tokens were added yet (a zeroed struct, or one from
 * tfy__usage_init): so no model went unpriced, since has_cost drops only
 * for tokens of a model the table lacks.  A zeroed struct given prices
 * thus gets has_cost 1 at its first record.
 */
static int fresh(const tfy_job_usage *u)
{
	return !u->prompt_tokens && !u->completion_tokens && !u->cached_tokens &&
	       !u->reasoning_tokens && u->cost == 0;
}

/* The cost of one record's tokens at price p, in the table's currency. */
static double cost_of(const tfy__record *r, const tfy__price *p)
{
	int64_t cached = r->cached_tokens < r->prompt_tokens ? r->cached_tokens : r->prompt_tokens;
	double cached_price = p->cached_input >= 0 ? p->cached_input : p->input;
	return ((double)(r->prompt_tokens - cached) * p->input + (double)cached * cached_price +
	        (double)r->completion_tokens * p->output) /
	       1e6;
}

void tfy__usage_add_record(tfy_job_usage *u, const tfy__price_table *prices, const tfy__record *r)
{
	if (prices && fresh(u))
		u->has_cost = 1;
	if (r->status_code >= 200 && r->status_code <= 299)
		u->requests++;
	if (!r->usage)
		return;
	u->prompt_tokens += r->prompt_tokens;
	u->completion_tokens += r->completion_tokens;
	u->cached_tokens += r->cached_tokens;
	u->reasoning_tokens += r->reasoning_tokens;
	if (!prices || (!r->prompt_tokens && !r->completion_tokens))
		return;
	const tfy__price *p = tfy__price_find(prices, r->model);
	if (p)
		u->cost += cost_of(r, p);
	else
		u->has_cost = 0;
}

int tfy__usage_add_line(tfy_job_usage *usage, const tfy__price_table *prices, const char *line,
                        size_t len)
{
	tfy__buf strings = TFY__BUF_INIT, scratch = TFY__BUF_INIT;
	tfy__record r = { 0 };
	char detail[64];
	tfy_code rc = tfy__decode_record(line, len, &r, &strings, &scratch, detail, sizeof(detail));
	if (rc == TFY_OK)
		tfy__usage_add_record(usage, prices, &r);
	tfy__buf_clear(&strings);
	tfy__buf_clear(&scratch);
	return rc == TFY_OK ? 0 : -1;
}

void tfy__usage_sum(tfy_job_usage *into, const tfy_job_usage *add)
{
	int has_cost = fresh(into) && fresh(add) ? into->has_cost || add->has_cost
	             : fresh(add)                ? into->has_cost
	             : fresh(into)               ? add->has_cost
	                                         : into->has_cost && add->has_cost;
	into->requests += add->requests;
	into->failed += add->failed;
	into->prompt_tokens += add->prompt_tokens;
	into->completion_tokens += add->completion_tokens;
	into->cached_tokens += add->cached_tokens;
	into->reasoning_tokens += add->reasoning_tokens;
	into->cost += add->cost;
	into->has_cost = has_cost;
}
