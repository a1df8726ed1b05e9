#include "mockcall.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t collect(char *data, size_t size, size_t n, void *user)
{
	tu_reply *r = user;
	char *grown = realloc(r->body, r->len + size * n + 1);
	if (!grown)
		return 0;
	memcpy(grown + r->len, data, size * n);
	r->len += size * n;
	grown[r->len] = '\0';
	r->body = grown;
	return size * n;
}

tu_reply tu_curl_perform(CURL *curl, struct curl_slist *list)
{
	tu_reply r = { .rc = CURLE_OK };
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)(30 * tu_slowdown()));
	r.rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
	char *type = NULL;
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	snprintf(r.content_type, sizeof(r.content_type), "%s", type ? type : "");
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);
	if (!r.body)
		r.body = calloc(1, 1);
	r.json = json_loads(r.body, 0, NULL);
	return r;
}

void tu_reply_free(tu_reply *r)
{
	free(r->body);
	json_decref(r->json);
}

const char *tu_json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}
