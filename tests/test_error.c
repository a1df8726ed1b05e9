/* Unit tests of error codes, error details and client creation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error_internal.h"
#include "headers.h"
#include "log.h"
#include "tfy/tfy.h"
#include "utf8.h"

static void test_strerror_every_code(void **state)
{
	(void)state;
	for (tfy_code a = 0; a <= TFY_ERROR_INPUT_INVALID; a++) {
		assert_non_null(tfy_strerror(a));
		assert_string_not_equal(tfy_strerror(a), "unknown error code");
		for (tfy_code b = 0; b < a; b++)
			assert_string_not_equal(tfy_strerror(a), tfy_strerror(b));
	}
	assert_string_equal(tfy_strerror(-1), "unknown error code");
	assert_string_equal(tfy_strerror(TFY_ERROR_INPUT_INVALID + 1000), "unknown error code");
}

static void test_codes_are_stable(void **state)
{
	(void)state;
	/* These numbers are ABI: a failure here means a code was renumbered. */
	assert_int_equal(TFY_OK, 0);
	assert_int_equal(TFY_ERROR_INVALID_ARGUMENT, 1);
	assert_int_equal(TFY_ERROR_TIMEOUT, 6);
	assert_int_equal(TFY_ERROR_AUTHENTICATION, 9);
	assert_int_equal(TFY_ERROR_RATE_LIMIT, 14);
	assert_int_equal(TFY_ERROR_SERVER, 16);
	assert_int_equal(TFY_ERROR_DECODE, 18);
	assert_int_equal(TFY_ERROR_RESPONSE_TOO_LARGE, 19);
	assert_int_equal(TFY_ERROR_CANCELLED, 20);
	assert_int_equal(TFY_ERROR_PAGINATION, 21);
	assert_int_equal(TFY_ERROR_WEBHOOK_INVALID, 25);
	assert_int_equal(TFY_ERROR_INPUT_INVALID, 26);
}

