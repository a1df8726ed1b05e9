/*
 * Webhook verification as the Standard Webhooks specification has it (and
 * OpenAI signs): the three headers, the timestamp against the tolerance,
 * the HMAC-SHA256 signatures compared in constant time, then the event
 * decoded.  HMAC-SHA256 and base64 are OpenSSL's libcrypto (the library
 * libcurl uses on Debian), never written here.
 */
#include "tfy/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "error_internal.h"
#include "options.h"
#include "webhook_internal.h"

#define SECRET_PREFIX "whsec_"
/* The longest key a secret may stand for; Standard Webhooks' secrets are 24 to 64 bytes. */
#define KEY_MAX 512
#define SHA256_LEN 32
/* Below 10^18, so that now - timestamp cannot overflow int64_t. */
#define TIMESTAMP_DIGITS_MAX 18
#define DETAIL_MAX 512
#define FAILED "webhook verification failed: "

static const size_t verify_options_sizes[] = { sizeof(tfy_webhook_verify_options) };

tfy_code tfy_webhook_verify_options_init(tfy_webhook_verify_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, verify_options_sizes,
	                         TFY_WEBHOOK_VERIFY_OPTIONS_VERSION);
}

/* Bytes of text: a header's value without the blanks around it, a body. */
typedef struct span {
	const char *s;
	size_t n;
} span;

/* What a delivery brings: the three headers (NULL s when absent) and the body. */
typedef struct delivery {
	span id, timestamp, signature, body;
} delivery;

/* s without the spaces and tabs around it (HTTP's optional whitespace); NULL stays NULL. */
static span trimmed(const char *s)
{
	span t = { s, s ? strlen(s) : 0 };
	while (t.n && (t.s[0] == ' ' || t.s[0] == '\t')) {
		t.s++;
		t.n--;
	}
	while (t.n && (t.s[t.n - 1] == ' ' || t.s[t.n - 1] == '\t'))
		t.n--;
	return t;
}

static int is_base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/*
 * Standard base64 with its padding (RFC 4648, section 4), nothing else
 * accepted, into out (cap bytes, room for the padding's bytes too): the
 * decoded length, or -1 when the text is not such base64 or does not fit.
 */
static long base64_decode(span t, unsigned char *out, size_t cap)
{
	if (t.n == 0 || t.n % 4 != 0 || t.n / 4 * 3 > cap)
		return -1;
	size_t pad = t.s[t.n - 1] != '=' ? 0 : t.s[t.n - 2] != '=' ? 1 : 2;
	for (size_t i = 0; i < t.n - pad; i++)
		if (!is_base64_char(t.s[i]))
			return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)t.s, (int)t.n);
	return len < 0 ? -1 : (long)len - (long)pad;
}

/* The key a secret stands for into key (KEY_MAX + 2 bytes); its length, or 0 with *err set. */
static size_t read_secret(const char *secret, unsigned char *key, tfy_error **err)
{
	size_t prefix = strlen(SECRET_PREFIX);
	long len = -1;
	if (strncmp(secret, SECRET_PREFIX, prefix) == 0)
		len = base64_decode(trimmed(secret + prefix), key, KEY_MAX + 2);
	if (len > 0 && len <= KEY_MAX)
		return (size_t)len;
	/* Nothing of it is shown: a secret half right is still half a secret. */
	tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
	               "the webhook secret must be " SECRET_PREFIX
	               " followed by the base64 of 1 to %d bytes",
	               KEY_MAX);
	return 0;
}

/* The options read and checked into o; TFY_OK or the error. */
static tfy_code read_options(const tfy_webhook_verify_options *opts, tfy_webhook_verify_options *o,
                             tfy_error **err)
{
	tfy_code rc = opts ? tfy__options_read(o, opts, verify_options_sizes,
	                                       TFY_WEBHOOK_VERIFY_OPTIONS_VERSION,
	                                       "tfy_webhook_verify_options", err)
	                   : TFY_OK;
	if (rc != TFY_OK)
		return rc;
	if (o->reserved_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_webhook_verify_options: reserved fields must be 0");
	if (o->tolerance_seconds < 0 || o->now < 0)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_webhook_verify_options: tolerance_seconds and now must "
		                      "not be negative");
	if (!o->tolerance_seconds)
		o->tolerance_seconds = TFY_WEBHOOK_TOLERANCE_DEFAULT;
	if (!o->now)
		o->now = (int64_t)time(NULL);
	return TFY_OK;
}

