# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/install/lib.sh - sourced by the install tests: their exit-code convention (0 ok,
# 1 a check failed, 2 usage or tool error with a one-line message) and the compiler they
# build consumers with. CC, CFLAGS and LDFLAGS come from the environment (CTest passes the
# build's compiler and its sanitizer flags, so an ASan library links into ASan consumers).
set -uo pipefail
prog=${0##*/}
failures=0
die() { echo "$prog: $*" >&2; exit 2; }
fail() { echo "$prog: FAIL: $*" >&2; failures=$((failures + 1)); }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found (Debian package $2)"; }
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$prog: $failures check(s) failed" >&2
        exit 1
    fi
    echo "$prog: ok"
    exit 0
}
CC=${CC:-cc}
# cflags and ldflags are for the scripts that source this file.
# shellcheck disable=SC2034
read -r -a cflags <<<"${CFLAGS:-}"
# shellcheck disable=SC2034
read -r -a ldflags <<<"${LDFLAGS:-}"
# needed_libmemdev BINARY: the libmemdev entry of its NEEDED list (empty when linked statically)
needed_libmemdev() {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(libmemdev[^]]*\)\].*/\1/p'
}
