/**
 * @file
 * libtfy for C++17: a small header-only layer over the C API of tfy/tfy.h.
 *
 * - Handles: every object the library hands out is held by a
 *   std::unique_ptr whose deleter is its _free function (tfy::batch_handle,
 *   tfy::page_handle, ...), so it is freed however the scope is left.
 * - Errors: a failed call throws tfy::error, which owns the call's
 *   tfy_error and reads its fields.
 * - Callbacks: the log, credential and retry callbacks of a client, a
 *   wait's progress, an upload's reader and a download's writer take any
 *   callable (a lambda with captures, a std::function).  The C callback is a
 *   trampoline that catches whatever the callable throws, stops the call
 *   (through the callback's own "stop" value and a cancel callback the
 *   layer adds to the call's tfy_request_options, which then asks the
 *   caller's own cancel callback, or the client's default one), and the
 *   call rethrows the exception once the library has returned and cleaned
 *   up: nothing unwinds through C frames, nothing leaks.
 *
 * A client's callbacks run on the thread of the call that triggers them; an
 * exception from one is rethrown by the call of this layer that is running
 * on that thread.  During a call made on the client through the C API
 * directly (client::get()) such an exception cannot be rethrown: it is
 * dropped, and the callback fails (the credential fails the call, on_retry
 * stops retrying, the log line is lost).
 *
 * Thread safety is the C library's: a client may be used from several
 * threads at once, an iterator from one thread at a time.  Options structs
 * are the C ones (initialise them with their _INIT macros); every pointer
 * in them is borrowed for the duration of the call, as in C.
 *
 * Since 1.3.  See docs/ffi.md.
 */
#ifndef TFY_TFY_HPP
#define TFY_TFY_HPP

#if !((defined(__cplusplus) && __cplusplus >= 201703L) || (defined(_MSVC_LANG) && _MSVC_LANG >= 201703L))
#error "tfy/tfy.hpp needs C++17 or later"
#endif

#include <tfy/tfy.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

/** The C++ layer of libtfy. */
namespace tfy {

/**
 * Frees a libtfy object with its _free function: the deleter of the
 * handles below.
 *
 * @tparam T the object's type.
 * @tparam Free its _free function.
 */
template <typename T, void (*Free)(T *)>
struct deleter {
	/**
	 * Frees p.
	 *
	 * @param p the object, or nullptr (then nothing happens).
	 */
	void operator()(T *p) const noexcept { Free(p); }
};

/** Owns a tfy_client (tfy_client_free()). */
using client_handle = std::unique_ptr<tfy_client, deleter<tfy_client, tfy_client_free>>;
/** Owns a tfy_batch_iter (tfy_batch_iter_free()). */
using batch_iter_handle = std::unique_ptr<tfy_batch_iter, deleter<tfy_batch_iter, tfy_batch_iter_free>>;
/** Owns a tfy_batch (tfy_batch_free()). */
using batch_handle = std::unique_ptr<tfy_batch, deleter<tfy_batch, tfy_batch_free>>;
/** Owns a tfy_batch_page (tfy_batch_page_free()). */
using page_handle = std::unique_ptr<tfy_batch_page, deleter<tfy_batch_page, tfy_batch_page_free>>;
/** Owns a tfy_file (tfy_file_free()). */
using file_handle = std::unique_ptr<tfy_file, deleter<tfy_file, tfy_file_free>>;
/** Owns a tfy_error (tfy_error_free()). */
using error_handle = std::unique_ptr<tfy_error, deleter<tfy_error, tfy_error_free>>;
/** Owns a tfy_result_reader (tfy_result_reader_free()). */
using result_reader_handle =
	std::unique_ptr<tfy_result_reader, deleter<tfy_result_reader, tfy_result_reader_free>>;
/** Owns a tfy_input_report (tfy_input_report_free()). */
using input_report_handle =
	std::unique_ptr<tfy_input_report, deleter<tfy_input_report, tfy_input_report_free>>;
/** Owns a tfy_job (tfy_job_free()). */
using job_handle = std::unique_ptr<tfy_job, deleter<tfy_job, tfy_job_free>>;
/** Owns a tfy_job_summary (tfy_job_summary_free()). */
using job_summary_handle =
	std::unique_ptr<tfy_job_summary, deleter<tfy_job_summary, tfy_job_summary_free>>;
#if TFY_REQUEST_OPTIONS_VERSION >= 2
/** Owns a tfy_cancel_token (tfy_cancel_token_free()). */
using cancel_token_handle =
	std::unique_ptr<tfy_cancel_token, deleter<tfy_cancel_token, tfy_cancel_token_free>>;
#endif

/**
 * A failed call: owns the call's tfy_error and reads its fields.  Copies
 * share the tfy_error, so copying never throws.
 */
class error : public std::runtime_error {
public:
	/**
	 * Takes a call's result.
	 *
	 * @param err the call's error (owned from now on), or empty.
	 * @param code the call's result, used when err is empty.
	 */
	error(error_handle err, tfy_code code)
		: std::runtime_error(err && err->message ? err->message : tfy_strerror(code)),
		  code_(err ? err->code : code), err_(std::move(err))
	{
	}

