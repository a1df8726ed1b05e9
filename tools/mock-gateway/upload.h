/* POST /files: a multipart/form-data body with fields `purpose` and `file`,
 * read by libmicrohttpd's post processor and written to the store chunk by
 * chunk as it arrives. */
#ifndef TFY_MOCK_UPLOAD_H
#define TFY_MOCK_UPLOAD_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "store.h"

struct mgw_upload;

/* Returns NULL on allocation failure. */
struct mgw_upload *mgw_upload_new(struct MHD_Connection *conn, struct mgw_store *st);

/* Takes the next piece of the body. Errors (a full store, a malformed form)
 * are remembered for mgw_upload_finish and the rest is read and dropped. */
void mgw_upload_feed(struct mgw_upload *up, const char *data, size_t size);

/* Ends the body: returns the new file object with status 200, or an error
 * body in OpenAI's envelope with its status (nothing is kept then). */
json_t *mgw_upload_finish(struct mgw_upload *up, unsigned *status);

/* Frees, removing a file not committed. NULL is ok. */
void mgw_upload_free(struct mgw_upload *up);

#endif
