/**
 * @file
 * libtfy: the Files calls of a batch job (since 1.2): upload an input file
 * (`POST {base_url}/files`), retrieve its File object (`GET /files/{id}`),
 * download a file's content (`GET /files/{id}/content`) and delete a file
 * (`DELETE /files/{id}`); since 1.3, list files (`GET /files`), one page or
 * every page with an iterator.
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

#include <tfy/batches.h>
#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>
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

/**
 * What a transfer is doing when it reports its progress
 * (tfy_transfer_progress.phase).  Values are only appended.  Since 1.3.
 */
enum {
	/* clang-format off */
	TFY_TRANSFER_PHASE_SENDING = 0,   /**< an upload: the file's bytes going out */
	TFY_TRANSFER_PHASE_RECEIVING = 1, /**< a download: the content's bytes coming in */
	TFY_TRANSFER_PHASE_DONE = 2,      /**< the call succeeded: the last call, made once */
	/** Not a phase, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_TRANSFER_PHASE__SIGNED = INT32_MIN
	/* clang-format on */
};

/**
 * How far an upload or a download got, given to its progress callback;
 * borrowed for the callback's call only.  Allocated by the library: fields
 * are only appended in later versions.  Since 1.3.
 */
typedef struct tfy_transfer_progress {
	int32_t phase;     /**< a TFY_TRANSFER_PHASE_* value */
	int32_t reserved_; /**< padding, always 0 */
	/**
	 * Bytes of the file sent (read from the path or the reader) or of the
	 * content received (written to the path or the writer, after its
	 * Content-Encoding is decoded) so far.  Never decreases within an
	 * attempt; starts again from 0 when an attempt is repeated (the file is
	 * sent again from its start, the temporary file started again).
	 */
	int64_t bytes_done;
	/**
	 * The whole size when known, else TFY_NONE.  An upload: the file's size
	 * (a path's, or tfy_files_upload_options.size).  A download:
	 * tfy_files_download_options.expected_bytes when set, else the
	 * response's Content-Length (TFY_NONE when there is none, and once
	 * bytes_done passes it: a compressed body's Content-Length counts the
	 * bytes on the wire).  With TFY_TRANSFER_PHASE_DONE it equals bytes_done.
	 */
	int64_t bytes_total;
	int64_t elapsed_ms; /**< since the call started, on a monotonic clock */
} tfy_transfer_progress;

/**
 * Told how far an upload or a download got, on the calling thread: while
 * bytes move, at most once every 100 ms (a call falls due when a piece of
 * the file is read or written, so none comes while nothing moves); then,
 * when the call succeeded, once more with TFY_TRANSFER_PHASE_DONE (for a
 * download to a path, once the file is in place), whose return value is
 * ignored.  A failed call ends without that last call.
 * Must return normally: never throw, longjmp or otherwise unwind out of
 * it (see TFY_CALLBACK_NOEXCEPT).  Since 1.3.
 *
 * @param userdata the options' progress_userdata, untouched.
 * @param progress the bytes so far; borrowed for the call.
 * @return TFY_CANCEL_CONTINUE to go on; anything else stops the transfer
 *         as the cancel callback does: TFY_ERROR_CANCELLED, a download's
 *         temporary file removed (PATH left as it was), an upload whose
 *         request went out TFY_ERROR_OUTCOME_UNKNOWN.
 */
typedef int32_t (*tfy_transfer_progress_fn)(void *userdata,
                                            const tfy_transfer_progress *progress) TFY_CALLBACK_NOEXCEPT;

/** Current version of tfy_files_upload_options (2 since 1.3: progress). */
#define TFY_FILES_UPLOAD_OPTIONS_VERSION 2

/**
 * What to upload and how.  Initialise with TFY_FILES_UPLOAD_OPTIONS_INIT or
 * tfy_files_upload_options_init() (or zero the struct and set `version`).
 * Exactly one of `path` and `read` is set.  Pointers are borrowed for the
 * duration of the call.
 */
typedef struct tfy_files_upload_options {
	uint32_t version;  /**< TFY_FILES_UPLOAD_OPTIONS_VERSION */
	int32_t reserved_; /**< padding, leave 0 */
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
	/**
	 * Version 2 (since 1.3): told how much of the file went out (see
	 * tfy_transfer_progress_fn); NULL: none, at no cost.
	 */
	tfy_transfer_progress_fn progress;
	void *progress_userdata; /**< passed to progress as it is */
} tfy_files_upload_options;

/** Static initialiser for tfy_files_upload_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_FILES_UPLOAD_OPTIONS_INIT { TFY_FILES_UPLOAD_OPTIONS_VERSION, 0, NULL, NULL, NULL, \
	NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL }
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
TFY_EXTERN tfy_code tfy_files_upload_options_init(tfy_files_upload_options *opts, uint32_t version);

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

/** Current version of tfy_files_download_options (2 since 1.3: progress). */
#define TFY_FILES_DOWNLOAD_OPTIONS_VERSION 2

