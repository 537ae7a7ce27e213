#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# consumer-pkgconfig.sh PREFIX VERSION SONAME WORK: builds consumer/main.c the pkg-config way
# against the memdev installed in PREFIX (memdev.pc from PREFIX only), shared
# (`cc main.c $(pkg-config --cflags --libs memdev)`, must need SONAME and runs with
# LD_LIBRARY_PATH) and static (`-Wl,-Bstatic $(pkg-config --libs --static memdev)`, must not
# need libmemdev), and runs both. Also: memdev.h compiles as C++.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || die "usage: $prog PREFIX VERSION SONAME WORK"
prefix=$1 version=$2 soname=$3 work=$4
need pkg-config pkgconf
need readelf binutils
src=$(cd "$(dirname "$0")/consumer" && pwd)
pc=$(find "$prefix" -name memdev.pc 2>/dev/null | head -n 1)
[ -n "$pc" ] || die "no memdev.pc under $prefix (run the install.tree test first)"
export PKG_CONFIG_LIBDIR=${pc%/*}
unset PKG_CONFIG_PATH

rm -rf "$work"
mkdir -p "$work"
pc_cflags_s=$(pkg-config --cflags memdev) ||
    { fail "pkg-config --cflags memdev failed"; finish; }
read -r -a pc_cflags <<<"$pc_cflags_s"
pc_libs_s=$(pkg-config --libs memdev) ||
    { fail "pkg-config --libs memdev failed"; finish; }
read -r -a pc_libs <<<"$pc_libs_s"
pc_static_s=$(pkg-config --libs --static memdev) ||
    { fail "pkg-config --libs --static memdev failed"; finish; }
read -r -a pc_static <<<"$pc_static_s"
libdir=$(pkg-config --variable=libdir memdev)
echo "pkg-config: --cflags ${pc_cflags[*]} --libs ${pc_libs[*]} --static ${pc_static[*]}"

common=(-std=c99 -Wall -Wextra -Wpedantic -Werror "-DEXPECT_VERSION=\"$version\"")
if "$CC" "${common[@]}" "${cflags[@]}" "${pc_cflags[@]}" "$src/main.c" -o "$work/shared" \
    "${ldflags[@]}" "${pc_libs[@]}"; then
    got=$(needed_libmemdev "$work/shared")
    [ "$got" = "$soname" ] || fail "the shared consumer needs '$got', expected $soname"
    echo "== shared"
    LD_LIBRARY_PATH=$libdir "$work/shared" || fail "the shared consumer exited $?"
else
    fail "compiling the shared consumer failed"
fi
if "$CC" "${common[@]}" "${cflags[@]}" "${pc_cflags[@]}" "$src/main.c" -o "$work/static" \
    "${ldflags[@]}" -Wl,-Bstatic "${pc_static[@]}" -Wl,-Bdynamic; then
    got=$(needed_libmemdev "$work/static")
    [ -z "$got" ] || fail "the static consumer needs $got"
    echo "== static"
    env -u LD_LIBRARY_PATH "$work/static" || fail "the static consumer exited $?"
else
    fail "compiling the static consumer failed"
fi
cxx=${CXX:-c++}
if command -v "$cxx" >/dev/null 2>&1; then
    echo '#include <memdev.h>' | "$cxx" -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror \
        -fsyntax-only "${pc_cflags[@]}" - || fail "memdev.h does not compile as C++"
fi
finish
