// The C++17 layer (include/tfy/tfy.hpp) against tfy-mock-gateway: listing,
// iterating, retrieving, a job from upload to download, errors thrown as
// tfy::error, and exceptions thrown by every kind of callback stopping the
// call and coming out of it, with nothing leaked (the suite runs under
// ASan and valgrind).  Also that every callback type of the C headers is
// noexcept in C++17 and still takes plain functions and captureless lambdas.
#include <tfy/tfy.hpp>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

extern "C" {
#include <cmocka.h>

#include "testutil.h"
}

namespace {

// What the test callbacks throw: not a std::exception, so that nothing but
// the rethrow of the very object can match it.
struct boom {
	int n;
};

// ---- the callback types are noexcept, and take noexcept callables ----

int32_t plain_cancel(void *) noexcept { return TFY_CANCEL_CONTINUE; }
int32_t throwing_cancel(void *) { return TFY_CANCEL_CONTINUE; }

static_assert(std::is_nothrow_invocable_v<tfy_read_fn, void *, char *, size_t>);
static_assert(std::is_nothrow_invocable_v<tfy_write_fn, void *, const char *, size_t>);
static_assert(std::is_nothrow_invocable_v<tfy_log_fn, int32_t, const char *, void *>);
static_assert(std::is_nothrow_invocable_v<tfy_credential_fn, void *, int32_t, char *, size_t>);
static_assert(std::is_nothrow_invocable_v<tfy_retry_fn, void *, const tfy_retry_info *>);
static_assert(std::is_nothrow_invocable_v<tfy_rewind_fn, void *>);
static_assert(std::is_nothrow_invocable_v<tfy_batch_progress_fn, void *, const tfy_batch *>);
static_assert(std::is_nothrow_invocable_v<tfy_cancel_fn, void *>);
// A function that may throw is not a callback.
static_assert(!std::is_convertible_v<decltype(&throwing_cancel), tfy_cancel_fn>);
static_assert(std::is_convertible_v<decltype(&plain_cancel), tfy_cancel_fn>);

void test_callback_types_take_noexcept_callables(void **)
{
	tfy_read_fn read = [](void *, char *, size_t) noexcept -> int64_t { return 0; };
	tfy_write_fn write = [](void *, const char *, size_t) noexcept -> int32_t { return 0; };
	tfy_log_fn log = [](int32_t, const char *, void *) noexcept {};
	tfy_credential_fn credential = [](void *, int32_t, char *, size_t) noexcept -> int32_t { return 1; };
	tfy_retry_fn retry = [](void *, const tfy_retry_info *) noexcept -> int32_t { return 0; };
	tfy_rewind_fn rewind = [](void *) noexcept -> int32_t { return 0; };
	tfy_batch_progress_fn progress = [](void *, const tfy_batch *) noexcept -> int32_t { return 0; };
	tfy_cancel_fn cancel = plain_cancel;
	assert_int_equal(read(nullptr, nullptr, 0), 0);
	assert_int_equal(write(nullptr, nullptr, 0), 0);
	log(TFY_LOG_INFO, "", nullptr);
	assert_int_equal(credential(nullptr, 0, nullptr, 0), 1);
	assert_int_equal(retry(nullptr, nullptr), 0);
	assert_int_equal(rewind(nullptr), 0);
	assert_int_equal(progress(nullptr, nullptr), 0);
	assert_int_equal(cancel(nullptr), TFY_CANCEL_CONTINUE);
}

// ---- the fixture: a gateway whose batches finish in 0.2 s ----

tu_gateway gw;
const char *const key = "tfy-local-key";

int group_setup(void **)
{
	static const char *const args[] = { "--count", "250", "--batch-seconds", "0.2", nullptr };
	return tu_gateway_start(&gw, args) == 0 ? 0 : -1;
}

int group_teardown(void **)
{
	return tu_gateway_stop(&gw) == 0 ? 0 : -1;
}

std::string base_url()
{
	return std::string(gw.base) + "/v1";
}

// ---- the calls ----

// The gateway's batches (more than 250 once jobs were created), counted
// with the C API.
size_t count_batches()
{
	tfy_client *c = tu_client(&gw, "/v1", key, nullptr);
	tfy_batch_iter *it = nullptr;
	assert_int_equal(tfy_batch_iter_new(c, nullptr, &it, nullptr), TFY_OK);
	const tfy_batch *b = nullptr;
	size_t n = 0;
	while (tfy_batch_iter_next(it, &b, nullptr) == TFY_OK && b)
		n++;
	tfy_batch_iter_free(it);
	tfy_client_free(c);
	assert_true(n >= 250);
	return n;
}

void test_list_one_page(void **)
{
	tfy::client c(base_url(), key);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 7;
	tfy::page_handle page = c.list(&o);
	assert_int_equal(page->count, 7);
	assert_int_equal(page->has_more, 1);
	assert_non_null(page->items[0]->id);
	assert_string_equal(c.base_url(), base_url().c_str());
}

void test_iterate_every_batch(void **)
{
	tfy::client c(base_url(), key);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 100;
	size_t expected = count_batches();
	tfy::batch_iterator it = c.iterate(&o);
	size_t n = 0;
	for (const tfy_batch &b : it) {
		assert_non_null(b.id);
		n++;
	}
	assert_int_equal(n, expected);
	assert_int_equal(it.items(), expected);
	assert_null(it.next());
}

// An iterator keeps its client (and the client's callbacks) alive.
void test_iterator_outlives_its_client(void **)
{
	int lines = 0;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	std::string url = base_url();
	o.base_url = url.c_str();
	o.api_key = key;
	o.log_level = TFY_LOG_DEBUG;
	tfy::client_callbacks cb;
	cb.log = [&lines](int32_t, const char *) { lines++; };
	std::unique_ptr<tfy::client> c(new tfy::client(o, cb));
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 100;
	size_t expected = count_batches();
	tfy::batch_iterator it = c->iterate(&lo);
	c.reset();
	size_t n = 0;
	while (it.next())
		n++;
	assert_int_equal(n, expected);
	assert_true(lines >= 3);
}

void test_retrieve_one(void **)
{
	tfy::client c(base_url(), key);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 1;
	tfy::page_handle page = c.list(&o);
	std::string id = page->items[0]->id;
	tfy::batch_handle b = c.retrieve(id);
	assert_string_equal(b->id, id.c_str());
	assert_int_equal(b->status, page->items[0]->status);
}

const std::string input = "{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                          "\"body\":{\"model\":\"m\",\"messages\":[]}}\n"
                          "{\"custom_id\":\"r2\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                          "\"body\":{\"model\":\"m\",\"messages\":[]}}\n";

// Uploads input through a reader lambda.
tfy::file_handle upload_input(tfy::client &c)
{
	size_t pos = 0;
	return c.upload([&pos](char *buf, size_t size) {
		size_t n = std::min(size, input.size() - pos);
		input.copy(buf, n, pos);
		pos += n;
		return n;
	});
}

tfy::batch_handle create_batch(tfy::client &c, const char *file_id)
{
	tfy_batches_create_options o = TFY_BATCHES_CREATE_OPTIONS_INIT;
	o.input_file_id = file_id;
	o.endpoint = "/v1/chat/completions";
	return c.create(o);
}

tfy_batch_wait_options fast_polls()
{
	tfy_batch_wait_options o = TFY_BATCH_WAIT_OPTIONS_INIT;
	o.poll_initial_ms = 50;
	o.poll_max_ms = 100;
	o.timeout_ms = 30000;
	return o;
}

void test_create_wait_download(void **)
{
	tfy::client c(base_url(), key);
	tfy::file_handle f = upload_input(c);
	assert_non_null(f->id);
	assert_int_equal(f->bytes.value, static_cast<int64_t>(input.size()));
	tfy::batch_handle created = create_batch(c, f->id);
	std::vector<tfy_batch_status> seen;
	tfy_batch_wait_options wo = fast_polls();
	tfy::batch_handle done = c.wait(created->id, &wo, [&seen](const tfy_batch &b) {
		seen.push_back(b.status);
		return true;
	});
	assert_int_equal(done->status, TFY_BATCH_STATUS_COMPLETED);
	assert_false(seen.empty());
	assert_int_equal(seen.back(), TFY_BATCH_STATUS_COMPLETED);
	assert_non_null(done->output_file_id);
	std::string out;
	c.download(done->output_file_id, [&out](std::string_view data) { out.append(data); });
	assert_true(out.find("\"r1\"") != std::string::npos);
	assert_true(out.find("\"r2\"") != std::string::npos);
	c.delete_file(f->id);
	try {
		c.retrieve_file(f->id);
		fail_msg("a deleted file was found");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_NOT_FOUND);
	}
}

