/*
 * List every batch with the iterator, which follows `after` from page to
 * page, holds one page in memory at a time and fails with
 * TFY_ERROR_PAGINATION when a server repeats a page.
 *
 *   OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=sk-... ./list_all
 *
 * Build against an installed libtfy:
 *   cc list_all.c $(pkg-config --cflags --libs tfy) -o list_all
 */
#include <stdio.h>

#include <tfy/tfy.h>

int main(void)
{
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	if (tfy_client_new(NULL, &client, &err) != TFY_OK) {
		fprintf(stderr, "list_all: %s\n", err->message);
		tfy_error_free(err);
		return 1;
	}

	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = TFY_BATCHES_LIMIT_MAX;
	tfy_batch_iter *it = NULL;
	if (tfy_batch_iter_new(client, &opts, &it, &err) != TFY_OK) {
		fprintf(stderr, "list_all: %s\n", err->message);
		tfy_error_free(err);
		tfy_client_free(client);
		return 1;
	}

	size_t total = 0, completed = 0;
	int status = 0;
	for (;;) {
		const tfy_batch *b = NULL; /* borrowed: valid until the next call on it */
		if (tfy_batch_iter_next(it, &b, &err) != TFY_OK) {
			/* The cursor says where a later run could resume (NULL: the start). */
			const char *cursor = tfy_batch_iter_cursor(it);
			fprintf(stderr, "list_all: %s (resume after %s)\n", err->message,
			        cursor ? cursor : "the start");
			tfy_error_free(err);
			status = 1;
			break;
		}
		if (!b)
			break; /* the end */
		total++;
		completed += b->status == TFY_BATCH_STATUS_COMPLETED;
	}
	printf("%zu batches, %zu completed, %lld pages\n", total, completed,
	       (long long)tfy_batch_iter_pages(it));
	tfy_batch_iter_free(it);
	tfy_client_free(client);
	return status;
}
