/**
 * @file
 * libtfy: every call driven from the caller's event loop, without a
 * thread of libtfy's and without blocking.  Since 1.3.
 *
 * The caller gives hooks to watch a socket and to set one timer (the shape
 * of libcurl's multi_socket interface and of hiredis's adapters); libtfy
 * calls them, and the caller calls tfy_async_socket_ready() when a watched
 * socket is ready and tfy_async_timer_fired() when the timer fires.  No
 * call here blocks or sleeps: backoff between retries and a wait's polls
 * are timers.  Adapters for epoll, libuv and libevent ship as source files
 * in `adapters/` (docs/async.md).
 *
 * Each blocking call of the API has a start form taking a completion
 * callback.  Deadlines, retries, Retry-After, reconcile after an unknown
 * create, redirects, credential refresh and secret masking behave exactly
 * as in the blocking call: both run the same call path.
 *
 * A start form returns TFY_OK when the call is under way: its callback is
 * then called exactly once, from tfy_async_socket_ready(),
 * tfy_async_timer_fired(), tfy_async_call_cancel() or tfy_async_free() on
 * the loop's thread, never from inside the start form.  Any other return
 * (a NULL or invalid argument, an option that fails its check, out of
 * memory) means nothing was started and the callback is never called.
 *
 * Thread rules: one thread drives a tfy_async (the loop's); every function
 * here is called on it, and every callback runs on it.  The client may be
 * shared with blocking calls on other threads.
 *
 * The timer is armed for the earliest moment libtfy needs a step without a
 * socket event (its backoffs and pauses, libcurl's timeouts, a deadline, a
 * stall limit); while a call with a cancel token or cancel callback is
 * under way it is armed at most 50 ms ahead, so that the token is read as
 * often as a blocking call reads it.
 */
#ifndef TFY_ASYNC_H
#define TFY_ASYNC_H

#include <tfy/batch.h>
#include <tfy/batches.h>
#include <tfy/client.h>
#include <tfy/common.h>
#include <tfy/error.h>
#include <tfy/file.h>
#include <tfy/files.h>
#include <tfy/jobs.h>
#include <tfy/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What to watch a socket for (a bit set).  Values are only appended. */
enum {
	/* clang-format off */
	TFY_ASYNC_WATCH_NONE = 0,  /**< stop watching the socket */
	TFY_ASYNC_WATCH_READ = 1,  /**< readable */
	TFY_ASYNC_WATCH_WRITE = 2, /**< writable */
	TFY_ASYNC_WATCH_ERROR = 4, /**< given to tfy_async_socket_ready() only: an error or hang-up on it */
	/** Not a value, never given; makes the enum signed, as TFY_CODE__SIGNED does. */
	TFY_ASYNC_WATCH__SIGNED = INT32_MIN
	/* clang-format on */
};

/** Current version of tfy_async_hooks. */
#define TFY_ASYNC_HOOKS_VERSION 1

/**
 * How libtfy asks the caller's loop for events.  Initialise with
 * TFY_ASYNC_HOOKS_INIT or tfy_async_hooks_init().  Read by tfy_async_new()
 * and copied.  Fields are only appended in later versions.
 */
typedef struct tfy_async_hooks {
	uint32_t version;   /**< TFY_ASYNC_HOOKS_VERSION */
	uint32_t reserved_; /**< padding, leave 0 */
	/**
	 * Watch fd for `what` (TFY_ASYNC_WATCH_READ and/or _WRITE, replacing
	 * what was asked before for it) or stop watching it
	 * (TFY_ASYNC_WATCH_NONE; the socket may be closed right after).
	 * Required.  Called from inside libtfy's functions, on the loop's thread.
	 *
	 * @param userdata tfy_async_hooks.userdata.
	 * @param fd the socket.
	 * @param what the events wanted.
	 * @return 0, or -1 when it cannot be watched (the calls on that socket fail).
	 */
	int32_t (*watch)(void *userdata, int fd, int32_t what);
	/**
	 * Arm the one timer to fire in delay_ms (0: as soon as the loop can;
	 * it must not be fired from inside this hook), replacing the one armed
	 * before, or disarm it (delay_ms -1).  Required.
	 *
	 * @param userdata tfy_async_hooks.userdata.
	 * @param delay_ms milliseconds from now, 0, or -1.
	 * @return 0, or -1 when it cannot be armed.
	 */
	int32_t (*timer)(void *userdata, int64_t delay_ms);
	/** Passed to the hooks untouched; borrowed, must outlive the tfy_async. */
	void *userdata;
} tfy_async_hooks;

