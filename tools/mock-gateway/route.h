/* Which API call a request is: the base paths the gateway is reached under,
 * the batch and file resources below them, and the method. */
#ifndef TFY_MOCK_ROUTE_H
#define TFY_MOCK_ROUTE_H

#include <stdbool.h>

/* One bit per call, so fault specs can select a set of them. */
enum mgw_route {
	MGW_ROUTE_LIST = 1u << 0,     /* GET {base}/batches */
	MGW_ROUTE_CREATE = 1u << 1,   /* POST {base}/batches */
	MGW_ROUTE_RETRIEVE = 1u << 2, /* GET {base}/batches/{id} */
	MGW_ROUTE_CANCEL = 1u << 3,   /* POST {base}/batches/{id}/cancel */
	MGW_ROUTE_UPLOAD = 1u << 4,   /* POST {base}/files */
	MGW_ROUTE_FILE = 1u << 5,     /* GET {base}/files/{id} */
	MGW_ROUTE_DOWNLOAD = 1u << 6, /* GET {base}/files/{id}/content */
	MGW_ROUTE_DELETE = 1u << 7,   /* DELETE {base}/files/{id} */
	MGW_ROUTE_FILES = 1u << 8,    /* GET {base}/files */
};

/* Ids longer than this are no resource of ours (404). */
#define MGW_ROUTE_ID_MAX 128

struct mgw_path {
	bool azure;                /* under /openai: Azure OpenAI's key header and api-version */
	bool files;                /* a /files path, else /batches */
	bool sub;                  /* ends in /cancel (batches) or /content (files) */
	char id[MGW_ROUTE_ID_MAX]; /* "" for the collection */
};

/* Parses an API path; false when it is none of ours. */
bool mgw_path_parse(const char *path, struct mgw_path *out);

/* The call `method` makes on path `p`, or 0 when the path does not take
 * that method; `allow` is then set to the methods it takes. */
unsigned mgw_route_of(const struct mgw_path *p, const char *method, const char **allow);

/* Parses "name|name..." (list, create, retrieve, cancel, upload, file,
 * download, delete, files) into a mask; false on an unknown name. */
bool mgw_route_parse(const char *names, unsigned *mask);

/* "list|create|..." for messages and --help. */
const char *mgw_route_names(void);

#endif
