#!/usr/bin/env bash
# Compares the dynamic symbols libtfy.so defines, with their symbol versions,
# with the version script lib/libtfy.map, which is the one list of them.
# Usage: check-symbols.sh LIBTFY_SO LIBTFY_MAP
# The released nodes listed in libtfy.frozen beside this script are frozen:
# the map must hold exactly the names that file gives them.
# Prints cmocka-style summary lines, which tools/quickstart.sh counts.
set -uo pipefail
# shellcheck source=SCRIPTDIR/../steps.sh
. "$(dirname "$0")/../steps.sh"
lib=$1 map=$2

# "name@VERSION" for each name of each node of the map ("local: *" aside).
expected=$(sed -e ':a' -e '$!N' -e '$!ba' -e 's|/\*[^*]*\*\+\([^/*][^*]*\*\+\)*/||g' "$map" |
	tr -s ' \t\n;' '\n' | awk '
		/^[A-Za-z_][A-Za-z0-9_.]*$/ && !node { pending = $0; next }
		$0 == "{" && pending != "" { node = pending; pending = ""; next }
		$0 == "global:" { scope = "global"; next }
		$0 == "local:" { scope = "local"; next }
		/^}/ { node = ""; scope = ""; next }
		node && scope == "global" && NF { print $0 "@" node }' | sort -u)
nodes=$(echo "$expected" | sed 's/.*@//' | sort -u)

# nm -D prints "name@@VERSION" for a default version and lists each version
# node as an absolute symbol named after it.
actual=$(nm -D --defined-only "$lib" | awk 'NF >= 3 && $2 != "A" { print $3 }' |
	sed 's/@@*/@/' | sort -u)
version_nodes=$(nm -D --defined-only "$lib" | awk 'NF >= 3 && $2 == "A" { print $3 }' | sort -u)

# Frozen nodes: what libtfy.frozen lists of them against what the map gives them now.
frozen=$(grep -v '^#' "$(dirname "$0")/libtfy.frozen" | sort -u)
frozen_nodes=$(echo "$frozen" | sed 's/.*@//' | sort -u)
now_frozen=$(awk -F@ 'NR == FNR { n[$0] = 1; next } ($2 in n)' <(echo "$frozen_nodes") \
	<(echo "$expected") | sort -u)
frozen_changed=$(diff <(echo "$frozen") <(echo "$now_frozen") | grep '^[<>]' || true)

unlisted=$(comm -23 <(echo "$actual") <(echo "$expected"))
missing=$(comm -13 <(echo "$actual") <(echo "$expected"))
foreign=$(echo "$actual" | sed 's/@.*//' | grep -v '^tfy_' || true)
unversioned=$(echo "$actual" | grep -v '@' || true)
stray_nodes=$(comm -23 <(echo "$version_nodes") <(echo "$nodes"))

check() { # name, offending-lines, message
	if [ -z "$2" ]; then
		echo "[       OK ] $1"
		passed=$((passed + 1))
	else
		echo "[  ERROR   ] $1: $3:"
		echo "$2" | sed 's/^/    /'
		failed+=("$1")
	fi
}
echo "[==========] symbols of $lib against $map"
check no_unlisted_symbols "$unlisted" "exported (name@version) but not in that node of $map (add them on purpose, or hide them)"
check no_missing_symbols "$missing" "listed in $map but not exported with that version (an ABI break)"
check only_tfy_names "$foreign" "exported names outside the tfy_ prefix"
check all_versioned "$unversioned" "exported without a symbol version (is the version script linked?)"
check frozen_nodes_unchanged "$frozen_changed" "released version nodes changed (< frozen, > map now); add new names to a new node"
check only_map_nodes "$stray_nodes" "version nodes that $map does not define"
[ -n "$actual" ] && [ -n "$expected" ] || failed+=(symbols_found)

steps_summary || exit 1
