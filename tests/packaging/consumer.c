/*
 * An out-of-tree program built against an installed libtfy (pkg-config or a
 * meson subproject): lists one page and then iterates over every batch of a
 * tfy-mock-gateway.  Usage: consumer BASE_URL API_KEY EXPECTED_COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tfy/tfy.h>

static int fail(const char *what, tfy_error *err)
{
	fprintf(stderr, "consumer: %s: %s\n", what, err ? err->message : "out of memory");
	tfy_error_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: consumer BASE_URL API_KEY EXPECTED_COUNT\n");
		return 2;
	}
	if (strcmp(tfy_version(), TFY_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: headers %s, library %s\n", TFY_VERSION_STRING, tfy_version());
		return 1;
	}
	tfy_client_options copts = TFY_CLIENT_OPTIONS_INIT;
	copts.base_url = argv[1];
	copts.api_key = argv[2];
	copts.max_retries = 0;
	tfy_client *client;
	tfy_error *err;
	if (tfy_client_new(&copts, &client, &err) != TFY_OK)
		return fail("tfy_client_new", err);

	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = 3;
	tfy_batch_page *page;
	if (tfy_batches_list(client, &opts, &page, &err) != TFY_OK) {
		tfy_client_free(client);
		return fail("tfy_batches_list", err);
	}
	int ok = page->count == 3 && tfy_batch_page_get(page, 0) != NULL;
	tfy_batch_page_free(page);

	opts.limit = 10;
	tfy_batch_iter *it;
	if (tfy_batch_iter_new(client, &opts, &it, &err) != TFY_OK) {
		tfy_client_free(client);
		return fail("tfy_batch_iter_new", err);
	}
	long n = 0;
	for (;;) {
		const tfy_batch *b;
		if (tfy_batch_iter_next(it, &b, &err) != TFY_OK) {
			tfy_batch_iter_free(it);
			tfy_client_free(client);
			return fail("tfy_batch_iter_next", err);
		}
		if (!b)
			break;
		n++;
	}
	tfy_batch_iter_free(it);
	tfy_client_free(client);
	printf("libtfy %s: first page ok=%d, %ld batches\n", tfy_version(), ok, n);
	return ok && n == strtol(argv[3], NULL, 10) ? 0 : 1;
}
