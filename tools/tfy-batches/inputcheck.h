/*
 * tfy-batches: checking a batch input file (check and run).
 */
#ifndef TFY_BATCHES_INPUTCHECK_H
#define TFY_BATCHES_INPUTCHECK_H

#include <stdint.h>

#include "text.h"

/*
 * Checks the file at path against endpoint (NULL: the first line's url)
 * with OpenAI's rules and those of provider_kind (a TFY_PROVIDER_KIND_*
 * value), writing each problem to out as "PATH:LINE: message [code]";
 * *requests gets the number of requests and, when used is not NULL, *used
 * a copy of the endpoint the urls were held to (NULL when none; the caller
 * frees).  Returns 0 when clean, CLI_EXIT_INPUT with problems, or the
 * status of a failure (said).
 */
int input_check(const char *path, const char *endpoint, int32_t provider_kind, sink *out,
                int64_t *requests, char **used);

/*
 * The check a job's planning makes (no limit of one batch on requests or
 * bytes: a job cuts the input into batches within them), problems to out
 * as input_check() writes them.  0 when clean, CLI_EXIT_INPUT with
 * problems, or the status of a failure (said).
 */
int input_check_job(const char *path, const char *endpoint, int32_t provider_kind, sink *out);

/*
 * The url of the first request line of the file at path (a new string the
 * caller frees), or NULL when it cannot be read or names none: the
 * endpoint a job runs when --endpoint is not given, as check takes it.
 */
char *input_first_url(const char *path);

#endif