	/** @return the result code, a TFY_ERROR_* value. */
	tfy_code code() const noexcept { return code_; }
	/** @return the HTTP status of the last response, 0 when none came. */
	int32_t http_status() const noexcept { return err_ ? err_->http_status : 0; }
	/** @return the HTTP requests made for the call. */
	int32_t attempts() const noexcept { return err_ ? err_->attempts : 0; }
	/** @return `error.type` of an API error body, or nullptr. */
	const char *api_type() const noexcept { return err_ ? err_->api_type : nullptr; }
	/** @return `error.code` of an API error body, or nullptr. */
	const char *api_code() const noexcept { return err_ ? err_->api_code : nullptr; }
	/** @return `error.param` of an API error body, or nullptr. */
	const char *api_param() const noexcept { return err_ ? err_->api_param : nullptr; }
	/** @return `error.message` of an API error body, or nullptr. */
	const char *api_message() const noexcept { return err_ ? err_->api_message : nullptr; }
	/** @return the response's x-request-id, or nullptr. */
	const char *request_id() const noexcept { return err_ ? err_->request_id : nullptr; }
	/** @return the transport or decoder detail, or nullptr. */
	const char *detail() const noexcept { return err_ ? err_->detail : nullptr; }
	/** @return the start of the response body, or nullptr. */
	const char *body() const noexcept { return err_ ? err_->body : nullptr; }
	/** @return the delay the server asked for in ms, -1 when none. */
	int64_t retry_after_ms() const noexcept { return err_ ? err_->retry_after_ms : -1; }
	/**
	 * A kept response header of the failed call (tfy_error_header()).
	 *
	 * @param name the header's name.
	 * @return its value, valid as long as this error (or a copy); nullptr
	 *         when absent.
	 */
	const char *header(const char *name) const noexcept { return tfy_error_header(err_.get(), name); }
	/** @return the tfy_error itself, valid as long as this error (or a copy); may be nullptr. */
	const tfy_error *get() const noexcept { return err_.get(); }

private:
	tfy_code code_;
	std::shared_ptr<const tfy_error> err_;
};

/**
 * A client's callbacks, each optional.  They may be called from several
 * threads at once (each on the thread of the call it serves) and must not
 * call libtfy with the same client.
 */
struct client_callbacks {
	/** Receives each log line (tfy_log_fn): the level and the line. */
	std::function<void(int32_t level, const char *line)> log;
	/**
	 * Gives the API key before each request (tfy_credential_fn); refresh
	 * is true after the server refused the last key.  A key of
	 * TFY_CREDENTIAL_MAX bytes or more throws std::length_error from the call.
	 */
	std::function<std::string(bool refresh)> credential;
	/** Told before each retry (tfy_retry_fn): true to retry, false to stop. */
	std::function<bool(const tfy_retry_info &info)> on_retry;
};

/** @cond INTERNAL */
/* Internals of the layer: not part of its API. */
namespace detail {

/*
 * One call (or one iterator): the exception a callback threw, and the
 * cancel callback that stops the call once one was thrown.  Its address is
 * a C userdata, so it never moves.
 */
class call_state {
public:
	call_state() = default;
	call_state(const call_state &) = delete;
	call_state &operator=(const call_state &) = delete;

