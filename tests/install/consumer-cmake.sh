#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# consumer-cmake.sh PREFIX VERSION SONAME WORK: builds consumer/ (find_package(memdev), see
# its CMakeLists.txt) against the memdev installed in PREFIX, in WORK, and runs both programs:
# consumer_shared must need SONAME and run from the prefix without LD_LIBRARY_PATH (CMake's
# build RPATH), consumer_static must not need libmemdev at all.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 4 ] || die "usage: $prog PREFIX VERSION SONAME WORK"
prefix=$1 version=$2 soname=$3 work=$4
[ -d "$prefix" ] || die "no prefix $prefix (run the install.tree test first)"
need cmake cmake
need readelf binutils
src=$(cd "$(dirname "$0")/consumer" && pwd)

rm -rf "$work"
# Only the prefix: no package registry, no other installation of memdev.
if ! CC=$CC cmake -S "$src" -B "$work" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
    -DEXPECT_VERSION="$version" >"$work.log" 2>&1; then
    cat "$work.log"
    fail "configuring the find_package consumer failed"
    finish
fi
grep -E '^consumer|memdev' "$work.log" || true
cmake --build "$work" -j 2 >>"$work.log" 2>&1 || { cat "$work.log"; fail "build failed"; finish; }

got=$(needed_libmemdev "$work/consumer_shared")
[ "$got" = "$soname" ] || fail "consumer_shared needs '$got', expected $soname"
got=$(needed_libmemdev "$work/consumer_static")
[ -z "$got" ] || fail "consumer_static needs $got: it should be linked statically"
for p in consumer_shared consumer_static; do
    echo "== $p"
    env -u LD_LIBRARY_PATH "$work/$p" || fail "$p exited $?"
done
finish
