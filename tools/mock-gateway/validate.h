/* The input-file check a batch runs while "validating": libtfy's input
 * checker, its problems given as OpenAI's errors.data entries. */
#ifndef TFY_MOCK_VALIDATE_H
#define TFY_MOCK_VALIDATE_H

#include <stdint.h>

#include <jansson.h>

/* Checks the JSONL file at `path` as OpenAI does for a batch on `endpoint`
 * (tfy_input_check_path): every line that is not blank a JSON object with a
 * non-empty unique string custom_id, method "POST", url equal to `endpoint`
 * and an object body; at least one request, at most 50,000 and 200 MiB.
 * Returns 0 when valid (`*requests` = the lines that are not blank), 1 when
 * not (`*errors_data` = a new array of {"code","message","param","line"},
 * lines from 1, null for the whole file; the first 100 problems), -1 when
 * the file cannot be read or memory runs out. */
int mock_validate_input(const char *path, const char *endpoint, json_t **errors_data,
                        int64_t *requests);

#endif
