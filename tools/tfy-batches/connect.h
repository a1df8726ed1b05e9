/*
 * tfy-batches: the client every command that calls the API opens, from the
 * connection options, and the request options of each call.
 */
#ifndef TFY_BATCHES_CONNECT_H
#define TFY_BATCHES_CONNECT_H

#include <tfy/tfy.h>

#include "opts.h"

/*
 * The client, or NULL after the failure was reported; *rc is then the exit
 * status.  With --base-url and neither --api-key nor TFY_API_KEY, the key
 * is OPENAI_API_KEY, as OpenAI's SDKs take it.  TFY_LOG=info says where
 * the key came from (never the key).
 */
tfy_client *cli_open_client(const cli_args *args, int *rc);

/*
 * The request options of a call made now: the command's, with what is left
 * of --timeout (the whole command's deadline) as its deadline; at least
 * 1 ms once it has passed, so the call fails with TFY_ERROR_TIMEOUT.
 */
tfy_request_options cli_request(const cli_args *args);

/* What is left of --timeout in ms; 0 when none was given, at least 1 otherwise. */
int64_t cli_deadline_left(const cli_args *args);

#endif