	void capture() noexcept
	{
		if (!thrown_)
			thrown_ = std::current_exception();
	}

	void rethrow()
	{
		if (thrown_) {
			std::exception_ptr e = std::move(thrown_);
			thrown_ = nullptr;
			std::rethrow_exception(e);
		}
	}

	/*
	 * The request options to give the C call: the caller's (or the
	 * defaults), whose cancel callback, or else the client's default
	 * one, this state's cancel callback asks in turn.
	 */
	const tfy_request_options *hook(const tfy_request_options *req, tfy_cancel_fn fallback,
	                                void *fallback_userdata) noexcept
	{
		if (req)
			opts_ = *req;
		else
			tfy_request_options_init(&opts_, TFY_REQUEST_OPTIONS_VERSION);
		next_ = opts_.cancel ? opts_.cancel : fallback;
		next_userdata_ = opts_.cancel ? opts_.cancel_userdata : fallback_userdata;
		opts_.cancel = &call_state::cancel;
		opts_.cancel_userdata = this;
		return &opts_;
	}

private:
	static int32_t cancel(void *userdata) TFY_CALLBACK_NOEXCEPT
	{
		auto *self = static_cast<call_state *>(userdata);
		if (self->thrown_)
			return 1;
		return self->next_ ? self->next_(self->next_userdata_) : TFY_CANCEL_CONTINUE;
	}

	std::exception_ptr thrown_;
	tfy_request_options opts_{};
	tfy_cancel_fn next_ = nullptr;
	void *next_userdata_ = nullptr;
};

/* The call of this layer running on this thread, if any. */
inline thread_local call_state *current_call = nullptr;

/* Makes a state the current call for a scope (nested calls restore theirs). */
class call_scope {
public:
	explicit call_scope(call_state &state) noexcept : saved_(current_call) { current_call = &state; }
	~call_scope() { current_call = saved_; }
	call_scope(const call_scope &) = delete;
	call_scope &operator=(const call_scope &) = delete;

private:
	call_state *saved_;
};

/* In a trampoline's catch block: keeps the exception for the current call. */
inline void capture() noexcept
{
	if (current_call)
		current_call->capture();
}

/*
 * Runs one C call, f(&err) returning its code, with state current; then
 * rethrows what a callback threw, else throws the call's error.
 */
template <typename F>
void run(call_state &state, F &&f)
{
	tfy_error *err = nullptr;
	tfy_code code;
	{
		call_scope scope(state);
		code = f(&err);
	}
	error_handle owned(err);
	state.rethrow();
	if (code != TFY_OK)
		throw error(std::move(owned), code);
}

/* What a client shares with its iterators: callbacks, defaults, the handle. */
struct client_state {
	client_callbacks callbacks;
	tfy_cancel_fn default_cancel = nullptr;
	void *default_cancel_userdata = nullptr;
	client_handle handle; /* last: freed before the callbacks it uses */

	static void log(int32_t level, const char *line, void *userdata) TFY_CALLBACK_NOEXCEPT
	{
		try {
			static_cast<client_state *>(userdata)->callbacks.log(level, line);
		} catch (...) {
			capture();
		}
	}

	static int32_t credential(void *userdata, int32_t refresh, char *key,
	                          size_t key_size) TFY_CALLBACK_NOEXCEPT
	{
		try {
			std::string k = static_cast<client_state *>(userdata)->callbacks.credential(refresh != 0);
			bool fits = k.size() < key_size;
			if (fits)
				std::memcpy(key, k.c_str(), k.size() + 1);
			std::fill(k.begin(), k.end(), '\0');
			if (!fits)
				throw std::length_error("tfy: the credential callback gave a key of "
				                        "TFY_CREDENTIAL_MAX bytes or more");
			return 0;
		} catch (...) {
			capture();
			return 1;
		}
	}

