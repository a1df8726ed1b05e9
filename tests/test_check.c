/* Unit tests of the input checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "tfy/tfy.h"

/* A chat completion's body that passes every rule. */
#define BODY "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
#define REQ(id) \
	"{\"custom_id\":\"" id "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"," \
	"\"body\":" BODY "}"
/* A line of custom_id id with the members `rest` (after the custom_id). */
#define LINE(id, rest) "{\"custom_id\":\"" id "\"," rest "}\n"

static tfy_input_report *check_text(const char *text, const tfy_input_check_options *opts)
{
	tu_mem_stream m = { text, strlen(text), 0, 7, -1 };
	tfy_input_report *report = NULL;
	tfy_error *err = NULL;
	tfy_code rc = tfy_input_check_read(tu_mem_read, &m, opts, &report, &err);
	if (rc != TFY_OK)
		print_error("check: %s\n", err->message);
	assert_int_equal(rc, TFY_OK);
	assert_null(err);
	assert_non_null(report);
	return report;
}

/* Problem i is on `line`, of `kind`, and its message holds `part`. */
static void has_problem(const tfy_input_report *r, size_t i, int64_t line, int32_t kind,
                        const char *part)
{
	assert_true(i < r->problems_count);
	const tfy_input_problem *p = r->problems[i];
	if (p->line != line || p->kind != kind || !strstr(p->message, part))
		print_error("problem %zu: line %lld, %s: %s\n", i, (long long)p->line,
		            tfy_input_problem_name(p->kind), p->message);
	assert_int_equal(p->line, line);
	assert_int_equal(p->kind, kind);
	assert_non_null(strstr(p->message, part));
	assert_int_equal(p->reserved_, 0);
}

static void test_clean_file(void **state)
{
	(void)state;
	const char *text = REQ("r1") "\n\n" REQ("r2") "\r\n" REQ("r3");
	char *path = tu_write_temp(text, strlen(text));
	tfy_input_report *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_input_check_path(path, NULL, &r, &err), TFY_OK);
	assert_null(err);
	assert_int_equal(r->problems_total, 0);
	assert_int_equal(r->problems_count, 0);
	assert_null(r->problems);
	assert_int_equal(r->lines, 4);
	assert_int_equal(r->requests, 3);
	assert_int_equal(r->bytes, (int64_t)strlen(text));
	assert_string_equal(r->endpoint, "/v1/chat/completions");
	tfy_input_report_free(r);
	unlink(path);
	free(path);
}

static void test_each_problem(void **state)
{
	(void)state;
	/* clang-format off */
	const char *text =
		REQ("a") "\n"                                                          /* 1 */
		"{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"\n" /* 2 */
		"[1,2]\n"                                                              /* 3 */
		"{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" BODY "}\n"   /* 4 */
		"{\"custom_id\":7,\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" BODY "}\n" /* 5 */
		"{\"custom_id\":\"\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" BODY "}\n" /* 6 */
		REQ("a") "\n"                                                          /* 7 */
		"{\"custom_id\":\"c\",\"method\":\"GET\",\"url\":\"/v1/chat/completions\",\"body\":" BODY "}\n" /* 8 */
		"{\"custom_id\":\"d\",\"url\":\"/v1/chat/completions\",\"body\":" BODY "}\n"   /* 9 */
		"{\"custom_id\":\"e\",\"method\":\"POST\",\"body\":" BODY "}\n"                /* 10 */
		"{\"custom_id\":\"f\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":" BODY "}\n" /* 11 */
		"{\"custom_id\":\"g\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"}\n" /* 12 */
		"{\"custom_id\":\"h\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":\"x\"}\n" /* 13 */
		"{\"custom_id\":null,\"method\":1,\"url\":null,\"body\":null}\n"        /* 14 */
		"\n";                                                                  /* 15 */
	/* clang-format on */
	tfy_input_report *r = check_text(text, NULL);
	assert_int_equal(r->lines, 15); /* line 15 is blank */
	assert_int_equal(r->requests, 14);
	size_t i = 0;
	has_problem(r, i++, 2, TFY_INPUT_PROBLEM_INVALID_JSON,
	            "invalid JSON at column 62: '}' or ',' expected");
	has_problem(r, i++, 3, TFY_INPUT_PROBLEM_NOT_AN_OBJECT,
	            "the line is an array, not a JSON object");
	has_problem(r, i++, 4, TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING, "custom_id is missing");
	has_problem(r, i++, 5, TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING, "custom_id is a number");
	has_problem(r, i++, 6, TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY, "custom_id is empty");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE,
	            "custom_id \"a\" was already used on line 1");
	has_problem(r, i++, 8, TFY_INPUT_PROBLEM_METHOD, "method is \"GET\"");
	has_problem(r, i++, 9, TFY_INPUT_PROBLEM_METHOD, "method is missing");
	has_problem(r, i++, 10, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
	has_problem(r, i++, 11, TFY_INPUT_PROBLEM_URL_MISMATCH,
	            "url \"/v1/embeddings\" differs from the endpoint \"/v1/chat/completions\" (the first line's)");
	has_problem(r, i++, 12, TFY_INPUT_PROBLEM_BODY_MISSING, "body is missing");
	has_problem(r, i++, 13, TFY_INPUT_PROBLEM_BODY_NOT_OBJECT, "body is a string, not an object");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING, "custom_id is missing");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_METHOD, "method is a number");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
	has_problem(r, i++, 14, TFY_INPUT_PROBLEM_BODY_MISSING, "body is missing");
	assert_int_equal(r->problems_count, i);
	assert_int_equal(r->problems_total, (int64_t)i);
	tfy_input_report_free(r);
}

