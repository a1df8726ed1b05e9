#!/usr/bin/env bash
# libtfy benchmarks: builds what they need, runs them against tfy-mock-gateway
# on 127.0.0.1 and has bench/report.py write docs/performance.md from what was
# measured.
#
#   bash bench/run.sh [BUILD_DIR]
#
# BUILD_DIR (or $TFY_BENCH_BUILD): an existing meson build directory of this
# tree, or one to create with -Dbuildtype=release (default:
# ${TMPDIR:-/tmp}/tfy-bench-build).  Only the benchmark programs and the two
# tools are built in it.  $TFY_BENCH_OUT overrides the report's path.
# $TFY_BENCH_WORK keeps the measurements in that directory rather than a
# temporary one: bench/report.py writes the report from them again.
#
# Every figure is a median of runs made side by side in this one run, and
# every comparison a ratio of such medians: the machine may be shared and
# noisy, so absolute times from different runs do not compare.  Takes about
# three minutes; each command is bounded by `timeout`.  Not part of CI.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${1:-${TFY_BENCH_BUILD:-${TMPDIR:-/tmp}/tfy-bench-build}}
report=${TFY_BENCH_OUT:-$top/docs/performance.md}
reps=7          # benchmark 2: alternating repetitions
mem_reps=3      # benchmark 3
lat_reps=5      # benchmark 5
decode_rounds=15
key=tfy-local-key
started=$(date +%s)

