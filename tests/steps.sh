# shellcheck shell=bash
# Sourced by the checks written as scripts (tests/abi, tests/packaging):
# runs named steps and prints cmocka-style lines ("[  PASSED  ] N test(s)."
# and "[  FAILED  ] ..."), which tools/quickstart.sh adds up.  step needs
# $tmp, a scratch directory the caller sets.
# shellcheck disable=SC2034  # the caller reads passed
passed=0 failed=()

step() { # name, command...: runs it, shows what it printed, counts it
	local name=$1 rc; shift
	echo "[ RUN      ] $name"
	"$@" >"$tmp/step.log" 2>&1
	rc=$?
	sed 's/^/    /' "$tmp/step.log"
	# 77: skipped (a toolchain it needs is absent); it said why, and counts neither way.
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

# The summary lines; fails when a step failed.
steps_summary() {
	echo "[  PASSED  ] $passed test(s)."
	if [ ${#failed[@]} -gt 0 ]; then
		echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
		printf '[  FAILED  ] %s\n' "${failed[@]}"
		return 1
	fi
}
