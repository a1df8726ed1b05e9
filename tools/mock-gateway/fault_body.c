/* The normal answer, bent. Bodies are cut after encoding for drop and drip
 * (what a broken network does) but before it for truncated, so that a gzip
 * client still decodes cleanly and then meets broken JSON. */
#include "fault_body.h"

#include <stdlib.h>

#include "stream.h"

json_t *mgw_fault_shape_page(const struct mgw_fault *f, json_t *page)
{
	if (!page)
		return NULL;
	if (f->kind == MGW_FAULT_NO_HAS_MORE) {
		json_object_del(page, "has_more");
	} else if (f->kind == MGW_FAULT_EMPTY_HAS_MORE) {
		json_decref(page);
		page = json_pack("{s:s, s:[], s:n, s:n, s:b}", "object", "list", "data", "first_id",
		                 "last_id", "has_more", 1);
	}
	return page;
}

static int connection_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return info ? (int)info->connect_fd : -1;
}

static struct MHD_Response *owned_buffer(char *buf, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(buf);
	return resp;
}

bool mgw_fault_wait(struct MHD_Connection *conn, const struct mgw_fault *f, struct mgw_sleeper *sleeper)
{
	return mgw_sleeper_sleep(sleeper, f->wait_ms, connection_fd(conn));
}

/* Half the JSON text, with a Content-Length that matches what is sent. */
static struct MHD_Response *truncated(const struct mgw_reply *r)
{
	struct mgw_reply plain = *r;
	size_t len = 0;
	char *text, *packed;
	plain.gzip = false;
	if (!(text = mgw_reply_encode(&plain, &len)))
		return NULL;
	len /= 2;
	if (r->gzip) {
		packed = mgw_gzip(text, len, &len);
		free(text);
		if (!(text = packed))
			return NULL;
	}
	return owned_buffer(text, len);
}

static struct MHD_Response *stream(struct MHD_Connection *conn, const struct mgw_fault *f,
                                   const struct mgw_reply *r, struct mgw_sleeper *sleeper)
{
	size_t len = 0;
	char *buf = mgw_reply_encode(r, &len);
	if (!buf)
		return NULL;
	if (f->kind == MGW_FAULT_DRIP) {
		struct mgw_drip drip = { f->bytes, f->wait_ms, sleeper, connection_fd(conn) };
		return mgw_stream_drip(buf, len, &drip);
	}
	/* Bodies are never empty, so len - 1 still withholds the last byte. */
	if (!f->bytes_set)
		return mgw_stream_drop(buf, len, len / 2);
	return mgw_stream_drop(buf, len, f->bytes < len ? f->bytes : len - 1);
}

enum MHD_Result mgw_fault_deliver(struct MHD_Connection *conn, const struct mgw_fault *f,
                                  const struct mgw_reply *r, struct mgw_sleeper *sleeper)
{
	struct MHD_Response *resp = NULL;
	if (r->body)
		resp = f->kind == MGW_FAULT_TRUNCATED ? truncated(r) : stream(conn, f, r, sleeper);
	json_decref(r->body);
	return mgw_reply_queue(conn, r, resp);
}