say() { printf '[bench %3ds] %s\n' "$(($(date +%s) - started))" "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

# ---- what the run needs --------------------------------------------------
need=()
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
command -v valgrind >/dev/null || need+=(valgrind)
command -v meson >/dev/null || need+=(meson)
command -v ninja >/dev/null || need+=(ninja-build)
if [ ${#need[@]} -gt 0 ]; then
	say "installing: ${need[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# ---- build ----------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
	say "configuring $build (release)"
	meson setup "$build" "$top" -Dbuildtype=release -Dtests=false -Dexamples=false \
		-Dtools=true -Dbench=true >/dev/null
fi
build=$(cd "$build" && pwd)
buildtype=$(meson introspect --buildoptions "$build" |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))')
[ "$buildtype" = release ] || say "warning: $build is a '$buildtype' build, not release"
say "building in $build"
ninja -C "$build" bench/bench_decode bench/iter_all bench/parse_pages bench/bench_run bench/decode_memory bench/bench_jsonl \
	tools/mock-gateway/tfy-mock-gateway tools/tfy-batches/tfy-batches >/dev/null ||
	die "the build failed (ninja -C $build)"

GW=$build/tools/mock-gateway/tfy-mock-gateway
CLI=$build/tools/tfy-batches/tfy-batches
BD=$build/bench/bench_decode
IA=$build/bench/iter_all
PP=$build/bench/parse_pages
BR=$build/bench/bench_run

if [ -n "${TFY_BENCH_WORK:-}" ]; then
	mkdir -p "$TFY_BENCH_WORK"
	work=$(cd "$TFY_BENCH_WORK" && pwd) keep_work=1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/tfy-bench.XXXXXX") keep_work=0
fi
results=$work/results.tsv   # bench <TAB> variant <TAB> rep <TAB> key=value ...
cmds=$work/cmds.tsv         # bench <TAB> variant <TAB> command line
facts=$work/facts.txt       # key=value
: >"$results"; : >"$cmds"; : >"$facts"

# ---- gateways: started here, on 127.0.0.1 only, stopped on exit ----------
gw_pids=()
cleanup() {
	local p
	for p in "${gw_pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ "$keep_work" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

# start_gw ARG...: sets GW_PID and GW_URL (http://127.0.0.1:PORT).
start_gw() {
	local log port=""
	log=$(mktemp "$work/gw.XXXXXX")
	"$GW" --port 0 --api-key "$key" "$@" >"$log" 2>&1 &
	GW_PID=$!
	gw_pids+=("$GW_PID")
	for _ in $(seq 100); do
		port=$(sed -n 's|^tfy-mock-gateway listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || die "tfy-mock-gateway did not start: $(cat "$log")"
	GW_URL=http://127.0.0.1:$port
}

stop_gw() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# gw_stat URL FIELD: one counter of /_mock/stats.
gw_stat() {
	curl -sS --max-time 10 "$1/_mock/stats" | sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p"
}

clk_tck=$(getconf CLK_TCK)
# gw_cpu_ms PID: user+sys CPU of the gateway so far (all its threads, 1/CLK_TCK s resolution).
gw_cpu_ms() {
	awk -v t="$clk_tck" '{ printf "%.0f", ($14 + $15) * 1000 / t }' "/proc/$1/stat"
}

# measure BENCH VARIANT REP [GW_PID GW_URL|- -] -- COMMAND...: runs the command
# under bench_run (stdout to $work/out.BENCH.VARIANT) and records its cost, and
# with a gateway what the gateway spent and counted meanwhile.
measure() {
	local bench=$1 variant=$2 rep=$3 gpid=$4 gurl=$5
	shift 6
	local out=$work/out.$bench.$variant line extra=""
	local c0=0 r0=0 a0=0
	if [ "$gpid" != - ]; then
		c0=$(gw_cpu_ms "$gpid"); r0=$(gw_stat "$gurl" requests); a0=$(gw_stat "$gurl" api_connections)
	fi
	line=$(timeout 300 "$BR" -o "$out" -- "$@") || die "$bench/$variant failed: $line $(head -c 300 "$out")"
	if [ "$gpid" != - ]; then
		extra=" gw_cpu_ms=$(($(gw_cpu_ms "$gpid") - c0))"
		extra+=" requests=$(($(gw_stat "$gurl" requests) - r0))"
		extra+=" api_connections=$(($(gw_stat "$gurl" api_connections) - a0))"
	fi
	case $(head -c 6 "$out") in
	items=) extra+=" $(head -n 1 "$out")" ;;
	pages=) extra+=" $(head -n 1 "$out")" ;;
	esac
	printf '%s\t%s\t%s\t%s%s\n' "$bench" "$variant" "$rep" "$line" "$extra" >>"$results"
	if [ "$rep" = 1 ]; then
		printf '%s\t%s\t%s\n' "$bench" "$variant" "$(printf '%q ' "$@")" >>"$cmds"
	fi
}

fact() { printf '%s=%s\n' "$1" "$2" >>"$facts"; }

# ---- machine facts ----------------------------------------------------------
fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
fact commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
# Changes to the tree, but for the report this run rewrites.
fact dirty "$(git -C "$top" status --porcelain -- . ':(exclude)docs/performance.md' 2>/dev/null | grep -c . || true)"
fact nproc "$(nproc)"
fact cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
fact cpu_mhz "$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
fact mem "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
fact kernel "$(uname -r)"
fact os "$(. /etc/os-release && echo "$PRETTY_NAME")"
fact cc "$(cc --version | head -n 1)"
fact meson "$(meson --version)"
fact libcurl "$(pkg-config --modversion libcurl 2>/dev/null || echo unknown)"
fact jansson "$(pkg-config --modversion jansson 2>/dev/null || echo unknown)"
fact curl "$(curl --version | head -n 1)"
fact valgrind "$(valgrind --version)"
fact python "$(python3 --version)"
fact buildtype "$buildtype"
fact load_before "$(cut -d ' ' -f 1-3 /proc/loadavg)"
fact tfy_version "$("$CLI" --version 2>/dev/null | head -n 1)"

# ---- 1. decode --------------------------------------------------------------
start_gw --count 10000
G2_PID=$GW_PID G2=$GW_URL
say "gateway (10,000 batches) at $G2"
page=$work/page.json
curl -sS --fail -H "Authorization: Bearer $key" "$G2/v1/batches?limit=100" -o "$page"
say "1. decode: $decode_rounds rounds"
timeout 120 "$BD" --file "$page" --rounds "$decode_rounds" >"$work/decode.txt" ||
	die "bench_decode failed"
printf '1\tdecode\t%s\n' "$(printf '%q ' "$BD" --file "$page" --rounds "$decode_rounds")" >>"$cmds"

# ---- 2. list everything over loopback ---------------------------------------
say "2. list 10,000: cursors and bodies"
"$CLI" --base-url "$G2/v1" --api-key "$key" --all --limit 100 --format ndjson >"$work/all.ndjson"
mkdir -p "$work/pages"
python3 - "$work" "$G2" "$key" <<'PY'
import json, sys, urllib.parse
work, base, key = sys.argv[1:4]
ids = [json.loads(l)["id"] for l in open(f"{work}/all.ndjson")]
assert len(ids) == 10000, len(ids)
urls = [f"{base}/v1/batches?limit=100"]
urls += [f"{base}/v1/batches?limit=100&after={urllib.parse.quote(ids[100 * k - 1], safe='')}"
         for k in range(1, 100)]
for name, out in (("null", lambda k: "/dev/null"), ("save", lambda k: f"{work}/pages/page_{k:03d}.json")):
    with open(f"{work}/curl_{name}.cfg", "w") as f:
        f.write(f'silent\nshow-error\nfail\nheader = "Authorization: Bearer {key}"\n')
        for k, u in enumerate(urls):
            f.write(f'url = "{u}"\noutput = "{out(k)}"\n')
PY
curl -K "$work/curl_save.cfg"
pages=("$work"/pages/page_*.json)
[ ${#pages[@]} -eq 100 ] || die "expected 100 saved pages, got ${#pages[@]}"

say "2. list 10,000: $reps alternating repetitions"
variants=(cli iter curl parse startup)
for rep in $(seq "$reps"); do
	order=("${variants[@]}")
	if [ $((rep % 2)) -eq 0 ]; then
		order=(startup parse curl iter cli)
	fi
	for v in "${order[@]}"; do
		case $v in
		cli) measure 2 cli "$rep" "$G2_PID" "$G2" -- "$CLI" --base-url "$G2/v1" --api-key "$key" \
			--all --limit 100 --format ndjson ;;
		iter) measure 2 iter "$rep" "$G2_PID" "$G2" -- "$IA" --base-url "$G2/v1" --api-key "$key" \
			--limit 100 ;;
		curl) measure 2 curl "$rep" "$G2_PID" "$G2" -- curl -K "$work/curl_null.cfg" ;;
		parse) measure 2 parse "$rep" - - -- "$PP" "${pages[@]}" ;;
		startup) measure 2 startup "$rep" - - -- "$IA" --base-url "$G2/v1" --api-key "$key" --dry-run ;;
		esac
	done
