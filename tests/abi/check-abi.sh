#!/usr/bin/env bash
# abi-compat: the ABI of a freshly built libtfy.so against the committed
# baseline (libtfy.abi and libtfy.constants beside this script, written by
# update-baseline.sh), allowing only the growth libtfy.abignore describes.
# Usage: check-abi.sh LIBTFY_SO HEADER_DIR...
#   (HEADER_DIRs: include/tfy of the source tree and of the build tree)
# Prints cmocka-style summary lines, which tools/quickstart.sh counts.
set -uo pipefail
. "$(dirname "$0")/abi-lib.sh"
# shellcheck source=SCRIPTDIR/../steps.sh
. "$(dirname "$0")/../steps.sh"
lib=$1
shift
tmp=$(mktemp -d /tmp/tfy-abi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "[==========] ABI of $lib against $here/libtfy.abi"
step abi_dump abi_dump "$lib" "$tmp/new.abi" "$@"
step constants_dump abi_constants "$tmp/new.constants" "$@"
step types_and_functions_compatible abi_diff "$here/libtfy.abi" "$tmp/new.abi" "$here/libtfy.abignore"
step enum_constants_stable abi_constants_diff "$here/libtfy.constants" "$tmp/new.constants"

steps_summary || {
	echo "(an intended change to the 1.x ABI is impossible: see tests/abi/update-baseline.sh)"
	exit 1
}
