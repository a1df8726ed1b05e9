/*
 * tfy-batches: the client every command that calls the API opens, from the
 * connection options.
 */
#ifndef TFY_BATCHES_CONNECT_H
#define TFY_BATCHES_CONNECT_H

#include <tfy/tfy.h>

#include "opts.h"

/* The client, or NULL after the failure was reported; *rc is then the exit status. */
tfy_client *cli_open_client(const cli_args *args, int *rc);

#endif
