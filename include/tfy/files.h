/**
 * @file
 * libtfy: the Files calls of a batch job (since 1.2): upload an input file
 * (`POST {base_url}/files`), retrieve its File object (`GET /files/{id}`),
 * download a file's content (`GET /files/{id}/content`) and delete a file
 * (`DELETE /files/{id}`).
 *
 * Every id (a file id here, batch ids and input_file_id in jobs.h, `after`
 * in batches.h) follows one rule: not NULL or empty, UTF-8, no control
 * character (C0, DEL, C1), and not "." or ".." (which a URL reads as a
 * step up its path, so another endpoint would be called).  Anything else,
 * blanks and "/" included, is valid and sent percent-encoded.  An id that
 * breaks the rule fails with TFY_ERROR_INVALID_ARGUMENT, nothing sent.
 *
 * Uploads and downloads are streamed: the library holds a few buffers of
 * the file at a time, never the whole file.  An attempt of an upload or a
 * download has no timeout of its own unless the call's tfy_request_options
 * set `timeout_ms` (the client's timeout_ms and the request defaults'
 * timeout_ms are for JSON answers: a 1 GiB file takes longer than a minute
 * on a slow link); the client's stall check (stall_timeout_ms), the call's
 * deadline_ms and its cancel callback still apply.
 */
#ifndef TFY_FILES_H
#define TFY_FILES_H

#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/client.h>
#include <tfy/file.h>
#include <tfy/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Puts a stream given by a tfy_read_fn back to its first byte, so that an
 * upload can be sent again after a failure that certainly left no file.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).
 *
 * @param userdata the reader's userdata, untouched.
 * @return 0 when the next read gives the first byte again, non-zero when
 *         the stream cannot rewind (the call then fails with TFY_ERROR_IO).
 */
typedef int32_t (*tfy_rewind_fn)(void *userdata) TFY_CALLBACK_NOEXCEPT;

/** Current version of tfy_files_upload_options. */
#define TFY_FILES_UPLOAD_OPTIONS_VERSION 1

/**
 * What to upload and how.  Initialise with TFY_FILES_UPLOAD_OPTIONS_INIT or
 * tfy_files_upload_options_init() (or zero the struct and set `version`).
 * Exactly one of `path` and `read` is set.  Pointers are borrowed for the
 * duration of the call.
 */
typedef struct tfy_files_upload_options {
	uint32_t version;   /**< TFY_FILES_UPLOAD_OPTIONS_VERSION */
	int32_t reserved_;  /**< padding, leave 0 */
	/**
	 * A local regular file to upload: opened before anything is sent (a file
	 * that cannot be opened fails with TFY_ERROR_IO and tfy_error.detail
	 * saying why), its size taken then (a file that shrinks while it is sent
	 * fails with TFY_ERROR_IO; bytes appended after the open are not sent),
	 * and read again from its start when an attempt is repeated.  Anything
	 * but a regular file (a FIFO, a device, a socket, a directory) is
	 * refused at once with TFY_ERROR_IO, without waiting on it (since 1.3;
	 * a FIFO without a writer used to block the call): stream such input
	 * through read.
	 */
	const char *path;
	/** Or a reader that gives the file's bytes (see tfy_read_fn). */
	tfy_read_fn read;
	/** Passed to read and rewind as it is. */
	void *read_userdata;
	/**
	 * With read: puts the reader back to its first byte, or NULL when it
	 * cannot.  Without it, an attempt that failed after a byte was read is
	 * not repeated (the call fails with that attempt's error).
	 */
	tfy_rewind_fn rewind;
	/**
	 * With read: the exact number of bytes the reader gives (the upload
	 * stops there; a reader that ends sooner fails the call with
	 * TFY_ERROR_IO); 0 or TFY_NONE: unknown, the file is sent with chunked
	 * transfer encoding.  Must be 0 with path.
	 */
	int64_t size;
	/**
	 * The file name sent with the file; NULL: the last component of path,
	 * or "input.jsonl" with read.  Must not be empty or hold a control
	 * character or a double quote.
	 */
	const char *filename;
	/** The `purpose` form field; NULL: "batch". */
	const char *purpose;
	/** The file part's Content-Type; NULL: "application/jsonl". */
	const char *content_type;
	/** Routing, headers, deadline, cancel, retries and timeout; NULL: the client's defaults. */
	const tfy_request_options *request;
} tfy_files_upload_options;