done
# The CLI's output, checked once: every batch, one line each.
cli_lines=$("$CLI" --base-url "$G2/v1" --api-key "$key" --all --limit 100 --format ndjson | wc -l)
fact cli_lines "$cli_lines"
fact parse_check "$(cat "$work/out.2.parse")"
fact page_bytes_total "$(cat "${pages[@]}" | wc -c)"

# ---- 5 (part). caller work alone, on the gateway without delay ---------------
say "5. latency hiding: $lat_reps repetitions"
start_gw --count 10000 --fault delay:ms=20,times=0
G5_PID=$GW_PID G5=$GW_URL
for rep in $(seq "$lat_reps"); do
	order=(both serial delay work)
	[ $((rep % 2)) -eq 0 ] && order=(work delay serial both)
	for v in "${order[@]}"; do
		case $v in
		both) measure 5 delay20_work20 "$rep" "$G5_PID" "$G5" -- "$IA" --base-url "$G5/v1" \
			--api-key "$key" --limit 100 --max-pages 20 --work-ms 20 ;;
		serial) measure 5 delay20_work20_noprefetch "$rep" "$G5_PID" "$G5" -- "$IA" --base-url "$G5/v1" \
			--api-key "$key" --limit 100 --max-pages 20 --work-ms 20 --no-prefetch ;;
		delay) measure 5 delay20_work0 "$rep" "$G5_PID" "$G5" -- "$IA" --base-url "$G5/v1" \
			--api-key "$key" --limit 100 --max-pages 20 ;;
		work) measure 5 delay0_work20 "$rep" "$G2_PID" "$G2" -- "$IA" --base-url "$G2/v1" \
			--api-key "$key" --limit 100 --max-pages 20 --work-ms 20 ;;
		esac
	done
done
stop_gw "$G5_PID"

# ---- 6. instructions ----------------------------------------------------------
say "6. callgrind"
cg() { # NAME COMMAND...
	local name=$1; shift
	timeout 300 valgrind --tool=callgrind --callgrind-out-file="$work/cg.$name.out" "$@" \
		>"$work/cg.$name.stdout" 2>"$work/cg.$name.log" || die "callgrind $name failed: $(tail -n 5 "$work/cg.$name.log")"
	callgrind_annotate "$work/cg.$name.out" >"$work/cg.$name.self.txt"
	callgrind_annotate --inclusive=yes "$work/cg.$name.out" >"$work/cg.$name.incl.txt"
	printf '6\t%s\t%s\n' "$name" "$(printf '%q ' valgrind --tool=callgrind "$@")" >>"$cmds"
}
cg decode "$BD" --file "$page" --once
cg list "$IA" --base-url "$G2/v1" --api-key "$key" --max-items 100
stop_gw "$G2_PID"
nm --defined-only "$build/lib/libtfy.a" 2>/dev/null | awk '$2 ~ /^[tT]$/ { print $3 }' | sort -u >"$work/libtfy.syms"