	static int32_t retry(void *userdata, const tfy_retry_info *info) TFY_CALLBACK_NOEXCEPT
	{
		try {
			return static_cast<client_state *>(userdata)->callbacks.on_retry(*info) ? TFY_CANCEL_CONTINUE : 1;
		} catch (...) {
			capture();
			return 1;
		}
	}
};

inline int32_t progress(void *userdata, const tfy_batch *batch) TFY_CALLBACK_NOEXCEPT
{
	try {
		return (*static_cast<const std::function<bool(const tfy_batch &)> *>(userdata))(*batch)
		               ? TFY_CANCEL_CONTINUE
		               : 1;
	} catch (...) {
		capture();
		return 1;
	}
}

inline int64_t read(void *userdata, char *buf, size_t size) TFY_CALLBACK_NOEXCEPT
{
	try {
		size_t n = (*static_cast<const std::function<size_t(char *, size_t)> *>(userdata))(buf, size);
		if (n > size)
			throw std::length_error("tfy: the upload's reader gave more bytes than asked for");
		return static_cast<int64_t>(n);
	} catch (...) {
		capture();
		return -1;
	}
}

inline int32_t write(void *userdata, const char *data, size_t size) TFY_CALLBACK_NOEXCEPT
{
	try {
		(*static_cast<const std::function<void(std::string_view)> *>(userdata))(std::string_view(data, size));
		return 0;
	} catch (...) {
		capture();
		return 1;
	}
}

} // namespace detail
/** @endcond */

/**
 * Every batch of a listing, one page in memory at a time
 * (tfy_batch_iter_*): next() until nullptr, or a range-for loop.  Holds its
 * client (and the client's callbacks) alive.  Use from one thread at a time.
 */
class batch_iterator {
public:
	/**
	 * The next batch.
	 *
	 * @return a batch borrowed from the iterator, valid until the next call
	 *         on it; nullptr at the end.
	 * @throws error as tfy_batch_iter_next() fails (calling again retries
	 *         the same page); whatever a client callback threw (when the
	 *         page came all the same, calling again gives its batch: none
	 *         is skipped).
	 */
	const tfy_batch *next()
	{
		const tfy_batch *batch = pending_;
		if (batch) {
			pending_ = nullptr;
			return batch;
		}
		try {
			detail::run(*state_, [&](tfy_error **err) { return tfy_batch_iter_next(iter_.get(), &batch, err); });
		} catch (...) {
			pending_ = batch;
			throw;
		}
		return batch;
	}

	/** @return where to resume (tfy_batch_iter_cursor()); nullptr at the very start. */
	const char *cursor() const noexcept { return tfy_batch_iter_cursor(iter_.get()); }
	/** @return the pages fetched so far. */
	int64_t pages() const noexcept { return tfy_batch_iter_pages(iter_.get()); }
	/** @return the batches handed out so far. */
	int64_t items() const noexcept { return tfy_batch_iter_items(iter_.get()); }
	/** @return the C iterator, owned by this object. */
	tfy_batch_iter *get() const noexcept { return iter_.get(); }

	/** The end of a range-for loop over a batch_iterator. */
	struct sentinel {};

	/** A position of a range-for loop: each step calls next(). */
	class iterator {
	public:
		/** @return the current batch, valid until the next step. */
		const tfy_batch &operator*() const noexcept { return *batch_; }
		/**
		 * Steps to the next batch.
		 *
		 * @return this position.
		 * @throws error as next() does.
		 */
		iterator &operator++()
		{
			batch_ = owner_->next();
			return *this;
		}
		/** @return true while a batch is current. */
		bool operator!=(sentinel) const noexcept { return batch_ != nullptr; }

	private:
		friend class batch_iterator;
		iterator(batch_iterator *owner, const tfy_batch *batch) noexcept : owner_(owner), batch_(batch) {}
		batch_iterator *owner_;
		const tfy_batch *batch_;
	};

