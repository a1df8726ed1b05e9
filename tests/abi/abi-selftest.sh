#!/usr/bin/env bash
# abi-selftest: proves the checker behind abi-compat (abi-lib.sh and the
# suppression stanza of libtfy.abignore) on tiny synthetic libraries: a
# baseline, and one mutation of it per case, each of which must pass (a
# compatible change) or fail (a break), as libtfy's own changes would.
# Usage: abi-selftest.sh
# Prints cmocka-style summary lines, which tools/quickstart.sh counts.
set -uo pipefail
. "$(dirname "$0")/abi-lib.sh"
# shellcheck source=SCRIPTDIR/../steps.sh
. "$(dirname "$0")/../steps.sh"
work=$(mktemp -d /tmp/tfy-abi-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Shaped like libtfy: an anonymous enum read through an int32_t typedef, a
# named enum in a signature, a struct the library allocates (s_item) and
# one the caller allocates (s_opts), and exported functions called from
# another translation unit.
cat >"$work/api.h" <<'C'
#include <stdint.h>
typedef int32_t s_code;
enum { S_OK = 0, S_BAD = 1, S_WORSE = 2 };
enum s_color { S_RED = 0, S_GREEN = 1, S_BLUE = 2 };
typedef struct s_item { int32_t a; int64_t b; const char *c; } s_item;
typedef struct s_opts { int32_t x; int32_t y; } s_opts;
s_item *s_new(const s_opts *o);
void s_free(s_item *it);
s_code s_paint(s_item *it, enum s_color c);
s_code s_use(const s_opts *o);
C
cat >"$work/lib.c" <<'C'
#include <stdlib.h>
#include "api.h"
s_item *s_new(const s_opts *o) { s_item *it = calloc(1, sizeof *it); if (it) it->a = o->x; return it; }
void s_free(s_item *it) { free(it); }
s_code s_paint(s_item *it, enum s_color c) { return it->a + (s_code)c; }
C
cat >"$work/use.c" <<'C'
#include "api.h"
s_code s_use(const s_opts *o) { s_item *it = s_new(o); s_code r = it ? s_paint(it, S_RED) : S_BAD; s_free(it); return r; }
C
# The real stanza, naming the synthetic library-allocated struct instead.
sed 's/^\([[:space:]]*name_regexp[[:space:]]*=\).*/\1 ^(s_item)$/' "$here/libtfy.abignore" >"$work/suppr"

# build DIR SED_SCRIPT [EXTRA_DECL EXTRA_DEF]: the library with SED_SCRIPT
# applied to its header and sources, dumped as DIR/x.abi, DIR/x.constants.
build() {
	local dir=$work/$1 f
	mkdir -p "$dir/include"
	for f in api.h lib.c use.c; do sed -e "$2" "$work/$f" >"$dir/$f"; done
	mv "$dir/api.h" "$dir/include/api.h"
	[ $# -gt 2 ] && { echo "$3" >>"$dir/include/api.h"; echo "$4" >>"$dir/lib.c"; }
	# A mutation that changes nothing would pass for the wrong reason.
	if [ "$1" != base ] && [ "$1" != unchanged ] &&
		cat "$work"/{api.h,lib.c,use.c} | cmp -s - <(cat "$dir"/{include/api.h,lib.c,use.c}); then
		echo "the mutation of $1 changed nothing"
		return 1
	fi
	"${CC:-cc}" -std=c11 -g -O2 -shared -fPIC -I"$dir/include" -o "$dir/libs.so" \
		"$dir/lib.c" "$dir/use.c" &&
	abi_dump "$dir/libs.so" "$dir/x.abi" "$dir/include" &&
	abi_constants "$dir/x.constants" "$dir/include"
}

# expect pass|fail CASE SED_SCRIPT [EXTRA_DECL EXTRA_DEF]
expect() {
	local want=$1 name=$2 got=pass
	shift 2
	echo "[ RUN      ] $name"
	if ! build "$name" "$@" >"$work/log" 2>&1; then
		got="no build"
	elif ! abi_compare "$work/base/x.abi" "$work/$name/x.abi" "$work/suppr" \
		"$work/base/x.constants" "$work/$name/x.constants" >"$work/log" 2>&1; then
		got=fail
	fi
	if [ "$got" = "$want" ]; then
		echo "[       OK ] $name (checker says $got)"
		passed=$((passed + 1))
	else
		sed 's/^/    /' "$work/log"
		echo "[  FAILED  ] $name: expected $want, checker says $got"
		failed+=("$name")
	fi
}

echo "[==========] abi checker on synthetic libraries"
build base '' >"$work/log" 2>&1 || { cat "$work/log"; echo "[  FAILED  ] 1 test(s), listed below:"; echo "[  FAILED  ] baseline_builds"; exit 1; }
expect pass unchanged ''
expect pass function_added '' 's_code s_more(void);' 's_code s_more(void) { return 1; }'
expect pass field_appended_to_library_struct 's/const char \*c; } s_item/const char *c; int64_t d; } s_item/'
expect pass enum_constant_appended 's/S_WORSE = 2 }/S_WORSE = 2, S_WORST = 3 }/'
expect pass named_enum_constant_appended 's/S_BLUE = 2 }/S_BLUE = 2, S_CYAN = 3 }/'
expect fail function_removed '/s_paint(s_item/d; s/s_paint(it, S_RED)/S_OK/'
expect fail field_inserted_mid_struct 's/int32_t a; int64_t b;/int32_t a; int64_t z; int64_t b;/'
expect fail field_inserted_in_padding 's/int32_t a; int64_t b;/int32_t a; int32_t z; int64_t b;/'
expect fail field_type_changed 's/int64_t b;/int32_t b;/'
expect fail parameter_type_changed 's/enum s_color c)/int64_t c)/'
expect fail return_type_changed 's/^s_code s_paint/int64_t s_paint/'
expect fail field_appended_to_caller_struct 's/int32_t y; } s_opts/int32_t y; int32_t w; } s_opts/'
expect fail enum_constant_renumbered 's/S_BAD = 1, S_WORSE = 2/S_BAD = 2, S_WORSE = 1/'
expect fail named_enum_constant_renumbered 's/S_BLUE = 2/S_BLUE = 3/'
expect fail enum_constant_removed 's/, S_WORSE = 2//'

steps_summary || exit 1
