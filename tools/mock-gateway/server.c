/* Routing and request handling for the mock gateway. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "auth.h"
#include "batch_stats.h"
#include "batches.h"
#include "dataset.h"
#include "error_shape.h"
#include "fault_admin.h"
#include "fault_body.h"
#include "fault_plan.h"
#include "fault_reply.h"
#include "record.h"
#include "respond.h"
#include "route.h"
#include "sleeper.h"
#include "store.h"
#include "stream.h"
#include "upload.h"
#include "webhook.h"

#define DEFAULT_LIMIT 20
#define MAX_LIMIT 100
/* OpenAI's List files: limit 1..10000, default 10000, newest first. */
#define FILES_DEFAULT_LIMIT 10000
#define FILES_MAX_LIMIT 10000
/* Idle keep-alive connections each hold a thread; reclaim forgotten ones. */
#define IDLE_TIMEOUT_S 300u
#define REQUEST_ID_SIZE 40
#define MOCK_PREFIX "/_mock/"
#define FAULT_HEADER "x-mock-fault"
#define FAULTS_PATH MOCK_PREFIX "faults"
#define STATS "stats"
#define STATS_RESET "stats/reset"
/* A CreateBatchRequest is a few KiB at most (16 metadata pairs). */
#define CREATE_BODY_MAX (1024u * 1024u)

struct mgw_server {
	struct mgw_server_config cfg;
	struct MHD_Daemon *daemon;
	struct mgw_record *record;
	struct mgw_fault_plan *faults;
	struct mgw_sleeper *sleeper;
	struct mgw_store *store;
	struct mgw_batches *batches;
	struct mgw_batch_stats *batch_stats;
	struct mgw_webhook *webhook; /* --webhook-url; NULL without */
	atomic_ullong requests;
	atomic_ullong connections;
	atomic_ullong api_connections;
	atomic_ullong request_ids;
	atomic_ullong faults_served;
	atomic_ullong batches_created;
	atomic_ullong files_uploaded;
	atomic_ullong authorized; /* API requests with the right key (--rotate-key-after) */
};

/* Per TCP connection, touched only by that connection's thread. */
struct conn_state {
	bool carried_api_request;
};

/* A request body kept in memory: the fault admin list, a create request. */
struct body {
	char *data;
	size_t len;
	size_t max; /* 0: the body is read and dropped */
	bool too_big;
};

/* One request being answered. */
struct exchange {
	struct mgw_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	bool gzip;
	char request_id[REQUEST_ID_SIZE];
	enum mgw_shape shape; /* how the named provider's batches look */
	bool faulted;         /* `fault` applies to this request */
	bool fault_header;    /* x-mock-fault was given (then `fault` is its spec) */
	struct mgw_fault fault;
};

enum request_kind { REQ_PLAIN, REQ_ADMIN, REQ_API };

/* A request from its headers to its answer. API requests are admitted
 * (method, key, provider, fault) as soon as the headers are in, so a
 * refused upload is never stored and a fault can act on the body. */
struct request {
	struct exchange ex;
	enum request_kind kind;
	struct mgw_path where;
	unsigned route;  /* enum mgw_route */
	json_t *refusal; /* answer decided at admission, sent at the end */
	unsigned refusal_status;
	const char *allow;
	struct body body;
	struct mgw_upload *upload;
	uint64_t received; /* body bytes read */
};

