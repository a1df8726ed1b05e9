/*
 * tfy-batches: the one line on stderr that explains exit status 1.
 *
 * Server-supplied text goes through text_put_file() so it cannot drive the
 * terminal or break the one-line promise.
 */
#include "diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

void diag_error(const char *msg, const char *quoted)
{
	fputs(CLI_NAME ": ", stderr);
	fputs(msg, stderr);
	if (quoted != NULL) {
		fputs(" '", stderr);
		text_put_file(stderr, quoted);
		fputs("'", stderr);
	}
	fputs("\n", stderr);
}

void diag_put_context(const tfy_error *err)
{
	if (err == NULL || err->request_id == NULL)
		return;
	fputs(" (request id ", stderr);
	text_put_file(stderr, err->request_id);
	fputs(")", stderr);
}

int diag_exit_status(tfy_code code)
{
	switch (code) {
	case TFY_OK: return CLI_EXIT_OK;
	case TFY_ERROR_AUTHENTICATION:
	case TFY_ERROR_PERMISSION_DENIED: return CLI_EXIT_AUTH;
	case TFY_ERROR_BAD_REQUEST:
	case TFY_ERROR_NOT_FOUND:
	case TFY_ERROR_CONFLICT:
	case TFY_ERROR_UNPROCESSABLE:
	case TFY_ERROR_RATE_LIMIT:
	case TFY_ERROR_CLIENT: return CLI_EXIT_API;
	case TFY_ERROR_SERVER:
	case TFY_ERROR_HTTP:
	case TFY_ERROR_CONNECT:
	case TFY_ERROR_DNS:
	case TFY_ERROR_TLS:
	case TFY_ERROR_TIMEOUT:
	case TFY_ERROR_NETWORK: return CLI_EXIT_SERVER;
	case TFY_ERROR_DECODE:
	case TFY_ERROR_RESPONSE_TOO_LARGE:
	case TFY_ERROR_PAGINATION: return CLI_EXIT_RESPONSE;
	/* refused before anything was sent: what the command line or environment gave */
	case TFY_ERROR_INVALID_ARGUMENT: return CLI_EXIT_USAGE;
	case TFY_ERROR_OUTCOME_UNKNOWN: return CLI_EXIT_UNKNOWN;
	case TFY_ERROR_IO: return CLI_EXIT_IO;
	case TFY_ERROR_DECLINED: return CLI_EXIT_DECLINED;
	case TFY_ERROR_WEBHOOK_INVALID: return CLI_EXIT_WEBHOOK_INVALID;
	case TFY_ERROR_INPUT_INVALID: return CLI_EXIT_INPUT;
	default: return CLI_EXIT_FAILURE;
	}
}

/*
 * The library names its options as a C caller knows them; the CLI's user
 * knows flags and variables.  Each phrase on the left is said as on the
 * right; a "[" at its end stands for "[N]" (an index into an array the CLI
 * filled from a repeatable flag).  Longer phrases come first.
 */
static const struct {
	const char *lib, *cli;
} wording[] = {
	{ "set the base_url option,", "use --base-url," },
	{ "set the api_key option or", "use --api-key or" },
	{ "set it with the api_key option", "give it with --api-key" },
	{ "or the base_url option", "or --base-url" },
	{ "the base_url option", "--base-url" },
	{ "the api_key option", "--api-key" },
	{ "auth_header is not", "--auth-header (or TFY_AUTH_HEADER) is not" },
	{ "metadata_header_json", "--tfy-metadata (or TFY_METADATA)" },
	{ "query_params[", "--query" },
	{ "headers[", "-H" },
	{ "tls_client_key and tls_client_key_password need tls_client_cert",
	  "--key and the passphrase (--pass-file, --pass) need --cert" },
	{ "tls_client_cert and tls_client_key", "--cert and --key" },
	{ "tls_client_key_password", "--pass-file, --pass or TFY_KEY_PASSWORD" },
	{ "set proxy_credentials", "use --proxy-user-file or TFY_PROXY_USER" },
	{ "proxy_credentials", "the proxy user (--proxy-user-file, --proxy-user, TFY_PROXY_USER)" },
	{ "no_proxy", "--noproxy" },
	{ "proxy: the URL", "--proxy: the URL" },
	{ "proxy: the scheme", "--proxy: the scheme" },
	{ "proxy: a user name", "--proxy: a user name" },
	{ "deadline_ms", "--timeout" },
	{ "timeout_ms", "--request-timeout" },
};

