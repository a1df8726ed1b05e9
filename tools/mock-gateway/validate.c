/* The input check is libtfy's own (tfy_input_check_path), so the mock and
 * the library judge a file alike; here its problems become OpenAI's
 * errors.data entries. */
#include "validate.h"

#include <tfy/tfy.h>

/* OpenAI's param and (when it has a fixed one) message of a kind of problem. */
struct openai_error {
	const char *param;
	const char *message; /* NULL: the checker's sentence */
};

static struct openai_error openai_error(int32_t kind)
{
	static const char custom_id_text[] = "Each request needs a non-empty string custom_id.";
	switch (kind) {
	case TFY_INPUT_PROBLEM_INVALID_JSON:
	case TFY_INPUT_PROBLEM_NOT_AN_OBJECT:
		return (struct openai_error){ NULL, "This line is not parseable as valid JSON." };
	case TFY_INPUT_PROBLEM_CUSTOM_ID_MISSING:
	case TFY_INPUT_PROBLEM_CUSTOM_ID_NOT_STRING:
	case TFY_INPUT_PROBLEM_CUSTOM_ID_EMPTY:
		return (struct openai_error){ "custom_id", custom_id_text };
	case TFY_INPUT_PROBLEM_CUSTOM_ID_DUPLICATE:
		return (struct openai_error){ "custom_id",
			                      "The custom_id for this request is a duplicate of another "
			                      "request. The custom_id parameter must be unique for each "
			                      "request in a batch." };
	case TFY_INPUT_PROBLEM_METHOD:
		return (struct openai_error){ "method", "The method of each request must be 'POST'." };
	case TFY_INPUT_PROBLEM_URL_MISSING:
	case TFY_INPUT_PROBLEM_URL_MISMATCH:
		return (struct openai_error){ "url", "The URL provided for this request does not match "
			                             "the batch endpoint." };
	case TFY_INPUT_PROBLEM_BODY_MISSING:
	case TFY_INPUT_PROBLEM_BODY_NOT_OBJECT:
		return (struct openai_error){ "body",
			                      "The body of each request must be a JSON object." };
	case TFY_INPUT_PROBLEM_MODEL_MISSING:
		return (struct openai_error){ "body.model", "Missing required parameter: 'model'." };
	case TFY_INPUT_PROBLEM_MODEL_MISMATCH: return (struct openai_error){ "body.model", NULL };
	case TFY_INPUT_PROBLEM_MESSAGES_NOT_ARRAY:
		return (struct openai_error){ "body.messages", NULL };
	case TFY_INPUT_PROBLEM_TOO_MANY_INPUTS: return (struct openai_error){ "body.input", NULL };
	case TFY_INPUT_PROBLEM_EMPTY_FILE:
		return (struct openai_error){ NULL, "The batch input file is empty. Please ensure that "
			                            "the batch contains at least one request." };
	default: /* too many requests, too large, a line too long: the checker's words */
		return (struct openai_error){ NULL, NULL };
	}
}

/*
 * {"code","message","param","line"}: line null for the whole file.  The
 * code is the checker's name of the kind, which is OpenAI's code where
 * OpenAI has one: the library, the CLI and the mock say the same.
 */
static json_t *entry(const tfy_input_problem *p)
{
	struct openai_error oe = openai_error(p->kind);
	json_t *line = p->line > 0 ? json_integer((json_int_t)p->line) : json_null();
	return json_pack("{s:s, s:s, s:s?, s:o}", "code", tfy_input_problem_name(p->kind), "message",
	                 oe.message ? oe.message : p->message, "param", oe.param, "line", line);
}

static json_t *errors_of(const tfy_input_report *r)
{
	json_t *errors = json_array();
	for (size_t i = 0; errors && i < r->problems_count; i++) {
		if (json_array_append_new(errors, entry(r->problems[i])) != 0) {
			json_decref(errors);
			return NULL;
		}
	}
	return errors;
}

int mock_validate_input(const char *path, const char *endpoint, json_t **errors_data, int64_t *requests)
{
	tfy_input_check_options o = TFY_INPUT_CHECK_OPTIONS_INIT;
	tfy_input_report *r = NULL;
	o.endpoint = endpoint;
	if (tfy_input_check_path(path, &o, &r, NULL) != TFY_OK)
		return -1;
	int rc = 0;
	if (r->problems_total > 0)
		rc = (*errors_data = errors_of(r)) != NULL ? 1 : -1;
	else
		*requests = r->requests;
	tfy_input_report_free(r);
	return rc;
}
