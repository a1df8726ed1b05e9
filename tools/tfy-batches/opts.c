/*
 * tfy-batches: the options of every command, in groups, parsed by one
 * function for all of them.
 *
 * getopt's own messages are switched off: they echo whole arguments, and an
 * unknown "--apikey=SECRET" would put the key on the terminal.  Our messages
 * quote only option names and values that are never secrets (numbers,
 * formats, statuses); header and query values are never quoted back.
 */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "diag.h"
#include "secret.h"
#include "size.h"

enum option_id {
	OPT_BASE_URL = 256, /* above every char, so no clash with short options */
	OPT_API_KEY,
	OPT_AUTH_HEADER,
	OPT_QUERY,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_MAX_RETRIES,
	OPT_PROVIDER_NAME,
	OPT_PROVIDER_MODEL,
	OPT_AZURE_API_VERSION,
	OPT_VERTEX_REGION,
	OPT_VERTEX_BUCKET,
	OPT_AWS_S3_BUCKET,
	OPT_AWS_BEDROCK_MODEL,
	OPT_TFY_METADATA,
	OPT_FORMAT,
	OPT_LIMIT,
	OPT_AFTER,
	OPT_ALL,
	OPT_MAX_ITEMS,
	OPT_STATUS,
	OPT_SUMMARY,
	OPT_PURPOSE,
	OPT_ORDER,
	OPT_ENDPOINT,
	OPT_INPUT_FILE_ID,
	OPT_COMPLETION_WINDOW,
	OPT_METADATA,
	OPT_RESUME,
	OPT_CANCEL_ON_INTERRUPT,
	OPT_WAIT_TIMEOUT,
	OPT_PROVIDER_KIND,
	OPT_SECRET_FILE,
	OPT_WEBHOOK_LISTEN,
	OPT_MAX_REQUESTS,
	OPT_MAX_BYTES,
	OPT_MAX_ENQUEUED_TOKENS,
	OPT_CONCURRENCY,
	OPT_RETRIES,
	OPT_PRICES,
	OPT_HELP,
	OPT_VERSION
};

typedef struct cli_option {
	const char *name; /* long name; NULL for -H, which has only a short one */
	int has_arg;
	int id;
	unsigned group;
	const char *env; /* the variable read when the option is not given, or NULL */
} cli_option;

