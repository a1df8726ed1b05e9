/*
 * tfy-batches: the options of every command, in groups, parsed by one
 * function for all of them.
 */
#ifndef TFY_BATCHES_OPTS_H
#define TFY_BATCHES_OPTS_H

#include <tfy/job.h>
#include <tfy/tfy.h>

#include "net.h"
#include "output.h"
#include "text.h"

/* Option groups; a command accepts the groups of its table entry. */
enum {
	GROUP_GENERAL = 1u << 0,    /* --help, --version: every command */
	GROUP_CONNECTION = 1u << 1, /* base URL, key, auth header, -H, --query, timeouts, TLS */
	GROUP_ROUTING = 1u << 2,    /* the x-tfy-* routing headers */
	GROUP_FORMAT = 1u << 3,     /* --format, -q/--quiet */
	GROUP_LIST = 1u << 4,       /* --status, --summary */
	/* The groups below are documented in the help of the commands that take them. */
	GROUP_ENDPOINT = 1u << 5, /* --endpoint */
	GROUP_CREATE = 1u << 6,   /* --completion-window, --metadata */
	GROUP_INPUT_ID = 1u << 7, /* --input-file-id */
	GROUP_OUTPUT = 1u << 8,   /* -o/--output, -f/--force */
	GROUP_RUN = 1u << 9,      /* --resume, --cancel-on-interrupt */
	GROUP_WAIT = 1u << 10,    /* --wait-timeout */
	GROUP_CHECK = 1u << 11,   /* --provider-kind */
	GROUP_PAGING = 1u << 12,  /* --limit, --after, --all, --max-items */
	GROUP_FILES = 1u << 13,   /* --purpose, --order */
	GROUP_SECRET = 1u << 14,  /* --secret-file: a webhook signing secret */
	GROUP_LISTEN = 1u << 15,  /* --webhook-listen */
	GROUP_JOB = 1u << 16      /* --max-requests, --max-bytes, ..., --prices: a job's limits */
};

typedef enum cli_action {
	CLI_RUN,
	CLI_HELP,
	CLI_VERSION,
	CLI_USAGE_ERROR, /* already reported on stderr */
	CLI_NO_MEMORY
} cli_action;

struct cli_command;

/*
 * Every string is borrowed from argv or the environment except the -H
 * names and the --query names, which are copied because the value follows
 * them in the same argument.
 */
typedef struct cli_args {
	const struct cli_command *command;
	char **operands; /* borrowed from argv */
	size_t operand_count;

	/* connection */
	const char *base_url;    /* NULL: the library reads TFY_BASE_URL */
	const char *api_key;     /* NULL: the library reads TFY_API_KEY */
	const char *auth_header; /* NULL: Authorization: Bearer */
	net_flags net;           /* TLS and proxy flags (net.h), turned into client options there */
	int64_t connect_timeout_ms; /* 0: the library's default */
	int32_t max_retries;        /* -1: the library's default */
	int32_t log_level;          /* from TFY_LOG, checked here */
	/*
	 * headers and query_params point at the buffers below; deadline_ms is
	 * --timeout, the whole command's: each request takes what is left of
	 * it (cli_request() in connect.h)
	 */
	tfy_request_options request;
	int64_t started_ms; /* the monotonic clock when the options were parsed */
	tfy_pair *header_buf;
	size_t header_cap;
	tfy_pair *query_buf;
	size_t query_cap;

	/* format */
	out_format format; /* -q sets OUT_IDS */
	int format_given;  /* --format or -q was given */

	/* list */
	int all;
	int max_items_given;
	tfy_batches_list_options list; /* request points at the member above */
	const char **statuses;         /* --status values, borrowed from argv; the array is ours */
	size_t status_count;
	int summary; /* --summary */

	/* files list */
	const char *purpose; /* --purpose */
	const char *order;   /* --order: "asc" or "desc" */

	/* batch jobs */
	const char *endpoint;          /* --endpoint */
	const char *input_file_id;     /* --input-file-id */
	const char *completion_window; /* --completion-window */
	tfy_pair *metadata;            /* --metadata K=V: names ours, values borrowed */
	size_t metadata_count;
	size_t metadata_cap;
	const char *output;      /* -o/--output */
	int force;               /* -f/--force: a download replaces an existing file */
	int64_t wait_timeout_ms; /* --wait-timeout, 0: none */
	const char *resume;      /* --resume ID */
	int cancel_on_interrupt; /* --cancel-on-interrupt */
	int32_t provider_kind;   /* --provider-kind: a TFY_PROVIDER_KIND_* value */

	/* jobs (run): 0 or -1 leave the library's default */
	int64_t max_requests;        /* --max-requests, 0: the default */
	int64_t max_bytes;           /* --max-bytes, 0: the default */
	int64_t max_enqueued_tokens; /* --max-enqueued-tokens, 0: no budget */
	int32_t concurrency;         /* --concurrency, 0: the default */
	int32_t retries;             /* --retries, -1: the default */
	const char *prices;          /* --prices FILE */

	/* webhooks */
	const char *secret_file;    /* --secret-file */
	const char *webhook_listen; /* --webhook-listen ADDR:PORT */
	const char *webhook_secret; /* in force: the file's first line, else TFY_WEBHOOK_SECRET */
	char *secret_from_file;     /* ours, scrubbed by cli_args_free */
} cli_args;

/*
 * Parses argv (argv[0] is the command's name) with the options of the
 * command's groups into args, then its operands and the variables of the
 * options not given.  Mistakes are reported on stderr.
 */
cli_action cli_parse(int argc, char **argv, const struct cli_command *cmd, cli_args *args);
void cli_args_free(cli_args *args);

/*
 * A usage error: "tfy-batches: msg 'quoted'" and where to find help.
 * Returns CLI_USAGE_ERROR.
 */
cli_action cli_usage_error(const char *msg, const char *quoted);

/* The help text of each group in groups, in a fixed order. */
void cli_write_group_help(sink *out, unsigned groups);

#endif
