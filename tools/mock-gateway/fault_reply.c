/* Answers for faults that replace the normal response. Each carries
 * x-request-id like every other response, so clients can report it. */
#include "fault_reply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_shape.h"
#include "respond.h"
#include "stream.h"

#define MIB (1024u * 1024u)

static const char not_json[] = "this is not json";

/* Names the fault in the message so a failing test's log says what hit it.
 * Error statuses and retry hints use OpenAI's envelope; error-shape picks one. */
static json_t *error_body(const struct mgw_fault *f)
{
	char message[MGW_FAULT_TEXT_MAX + 128];
	enum mgw_error_kind kind = f->kind == MGW_FAULT_ERROR_SHAPE ? f->error_kind : MGW_ERROR_OPENAI;
	snprintf(message, sizeof message, "tfy-mock-gateway injected fault (%s): HTTP %u %s",
	         f->text, f->code, MHD_get_reason_phrase_for(f->code));
	return mgw_error_shaped(kind, f->code, message,
	                        json_pack("{s:o}", "fault", mgw_string_lossy(f->text)));
}

static struct MHD_Response *copy_of(const char *text)
{
	return MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	                                       MHD_RESPMEM_MUST_COPY);
}

static struct MHD_Response *html_page(unsigned code)
{
	char *page = mgw_error_html(code);
	struct MHD_Response *resp = page ? MHD_create_response_from_buffer(strlen(page), page,
	                                                                   MHD_RESPMEM_MUST_FREE)
	                                 : NULL;
	if (page && !resp)
		free(page);
	return resp;
}

/* RFC 9110 IMF-fixdate, spelled out by hand to stay clear of the locale. */
static void http_date(time_t t, char out[64])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 64, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
	         months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool add_retry_headers(struct MHD_Response *resp, const struct mgw_fault *f)
{
	char value[64];
	bool ok = true;
	if (f->retry_s >= 0) {
		snprintf(value, sizeof value, "%ld", f->retry_s);
		ok = MHD_add_response_header(resp, "Retry-After", value) == MHD_YES;
	}
	if (ok && f->date.set) {
		http_date(time(NULL) + f->date.offset_s, value);
		ok = MHD_add_response_header(resp, "Retry-After", value) == MHD_YES;
	}
	if (ok && f->retry_ms >= 0) {
		snprintf(value, sizeof value, "%ld", f->retry_ms);
		ok = MHD_add_response_header(resp, "retry-after-ms", value) == MHD_YES;
	}
	return ok;
}

static bool is_html(const struct mgw_fault *f)
{
	return f->kind == MGW_FAULT_HTML_502 || f->kind == MGW_FAULT_REDIRECT ||
	       (f->kind == MGW_FAULT_ERROR_SHAPE && f->error_kind == MGW_ERROR_HTML);
}

static bool add_fault_headers(struct MHD_Response *resp, const struct mgw_fault *f)
{
	if (is_html(f) && f->kind != MGW_FAULT_REDIRECT)
		return MHD_add_response_header(resp, "Server", "nginx") == MHD_YES;
	switch (f->kind) {
	case MGW_FAULT_RETRY_AFTER: return add_retry_headers(resp, f);
	case MGW_FAULT_SHOULD_RETRY:
		return MHD_add_response_header(resp, "x-should-retry",
		                               f->should_retry ? "true" : "false") == MHD_YES;
	case MGW_FAULT_REDIRECT: return MHD_add_response_header(resp, "Location", f->to) == MHD_YES;
	default: return true;
	}
}

/* JSON error bodies follow the client's Accept-Encoding like real ones. */
static struct MHD_Response *error_response(struct mgw_reply *r, const struct mgw_fault *f)
{
	size_t len = 0;
	char *buf;
	struct MHD_Response *resp = NULL;
	r->body = error_body(f);
	buf = r->body ? mgw_reply_encode(r, &len) : NULL;
	json_decref(r->body);
	r->body = NULL;
	if (buf && !(resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE)))
		free(buf);
	return resp;
}

static struct MHD_Response *fault_response(struct mgw_reply *r, const struct mgw_fault *f)
{
	r->gzip = r->gzip && (f->kind == MGW_FAULT_STATUS || f->kind == MGW_FAULT_RETRY_AFTER ||
	                      f->kind == MGW_FAULT_SHOULD_RETRY ||
	                      (f->kind == MGW_FAULT_ERROR_SHAPE && !is_html(f)));
	if (is_html(f)) {
		r->content_type = "text/html";
		return html_page(f->code);
	}
	switch (f->kind) {
	case MGW_FAULT_NON_JSON: return copy_of(not_json);
	case MGW_FAULT_HUGE: return mgw_stream_huge((uint64_t)f->mb * MIB, f->chunked);
	default: return error_response(r, f);
	}
}

enum MHD_Result mgw_fault_answer(struct MHD_Connection *conn, const struct mgw_fault *f,
                                 const char *request_id, bool gzip)
{
	struct mgw_reply r = { f->code ? f->code : MHD_HTTP_OK, NULL, request_id, NULL, gzip, NULL };
	struct MHD_Response *resp = fault_response(&r, f);
	if (resp && !add_fault_headers(resp, f)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	return mgw_reply_queue(conn, &r, resp);
}