// ---- errors ----

void test_not_found_is_an_error(void **)
{
	tfy::client c(base_url(), key);
	try {
		c.retrieve("batch_missing");
		fail_msg("no exception");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_NOT_FOUND);
		assert_int_equal(e.http_status(), 404);
		assert_int_equal(e.attempts(), 1);
		assert_true(std::string(e.what()).size() > 0);
		assert_non_null(e.get());
		tfy::error copy = e;
		assert_ptr_equal(copy.get(), e.get());
		assert_int_equal(e.retry_after_ms(), -1);
	}
}

void test_bad_options_are_an_error(void **)
{
	try {
		tfy::client c("ftp://example.com", key);
		fail_msg("no exception");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_INVALID_ARGUMENT);
		assert_int_equal(e.attempts(), 0);
	}
	tfy::client c(base_url(), key);
	tfy_batches_list_options o = TFY_BATCHES_LIST_OPTIONS_INIT;
	o.limit = 1000;
	try {
		c.iterate(&o);
		fail_msg("no exception");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_INVALID_ARGUMENT);
	}
}

// ---- callbacks that throw ----

void test_progress_throw_is_rethrown(void **)
{
	tfy::client c(base_url(), key);
	tfy::file_handle f = upload_input(c);
	tfy::batch_handle created = create_batch(c, f->id);
	int calls = 0;
	tfy_batch_wait_options wo = fast_polls();
	try {
		c.wait(created->id, &wo, [&calls](const tfy_batch &) -> bool {
			calls++;
			throw boom{ 1 };
		});
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 1);
	}
	assert_int_equal(calls, 1);
}