static const cli_option options[] = {
	{ "base-url", required_argument, OPT_BASE_URL, GROUP_CONNECTION, NULL },
	{ "api-key", required_argument, OPT_API_KEY, GROUP_CONNECTION, NULL },
	{ "auth-header", required_argument, OPT_AUTH_HEADER, GROUP_CONNECTION, "TFY_AUTH_HEADER" },
	{ NULL, required_argument, 'H', GROUP_CONNECTION, NULL },
	{ "query", required_argument, OPT_QUERY, GROUP_CONNECTION, NULL },
	{ "timeout", required_argument, OPT_TIMEOUT, GROUP_CONNECTION, NULL },
	{ "connect-timeout", required_argument, OPT_CONNECT_TIMEOUT, GROUP_CONNECTION, NULL },
	{ "request-timeout", required_argument, OPT_REQUEST_TIMEOUT, GROUP_CONNECTION, NULL },
	{ "max-retries", required_argument, OPT_MAX_RETRIES, GROUP_CONNECTION, NULL },
	{ "cacert", required_argument, NET_OPT_CACERT, GROUP_CONNECTION, NULL },
	{ "capath", required_argument, NET_OPT_CAPATH, GROUP_CONNECTION, NULL },
	{ "insecure", no_argument, NET_OPT_INSECURE, GROUP_CONNECTION, NULL },
	{ "cert", required_argument, NET_OPT_CERT, GROUP_CONNECTION, NULL },
	{ "key", required_argument, NET_OPT_KEY, GROUP_CONNECTION, NULL },
	{ "pass", required_argument, NET_OPT_PASS, GROUP_CONNECTION, NULL },
	{ "pass-file", required_argument, NET_OPT_PASS_FILE, GROUP_CONNECTION, NULL },
	{ "proxy", required_argument, NET_OPT_PROXY, GROUP_CONNECTION, NULL },
	{ "noproxy", required_argument, NET_OPT_NOPROXY, GROUP_CONNECTION, NULL },
	{ "proxy-user", required_argument, NET_OPT_PROXY_USER, GROUP_CONNECTION, NULL },
	{ "proxy-user-file", required_argument, NET_OPT_PROXY_USER_FILE, GROUP_CONNECTION, NULL },
	{ "provider-name", required_argument, OPT_PROVIDER_NAME, GROUP_ROUTING, "TFY_PROVIDER_NAME" },
	{ "provider-model", required_argument, OPT_PROVIDER_MODEL, GROUP_ROUTING, "TFY_PROVIDER_MODEL" },
	{ "azure-api-version", required_argument, OPT_AZURE_API_VERSION, GROUP_ROUTING,
	  "TFY_AZURE_API_VERSION" },
	{ "vertex-region", required_argument, OPT_VERTEX_REGION, GROUP_ROUTING, "TFY_VERTEX_REGION" },
	{ "vertex-bucket", required_argument, OPT_VERTEX_BUCKET, GROUP_ROUTING,
	  "TFY_VERTEX_STORAGE_BUCKET_NAME" },
	{ "aws-s3-bucket", required_argument, OPT_AWS_S3_BUCKET, GROUP_ROUTING, "TFY_AWS_S3_BUCKET" },
	{ "aws-bedrock-model", required_argument, OPT_AWS_BEDROCK_MODEL, GROUP_ROUTING,
	  "TFY_AWS_BEDROCK_MODEL" },
	{ "tfy-metadata", required_argument, OPT_TFY_METADATA, GROUP_ROUTING, "TFY_METADATA" },
	{ "format", required_argument, OPT_FORMAT, GROUP_FORMAT, NULL },
	{ "quiet", no_argument, 'q', GROUP_FORMAT, NULL },
	{ "limit", required_argument, OPT_LIMIT, GROUP_PAGING, NULL },
	{ "after", required_argument, OPT_AFTER, GROUP_PAGING, NULL },
	{ "all", no_argument, OPT_ALL, GROUP_PAGING, NULL },
	{ "max-items", required_argument, OPT_MAX_ITEMS, GROUP_PAGING, NULL },
	{ "status", required_argument, OPT_STATUS, GROUP_LIST, NULL },
	{ "summary", no_argument, OPT_SUMMARY, GROUP_LIST, NULL },
	{ "purpose", required_argument, OPT_PURPOSE, GROUP_FILES, NULL },
	{ "order", required_argument, OPT_ORDER, GROUP_FILES, NULL },
	{ "endpoint", required_argument, OPT_ENDPOINT, GROUP_ENDPOINT, NULL },
	{ "input-file-id", required_argument, OPT_INPUT_FILE_ID, GROUP_INPUT_ID, NULL },
	{ "completion-window", required_argument, OPT_COMPLETION_WINDOW, GROUP_CREATE, NULL },
	{ "metadata", required_argument, OPT_METADATA, GROUP_CREATE, NULL },
	{ "output", required_argument, 'o', GROUP_OUTPUT, NULL },
	{ "force", no_argument, 'f', GROUP_OUTPUT, NULL },
	{ "resume", required_argument, OPT_RESUME, GROUP_RUN, NULL },
	{ "cancel-on-interrupt", no_argument, OPT_CANCEL_ON_INTERRUPT, GROUP_RUN, NULL },
	{ "wait-timeout", required_argument, OPT_WAIT_TIMEOUT, GROUP_WAIT, NULL },
	{ "provider-kind", required_argument, OPT_PROVIDER_KIND, GROUP_CHECK, NULL },
	{ "secret-file", required_argument, OPT_SECRET_FILE, GROUP_SECRET, NULL },
	{ "webhook-listen", required_argument, OPT_WEBHOOK_LISTEN, GROUP_LISTEN, NULL },
	{ "max-requests", required_argument, OPT_MAX_REQUESTS, GROUP_JOB, NULL },
	{ "max-bytes", required_argument, OPT_MAX_BYTES, GROUP_JOB, NULL },
	{ "max-enqueued-tokens", required_argument, OPT_MAX_ENQUEUED_TOKENS, GROUP_JOB, NULL },
	{ "concurrency", required_argument, OPT_CONCURRENCY, GROUP_JOB, NULL },
	{ "retries", required_argument, OPT_RETRIES, GROUP_JOB, NULL },
	{ "prices", required_argument, OPT_PRICES, GROUP_JOB, NULL },
	{ "help", no_argument, OPT_HELP, GROUP_GENERAL, NULL },
	{ "version", no_argument, OPT_VERSION, GROUP_GENERAL, NULL },
};
#define OPTION_COUNT (sizeof options / sizeof options[0])