	/**
	 * Fetches the first batch (or the next one, when some were taken).
	 *
	 * @return the position of that batch.
	 * @throws error as next() does.
	 */
	iterator begin() { return iterator(this, next()); }
	/** @return the end of the loop. */
	sentinel end() const noexcept { return sentinel{}; }

private:
	friend class client;
	batch_iterator(std::shared_ptr<detail::client_state> client, const tfy_batches_list_options *opts)
		: client_(std::move(client)), state_(new detail::call_state)
	{
		tfy_batches_list_options o;
		if (opts)
			o = *opts;
		else
			tfy_batches_list_options_init(&o, TFY_BATCHES_LIST_OPTIONS_VERSION);
		o.request = state_->hook(o.request, client_->default_cancel, client_->default_cancel_userdata);
		detail::run(*state_, [&](tfy_error **err) {
			tfy_batch_iter *it = nullptr;
			tfy_code code = tfy_batch_iter_new(client_->handle.get(), &o, &it, err);
			iter_.reset(it);
			return code;
		});
	}

	std::shared_ptr<detail::client_state> client_;
	std::unique_ptr<detail::call_state> state_;
	batch_iter_handle iter_; /* freed before the state it calls */
	const tfy_batch *pending_ = nullptr; /* fetched by a call that threw */
};

/**
 * A client (tfy_client_*): the target, credentials and connections, with
 * the calls of the C API as methods that return handles and throw error.
 * Copies share the one client, which is freed with the last copy and the
 * last of its iterators.  Safe to use from several threads at once.
 */
class client {
public:
	/**
	 * Creates a client (tfy_client_new()).
	 *
	 * @param opts the C options (copied by the library; a log, credential
	 *        or on_retry callback in them is replaced by the one in
	 *        callbacks, when that one is set).
	 * @param callbacks the client's callbacks, each optional.
	 * @throws error as tfy_client_new() fails.
	 */
	explicit client(const tfy_client_options &opts, client_callbacks callbacks = {})
		: state_(std::make_shared<detail::client_state>())
	{
		state_->callbacks = std::move(callbacks);
		tfy_client_options o = opts;
		const client_callbacks &cb = state_->callbacks;
		if (cb.log) {
			o.log = &detail::client_state::log;
			o.log_userdata = state_.get();
		}
		if (cb.credential) {
			o.credential = &detail::client_state::credential;
			o.credential_userdata = state_.get();
		}
		if (cb.on_retry) {
			o.on_retry = &detail::client_state::retry;
			o.on_retry_userdata = state_.get();
		}
		if (o.request_defaults) {
			state_->default_cancel = o.request_defaults->cancel;
			state_->default_cancel_userdata = o.request_defaults->cancel_userdata;
		}
		detail::call_state state;
		detail::run(state, [&](tfy_error **err) {
			tfy_client *c = nullptr;
			tfy_code code = tfy_client_new(&o, &c, err);
			state_->handle.reset(c);
			return code;
		});
	}

	/**
	 * Creates a client for a base URL and an API key, other options at
	 * their defaults.
	 *
	 * @param base_url the base URL (tfy_client_options.base_url).
	 * @param api_key the API key (tfy_client_options.api_key).
	 * @param callbacks the client's callbacks, each optional.
	 * @throws error as tfy_client_new() fails.
	 */
	client(const std::string &base_url, const std::string &api_key, client_callbacks callbacks = {})
		: client(options(base_url, api_key), std::move(callbacks))
	{
	}

	/** @return the C client, owned by this object (and its copies). */
	tfy_client *get() const noexcept { return state_->handle.get(); }
	/** @return the base URL the client sends to (tfy_client_base_url()). */
	const char *base_url() const noexcept { return tfy_client_base_url(get()); }

	/**
	 * One page of batches (tfy_batches_list()).
	 *
	 * @param opts the C options, or nullptr for the first page at the server's size.
	 * @return the page.
	 * @throws error as the call fails; whatever a client callback threw.
	 */
	page_handle list(const tfy_batches_list_options *opts = nullptr)
	{
		detail::call_state state;
		tfy_batches_list_options o;
		if (opts)
			o = *opts;
		else
			tfy_batches_list_options_init(&o, TFY_BATCHES_LIST_OPTIONS_VERSION);
		o.request = hook(state, o.request);
		page_handle out;
		detail::run(state, [&](tfy_error **err) {
			tfy_batch_page *p = nullptr;
			tfy_code code = tfy_batches_list(get(), &o, &p, err);
			out.reset(p);
			return code;
		});
		return out;
	}

