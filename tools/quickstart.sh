#!/usr/bin/env bash
# libtfy quick start: installs what is missing (Debian 12), builds, and then
#   demo  - starts the bundled tfy-mock-gateway on loopback and lists its
#           batches with tfy-batches as a table;
#   test  - runs the whole test suite three times, warnings as errors in
#           each (-Dstrict=true: -Wall -Wextra -Wpedantic -Wconversion ...):
#           a plain build (then again under valgrind), a build with
#           -Db_sanitize=address,undefined, and one with -Db_sanitize=thread
#           (for the threads sharing a client); then a clang build that runs
#           the libFuzzer harnesses for TFY_FUZZ_SECONDS each (default 60),
#           and cppcheck over lib/; and the unit and integration suites
#           once more with -Ddefault_library=shared and with static; the
#           packaging checks build consumers against a temporary install
#           (C, meson, CMake, Python, and the Go, Rust and Node examples of
#           docs/ffi.md), and tests/packaging/debian.sh builds the Debian
#           packages, runs lintian, installs them, checks them and removes
#           them again.  The plain and sanitizer suites include the style
#           check, tools/format.sh --check: every C file formatted as
#           .clang-format says.
# Usage: bash tools/quickstart.sh demo|test
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
# What the demo needs (the library and the two programs) ...
demo_packages=(meson ninja-build pkg-config gcc libc6-dev libcurl4-openssl-dev libjansson-dev libssl-dev libgnutls28-dev
               libmicrohttpd-dev zlib1g-dev)
# ... and what the whole suite needs besides.
packages=(meson ninja-build pkg-config gcc libc6-dev libcurl4-openssl-dev libjansson-dev libssl-dev abigail-tools cmake
          libcmocka-dev libmicrohttpd-dev zlib1g-dev python3 python3-venv python3-setuptools python3-wheel doxygen
          clang libclang-rt-14-dev clang-format valgrind cppcheck build-essential debhelper dpkg-dev dh-python
          fakeroot lintian mandoc libgnutls28-dev openssl tinyproxy g++ golang-go rustc bindgen nodejs npm
          libuv1-dev libevent-dev)

# Whether a package, or one that provides it (NodeSource's nodejs provides
# npm), is installed.
installed() {
	dpkg -s "$1" >/dev/null 2>&1 ||
		dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null |
		awk -v p="$1" '/^ii/ { for (i = 2; i <= NF; i++) { sub(/,$/, "", $i); if ($i == p) f = 1 } }
			END { exit !f }'
}

# Installs those of the named packages that are missing.
install_missing() {
	local missing=()
	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Configures (once) and builds one build directory.
build() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dwerror=true "$@"
	fi
	ninja -C "$dir" -j "$(nproc)"
}

# Its own build directory: only the library and the programs.
demo() {
	build build-demo -Dtests=false -Dexamples=false -Dbench=false
	local port
	# Globals: the EXIT trap runs after this function's locals are gone.
	demo_log=$(mktemp)
	build-demo/tools/mock-gateway/tfy-mock-gateway --port 0 --count 42 >"$demo_log" &
	demo_pid=$!
	trap 'kill $demo_pid 2>/dev/null; wait $demo_pid 2>/dev/null; rm -f "$demo_log"' EXIT
	for _ in $(seq 50); do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$demo_log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "tfy-mock-gateway did not start" >&2; exit 1; }
	echo "tfy-mock-gateway is serving 42 batches on http://127.0.0.1:$port"
	echo "\$ tfy-batches --base-url http://127.0.0.1:$port/v1 --api-key tfy-local-key --limit 10"
	build-demo/tools/tfy-batches/tfy-batches --base-url "http://127.0.0.1:$port/v1" \
		--api-key tfy-local-key --limit 10
}

# Prints each cmocka group summary of a build's test log and adds up its counts.
summarise() {
	local log=${2:-$1/meson-logs/testlog.txt}
	grep -E '^\[  (PASSED|FAILED)  \] [0-9]+ test' "$log" | sed "s|^|$1: |" || true
	passed=$((passed + $(awk '/^\[  PASSED  \] [0-9]+ test/ { n += $4 } END { print n + 0 }' "$log")))
	failed=$((failed + $(awk '/^\[  FAILED  \] [0-9]+ test\(s\), listed/ { n += $4 } END { print n + 0 }' "$log")))
}

run_suite() {
	local dir=$1; shift
	build "$dir" "$@"
	local rc=0
	meson test -C "$dir" --print-errorlogs --num-processes "$(nproc)" || rc=$?
	summarise "$dir"
	return $rc
}

# The unit and integration suites of a build with one kind of library only
# (default_library=shared or static; no sanitizers, no examples or benchmarks).
run_library_kind() {
	local kind=$1 dir=build-$1 rc=0
	build "$dir" -Dstrict=true -Ddefault_library="$kind" -Dexamples=false -Dbench=false || return 1
	meson test -C "$dir" --suite unit --suite integration --print-errorlogs \
		--num-processes "$(nproc)" || rc=$?
	summarise "$dir"
	return $rc
}

# The unit and integration suites again under valgrind memcheck (errors and
# definite/indirect leaks fail; the children the tests start run natively).
memcheck() {
	local dir=$1 rc=0
	meson test -C "$dir" --setup valgrind --suite unit --suite integration --print-errorlogs \
		--num-processes "$(nproc)" || rc=$?
	summarise "$dir (valgrind)" "$dir/meson-logs/testlog-valgrind.txt"
	return $rc
}

