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

#include <microhttpd.h>

#include "auth.h"
#include "dataset.h"
#include "error_shape.h"
#include "fault_admin.h"
#include "fault_body.h"
#include "fault_plan.h"
#include "fault_reply.h"
#include "record.h"
#include "respond.h"
#include "sleeper.h"

#define DEFAULT_LIMIT 20
#define MAX_LIMIT 100
/* Idle keep-alive connections each hold a thread; reclaim forgotten ones. */
#define IDLE_TIMEOUT_S 300u
#define REQUEST_ID_SIZE 40
#define MOCK_PREFIX "/_mock/"
#define FAULT_HEADER "x-mock-fault"
#define FAULTS_PATH MOCK_PREFIX "faults"

struct mgw_server {
    struct mgw_server_config cfg;
    struct MHD_Daemon *daemon;
    struct mgw_record *record;
    struct mgw_fault_plan *faults;
    struct mgw_sleeper *sleeper;
    atomic_ullong requests;
    atomic_ullong connections;
    atomic_ullong api_connections;
    atomic_ullong request_ids;
    atomic_ullong faults_served;
};

/* Per TCP connection, touched only by that connection's thread. */
struct conn_state {
    bool carried_api_request;
};

/* A POST body being collected for the fault admin endpoint; other bodies
 * are ignored unread. */
struct upload {
    char *data;
    size_t len;
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
    const struct upload *upload; /* NULL unless collected */
    enum mgw_shape shape;        /* how the named provider's batches look */
    bool faulted;                /* `fault` applies to this request */
    struct mgw_fault fault;
};

/* Azure OpenAI's shape: an api-key header and a required api-version. */
#define AZURE_BATCHES_PATH "/openai/batches"

/* "/batches" is the SaaS gateway at its root: gateway.truefoundry.ai/batches. */
static const char *const batches_paths[] = {
    "/batches",
    "/v1/batches",
    "/api/llm/batches",
    "/api/llm/api/inference/openai/batches",
    AZURE_BATCHES_PATH,
};

static bool is_batches_path(const char *path)
{
    for (size_t k = 0; k < sizeof batches_paths / sizeof batches_paths[0]; k++)
        if (strcmp(path, batches_paths[k]) == 0)
            return true;
    return false;
}

