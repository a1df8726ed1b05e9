/*
 * tfy-batches: the subcommands and their help.
 *
 * A new command is one entry here and one handler file (cmd_NAME.c); the
 * options it takes are the groups named in its entry, parsed by opts.c.
 */
#include "commands.h"

#include <string.h>

#include "cli.h"

/* What every command that calls the API takes. */
#define CALLS_API (GROUP_GENERAL | GROUP_CONNECTION | GROUP_ROUTING)

/* The options create and run share (after their --endpoint). */
#define CREATE_HELP \
	"      --completion-window W time frame to finish in (default: 24h)\n" \
	"      --metadata KEY=VALUE  a metadata pair of the batch; repeatable\n"

/* The input check's option, of check and run. */
#define PROVIDER_KIND_HELP \
	"      --provider-kind KIND  check with the rules of KIND as well as\n" \
	"                            OpenAI's: openai (the default), azure,\n" \
	"                            bedrock (100 requests at least), vertex (a\n" \
	"                            line may omit method, url and body.model)\n"

/* wait's and run's bound on the waiting, and what they exit with. */
#define WAIT_HELP \
	"      --wait-timeout S      stop waiting after S seconds (exit 13); the\n" \
	"                            batch goes on.  The deadline of --timeout also\n" \
	"                            ends the wait so (as 'wait --timeout S' always\n" \
	"                            did)\n" \
	"\n" \
	"Exit status by the batch's final state: 0 completed (some requests may\n" \
	"still have failed: see failed in the counts; partially_completed too), 10\n" \
	"failed (its errors, the first 20, are listed on stderr), 11 expired, 12\n" \
	"cancelled; 13 when --wait-timeout or --timeout passed first, 130 when\n" \
	"interrupted (Ctrl-C: the batch goes on; the line printed says how to\n" \
	"resume), 143 on SIGTERM, 129 on SIGHUP.\n"

