/*
 * An out-of-tree program built against an installed libtfy (pkg-config or a
 * meson subproject): lists one page with request options (client defaults
 * and the call's own), keeps a batch after its page is freed, decodes a
 * batch from text, verifies a signed webhook (which needs libcrypto), then
 * iterates over every batch of a tfy-mock-gateway, resuming from the
 * iterator's cursor half-way.
 * Usage: consumer BASE_URL API_KEY EXPECTED_COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tfy/tfy.h>

/* err is never NULL after a failure (at worst the static out-of-memory error). */
static int fail(const char *what, tfy_error *err)
{
	fprintf(stderr, "consumer: %s: %s\n", what, err->message);
	tfy_error_free(err);
	return 0;
}

/* Count the batches of an iterator started at `after`, stopping after `max`
 * (0: all); *cursor receives a copy of where to resume (caller frees). */
static int iterate(tfy_client *client, const char *after, int64_t max, long *n, char **cursor)
{
	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = 10;
	opts.after = after;
	opts.max_items = max;
	tfy_batch_iter *it;
	tfy_error *err;
	if (tfy_batch_iter_new(client, &opts, &it, &err) != TFY_OK)
		return fail("tfy_batch_iter_new", err);
	const tfy_batch *b;
	int ok = 1;
	while (ok && (ok = tfy_batch_iter_next(it, &b, &err) == TFY_OK) && b)
		(*n)++;
	if (!ok)
		fail("tfy_batch_iter_next", err);
	const char *c = tfy_batch_iter_cursor(it);
	*cursor = c ? malloc(strlen(c) + 1) : NULL;
	if (*cursor)
		memcpy(*cursor, c, strlen(c) + 1);
	tfy_batch_iter_free(it);
	return ok;
}

/* One page of 3 with a call-level routing header; keeps a copy of its first batch. */
static int first_page(tfy_client *client, tfy_batch **kept)
{
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.provider_name = "openai-main";
	req.deadline_ms = 60000;
	tfy_batches_list_options opts = TFY_BATCHES_LIST_OPTIONS_INIT;
	opts.limit = 3;
	opts.request = &req;
	tfy_batch_page *page;
	tfy_error *err;
	if (tfy_batches_list(client, &opts, &page, &err) != TFY_OK)
		return fail("tfy_batches_list", err);
	const tfy_batch *b = tfy_batch_page_get(page, 0);
	*kept = b ? tfy_batch_dup(b) : NULL;
	int ok = page->count == 3 && *kept && page->extra_json == NULL;
	tfy_batch_page_free(page);
	return ok && (*kept)->id && (*kept)->raw_json;
}

static int parse(void)
{
	static const char json[] = "{\"id\":\"batch_x\",\"status\":\"completed\","
				   "\"request_counts\":{\"total\":2,\"completed\":2,\"failed\":0}}";
	tfy_batch *b;
	tfy_error *err;
	if (tfy_batch_parse(json, strlen(json), &b, &err) != TFY_OK)
		return fail("tfy_batch_parse", err);
	int ok = b->status == TFY_BATCH_STATUS_COMPLETED && b->request_counts &&
	         b->request_counts->total.value == 2 && b->usage == NULL;
	tfy_batch_free(b);
	return ok;
}

/* A delivery signed with Python's hmac, checked at its own time. */
static int webhook(void)
{
	static const char body[] = "{\"id\":\"evt_1\",\"object\":\"event\",\"created_at\":1750000000,"
				   "\"type\":\"batch.completed\",\"data\":{\"id\":\"batch_x\"}}";
	tfy_webhook_verify_options opts = TFY_WEBHOOK_VERIFY_OPTIONS_INIT;
	opts.now = 1750000000;
	tfy_webhook_event *event;
	tfy_error *err;
	if (tfy_webhook_verify("whsec_bGlidGZ5LXBhY2thZ2luZy1jb25zdW1lci1rZXkhIQ==", "wh_1",
	                       "1750000000", "v1,REHqIM0pCWhCCVV9x529Zc4Ktwp+LQt5TobwSbdyKRw=", body,
	                       strlen(body), &opts, &event, &err) != TFY_OK)
		return fail("tfy_webhook_verify", err);
	int ok = event->batch_status == TFY_BATCH_STATUS_COMPLETED && event->data_id &&
	         strcmp(event->data_id, "batch_x") == 0;
	tfy_webhook_event_free(event);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: consumer BASE_URL API_KEY EXPECTED_COUNT\n");
		return 2;
	}
	if (strcmp(tfy_version(), TFY_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: headers %s, library %s\n", TFY_VERSION_STRING,
		        tfy_version());
		return 1;
	}
	/* Defaults every call inherits: a header and a query parameter. */
	const tfy_pair headers[] = { { "x-consumer", "packaging" } };
	const tfy_pair query[] = { { "x-from", "consumer" } };
	tfy_request_options defaults = TFY_REQUEST_OPTIONS_INIT;
	defaults.headers = headers;
	defaults.headers_count = 1;
	defaults.query_params = query;
	defaults.query_params_count = 1;

	tfy_client_options copts = TFY_CLIENT_OPTIONS_INIT;
	copts.base_url = argv[1];
	copts.api_key = argv[2];
	copts.max_retries = TFY_NONE;
	copts.request_defaults = &defaults;
	tfy_client *client;
	tfy_error *err;
	if (tfy_client_new(&copts, &client, &err) != TFY_OK)
		return !fail("tfy_client_new", err);

	tfy_batch *kept = NULL;
	int ok = first_page(client, &kept) && parse() && webhook();
	long n = 0;
	char *cursor = NULL, *end = NULL;
	ok = ok && iterate(client, NULL, 5, &n, &cursor) && cursor &&
	     iterate(client, cursor, 0, &n, &end);
	tfy_client_free(client);
	printf("libtfy %s: first batch %s kept, %ld batches (resumed after %s), ok=%d\n",
	       tfy_version(), kept && kept->id ? kept->id : "-", n, cursor ? cursor : "-", ok);
	tfy_batch_free(kept);
	free(cursor);
	free(end);
	return ok && n == strtol(argv[3], NULL, 10) ? 0 : 1;
}
