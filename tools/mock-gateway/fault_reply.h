/* Fault answers that replace the normal one: error statuses, retry hints,
 * garbage bodies, redirects and oversized bodies. */
#ifndef TFY_MOCK_FAULT_REPLY_H
#define TFY_MOCK_FAULT_REPLY_H

#include <stdbool.h>

#include <microhttpd.h>

#include "fault.h"

/* Queues the answer for a fault of stage MGW_STAGE_ANSWER. `gzip` says the
 * client accepts it; only JSON error bodies use it. */
enum MHD_Result mgw_fault_answer(struct MHD_Connection *conn, const struct mgw_fault *f,
                                 const char *request_id, bool gzip);

#endif
