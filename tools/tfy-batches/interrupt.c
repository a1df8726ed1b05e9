/*
 * tfy-batches: Ctrl-C while waiting, as a flag.  Nothing but the store
 * happens in the handler (async-signal-safe); the wait notices it within
 * some 20 ms through the cancel callback.
 */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

#include <tfy/tfy.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

void interrupt_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

int interrupt_seen(void)
{
	return interrupted != 0;
}

int32_t interrupt_cancel(void *userdata)
{
	(void)userdata;
	return interrupted ? 1 : TFY_CANCEL_CONTINUE;
}
