/* The admin side of faults: parse a whole POSTed list before touching the
 * plan, so a typo on line 3 never leaves lines 1-2 half-applied. */
#include "fault_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond.h"

/* Each fault is a few KB; this bounds what one POST can allocate. */
#define MAX_FAULTS 256

struct fault_list {
	struct mgw_fault *items;
	size_t count;
};

static enum MHD_Result reply(struct MHD_Connection *conn, const struct mgw_admin_request *req,
                             unsigned status, json_t *body, const char *allow)
{
	struct mgw_reply r = { status, body, req->request_id, allow, false, NULL };
	return mgw_reply_send(conn, &r);
}

static enum MHD_Result bad_list(struct MHD_Connection *conn, const struct mgw_admin_request *req,
                                unsigned line, const char *why)
{
	char message[512];
	snprintf(message, sizeof message, "Invalid fault on line %u: %s", line, why);
	return reply(conn, req, MHD_HTTP_BAD_REQUEST,
	             mgw_error_body(message, NULL, "invalid_mock_fault"), NULL);
}

/* Copies one line into `buf`, without its CR/LF; false if too long or NUL-laden. */
static bool take_line(const char *line, size_t len, char buf[MGW_FAULT_TEXT_MAX])
{
	if (len && line[len - 1] == '\r')
		len--;
	if (len >= MGW_FAULT_TEXT_MAX || memchr(line, '\0', len))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return true;
}

static bool is_blank_or_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\0' || *s == '#';
}

static bool append(struct fault_list *list, const struct mgw_fault *f)
{
	struct mgw_fault *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
	if (!grown)
		return false;
	grown[list->count++] = *f;
	list->items = grown;
	return true;
}

/* Parses one line into the list; returns false with `why` filled on error. */
static bool parse_line(struct fault_list *list, const char *line, size_t len, char *why, size_t why_size)
{
	char text[MGW_FAULT_TEXT_MAX];
	struct mgw_fault f;
	if (!take_line(line, len, text)) {
		snprintf(why, why_size, "line too long or contains NUL");
		return false;
	}
	if (is_blank_or_comment(text))
		return true;
	if (list->count >= MAX_FAULTS) {
		snprintf(why, why_size, "more than %d faults", MAX_FAULTS);
		return false;
	}
	if (!mgw_fault_parse(text, &f, why, why_size))
		return false;
	if (!append(list, &f)) {
		snprintf(why, why_size, "out of memory");
		return false;
	}
	return true;
}

/* Parses every line of the body; returns 0, or the number of the bad line. */
static unsigned parse_body(const struct mgw_admin_request *req, struct fault_list *list, char *why,
                           size_t why_size)
{
	const char *p = req->body ? req->body : "", *end = p + req->body_len;
	for (unsigned line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (!parse_line(list, p, len, why, why_size))
			return line;
		p += len + (nl != NULL);
	}
	return 0;
}

static enum MHD_Result replace(struct MHD_Connection *conn, struct mgw_fault_plan *plan,
                               const struct mgw_admin_request *req)
{
	struct fault_list list = { NULL, 0 };
	char why[256];
	unsigned bad = parse_body(req, &list, why, sizeof why);
	bool stored = bad == 0 && mgw_fault_plan_replace(plan, list.items, list.count);
	free(list.items);
	if (bad)
		return bad_list(conn, req, bad, why);
	if (!stored)
		return MHD_NO; /* out of memory: MHD closes the connection */
	return reply(conn, req, MHD_HTTP_OK, mgw_fault_plan_json(plan), NULL);
}

static enum MHD_Result wrong_method(struct MHD_Connection *conn,
                                    const struct mgw_admin_request *req, const char *allow)
{
	json_t *body = mgw_error_body3("Method ", req->method, " is not allowed on this mock endpoint.",
	                               NULL, "method_not_allowed");
	return reply(conn, req, MHD_HTTP_METHOD_NOT_ALLOWED, body, allow);
}

bool mgw_fault_admin_path(const char *what)
{
	return strcmp(what, "faults") == 0 || strcmp(what, "faults/reset") == 0;
}

enum MHD_Result mgw_fault_admin(struct MHD_Connection *conn, struct mgw_fault_plan *plan,
                                const struct mgw_admin_request *req)
{
	bool get = strcmp(req->method, MHD_HTTP_METHOD_GET) == 0;
	bool post = strcmp(req->method, MHD_HTTP_METHOD_POST) == 0;
	if (!get && !post)
		return wrong_method(conn, req, "GET, POST");
	if (strcmp(req->what, "faults/reset") == 0) {
		if (!mgw_fault_plan_reset(plan))
			return MHD_NO;
	} else if (post) {
		if (req->body_too_big)
			return reply(conn, req, MHD_HTTP_CONTENT_TOO_LARGE,
			             mgw_error_body("Fault list too large (64 KiB at most).", NULL,
			                            "payload_too_large"),
			             NULL);
		return replace(conn, plan, req);
	}
	return reply(conn, req, MHD_HTTP_OK, mgw_fault_plan_json(plan), NULL);
}