const cli_command cli_commands[] = {
	{ "list", cmd_list_run, "[OPTION]...", "list batches, one page or --all (the default command)",
	  "List the batches of an OpenAI-compatible Batch API: GET {base URL}/batches.\n"
	  "Without a command, " CLI_NAME " lists: '" CLI_NAME " --all' is\n"
	  "'" CLI_NAME " list --all'.\n"
	  "\n"
	  "Paging and filtering:\n"
	  "      --limit N             page size, 1 to 100 (default: the server's, 20\n"
	  "                            on OpenAI)\n"
	  "      --after ID            start after the batch with this id\n"
	  "      --all                 follow every page to the end; on a terminal a\n"
	  "                            progress line is shown on stderr meanwhile\n"
	  "      --max-items N         with --all, stop after N batches\n"
	  "      --status S            show only batches whose status is S\n"
	  "                            (repeatable; any string; \"-\" matches a batch\n"
	  "                            without one); filtered here, while paging\n"
	  "      --summary             end with a line on stderr counting the batches\n"
	  "                            shown per status and their requests\n",
	  GROUP_GENERAL | GROUP_CONNECTION | GROUP_ROUTING | GROUP_FORMAT | GROUP_LIST | GROUP_PAGING,
	  0, 0 },
	{ "get", cmd_get_run, "ID [OPTION]...", "show one batch",
	  "Show the batch ID: GET {base URL}/batches/ID.  The table is list's row,\n"
	  "then the batch's output and error file ids (OUTPUT_FILE, ERROR_FILE).\n"
	  "--format json prints the batch as the server sent it.\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "cancel", cmd_cancel_run, "ID [OPTION]...", "ask for a batch to be cancelled",
	  "Ask for the batch ID to be cancelled: POST {base URL}/batches/ID/cancel,\n"
	  "and show the batch as answered (usually cancelling; 'wait ID' follows it\n"
	  "to cancelled).  A batch that has ended already is refused (exit 4).\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "create", cmd_create_run, "--input-file-id ID --endpoint PATH [OPTION]...",
	  "create a batch from an uploaded file",
	  "Create a batch: POST {base URL}/batches, and show it.\n"
	  "\n"
	  "Batch:\n"
	  "      --input-file-id ID    the uploaded input file (required)\n"
	  "      --endpoint PATH       the endpoint of every request, e.g.\n"
	  "                            /v1/chat/completions (required)\n" CREATE_HELP,
	  CALLS_API | GROUP_FORMAT | GROUP_INPUT_ID | GROUP_ENDPOINT | GROUP_CREATE, 0, 0 },
	{ "wait", cmd_wait_run, "ID [OPTION]...", "wait until a batch ends",
	  "Wait until the batch ID ends, polling it (after 1 s, then 1.5 times longer\n"
	  "each time, up to 30 s), then show it.  On a terminal a progress line on\n"
	  "stderr shows the status, completed/failed/total requests and the time\n"
	  "waited; elsewhere each new status is one line on stderr.  The table shows\n"
	  "the batch as 'get' does, its output and error file ids with it.\n"
	  "\n"
	  "      --webhook-listen ADDR:PORT\n"
	  "                            also listen on ADDR:PORT (a numeric address,\n"
	  "                            127.0.0.1:9000 or [::1]:9000; port 0: a free\n"
	  "                            one) for the signed webhooks OpenAI sends when\n"
	  "                            a batch ends: a verified batch event for ID\n"
	  "                            ends the wait at once (ID is then fetched once\n"
	  "                            to be shown).  Polling goes on meanwhile, in\n"
	  "                            case none comes, but slower: after 10 s, then\n"
	  "                            up to 2 min.  Each delivery is answered 204\n"
	  "                            when verified, 400 when not (said on stderr)\n"
	  "      --secret-file FILE    the endpoint's signing secret (whsec_...),\n"
	  "                            first line of FILE [TFY_WEBHOOK_SECRET];\n"
	  "                            needed with --webhook-listen\n" WAIT_HELP,
	  CALLS_API | GROUP_FORMAT | GROUP_WAIT | GROUP_SECRET | GROUP_LISTEN, 1, 1 },
	{ "files upload", cmd_files_upload_run, "PATH [OPTION]...", "upload a batch input file",
	  "Upload the file at PATH (purpose batch): POST {base URL}/files, and show\n"
	  "the file.  The upload is never repeated once it may have created a file\n"
	  "(exit 7: list or check before uploading again).  On a terminal a progress\n"
	  "line on stderr shows the upload, then what was uploaded as which id.\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "files list", cmd_files_list_run, "[OPTION]...", "list files, one page or --all",
	  "List the files: GET {base URL}/files, newest first unless --order asc.\n"
	  "Columns as 'files get'; json is one list object (data, first_id, last_id,\n"
	  "has_more), ndjson one file per line.  On a terminal the table fits its\n"
	  "width: FILENAME is narrowed, then columns dropped; the id is never cut.\n"
	  "\n"
	  "Paging and filtering:\n"
	  "      --purpose P           only files of purpose P (batch, batch_output...)\n"
	  "      --order asc|desc      oldest or newest first (default: the server's,\n"
	  "                            desc on OpenAI)\n"
	  "      --limit N             page size, 1 to 10000 (default: the server's,\n"
	  "                            10000 on OpenAI)\n"
	  "      --after ID            start after the file with this id\n"
	  "      --all                 follow every page to the end; on a terminal a\n"
	  "                            progress line is shown on stderr meanwhile\n"
	  "      --max-items N         with --all, stop after N files\n",
	  CALLS_API | GROUP_FORMAT | GROUP_PAGING | GROUP_FILES, 0, 0 },
	{ "files get", cmd_files_get_run, "ID [OPTION]...", "show one file",
	  "Show the file ID: GET {base URL}/files/ID.  --format json prints it as the\n"
	  "server sent it.\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "files download", cmd_files_download_run, "ID [-o PATH] [OPTION]...",
	  "download a file's content",
	  "Download the content of the file ID: GET {base URL}/files/ID/content.  Its\n"
	  "size is the file's bytes (GET {base URL}/files/ID): another size fails\n"
	  "(exit 5).  On a terminal a progress line on stderr shows the download\n"
	  "(percentage, bytes, rate, time left), then what was saved where.\n"
	  "\n"
	  "  -o, --output PATH         write it to PATH (\"-\": standard output); an\n"
	  "                            existing PATH is refused (exit 8) unless -f\n"
	  "                            is given.  The content\n"
	  "                            goes to PATH.XXXXXX.part first, renamed when\n"
	  "                            complete; Ctrl-C, SIGTERM and SIGHUP leave\n"
	  "                            neither.  Without -o: standard output when it\n"
	  "                            is not a terminal; on a terminal, a file in\n"
	  "                            the current directory named as the file was\n"
	  "                            uploaded (its path is said on stderr), when\n"
	  "                            that is a plain file name: not starting with\n"
	  "                            '.' or '-', without '/' or control characters\n"
	  "                            (else exit 2: give -o)\n"
	  "  -f, --force               replace an existing PATH (when the download is\n"
	  "                            complete, in one rename)\n",
	  CALLS_API | GROUP_OUTPUT, 1, 1 },
	{ "files delete", cmd_files_delete_run, "ID [OPTION]...", "delete a file",
	  "Delete the file ID: DELETE {base URL}/files/ID.  Prints \"deleted ID\".  A\n"
	  "server that answers \"deleted\": false declined (exit 14).\n",
	  CALLS_API, 1, 1 },
	{ "check", cmd_check_run, "PATH [--endpoint PATH] [--provider-kind KIND]",
	  "check a batch input file",
	  "Check the batch input file at PATH (JSONL, one request a line) for what the\n"
	  "Batch API would refuse: a line that is not a JSON object, a missing, empty\n"
	  "or repeated custom_id, a method other than POST, a url that differs from\n"
	  "the endpoint, a missing body, a body.model missing or other than the first\n"
	  "line's, chat messages that are not an array, too many requests, bytes or\n"
	  "embedding inputs, an empty file.\n"
	  "Each problem is one line on stdout, \"PATH:LINE: message [code]\" (LINE 0\n"
	  "for the whole file; the code as the Batch API gives it in a failed batch's\n"
	  "errors where it has one); a clean file prints \"PATH: N requests, ok\".\n"
	  "Exit status 0 only when the file is clean, 9 when it has problems.\n"
	  "Nothing is sent.\n"
	  "\n"
	  "      --endpoint PATH       every url must be PATH (default: the first\n"
	  "                            line's url)\n" PROVIDER_KIND_HELP,
	  GROUP_GENERAL | GROUP_ENDPOINT | GROUP_CHECK, 1, 1 },
	{ "results", cmd_results_run, "PATH|FILE_ID [OPTION]...",
	  "show the records of an output or error file",
	  "Show the records of a batch output or error file: a local PATH, else a\n"
	  "file id whose content is downloaded (streamed, never held whole).  An\n"
	  "argument that exists, holds a '/' or ends in .jsonl or .json is a PATH\n"
	  "(missing: exit 8), unless it starts with a scheme such as s3:// or gs://\n"
	  "(Bedrock's and Vertex's file ids).  Columns: custom_id, status_code,\n"
	  "request_id, error_code, error_message, body (the response body as JSON\n"
	  "text); on a terminal the table fits its width (request_id, error_code,\n"
	  "... dropped; the custom_id never cut).  A line that is not a record is\n"
	  "said on stderr with its number and skipped (exit 6 at the end).  json\n"
	  "prints one array, ndjson one object per record; -q the custom_ids.\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "run", cmd_run_run, "PATH [--endpoint PATH] [-o DIR] [OPTION]...",
	  "run an input of any size to the end as a job of batches",
	  "Run the input file at PATH as a job in DIR: check it (exit 9 on a problem;\n"
	  "nothing is sent), cut it into shards within a batch's limits (one for a\n"
	  "small input), upload them and create their batches (up to --concurrency\n"
	  "at once), wait for them all, download what they produced, run the lines\n"
	  "that failed for a reason that can pass (an expired batch's lines, 429,\n"
	  "5xx) again in up to --retries more rounds, and merge everything into\n"
	  "DIR/output.jsonl and DIR/errors.jsonl: every custom_id of the input once,\n"
	  "in input order.  Then print a summary: the job, its status, completed,\n"
	  "failed and total requests, shards, rounds, token usage, the estimated\n"
	  "cost (with --prices) and the two files.  Each step is said on stderr; on\n"
	  "a terminal one progress line.\n"
	  "DIR holds the job's journal: running the same command again resumes the\n"
	  "job where it stopped (after Ctrl-C, a failure, a crash, a reboot),\n"
	  "never creating a batch twice; on a job that is done it prints the summary\n"
	  "and exits 0.  '" CLI_NAME " job status DIR' shows it, '" CLI_NAME " job\n"
	  "cancel DIR' cancels it.\n"
	  "\n"
	  "Job:\n"
	  "      --endpoint PATH       the endpoint of every request (default: the\n"
	  "                            first line's url, as 'check' takes it)\n"
	  "      --completion-window W time frame of each batch (default: 24h)\n" PROVIDER_KIND_HELP
	  "  -o, --output DIR          the job's directory (default: .); a missing DIR\n"
	  "                            is created (with its parents, mode 0700)\n"
	  "                            before anything is sent, and one that is not a\n"
	  "                            writable directory refused then (exit 8)\n"
	  "      --cancel-on-interrupt on Ctrl-C (SIGINT), SIGTERM or SIGHUP, cancel\n"
	  "                            the job's batches; by default they are left\n"
	  "                            running and the command that resumes is printed\n"
	  "      --resume ID           instead of PATH: the single batch ID of an\n"
	  "                            earlier run (before jobs): wait for it and\n"
	  "                            download its files into DIR as ID-output.jsonl\n"
	  "                            and ID-errors.jsonl, keeping a file saved whole\n"
	  "                            before (-f replaces it)\n"
	  "  -f, --force               with --resume, replace existing files in DIR\n"
	  "      --wait-timeout S      stop after S seconds (exit 13); the batches go\n"
	  "                            on.  The deadline of --timeout also ends the\n"
	  "                            run so\n"
	  "\n"
	  "Exit status: 0 the job is done (some requests may still have failed: see\n"
	  "failed, and DIR/errors.jsonl), 12 the job was cancelled, 13 when the\n"
	  "bound of --wait-timeout or --timeout passed first, 130 when interrupted\n"
	  "(Ctrl-C: the batches go on; the line printed says how to resume), 143 on\n"
	  "SIGTERM, 129 on SIGHUP; with --resume ID as 'wait': 10 failed, 11\n"
	  "expired, 12 cancelled.\n",
	  CALLS_API | GROUP_FORMAT | GROUP_ENDPOINT | GROUP_CREATE | GROUP_OUTPUT | GROUP_RUN |
	          GROUP_WAIT | GROUP_CHECK | GROUP_JOB,
	  0, 1 },
	{ "job status", cmd_job_status_run, "DIR [OPTION]...", "show a job's state from its directory",
	  "Show what the journal of the job in DIR records, without a request: its\n"
	  "id, status (new, running, done, cancelled), completed, failed and\n"
	  "total requests, shards, rounds, token usage and estimated cost, the\n"
	  "output and error files, then a table of its shards (round, index,\n"
	  "requests, batch status, batch id, succeeded, failed, tokens).  --format\n"
	  "json prints one object with a \"shards\" array (for scripts and\n"
	  "orchestrators: \"status\"), ndjson that object on one line, csv the\n"
	  "job's row, -q its id.  A DIR that is missing or holds no job: exit 8.\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "job cancel", cmd_job_cancel_run, "DIR [OPTION]...", "cancel a job's batches",
	  "Cancel every live batch of the job in DIR and record that the job is\n"
	  "cancelled: a run of it going on elsewhere stops at its next poll, and a\n"
	  "later run merges what ended and creates nothing.  Then show the job as\n"
	  "'job status' does.  A batch whose cancel fails is said (the exit status of\n"
	  "its failure); cancel again to retry it.\n",
	  CALLS_API | GROUP_FORMAT, 1, 1 },
	{ "webhook verify", cmd_webhook_verify_run, "--secret-file FILE [OPTION]...",
	  "verify a webhook delivery read on stdin",
	  "Verify one webhook delivery: the HTTP request that carried it (request\n"
	  "line, headers, blank line, body; \"\\r\\n\" or \"\\n\" line ends; the body is\n"
	  "Content-Length bytes, else the rest of the input), read on standard input,\n"
	  "as OpenAI signs them (Standard Webhooks: webhook-id, webhook-timestamp\n"
	  "within 300 s of now, a matching v1 signature in webhook-signature).  A\n"
	  "verified delivery's event is shown: its type, id, created_at, the batch\n"
	  "(data.id), the webhook id and timestamp; --format json prints the body as\n"
	  "sent, -q the batch id.  Nothing is sent anywhere.  Exit status 0 when\n"
	  "verified, 15 when not (one line on stderr says which check failed), 6 when\n"
	  "verified but the body is not a JSON object, 2 without a secret or with one\n"
	  "that is not whsec_ and base64.\n"
	  "\n"
	  "      --secret-file FILE    the endpoint's signing secret (whsec_...),\n"
	  "                            first line of FILE [TFY_WEBHOOK_SECRET]; never\n"
	  "                            printed\n",
	  GROUP_GENERAL | GROUP_FORMAT | GROUP_SECRET, 0, 0 },
	{ "help", cmd_help_run, "[COMMAND]", "show the help of a command, or this one",
	  "Show the help of COMMAND, or the general help without one.\n", GROUP_GENERAL, 0, 2 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }
};

