#!/bin/sh
# The man pages pass `mandoc -Tlint` with no warning (nor error).  Without
# mandoc the check is skipped (77), except in CI (CI set), where it fails:
# tools/quickstart.sh installs mandoc.  Usage: man-lint.sh PAGE...
if ! command -v mandoc >/dev/null 2>&1; then
	echo "mandoc is not installed (apt-get install mandoc)"
	[ -n "${CI:-}" ] && exit 1
	exit 77
fi
out=$(mandoc -Tlint -W warning "$@" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "mandoc -Tlint: no warnings in $*"
