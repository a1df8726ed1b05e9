/**
 * @file
 * libtfy: the typed File object (an uploaded input file, a batch's output
 * or error file).  Since 1.2.
 *
 * Decoded by the rules of a batch (see batch.h): a member that is absent,
 * null or of the wrong JSON type reads as absent (a NULL string,
 * `present == 0`), a string holding a NUL character (`\u0000`) reads as
 * NULL, a number that does not fit reads as absent, and raw_json keeps the
 * exact text.  Malformed JSON, or text that is not one JSON object, is
 * TFY_ERROR_DECODE.
 */
#ifndef TFY_FILE_H
#define TFY_FILE_H

#include <tfy/batch.h>
#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One File object.  Allocated by the library, owned by the caller and
 * freed with tfy_file_free(); every pointer in it lives as long as the
 * file.  Fields are only appended in later versions (the caller never
 * allocates one).
 */
typedef struct tfy_file {
	/* clang-format off */
	const char *id;             /**< the file id ("file-..."), NULL if absent */
	const char *object;         /**< "file", NULL if absent */
	tfy_opt_int64 bytes;        /**< size in bytes */
	tfy_opt_int64 created_at;   /**< Unix seconds (milliseconds and ISO-8601 converted as for a batch) */
	tfy_opt_int64 expires_at;   /**< Unix seconds; absent when the file does not expire */
	const char *filename;       /**< the name given at upload, NULL if absent */
	const char *purpose;        /**< "batch", "batch_output", ..., NULL if absent */
	const char *status;         /**< "uploaded", "processed" or "error" (deprecated by OpenAI), NULL if absent */
	const char *status_details; /**< why validation failed (deprecated by OpenAI), NULL if absent */
	/* clang-format on */
	/**
	 * The whole object as JSON text, the bytes exactly as sent (without the
	 * whitespace around the object); never NULL.
	 */
	const char *raw_json;
} tfy_file;

/**
 * Decode one File object from JSON text the caller already has, with the
 * rules of a response from the API.
 *
 * @param json the text; need not be NUL-terminated; borrowed for the call.
 * @param len its length in bytes.
 * @param out receives a new file owned by the caller (free with
 *        tfy_file_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT when json or out is NULL;
 *         TFY_ERROR_DECODE when the text is not one JSON object (an object
 *         that lacks a File's members decodes, with those fields absent);
 *         TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_file_parse(const char *json, size_t len, tfy_file **out, tfy_error **err);

/**
 * A deep copy of a file.
 *
 * @param file any file from libtfy, or NULL.
 * @return a new file owned by the caller (free with tfy_file_free()), equal
 *         field for field, or NULL when file is NULL or memory ran out.
 * @since 1.2
 */
TFY_EXTERN tfy_file *tfy_file_dup(const tfy_file *file);

/**
 * Free a file and every string in it.
 *
 * @param file the file, or NULL (then nothing happens).
 * @since 1.2
 */
TFY_EXTERN void tfy_file_free(tfy_file *file);

#ifdef __cplusplus
}
#endif

#endif
