#!/usr/bin/env bash
# abi-compat: the ABI of a freshly built libtfy.so against the committed
# baseline (libtfy.abi and libtfy.constants beside this script, written by
# update-baseline.sh), allowing only the growth libtfy.abignore describes.
# Usage: check-abi.sh LIBTFY_SO HEADER_DIR...
#   (HEADER_DIRs: include/tfy of the source tree and of the build tree)
# Prints cmocka-style summary lines, which tools/quickstart.sh counts.
set -uo pipefail
. "$(dirname "$0")/abi-lib.sh"
lib=$1
shift
work=$(mktemp -d /tmp/tfy-abi.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=()

check() { # name, command...
	local name=$1
	shift
	echo "[ RUN      ] $name"
	if "$@" >"$work/out" 2>&1; then
		echo "[       OK ] $name"
		passed=$((passed + 1))
	else
		sed 's/^/    /' "$work/out"
		echo "[  FAILED  ] $name"
		failed+=("$name")
	fi
}

echo "[==========] ABI of $lib against $here/libtfy.abi"
check abi_dump abi_dump "$lib" "$work/new.abi" "$@"
check constants_dump abi_constants "$work/new.constants" "$@"
check types_and_functions_compatible abi_diff "$here/libtfy.abi" "$work/new.abi" "$here/libtfy.abignore"
check enum_constants_stable abi_constants_diff "$here/libtfy.constants" "$work/new.constants"

echo "[  PASSED  ] $passed test(s)."
if [ ${#failed[@]} -gt 0 ]; then
	echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${failed[@]}"
	echo "(an intended change to the 1.x ABI is impossible: see tests/abi/update-baseline.sh)"
	exit 1
fi
