#!/usr/bin/env bash
# Debian packages: builds them from a copy of the tree (dpkg-buildpackage
# writes the .deb files beside the source directory) with the test suite off
# (DEB_BUILD_OPTIONS=nocheck: CI runs it separately), runs lintian (no
# errors), installs them with apt-get (root, or sudo), then against the
# system copy:
#   1. tests/packaging/consumer.c built with pkg-config --cflags --libs tfy
#      and run against /usr/bin/tfy-mock-gateway (libtfy.so.1 from /usr);
#   2. a CMake project with find_package(tfy 1.0 CONFIG), tfy::tfy and
#      tfy::tfy_static, found with no CMAKE_PREFIX_PATH;
#   3. /usr/bin/tfy-batches lists, and both man pages are installed;
#   4. /usr/bin/python3 imports tfy from dist-packages, which loads
#      libtfy.so.1 by its soname;
# and finally removes the packages, leaving the machine as it was (it
# refuses to start when a libtfy package is already installed).
# Usage: tests/packaging/debian.sh.  Prints cmocka-style summary lines for
# tools/quickstart.sh.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
packages=(libtfy1 libtfy-dev tfy-tools python3-tfy)
count=17
key=tfy-local-key
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# Another apt-get on the machine holds the lock for a while at most.
apt_get() { DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=120 "$@"; }

tmp=$(mktemp -d /tmp/tfy-debian.XXXXXX)
gw_pid='' installed=''
cleanup() {
	[ -n "$gw_pid" ] && { kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null; }
	[ -n "$installed" ] && apt_get remove --purge -y -qq "${packages[@]}" >/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=SCRIPTDIR/steps.sh
. "$here/steps.sh"

build_packages() {
	local version changelog
	version=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$top/meson.build")
	changelog=$(cd "$top" && dpkg-parsechangelog -S Version)
	[ "$changelog" = "$version" ] || {
		echo "debian/changelog is at $changelog, meson.build at $version"; return 1; }
	mkdir -p "$tmp/src/libtfy" &&
	tar -C "$top" --exclude='./build*' --exclude=./.git --exclude=./subprojects -cf - . |
		tar -xf - -C "$tmp/src/libtfy" || return 1
	(cd "$tmp/src/libtfy" &&
	 DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b -Pnocheck) \
		>"$tmp/dpkg-buildpackage.log" 2>&1 || { tail -n 60 "$tmp/dpkg-buildpackage.log"; return 1; }
	grep -E "^dpkg-deb: building package" "$tmp/dpkg-buildpackage.log"
	local p
	for p in "${packages[@]}"; do
		ls "$tmp/src/${p}_"*.deb >/dev/null || return 1
	done
}

run_lintian() {
	local root_flag=()
	[ "$(id -u)" -eq 0 ] && root_flag=(--allow-root)
	lintian "${root_flag[@]}" --fail-on error --display-level '>=warning' \
		"$tmp"/src/libtfy_*.changes || return 1
	echo "lintian: no errors"
}

install_packages() {
	local p debs=()
	for p in "${packages[@]}"; do
		if dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			echo "$p is already installed: not touching this machine's packages"; return 1
		fi
		debs+=("$(ls "$tmp/src/${p}_"*.deb)")
	done
	installed=yes
	apt_get install -y -qq --no-install-recommends "${debs[@]}" >"$tmp/apt.log" 2>&1 ||
		{ cat "$tmp/apt.log"; return 1; }
	dpkg-query -W "${packages[@]}"
}

start_gateway() { start_gateway_from /usr/bin/tfy-mock-gateway; }

system_env() { env -u PKG_CONFIG_PATH -u LD_LIBRARY_PATH -u TFY_LIBRARY -u PYTHONPATH "$@"; }

pkg_config_consumer() {
	local flags
	flags=$(system_env pkg-config --cflags --libs tfy) || return 1
	echo "pkg-config --cflags --libs tfy: $flags"
	# shellcheck disable=SC2086
	${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -o "$tmp/consumer" "$here/consumer.c" \
		$flags || return 1
	# /lib is /usr/lib on Debian 12: the loader may name either.
	system_env ldd "$tmp/consumer" >"$tmp/ldd.out" || return 1
	grep -E 'libtfy\.so\.1 => (/usr)?/lib/' "$tmp/ldd.out" || { cat "$tmp/ldd.out"; return 1; }
	system_env "$tmp/consumer" "$base_url" "$key" "$count"
}

cmake_consumer() {
	local bld=$tmp/cmake-build
	system_env cmake -S "$here/cmake-consumer" -B "$bld" -DCMAKE_C_COMPILER="${CC:-cc}" \
		>"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; return 1; }
	grep -- '-- tfy .* from /usr/lib/' "$tmp/cmake.log" || { cat "$tmp/cmake.log"; return 1; }
	cmake --build "$bld" >"$tmp/cmake-build.log" 2>&1 || { cat "$tmp/cmake-build.log"; return 1; }
	if ldd "$bld/consumer-static" | grep libtfy; then
		echo "consumer-static still needs libtfy.so"; return 1
	fi
	system_env "$bld/consumer-shared" "$base_url" "$key" "$count" &&
	system_env "$bld/consumer-static" "$base_url" "$key" "$count"
}

tools() {
	local page
	for page in tfy-batches tfy-mock-gateway; do
		ls "/usr/share/man/man1/$page.1.gz" || return 1
	done
	system_env /usr/bin/tfy-batches --version || return 1
	system_env /usr/bin/tfy-batches --base-url "$base_url" --api-key "$key" --all \
		--format ndjson >"$tmp/tool.out" || return 1
	[ "$(wc -l <"$tmp/tool.out")" -eq "$count" ] || { echo "listed $(wc -l <"$tmp/tool.out") batches"; return 1; }
	echo "listed $count batches"
}

python_package() {
	(cd "$tmp" && system_env /usr/bin/python3 -c \
		'import tfy; assert tfy.__file__.startswith("/usr/lib/python3/dist-packages/"), tfy.__file__') &&
	(cd "$tmp" && system_env /usr/bin/python3 "$here/python_check.py" libtfy.so.1 \
		"$base_url" "$key" "$count")
}

remove_packages() {
	[ -n "$gw_pid" ] && { kill "$gw_pid"; wait "$gw_pid" 2>/dev/null; gw_pid=; }
	apt_get remove --purge -y -qq "${packages[@]}" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; return 1; }
	installed=
	if dpkg-query -W "${packages[@]}" 2>/dev/null | grep .; then
		echo "still known to dpkg"; return 1
	fi
	[ ! -e /usr/include/tfy ] && ! ldconfig -p | grep 'libtfy\.so' || return 1
	echo "removed: ${packages[*]}"
}

echo "[==========] Debian packages (built in $tmp/src)"
step dpkg_buildpackage build_packages
[ ${#failed[@]} -eq 0 ] && step lintian_no_errors run_lintian
[ ${#failed[@]} -eq 0 ] && step apt_get_install install_packages
if [ -n "$installed" ] && [ ${#failed[@]} -eq 0 ]; then
	step start_system_mock_gateway start_gateway
	if [ ${#failed[@]} -eq 0 ]; then
		step system_pkg_config_consumer pkg_config_consumer
		step system_cmake_consumer cmake_consumer
		step system_tfy_tools tools
		step system_python3_import python_package
	fi
fi
[ -n "$installed" ] && step apt_get_remove remove_packages
steps_summary