static const char *header(const struct exchange *ex, const char *name)
{
    return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

static const char *argument(const struct exchange *ex, const char *name)
{
    return MHD_lookup_connection_value(ex->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Every normal answer passes here, so body faults (truncated, drop, drip)
 * bend whatever it would have been, errors included. */
static enum MHD_Result send_json(const struct exchange *ex, unsigned status, json_t *body,
                                 const char *allow)
{
    struct mgw_reply r = { status, body, ex->request_id, allow, ex->gzip, NULL };
    if (ex->faulted && mgw_fault_stage(ex->fault.kind) == MGW_STAGE_BODY)
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

static bool check_limit(const char *text, uint32_t *limit, json_t **err)
{
    char shown[32];
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
    if (v > MAX_LIMIT) {
        *err = mgw_error_body3("Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ",
                               errno == ERANGE ? text : shown, " instead.", "limit",
                               "integer_above_max_value");
        return false;
    }
    *limit = (uint32_t)v;
    return true;
}

static bool check_after(const struct exchange *ex, const char *after, uint32_t *start,
                        json_t **err)
{
    uint32_t index;
    if (!after)
        return true;
    if (!mgw_dataset_find(ex->shape, ex->srv->cfg.count, after, &index)) {
        *err = mgw_error_body3("Invalid 'after': no batch with id '", after, "'.", "after",
                               "invalid_value");
        return false;
    }
    *start = index + 1;
    return true;
}

static bool has_fault(const struct exchange *ex, enum mgw_fault_kind kind)
{
    return ex->faulted && ex->fault.kind == kind;
}

static enum MHD_Result handle_list(const struct exchange *ex)
{
    uint32_t limit = DEFAULT_LIMIT, start = 0;
    const char *after = has_fault(ex, MGW_FAULT_IGNORE_AFTER) ? NULL : argument(ex, "after");
    json_t *err = NULL, *page;
    if (!check_limit(argument(ex, "limit"), &limit, &err)
        || !check_after(ex, after, &start, &err))
        return send_json(ex, MHD_HTTP_BAD_REQUEST, err, NULL);
    page = mgw_dataset_page(ex->shape, ex->srv->cfg.count, start, limit);
    if (ex->faulted)
        page = mgw_fault_shape_page(&ex->fault, page);
    return send_json(ex, MHD_HTTP_OK, page, NULL);
}

/* The header wins over the run-level list, so one request can opt into a
 * fault, or out of the run's faults with "none", without using them up. */
static bool choose_fault(struct exchange *ex, json_t **err)
{
    const char *spec = header(ex, FAULT_HEADER);
    char why[256];
    if (spec && !mgw_fault_parse(spec, &ex->fault, why, sizeof why)) {
        *err = mgw_error_body3("Invalid " FAULT_HEADER " header: ", why, "", NULL,
                               "invalid_mock_fault");
        return false;
    }
    ex->faulted = spec ? true : mgw_fault_plan_take(ex->srv->faults, &ex->fault);
    if (ex->faulted && ex->fault.kind == MGW_FAULT_NONE)
        ex->faulted = false;
    if (ex->faulted)
        atomic_fetch_add(&ex->srv->faults_served, 1);
    return true;
}

static enum MHD_Result handle_faulted(const struct exchange *ex)
{
    enum mgw_fault_stage stage = mgw_fault_stage(ex->fault.kind);
    if (stage == MGW_STAGE_ANSWER)
        return mgw_fault_answer(ex->conn, &ex->fault, ex->request_id, ex->gzip);
    /* Stopping or a hung-up client: nothing useful left to send. */
    if (stage == MGW_STAGE_WAIT && !mgw_fault_wait(ex->conn, &ex->fault, ex->srv->sleeper))
        return MHD_NO;
    return handle_list(ex);
}

static json_t *method_error(const struct exchange *ex)
{
    return mgw_error_body3("Method ", ex->method,
                           " is not allowed here: the mock gateway only lists batches (GET).", NULL,
                           "method_not_allowed");
}

/* Faults come after the method and key checks: they stand for a flaky
 * upstream, and the client's own mistakes should still be reported as such. */
/* Azure answers in its own envelope: {"error":{"code","message"}}. */
static enum MHD_Result send_azure_error(const struct exchange *ex, unsigned status,
                                        const char *code, const char *message)
{
    return send_json(ex, status, mgw_error_azure(code, message), NULL);
}

/* Azure's checks, before the ones it shares with OpenAI; MHD_YES to go on. */
static enum MHD_Result check_azure(const struct exchange *ex, bool *answered)
{
    const char *key = header(ex, "api-key");
    *answered = true;
    if (!key || strcmp(key, ex->srv->cfg.api_key) != 0)
        return send_azure_error(ex, MHD_HTTP_UNAUTHORIZED, "401",
                                "Access denied due to invalid subscription key or wrong API "
                                "endpoint. Make sure to provide a valid key for an active "
                                "subscription and use a correct regional API endpoint for your "
                                "resource.");
    if (!argument(ex, "api-version"))
        return send_azure_error(ex, MHD_HTTP_NOT_FOUND, "404", "Resource not found");
    *answered = false;
    return MHD_YES;
}

/* The gateway routes batch calls by x-tfy-provider-name and answers in its
 * own envelope when it cannot; a name it does not know is a missing
 * resource. Without --require-provider any name, or none, gets OpenAI data. */
static enum MHD_Result check_provider(struct exchange *ex, bool *answered)
{
    const char *name = header(ex, MGW_PROVIDER_HEADER);
    const struct mgw_provider *p =
        mgw_provider_find(ex->srv->cfg.providers, ex->srv->cfg.provider_count, name);
    char message[MGW_PROVIDER_NAME_MAX + 128];
    *answered = false;
    if (p)
        ex->shape = mgw_provider_shape(p->kind);
    if (p || !ex->srv->cfg.require_provider)
        return MHD_YES;
    *answered = true;
    if (!name)
        return send_json(ex, MHD_HTTP_BAD_REQUEST,
                         mgw_error_shaped(MGW_ERROR_TRUEFOUNDRY, MHD_HTTP_BAD_REQUEST,
                                          "Header " MGW_PROVIDER_HEADER
                                          " is required for batch requests",
                                          json_pack("{s:s}", "header", MGW_PROVIDER_HEADER)),
                         NULL);
    snprintf(message, sizeof message, "Provider account '%.*s' not found",
             MGW_PROVIDER_NAME_MAX, name);
    return send_json(ex, MHD_HTTP_NOT_FOUND,
                     mgw_error_shaped(MGW_ERROR_TRUEFOUNDRY, MHD_HTTP_NOT_FOUND, message,
                                      json_pack("{s:o}", "provider_name", mgw_string_lossy(name))),
                     NULL);
}

static enum MHD_Result handle_batches(struct exchange *ex)
{
    const char *authorization = header(ex, MHD_HTTP_HEADER_AUTHORIZATION);
    bool azure = strcmp(ex->path, AZURE_BATCHES_PATH) == 0;
    bool authorized = azure || mgw_auth_ok(authorization, ex->srv->cfg.api_key);
    bool answered = false;
    enum MHD_Result r = MHD_YES;
    json_t *err = NULL;
    count_api_request(ex);
    mgw_record_capture(ex->srv->record, ex->conn, ex->method, ex->path, ex->srv->cfg.api_key);
    if (strcmp(ex->method, MHD_HTTP_METHOD_GET) != 0)
        return send_json(ex, MHD_HTTP_METHOD_NOT_ALLOWED, method_error(ex), "GET");
    if (!authorized)
        return send_json(ex, MHD_HTTP_UNAUTHORIZED, mgw_auth_error_body(authorization), NULL);
    if (azure)
        r = check_azure(ex, &answered);
    if (!answered)
        r = check_provider(ex, &answered);
    if (answered)
        return r;
    if (!choose_fault(ex, &err))
        return send_json(ex, MHD_HTTP_BAD_REQUEST, err, NULL);
    return ex->faulted ? handle_faulted(ex) : handle_list(ex);
}

/* ---- everything else --------------------------------------------------- */

static json_t *stats_json(struct mgw_server *srv)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "requests", (json_int_t)atomic_load(&srv->requests),
                     "connections", (json_int_t)atomic_load(&srv->connections),
                     "api_connections", (json_int_t)atomic_load(&srv->api_connections),
                     "faults_served", (json_int_t)atomic_load(&srv->faults_served));
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

static enum MHD_Result handle_fault_admin(const struct exchange *ex, const char *what)
{
    struct mgw_admin_request req = { ex->method, what, NULL, 0, false, ex->request_id };
    if (ex->upload) {
        req.body = ex->upload->data;
        req.body_len = ex->upload->len;
        req.body_too_big = ex->upload->too_big;
    }
    return mgw_fault_admin(ex->conn, ex->srv->faults, &req);
}

static enum MHD_Result handle_mock(const struct exchange *ex)
{
    const char *what = ex->path + strlen(MOCK_PREFIX);
    bool known = strcmp(what, "last-request") == 0 || strcmp(what, "stats") == 0;
    if (mgw_fault_admin_path(what))
        return handle_fault_admin(ex, what);
    if (!known)
        return send_not_found(ex);
    if (strcmp(ex->method, MHD_HTTP_METHOD_GET) != 0)
        return send_json(ex, MHD_HTTP_METHOD_NOT_ALLOWED, method_error(ex), "GET");
    if (strcmp(what, "stats") == 0)
        return send_json(ex, MHD_HTTP_OK, stats_json(ex->srv), NULL);
    return send_json(ex, MHD_HTTP_OK, mgw_record_last(ex->srv->record), NULL);
}

static enum MHD_Result route(struct exchange *ex)
{
    if (is_batches_path(ex->path))
        return handle_batches(ex);
    if (strncmp(ex->path, MOCK_PREFIX, strlen(MOCK_PREFIX)) == 0)
        return handle_mock(ex);
    count_api_request(ex);
    return send_not_found(ex);
}

/* With --tls-client-ca every request, /_mock/ included, needs a client
 * certificate signed by that CA: none is 401, another one 403. */
static enum MHD_Result route_checked_peer(struct exchange *ex)
{
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
    return route(ex);
}

/* Marks requests whose body is ignored; an upload marks the others. */
static int plain_request;

static void *start_request(const char *url, const char *method)
{
    if (strcmp(url, FAULTS_PATH) == 0 && strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
        struct upload *up = calloc(1, sizeof *up);
        return up; /* NULL: MHD closes the connection */
    }
    return &plain_request;
}

/* Anything past the cap is dropped and remembered, for a clean 413. */
static void collect(struct upload *up, const char *data, size_t size)
{
    char *grown;
    if (up->too_big || size > MGW_ADMIN_BODY_MAX - up->len) {
        up->too_big = true;
        return;
    }
    grown = realloc(up->data, up->len + size + 1);
    if (!grown) {
        up->too_big = true;
        return;
    }
    memcpy(grown + up->len, data, size);
    up->len += size;
    grown[up->len] = '\0';
    up->data = grown;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct upload *up = *req_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (up && *req_cls != &plain_request) {
        free(up->data);
        free(up);
    }
    *req_cls = NULL;
}

/* MHD calls this first with no body, then per body chunk, then once more; we
 * answer on the last call so POSTs get a clean 405 (or their body read). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct exchange ex = { .srv = cls, .conn = conn, .method = method, .path = url };
    (void)version;
    if (*req_cls == NULL) {
        *req_cls = start_request(url, method);
        return *req_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size != 0) {
        if (*req_cls != &plain_request)
            collect(*req_cls, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*req_cls != &plain_request)
        ex.upload = *req_cls;
    snprintf(ex.request_id, sizeof ex.request_id, "req_%032llx",
             (unsigned long long)atomic_fetch_add(&ex.srv->request_ids, 1) + 1);
    ex.gzip = ex.srv->cfg.gzip && mgw_accepts_gzip(header(&ex, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    if (mgw_tls_wants_client_cert(ex.srv->cfg.tls))
        return route_checked_peer(&ex);
    return route(&ex);
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
    return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION
                                | MHD_USE_POLL | MHD_USE_ERROR_LOG
                                | (srv->cfg.tls ? MHD_USE_TLS : 0),
                            srv->cfg.port, NULL, NULL, on_request, srv,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                            MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
                            MHD_OPTION_ARRAY, srv->cfg.tls ? mgw_tls_options(srv->cfg.tls) : plain,
                            MHD_OPTION_END);
}

struct mgw_server *mgw_server_start(const struct mgw_server_config *cfg, char *err, size_t err_size)
{
    struct mgw_server *srv = calloc(1, sizeof *srv);
    if (!srv || !(srv->record = mgw_record_new()) || !(srv->sleeper = mgw_sleeper_new())
        || !(srv->faults = mgw_fault_plan_new(cfg->faults, cfg->fault_count))) {
        snprintf(err, err_size, "out of memory");
        mgw_server_stop(srv);
        return NULL;
    }
    srv->cfg = *cfg;
    srv->cfg.faults = NULL; /* the plan holds the copy; the caller's may go */
    srv->daemon = start_daemon(srv);
    if (!srv->daemon) {
        snprintf(err, err_size, "cannot listen on 127.0.0.1:%u%s", (unsigned)cfg->port,
                 cfg->tls ? " (or GnuTLS refused the certificate, key or priority string)" : "");
        mgw_server_stop(srv);
        return NULL;
    }
    return srv;
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
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    mgw_fault_plan_free(srv->faults);
    mgw_sleeper_free(srv->sleeper);
    mgw_record_free(srv->record);
    free(srv);
}
