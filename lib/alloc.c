#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
 * The hook costs one relaxed load per allocation while disarmed, so it is
 * compiled into every build: the library the tests check is then exactly
 * the one that ships, and no build option can drift out of sync with it.
 */
static atomic_long countdown; /* allocations left before the first failure; 0: disarmed */
static atomic_long remaining; /* failures still to inject once countdown ran out */
static atomic_long failed;
static _Thread_local long thread_failures;

/* Counts a NULL from libc too: see tfy__alloc_thread_failures. */
static void *counted(void *p)
{
	if (!p)
		thread_failures++;
	return p;
}

static int should_fail(void)
{
	if (atomic_load_explicit(&countdown, memory_order_relaxed) == 0 &&
	    atomic_load_explicit(&remaining, memory_order_relaxed) == 0)
		return 0;
	if (atomic_load_explicit(&countdown, memory_order_relaxed) > 0 &&
	    atomic_fetch_sub(&countdown, 1) > 1)
		return 0;
	if (atomic_fetch_sub(&remaining, 1) > 0) {
		atomic_fetch_add(&failed, 1);
		return 1;
	}
	atomic_store(&remaining, 0);
	return 0;
}

void tfy__alloc_fail_after(long nth, long count)
{
	int armed = nth > 0 && count > 0;
	atomic_store(&failed, 0);
	atomic_store(&remaining, armed ? count : 0);
	atomic_store(&countdown, armed ? nth : 0);
}

long tfy__alloc_failed(void)
{
	return atomic_load(&failed);
}

long tfy__alloc_thread_failures(void)
{
	return thread_failures;
}

void *tfy__malloc(size_t n)
{
	return counted(should_fail() ? NULL : malloc(n));
}

void *tfy__calloc(size_t count, size_t size)
{
	return counted(should_fail() ? NULL : calloc(count, size));
}

void *tfy__realloc(void *p, size_t n)
{
	/* realloc(p, 0) may return NULL without failing; nothing here asks for 0. */
	return counted(should_fail() ? NULL : realloc(p, n));
}

char *tfy__strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = tfy__malloc(n);
	if (copy)
		memcpy(copy, s, n);
	return copy;
}

void tfy__free(void *p)
{
	free(p);
}

/* volatile keeps the stores, which a compiler could drop before a free. */
void tfy__scrub(char *p, size_t n)
{
	for (volatile char *v = p; v && n; n--)
		*v++ = 0;
}

void tfy__secret_free(char *s)
{
	tfy__scrub(s, s ? strlen(s) : 0);
	tfy__free(s);
}
