/* CreateBatchRequest: input_file_id, endpoint, completion_window required;
 * metadata (16 pairs, keys 64 and values 512 characters) and
 * output_expires_after {anchor "created_at", seconds 3600..2592000}. */
#include "batch_params.h"

#include <stdio.h>
#include <string.h>

#include "respond.h"

#define METADATA_PAIRS 16
#define METADATA_KEY_MAX 64
#define METADATA_VALUE_MAX 512
#define EXPIRES_MIN 3600
#define EXPIRES_MAX 2592000

static const char *const endpoints[] = {
	"/v1/responses",   "/v1/chat/completions",   "/v1/embeddings",   "/v1/completions",
	"/v1/moderations", "/v1/images/generations", "/v1/images/edits", "/v1/videos",
};

static const char endpoint_list[] =
	"'/v1/responses', '/v1/chat/completions', '/v1/embeddings', '/v1/completions', "
	"'/v1/moderations', '/v1/images/generations', '/v1/images/edits' and '/v1/videos'";

static json_t *error(const char *message, const char *param, const char *code)
{
	return mgw_error_body(message, param, code);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a decimal number";
	case JSON_NULL: return "null";
	default: return "a boolean";
	}
}

static json_t *wrong_type(const char *param, const char *want, const json_t *got)
{
	char message[256];
	snprintf(message, sizeof message, "Invalid type for '%s': expected %s, but got %s instead.",
	         param, want, type_name(got));
	return error(message, param, "invalid_type");
}

/* The string member `param`, or NULL with `*err` set. */
static const char *required_string(const json_t *req, const char *param, json_t **err)
{
	json_t *v = json_object_get(req, param);
	char message[128];
	if (!v) {
		snprintf(message, sizeof message, "Missing required parameter: '%s'.", param);
		*err = error(message, param, "missing_required_parameter");
		return NULL;
	}
	if (!json_is_string(v)) {
		*err = wrong_type(param, "a string", v);
		return NULL;
	}
	return json_string_value(v);
}

static json_t *invalid_value(const char *param, const char *value, const char *supported)
{
	size_t size = strlen(value) + strlen(supported) + 64;
	char message[1024];
	if (size > sizeof message)
		return error("Invalid value. See the supported values.", param, "invalid_value");
	snprintf(message, sizeof message, "Invalid value: '%s'. Supported values are: %s.", value,
	         supported);
	return error(message, param, "invalid_value");
}

static json_t *check_endpoint(const char *endpoint)
{
	for (size_t k = 0; k < sizeof endpoints / sizeof endpoints[0]; k++)
		if (strcmp(endpoint, endpoints[k]) == 0)
			return NULL;
	return invalid_value("endpoint", endpoint, endpoint_list);
}

static json_t *too_long(const char *what, size_t max, size_t got)
{
	char message[256];
	snprintf(message, sizeof message,
	         "Invalid 'metadata': %s too long. Expected a string with maximum length %zu, but "
	         "got a string with length %zu instead.",
	         what, max, got);
	return error(message, "metadata", "string_above_max_length");
}

static json_t *check_metadata(const json_t *m)
{
	const char *key;
	json_t *value;
	char message[256];
	if (!m || json_is_null(m))
		return NULL;
	if (!json_is_object(m))
		return wrong_type("metadata", "an object", m);
	if (json_object_size(m) > METADATA_PAIRS) {
		snprintf(message, sizeof message,
		         "Invalid 'metadata': too many properties. Expected an object with at most %d "
		         "properties, but got an object with %zu properties instead.",
		         METADATA_PAIRS, json_object_size(m));
		return error(message, "metadata", "object_above_max_properties");
	}
	json_object_foreach((json_t *)m, key, value) {
		if (strlen(key) > METADATA_KEY_MAX)
			return too_long("key", METADATA_KEY_MAX, strlen(key));
		if (!json_is_string(value))
			return wrong_type("metadata", "string values", value);
		if (json_string_length(value) > METADATA_VALUE_MAX)
			return too_long("value", METADATA_VALUE_MAX, json_string_length(value));
	}
	return NULL;
}

static json_t *check_expires_after(const json_t *e)
{
	json_t *anchor, *seconds;
	json_int_t s;
	if (!e || json_is_null(e))
		return NULL;
	if (!json_is_object(e))
		return wrong_type("output_expires_after", "an object", e);
	anchor = json_object_get(e, "anchor");
	seconds = json_object_get(e, "seconds");
	if (!json_is_string(anchor) || strcmp(json_string_value(anchor), "created_at") != 0)
		return invalid_value("output_expires_after.anchor",
		                     json_is_string(anchor) ? json_string_value(anchor) : "",
		                     "'created_at'");
	if (!json_is_integer(seconds))
		return wrong_type("output_expires_after.seconds", "an integer",
		                  seconds ? seconds : json_null());
	s = json_integer_value(seconds);
	if (s < EXPIRES_MIN || s > EXPIRES_MAX)
		return error("Invalid 'output_expires_after.seconds': expected a value in "
		             "3600..2592000.",
		             "output_expires_after.seconds",
		             s < EXPIRES_MIN ? "integer_below_min_value" : "integer_above_max_value");
	return NULL;
}

json_t *mgw_batch_params_error(const json_t *req)
{
	json_t *err = NULL;
	const char *endpoint, *window;
	if (!json_is_object(req))
		return error("We could not parse the JSON body of your request: expected a JSON object.",
		             NULL, NULL);
	if (!required_string(req, "input_file_id", &err) ||
	    !(endpoint = required_string(req, "endpoint", &err)))
		return err;
	if ((err = check_endpoint(endpoint)) != NULL)
		return err;
	if (!(window = required_string(req, "completion_window", &err)))
		return err;
	if (strcmp(window, "24h") != 0)
		return invalid_value("completion_window", window, "'24h'");
	if ((err = check_metadata(json_object_get(req, "metadata"))) != NULL)
		return err;
	return check_expires_after(json_object_get(req, "output_expires_after"));
}