const cli_command *const cli_default_command = &cli_commands[0];

const cli_command *cli_find_command(const char *name)
{
	const cli_command *c;

	for (c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_is_command_group(const char *word)
{
	const cli_command *c;
	size_t len = strlen(word);

	for (c = cli_commands; c->name != NULL; c++)
		if (strncmp(c->name, word, len) == 0 && c->name[len] == ' ')
			return 1;
	return 0;
}

const cli_command *cli_find_command_words(char *const *words, size_t count, size_t *used)
{
	const cli_command *c;
	size_t first = count > 0 ? strlen(words[0]) : 0;

	*used = 1;
	if (count == 0)
		return NULL;
	if (count < 2)
		return cli_find_command(words[0]);
	for (c = cli_commands; c->name != NULL; c++) {
		if (strncmp(c->name, words[0], first) == 0 && c->name[first] == ' ' &&
		    strcmp(c->name + first + 1, words[1]) == 0) {
			*used = 2;
			return c;
		}
	}
	return cli_find_command(words[0]);
}

void cli_write_command_list(sink *out)
{
	const cli_command *c;

	sink_puts(out, "Commands:\n");
	for (c = cli_commands; c->name != NULL; c++) {
		size_t len = strlen(c->name);

		sink_puts(out, "  ");
		sink_puts(out, c->name);
		/* two spaces at least: a two-word name stays apart from its summary */
		sink_spaces(out, len < 14 ? 16 - len : 2);
		sink_puts(out, c->summary);
		sink_puts(out, "\n");
	}
}

static const char general_help[] =
	"Run a command against an OpenAI-compatible Batch API: the TrueFoundry AI\n"
	"Gateway, the TrueFoundry control plane, OpenAI or Azure OpenAI.\n";

static const char general_tail[] =
	"\n"
	"Run '" CLI_NAME " help COMMAND' or '" CLI_NAME " COMMAND --help' for the\n"
	"options of a command.  Options also accept the --option=value form.\n"
	"\n"
	"Environment:\n"
	"  Without --base-url, the first set of: TFY_BASE_URL, TrueFoundry's platform\n"
	"  URL as its tools read it (https://ORG.truefoundry.cloud, no path; the API\n"
	"  base is that plus /api/llm), with the key in TFY_API_KEY; OPENAI_BASE_URL,\n"
	"  the API base (https://gateway.truefoundry.ai), with OPENAI_API_KEY.  With\n"
	"  --base-url the key comes from --api-key, else TFY_API_KEY, else\n"
	"  OPENAI_API_KEY (as OpenAI's SDKs take it); TFY_LOG=info says which.\n"
	"  TFY_LOG        off, error, warn (default), info or debug: log on stderr\n"
	"                 (debug: each request's method, URL, status, duration,\n"
	"                 request id and attempt)\n"
	"  NO_COLOR       any value: no colour; TERM=dumb too\n"
	"\n"
	"Exit status (one line on stderr says why, except when the reader of\n"
	"standard output went away):\n"
	"  0  success\n"
	"  1  other failure: out of memory, output not written, cancelled\n"
	"  2  usage error: a bad or missing argument or variable (nothing was sent)\n"
	"  3  authentication or permission (HTTP 401, 403)\n"
	"  4  other API error (HTTP 4xx, 429 included)\n"
	"  5  server error (5xx), an unexpected status such as a refused redirect\n"
	"     (3xx), network failure or timeout, after retries\n"
	"  6  undecodable or too large response, or a pagination error\n"
	"  7  outcome unknown: a request that changes something was sent and may\n"
	"     have taken effect; check before running it again\n"
	"  8  a local file could not be read or written\n"
	"  9  check, run: the input file has problems (nothing was sent)\n"
	"  10 wait, run --resume: the batch ended failed\n"
	"  11 wait, run --resume: the batch ended expired\n"
	"  12 wait, run: the batch (run: the job) ended cancelled\n"
	"  13 wait, run: --wait-timeout or --timeout passed first; the batches go on\n"
	"  14 the server declined (files delete: \"deleted\": false)\n"
	"  15 webhook verify: the request is not a verified webhook delivery\n"
	"  130 wait, run, files download -o: interrupted (SIGINT); the batch goes on;\n"
	"     143 SIGTERM, 129 SIGHUP\n";

static void write_usage_line(sink *out, const cli_command *cmd)
{
	sink_puts(out, "Usage: " CLI_NAME " ");
	sink_puts(out, cmd->name);
	sink_puts(out, " ");
	sink_puts(out, cmd->usage);
	sink_puts(out, "\n");
}

int cli_write_subcommand_help(sink *out, const char *group)
{
	const cli_command *c;
	size_t len = strlen(group), widest = 0;

	if (!cli_is_command_group(group))
		return 0;
	for (c = cli_commands; c->name != NULL; c++)
		if (strncmp(c->name, group, len) == 0 && c->name[len] == ' ' && strlen(c->name) > widest)
			widest = strlen(c->name);
	sink_puts(out, "Usage: " CLI_NAME " ");
	sink_puts(out, group);
	sink_puts(out, " COMMAND [OPTION]...\n\nCommands:\n");
	for (c = cli_commands; c->name != NULL; c++) {
		if (strncmp(c->name, group, len) != 0 || c->name[len] != ' ')
			continue;
		sink_puts(out, "  ");
		sink_puts(out, c->name);
		sink_spaces(out, widest - strlen(c->name) + 2);
		sink_puts(out, c->summary);
		sink_puts(out, "\n");
	}
	sink_puts(out, "\nRun '" CLI_NAME " ");
	sink_puts(out, group);
	sink_puts(out, " COMMAND --help' for the options of a command,\n'" CLI_NAME
	               " help' for the environment and the exit statuses.\n");
	return 1;
}

void cli_write_help(sink *out, const cli_command *cmd)
{
	if (cmd == NULL) {
		sink_puts(out, "Usage: " CLI_NAME " [COMMAND] [OPTION]...\n");
		sink_puts(out, general_help);
		sink_puts(out, "\n");
		cli_write_command_list(out);
		cli_write_group_help(out, GROUP_GENERAL);
		sink_puts(out, general_tail);
		return;
	}
	write_usage_line(out, cmd);
	sink_puts(out, cmd->help);
	cli_write_group_help(out, cmd->groups);
	sink_puts(out, "\nRun '" CLI_NAME " help' for the commands, the environment and the exit\n"
	               "statuses.\n");
}
