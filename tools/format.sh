#!/usr/bin/env bash
# Formats libtfy's C code with clang-format and the style in .clang-format.
#
#   tools/format.sh          formats every C source and header of the tree in
#                            place: lib/, include/, adapters/, tools/, tests/,
#                            examples/, bench/ and bindings/ (the files git
#                            tracks, and new ones it does not ignore; outside
#                            a git checkout, every *.c and *.h of those
#                            folders).
#   tools/format.sh --check  formats nothing: names each of those files that
#                            is not formatted and exits 1 (0 when all are),
#                            with cmocka's PASSED/FAILED summary lines.  The
#                            meson test `clang-format` (suite style) runs it.
#
# clang-format 14 (Debian 12's) is the reference: another major version
# breaks some lines differently, so --check skips with exit status 77 (what
# meson counts as skipped) when clang-format is missing or not version 14,
# and formatting refuses to run.  CLANG_FORMAT names the program to use;
# else clang-format-14, else clang-format.
#
# tools/format-pending.txt lists the files that were not yet formatted when
# the style was introduced: one path from the top of the tree a line, or a
# shell pattern such as lib/*.c; blank lines and # comments are ignored.
# --check skips them; formatting does not.  Once `tools/format.sh` has run
# over the whole tree, the list is emptied (a file listed there that has
# since been formatted can simply be removed from it).
#
# What clang-format must leave alone stays between /* clang-format off */
# and /* clang-format on */: hand-aligned tables, and macros whose body is a
# braced initialiser (clang-format 14 rewrites `#define X { 0, 0 }` into a
# block over several lines).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
*) echo "usage: tools/format.sh [--check]" >&2; exit 2 ;;
esac

# Exit status when clang-format 14 is not at hand: skipped for --check.
unavailable() {
	echo "format.sh: $1" >&2
	if [ "$check" -eq 1 ]; then
		echo "format.sh: style check skipped" >&2
		exit 77
	fi
	exit 1
}

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
	for p in clang-format-14 clang-format; do
		if command -v "$p" >/dev/null 2>&1; then
			cf=$p
			break
		fi
	done
fi
if [ -z "$cf" ] || ! command -v "$cf" >/dev/null 2>&1; then
	unavailable "clang-format not found (Debian: apt-get install clang-format)"
fi
version=$("$cf" --version | sed -n 's/.*clang-format version \([0-9]*\).*/\1/p')
[ "$version" = 14 ] ||
	unavailable "$cf is version ${version:-unknown}; .clang-format is written for clang-format 14 (set CLANG_FORMAT)"
[ -f .clang-format ] || { echo "format.sh: no .clang-format in $top" >&2; exit 1; }

dirs=(lib include adapters tools tests examples bench bindings)
# Never formatted: the fuzzers' seed inputs are data, whatever their names.
excluded='^tests/fuzz/corpus/'

# The C files of the tree, one per line, sorted.
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- "${dirs[@]}" |
			grep -E '\.[ch]$' || true
	else
		find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null || true
	fi | grep -Ev "$excluded" | LC_ALL=C sort -u | while IFS= read -r f; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
}

# The paths of tools/format-pending.txt, one per line.
pending() {
	[ -f tools/format-pending.txt ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' tools/format-pending.txt |
		grep -v '^$' || true
}

mapfile -t files < <(list_files)
[ ${#files[@]} -gt 0 ] || { echo "format.sh: no C files found under ${dirs[*]}" >&2; exit 1; }

if [ "$check" -eq 0 ]; then
	"$cf" --style=file -i "${files[@]}"
	echo "formatted ${#files[@]} files with $cf"
	exit 0
fi

declare -A skip=()
patterns=()
while IFS= read -r p; do
	case $p in
	*[*?[]*) patterns+=("$p") ;;
	*) skip[$p]=1 ;;
	esac
done < <(pending)

# Whether tools/format-pending.txt names the file f.
is_pending() {
	[ -n "${skip[$1]:-}" ] && return 0
	local p
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # p is a pattern
		[[ $1 == $p ]] && return 0
	done
	return 1
}

bad=() checked=0 skipped=0
for f in "${files[@]}"; do
	if is_pending "$f"; then
		skipped=$((skipped + 1))
		continue
	fi
	checked=$((checked + 1))
	"$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done

# The summary in cmocka's words, which tools/quickstart.sh counts: a check a file.
echo "[  PASSED  ] $((checked - ${#bad[@]})) test(s)."
echo "$skipped files skipped (tools/format-pending.txt)"
[ ${#bad[@]} -eq 0 ] && exit 0
echo "[  FAILED  ] ${#bad[@]} test(s), listed below:"
printf '[  FAILED  ] %s is not formatted as .clang-format says\n' "${bad[@]}"
echo "tools/format.sh formats them; $cf --dry-run FILE shows where they differ"
exit 1
