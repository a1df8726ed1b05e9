/*
 * tfy-batches: exit statuses and the program name, shared by every file.
 */
#ifndef TFY_BATCHES_CLI_H
#define TFY_BATCHES_CLI_H

/* Fixed rather than argv[0]: scripts match on this prefix in stderr. */
#define CLI_NAME "tfy-batches"

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2
};

#endif
