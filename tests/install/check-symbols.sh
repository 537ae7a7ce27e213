#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-symbols.sh LIBRARY HEADER SONAME: the shared library's SONAME is SONAME, and the
# symbols it exports (nm -D --defined-only) are exactly the functions HEADER declares with
# MEMDEV_API: no internal symbol (space_find, wtree_insert, ...) leaks, none is missing.
# Also every function declaration of HEADER carries MEMDEV_API.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $prog LIBRARY HEADER SONAME"
lib=$1 header=$2 soname=$3
[ -f "$lib" ] || die "no library $lib"
[ -f "$header" ] || die "no header $header"
need nm binutils
need readelf binutils

got=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$got" = "$soname" ] || fail "SONAME of $lib is '$got', expected '$soname'"

# Declarations start at the left margin; comments and macros do not.
declared=$(grep -E '^MEMDEV_API ' "$header" | grep -oE '\bmemdev_[a-z0-9_]+\(' | tr -d '(' |
    LC_ALL=C sort -u)
bare=$(grep -E '^[a-z].*\bmemdev_[a-z0-9_]+\(' "$header" | grep -vE '^(MEMDEV_API|typedef) ')
[ -z "$bare" ] || fail "declared without MEMDEV_API: $bare"
[ -n "$declared" ] || die "no MEMDEV_API declaration found in $header"

# A coverage build (clang -fprofile-instr-generate) links LLVM's profile runtime into the
# library, with symbols of its own: those are not memdev's.
exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' |
    grep -vE '^(__llvm_profile_|__start___llvm_prf_|__stop___llvm_prf_|lprof)' | LC_ALL=C sort -u)
[ -n "$exported" ] || die "nm -D found no symbol in $lib"
extra=$(LC_ALL=C comm -13 <(echo "$declared") <(echo "$exported"))
missing=$(LC_ALL=C comm -23 <(echo "$declared") <(echo "$exported"))
[ -z "$extra" ] || fail "exported but not public API: $(echo "$extra" | tr '\n' ' ')"
[ -z "$missing" ] || fail "public API not exported: $(echo "$missing" | tr '\n' ' ')"
echo "$prog: $(wc -l <<<"$exported") exported symbols, SONAME $got"
finish
