/*
 * tfy-batches: Ctrl-C (and SIGTERM, SIGHUP) while waiting or downloading,
 * as a flag.  Nothing but the store happens in the handler
 * (async-signal-safe); the wait notices it within some 20 ms through the
 * cancel callback, a download through the library's.
 */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

#include <tfy/tfy.h>

#include "cli.h"

/* The signal that came, 0 while none did. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

void interrupt_install(void)
{
	/*
	 * SIGTERM (kill, systemd, a CI runner's timeout) and SIGHUP (the
	 * terminal went away) end the run as Ctrl-C does: the library must get
	 * the chance to remove its PATH.XXXXXX.part file.
	 */
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaction(signals[i], &sa, NULL);
}

int interrupt_seen(void)
{
	return caught != 0;
}

int interrupt_exit_status(void)
{
	return caught != 0 ? 128 + caught : CLI_EXIT_INTERRUPTED;
}

int32_t interrupt_cancel(void *userdata)
{
	(void)userdata;
	return caught != 0 ? 1 : TFY_CANCEL_CONTINUE;
}