static const struct {
	unsigned group;
	const char *text;
} group_help[] = {
	{ GROUP_CONNECTION,
	  "Connection:\n"
	  "      --base-url URL        API base URL without \"/batches\", e.g.\n"
	  "                            https://gateway.truefoundry.ai or\n"
	  "                            https://api.openai.com/v1 (default: the\n"
	  "                            environment, see '" CLI_NAME " help')\n"
	  "      --api-key KEY         API key (default: the environment; prefer it,\n"
	  "                            command lines are visible to others)\n"
	  "      --auth-header NAME    send the key as it is in this header instead of\n"
	  "                            Authorization: Bearer; Azure OpenAI: api-key\n"
	  "                            [TFY_AUTH_HEADER]\n"
	  "  -H 'Name: value'          add a request header; repeatable; replaces a\n"
	  "                            header of the same name the client would send\n"
	  "      --query NAME=VALUE    add a query parameter to every request;\n"
	  "                            repeatable; Azure OpenAI: api-version=2024-10-21\n"
	  "      --timeout SECONDS     deadline of the whole command: every request,\n"
	  "                            its retries and any waiting (default: none);\n"
	  "                            passed while waiting for a batch: exit 13\n"
	  "      --connect-timeout SECONDS\n"
	  "                            to connect, per attempt (default 10)\n"
	  "      --request-timeout SECONDS\n"
	  "                            one whole HTTP request (default 60)\n"
	  "      --max-retries N       retries of a failed request, 0 to 100 (default\n"
	  "                            2); 408, 409, 429, 5xx, connection failures and\n"
	  "                            timeouts are retried with backoff or the\n"
	  "                            server's Retry-After\n" },
	{ GROUP_CONNECTION, NET_HELP },
	{ GROUP_ROUTING, "TrueFoundry routing headers, sent only when given (by the flag, else by\n"
	                 "the variable in brackets; an empty variable counts as unset):\n"
	                 "      --provider-name S     x-tfy-provider-name, e.g. openai-main\n"
	                 "                            [TFY_PROVIDER_NAME]\n"
	                 "      --provider-model S    x-tfy-provider-model [TFY_PROVIDER_MODEL]\n"
	                 "      --azure-api-version S x-tfy-azure-api-version [TFY_AZURE_API_VERSION]\n"
	                 "      --vertex-region S     x-tfy-vertex-region [TFY_VERTEX_REGION]\n"
	                 "      --vertex-bucket S     x-tfy-vertex-storage-bucket-name\n"
	                 "                            [TFY_VERTEX_STORAGE_BUCKET_NAME]\n"
	                 "      --aws-s3-bucket S     x-tfy-aws-s3-bucket [TFY_AWS_S3_BUCKET]\n"
	                 "      --aws-bedrock-model S x-tfy-aws-bedrock-model [TFY_AWS_BEDROCK_MODEL]\n"
	                 "      --tfy-metadata JSON   x-tfy-metadata, a JSON object of strings, sent\n"
	                 "                            as ASCII JSON [TFY_METADATA]\n" },
	{ GROUP_FORMAT, "Output:\n"
	                "      --format FORMAT       table (default, for people), json (one list\n"
	                "                            object), ndjson (one object per line) or csv\n"
	                "                            (RFC 4180, CRLF, a header row).  On a terminal\n"
	                "                            the table fits its width: MODEL and ENDPOINT\n"
	                "                            are narrowed, then columns dropped; an id is\n"
	                "                            never cut.  Colour only on a terminal, never\n"
	                "                            with NO_COLOR set or TERM=dumb\n"
	                "  -q, --quiet               print only the ids, one per line, and nothing\n"
	                "                            else on stdout (not with --format)\n" },
	{ GROUP_JOB, "Limits of a job (each shard is one batch; the journal keeps them: give\n"
	             "the same when resuming):\n"
	             "      --max-requests N      requests per shard (default 50000)\n"
	             "      --max-bytes SIZE      bytes per shard file as uploaded (default\n"
	             "                            200MB); units: k, M, G (1000s), KiB, MiB, GiB\n"
	             "      --max-enqueued-tokens N\n"
	             "                            most estimated tokens (characters / 4 of the\n"
	             "                            lines) in live batches at once; no shard is\n"
	             "                            larger (default: no budget)\n"
	             "      --concurrency N       shards uploading, creating or downloading at\n"
	             "                            once, 1 to 64 (default 4)\n"
	             "      --retries N           rounds for the lines that failed for a reason\n"
	             "                            that can pass, 0 to 10 (default 2)\n"
	             "      --prices FILE         a price table (JSON: model to input,\n"
	             "                            cached_input, output prices per million\n"
	             "                            tokens) for the estimated cost\n" },
	{ GROUP_GENERAL, "  -h, --help                show this help and exit\n"
	                 "      --version             show the versions and exit\n" },
};