static const char *header(const struct exchange *ex, const char *name)
{
	return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

static const char *argument(const struct exchange *ex, const char *name)
{
	return MHD_lookup_connection_value(ex->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum mgw_fault_stage fault_stage(const struct exchange *ex)
{
	return ex->faulted ? mgw_fault_stage(ex->fault.kind) : MGW_STAGE_NONE;
}

/* A no-answer fault: the call was carried out; wait, then hang up. */
static enum MHD_Result withhold(const struct exchange *ex)
{
	mgw_fault_wait(ex->conn, &ex->fault, ex->srv->sleeper);
	return MHD_NO;
}

/* Every normal answer passes here, so body faults (truncated, drop, drip)
 * bend whatever it would have been, errors included. */
static enum MHD_Result send_json(const struct exchange *ex, unsigned status, json_t *body,
                                 const char *allow)
{
	struct mgw_reply r = { status, body, ex->request_id, allow, ex->gzip, NULL };
	enum mgw_fault_stage stage = fault_stage(ex);
	if (stage == MGW_STAGE_SILENT) {
		json_decref(body);
		return withhold(ex);
	}
	if (stage == MGW_STAGE_BODY)
		return mgw_fault_deliver(ex->conn, &ex->fault, &r, ex->srv->sleeper);
	return mgw_reply_send(ex->conn, &r);
}

/* ---- counters ---------------------------------------------------------- */

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct mgw_server *srv = cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&srv->connections, 1);
		*socket_context = calloc(1, sizeof(struct conn_state));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

/* /_mock/ traffic is left out so tests can observe a client without
 * disturbing the figures. */
static void count_api_request(const struct exchange *ex)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(ex->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_state *state = info ? info->socket_context : NULL;
	atomic_fetch_add(&ex->srv->requests, 1);
	if (state && !state->carried_api_request) {
		state->carried_api_request = true;
		atomic_fetch_add(&ex->srv->api_connections, 1);
	}
}

/* ---- GET /batches ------------------------------------------------------ */

/* Strict base-10, as OpenAI: optional '-', digits, nothing else. */
static bool is_integer_text(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool check_limit(const char *text, uint32_t max, uint32_t *limit, json_t **err)
{
	char shown[32], above[96];
	long long v;
	if (!text)
		return true;
	if (!is_integer_text(text)) {
		*err = mgw_error_body3("Invalid 'limit': expected an integer, but got '", text,
		                       "' instead.", "limit", "invalid_type");
		return false;
	}
	errno = 0;
	v = strtoll(text, NULL, 10);
	snprintf(shown, sizeof shown, "%lld", v);
	if (v < 1) {
		*err = mgw_error_body3("Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ",
		                       errno == ERANGE ? text : shown, " instead.", "limit",
		                       "integer_below_min_value");
		return false;
	}
	if (v > max) {
		snprintf(above, sizeof above,
		         "Invalid 'limit': integer above maximum value. Expected a value <= %u, but got ",
		         (unsigned)max);
		*err = mgw_error_body3(above, errno == ERANGE ? text : shown, " instead.", "limit",
		                       "integer_above_max_value");
		return false;
	}
	*limit = (uint32_t)v;
	return true;
}

/* Created batches come first (newest first), then the generated set;
 * `start` indexes that whole list. Created batches are OpenAI-shaped, so
 * they only join the OpenAI-shaped listing. */
static size_t created_count(const struct exchange *ex)
{
	return ex->shape == MGW_SHAPE_OPENAI ? mgw_batches_count(ex->srv->batches) : 0;
}

static bool check_after(const struct exchange *ex, const char *after, size_t created, size_t *start,
                        json_t **err)
{
	uint32_t index;
	size_t k;
	if (!after)
		return true;
	if (created && mgw_batches_find(ex->srv->batches, after, &k) && k < created) {
		*start = k + 1;
		return true;
	}
	if (!mgw_dataset_find(ex->shape, ex->srv->cfg.count, after, &index)) {
		*err = mgw_error_body3("Invalid 'after': no batch with id '", after, "'.", "after",
		                       "invalid_value");
		return false;
	}
	*start = created + index + 1;
	return true;
}

static bool has_fault(const struct exchange *ex, enum mgw_fault_kind kind)
{
	return ex->faulted && ex->fault.kind == kind;
}

/* Puts `items` (created batches) in front of a generated page. */
static json_t *merge_page(json_t *page, json_t *items, bool more)
{
	json_t *data = json_object_get(page, "data");
	size_t n;
	if (!page || !items || json_array_extend(items, data) != 0) {
		json_decref(page);
		json_decref(items);
		return NULL;
	}
	n = json_array_size(items);
	json_object_set(page, "first_id", json_object_get(json_array_get(items, 0), "id"));
	json_object_set(page, "last_id", json_object_get(json_array_get(items, n - 1), "id"));
	json_object_set_new(page, "has_more", json_boolean(more));
	json_object_set_new(page, "data", items);
	return page;
}

static json_t *list_page(const struct exchange *ex, size_t created, size_t start, uint32_t limit)
{
	uint32_t count = ex->srv->cfg.count;
	json_t *items;
	size_t got;
	if (start >= created)
		return mgw_dataset_page(ex->shape, count, (uint32_t)(start - created), limit);
	items = mgw_batches_slice(ex->srv->batches, start, limit);
	got = json_array_size(items);
	return merge_page(mgw_dataset_page(ex->shape, count, 0, limit - (uint32_t)got), items,
	                  start + limit < created + count);
}

static enum MHD_Result handle_list(const struct exchange *ex)
{
	uint32_t limit = DEFAULT_LIMIT;
	size_t start = 0, created = created_count(ex);
	const char *after = has_fault(ex, MGW_FAULT_IGNORE_AFTER) ? NULL : argument(ex, "after");
	json_t *err = NULL, *page;
	if (!check_limit(argument(ex, "limit"), MAX_LIMIT, &limit, &err) ||
	    !check_after(ex, after, created, &start, &err))
		return send_json(ex, MHD_HTTP_BAD_REQUEST, err, NULL);
	page = list_page(ex, created, start, limit);
	if (ex->faulted)
		page = mgw_fault_shape_page(&ex->fault, page);
	return send_json(ex, MHD_HTTP_OK, page, NULL);
}

/* ---- GET /files -------------------------------------------------------- */

/* OpenAI's words for a value outside an enum. */
static bool check_order(const char *text, bool *asc, json_t **err)
{
	if (!text)
		return true;
	*asc = strcmp(text, "asc") == 0;
	if (*asc || strcmp(text, "desc") == 0)
		return true;
	*err = mgw_error_body3("Invalid value: '", text, "'. Supported values are: 'asc' and 'desc'.",
	                       "order", "invalid_value");
	return false;
}

/* The files in the store, newest first unless order=asc; the list faults
 * (ignore-after, no-has-more, empty-has-more) apply with route=files. */
static enum MHD_Result handle_files(const struct exchange *ex)
{
	uint32_t limit = FILES_DEFAULT_LIMIT;
	bool asc = false, unknown_after = false;
	const char *after = has_fault(ex, MGW_FAULT_IGNORE_AFTER) ? NULL : argument(ex, "after");
	json_t *err = NULL, *page;
	if (!check_limit(argument(ex, "limit"), FILES_MAX_LIMIT, &limit, &err) ||
	    !check_order(argument(ex, "order"), &asc, &err))
		return send_json(ex, MHD_HTTP_BAD_REQUEST, err, NULL);
	page = mgw_store_list(ex->srv->store, after, limit, asc, argument(ex, "purpose"),
	                      &unknown_after);
	if (unknown_after)
		return send_json(ex, MHD_HTTP_BAD_REQUEST,
		                 mgw_error_body3("Invalid 'after': no file with id '", after, "'.",
		                                 "after", "invalid_value"),
		                 NULL);
	if (!page)
		return send_json(ex, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                 mgw_error_body("out of memory", NULL, NULL), NULL);
	if (ex->faulted)
		page = mgw_fault_shape_page(&ex->fault, page);
	return send_json(ex, MHD_HTTP_OK, page, NULL);
}

/* ---- batches and files ------------------------------------------------- */

static enum MHD_Result handle_create(const struct request *rq)
{
	const struct exchange *ex = &rq->ex;
	unsigned status;
	json_t *req, *answer;
	if (rq->body.too_big)
		return send_json(ex, MHD_HTTP_CONTENT_TOO_LARGE,
		                 mgw_error_body("The request body is too large.", NULL, NULL), NULL);
	req = rq->body.data ? json_loadb(rq->body.data, rq->body.len, 0, NULL) : NULL;
	answer = mgw_batches_create(ex->srv->batches, req, ex->fault_header ? &ex->fault : NULL,
	                            &status);
	json_decref(req);
	if (status == MHD_HTTP_OK)
		atomic_fetch_add(&ex->srv->batches_created, 1);
	return send_json(ex, status, answer, NULL);
}

/* A batch of the generated set answers too, in its provider's shape. */
static enum MHD_Result handle_retrieve(const struct request *rq)
{
	const struct exchange *ex = &rq->ex;
	unsigned status;
	uint32_t index;
	json_t *answer = mgw_batches_retrieve(ex->srv->batches, rq->where.id, &status);
	if (status == MHD_HTTP_NOT_FOUND &&
	    mgw_dataset_find(ex->shape, ex->srv->cfg.count, rq->where.id, &index)) {
		json_decref(answer);
		answer = mgw_dataset_item(ex->shape, index);
		status = MHD_HTTP_OK;
	}
	return send_json(ex, status, answer, NULL);
}

static enum MHD_Result handle_cancel(const struct request *rq)
{
	unsigned status;
	json_t *answer = mgw_batches_cancel(rq->ex.srv->batches, rq->where.id, &status);
	return send_json(&rq->ex, status, answer, NULL);
}

static enum MHD_Result handle_upload(struct request *rq)
{
	unsigned status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	json_t *answer = mgw_upload_finish(rq->upload, &status);
	if (status == MHD_HTTP_OK)
		atomic_fetch_add(&rq->ex.srv->files_uploaded, 1);
	return send_json(&rq->ex, status, answer, NULL);
}

static enum MHD_Result no_such_file(const struct request *rq)
{
	return send_json(&rq->ex, MHD_HTTP_NOT_FOUND,
	                 mgw_error_body3("No such File object: ", rq->where.id, "", "id", NULL), NULL);
}

static enum MHD_Result handle_file(const struct request *rq)
{
	json_t *obj = mgw_store_object(rq->ex.srv->store, rq->where.id);
	return obj ? send_json(&rq->ex, MHD_HTTP_OK, obj, NULL) : no_such_file(rq);
}

static enum MHD_Result handle_delete(const struct request *rq)
{
	if (!mgw_store_delete(rq->ex.srv->store, rq->where.id))
		return no_such_file(rq);
	return send_json(&rq->ex, MHD_HTTP_OK,
	                 json_pack("{s:s, s:s, s:b}", "id", rq->where.id, "object", "file",
	                           "deleted", 1),
	                 NULL);
}

/* Streamed from disk. The drop fault cuts the content itself: the full
 * Content-Length, then part of the bytes and a hang-up. */
static enum MHD_Result handle_download(const struct request *rq)
{
	const struct exchange *ex = &rq->ex;
	struct mgw_reply r = { MHD_HTTP_OK, NULL,  ex->request_id,
		               NULL,        false, "application/octet-stream" };
	uint64_t size = 0, keep;
	int fd = mgw_store_open(ex->srv->store, rq->where.id, &size);
	if (fd < 0)
		return no_such_file(rq);
	keep = size;
	if (has_fault(ex, MGW_FAULT_DROP) && size > 0)
		keep = !ex->fault.bytes_set   ? size / 2
		     : ex->fault.bytes < size ? ex->fault.bytes
		                              : size - 1;
	if (fault_stage(ex) == MGW_STAGE_SILENT) {
		close(fd);
		return withhold(ex);
	}
	return mgw_reply_queue(ex->conn, &r, mgw_stream_file(fd, size, keep));
}

static enum MHD_Result carry_out(struct request *rq)
{
	switch (rq->route) {
	case MGW_ROUTE_CREATE: return handle_create(rq);
	case MGW_ROUTE_RETRIEVE: return handle_retrieve(rq);
	case MGW_ROUTE_CANCEL: return handle_cancel(rq);
	case MGW_ROUTE_UPLOAD: return handle_upload(rq);
	case MGW_ROUTE_FILE: return handle_file(rq);
	case MGW_ROUTE_DOWNLOAD: return handle_download(rq);
	case MGW_ROUTE_DELETE: return handle_delete(rq);
	case MGW_ROUTE_FILES: return handle_files(&rq->ex);
	default: return handle_list(&rq->ex);
	}
}

/* ---- admission --------------------------------------------------------- */

static void refuse(struct request *rq, unsigned status, json_t *body, const char *allow)
{
	rq->refusal_status = status;
	rq->refusal = body ? body : json_object(); /* never NULL: it marks the refusal */
	rq->allow = allow;
}

/* The header wins over the run-level list, so one request can opt into a
 * fault, or out of the run's faults with "none", without using them up.
 * A fault whose route= leaves this route out does not apply. */
static bool choose_fault(struct request *rq)
{
	struct exchange *ex = &rq->ex;
	const char *spec = header(ex, FAULT_HEADER);
	char why[256];
	if (spec && !mgw_fault_parse(spec, &ex->fault, why, sizeof why)) {
		refuse(rq, MHD_HTTP_BAD_REQUEST,
		       mgw_error_body3("Invalid " FAULT_HEADER " header: ", why, "", NULL,
		                       "invalid_mock_fault"),
		       NULL);
		return false;
	}
	ex->fault_header = spec != NULL;
	ex->faulted = spec ? mgw_fault_applies(&ex->fault, rq->route)
	                   : mgw_fault_plan_take(ex->srv->faults, rq->route, &ex->fault);
	if (ex->faulted && ex->fault.kind == MGW_FAULT_NONE)
		ex->faulted = false;
	if (ex->faulted)
		atomic_fetch_add(&ex->srv->faults_served, 1);
	return true;
}

static json_t *method_error(const struct exchange *ex)
{
	return mgw_error_body3("Method ", ex->method, " is not allowed on this path.", NULL,
	                       "method_not_allowed");
}

/* Azure's checks, before the ones it shares with OpenAI, in its own
 * envelope: {"error":{"code","message"}}. */
static bool check_azure(struct request *rq, const char *accepted)
{
	const struct exchange *ex = &rq->ex;
	const char *key = header(ex, "api-key");
	if (!key || strcmp(key, accepted) != 0) {
		refuse(rq, MHD_HTTP_UNAUTHORIZED,
		       mgw_error_azure("401", "Access denied due to invalid subscription key or wrong "
		                              "API endpoint. Make sure to provide a valid key for an "
		                              "active subscription and use a correct regional API "
		                              "endpoint for your resource."),
		       NULL);
		return false;
	}
	if (!argument(ex, "api-version")) {
		refuse(rq, MHD_HTTP_NOT_FOUND, mgw_error_azure("404", "Resource not found"), NULL);
		return false;
	}
	return true;
}

static void refuse_truefoundry(struct request *rq, unsigned status, const char *message, json_t *details)
{
	refuse(rq, status, mgw_error_shaped(MGW_ERROR_TRUEFOUNDRY, status, message, details), NULL);
}

/* Bedrock and Vertex keep batch files in the customer's bucket, which the
 * gateway wants named on every call but the listing. */
static bool check_bucket(struct request *rq, const struct mgw_provider *p)
{
	const char *need = p->kind == MGW_PROVIDER_BEDROCK ? "x-tfy-aws-s3-bucket"
	                 : p->kind == MGW_PROVIDER_VERTEX  ? "x-tfy-vertex-storage-bucket-name"
	                                                   : NULL;
	char message[128];
	if (!need || rq->route == MGW_ROUTE_LIST || header(&rq->ex, need))
		return true;
	snprintf(message, sizeof message, "Header %s is required for %s batch requests", need,
	         p->kind == MGW_PROVIDER_BEDROCK ? "bedrock" : "vertex");
	refuse_truefoundry(rq, MHD_HTTP_BAD_REQUEST, message, json_pack("{s:s}", "header", need));
	return false;
}

/* The gateway routes batch calls by x-tfy-provider-name and answers in its
 * own envelope when it cannot; a name it does not know is a missing
 * resource. Without --require-provider any name, or none, gets OpenAI data. */
static bool check_provider(struct request *rq)
{
	struct exchange *ex = &rq->ex;
	const char *name = header(ex, MGW_PROVIDER_HEADER);
	const struct mgw_provider *p = mgw_provider_find(ex->srv->cfg.providers,
	                                                 ex->srv->cfg.provider_count, name);
	char message[MGW_PROVIDER_NAME_MAX + 128];
	if (p) {
		ex->shape = mgw_provider_shape(p->kind);
		return check_bucket(rq, p);
	}
	if (!ex->srv->cfg.require_provider)
		return true;
	if (!name) {
		refuse_truefoundry(rq, MHD_HTTP_BAD_REQUEST,
		                   "Header " MGW_PROVIDER_HEADER " is required for batch requests",
		                   json_pack("{s:s}", "header", MGW_PROVIDER_HEADER));
		return false;
	}
	snprintf(message, sizeof message, "Provider account '%.*s' not found",
	         MGW_PROVIDER_NAME_MAX, name);
	refuse_truefoundry(rq, MHD_HTTP_NOT_FOUND, message,
	                   json_pack("{s:o}", "provider_name", mgw_string_lossy(name)));
	return false;
}

/* Faults come after the method and key checks: they stand for a flaky
 * upstream, and the client's own mistakes should still be reported as such. */
static bool admit(struct request *rq)
{
	struct exchange *ex = &rq->ex;
	const char *authorization = header(ex, MHD_HTTP_HEADER_AUTHORIZATION);
	char key[MGW_KEY_MAX]; /* the key accepted now: --rotate-key-after changes it */
	mgw_auth_current_key(ex->srv->cfg.api_key, ex->srv->cfg.rotate_key_after,
	                     atomic_load(&ex->srv->authorized), key);
	count_api_request(ex);
	mgw_record_capture(ex->srv->record, ex->conn, ex->method, ex->path, key);
	if (!(rq->route = mgw_route_of(&rq->where, ex->method, &rq->allow))) {
		refuse(rq, MHD_HTTP_METHOD_NOT_ALLOWED, method_error(ex), rq->allow);
		return false;
	}
	if (!rq->where.azure && !mgw_auth_ok(authorization, key)) {
		refuse(rq, MHD_HTTP_UNAUTHORIZED, mgw_auth_error_body(authorization), NULL);
		return false;
	}
	if (rq->where.azure && !check_azure(rq, key))
		return false;
	atomic_fetch_add(&ex->srv->authorized, 1);
	return check_provider(rq) && choose_fault(rq);
}

/* Sets up where the body of an admitted request goes; false on no memory. */
static bool prepare_body(struct request *rq)
{
	if (fault_stage(&rq->ex) == MGW_STAGE_ANSWER)
		return true; /* the answer does not depend on it */
	if (rq->route == MGW_ROUTE_UPLOAD)
		return (rq->upload = mgw_upload_new(rq->ex.conn, rq->ex.srv->store)) != NULL;
	if (rq->route == MGW_ROUTE_CREATE)
		rq->body.max = CREATE_BODY_MAX;
	return true;
}

static enum MHD_Result answer_api(struct request *rq)
{
	struct exchange *ex = &rq->ex;
	enum mgw_fault_stage stage = fault_stage(ex);
	if (rq->refusal) {
		json_t *body = rq->refusal;
		rq->refusal = NULL;
		return send_json(ex, rq->refusal_status, body, rq->allow);
	}
	if (stage == MGW_STAGE_ANSWER)
		return mgw_fault_answer(ex->conn, &ex->fault, ex->request_id, ex->gzip);
	/* Stopping or a hung-up client: nothing useful left to send. */
	if (stage == MGW_STAGE_WAIT && !mgw_fault_wait(ex->conn, &ex->fault, ex->srv->sleeper))
		return MHD_NO;
	return carry_out(rq);
}

/* ---- everything else --------------------------------------------------- */

static json_t *stats_json(struct mgw_server *srv)
{
	json_t *stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
	                          (json_int_t)atomic_load(&srv->requests), "connections",
	                          (json_int_t)atomic_load(&srv->connections), "api_connections",
	                          (json_int_t)atomic_load(&srv->api_connections), "faults_served",
	                          (json_int_t)atomic_load(&srv->faults_served), "batches_created",
	                          (json_int_t)atomic_load(&srv->batches_created), "files_uploaded",
	                          (json_int_t)atomic_load(&srv->files_uploaded));
	if (stats && !mgw_batch_stats_put(srv->batch_stats, stats)) {
		json_decref(stats);
		return NULL;
	}
	return stats;
}

/* Every count back to zero; what the mock remembers (files, batches,
 * flaky custom_ids, the key's rotation) stays. */
static void stats_reset(struct mgw_server *srv)
{
	atomic_ullong *counts[] = { &srv->requests,        &srv->connections,
		                    &srv->api_connections, &srv->faults_served,
		                    &srv->batches_created, &srv->files_uploaded };
	for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
		atomic_store(counts[k], 0);
	mgw_batch_stats_reset(srv->batch_stats);
}

/* OpenAI's wording: "Invalid URL (GET /v1/nope)". */
static enum MHD_Result send_not_found(const struct exchange *ex)
{
	size_t m = strlen(ex->method);
	char *what = malloc(m + strlen(ex->path) + 2);
	json_t *body;
	if (!what)
		return MHD_NO;
	memcpy(what, ex->method, m);
	what[m] = ' ';
	strcpy(what + m + 1, ex->path);
	body = mgw_error_body3("Invalid URL (", what, ")", NULL, "unknown_url");
	free(what);
	return send_json(ex, MHD_HTTP_NOT_FOUND, body, NULL);
}

static enum MHD_Result handle_fault_admin(const struct request *rq, const char *what)
{
	const struct exchange *ex = &rq->ex;
	struct mgw_admin_request req = { ex->method,       what,
		                         rq->body.data,    rq->body.len,
		                         rq->body.too_big, ex->request_id };
	return mgw_fault_admin(ex->conn, ex->srv->faults, &req);
}

static enum MHD_Result handle_mock(const struct request *rq)
{
	const struct exchange *ex = &rq->ex;
	const char *what = ex->path + strlen(MOCK_PREFIX);
	bool reset = strcmp(what, STATS_RESET) == 0;
	bool known = strcmp(what, "last-request") == 0 || strcmp(what, STATS) == 0 || reset;
	bool get = strcmp(ex->method, MHD_HTTP_METHOD_GET) == 0;
	if (mgw_fault_admin_path(what))
		return handle_fault_admin(rq, what);
	if (!known)
		return send_not_found(ex);
	/* A reset, as the faults' one, takes GET or POST. */
	if (!get && !(reset && strcmp(ex->method, MHD_HTTP_METHOD_POST) == 0))
		return send_json(ex, MHD_HTTP_METHOD_NOT_ALLOWED, method_error(ex),
		                 reset ? "GET, POST" : "GET");
	if (reset)
		stats_reset(ex->srv);
	if (reset || strcmp(what, STATS) == 0)
		return send_json(ex, MHD_HTTP_OK, stats_json(ex->srv), NULL);
	return send_json(ex, MHD_HTTP_OK, mgw_record_last(ex->srv->record), NULL);
}

static enum MHD_Result answer(struct request *rq)
{
	if (rq->kind == REQ_API)
		return answer_api(rq);
	if (strncmp(rq->ex.path, MOCK_PREFIX, strlen(MOCK_PREFIX)) == 0)
		return handle_mock(rq);
	count_api_request(&rq->ex);
	return send_not_found(&rq->ex);
}

/* With --tls-client-ca every request, /_mock/ included, needs a client
 * certificate signed by that CA: none is 401, another one 403. */
static enum MHD_Result answer_checked_peer(struct request *rq)
{
	struct exchange *ex = &rq->ex;
	enum mgw_peer peer = mgw_tls_check_peer(ex->conn);
	if (peer == MGW_PEER_MISSING)
		return send_json(ex, MHD_HTTP_UNAUTHORIZED,
		                 mgw_error_body("A client certificate is required.", NULL,
		                                "client_certificate_required"),
		                 NULL);
	if (peer == MGW_PEER_BAD)
		return send_json(ex, MHD_HTTP_FORBIDDEN,
		                 mgw_error_body("The client certificate is not signed by a trusted CA.",
		                                NULL, "client_certificate_untrusted"),
		                 NULL);
	return answer(rq);
}

/* ---- request life ------------------------------------------------------ */

static struct request *begin_request(struct mgw_server *srv, struct MHD_Connection *conn,
                                     const char *url, const char *method)
{
	struct request *rq = calloc(1, sizeof *rq);
	if (!rq)
		return NULL; /* MHD closes the connection */
	rq->ex = (struct exchange){ .srv = srv, .conn = conn, .method = method, .path = url };
	snprintf(rq->ex.request_id, sizeof rq->ex.request_id, "req_%032llx",
	         (unsigned long long)atomic_fetch_add(&srv->request_ids, 1) + 1);
	rq->ex.gzip = srv->cfg.gzip &&
	              mgw_accepts_gzip(header(&rq->ex, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	if (strcmp(url, FAULTS_PATH) == 0 && strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
		rq->kind = REQ_ADMIN;
		rq->body.max = MGW_ADMIN_BODY_MAX;
	} else if (mgw_path_parse(url, &rq->where)) {
		rq->kind = REQ_API;
		if (admit(rq) && !prepare_body(rq)) {
			free(rq);
			return NULL;
		}
	}
	return rq;
}

/* Anything past the cap is dropped and remembered, for a clean 413. */
static void collect(struct body *b, const char *data, size_t size)
{
	char *grown;
	if (b->too_big || size > b->max - b->len) {
		b->too_big = true;
		return;
	}
	grown = realloc(b->data, b->len + size + 1);
	if (!grown) {
		b->too_big = true;
		return;
	}
	memcpy(grown + b->len, data, size);
	b->len += size;
	grown[b->len] = '\0';
	b->data = grown;
}

/* False closes the connection: the drop-upload fault. */
static bool take_body(struct request *rq, const char *data, size_t size)
{
	rq->received += size;
	if (!rq->refusal && has_fault(&rq->ex, MGW_FAULT_DROP_UPLOAD) &&
	    rq->received > rq->ex.fault.bytes)
		return false;
	if (rq->upload)
		mgw_upload_feed(rq->upload, data, size);
	else if (rq->body.max)
		collect(&rq->body, data, size);
	return true;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (rq) {
		json_decref(rq->refusal);
		mgw_upload_free(rq->upload); /* an upload cut short leaves no file */
		free(rq->body.data);
		free(rq);
	}
	*req_cls = NULL;
}

/* MHD calls this first with the headers, then per body chunk, then once
 * more; API requests are admitted on the first call and answered on the
 * last, so POSTs get a clean 405 (or their body read). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	struct request *rq = *req_cls;
	bool ok;
	(void)version;
	if (!rq) {
		*req_cls = begin_request(cls, conn, url, method);
		return *req_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size != 0) {
		ok = take_body(rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ok ? MHD_YES : MHD_NO;
	}
	if (mgw_tls_wants_client_cert(rq->ex.srv->cfg.tls))
		return answer_checked_peer(rq);
	return answer(rq);
}

/* ---- lifecycle --------------------------------------------------------- */

static struct MHD_Daemon *start_daemon(struct mgw_server *srv)
{
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(srv->cfg.port);
	static const struct MHD_OptionItem plain[] = { { MHD_OPTION_END, 0, NULL } };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never reachable from elsewhere */
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                                MHD_USE_POLL | MHD_USE_ERROR_LOG |
	                                (srv->cfg.tls ? MHD_USE_TLS : 0),
	                        srv->cfg.port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
	                        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_CONNECTION,
	                        on_connection, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	                        MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S, MHD_OPTION_ARRAY,
	                        srv->cfg.tls ? mgw_tls_options(srv->cfg.tls) : plain, MHD_OPTION_END);
}

struct mgw_server *mgw_server_start(const struct mgw_server_config *cfg, char *err, size_t err_size)
{
	struct mgw_server *srv = calloc(1, sizeof *srv);
	if (!srv || !(srv->record = mgw_record_new()) || !(srv->sleeper = mgw_sleeper_new()) ||
	    !(srv->faults = mgw_fault_plan_new(cfg->faults, cfg->fault_count))) {
		snprintf(err, err_size, "out of memory");
		mgw_server_stop(srv);
		return NULL;
	}
	srv->store = mgw_store_new(cfg->max_file_bytes, err, err_size);
	if (srv->store && (srv->batch_stats = mgw_batch_stats_new()) != NULL) {
		struct mgw_batches_config bc = { srv->store, cfg->batch_seconds, srv->faults,
			                         srv->batch_stats };
		srv->batches = mgw_batches_new(&bc);
	}
	if (!srv->batches) {
		if (srv->store)
			snprintf(err, err_size, "out of memory");
		mgw_server_stop(srv);
		return NULL;
	}
	srv->cfg = *cfg;
	srv->cfg.faults = NULL; /* the plan holds the copy; the caller's may go */
	srv->daemon = start_daemon(srv);
	if (!srv->daemon) {
		snprintf(err, err_size, "cannot listen on 127.0.0.1:%u%s", (unsigned)cfg->port,
		         cfg->tls ? " (or GnuTLS refused the certificate, key or priority string)"
		                  : "");
		mgw_server_stop(srv);
		return NULL;
	}
	if (cfg->webhook_url &&
	    !(srv->webhook = mgw_webhook_start(cfg->webhook_url, cfg->webhook_secret, cfg->webhook_retry_ms,
	                                       srv->batches, srv->sleeper, err, err_size))) {
		mgw_server_stop(srv);
		return NULL;
	}
	return srv;
}

const char *mgw_server_files_dir(const struct mgw_server *srv)
{
	return mgw_store_dir(srv->store);
}

uint16_t mgw_server_port(const struct mgw_server *srv)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

void mgw_server_stop(struct mgw_server *srv)
{
	if (!srv)
		return;
	/* Wake stalled and dripping connections first: MHD_stop_daemon joins
     * their threads and would otherwise wait out every stall. */
	if (srv->sleeper)
		mgw_sleeper_stop(srv->sleeper);
	mgw_webhook_stop(srv->webhook);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	mgw_batches_free(srv->batches);
	mgw_batch_stats_free(srv->batch_stats);
	mgw_store_free(srv->store); /* removes the files and their directory */
	mgw_fault_plan_free(srv->faults);
	mgw_sleeper_free(srv->sleeper);
	mgw_record_free(srv->record);
	free(srv);
}
