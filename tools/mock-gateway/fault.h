/* Fault specs: "name[:key=value[,key=value...]]", parsed into a plain value
 * that can be copied freely between threads. */
#ifndef TFY_MOCK_FAULT_H
#define TFY_MOCK_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "error_shape.h"
#include "route.h"

/* Longest spec accepted, and so the longest redirect target. */
#define MGW_FAULT_TEXT_MAX 1024

enum mgw_fault_kind {
	MGW_FAULT_NONE, /* explicit "no fault": lets one request bypass run-level faults */
	MGW_FAULT_STATUS,
	MGW_FAULT_RETRY_AFTER,
	MGW_FAULT_SHOULD_RETRY,
	MGW_FAULT_DROP,
	MGW_FAULT_STALL,
	MGW_FAULT_DRIP,
	MGW_FAULT_NON_JSON,
	MGW_FAULT_HTML_502,
	MGW_FAULT_TRUNCATED,
	MGW_FAULT_HUGE,
	MGW_FAULT_REDIRECT,
	MGW_FAULT_IGNORE_AFTER,
	MGW_FAULT_EMPTY_HAS_MORE,
	MGW_FAULT_NO_HAS_MORE,
	MGW_FAULT_DELAY,
	MGW_FAULT_ERROR_SHAPE,
	MGW_FAULT_DROP_UPLOAD,
	MGW_FAULT_NO_ANSWER,
	MGW_FAULT_EXPIRE_BATCH,
};

/* When in the life of a request a fault acts. */
enum mgw_fault_stage {
	MGW_STAGE_NONE,   /* none */
	MGW_STAGE_WAIT,   /* stall, delay: wait, then answer normally */
	MGW_STAGE_ANSWER, /* replaces the answer outright */
	MGW_STAGE_PAGE,   /* changes the page before it is encoded */
	MGW_STAGE_BODY,   /* changes how the encoded answer travels */
	MGW_STAGE_READ,   /* drop-upload: closes while the request body is read */
	MGW_STAGE_SILENT, /* no-answer: the call is carried out, the answer withheld */
	MGW_STAGE_BATCH,  /* expire-batch: acts on the batch a create makes, not on the request */
};

/* Retry-After given as an HTTP date this many seconds from now. */
struct mgw_retry_date {
	bool set;
	long offset_s;
};

struct mgw_fault {
	enum mgw_fault_kind kind;
	unsigned long times;            /* 0: every request */
	unsigned routes;                /* enum mgw_route bits it applies to; 0: every route */
	unsigned code;                  /* status of answering faults and redirects */
	unsigned long wait_ms;          /* stall, delay, no-answer; drip: pause between pieces */
	unsigned long bytes;            /* drip: piece size; drop: bytes sent before closing;
                                   drop-upload: body bytes read before closing */
	bool bytes_set;                 /* drop without bytes= keeps half the body */
	unsigned long mb;               /* huge: body size in MiB */
	bool chunked;                   /* huge: no Content-Length */
	bool should_retry;              /* should-retry: header value */
	long retry_s;                   /* Retry-After seconds, -1 if not sent */
	long retry_ms;                  /* retry-after-ms, -1 if not sent */
	struct mgw_retry_date date;     /* Retry-After as a date */
	enum mgw_error_kind error_kind; /* error-shape: whose error body */
	double fraction;                /* expire-batch: share of the requests answered */
	unsigned long lines;            /* expire-batch: requests answered, when lines_set */
	bool lines_set;
	unsigned long nth; /* expire-batch: only the nth matching create (0: each) */
	char meta_key[MGW_FAULT_TEXT_MAX]; /* expire-batch: metadata to match ("": any batch) */
	char meta_value[MGW_FAULT_TEXT_MAX];
	char to[MGW_FAULT_TEXT_MAX];   /* redirect target */
	char text[MGW_FAULT_TEXT_MAX]; /* the spec as given, for listings */
};

/* Parses `spec` (surrounding blanks ignored). Returns false with a reason in
 * `err` when it is malformed, names an unknown mode or key, or a value is out
 * of range. */
bool mgw_fault_parse(const char *spec, struct mgw_fault *out, char *err, size_t err_size);

enum mgw_fault_stage mgw_fault_stage(enum mgw_fault_kind kind);

/* True when fault `f` applies to a request of route `route`. */
bool mgw_fault_applies(const struct mgw_fault *f, unsigned route);

/* Whole-string decimal in [0, max]; rejects signs, spaces and overflow. */
bool mgw_parse_ulong(const char *s, unsigned long max, unsigned long *out);

#endif