static void test_endpoint_option(void **state)
{
	(void)state;
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.endpoint = "/v1/embeddings";
	tfy_input_report *r = check_text(REQ("a") "\n" REQ("b") "\n", &opts);
	assert_string_equal(r->endpoint, "/v1/embeddings");
	assert_int_equal(r->problems_total, 2);
	has_problem(r, 0, 1, TFY_INPUT_PROBLEM_URL_MISMATCH,
	            "url \"/v1/chat/completions\" differs from the endpoint \"/v1/embeddings\"");
	assert_null(strstr(r->problems[0]->message, "first line"));
	has_problem(r, 1, 2, TFY_INPUT_PROBLEM_URL_MISMATCH, "differs");
	tfy_input_report_free(r);
}

static void test_duplicates_escaped_and_many(void **state)
{
	(void)state;
	/* "\u0061" is "a": the same custom_id once decoded.  Long ids are quoted cut short. */
	char id[200];
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	char text[2048];
	/* clang-format off */
	snprintf(text, sizeof(text), REQ("a") "\n" REQ("\\u0061") "\n" REQ("%s") "\n" REQ("%s") "\n"
	         REQ("a\\nb") "\n" REQ("a\\nb") "\n", id, id);
	/* clang-format on */
	tfy_input_report *r = check_text(text, NULL);
	assert_int_equal(r->problems_total, 3);
	has_problem(r, 0, 2, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "\"a\" was already used on line 1");
	has_problem(r, 1, 4, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE,
	            "x\"... was already used on line 3");
	assert_true(strlen(r->problems[1]->message) < 120);
	has_problem(r, 2, 6, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE,
	            "\"a?b\" was already used on line 5");
	tfy_input_report_free(r);

	/* Thousands of ids: the set grows; every one is found again. */
	size_t n = 5000, cap = n * 2 * 160;
	char *big = malloc(cap);
	assert_non_null(big);
	size_t len = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < n; k++)
			len += (size_t)snprintf(big + len, cap - len, REQ("req-%zu") "\n", k);
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_problems = 3;
	r = check_text(big, &opts);
	assert_int_equal(r->requests, 2 * n);
	assert_int_equal(r->problems_total, n);
	assert_int_equal(r->problems_count, 3);
	has_problem(r, 0, (int64_t)n + 1, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE,
	            "\"req-0\" was already used on line 1");
	has_problem(r, 2, (int64_t)n + 3, TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE, "on line 3");
	tfy_input_report_free(r);
	free(big);
}