/* Length of wording[i].lib matched at s (with its index, if any), or 0. */
static size_t match_phrase(const char *s, size_t i)
{
	size_t len = strlen(wording[i].lib), n;

	if (strncmp(s, wording[i].lib, len) != 0)
		return 0;
	if (wording[i].lib[len - 1] != '[')
		return len;
	for (n = len; isdigit((unsigned char)s[n]); n++)
		;
	return n > len && s[n] == ']' ? n + 1 : 0;
}

/* msg with the library's option names replaced; NULL when out of memory. */
static char *cli_wording(const char *msg)
{
	/* each replacement grows the text by at most its right side */
	size_t cap = strlen(msg) + 1, i, w = 0;
	char *out;

	for (i = 0; i < sizeof wording / sizeof wording[0]; i++)
		cap += strlen(wording[i].cli) * (strlen(msg) / strlen(wording[i].lib) + 1);
	if ((out = malloc(cap)) == NULL)
		return NULL;
	while (*msg != '\0') {
		size_t n = 0;

		for (i = 0; i < sizeof wording / sizeof wording[0] && n == 0; i++)
			n = match_phrase(msg, i);
		if (n == 0) {
			out[w++] = *msg++;
			continue;
		}
		memcpy(out + w, wording[i - 1].cli, strlen(wording[i - 1].cli));
		w += strlen(wording[i - 1].cli);
		msg += n;
	}
	out[w] = '\0';
	return out;
}

int diag_unknown_command(const char *name)
{
	const cli_command *c;
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-");

	/* Quoted only when it looks like a command: it could be half of a credential. */
	diag_error("unknown command", name[n] == '\0' && n <= 32 ? name : NULL);
	fputs("Commands:", stderr);
	for (c = cli_commands; c->name != NULL; c++) {
		size_t word = strcspn(c->name, " ");

		/* "files upload", "files get"...: "files" once */
		if (c != cli_commands && strncmp(c[-1].name, c->name, word) == 0 &&
		    c[-1].name[word] == ' ')
			continue;
		fprintf(stderr, "%s %.*s", c == cli_commands ? "" : ",", (int)word, c->name);
	}
	/* a line of its own: the list with it would pass 80 columns */
	fputs(".\nTry '" CLI_NAME " help'.\n", stderr);
	return CLI_EXIT_USAGE;
}

int diag_unknown_subcommand(const char *group, const char *sub)
{
	size_t len = strlen(group), n = 0;
	const cli_command *c;

	diag_error(sub == NULL ? "a command is missing after" : "unknown command after", group);
	fprintf(stderr, "Commands of '%s':", group);
	for (c = cli_commands; c->name != NULL; c++)
		if (strncmp(c->name, group, len) == 0 && c->name[len] == ' ')
			fprintf(stderr, "%s %s", n++ == 0 ? "" : ",", c->name + len + 1);
	fputs(".  Try '" CLI_NAME " help'.\n", stderr);
	return CLI_EXIT_USAGE;
}

int diag_library(tfy_code code, const tfy_error *err)
{
	fputs(CLI_NAME ": ", stderr);
	if (err == NULL || err->message == NULL) {
		fputs(tfy_strerror(code), stderr);
	} else {
		char *said = cli_wording(err->message);

		text_put_file(stderr, said != NULL ? said : err->message);
		free(said);
	}
	diag_put_context(err);
	fputs("\n", stderr);
	return diag_exit_status(code);
}

void diag_log(int32_t level, const char *line, void *userdata)
{
	static const char *const tags[] = { "error", "warn", "info", "debug" };

	(void)userdata;
	/* one line even when the library logs from another thread */
	flockfile(stderr);
	fputs("libtfy ", stderr);
	fputs(level >= TFY_LOG_ERROR && level <= TFY_LOG_DEBUG ? tags[level - TFY_LOG_ERROR] : "log",
	      stderr);
	fputs(": ", stderr);
	text_put_file(stderr, line);
	fputs("\n", stderr);
	funlockfile(stderr);
}

void diag_output(out_status st, const sink *out)
{
	if (st == OUT_NO_MEMORY)
		diag_error("out of memory while encoding JSON", NULL);
	else if (st == OUT_WRITE && out->err != EPIPE)
		fprintf(stderr, "%s: write error: %s\n", CLI_NAME, strerror(out->err));
}
