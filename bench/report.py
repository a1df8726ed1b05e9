#!/usr/bin/env python3
"""docs/performance.md from what bench/run.sh measured.

    report.py WORK BUILD REPORT REPS MEM_REPS LAT_REPS

WORK is the directory of the run's measurements (facts.txt, results.tsv,
cmds.tsv, the callgrind profiles, decode.txt, hostile.txt, jsonl.txt,
files.md, ...), BUILD the build directory the programs came from (both are
shown as $WORK and $BUILD in the commands quoted), REPORT the file to
write; REPS, MEM_REPS and LAT_REPS are the repetitions of benchmarks 2, 3
and 5.  bench/run.sh measures and then calls it; run alone on a kept WORK
(TFY_BENCH_WORK), it writes the report again without measuring.
"""
import collections, json, os, re, statistics, subprocess, sys

if len(sys.argv) != 7:
    sys.exit(__doc__.strip())
work, build, report_path = sys.argv[1:4]
reps, mem_reps, lat_reps = map(int, sys.argv[4:7])
# Section 9 comes from its own script beside this one.
JSONL_REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jsonl_report.py")

def kv(text):
    return dict(re.findall(r'(\w+)=(\S+)', text))

facts = {}
for line in open(f"{work}/facts.txt"):
    k, _, v = line.rstrip("\n").partition("=")
    facts[k] = v

runs = collections.defaultdict(list)          # (bench, variant) -> [dict]
for line in open(f"{work}/results.tsv"):
    bench, variant, rep, rest = line.rstrip("\n").split("\t", 3)
    d = {k: float(v) for k, v in kv(rest).items()}
    d["rep"] = int(rep)
    runs[(bench, variant)].append(d)

cmds = {}
for line in open(f"{work}/cmds.tsv"):
    bench, variant, cmd = line.rstrip("\n").split("\t", 2)
    cmds[(bench, variant)] = cmd

port_re = re.compile(r"http://127\.0\.0\.1:\d+")
def clean(cmd):
    cmd = cmd.replace(build, "$BUILD").replace(work, "$WORK")
    cmd = port_re.sub("http://127.0.0.1:$PORT", cmd)
    cmd = re.sub(r"(\$WORK/pages/page_\d+\.json ?)+", "$WORK/pages/page_000.json ... page_099.json ", cmd)
    cmd = cmd.replace("\\$", "$").strip()
    return cmd

def cmd(bench, variant):
    return clean(cmds[(bench, variant)])

def med(bench, variant, key):
    return statistics.median(r[key] for r in runs[(bench, variant)] if key in r)

def rng(bench, variant, key):
    vals = [r[key] for r in runs[(bench, variant)] if key in r]
    return min(vals), max(vals)

#: Section 10's text above the table that bench/async.sh prints.
ASYNC_SECTION = """## 11. The event-loop API (async)

The same calls three ways, side by side in one run (`bench/async.sh`, `bench/async_bench.c`),
against one `tfy-mock-gateway` on loopback: **async**, every call started from one thread with the
event-loop API (`include/tfy/async.h`) on the epoll adapter (`<tfy/adapters/epoll.h>`), at most
64 in flight; **serial**, the blocking call one after another; **threads**, the blocking call on 8
threads sharing the client. 1,000 retrieves of distinct batches, and 64 downloads of one 16 MiB
file to a writer that drops the bytes. Wall time, and CPU time of the whole benchmark process
(every thread; the gateway's is not counted), medians of 3 rounds in turning order. Goal: async
CPU per call not above the blocking call's (serial)."""


def jsonl_report(what):
    """Section 9 and its summary rows, written by bench/jsonl_report.py."""
    return subprocess.run([sys.executable, JSONL_REPORT, what, f"{work}/jsonl.txt",
                           facts["jsonl_cmd"]], check=True, capture_output=True, text=True).stdout.rstrip("\n")

def f0(x): return f"{x:,.0f}"
def f1(x): return f"{x:,.1f}"
def f2(x): return f"{x:.2f}"
def f3(x): return f"{x:.3f}"

out = []
w = out.append