/** Static initialiser for tfy_async_hooks: no hooks (set watch and timer). */
#define TFY_ASYNC_HOOKS_INIT \
	{ \
		TFY_ASYNC_HOOKS_VERSION, 0, NULL, NULL, NULL \
	}

/** The calls of one client driven by one event loop.  Opaque. */
typedef struct tfy_async tfy_async;

/** One call under way: a handle to cancel it.  Owned by libtfy; valid until its callback returns. */
typedef struct tfy_async_call tfy_async_call;

/**
 * Initialise hooks, for callers that cannot use the macro.
 *
 * @param hooks the struct to fill: as many bytes as the layout of `version`.
 * @param version TFY_ASYNC_HOOKS_VERSION as the caller was compiled with.
 * @return TFY_OK, or TFY_ERROR_INVALID_ARGUMENT if hooks is NULL or the
 *         version is 0 or newer than this library.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_async_hooks_init(tfy_async_hooks *hooks, uint32_t version);

/**
 * A driver for the client's calls from an event loop.
 *
 * @param client the client; the tfy_async holds a reference to it.
 * @param hooks the loop's hooks; copied.
 * @param out receives the new driver, owned by the caller (tfy_async_free()).
 * @param err if not NULL, receives a new error on failure and NULL on success.
 * @return TFY_OK; TFY_ERROR_INVALID_ARGUMENT (NULL, a hook missing, a bad
 *         version); TFY_ERROR_OUT_OF_MEMORY.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_async_new(tfy_client *client, const tfy_async_hooks *hooks, tfy_async **out,
                                  tfy_error **err);

/**
 * Free the driver.  Every call still under way is cancelled first: its
 * callback runs, before this returns, with TFY_ERROR_CANCELLED (or
 * TFY_ERROR_OUTCOME_UNKNOWN for a create or upload already sent), so that
 * the callbacks' user data can be freed there.  Every socket is unwatched
 * and the timer disarmed.  NULL is ignored.  Not from inside a callback.
 *
 * @param async the driver, or NULL.
 * @since 1.3
 */
TFY_EXTERN void tfy_async_free(tfy_async *async);

/**
 * Tell libtfy that a watched socket is ready.  Calls due callbacks.
 *
 * @param async the driver.
 * @param fd the socket.
 * @param events TFY_ASYNC_WATCH_READ, _WRITE and/or _ERROR that occurred.
 * @since 1.3
 */
TFY_EXTERN void tfy_async_socket_ready(tfy_async *async, int fd, int32_t events);

/**
 * Tell libtfy that its timer fired.  Calls due callbacks.
 *
 * @param async the driver.
 * @since 1.3
 */
TFY_EXTERN void tfy_async_timer_fired(tfy_async *async);

/**
 * The calls under way.
 *
 * @param async the driver.
 * @return the number of calls whose callback has not run yet.
 * @since 1.3
 */
TFY_EXTERN int64_t tfy_async_pending(const tfy_async *async);

/**
 * Cancel a call under way: its transfer stops and its callback runs with
 * TFY_ERROR_CANCELLED (TFY_ERROR_OUTCOME_UNKNOWN for a create or an upload
 * already sent; a create is not reconciled) at the loop's next event, not
 * from inside this function.  A call whose callback already ran must not
 * be given.
 *
 * @param call the call.
 * @since 1.3
 */
TFY_EXTERN void tfy_async_call_cancel(tfy_async_call *call);

/**
 * Told that a call ended with a batch.
 *
 * @param userdata the start form's userdata, untouched.
 * @param rc TFY_OK or the call's code.
 * @param batch a new batch owned by the callee (tfy_batch_free()), NULL on failure.
 * @param err a new error owned by the callee (tfy_error_free()), NULL on success.
 */
typedef void (*tfy_async_batch_fn)(void *userdata, tfy_code rc, tfy_batch *batch, tfy_error *err);

