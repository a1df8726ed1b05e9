/* The input-file check a batch runs while "validating". Kept behind one
 * function so it can move to libtfy's own input checker. */
#ifndef TFY_MOCK_VALIDATE_H
#define TFY_MOCK_VALIDATE_H

#include <stdint.h>

#include <jansson.h>

/* Checks the JSONL file at `path` as OpenAI does for a batch on `endpoint`:
 * every line a JSON object with a non-empty unique string custom_id, method
 * "POST", url equal to `endpoint` and an object body. Returns 0 when valid
 * (`*requests` = the number of lines), 1 when not (`*errors_data` = a new
 * array of {"code","message","param","line"}, lines from 1), -1 when the
 * file cannot be read or memory runs out. */
int mock_validate_input(const char *path, const char *endpoint, json_t **errors_data,
                        int64_t *requests);

#endif