# ---------------------------------------------------------------- callgrind
def parse_callgrind(path):
    names, objs = {}, {}
    selfc = collections.Counter()
    edges = collections.defaultdict(collections.Counter)
    ncalls = collections.defaultdict(collections.Counter)
    cur_ob = cur_fn = cob = cfn = pending = None
    total = 0
    def ref(table, v):
        m = re.match(r"\((\d+)\)(?: (.*))?$", v)
        if not m:
            return v
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table[m.group(1)]
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line[0] == "#":
            continue
        if pending is not None:
            parts = line.split()
            if len(parts) >= 2:
                edges[cur_fn][pending[0]] += int(parts[1])
                ncalls[cur_fn][pending[0]] += pending[1]
            pending = None
            continue
        if line.startswith("ob="):
            cur_ob = ref(objs, line[3:])
        elif line.startswith("cob="):
            cob = ref(objs, line[4:])
        elif line.startswith("fn="):
            cur_fn = (ref(names, line[3:]), cur_ob)
            cob = None
        elif line.startswith("cfn="):
            cfn = ref(names, line[4:])
        elif line.startswith("calls="):
            pending = ((cfn, cob if cob is not None else cur_ob), int(line[6:].split()[0]))
            cob = None
        elif line.startswith(("summary:", "totals:")):
            total = max(total, int(line.split()[1]))
        elif re.match(r"^[a-z]+[=:]", line):
            continue
        elif cur_fn is not None:
            parts = line.split()
            if len(parts) >= 2:
                selfc[cur_fn] += int(parts[1])
    return total, selfc, edges, ncalls

libtfy_syms = set(open(f"{work}/libtfy.syms").read().split())
system_obj = re.compile(r"^/(usr/)?lib")

def is_libtfy(fn):
    name, ob = fn
    return name in libtfy_syms and not system_obj.match(ob or "")

class Profile:
    def __init__(self, path):
        self.total, self.selfc, self.edges, self.ncalls = parse_callgrind(path)
        self._incl = {}
    def incl(self, f):
        if f not in self._incl:
            self._incl[f] = self.selfc[f] + sum(c for g, c in self.edges[f].items() if g != f)
        return self._incl[f]
    def find(self, name):
        cands = [f for f in set(self.selfc) | set(self.edges) if f[0] == name]
        return max(cands, key=self.incl) if cands else None
    def flatten(self, root):
        """Cost of root split into libtfy self costs and the non-libtfy calls it makes."""
        leaves = collections.Counter()
        def go(f, scale, depth):
            leaves[("self", f[0])] += self.selfc[f] * scale
            for g, c in self.edges[f].items():
                if g == f:
                    continue
                if is_libtfy(g) and depth < 20 and self.incl(g):
                    go(g, scale * c / self.incl(g), depth + 1)
                else:
                    leaves[("call", g[0])] += c * scale
        go(root, 1.0, 0)
        return leaves
    def libtfy_table(self):
        fns = [f for f in set(self.selfc) | set(self.edges) if is_libtfy(f)]
        return fns

def short_ob(ob):
    return os.path.basename(ob or "?")

def annotate_top(path, n=15):
    lines = open(path).read().splitlines()
    res, seen_hdr = [], 0
    for l in lines:
        if l.startswith("Ir ") or l.strip() == "Ir":
            seen_hdr += 1
            continue
        if seen_hdr >= 2 and re.match(r"^\s*[\d,]+ \(", l):
            res.append(l.replace(build, "$BUILD"))
            if len(res) == n:
                break
    return res

what = {
    "json_loadb": "jansson parses the body (value by value in the decoder; whole in the floor)",
    "json_dump_callback": "serialises metadata to compact JSON: `metadata_json`",
    "json_object_get": "looks up each field by name (a hash and a compare per field)",
    "json_delete": "frees jansson's trees",
    "tfy__buf_append": "grows the buffer the metadata serialisation writes to",
    "tfy__arena_strndup": "copies each string into the page's arena",
    "tfy__arena_alloc": "arena allocations",
    "tfy__arena_new": "the arena's first chunk",
    "tfy__arena_free": "frees the arena",
    "strtoll": "decimal strings as integers",
    "free": "glibc `free`: jansson's nodes and the arena's chunk",
    "__strlen_avx2": "strlen",
    "curl_multi_perform": "libcurl: the transfer (HTTP parsing, socket reads)",
    "curl_multi_poll": "libcurl: waiting on the socket",
}

def describe(kind, name):
    if kind == "self":
        return f"`{name}` self" + (f": {what[name]}" if name in what else "")
    return f"calls `{name}`" + (f": {what[name]}" if name in what else "")

prof = {n: Profile(f"{work}/cg.{n}.out") for n in ("decode", "list")}

# ---------------------------------------------------------------- numbers
dec = kv(open(f"{work}/decode.txt").read())
b2 = {v: {k: med("2", v, k) for k in ("wall_ms", "cpu_ms", "user_ms", "sys_ms", "maxrss_kb")}
      for v in ("cli", "iter", "curl", "parse", "startup")}
for v in ("cli", "iter", "curl"):
    b2[v]["gw_cpu_ms"] = med("2", v, "gw_cpu_ms")
    b2[v]["requests"] = med("2", v, "requests")
    b2[v]["api_connections"] = med("2", v, "api_connections")