void test_reader_throw_is_rethrown(void **)
{
	tfy::client c(base_url(), key);
	try {
		c.upload([](char *, size_t) -> size_t { throw boom{ 2 }; });
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 2);
	}
}

void test_writer_throw_is_rethrown(void **)
{
	tfy::client c(base_url(), key);
	tfy::file_handle f = upload_input(c);
	int calls = 0;
	try {
		c.download(f->id, [&calls](std::string_view) {
			calls++;
			throw boom{ 3 };
		});
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 3);
	}
	assert_int_equal(calls, 1);
}

// A log callback cannot stop a call by its result: the layer's cancel
// callback does, and the next call on the client works.
void test_log_throw_stops_the_call(void **)
{
	std::atomic<int> throws{ 1 };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	std::string url = base_url();
	o.base_url = url.c_str();
	o.api_key = key;
	o.log_level = TFY_LOG_DEBUG;
	tfy::client_callbacks cb;
	cb.log = [&throws](int32_t, const char *) {
		if (throws-- > 0)
			throw boom{ 4 };
	};
	tfy::client c(o, cb);
	try {
		c.list();
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 4);
	}
	tfy::page_handle page = c.list();
	assert_true(page->count > 0);
}

void test_credential_throw_is_rethrown(void **)
{
	long before = tu_gateway_requests(&gw);
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	std::string url = base_url();
	o.base_url = url.c_str();
	tfy::client_callbacks cb;
	cb.credential = [](bool) -> std::string { throw boom{ 5 }; };
	tfy::client c(o, cb);
	try {
		c.list();
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 5);
	}
	assert_int_equal(tu_gateway_requests(&gw), before);

	// A key that does not fit.
	cb.credential = [](bool) { return std::string(TFY_CREDENTIAL_MAX, 'k'); };
	tfy::client c2(o, cb);
	try {
		c2.list();
		fail_msg("no exception");
	} catch (const std::length_error &) {
	}

	// And one that works.
	cb.credential = [](bool) { return std::string(key); };
	tfy::client c3(o, cb);
	assert_true(c3.list()->count > 0);
}

// Nothing listens on the port: each attempt fails to connect, and the
// retry callback throws at the first retry.
void test_retry_throw_is_rethrown(void **)
{
	tu_gateway closed;
	assert_int_equal(tu_gateway_start(&closed, nullptr), 0);
	std::string url = std::string(closed.base) + "/v1";
	assert_int_equal(tu_gateway_stop(&closed), 0);
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	o.base_url = url.c_str();
	o.api_key = key;
	o.max_retries = 5;
	o.retry_initial_backoff_ms = 1;
	o.retry_max_backoff_ms = 1;
	int calls = 0;
	tfy::client_callbacks cb;
	cb.on_retry = [&calls](const tfy_retry_info &info) -> bool {
		calls++;
		assert_int_equal(info.code, TFY_ERROR_CONNECT);
		throw boom{ 6 };
	};
	tfy::client c(o, cb);
	try {
		c.list();
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 6);
	}
	assert_int_equal(calls, 1);
}

