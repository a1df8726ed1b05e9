/**
 * @file
 * libtfy: C client for the batch API of the TrueFoundry AI Gateway,
 * the TrueFoundry control plane and OpenAI.  Include this header only.
 */
#ifndef TFY_TFY_H
#define TFY_TFY_H

#include <tfy/async.h>
#include <tfy/batch.h>
#include <tfy/batches.h>
#include <tfy/cancel.h>
#include <tfy/check.h>
#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/file.h>
#include <tfy/files.h>
#include <tfy/iter.h>
#include <tfy/jobs.h>
#include <tfy/request.h>
#include <tfy/results.h>
#include <tfy/version.h>
#include <tfy/webhook.h>

#endif
