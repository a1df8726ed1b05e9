/*
 * Logging: a threshold and a sink (the caller's callback or standard
 * error).  Every line is masked (no secret of the client or the call, nor a
 * run of 8 or more of its leading characters, ever appears, whatever text
 * from the server was formatted into it: tfy__mask_secrets) and escaped (control characters and
 * invalid UTF-8 become \xHH), so it is always one line.  Internal to libtfy.
 */
#ifndef TFY_LOG_H
#define TFY_LOG_H

#include "error_internal.h"
#include "tfy/client.h"

typedef struct tfy__logger {
	int32_t level; /* messages above it are dropped */
	tfy_log_fn fn; /* NULL: standard error */
	void *userdata;
	tfy__secrets secrets; /* masked in every line; may be NULL */
} tfy__logger;

/* Threshold from the option, else from TFY_LOG, else TFY_LOG_WARN. */
void tfy__logger_init(tfy__logger *log, int32_t level, tfy_log_fn fn, void *userdata);

int tfy__log_enabled(const tfy__logger *log, int32_t level);

void tfy__log(const tfy__logger *log, int32_t level, const char *fmt, ...) TFY__PRINTF(3, 4);

#endif
