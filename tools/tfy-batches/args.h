/*
 * tfy-batches: the command line.
 */
#ifndef TFY_BATCHES_ARGS_H
#define TFY_BATCHES_ARGS_H

#include <tfy/tfy.h>

#include "net.h"
#include "output.h"
#include "text.h"

typedef enum cli_action {
	CLI_RUN,
	CLI_HELP,
	CLI_VERSION,
	CLI_USAGE_ERROR, /* already reported on stderr */
	CLI_NO_MEMORY
} cli_action;

/*
 * Every string is borrowed from argv except the -H names, which are copied
 * because the value follows them in the same argument.
 */
typedef struct cli_args {
	const char *base_url; /* NULL: the library reads TFY_BASE_URL */
	const char *api_key;  /* NULL: the library reads TFY_API_KEY */
	int all;
	int limit_given;
	int32_t max_retries;  /* -1: the library's default */
	out_format format;
	tfy_batches_list_options list; /* request points at the member below */
	tfy_request_options request;   /* headers points at header_buf */
	tfy_pair *header_buf;
	size_t header_cap;
	const char **statuses; /* --status values, borrowed from argv; the array is ours */
	size_t status_count;
	int summary;           /* --summary */
	net_flags net;         /* --cacert, --proxy, ... (net.h) */
} cli_args;

cli_action cli_parse(int argc, char **argv, cli_args *args);
void cli_args_free(cli_args *args);

void cli_write_help(sink *out);

#endif
