#!/usr/bin/env bash
# Packaging checks: install libtfy into a temporary prefix (never the system),
# then build and run out-of-tree consumers of it against a tfy-mock-gateway:
#   1. pkg-config --cflags --libs tfy, linked to libtfy.so (LD_LIBRARY_PATH);
#   2. pkg-config --static --cflags --libs tfy, in a copy of the prefix with
#      the .so files removed (ldd must show no libtfy);
#   3. the installed tfy-batches starts (RUNPATH) and lists, without
#      LD_LIBRARY_PATH;
#   4. pkg-config --validate of tfy.pc and tfy-static.pc, and that Libs.private
#      holds what the archive needs;
#   5. the link commands of README.md, verbatim (the tfy-static one: no
#      libtfy.so in ldd with the shared library installed beside libtfy.a);
#   6. a meson project using libtfy as a subproject through the wrap file of
#      docs/getting-started.md and a plain dependency('tfy');
#   7. a CMake project with find_package(tfy 1.0 CONFIG), tfy::tfy and
#      tfy::tfy_static (ldd: the static one needs no libtfy.so);
#   8. the Python package installed by meson (-Dpython=enabled) and by pip
#      (offline, as docs/other-languages.md says), and where each finds libtfy;
#   9. the examples of docs/ffi.md, examples/ffi/run.sh: Go (cgo), Rust
#      (bindgen, rustc) and Node (koffi from npm), each skipped when its
#      toolchain is absent.
# Usage: tests/packaging/check.sh [BUILD_DIR]   (BUILD_DIR has tfy-mock-gateway;
# default build).  TFY_PACKAGING_STEPS=GLOB runs only the checks after the
# install whose names match, e.g. 'ffi_*'.  Prints cmocka-style summary
# lines for tools/quickstart.sh.
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

# shellcheck source=SCRIPTDIR/steps.sh
. "$here/steps.sh"

install_prefix() {
	meson setup "$tmp/build" "$top" --prefix "$tmp/prefix" -Dtests=false -Dtools=true \
		-Dexamples=false -Dbench=false -Dpython=enabled -Dwerror=true >/dev/null &&
	ninja -C "$tmp/build" >/dev/null &&
	meson install -C "$tmp/build" --quiet &&
	pc=$(find "$tmp/prefix" -name tfy.pc) && [ -n "$pc" ] &&
	echo "installed: $(cd "$tmp/prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"
}

start_gateway() { start_gateway_from "$gateway"; }

