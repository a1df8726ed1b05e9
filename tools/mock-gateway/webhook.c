/* The webhook sender: one thread that looks for ended batches every
 * TICK_MS, queues one event for each and POSTs the events that are due,
 * one at a time. A delivery keeps its webhook-id and body across attempts;
 * each attempt gets the current webhook-timestamp and a signature over it,
 * as the Standard Webhooks specification says. A 2xx answer delivers it;
 * anything else (another status, no connection, no answer within
 * ATTEMPT_TIMEOUT_MS) is tried again after a pause that doubles (from
 * --webhook-retry-ms), up to MGW_WEBHOOK_ATTEMPTS attempts. One line on stderr says how each attempt
 * went; neither the secret nor the URL is ever printed. */
#include "webhook.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define SECRET_PREFIX "whsec_"
#define TICK_MS 100ul
#define QUEUE_MAX 1024
#define ATTEMPT_TIMEOUT_MS 5000L
#define CONNECT_TIMEOUT_MS 2000L
#define SHA256_SIZE 32
#define BODY_SIZE 256
#define SIGNATURE_SIZE 64 /* "v1," and the base64 of 32 bytes */

struct delivery {
	char webhook_id[40];
	char type[32];
	char batch[MGW_BATCH_ID_SIZE];
	char body[BODY_SIZE];
	int attempts; /* made so far */
	double due;   /* monotonic seconds of the next one */
};

struct mgw_webhook {
	const char *url;
	gnutls_datum_t key; /* the secret's bytes (gnutls_free) */
	struct mgw_batches *batches;
	struct mgw_sleeper *sleeper;
	unsigned long first_retry_ms;
	pthread_t thread;
	struct delivery queue[QUEUE_MAX];
	size_t count;
	unsigned long long next_id;
};

static double monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bytes the secret stands for; false when it is not whsec_<base64>. */
static bool decode_secret(const char *secret, gnutls_datum_t *key)
{
	size_t prefix = strlen(SECRET_PREFIX);
	gnutls_datum_t text;
	key->data = NULL;
	key->size = 0;
	if (strncmp(secret, SECRET_PREFIX, prefix) != 0 || !secret[prefix])
		return false;
	text.data = (unsigned char *)(secret + prefix);
	text.size = (unsigned)strlen(secret + prefix);
	if (gnutls_base64_decode2(&text, key) < 0 || key->size == 0) {
		gnutls_free(key->data);
		key->data = NULL;
		return false;
	}
	return true;
}

bool mgw_webhook_secret_ok(const char *secret)
{
	gnutls_datum_t key;
	bool ok = decode_secret(secret, &key);
	if (ok) {
		gnutls_memset(key.data, 0, key.size);
		gnutls_free(key.data);
	}
	return ok;
}

/* "v1,<base64 of HMAC-SHA256(key, id.timestamp.body)>" into out. */
static bool sign(const struct mgw_webhook *w, const struct delivery *d, const char *timestamp,
                 char *out, size_t size)
{
	size_t n = strlen(d->webhook_id) + strlen(timestamp) + strlen(d->body) + 3;
	char *signed_text = malloc(n);
	unsigned char mac[SHA256_SIZE];
	gnutls_datum_t raw = { mac, SHA256_SIZE }, text = { NULL, 0 };
	int rc;
	if (!signed_text)
		return false;
	snprintf(signed_text, n, "%s.%s.%s", d->webhook_id, timestamp, d->body);
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, w->key.data, w->key.size, signed_text, n - 1, mac);
	free(signed_text);
	if (rc < 0 || gnutls_base64_encode2(&raw, &text) < 0)
		return false;
	snprintf(out, size, "v1,%.*s", (int)text.size, (const char *)text.data);
	gnutls_free(text.data);
	return true;
}

/* libcurl's progress callback: a stopping server cuts the attempt short. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	struct mgw_webhook *w = userdata;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return mgw_sleeper_sleep(w->sleeper, 0, -1) ? 0 : 1;
}

static size_t discard(char *data, size_t size, size_t count, void *userdata)
{
	(void)data, (void)userdata;
	return size * count;
}

static void set_options(struct mgw_webhook *w, CURL *curl, const struct delivery *d,
                        struct curl_slist *headers)
{
	curl_easy_setopt(curl, CURLOPT_URL, w->url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "tfy-mock-gateway/" MGW_VERSION);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, w);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
}

/* One attempt; true when it was answered 2xx. `why` says how it went. */
static bool attempt(struct mgw_webhook *w, CURL *curl, const struct delivery *d, char *why, size_t size)
{
	char timestamp[24], signature[SIGNATURE_SIZE], line[3][96];
	struct curl_slist *headers = NULL, *more;
	const char *lines[] = { "Content-Type: application/json", line[0], line[1], line[2] };
	CURLcode rc;
	long status = 0;
	snprintf(timestamp, sizeof timestamp, "%lld", (long long)time(NULL));
	if (!sign(w, d, timestamp, signature, sizeof signature)) {
		snprintf(why, size, "could not sign it");
		return false;
	}
	snprintf(line[0], sizeof line[0], "webhook-id: %s", d->webhook_id);
	snprintf(line[1], sizeof line[1], "webhook-timestamp: %s", timestamp);
	snprintf(line[2], sizeof line[2], "webhook-signature: %s", signature);
	for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
		if (!(more = curl_slist_append(headers, lines[k]))) {
			curl_slist_free_all(headers);
			snprintf(why, size, "out of memory");
			return false;
		}
		headers = more;
	}
	curl_easy_reset(curl);
	set_options(w, curl, d, headers);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		snprintf(why, size, "%s", curl_easy_strerror(rc));
		return false;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	snprintf(why, size, "HTTP %ld", status);
	return status >= 200 && status < 300;
}

