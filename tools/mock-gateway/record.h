/* What the last request on a batches path looked like, for /_mock/last-request. */
#ifndef TFY_MOCK_RECORD_H
#define TFY_MOCK_RECORD_H

#include <jansson.h>
#include <microhttpd.h>

struct mgw_record;

/* Returns NULL on allocation failure. */
struct mgw_record *mgw_record_new(void);
void mgw_record_free(struct mgw_record *rec);

/* Replaces the stored request with the one on `conn`. The endpoint needs no
 * key, so credential headers are masked unless they carry `api_key`, the key
 * the mock accepts. */
void mgw_record_capture(struct mgw_record *rec, struct MHD_Connection *conn, const char *method,
                        const char *path, const char *api_key);

/* Returns a new reference to a copy of the stored request, or to
 * {"method":null,"path":null,"query":{},"headers":[],"authorized":null}
 * before the first one. NULL on allocation failure. */
json_t *mgw_record_last(struct mgw_record *rec);

#endif
