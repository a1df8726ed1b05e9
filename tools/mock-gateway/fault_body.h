/* Faults that bend the normal answer rather than replace it: pages with
 * pagination lies, and bodies cut short, dropped mid-way or dripped. */
#ifndef TFY_MOCK_FAULT_BODY_H
#define TFY_MOCK_FAULT_BODY_H

#include <stdbool.h>

#include <jansson.h>
#include <microhttpd.h>

#include "fault.h"
#include "respond.h"
#include "sleeper.h"

/* Waits out a MGW_STAGE_WAIT fault, sending nothing. Returns false when the
 * server is stopping or the client hung up, so the caller can just close. */
bool mgw_fault_wait(struct MHD_Connection *conn, const struct mgw_fault *f,
                    struct mgw_sleeper *sleeper);

/* Takes a list page and returns it as a MGW_STAGE_PAGE fault shapes it
 * (ownership passes through; NULL on allocation failure). */
json_t *mgw_fault_shape_page(const struct mgw_fault *f, json_t *page);

/* Sends `r` the way a MGW_STAGE_BODY fault dictates. Releases r->body. */
enum MHD_Result mgw_fault_deliver(struct MHD_Connection *conn, const struct mgw_fault *f,
                                  const struct mgw_reply *r, struct mgw_sleeper *sleeper);

#endif
