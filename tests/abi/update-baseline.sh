#!/usr/bin/env bash
# Rewrites the ABI baseline of the abi-compat test from a build of libtfy:
#   tests/abi/libtfy.abi        abidw's dump of libtfy.so (public headers only)
#   tests/abi/libtfy.constants  the value of every enum constant of the headers
# Usage: tests/abi/update-baseline.sh BUILD_DIR
#   (BUILD_DIR: a meson build of this tree with debug info, e.g. the default
#   debugoptimized build; run ninja -C BUILD_DIR first)
# Run it once, when the headers of a release are final, and commit both
# files.  Within a major version never run it to make abi-compat pass: a
# failure there is a break of the ABI that programs were built against.
set -euo pipefail
. "$(dirname "$0")/abi-lib.sh"
build=$(cd "${1:?usage: update-baseline.sh BUILD_DIR}" && pwd)
top=$(cd "$here/../.." && pwd)
lib=$build/lib/libtfy.so
[ -e "$lib" ] || { echo "no $lib: build it first (ninja -C $1)" >&2; exit 1; }
headers=("$top/include/tfy" "$build/include/tfy")
abi_dump "$lib" "$here/libtfy.abi" "${headers[@]}"
abi_constants "$here/libtfy.constants" "${headers[@]}"
echo "wrote $here/libtfy.abi ($(grep -c '<elf-symbol ' "$here/libtfy.abi") functions)"
echo "wrote $here/libtfy.constants ($(wc -l <"$here/libtfy.constants") enum constants)"
