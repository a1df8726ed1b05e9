/* tfy-mock-gateway: an offline stand-in for OpenAI's List batches endpoint.
 * This file parses the command line and runs the server until SIGTERM/SIGINT. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>

#include "batches.h"
#include "dataset.h"
#include "fault.h"
#include "provider.h"
#include "server.h"
#include "store.h"
#include "webhook.h"

#define DEFAULT_COUNT 100u
#define DEFAULT_API_KEY "tfy-local-key"
#define EXIT_USAGE 2
#define MAX_FILE_BYTES (1ull << 50)
#define MAX_BATCH_SECONDS 86400.0

static const char usage_text[] =
	"Usage: tfy-mock-gateway [--port N] [--count N] [--api-key KEY] [--gzip]\n"
	"                        [--rotate-key-after N]\n"
	"                        [--provider NAME=KIND]... [--require-provider]\n"
	"                        [--max-file-bytes N] [--batch-seconds X]\n"
	"                        [--fault SPEC]... [--tls-cert FILE --tls-key FILE\n"
	"                        [--tls-client-ca FILE] [--tls-priority S]]\n"
	"                        [--webhook-url URL --webhook-secret whsec_...\n"
	"                        [--webhook-retry-ms N]]\n"
	"                        [--help] [--version]\n"
	"\n"
	"A local, deterministic stand-in for OpenAI's Batch API (list, and files and\n"
	"batch jobs) and the TrueFoundry gateway in front of it, listening on\n"
	"127.0.0.1 only. Prints\n"
	"'tfy-mock-gateway listening on http://127.0.0.1:PORT' (https:// with\n"
	"--tls-cert) once ready and runs until SIGTERM or SIGINT.\n"
	"\n"
	"Options (also accepted as --opt=VALUE):\n"
	"  --port N       TCP port, 0..65535; 0 (default) picks a free one\n"
	"  --count N      number of batches, 0..10000000 (default 100); index 0 is newest\n"
	"  --api-key KEY  accepted bearer token (default: $TFY_MOCK_API_KEY if set and\n"
	"                 non-empty, else tfy-local-key)\n"
	"  --gzip         gzip response bodies when Accept-Encoding admits gzip\n"
	"  --rotate-key-after N\n"
	"                 after every N authorized API requests (1..1000000) the\n"
	"                 accepted key changes: KEY, then KEY-2, KEY-3, ... (the older\n"
	"                 key gets 401), to test credentials that expire\n"
	"  --provider NAME=KIND\n"
	"                 declare a provider account (repeatable): KIND is openai,\n"
	"                 azure, bedrock or vertex; NAME, 1..127 visible ASCII\n"
	"                 characters but '=', is matched exactly against\n"
	"                 x-tfy-provider-name (see Providers below)\n"
	"  --require-provider\n"
	"                 a batches request must name a declared provider, as the\n"
	"                 gateway wants for batch calls: without x-tfy-provider-name\n"
	"                 400, with an undeclared name 404, both in TrueFoundry's\n"
	"                 {\"statusCode\",\"message\",\"code\",\"details\"} envelope;\n"
	"                 checked after the method and the key, before faults\n"
	"  --max-file-bytes N\n"
	"                 total size of the files kept (uploads and batch outputs),\n"
	"                 0..2^50 (default 1073741824, 1 GiB); an upload that would\n"
	"                 pass it gets 413 and its partial file is deleted\n"
	"  --batch-seconds X\n"
	"                 pace of created batches, seconds 0..86400 (default 2):\n"
	"                 validating X/4, in_progress X, finalizing X/4\n"
	"  --fault SPEC   inject a run-level fault (repeatable; see Faults below)\n"
	"  --tls-cert FILE\n"
	"                 serve HTTPS with this PEM certificate (chain); needs --tls-key\n"
	"  --tls-key FILE the certificate's PEM private key, unencrypted\n"
	"  --tls-client-ca FILE\n"
	"                 mutual TLS: ask every client for a certificate and answer\n"
	"                 401 (client_certificate_required) without one and 403\n"
	"                 (client_certificate_untrusted) when it is not signed by a\n"
	"                 CA in this PEM file; /_mock/ paths too\n"
	"  --tls-priority S\n"
	"                 GnuTLS priority string for the handshake, e.g.\n"
	"                 NORMAL:-VERS-ALL:+VERS-TLS1.1 for a TLS 1.1-only server\n"
	"  --webhook-url URL\n"
	"                 when a created batch ends (completed, failed, expired or\n"
	"                 cancelled), POST an event to URL (http:// or https://) as\n"
	"                 OpenAI does: {\"id\":\"evt_...\",\"object\":\"event\",\n"
	"                 \"created_at\",\"type\":\"batch.completed\",\"data\":{\"id\"}}\n"
	"                 signed as Standard Webhooks says: webhook-id (the same on\n"
	"                 every attempt), webhook-timestamp and webhook-signature\n"
	"                 (v1,<base64 of HMAC-SHA256 of ID.TIMESTAMP.BODY>). An\n"
	"                 answer other than 2xx, or none within 5 s, is tried again\n"
	"                 after 0.5, 1, 2, 4 and 8 s (6 attempts in all; see\n"
	"                 --webhook-retry-ms); one line on stderr says how each\n"
	"                 attempt went. Needs --webhook-secret\n"
	"  --webhook-secret S\n"
	"                 the signing secret, whsec_ followed by base64 (default:\n"
	"                 $TFY_MOCK_WEBHOOK_SECRET if set and non-empty); never\n"
	"                 printed\n"
	"  --webhook-retry-ms N\n"
	"                 the pause before the first retry, 1..60000 ms (default\n"
	"                 500), doubled before each next one\n"
	"  --help         show this text\n"
	"  --version      print 'tfy-mock-gateway VERSION' (libtfy's version)\n"
	"\n"
	"Endpoints:\n"
	"  BASE is '' (the SaaS gateway's root), /v1, /api/llm,\n"
	"  /api/llm/api/inference/openai (Authorization: Bearer KEY) or /openai (Azure\n"
	"  OpenAI: the key in an api-key header, 401 otherwise; api-version required,\n"
	"  404 otherwise; Azure's {\"error\":{\"code\",\"message\"}} envelope for those).\n"
	"  A method a path does not take gets 405 with Allow.\n"
	"  GET BASE/batches (GET /batches, GET /v1/batches...)  OpenAI List batches:\n"
	"      query limit (1..100, default 20) and after (an id from the list;\n"
	"      URL-encode it, since a literal '+' decodes to a space). Created\n"
	"      batches come first, newest first (OpenAI shape only), then the\n"
	"      generated set.\n"
	"  POST BASE/files  multipart/form-data: purpose (\"batch\" only, else 400) and\n"
	"      file (with a filename), streamed to a private directory made with\n"
	"      mkdtemp under $TMPDIR and removed on exit. Answers the file object\n"
	"      {\"id\",\"object\":\"file\",\"bytes\",\"created_at\",\"expires_at\":null,\n"
	"       \"filename\",\"purpose\",\"status\":\"processed\",\"status_details\":null}.\n"
	"  GET BASE/files  OpenAI List files: query limit (1..10000, default 10000),\n"
	"      after (a file id; another gets 400), order (desc, the default, or asc:\n"
	"      by upload) and purpose (only those files); 400 in OpenAI's words for a\n"
	"      bad value. {\"object\":\"list\",\"data\",\"first_id\",\"last_id\",\n"
	"       \"has_more\"}.\n"
	"  GET BASE/files/ID  the file object; GET BASE/files/ID/content its bytes\n"
	"      (application/octet-stream, Content-Length set); DELETE BASE/files/ID\n"
	"      {\"id\",\"object\":\"file\",\"deleted\":true}. Unknown ids: 404.\n"
	"  POST BASE/batches  JSON {input_file_id (an uploaded file, 404 otherwise),\n"
	"      endpoint (/v1/responses, /v1/chat/completions, /v1/embeddings,\n"
	"      /v1/completions, /v1/moderations, /v1/images/generations,\n"
	"      /v1/images/edits, /v1/videos), completion_window \"24h\", metadata (16\n"
	"      pairs, keys 64 and values 512 characters), output_expires_after\n"
	"      {anchor \"created_at\", seconds 3600..2592000}}; 400 naming the param\n"
	"      otherwise. The batch's model is the first request's body.model; its\n"
	"      usage (input_tokens, input_tokens_details.cached_tokens, output_tokens,\n"
	"      output_tokens_details.reasoning_tokens, total_tokens) is 0 until the\n"
	"      output is written, then the answers' tokens summed.\n"
	"      The batch then runs by the clock (--batch-seconds), each batch on its\n"
	"      own: validating, in_progress (request_counts advancing), finalizing,\n"
	"      completed. Validation is libtfy's input checker: each line that is\n"
	"      not blank a JSON object with a unique non-empty custom_id, method\n"
	"      POST, url = endpoint and an object body, one body.model on every\n"
	"      line, 1..50000 requests, at most 200 MiB; else failed with\n"
	"      errors.data [{code,message,param,line}] (the checker's names,\n"
	"      OpenAI's codes where OpenAI has one; the first 100). Output file\n"
	"      (purpose batch_output, written when the batch is due, which it shows\n"
	"      as finalizing until then): one line per request, a fake answer\n"
	"      echoing body.model and the custom_id, with response.body.usage\n"
	"      {prompt_tokens, completion_tokens, total_tokens,\n"
	"      prompt_tokens_details.cached_tokens,\n"
	"      completion_tokens_details.reasoning_tokens}. With B the custom_id's\n"
	"      length in bytes and S the sum of its bytes' values:\n"
	"        prompt_tokens = 10 + S % 90      cached_tokens = 4 * (S % 3)\n"
	"        completion_tokens = 5 + B % 50   reasoning_tokens = B % 4\n"
	"        total_tokens = prompt_tokens + completion_tokens\n"
	"      (embeddings: prompt_tokens and total_tokens = 10 + S % 90 only).\n"
	"      custom_ids starting with \"fail\" go to the error file (status_code\n"
	"      400) and count as failed; those starting with \"flaky\" go there with\n"
	"      status_code 429 and OpenAI's rate_limit_exceeded error the first time\n"
	"      any batch carries them (decided at create; remembered for the run),\n"
	"      and are answered normally after. metadata mock_outcome=expire ends\n"
	"      the batch expired with the first half of its requests answered (see\n"
	"      the fault expire-batch).\n"
	"  GET BASE/batches/ID  the batch (also any id of the generated set).\n"
	"  POST BASE/batches/ID/cancel  cancelling, then cancelled after X/4; a\n"
	"      batch already completed, failed, expired or cancelled gets 400.\n"
	"  GET /_mock/last-request  (no auth) the last request seen on a BASE path:\n"
	"      {\"method\",\"path\",\"query\":{name:value},\"headers\":[[name,value],...],\n"
	"       \"authorized\":bool}, headers in the order received; credential headers\n"
	"      are masked unless they hold KEY. Before any such request: 200 with\n"
	"      method, path and authorized null, query {} and headers [].\n"
	"  GET /_mock/stats  (no auth) {\"requests\",\"connections\",\"api_connections\",\n"
	"      \"faults_served\",\"batches_created\",\"files_uploaded\",\"lines_processed\",\n"
	"      \"batches_by_metadata\"}: requests outside /_mock/, TCP connections\n"
	"      accepted (all), connections that carried at least one request outside\n"
	"      /_mock/, requests that got a fault (run-level or x-mock-fault),\n"
	"      batches created, files uploaded, request lines answered in output and\n"
	"      error files, and [{\"tfy_job_id\",\"tfy_shard\",\"tfy_round\",\"batches\"}]:\n"
	"      batches created per distinct triple of those metadata values (null\n"
	"      when absent), in order of first creation.\n"
	"  GET or POST /_mock/stats/reset  (no auth) sets every count to 0 and\n"
	"      answers with the stats; files, batches and flaky custom_ids stay.\n"
	"  GET /_mock/faults  (no auth) the run-level faults:\n"
	"      {\"faults\":[{\"spec\",\"times\",\"served\"},...]}.\n"
	"  POST /_mock/faults  (no auth) replaces them: body = one SPEC per line, blank\n"
	"      lines and '#' comments skipped, empty body = no faults; all or nothing\n"
	"      (400 invalid_mock_fault naming the bad line; 413 above 64 KiB). Answers\n"
	"      with the new list, use counts at 0. Use curl --data-binary, not -d.\n"
	"  GET or POST /_mock/faults/reset  (no auth) restores the --fault list with\n"
	"      use counts at 0; answers with the list.\n"
	"  Anything else: 404 unknown_url. Every response has an x-request-id header.\n"
	"\n"
	"Providers (a request whose x-tfy-provider-name names a --provider account;\n"
	"  any other name, or none, gets the openai shape unless --require-provider):\n"
	"  openai, azure  OpenAI's Batch object: batch_ and file- ids, lower-case\n"
	"                 statuses, Unix seconds\n"
	"  bedrock        ids arn:aws:bedrock:REGION:ACCOUNT:model-invocation-job/ID\n"
	"                 (ID: 12 lower-case alphanumerics), files s3://BUCKET/KEY,\n"
	"                 statuses Submitted, Validating, Scheduled, InProgress,\n"
	"                 PartiallyCompleted, Completed, Failed, Stopping, Stopped,\n"
	"                 Expired; times in milliseconds; no has_more in the list\n"
	"  vertex         ids projects/P/locations/REGION/batchPredictionJobs/DIGITS,\n"
	"                 files gs://BUCKET/KEY, statuses JOB_STATE_QUEUED, _PENDING,\n"
	"                 _RUNNING, _SUCCEEDED, _PARTIALLY_SUCCEEDED, _FAILED,\n"
	"                 _CANCELLING, _CANCELLED, _EXPIRED, _PAUSED, _UPDATING;\n"
	"                 times as \"2025-01-31T23:59:44Z\"; errors.data[].code numbers\n"
	"  Each shape holds the same --count items (index i always gives the same\n"
	"  item) and pages with its own ids as after; another shape's id gets 400.\n"
	"  Files and batch calls (all but the listing) naming a bedrock account need\n"
	"  x-tfy-aws-s3-bucket, a vertex account x-tfy-vertex-storage-bucket-name:\n"
	"  400 in TrueFoundry's envelope otherwise.\n"
	"\n"
	"Faults (requests to a BASE path that pass the method, key and provider\n"
	"checks):\n"
	"  SPEC is name[:key=value[,key=value...]]; values cannot contain ','.\n"
	"  Every mode takes route=R[|R...] with R one of list, create, retrieve,\n"
	"  cancel, upload, file (GET a file object), download, delete, files (GET\n"
	"  the list of files): the fault applies to those calls only, and other\n"
	"  calls neither take it from the list nor use it up. Default: every call,\n"
	"  except huge, ignore-after, empty-has-more and no-has-more (list; give\n"
	"  route=files for the list of files), drop-upload (upload) and\n"
	"  create-no-answer (create).\n"
	"  Run-level faults (--fault, POST /_mock/faults) form a list: each request\n"
	"  takes the first one with uses left, so 'none:times=2' then 'status' gives\n"
	"  two normal answers, then one 500. A request header 'x-mock-fault: SPEC'\n"
	"  applies to that request alone, instead of the list (nothing is used up;\n"
	"  'x-mock-fault: none' bypasses the list; times= is ignored; a bad SPEC\n"
	"  gets 400 invalid_mock_fault). Every mode takes times=N: the fault serves\n"
	"  N requests, 0 = every request. Default times is 1 for status, retry-after,\n"
	"  should-retry, error-shape, html-502, no-answer and create-no-answer, and 0\n"
	"  (always) for the rest. A request with x-mock-fault does not consult the\n"
	"  list at all, expire-batch faults included.\n"
	"  status[:code=C]            HTTP C (200..599, default 500) with an error body\n"
	"                             {\"error\":{\"message\",\"type\":\"server_error\",\n"
	"                             \"param\":null,\"code\":null}}\n"
	"  retry-after[:seconds=S][,ms=M][,date=+S][,code=C]\n"
	"                             error C (default 429) with Retry-After: S,\n"
	"                             retry-after-ms: M and/or Retry-After: <IMF-fixdate\n"
	"                             S seconds from now; -S is in the past>; seconds\n"
	"                             and date exclude each other; none: seconds=1\n"
	"  should-retry:value=true|false[,code=C]\n"
	"                             error C (default 400 if true, 500 if false) with\n"
	"                             x-should-retry: true|false\n"
	"  error-shape:kind=K[,code=C]\n"
	"                             HTTP C (200..599, default 400) with the error\n"
	"                             body of one server, K being:\n"
	"    openai        as status: {\"error\":{\"message\",\"type\",\"param\",\"code\"}}\n"
	"    litellm       {\"error\":{\"message\",\"type\",\"param\":\"None\",\"code\":C}},\n"
	"                  C a JSON number\n"
	"    truefoundry   {\"statusCode\":C,\"message\",\"code\":\"REASON_PHRASE\",\n"
	"                   \"details\":{\"fault\":SPEC}}\n"
	"    fastapi       {\"detail\":\"...\"}\n"
	"    fastapi-list  {\"detail\":[{\"loc\":[\"query\",\"limit\"],\"msg\",\"type\"}]}\n"
	"    provider      {\"error\":{\"message\",\"type\",\"param\",\"code\":\"C\"},\n"
	"                   \"provider\":\"bedrock\"}\n"
	"    failure       {\"status\":\"failure\",\"message\"}\n"
	"    azure         {\"error\":{\"code\":\"C\",\"message\"}}\n"
	"    html          text/html, nginx's error page for C\n"
	"  html-502                   502, Content-Type text/html, nginx's error page\n"
	"  non-json                   200, application/json, body 'this is not json'\n"
	"  truncated                  200, the first half of the JSON text (gzipped\n"
	"                             after cutting), matching Content-Length\n"
	"  drop[:bytes=N]             full Content-Length, then N bytes of the body\n"
	"                             (default half) and the connection is closed\n"
	"  drip[:bytes=B][,interval_ms=I]\n"
	"                             the normal answer B bytes (16) at a time, I ms\n"
	"                             (100) apart\n"
	"  stall[:seconds=S]          nothing for S seconds (30), then the normal answer\n"
	"  delay[:ms=M]               the normal answer after M ms (1000)\n"
	"  huge[:mb=N][,chunked=1]    200, valid JSON list padded to N MiB (40),\n"
	"                             generated as sent; chunked=1: no Content-Length\n"
	"  redirect:to=URL[,code=C]   C (300..399, default 302) with Location: URL\n"
	"  ignore-after               the page as if 'after' were absent\n"
	"  empty-has-more             200, data [], first_id/last_id null, has_more true\n"
	"  no-has-more                the normal page without the has_more key\n"
	"  drop-upload[:bytes=N]      read N bytes (1024) of the request body, then\n"
	"                             close the connection; nothing is kept\n"
	"  no-answer[:seconds=S]      carry the call out (create, upload, cancel,\n"
	"                             delete...), wait S seconds (0), then close\n"
	"                             the connection without an answer\n"
	"  create-no-answer[:seconds=S]  no-answer with route=create\n"
	"  expire-batch[:lines=N|fraction=F][,nth=N][,meta=KEY:VALUE]\n"
	"                             the batch a create makes (route=create) expires\n"
	"                             part-way: its output and error files hold\n"
	"                             records for its first N requests (or\n"
	"                             floor(F * requests); default fraction=0.5) and\n"
	"                             none for the rest, as OpenAI does. Run-level,\n"
	"                             it does not act on the request and is checked\n"
	"                             against every batch created: meta= only those\n"
	"                             whose metadata KEY is VALUE, nth= only the Nth\n"
	"                             such batch since the list was set (every matching\n"
	"                             one without; times= caps them). As x-mock-fault on\n"
	"                             a create it expires that batch if meta= matches.\n"
	"  none                       no fault\n"
	"  On download, drop cuts the file's content: the full Content-Length, then\n"
	"  N bytes (default half) and a hang-up. Faults answering an error on create\n"
	"  (status, retry-after...) create nothing.\n"
	"  Error answers carry x-request-id. Only JSON error bodies are gzipped; huge\n"
	"  and non-json never are. Stalls, delays and drips end early on SIGTERM or\n"
	"  when the client hangs up.\n";

struct options {
	struct mgw_server_config server;
	struct mgw_fault *faults; /* --fault, in order */
	size_t fault_count;
	struct mgw_tls_config tls;      /* --tls-* */
	struct mgw_provider *providers; /* --provider */
	size_t provider_count;
	bool help;
	bool version;
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "tfy-mock-gateway: %s%s%s\nTry 'tfy-mock-gateway --help'.\n", what,
	        arg ? ": " : "", arg ? arg : "");
	return EXIT_USAGE;
}

