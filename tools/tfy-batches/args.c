/*
 * tfy-batches: the command line.
 *
 * getopt's own messages are switched off: they echo whole arguments, and an
 * unknown "--apikey=SECRET" would put the key on the terminal.  Our messages
 * quote only option names and the values of --limit and --format.
 */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"

enum option_id {
	OPT_BASE_URL = 256, /* above every char, so no clash with short options */
	OPT_API_KEY,
	OPT_LIMIT,
	OPT_AFTER,
	OPT_ALL,
	OPT_FORMAT,
	OPT_PROVIDER_NAME,
	OPT_PROVIDER_MODEL,
	OPT_AZURE_API_VERSION,
	OPT_VERTEX_REGION,
	OPT_VERTEX_BUCKET,
	OPT_AWS_S3_BUCKET,
	OPT_AWS_BEDROCK_MODEL,
	OPT_TFY_METADATA,
	OPT_MAX_RETRIES,
	OPT_TIMEOUT,
	OPT_MAX_ITEMS,
	OPT_STATUS,
	OPT_SUMMARY,
	OPT_HELP,
	OPT_VERSION
};

/* The leading ':' makes a missing value come back as ':' rather than '?'. */
static const char short_options[] = ":hH:k";

static const struct option long_options[] = {
	{ "base-url", required_argument, NULL, OPT_BASE_URL },
	{ "api-key", required_argument, NULL, OPT_API_KEY },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "after", required_argument, NULL, OPT_AFTER },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "provider-name", required_argument, NULL, OPT_PROVIDER_NAME },
	{ "provider-model", required_argument, NULL, OPT_PROVIDER_MODEL },
	{ "azure-api-version", required_argument, NULL, OPT_AZURE_API_VERSION },
	{ "vertex-region", required_argument, NULL, OPT_VERTEX_REGION },
	{ "vertex-bucket", required_argument, NULL, OPT_VERTEX_BUCKET },
	{ "aws-s3-bucket", required_argument, NULL, OPT_AWS_S3_BUCKET },
	{ "aws-bedrock-model", required_argument, NULL, OPT_AWS_BEDROCK_MODEL },
	{ "tfy-metadata", required_argument, NULL, OPT_TFY_METADATA },
	{ "max-retries", required_argument, NULL, OPT_MAX_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-items", required_argument, NULL, OPT_MAX_ITEMS },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	NET_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
	"Usage: " CLI_NAME " [OPTION]...\n"
	"List the batches of an OpenAI-compatible Batch API (TrueFoundry AI Gateway,\n"
	"TrueFoundry control plane, OpenAI): GET {base URL}/batches.\n"
	"\n"
	"Connection:\n"
	"      --base-url URL          API base URL without \"/batches\", e.g.\n"
	"                              https://ORG.truefoundry.cloud/api/llm or\n"
	"                              https://api.openai.com/v1 (default: from the\n"
	"                              environment, see below)\n"
	"      --api-key KEY           API key (default: from the environment; prefer\n"
	"                              it: command lines are visible to others)\n"
	"  -H 'Name: value'            add a request header; repeatable; replaces a\n"
	"                              header of the same name the client would send\n"
	"\n"
	"Paging:\n"
	"      --limit N               page size, 1..100 (default: the server's, 20 on OpenAI)\n"
	"      --after ID              start after the batch with this id\n"
	"      --all                   follow every page to the end\n"
	"      --max-items N           with --all, stop after N batches\n"
	"\n"
	"Resilience:\n"
	"      --max-retries N         retries of a failed request (default 2; 0 disables);\n"
	"                              408, 409, 429, 5xx, connection failures and\n"
	"                              timeouts are retried with backoff or the server's\n"
	"                              Retry-After\n"
	"      --timeout SECONDS       overall deadline for the whole run, retries and\n"
	"                              waits included (default: none)\n"
	"\n"
	"Output:\n"
	"      --format FORMAT         table (default, for people), json (one list object),\n"
	"                              ndjson (one batch object per line) or csv (RFC 4180,\n"
	"                              CRLF, a header row); json and ndjson give every\n"
	"                              field, null when absent.  The table's status is\n"
	"                              coloured when stdout is a terminal and NO_COLOR is\n"
	"                              not set\n"
	"      --status S              show only batches whose status is S (repeatable;\n"
	"                              any string; \"-\" matches a batch without one);\n"
	"                              filtered here, while paging\n"
	"      --summary               end with a line counting the batches shown per\n"
	"                              status and their requests (request_counts.total);\n"
	"                              on stdout for table and csv, on stderr for json\n"
	"                              and ndjson\n"
	"  With --all and stderr a terminal, a progress line (pages, batches, elapsed\n"
	"  time) is shown on stderr while paging and cleared at the end.\n"
	"\n"
	"TrueFoundry routing headers, sent only when given (by the flag, else by\n"
	"the variable in brackets):\n"
	"      --provider-name S       x-tfy-provider-name, e.g. openai-main\n"
	"                              [TFY_PROVIDER_NAME]\n"
	"      --provider-model S      x-tfy-provider-model [TFY_PROVIDER_MODEL]\n"
	"      --azure-api-version S   x-tfy-azure-api-version [TFY_AZURE_API_VERSION]\n"
	"      --vertex-region S       x-tfy-vertex-region [TFY_VERTEX_REGION]\n"
	"      --vertex-bucket S       x-tfy-vertex-storage-bucket-name\n"
	"                              [TFY_VERTEX_STORAGE_BUCKET_NAME]\n"
	"      --aws-s3-bucket S       x-tfy-aws-s3-bucket [TFY_AWS_S3_BUCKET]\n"
	"      --aws-bedrock-model S   x-tfy-aws-bedrock-model [TFY_AWS_BEDROCK_MODEL]\n"
	"      --tfy-metadata JSON     x-tfy-metadata, a JSON object of strings, sent\n"
	"                              as ASCII JSON [TFY_METADATA]\n"
	"\n"
	NET_HELP
	"\n"
	"  -h, --help                  show this help and exit\n"
	"      --version               show the version and exit\n"
	"\n"
	"Options also accept the --option=value form.\n"
	"\n"
	"Environment:\n"
	"  Without --base-url, the first set of: TFY_BASE_URL, TrueFoundry's platform\n"
	"  URL as its tools read it (https://ORG.truefoundry.cloud, no path; the API\n"
	"  base is that plus /api/llm), with the key in TFY_API_KEY; OPENAI_BASE_URL,\n"
	"  the API base (https://gateway.truefoundry.ai), with OPENAI_API_KEY.  With\n"
	"  --base-url the key comes from --api-key or TFY_API_KEY.\n"
	"  TFY_LOG        debug, info, warn or error: log each request to stderr\n"
	"                 (method, URL, status, duration, request id, attempt)\n"
	"\n"
	"Exit status (one line on stderr says why, except when the reader of\n"
	"standard output went away):\n"
	"  0  success\n"
	"  1  other failure: invalid argument, out of memory, output not written\n"
	"  2  usage error\n"
	"  3  authentication or permission (HTTP 401, 403)\n"
	"  4  other API error (HTTP 4xx, 429 included)\n"
	"  5  server error, network failure or timeout, after retries\n"
	"  6  undecodable response or pagination error\n";

void cli_write_help(sink *out)
{
	sink_puts(out, help_text);
}

static cli_action usage_error(const char *msg, const char *user_text)
{
	diag_error(msg, user_text);
	fputs("Try '" CLI_NAME " --help' for more information.\n", stderr);
	return CLI_USAGE_ERROR;
}

/* "--name" of a long option, "-H" for the short one; buf holds the result. */
static const char *option_label(int id, char *buf, size_t size)
{
	const struct option *o;

	for (o = long_options; o->name != NULL; o++) {
		if (o->val == id) {
			snprintf(buf, size, "--%s", o->name);
			return buf;
		}
	}
	snprintf(buf, size, "-%c", id > 0 && id < 128 && isgraph(id) ? id : '?');
	return buf;
}

static cli_action missing_value(int id)
{
	char label[48];

	return usage_error("missing value for option", option_label(id, label, sizeof label));
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

	if (optopt >= OPT_BASE_URL)
		return usage_error("option takes no value:",
		                   option_label(optopt, label, sizeof label));
	if (optopt != 0)
		return usage_error("unknown option", option_label(optopt, label, sizeof label));
	snprintf(label, sizeof label, "%.*s", (int)strcspn(arg, "="), arg);
	return usage_error("unknown or ambiguous option", label);
}

/* A strict decimal integer in [min, max]; the value is quoted, it is never a secret. */
static int parse_int(const char *arg, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	return arg[0] != '\0' && !isspace((unsigned char)arg[0]) && *end == '\0' && errno != ERANGE &&
	       *out >= min && *out <= max;
}

/*
 * Only the syntax is checked here.  The range is the library's to enforce,
 * but int32_t is what it can be told, so anything wider cannot be passed on.
 */
static cli_action parse_limit(cli_args *args, const char *arg)
{
	long long v;

	if (!parse_int(arg, INT32_MIN, INT32_MAX, &v))
		return usage_error("--limit is not a decimal integer in range:", arg);
	args->list.limit = (int32_t)v;
	args->limit_given = 1;
	return CLI_RUN;
}

static cli_action parse_max_retries(cli_args *args, const char *arg)
{
	long long v;

	if (!parse_int(arg, 0, 100, &v))
		return usage_error("--max-retries wants an integer from 0 to 100:", arg);
	args->max_retries = (int32_t)v;
	return CLI_RUN;
}

static cli_action parse_max_items(cli_args *args, const char *arg)
{
	long long v;

	if (!parse_int(arg, 1, INT64_MAX, &v))
		return usage_error("--max-items wants a positive integer:", arg);
	args->list.max_items = v;
	return CLI_RUN;
}

/* Seconds, fractions allowed; kept in ms for the library's deadline_ms. */
static cli_action parse_timeout(cli_args *args, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || isspace((unsigned char)arg[0]) || *end != '\0' || errno != 0 ||
	    !(v > 0) || v > 1e9)
		return usage_error("--timeout wants a positive number of seconds:", arg);
	args->request.deadline_ms = (int64_t)(v * 1000.0 + 0.5);
	if (args->request.deadline_ms == 0)
		args->request.deadline_ms = 1;
	return CLI_RUN;
}

