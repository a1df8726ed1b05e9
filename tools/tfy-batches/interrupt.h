/*
 * tfy-batches: Ctrl-C (SIGINT) while waiting.  The handler only sets a
 * flag; the library's cancel callback and the wait's progress callback read
 * it, and the command decides what to print and whether to cancel.
 */
#ifndef TFY_BATCHES_INTERRUPT_H
#define TFY_BATCHES_INTERRUPT_H

#include <stdint.h>

/* Catches SIGINT from now on (and SIGTERM stays as it is). */
void interrupt_install(void);

/* SIGINT came since interrupt_install(). */
int interrupt_seen(void);

/* A tfy_cancel_fn: stop once SIGINT came.  userdata is unused. */
int32_t interrupt_cancel(void *userdata);

#endif
