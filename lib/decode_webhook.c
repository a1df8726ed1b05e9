/*
 * Webhook events (tfy__decode_webhook_event): the body of a verified
 * delivery, {"id", "object": "event", "created_at", "type", "data": {"id"}}.
 */
#include "decode.h"

#include "json_values.h"
#include "webhook_internal.h"

#define EFIELD(name) \
	{ \
#name, offsetof(tfy_webhook_event, name) \
	}

static const tfy__json_field event_strings[] = {
	EFIELD(id),
	EFIELD(object),
	EFIELD(type),
};

/* A member of `data`: only its id is read (the batch of a batch event). */
static void data_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy_webhook_event *e = ctx;
	if (tfy__json_key_is(k, "id"))
		e->data_id = tfy__json_read_str(d);
	else
		tfy__json_scan_value(d);
}

/* One member of an event; a repeated key replaces the earlier value. */
static void event_member(tfy__decoder *d, tfy__json_key k, void *ctx)
{
	tfy_webhook_event *e = ctx;
	int converted;
	for (size_t i = 0; i < TFY__COUNT_OF(event_strings); i++)
		if (tfy__json_key_is(k, event_strings[i].key)) {
			*(const char **)((char *)e + event_strings[i].offset) = tfy__json_read_str(d);
			return;
		}
	if (tfy__json_key_is(k, "created_at")) {
		e->created_at = tfy__json_read_time(d, &converted);
	} else if (tfy__json_key_is(k, "data") && tfy__json_peek(d) == '{') {
		e->data_id = NULL;
		tfy__json_walk_object(d, data_member, e);
	} else {
		if (tfy__json_key_is(k, "data"))
			e->data_id = NULL;
		tfy__json_scan_value(d);
	}
}

static void event_item(tfy__decoder *d, void *pub)
{
	tfy_webhook_event *e = pub;
	size_t start = d->i;
	tfy__json_walk_object(d, event_member, e);
	if (!tfy__json_stopped(d))
		e->raw_json = tfy__json_copy(d, d->s + start, d->i - start);
}

tfy_code tfy__decode_webhook_event(const char *body, size_t len, tfy_webhook_event **out,
                                   char *detail, size_t detail_size)
{
	void *owner;
	tfy_code rc = tfy__json_decode_one(body, len, 1, sizeof(tfy__webhook_owner),
	                                   offsetof(tfy__webhook_owner, pub), event_item,
	                                   "a JSON object (a webhook event)", &owner, detail,
	                                   detail_size);
	*out = owner ? &((tfy__webhook_owner *)owner)->pub : NULL;
	return rc;
}