/* 1 to TIMESTAMP_DIGITS_MAX decimal digits as a number; -1 for anything else. */
static int64_t read_timestamp(span t)
{
	if (t.n == 0 || t.n > TIMESTAMP_DIGITS_MAX)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (t.s[i] < '0' || t.s[i] > '9')
			return -1;
		v = v * 10 + (t.s[i] - '0');
	}
	return v;
}

/* The HMAC-SHA256 of the parts one after the other; 0, or -1 when libcrypto failed. */
static int hmac_sha256(const unsigned char *key, size_t key_len, const span *parts, size_t count,
                       unsigned char mac[SHA256_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key, key_len);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = SHA256_LEN;
	int ok = pkey && ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1;
	for (size_t i = 0; ok && i < count; i++)
		ok = EVP_DigestSignUpdate(ctx, parts[i].s, parts[i].n) == 1;
	ok = ok && EVP_DigestSignFinal(ctx, mac, &len) == 1 && len == SHA256_LEN;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

/*
 * Whether one `v1,<base64>` entry of the space-separated list is the
 * expected MAC (compared in constant time); other versions and malformed
 * entries are skipped.  *v1 counts the v1 entries.
 */
static int any_signature_matches(span list, const unsigned char expected[SHA256_LEN], long *v1)
{
	int match = 0;
	size_t i = 0;
	while (i < list.n) {
		while (i < list.n && list.s[i] == ' ')
			i++;
		span entry = { list.s + i, 0 };
		while (i < list.n && list.s[i] != ' ')
			i++;
		entry.n = (size_t)(list.s + i - entry.s);
		if (entry.n < 3 || memcmp(entry.s, "v1,", 3) != 0)
			continue;
		(*v1)++;
		unsigned char got[SHA256_LEN + 2];
		span sig = { entry.s + 3, entry.n - 3 };
		if (base64_decode(sig, got, sizeof(got)) == SHA256_LEN &&
		    CRYPTO_memcmp(got, expected, SHA256_LEN) == 0)
			match = 1;
	}
	return match;
}

/* Every header is there and not empty. */
static tfy_code check_headers(const delivery *d, tfy_error **err)
{
	const struct {
		const span *value;
		const char *name;
	} headers[] = {
		{ &d->id, "webhook-id" },
		{ &d->timestamp, "webhook-timestamp" },
		{ &d->signature, "webhook-signature" },
	};
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (!headers[i].value->n)
			return tfy__error_set(err, TFY_ERROR_WEBHOOK_INVALID,
			                      FAILED "the %s header is missing or empty",
			                      headers[i].name);
	return TFY_OK;
}

/* The timestamp is Unix seconds within the tolerance of now; *ts receives it. */
static tfy_code check_timestamp(const delivery *d, const tfy_webhook_verify_options *o, int64_t *ts,
                                tfy_error **err)
{
	*ts = read_timestamp(d->timestamp);
	if (*ts < 0)
		return tfy__error_set(err, TFY_ERROR_WEBHOOK_INVALID,
		                      FAILED "the webhook-timestamp header is not Unix seconds "
		                             "(1 to %d decimal digits)",
		                      TIMESTAMP_DIGITS_MAX);
	int64_t age = o->now - *ts;
	if (age > o->tolerance_seconds)
		return tfy__error_set(err, TFY_ERROR_WEBHOOK_INVALID,
		                      FAILED "the webhook-timestamp is %lld s older than now, past "
		                             "the tolerance of %lld s (too old)",
		                      (long long)age, (long long)o->tolerance_seconds);
	if (-age > o->tolerance_seconds)
		return tfy__error_set(err, TFY_ERROR_WEBHOOK_INVALID,
		                      FAILED "the webhook-timestamp is %lld s ahead of now, past "
		                             "the tolerance of %lld s (too new)",
		                      (long long)-age, (long long)o->tolerance_seconds);
	return TFY_OK;
}

/* One signature of the list signs `{id}.{timestamp}.{body}` with the key. */
static tfy_code check_signature(const delivery *d, const unsigned char *key, size_t key_len,
                                tfy_error **err)
{
	const span parts[] = { d->id, { ".", 1 }, d->timestamp, { ".", 1 }, d->body };
	unsigned char expected[SHA256_LEN];
	if (hmac_sha256(key, key_len, parts, sizeof(parts) / sizeof(parts[0]), expected) < 0)
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY,
		                      "libcrypto could not compute the HMAC-SHA256");
	long v1 = 0;
	int match = any_signature_matches(d->signature, expected, &v1);
	OPENSSL_cleanse(expected, sizeof(expected));
	if (match)
		return TFY_OK;
	if (!v1)
		return tfy__error_set(err, TFY_ERROR_WEBHOOK_INVALID,
		                      FAILED "webhook-signature holds no v1,<base64> signature");
	return tfy__error_set(err, TFY_ERROR_WEBHOOK_INVALID,
	                      FAILED "no signature in webhook-signature matches (%ld v1 "
	                             "entr%s checked)",
	                      v1, v1 == 1 ? "y" : "ies");
}

