/*
 * tfy-batches: exit statuses and the program name, shared by every file.
 */
#ifndef TFY_BATCHES_CLI_H
#define TFY_BATCHES_CLI_H

/* Fixed rather than argv[0]: scripts match on this prefix in stderr. */
#define CLI_NAME "tfy-batches"

/* Documented in --help, the man page and README.md; a script may rely on each. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,  /* anything not below: memory, output not written, cancelled */
	CLI_EXIT_USAGE = 2,    /* a bad or missing argument or variable; nothing was sent */
	CLI_EXIT_AUTH = 3,     /* 401 or 403 */
	CLI_EXIT_API = 4,      /* any other 4xx */
	CLI_EXIT_SERVER = 5,   /* 5xx, another non-2xx status (a redirect), network or timeout */
	CLI_EXIT_RESPONSE = 6, /* undecodable or too large response, pagination error */
	CLI_EXIT_UNKNOWN = 7, /* a request that changes something may or may not have taken effect */
	CLI_EXIT_IO = 8,      /* a local file could not be read or written */
	CLI_EXIT_INPUT = 9,   /* check: the input file has problems (nothing was sent) */
	CLI_EXIT_BATCH_FAILED = 10,    /* wait, run: the batch ended failed */
	CLI_EXIT_BATCH_EXPIRED = 11,   /* wait, run: the batch ended expired */
	CLI_EXIT_BATCH_CANCELLED = 12, /* wait, run: the batch ended cancelled */
	CLI_EXIT_WAIT_TIMEOUT = 13,    /* wait, run: --timeout passed, the batch still running */
	CLI_EXIT_DECLINED = 14, /* the server answered that it did not do it (files delete) */
	CLI_EXIT_WEBHOOK_INVALID = 15, /* webhook verify: not a verified webhook delivery */
	/*
	 * wait, run, files download -o: SIGINT (128 + 2, as a shell reports
	 * it); main() turns it into 143 for SIGTERM, 129 for SIGHUP.
	 */
	CLI_EXIT_INTERRUPTED = 130
};

#endif