static void test_limits(void **state)
{
	(void)state;
	const char *text = REQ("a") "\n" REQ("b") "\n" REQ("c") "\n" REQ("d") "\n";
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_requests = 2;
	opts.max_bytes = 100;
	tfy_input_report *r = check_text(text, &opts);
	assert_int_equal(r->problems_total, 2);
	has_problem(r, 0, 3, TFY_INPUT_PROBLEM_TOO_MANY_REQUESTS,
	            "request 3 is past the limit of 2 requests in a batch");
	has_problem(r, 1, 0, TFY_INPUT_PROBLEM_FILE_TOO_LARGE, "past the limit of 100");
	tfy_input_report_free(r);

	opts.max_requests = TFY_NONE;
	opts.max_bytes = TFY_NONE;
	opts.max_line_bytes = 70;
	/* clang-format off */
	r = check_text("{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/x\",\"body\":{\"model\":\"m\"}}\n" REQ("b") "\n", &opts);
	/* clang-format on */
	assert_int_equal(r->problems_total, 1);
	has_problem(r, 0, 2, TFY_INPUT_PROBLEM_LINE_TOO_LONG, "longer than 70 bytes");
	assert_int_equal(r->requests, 2);
	tfy_input_report_free(r);

	/* The defaults: 50,000 requests, 200 MiB. */
	tfy_input_check_options d;
	assert_int_equal(tfy_input_check_options_init(&d, TFY_INPUT_CHECK_OPTIONS_VERSION), TFY_OK);
	assert_int_equal(d.max_requests, 0);
	assert_int_equal(TFY_INPUT_MAX_REQUESTS_DEFAULT, 50000);
	assert_int_equal(TFY_INPUT_MAX_BYTES_DEFAULT, 200 * 1024 * 1024);
	assert_int_equal(TFY_INPUT_MAX_PROBLEMS_DEFAULT, 100);
}

static void test_empty(void **state)
{
	(void)state;
	tfy_input_report *r = check_text("", NULL);
	assert_int_equal(r->problems_total, 1);
	has_problem(r, 0, 0, TFY_INPUT_PROBLEM_EMPTY_FILE, "the file is empty");
	assert_null(r->endpoint);
	tfy_input_report_free(r);
	r = check_text("\n \r\n\t\n", NULL);
	has_problem(r, 0, 0, TFY_INPUT_PROBLEM_EMPTY_FILE, "only blank lines");
	assert_int_equal(r->lines, 3);
	tfy_input_report_free(r);
}

static void test_failures_and_arguments(void **state)
{
	(void)state;
	tfy_input_report *r = (tfy_input_report *)&r;
	tfy_error *err = NULL;
	const char *text = REQ("a") "\n" REQ("b") "\n";
	tu_mem_stream m = { text, strlen(text), 0, 0, 50 };
	assert_int_equal(tfy_input_check_read(tu_mem_read, &m, NULL, &r, &err), TFY_ERROR_IO);
	assert_null(r);
	assert_int_equal(err->code, TFY_ERROR_IO);
	assert_non_null(strstr(err->message, "the read callback failed"));
	tfy_error_free(err);

	assert_int_equal(tfy_input_check_path("/nonexistent/in.jsonl", NULL, &r, &err), TFY_ERROR_IO);
	assert_string_equal(err->detail, "No such file or directory");
	tfy_error_free(err);

	assert_int_equal(tfy_input_check_path(NULL, NULL, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_input_check_read(NULL, NULL, NULL, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_input_check_path("/", NULL, NULL, NULL), TFY_ERROR_INVALID_ARGUMENT);
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.max_requests = -5;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "max_requests"));
	tfy_error_free(err);
	opts.max_requests = 0;
	opts.version = 0;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	assert_null(r);
	assert_int_equal(tfy_input_check_options_init(&opts, 3), TFY_ERROR_INVALID_ARGUMENT);
	assert_int_equal(tfy_input_check_options_init(&opts, 1), TFY_OK);
	assert_int_equal(tfy_input_check_options_init(&opts, 2), TFY_OK);
	tfy_input_report_free(NULL);

	/* provider_kind is one of the kinds; reserved2_ stays 0. */
	opts = (tfy_input_check_options)TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.provider_kind = TFY_PROVIDER_KIND_VERTEX + 1;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, &err), TFY_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(err->message, "provider_kind"));
	tfy_error_free(err);
	opts.provider_kind = -1;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
	opts.provider_kind = TFY_PROVIDER_KIND_OPENAI;
	opts.reserved2_ = 1;
	assert_int_equal(tfy_input_check_path("/", &opts, &r, NULL), TFY_ERROR_INVALID_ARGUMENT);
}

/*
 * The names are OpenAI's errors.data codes where OpenAI has one (the mock
 * gateway sends the same), else the checker's own; every kind has one.
 */