/* The checks in their order: headers, timestamp, signature. */
static tfy_code check_delivery(const delivery *d, const char *secret,
                               const tfy_webhook_verify_options *o, int64_t *ts, tfy_error **err)
{
	unsigned char key[KEY_MAX + 2];
	size_t key_len = read_secret(secret, key, err);
	tfy_code rc = key_len ? TFY_OK : TFY_ERROR_INVALID_ARGUMENT;
	if (rc == TFY_OK)
		rc = check_headers(d, err);
	if (rc == TFY_OK)
		rc = check_timestamp(d, o, ts, err);
	if (rc == TFY_OK)
		rc = check_signature(d, key, key_len, err);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The final state a batch event's type stands for. */
static tfy_batch_status batch_status_of(const char *type)
{
	static const struct {
		const char *type;
		tfy_batch_status status;
	} events[] = {
		{ "batch.completed", TFY_BATCH_STATUS_COMPLETED },
		{ "batch.failed", TFY_BATCH_STATUS_FAILED },
		{ "batch.expired", TFY_BATCH_STATUS_EXPIRED },
		{ "batch.cancelled", TFY_BATCH_STATUS_CANCELLED },
	};
	for (size_t i = 0; type && i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(type, events[i].type) == 0)
			return events[i].status;
	return TFY_BATCH_STATUS_UNKNOWN;
}

/* The verified body decoded into *out, with what the headers said. */
static tfy_code make_event(const delivery *d, int64_t ts, tfy_webhook_event **out, tfy_error **err)
{
	char detail[DETAIL_MAX] = "";
	tfy_webhook_event *e;
	tfy_code rc = tfy__decode_webhook_event(d->body.s, d->body.n, &e, detail, sizeof(detail));
	if (rc != TFY_OK)
		return tfy__decode_error(rc, detail, err);
	e->webhook_id = tfy__arena_strndup(TFY__WEBHOOK_OWNER(e)->arena, d->id.s, d->id.n);
	if (!e->webhook_id) {
		tfy_webhook_event_free(e);
		return tfy__error_set(err, TFY_ERROR_OUT_OF_MEMORY, "out of memory");
	}
	e->timestamp = ts;
	e->batch_status = batch_status_of(e->type);
	*out = e;
	return TFY_OK;
}

tfy_code tfy_webhook_verify(const char *secret, const char *webhook_id, const char *webhook_timestamp,
                            const char *webhook_signature, const char *body, size_t body_len,
                            const tfy_webhook_verify_options *opts, tfy_webhook_event **out,
                            tfy_error **err)
{
	if (err)
		*err = NULL;
	if (out)
		*out = NULL;
	tfy_webhook_verify_options o = TFY_WEBHOOK_VERIFY_OPTIONS_INIT;
	tfy_code rc = read_options(opts, &o, err);
	if (rc == TFY_OK && !secret)
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                    "the webhook secret must not be NULL");
	if (rc == TFY_OK && !body && body_len)
		rc = tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                    "body must not be NULL when body_len is not 0");
	/* An empty body may come as NULL; the decoder and libcrypto get bytes. */
	delivery d = { trimmed(webhook_id),
		       trimmed(webhook_timestamp),
		       trimmed(webhook_signature),
		       { body ? body : "", body_len } };
	int64_t ts = 0;
	if (rc == TFY_OK)
		rc = check_delivery(&d, secret, &o, &ts, err);
	if (rc == TFY_OK && out)
		rc = make_event(&d, ts, out, err);
	return rc;
}

void tfy_webhook_event_free(tfy_webhook_event *event)
{
	if (event)
		tfy__arena_free(TFY__WEBHOOK_OWNER(event)->arena);
}
