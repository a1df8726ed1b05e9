#!/usr/bin/env bash
# Compares the dynamic symbols libtfy.so defines with tests/abi/exported-symbols.txt.
# Usage: check-symbols.sh LIBTFY_SO EXPECTED_LIST
# Prints cmocka-style summary lines, which tools/quickstart.sh counts.
set -uo pipefail
lib=$1 list=$2
passed=0 failed=()

actual=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u)
expected=$(grep -v -e '^#' -e '^[[:space:]]*$' "$list" | sort -u)

unlisted=$(comm -23 <(echo "$actual") <(echo "$expected"))
missing=$(comm -13 <(echo "$actual") <(echo "$expected"))
foreign=$(echo "$actual" | grep -v '^tfy_' || true)

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
echo "[==========] symbols of $lib"
check no_unlisted_symbols "$unlisted" "exported but not in $list (add them on purpose, or hide them)"
check no_missing_symbols "$missing" "listed in $list but not exported (an ABI break)"
check only_tfy_names "$foreign" "exported names outside the tfy_ prefix"
[ -n "$actual" ] || failed+=(nm_found_symbols)

echo "[  PASSED  ] $passed test(s)."
if [ ${#failed[@]} -gt 0 ]; then
	echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${failed[@]}"
	exit 1
fi
