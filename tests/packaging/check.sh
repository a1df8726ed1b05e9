#!/usr/bin/env bash
# Packaging checks: install libtfy into a temporary prefix (never the system),
# then build and run out-of-tree consumers of it against a tfy-mock-gateway:
#   1. pkg-config --cflags --libs tfy, linked to libtfy.so (LD_LIBRARY_PATH);
#   2. pkg-config --static --cflags --libs tfy, in a copy of the prefix with
#      the .so files removed (ldd must show no libtfy);
#   3. a meson project using libtfy as a subproject through dependency('tfy').
# Usage: tests/packaging/check.sh [BUILD_DIR]   (BUILD_DIR has tfy-mock-gateway;
# default build).  Prints cmocka-style summary lines for tools/quickstart.sh.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
gateway=$build/tools/mock-gateway/tfy-mock-gateway
cc=${CC:-cc}
count=23
key=tfy-local-key

tmp=$(mktemp -d /tmp/tfy-packaging.XXXXXX)
gw_pid=
cleanup() {
	[ -n "$gw_pid" ] && { kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=()
step() { # name, command...
	local name=$1; shift
	echo "[ RUN      ] $name"
	if "$@" >"$tmp/step.log" 2>&1; then
		sed 's/^/    /' "$tmp/step.log"
		echo "[       OK ] $name"
		passed=$((passed + 1))
	else
		sed 's/^/    /' "$tmp/step.log"
		echo "[  FAILED  ] $name"
		failed+=("$name")
	fi
}

install_prefix() {
	meson setup "$tmp/build" "$top" --prefix "$tmp/prefix" -Dtests=false -Dtools=false \
		-Dexamples=false -Dwerror=true >/dev/null &&
	ninja -C "$tmp/build" >/dev/null &&
	meson install -C "$tmp/build" --quiet &&
	pc=$(find "$tmp/prefix" -name tfy.pc) && [ -n "$pc" ] &&
	echo "installed: $(cd "$tmp/prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"
}

start_gateway() {
	"$gateway" --port 0 --count "$count" >"$tmp/gw.log" 2>&1 &
	gw_pid=$!
	local port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/gw.log")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || return 1
	base_url=http://127.0.0.1:$port/v1
	echo "tfy-mock-gateway at $base_url"
}

shared_consumer() {
	local libdir
	libdir=$(dirname "$(dirname "$pc")")
	export PKG_CONFIG_PATH=$(dirname "$pc")
	# shellcheck disable=SC2046
	$cc -std=c11 -Wall -Wextra -Werror -pedantic -o "$tmp/consumer-shared" "$here/consumer.c" \
		$(pkg-config --cflags --libs tfy) || return 1
	LD_LIBRARY_PATH=$libdir ldd "$tmp/consumer-shared" | grep -q "libtfy.so.1 => $libdir/" || {
		echo "libtfy.so.1 not resolved from $libdir"; return 1; }
	LD_LIBRARY_PATH=$libdir "$tmp/consumer-shared" "$base_url" "$key" "$count"
}

static_consumer() {
	cp -a "$tmp/prefix" "$tmp/prefix-static" || return 1
	find "$tmp/prefix-static" -name 'libtfy.so*' -delete
	[ -z "$(find "$tmp/prefix-static" -name 'libtfy.so*')" ] || return 1
	local spc
	spc=$(find "$tmp/prefix-static" -name tfy.pc)
	# Point the copy's tfy.pc at the copy (a relocated install, as a distro
	# package staged in a DESTDIR would be).
	sed -i "s|^prefix=.*|prefix=$tmp/prefix-static|" "$spc"
	export PKG_CONFIG_PATH=$(dirname "$spc")
	local flags
	flags=$(pkg-config --static --cflags --libs tfy) || return 1
	echo "pkg-config --static: $flags"
	case "$flags" in *"$tmp/prefix-static"*) ;; *) echo "flags do not point at the copy"; return 1 ;; esac
	# shellcheck disable=SC2086
	$cc -std=c11 -Wall -Wextra -Werror -pedantic -o "$tmp/consumer-static" "$here/consumer.c" $flags || return 1
	if ldd "$tmp/consumer-static" | grep libtfy; then
		echo "the static consumer still needs libtfy.so"; return 1
	fi
	"$tmp/consumer-static" "$base_url" "$key" "$count"
}

meson_consumer() {
	cp -r "$here/meson-consumer" "$tmp/mc" && cp "$here/consumer.c" "$tmp/mc/" &&
	mkdir -p "$tmp/mc/subprojects" && ln -s "$top" "$tmp/mc/subprojects/libtfy" &&
	meson setup "$tmp/mc-build" "$tmp/mc" >"$tmp/mc-setup.log" 2>&1 || {
		cat "$tmp/mc-setup.log"; return 1; }
	grep -i "dependency tfy" "$tmp/mc-setup.log"
	ninja -C "$tmp/mc-build" >/dev/null || return 1
	"$tmp/mc-build/consumer" "$base_url" "$key" "$count"
}

echo "[==========] packaging checks (temporary prefix $tmp/prefix)"
step install_into_temporary_prefix install_prefix
step start_mock_gateway start_gateway
if [ ${#failed[@]} -eq 0 ]; then
	step pkg_config_shared_consumer shared_consumer
	step pkg_config_static_consumer static_consumer
	step meson_subproject_consumer meson_consumer
fi
echo "[  PASSED  ] $passed test(s)."
if [ ${#failed[@]} -gt 0 ]; then
	echo "[  FAILED  ] ${#failed[@]} test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${failed[@]}"
	exit 1
fi
