#!/usr/bin/env bash
# The official SDKs' files.list against tfy-mock-gateway: openai-node when
# node finds the `openai` package (NODE_PATH or a global install), and
# openai-python when python3 imports `openai`; exit 77 (meson's "skipped")
# when neither is there.  With TFY_SDK_INSTALL=1, `npm install --no-save
# openai` into a temporary directory first (npm's registry must be
# reachable; a few seconds).
# Usage: files-list.sh MOCK_GATEWAY
set -uo pipefail
if [ $# -ne 1 ]; then
	echo "usage: files-list.sh MOCK_GATEWAY" >&2
	exit 2
fi
gateway=$1 here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tfy-sdk.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

if [ "${TFY_SDK_INSTALL:-}" = 1 ] && command -v npm >/dev/null; then
	if (cd "$work" && npm install --no-save --no-audit --no-fund --silent openai >npm.log 2>&1); then
		export NODE_PATH=$work/node_modules${NODE_PATH:+:$NODE_PATH}
	else
		echo "files-list.sh: npm install openai failed:" >&2
		tail -5 "$work/npm.log" >&2
	fi
fi

# A gateway of its own for each SDK (the listing starts empty), on a free port.
start_gateway() {
	"$gateway" --port 0 >"$work/gateway.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/gateway.out")
		[ -n "$base" ] && return 0
		sleep 0.1
	done
	echo "files-list.sh: tfy-mock-gateway did not start" >&2
	exit 1
}

stop_gateway() {
	kill "$pid" && wait "$pid"
	pid=
}

ran=0 failed=0
run_sdk() { # NAME COMMAND...
	local name=$1
	shift
	start_gateway
	if (cd "$work" && "$@" "$base/v1"); then
		echo "ok: $name"
	else
		echo "FAILED: $name"
		failed=$((failed + 1))
	fi
	stop_gateway
	ran=$((ran + 1))
}

if command -v node >/dev/null && (cd "$work" && node -e 'require.resolve("openai")') 2>/dev/null; then
	run_sdk openai-node node "$here/files_list.mjs"
else
	echo "skip: openai-node (node with the openai package; TFY_SDK_INSTALL=1 installs it)"
fi
if command -v python3 >/dev/null && python3 -c 'import openai' 2>/dev/null; then
	run_sdk openai-python python3 "$here/files_list.py"
else
	echo "skip: openai-python (python3 with the openai package)"
fi
[ "$ran" -eq 0 ] && exit 77
[ "$failed" -eq 0 ]