static void test_status_mapping(void **state)
{
	(void)state;
	const struct {
		long status;
		tfy_code code;
	} map[] = {
		{ 200, TFY_OK },
		{ 204, TFY_OK },
		{ 400, TFY_ERROR_BAD_REQUEST },
		{ 401, TFY_ERROR_AUTHENTICATION },
		{ 403, TFY_ERROR_PERMISSION_DENIED },
		{ 404, TFY_ERROR_NOT_FOUND },
		{ 409, TFY_ERROR_CONFLICT },
		{ 422, TFY_ERROR_UNPROCESSABLE },
		{ 429, TFY_ERROR_RATE_LIMIT },
		{ 405, TFY_ERROR_CLIENT },
		{ 418, TFY_ERROR_CLIENT },
		{ 500, TFY_ERROR_SERVER },
		{ 502, TFY_ERROR_SERVER },
		{ 599, TFY_ERROR_SERVER },
		{ 301, TFY_ERROR_HTTP },
		{ 100, TFY_ERROR_HTTP },
		{ 600, TFY_ERROR_HTTP },
		{ 0, TFY_ERROR_HTTP },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(tfy__code_for_status(map[i].status), map[i].code);
}

static void test_redaction(void **state)
{
	(void)state;
	tfy_error *e = tfy__error_new(TFY_ERROR_AUTHENTICATION, "bad key sk-12345 and sk-12345");
	assert_int_equal(tfy__error_put(&e->api_message, "Incorrect API key provided: sk-12345.", 37),
	                 0);
	assert_int_equal(tfy__error_put_body(e, "sk-12345", 8), 0);
	assert_int_equal(tfy__error_finish(e, (const char *[]){ "sk-12345", NULL }), 0);
	assert_string_equal(e->message, "bad key [REDACTED] and [REDACTED]");
	assert_string_equal(e->api_message, "Incorrect API key provided: [REDACTED].");
	assert_string_equal(e->body, "[REDACTED]");
	assert_null(e->detail);
	tfy_error_free(e);
	tfy_error_free(NULL);

	/*
	 * Eight or more leading characters of a secret are masked wherever they
	 * stand, the longest run of any secret first; seven are left alone.
	 */
	e = tfy__error_new(TFY_ERROR_AUTHENTICATION, "a sk-proj-Q7x b sk-proj-Q7xW2m-c sk-proj");
	assert_int_equal(tfy__error_finish(e, (const char *[]){ "sk-proj-Q7xW2mZr9", "sk-proj-Q7xW",
	                                                        NULL }),
	                 0);
	assert_string_equal(e->message, "a [REDACTED] b [REDACTED]-c sk-proj");
	tfy_error_free(e);
	char line[64];
	assert_int_equal(tfy__mask_secrets("id=sk-proj-Q7;", (const char *[]){ "sk-proj-Q7xW", NULL },
	                                   line, sizeof(line), NULL),
	                 strlen("id=[REDACTED];"));
	assert_string_equal(line, "id=[REDACTED];");
	assert_int_equal(tfy__mask_secrets("sk-proj-Q7", (const char *[]){ "sk-proj-Q7xW", NULL },
	                                   line, 5, NULL),
	                 strlen("[REDACTED]"));
	assert_string_equal(line, "[RED");

	/* Short keys are masked too: a secret is a secret. */
	e = tfy__error_new(TFY_ERROR_AUTHENTICATION, "key abc rejected");
	assert_int_equal(tfy__error_finish(e, (const char *[]){ "abc", NULL }), 0);
	assert_string_equal(e->message, "key [REDACTED] rejected");
	tfy_error_free(e);
}

/* A key that straddles a field's cut is masked before the cut, and its beginning after it. */
static void test_redaction_before_cut(void **state)
{
	(void)state;
	const char *key = "sk-proj-0123456789abcdefghijklmnop";
	char body[1024];
	for (size_t at = TFY_ERROR_BODY_MAX - 20; at <= TFY_ERROR_BODY_MAX + 2; at++) {
		memset(body, 'x', sizeof(body));
		memcpy(body + at, key, strlen(key));
		tfy_error *e = tfy__error_new(TFY_ERROR_SERVER, "x");
		assert_int_equal(tfy__error_put_body(e, body, sizeof(body)), 0);
		assert_int_equal(tfy__error_put(&e->request_id, body + 200, 400), 0);
		assert_int_equal(tfy__error_finish(e, (const char *[]){ key, NULL }), 0);
		assert_null(strstr(e->body, "sk-proj"));
		assert_null(strstr(e->request_id, "sk-proj"));
		assert_true(strlen(e->body) <= TFY_ERROR_BODY_MAX + strlen("[REDACTED]"));
		tfy_error_free(e);
	}
	/*
	 * Text that arrived already cut (by a server or a header bound) can hold
	 * only the key's beginning: at the end of a field cut here, it is masked.
	 */
	char text[5000];
	memset(text, 'x', sizeof(text));
	memcpy(text + 4090, key, 10);
	tfy_error *e = tfy__error_new(TFY_ERROR_SERVER, "x");
	assert_int_equal(tfy__error_put(&e->api_message, text, 4100), 0);
	assert_int_equal(tfy__error_finish(e, (const char *[]){ key, NULL }), 0);
	assert_null(strstr(e->api_message, "sk-pr"));
	assert_non_null(strstr(e->api_message, "[REDACTED]"));
	tfy_error_free(e);
}

/* Text from the server is valid UTF-8 without control characters by the time the caller sees it. */
static void test_fields_are_clean_utf8(void **state)
{
	(void)state;
	tfy_error *e = tfy__error_new(TFY_ERROR_SERVER, "x");
	const char latin1[] = "caf\xe9 \x1b]0;title\x07 ok\r\nnext\xc2\x9b";
	assert_int_equal(tfy__error_put(&e->request_id, latin1, sizeof(latin1) - 1), 0);
	assert_int_equal(tfy__error_put_body(e, "line1\nline2\x1b[2J", 15), 0);
	assert_int_equal(tfy__error_finish(e, NULL), 0);
	assert_string_equal(e->request_id, "caf\xef\xbf\xbd \xef\xbf\xbd]0;title\xef\xbf\xbd ok"
	                                   "\xef\xbf\xbd\xef\xbf\xbdnext\xef\xbf\xbd");
	assert_string_equal(e->body, "line1\nline2\xef\xbf\xbd[2J");
	tfy_error_free(e);

	/* A NUL byte does not cut the text short: it is shown as U+FFFD too. */
	e = tfy__error_new(TFY_ERROR_SERVER, "x");
	assert_int_equal(tfy__error_put_body(e, "before\0after", 12), 0);
	assert_int_equal(tfy__error_put(&e->request_id, "req\0id", 6), 0);
	assert_int_equal(tfy__error_finish(e, NULL), 0);
	assert_string_equal(e->body, "before\xef\xbf\xbd"
	                             "after");
	assert_string_equal(e->request_id, "req\xef\xbf\xbd"
	                                   "id");
	tfy_error_free(e);
}

/* The one UTF-8 decoder takes what RFC 3629 and jansson take, and nothing else. */
static void test_utf8_decoder(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len; /* 0: refused */
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 0x41 },
		{ "\x7f", 1, 0x7f },
		{ "\xc2\x80", 2, 0x80 },
		{ "\xdf\xbf", 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 0x800 },
		{ "\xed\x9f\xbf", 3, 0xd7ff },
		{ "\xee\x80\x80", 3, 0xe000 },
		{ "\xef\xbf\xbf", 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
		{ "\x80", 0, 0 },
		{ "\xbf", 0, 0 }, /* a continuation byte first */
		{ "\xc0\x80", 0, 0 },
		{ "\xc1\xbf", 0, 0 }, /* overlong pairs */
		{ "\xe0\x9f\xbf", 0, 0 },
		{ "\xf0\x8f\xbf\xbf", 0, 0 }, /* overlong */
		{ "\xed\xa0\x80", 0, 0 },
		{ "\xed\xbf\xbf", 0, 0 }, /* UTF-16 surrogates */
		{ "\xf4\x90\x80\x80", 0, 0 },
		{ "\xf5\x80\x80\x80", 0, 0 }, /* past U+10FFFF */
		{ "\xc3", 0, 0 },
		{ "\xe2\x82", 0, 0 }, /* cut short */
		{ "\xe2(\xa1", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0;
		size_t len = tfy__utf8_decode(cases[i].s, strlen(cases[i].s), &cp);
		if (len != cases[i].len || (len && cp != cases[i].cp))
			fail_msg("case %zu: length %zu, U+%04X", i, len, (unsigned)cp);
		assert_int_equal(tfy__utf8_ok(cases[i].s), cases[i].len != 0);
		char out[4];
		if (len)
			assert_memory_equal(out, cases[i].s, tfy__utf8_encode(cp, out));
	}
	assert_int_equal(tfy__utf8_chars("a\xc3\xa9\0\xf0\x9f\x98\x80", 8), 4);
	/* A cut never splits a character. */
	assert_int_equal(tfy__utf8_cut("ab\xc3\xa9", 4, 3), 2);
	assert_int_equal(tfy__utf8_cut("ab\xc3\xa9", 4, 4), 4);
}

static void keep_line(int32_t level, const char *line, void *userdata)
{
	(void)level;
	snprintf(userdata, 256, "%s", line);
}

/* A log line shows every byte of invalid UTF-8 as \xHH: overlong forms and surrogates too. */
static void test_log_escapes_invalid_utf8(void **state)
{
	(void)state;
	char line[256] = "";
	tfy__logger log;
	tfy__logger_init(&log, TFY_LOG_DEBUG, keep_line, line);
	/* é, a surrogate, an overlong '/', a code point past U+10FFFF, a C1 control. */
	tfy__log(&log, TFY_LOG_WARN, "%s",
	         "caf\xc3\xa9 \xed\xa0\x80 \xe0\x80\xaf \xf4\x90\x80\x80 \xc2\x9b.");
	assert_string_equal(line, "caf\xc3\xa9 \\xED\\xA0\\x80 \\xE0\\x80\\xAF \\xF4\\x90\\x80\\x80 "
	                          "\\xC2\\x9B.");
}

static void test_body_prefix_is_bounded(void **state)
{
	(void)state;
	char body[2000];
	/* 'é' is two bytes: a cut at an odd offset would split one. */
	body[0] = 'x';
	for (size_t i = 1; i + 1 < sizeof(body); i += 2) {
		body[i] = (char)0xc3;
		body[i + 1] = (char)0xa9;
	}
	body[sizeof(body) - 1] = 'x';
	tfy_error *e = tfy__error_new(TFY_ERROR_SERVER, "x");
	assert_int_equal(tfy__error_put_body(e, body, sizeof(body)), 0);
	assert_int_equal(tfy__error_finish(e, NULL), 0);
	size_t n = strlen(e->body);
	assert_true(n <= TFY_ERROR_BODY_MAX);
	assert_true(n >= TFY_ERROR_BODY_MAX - 3);
	assert_int_equal((unsigned char)e->body[n - 1], 0xa9);
	tfy_error_free(e);
}

/* Out of memory, an error is still there: the static one, which free ignores. */
static void test_out_of_memory_error_is_static(void **state)
{
	(void)state;
	tfy_error *e = NULL;
	tfy__alloc_fail_after(1, 100);
	tfy_code rc = tfy__error_set(&e, TFY_ERROR_INVALID_ARGUMENT, "limit %d", 5);
	tfy__alloc_fail_after(0, 0);
	assert_int_equal(rc, TFY_ERROR_OUT_OF_MEMORY);
	assert_non_null(e);
	assert_ptr_equal(e, tfy__error_out_of_memory());
	assert_int_equal(e->code, TFY_ERROR_OUT_OF_MEMORY);
	assert_string_equal(e->message, "out of memory");
	assert_int_equal(tfy__error_finish(e, (const char *[]){ "secret-key", NULL }), 0);
	tfy_error_free(e);
	tfy_error_free(e);
	assert_string_equal(tfy__error_out_of_memory()->message, "out of memory");
}

static void test_client_arguments(void **state)
{
	(void)state;
	tfy_client *c = (tfy_client *)1;
	tfy_error *err = NULL;
	unsetenv("TFY_BASE_URL");
	unsetenv("TFY_API_KEY");
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(c);
	assert_non_null(strstr(err->message, "TFY_BASE_URL"));
	tfy_error_free(err);

	setenv("TFY_BASE_URL", "https://acme.truefoundry.cloud/", 1);
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "TFY_API_KEY"));
	tfy_error_free(err);

	/* TFY_BASE_URL is the platform URL, as TrueFoundry's own tools read it. */
	setenv("TFY_API_KEY", "k", 1);
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_OK);
	assert_null(err);
	assert_string_equal(tfy_client_base_url(c), "https://acme.truefoundry.cloud/api/llm");
	tfy_client_free(c);
	setenv("TFY_BASE_URL", "https://acme.truefoundry.cloud/api/llm", 1);
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "TFY_BASE_URL"));
	assert_non_null(strstr(err->message, "OPENAI_BASE_URL"));
	tfy_error_free(err);
	unsetenv("TFY_BASE_URL");

	/* OPENAI_BASE_URL is the API base, with OPENAI_API_KEY and never TFY_API_KEY. */
	setenv("OPENAI_BASE_URL", "https://gateway.truefoundry.ai", 1);
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "OPENAI_API_KEY"));
	tfy_error_free(err);
	setenv("OPENAI_API_KEY", "sk-openai", 1);
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_OK);
	assert_string_equal(tfy_client_base_url(c), "https://gateway.truefoundry.ai");
	tfy_client_free(c);
	/* TFY_BASE_URL comes first; a bad one is named. */
	setenv("TFY_BASE_URL", "ftp://acme", 1);
	assert_int_equal(tfy_client_new(NULL, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "TFY_BASE_URL"));
	tfy_error_free(err);
	/* The base_url option takes TFY_API_KEY, never OPENAI_API_KEY. */
	unsetenv("TFY_API_KEY");
	tfy_client_options bo = TFY_CLIENT_OPTIONS_INIT;
	bo.base_url = "https://api.openai.com/v1";
	assert_int_equal(tfy_client_new(&bo, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "TFY_API_KEY"));
	tfy_error_free(err);
	unsetenv("OPENAI_BASE_URL");
	unsetenv("OPENAI_API_KEY");
	setenv("TFY_BASE_URL", "https://acme.truefoundry.cloud", 1);
	setenv("TFY_API_KEY", "k", 1);

	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = "ftp://x";
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	o.base_url = "http://127.0.0.1:1";
	o.api_key = "secret\nX-Evil: 1";
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(strstr(err->message, "secret"));
	tfy_error_free(err);
	o.api_key = "k";
	o.timeout_ms = -5;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	o.timeout_ms = INT64_MAX;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	tfy_error_free(err);
	o.timeout_ms = 0;
	o.reserved_ = 1;
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "reserved"));
	tfy_error_free(err);
	o.reserved_ = 0;
	o.base_url = "https://user:secret@host/v1";
	assert_int_equal(tfy_client_new(&o, &c, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(strstr(err->message, "secret"));
	assert_non_null(strstr(err->message, "base_url"));
	tfy_error_free(err);
	o.base_url = "http://127.0.0.1:1";
	o.version = 7;
	assert_int_equal(tfy_client_new(&o, &c, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_client_options_init(&o, TFY_CLIENT_OPTIONS_VERSION), TFY_OK);
	assert_null(o.base_url);
	assert_int_equal(tfy_client_options_init(&o, 0), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_client_new(NULL, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	tfy_client_free(NULL);
	unsetenv("TFY_BASE_URL");
	unsetenv("TFY_API_KEY");
}

static void test_version(void **state)
{
	(void)state;
	assert_string_equal(tfy_version(), TFY_VERSION_STRING);
	assert_int_equal(tfy_version_number(), TFY_VERSION_NUMBER);
}

/* TFY_DEPRECATED goes before a declaration (GCC and clang then warn at each use). */
TFY_DEPRECATED("use test_version_at_least") int tfy_test_deprecated_(void);

static void test_version_at_least(void **state)
{
	(void)state;
#if !TFY_VERSION_AT_LEAST(TFY_VERSION_MAJOR, TFY_VERSION_MINOR, TFY_VERSION_PATCH)
#error TFY_VERSION_AT_LEAST is false for the version of the headers
#endif
	assert_true(TFY_VERSION_AT_LEAST(TFY_VERSION_MAJOR, TFY_VERSION_MINOR, TFY_VERSION_PATCH));
	assert_true(TFY_VERSION_AT_LEAST(0, 99, 99));
	assert_true(TFY_VERSION_AT_LEAST(TFY_VERSION_MAJOR - 1, 0, 0));
	assert_false(TFY_VERSION_AT_LEAST(TFY_VERSION_MAJOR, TFY_VERSION_MINOR, TFY_VERSION_PATCH + 1));
	assert_false(TFY_VERSION_AT_LEAST(TFY_VERSION_MAJOR, TFY_VERSION_MINOR + 1, 0));
	assert_false(TFY_VERSION_AT_LEAST(TFY_VERSION_MAJOR + 1, 0, 0));
}

/* lib/headers.c: which headers are kept, their bounds, and how values are readied. */
static void test_kept_headers(void **state)
{
	(void)state;
	static const char *const extra[] = { "X-Custom" };
	const tfy__keep keep = { extra, 1 };
	assert_true(tfy__headers_wanted(NULL, "X-Request-Id", 12));
	assert_true(tfy__headers_wanted(NULL, "retry-after-ms", 14));
	assert_true(tfy__headers_wanted(NULL, "x-ratelimit-reset-tokens", 24));
	assert_true(tfy__headers_wanted(NULL, "X-TFY-anything", 14));
	assert_false(tfy__headers_wanted(NULL, "x-tfy-", 6)); /* a prefix alone names nothing */
	assert_false(tfy__headers_wanted(NULL, "x-request-idx", 13));
	assert_false(tfy__headers_wanted(NULL, "x-custom", 8));
	assert_true(tfy__headers_wanted(&keep, "x-custom", 8));
	/* The name is compared with its length: the rest of the line is not read. */
	assert_true(tfy__headers_wanted(NULL, "server-timing: x", 13));

	tfy__headers *h = NULL;
	assert_null(tfy__headers_get(h, "x"));
	assert_int_equal(tfy__headers_add(&h, "X-Tfy-A", 7, "one", 3), 0);
	assert_int_equal(tfy__headers_add(&h, "x-tfy-a", 7, "two", 3), 0); /* the last wins */
	assert_string_equal(tfy__headers_get(h, "X-TFY-A"), "two");
	assert_int_equal(tfy__headers_count(h), 1);
	char name[300];
	memset(name, 'n', sizeof(name));
	assert_int_equal(tfy__headers_add(&h, name, TFY__HEADER_NAME_MAX + 1, "v", 1), 0);
	assert_int_equal(tfy__headers_count(h), 1); /* too long a name: dropped */
	for (int i = 0; i < 70; i++) {
		char n[16];
		int len = snprintf(n, sizeof(n), "x-tfy-%d", i);
		assert_int_equal(tfy__headers_add(&h, n, (size_t)len, "v", 1), 0);
	}
	assert_int_equal(tfy__headers_count(h), TFY__HEADERS_MAX);
	assert_non_null(tfy__headers_get(h, "x-tfy-62"));
	assert_null(tfy__headers_get(h, "x-tfy-63"));
	/* A full set still takes a new value for a name it has. */
	assert_int_equal(tfy__headers_add(&h, "x-tfy-0", 7, "w", 1), 0);
	assert_string_equal(tfy__headers_get(h, "x-tfy-0"), "w");
	tfy__headers_free(h);

	/* The byte bound on names and values as received. */
	h = NULL;
	char *big = malloc(8192);
	assert_non_null(big);
	memset(big, 'b', 8192);
	int kept = 0;
	for (int i = 0; i < 10; i++) {
		char n[16];
		int len = snprintf(n, sizeof(n), "x-tfy-%d", i);
		assert_int_equal(tfy__headers_add(&h, n, (size_t)len, big, 8192), 0);
		kept += tfy__headers_get(h, n) != NULL;
	}
	assert_int_equal(kept, 7); /* 7 x (7 + 8192) bytes fit in 64 KiB, an eighth does not */
	free(big);
	tfy__headers_free(h);

	/* Readied as a request id: key masked, control characters cleaned; copies are equal. */
	h = NULL;
	const char v[] = "k=sk-SECRET-KEY-123\x1b[2J";
	assert_int_equal(tfy__headers_add(&h, "x-tfy-echo", 10, v, sizeof(v) - 1), 0);
	static const char *const secrets[] = { "proxy-pass", "sk-SECRET-KEY-123", NULL };
	assert_int_equal(tfy__headers_finish(h, secrets), 0);
	assert_string_equal(tfy__headers_get(h, "x-tfy-echo"), "k=[REDACTED]\xEF\xBF\xBD[2J");
	tfy__headers *copy = NULL;
	assert_int_equal(tfy__headers_dup(h, &copy), 0);
	assert_string_equal(tfy__headers_get(copy, "X-TFY-ECHO"), "k=[REDACTED]\xEF\xBF\xBD[2J");
	tfy__headers_free(copy);
	tfy__headers_free(h);
	assert_int_equal(tfy__headers_dup(NULL, &copy), 0);
	assert_null(copy);
	assert_int_equal(tfy__headers_finish(NULL, secrets), 0);

	/* An error owns its copy; the static out-of-memory error has none. */
	tfy_error *e = tfy__error_new(TFY_ERROR_SERVER, "server error");
	assert_non_null(e);
	h = NULL;
	assert_int_equal(tfy__headers_add(&h, "Retry-After", 11, "3", 1), 0);
	assert_int_equal(tfy__error_put_headers(e, h), 0);
	tfy__headers_free(h);
	assert_string_equal(tfy_error_header(e, "retry-after"), "3");
	assert_null(tfy_error_header(e, NULL));
	tfy_error_free(e);
	assert_null(tfy_error_header(tfy__error_out_of_memory(), "retry-after"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_every_code),
		cmocka_unit_test(test_codes_are_stable),
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_redaction_before_cut),
		cmocka_unit_test(test_fields_are_clean_utf8),
		cmocka_unit_test(test_utf8_decoder),
		cmocka_unit_test(test_log_escapes_invalid_utf8),
		cmocka_unit_test(test_out_of_memory_error_is_static),
		cmocka_unit_test(test_body_prefix_is_bounded),
		cmocka_unit_test(test_client_arguments),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_version_at_least),
		cmocka_unit_test(test_kept_headers),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