// A throw during an iterator's second page comes out of next(); no batch
// is lost: the next call gives the one that call fetched.
void test_iterator_rethrows_then_goes_on(void **)
{
	std::atomic<bool> armed{ false };
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	std::string url = base_url();
	o.base_url = url.c_str();
	o.api_key = key;
	o.log_level = TFY_LOG_DEBUG;
	tfy::client_callbacks cb;
	cb.log = [&armed](int32_t, const char *) {
		if (armed.exchange(false))
			throw boom{ 7 };
	};
	tfy::client c(o, cb);
	tfy_batches_list_options lo = TFY_BATCHES_LIST_OPTIONS_INIT;
	lo.limit = 100;
	lo.prefetch = TFY_NONE;
	size_t expected = count_batches();
	tfy::batch_iterator it = c.iterate(&lo);
	std::vector<std::string> ids;
	for (; ids.size() < 100;)
		ids.push_back(it.next()->id);
	armed = true;
	try {
		it.next();
		fail_msg("no exception");
	} catch (const boom &b) {
		assert_int_equal(b.n, 7);
	}
	while (const tfy_batch *b = it.next())
		ids.push_back(b->id);
	assert_int_equal(ids.size(), expected);
	std::sort(ids.begin(), ids.end());
	assert_true(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

// The caller's cancel callback, and the client's default one, still stop
// calls: the layer's own cancel callback asks them.
int32_t always_stop(void *userdata) noexcept
{
	++*static_cast<int *>(userdata);
	return 1;
}

void test_cancel_callbacks_still_apply(void **)
{
	int asked = 0;
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel = always_stop;
	req.cancel_userdata = &asked;
	tfy::client c(base_url(), key);
	try {
		c.retrieve("batch_x", &req);
		fail_msg("no exception");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_CANCELLED);
	}
	assert_true(asked > 0);

	asked = 0;
	tfy_client_options o = TFY_CLIENT_OPTIONS_INIT;
	std::string url = base_url();
	o.base_url = url.c_str();
	o.api_key = key;
	o.request_defaults = &req;
	tfy::client d(o);
	try {
		d.list();
		fail_msg("no exception");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_CANCELLED);
	}
	assert_true(asked > 0);
}

#if TFY_REQUEST_OPTIONS_VERSION >= 2
void test_cancel_token(void **)
{
	tfy::client c(base_url(), key);
	tfy::cancel_token token;
	assert_false(token.cancelled());
	token.cancel();
	assert_true(token.cancelled());
	tfy_request_options req = TFY_REQUEST_OPTIONS_INIT;
	req.cancel_token = token.get();
	try {
		c.retrieve("batch_x", &req);
		fail_msg("no exception");
	} catch (const tfy::error &e) {
		assert_int_equal(e.code(), TFY_ERROR_CANCELLED);
	}
}
#endif

} // namespace

// A job of two lines in two shards: run, its summary, a bad option thrown.
void test_job(void **)
{
	char dir[] = "/tmp/tfy-cpp-job-XXXXXX";
	assert_non_null(mkdtemp(dir));
	std::string in = std::string(dir) + "/input.jsonl", job_dir = std::string(dir) + "/job";
	FILE *f = fopen(in.c_str(), "w");
	assert_non_null(f);
	fputs(input.c_str(), f);
	fclose(f);
	tfy::client c(base_url(), key);
	tfy_job_options o = TFY_JOB_OPTIONS_INIT;
	o.directory = job_dir.c_str();
	o.input_path = in.c_str();
	o.endpoint = "/v1/chat/completions";
	o.max_requests = 1;
	tfy::job j(c, o);
	j.run();
	tfy::job_summary_handle s = j.status();
	assert_int_equal(s->state, TFY_JOB_STATE_DONE);
	assert_int_equal(s->shards_count, 2);
	assert_int_equal(s->succeeded, 2);
	o.endpoint = "/v1/embeddings";
	bool thrown = false;
	try {
		tfy::job other(c, o);
	} catch (const tfy::error &e) {
		thrown = e.code() == TFY_ERROR_INVALID_ARGUMENT;
	}
	assert_true(thrown);
	tu_remove_tree(dir);
}

int main()
{
	const struct CMUnitTest types[] = {
		cmocka_unit_test(test_callback_types_take_noexcept_callables),
	};
	const struct CMUnitTest calls[] = {
		cmocka_unit_test(test_list_one_page),
		cmocka_unit_test(test_iterate_every_batch),
		cmocka_unit_test(test_iterator_outlives_its_client),
		cmocka_unit_test(test_retrieve_one),
		cmocka_unit_test(test_create_wait_download),
		cmocka_unit_test(test_not_found_is_an_error),
		cmocka_unit_test(test_bad_options_are_an_error),
		cmocka_unit_test(test_progress_throw_is_rethrown),
		cmocka_unit_test(test_reader_throw_is_rethrown),
		cmocka_unit_test(test_writer_throw_is_rethrown),
		cmocka_unit_test(test_log_throw_stops_the_call),
		cmocka_unit_test(test_credential_throw_is_rethrown),
		cmocka_unit_test(test_retry_throw_is_rethrown),
		cmocka_unit_test(test_iterator_rethrows_then_goes_on),
		cmocka_unit_test(test_cancel_callbacks_still_apply),
		cmocka_unit_test(test_job),
#if TFY_REQUEST_OPTIONS_VERSION >= 2
		cmocka_unit_test(test_cancel_token),
#endif
	};
	int failed = cmocka_run_group_tests_name("callback types", types, nullptr, nullptr);
	failed += cmocka_run_group_tests_name("C++ layer", calls, group_setup, group_teardown);
	return failed;
}
