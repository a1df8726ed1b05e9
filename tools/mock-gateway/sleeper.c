/* Interruptible sleeps: a condition variable on the monotonic clock, so that
 * stopping wakes everyone at once and wall-clock jumps do not stretch waits. */
#include "sleeper.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* How often a sleeper looks at its client: a hung-up client should free its
 * thread soon, but polling costs nothing noticeable at this rate. */
#define PEER_CHECK_MS 200ul

struct mgw_sleeper {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

struct mgw_sleeper *mgw_sleeper_new(void)
{
	struct mgw_sleeper *s = calloc(1, sizeof *s);
	pthread_condattr_t attr;
	bool ok;
	if (!s || pthread_condattr_init(&attr) != 0) {
		free(s);
		return NULL;
	}
	ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&s->wake, &attr) == 0;
	pthread_condattr_destroy(&attr);
	if (ok && pthread_mutex_init(&s->lock, NULL) != 0) {
		pthread_cond_destroy(&s->wake);
		ok = false;
	}
	if (!ok) {
		free(s);
		return NULL;
	}
	return s;
}

void mgw_sleeper_free(struct mgw_sleeper *s)
{
	if (!s)
		return;
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void mgw_sleeper_stop(struct mgw_sleeper *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

static struct timespec after_ms(unsigned long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A readable socket with nothing to read is one whose peer closed it; a
 * pipelined next request is left in place by MSG_PEEK. */
static bool peer_gone(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;
	ssize_t n;
	if (fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return true;
	n = recv(fd, &c, 1, MSG_PEEK);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool mgw_sleeper_sleep(struct mgw_sleeper *s, unsigned long ms, int fd)
{
	struct timespec deadline = after_ms(ms), now;
	for (;;) {
		struct timespec step = after_ms(PEER_CHECK_MS);
		bool stopped;
		pthread_mutex_lock(&s->lock);
		if (!s->stopping)
			pthread_cond_timedwait(&s->wake, &s->lock,
			                       before(&deadline, &step) ? &deadline : &step);
		stopped = s->stopping;
		pthread_mutex_unlock(&s->lock);
		if (stopped || peer_gone(fd))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, &deadline))
			return true;
	}
}
