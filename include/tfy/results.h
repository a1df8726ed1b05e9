/**
 * @file
 * libtfy: a streaming reader of batch output and error files (JSONL, one
 * request's outcome a line).  Since 1.2.
 *
 * Each line is one JSON object:
 * `{"id", "custom_id", "response": {"status_code", "request_id", "body"} | null,
 *   "error": {"code", "message"} | null}`.
 * The reader holds one line at a time in one buffer that it reuses, never
 * the whole file: its memory is the longest line read (at most
 * max_line_bytes) plus its strings.  Decoding follows a batch's rules: a
 * member that is absent, null or of the wrong type reads as absent, a
 * string holding a NUL character (`\u0000`) reads as NULL, and line_json
 * keeps the exact text.
 */
#ifndef TFY_RESULTS_H
#define TFY_RESULTS_H

#include <tfy/common.h>
#include <tfy/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** max_line_bytes when the options leave it 0: 64 MiB. */
#define TFY_RESULT_LINE_MAX_DEFAULT (64 * 1024 * 1024)

/** Current version of tfy_result_reader_options. */
#define TFY_RESULT_READER_OPTIONS_VERSION 1

/**
 * Options of a result reader.  Initialise with
 * TFY_RESULT_READER_OPTIONS_INIT or tfy_result_reader_options_init() (or
 * zero the struct and set `version`: zero means "default" in every field).
 * Read during the call that is given them, never kept.  Fields are only
 * appended in later versions, with a new version number.
 */
typedef struct tfy_result_reader_options {
	uint32_t version;  /**< TFY_RESULT_READER_OPTIONS_VERSION */
	int32_t reserved_; /**< padding, leave 0 */
	/**
	 * The longest line accepted, in bytes before its line feed: 0 means
	 * TFY_RESULT_LINE_MAX_DEFAULT; else 1 to 2^40.  A longer line (blank
	 * or not: it is not held to be looked at) fails with TFY_ERROR_DECODE
	 * naming it, and the reader goes on after it.
	 */
	int64_t max_line_bytes;
} tfy_result_reader_options;

/** Static initialiser for tfy_result_reader_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_RESULT_READER_OPTIONS_INIT { TFY_RESULT_READER_OPTIONS_VERSION, 0, 0 }
/* clang-format on */

/**
 * One line of an output or error file.  Borrowed from the reader that
 * returned it: it and every pointer in it live until the next call of
 * tfy_result_reader_next() or tfy_result_reader_free() on that reader.
 * Allocated by the library; fields are only appended in later versions.
 */
typedef struct tfy_result {
	int64_t line;          /**< the line number in the file, from 1 (blank lines counted) */
	const char *id;        /**< the result id ("batch_req_..."), NULL if absent */
	const char *custom_id; /**< the custom_id of the request, NULL if absent */
	/**
	 * `response.status_code`, the HTTP status of the request; 0 when there is
	 * no response object or its status_code is absent or not an integer
	 * from 1 to 2^31 - 1.
	 */
	int32_t status_code;
	int32_t reserved_;      /**< padding, always 0 */
	const char *request_id; /**< `response.request_id`, NULL if absent */
	/**
	 * The JSON text of `response.body` exactly as it stands in the line
	 * (not re-serialised), NUL-terminated; NULL when there is no response
	 * object or it has no body member.
	 */
	const char *body_json;
	size_t body_json_len; /**< bytes of body_json, 0 when it is NULL */
	/** `error.code`: a string, or a number as its JSON text; NULL if absent. */
	const char *error_code;
	const char *error_message; /**< `error.message`, NULL if absent */
	/** The whole line as read, without its line ending ("\n" or "\r\n"); never NULL. */
	const char *line_json;
	size_t line_len; /**< bytes of line_json */
} tfy_result;

/** A reader of one output or error file; opaque. */
typedef struct tfy_result_reader tfy_result_reader;

/**
 * Initialise options to their defaults, for callers that cannot use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_RESULT_READER_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_result_reader_options_init(tfy_result_reader_options *opts, uint32_t version);

/**
 * A reader of the file at path.  The file is opened now and read as
 * tfy_result_reader_next() asks; it is closed by tfy_result_reader_free().
 *
 * @param path the file's path; borrowed for the call.
 * @param opts options, or NULL for the defaults; read during the call only.
 * @param out receives a new reader owned by the caller (free with
 *        tfy_result_reader_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT for a NULL path or out or a bad
 *         option; TFY_ERROR_IO when the file cannot be opened (detail says
 *         why, as strerror does); TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_result_reader_open(const char *path, const tfy_result_reader_options *opts,
                                           tfy_result_reader **out, tfy_error **err);

/**
 * A reader of the bytes that read() supplies (a download in memory, a
 * decompressor, a pipe).
 *
 * @param read the stream: called from tfy_result_reader_next() only, on
 *        the thread that calls it; returning -1 fails that call with
 *        TFY_ERROR_IO.
 * @param userdata passed to read untouched; must live until the reader is freed.
 * @param opts options, or NULL for the defaults; read during the call only.
 * @param out receives a new reader owned by the caller (free with
 *        tfy_result_reader_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT for a NULL read or out or a bad
 *         option; TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_result_reader_new(tfy_read_fn read, void *userdata,
                                          const tfy_result_reader_options *opts,
                                          tfy_result_reader **out, tfy_error **err);

/**
 * The next record.  Blank lines (nothing but spaces, tabs and a carriage
 * return) are skipped; a last line without a line feed is read; "\r\n"
 * line endings are accepted.
 *
 * @param reader the reader.
 * @param out receives the record, borrowed from the reader until its next
 *        call or tfy_result_reader_free(); NULL at the end of the file and
 *        on failure.
 * @param err if not NULL, receives a new error on failure and NULL otherwise.
 * @return TFY_OK (with *out NULL at the end of the file);
 *         TFY_ERROR_DECODE for a line that is not one JSON object, holds a
 *         NUL byte, or is longer than max_line_bytes: the message starts
 *         "line N: " and the reader can go on, the next call reading the
 *         line after it; TFY_ERROR_IO when the file cannot be read or the
 *         callback fails (detail says why), after which every call fails
 *         the same way; TFY_ERROR_OUT_OF_MEMORY (the line is lost, the
 *         reader can go on); TFY_ERROR_INVALID_ARGUMENT when reader or out
 *         is NULL.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_result_reader_next(tfy_result_reader *reader, const tfy_result **out,
                                           tfy_error **err);

/**
 * Free a reader (closing its file) and its current record.
 *
 * @param reader the reader, or NULL (then nothing happens).
 * @since 1.2
 */
TFY_EXTERN void tfy_result_reader_free(tfy_result_reader *reader);

#ifdef __cplusplus
}
#endif

#endif