floor_cpu = b2["curl"]["cpu_ms"] + b2["parse"]["cpu_ms"]
ratio_iter = b2["iter"]["cpu_ms"] / floor_cpu
ratio_cli = b2["cli"]["cpu_ms"] / floor_cpu
# Same ratio within each repetition, as a check on the ratio of medians.
per_rep = collections.defaultdict(dict)
for (bench, v), rs in runs.items():
    if bench == "2":
        for r in rs:
            per_rep[r["rep"]][v] = r["cpu_ms"]
rep_ratio_iter = statistics.median(p["iter"] / (p["curl"] + p["parse"]) for p in per_rep.values())
rep_ratio_cli = statistics.median(p["cli"] / (p["curl"] + p["parse"]) for p in per_rep.values())

rss = {v: med("3", v, "maxrss_kb") for v in ("iter_1000", "iter_100000", "cli_1000", "cli_100000")}
rss_delta_iter = (rss["iter_100000"] - rss["iter_1000"]) / 1024
rss_delta_cli = (rss["cli_100000"] - rss["cli_1000"]) / 1024

stats = {v: json.loads(facts[f"stats_{v}"]) for v in ("cli", "iter")}

lat = {v: med("5", v, "elapsed_ms") for v in ("delay20_work20", "delay20_work20_noprefetch", "delay20_work0", "delay0_work20")}
lat_wall = {v: med("5", v, "wall_ms") for v in lat}
lat_pages = 20
lat_serial = lat_pages * (20 + 20)
lat_target = 0.6 * lat["delay20_work20_noprefetch"]
lat_ratio = lat["delay20_work20"] / lat["delay20_work20_noprefetch"]

pd, pl = prof["decode"], prof["list"]
# bench_decode --once: run_tfy decodes and frees one page, run_jansson parses and frees it once.
tfy_fn, jan_fn = pd.find("run_tfy"), pd.find("run_jansson")
dec_fn = pd.find("tfy__decode_batch_page")
page_ir = pd.incl(tfy_fn)
jansson_floor_ir = pd.incl(jan_fn)
# The check decode before them is in the profile too: scale dec_fn's call counts to run_tfy's share.
dec_share = sum(c for g, c in pd.edges[tfy_fn].items() if g == dec_fn) / pd.incl(dec_fn)
items = int(dec["page_items"])
list_next = pl.find("tfy_batch_iter_next_page")
list_dec = pl.find("tfy__decode_batch_page")

def verdict(ok):
    return "met" if ok else "**not met**"

# ---------------------------------------------------------------- report
w("# libtfy performance")
w("")
w("Written by `bash bench/run.sh` from the run of "
  f"{facts['date']} (commit `{facts['commit']}`"
  + (f", with {facts['dirty']} uncommitted changes in the tree" if facts['dirty'] not in ('', '0') else "")
  + f", {facts['duration_s']} s). Do not edit by hand: run it again. "
  "The machine is shared and noisy, so every comparison is a ratio of medians measured side by side "
  "in that one run, in alternating order; absolute times only compare within this page. "
  "`$BUILD` is the build directory, `$WORK` the run's scratch directory, `$PORT` the "
  "ephemeral port of a `tfy-mock-gateway` the script started on 127.0.0.1.")
w("")
w("## Summary")
w("")
w("| # | figure | goal | now | |")
w("|---|---|---|---|---|")
w(f"| 1 | decode CPU time / bare jansson parse CPU time, same page | <= 1.15 | {f2(float(dec['ratio_median']))} | {verdict(float(dec['ratio_median']) <= 1.15)} |")
w(f"| 2 | CPU of listing 10,000 batches with the iterator / (curl transfer + bare jansson parse) | <= 1.2 | {f2(ratio_iter)} (CLI: {f2(ratio_cli)}) | {verdict(ratio_iter <= 1.2)} |")
w(f"| 3 | peak RSS, 100,000 batches minus 1,000 (iterator) | <= 2 MiB | {f2(rss_delta_iter)} MiB (CLI: {f2(rss_delta_cli)} MiB) | {verdict(rss_delta_iter <= 2)} |")
w(f"| 4 | TCP connections for a whole `--all` run of 100 pages | exactly 1 | {stats['cli']['api_connections']} (iterator: {stats['iter']['api_connections']}) | {verdict(stats['cli']['api_connections'] == 1)} |")
w(f"| 5 | 20 pages, 20 ms server delay + 20 ms caller work per page: prefetch / no prefetch | <= 0.6 | {f2(lat_ratio)} ({f0(lat['delay20_work20'])} / {f0(lat['delay20_work20_noprefetch'])} ms) | {verdict(lat_ratio <= 0.6)} |")
w(f"| 6 | instructions to decode one 100-batch page (`tfy__decode_batch_page` + free) | track | {f0(page_ir)} Ir = {f2(page_ir / jansson_floor_ir)} x jansson's parse + free | |")
w(jsonl_report("summary"))
job_md = open(f"{work}/job.md").read() if os.path.exists(f"{work}/job.md") else None
if job_md:
    rss = re.search(r"peak RSS of tfy-batches \| (\d+) MiB", job_md)
    cpu = re.search(r"/ \(`wc -l` \+ `sort`\) \| ([\d.]+)", job_md)
    if rss:
        w(f"| 10a | peak RSS of `tfy-batches run`, 1,000,000 lines (about 1 GB), 20 shards | < 64 MiB | {rss.group(1)} MiB | {verdict(int(rss.group(1)) < 64)} |")
    if cpu:
        w(f"| 10b | planning + merging CPU / (`wc -l` + `sort`) of the same file | < 2 | {cpu.group(1)} | {verdict(float(cpu.group(1)) < 2)} |")
