/*
 * How a File object and a page of them own their memory.  Internal to
 * libtfy.
 */
#ifndef TFY_FILE_INTERNAL_H
#define TFY_FILE_INTERNAL_H

#include <stddef.h>

#include "arena.h"
#include "tfy/file.h"
#include "tfy/files.h"

/*
 * Every file is allocated behind this header, in its own arena (its first
 * member); one that belongs to a page has arena NULL, so tfy_file_free()
 * leaves it alone.
 */
typedef struct tfy__file_owner {
	tfy__arena *arena;
	tfy_file pub;
} tfy__file_owner;

/* The header of a file handed out by the library. */
#define TFY__FILE_OWNER(f) ((tfy__file_owner *)(void *)((char *)(f)-offsetof(tfy__file_owner, pub)))

/*
 * The public page is the first member, so the pointer handed to the caller
 * leads back to the arena that holds the page, its files and their strings.
 */
typedef struct tfy__file_page_owner {
	tfy_file_page pub;
	tfy__arena *arena;
} tfy__file_page_owner;

/*
 * Gives a decoded page what its response says beside the body: status and
 * request id (copied into the page).  0, or -1 on OOM.
 */
int tfy__file_page_attach(tfy_file_page *page, long status, const char *request_id);

#endif
