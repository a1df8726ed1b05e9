/*
 * How a File object owns its memory.  Internal to libtfy.
 */
#ifndef TFY_FILE_INTERNAL_H
#define TFY_FILE_INTERNAL_H

#include <stddef.h>

#include "arena.h"
#include "tfy/file.h"

/* Every file is allocated behind this header, in its own arena (its first member). */
typedef struct tfy__file_owner {
	tfy__arena *arena;
	tfy_file pub;
} tfy__file_owner;

/* The header of a file handed out by the library. */
#define TFY__FILE_OWNER(f) \
	((tfy__file_owner *)(void *)((char *)(f) - offsetof(tfy__file_owner, pub)))

#endif