/* Splits "--name=value" or takes the next argument; NULL value if missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];
	if (strncmp(arg, name, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool is_option(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_valued(int argc, char **argv, int *i, struct options *o)
{
	const char *arg = argv[*i];
	const char *name = is_option(arg, "--port")             ? "--port"
	                 : is_option(arg, "--count")            ? "--count"
	                 : is_option(arg, "--rotate-key-after") ? "--rotate-key-after"
	                                                        : "--api-key";
	const char *value = option_value(argc, argv, i, name);
	unsigned long v;
	if (!value)
		return usage_error("missing value for", name);
	if (strcmp(name, "--api-key") == 0) {
		if (value[0] == '\0')
			return usage_error("--api-key must not be empty", NULL);
		o->server.api_key = value;
	} else if (strcmp(name, "--rotate-key-after") == 0) {
		if (!mgw_parse_ulong(value, 1000000, &v) || v == 0)
			return usage_error("--rotate-key-after expects 1..1000000, got", value);
		o->server.rotate_key_after = (uint32_t)v;
	} else if (strcmp(name, "--port") == 0) {
		if (!mgw_parse_ulong(value, 65535, &v))
			return usage_error("--port expects 0..65535, got", value);
		o->server.port = (uint16_t)v;
	} else {
		if (!mgw_parse_ulong(value, MGW_DATASET_MAX_COUNT, &v))
			return usage_error("--count expects 0..10000000, got", value);
		o->server.count = (uint32_t)v;
	}
	return 0;
}

/* --max-file-bytes N and --batch-seconds X. */
static int parse_jobs_option(int argc, char **argv, int *i, struct options *o)
{
	bool bytes = is_option(argv[*i], "--max-file-bytes");
	const char *name = bytes ? "--max-file-bytes" : "--batch-seconds";
	const char *value = option_value(argc, argv, i, name);
	unsigned long v;
	char *end;
	double x;
	if (!value)
		return usage_error("missing value for", name);
	if (bytes) {
		if (!mgw_parse_ulong(value, (unsigned long)MAX_FILE_BYTES, &v))
			return usage_error("--max-file-bytes expects 0..2^50, got", value);
		o->server.max_file_bytes = v;
		return 0;
	}
	x = strtod(value, &end);
	if (end == value || *end != '\0' || !(x >= 0.0 && x <= MAX_BATCH_SECONDS))
		return usage_error("--batch-seconds expects seconds in 0..86400, got", value);
	o->server.batch_seconds = x;
	return 0;
}