shared_consumer() {
	local libdir
	libdir=$(dirname "$(dirname "$pc")")
	export PKG_CONFIG_PATH=$(dirname "$pc")
	# shellcheck disable=SC2046
	$cc -std=c11 -Wall -Wextra -Werror -pedantic -o "$tmp/consumer-shared" "$here/consumer.c" \
		$(pkg-config --cflags --libs tfy) || return 1
	LD_LIBRARY_PATH=$libdir ldd "$tmp/consumer-shared" | grep "libtfy.so.1 => $libdir/" >/dev/null || {
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

# The wrap exactly as docs/getting-started.md gives it, and the tarball it
# names made from this source tree, in a project that says dependency('tfy').
meson_consumer() {
	local mc=$tmp/mc wrap=$tmp/mc/subprojects/libtfy.wrap dir file version
	cp -r "$here/meson-consumer" "$mc" && cp "$here/consumer.c" "$mc/" &&
	mkdir -p "$mc/subprojects/packagefiles" || return 1
	awk '/^```ini$/ { on = 1; next } on && /^```$/ { exit } on' "$top/docs/getting-started.md" >"$wrap"
	cat "$wrap"
	dir=$(sed -n 's/^directory = //p' "$wrap")
	file=$(sed -n 's/^source_filename = //p' "$wrap")
	version=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$top/meson.build")
	[ "$dir" = "libtfy-$version" ] || { echo "the wrap's directory is not libtfy-$version"; return 1; }
	tar -C "$top" --exclude='./build*' --exclude=./.git --exclude=./subprojects \
		--transform "s,^\.,$dir," -cJf "$mc/subprojects/packagefiles/$file" . || return 1
	# No tfy.pc on the search path: dependency('tfy') falls back to the wrap.
	env -u PKG_CONFIG_PATH meson setup "$tmp/mc-build" "$mc" --prefix "$tmp/mc-prefix" \
		>"$tmp/mc-setup.log" 2>&1 || { cat "$tmp/mc-setup.log"; return 1; }
	grep -i "dependency tfy" "$tmp/mc-setup.log"
	grep -q "Dependency tfy found: YES .* (overridden)" "$tmp/mc-setup.log" || {
		echo "dependency('tfy') did not come from the subproject"; return 1; }
	ninja -C "$tmp/mc-build" >"$tmp/mc-build.log" 2>&1 || { cat "$tmp/mc-build.log"; return 1; }
	# The subproject adds no tests and installs no programs or man pages.
	[ "$(meson introspect --tests "$tmp/mc-build")" = "[]" ] || {
		echo "the subproject added tests:"; meson introspect --tests "$tmp/mc-build"; return 1; }
	meson install -C "$tmp/mc-build" --quiet >/dev/null || return 1
	echo "installed: $(cd "$tmp/mc-prefix" && find . -type f -o -type l | sort | tr '\n' ' ')"
	if (cd "$tmp/mc-prefix" && find . -path '*/bin/*' ! -name consumer -o -path '*/man/*') | grep .; then
		echo "the subproject installed programs or man pages"; return 1
	fi
	"$tmp/mc-build/consumer" "$base_url" "$key" "$count"
}

# The installed tfy-batches carries a RUNPATH to the prefix's library
# directory, so it starts and lists without LD_LIBRARY_PATH or ldconfig.
installed_tool() {
	local libdir tool=$tmp/prefix/bin/tfy-batches
	libdir=$(dirname "$(dirname "$pc")")
	readelf -d "$tool" | grep -E "RUNPATH.*\[$libdir\]" || { readelf -d "$tool"; return 1; }
	env -u LD_LIBRARY_PATH ldd "$tool" | grep "libtfy.so.1 => $libdir/" || return 1
	env -u LD_LIBRARY_PATH "$tool" --version || return 1
	env -u LD_LIBRARY_PATH "$tool" --base-url "$base_url" --api-key "$key" --all --format ndjson \
		>"$tmp/tool.out" || return 1
	[ "$(wc -l <"$tmp/tool.out")" -eq "$count" ] || { echo "listed $(wc -l <"$tmp/tool.out") batches"; return 1; }
	echo "listed $count batches"
}

# Both .pc files pass pkg-config --validate, and tfy.pc's Libs.private holds
# what libtfy.a needs: the static consumer of the .so-less copy fails to link
# without libcurl, without jansson or without libcrypto (-lpthread is for C libraries before
# glibc 2.34, which this system is not), and no -lm: nothing of libm is
# undefined in the archive.
pc_files() {
	local name flags lib
	export PKG_CONFIG_PATH=$(dirname "$pc")
	for name in tfy tfy-static; do
		pkg-config --validate "$name" || { echo "$name.pc does not validate"; return 1; }
		echo "$name.pc: valid"
	done
	grep -E '^Requires' "$pc" && { echo "tfy.pc has Requires"; return 1; }
	grep '^Libs.private' "$pc"
	export PKG_CONFIG_PATH=$(dirname "$(find "$tmp/prefix-static" -name tfy.pc)")
	flags=$(pkg-config --static --cflags --libs tfy) || return 1
	for lib in -lcurl -ljansson -lcrypto; do
		# shellcheck disable=SC2086
		if $cc -o "$tmp/consumer-without" "$here/consumer.c" ${flags/$lib/} 2>/dev/null; then
			echo "linked without $lib: Libs.private has more than the archive needs"; return 1
		fi
		echo "without $lib: does not link (needed)"
	done
	local libm_used
	libm_used=$(comm -12 <(nm -u "$(dirname "$(dirname "$pc")")/libtfy.a" | awk '{ print $2 }' | sort -u) \
		<(nm -D --defined-only "$($cc -print-file-name=libm.so.6)" | awk '{ print $3 }' | sed 's/@.*//' | sort -u))
	if [ -n "$libm_used" ] && ! grep -q -- '-lm' <<<"$(grep '^Libs.private' "$pc")"; then
		echo "libtfy.a uses libm ($libm_used) but Libs.private has no -lm"; return 1
	fi
	if [ -z "$libm_used" ] && grep '^Libs.private.*-lm' "$pc"; then
		echo "Libs.private has -lm but libtfy.a uses nothing of libm"; return 1
	fi
}

# The link commands of README.md's "Linking", run verbatim on consumer.c as
# prog.c against the prefix, which has libtfy.so beside libtfy.a: the
# tfy-static one must give a program that needs no libtfy.so.
readme_commands() {
	local libdir cmd dir=$tmp/readme
	libdir=$(dirname "$(dirname "$pc")")
	export PKG_CONFIG_PATH=$(dirname "$pc")
	mkdir -p "$dir" && cp "$here/consumer.c" "$dir/prog.c" || return 1
	awk '/^## Linking/ { s = 1 } s && /^```sh$/ { b = 1; next } b && /^```$/ { exit }
		b && /^cc prog\.c/' "$top/README.md" >"$dir/commands"
	grep -q 'tfy-static' "$dir/commands" || { echo "no tfy-static command in README.md"; return 1; }
	while IFS= read -r cmd; do
		echo "\$ $cmd"
		rm -f "$dir/prog"
		(cd "$dir" && eval "$cmd") || return 1
		case "$cmd" in
		*tfy-static*)
			if ldd "$dir/prog" | grep libtfy; then echo "prog still needs libtfy.so"; return 1; fi ;;
		*)
			LD_LIBRARY_PATH=$libdir ldd "$dir/prog" | grep "libtfy.so.1 => $libdir/" || return 1 ;;
		esac
		LD_LIBRARY_PATH=$libdir "$dir/prog" "$base_url" "$key" "$count" || return 1
	done <"$dir/commands"
}

