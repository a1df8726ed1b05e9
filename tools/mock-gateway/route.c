/* Paths and methods of the batch and file calls. One table of base paths
 * serves every call, so a new call is reachable wherever listing is. */
#include "route.h"

#include <stdio.h>
#include <string.h>

#define AZURE_BASE "/openai"

/* "" is the SaaS gateway at its root: gateway.truefoundry.ai/batches. */
static const char *const bases[] = {
	"", "/v1", "/api/llm", "/api/llm/api/inference/openai", AZURE_BASE,
};

static const char *const route_names[] = {
	"list", "create", "retrieve", "cancel", "upload", "file", "download", "delete", "files",
};

/* "/batches", "/batches/ID" or "/batches/ID/SUB" (likewise /files). */
static bool parse_resource(const char *rest, struct mgw_path *out)
{
	const char *id, *slash;
	size_t len;
	if (strncmp(rest, "/batches", 8) == 0) {
		out->files = false;
		rest += 8;
	} else if (strncmp(rest, "/files", 6) == 0) {
		out->files = true;
		rest += 6;
	} else {
		return false;
	}
	out->id[0] = '\0';
	out->sub = false;
	if (*rest == '\0')
		return true;
	if (*rest != '/')
		return false;
	id = rest + 1;
	slash = strchr(id, '/');
	/* An ARN's resource part has a slash of its own ("model-invocation-
	 * job/ID"), which the server's URL decoding has given back: the id
	 * runs to the slash after it. */
	if (slash && strncmp(id, "arn:", 4) == 0)
		slash = strchr(slash + 1, '/');
	len = slash ? (size_t)(slash - id) : strlen(id);
	if (len == 0 || len >= MGW_ROUTE_ID_MAX)
		return false;
	memcpy(out->id, id, len);
	out->id[len] = '\0';
	if (!slash)
		return true;
	out->sub = strcmp(slash, out->files ? "/content" : "/cancel") == 0;
	return out->sub;
}

bool mgw_path_parse(const char *path, struct mgw_path *out)
{
	for (size_t k = 0; k < sizeof bases / sizeof bases[0]; k++) {
		size_t n = strlen(bases[k]);
		if (strncmp(path, bases[k], n) == 0 && parse_resource(path + n, out)) {
			out->azure = strcmp(bases[k], AZURE_BASE) == 0;
			return true;
		}
	}
	return false;
}

static bool is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

unsigned mgw_route_of(const struct mgw_path *p, const char *method, const char **allow)
{
	if (p->id[0] == '\0') {
		*allow = "GET, POST";
		if (p->files)
			return is(method, "GET")  ? MGW_ROUTE_FILES
			     : is(method, "POST") ? MGW_ROUTE_UPLOAD
			                          : 0;
		return is(method, "GET")  ? MGW_ROUTE_LIST
		     : is(method, "POST") ? MGW_ROUTE_CREATE
		                          : 0;
	}
	if (p->sub) {
		*allow = p->files ? "GET" : "POST";
		if (p->files)
			return is(method, "GET") ? MGW_ROUTE_DOWNLOAD : 0;
		return is(method, "POST") ? MGW_ROUTE_CANCEL : 0;
	}
	*allow = p->files ? "GET, DELETE" : "GET";
	if (is(method, "GET"))
		return p->files ? MGW_ROUTE_FILE : MGW_ROUTE_RETRIEVE;
	return p->files && is(method, "DELETE") ? MGW_ROUTE_DELETE : 0;
}

static unsigned route_bit(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof route_names / sizeof route_names[0]; k++)
		if (strlen(route_names[k]) == len && strncmp(route_names[k], name, len) == 0)
			return 1u << k;
	return 0;
}

bool mgw_route_parse(const char *names, unsigned *mask)
{
	*mask = 0;
	for (;;) {
		size_t len = strcspn(names, "|");
		unsigned bit = route_bit(names, len);
		if (!bit)
			return false;
		*mask |= bit;
		if (names[len] == '\0')
			return true;
		names += len + 1;
	}
}

const char *mgw_route_names(void)
{
	return "list|create|retrieve|cancel|upload|file|download|delete|files";
}
