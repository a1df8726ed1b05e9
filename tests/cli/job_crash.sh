#!/usr/bin/env bash
# A job killed with SIGKILL at every step of its journal, and at random
# moments, and resumed each time, against tfy-mock-gateway: in the end
# exactly one batch exists per (tfy_job_id, tfy_shard, tfy_round), and
# output.jsonl and errors.jsonl hold each custom_id of the input exactly
# once.
#
#   job_crash.sh TFY_BATCHES TFY_MOCK_GATEWAY [KILL_AFTER_RECORDS_SO]
#
# The input (24 requests, shards of 8) holds lines that fail for good
# ("fail-..."), lines that fail the first time only with a 429 ("flaky-...",
# retried in round 1), and the gateway expires the first batch half-way (its
# remaining lines, with no record, are retried too).
#
# Step kills: one job is run again and again; each run is killed with
# SIGKILL right after it appended one record to the journal (DIR/journal,
# one record a line), until a run ends on its own: a kill after every step.
# A resume may first write again a record the killed run wrote (a round
# planned again writes its shards again, the same lines): a run that added
# no record the journal did not hold is let write one more the next time.
# The kill comes from KILL_AFTER_RECORDS_SO (tests/cli/kill_after_records.c)
# preloaded into tfy-batches, so it lands at once whatever the timing;
# without it (sanitizer builds) the script watches the journal grow and
# kills as soon as it sees a new record, which may be a few steps later.
# Random kills: a second job is killed 20 times after a random delay of up
# to 1.5 s of its run, then run to its end.  Every run is the same command.
set -uo pipefail
cli=$(realpath "$1") gw=$(realpath "$2") preload=${3:+$(realpath "$3")} random_kills=20
work=$(mktemp -d)
gw_pid=
trap '[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
endpoint=/v1/chat/completions

# ---- the input -----------------------------------------------------------------
ids=()
for i in $(seq 0 23); do
	case $((i % 8)) in
	3) ids+=("flaky-$i") ;;
	6) ids+=("fail-$i") ;;
	*) ids+=("req-$i") ;;
	esac
done
for id in "${ids[@]}"; do
	printf '{"custom_id":"%s","method":"POST","url":"%s","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi %s"}]}}\n' \
		"$id" "$endpoint" "$id"
done >"$work/input.jsonl"
printf '%s\n' "${ids[@]}" | sort >"$work/ids"

# ---- the gateway: quick batches; the first created expires half-way --------------
TMPDIR=$work "$gw" --port 0 --count 0 --batch-seconds 0.2 \
	--fault "expire-batch:nth=1" >"$work/gw.out" 2>"$work/gw.err" &
gw_pid=$!
for _ in $(seq 100); do grep -q listening "$work/gw.out" && break; sleep 0.05; done
root=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/gw.out" | head -n 1)
[ -n "$root" ] || fail "the gateway did not start: $(cat "$work/gw.err")"
export TFY_API_KEY=tfy-local-key
unset TFY_BASE_URL OPENAI_BASE_URL

# One run of the job in $1 in the background; its pid in $run_pid.  With
# step=1 and the preload, it kills itself right after its first new record.
start_run() {
	local env=()
	[ "${step:-0}" = 1 ] && [ -n "$preload" ] &&
		env=(env LD_PRELOAD="$preload" TFY_TEST_KILL_AFTER_RECORDS="$allow")
	"${env[@]}" "$cli" run "$work/input.jsonl" -o "$1" --base-url "$root/v1" --max-requests 8 \
		--concurrency 3 --retries 2 >"$work/run.out" 2>>"$work/run.err" &
	run_pid=$!
}
records() { [ -f "$1/journal" ] && wc -l <"$1/journal" || echo 0; }
# Distinct records (a record written again is the same line, checksum and all).
distinct() { [ -f "$1/journal" ] && sort -u "$1/journal" | wc -l || echo 0; }
# Waits for the run; its exit status, 137 when killed.
reap() { wait "$run_pid"; }

# ---- kills at every step -----------------------------------------------------------
steps="$work/steps"
kills=0 runs=0 step=1 allow=1
while :; do
	before=$(records "$steps") known=$(distinct "$steps")
	start_run "$steps"
	runs=$((runs + 1))
	if [ -z "$preload" ]; then
		while kill -0 "$run_pid" 2>/dev/null && [ "$(records "$steps")" -le "$before" ]; do
			sleep 0.002
		done
		kill -KILL "$run_pid" 2>/dev/null
	fi
	status=0
	reap || status=$?
	if [ "$status" -eq 0 ]; then
		break # it ended before the kill landed
	elif [ "$status" -eq 137 ]; then
		kills=$((kills + 1))
		[ "$(records "$steps")" -gt "$before" ] || fail "run $runs was killed before its record"
		if [ "$(distinct "$steps")" -gt "$known" ]; then allow=1; else allow=$((allow + 1)); fi
	else
		fail "run $runs exited $status: $(tail -n 3 "$work/run.err")"
	fi
	[ "$runs" -lt 400 ] || fail "no end after $runs runs"