w("")

w("## Machine")
w("")
w("| | |")
w("|---|---|")
for k, label in (("nproc", "nproc"), ("cpu", "CPU (/proc/cpuinfo)"), ("cpu_mhz", "CPU MHz"), ("mem", "memory"),
                 ("os", "OS"), ("kernel", "kernel"), ("cc", "compiler"), ("meson", "meson"),
                 ("libcurl", "libcurl"), ("jansson", "jansson"), ("curl", "curl"),
                 ("valgrind", "valgrind"), ("python", "python"), ("tfy_version", "tfy-batches"),
                 ("buildtype", "buildtype"), ("load_before", "load average before"),
                 ("load_after", "load average after")):
    w(f"| {label} | {facts.get(k, '?')} |")
w("")

# 1
w("## 1. Decode")
w("")
w(f"One page of {items} batches, {int(dec['page_bytes']):,} bytes as `tfy-mock-gateway` serves it "
  "(`GET /v1/batches?limit=100`, pretty-printed like OpenAI's), decoded into `tfy_batch_page` with "
  "`tfy__decode_batch_page` + `tfy_batch_page_free`, against jansson's bare `json_loadb` + "
  f"`json_decref` of the same bytes. {dec['rounds']} rounds; each round runs {dec['blocks_per_round']} "
  f"blocks of {dec['iters_per_block']} iterations of each side, alternating which goes first from block "
  "to block, so load from other processes falls on both alike. Times are the thread's CPU time "
  "(`CLOCK_THREAD_CPUTIME_ID`); the wall-clock ratio is given beside. Medians over the rounds.")
w("")
w("```sh")
w("curl -H 'Authorization: Bearer tfy-local-key' 'http://127.0.0.1:$PORT/v1/batches?limit=100' -o $WORK/page.json")
w(cmd("1", "decode"))
w("```")
w("")
w("| | CPU ns per page (median; min-max of rounds) | ns per batch | MB/s | wall ns per page |")
w("|---|---|---|---|---|")
for s_, label in (("tfy", "libtfy decode + free"), ("jansson", "jansson parse + decref")):
    w(f"| {label} | {f0(float(dec[s_ + '_ns_per_page']))} ({f0(float(dec[s_ + '_ns_per_page_min']))}-"
      f"{f0(float(dec[s_ + '_ns_per_page_max']))}) | {f0(float(dec[s_ + '_ns_per_batch']))} | "
      f"{dec[s_ + '_mb_per_s']} | {f0(float(dec[s_ + '_wall_ns_per_page']))} |")
w("")
w(f"Ratio, libtfy / jansson (median of the per-round CPU-time ratios): **{dec['ratio_median']}** "
  f"(rounds {dec['ratio_min']}-{dec['ratio_max']}; ratio of the medians {dec['ratio_of_medians']}; "
  f"wall clock {dec['wall_ratio_median']}, rounds {dec['wall_ratio_min']}-{dec['wall_ratio_max']}). "
  f"Goal <= 1.15: {verdict(float(dec['ratio_median']) <= 1.15)}. Section 6 shows where the difference goes.")
w("")

# 2
w("## 2. List everything over loopback")
w("")
w("10,000 batches, 100 pages of 100, from one `tfy-mock-gateway --count 10000`. Whole-process "
  "wall time, CPU time (user + sys) and peak RSS from `bench_run` (wait + `getrusage(RUSAGE_CHILDREN)`, "
  f"microsecond CPU); medians of {reps} repetitions, the order reversed every other one. "
  "The gateway's own CPU over each run comes from `/proc/PID/stat` (10 ms ticks).")