/* The command being parsed, and whether it was named, for the hint after a usage error. */
static const cli_command *parsing;
static int parsing_named;

cli_action cli_usage_error(const char *msg, const char *quoted)
{
	diag_error(msg, quoted);
	if (parsing != NULL && parsing_named)
		fprintf(stderr, "Try '" CLI_NAME " %s --help' for more information.\n", parsing->name);
	else
		fputs("Try '" CLI_NAME " --help' for more information.\n", stderr);
	return CLI_USAGE_ERROR;
}

void cli_write_group_help(sink *out, unsigned groups)
{
	size_t i;

	for (i = 0; i < sizeof group_help / sizeof group_help[0]; i++) {
		if ((groups & group_help[i].group) == 0)
			continue;
		sink_puts(out, "\n");
		sink_puts(out, group_help[i].text);
	}
}

static const cli_option *find_option(int id)
{
	size_t i;

	for (i = 0; i < OPTION_COUNT; i++)
		if (options[i].id == id)
			return &options[i];
	return NULL;
}

/* "--name" of a long option, "-H" for the short one; buf holds the result. */
static const char *option_label(int id, char *buf, size_t size)
{
	const cli_option *o = find_option(id);

	if (o != NULL && o->name != NULL)
		snprintf(buf, size, "--%s", o->name);
	else
		snprintf(buf, size, "-%c", id > 0 && id < 128 && isgraph(id) ? id : '?');
	return buf;
}

static cli_action missing_value(int id)
{
	char label[48];

	return cli_usage_error("missing value for option", option_label(id, label, sizeof label));
}

/* An option of the table that the command does not take: said so, by name. */
static cli_action not_for_command(const char *label)
{
	char msg[96];
	size_t i;

	for (i = 0; i < OPTION_COUNT; i++) {
		if (options[i].name != NULL && strncmp(label, "--", 2) == 0 &&
		    strcmp(label + 2, options[i].name) == 0) {
			snprintf(msg, sizeof msg, "the command '%s' does not take", parsing->name);
			return cli_usage_error(msg, label);
		}
	}
	return cli_usage_error("unknown or ambiguous option", label);
}

/*
 * getopt reports three mistakes as '?': an unknown or ambiguous long option
 * (optopt 0), a value given to a long option that takes none (optopt is its
 * id) and an unknown short option (optopt is the letter).  The argument is
 * quoted only up to '=', where a value (a key, say) could begin.
 */
static cli_action bad_option(const char *arg)
{
	char label[64];

	if (optopt >= OPT_BASE_URL || (optopt != 0 && strncmp(arg, "--", 2) == 0))
		return cli_usage_error("option takes no value:",
		                       option_label(optopt, label, sizeof label));
	if (optopt != 0)
		return cli_usage_error("unknown option", option_label(optopt, label, sizeof label));
	snprintf(label, sizeof label, "%.*s", (int)strcspn(arg, "="), arg);
	return not_for_command(label);
}

/* A strict decimal integer in [min, max]. */
static int parse_int(const char *arg, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	return arg[0] != '\0' && !isspace((unsigned char)arg[0]) && *end == '\0' &&
	       errno != ERANGE && *out >= min && *out <= max;
}

/* The largest page the listed kind takes: 10000 files, 100 batches. */
static cli_action parse_limit(cli_args *args, const char *arg)
{
	int files = (args->command->groups & GROUP_FILES) != 0;
	long long max = files ? TFY_FILES_LIMIT_MAX : TFY_BATCHES_LIMIT_MAX;
	char msg[64];
	long long v;

	if (!parse_int(arg, 1, max, &v)) {
		snprintf(msg, sizeof msg, "--limit wants an integer from 1 to %lld:", max);
		return cli_usage_error(msg, arg);
	}
	args->list.limit = (int32_t)v;
	return CLI_RUN;
}

static cli_action parse_order(cli_args *args, const char *arg)
{
	if (strcmp(arg, "asc") != 0 && strcmp(arg, "desc") != 0)
		return cli_usage_error("--order wants asc or desc:", arg);
	args->order = arg;
	return CLI_RUN;
}

static cli_action parse_max_retries(cli_args *args, const char *arg)
{
	long long v;

	if (!parse_int(arg, 0, TFY_MAX_RETRIES_LIMIT, &v))
		return cli_usage_error("--max-retries wants an integer from 0 to 100:", arg);
	args->max_retries = (int32_t)v;
	return CLI_RUN;
}

