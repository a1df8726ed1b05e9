/*
 * One file transfer through the public API, for bench/files.sh:
 *
 *   files_bench BASE_URL download FILE_ID [progress]  (content to a writer that drops it)
 *   files_bench BASE_URL upload PATH [progress]       (multipart POST /files of PATH)
 *
 * With "progress", a progress callback (since 1.3) that counts its calls is
 * set; without it none is, the case that must cost nothing.  Prints the
 * writer's calls too ("writes=N": the pieces the download came in).
 *
 * Prints "rss_growth_kb=N" on stderr: peak RSS after the transfer less peak
 * RSS after the client was created (getrusage), i.e. what the transfer added.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <tfy/tfy.h>

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* A library before 1.3's progress callback builds this too: the baseline of files.sh. */
#if TFY_FILES_DOWNLOAD_OPTIONS_VERSION >= 2
static int32_t count_calls(void *userdata, const tfy_transfer_progress *p)
{
	(void)p;
	++*(long *)userdata;
	return TFY_CANCEL_CONTINUE;
}
#define SET_PROGRESS(o, on, calls) \
	((o).progress = (on) ? count_calls : NULL, (o).progress_userdata = (calls))
#else
#define SET_PROGRESS(o, on, calls) ((void)(on), (void)(calls))
#endif

static long writes; /* calls of the writer: pieces of the download */

static int32_t drop(void *userdata, const char *data, size_t size)
{
	(void)data;
	*(long long *)userdata += (long long)size;
	writes++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5)
		return 2;
	int progress = argc == 5 && strcmp(argv[4], "progress") == 0;
	long calls = 0;
	tfy_client_options co = TFY_CLIENT_OPTIONS_INIT;
	co.base_url = argv[1];
	co.api_key = "tfy-local-key";
	tfy_client *c;
	tfy_error *err = NULL;
	if (tfy_client_new(&co, &c, &err) != TFY_OK)
		return 1;
	long before = max_rss_kb();
	tfy_code rc;
	long long got = 0;
	if (strcmp(argv[2], "download") == 0) {
		tfy_files_download_options o = TFY_FILES_DOWNLOAD_OPTIONS_INIT;
		o.write = drop;
		o.write_userdata = &got;
		SET_PROGRESS(o, progress, &calls);
		rc = tfy_files_download(c, argv[3], &o, &err);
	} else {
		tfy_files_upload_options o = TFY_FILES_UPLOAD_OPTIONS_INIT;
		o.path = argv[3];
		SET_PROGRESS(o, progress, &calls);
		tfy_file *f = NULL;
		rc = tfy_files_upload(c, &o, &f, &err);
		tfy_file_free(f);
	}
	if (rc != TFY_OK)
		fprintf(stderr, "%s\n", err->message);
	fprintf(stderr, "rss_growth_kb=%ld bytes=%lld progress_calls=%ld writes=%ld\n",
	        max_rss_kb() - before, got, calls, writes);
	tfy_error_free(err);
	tfy_client_free(c);
	return rc == TFY_OK ? 0 : 1;
}
