/*
 * tfy-batches: the one line on stderr that explains exit status 1.
 */
#ifndef TFY_BATCHES_DIAG_H
#define TFY_BATCHES_DIAG_H

#include <tfy/tfy.h>

#include "output.h"

/* "tfy-batches: msg" plus " 'quoted'" when quoted is not NULL. */
void diag_error(const char *msg, const char *quoted);

/*
 * A failed library call: its message (which names the HTTP status; the
 * options it names are said as the flags and variables that set them),
 * then the request id when known.  err may be NULL (out of memory), then code speaks
 * for it.  Returns the exit status for code (see cli.h).
 */
int diag_library(tfy_code code, const tfy_error *err);

/*
 * The library's log lines (TFY_LOG), as the library would print them
 * ("libtfy debug: ..."), but with the server's text in them (request ids)
 * escaped.  A tfy_log_fn.
 */
void diag_log(int32_t level, const char *line, void *userdata);

/* "unknown command" and the list of commands, on stderr; returns CLI_EXIT_USAGE. */
int diag_unknown_command(const char *name);

/*
 * group ("files") without one of its commands, or with sub (NULL: none)
 * that is not one: says which there are; returns CLI_EXIT_USAGE.
 */
int diag_unknown_subcommand(const char *group, const char *sub);

/*
 * " (request id ID)" when err has one (the library's message already names
 * the HTTP status), on stderr; err may be NULL.
 */
void diag_put_context(const tfy_error *err);

/* The exit status a failed library call maps to. */
int diag_exit_status(tfy_code code);

/*
 * A failed out_page()/out_finish().  A reader that went away (EPIPE) is not
 * reported: it chose to stop reading, as in `tfy-batches | head -1`.
 */
void diag_output(out_status st, const sink *out);

#endif