static void test_problem_names(void **state)
{
	(void)state;
	static const char *const names[] = {
		[TFY_INPUT_PROBLEM_INVALID_JSON] = "invalid_json_line",
		[TFY_INPUT_PROBLEM_NOT_AN_OBJECT] = "invalid_json_line",
		[TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING] = "invalid_request",
		[TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING] = "invalid_request",
		[TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY] = "invalid_request",
		[TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE] = "duplicate_custom_id",
		[TFY_INPUT_PROBLEM_METHOD] = "invalid_request",
		[TFY_INPUT_PROBLEM_URL_MISSING] = "mismatched_url",
		[TFY_INPUT_PROBLEM_URL_MISMATCH] = "mismatched_url",
		[TFY_INPUT_PROBLEM_BODY_MISSING] = "invalid_request",
		[TFY_INPUT_PROBLEM_BODY_NOT_OBJECT] = "invalid_request",
		[TFY_INPUT_PROBLEM_TOO_MANY_REQUESTS] = "too_many_requests",
		[TFY_INPUT_PROBLEM_FILE_TOO_LARGE] = "file_too_large",
		[TFY_INPUT_PROBLEM_EMPTY_FILE] = "empty_file",
		[TFY_INPUT_PROBLEM_LINE_TOO_LONG] = "line_too_long",
		[TFY_INPUT_PROBLEM_MODEL_MISSING] = "missing_required_parameter",
		[TFY_INPUT_PROBLEM_MODEL_MISMATCH] = "mismatched_model",
		[TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY] = "messages_not_an_array",
		[TFY_INPUT_PROBLEM_TOO_MANY_INPUTS] = "too_many_inputs",
		[TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS] = "too_few_requests",
	};
	for (int32_t k = TFY_INPUT_PROBLEM_INVALID_JSON; k <= TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS; k++)
		assert_string_equal(tfy_input_problem_name(k), names[k]);
	assert_string_equal(tfy_input_problem_name(0), "unknown");
	assert_string_equal(tfy_input_problem_name(TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS + 1), "unknown");
	assert_string_equal(tfy_input_problem_name(-1), "unknown");
	assert_string_equal(tfy_input_problem_name(INT32_MIN), "unknown");
}