w("")
w("```sh")
w("# (a) the CLI")
w(cmd("2", "cli") + " > /dev/null")
w("# (b) the public iterator (bench/iter_all.c)")
w(cmd("2", "iter"))
w("# (c) the transfer floor: curl, the same 100 URLs (cursors from the CLI's ndjson) over one connection")
w(cmd("2", "curl") + "   # url = ...&after=ID / output = \"/dev/null\", x100")
w("# (d) the parse floor: json_loadb + json_decref of the same 100 bodies, saved beforehand by curl")
w(cmd("2", "parse"))
w("# (e) reference: start a process that links libtfy, create a client, exit")
w(cmd("2", "startup"))
w("```")
w("")
w("| | wall ms | CPU ms (user + sys) | user ms | sys ms | peak RSS KiB | gateway CPU ms | requests | API connections |")
w("|---|---|---|---|---|---|---|---|---|")
labels = {"cli": "(a) tfy-batches --all", "iter": "(b) iter_all", "curl": "(c) curl, 100 URLs",
          "parse": "(d) parse_pages", "startup": "(e) iter_all --dry-run"}
for v in ("cli", "iter", "curl", "parse", "startup"):
    m = b2[v]
    lo, hi = rng("2", v, "cpu_ms")
    gw = (f"{f0(m['gw_cpu_ms'])} | {f0(m['requests'])} | {f0(m['api_connections'])}"
          if "gw_cpu_ms" in m else "- | - | -")
    w(f"| {labels[v]} | {f1(m['wall_ms'])} | {f1(m['cpu_ms'])} ({f1(lo)}-{f1(hi)}) | {f1(m['user_ms'])} | "
      f"{f1(m['sys_ms'])} | {f0(m['maxrss_kb'])} | {gw} |")
w("")
w(f"- **CPU(b) / (CPU(c) + CPU(d)) = {f1(b2['iter']['cpu_ms'])} / ({f1(b2['curl']['cpu_ms'])} + "
  f"{f1(b2['parse']['cpu_ms'])}) = {f2(ratio_iter)}** (median of the per-repetition ratios: "
  f"{f2(rep_ratio_iter)}); goal <= 1.2, {verdict(ratio_iter <= 1.2)}.")
if ratio_iter < 1:
    w("- Below 1: the iterator, transfer included, spent less CPU than curl's transfer plus jansson's bare "
      "parse. The decoder never builds a page's whole tree: it has jansson parse one item at a time and "
      "frees that small tree before the next, where (d) builds and frees a tree of the whole page.")
w(f"- The CLI beside it: CPU(a) / (CPU(c) + CPU(d)) = {f2(ratio_cli)} (per repetition: {f2(rep_ratio_cli)}); "
  f"it also formats {facts['cli_lines']} ndjson lines, which costs CPU(a) - CPU(b) = "
  f"{f1(b2['cli']['cpu_ms'] - b2['iter']['cpu_ms'])} ms.")
w(f"- Of (b)'s CPU, {f1(b2['startup']['cpu_ms'])} ms is the fixed cost of (e): loading libcurl, "
  "OpenSSL and libtfy and creating a client, before any request; curl (c) pays its own start-up too.")
curl_wall_min = rng("2", "curl", "wall_ms")[0]
if b2["curl"]["gw_cpu_ms"] > b2["curl"]["cpu_ms"]:
    w(f"- For curl the gateway is the bottleneck: it generates each page on the fly and spent "
      f"{f0(b2['curl']['gw_cpu_ms'])} ms of CPU serving the 100 pages while curl used "
      f"{f1(b2['curl']['cpu_ms'])} ms; curl's wall time ({f1(b2['curl']['wall_ms'])} ms median, "
      f"{f1(curl_wall_min)} ms at best) is mostly the gateway's, so it is no transfer floor for wall "
      "time. The ratio above is of client CPU only, which the gateway's speed does not change "
      f"(the gateway spent the same {f0(b2['iter']['gw_cpu_ms'])} ms for the iterator).")
else:
    w(f"- The gateway was not the bottleneck: it spent {f0(b2['curl']['gw_cpu_ms'])} ms of CPU "
      f"while curl used {f1(b2['curl']['cpu_ms'])} ms.")
w(f"- The wall time of (b) is {f2(b2['iter']['wall_ms'] / b2['curl']['wall_ms'])} x curl's; "
  "each page's request carries the previous page's last id, so it is sent only after that page is "
  "decoded, and client and gateway CPU add up (prefetch hides the caller's work, section 5, not the decode).")
w(f"- Checks: parse_pages saw `{facts['parse_check']}`; API connections per run (median): "
  f"CLI {f0(b2['cli']['api_connections'])}, iterator {f0(b2['iter']['api_connections'])}, "
  f"curl {f0(b2['curl']['api_connections'])}, for {f0(b2['iter']['requests'])} requests each.")
w("")

# 3
w("## 3. Flat memory")
w("")
w(f"Peak RSS of a whole listing of 100,000 batches (1,000 pages) minus that of 1,000 batches, "
  f"from one `tfy-mock-gateway --count 100000`; medians of {mem_reps} alternating repetitions.")