static cli_action parse_max_items(cli_args *args, const char *arg)
{
	long long v;

	if (!parse_int(arg, 1, INT64_MAX, &v))
		return cli_usage_error("--max-items wants a positive integer:", arg);
	args->list.max_items = v;
	args->max_items_given = 1;
	return CLI_RUN;
}

/* Seconds, fractions allowed, up to 10^9 (beyond any real deadline), kept in ms. */
static cli_action parse_seconds(int id, const char *arg, int64_t *ms)
{
	char label[48], msg[96];
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || isspace((unsigned char)arg[0]) || *end != '\0' || errno != 0 ||
	    !(v > 0) || v > 1e9) {
		snprintf(msg, sizeof msg, "%s wants a positive number of seconds:",
		         option_label(id, label, sizeof label));
		return cli_usage_error(msg, arg);
	}
	*ms = (int64_t)(v * 1000.0 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return CLI_RUN;
}

/* The provider whose rules the input check adds to OpenAI's. */
/* "--NAME wants an integer from MIN to MAX: 'ARG'" */
static cli_action bad_count(int id, const char *arg, long long min, long long max)
{
	char label[48], msg[128];

	snprintf(msg, sizeof msg,
	         "%s wants an integer from %lld to %lld:", option_label(id, label, sizeof label),
	         min, max);
	return cli_usage_error(msg, arg);
}

/* A job's count: an integer in [min, max]. */
static cli_action parse_count(int id, const char *arg, long long min, long long max, int64_t *out)
{
	long long v;

	if (!parse_int(arg, min, max, &v))
		return bad_count(id, arg, min, max);
	*out = (int64_t)v;
	return CLI_RUN;
}

static cli_action parse_count32(int id, const char *arg, long long min, long long max, int32_t *out)
{
	int64_t v;
	cli_action act = parse_count(id, arg, min, max, &v);

	if (act == CLI_RUN)
		*out = (int32_t)v;
	return act;
}

static cli_action parse_size_option(int id, const char *arg, int64_t *out)
{
	char label[48], msg[128];

	if (cli_parse_size(arg, out) != 0 || *out < 1) {
		snprintf(msg, sizeof msg,
		         "%s wants a size in bytes, with a unit if you like (512KiB, 200MB, 1G):",
		         option_label(id, label, sizeof label));
		return cli_usage_error(msg, arg);
	}
	return CLI_RUN;
}

static cli_action parse_provider_kind(cli_args *args, const char *arg)
{
	static const char *const names[] = { "openai", "azure", "bedrock", "vertex" };
	static const int32_t kinds[] = { TFY_PROVIDER_KIND_OPENAI, TFY_PROVIDER_KIND_AZURE,
		                         TFY_PROVIDER_KIND_BEDROCK, TFY_PROVIDER_KIND_VERTEX };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(arg, names[i]) == 0) {
			args->provider_kind = kinds[i];
			return CLI_RUN;
		}
	}
	return cli_usage_error("--provider-kind wants openai, azure, bedrock or vertex:", arg);
}

/* --format and -q both choose what stdout holds: one of them, once. */
static cli_action parse_format(cli_args *args, int id, const char *arg)
{
	if (args->format_given)
		return cli_usage_error("give one of --format and -q, once", NULL);
	args->format_given = 1;
	if (id == 'q')
		args->format = OUT_IDS;
	else if (!out_format_parse(arg, &args->format))
		return cli_usage_error("--format wants table, json, ndjson or csv:", arg);
	return CLI_RUN;
}

/* Room for one more pair in *buf (capacity *cap, count n); the array is re-pointed by the caller. */
static int grow_pairs(tfy_pair **buf, size_t *cap, size_t n)
{
	size_t grown = *cap != 0 ? *cap * 2 : 4;
	tfy_pair *p;

	if (n < *cap)
		return 1;
	p = realloc(*buf, grown * sizeof *p);
	if (p == NULL)
		return 0;
	*buf = p;
	*cap = grown;
	return 1;
}

static cli_action add_status(cli_args *args, const char *arg)
{
	const char **grown;

	if (arg[0] == '\0')
		return cli_usage_error("--status wants a non-empty status", NULL);
	grown = realloc(args->statuses, (args->status_count + 1) * sizeof *grown);
	if (grown == NULL)
		return CLI_NO_MEMORY;
	grown[args->status_count++] = arg;
	args->statuses = grown;
	return CLI_RUN;
}

