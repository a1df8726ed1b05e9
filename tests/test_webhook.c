/*
 * Unit tests of webhook verification (tfy_webhook_verify): the cases every
 * SDK tests (valid; several signatures with one valid; tampered body;
 * wrong secret; timestamp too old and too new; missing header; malformed
 * secret), malformed signature entries and timestamps, the options, the
 * event's decoding, the Standard Webhooks specification's own example,
 * and random deliveries signed at test time by Python's hmac
 * (tu_webhook_sign), an implementation independent of libcrypto's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "tfy/tfy.h"

#define SECRET "whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ=="
#define OTHER_SECRET "whsec_YW5vdGhlci13ZWJob29rLXNlY3JldCwgYWxzbyBsb25nIQ=="
#define ID "wh_SENTINEL_ID_0123"
#define NOW 1750000000
#define NOW_TEXT "1750000000"
#define EVENT \
	"{\"id\":\"evt_685343\",\"object\":\"event\",\"created_at\":1749999990," \
	"\"type\":\"batch.completed\",\"data\":{\"id\":\"batch_abc123\"}}"

/* Options with the clock at `now` and the default tolerance. */
static tfy_webhook_verify_options at(int64_t now)
{
	tfy_webhook_verify_options o = TFY_WEBHOOK_VERIFY_OPTIONS_INIT;
	o.now = now;
	return o;
}

/* A signature Python computed; the test fails when Python cannot. */
static char *sign(const char *secret, const char *id, const char *ts, const char *body, size_t len)
{
	char *sig = tu_webhook_sign(secret, id, ts, body, len);
	assert_non_null(sig);
	assert_int_equal(strncmp(sig, "v1,", 3), 0);
	return sig;
}

