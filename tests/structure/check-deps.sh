#!/usr/bin/env bash
# The dependency rules of lib/ (meson test --suite structure):
#
#  1. No cycle between units.  Unit A depends on unit B when A's object
#     file uses a symbol B's object defines (nm: undefined in A, defined in
#     B).  Every cycle (a strongly connected set of units) fails, printed
#     with the symbols that tie it.
#  2. The walls.  Only lib/transport.c includes curl headers, only the
#     decoder family (lib/json_*.c, lib/decode_*.c) includes jansson, and
#     only lib/webhook.c includes OpenSSL's (libcrypto), be it directly or
#     through the headers of lib/ and include/ it includes.
#
# Usage: check-deps.sh SRC_DIR OBJ_DIR
#   SRC_DIR  lib/ of the source tree
#   OBJ_DIR  the directory of its object files (UNIT.c.o or UNIT.o)
# Exits 0 when every rule holds, 1 on a violation, 2 on a usage error.
set -Eeuo pipefail
trap 'echo "check-deps: a command failed at line $LINENO" >&2' ERR
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: check-deps.sh SRC_DIR OBJ_DIR" >&2
	exit 2
fi
src=$1 objdir=$2
nm=${NM:-nm}
[ -d "$src" ] || { echo "check-deps: no directory $src" >&2; exit 2; }
src=$(cd "$src" && pwd)
root=$(dirname "$src")
include_dir=$root/include
work=$(mktemp -d "${TMPDIR:-/tmp}/check-deps.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0

# ---- 1. cycles in the object-file graph ------------------------------------
shopt -s nullglob
objs=("$objdir"/*.o)
if [ ${#objs[@]} -eq 0 ]; then
	echo "check-deps: no object files in $objdir" >&2
	exit 2
fi
# One line per symbol: UNIT D|U NAME (D: defined and global, U: used).
for o in "${objs[@]}"; do
	unit=$(basename "$o" .o)
	"$nm" -P "$o" | awk -v unit="$unit" '
		$2 == "U" { print unit, "U", $1; next }
		$2 ~ /^[A-TV-Z]$/ { print unit, "D", $1 }'
done >"$work/symbols"

# Edges "A B SYMBOL", then the strongly connected sets of more than one
# unit (those reachable from each other: a transitive closure, the graph
# being some forty units), each with the edges inside it.
awk '
	$2 == "D" { def[$3] = def[$3] " " $1; next }
	$2 == "U" { use[++n] = $1 " " $3 }
	END {
		for (k = 1; k <= n; k++) {
			split(use[k], u, " ")
			m = split(def[u[2]], owners, " ")
			for (j = 1; j <= m; j++)
				if (owners[j] != u[1])
					print u[1], owners[j], u[2]
		}
	}' "$work/symbols" | sort -u >"$work/edges"

# mawk (Debian's awk) has no sort: units are ordered by insertion.
awk '
	function add(u,   k) {
		if (u in known)
			return
		known[u] = 1
		for (k = ++n; k > 1 && name[k - 1] > u; k--)
			name[k] = name[k - 1]
		name[k] = u
	}
	{
		reach[$1, $2] = 1
		add($1); add($2)
		count[$1, $2]++
		if (count[$1, $2] == 1)
			why[$1, $2] = $3
		else if (count[$1, $2] <= 3)
			why[$1, $2] = why[$1, $2] ", " $3
	}
	END {
		for (k = 1; k <= n; k++)
			for (i = 1; i <= n; i++)
				if ((name[i], name[k]) in reach)
					for (j = 1; j <= n; j++)
						if ((name[k], name[j]) in reach)
							reach[name[i], name[j]] = 1
		for (i = 1; i <= n; i++) {
			u = name[i]
			if (u in done || !((u, u) in reach))
				continue
			set = ""
			for (j = 1; j <= n; j++) {
				v = name[j]
				member[v] = (u, v) in reach && (v, u) in reach
				if (member[v]) {
					done[v] = 1
					set = set " " v
				}
			}
			print substr(set, 2)
			for (a = 1; a <= n; a++)
				for (b = 1; b <= n; b++)
					if (member[name[a]] && member[name[b]] && (name[a], name[b]) in why) {
						more = count[name[a], name[b]] > 3 ? " and " count[name[a], name[b]] - 3 " more" : ""
						print "\t" name[a] " -> " name[b] " (" why[name[a], name[b]] more ")"
					}
		}
	}' "$work/edges" >"$work/sccs"

units=$(cut -d ' ' -f 1 "$work/symbols" | sort -u | wc -l)
edges=$(cut -d ' ' -f 1,2 "$work/edges" | sort -u | wc -l)
echo "check-deps: $units units, $edges dependencies between them (from the objects in $objdir)"
while IFS= read -r line; do
	case $line in
	$'\t'*) echo "   ${line#$'\t'}" ;;
	*) echo "cycle: $line  <- FAIL: units that depend on each other"; failed=1 ;;
	esac
done <"$work/sccs"
[ -s "$work/sccs" ] || echo "no cycles"

# ---- 2. the walls: who includes curl, jansson and OpenSSL --------------------
# The headers a source includes with "...", followed through lib/ and
# include/, and the system headers each of them names with <...>.
# Each file's includes are read once.
declare -A quoted_of angled_of
includes() {
	if [ -n "${quoted_of[$1]+set}" ]; then
		return
	fi
	quoted_of[$1]=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1")
	angled_of[$1]=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$1")
}
resolve() { # DIR NAME: r, the file a quoted include names, or empty (a generated header)
	local f
	r=
	for f in "$1/$2" "$src/$2" "$include_dir/$2"; do
		if [ -f "$f" ]; then
			r=$f
			return
		fi
	done
}
# Prints "SYSTEM_HEADER VIA_FILE" for every system header a source reaches.
reached() {
	local queue=("$1") seen=" $1 " f h r
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		includes "$f"
		for h in ${angled_of[$f]}; do echo "$h ${f#"$root"/}"; done
		for h in ${quoted_of[$f]}; do
			resolve "${f%/*}" "$h"
			if [ -n "$r" ] && [[ $seen != *" $r "* ]]; then
				seen+="$r "
				queue+=("$r")
			fi
		done
	done
}
walls=0
for c in "$src"/*.c; do
	name=$(basename "$c")
	reached "$c" >"$work/reached" # not in a subshell: the cache of includes outlives it
	while read -r header via; do
		case $header in
		curl/*) [ "$name" = transport.c ] && continue; what="curl ($header)" ;;
		jansson.h | jansson_config.h)
			case $name in json_*.c | decode_*.c) continue ;; esac
			what="jansson ($header)" ;;
		openssl/*) [ "$name" = webhook.c ] && continue; what="OpenSSL ($header)" ;;
		*) continue ;;
		esac
		if [ "$via" = "lib/$name" ]; then
			echo "wall: lib/$name includes $what  <- FAIL"
		else
			echo "wall: lib/$name includes $what through $via  <- FAIL"
		fi
		walls=1
	done <"$work/reached"
done
if [ $walls -eq 0 ]; then
	echo "walls: only transport.c includes curl; only json_*.c and decode_*.c include jansson;" \
		"only webhook.c includes OpenSSL"
else
	failed=1
fi
exit $failed
