#!/usr/bin/env bash
# libtfy quick start: installs what is missing (Debian 12), builds, and then
#   demo  - starts the bundled tfy-mock-gateway on loopback and lists its
#           batches with tfy-batches as a table;
#   test  - runs the whole test suite three times, warnings as errors in
#           each: a plain build, a build with -Db_sanitize=address,undefined,
#           and one with -Db_sanitize=thread (for the threads sharing a client).
# Usage: bash tools/quickstart.sh demo|test
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
packages=(meson ninja-build pkg-config gcc libc6-dev libcurl4-openssl-dev libjansson-dev
          libcmocka-dev libmicrohttpd-dev zlib1g-dev python3 doxygen)

install_missing() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
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

demo() {
	build build
	local port
	# Globals: the EXIT trap runs after this function's locals are gone.
	demo_log=$(mktemp)
	build/tools/mock-gateway/tfy-mock-gateway --port 0 --count 42 >"$demo_log" &
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
	build/tools/tfy-batches/tfy-batches --base-url "http://127.0.0.1:$port/v1" \
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

tests() {
	passed=0 failed=0
	local rc=0
	run_suite build || rc=1
	# Install into a temporary prefix and build consumers against it.
	bash tests/packaging/check.sh build >build/packaging-log.txt 2>&1 || {
		rc=1; cat build/packaging-log.txt; }
	summarise build build/packaging-log.txt
	run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false || rc=1
	run_suite build-tsan -Db_sanitize=thread || rc=1
	# The Doxygen reference: warnings are errors, so every public symbol,
	# parameter and return value must be documented.
	build build-docs -Ddocs=true -Dtests=false -Dtools=false -Dexamples=false \
		-Dbench=false || rc=1
	[ "$failed" -eq 0 ] || rc=1
	echo "$passed passed, $failed failed"
	return $rc
}

case "${1:-}" in
demo) install_missing; demo ;;
test) install_missing; tests ;;
*) echo "usage: bash tools/quickstart.sh demo|test" >&2; exit 2 ;;
esac