static int parse_fault(int argc, char **argv, int *i, struct options *o)
{
	const char *value = option_value(argc, argv, i, "--fault");
	struct mgw_fault *grown;
	char err[256];
	if (!value)
		return usage_error("missing value for", "--fault");
	grown = realloc(o->faults, (o->fault_count + 1) * sizeof *grown);
	if (!grown)
		return usage_error("out of memory", NULL);
	o->faults = grown;
	if (!mgw_fault_parse(value, &o->faults[o->fault_count], err, sizeof err))
		return usage_error("bad --fault", err);
	o->fault_count++;
	return 0;
}

static int parse_provider(int argc, char **argv, int *i, struct options *o)
{
	const char *value = option_value(argc, argv, i, "--provider");
	struct mgw_provider p, *grown;
	char err[256];
	if (!value)
		return usage_error("missing value for", "--provider");
	if (!mgw_provider_parse(value, &p, err, sizeof err))
		return usage_error("bad --provider", err);
	if (mgw_provider_find(o->providers, o->provider_count, p.name))
		return usage_error("--provider names this account twice", p.name);
	grown = realloc(o->providers, (o->provider_count + 1) * sizeof *grown);
	if (!grown)
		return usage_error("out of memory", NULL);
	o->providers = grown;
	o->providers[o->provider_count++] = p;
	return 0;
}