w("")
w("```sh")
w(cmd("3", "iter_100000"))
w(cmd("3", "iter_1000"))
w(cmd("3", "cli_100000") + " > /dev/null")
w(cmd("3", "cli_1000") + " > /dev/null")
w("```")
w("")
w("| | peak RSS KiB, 1,000 batches | peak RSS KiB, 100,000 batches | difference | wall ms, 100,000 |")
w("|---|---|---|---|---|")
w(f"| iter_all | {f0(rss['iter_1000'])} | {f0(rss['iter_100000'])} | **{f2(rss_delta_iter)} MiB** | {f0(med('3', 'iter_100000', 'wall_ms'))} |")
w(f"| tfy-batches --all | {f0(rss['cli_1000'])} | {f0(rss['cli_100000'])} | {f2(rss_delta_cli)} MiB | {f0(med('3', 'cli_100000', 'wall_ms'))} |")
w("")
w(f"Goal <= 2 MiB: {verdict(rss_delta_iter <= 2)}.")
w("")

# 4
w("## 4. Connections")
w("")
w("A fresh `tfy-mock-gateway --count 10000` for each run; `GET /_mock/stats` after it "
  "(`connections` counts the stats request's own connection too; `api_connections` only those "
  "that carried a List batches request).")
w("")
w("```sh")
w(cmd("4", "cli") + " > /dev/null")
w("curl http://127.0.0.1:$PORT/_mock/stats")
w(cmd("4", "iter"))
w("curl http://127.0.0.1:$PORT/_mock/stats")
w("```")
w("")
w("| run | requests | connections | api_connections |")
w("|---|---|---|---|")
for v, label in (("cli", "tfy-batches --all --limit 100"), ("iter", "iter_all --limit 100")):
    s = stats[v]
    w(f"| {label} | {s['requests']} | {s['connections']} | **{s['api_connections']}** |")
w("")
w(f"Goal: exactly 1 connection for the 100 pages: {verdict(stats['cli']['api_connections'] == 1 and stats['iter']['api_connections'] == 1)}.")
w("")

# 5
w("## 5. Latency hiding")
w("")
w(f"{lat_pages} pages of 100 with the gateway holding each answer 20 ms "
  "(`--fault delay:ms=20,times=0`) and the caller working 20 ms on each page "
  "(`iter_all --work-ms 20` sleeps after each `tfy_batch_iter_next_page`), against each alone. "
  f"Time from `tfy_batch_iter_new` to the end of the iteration as `iter_all` reports it; medians of {lat_reps} "
  "alternating repetitions.")
w("")
w("```sh")
w("tfy-mock-gateway --port 0 --count 10000 --fault delay:ms=20,times=0")
w(cmd("5", "delay20_work20"))
w(cmd("5", "delay20_work20_noprefetch"))
w(cmd("5", "delay20_work0"))
w("# on the gateway without the delay")
w(cmd("5", "delay0_work20"))
w("```")
w("")
w("| server delay | caller work | iteration ms | whole process wall ms | per page ms |")
w("|---|---|---|---|---|")
for v, a, b in (("delay20_work20", "20 ms", "20 ms (prefetch)"), ("delay20_work20_noprefetch", "20 ms", "20 ms (no prefetch)"), ("delay20_work0", "20 ms", "0"), ("delay0_work20", "0", "20 ms")):
    w(f"| {a} | {b} | {f1(lat[v])} | {f1(lat_wall[v])} | {f1(lat[v] / lat_pages)} |")
w("")
w(f"Without prefetch: **{f0(lat['delay20_work20_noprefetch'])} ms** for {lat_pages} pages, "
  f"{f2(lat['delay20_work20_noprefetch'] / (lat['delay20_work0'] + lat['delay0_work20']))} x the sum of the two "
  f"alone: the waits and the work add up (~{lat_serial} ms expected). With prefetch (the default: the "
  f"next page's request is sent as soon as a page arrives and the kernel buffers the answer while the "
  f"caller works): **{f0(lat['delay20_work20'])} ms**, **{f2(lat_ratio)} x** (goal <= 0.6 x, i.e. "
  f"<= {f0(lat_target)} ms); overlapping fully would approach "
  f"~{f0(max(lat['delay20_work0'], lat['delay0_work20']) + lat['delay20_work0'] / lat_pages)} ms.")
w("")

# 6
w("## 6. Instructions (callgrind)")
w("")
w("Instruction counts (Ir) are deterministic where times are not: compare them across commits to "
  "catch regressions. Release build; jansson and libc are Debian's (jansson's internal functions "
  "have no symbols, hence the addresses).")