/* body.model: present, a non-empty string, the first line's on every line. */
static void test_model(void **state)
{
	(void)state;
	/* clang-format off */
#define CHAT "\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
#define MSGS "\"messages\":[]"
	const char *text =
		LINE("a", CHAT "\"body\":{" MSGS "}")                                  /* 1 */
		LINE("b", CHAT "\"body\":{\"model\":null," MSGS "}")                  /* 2 */
		LINE("c", CHAT "\"body\":{\"model\":4," MSGS "}")                     /* 3 */
		LINE("d", CHAT "\"body\":{\"model\":\"\"," MSGS "}")                  /* 4 */
		LINE("e", CHAT "\"body\":{\"model\":\"gpt-4o\"," MSGS "}")            /* 5: the first */
		LINE("f", CHAT "\"body\":{\"model\":\"\\u0067pt-4o\"," MSGS "}")      /* 6: the same, escaped */
		LINE("g", CHAT "\"body\":{\"model\":\"gpt-4o-mini\"," MSGS "}")       /* 7 */
		LINE("h", CHAT "\"body\":{\"model\":\"x\"," MSGS ",\"model\":\"gpt-4o\"}") /* 8: the last wins */
		LINE("i", CHAT "\"body\":{\"model\":\"gpt-4o\"," MSGS "},\"body\":{" MSGS "}") /* 9: so does the last body */
		LINE("j", CHAT "\"body\":{\"model\":\"gpt-4o\\u0000x\"," MSGS "}");  /* 10 */
	/* clang-format on */
	tfy_input_report *r = check_text(text, NULL);
	size_t i = 0;
	has_problem(r, i++, 1, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is missing");
	has_problem(r, i++, 2, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is missing");
	has_problem(r, i++, 3, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is a number, not a string");
	has_problem(r, i++, 4, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is empty");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_MODEL_MISMATCH,
	            "body.model \"gpt-4o-mini\" differs from \"gpt-4o\" on line 5; a batch has one model");
	has_problem(r, i++, 9, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is missing");
	has_problem(r, i++, 10, TFY_INPUT_PROBLEM_MODEL_MISMATCH, "\"gpt-4o?x\" differs");
	assert_int_equal(r->problems_total, (int64_t)i);
	tfy_input_report_free(r);
}

/* A chat completion's messages is an array; other endpoints have none to check. */
static void test_messages(void **state)
{
	(void)state;
	/* clang-format off */
	const char *text =
		LINE("a", CHAT "\"body\":{\"model\":\"m\"}")                        /* 1 */
		LINE("b", CHAT "\"body\":{\"model\":\"m\",\"messages\":\"hi\"}")      /* 2 */
		LINE("c", CHAT "\"body\":{\"model\":\"m\",\"messages\":{}}")          /* 3 */
		LINE("d", CHAT "\"body\":{\"model\":\"m\",\"messages\":null}")        /* 4 */
		LINE("e", CHAT "\"body\":{\"model\":\"m\",\"messages\":[]}");         /* 5 */
	/* clang-format on */
	tfy_input_report *r = check_text(text, NULL);
	size_t i = 0;
	has_problem(r, i++, 1, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY, "body.messages is missing");
	has_problem(r, i++, 2, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY,
	            "body.messages is a string, not an array of messages");
	has_problem(r, i++, 3, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY, "is an object, not an array");
	has_problem(r, i++, 4, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY, "is null, not an array");
	assert_int_equal(r->problems_total, (int64_t)i);
	tfy_input_report_free(r);

	/* /v1/embeddings and /v1/completions bodies carry no messages. */
	r = check_text(LINE("a", "\"method\":\"POST\",\"url\":\"/v1/embeddings\","
	                         "\"body\":{\"model\":\"e\",\"input\":\"x\"}"),
	               NULL);
	assert_int_equal(r->problems_total, 0);
	tfy_input_report_free(r);
}

/* One line of an embeddings batch whose body.input is `input`. */
static void emb_line(FILE *f, size_t n, const char *input)
{
	fprintf(f,
	        "{\"custom_id\":\"r%zu\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
	        "\"body\":{\"model\":\"e\",\"input\":%s}}\n",
	        n, input);
}

/* An array of n strings, as JSON text. */
static char *strings_array(size_t n)
{
	char *s = malloc(n * 4 + 3);
	assert_non_null(s);
	size_t o = 0;
	s[o++] = '[';
	for (size_t k = 0; k < n; k++) {
		memcpy(s + o, k ? ",\"x\"" : "\"x\"", k ? 4 : 3);
		o += k ? 4 : 3;
	}
	s[o++] = ']';
	s[o] = '\0';
	return s;
}

/*
 * An embeddings batch takes 50,000 inputs in all: a string or an array of
 * tokens is one, an array of strings or of token arrays one each.  The
 * request that passes the limit is the problem, once.
 */
static void test_embedding_inputs(void **state)
{
	(void)state;
	assert_int_equal(TFY_INPUT_MAX_EMBEDDING_INPUTS, 50000);
	char *quarter = strings_array(12500), *most = strings_array(49999);
	struct {
		const char *last; /* the input of the line after 49,999 or 50,000 */
		size_t before;    /* 49999 or 50000 */
		int64_t total;    /* where the count comes to, 0: within the limit */
	} cases[] = {
		{ "\"x\"", 49999, 0 },           /* exactly 50,000 */
		{ "[]", 50000, 0 },              /* no input adds nothing */
		{ "[1,2,3]", 50000, 50001 },     /* one array of tokens: one input */
		{ "[[1],[2,3]]", 50000, 50002 }, /* two token arrays */
		{ "[\"a\",\"b\"]", 50000, 50002 },
		{ "\"x\"", 50000, 50001 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *text = NULL;
		size_t len = 0, n = 0;
		FILE *f = open_memstream(&text, &len);
		assert_non_null(f);
		if (cases[c].before == 49999)
			emb_line(f, n++, most);
		else
			for (int q = 0; q < 4; q++)
				emb_line(f, n++, quarter);
		emb_line(f, n++, cases[c].last);
		/* Within the limit, this line passes it; past it already, it is not said again. */
		emb_line(f, n++, "\"y\"");
		assert_int_equal(fclose(f), 0);
		tfy_input_report *r = check_text(text, NULL);
		if (!cases[c].total) {
			assert_int_equal(r->problems_total, 1);
			has_problem(r, 0, (int64_t)n, TFY_INPUT_PROBLEM_TOO_MANY_INPUTS,
			            "come to 50001 here");
		} else {
			char want[80];
			snprintf(want, sizeof(want),
			         "come to %lld here, past the limit of 50000 inputs",
			         (long long)cases[c].total);
			assert_int_equal(r->problems_total, 1);
			has_problem(r, 0, (int64_t)n - 1, TFY_INPUT_PROBLEM_TOO_MANY_INPUTS, want);
		}
		tfy_input_report_free(r);
		free(text);
	}
	free(quarter);
	free(most);
}

/* A file of n requests, from REQ. */
static char *requests(size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	for (size_t k = 0; k < n; k++)
		fprintf(f, REQ("r%zu") "\n", k);
	assert_int_equal(fclose(f), 0);
	return text;
}

static tfy_input_report *check_as(const char *text, int32_t provider_kind)
{
	tfy_input_check_options opts = TFY_INPUT_CHECK_OPTIONS_INIT;
	opts.provider_kind = provider_kind;
	return check_text(text, &opts);
}

/* Bedrock takes 100 requests at least: fewer is a problem of the whole file. */
static void test_bedrock_minimum(void **state)
{
	(void)state;
	assert_int_equal(TFY_INPUT_BEDROCK_MIN_REQUESTS, 100);
	char *few = requests(99), *enough = requests(100);
	tfy_input_report *r = check_as(few, TFY_PROVIDER_KIND_BEDROCK);
	assert_int_equal(r->problems_total, 1);
	has_problem(r, 0, 0, TFY_INPUT_PROBLEM_TOO_FEW_REQUESTS,
	            "the file holds 99 requests; a Bedrock batch takes 100 at least");
	tfy_input_report_free(r);
	r = check_as(enough, TFY_PROVIDER_KIND_BEDROCK);
	assert_int_equal(r->problems_total, 0);
	tfy_input_report_free(r);
	/* Only Bedrock has the minimum; an empty file is said as empty only. */
	const int32_t others[] = { TFY_PROVIDER_KIND_OPENAI, TFY_PROVIDER_KIND_AZURE,
		                   TFY_PROVIDER_KIND_VERTEX };
	for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
		r = check_as(few, others[k]);
		assert_int_equal(r->problems_total, 0);
		tfy_input_report_free(r);
	}
	r = check_as("", TFY_PROVIDER_KIND_BEDROCK);
	assert_int_equal(r->problems_total, 1);
	has_problem(r, 0, 0, TFY_INPUT_PROBLEM_EMPTY_FILE, "empty");
	tfy_input_report_free(r);
	free(few);
	free(enough);
}

/*
 * Vertex routes by x-tfy-provider-model: a line may leave out method, url
 * and body.model.  What a line does give is still checked.
 */
static void test_vertex_omissions(void **state)
{
	(void)state;
	/* clang-format off */
	const char *text =
		LINE("a", "\"body\":{\"messages\":[]}")                                      /* 1 */
		LINE("b", "\"url\":\"/v1/chat/completions\",\"body\":{\"messages\":[]}")      /* 2 */
		LINE("c", "\"method\":\"POST\",\"body\":{\"model\":\"gemini\",\"messages\":[]}") /* 3 */
		LINE("d", "\"method\":\"GET\",\"body\":{\"messages\":[]}")                   /* 4 */
		LINE("e", "\"url\":\"/v1/embeddings\",\"body\":{\"messages\":[]}")           /* 5 */
		LINE("f", "\"body\":{\"model\":\"gemini-2\",\"messages\":[]}")               /* 6 */
		LINE("g", "\"url\":null,\"method\":null,\"body\":{\"model\":null,\"messages\":\"x\"}") /* 7 */
		LINE("h", "\"method\":\"POST\"");                                           /* 8 */
	/* clang-format on */
	tfy_input_report *r = check_as(text, TFY_PROVIDER_KIND_VERTEX);
	size_t i = 0;
	has_problem(r, i++, 4, TFY_INPUT_PROBLEM_METHOD, "\"GET\"");
	has_problem(r, i++, 5, TFY_INPUT_PROBLEM_URL_MISMATCH, "differs from the endpoint");
	has_problem(r, i++, 6, TFY_INPUT_PROBLEM_MODEL_MISMATCH,
	            "\"gemini-2\" differs from \"gemini\" on line 3");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_METHOD, "method is null");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is missing");
	has_problem(r, i++, 7, TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY, "a string");
	has_problem(r, i++, 8, TFY_INPUT_PROBLEM_BODY_MISSING, "body is missing");
	assert_int_equal(r->problems_total, (int64_t)i);
	assert_string_equal(r->endpoint, "/v1/chat/completions");
	tfy_input_report_free(r);

	/* OpenAI's rules (the default, and Azure's) refuse the omissions. */
	r = check_as(LINE("a", "\"body\":{\"messages\":[]}"), TFY_PROVIDER_KIND_OPENAI);
	i = 0;
	has_problem(r, i++, 1, TFY_INPUT_PROBLEM_METHOD, "method is missing");
	has_problem(r, i++, 1, TFY_INPUT_PROBLEM_URL_MISSING, "url is missing");
	has_problem(r, i++, 1, TFY_INPUT_PROBLEM_MODEL_MISSING, "body.model is missing");
	assert_int_equal(r->problems_total, (int64_t)i);
	tfy_input_report_free(r);
	r = check_as(LINE("a", "\"body\":{\"messages\":[]}"), TFY_PROVIDER_KIND_AZURE);
	assert_int_equal(r->problems_total, 3);
	tfy_input_report_free(r);
}

/*
 * The 1.2 layout of the options, frozen: a program compiled against 1.2
 * passes exactly these bytes.  At the very end of an allocation, a read past
 * them is caught by ASan and valgrind; provider_kind is then OpenAI's.
 */
typedef struct check_options_v1 {
	uint32_t version;
	int32_t reserved_;
	const char *endpoint;
	int64_t max_requests, max_bytes, max_problems, max_line_bytes;
} check_options_v1;

static void test_frozen_v1_layout_read_exactly(void **state)
{
	(void)state;
	check_options_v1 *o = calloc(1, sizeof(*o));
	assert_non_null(o);
	o->version = 1;
	o->endpoint = "/v1/embeddings";
	tfy_input_report *r = check_text(LINE("a", "\"body\":{\"messages\":[]}"),
	                                 (const tfy_input_check_options *)(const void *)o);
	assert_string_equal(r->endpoint, "/v1/embeddings");
	assert_int_equal(r->problems_total, 3); /* method, url, model: OpenAI's rules */
	tfy_input_report_free(r);
	assert_int_equal(tfy_input_check_options_init((tfy_input_check_options *)(void *)o, 1), TFY_OK);
	assert_int_equal(o->version, 1);
	free(o);
	assert_int_equal(sizeof(check_options_v1), 48);
	assert_int_equal(sizeof(tfy_input_check_options), 56);
}

static void expect_io(const char *path, const char *text)
{
	tfy_input_report *r = NULL;
	tfy_error *err = NULL;
	assert_int_equal(tfy_input_check_path(path, NULL, &r, &err), TFY_ERROR_IO);
	assert_null(r);
	if (!strstr(err->message, text))
		fail_msg("message \"%s\" lacks \"%s\"", err->message, text);
	tfy_error_free(err);
}

/*
 * Only a regular file is checked from a path: a FIFO without a writer used
 * to block the call in open() for ever, and a device has no end.  Both are
 * refused at once (a stream is checked through tfy_input_check_read).
 */
static void test_not_a_regular_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/tfy-check-XXXXXX", fifo[64];
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/in.jsonl", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm((unsigned)(60 * tu_slowdown())); /* a blocked call fails the test rather than hang it */
	expect_io(fifo, "cannot open");
	expect_io(fifo, "a FIFO, not a regular file");
	expect_io("/dev/null", "a device, not a regular file");
	expect_io(dir, "Is a directory");
	alarm(0);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_file),
		cmocka_unit_test(test_each_problem),
		cmocka_unit_test(test_endpoint_option),
		cmocka_unit_test(test_duplicates_escaped_and_many),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_failures_and_arguments),
		cmocka_unit_test(test_problem_names),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_embedding_inputs),
		cmocka_unit_test(test_bedrock_minimum),
		cmocka_unit_test(test_vertex_omissions),
		cmocka_unit_test(test_frozen_v1_layout_read_exactly),
		cmocka_unit_test(test_not_a_regular_file),
	};
	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
