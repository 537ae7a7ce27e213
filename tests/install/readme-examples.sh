#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# readme-examples.sh README PREFIX WORK: every ```c block of README is a complete program that
# compiles as written against the memdev installed in PREFIX (found with pkg-config, -Wall
# -Wextra -Werror) and runs with exit status 0.
# shellcheck source=tests/install/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $prog README PREFIX WORK"
readme=$1 prefix=$2 work=$3
[ -f "$readme" ] || die "no $readme"
need pkg-config pkgconf
pc=$(find "$prefix" -name memdev.pc 2>/dev/null | head -n 1)
[ -n "$pc" ] || die "no memdev.pc under $prefix (run the install.tree test first)"
export PKG_CONFIG_LIBDIR=${pc%/*}
unset PKG_CONFIG_PATH
pc_cflags_s=$(pkg-config --cflags memdev) ||
    { fail "pkg-config --cflags memdev failed"; finish; }
read -r -a pc_cflags <<<"$pc_cflags_s"
pc_libs_s=$(pkg-config --libs memdev) ||
    { fail "pkg-config --libs memdev failed"; finish; }
read -r -a pc_libs <<<"$pc_libs_s"
libdir=$(pkg-config --variable=libdir memdev)

rm -rf "$work"
mkdir -p "$work"
# example-N.c gets the Nth ```c block; its first line number goes into a #line directive.
awk -v dir="$work" '
    /^```c[[:space:]]*$/ { n++; f = sprintf("%s/example-%d.c", dir, n);
                            printf "#line %d \"README.md\"\n", NR + 1 > f; next }
    /^```/ && f { close(f); f = ""; next }
    f { print > f }' "$readme"
shopt -s nullglob
examples=("$work"/example-*.c)
[ ${#examples[@]} -gt 0 ] || fail "no \`\`\`c block in $readme"
for ex in "${examples[@]}"; do
    name=${ex##*/}
    echo "== $name (README.md line $(sed -n '1s/#line \([0-9]*\).*/\1/p' "$ex"))"
    if ! "$CC" -std=c11 -Wall -Wextra -Werror "${cflags[@]}" "${pc_cflags[@]}" "$ex" \
        -o "${ex%.c}" "${ldflags[@]}" "${pc_libs[@]}"; then
        fail "$name does not compile"
        continue
    fi
    LD_LIBRARY_PATH=$libdir "${ex%.c}" || fail "$name exited $?"
done
finish
