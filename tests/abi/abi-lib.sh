# Shared by check-abi.sh, abi-selftest.sh and update-baseline.sh (sourced).
#
# The ABI of a shared library is checked in two parts:
#  - abidw's dump of the library restricted to its public headers: exported
#    functions, and every type reachable from them with its layout;
#  - the values of the headers' enum constants.  libtfy's enums are anonymous
#    (values are stored in int32_t typedefs, see common.h), so no function
#    signature names them and abidw never sees them.
# Both are compared with a baseline, allowing only growth: new functions, new
# enum constants, and fields appended to the structs the suppression file
# names.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
public_api=$here/../public_api.py

# abi_dump LIB OUT HEADER_DIR...: the ABI of LIB as seen through the headers
# in HEADER_DIRs.  --exported-interfaces-only also works around libabigail
# 2.2 losing the definitions of some exported functions (declared in other
# translation units) when it reads every interface.  Locations are file
# names only, so the dump does not depend on where the tree lives.
abi_dump() {
	local lib=$1 out=$2 hd=() d
	shift 2
	for d; do hd+=(--headers-dir "$d"); done
	abidw --exported-interfaces-only --drop-private-types "${hd[@]}" \
		--no-corpus-path --no-comp-dir-path --short-locs --out-file "$out" "$lib"
}

# abi_constants OUT HEADER_DIR...: "NAME VALUE" for each enum constant of the
# headers (*.h) in HEADER_DIRs, compiled and printed by the C compiler.
abi_constants() {
	local out=$1 work inc=() headers=() d h name
	shift
	work=$(mktemp -d /tmp/tfy-abi-constants.XXXXXX)
	for d; do
		d=$(cd "$d" && pwd) || return 1
		inc+=(-I "$d" -I "$(dirname "$d")")
		for h in "$d"/*.h; do [ -e "$h" ] && headers+=("$h"); done
	done
	{
		echo '#include <stdio.h>'
		for h in "${headers[@]}"; do echo "#include \"$h\""; done
		echo 'int main(void) {'
		python3 "$public_api" enum-constants "${headers[@]}" | while read -r name; do
			echo "	printf(\"%s %lld\\n\", \"$name\", (long long)($name));"
		done
		echo '	return 0; }'
	} >"$work/constants.c"
	"${CC:-cc}" -std=c11 "${inc[@]}" -o "$work/constants" "$work/constants.c" &&
		"$work/constants" | sort >"$out"
	local rc=$?
	rm -rf "$work"
	return $rc
}

# abi_diff BASE.abi NEW.abi SUPPRESSIONS: abidiff's report; fails on any
# change but added functions and the suppressed ones.
abi_diff() {
	abidiff --no-added-syms --suppressions "$3" "$1" "$2"
}

# abi_constants_diff BASE.constants NEW.constants: fails, listing them, when
# a constant of the baseline is gone or has another value.  Constants whose
# name contains "__" (such as TFY_ERROR__COUNT) are sentinels that grow with
# their enum, so they are not compared.
abi_constants_diff() {
	local lost
	lost=$(comm -23 <(grep -v '__' "$1" | sort) <(sort "$2"))
	[ -z "$lost" ] && return 0
	echo "enum constants removed or renumbered (baseline value shown):"
	echo "$lost" | sed 's/^/    /'
	return 1
}

# abi_compare BASE.abi NEW.abi SUPPRESSIONS BASE.constants NEW.constants:
# both comparisons; fails when either does.
abi_compare() {
	local rc=0
	abi_diff "$1" "$2" "$3" || rc=1
	abi_constants_diff "$4" "$5" || rc=1
	return $rc
}
