#!/usr/bin/env bash
# Job benchmark (docs/performance.md, "10. Jobs"): a LINES-line input of
# about 1 KB a line (1,000,000 lines: about 1 GB), generated in a scratch
# directory under /tmp, run by `tfy-batches run` against tfy-mock-gateway on
# loopback, cut into shards of 50,000 requests (the default: 20 shards).
#
#   bash bench/job.sh BUILD_DIR [LINES]     (default 1000000; needs python3)
#
# Measured, side by side in this one run:
#   - the whole run (bench_run: wall, CPU, peak RSS of tfy-batches);
#   - its planning and its merge alone, through the library's internal
#     units as the job runs them (bench/job_data.c, a phase a process);
#   - the floor they are held to: `wc -l` and `sort` of the same file.
# Prints a markdown section with every command line.  Not part of CI: the
# bench meson option builds the programs, nothing runs them by default.
set -euo pipefail
build=$(cd "$1" && pwd)
lines=${2:-1000000}
cli=$build/tools/tfy-batches/tfy-batches
gw=$build/tools/mock-gateway/tfy-mock-gateway
run=("$build/bench/bench_run")
ninja -C "$build" bench/job_data bench/bench_run tools/tfy-batches/tfy-batches \
	tools/mock-gateway/tfy-mock-gateway >/dev/null
work=$(mktemp -d /tmp/tfy-bench-job.XXXXXX)
gw_pid=
trap '[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null; rm -rf "$work"' EXIT

# ---- the input: LINES chat requests of about 1 KB each -----------------------
"$build/bench/job_data" gen "$work/input.jsonl" "$lines"
input_bytes=$(stat -c %s "$work/input.jsonl")

# ---- the gateway: fast batches, room for the inputs and outputs --------------
TMPDIR=$work "$gw" --port 0 --count 0 --batch-seconds 1 --max-file-bytes $((16 << 30)) \
	>"$work/gw.out" 2>/dev/null &
gw_pid=$!
for _ in $(seq 100); do grep -q listening "$work/gw.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/gw.out" | head -n 1)
[ -n "$url" ] || { echo "job.sh: the gateway did not start" >&2; exit 1; }

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- the run -----------------------------------------------------------------
run_cmd=("$cli" run "$work/input.jsonl" -o "$work/job" --base-url "$url/v1" --api-key
	tfy-local-key --format json)
whole=$("${run[@]}" -o "$work/summary.json" -- "${run_cmd[@]}" 2>"$work/run.err") || {
	tail -n 20 "$work/run.err" >&2
	exit 1
}
shards=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["batches"])' \
	"$work/summary.json")

succeeded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["completed"])' \
	"$work/summary.json")

# ---- planning and merging alone, and the floor, alternating ---------------------
# bench/job_data runs a job's data path one phase a process, on this input:
# plan (check and cut), settle (a made-up output, 1% of lines 429, retried
# in a round 1), merge (output.jsonl and errors.jsonl of both rounds).
plan_cmd=("$build/bench/job_data" plan "$work/data" "$work/input.jsonl")
merge_cmd=("$build/bench/job_data" merge "$work/data")
wc_cmd=(wc -l "$work/input.jsonl")
sort_cmd=(env LC_ALL=C sort -o "$work/sorted" "$work/input.jsonl")
reps=3
: >"$work/plan"
: >"$work/merge"
: >"$work/wc"
: >"$work/sort"
for k in $(seq "$reps"); do
	field cpu_ms "$("${run[@]}" -- "${plan_cmd[@]}")" >>"$work/plan"
	field cpu_ms "$("${run[@]}" -- "${wc_cmd[@]}")" >>"$work/wc"
	if [ "$k" -eq 1 ]; then
		"$build/bench/job_data" settle "$work/data" "$work/input.jsonl" >/dev/null
	fi
	field cpu_ms "$("${run[@]}" -- "${merge_cmd[@]}")" >>"$work/merge"
	field cpu_ms "$("${run[@]}" -- "${sort_cmd[@]}")" >>"$work/sort"
	rm -f "$work/sorted"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
plan=$(median "$work/plan") merge=$(median "$work/merge")
wc_ms=$(median "$work/wc") sort_ms=$(median "$work/sort")
data=$(awk -v a="$plan" -v b="$merge" 'BEGIN { printf "%.1f", a + b }')
floor=$(awk -v a="$wc_ms" -v b="$sort_ms" 'BEGIN { printf "%.1f", a + b }')
rss_kb=$(field maxrss_kb "$whole")

echo "$lines lines, $((input_bytes / 1000000)) MB ($input_bytes bytes), $shards shards of 50,000"
echo "requests; $succeeded succeeded. CPU: median of $reps, measured alternately."
echo
echo "| figure | value |"
echo "|---|---|"
echo "| whole run: wall ms, CPU ms | $(field wall_ms "$whole"), $(field cpu_ms "$whole") |"
echo "| whole run: peak RSS of tfy-batches | $((rss_kb / 1024)) MiB ($rss_kb KiB; goal < 64 MiB) |"
echo "| planning CPU ms (read, check, cut) | $plan |"
echo "| merging CPU ms (output.jsonl + errors.jsonl of two rounds) | $merge |"
echo "| \`wc -l\` CPU ms | $wc_ms |"
echo "| \`sort\` CPU ms | $sort_ms |"
echo "| (planning + merging) / (\`wc -l\` + \`sort\`) | $(ratio "$data" "$floor") (goal < 2) |"
echo
echo '```sh'
echo "# the gateway"
echo "TMPDIR=\$WORK tfy-mock-gateway --port 0 --count 0 --batch-seconds 1 --max-file-bytes $((16 << 30))"
echo "# the run"
echo "\$BUILD/bench/bench_run -- tfy-batches run \$WORK/input.jsonl -o \$WORK/job --base-url http://127.0.0.1:\$PORT/v1 --api-key tfy-local-key --format json"
echo "# the input"
echo "\$BUILD/bench/job_data gen \$WORK/input.jsonl $lines"
echo "# planning and merging alone"
echo "\$BUILD/bench/bench_run -- \$BUILD/bench/job_data plan \$WORK/data \$WORK/input.jsonl"
echo "\$BUILD/bench/job_data settle \$WORK/data \$WORK/input.jsonl   # once, not measured"
echo "\$BUILD/bench/bench_run -- \$BUILD/bench/job_data merge \$WORK/data"
echo "# the floor"
echo "\$BUILD/bench/bench_run -- wc -l \$WORK/input.jsonl"
echo "\$BUILD/bench/bench_run -- env LC_ALL=C sort -o \$WORK/sorted \$WORK/input.jsonl"
echo '```'