# The libFuzzer harnesses (clang, -Dstrict=true, address+undefined), each for
# TFY_FUZZ_SECONDS (default 60) from tests/fuzz/corpus, two at a time.  Any
# crash, leak, timeout or sanitizer report fails; see docs/fuzzing.md.
fuzz_one() {
	local dir=$1 h=$2 secs=$3 work=$1/fuzz-$2
	rm -rf "$work"
	mkdir -p "$work/corpus"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$dir/tests/fuzz/fuzz_$h" \
		-max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-dict=tests/fuzz/json.dict -artifact_prefix="$work/" \
		"$work/corpus" "tests/fuzz/corpus/$h" >"$work/log.txt" 2>&1
}

fuzz() {
	local dir=build-fuzz secs=${TFY_FUZZ_SECONDS:-60} rc=0 h
	if [ ! -f "$dir/build.ninja" ]; then
		CC=clang meson setup "$dir" -Dwerror=true -Dstrict=true -Dfuzzing=true \
			-Db_sanitize=address,undefined -Db_lundef=false
	fi
	ninja -C "$dir" -j "$(nproc)" || return 1
	local harnesses=(decode_list batch_parse error_body retry_after request file_parse result_reader input_check webhook) pids=()
	for h in "${harnesses[@]}"; do
		fuzz_one "$dir" "$h" "$secs" & pids+=($!)
		if [ ${#pids[@]} -ge "$(nproc)" ]; then
			wait "${pids[0]}" || echo failed >"$dir/fuzz-${harnesses[0]}/failed"
			pids=("${pids[@]:1}")
			harnesses=("${harnesses[@]:1}")
		fi
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || echo failed >"$dir/fuzz-${harnesses[$i]}/failed"
	done
	for h in decode_list batch_parse error_body retry_after request file_parse result_reader input_check webhook; do
		local log=$dir/fuzz-$h/log.txt
		if [ -f "$dir/fuzz-$h/failed" ]; then
			rc=1
			echo "fuzz $h: FAILED"
			grep -E -A40 'ERROR: |runtime error|==[0-9]+==' "$log" | head -n 80 || tail -n 40 "$log"
		else
			echo "fuzz $h: $(awk '/^stat::number_of_executed_units/ { e = $2 }
				/^#[0-9]+.*cov:/ { for (i = 1; i <= NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "corp:") k = $(i + 1) } }
				END { printf "%s execs in '"$secs"' s, coverage %s edges, corpus %s", e, c, k }' "$log")"
		fi
	done
	return $rc
}

# cppcheck over lib/ with the checked-in suppressions; any finding fails.
static_analysis() {
	cppcheck --enable=all --std=c11 --inline-suppr --suppressions-list=.cppcheck-suppressions \
		--error-exitcode=1 -q -D_POSIX_C_SOURCE=200809L -DTFY_BUILDING_LIBRARY \
		-Iinclude -Ibuild/include -Ilib lib/ && echo "cppcheck lib/: clean" ||
		{ echo "cppcheck lib/: FAILED (findings above)"; return 1; }
}

# Notes a failed step; the summary names every one.
step_failed() {
	failed_steps+=("$1")
}

tests() {
	passed=0 failed=0 failed_steps=()
	# TFY_SDK_INSTALL=1: the sdk suite installs openai-node (a few seconds) and
	# runs its files.list against the mock; without npm's registry it skips.
	TFY_SDK_INSTALL=${TFY_SDK_INSTALL-1} run_suite build -Dstrict=true ||
		step_failed "plain build suite"
	memcheck build || step_failed "valgrind"
	# Install into a temporary prefix and build consumers against it.
	bash tests/packaging/check.sh build >build/packaging-log.txt 2>&1 || {
		step_failed "packaging"; cat build/packaging-log.txt; }
	summarise build build/packaging-log.txt
	# Build the Debian packages, lintian them, install them (apt-get), build
	# and run consumers against the system copy, then remove them again.
	bash tests/packaging/debian.sh >build/debian-log.txt 2>&1 || {
		step_failed "Debian packages"; cat build/debian-log.txt; }
	summarise debian build/debian-log.txt
	run_suite build-sanitize -Dstrict=true -Db_sanitize=address,undefined -Db_lundef=false ||
		step_failed "ASan+UBSan suite"
	run_suite build-tsan -Dstrict=true -Db_sanitize=thread || step_failed "TSan suite"
	run_library_kind shared || step_failed "default_library=shared suite"
	run_library_kind static || step_failed "default_library=static suite"
	fuzz || step_failed "fuzzing"
	static_analysis || step_failed "cppcheck"
	# The Doxygen reference: warnings are errors, so every public symbol,
	# parameter and return value must be documented.
	build build-docs -Ddocs=true -Dtests=false -Dtools=false -Dexamples=false \
		-Dbench=false || step_failed "Doxygen reference"
	[ ${#failed_steps[@]} -eq 0 ] || echo "failed steps: ${failed_steps[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ ${#failed_steps[@]} -eq 0 ]
}

case "${1:-}" in
demo) install_missing "${demo_packages[@]}"; demo ;;
test) install_missing "${packages[@]}"; tests ;;
*) echo "usage: bash tools/quickstart.sh demo|test" >&2; exit 2 ;;
esac