# ---- 3. flat memory -----------------------------------------------------------
say "3. flat memory: 100,000 batches, $mem_reps repetitions"
start_gw --count 100000
G3_PID=$GW_PID G3=$GW_URL
for rep in $(seq "$mem_reps"); do
	order=(iter1k iter100k cli1k cli100k)
	[ $((rep % 2)) -eq 0 ] && order=(cli100k cli1k iter100k iter1k)
	for v in "${order[@]}"; do
		case $v in
		iter1k) measure 3 iter_1000 "$rep" "$G3_PID" "$G3" -- "$IA" --base-url "$G3/v1" --api-key "$key" \
			--limit 100 --max-items 1000 ;;
		iter100k) measure 3 iter_100000 "$rep" "$G3_PID" "$G3" -- "$IA" --base-url "$G3/v1" \
			--api-key "$key" --limit 100 ;;
		cli1k) measure 3 cli_1000 "$rep" "$G3_PID" "$G3" -- "$CLI" --base-url "$G3/v1" --api-key "$key" \
			--all --limit 100 --max-items 1000 --format ndjson ;;
		cli100k) measure 3 cli_100000 "$rep" "$G3_PID" "$G3" -- "$CLI" --base-url "$G3/v1" \
			--api-key "$key" --all --limit 100 --format ndjson ;;
		esac
	done
done
stop_gw "$G3_PID"

# ---- 4. connections -----------------------------------------------------------
say "4. connections"
for v in cli iter; do
	start_gw --count 10000
	if [ $v = cli ]; then
		measure 4 cli 1 "$GW_PID" "$GW_URL" -- "$CLI" --base-url "$GW_URL/v1" --api-key "$key" \
			--all --limit 100 --format ndjson
	else
		measure 4 iter 1 "$GW_PID" "$GW_URL" -- "$IA" --base-url "$GW_URL/v1" --api-key "$key" --limit 100
	fi
	# /_mock/stats after the run, on a gateway that served nothing else.
	curl -sS "$GW_URL/_mock/stats" | tr -d ' \n' >"$work/stats.$v.json"
	fact "stats_$v" "$(cat "$work/stats.$v.json")"
	stop_gw "$GW_PID"
done

# ---- 7. hostile bodies --------------------------------------------------------
say "7. hostile bodies"
timeout 300 "$build/bench/decode_memory" 32 >"$work/hostile.txt" || die "decode_memory failed"

# ---- 9. JSONL: result reader and input checker ----------------------------------
say "9. JSONL"
jsonl_cmd=("$build/bench/bench_jsonl" --lines 1000000 --rounds 3)
timeout 600 "${jsonl_cmd[@]}" >"$work/jsonl.txt" || die "bench_jsonl failed"
fact jsonl_cmd "\$BUILD/bench/bench_jsonl --lines 1000000 --rounds 3"

fact load_after "$(cut -d ' ' -f 1-3 /proc/loadavg)"
fact duration_s "$(($(date +%s) - started))"

# ---- report -------------------------------------------------------------------
say "writing $report"
mkdir -p "$(dirname "$report")"
# ---- 8. file transfers (bench/files.sh) --------------------------------------
say "file transfers: ${TFY_BENCH_FILE_MB:-1024} MiB down and up, libtfy and curl"
bash "$here/files.sh" "$build" "${TFY_BENCH_FILE_MB:-1024}" > "$work/files.md"

# ---- 10. jobs (bench/job.sh) ---------------------------------------------------
say "jobs: ${TFY_BENCH_JOB_LINES:-1000000} lines through tfy-batches run"
bash "$here/job.sh" "$build" "${TFY_BENCH_JOB_LINES:-1000000}" > "$work/job.md"

# ---- 11. the event-loop API (bench/async.sh) ------------------------------------
# Skipped (no section) in a tree without it: async.sh exits 77 there.
say "event-loop API: 1,000 retrieves and 64 downloads of 16 MiB, async / serial / 8 threads"
rc=0
bash "$here/async.sh" "$build" > "$work/async.md" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || die "bench/async.sh failed ($rc)"
[ "$rc" = 0 ] || rm -f "$work/async.md"

python3 "$here/report.py" "$work" "$build" "$report" "$reps" "$mem_reps" "$lat_reps"
say "done: $report"
