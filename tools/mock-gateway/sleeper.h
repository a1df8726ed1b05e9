/* Waits that end early when the server stops or the client hangs up, so a
 * stalled or dripping connection never holds up shutdown. */
#ifndef TFY_MOCK_SLEEPER_H
#define TFY_MOCK_SLEEPER_H

#include <stdbool.h>

struct mgw_sleeper;

/* Returns NULL on failure. */
struct mgw_sleeper *mgw_sleeper_new(void);
void mgw_sleeper_free(struct mgw_sleeper *s);

/* Wakes every sleeper; later sleeps return false at once. */
void mgw_sleeper_stop(struct mgw_sleeper *s);

/* Sleeps `ms` milliseconds. Returns false early when stopped or when the peer
 * of socket `fd` has hung up (fd < 0: no peer check). */
bool mgw_sleeper_sleep(struct mgw_sleeper *s, unsigned long ms, int fd);

#endif