# The Python package: installed by meson (-Dpython=enabled) it finds the
# prefix's libtfy.so.1 with neither TFY_LIBRARY nor LD_LIBRARY_PATH; installed
# by pip offline as docs/other-languages.md says (run verbatim, with Debian's
# python3 first on PATH, in a copy of bindings/python), it takes the loader's
# libtfy.so.1, and TFY_LIBRARY wins over both.
python_package() {
	local libdir site py=$tmp/pysrc
	libdir=$(dirname "$(dirname "$pc")")
	site=$(find "$tmp/prefix" -name _install.py -path '*/tfy/*')
	[ -n "$site" ] || { echo "no tfy package in the prefix"; return 1; }
	site=$(dirname "$(dirname "$site")")
	env -u TFY_LIBRARY -u LD_LIBRARY_PATH PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 \
		python3 "$here/python_check.py" "$libdir/libtfy.so.1" "$base_url" "$key" "$count" || return 1
	mkdir -p "$py/bindings" && cp -r "$top/bindings/python" "$py/bindings/" || return 1
	# The first sh block of the Python section (the offline way; it may sit in a list item).
	awk '/^## Python/ { s = 1 } s && /^ *```sh$/ { b = 1; next } b && /^ *```$/ { exit }
		b { sub(/^ +/, ""); print }' "$top/docs/other-languages.md" >"$tmp/pip-commands"
	cat "$tmp/pip-commands"
	(cd "$py" && PATH=/usr/bin:$PATH bash -e "$tmp/pip-commands" >"$tmp/pip.log" 2>&1) || {
		cat "$tmp/pip.log"; return 1; }
	grep 'Successfully installed' "$tmp/pip.log"
	env -u TFY_LIBRARY LD_LIBRARY_PATH="$libdir" "$py/venv/bin/python" "$here/python_check.py" \
		libtfy.so.1 "$base_url" "$key" "$count" || return 1
	# The real file by its full version, as meson.build names it.
	local full=$libdir/libtfy.so.$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$top/meson.build")
	TFY_LIBRARY="$full" LD_LIBRARY_PATH=/nonexistent "$py/venv/bin/python" \
		"$here/python_check.py" "$full" "$base_url" "$key" "$count" || return 1
	# Without either (and no libtfy known to ldconfig) the import fails.
	ldconfig -p 2>/dev/null | grep 'libtfy\.so\.1 ' >/dev/null && return 0
	if env -u TFY_LIBRARY -u LD_LIBRARY_PATH "$py/venv/bin/python" -c 'import tfy' 2>"$tmp/py.err"; then
		echo "the pip-installed package loaded a libtfy from nowhere"; return 1
	fi
	tail -n 1 "$tmp/py.err"
}

# A CMake project that finds the prefix with find_package(tfy 1.0 CONFIG) and
# links both tfy::tfy and tfy::tfy_static; the static one needs no libtfy.so.
cmake_consumer() {
	local libdir bld=$tmp/cmake-build
	libdir=$(dirname "$(dirname "$pc")")
	cmake -S "$here/cmake-consumer" -B "$bld" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
		-DCMAKE_C_COMPILER="$cc" >"$tmp/cmake-setup.log" 2>&1 || { cat "$tmp/cmake-setup.log"; return 1; }
	grep -- '-- tfy ' "$tmp/cmake-setup.log"
	cmake --build "$bld" >"$tmp/cmake-build.log" 2>&1 || { cat "$tmp/cmake-build.log"; return 1; }
	ldd "$bld/consumer-shared" | grep "libtfy.so.1 => $libdir/" >/dev/null || {
		echo "consumer-shared: libtfy.so.1 not resolved from $libdir:"; ldd "$bld/consumer-shared"; return 1; }
	if ldd "$bld/consumer-static" | grep libtfy; then
		echo "consumer-static still needs libtfy.so"; return 1
	fi
	"$bld/consumer-shared" "$base_url" "$key" "$count" &&
	"$bld/consumer-static" "$base_url" "$key" "$count"
}

# One example of docs/ffi.md (go, rust or node), built against the prefix.
ffi_example() {
	bash "$top/examples/ffi/run.sh" "$1" "$tmp/prefix" "$base_url" "$key" "$count"
}

# A check after the install, when its name matches TFY_PACKAGING_STEPS.
check() { # name, command...
	# shellcheck disable=SC2053  # a glob
	[[ $1 == ${TFY_PACKAGING_STEPS:-*} ]] || return 0
	step "$@"
}

echo "[==========] packaging checks (temporary prefix $tmp/prefix)"
step install_into_temporary_prefix install_prefix
step start_mock_gateway start_gateway
if [ ${#failed[@]} -eq 0 ]; then
	check pkg_config_shared_consumer shared_consumer
	check pkg_config_static_consumer static_consumer
	check installed_tfy_batches_starts installed_tool
	check pc_files_valid_and_minimal pc_files
	check readme_link_commands readme_commands
	check meson_subproject_consumer meson_consumer
	check cmake_consumer cmake_consumer
	check python_package python_package
	check ffi_go ffi_example go
	check ffi_rust ffi_example rust
	check ffi_node ffi_example node
fi
steps_summary