/** As tfy_async_batch_fn, with a page of batches (tfy_batch_page_free()). */
typedef void (*tfy_async_batch_page_fn)(void *userdata, tfy_code rc, tfy_batch_page *page,
                                        tfy_error *err);

/** As tfy_async_batch_fn, with a file (tfy_file_free()). */
typedef void (*tfy_async_file_fn)(void *userdata, tfy_code rc, tfy_file *file, tfy_error *err);

/** As tfy_async_batch_fn, with a page of files (tfy_file_page_free()). */
typedef void (*tfy_async_file_page_fn)(void *userdata, tfy_code rc, tfy_file_page *page,
                                       tfy_error *err);

/** As tfy_async_batch_fn, for a call with no result (a delete, a download). */
typedef void (*tfy_async_done_fn)(void *userdata, tfy_code rc, tfy_error *err);

/**
 * Start tfy_batches_list() (one page).  The arguments are as there and
 * read during this call only; the result goes to done.
 *
 * @param async the driver.
 * @param opts as for tfy_batches_list().
 * @param done called once with the page or the error; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle (valid until done returns).
 * @param err if not NULL, receives a new error when nothing was started, else NULL.
 * @return TFY_OK when the call is under way; otherwise the error of the
 *         arguments, and done is never called.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_batches_list_start(tfy_async *async, const tfy_batches_list_options *opts,
                                           tfy_async_batch_page_fn done, void *userdata,
                                           tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_batches_create(); a create whose outcome is unknown is
 * reconciled as there, with list calls on the same loop.
 * Parameters and return as tfy_batches_list_start().
 *
 * @param async the driver.
 * @param opts as for tfy_batches_create(); read during this call only.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_batches_create_start(tfy_async *async, const tfy_batches_create_options *opts,
                                             tfy_async_batch_fn done, void *userdata,
                                             tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_batches_retrieve().  Parameters and return as tfy_batches_list_start().
 *
 * @param async the driver.
 * @param batch_id as for tfy_batches_retrieve(); copied.
 * @param request request options or NULL; read during this call only (a cancel token in it is borrowed until done).
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_batches_retrieve_start(tfy_async *async, const char *batch_id,
                                               const tfy_request_options *request,
                                               tfy_async_batch_fn done, void *userdata,
                                               tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_batches_cancel().  Parameters and return as tfy_batches_retrieve_start().
 *
 * @param async the driver.
 * @param batch_id as for tfy_batches_cancel(); copied.
 * @param request request options or NULL.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_batches_cancel_start(tfy_async *async, const char *batch_id,
                                             const tfy_request_options *request,
                                             tfy_async_batch_fn done, void *userdata,
                                             tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_batch_wait(): retrieves on the loop's timer, with the same
 * schedule, Retry-After, timeout and on_progress (called on the loop's
 * thread) as the blocking wait.  Parameters and return as
 * tfy_batches_retrieve_start().
 *
 * @param async the driver.
 * @param batch_id the batch; copied.
 * @param opts as for tfy_batch_wait(); read during this call only (its callbacks' user data is borrowed until done).
 * @param done called once with the batch when it is terminal, or the error
 *        (a timeout or cancel gives the last state seen as the batch, as the blocking wait does).
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_batch_wait_start(tfy_async *async, const char *batch_id,
                                         const tfy_batch_wait_options *opts, tfy_async_batch_fn done,
                                         void *userdata, tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_files_upload(): from a path (opened now) or a reader (called
 * on the loop's thread, borrowed until done).  Parameters and return as
 * tfy_batches_list_start().
 *
 * @param async the driver.
 * @param opts as for tfy_files_upload(); read during this call only.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error (TFY_ERROR_IO
 *         when the path cannot be opened).
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_upload_start(tfy_async *async, const tfy_files_upload_options *opts,
                                           tfy_async_file_fn done, void *userdata,
                                           tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_files_retrieve().  Parameters and return as tfy_batches_retrieve_start().
 *
 * @param async the driver.
 * @param id the file's id; copied.
 * @param request request options or NULL.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_retrieve_start(tfy_async *async, const char *id,
                                             const tfy_request_options *request, tfy_async_file_fn done,
                                             void *userdata, tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_files_delete().  Parameters and return as tfy_batches_retrieve_start().
 *
 * @param async the driver.
 * @param id the file's id; copied.
 * @param request request options or NULL.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_delete_start(tfy_async *async, const char *id,
                                           const tfy_request_options *request, tfy_async_done_fn done,
                                           void *userdata, tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_files_download(): to a path (written to a temporary name and
 * renamed when whole, as there) or a writer (called on the loop's thread,
 * borrowed until done).  Parameters and return as tfy_batches_list_start().
 *
 * @param async the driver.
 * @param id the file's id; copied.
 * @param opts as for tfy_files_download(); read during this call only.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error (TFY_ERROR_IO
 *         when the temporary file cannot be made).
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_download_start(tfy_async *async, const char *id,
                                             const tfy_files_download_options *opts,
                                             tfy_async_done_fn done, void *userdata,
                                             tfy_async_call **call, tfy_error **err);

/**
 * Start tfy_files_list() (one page).  Parameters and return as tfy_batches_list_start().
 *
 * @param async the driver.
 * @param opts as for tfy_files_list(); read during this call only.
 * @param done called once; required.
 * @param userdata passed to done untouched.
 * @param call if not NULL, receives the call's handle.
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_files_list_start(tfy_async *async, const tfy_files_list_options *opts,
                                         tfy_async_file_page_fn done, void *userdata,
                                         tfy_async_call **call, tfy_error **err);

/**
 * Told each page of an iteration started by tfy_batch_iter_start().
 *
 * @param userdata the start form's userdata, untouched.
 * @param rc TFY_OK or the page's error code (the iteration then ends).
 * @param batches the page's batches, borrowed until the callback returns;
 *        count 0 at the end of the listing (the last call).
 * @param count entries in batches.
 * @param err a new error owned by the callee on failure, else NULL.
 * @return TFY_CANCEL_CONTINUE for the next page; anything else ends the
 *         iteration (no further call).
 */
