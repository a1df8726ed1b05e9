/*
 * The JSON decoder: turns response bodies into typed values.  The one
 * entry to it for the rest of libtfy, which includes no jansson header.
 * Implemented by the decoder family, the only units that include jansson:
 * json_scan.c (the scanner every decoder walks with), json_values.c (field
 * values), decode_page.c (object lists), decode_batch.c, decode_file.c,
 * decode_line.c (JSONL lines), decode_error.c (API error bodies),
 * decode_price.c (a job's price table),
 * decode_webhook.c (webhook events) and json_metadata.c.  Internal.
 */
#ifndef TFY_DECODE_H
#define TFY_DECODE_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "tfy/batch.h"
#include "tfy/error.h"
#include "tfy/file.h"
#include "tfy/files.h"
#include "tfy/results.h"
#include "tfy/webhook.h"

/*
 * A batch's errors holds the first this many entries of `errors.data`; the
 * rest are dropped (raw_json keeps them all).
 */
#define TFY__ERRORS_MAX 10000

/*
 * Decodes a List batches response body.  On success *out is a new list
 * (free with tfy_batch_page_free) and TFY_OK is returned.  Otherwise *out is
 * NULL and the return is TFY_ERROR_DECODE (with a description of what was
 * received written to detail) or TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__decode_batch_page(const char *body, size_t len, tfy_batch_page **out, char *detail,
                                size_t detail_size);

/*
 * Decodes one Batch object (the whole text but surrounding whitespace; any
 * JSON value unless object_only) into a batch that owns its memory (free
 * with tfy_batch_free).  Returns as tfy__decode_batch_page does.
 */
tfy_code tfy__decode_batch(const char *body, size_t len, int object_only, tfy_batch **out,
                           char *detail, size_t detail_size);

/*
 * Decodes one File object (the whole text but surrounding whitespace must
 * be one JSON object) into a file that owns its memory (free with
 * tfy_file_free).  Returns as tfy__decode_batch_page does.
 */
tfy_code tfy__decode_file(const char *body, size_t len, tfy_file **out, char *detail,
                          size_t detail_size);

/*
 * Decodes a List files response body (through the page walker, each item
 * by the rules of tfy__decode_file but that an item need not be an
 * object) into a new page (free with tfy_file_page_free).  Returns as
 * tfy__decode_batch_page does.
 */
tfy_code tfy__decode_file_page(const char *body, size_t len, tfy_file_page **out, char *detail,
                               size_t detail_size);

/*
 * Decodes the body of a verified webhook delivery (the whole text but
 * surrounding whitespace must be one JSON object) into an event that owns
 * its memory (free with tfy_webhook_event_free): type, id, object,
 * created_at, data.id and raw_json; the caller fills in the rest.  Returns
 * as tfy__decode_batch_page does.
 */
tfy_code tfy__decode_webhook_event(const char *body, size_t len, tfy_webhook_event **out,
                                   char *detail, size_t detail_size);

/*
 * The answer to deleting a file, {"id", "object": "file", "deleted": true}:
 * id NULL when absent (or not a string, or holding NUL); deleted is 1 only
 * for JSON true, deleted_present 0 when the member is absent or not a
 * boolean.  Everything lives in arena (the first member).
 */
typedef struct tfy__file_deleted {
	tfy__arena *arena;
	const char *id;
	const char *object;
	int32_t deleted;
	int32_t deleted_present;
} tfy__file_deleted;

/*
 * Decodes a delete answer (one JSON object) into *out, freed with
 * tfy__file_deleted_free.  Returns as tfy__decode_batch_page does.
 */
tfy_code tfy__decode_file_deleted(const char *body, size_t len, tfy__file_deleted **out,
                                  char *detail, size_t detail_size);
void tfy__file_deleted_free(tfy__file_deleted *deleted);

/*
 * One line of a batch output or error file (without its line ending) into
 * rec's id, custom_id, status_code, request_id, body_json, body_json_len,
 * error_code and error_message (the other fields are left alone).  Their
 * text is kept in strings, emptied first, so rec's pointers live until
 * strings is next touched.  scratch is a buffer the decoder reuses from
 * line to line.  Returns TFY_OK; TFY_ERROR_DECODE when the line is not one
 * JSON object or holds a NUL byte (detail says why, with the column);
 * TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__decode_result_line(const char *line, size_t len, tfy_result *rec, tfy__buf *strings,
                                 tfy__buf *scratch, char *detail, size_t detail_size);

/*
 * What one line of a batch input file holds, for the input checker.  For
 * each member: *_type is what its value is ("a string", "null", "an
 * object", ...: see tfy__json_type_name), NULL when the member is
 * absent; the string values are decoded (escapes undone, NUL kept) into the
 * caller's buffer, with their length.
 */