/**
 * Where a download goes.  Initialise with TFY_FILES_DOWNLOAD_OPTIONS_INIT
 * or tfy_files_download_options_init() (or zero the struct and set
 * `version`).  Exactly one of `path` and `write` is set.  Pointers are
 * borrowed for the duration of the call.
 */
typedef struct tfy_files_download_options {
	uint32_t version;  /**< TFY_FILES_DOWNLOAD_OPTIONS_VERSION */
	int32_t reserved_; /**< padding, leave 0 */
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
	/**
	 * Version 2 (since 1.3): told how much of the content arrived (see
	 * tfy_transfer_progress_fn); NULL: none, at no cost.
	 */
	tfy_transfer_progress_fn progress;
	void *progress_userdata; /**< passed to progress as it is */
} tfy_files_download_options;

/** Static initialiser for tfy_files_download_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_FILES_DOWNLOAD_OPTIONS_INIT { TFY_FILES_DOWNLOAD_OPTIONS_VERSION, 0, NULL, NULL, \
	NULL, 0, NULL, 0, 0, NULL, NULL }
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
TFY_EXTERN tfy_code tfy_files_download_options_init(tfy_files_download_options *opts, uint32_t version);

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

/** Largest page size the API accepts for files (OpenAI's maximum).  Since 1.3. */
#define TFY_FILES_LIMIT_MAX 10000

/** Current version of tfy_files_list_options.  Since 1.3. */
#define TFY_FILES_LIST_OPTIONS_VERSION 1

/**
 * Options for listing files: one page with tfy_files_list(), or every page
 * with tfy_file_iter_new().  Initialise with TFY_FILES_LIST_OPTIONS_INIT or
 * tfy_files_list_options_init() (or zero the struct and set `version`:
 * zero means "default" in every field).  Pointers are borrowed for the
 * duration of the call (tfy_file_iter_new() copies what they point at).
 * Fields are only appended in later versions, with a new version number.
 * Since 1.3.
 */
typedef struct tfy_files_list_options {
	uint32_t version; /**< TFY_FILES_LIST_OPTIONS_VERSION */
	/**
	 * Page size: 0 lets the server choose (10,000 on OpenAI); else
	 * 1..TFY_FILES_LIMIT_MAX.
	 */
	int32_t limit;
	/**
	 * Cursor: the id of the last file of the previous page; NULL for the
	 * first page.  An id by the rule above; sent URL-encoded.
	 */
	const char *after;
	/**
	 * "asc" (oldest first) or "desc" (newest first) by created_at; NULL:
	 * the server's default ("desc" on OpenAI).  Anything else is
	 * TFY_ERROR_INVALID_ARGUMENT.
	 */
	const char *order;
	/**
	 * Only the files of this purpose ("batch", "batch_output", ...); NULL:
	 * every file.  Must not be empty or blank or hold a control character.
	 */
	const char *purpose;
	/** Routing, headers, deadline, cancel, retries and timeout; NULL: the client's defaults. */
	const tfy_request_options *request;
	/** Iterator only: stop after this many files (0: no cap). */
	int64_t max_items;
	/** Iterator only: stop after this many pages (0: no cap). */
	int64_t max_pages;
	/**
	 * Iterator only: sends the request for the next page as soon as a page
	 * arrives, as tfy_batches_list_options.prefetch does.  0 (the default)
	 * and 1 mean on, TFY_NONE off.
	 */
	int32_t prefetch;
	/**
	 * Iterator only: after a page without has_more, a
	 * TFY_MISSING_HAS_MORE_* value (batches.h); 0 means
	 * TFY_MISSING_HAS_MORE_CONTINUE.
	 */
	int32_t missing_has_more;
} tfy_files_list_options;

/** Static initialiser for tfy_files_list_options: every field zero (the defaults). */
/* clang-format off */
#define TFY_FILES_LIST_OPTIONS_INIT { TFY_FILES_LIST_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, \
	0, 0, 0, 0 }
/* clang-format on */

/**
 * Initialise list options to their defaults, for callers that cannot use
 * the macro.
 *
 * @param opts the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_FILES_LIST_OPTIONS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if opts is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_list_options_init(tfy_files_list_options *opts, uint32_t version);

/**
 * One page of files (`GET /files`), from tfy_files_list().  Owns every file
 * and every string reachable from it; free with tfy_file_page_free().  Its
 * files belong to it: tfy_file_free() leaves them alone (tfy_file_dup()
 * makes one a file of its own).  Fields are only appended in later
 * versions.  Since 1.3.
 */