/** Static initialiser for tfy_files_upload_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_FILES_UPLOAD_OPTIONS_INIT { TFY_FILES_UPLOAD_OPTIONS_VERSION, 0, NULL, NULL, NULL, \
	NULL, 0, NULL, NULL, NULL, NULL }
/* clang-format on */

/**
 * Initialise upload options to their defaults, for callers that cannot use
 * the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_FILES_UPLOAD_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_files_upload_options_init(tfy_files_upload_options *opts,
                                                  uint32_t version);

/**
 * Upload a file: `POST {base_url}/files`, multipart/form-data with the
 * fields `purpose` and `file`, streamed from the path or the reader.
 *
 * Arguments (and the path's readability) are checked before anything is
 * sent.  An upload is not safe to repeat: a failed attempt is sent again
 * only when it certainly created nothing (no connection, or an answer of
 * 408, 429 or 503, or x-should-retry: true) and the file can be read again
 * from its start (a path, or a reader with a rewind callback, or a reader
 * of which nothing was read yet).  A refusal (any other 4xx but 409 and
 * 499) is returned as its own code.  Any other failure after the request
 * went out fails with TFY_ERROR_OUTCOME_UNKNOWN: no answer, a cancel after
 * sending, 409, 499, a 5xx other than 503, a 2xx whose body is not a File
 * object with an id (docs/errors-and-retries.md has the table); a file may
 * have been uploaded (list or delete it before uploading again).  An error
 * answer that arrives while the file is still being sent (a 413) is
 * returned with its status and message, even when the server then closes
 * the connection.
 *
 * @param client the client.
 * @param opts what to upload (not NULL).
 * @param out receives the uploaded file's File object, owned by the caller
 *        (free with tfy_file_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT; TFY_ERROR_IO when the path
 *         cannot be opened or read or is not a regular file, or the reader
 *         fails; TFY_ERROR_OUTCOME_UNKNOWN;
 *         TFY_ERROR_CANCELLED when cancelled before the request went out;
 *         a transport or HTTP status code.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_files_upload(tfy_client *client, const tfy_files_upload_options *opts,
                                     tfy_file **out, tfy_error **err);

/**
 * Retrieve a file's File object: `GET {base_url}/files/{id}`.
 *
 * @param client the client.
 * @param id the file id, following the rule for ids above (not "." or
 *        ".."; UTF-8 without control characters); sent percent-encoded.
 * @param request routing, headers, deadline...; NULL: the client's defaults.
 * @param out receives a new file owned by the caller (free with
 *        tfy_file_free()); NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK, or an error code as for tfy_batches_list().
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_files_retrieve(tfy_client *client, const char *id,
                                       const tfy_request_options *request, tfy_file **out,
                                       tfy_error **err);

/**
 * Delete a file: `DELETE {base_url}/files/{id}`.  Retried like a GET
 * (deleting twice deletes once).
 *
 * @param client the client.
 * @param id the file id, as for tfy_files_retrieve().
 * @param request routing, headers, deadline...; NULL: the client's defaults.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK when the server answered `"deleted": true`;
 *         TFY_ERROR_DECLINED (since 1.3; TFY_ERROR_DECODE before) when it
 *         answered `"deleted": false`: the file was not deleted, the message
 *         says so, http_status and request_id are the answer's; not
 *         retried.  TFY_ERROR_DECODE when a 2xx answer has no boolean
 *         `deleted`; otherwise an error code as for tfy_batches_list().
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_files_delete(tfy_client *client, const char *id,
                                     const tfy_request_options *request, tfy_error **err);

/** Current version of tfy_files_download_options. */
#define TFY_FILES_DOWNLOAD_OPTIONS_VERSION 1

/**
 * Where a download goes.  Initialise with TFY_FILES_DOWNLOAD_OPTIONS_INIT
 * or tfy_files_download_options_init() (or zero the struct and set
 * `version`).  Exactly one of `path` and `write` is set.  Pointers are
 * borrowed for the duration of the call.
 */
