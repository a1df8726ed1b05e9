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
/* The most extra steps a turn takes while the loop is due at once (turn). */
#define TURN_STEPS 4

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
	tfy__loop_events events; /* event mode: the caller's loop waits (timer set) */
	int turning;             /* in a turn: the timer is armed once it ends */
	int64_t armed;           /* the due the caller's timer is armed for; 0: disarmed */
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

/* The sooner of two dues (monotonic ms), 0 being none. */
static int64_t sooner(int64_t a, int64_t b)
{
	return !a || (b && b < a) ? b : a;
}

/* A task of a kind that does not say is taken to ask the caller's question. */
static int task_polls(const tfy__task *task)
{
	return !task->kind->polls || task->kind->polls(task);
}

/*
 * When the loop next wants a step without a transfer's event (monotonic
 * ms; 0: none): the first timer, a task's wake, WAKE_MS from now while a
 * task asks for cancellation, and in event mode the hub's own due.  The
 * one rule both drivers sleep by.
 */
static int64_t due_by(const tfy__loop *loop, int64_t now)
{
	int64_t due = loop->timers ? loop->timers->due : 0;
	int polls = 0;
	for (const tfy__task *task = loop->tasks; task && due != now; task = task->next) {
		due = sooner(due, task->kind->wake(task));
		polls = polls || task_polls(task);
	}
	if (polls)
		due = sooner(due, tfy__add_ms(now, WAKE_MS));
	if (loop->events.timer)
		due = sooner(due, tfy__hub_due(loop->hub, now));
	return due && due < now ? now : due;
}

/* How long the blocking driver may sleep now: at most WAKE_MS, never past the loop's due or until. */
static int64_t sleep_for(const tfy__loop *loop, int64_t now, int64_t until)
{
	int64_t due = sooner(sooner(due_by(loop, now), until), tfy__add_ms(now, WAKE_MS));
	return due - now;
}

/*
 * One step, the same for both drivers: tasks advanced, due timers fired,
 * the transfers moved on (performed, or acted on after fd's events in
 * event mode; fd < 0: a timeout), the tasks whose flights ended advanced.
 */
static void step(tfy__loop *loop, int fd, int32_t events)
{
	advance_tasks(loop);
	fire_timers(loop);
	size_t ended = loop->events.timer ? tfy__hub_act(loop->hub, fd, events)
	                                  : tfy__hub_perform(loop->hub);
	if (ended)
		advance_tasks(loop);
}

void tfy__loop_rearm(tfy__loop *loop)
{
	if (!loop->events.timer || loop->turning)
		return;
	int64_t now = tfy__now_ms();
	int64_t due = due_by(loop, now);
	/*
	 * Armed for this due already (a due of now included: that timer has not
	 * fired, or armed would be 0): calling the hook again would only cost
	 * the caller's loop a system call, such as a timerfd re-armed, per start.
	 */
	if (due == loop->armed)
		return;
	loop->armed = due;
	loop->events.timer(loop->events.userdata, due ? due - now : -1);
}

int tfy__loop_use_events(tfy__loop *loop, const tfy__loop_events *events)
{
	if (tfy__hub_use_sockets(loop->hub, events->watch, events->userdata) < 0)
		return -1;
	loop->events = *events;
	return 0;
}

/*
 * A turn of event mode: one step, then the caller's timer armed for the
 * next.  A step that leaves the loop due at once (a callback started a call)
 * is followed by another here, up to TURN_STEPS, rather than by a timer of
 * 0 ms: that timer would cost the caller's loop a re-arm, a wake-up and a
 * read for the same step.  The bound leaves the caller's loop its turn.
 */
static void turn(tfy__loop *loop, int fd, int32_t events)
{
	loop->turning = 1;
	step(loop, fd, events);
	for (int i = 0; i < TURN_STEPS; i++) {
		int64_t now = tfy__now_ms();
		if (due_by(loop, now) != now)
			break;
		step(loop, -1, 0);
	}
	loop->turning = 0;
	tfy__loop_rearm(loop);
}

void tfy__loop_socket_ready(tfy__loop *loop, int fd, int32_t events)
{
	turn(loop, fd, events);
}

void tfy__loop_timer_fired(tfy__loop *loop)
{
	loop->armed = 0; /* fired: no longer armed */
	turn(loop, -1, 0);
}

size_t tfy__loop_pending(const tfy__loop *loop)
{
	return loop->task_count + loop->timer_count;
}

int tfy__loop_run(tfy__loop *loop, int64_t wait_ms)
{
	int64_t until = wait_ms > 0 ? tfy__add_ms(tfy__now_ms(), wait_ms) : 0;
	for (;;) {
		step(loop, -1, 0);
		size_t pending = loop->task_count + loop->timer_count;
		int64_t now = tfy__now_ms();
		if (!pending || wait_ms == 0 || (until && now >= until))
			return pending > INT32_MAX ? INT32_MAX : (int)pending;
		int64_t wait = sleep_for(loop, now, until);
		if (wait > 0)
			tfy__hub_wait(loop->hub, wait);
	}
}
