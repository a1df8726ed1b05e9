/* Last-request capture. Requests arrive on one thread per connection, hence the
 * mutex; the stored JSON is only ever replaced or deep-copied under it. */
#include "record.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "respond.h"

struct mgw_record {
	pthread_mutex_t lock;
	json_t *last;
};

struct mgw_record *mgw_record_new(void)
{
	struct mgw_record *rec = calloc(1, sizeof *rec);
	if (rec && pthread_mutex_init(&rec->lock, NULL) != 0) {
		free(rec);
		return NULL;
	}
	return rec;
}

void mgw_record_free(struct mgw_record *rec)
{
	if (!rec)
		return;
	json_decref(rec->last);
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}

static bool is_credential(const char *name)
{
	static const char *const names[] = { "authorization", "proxy-authorization", "api-key",
		                             "x-api-key", "cookie" };
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strcasecmp(name, names[k]) == 0)
			return true;
	return false;
}

struct header_walk {
	json_t *headers;
	const char *api_key;
};

/* The mock's own key is no secret and tests want to see it sent verbatim;
 * anything else may be a real key sent here by mistake. */
static bool is_mock_key(const char *value, const char *api_key)
{
	return strcmp(value, api_key) == 0 || mgw_auth_ok(value, api_key);
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
	struct header_walk *walk = cls;
	char masked[MGW_MASKED_SIZE];
	(void)kind;
	if (value && is_credential(name) && !is_mock_key(value, walk->api_key)) {
		mgw_auth_mask(value, masked);
		value = masked;
	}
	json_array_append_new(walk->headers,
	                      json_pack("[o, o]", mgw_string_lossy(name), mgw_string_lossy(value)));
	return MHD_YES;
}

/* First occurrence wins, matching what the handler sees via MHD lookups. */
static enum MHD_Result add_argument(void *cls, enum MHD_ValueKind kind, const char *name,
                                    const char *value)
{
	json_t *key = mgw_string_lossy(name);
	(void)kind;
	if (key && json_is_string(key) && !json_object_get(cls, json_string_value(key)))
		json_object_set_new(cls, json_string_value(key), mgw_string_lossy(value));
	json_decref(key);
	return MHD_YES;
}

static json_t *describe(struct MHD_Connection *conn, const char *method, const char *path,
                        const char *api_key)
{
	json_t *query = json_object();
	struct header_walk walk = { json_array(), api_key };
	const char *authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                        MHD_HTTP_HEADER_AUTHORIZATION);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_argument, query);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, &walk);
	return json_pack("{s:o, s:o, s:o, s:o, s:b}", "method", mgw_string_lossy(method), "path",
	                 mgw_string_lossy(path), "query", query, "headers", walk.headers,
	                 "authorized", mgw_auth_ok(authorization, api_key));
}

void mgw_record_capture(struct mgw_record *rec, struct MHD_Connection *conn, const char *method,
                        const char *path, const char *api_key)
{
	json_t *fresh = describe(conn, method, path, api_key);
	json_t *old;
	if (!fresh)
		return;
	pthread_mutex_lock(&rec->lock);
	old = rec->last;
	rec->last = fresh;
	pthread_mutex_unlock(&rec->lock);
	json_decref(old);
}

json_t *mgw_record_last(struct mgw_record *rec)
{
	json_t *copy = NULL;
	bool seen;
	pthread_mutex_lock(&rec->lock);
	seen = rec->last != NULL;
	if (seen)
		copy = json_deep_copy(rec->last);
	pthread_mutex_unlock(&rec->lock);
	if (seen)
		return copy;
	return json_pack("{s:n, s:n, s:{}, s:[], s:n}", "method", "path", "query", "headers",
	                 "authorized");
}
