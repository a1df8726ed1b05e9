/*
 * tfy-batches files download ID [-o PATH]: a file's content.
 *
 * Without -o the content goes to standard output unless that is a
 * terminal, where bytes of JSONL are of no use; then it is saved under the
 * name the file was uploaded with, in the current directory.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "fetch.h"
#include "text.h"

/* The uploaded name as a plain file name here, or NULL when it cannot be one. */
static const char *local_name(const tfy_file *f)
{
	const char *name = f->filename;

	if (name == NULL || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || name[0] == '\0' || name[0] == '-')
		return NULL;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return name;
}

/* On a terminal without -o: the file's own name. */
static int download_by_name(tfy_client *client, const cli_args *args, const char *id)
{
	tfy_file *f = NULL;
	tfy_error *err = NULL;
	tfy_code code = tfy_files_retrieve(client, id, &args->request, &f, &err);
	int rc;

	if (code != TFY_OK) {
		rc = diag_library(code, err);
	} else if (local_name(f) == NULL) {
		diag_error("the file's name cannot be used here; give -o PATH", NULL);
		rc = CLI_EXIT_USAGE;
	} else {
		rc = fetch_file_sized(client, args, id, fetch_bytes_of(f), local_name(f), NULL);
		if (rc == CLI_EXIT_OK) {
			fputs(CLI_NAME ": saved as ", stderr);
			text_put_file(stderr, local_name(f));
			fputs("\n", stderr);
		}
	}
	tfy_error_free(err);
	tfy_file_free(f);
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
		rc = fetch_file(client, args, args->operands[0], NULL, out->fp);
	else
		rc = fetch_file(client, args, args->operands[0], path, NULL);
	if (rc == CLI_EXIT_INTERRUPTED)
		diag_error("interrupted; nothing was saved", NULL);
	tfy_client_free(client);
	return rc;
}