static tfy_webhook_event *verify_ok(const char *secret, const char *id, const char *ts,
                                    const char *sig, const char *body, int64_t now)
{
	tfy_webhook_verify_options o = at(now);
	tfy_webhook_event *e = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_webhook_verify(secret, id, ts, sig, body, strlen(body), &o, &e, &err);
	if (rc != TFY_OK)
		print_error("verify failed: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	assert_non_null(e);
	return e;
}

/*
 * The call fails with code and a message holding `part`, and no event; the
 * message shows neither the secret, nor the id, nor the signature, nor the
 * body.
 */
static void verify_fails(const char *secret, const char *id, const char *ts, const char *sig,
                         const char *body, size_t len, const tfy_webhook_verify_options *o,
                         tfy_code code, const char *part)
{
	tfy_webhook_event *e = (tfy_webhook_event *)&e;
	tfy_error *err = NULL;
	assert_int_equal(tfy_webhook_verify(secret, id, ts, sig, body, len, o, &e, &err), code);
	assert_null(e);
	assert_non_null(err);
	assert_int_equal(err->code, code);
	if (!strstr(err->message, part))
		print_error("message: %s\n", err->message);
	assert_non_null(strstr(err->message, part));
	const char *secrets[] = { secret && strlen(secret) > 6 ? secret + 6 : NULL,
		                  id && strlen(id) > 4 ? id : NULL,
		                  sig && strlen(sig) > 4 ? sig + 3 : NULL,
		                  body && len > 8 ? "evt_685343" : NULL };
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (secrets[i])
			assert_null(strstr(err->message, secrets[i]));
	/* Without err, the same code. */
	assert_int_equal(tfy_webhook_verify(secret, id, ts, sig, body, len, o, &e, NULL), code);
	assert_null(e);
	tfy_error_free(err);
}

static void verify_invalid(const char *secret, const char *id, const char *ts, const char *sig,
                           const char *body, int64_t now, const char *part)
{
	tfy_webhook_verify_options o = at(now);
	verify_fails(secret, id, ts, sig, body, body ? strlen(body) : 0, &o,
	             TFY_ERROR_WEBHOOK_INVALID, part);
}

/* The example of the Standard Webhooks specification (standard-webhooks.com). */
static void test_specification_example(void **state)
{
	(void)state;
	const char *body = "{\"test\": 2432232314}";
	tfy_webhook_event *e = verify_ok("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	                                 "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
	                                 "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body,
	                                 1614265330);
	assert_null(e->type);
	assert_null(e->data_id);
	assert_int_equal(e->batch_status, TFY_BATCH_STATUS_UNKNOWN);
	assert_string_equal(e->webhook_id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
	assert_int_equal(e->timestamp, 1614265330);
	assert_string_equal(e->raw_json, body);
	tfy_webhook_event_free(e);
}

static void test_valid_event(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	tfy_webhook_event *e = verify_ok(SECRET, ID, NOW_TEXT, sig, EVENT, NOW);
	assert_string_equal(e->type, "batch.completed");
	assert_string_equal(e->id, "evt_685343");
	assert_string_equal(e->object, "event");
	assert_true(e->created_at.present);
	assert_int_equal(e->created_at.value, 1749999990);
	assert_string_equal(e->data_id, "batch_abc123");
	assert_int_equal(e->batch_status, TFY_BATCH_STATUS_COMPLETED);
	assert_int_equal(e->reserved_, 0);
	assert_int_equal(e->timestamp, NOW);
	assert_string_equal(e->webhook_id, ID);
	assert_string_equal(e->raw_json, EVENT);
	tfy_webhook_event_free(e);
	/* Verified only: the body is not decoded. */
	tfy_webhook_verify_options o = at(NOW);
	assert_int_equal(tfy_webhook_verify(SECRET, ID, NOW_TEXT, sig, EVENT, strlen(EVENT), &o,
	                                    NULL, NULL),
	                 TFY_OK);
	/* The blanks HTTP allows around a header value are not part of it. */
	char padded[256];
	snprintf(padded, sizeof(padded), " \t%s ", sig);
	e = verify_ok(SECRET, "  " ID "\t", " " NOW_TEXT " ", padded, EVENT, NOW);
	assert_string_equal(e->webhook_id, ID);
	tfy_webhook_event_free(e);
	free(sig);
}

static void test_several_signatures(void **state)
{
	(void)state;
	char *good = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	char *other = sign(OTHER_SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	char list[1024];
	const char *const forms[] = {
		"%s %s",
		"%2$s %1$s",
		"v1a,c2lnbmF0dXJl %s  v2,abc %s",
		"  %s   %s  ",
		"v1,!!!! v1, %s v1 %s",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(list, sizeof(list), forms[i], other, good);
#pragma GCC diagnostic pop
		tfy_webhook_event *e = verify_ok(SECRET, ID, NOW_TEXT, list, EVENT, NOW);
		tfy_webhook_event_free(e);
		/* A rotated secret: the other key's entry matches as well. */
		e = verify_ok(OTHER_SECRET, ID, NOW_TEXT, list, EVENT, NOW);
		tfy_webhook_event_free(e);
	}
	snprintf(list, sizeof(list), "%s %s", other, other);
	verify_invalid(SECRET, ID, NOW_TEXT, list, EVENT, NOW,
	               "no signature in webhook-signature "
	               "matches (2 v1 entries checked)");
	free(good);
	free(other);
}

static void test_tampered(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	char body[] = EVENT;
	/* Each byte of the body changed in turn, then each of the signed headers. */
	for (size_t i = 0; i < strlen(body); i += 7) {
		body[i] ^= 0x01;
		verify_invalid(SECRET, ID, NOW_TEXT, sig, body, NOW, "no signature");
		body[i] ^= 0x01;
	}
	body[strlen(body) - 1] = '\0'; /* one byte less */
	verify_invalid(SECRET, ID, NOW_TEXT, sig, body, NOW, "no signature");
	verify_invalid(SECRET, ID "x", NOW_TEXT, sig, EVENT, NOW, "no signature");
	verify_invalid(SECRET, ID, "1750000001", sig, EVENT, NOW, "no signature");
	/* The signature itself changed: one bit of its MAC. */
	char flipped[128];
	snprintf(flipped, sizeof(flipped), "%s", sig);
	flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
	verify_invalid(SECRET, ID, NOW_TEXT, flipped, EVENT, NOW, "(1 v1 entry checked)");
	free(sig);
}

static void test_wrong_secret(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	verify_invalid(OTHER_SECRET, ID, NOW_TEXT, sig, EVENT, NOW, "no signature");
	/* One byte of the key changed. */
	verify_invalid("whsec_eGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ==", ID, NOW_TEXT, sig,
	               EVENT, NOW, "no signature");
	free(sig);
}

static void test_timestamp_window(void **state)
{
	(void)state;
	const struct {
		int64_t offset;      /* of the timestamp from now */
		int64_t tolerance;   /* 0: the default */
		const char *failure; /* NULL: accepted */
	} cases[] = {
		{ 0, 0, NULL },
		{ -300, 0, NULL },
		{ 300, 0, NULL },
		{ -301, 0, "is 301 s older than now, past the tolerance of 300 s (too old)" },
		{ 301, 0, "is 301 s ahead of now, past the tolerance of 300 s (too new)" },
		{ -86400, 0, "(too old)" },
		{ 86400, 0, "(too new)" },
		{ -10, 10, NULL },
		{ 11, 10, "(too new)" },
		{ -3600, 7200, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char ts[32];
		snprintf(ts, sizeof(ts), "%" PRId64, NOW + cases[i].offset);
		char *sig = sign(SECRET, ID, ts, EVENT, strlen(EVENT));
		tfy_webhook_verify_options o = at(NOW);
		o.tolerance_seconds = cases[i].tolerance;
		tfy_webhook_event *e = NULL;
		tfy_error *err = NULL;
		tfy_code rc = tfy_webhook_verify(SECRET, ID, ts, sig, EVENT, strlen(EVENT), &o, &e,
		                                 &err);
		if (!cases[i].failure) {
			assert_int_equal(rc, TFY_OK);
			assert_int_equal(e->timestamp, NOW + cases[i].offset);
			tfy_webhook_event_free(e);
		} else {
			verify_fails(SECRET, ID, ts, sig, EVENT, strlen(EVENT), &o,
			             TFY_ERROR_WEBHOOK_INVALID, cases[i].failure);
			tfy_error_free(err);
		}
		free(sig);
	}
}

/* Without `now` the system clock decides. */
static void test_clock(void **state)
{
	(void)state;
	char ts[32];
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	char *sig = sign(SECRET, ID, ts, EVENT, strlen(EVENT));
	tfy_webhook_event *e = NULL;
	assert_int_equal(tfy_webhook_verify(SECRET, ID, ts, sig, EVENT, strlen(EVENT), NULL, &e, NULL),
	                 TFY_OK);
	tfy_webhook_event_free(e);
	free(sig);
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL) - 3600);
	sig = sign(SECRET, ID, ts, EVENT, strlen(EVENT));
	verify_fails(SECRET, ID, ts, sig, EVENT, strlen(EVENT), NULL, TFY_ERROR_WEBHOOK_INVALID,
	             "(too old)");
	free(sig);
}

static void test_missing_header(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	const char *const absent[] = { NULL, "", "  \t " };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		verify_invalid(SECRET, absent[i], NOW_TEXT, sig, EVENT, NOW,
		               "the webhook-id header is missing or empty");
		verify_invalid(SECRET, ID, absent[i], sig, EVENT, NOW,
		               "the webhook-timestamp header is missing or empty");
		verify_invalid(SECRET, ID, NOW_TEXT, absent[i], EVENT, NOW,
		               "the webhook-signature header is missing or empty");
	}
	/* The first missing one is named. */
	verify_invalid(SECRET, NULL, NULL, NULL, EVENT, NOW, "webhook-id header");
	free(sig);
}

static void test_malformed_secret(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	tfy_webhook_verify_options o = at(NOW);
	const char *const bad[] = {
		"",
		"whsec_",
		"whsec",
		"WHSEC_dGVzdA==",
		"dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ==",       /* no prefix */
		"whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ",   /* no padding */
		"whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ=",  /* half of it */
		"whsec_dGVzdC13ZWJob29r-XNlY3JldC0zMi1ieXRlcy1sb25nIQ==", /* base64url */
		"whsec_dGVzdC13ZWJob29rLXNlY3JldC0z MiieXRlcy1sb25nIQ==", /* a space inside */
		"whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25nIQ==\n",
		"whsec_dGVz=C13",
		"whsec_====",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		verify_fails(bad[i], ID, NOW_TEXT, sig, EVENT, strlen(EVENT), &o,
		             TFY_ERROR_INVALID_ARGUMENT,
		             "the webhook secret must be whsec_ followed by "
		             "the base64 of 1 to 512 bytes");
	verify_fails(NULL, ID, NOW_TEXT, sig, EVENT, strlen(EVENT), &o, TFY_ERROR_INVALID_ARGUMENT,
	             "the webhook secret must not be NULL");
	/* 512 bytes are accepted, 513 are not. */
	unsigned char key[513];
	char secret[6 + 700] = "whsec_";
	memset(key, 0x5a, sizeof(key));
	for (int n = 512; n <= 513; n++) {
		EVP_EncodeBlock((unsigned char *)secret + 6, key, n);
		char *s = sign(secret, ID, NOW_TEXT, EVENT, strlen(EVENT));
		if (n == 512) {
			tfy_webhook_event *e = verify_ok(secret, ID, NOW_TEXT, s, EVENT, NOW);
			tfy_webhook_event_free(e);
		} else {
			verify_fails(secret, ID, NOW_TEXT, s, EVENT, strlen(EVENT), &o,
			             TFY_ERROR_INVALID_ARGUMENT, "whsec_");
		}
		free(s);
	}
	/* A malformed secret is said before a missing header. */
	verify_fails("whsec_x", NULL, NULL, NULL, EVENT, strlen(EVENT), &o,
	             TFY_ERROR_INVALID_ARGUMENT, "whsec_");
	free(sig);
}

static void test_malformed_signatures(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	char unpadded[128], longer[128], upper[128];
	snprintf(unpadded, sizeof(unpadded), "%.*s", (int)strlen(sig) - 1, sig);
	snprintf(longer, sizeof(longer), "%sAAAA", sig);
	snprintf(upper, sizeof(upper), "V1,%s", sig + 3);
	const char *const none[] = { "v1", "garbage", "v2,YWJj", "v1a,YWJj", upper, "," };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		verify_invalid(SECRET, ID, NOW_TEXT, none[i], EVENT, NOW,
		               "webhook-signature holds no v1,<base64> signature");
	const char *const bad[] = { "v1,",    "v1,!!!!", "v1,YWJj", "v1,YWJjZA",
		                    unpadded, longer,    "v1,,",    "v1,====" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		verify_invalid(SECRET, ID, NOW_TEXT, bad[i], EVENT, NOW,
		               "no signature in webhook-signature matches (1 v1 entry checked)");
	/* A long list of bad entries is read to its end. */
	size_t n = 20000 * 5;
	char *many = malloc(n + 128);
	for (size_t i = 0; i < n; i += 5)
		memcpy(many + i, "v1,x ", 5);
	snprintf(many + n, 128, "%s", sig);
	tfy_webhook_event *e = verify_ok(SECRET, ID, NOW_TEXT, many, EVENT, NOW);
	tfy_webhook_event_free(e);
	free(many);
	free(sig);
}

static void test_malformed_timestamp(void **state)
{
	(void)state;
	const char *const bad[] = { "abc",
		                    "-5",
		                    "+1750000000",
		                    "1750000000.0",
		                    "1e9",
		                    "0x683f",
		                    "1750000000000000000",
		                    "17500 00000",
		                    "\xd9\xa1\xd9\xa7" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *sig = sign(SECRET, ID, bad[i], EVENT, strlen(EVENT));
		verify_invalid(SECRET, ID, bad[i], sig, EVENT, NOW,
		               "the webhook-timestamp header is not Unix seconds (1 to 18 decimal "
		               "digits)");
		free(sig);
	}
	/* Leading zeros are digits too; 18 of them are read. */
	char *sig = sign(SECRET, ID, "00000001750000000", EVENT, strlen(EVENT));
	tfy_webhook_event *e = verify_ok(SECRET, ID, "00000001750000000", sig, EVENT, NOW);
	assert_int_equal(e->timestamp, NOW);
	tfy_webhook_event_free(e);
	free(sig);
}

static void test_options(void **state)
{
	(void)state;
	char *sig = sign(SECRET, ID, NOW_TEXT, EVENT, strlen(EVENT));
	tfy_webhook_verify_options o;
	assert_int_equal(tfy_webhook_verify_options_init(&o, TFY_WEBHOOK_VERIFY_OPTIONS_VERSION),
	                 TFY_OK);
	assert_int_equal(o.version, TFY_WEBHOOK_VERIFY_OPTIONS_VERSION);
	assert_int_equal(o.tolerance_seconds, 0);
	assert_int_equal(o.now, 0);
	assert_int_equal(tfy_webhook_verify_options_init(NULL, 1), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_webhook_verify_options_init(&o, 0), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_webhook_verify_options_init(&o, 2), TFY_ERROR_INVALID_ARGUMENT);
	const struct {
		uint32_t version;
		int32_t reserved;
		int64_t tolerance, now;
		const char *part;
	} bad[] = {
		{ 0, 0, 0, NOW, "version 0 is not one this library knows" },
		{ 2, 0, 0, NOW, "version 2" },
		{ 1, 1, 0, NOW, "reserved fields must be 0" },
		{ 1, 0, -1, NOW, "must not be negative" },
		{ 1, 0, 0, -1, "must not be negative" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.version = bad[i].version;
		o.reserved_ = bad[i].reserved;
		o.tolerance_seconds = bad[i].tolerance;
		o.now = bad[i].now;
		verify_fails(SECRET, ID, NOW_TEXT, sig, EVENT, strlen(EVENT), &o,
		             TFY_ERROR_INVALID_ARGUMENT, bad[i].part);
	}
	/* A bad option is said before a bad secret. */
	verify_fails("x", ID, NOW_TEXT, sig, EVENT, strlen(EVENT), &o, TFY_ERROR_INVALID_ARGUMENT,
	             "must not be negative");
	o = at(NOW);
	verify_fails(SECRET, ID, NOW_TEXT, sig, NULL, 3, &o, TFY_ERROR_INVALID_ARGUMENT,
	             "body must not be NULL when body_len is not 0");
	free(sig);
}

/* The body's decoding, after a verification that passed. */
static void test_event_decoding(void **state)
{
	(void)state;
	const struct {
		const char *body;
		const char *type, *data_id;
		tfy_batch_status status;
	} ok[] = {
		{ "{\"type\":\"batch.failed\",\"data\":{\"id\":\"batch_1\",\"x\":[1]}}",
		  "batch.failed", "batch_1", TFY_BATCH_STATUS_FAILED },
		{ "{\"type\":\"batch.expired\",\"data\":{\"id\":\"b\"}}", "batch.expired", "b",
		  TFY_BATCH_STATUS_EXPIRED },
		{ "{\"type\":\"batch.cancelled\",\"data\":{\"id\":\"b\"}}", "batch.cancelled", "b",
		  TFY_BATCH_STATUS_CANCELLED },
		{ "{\"type\":\"response.completed\",\"data\":{\"id\":\"resp_1\"}}",
		  "response.completed", "resp_1", TFY_BATCH_STATUS_UNKNOWN },
		{ "{\"type\":\"batch.completed\",\"data\":\"batch_1\"}", "batch.completed", NULL,
		  TFY_BATCH_STATUS_COMPLETED },
		{ "{\"type\":\"batch.completed\",\"data\":{\"id\":7}}", "batch.completed", NULL,
		  TFY_BATCH_STATUS_COMPLETED },
		{ "{\"type\":\"batch.completed\",\"data\":{\"id\":\"a\\u0000b\"}}",
		  "batch.completed", NULL, TFY_BATCH_STATUS_COMPLETED },
		{ "{\"data\":{\"id\":\"b1\"},\"data\":null,\"type\":5}", NULL, NULL,
		  TFY_BATCH_STATUS_UNKNOWN },
		{ "{\"type\":\"Batch.Completed\"}", "Batch.Completed", NULL, TFY_BATCH_STATUS_UNKNOWN },
		{ " \n{}\n", NULL, NULL, TFY_BATCH_STATUS_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *sig = sign(SECRET, ID, NOW_TEXT, ok[i].body, strlen(ok[i].body));
		tfy_webhook_event *e = verify_ok(SECRET, ID, NOW_TEXT, sig, ok[i].body, NOW);
		if (ok[i].type)
			assert_string_equal(e->type, ok[i].type);
		else
			assert_null(e->type);
		if (ok[i].data_id)
			assert_string_equal(e->data_id, ok[i].data_id);
		else
			assert_null(e->data_id);
		assert_int_equal(e->batch_status, ok[i].status);
		assert_int_equal(e->raw_json[0], '{');
		tfy_webhook_event_free(e);
		free(sig);
	}
	/* Verified, but not an event: TFY_ERROR_DECODE, unless only verification was asked for. */
	const char *const not_event[] = { "[1]", "not json", "", "{\"a\":1} {}", "{\"a\":" };
	tfy_webhook_verify_options o = at(NOW);
	for (size_t i = 0; i < sizeof(not_event) / sizeof(not_event[0]); i++) {
		size_t len = strlen(not_event[i]);
		char *sig = sign(SECRET, ID, NOW_TEXT, not_event[i], len);
		verify_fails(SECRET, ID, NOW_TEXT, sig, not_event[i], len, &o, TFY_ERROR_DECODE,
		             "could not be decoded");
		assert_int_equal(tfy_webhook_verify(SECRET, ID, NOW_TEXT, sig,
		                                    len ? not_event[i] : NULL, len, &o, NULL, NULL),
		                 TFY_OK);
		if (!len) /* an empty body may come as NULL */
			verify_fails(SECRET, ID, NOW_TEXT, sig, NULL, 0, &o, TFY_ERROR_DECODE,
			             "could not be decoded");
		free(sig);
	}
}

/* A byte of random data, from a fixed seed so that a failure can be run again. */
static unsigned char random_byte(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005u + 1442695040888963407u;
	return (unsigned char)(*seed >> 33);
}

/*
 * Random keys, ids and bodies (any byte, NUL included), signed by Python:
 * verified as they are, refused with one byte of the body changed.
 */
static void test_independent_vectors(void **state)
{
	(void)state;
	uint64_t seed = 20250701;
	for (int round = 0; round < 24; round++) {
		unsigned char key[64];
		size_t key_len = 1 + random_byte(&seed) % sizeof(key);
		for (size_t i = 0; i < key_len; i++)
			key[i] = random_byte(&seed);
		char secret[6 + 100] = "whsec_";
		EVP_EncodeBlock((unsigned char *)secret + 6, key, (int)key_len);
		char id[40];
		snprintf(id, sizeof(id), "msg_%08x%08x", random_byte(&seed) * 65537u,
		         (unsigned)round * 7919u);
		size_t len = (size_t)random_byte(&seed) * (size_t)(1 + round % 9);
		char *body = malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			body[i] = (char)random_byte(&seed);
		char *sig = sign(secret, id, NOW_TEXT, body, len);
		tfy_webhook_verify_options o = at(NOW);
		tfy_error *err = NULL;
		tfy_code rc = tfy_webhook_verify(secret, id, NOW_TEXT, sig, body, len, &o, NULL, &err);
		if (rc != TFY_OK)
			print_error("round %d (key %zu bytes, body %zu): %s\n", round, key_len, len,
			            err->message);
		assert_int_equal(rc, TFY_OK);
		if (len) {
			body[random_byte(&seed) % len] ^= (char)(1 + random_byte(&seed) % 255);
			verify_fails(secret, id, NOW_TEXT, sig, body, len, &o,
			             TFY_ERROR_WEBHOOK_INVALID, "no signature");
		}
		free(sig);
		free(body);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specification_example),
		cmocka_unit_test(test_valid_event),
		cmocka_unit_test(test_several_signatures),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_timestamp_window),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_missing_header),
		cmocka_unit_test(test_malformed_secret),
		cmocka_unit_test(test_malformed_signatures),
		cmocka_unit_test(test_malformed_timestamp),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_event_decoding),
		cmocka_unit_test(test_independent_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
