#!/usr/bin/env bash
# File transfer benchmark: a download and an upload of one SIZE_MB file over
# loopback through libtfy (bench/files_bench.c) and through curl, side by
# side in this one run, each measured by bench_run (CPU, peak RSS); libtfy's
# own peak RSS growth over the transfer is reported by files_bench.  libtfy
# runs twice each way: without a progress callback and with one that counts
# its calls; with BASELINE_BUILD (a build dir of another tree, say the
# commit before a change, with this bench/files_bench.c copied in) its
# files_bench runs too, in the same rounds, so that a change's cost is
# read from one run.
#
#   bash bench/files.sh BUILD_DIR [SIZE_MB [BASELINE_BUILD]]
#                                   (SIZE_MB default 1024; needs curl, python3)
#
# With INSTRUCTIONS=1 the libtfy variants are also run once each under
# valgrind (cachegrind, no cache simulation) for their user-space instruction
# counts, which a shared machine's load does not move as it moves CPU time.
#
# REPS (default 3) rounds; every measurement is taken once a round, the
# libtfy variants in an order that turns from round to round.
# Prints a markdown table.  Not part of CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
size_mb=${2:-1024}
baseline=${3:+$(cd "$3" && pwd)}
reps=${REPS:-3}
ninja -C "$build" bench/files_bench bench/bench_run >/dev/null
[ -z "$baseline" ] || ninja -C "$baseline" bench/files_bench >/dev/null
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

names=(tfy_down tfy_down_p curl_down tfy_up tfy_up_p curl_up)
[ -z "$baseline" ] || names+=(base_down base_up)
declare -A cpu rss grow
for name in "${names[@]}"; do : >"$work/$name"; done
# The libtfy variants of one direction, in an order that turns each round
# (a fixed order would give the first one the same place in every round).
variants() {
	local round=$1 dir=$2 arg=$3 suffix=$4 list i
	list=("tfy_$suffix" "tfy_${suffix}_p")
	[ -z "$baseline" ] || list+=("base_$suffix")
	for i in $(seq 0 $((${#list[@]} - 1))); do
		case ${list[$(((i + round) % ${#list[@]}))]} in
		tfy_"$suffix") measure "$build/bench/files_bench" "$base" "$dir" "$arg" >>"$work/tfy_$suffix" ;;
		tfy_"$suffix"_p) measure "$build/bench/files_bench" "$base" "$dir" "$arg" progress \
			>>"$work/tfy_${suffix}_p" ;;
		base_"$suffix") measure "$baseline/bench/files_bench" "$base" "$dir" "$arg" \
			>>"$work/base_$suffix" ;;
		esac
	done
}
for round in $(seq "$reps"); do
	variants "$round" download file-bench down
	measure curl -s -o /dev/null "$base/files/file-bench/content" >>"$work/curl_down"
	variants "$round" upload "$work/file.jsonl" up
	measure curl -s -o /dev/null -F purpose=batch -F "file=@$work/file.jsonl;type=application/jsonl" \
		"$base/files" >>"$work/curl_up"
done
for name in "${names[@]}"; do
	cpu[$name]=$(cut -d' ' -f1 "$work/$name" | median)
	rss[$name]=$(cut -d' ' -f2 "$work/$name" | median)
	grow[$name]=$(cut -d' ' -f3 "$work/$name" | median)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
row() { echo "| $1 | ${cpu[$2]} | ${rss[$2]} | ${grow[$2]} |"; }
echo "| ${size_mb} MiB over loopback | CPU ms (median of $reps) | peak RSS KiB | RSS growth over the transfer KiB |"
echo "|---|---|---|---|"
row "download, libtfy (writer that drops the bytes)" tfy_down
row "download, libtfy, with a progress callback" tfy_down_p
[ -z "$baseline" ] || row "download, libtfy of the baseline build" base_down
row "download, \`curl -o /dev/null\`" curl_down
row "upload, libtfy (\`path\`)" tfy_up
row "upload, libtfy, with a progress callback" tfy_up_p
[ -z "$baseline" ] || row "upload, libtfy of the baseline build" base_up
row "upload, \`curl -F file=@...\`" curl_up
echo
echo "CPU libtfy / curl: download $(ratio "${cpu[tfy_down]}" "${cpu[curl_down]}"), upload $(ratio "${cpu[tfy_up]}" "${cpu[curl_up]}")."
echo "CPU with a progress callback / without: download $(ratio3 "${cpu[tfy_down_p]}" "${cpu[tfy_down]}"), upload $(ratio3 "${cpu[tfy_up_p]}" "${cpu[tfy_up]}")."
[ -z "$baseline" ] ||
	echo "CPU without a callback / the baseline build: download $(ratio3 "${cpu[tfy_down]}" "${cpu[base_down]}"), upload $(ratio3 "${cpu[tfy_up]}" "${cpu[base_up]}")."

[ "${INSTRUCTIONS:-0}" = 1 ] || exit 0
# User-space instructions (cachegrind's I refs): the kernel's share of a
# transfer (most of its CPU) is not counted, only what libtfy, libcurl and
# the program do with the bytes.  A download's count follows the pieces
# the bytes arrive in (how much each read finds, which timing decides), so
# it is also given per piece (per call of the writer).
irefs() {
	valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>"$work/vg"
	local n w
	n=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$work/vg" | tr -d ,)
	w=$(sed -n 's/.*writes=\([0-9]*\).*/\1/p' "$work/vg")
	echo "$n ${w:-0}"
}
declare -A ir
for v in tfy tfy_p base; do
	[ "$v" != base ] || [ -n "$baseline" ] || continue
	b=$build
	p=()
	[ "$v" != base ] || b=$baseline
	[ "$v" != tfy_p ] || p=(progress)
	ir[${v}_down]=$(irefs "$b/bench/files_bench" "$base" download file-bench "${p[@]}")
	ir[${v}_up]=$(irefs "$b/bench/files_bench" "$base" upload "$work/file.jsonl" "${p[@]}")
done
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b ? a / b : 0 }'; }
irow() {
	local d=(${ir[${1}_down]}) u=(${ir[${1}_up]})
	echo "| $2 | ${d[0]} | ${d[1]} | $(per "${d[0]}" "${d[1]}") | ${u[0]} |"
}
echo
echo "| user-space instructions | download | its pieces | per piece | upload |"
echo "|---|---|---|---|---|"
irow tfy "libtfy"
irow tfy_p "libtfy, with a progress callback"
[ -z "$baseline" ] || irow base "libtfy of the baseline build"
