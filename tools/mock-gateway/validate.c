/* A straightforward jansson check, line by line. Errors are capped so a
 * broken million-line file does not make a million-entry answer. */
#include "validate.h"

#include <stdbool.h>
#include <string.h>

#include "jsonl.h"

#define MAX_ERRORS 100

struct check {
    const char *endpoint;
    json_t *seen; /* custom_ids so far, as an object used as a set */
    json_t *errors;
    int64_t lines;
    bool oom;
};

static void add_error(struct check *c, const char *code, const char *message, const char *param,
                      long long lineno)
{
    if (json_array_size(c->errors) >= MAX_ERRORS)
        return;
    if (json_array_append_new(c->errors, json_pack("{s:s, s:s, s:s?, s:I}", "code", code,
                                                   "message", message, "param", param, "line",
                                                   (json_int_t)lineno))
        != 0)
        c->oom = true;
}

/* The first problem of one request line, or NULL. */
static const char *problem(struct check *c, json_t *req, const char **code, const char **param)
{
    const char *id = json_string_value(json_object_get(req, "custom_id"));
    json_t *method = json_object_get(req, "method"), *url = json_object_get(req, "url");
    *code = "invalid_request";
    *param = "custom_id";
    if (!id || !id[0])
        return "Each request needs a non-empty string custom_id.";
    if (json_object_get(c->seen, id)) {
        *code = "duplicate_custom_id";
        return "The custom_id for this request is a duplicate of another request. The "
               "custom_id parameter must be unique for each request in a batch.";
    }
    if (json_object_set_new(c->seen, id, json_true()) != 0)
        c->oom = true;
    *param = "method";
    if (!json_is_string(method) || strcmp(json_string_value(method), "POST") != 0)
        return "The method of each request must be 'POST'.";
    *param = "url";
    if (!json_is_string(url) || strcmp(json_string_value(url), c->endpoint) != 0) {
        *code = "mismatched_url";
        return "The URL provided for this request does not match the batch endpoint.";
    }
    *param = "body";
    if (!json_is_object(json_object_get(req, "body")))
        return "The body of each request must be a JSON object.";
    return NULL;
}

static bool check_line(const char *line, size_t len, long long lineno, void *ctx)
{
    struct check *c = ctx;
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    const char *code, *param, *message;
    c->lines = lineno;
    if (!json_is_object(req)) {
        add_error(c, "invalid_json_line", "This line is not parseable as valid JSON.", NULL,
                  lineno);
    } else if ((message = problem(c, req, &code, &param)) != NULL) {
        add_error(c, code, message, param, lineno);
    }
    json_decref(req);
    return !c->oom;
}

int mock_validate_input(const char *path, const char *endpoint, json_t **errors_data,
                        int64_t *requests)
{
    struct check c = { endpoint, json_object(), json_array(), 0, false };
    bool read = c.seen && c.errors && mgw_jsonl_each(path, check_line, &c);
    int rc = -1;
    json_decref(c.seen);
    if (read && !c.oom && c.lines == 0)
        json_array_append_new(c.errors,
                              json_pack("{s:s, s:s, s:n, s:n}", "code", "empty_file", "message",
                                        "The batch input file is empty. Please ensure that the "
                                        "batch contains at least one request.",
                                        "param", "line"));
    if (read && !c.oom) {
        rc = json_array_size(c.errors) ? 1 : 0;
        *requests = c.lines;
    }
    if (rc == 1)
        *errors_data = c.errors;
    else
        json_decref(c.errors);
    return rc;
}