	/**
	 * Every batch, page after page (tfy_batch_iter_new()).
	 *
	 * @param opts the C options, copied; nullptr for the defaults.
	 * @return the iterator; nothing is sent until its first batch is asked for.
	 * @throws error when an option is refused.
	 */
	batch_iterator iterate(const tfy_batches_list_options *opts = nullptr)
	{
		return batch_iterator(state_, opts);
	}

	/**
	 * One batch (tfy_batches_retrieve()).
	 *
	 * @param batch_id the batch's id.
	 * @param req the C request options, or nullptr.
	 * @return the batch.
	 * @throws error as the call fails (TFY_ERROR_NOT_FOUND for an unknown id).
	 */
	batch_handle retrieve(const std::string &batch_id, const tfy_request_options *req = nullptr)
	{
		return batch_call([&](const tfy_request_options *r, tfy_batch **out, tfy_error **err) {
			return tfy_batches_retrieve(get(), batch_id.c_str(), r, out, err);
		}, req);
	}

	/**
	 * Creates a batch (tfy_batches_create()).
	 *
	 * @param opts what to create.
	 * @return the new batch.
	 * @throws error as the call fails (TFY_ERROR_OUTCOME_UNKNOWN: it may exist).
	 */
	batch_handle create(const tfy_batches_create_options &opts)
	{
		tfy_batches_create_options o = opts;
		return batch_call([&](const tfy_request_options *r, tfy_batch **out, tfy_error **err) {
			o.request = r;
			return tfy_batches_create(get(), &o, out, err);
		}, opts.request);
	}

	/**
	 * Asks for a batch to be cancelled (tfy_batches_cancel()).
	 *
	 * @param batch_id the batch's id.
	 * @param req the C request options, or nullptr.
	 * @return the batch as the server answered (usually "cancelling").
	 * @throws error as the call fails.
	 */
	batch_handle cancel(const std::string &batch_id, const tfy_request_options *req = nullptr)
	{
		return batch_call([&](const tfy_request_options *r, tfy_batch **out, tfy_error **err) {
			return tfy_batches_cancel(get(), batch_id.c_str(), r, out, err);
		}, req);
	}

	/**
	 * Waits until a batch ends (tfy_batch_wait()).
	 *
	 * @param batch_id the batch's id.
	 * @param opts the C options, or nullptr (their on_progress is replaced
	 *        by on_progress when that is set).
	 * @param on_progress told each new state; returns true to go on
	 *        waiting, false to stop (TFY_ERROR_CANCELLED).
	 * @return the batch in its final state.
	 * @throws error as the wait fails (the last state seen is freed);
	 *         whatever on_progress threw.
	 */
	batch_handle wait(const std::string &batch_id, const tfy_batch_wait_options *opts = nullptr,
	                  std::function<bool(const tfy_batch &)> on_progress = {})
	{
		tfy_batch_wait_options o;
		if (opts)
			o = *opts;
		else
			tfy_batch_wait_options_init(&o, TFY_BATCH_WAIT_OPTIONS_VERSION);
		if (on_progress) {
			o.on_progress = &detail::progress;
			o.progress_userdata = &on_progress;
		}
		return batch_call([&](const tfy_request_options *r, tfy_batch **out, tfy_error **err) {
			o.request = r;
			return tfy_batch_wait(get(), batch_id.c_str(), &o, out, err);
		}, o.request);
	}

	/**
	 * Uploads a file (tfy_files_upload()).
	 *
	 * @param opts what to upload: a path, or a C reader.
	 * @return the File object.
	 * @throws error as the call fails.
	 */
	file_handle upload(const tfy_files_upload_options &opts) { return upload_with(opts); }