done
step=0
# Once more, not killed: a job that is done prints its summary and exits 0.
"$cli" run "$work/input.jsonl" -o "$steps" --base-url "$root/v1" --max-requests 8 \
	--concurrency 3 --retries 2 --format json >"$work/steps.json" 2>>"$work/run.err" ||
	fail "the run of a done job did not exit 0"
total=$(records "$steps")
echo "step kills: $kills kills, $runs runs, $total journal records${preload:+ (preloaded kills)}"
# preloaded, each new record was followed by a kill (a write may hold a few)
if [ -n "$preload" ]; then
	[ "$kills" -ge $(($(distinct "$steps") / 2)) ] || fail "only $kills step kills for $total records"
else
	[ "$kills" -ge 5 ] || fail "only $kills step kills for $total records"
fi

# ---- kills at random moments -------------------------------------------------------
random="$work/random"
RANDOM=23
# the list set again: its first batch expires half-way too
python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_mock/faults",
                       data=b"expire-batch:nth=1", method="POST"), timeout=10).read()' "$root" ||
	fail "the gateway's faults could not be set"
for k in $(seq "$random_kills"); do
	start_run "$random"
	sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
	[ $((RANDOM % 2)) -eq 0 ] && sleep 0.5
	kill -KILL "$run_pid" 2>/dev/null
	status=0
	reap || status=$?
	[ "$status" -eq 0 ] || [ "$status" -eq 137 ] || fail "random run $k exited $status"
done
for _ in $(seq 20); do
	status=0
	"$cli" run "$work/input.jsonl" -o "$random" --base-url "$root/v1" --max-requests 8 \
		--concurrency 3 --retries 2 --format json >"$work/random.json" 2>>"$work/run.err" ||
		status=$?
	[ "$status" -eq 0 ] && break
done
[ "$status" -eq 0 ] || fail "the random job did not end: $(tail -n 3 "$work/run.err")"
echo "random kills: $random_kills"

# ---- what the gateway made, and what the jobs merged ---------------------------------
python3 - "$root" "$work" "$steps" "$random" <<'PY' || exit 1
import collections, json, sys, urllib.request

root, work, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
key = {"Authorization": "Bearer tfy-local-key"}


def get(path, auth=True):
    req = urllib.request.Request(root + path, headers=key if auth else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


# Every batch the gateway holds, by its job metadata.
batches, after = [], None
while True:
    page = get("/v1/batches?limit=100" + (f"&after={after}" if after else ""))
    batches += page["data"]
    if not page.get("has_more"):
        break
    after = page["last_id"]
per = collections.Counter()
for b in batches:
    m = b.get("metadata") or {}
    per[(m.get("tfy_job_id"), m.get("tfy_shard"), m.get("tfy_round"))] += 1
twice = {k: n for k, n in per.items() if n != 1}
assert not twice, f"batches made more than once: {twice}"
assert all(k[0] for k in per), "a batch without tfy_job_id"

# The gateway's own count, when it keeps one per job, shard and round.
stats = get("/_mock/stats", auth=False)
by_job = stats.get("batches_by_metadata")
if by_job is not None:
    flat = collections.Counter()
    for e in by_job:
        flat[(e["tfy_job_id"], e["tfy_shard"], e["tfy_round"])] += e["batches"]
    twice = {k: n for k, n in flat.items() if n != 1}
    assert not twice, f"/_mock/stats: batches made more than once: {twice}"
    assert sum(flat.values()) == len(batches), (sum(flat.values()), len(batches))

want = sorted(open(f"{work}/ids").read().split())
jobs = set()
for d in dirs:
    got = []
    for name in ("output.jsonl", "errors.jsonl"):
        with open(f"{d}/{name}") as f:
            got += [json.loads(line)["custom_id"] for line in f if line.strip()]
    assert sorted(got) == want, f"{d}: {len(got)} records for {len(want)} custom_ids"
    with open(f"{d}/errors.jsonl") as f:
        failed = sorted(json.loads(line)["custom_id"] for line in f if line.strip())
    assert failed == sorted(i for i in want if i.startswith("fail-")), f"{d}: errors {failed}"
    summary = json.load(open(f"{work}/{d.rsplit('/', 1)[1]}.json"))
    assert summary["status"] == "done", summary["status"]
    assert summary["rounds"] >= 2, "no retry round: the flaky and expired lines were not retried"
    jobs.add(summary["id"])
    mine = [k for k in per if k[0] == summary["id"]]
    assert len(mine) == summary["batches"], (len(mine), summary["batches"])
assert len(jobs) == 2
print(f"ok: {len(batches)} batches, one per (job, shard, round); each custom_id once")
PY