/* Queues an event for each batch that ended since the last look. */
static void take_ended(struct mgw_webhook *w)
{
	struct mgw_batch_ended ended[16];
	size_t n;
	while ((n = mgw_batches_take_ended(w->batches, ended, 16)) > 0) {
		for (size_t k = 0; k < n; k++) {
			struct delivery *d;
			if (w->count == QUEUE_MAX) {
				fprintf(stderr,
				        "tfy-mock-gateway: webhook batch.%s %s: dropped, %d events "
				        "are waiting already\n",
				        ended[k].status, ended[k].id, QUEUE_MAX);
				continue;
			}
			d = &w->queue[w->count++];
			memset(d, 0, sizeof *d);
			w->next_id++;
			snprintf(d->webhook_id, sizeof d->webhook_id, "wh_mock%016llx", w->next_id);
			snprintf(d->type, sizeof d->type, "batch.%s", ended[k].status);
			snprintf(d->batch, sizeof d->batch, "%s", ended[k].id);
			snprintf(d->body, sizeof d->body,
			         "{\"id\":\"evt_mock%016llx\",\"object\":\"event\",\"created_at\":%lld,"
			         "\"type\":\"batch.%s\",\"data\":{\"id\":\"%s\"}}",
			         w->next_id, ended[k].at, ended[k].status, ended[k].id);
			d->due = 0;
		}
		if (n < 16)
			break;
	}
}

/* Makes the attempts that are due; a delivery leaves the queue when it
 * succeeds or runs out of attempts. */
static void deliver_due(struct mgw_webhook *w, CURL *curl)
{
	size_t k = 0;
	while (k < w->count && mgw_sleeper_sleep(w->sleeper, 0, -1)) {
		struct delivery *d = &w->queue[k];
		char why[128];
		bool done;
		if (d->due > monotonic_s()) {
			k++;
			continue;
		}
		done = attempt(w, curl, d, why, sizeof why);
		d->attempts++;
		if (done) {
			fprintf(stderr, "tfy-mock-gateway: webhook %s %s: delivered (%s, attempt %d)\n",
			        d->type, d->batch, why, d->attempts);
		} else if (d->attempts == MGW_WEBHOOK_ATTEMPTS) {
			fprintf(stderr,
			        "tfy-mock-gateway: webhook %s %s: attempt %d of %d failed (%s); "
			        "given up\n",
			        d->type, d->batch, d->attempts, MGW_WEBHOOK_ATTEMPTS, why);
			done = true;
		} else {
			unsigned long pause = w->first_retry_ms << (d->attempts - 1);
			fprintf(stderr,
			        "tfy-mock-gateway: webhook %s %s: attempt %d of %d failed (%s); "
			        "again in %.1f s\n",
			        d->type, d->batch, d->attempts, MGW_WEBHOOK_ATTEMPTS, why,
			        (double)pause / 1000.0);
			d->due = monotonic_s() + (double)pause / 1000.0;
		}
		if (done)
			w->queue[k] = w->queue[--w->count];
		else
			k++;
	}
}

static void *run(void *arg)
{
	struct mgw_webhook *w = arg;
	CURL *curl = curl_easy_init();
	if (!curl) {
		fprintf(stderr, "tfy-mock-gateway: webhooks: libcurl could not start; none is sent\n");
		return NULL;
	}
	while (mgw_sleeper_sleep(w->sleeper, TICK_MS, -1)) {
		take_ended(w);
		deliver_due(w, curl);
	}
	curl_easy_cleanup(curl);
	return NULL;
}

struct mgw_webhook *mgw_webhook_start(const char *url, const char *secret,
                                      unsigned long first_retry_ms, struct mgw_batches *batches,
                                      struct mgw_sleeper *sleeper, char *err, size_t err_size)
{
	struct mgw_webhook *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	w->url = url;
	w->first_retry_ms = first_retry_ms ? first_retry_ms : MGW_WEBHOOK_FIRST_RETRY_MS;
	w->batches = batches;
	w->sleeper = sleeper;
	if (!decode_secret(secret, &w->key)) {
		snprintf(err, err_size, "--webhook-secret must be whsec_ followed by base64");
		free(w);
		return NULL;
	}
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		snprintf(err, err_size, "cannot start the webhook thread");
		gnutls_free(w->key.data);
		free(w);
		return NULL;
	}
	return w;
}

void mgw_webhook_stop(struct mgw_webhook *w)
{
	if (!w)
		return;
	pthread_join(w->thread, NULL);
	gnutls_memset(w->key.data, 0, w->key.size);
	gnutls_free(w->key.data);
	free(w);
}