static cli_action parse_format(cli_args *args, const char *arg)
{
	if (!out_format_parse(arg, &args->format))
		return usage_error("unknown --format (use table, json, ndjson or csv):", arg);
	return CLI_RUN;
}

static int grow_headers(cli_args *args)
{
	size_t cap = args->header_cap != 0 ? args->header_cap * 2 : 4;
	tfy_pair *buf;

	if (args->request.headers_count < args->header_cap)
		return 1;
	buf = realloc(args->header_buf, cap * sizeof *buf);
	if (buf == NULL)
		return 0;
	args->header_buf = buf;
	args->header_cap = cap;
	args->request.headers = buf;
	return 1;
}

static cli_action add_status(cli_args *args, const char *arg)
{
	const char **grown;

	if (arg[0] == '\0')
		return usage_error("--status wants a non-empty status", NULL);
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
		return usage_error("-H wants 'Name: value' with a non-empty name", NULL);
	if (!grow_headers(args) || (name = strndup(arg, (size_t)(colon - arg))) == NULL)
		return CLI_NO_MEMORY;
	h = &args->header_buf[args->request.headers_count++];
	h->name = name;
	h->value = colon + 1 + strspn(colon + 1, " \t");
	return CLI_RUN;
}

static const char **string_slot(cli_args *args, int id)
{
	switch (id) {
	case OPT_BASE_URL: return &args->base_url;
	case OPT_API_KEY: return &args->api_key;
	case OPT_AFTER: return &args->list.after;
	case OPT_PROVIDER_NAME: return &args->request.provider_name;
	case OPT_PROVIDER_MODEL: return &args->request.provider_model;
	case OPT_AZURE_API_VERSION: return &args->request.azure_api_version;
	case OPT_VERTEX_REGION: return &args->request.vertex_region;
	case OPT_VERTEX_BUCKET: return &args->request.vertex_storage_bucket_name;
	case OPT_AWS_S3_BUCKET: return &args->request.aws_s3_bucket;
	case OPT_AWS_BEDROCK_MODEL: return &args->request.aws_bedrock_model;
	case OPT_TFY_METADATA: return &args->request.metadata_header_json;
	default: return NULL;
	}
}

