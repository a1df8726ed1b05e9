/*
 * The loop: ops (tasks, loop.h) and timers driven from one thread over one
 * hub (transport.h).  It knows nothing of calls: a task tells it when it
 * wants advancing, and the hub's flights report to their owners.
 */
#include "loop.h"

#include "alloc.h"
#include "client_internal.h"
#include "clock.h"
#include "transport.h"

/* The longest the loop sleeps without asking its tasks for cancellation. */
#define WAKE_MS 50

struct tfy__timer {
	tfy__loop *loop; /* NULL once it fired or while it fires */
	tfy__timer *next;
	int64_t due;  /* monotonic ms */
	uint64_t seq; /* order of making: timers due together fire in that order */
	tfy__timer_fn fn;
	void *userdata;
};

struct tfy__loop {
	tfy_client *client;
	tfy__hub *hub;
	tfy__task *tasks, *last; /* in the order they were added */
	size_t task_count;
	tfy__timer *timers; /* by due, then seq */
	size_t timer_count;
	uint64_t seq;
};

tfy__loop *tfy__loop_new(tfy_client *client)
{
	tfy__loop *loop = tfy__calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	if (!(loop->hub = tfy__hub_acquire(client->transport))) {
		tfy__free(loop);
		return NULL;
	}
	loop->client = client;
	tfy__client_hold(client);
	return loop;
}

void tfy__loop_add(tfy__loop *loop, tfy__task *task, const tfy__task_kind *kind)
{
	task->kind = kind;
	task->loop = loop;
	task->next = NULL;
	task->prev = loop->last;
	if (loop->last)
		loop->last->next = task;
	else
		loop->tasks = task;
	loop->last = task;
	loop->task_count++;
}

void tfy__loop_remove(tfy__task *task)
{
	tfy__loop *loop = task->loop;
	if (!loop)
		return;
	if (task->prev)
		task->prev->next = task->next;
	else
		loop->tasks = task->next;
	if (task->next)
		task->next->prev = task->prev;
	else
		loop->last = task->prev;
	task->prev = task->next = NULL;
	task->loop = NULL;
	loop->task_count--;
}

tfy__hub *tfy__loop_hub(const tfy__loop *loop)
{
	return loop->hub;
}

tfy_client *tfy__loop_client(const tfy__loop *loop)
{
	return loop->client;
}

int tfy__loop_inherited(const tfy__loop *loop)
{
	return tfy__hub_inherited(loop->hub);
}

void tfy__loop_free(tfy__loop *loop)
{
	if (!loop)
		return;
	while (loop->tasks) {
		tfy__task *task = loop->tasks;
		tfy__loop_remove(task);
		task->kind->end(task, 1);
	}
	while (loop->timers) {
		tfy__timer *t = loop->timers;
		loop->timers = t->next;
		tfy__free(t);
	}
	tfy_client *client = loop->client;
	tfy__hub_release(loop->hub);
	tfy__free(loop);
	tfy__client_release(client);
}

tfy__timer *tfy__loop_timer(tfy__loop *loop, int64_t delay_ms, tfy__timer_fn fn, void *userdata)
{
	tfy__timer *t = tfy__calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->loop = loop;
	t->due = tfy__add_ms(tfy__now_ms(), delay_ms > 0 ? delay_ms : 0);
	t->seq = loop->seq++;
	t->fn = fn;
	t->userdata = userdata;
	tfy__timer **at = &loop->timers;
	while (*at && (*at)->due <= t->due)
		at = &(*at)->next;
	t->next = *at;
	*at = t;
	loop->timer_count++;
	return t;
}

/* Takes t off its loop's list. */
static void unlink_timer(tfy__timer *t)
{
	tfy__loop *loop = t->loop;
	tfy__timer **at = &loop->timers;
	while (*at != t)
		at = &(*at)->next;
	*at = t->next;
	t->loop = NULL;
	loop->timer_count--;
}

void tfy__timer_clear(tfy__timer *timer)
{
	/* A timer firing now is freed by the loop when its callback returns. */
	if (!timer || !timer->loop)
		return;
	unlink_timer(timer);
	tfy__free(timer);
}

/* Fires the timers due now that were made before this step (one made by a callback waits). */
static void fire_timers(tfy__loop *loop)
{
	uint64_t made_before = loop->seq;
	int64_t now = tfy__now_ms();
	for (;;) {
		tfy__timer *t = loop->timers;
		while (t && t->due <= now && t->seq >= made_before)
			t = t->next;
		if (!t || t->due > now)
			return;
		unlink_timer(t);
		t->fn(t->userdata);
		tfy__free(t);
	}
}

/* Advances every task; ends those that are over (their owners may add tasks, at the end). */
static void advance_tasks(tfy__loop *loop)
{
	tfy__task *next;
	for (tfy__task *task = loop->tasks; task; task = next) {
		next = task->next;
		if (!task->kind->advance(task))
			continue;
		tfy__loop_remove(task);
		task->kind->end(task, 0);
	}
}

static int64_t earlier(int64_t wait, int64_t due, int64_t now)
{
	return due - now < wait ? due - now : wait;
}

/* How long the loop may sleep now: never past a timer, a task's wake or until. */
static int64_t sleep_for(const tfy__loop *loop, int64_t now, int64_t until)
{
	int64_t wait = WAKE_MS;
	if (until)
		wait = earlier(wait, until, now);
	if (loop->timers)
		wait = earlier(wait, loop->timers->due, now);
	for (const tfy__task *task = loop->tasks; task && wait > 0; task = task->next) {
		int64_t wake = task->kind->wake(task);
		if (wake)
			wait = earlier(wait, wake, now);
	}
	return wait;
}

int tfy__loop_run(tfy__loop *loop, int64_t wait_ms)
{
	int64_t until = wait_ms > 0 ? tfy__add_ms(tfy__now_ms(), wait_ms) : 0;
	for (;;) {
		advance_tasks(loop);
		fire_timers(loop);
		if (tfy__hub_perform(loop->hub))
			advance_tasks(loop);
		size_t pending = loop->task_count + loop->timer_count;
		int64_t now = tfy__now_ms();
		if (!pending || wait_ms == 0 || (until && now >= until))
			return pending > INT32_MAX ? INT32_MAX : (int)pending;
		int64_t wait = sleep_for(loop, now, until);
		if (wait > 0)
			tfy__hub_wait(loop->hub, wait);
	}
}
