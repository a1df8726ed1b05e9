/* tfy-mock-gateway: an offline stand-in for OpenAI's List batches endpoint.
 * This file parses the command line and runs the server until SIGTERM/SIGINT. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pthread.h>

#include "dataset.h"
#include "server.h"

#define DEFAULT_COUNT 100u
#define DEFAULT_API_KEY "tfy-local-key"
#define EXIT_USAGE 2

static const char usage_text[] =
    "Usage: tfy-mock-gateway [--port N] [--count N] [--api-key KEY] [--gzip] [--help]\n"
    "\n"
    "A local, deterministic stand-in for the OpenAI \"List batches\" API, listening on\n"
    "127.0.0.1 only. Prints 'tfy-mock-gateway listening on http://127.0.0.1:PORT' once\n"
    "ready and runs until SIGTERM or SIGINT.\n"
    "\n"
    "Options (also accepted as --opt=VALUE):\n"
    "  --port N       TCP port, 0..65535; 0 (default) picks a free one\n"
    "  --count N      number of batches, 0..10000000 (default 100); index 0 is newest\n"
    "  --api-key KEY  accepted bearer token (default: $TFY_MOCK_API_KEY if set and\n"
    "                 non-empty, else tfy-local-key)\n"
    "  --gzip         gzip response bodies when Accept-Encoding admits gzip\n"
    "  --help         show this text\n"
    "\n"
    "Endpoints:\n"
    "  GET /v1/batches, /api/llm/batches, /api/llm/api/inference/openai/batches\n"
    "      OpenAI List batches: Authorization: Bearer KEY; query limit (1..100,\n"
    "      default 20) and after (an id from the set; URL-encode it, since a\n"
    "      literal '+' decodes to a space). Other methods: 405.\n"
    "  GET /_mock/last-request  (no auth) the last request seen on a batches path:\n"
    "      {\"method\",\"path\",\"query\":{name:value},\"headers\":[[name,value],...],\n"
    "       \"authorized\":bool}, headers in the order received; credential headers\n"
    "      are masked unless they hold KEY. Before any such request: 200 with\n"
    "      method, path and authorized null, query {} and headers [].\n"
    "  GET /_mock/stats  (no auth) {\"requests\",\"connections\",\"api_connections\"}:\n"
    "      requests outside /_mock/, TCP connections accepted (all), and connections\n"
    "      that carried at least one request outside /_mock/.\n"
    "  Anything else: 404 unknown_url. Every response has an x-request-id header.\n";

struct options {
    struct mgw_server_config server;
    bool help;
};

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "tfy-mock-gateway: %s%s%s\nTry 'tfy-mock-gateway --help'.\n", what,
            arg ? ": " : "", arg ? arg : "");
    return EXIT_USAGE;
}

/* Whole-string decimal in [0, max]; rejects signs, spaces and overflow. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/* Splits "--name=value" or takes the next argument; NULL value if missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool is_option(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_valued(int argc, char **argv, int *i, struct options *o)
{
    const char *arg = argv[*i];
    const char *name = is_option(arg, "--port") ? "--port"
                       : is_option(arg, "--count") ? "--count"
                                                   : "--api-key";
    const char *value = option_value(argc, argv, i, name);
    unsigned long v;
    if (!value)
        return usage_error("missing value for", name);
    if (strcmp(name, "--api-key") == 0) {
        if (value[0] == '\0')
            return usage_error("--api-key must not be empty", NULL);
        o->server.api_key = value;
    } else if (strcmp(name, "--port") == 0) {
        if (!parse_uint(value, 65535, &v))
            return usage_error("--port expects 0..65535, got", value);
        o->server.port = (uint16_t)v;
    } else {
        if (!parse_uint(value, MGW_DATASET_MAX_COUNT, &v))
            return usage_error("--count expects 0..10000000, got", value);
        o->server.count = (uint32_t)v;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->help = true;
        } else if (strcmp(arg, "--gzip") == 0) {
            o->server.gzip = true;
        } else if (is_option(arg, "--port") || is_option(arg, "--count")
                   || is_option(arg, "--api-key")) {
            if ((rc = parse_valued(argc, argv, &i, o)) != 0)
                return rc;
        } else {
            return usage_error("unknown argument", arg);
        }
    }
    return 0;
}

static void default_api_key(struct options *o)
{
    const char *env = getenv("TFY_MOCK_API_KEY");
    if (o->server.api_key)
        return;
    o->server.api_key = env && env[0] ? env : DEFAULT_API_KEY;
}

/* Blocked before any thread starts so that every MHD thread inherits the mask
 * and the main thread alone receives them through sigwait(). */
static int block_stop_signals(sigset_t *set)
{
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, NULL); /* a client hanging up must not kill us */
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    return pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int serve(const struct options *o)
{
    sigset_t stop;
    int sig = 0;
    char err[128];
    struct mgw_server *srv;
    if (block_stop_signals(&stop) != 0) {
        fprintf(stderr, "tfy-mock-gateway: cannot block signals\n");
        return EXIT_FAILURE;
    }
    /* Seed once, before threads: jansson's lazy seeding is the only shared state. */
    json_object_seed(0);
    srv = mgw_server_start(&o->server, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "tfy-mock-gateway: %s\n", err);
        return EXIT_FAILURE;
    }
    printf("tfy-mock-gateway listening on http://127.0.0.1:%u\n", (unsigned)mgw_server_port(srv));
    fflush(stdout);
    while (sigwait(&stop, &sig) != 0)
        ;
    mgw_server_stop(srv);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    struct options o = { { 0, DEFAULT_COUNT, NULL, false }, false };
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.help) {
        fputs(usage_text, stdout);
        return EXIT_SUCCESS;
    }
    default_api_key(&o);
    return serve(&o);
}