typedef struct tfy_file_page {
	const char *object;           /**< "list", or NULL if absent */
	size_t count;                 /**< number of files in items */
	const tfy_file *const *items; /**< count pointers, NULL when count is 0 */
	const char *first_id;         /**< may be NULL */
	const char *last_id;          /**< may be NULL */
	int32_t has_more;             /**< 1 if the server says more pages follow */
	int32_t has_more_present;     /**< 0 if the server left has_more out (then has_more is 0) */
	const char *request_id;       /**< the response's `x-request-id` header, or NULL */
	/**
	 * The members of the list object that libtfy does not model, as one
	 * compact JSON object in the order sent; NULL when there are none (as
	 * tfy_batch_page.extra_json).
	 */
	const char *extra_json;
	int32_t http_status; /**< the HTTP status of the response (200, or another 2xx) */
	int32_t reserved_;   /**< padding, always 0 */
} tfy_file_page;

/**
 * Free a page of files and everything it owns.
 *
 * @param page the page, or NULL (then nothing happens).
 * @since 1.3
 */
TFY_EXTERN void tfy_file_page_free(tfy_file_page *page);

/**
 * Fetch one page of files: `GET {base_url}/files` with `limit`, `after`,
 * `order` and `purpose` as the options set them.
 *
 * Arguments are checked before anything is sent; failed attempts are
 * retried as for tfy_batches_list().  Each item is decoded by the rules of
 * file.h (an item that is not an object has every field absent, its text in
 * raw_json).
 *
 * @param client the client.
 * @param opts options, or NULL for the first page at the server's default
 *        size and order.
 * @param out receives a new page owned by the caller (free with
 *        tfy_file_page_free()); set to NULL on failure.
 * @param err if not NULL, receives a new error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK, or an error code as for tfy_batches_list(): among them
 *         TFY_ERROR_INVALID_ARGUMENT for a bad option and TFY_ERROR_DECODE
 *         when a 2xx body is not a JSON object with a `data` array.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_list(tfy_client *client, const tfy_files_list_options *opts,
                                   tfy_file_page **out, tfy_error **err);

/** An opaque iterator over every file of a listing.  Use from one thread at a time.  Since 1.3. */
typedef struct tfy_file_iter tfy_file_iter;

/**
 * Create an iterator over every file.  Nothing is sent until the first
 * tfy_file_iter_next().
 *
 * The options are copied (strings and arrays included): they need not
 * outlive this call, but request->cancel_userdata must live as long as the
 * iterator.  `after` is where to start (NULL: the first file in `order`),
 * `limit` the page size, `order` and `purpose` apply to every page,
 * `max_items` / `max_pages` are optional caps, request->deadline_ms a
 * budget for the whole iteration.  Every option is checked here as
 * tfy_files_list() would check it.
 *
 * @param client the client.  The iterator holds a reference to it: the
 *        client may be freed first, and is freed with the last of its
 *        iterators.
 * @param opts options, copied; NULL for the defaults.
 * @param out receives the iterator, to be freed with tfy_file_iter_free().
 * @param err if not NULL, receives a new error on failure.
 * @return TFY_OK, TFY_ERROR_INVALID_ARGUMENT or TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_file_iter_new(tfy_client *client, const tfy_files_list_options *opts,
                                      tfy_file_iter **out, tfy_error **err);

/**
 * The next file.  Pages are fetched and checked exactly as
 * tfy_batch_iter_next() does for batches: the next cursor is the id of the
 * last file of a page (or the page's last_id when that file has no id); an
 * empty page with has_more continues from its last_id; the iteration ends
 * when has_more is false, a cap is reached, or as missing_has_more says;
 * it fails for good with TFY_ERROR_PAGINATION when the server repeats a
 * cursor (a gateway ignoring `after`), returns the file it was asked to
 * start after, sends more than 100 empty pages in a row or gives no cursor
 * to continue from.  Any other failure leaves the iterator where it was:
 * calling again retries the same page.
 *
 * @param iter the iterator.
 * @param file receives a file borrowed from the iterator, valid until the
 *        next call on it; NULL at the end.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK (with *file NULL at the end) or an error code, with *err
 *         set as tfy_files_list() does.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_file_iter_next(tfy_file_iter *iter, const tfy_file **file, tfy_error **err);

/**
 * The next run of files: the rest of the current page, or the next page,
 * cut short by max_items.  Same fetching and errors as
 * tfy_file_iter_next(); the two may be mixed.
 *
 * @param iter the iterator.
 * @param files receives `count` pointers borrowed from the iterator, valid
 *        until the next call on it; NULL at the end.
 * @param count receives the number of files; 0 at the end.
 * @param err if not NULL, receives a new tfy_error on failure (free with
 *        tfy_error_free()) and NULL on success.
 * @return TFY_OK (with *count 0 at the end) or an error code, as for
 *         tfy_file_iter_next().
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_file_iter_next_page(tfy_file_iter *iter, const tfy_file *const **files,
                                            size_t *count, tfy_error **err);

/**
 * Free a file iterator and the page it holds, abandoning a prefetched
 * request, and drop its reference to its client (freeing the client when
 * the caller freed it already and nothing else holds it).
 *
 * @param iter the iterator, or NULL (then nothing happens).
 * @since 1.3
 */
TFY_EXTERN void tfy_file_iter_free(tfy_file_iter *iter);

#ifdef __cplusplus
}
#endif

#endif
