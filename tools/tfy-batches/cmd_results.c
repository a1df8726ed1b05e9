/*
 * tfy-batches results PATH|FILE_ID: the records of an output or error file.
 *
 * An argument that names a path is a local file, never sent as a file id:
 * one that exists, or that holds a '/' or ends in .jsonl or .json; but one
 * with a scheme (s3://, gs://: Bedrock's and Vertex's file ids) is an id.
 *
 * A file id is downloaded to an unlinked temporary file first (the reader
 * wants a stream it can pull from; the download pushes), so memory stays
 * one line whatever the file's size.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "connect.h"
#include "diag.h"
#include "fetch.h"
#include "record.h"
#include "show.h"

/*
 * On a terminal too narrow for them: request_id dropped, error_message
 * narrowed, error_code dropped, body narrowed, then error_message,
 * status_code and body dropped.  The custom_id is never cut.
 */
static const rec_col columns[] = {
	{ "custom_id", 128, 0, 0, 1 },    { "status_code", 0, 0, 6, 0 },
	{ "request_id", 32, 0, 1, 0 },    { "error_code", 24, 0, 3, 0 },
	{ "error_message", 40, 2, 5, 0 }, { "body", 60, 4, 7, 0 },
};

static out_status put_result(rec_writer *w, const tfy_result *r)
{
	char status[16];
	rec_val vals[6] = { { r->custom_id, 0, NULL },     { NULL, 1, NULL },
		            { r->request_id, 0, NULL },    { r->error_code, 0, NULL },
		            { r->error_message, 0, NULL }, { r->body_json, 1, NULL } };

	if (r->status_code != 0) {
		snprintf(status, sizeof status, "%" PRId32, r->status_code);
		vals[1].text = status;
	}
	return rec_row(w, vals);
}

static int64_t read_fp(void *userdata, char *buf, size_t size)
{
	size_t n = fread(buf, 1, size, userdata);

	return n > 0 ? (int64_t)n : ferror((FILE *)userdata) ? -1 : 0;
}

/* Every record; a bad line is said and skipped, and makes the exit status 6. */
static int print_records(const cli_args *args, sink *out, tfy_result_reader *reader)
{
	const tfy_result *r;
	tfy_error *err = NULL;
	rec_writer w;
	out_status st = OUT_OK;
	int rc = CLI_EXIT_OK;
	tfy_code code;

	rec_init(&w, args->format, out, columns, 6);
	while (st == OUT_OK) {
		code = tfy_result_reader_next(reader, &r, &err);
		if (code == TFY_OK && r == NULL)
			break;
		if (code == TFY_OK) {
			st = put_result(&w, r);
			continue;
		}
		rc = diag_library(code, err);
		tfy_error_free(err);
		err = NULL;
		if (code != TFY_ERROR_DECODE && code != TFY_ERROR_OUT_OF_MEMORY)
			break;
	}
	if (st == OUT_OK)
		st = rec_finish(&w);
	else
		json_text_free(&w.text);
	return st != OUT_OK ? show_status(st, out) : rc;
}

/* The file id's content, in an unlinked temporary file at its start. */
static FILE *download_temp(const cli_args *args, const char *id, int *rc)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	tfy_client *client;
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "%s/tfy-results-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w+b")) == NULL) {
		diag_error("cannot create a temporary file:", strerror(errno));
		if (fd >= 0)
			close(fd);
		*rc = CLI_EXIT_IO;
		return NULL;
	}
	unlink(path);
	if ((client = cli_open_client(args, rc)) == NULL) {
		fclose(fp);
		return NULL;
	}
	*rc = fetch_file(client, args, id, NULL, fp, NULL);
	tfy_client_free(client);
	if (*rc != CLI_EXIT_OK || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* The argument names a local file (see the top of this file). */
static int names_path(const char *what)
{
	size_t len = strlen(what), scheme = strspn(what, "abcdefghijklmnopqrstuvwxyz0123456789+.-");

	if (access(what, F_OK) == 0)
		return 1;
	if (scheme > 0 && strncmp(what + scheme, "://", 3) == 0)
		return 0;
	return strchr(what, '/') != NULL || (len > 6 && strcmp(what + len - 6, ".jsonl") == 0) ||
	       (len > 5 && strcmp(what + len - 5, ".json") == 0);
}

int cmd_results_run(const cli_args *args, sink *out)
{
	const char *what = args->operands[0];
	tfy_result_reader *reader = NULL;
	tfy_error *err = NULL;
	FILE *fp = NULL;
	tfy_code code;
	int rc = CLI_EXIT_OK;

	if (names_path(what)) {
		code = tfy_result_reader_open(what, NULL, &reader, &err);
	} else {
		if ((fp = download_temp(args, what, &rc)) == NULL)
			return rc;
		code = tfy_result_reader_new(read_fp, fp, NULL, &reader, &err);
	}
	rc = code == TFY_OK ? print_records(args, out, reader) : diag_library(code, err);
	tfy_error_free(err);
	tfy_result_reader_free(reader);
	if (fp != NULL)
		fclose(fp);
	return rc;
}
