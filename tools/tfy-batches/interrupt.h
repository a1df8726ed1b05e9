/*
 * tfy-batches: Ctrl-C (SIGINT), SIGTERM and SIGHUP while waiting or
 * downloading.  The handler only sets a flag; the library's cancel callback
 * and the wait's progress callback read it, and the command decides what to
 * print and whether to cancel.  A command stopped so returns
 * CLI_EXIT_INTERRUPTED, which main() turns into interrupt_exit_status().
 */
#ifndef TFY_BATCHES_INTERRUPT_H
#define TFY_BATCHES_INTERRUPT_H

#include <stdint.h>

/* Catches SIGINT, SIGTERM and SIGHUP from now on. */
void interrupt_install(void);

/* One of them came since interrupt_install(). */
int interrupt_seen(void);

/* 128 + the number of the signal that came, as a shell reports it (130 for SIGINT). */
int interrupt_exit_status(void);

/* A tfy_cancel_fn: stop once a signal came.  userdata is unused. */
int32_t interrupt_cancel(void *userdata);

#endif