w("")
w("```sh")
w(cmd("6", "decode"))
w(cmd("6", "list") + "   # one list call: 1 page of 100")
w("```")
w("")
w("| | Ir |")
w("|---|---|")
w(f"| decode profile, whole program | {f0(pd.total)} |")
w(f"| `run_tfy`: `tfy__decode_batch_page` + `tfy_batch_page_free`, one page, inclusive | {f0(page_ir)} ({f0(page_ir / items)} per batch) |")
w(f"| `run_jansson`: `json_loadb` + `json_decref` of the same page (the bare parse) | {f0(jansson_floor_ir)} |")
w(f"| decode + free / bare parse + free, in instructions | **{f2(page_ir / jansson_floor_ir)}** |")
w(f"| list profile, whole program | {f0(pl.total)} |")
if list_next:
    w(f"| `tfy_batch_iter_next_page` (request, transfer, decode), inclusive | {f0(pl.incl(list_next))} ({f1(100 * pl.incl(list_next) / pl.total)} %) |")
if list_dec:
    w(f"| `tfy__decode_batch_page` in it | {f0(pl.incl(list_dec))} ({f1(100 * pl.incl(list_dec) / pl.total)} %) |")
ld = [f for f in set(pl.selfc) if f[0] == "_dl_start" or f[0].startswith("_dl_start")]
if ld:
    w(f"| dynamic loading at start-up (`_dl_start`) | {f0(max(pl.incl(f) for f in ld))} |")
w("")

def flat_table(p, root, title):
    leaves = p.flatten(root)
    tot = p.incl(root)
    w(f"**Where `{root[0]}`'s {f0(tot)} instructions go** (libtfy's own code as `self`, "
      "everything it calls outside libtfy as `calls`; a libtfy callee is opened up):")
    w("")
    w("| share | Ir | what |")
    w("|---|---|---|")
    for (kind, name), c in sorted(leaves.items(), key=lambda x: -x[1])[:12]:
        if c < tot * 0.002:
            break
        w(f"| {f1(100 * c / tot)} % | {f0(c)} | {describe(kind, name)} |")
    w("")

flat_table(pd, tfy_fn, "decode")
if list_next:
    flat_table(pl, list_next, "list")

# What libtfy's own code costs, beyond the parse every decoder pays.
by = pd.flatten(tfy_fn)
parse_ir = by[("call", "json_loadb")] + by[("call", "json_delete")]
dump_ir = by[("call", "json_dump_callback")]
get_ir = by[("call", "json_object_get")]
self_ir = sum(c for (kind, name), c in by.items() if kind == "self")
rest_ir = page_ir - parse_ir - dump_ir - get_ir - self_ir
get_n = dec_share * sum(n for f in pd.libtfy_table() for g, n in pd.ncalls[f].items()
                        if g[0] == "json_object_get")
def share(x):
    return f"{f0(x)} Ir, {f1(100 * x / page_ir)} %"
w(f"**Where decode + free goes beyond the bare parse** ({f0(page_ir)} Ir against "
  f"{f0(jansson_floor_ir)} Ir; shares of decode + free):")
w("")
w(f"1. jansson parsing and freeing the page value by value (`json_loadb` with `JSON_DISABLE_EOF_CHECK` "
  f"on each envelope value and each item, `json_delete` of each small tree): {share(parse_ir)}, "
  f"{f2(parse_ir / jansson_floor_ir)} x the whole-page parse + free.")
w(f"2. Field lookups by name: {f0(get_n)} `json_object_get` calls ({f0(get_n / items)} per batch), "
  f"{share(get_ir)}.")
w(f"3. `metadata_json` and non-string metadata values, serialised with `json_dump_callback`: "
  f"{share(dump_ir)}.")
w(f"4. libtfy's own instructions (the envelope walk, `raw_json` and string copies into the arena, "
  f"integer and status conversion): {share(self_ir)}.")
w(f"5. Everything else it calls (memcpy, memset, strlen, strtoll, malloc for the arena): "
  f"{share(max(rest_ir, 0))}.")
w("")
if list_dec and list_next:
    req_ir = pl.incl(list_next) - pl.incl(list_dec)
    w(f"In the whole list call the decode is {f1(100 * pl.incl(list_dec) / pl.incl(list_next))} % of "
      f"`tfy_batch_iter_next_page`. Everything else in it, request building, the header list, the "
      f"handle's setup (`curl_easy_reset` and its options) and libcurl's transfer over loopback, is "
      f"{f0(req_ir)} Ir, {f1(100 * req_ir / pl.incl(list_next))} % of a page: too small to be worth "
      "caching across calls. Start-up (dynamic loading, `curl_global_init` in `tfy_client_new`) is a "
      "fixed cost per process.")
w("")

