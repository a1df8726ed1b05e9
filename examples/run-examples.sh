#!/usr/bin/env bash
# Runs the examples against a tfy-mock-gateway on loopback and checks what
# they print.  Usage: run-examples.sh TFY_MOCK_GATEWAY EXAMPLES_BUILD_DIR
# Prints cmocka-style summary lines for tools/quickstart.sh.
set -uo pipefail

gateway=$1 dir=$2
tmp=$(mktemp -d /tmp/tfy-examples.XXXXXX)
gw_pid=
cleanup() {
	[ -n "$gw_pid" ] && { kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

"$gateway" --port 0 --count 250 --batch-seconds 0.2 >"$tmp/gw.log" 2>&1 &
gw_pid=$!
port=
for _ in $(seq 200); do
	port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/gw.log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "tfy-mock-gateway did not start"; exit 1; }
# TFY_BASE_URL is the platform URL: the API is under /api/llm.
export TFY_BASE_URL=http://127.0.0.1:$port TFY_API_KEY=tfy-local-key
unset TFY_PROVIDER_NAME OPENAI_BASE_URL OPENAI_API_KEY

passed=0 failed=()
check() { # name, command...: the command's output is in $tmp/out, stderr in $tmp/err
	local name=$1; shift
	echo "[ RUN      ] $name"
	if "$@"; then
		echo "[       OK ] $name"; passed=$((passed + 1))
	else
		sed 's/^/    /' "$tmp/out" "$tmp/err"; echo "[  FAILED  ] $name"; failed+=("$name")
	fi
}
run() { "$@" >"$tmp/out" 2>"$tmp/err"; }

list_page() {
	run "$dir/list_page" 5 && [ "$(grep -c '^batch_' "$tmp/out")" = 5 ] &&
	grep -qx '5 batches, more available' "$tmp/out"
}
list_page_error() { # the message names the request id; nothing else printed
	! TFY_API_KEY=wrong run "$dir/list_page" 3 && grep -q 'request id req_' "$tmp/err" &&
	[ ! -s "$tmp/out" ]
}
list_all() { # also from OPENAI_BASE_URL, the API base, with OPENAI_API_KEY
	run "$dir/list_all" && grep -qE '^250 batches, [0-9]+ completed, 3 pages$' "$tmp/out" &&
	run env -u TFY_BASE_URL -u TFY_API_KEY OPENAI_BASE_URL="$TFY_BASE_URL/v1" \
		OPENAI_API_KEY="$TFY_API_KEY" "$dir/list_all" &&
	grep -qE '^250 batches, [0-9]+ completed, 3 pages$' "$tmp/out"
}
keep_batch() { # the kept batch is the newest: the first of the list
	run "$dir/list_page" 1 && local first
	first=$(awk 'NR == 1 { print $1 }' "$tmp/out")
	run "$dir/keep_batch" &&
	grep -qx 'parsed: batch_cached completed created at 1714508499' "$tmp/out" &&
	grep -qE "^newest: $first [a-z_]+ created at [0-9]+$" "$tmp/out"
}

run_batch() { # check, upload, create, wait, download and read; run twice (files replaced)
	local n
	for n in 1 2 3 4; do
		printf '{"custom_id":"%s-%d","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}\n' \
			"$([ "$n" = 2 ] && echo fail || echo req)" "$n"
	done >"$tmp/input.jsonl"
	local i
	for i in 1 2; do
		(cd "$tmp" && run "$dir/run_batch" input.jsonl /v1/chat/completions) || return 1
	done
	grep -qx 'checked 4 requests' "$tmp/out" &&
	grep -qE '^batch_[a-z0-9]+: completed 3/4 done, 1 failed$' "$tmp/out" &&
	grep -qx 'output.jsonl: 3 succeeded, 0 failed' "$tmp/out" &&
	grep -qx 'errors.jsonl: 0 succeeded, 1 failed' "$tmp/out" &&
	[ "$(wc -l <"$tmp/output.jsonl")" = 3 ]
}
run_batch_bad_input() { # problems by line, nothing sent
	! (cd "$tmp" && run "$dir/run_batch" input.jsonl /v1/embeddings) &&
	grep -q '^input.jsonl:4: ' "$tmp/err" && grep -qx 'checked 4 requests: not sent' "$tmp/out"
}

# Every batch of the gateway (250, and those run_batch created) listed, then
# retrieved at once, from one thread: the count is list_all's.  The base URL
# given as the argument is the API base.
async_loop() { # the example's name
	run "$dir/list_all" || return 1
	local n
	n=$(sed -n 's/^\([0-9]*\) batches,.*/\1/p' "$tmp/out")
	[ "${n:-0}" -ge 250 ] && run "$dir/$1" "$TFY_BASE_URL/api/llm" &&
	grep -qx "retrieved $n of $n batches, 0 failed" "$tmp/out" && grep -qx 'threads: 1' "$tmp/out"
}
async_epoll() { async_loop async_epoll; }
async_libuv() { async_loop async_libuv; }
async_epoll_error() { # a wrong key: the listing fails, the message on stderr
	! TFY_API_KEY=wrong run "$dir/async_epoll" "$TFY_BASE_URL/api/llm" &&
	grep -q '^async_epoll: list: authentication failed (HTTP 401)' "$tmp/err" &&
	! grep -q '^retrieved' "$tmp/out"
}

echo "[==========] examples against $TFY_BASE_URL"
tests=(list_page list_page_error list_all keep_batch run_batch run_batch_bad_input async_epoll
	async_epoll_error)
[ -x "$dir/async_libuv" ] && tests+=(async_libuv) # built when libuv is found
for t in "${tests[@]}"; do check "$t" "$t"; done
echo "[  PASSED  ] $passed test(s)."
if [ ${#failed[@]} -gt 0 ]; then
	echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${failed[@]}"
	exit 1
fi