typedef struct tfy__input_line {
	const char *not_object; /* what the line is when it is JSON but not an object, else NULL */
	const char *custom_id_type, *custom_id;
	size_t custom_id_len;
	const char *method_type, *method;
	size_t method_len;
	const char *url_type, *url;
	size_t url_len;
	const char *body_type;
	/* Members of the body when it is an object (else absent): */
	const char *model_type, *model; /* body.model, as custom_id */
	size_t model_len;
	const char *messages_type; /* what body.messages is, NULL when absent */
	int64_t inputs;            /* embedding inputs in body.input: a string or a token
	                                   array is 1, an array of them its length; else 0 */
} tfy__input_line;

/*
 * Reads one line of an input file (without its line ending) into *out, its
 * strings into strings (emptied first); scratch as for
 * tfy__decode_result_line.  Returns TFY_OK (a line that is JSON but not an
 * object included, see not_object); TFY_ERROR_DECODE when it is not JSON or
 * holds a NUL byte (detail says why, with the column);
 * TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__decode_input_line(const char *line, size_t len, tfy__input_line *out, tfy__buf *strings,
                                tfy__buf *scratch, char *detail, size_t detail_size);

/*
 * What a job needs of one line of a batch output or error file: its
 * custom_id (escapes undone, NUL kept, with its length; NULL when absent
 * or not a string), response.status_code (0 when absent), the error's
 * code (error.code, else response.body.error.code; a number as its text;
 * NULL when neither), response.body.model, and response.body.usage's
 * counts (usage set when it is an object): chat's names or the Responses
 * API's (input_tokens, output_tokens, input_tokens_details.cached_tokens,
 * output_tokens_details.reasoning_tokens); a count that is not a
 * non-negative integer reads as 0.  Strings live in strings as for
 * tfy__decode_result_line.
 */
typedef struct tfy__record {
	const char *custom_id;
	size_t custom_id_len;
	int32_t status_code;
	int32_t usage;
	const char *error_code;
	const char *model;
	int64_t prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens;
} tfy__record;

/* Reads a record; returns as tfy__decode_result_line does. */
tfy_code tfy__decode_record(const char *line, size_t len, tfy__record *out, tfy__buf *strings,
                            tfy__buf *scratch, char *detail, size_t detail_size);

/*
 * The custom_id of one line of an input file (escapes undone, NUL kept):
 * *id NULL when absent or not a string, else kept in strings (emptied
 * first).  Returns as tfy__decode_input_line does, a line that is not an
 * object being TFY_ERROR_DECODE.
 */
tfy_code tfy__decode_custom_id(const char *line, size_t len, const char **id, size_t *id_len,
                               tfy__buf *strings, tfy__buf *scratch, char *detail, size_t detail_size);

/*
 * One model's prices of a price table, per million tokens; cached_input
 * is negative when the table has none (then cached tokens cost input).
 */
typedef struct tfy__price {
	const char *model;
	double input, cached_input, output;
} tfy__price;

/*
 * Decodes a price table: one JSON object, model name to {"input": x,
 * "cached_input": y, "output": z} (input and output required; numbers >= 0;
 * other members ignored).  *out gets *count entries, sorted by model (byte
 * order), all in arena.  TFY_OK; TFY_ERROR_DECODE with detail written;
 * TFY_ERROR_OUT_OF_MEMORY.
 */
tfy_code tfy__decode_price_table(const char *text, size_t len, tfy__arena *arena, tfy__price **out,
                                 size_t *count, char *detail, size_t detail_size);

/*
 * Stores the request id in a list returned by tfy__decode_batch_page, in
 * memory the list owns.  Returns 0, or -1 on OOM.
 */
int tfy__batch_page_set_request_id(tfy_batch_page *list, const char *request_id);

/*
 * Reads an API error envelope ({"error": {...}} and the variants gateways
 * send) into the api_* fields of e.  Returns 1 when the body was such an
 * envelope, 0 when it was not (e untouched), -1 on OOM.
 */
int tfy__decode_error_body(const char *body, size_t len, tfy_error *e);

/*
 * x-tfy-metadata given as JSON text, checked (an object of strings, each of
 * at most max_chars characters) and re-encoded as compact ASCII JSON (a new
 * string, free with tfy__free).  NULL with *why set to a static reason when
 * the text is refused, or with *why NULL when memory ran out.
 */
char *tfy__json_metadata_ascii(const char *text, size_t max_chars, const char **why);

#endif