typedef struct tfy_files_download_options {
	uint32_t version;   /**< TFY_FILES_DOWNLOAD_OPTIONS_VERSION */
	int32_t reserved_;  /**< padding, leave 0 */
	/**
	 * A local file to write.  The content goes to a new file
	 * "PATH.XXXXXX.part" beside it (created with mode 0666 less the umask;
	 * since 1.3 PATH's last component is cut, on a character boundary, when
	 * the whole would be longer than the file system allows a name), which
	 * is flushed to disk (fsync), checked for completeness, and only then
	 * renamed to PATH.  On any failure (network, cancel, deadline, a
	 * size mismatch, a full disk) the temporary file is removed and PATH is
	 * left exactly as it was.  A repeated attempt starts the temporary file
	 * again from empty.
	 */
	const char *path;
	/**
	 * Or a writer that receives the content as it arrives.  Once it was
	 * given a byte, a failed attempt is not repeated (the writer cannot take
	 * it back); the call fails with that attempt's error.
	 */
	tfy_write_fn write;
	/** Passed to write as it is. */
	void *write_userdata;
	/**
	 * The content's size in bytes when known (a File object's `bytes`).
	 * The content is counted as written, after its Content-Encoding is
	 * decoded: a piece that would take it past expected_bytes ends the
	 * download before it is written, with TFY_ERROR_RESPONSE_TOO_LARGE (not
	 * retried), so the writer or the temporary file never takes more than
	 * expected_bytes (since 1.3: a small gzip body could inflate to
	 * gigabytes).  A download that ends short of it fails with
	 * TFY_ERROR_NETWORK.  Either way PATH is left alone.
	 *
	 * 0: unknown.  The response's own framing is trusted (libcurl fails a
	 * body shorter than its Content-Length, or a chunked body without its
	 * last chunk, with TFY_ERROR_NETWORK), and nothing caps the size: a
	 * Content-Length counts the bytes on the wire, not the decoded content.
	 * Set it whenever the size is known.
	 */
	int64_t expected_bytes;
	/** Routing, headers, deadline, cancel, retries and timeout; NULL: the client's defaults. */
	const tfy_request_options *request;
	/**
	 * With path: 0 (the default) refuses a PATH that exists, with
	 * TFY_ERROR_IO before anything is sent (and again, atomically, when the
	 * download is complete); 1 replaces it.
	 */
	int32_t overwrite;
	int32_t reserved2_; /**< padding, leave 0 */
} tfy_files_download_options;

/** Static initialiser for tfy_files_download_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_FILES_DOWNLOAD_OPTIONS_INIT { TFY_FILES_DOWNLOAD_OPTIONS_VERSION, 0, NULL, NULL, \
	NULL, 0, NULL, 0, 0 }
/* clang-format on */

/**
 * Initialise download options to their defaults, for callers that cannot
 * use the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_FILES_DOWNLOAD_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_files_download_options_init(tfy_files_download_options *opts,
                                                    uint32_t version);

/**
 * Download a file's content: `GET {base_url}/files/{id}/content`, streamed
 * to a path or a writer.
 *
 * @param client the client.
 * @param id the file id, as for tfy_files_retrieve().
 * @param opts where the content goes (not NULL).
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK when the whole content was written (and, with path,
 *         renamed into place); TFY_ERROR_INVALID_ARGUMENT; TFY_ERROR_IO
 *         when the writer fails or the local file cannot be created,
 *         written, flushed or renamed (or exists, without overwrite);
 *         TFY_ERROR_NETWORK for a truncated download or one shorter than
 *         expected_bytes; TFY_ERROR_RESPONSE_TOO_LARGE for content longer
 *         than expected_bytes; otherwise an error code as for
 *         tfy_batches_list().
 * @since 1.2
 */
TFY_EXTERN tfy_code tfy_files_download(tfy_client *client, const char *id,
                                       const tfy_files_download_options *opts, tfy_error **err);

#ifdef __cplusplus
}
#endif

#endif
