/*
 * libFuzzer harness: tfy_webhook_verify on fuzzed headers and bodies.
 * Input: one flags byte, then the webhook-id, webhook-timestamp and
 * webhook-signature values separated by line feeds, then the body (the
 * rest, any bytes).  Flags: 1 the secret is the id field rather than a
 * fixed one (fuzzing the secret's parsing); 2 the signature is replaced by
 * the right one, computed here with OpenSSL's one-shot HMAC(); 4 the
 * fuzzed signature follows it in the list; 8 decode the event (out not
 * NULL).  The clock is the timestamp plus (flags >> 4) - 8 seconds when it
 * is digits, else 1750000000.
 * Invariants: a known code; on failure no event and an error with a
 * message that never holds the secret (past whsec_, when 8 bytes or
 * more); with the right signature, a fixed
 * secret, both headers present and the timestamp within the tolerance,
 * TFY_OK or (decoding) TFY_ERROR_DECODE; on success an event whose
 * webhook_id and timestamp are the headers' and whose raw_json is the
 * body without the whitespace around it.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfy/tfy.h"

#define SECRET "whsec_ZnV6ei13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5"
#define SECRET_KEY "fuzz-webhook-secret-0123456789"

static const char *field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += nl ? n + 1 : n;
	return s;
}

/* s without the spaces and tabs around it, as the library reads a header. */
static const char *trim(const char *s, size_t *n)
{
	while (*s == ' ' || *s == '\t')
		s++;
	*n = strlen(s);
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

/* "v1,<base64>" of the HMAC of `id.ts.body` with the fixed key, into out (64 bytes). */
static void right_signature(const char *id, const char *ts, const uint8_t *body, size_t len, char *out)
{
	size_t idn, tsn;
	id = trim(id, &idn);
	ts = trim(ts, &tsn);
	size_t n = idn + tsn + len + 2;
	unsigned char *msg = malloc(n + 1);
	memcpy(msg, id, idn);
	msg[idn] = '.';
	memcpy(msg + idn + 1, ts, tsn);
	msg[idn + 1 + tsn] = '.';
	if (len)
		memcpy(msg + idn + tsn + 2, body, len);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	HMAC(EVP_sha256(), SECRET_KEY, (int)strlen(SECRET_KEY), msg, n, mac, &mac_len);
	free(msg);
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)mac_len);
}

/* The timestamp's value when it is 1 to 18 digits (after trimming), else -1. */
static int64_t timestamp_of(const char *ts)
{
	size_t n;
	ts = trim(ts, &n);
	if (n == 0 || n > 18)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (ts[i] < '0' || ts[i] > '9')
			return -1;
		v = v * 10 + (ts[i] - '0');
	}
	return v;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* raw_json is the body without the JSON whitespace around it. */
static int raw_json_is_body(const char *raw, const uint8_t *body, size_t len)
{
	size_t start = 0, end = len;
	while (start < end && is_ws((char)body[start]))
		start++;
	while (end > start && is_ws((char)body[end - 1]))
		end--;
	return strlen(raw) == end - start && memcmp(raw, body + start, end - start) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	const uint8_t *p = data + 1, *end = data + size;
	const char *id = field(&p, end), *ts = field(&p, end), *sig = field(&p, end);
	const uint8_t *body = p;
	size_t len = (size_t)(end - p);
	const char *secret = flags & 1 ? id : SECRET;

	char *list = malloc(strlen(sig) + 80);
	if (flags & 2) {
		right_signature(id, ts, body, len, list);
		if (flags & 4) {
			strcat(list, " ");
			strcat(list, sig);
		}
	} else {
		strcpy(list, sig);
	}
	int64_t t = timestamp_of(ts);
	int64_t skew = (int64_t)(flags >> 4) - 8;
	tfy_webhook_verify_options opts = TFY_WEBHOOK_VERIFY_OPTIONS_INIT;
	opts.now = t >= 0 ? t + skew : 1750000000;
	if (opts.now <= 0)
		opts.now = 1;
	opts.tolerance_seconds = 5;

	tfy_webhook_event *event = (tfy_webhook_event *)&event;
	tfy_error *err = (tfy_error *)&err;
	tfy_code rc = tfy_webhook_verify(secret, id, ts, list, len ? (const char *)body : NULL, len,
	                                 &opts, flags & 8 ? &event : NULL, &err);
	size_t idn, tsn;
	trim(id, &idn);
	trim(ts, &tsn);
	int must_pass = (flags & 3) == 2 && idn && t >= 0 && opts.now - t <= 5 && t - opts.now <= 5;
	if (rc != TFY_OK) {
		if ((rc != TFY_ERROR_WEBHOOK_INVALID && rc != TFY_ERROR_DECODE &&
		     rc != TFY_ERROR_INVALID_ARGUMENT) ||
		    !err || !err->message || ((flags & 8) && event))
			abort();
		/* 8 bytes or more of the secret's base64: shorter runs occur in any text. */
		if (strlen(secret) >= 6 + 8 && strstr(err->message, secret + 6))
			abort();
		if (must_pass && rc != TFY_ERROR_DECODE)
			abort();
		tfy_error_free(err);
	} else {
		if (err)
			abort();
		if (flags & 8) {
			size_t n;
			const char *tid = trim(id, &n);
			if (!event || strlen(event->webhook_id) != n ||
			    memcmp(event->webhook_id, tid, n) != 0 || event->timestamp != t ||
			    !event->raw_json || !raw_json_is_body(event->raw_json, body, len))
				abort();
			tfy_webhook_event_free(event);
		}
	}
	free(list);
	free((char *)id);
	free((char *)ts);
	free((char *)sig);
	return 0;
}