def libtfy_top(p, title):
    fns = p.libtfy_table()
    note = (" The decode profile decodes the page twice, once to check it and once in `run_tfy`."
            if title == "decode" else "")
    w(f"**libtfy functions in the {title} profile**, by inclusive cost (top 10; self = in the function "
      f"itself).{note}")
    w("")
    w("| function | inclusive Ir | % of program | self Ir | % of program |")
    w("|---|---|---|---|---|")
    for f in sorted(fns, key=lambda f: -p.incl(f))[:10]:
        w(f"| `{f[0]}` | {f0(p.incl(f))} | {f1(100 * p.incl(f) / p.total)} | {f0(p.selfc[f])} | {f2(100 * p.selfc[f] / p.total)} |")
    w("")

libtfy_top(pd, "decode")
libtfy_top(pl, "list")

for name, title in (("decode", "decode one page"), ("list", "one list call")):
    for kind, label in (("incl", "inclusive"), ("self", "self")):
        w(f"<details><summary>callgrind_annotate{' --inclusive=yes' if kind == 'incl' else ''}: {title}, top 15 by {label} Ir</summary>")
        w("")
        w("```")
        w("\n".join(annotate_top(f"{work}/cg.{name}.{kind}.txt")))
        w("```")
        w("")
        w("</details>")
        w("")

w("## 7. Hostile bodies")
w("")
w("Peak memory of decoding bodies of 32 MiB (the default `max_response_bytes`) built to blow up a decoder: "
  "arrays of millions of `{}` or `0`, where a jansson tree costs some 100 bytes a value. Each body is built "
  "and decoded in its own child process (`tests/hostile_bodies.h`); the growth of its peak RSS "
  "(`getrusage` `ru_maxrss`) includes the body itself. `tests/test_decode.c` holds every body under "
  "8 x its size + 64 MiB.")
w("")
w("```sh")
w("$BUILD/bench/decode_memory 32")
w("```")
w("")
w("| body | size | peak RSS growth | x the body |")
w("|---|---|---|---|")
for line in open(f"{work}/hostile.txt"):
    m = re.match(r"(.*?)\s+(\d+) MiB\s+peak RSS \+\s*([\d.]+) MiB\s+\(([\d.]+)x", line)
    if m:
        w(f"| {m.group(1)} | {m.group(2)} MiB | {m.group(3)} MiB | {m.group(4)} |")
w("")

w("## 8. File transfers")
w("")
w("One file downloaded and uploaded over loopback through libtfy (`bench/files_bench.c`: "
  "`tfy_files_download()` to a writer that drops the bytes, `tfy_files_upload()` of a path) and "
  "through curl, side by side in one run, against `bench/files_server.py` (sendfile for the "
  "download; the upload's body is read and dropped). CPU and peak RSS of the whole process from "
  "`bench_run`; the growth column is libtfy's peak RSS after the transfer less after client "
  "creation (`getrusage`). The target is at most 8 MiB of growth for 1 GiB.")
w("")
w("```sh")
w("bash bench/files.sh $BUILD ${TFY_BENCH_FILE_MB:-1024}")
w("```")
w("")
w(open(f"{work}/files.md").read().rstrip("\n"))
w("")

w(jsonl_report("section"))
w("")

if job_md:
    w("## 10. Jobs")
    w("")
    w("A job of 1,000,000 request lines (about 1 GB) run by `tfy-batches run` against the gateway "
      "(`bench/job.sh`): planned into 20 shards of 50,000 requests, uploaded, created, watched, "
      "downloaded and merged. The peak RSS is the whole `tfy-batches` process's (`bench_run`); "
      "planning (read, check, cut) and merging (output.jsonl and errors.jsonl) are measured alone "
      "through the library's internal units as the job runs them (`bench/job_data.c`, the "
      "process's CPU clock), side by side with `wc -l` and `sort` of the same file.")
    w("")
    w("```sh")
    w("bash bench/job.sh $BUILD ${TFY_BENCH_JOB_LINES:-1000000}")
    w("```")
    w("")
    w(job_md.rstrip("\n"))
    w("")
if os.path.exists(f"{work}/async.md"):
    w(ASYNC_SECTION)
    w("")
    w(open(f"{work}/async.md").read().rstrip("\n"))
    w("")

# raw
w("## Raw runs")
w("")
# The optimisations' history is kept by hand beside the script and carried into every report.
history = os.path.join(os.path.dirname(os.path.abspath(report_path)), "..", "bench", "optimisations.md")
if os.path.exists(history):
    w(open(history).read().rstrip("\n"))
    w("")

w("<details><summary>Every measured run (bench_run's line, the gateway's CPU and counters, iter_all's output)</summary>")
w("")
w("```")
for line in open(f"{work}/results.tsv"):
    w(line.rstrip("\n").replace("\t", " "))
w("```")
w("")
w("</details>")
w("")

with open(report_path, "w") as f:
    f.write("\n".join(out))
print("\n".join(out[:20]))
