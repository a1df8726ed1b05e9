/*
 * The allocator seam: every allocation libtfy makes itself goes through
 * these, so a test can make the N-th one fail and check that each
 * out-of-memory path reports TFY_ERROR_OUT_OF_MEMORY, leaks nothing and
 * leaves the client usable.  In normal use they are libc's functions plus
 * one relaxed atomic load.  A secret (a key, a credential) is scrubbed
 * here before its memory goes back.  Internal to libtfy.
 */
#ifndef TFY_ALLOC_H
#define TFY_ALLOC_H

#include <stddef.h>

void *tfy__malloc(size_t n);
void *tfy__calloc(size_t count, size_t size);
void *tfy__realloc(void *p, size_t n);
char *tfy__strdup(const char *s);
void tfy__free(void *p);

/* Overwrites n bytes of a secret (p may be NULL); the stores are kept. */
void tfy__scrub(char *p, size_t n);

/* Scrubs a secret (NUL-terminated, may be NULL) up to its NUL, then frees it. */
void tfy__secret_free(char *s);

/*
 * Test hook: the nth allocation from now (1 = the next one) and the
 * count - 1 after it fail, then allocations succeed again.  nth <= 0 or
 * count <= 0 disarms.  Counts every call of the functions above, including
 * the ones jansson makes once a test routes it here with
 * json_set_alloc_funcs(tfy__malloc, tfy__free).  Process-global and meant
 * for single-threaded test programs (it is race-free, but which thread's
 * allocation fails is then unspecified).
 */
void tfy__alloc_fail_after(long nth, long count);

/* How many allocations have failed on purpose since the last tfy__alloc_fail_after. */
long tfy__alloc_failed(void);

/*
 * How many allocations through this seam have failed on the calling thread,
 * ever (real or injected).  A caller compares it before and after a piece of
 * work to learn whether memory ran out inside code that hides it: jansson
 * 2.14 reports some allocation failures while parsing as syntax errors, and
 * when growing its token buffer fails it drops a byte of the string being
 * read and carries on (load.c, lex_save ignores strbuffer_append_byte's
 * result).  That is only visible when jansson allocates through this seam.
 */
long tfy__alloc_thread_failures(void);

#endif