	/**
	 * Uploads the bytes a reader gives (tfy_files_upload() with a read
	 * callback, without rewind: an attempt is repeated only when nothing
	 * was read yet).
	 *
	 * @param read writes at most size bytes to buf and returns their number,
	 *        0 at the end; an exception fails the upload and is rethrown.
	 * @param opts the other C options (file name, size, request), or nullptr.
	 * @return the File object.
	 * @throws error as the call fails; whatever read threw.
	 */
	file_handle upload(std::function<size_t(char *buf, size_t size)> read,
	                   const tfy_files_upload_options *opts = nullptr)
	{
		tfy_files_upload_options o;
		if (opts)
			o = *opts;
		else
			tfy_files_upload_options_init(&o, TFY_FILES_UPLOAD_OPTIONS_VERSION);
		o.read = &detail::read;
		o.read_userdata = &read;
		o.rewind = nullptr;
		return upload_with(o);
	}

	/**
	 * A file's File object (tfy_files_retrieve()).
	 *
	 * @param file_id the file's id.
	 * @param req the C request options, or nullptr.
	 * @return the File object.
	 * @throws error as the call fails.
	 */
	file_handle retrieve_file(const std::string &file_id, const tfy_request_options *req = nullptr)
	{
		detail::call_state state;
		const tfy_request_options *r = hook(state, req);
		file_handle out;
		detail::run(state, [&](tfy_error **err) {
			tfy_file *f = nullptr;
			tfy_code code = tfy_files_retrieve(get(), file_id.c_str(), r, &f, err);
			out.reset(f);
			return code;
		});
		return out;
	}

	/**
	 * Deletes a file (tfy_files_delete()).
	 *
	 * @param file_id the file's id.
	 * @param req the C request options, or nullptr.
	 * @throws error as the call fails (TFY_ERROR_DECLINED: not deleted).
	 */
	void delete_file(const std::string &file_id, const tfy_request_options *req = nullptr)
	{
		detail::call_state state;
		const tfy_request_options *r = hook(state, req);
		detail::run(state, [&](tfy_error **err) { return tfy_files_delete(get(), file_id.c_str(), r, err); });
	}

	/**
	 * Downloads a file's content (tfy_files_download()).
	 *
	 * @param file_id the file's id.
	 * @param opts where it goes: a path, or a C writer.
	 * @throws error as the call fails.
	 */
	void download(const std::string &file_id, const tfy_files_download_options &opts)
	{
		download_with(file_id, opts);
	}

	/**
	 * Downloads a file's content to a writer.
	 *
	 * @param file_id the file's id.
	 * @param write receives the content piece by piece; an exception fails
	 *        the download and is rethrown.
	 * @param opts the other C options (expected_bytes, request), or nullptr.
	 * @throws error as the call fails; whatever write threw.
	 */
	void download(const std::string &file_id, std::function<void(std::string_view data)> write,
	              const tfy_files_download_options *opts = nullptr)
	{
		tfy_files_download_options o;
		if (opts)
			o = *opts;
		else
			tfy_files_download_options_init(&o, TFY_FILES_DOWNLOAD_OPTIONS_VERSION);
		o.write = &detail::write;
		o.write_userdata = &write;
		download_with(file_id, o);
	}

private:
	static tfy_client_options options(const std::string &base_url, const std::string &api_key) noexcept
	{
		tfy_client_options o;
		tfy_client_options_init(&o, TFY_CLIENT_OPTIONS_VERSION);
		o.base_url = base_url.c_str();
		o.api_key = api_key.c_str();
		return o;
	}

	const tfy_request_options *hook(detail::call_state &state, const tfy_request_options *req) const noexcept
	{
		return state.hook(req, state_->default_cancel, state_->default_cancel_userdata);
	}

	/* A call that gives one batch: f(request, &batch, &err). */
	template <typename F>
	batch_handle batch_call(F &&f, const tfy_request_options *req)
	{
		detail::call_state state;
		const tfy_request_options *r = hook(state, req);
		batch_handle out;
		detail::run(state, [&](tfy_error **err) {
			tfy_batch *b = nullptr;
			tfy_code code = f(r, &b, err);
			out.reset(b);
			return code;
		});
		return out;
	}

