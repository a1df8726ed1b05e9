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
#include "record.h"
#include "respond.h"

#define DEFAULT_LIMIT 20
#define MAX_LIMIT 100
/* Idle keep-alive connections each hold a thread; reclaim forgotten ones. */
#define IDLE_TIMEOUT_S 300u
#define REQUEST_ID_SIZE 40
#define MOCK_PREFIX "/_mock/"

struct mgw_server {
    struct mgw_server_config cfg;
    struct MHD_Daemon *daemon;
    struct mgw_record *record;
    atomic_ullong requests;
    atomic_ullong connections;
    atomic_ullong api_connections;
    atomic_ullong request_ids;
};

/* Per TCP connection, touched only by that connection's thread. */
struct conn_state {
    bool carried_api_request;
};

/* One request being answered. */
struct exchange {
    struct mgw_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    bool gzip;
    char request_id[REQUEST_ID_SIZE];
};

static const char *const batches_paths[] = {
    "/v1/batches",
    "/api/llm/batches",
    "/api/llm/api/inference/openai/batches",
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

static enum MHD_Result send_json(const struct exchange *ex, unsigned status, json_t *body,
                                 const char *allow)
{
    struct mgw_reply r = { status, body, ex->request_id, allow, ex->gzip };
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

static bool check_after(uint32_t count, const char *after, uint32_t *start, json_t **err)
{
    uint32_t index;
    if (!after)
        return true;
    if (!mgw_dataset_find(count, after, &index)) {
        *err = mgw_error_body3("Invalid 'after': no batch with id '", after, "'.", "after",
                               "invalid_value");
        return false;
    }
    *start = index + 1;
    return true;
}

static enum MHD_Result handle_list(const struct exchange *ex)
{
    uint32_t limit = DEFAULT_LIMIT, start = 0;
    json_t *err = NULL;
    if (!check_limit(argument(ex, "limit"), &limit, &err)
        || !check_after(ex->srv->cfg.count, argument(ex, "after"), &start, &err))
        return send_json(ex, MHD_HTTP_BAD_REQUEST, err, NULL);
    return send_json(ex, MHD_HTTP_OK, mgw_dataset_page(ex->srv->cfg.count, start, limit), NULL);
}

static json_t *method_error(const struct exchange *ex)
{
    return mgw_error_body3("Method ", ex->method,
                           " is not allowed here: the mock gateway only lists batches (GET).", NULL,
                           "method_not_allowed");
}

static enum MHD_Result handle_batches(const struct exchange *ex)
{
    const char *authorization = header(ex, MHD_HTTP_HEADER_AUTHORIZATION);
    bool authorized = mgw_auth_ok(authorization, ex->srv->cfg.api_key);
    count_api_request(ex);
    mgw_record_capture(ex->srv->record, ex->conn, ex->method, ex->path, ex->srv->cfg.api_key);
    if (strcmp(ex->method, MHD_HTTP_METHOD_GET) != 0)
        return send_json(ex, MHD_HTTP_METHOD_NOT_ALLOWED, method_error(ex), "GET");
    if (!authorized)
        return send_json(ex, MHD_HTTP_UNAUTHORIZED, mgw_auth_error_body(authorization), NULL);
    return handle_list(ex);
}

/* ---- everything else --------------------------------------------------- */

static json_t *stats_json(struct mgw_server *srv)
{
    return json_pack("{s:I, s:I, s:I}", "requests", (json_int_t)atomic_load(&srv->requests),
                     "connections", (json_int_t)atomic_load(&srv->connections),
                     "api_connections", (json_int_t)atomic_load(&srv->api_connections));
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

static enum MHD_Result handle_mock(const struct exchange *ex)
{
    const char *what = ex->path + strlen(MOCK_PREFIX);
    bool known = strcmp(what, "last-request") == 0 || strcmp(what, "stats") == 0;
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

/* MHD calls this first with no body, then per body chunk, then once more; we
 * ignore bodies and answer on the last call so POSTs get a clean 405. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    static int started;
    struct exchange ex = { cls, conn, method, url, false, { 0 } };
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &started;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    snprintf(ex.request_id, sizeof ex.request_id, "req_%032llx",
             (unsigned long long)atomic_fetch_add(&ex.srv->request_ids, 1) + 1);
    ex.gzip = ex.srv->cfg.gzip && mgw_accepts_gzip(header(&ex, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    return route(&ex);
}

/* ---- lifecycle --------------------------------------------------------- */

static struct MHD_Daemon *start_daemon(struct mgw_server *srv)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(srv->cfg.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never reachable from elsewhere */
    return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION
                                | MHD_USE_POLL | MHD_USE_ERROR_LOG,
                            srv->cfg.port, NULL, NULL, on_request, srv,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
                            MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
                            MHD_OPTION_END);
}

struct mgw_server *mgw_server_start(const struct mgw_server_config *cfg, char *err, size_t err_size)
{
    struct mgw_server *srv = calloc(1, sizeof *srv);
    if (!srv || !(srv->record = mgw_record_new())) {
        snprintf(err, err_size, "out of memory");
        free(srv);
        return NULL;
    }
    srv->cfg = *cfg;
    srv->daemon = start_daemon(srv);
    if (!srv->daemon) {
        snprintf(err, err_size, "cannot listen on 127.0.0.1:%u", (unsigned)cfg->port);
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
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    mgw_record_free(srv->record);
    free(srv);
}