static cli_action apply_option(cli_args *args, int id, const char *arg)
{
	const char **slot = string_slot(args, id);

	if (net_flag(&args->net, id == 'k' ? NET_OPT_INSECURE : id, arg))
		return CLI_RUN;
	if (slot != NULL) {
		*slot = arg;
		return CLI_RUN;
	}
	switch (id) {
	case 'H': return add_header(args, arg);
	case OPT_LIMIT: return parse_limit(args, arg);
	case OPT_FORMAT: return parse_format(args, arg);
	case OPT_MAX_RETRIES: return parse_max_retries(args, arg);
	case OPT_MAX_ITEMS: return parse_max_items(args, arg);
	case OPT_TIMEOUT: return parse_timeout(args, arg);
	case OPT_ALL: args->all = 1; return CLI_RUN;
	case OPT_STATUS: return add_status(args, arg);
	case OPT_SUMMARY: args->summary = 1; return CLI_RUN;
	case 'h': /* fall through */
	case OPT_HELP: return CLI_HELP;
	case OPT_VERSION: return CLI_VERSION;
	default: return usage_error("unhandled option", NULL); /* a table out of step */
	}
}

static void args_init(cli_args *args)
{
	static const tfy_batches_list_options defaults = TFY_BATCHES_LIST_OPTIONS_INIT;
	static const tfy_request_options request_defaults = TFY_REQUEST_OPTIONS_INIT;

	memset(args, 0, sizeof *args);
	args->format = OUT_TABLE;
	args->list = defaults;
	args->request = request_defaults;
	args->list.request = &args->request;
	args->max_retries = -1;
}