/* The --tls-* options: file names and a priority string, taken as given. */
static const char *const tls_options[] = { "--tls-cert", "--tls-key", "--tls-client-ca",
	                                   "--tls-priority" };

static int tls_option(const char *arg)
{
	for (int k = 0; k < 4; k++)
		if (is_option(arg, tls_options[k]))
			return k;
	return -1;
}

static int parse_tls(int argc, char **argv, int *i, struct options *o)
{
	int k = tls_option(argv[*i]);
	const char *value = option_value(argc, argv, i, tls_options[k]);
	const char **slots[] = { &o->tls.cert_file, &o->tls.key_file, &o->tls.client_ca_file,
		                 &o->tls.priorities };
	if (!value || !*value)
		return usage_error("missing value for", tls_options[k]);
	*slots[k] = value;
	return 0;
}

/* --webhook-url URL, --webhook-secret S and --webhook-retry-ms N. */
static int parse_webhook(int argc, char **argv, int *i, struct options *o)
{
	bool url = is_option(argv[*i], "--webhook-url");
	bool retry = is_option(argv[*i], "--webhook-retry-ms");
	const char *name = url   ? "--webhook-url"
	                 : retry ? "--webhook-retry-ms"
	                         : "--webhook-secret";
	const char *value = option_value(argc, argv, i, name);
	unsigned long v;
	if (!value || !*value)
		return usage_error("missing value for", name);
	if (retry) {
		if (!mgw_parse_ulong(value, MGW_WEBHOOK_FIRST_RETRY_MAX_MS, &v) || v == 0)
			return usage_error("--webhook-retry-ms expects 1..60000, got", value);
		o->server.webhook_retry_ms = v;
		return 0;
	}
	if (url && strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
		return usage_error("--webhook-url must start with http:// or https://, got", value);
	if (url)
		o->server.webhook_url = value;
	else
		o->server.webhook_secret = value;
	return 0;
}

/* Both webhook options or neither; the secret from the environment by default. */
static int check_webhook(struct options *o)
{
	const char *env = getenv("TFY_MOCK_WEBHOOK_SECRET");
	if (!o->server.webhook_secret && env && env[0])
		o->server.webhook_secret = env;
	if (!o->server.webhook_url)
		return o->server.webhook_retry_ms
		             ? usage_error("--webhook-retry-ms needs --webhook-url", NULL)
		             : 0;
	if (!o->server.webhook_secret)
		return usage_error("--webhook-url needs --webhook-secret", NULL);
	/* Never echoed: the secret is not the mock's to print. */
	if (!mgw_webhook_secret_ok(o->server.webhook_secret))
		return usage_error("--webhook-secret must be whsec_ followed by base64", NULL);
	return 0;
}

static int check_tls(const struct options *o)
{
	if (!o->tls.cert_file && (o->tls.key_file || o->tls.client_ca_file || o->tls.priorities))
		return usage_error("--tls-key, --tls-client-ca and --tls-priority need --tls-cert",
		                   NULL);
	if (o->tls.cert_file && !o->tls.key_file)
		return usage_error("--tls-cert needs --tls-key", NULL);
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int rc;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			o->help = true;
		} else if (strcmp(arg, "--version") == 0) {
			o->version = true;
		} else if (strcmp(arg, "--gzip") == 0) {
			o->server.gzip = true;
		} else if (strcmp(arg, "--require-provider") == 0) {
			o->server.require_provider = true;
		} else if (is_option(arg, "--port") || is_option(arg, "--count") ||
		           is_option(arg, "--api-key") || is_option(arg, "--rotate-key-after")) {
			if ((rc = parse_valued(argc, argv, &i, o)) != 0)
				return rc;
		} else if (is_option(arg, "--max-file-bytes") || is_option(arg, "--batch-seconds")) {
			if ((rc = parse_jobs_option(argc, argv, &i, o)) != 0)
				return rc;
		} else if (is_option(arg, "--fault")) {
			if ((rc = parse_fault(argc, argv, &i, o)) != 0)
				return rc;
		} else if (is_option(arg, "--provider")) {
			if ((rc = parse_provider(argc, argv, &i, o)) != 0)
				return rc;
		} else if (tls_option(arg) >= 0) {
			if ((rc = parse_tls(argc, argv, &i, o)) != 0)
				return rc;
		} else if (is_option(arg, "--webhook-url") || is_option(arg, "--webhook-secret") ||
		           is_option(arg, "--webhook-retry-ms")) {
			if ((rc = parse_webhook(argc, argv, &i, o)) != 0)
				return rc;
		} else {
			return usage_error("unknown argument", arg);
		}
	}
	return check_tls(o) ? EXIT_USAGE : check_webhook(o);
}