/* The argument is never quoted back: header values are often credentials. */
static cli_action add_header(cli_args *args, const char *arg)
{
	const char *colon = strchr(arg, ':');
	tfy_pair *h;
	char *name;

	if (colon == NULL || colon == arg)
		return cli_usage_error("-H wants 'Name: value' with a non-empty name", NULL);
	if (!grow_pairs(&args->header_buf, &args->header_cap, args->request.headers_count) ||
	    (name = strndup(arg, (size_t)(colon - arg))) == NULL)
		return CLI_NO_MEMORY;
	args->request.headers = args->header_buf;
	h = &args->header_buf[args->request.headers_count++];
	h->name = name;
	h->value = colon + 1 + strspn(colon + 1, " \t");
	return CLI_RUN;
}

/*
 * NAME=VALUE into a pair array (--query, --metadata).  Nor is the value
 * quoted back: some services take keys in a query.
 */
static cli_action add_pair(tfy_pair **buf, size_t *cap, size_t *count, const char *arg,
                           const char *mistake)
{
	const char *eq = strchr(arg, '=');
	tfy_pair *q;
	char *name;

	if (eq == NULL || eq == arg)
		return cli_usage_error(mistake, NULL);
	if (!grow_pairs(buf, cap, *count) || (name = strndup(arg, (size_t)(eq - arg))) == NULL)
		return CLI_NO_MEMORY;
	q = &(*buf)[(*count)++];
	q->name = name;
	q->value = eq + 1;
	return CLI_RUN;
}

static cli_action add_query(cli_args *args, const char *arg)
{
	cli_action act = add_pair(&args->query_buf, &args->query_cap, &args->request.query_params_count,
	                          arg, "--query wants NAME=VALUE with a non-empty name");

	args->request.query_params = args->query_buf;
	return act;
}

static const char **string_slot(cli_args *args, int id)
{
	switch (id) {
	case OPT_BASE_URL: return &args->base_url;
	case OPT_API_KEY: return &args->api_key;
	case OPT_AUTH_HEADER: return &args->auth_header;
	case OPT_AFTER: return &args->list.after;
	case OPT_PURPOSE: return &args->purpose;
	case OPT_PROVIDER_NAME: return &args->request.provider_name;
	case OPT_PROVIDER_MODEL: return &args->request.provider_model;
	case OPT_AZURE_API_VERSION: return &args->request.azure_api_version;
	case OPT_VERTEX_REGION: return &args->request.vertex_region;
	case OPT_VERTEX_BUCKET: return &args->request.vertex_storage_bucket_name;
	case OPT_AWS_S3_BUCKET: return &args->request.aws_s3_bucket;
	case OPT_AWS_BEDROCK_MODEL: return &args->request.aws_bedrock_model;
	case OPT_TFY_METADATA: return &args->request.metadata_header_json;
	case OPT_ENDPOINT: return &args->endpoint;
	case OPT_INPUT_FILE_ID: return &args->input_file_id;
	case OPT_COMPLETION_WINDOW: return &args->completion_window;
	case 'o': return &args->output;
	case OPT_RESUME: return &args->resume;
	case OPT_SECRET_FILE: return &args->secret_file;
	case OPT_WEBHOOK_LISTEN: return &args->webhook_listen;
	case OPT_PRICES: return &args->prices;
	default: return NULL;
	}
}

/* An empty string would reach the library as "not given" or fail there under a C name. */
static cli_action set_string(int id, const char **slot, const char *arg)
{
	char label[48];

	if (arg[0] == '\0')
		return cli_usage_error("empty value for option", option_label(id, label, sizeof label));
	*slot = arg;
	return CLI_RUN;
}

