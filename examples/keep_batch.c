/*
 * Keep one batch after its page is freed (tfy_batch_dup / tfy_batch_free),
 * and decode a Batch from JSON text you already have (tfy_batch_parse).
 *
 *   OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=sk-... ./keep_batch
 *
 * Build against an installed libtfy:
 *   cc keep_batch.c $(pkg-config --cflags --libs tfy) -o keep_batch
 */
#include <stdio.h>
#include <string.h>

#include <tfy/tfy.h>

/* A batch as read by people: id, status and creation time (any may be absent). */
static void show(const char *what, const tfy_batch *b)
{
	printf("%s: %s %s", what, b->id ? b->id : "-", tfy_batch_status_name(b->status));
	if (b->created_at.present)
		printf(" created at %lld", (long long)b->created_at.value);
	putchar('\n');
}

/* The newest batch of a page (largest created_at), or NULL for an empty page. */
static const tfy_batch *newest(const tfy_batch_page *page)
{
	const tfy_batch *best = NULL;
	for (size_t i = 0; i < page->count; i++) {
		const tfy_batch *b = page->items[i];
		if (!best || (b->created_at.present && (!best->created_at.present ||
		                                        b->created_at.value > best->created_at.value)))
			best = b;
	}
	return best;
}

/* Fetch one page and return a copy of its newest batch; NULL (with a
 * message) on failure or when there is none. */
static tfy_batch *fetch_newest(tfy_client *client)
{
	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = 20;
	tfy_batch_page *page = NULL;
	tfy_error *err = NULL;
	if (tfy_batches_list(client, &opts, &page, &err) != TFY_OK) {
		fprintf(stderr, "keep_batch: %s\n", err->message);
		tfy_error_free(err);
		return NULL;
	}
	const tfy_batch *best = newest(page);
	/* A batch of a page lives as long as the page: copy the one to keep. */
	tfy_batch *kept = best ? tfy_batch_dup(best) : NULL;
	if (best && !kept)
		fprintf(stderr, "keep_batch: out of memory\n");
	else if (!best)
		fprintf(stderr, "keep_batch: no batches\n");
	tfy_batch_page_free(page);
	return kept;
}

int main(void)
{
	/* A Batch from text you already have (a cache, a webhook, a file). */
	static const char json[] =
		"{\"id\": \"batch_cached\", \"object\": \"batch\","
		" \"status\": \"completed\", \"created_at\": 1714508499,"
		" \"request_counts\": {\"total\": 3, \"completed\": 3, \"failed\": 0}}";
	tfy_batch *parsed = NULL;
	tfy_error *err = NULL;
	if (tfy_batch_parse(json, strlen(json), &parsed, &err) != TFY_OK) {
		fprintf(stderr, "keep_batch: %s\n", err->message);
		tfy_error_free(err);
		return 1;
	}
	show("parsed", parsed);
	tfy_batch_free(parsed);

	tfy_client *client = NULL;
	if (tfy_client_new(NULL, &client, &err) != TFY_OK) {
		fprintf(stderr, "keep_batch: %s\n", err->message);
		tfy_error_free(err);
		return 1;
	}
	tfy_batch *kept = fetch_newest(client);
	tfy_client_free(client);
	if (!kept)
		return 1;
	show("newest", kept); /* its page and the client are gone; the copy is whole */
	tfy_batch_free(kept);
	return 0;
}
