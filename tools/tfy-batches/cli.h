/*
 * tfy-batches: exit statuses and the program name, shared by every file.
 */
#ifndef TFY_BATCHES_CLI_H
#define TFY_BATCHES_CLI_H

/* Fixed rather than argv[0]: scripts match on this prefix in stderr. */
#define CLI_NAME "tfy-batches"

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,   /* anything not below: bad argument, memory, output, cancelled */
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_AUTH = 3,      /* 401 or 403 */
	CLI_EXIT_API = 4,       /* any other 4xx */
	CLI_EXIT_SERVER = 5,    /* 5xx, network or timeout, after retries */
	CLI_EXIT_RESPONSE = 6   /* undecodable response or pagination error */
};

#endif