typedef int32_t (*tfy_async_batches_fn)(void *userdata, tfy_code rc, const tfy_batch *const *batches,
                                        size_t count, tfy_error *err);

/**
 * Walk every page of a batch listing on the loop, with the blocking
 * iterator's guards (a repeated cursor, has_more without items:
 * TFY_ERROR_PAGINATION).  on_page is called per page, then once with
 * count 0 at the end, or once with the error.
 *
 * @param async the driver.
 * @param opts as for tfy_batch_iter_new(); read during this call only.
 * @param on_page called per page; required.
 * @param userdata passed to on_page untouched.
 * @param call if not NULL, receives the iteration's handle (valid until its last call returns).
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_batch_iter_start(tfy_async *async, const tfy_batches_list_options *opts,
                                         tfy_async_batches_fn on_page, void *userdata,
                                         tfy_async_call **call, tfy_error **err);

/**
 * Told each page of an iteration started by tfy_file_iter_start().
 *
 * @param userdata the start form's userdata, untouched.
 * @param rc TFY_OK or the page's error code (the iteration then ends).
 * @param files the page's files, borrowed until the callback returns;
 *        count 0 at the end of the listing (the last call).
 * @param count entries in files.
 * @param err a new error owned by the callee on failure, else NULL.
 * @return TFY_CANCEL_CONTINUE for the next page; anything else ends the
 *         iteration (no further call).
 */
typedef int32_t (*tfy_async_files_fn)(void *userdata, tfy_code rc, const tfy_file *const *files,
                                      size_t count, tfy_error *err);

/**
 * Walk every page of a file listing on the loop, with the blocking
 * iterator's guards (a repeated cursor, has_more without items:
 * TFY_ERROR_PAGINATION).  on_page is called per page, then once with
 * count 0 at the end, or once with the error.
 *
 * @param async the driver.
 * @param opts as for tfy_file_iter_new(); read during this call only.
 * @param on_page called per page; required.
 * @param userdata passed to on_page untouched.
 * @param call if not NULL, receives the iteration's handle (valid until its last call returns).
 * @param err if not NULL, receives a new error when nothing was started.
 * @return TFY_OK when under way, else the arguments' error.
 * @since 1.3
 */
TFY_EXTERN tfy_code tfy_file_iter_start(tfy_async *async, const tfy_files_list_options *opts,
                                        tfy_async_files_fn on_page, void *userdata,
                                        tfy_async_call **call, tfy_error **err);

#ifdef __cplusplus
}
#endif

#endif
