#!/usr/bin/env bash
# check-deps.sh on synthetic trees: it passes a clean one, and fails each
# kind of violation it is there to catch.
#
# Usage: selftest.sh CHECK_DEPS_SH CC...
set -euo pipefail

check=$1
shift
cc=("$@")
work=$(mktemp -d "${TMPDIR:-/tmp}/check-deps-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

# A tree: lib/ with its sources, obj/ with their objects.
tree() {
	rm -rf "$work/t"
	mkdir -p "$work/t/lib" "$work/t/include/tfy" "$work/t/obj"
}
src() { # NAME TEXT
	printf '%s\n' "$2" >"$work/t/lib/$1"
}
obj() { # NAME TEXT: a unit compiled to obj/NAME.o
	printf '%s\n' "$2" >"$work/t/$1"
	"${cc[@]}" -c -o "$work/t/obj/$1.o" "$work/t/$1"
}
expect() { # WHAT STATUS PATTERN
	local what=$1 want=$2 pattern=$3 rc=0
	bash "$check" "$work/t/lib" "$work/t/obj" >"$work/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qF -- "$pattern" "$work/out"; then
		echo "FAIL: $what: exit $rc (want $want), output:"
		sed 's/^/    /' "$work/out"
		failures=$((failures + 1))
	else
		echo "ok: $what"
	fi
}

# A clean tree: a chain of units, jansson only in the decoder family and
# curl only in transport.c.
tree
src transport.c '#include <curl/curl.h>'
src json_scan.h '#include <jansson.h>'
src decode_x.c '#include "json_scan.h"'
src json_y.c '#include <jansson.h>'
src decode.h '#include <stddef.h>
#include "tfy/version.h"'
src batch.c '#include "decode.h"'
src webhook.c '#include <openssl/evp.h>'
obj a.c 'int b(void); int a(void) { return b(); }'
obj b.c 'int c(void); int b(void) { return c(); }'
obj c.c 'int c(void) { return 0; }'
expect "a clean tree passes" 0 "no cycles"
expect "a clean tree passes the walls" 0 "walls: only transport.c includes curl"

# Two units using each other's symbols, and a cycle through three.
obj c.c 'int a(void); int c(void) { return a(); }'
expect "a cycle of three fails" 1 "cycle: a.c b.c c.c  <- FAIL"
obj c.c 'int c(void) { return 0; }'
obj b.c 'int a(void); int c(void); int b(void) { return a() + c(); }'
expect "a cycle of two fails" 1 "cycle: a.c b.c  <- FAIL"
expect "the symbols that tie it are named" 1 "b.c -> a.c (a)"
obj b.c 'int c(void); int b(void) { return c(); }'

# The walls, directly and through headers.
src batch.c '#include <jansson.h>'
expect "jansson outside the decoder family fails" 1 "wall: lib/batch.c includes jansson (jansson.h)  <- FAIL"
src batch.c '#include "json_scan.h"'
expect "jansson through a header fails" 1 "lib/batch.c includes jansson (jansson.h) through lib/json_scan.h"
src batch.c '#include "tfy/net.h"'
printf '#include <curl/curl.h>\n' >"$work/t/include/tfy/net.h"
expect "curl through a public header fails" 1 "lib/batch.c includes curl (curl/curl.h) through include/tfy/net.h"
src batch.c '#include "decode.h"'
src call.c '#  include <curl/easy.h>'
expect "curl outside transport.c fails" 1 "wall: lib/call.c includes curl (curl/easy.h)  <- FAIL"
src call.c '#include "decode.h"'
src decode_x.c '#include <openssl/hmac.h>'
expect "OpenSSL outside webhook.c fails" 1 "wall: lib/decode_x.c includes OpenSSL (openssl/hmac.h)  <- FAIL"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