/* The routing headers a flag did not set, from their variables (an empty one is unset). */
static void routing_from_env(cli_args *args)
{
	static const struct { int id; const char *name; } vars[] = {
		{ OPT_PROVIDER_NAME, "TFY_PROVIDER_NAME" },
		{ OPT_PROVIDER_MODEL, "TFY_PROVIDER_MODEL" },
		{ OPT_AZURE_API_VERSION, "TFY_AZURE_API_VERSION" },
		{ OPT_VERTEX_REGION, "TFY_VERTEX_REGION" },
		{ OPT_VERTEX_BUCKET, "TFY_VERTEX_STORAGE_BUCKET_NAME" },
		{ OPT_AWS_S3_BUCKET, "TFY_AWS_S3_BUCKET" },
		{ OPT_AWS_BEDROCK_MODEL, "TFY_AWS_BEDROCK_MODEL" },
		{ OPT_TFY_METADATA, "TFY_METADATA" },
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char **slot = string_slot(args, vars[i].id);
		const char *value = getenv(vars[i].name);
		if (*slot == NULL && value != NULL && value[0] != '\0')
			*slot = value;
	}
}

/* The first of --help, --version or a mistake wins, as in GNU tools. */
cli_action cli_parse(int argc, char **argv, cli_args *args)
{
	cli_action act = CLI_RUN;
	int c;

	args_init(args);
	opterr = 0;
	while (act == CLI_RUN && (c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (c == ':')
			act = missing_value(optopt);
		else if (c == '?')
			act = bad_option(argv[optind - 1]);
		else
			act = apply_option(args, c, optarg);
	}
	/* Not quoted: a stray word is often half of an unquoted -H credential. */
	if (act == CLI_RUN && optind < argc)
		act = usage_error("unexpected argument (this command takes options only)", NULL);
	if (act == CLI_RUN)
		routing_from_env(args);
	if (act == CLI_RUN && net_flags_finish(&args->net) < 0)
		act = CLI_USAGE_ERROR;
	return act;
}

void cli_args_free(cli_args *args)
{
	size_t i;

	/* the names are ours (strndup in add_header); tfy_pair just types them const */
	for (i = 0; i < args->request.headers_count; i++)
		free((char *)args->header_buf[i].name);
	free(args->header_buf);
	args->header_buf = NULL;
	free(args->statuses);
	args->statuses = NULL;
	net_flags_free(&args->net);
	args->status_count = 0;
	args->request.headers = NULL;
	args->request.headers_count = 0;
}
