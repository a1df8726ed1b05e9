// Every callback type of the C headers is noexcept in C++17 and still
// takes plain functions and captureless lambdas.
#include <tfy/tfy.h>

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

} // namespace

int main()
{
	const struct CMUnitTest types[] = {
		cmocka_unit_test(test_callback_types_take_noexcept_callables),
	};
	return cmocka_run_group_tests_name("callback types", types, nullptr, nullptr);
}
