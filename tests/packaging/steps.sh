# shellcheck shell=bash
# Sourced by the packaging checks: runs named steps and prints cmocka-style
# lines ("[  PASSED  ] N test(s)." and "[  FAILED  ] ..."), which
# tools/quickstart.sh adds up.  The caller sets $tmp (a scratch directory).
# shellcheck disable=SC2034  # the caller reads passed
passed=0 failed=()

# A command that exits 77 is skipped (a toolchain it needs is absent): it
# says why, and counts neither as passed nor as failed.
step() { # name, command...
	local name=$1 rc; shift
	echo "[ RUN      ] $name"
	"$@" >"$tmp/step.log" 2>&1
	rc=$?
	sed 's/^/    /' "$tmp/step.log"
	if [ $rc -eq 0 ]; then
		echo "[       OK ] $name"
		passed=$((passed + 1))
	elif [ $rc -eq 77 ]; then
		echo "[  SKIPPED ] $name"
	else
		echo "[  FAILED  ] $name"
		failed+=("$name")
	fi
}

# Starts the tfy-mock-gateway program $1 on a free loopback port with
# --count $count; sets gw_pid and base_url (its /v1).
start_gateway_from() {
	"$1" --port 0 --count "$count" >"$tmp/gw.log" 2>&1 &
	gw_pid=$!
	local port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/gw.log")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || return 1
	base_url=http://127.0.0.1:$port/v1
	echo "$1 at $base_url"
}

# The summary lines; fails when a step failed.
steps_summary() {
	echo "[  PASSED  ] $passed test(s)."
	if [ ${#failed[@]} -gt 0 ]; then
		echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
		printf '[  FAILED  ] %s\n' "${failed[@]}"
		return 1
	fi
}
