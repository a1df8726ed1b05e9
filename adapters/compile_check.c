/*
 * Compiles each adapter header as a program that includes it would, in
 * strict ISO C11 with every warning an error (adapters/meson.build); the
 * libuv and libevent ones when their development files are found.
 */
#define _POSIX_C_SOURCE 200809L

#include <tfy/adapters/epoll.h>
#ifdef TFY_CHECK_LIBUV
#include <tfy/adapters/libuv.h>
#endif
#ifdef TFY_CHECK_LIBEVENT
#include <tfy/adapters/libevent.h>
#endif

/* One name, so that the object is not empty. */
int tfy_adapters_compile_check(void);
int tfy_adapters_compile_check(void)
{
	return 0;
}
