#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-tree.sh BUILD PREFIX MANIFEST RUNTIME_MANIFEST VERSION: `cmake --install BUILD
# --prefix PREFIX` from scratch must install exactly the files of MANIFEST (paths relative to
# the prefix, symlinks included), memdev.pc must be valid and give VERSION, and installing
# only the memdev_runtime component must give exactly RUNTIME_MANIFEST (the shared library,
# what a distribution's runtime package holds).
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 5 ] || die "usage: $prog BUILD PREFIX MANIFEST RUNTIME_MANIFEST VERSION"
build=$1 prefix=$2 manifest=$3 runtime_manifest=$4 version=$5
for m in "$manifest" "$runtime_manifest"; do
    [ -f "$m" ] || die "no manifest $m"
done
need cmake cmake
need pkg-config pkgconf

listing() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort); }

rm -rf "$prefix" "$prefix-runtime"
cmake --install "$build" --prefix "$prefix" >/dev/null || die "cmake --install failed"
if ! diff -u <(LC_ALL=C sort "$manifest") <(listing "$prefix"); then
    fail "the installed files differ from $manifest (- expected, + installed)"
fi

pc=$(find "$prefix" -name memdev.pc | head -n 1)
if [ -z "$pc" ]; then
    fail "no memdev.pc installed"
else
    export PKG_CONFIG_LIBDIR=${pc%/*}
    pkg-config --validate memdev || fail "pkg-config --validate memdev"
    got=$(pkg-config --modversion memdev)
    [ "$got" = "$version" ] || fail "pkg-config --modversion memdev is '$got', not $version"
fi

cmake --install "$build" --prefix "$prefix-runtime" --component memdev_runtime >/dev/null ||
    die "cmake --install --component memdev_runtime failed"
if ! diff -u <(LC_ALL=C sort "$runtime_manifest") <(listing "$prefix-runtime"); then
    fail "the memdev_runtime component differs from $runtime_manifest"
fi
rm -rf "$prefix-runtime"
finish
