#!/usr/bin/env bash
# The event-loop API against the blocking calls, side by side in one run
# (bench/async_bench.c): 1,000 retrieves, and 64 downloads of one 16 MiB
# file, against tfy-mock-gateway on loopback, each three ways:
#   async    all from one thread on the epoll adapter, at most 64 in flight
#   async-w1 the same, at most 1 in flight (serial's one connection)
#   async-w8 the same, at most 8 in flight (as many connections as threads)
#   serial   the blocking call, one after another
#   threads  the blocking call on 8 threads sharing the client
# Wall time, CPU time of the process (every thread; the gateway's is not
# counted) and CPU per request, medians of REPS rounds (default 3) whose
# variants run in an order that turns from round to round.
#
#   bash bench/async.sh BUILD_DIR       (a build with -Dbench, the default;
#                                        release: meson setup -Dbuildtype=release)
#
# Prints a markdown table and the command lines.  Exits 77 (skipped) when
# the build has no bench/async_bench: a tree without the event-loop API.
# Not part of CI (it takes about a minute).
set -euo pipefail
build=$(cd "${1:?usage: bash bench/async.sh BUILD_DIR}" && pwd)
reps=${REPS:-3}
retrieves=${RETRIEVES:-1000}
downloads=${DOWNLOADS:-64}
size_mb=${SIZE_MB:-16}

if ! ninja -C "$build" -t targets all 2>/dev/null | grep -q '^bench/async_bench:'; then
	echo "async.sh: $build has no bench/async_bench (no event-loop API in this tree, or -Dbench=false)" >&2
	exit 77
fi
ninja -C "$build" bench/async_bench tools/mock-gateway/tfy-mock-gateway >/dev/null
AB=$build/bench/async_bench
GW=$build/tools/mock-gateway/tfy-mock-gateway

work=$(mktemp -d "${TMPDIR:-/tmp}/tfy-async-bench.XXXXXX")
gw_pid=
trap '[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
"$GW" --port 0 --count "$retrieves" --batch-seconds 1 >"$work/gw.log" 2>&1 &
gw_pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/gw.log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { echo "async.sh: tfy-mock-gateway did not start" >&2; exit 1; }
base=http://127.0.0.1:$port/v1

# One SIZE_MB JSONL file, uploaded once.
python3 - "$work/big.jsonl" "$size_mb" <<'EOF'
import sys
line = b'{"custom_id":"r","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[]}}\n'
with open(sys.argv[1], "wb") as f:
    f.write(line * (int(sys.argv[2]) * 1024 * 1024 // len(line)))
EOF
file_id=$(curl -sf -H "Authorization: Bearer tfy-local-key" -F purpose=batch \
	-F "file=@$work/big.jsonl;type=application/jsonl" "$base/files" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

variants=(async async-w1 async-w8 serial threads)
nv=${#variants[@]}
run() { # op variant: appends its line to $work/op.variant
	local op=$1 v=$2 mode=${2%%-w*} window=64
	[ "$mode" != "$v" ] && window=${v#*-w}
	if [ "$op" = retrieve ]; then
		"$AB" "$base" retrieve "$mode" "$retrieves" 8 "$window" >>"$work/$op.$v"
	else
		"$AB" "$base" download "$mode" "$downloads" "$file_id" 8 "$window" >>"$work/$op.$v"
	fi
}
for round in $(seq "$reps"); do
	for op in retrieve download; do
		for i in $(seq 0 $((nv - 1))); do
			run "$op" "${variants[$(((i + round) % nv))]}"
		done
	done
done

median() { # field file
	sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$2" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo "| calls | variant | wall (ms) | CPU (ms) | user / system (ms) | CPU per call (µs) | wall vs async | threads |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for op in retrieve download; do
	aw=$(median wall_ms "$work/$op.async")
	for v in "${variants[@]}"; do
		f=$work/$op.$v
		w=$(median wall_ms "$f")
		label="$retrieves retrieves"
		[ "$op" = download ] && label="$downloads downloads of $size_mb MiB"
		printf '| %s | %s | %s | %s | %s / %s | %s | %s | %s |\n' "$label" "$v" "$w" \
			"$(median cpu_ms "$f")" "$(median user_ms "$f")" "$(median sys_ms "$f")" \
			"$(median cpu_us_per_req "$f")" "$(awk -v w="$w" -v a="$aw" 'BEGIN {printf "%.2fx", w / a}')" \
			"$(median threads "$f")"
	done
done
if grep -h 'failed=[1-9]' "$work"/retrieve.* "$work"/download.* >/dev/null 2>&1; then
	echo "async.sh: some calls failed:" >&2
	grep -h 'failed=[1-9]' "$work"/retrieve.* "$work"/download.* >&2
	exit 1
fi
echo
echo "Medians of $reps rounds; commands (BASE is the gateway's http://127.0.0.1:PORT/v1):"
echo
echo '```sh'
echo "tfy-mock-gateway --port 0 --count $retrieves   # and one $size_mb MiB file uploaded with curl"
for v in "${variants[@]}"; do
	w=64
	[ "${v%%-w*}" != "$v" ] && w=${v#*-w}
	echo "bench/async_bench BASE retrieve ${v%%-w*} $retrieves 8 $w"
done
for v in "${variants[@]}"; do
	w=64
	[ "${v%%-w*}" != "$v" ] && w=${v#*-w}
	echo "bench/async_bench BASE download ${v%%-w*} $downloads FILE_ID 8 $w"
done
echo '```'
echo "Machine: $(nproc) cores, $(uname -sr); build: $(meson introspect --buildoptions "$build" 2>/dev/null |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' 2>/dev/null || echo unknown)"
