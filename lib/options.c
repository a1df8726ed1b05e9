#include "options.h"

#include <stddef.h>
#include <string.h>

#include "error_internal.h"
#include "tfy/batches.h"

/* Bytes of each version of tfy_request_options, oldest first. */
static const size_t request_options_sizes[] = {
	offsetof(tfy_request_options, cancel_token), /* 1.0 */
	sizeof(tfy_request_options),                 /* 1.3: cancel_token */
};

tfy_code tfy__options_read(void *dst, const void *src, const size_t *sizes, uint32_t current,
                           const char *what, tfy_error **err)
{
	uint32_t version;
	memcpy(&version, src, sizeof(version));
	if (version == 0 || version > current)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "%s: version %u is not one this library knows (1 to %u)",
		                      what, version, current);
	memcpy(dst, src, sizes[version - 1]);
	return TFY_OK;
}

tfy_code tfy__options_init(void *opts, uint32_t version, const size_t *sizes, uint32_t current)
{
	if (!opts || version == 0 || version > current)
		return TFY_ERROR_INVALID_ARGUMENT;
	memset(opts, 0, sizes[version - 1]);
	memcpy(opts, &version, sizeof(version));
	return TFY_OK;
}

tfy_code tfy_request_options_init(tfy_request_options *opts, uint32_t version)
{
	return tfy__options_init(opts, version, request_options_sizes, TFY_REQUEST_OPTIONS_VERSION);
}

static tfy_code check_request_options(const tfy_request_options *o, tfy_error **err)
{
	if (o->reserved_ || o->reserved2_)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_request_options: reserved fields must be 0");
	if ((o->metadata_header_count && !o->metadata_header) ||
	    (o->headers_count && !o->headers) || (o->query_params_count && !o->query_params))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "tfy_request_options: a non-zero count was given with a NULL array");
	if (o->metadata_header_json && o->metadata_header_count)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "set metadata_header_json or metadata_header pairs, not both");
	/* Bounded well below INT64_MAX so that deadline arithmetic never overflows. */
	if (o->deadline_ms < 0 || o->deadline_ms > INT64_MAX / 4)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "deadline_ms is out of range");
	if (o->timeout_ms < 0 || o->timeout_ms > INT64_MAX / 4)
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "timeout_ms is out of range");
	if (o->max_retries != TFY_NONE && (o->max_retries < 0 || o->max_retries > TFY_MAX_RETRIES_LIMIT))
		return tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT,
		                      "max_retries must be TFY_NONE, 0 (the default) or 1 to %d",
		                      TFY_MAX_RETRIES_LIMIT);
	return TFY_OK;
}

tfy_code tfy__request_options_read(const tfy_request_options *src, tfy_request_options *dst,
                                   tfy_error **err)
{
	const tfy_request_options zero = TFY_REQUEST_OPTIONS_INIT;
	*dst = zero;
	if (!src)
		return TFY_OK;
	tfy_code rc = tfy__options_read(dst, src, request_options_sizes,
	                                TFY_REQUEST_OPTIONS_VERSION, "tfy_request_options", err);
	return rc == TFY_OK ? check_request_options(dst, err) : rc;
}

static const char *copy_str(tfy__arena *a, const char *s, int *oom)
{
	if (!s)
		return NULL;
	char *p = tfy__arena_strndup(a, s, strlen(s));
	*oom |= !p;
	return p;
}

static const tfy_pair *copy_pairs(tfy__arena *a, const tfy_pair *src, size_t n, int *oom)
{
	if (!n)
		return NULL;
	tfy_pair *dst = tfy__arena_alloc(a, n * sizeof(*dst));
	for (size_t i = 0; dst && i < n; i++) {
		dst[i].name = copy_str(a, src[i].name, oom);
		dst[i].value = copy_str(a, src[i].value, oom);
	}
	*oom |= !dst;
	return dst;
}

int tfy__request_options_copy(tfy__arena *a, const tfy_request_options *src, tfy_request_options *dst)
{
	int oom = 0;
	*dst = *src;
	dst->provider_name = copy_str(a, src->provider_name, &oom);
	dst->provider_model = copy_str(a, src->provider_model, &oom);
	dst->azure_api_version = copy_str(a, src->azure_api_version, &oom);
	dst->vertex_region = copy_str(a, src->vertex_region, &oom);
	dst->vertex_storage_bucket_name = copy_str(a, src->vertex_storage_bucket_name, &oom);
	dst->aws_s3_bucket = copy_str(a, src->aws_s3_bucket, &oom);
	dst->aws_bedrock_model = copy_str(a, src->aws_bedrock_model, &oom);
	dst->metadata_header_json = copy_str(a, src->metadata_header_json, &oom);
	dst->metadata_header = copy_pairs(a, src->metadata_header, src->metadata_header_count, &oom);
	dst->headers = copy_pairs(a, src->headers, src->headers_count, &oom);
	dst->query_params = copy_pairs(a, src->query_params, src->query_params_count, &oom);
	return oom ? -1 : 0;
}

const char *tfy__pick_str(const char *call, const char *fallback)
{
	return call ? call : fallback;
}

tfy_code tfy__paging_check(const tfy__paging *paging, tfy_error **err)
{
	const char *why = NULL;
	if (paging->missing_has_more < TFY_MISSING_HAS_MORE_DEFAULT ||
	    paging->missing_has_more > TFY_MISSING_HAS_MORE_STOP)
		why = "missing_has_more must be a TFY_MISSING_HAS_MORE_* value";
	else if (paging->max_items < 0 || paging->max_pages < 0)
		why = "max_items and max_pages must not be negative";
	else if (paging->prefetch != 0 && paging->prefetch != 1 && paging->prefetch != TFY_NONE)
		why = "prefetch must be 0 (the default), 1 or TFY_NONE";
	return why ? tfy__error_set(err, TFY_ERROR_INVALID_ARGUMENT, "%s", why) : TFY_OK;
}
