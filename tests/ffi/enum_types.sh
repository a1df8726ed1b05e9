#!/usr/bin/env bash
# ffi-enum-types: generates Rust bindings for tfy/tfy.h with bindgen and
# builds enum_types.rs against them with rustc (Debian's, /usr/bin/rustc,
# unless $RUSTC names another), then runs it against libtfy.so.  Exits 77
# (skipped) when bindgen or rustc is missing.
# Usage: enum_types.sh SOURCE_INCLUDE BUILD_INCLUDE LIBDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src_inc=$1 build_inc=$2 libdir=$3
rustc=${RUSTC:-/usr/bin/rustc}
command -v bindgen >/dev/null || { echo "SKIP: no bindgen (apt-get install bindgen)"; exit 77; }
[ -x "$rustc" ] || { echo "SKIP: no $rustc (apt-get install rustc)"; exit 77; }

work=$(mktemp -d /tmp/tfy-enum-types.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$here/enum_types.rs" "$work/"
echo '#include <tfy/tfy.h>' >"$work/wrapper.h"
bindgen --size_t-is-usize --no-layout-tests "$work/wrapper.h" -o "$work/bindings.rs" -- \
	-I "$src_inc" -I "$build_inc"
{
	echo 'pub const CONSTANTS: &[(&str, i32)] = &['
	python3 "$here/../public_api.py" enum-constants "$src_inc/tfy" |
		sed 's/.*/    ("&", &),/'
	echo '];'
} >"$work/constants.rs"
"$rustc" --edition 2018 -o "$work/enum_types" "$work/enum_types.rs" -L "$libdir" -l tfy
LD_LIBRARY_PATH=$libdir "$work/enum_types"
