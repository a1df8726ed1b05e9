#!/usr/bin/env bash
# File transfer benchmark: a download and an upload of one SIZE_MB file over
# loopback through libtfy (bench/files_bench.c) and through curl, side by
# side in this one run, each measured by bench_run (CPU, peak RSS); libtfy's
# own peak RSS growth over the transfer is reported by files_bench.
#
#   bash bench/files.sh BUILD_DIR [SIZE_MB]     (default 1024; needs curl, python3)
#
# Prints a markdown table.  Not part of CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
size_mb=${2:-1024}
reps=3
ninja -C "$build" bench/files_bench bench/bench_run >/dev/null
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
head -c "$((size_mb * 1024 * 1024))" /dev/zero | tr '\0' 'x' > "$work/file.jsonl"
python3 "$here/files_server.py" "$work/file.jsonl" > "$work/port" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$work/port")/v1"
run=("$build/bench/bench_run" --)

# One measurement: "cpu_ms maxrss_kb [rss_growth_kb]", medians taken below.
measure() {
	local out
	out=$("${run[@]}" "$@" 2>"$work/err")
	local growth
	growth=$(sed -n 's/.*rss_growth_kb=\([0-9-]*\).*/\1/p' "$work/err")
	echo "$(sed -n 's/.*cpu_ms=\([0-9.]*\).*/\1/p' <<<"$out") $(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' <<<"$out") ${growth:--}"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A cpu rss grow
for name in tfy_down curl_down tfy_up curl_up; do : >"$work/$name"; done
for _ in $(seq "$reps"); do
	measure "$build/bench/files_bench" "$base" download file-bench >>"$work/tfy_down"
	measure curl -s -o /dev/null "$base/files/file-bench/content" >>"$work/curl_down"
	measure "$build/bench/files_bench" "$base" upload "$work/file.jsonl" >>"$work/tfy_up"
	measure curl -s -o /dev/null -F purpose=batch -F "file=@$work/file.jsonl;type=application/jsonl" \
		"$base/files" >>"$work/curl_up"
done
for name in tfy_down curl_down tfy_up curl_up; do
	cpu[$name]=$(cut -d' ' -f1 "$work/$name" | median)
	rss[$name]=$(cut -d' ' -f2 "$work/$name" | median)
	grow[$name]=$(cut -d' ' -f3 "$work/$name" | median)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "| ${size_mb} MiB over loopback | CPU ms (median of $reps) | peak RSS KiB | RSS growth over the transfer KiB |"
echo "|---|---|---|---|"
echo "| download, libtfy (writer that drops the bytes) | ${cpu[tfy_down]} | ${rss[tfy_down]} | ${grow[tfy_down]} |"
echo "| download, \`curl -o /dev/null\` | ${cpu[curl_down]} | ${rss[curl_down]} | - |"
echo "| upload, libtfy (\`path\`) | ${cpu[tfy_up]} | ${rss[tfy_up]} | ${grow[tfy_up]} |"
echo "| upload, \`curl -F file=@...\` | ${cpu[curl_up]} | ${rss[curl_up]} | - |"
echo
echo "CPU libtfy / curl: download $(ratio "${cpu[tfy_down]}" "${cpu[curl_down]}"), upload $(ratio "${cpu[tfy_up]}" "${cpu[curl_up]}")."
