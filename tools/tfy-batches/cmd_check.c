/*
 * tfy-batches check PATH: what the Batch API would refuse in an input file.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "inputcheck.h"
#include "show.h"

int cmd_check_run(const cli_args *args, sink *out)
{
	int64_t requests = 0;
	int rc = input_check(args->operands[0], args->endpoint, args->provider_kind, out, &requests,
	                     NULL);

	if (rc == CLI_EXIT_OK) {
		char tail[64];

		text_put(out, args->operands[0], 0);
		snprintf(tail, sizeof tail, ": %" PRId64 " %s, ok\n", requests,
		         requests == 1 ? "request" : "requests");
		sink_puts(out, tail);
	}
	if (sink_flush(out) != 0 && (rc == CLI_EXIT_OK || rc == CLI_EXIT_INPUT))
		return show_status(OUT_WRITE, out);
	return rc;
}
