/*
 * List every batch, page by page, holding one page in memory at a time.
 *
 *   TFY_BASE_URL=https://api.openai.com/v1 TFY_API_KEY=sk-... ./list_all
 *
 * Build against an installed libtfy:
 *   cc list_all.c $(pkg-config --cflags --libs tfy) -o list_all
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tfy/tfy.h>

/* A copy the caller frees (strdup is POSIX, not ISO C). */
static char *copy_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	return copy ? memcpy(copy, s, n) : NULL;
}

/* The next cursor is the id of the last item (last_id when that has no id). */
static char *next_cursor(const tfy_batch_page *page)
{
	const char *id = page->count ? page->items[page->count - 1]->id : NULL;
	if (!id)
		id = page->last_id;
	return id ? copy_string(id) : NULL;
}

int main(void)
{
	tfy_client *client = NULL;
	tfy_error *err = NULL;
	if (tfy_client_new(NULL, &client, &err) != TFY_OK) {
		fprintf(stderr, "list_all: %s\n", err ? err->message : "out of memory");
		tfy_error_free(err);
		return 1;
	}

	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = TFY_BATCHES_LIMIT_MAX;
	char *after = NULL;
	size_t total = 0, completed = 0;
	int status = 0;
	for (;;) {
		tfy_batch_page *page = NULL;
		opts.after = after;
		if (tfy_batches_list(client, &opts, &page, &err) != TFY_OK) {
			fprintf(stderr, "list_all: %s\n", err->message);
			tfy_error_free(err);
			status = 1;
			break;
		}
		for (size_t i = 0; i < page->count; i++)
			completed += page->items[i]->status == TFY_BATCH_STATUS_COMPLETED;
		total += page->count;
		char *next = page->has_more ? next_cursor(page) : NULL;
		tfy_batch_page_free(page);
		/* A server that repeats a cursor would otherwise loop forever. */
		int stuck = next && after && strcmp(next, after) == 0;
		free(after);
		after = next;
		if (!after || stuck) {
			if (stuck) {
				fprintf(stderr, "list_all: the server returned the same page twice\n");
				status = 1;
			}
			break;
		}
	}
	free(after);
	printf("%zu batches, %zu completed\n", total, completed);
	tfy_client_free(client);
	return status;
}