	file_handle upload_with(tfy_files_upload_options o)
	{
		detail::call_state state;
		o.request = hook(state, o.request);
		file_handle out;
		detail::run(state, [&](tfy_error **err) {
			tfy_file *f = nullptr;
			tfy_code code = tfy_files_upload(get(), &o, &f, err);
			out.reset(f);
			return code;
		});
		return out;
	}

	void download_with(const std::string &file_id, tfy_files_download_options o)
	{
		detail::call_state state;
		o.request = hook(state, o.request);
		detail::run(state, [&](tfy_error **err) { return tfy_files_download(get(), file_id.c_str(), &o, err); });
	}

	std::shared_ptr<detail::client_state> state_;
};

#if TFY_REQUEST_OPTIONS_VERSION >= 2
/**
 * A cancel token (tfy_cancel_token_*): set its pointer (get()) as
 * tfy_request_options.cancel_token of the calls to stop, and call cancel()
 * from any thread or a signal handler.  Must outlive every call using it.
 */
class cancel_token {
public:
	/**
	 * A new token, not cancelled.
	 *
	 * @throws error (TFY_ERROR_OUT_OF_MEMORY).
	 */
	cancel_token()
	{
		tfy_cancel_token *t = nullptr;
		tfy_code code = tfy_cancel_token_new(&t);
		if (code != TFY_OK)
			throw error(error_handle(), code);
		token_.reset(t);
	}

	/** Stops every call using the token, now or later (tfy_cancel_token_cancel()). */
	void cancel() noexcept { tfy_cancel_token_cancel(token_.get()); }
	/** @return true once cancelled. */
	bool cancelled() const noexcept { return tfy_cancel_token_is_cancelled(token_.get()) != 0; }
	/** @return the C token, owned by this object. */
	tfy_cancel_token *get() const noexcept { return token_.get(); }

private:
	cancel_token_handle token_;
};
#endif

/**
 * A job larger than one batch (tfy_job_*): opened on a client, run or
 * resumed with run(), read with status().  Used by one thread at a time.
 * The progress and estimate callbacks of the options are C callbacks.
 */
class job {
public:
	/**
	 * Opens the job of opts.directory (tfy_job_open()).
	 *
	 * @param c the client; the job holds a reference to it.
	 * @param opts what to run, read during the call.
	 * @throws error as tfy_job_open() fails.
	 */
	job(const client &c, const tfy_job_options &opts)
	{
		tfy_job *j = nullptr;
		tfy_error *err = nullptr;
		tfy_code code = tfy_job_open(c.get(), &opts, &j, &err);
		error_handle owned(err);
		if (code != TFY_OK)
			throw error(std::move(owned), code);
		job_.reset(j);
	}

	/**
	 * Runs or resumes the job to its end (tfy_job_run()).
	 *
	 * @throws error as tfy_job_run() fails (TFY_ERROR_CANCELLED when stopped).
	 */
	void run() { call(tfy_job_run); }

	/**
	 * Cancels the job's live batches and records the cancel (tfy_job_cancel()).
	 *
	 * @throws error as tfy_job_cancel() fails.
	 */
	void cancel() { call(tfy_job_cancel); }

	/**
	 * The job as its journal records it (tfy_job_status()).
	 *
	 * @return the summary, owned by the caller.
	 * @throws error as tfy_job_status() fails.
	 */
	job_summary_handle status()
	{
		tfy_job_summary *s = nullptr;
		tfy_error *err = nullptr;
		tfy_code code = tfy_job_status(job_.get(), &s, &err);
		error_handle owned(err);
		if (code != TFY_OK)
			throw error(std::move(owned), code);
		return job_summary_handle(s);
	}

	/** @return the C job, owned by this object. */
	tfy_job *get() const noexcept { return job_.get(); }

private:
	void call(tfy_code (*f)(tfy_job *, tfy_error **))
	{
		tfy_error *err = nullptr;
		tfy_code code = f(job_.get(), &err);
		error_handle owned(err);
		if (code != TFY_OK)
			throw error(std::move(owned), code);
	}

	job_handle job_;
};

} // namespace tfy

#endif