static void default_api_key(struct options *o)
{
	const char *env = getenv("TFY_MOCK_API_KEY");
	if (o->server.api_key)
		return;
	o->server.api_key = env && env[0] ? env : DEFAULT_API_KEY;
}

/* Blocked before any thread starts so that every MHD thread inherits the mask
 * and the main thread alone receives them through sigwait(). */
static int block_stop_signals(sigset_t *set)
{
	struct sigaction ignore;
	memset(&ignore, 0, sizeof ignore);
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ignore, NULL); /* a client hanging up must not kill us */
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	return pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int serve(struct options *o)
{
	sigset_t stop;
	int sig = 0;
	char err[512];
	struct mgw_server *srv;
	struct mgw_tls *tls = NULL;
	if (o->tls.cert_file && !(tls = mgw_tls_load(&o->tls, err, sizeof err))) {
		fprintf(stderr, "tfy-mock-gateway: %s\n", err);
		return EXIT_FAILURE;
	}
	o->server.tls = tls;
	if (block_stop_signals(&stop) != 0) {
		fprintf(stderr, "tfy-mock-gateway: cannot block signals\n");
		return EXIT_FAILURE;
	}
	/* Seed once, before threads: jansson's lazy seeding is the only shared state;
     * libcurl's global state likewise, for the webhook sender. */
	json_object_seed(0);
	if (o->server.webhook_url && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "tfy-mock-gateway: libcurl could not start\n");
		mgw_tls_free(tls);
		return EXIT_FAILURE;
	}
	srv = mgw_server_start(&o->server, err, sizeof err);
	if (!srv) {
		fprintf(stderr, "tfy-mock-gateway: %s\n", err);
		mgw_tls_free(tls);
		return EXIT_FAILURE;
	}
	printf("tfy-mock-gateway listening on %s://127.0.0.1:%u\n", tls ? "https" : "http",
	       (unsigned)mgw_server_port(srv));
	fflush(stdout);
	while (sigwait(&stop, &sig) != 0)
		;
	mgw_server_stop(srv);
	mgw_tls_free(tls);
	if (o->server.webhook_url)
		curl_global_cleanup();
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct options o = { .server = { .count = DEFAULT_COUNT,
		                         .max_file_bytes = MGW_STORE_DEFAULT_MAX,
		                         .batch_seconds = MGW_BATCH_SECONDS_DEFAULT } };
	int rc = parse_args(argc, argv, &o);
	if (rc == 0 && o.help)
		fputs(usage_text, stdout);
	else if (rc == 0 && o.version)
		puts("tfy-mock-gateway " MGW_VERSION);
	else if (rc == 0) {
		default_api_key(&o);
		o.server.faults = o.faults;
		o.server.fault_count = o.fault_count;
		o.server.providers = o.providers;
		o.server.provider_count = o.provider_count;
		rc = serve(&o);
	}
	free(o.faults);
	free(o.providers);
	return rc;
}
