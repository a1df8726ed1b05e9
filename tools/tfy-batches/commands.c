/*
 * tfy-batches: the subcommands and their help.
 *
 * A new command is one entry here and one handler file (cmd_NAME.c); the
 * options it takes are the groups named in its entry, parsed by opts.c.
 */
#include "commands.h"

#include <string.h>

#include "cli.h"

const cli_command cli_commands[] = {
	{ "list", cmd_list_run, "[OPTION]...",
	  "list batches, one page or --all (the default command)",
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
	  GROUP_GENERAL | GROUP_CONNECTION | GROUP_ROUTING | GROUP_FORMAT | GROUP_LIST, 0 },
	{ "help", cmd_help_run, "[COMMAND]", "show the help of a command, or this one",
	  "Show the help of COMMAND, or the general help without one.\n", GROUP_GENERAL, 1 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 }
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

void cli_write_command_list(sink *out)
{
	const cli_command *c;

	sink_puts(out, "Commands:\n");
	for (c = cli_commands; c->name != NULL; c++) {
		size_t len = strlen(c->name);

		sink_puts(out, "  ");
		sink_puts(out, c->name);
		sink_spaces(out, len < 10 ? 10 - len : 1);
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
	"  --base-url the key comes from --api-key or TFY_API_KEY.\n"
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
	"  8  a local file could not be read or written\n";

static void write_usage_line(sink *out, const cli_command *cmd)
{
	sink_puts(out, "Usage: " CLI_NAME " ");
	sink_puts(out, cmd->name);
	sink_puts(out, " ");
	sink_puts(out, cmd->usage);
	sink_puts(out, "\n");
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
