/* /_mock/faults: reading and replacing the run-level faults over HTTP. */
#ifndef TFY_MOCK_FAULT_ADMIN_H
#define TFY_MOCK_FAULT_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "fault_plan.h"

/* Largest POST body accepted; more is answered with 413. */
#define MGW_ADMIN_BODY_MAX (64u * 1024u)

struct mgw_admin_request {
	const char *method;
	const char *what; /* path after "/_mock/": "faults" or "faults/reset" */
	const char *body; /* may be NULL when empty */
	size_t body_len;
	bool body_too_big;
	const char *request_id;
};

/* True for the paths mgw_fault_admin serves. */
bool mgw_fault_admin_path(const char *what);

/* GET /_mock/faults lists, POST replaces (one spec per line, blank lines and
 * '#' comments skipped, all or nothing), GET or POST /_mock/faults/reset
 * restores the command-line list. Every success answers with the list. */
enum MHD_Result mgw_fault_admin(struct MHD_Connection *conn, struct mgw_fault_plan *plan,
                                const struct mgw_admin_request *req);

#endif
