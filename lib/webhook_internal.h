/*
 * How a webhook event owns its memory.  Internal to libtfy.
 */
#ifndef TFY_WEBHOOK_INTERNAL_H
#define TFY_WEBHOOK_INTERNAL_H

#include <stddef.h>

#include "arena.h"
#include "tfy/webhook.h"

/* Every event is allocated behind this header, in its own arena (its first member). */
typedef struct tfy__webhook_owner {
	tfy__arena *arena;
	tfy_webhook_event pub;
} tfy__webhook_owner;

/* The header of an event handed out by the library. */
#define TFY__WEBHOOK_OWNER(e) \
	((tfy__webhook_owner *)(void *)((char *)(e)-offsetof(tfy__webhook_owner, pub)))

#endif
