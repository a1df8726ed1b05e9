/*
 * List one page of batches.
 *
 *   TFY_BASE_URL=https://<org>.truefoundry.cloud TFY_API_KEY=... ./list_page [limit]
 *   OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=sk-... ./list_page [limit]
 *
 * Build against an installed libtfy:
 *   cc list_page.c $(pkg-config --cflags --libs tfy) -o list_page
 */
#include <stdio.h>
#include <stdlib.h>

#include <tfy/tfy.h>

int main(int argc, char **argv)
{
	tfy_client *client = NULL;
	tfy_error *err = NULL;

	/*
	 * NULL options: base URL and key from the environment, TFY_BASE_URL (the
	 * platform URL; the API is under /api/llm) with TFY_API_KEY, else
	 * OPENAI_BASE_URL (the API base) with OPENAI_API_KEY.
	 */
	if (tfy_client_new(NULL, &client, &err) != TFY_OK) {
		fprintf(stderr, "list_page: %s\n", err->message);
		tfy_error_free(err);
		return 1;
	}

	/* Routing headers, extra headers, deadline...: one tfy_request_options per call. */
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.provider_name = getenv("TFY_PROVIDER_NAME"); /* e.g. "openai-main" on the gateway */

	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = argc > 1 ? atoi(argv[1]) : 10;
	opts.request = &req;

	tfy_batch_page *page = NULL;
	if (tfy_batches_list(client, &opts, &page, &err) != TFY_OK) {
		/* err is never NULL after a failure (at worst a static out-of-memory error). */
		fprintf(stderr, "list_page: %s", err->message);
		if (err->request_id)
			fprintf(stderr, " (request id %s)", err->request_id);
		fputc('\n', stderr);
		tfy_error_free(err);
		tfy_client_free(client);
		return 1;
	}

	for (size_t i = 0; i < page->count; i++) {
		const tfy_batch *b = page->items[i];
		/* Every typed field may be absent: id and status_raw are NULL then. */
		printf("%-40s %-12s", b->id ? b->id : "-", b->status_raw ? b->status_raw : "-");
		const tfy_batch_request_counts *rc = b->request_counts; /* NULL when absent */
		if (rc && rc->completed.present && rc->total.present)
			printf(" %lld/%lld done", (long long)rc->completed.value,
			       (long long)rc->total.value);
		putchar('\n');
	}
	printf("%zu batches%s\n", page->count, page->has_more ? ", more available" : "");

	tfy_batch_page_free(page);
	tfy_client_free(client);
	return 0;
}