static cli_action apply_option(cli_args *args, int id, const char *arg)
{
	const char **slot = string_slot(args, id);

	if (slot != NULL)
		return set_string(id, slot, arg);
	if (id >= NET_OPT_CACERT && id < NET_OPT_END) {
		char label[48];

		if (arg != NULL && arg[0] == '\0')
			return cli_usage_error("empty value for option",
			                       option_label(id, label, sizeof label));
		net_flag(&args->net, id, arg);
		return CLI_RUN;
	}
	switch (id) {
	case 'H': return add_header(args, arg);
	case OPT_QUERY: return add_query(args, arg);
	case OPT_LIMIT: return parse_limit(args, arg);
	case OPT_FORMAT: /* fall through */
	case 'q': return parse_format(args, id, arg);
	case OPT_ORDER: return parse_order(args, arg);
	case OPT_MAX_RETRIES: return parse_max_retries(args, arg);
	case OPT_MAX_ITEMS: return parse_max_items(args, arg);
	case OPT_TIMEOUT: return parse_seconds(id, arg, &args->request.deadline_ms);
	case OPT_CONNECT_TIMEOUT: return parse_seconds(id, arg, &args->connect_timeout_ms);
	case OPT_REQUEST_TIMEOUT: return parse_seconds(id, arg, &args->request.timeout_ms);
	case OPT_WAIT_TIMEOUT: return parse_seconds(id, arg, &args->wait_timeout_ms);
	case 'f': args->force = 1; return CLI_RUN;
	case 'k': net_flag(&args->net, NET_OPT_INSECURE, arg); return CLI_RUN;
	case OPT_ALL: args->all = 1; return CLI_RUN;
	case OPT_STATUS: return add_status(args, arg);
	case OPT_SUMMARY: args->summary = 1; return CLI_RUN;
	case OPT_METADATA:
		return add_pair(&args->metadata, &args->metadata_cap, &args->metadata_count, arg,
		                "--metadata wants KEY=VALUE with a non-empty key");
	case OPT_CANCEL_ON_INTERRUPT: args->cancel_on_interrupt = 1; return CLI_RUN;
	case OPT_PROVIDER_KIND: return parse_provider_kind(args, arg);
	case OPT_MAX_REQUESTS: return parse_count(id, arg, 1, INT64_MAX, &args->max_requests);
	case OPT_MAX_BYTES: return parse_size_option(id, arg, &args->max_bytes);
	case OPT_MAX_ENQUEUED_TOKENS:
		return parse_count(id, arg, 1, INT64_MAX, &args->max_enqueued_tokens);
	case OPT_CONCURRENCY:
		return parse_count32(id, arg, 1, TFY_JOB_CONCURRENCY_MAX, &args->concurrency);
	case OPT_RETRIES: return parse_count32(id, arg, 0, TFY_JOB_RETRIES_MAX, &args->retries);
	case 'h': /* fall through */
	case OPT_HELP: return CLI_HELP;
	case OPT_VERSION: return CLI_VERSION;
	default: return cli_usage_error("unhandled option", NULL); /* a table out of step */
	}
}

static void args_init(cli_args *args, const cli_command *cmd)
{
	static const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	static const tfy_request_options request_defaults = TFY_REQUEST_OPTIONS_INIT;
	struct timespec now;

	memset(args, 0, sizeof *args);
	clock_gettime(CLOCK_MONOTONIC, &now);
	args->started_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	args->command = cmd;
	args->format = OUT_TABLE;
	args->list = defaults;
	args->request = request_defaults;
	args->list.request = &args->request;
	args->max_retries = -1;
	args->retries = -1;
}

/* The options a flag did not set, from their variables (an empty one is unset). */
static void options_from_env(cli_args *args, unsigned groups)
{
	size_t i;

	for (i = 0; i < OPTION_COUNT; i++) {
		const char **slot = string_slot(args, options[i].id);
		const char *value = options[i].env != NULL ? getenv(options[i].env) : NULL;

		if ((groups & options[i].group) != 0 && slot != NULL && *slot == NULL &&
		    value != NULL && value[0] != '\0')
			*slot = value;
	}
}

/*
 * TFY_LOG is read here rather than by the library, so that a value it does
 * not know is said once, by name, and not taken for "warn" in silence.
 */
static int32_t log_level_from_env(void)
{
	static const char *const names[] = { "off", "error", "warn", "info", "debug" };
	static const int32_t levels[] = { TFY_LOG_OFF, TFY_LOG_ERROR, TFY_LOG_WARN, TFY_LOG_INFO,
		                          TFY_LOG_DEBUG };
	const char *v = getenv("TFY_LOG");
	size_t i;

	if (v == NULL || v[0] == '\0')
		return TFY_LOG_WARN;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(v, names[i]) == 0)
			return levels[i];
	diag_error("TFY_LOG is not off, error, warn, info or debug, using warn:", v);
	return TFY_LOG_WARN;
}

/* The long options of the command's groups, in getopt's form. */
static void build_long_options(unsigned groups, struct option *out)
{
	size_t i, n = 0;

	for (i = 0; i < OPTION_COUNT; i++) {
		if (options[i].name == NULL || (groups & options[i].group) == 0)
			continue;
		out[n].name = options[i].name;
		out[n].has_arg = options[i].has_arg;
		out[n].flag = NULL;
		out[n].val = options[i].id;
		n++;
	}
	memset(&out[n], 0, sizeof out[n]);
}

