#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# subproject.sh SOURCE WORK: a VMM project that vendors the memdev tree SOURCE (subproject/),
# configured and built twice in WORK: with add_subdirectory (memdev defines only the static
# library, the program does not need libmemdev.so) and with FetchContent and
# BUILD_SHARED_LIBS=ON (only the shared library, the program needs it). Each time the program
# runs. The configure step itself fails when memdev defines any other target.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $prog SOURCE WORK"
source_dir=$(cd "$1" && pwd) || die "no directory $1"
work=$2
need cmake cmake
need readelf binutils
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"

variant() { # variant NAME EXPECT_TARGETS SHARED(0/1) CMAKE_ARGS...
    local name=$1 expect=$2 shared=$3 dir=$work/$1 got
    shift 3
    echo "== $name: $*"
    if ! CC=$CC cmake -S "$here/subproject" -B "$dir" -DMEMDEV_SOURCE_DIR="$source_dir" \
        -DEXPECT_TARGETS="$expect" "$@" >"$dir.log" 2>&1; then
        cat "$dir.log"
        fail "$name: configure failed"
        return
    fi
    grep 'subproject:' "$dir.log"
    cmake --build "$dir" -j 2 >>"$dir.log" 2>&1 || { cat "$dir.log"; fail "$name: build failed"; return; }
    got=$(needed_libmemdev "$dir/vmm")
    if [ "$shared" = 1 ]; then
        [ -n "$got" ] || fail "$name: vmm is not linked with the shared libmemdev"
    else
        [ -z "$got" ] || fail "$name: vmm needs $got, expected the static library"
    fi
    "$dir/vmm" || fail "$name: vmm exited $?"
}
variant add_subdirectory memdev 0
variant FetchContent-shared memdev_shared 1 -DVIA=FetchContent -DBUILD_SHARED_LIBS=ON
finish
