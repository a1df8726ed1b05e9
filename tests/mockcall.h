/*
 * tfy-mock-gateway's own tests talk to it with libcurl, not through
 * libtfy's decoder: one request, and its answer as it came.
 */
#ifndef TFY_MOCKCALL_H
#define TFY_MOCKCALL_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

typedef struct tu_reply {
	long status;
	CURLcode rc;
	char *body; /* NUL-terminated, never NULL */
	size_t len;
	json_t *json;           /* NULL unless the body is JSON */
	char content_type[128]; /* "" when the answer had none */
} tu_reply;

/*
 * Performs curl, whose URL and request are set, with the request headers
 * list (may be NULL); frees both and returns the answer.
 */
tu_reply tu_curl_perform(CURL *curl, struct curl_slist *list);

void tu_reply_free(tu_reply *r);

/* The string member key of o, or NULL. */
const char *tu_json_str(json_t *o, const char *key);

#endif
