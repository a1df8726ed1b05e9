#!/usr/bin/env bash
# Builds one of the FFI examples (go, rust or node) against a libtfy
# installed in PREFIX, runs it against the tfy-mock-gateway at BASE_URL
# (serving COUNT batches) and checks what it prints: the count listed, a
# batch retrieved, and the typed error of a 404.  Exits 77 (meson's
# "skipped") with a line naming what is missing when the language's
# toolchain is absent.  Prints how long the build and the run took.
# Usage: examples/ffi/run.sh LANG PREFIX BASE_URL API_KEY COUNT
#   go:   go (golang-go) and pkg-config; builds with cgo's `#cgo pkg-config: tfy`
#   rust: bindgen and rustc (Debian's /usr/bin/rustc, or $RUSTC); no cargo
#   node: node and npm; koffi is installed from npm into a temporary
#         directory (or taken from $TFY_KOFFI_MODULES, a node_modules
#         directory that holds it)
set -uo pipefail

lang=$1 prefix=$2 base_url=$3 key=$4 count=$5
here=$(cd "$(dirname "$0")" && pwd)

skip() {
	echo "SKIP $lang: $*"
	exit 77
}

pc=$(find "$prefix" -name tfy.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || { echo "no tfy.pc under $prefix"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(dirname "$(dirname "$pc")")
work=$(mktemp -d /tmp/tfy-ffi-$lang.XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

build_go() {
	command -v go >/dev/null || skip "no go toolchain (apt-get install golang-go)"
	command -v pkg-config >/dev/null || skip "no pkg-config"
	# A cache and module directory of its own, and no network.
	(cd "$here/go" && GOCACHE=$work/go-cache GOPATH=$work/go-path GOPROXY=off GOFLAGS=-mod=mod \
		CGO_ENABLED=1 go build -o "$work/example" .)
}

build_rust() {
	command -v bindgen >/dev/null || skip "no bindgen (apt-get install bindgen)"
	local rustc=${RUSTC:-/usr/bin/rustc}
	[ -x "$rustc" ] || skip "no $rustc (apt-get install rustc)"
	command -v pkg-config >/dev/null || skip "no pkg-config"
	# shellcheck disable=SC2046
	bindgen --size_t-is-usize --no-layout-tests --allowlist-function 'tfy_.*' \
		--allowlist-type 'tfy_.*' --allowlist-var 'TFY_.*' "$prefix/include/tfy/tfy.h" \
		-o "$work/bindings.rs" -- $(pkg-config --cflags tfy) &&
	# shellcheck disable=SC2046
	OUT_DIR=$work "$rustc" --edition 2018 -O "$here/rust/main.rs" -o "$work/example" \
		$(pkg-config --libs tfy)
}

build_node() {
	command -v node >/dev/null || skip "no node (apt-get install nodejs)"
	cp "$here/node/main.js" "$work/" || return 1
	if [ -n "${TFY_KOFFI_MODULES:-}" ]; then
		ln -s "$TFY_KOFFI_MODULES" "$work/node_modules"
	else
		command -v npm >/dev/null || skip "no npm (apt-get install npm)"
		(cd "$work" && npm install --no-save --no-audit --no-fund --loglevel=error koffi >npm.log 2>&1) ||
			{ cat "$work/npm.log"; echo "npm install koffi failed"; return 1; }
	fi
	printf '#!/bin/sh\nexec node "%s/main.js" "$@"\n' "$work" >"$work/example" && chmod +x "$work/example"
}

case $lang in
go | rust | node) ;;
*) echo "unknown language: $lang (go, rust or node)"; exit 2 ;;
esac

start=$(now)
"build_$lang" || { echo "$lang: the build failed"; exit 1; }
built=$(since "$start")
start=$(now)
LD_LIBRARY_PATH=$libdir "$work/example" "$base_url" "$key" >"$work/out" 2>"$work/err"
rc=$?
ran=$(since "$start")
cat "$work/out" "$work/err"
[ $rc -eq 0 ] || { echo "$lang: the example exited with $rc"; exit 1; }
grep -qx "listed $count batches" "$work/out" || { echo "$lang: expected 'listed $count batches'"; exit 1; }
grep -q '^retrieved batch_' "$work/out" || { echo "$lang: no batch retrieved"; exit 1; }
grep -q '^not found: [A-Za-z.*]*Error code=11 http_status=404: ' "$work/out" ||
	{ echo "$lang: no typed not-found error"; exit 1; }
echo "$lang: built in $built s, ran in $ran s"
