/*
 * Run one batch job end to end: check the JSONL input, upload it, create
 * the batch, wait for it with a progress line, download the output and
 * error files, and read the results.
 *
 *   OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=sk-... \
 *       ./run_batch requests.jsonl /v1/chat/completions
 *
 * Writes output.jsonl and errors.jsonl (when there are errors) in the
 * current directory.  Build against an installed libtfy:
 *   cc run_batch.c $(pkg-config --cflags --libs tfy) -o run_batch
 */
#include <stdio.h>

#include <tfy/tfy.h>

/* Prints a failed call's message and frees the error; returns 1 for main. */
static int fail(const char *what, tfy_error *err)
{
	fprintf(stderr, "run_batch: %s: %s\n", what, err ? err->message : "failed");
	tfy_error_free(err);
	return 1;
}

/* Every problem the API would reject, with its line; 0 when the file is clean. */
static int check_input(const char *path, const char *endpoint)
{
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.endpoint = endpoint;
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	if (tfy_input_check_path(path, &opts, &report, &err) != TFY_OK)
		return fail("check", err);
	for (size_t i = 0; i < report->problems_count; i++)
		fprintf(stderr, "%s:%lld: %s\n", path, (long long)report->problems[i]->line,
		        report->problems[i]->message);
	int bad = report->problems_total != 0;
	printf("checked %lld requests%s\n", (long long)report->requests, bad ? ": not sent" : "");
	tfy_input_report_free(report);
	return bad;
}

/* Called with each new state of the batch while waiting. */
static int32_t on_progress(void *userdata, const tfy_batch *b)
{
	(void)userdata;
	const tfy_batch_request_counts *n = b->request_counts;
	printf("%s: %s", b->id, tfy_batch_status_name(b->status));
	if (n)
		printf(" %lld/%lld done, %lld failed", (long long)n->completed.value,
		       (long long)n->total.value, (long long)n->failed.value);
	putchar('\n');
	return TFY_CANCEL_CONTINUE;
}

static int download(tfy_client *client, const char *file_id, const char *path)
{
	tfy_files_download_options opts = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
	opts.path = path;
	opts.overwrite = 1; /* a file of an earlier run is replaced (0 refuses an existing path) */
	tfy_error *err = NULL;
	if (tfy_files_download(client, file_id, &opts, &err) != TFY_OK)
		return fail("download", err);
	printf("wrote %s\n", path);
	return 0;
}

/* Reads a result file record by record: memory stays flat whatever its size. */
static int count_results(const char *path)
{
	tfy_result_reader *reader = NULL;
	tfy_error *err = NULL;
	if (tfy_result_reader_open(path, NULL, &reader, &err) != TFY_OK)
		return fail("results", err);
	long long ok = 0, failed = 0;
	const tfy_result *r;
	while (tfy_result_reader_next(reader, &r, &err) == TFY_OK && r) {
		if (r->status_code >= 200 && r->status_code < 300)
			ok++;
		else
			failed++;
	}
	tfy_result_reader_free(reader);
	if (err)
		return fail("results", err);
	printf("%s: %lld succeeded, %lld failed\n", path, ok, failed);
	return 0;
}

/* Downloads a result file to path and reads it; 0 when both worked. */
static int fetch(tfy_client *client, const char *file_id, const char *path)
{
	return download(client, file_id, path) != 0 || count_results(path) != 0;
}

static int run(tfy_client *client, const char *input, const char *endpoint)
{
	tfy_files_upload_options up = TFY_FILES_UPLOAD_OPTIONS_INIT;
	up.path = input;
	tfy_file *file = NULL;
	tfy_error *err = NULL;
	if (tfy_files_upload(client, &up, &file, &err) != TFY_OK)
		return fail("upload", err);
	tfy_batches_create_options create = TFY_BATCHES_CREATE_OPTIONS_INIT;
	create.input_file_id = file->id;
	create.endpoint = endpoint;
	tfy_batch *batch = NULL;
	tfy_code rc = tfy_batches_create(client, &create, &batch, &err);
	tfy_file_free(file);
	if (rc != TFY_OK)
		return fail("create", err);
	tfy_batch_wait_options wait = TFY_BATCH_WAIT_OPTIONS_INIT;
	wait.on_progress = on_progress;
	tfy_batch *done = NULL;
	rc = tfy_batch_wait(client, batch->id, &wait, &done, &err);
	tfy_batch_free(batch);
	if (rc != TFY_OK) {
		tfy_batch_free(done);
		return fail("wait", err);
	}
	int status = done->status == TFY_BATCH_STATUS_COMPLETED ? 0 : 1;
	if (done->output_file_id)
		status |= fetch(client, done->output_file_id, "output.jsonl");
	if (done->error_file_id)
		status |= fetch(client, done->error_file_id, "errors.jsonl");
	tfy_batch_free(done);
	return status;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: run_batch INPUT.jsonl ENDPOINT\n");
		return 2;
	}
	if (check_input(argv[1], argv[2]) != 0)
		return 1;
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	if (tfy_client_new(NULL, &client, &err) != TFY_OK)
		return fail("client", err);
	int status = run(client, argv[1], argv[2]);
	tfy_client_free(client);
	return status;
}
