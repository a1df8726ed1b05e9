/*
 * tfy-batches files download ID [-o PATH]: a file's content.
 *
 * Without -o the content goes to standard output unless that is a
 * terminal, where bytes of JSONL are of no use; then it is saved under the
 * name the file was uploaded with, in the current directory, when that is
 * a plain, visible file name.  Whoever uploaded the file chose the name:
 * ".bash_profile" or "../x" must not land in the user's directory.
 *
 * On a terminal (stderr), the progress line (meter.c) shows the download
 * and then what was saved where; not when the content goes to that
 * terminal, nor with stderr elsewhere.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "fetch.h"
#include "meter.h"
#include "text.h"

/* Why the uploaded name cannot be used as a file name here, or NULL when it can. */
static const char *name_refused(const char *name)
{
	if (name[0] == '\0')
		return "it is empty";
	if (name[0] == '.')
		return "it starts with '.'";
	if (name[0] == '-')
		return "it starts with '-'";
	if (strchr(name, '/') != NULL)
		return "it holds a '/'";
	if (!text_is_plain(name))
		return "it holds a control character or bytes that are not UTF-8";
	return NULL;
}

/* The file's name cannot be used: says why and asks for -o. */
static int refuse_name(const char *name)
{
	const char *why = name != NULL ? name_refused(name) : NULL;

	if (name == NULL) {
		diag_error("the file has no name to save it under", NULL);
	} else {
		fputs(CLI_NAME ": refusing to save under the name the file was uploaded with, '",
		      stderr);
		text_put_file(stderr, name);
		fputs("': ", stderr);
		fputs(why, stderr);
		fputs("\n", stderr);
	}
	fputs(CLI_NAME ": say where to save it with -o PATH\n", stderr);
	return CLI_EXIT_USAGE;
}

/* On a terminal without -o: the file's own name. */
static int download_by_name(tfy_client *client, const cli_args *args, const char *id)
{
	tfy_request_options request = cli_request(args);
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code code = tfy_files_retrieve(client, id, &request, &f, &err);
	int rc;

	if (code != TFY_OK) {
		rc = diag_library(code, err);
	} else if (f->filename == NULL || name_refused(f->filename) != NULL) {
		rc = refuse_name(f->filename);
	} else {
		meter m;

		meter_init(&m, args, "downloading", f->filename, 0);
		rc = fetch_file_sized(client, args, id, fetch_bytes_of(f), f->filename, NULL, &m);
		if (rc == CLI_EXIT_OK && !meter_end(&m, "saved", "as", f->filename, NULL)) {
			fputs(CLI_NAME ": saved as ", stderr);
			text_put_file(stderr, f->filename);
			fputs("\n", stderr);
		}
	}
	tfy_error_free(err);
	tfy_file_free(f);
	return rc;
}

/* -o - (or no -o, off a terminal): the content on stdout. */
static int to_stdout(tfy_client *client, const cli_args *args, sink *out)
{
	const char *id = args->operands[0];
	meter m;
	int rc;

	meter_init(&m, args, "downloading", id, isatty(fileno(out->fp)));
	rc = fetch_file(client, args, id, NULL, out->fp, &m);
	if (rc == CLI_EXIT_OK)
		meter_end(&m, "wrote", "to", NULL, NULL);
	return rc;
}

static int to_path(tfy_client *client, const cli_args *args, const char *path)
{
	meter m;
	int rc;

	meter_init(&m, args, "downloading", path, 0);
	rc = fetch_file(client, args, args->operands[0], path, NULL, &m);
	if (rc == CLI_EXIT_OK)
		meter_end(&m, "saved", "to", path, NULL);
	return rc;
}

int cmd_files_download_run(const cli_args *args, sink *out)
{
	int rc = CLI_EXIT_FAILURE;
	tfy_client *client = cli_open_client(args, &rc);
	const char *path = args->output;

	if (client == NULL)
		return rc;
	if (path == NULL && isatty(STDOUT_FILENO))
		rc = download_by_name(client, args, args->operands[0]);
	else if (path == NULL || strcmp(path, "-") == 0)
		rc = to_stdout(client, args, out);
	else
		rc = to_path(client, args, path);
	/* refused because PATH exists (the library said so): say how to replace it */
	if (rc == CLI_EXIT_IO && path != NULL && !args->force && access(path, F_OK) == 0)
		fputs(CLI_NAME ": -f replaces it\n", stderr);
	if (rc == CLI_EXIT_INTERRUPTED)
		diag_error("interrupted; nothing was saved", NULL);
	tfy_client_free(client);
	return rc;
}