/* Checks that need every option: combinations and operands. */
static cli_action check_whole(const cli_args *args, cli_action act)
{
	if (act == CLI_RUN && args->max_items_given && !args->all)
		return cli_usage_error("--max-items applies only with --all", NULL);
	/* Not quoted: a stray word is often half of an unquoted -H credential. */
	if (act == CLI_RUN && args->operand_count < args->command->operands_min)
		return cli_usage_error("missing argument; the usage is in --help", NULL);
	if ((act == CLI_RUN || act == CLI_HELP || act == CLI_VERSION) &&
	    args->operand_count > args->command->operands_max)
		return cli_usage_error(args->command->operands_max == 0
		                               ? "unexpected argument (this command takes options only)"
		                               : "too many arguments",
		                       NULL);
	return act;
}

/*
 * The webhook secret: the first line of --secret-file, else
 * TFY_WEBHOOK_SECRET (an empty one is unset).  Neither is ever quoted.
 */
static cli_action settle_webhook_secret(cli_args *args)
{
	const char *env = getenv("TFY_WEBHOOK_SECRET"), *why = NULL;

	if (args->secret_file != NULL) {
		if ((args->secret_from_file = secret_first_line(args->secret_file, &why)) == NULL)
			return cli_usage_error(why, args->secret_file);
		args->webhook_secret = args->secret_from_file;
	} else if (env != NULL && env[0] != '\0') {
		args->webhook_secret = env;
	}
	if (args->webhook_listen != NULL && args->webhook_secret == NULL)
		return cli_usage_error("--webhook-listen needs the webhook secret: --secret-file FILE "
		                       "or TFY_WEBHOOK_SECRET",
		                       NULL);
	return CLI_RUN;
}

/*
 * The first of --help, --version or a mistake wins, as in GNU tools; the
 * rest is still scanned so that the operands are known.
 */
cli_action cli_parse(int argc, char **argv, const cli_command *cmd, cli_args *args)
{
	struct option long_options[OPTION_COUNT + 1];
	char short_options[16];
	cli_action act = CLI_RUN;
	int c;

	parsing = cmd;
	/* argv[0] is the command's name, or its last word ("get" of "files get") */
	parsing_named = strcmp(argv[0], cmd->name) == 0 ||
	                (strchr(cmd->name, ' ') != NULL &&
	                 strcmp(argv[0], strchr(cmd->name, ' ') + 1) == 0);
	args_init(args, cmd);
	build_long_options(cmd->groups, long_options);
	/* The leading ':' makes a missing value come back as ':' rather than '?'. */
	snprintf(short_options, sizeof short_options, ":h%s%s%s",
	         (cmd->groups & GROUP_CONNECTION) != 0 ? "H:k" : "",
	         (cmd->groups & GROUP_FORMAT) != 0 ? "q" : "",
	         (cmd->groups & GROUP_OUTPUT) != 0 ? "o:f" : "");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (act != CLI_RUN)
			continue;
		if (c == ':')
			act = missing_value(optopt);
		else if (c == '?')
			act = bad_option(argv[optind - 1]);
		else
			act = apply_option(args, c, optarg);
	}
	args->operands = argv + optind;
	args->operand_count = (size_t)(argc - optind);
	act = check_whole(args, act);
	if (act == CLI_RUN) {
		options_from_env(args, cmd->groups);
		if ((cmd->groups & GROUP_CONNECTION) != 0) {
			args->log_level = log_level_from_env();
			const char *quoted, *why;

			/* the secrets' files are read now: a bad one is a usage error, like a bad flag */
			if ((why = net_flags_finish(&args->net, &quoted)) != NULL)
				act = cli_usage_error(why, quoted);
		}
		if (act == CLI_RUN && (cmd->groups & GROUP_SECRET) != 0)
			act = settle_webhook_secret(args);
	}
	return act;
}

static void free_names(tfy_pair *buf, size_t n)
{
	size_t i;

	/* the names are ours (strndup); tfy_pair just types them const */
	for (i = 0; i < n; i++)
		free((char *)buf[i].name);
	free(buf);
}

void cli_args_free(cli_args *args)
{
	free_names(args->header_buf, args->request.headers_count);
	free_names(args->query_buf, args->request.query_params_count);
	args->header_buf = NULL;
	args->query_buf = NULL;
	free_names(args->metadata, args->metadata_count);
	args->metadata = NULL;
	args->metadata_count = 0;
	free(args->statuses);
	args->statuses = NULL;
	args->status_count = 0;
	args->request.headers = NULL;
	args->request.headers_count = 0;
	args->request.query_params = NULL;
	args->request.query_params_count = 0;
	net_flags_free(&args->net);
	secret_free(args->secret_from_file);
	args->secret_from_file = NULL;
	args->webhook_secret = NULL;
}
