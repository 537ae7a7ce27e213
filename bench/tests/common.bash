# SPDX-License-Identifier: MIT
# common.bash - sourced by the tests of bench/'s tools (bench/tests/*.sh, run by bench/smoke):
# bench (this bench/), root (its checkout), a temporary directory removed at exit, the
# pass/fail counts with ok, bad and expect, and scratch_clone.
set -uo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(git -C "$bench" rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { # expect DESCRIPTION CONDITION...
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# scratch_clone: a clone of this checkout in $tmp/repo, with this working tree's bench/ (the
# tools under test), entered; the test stops when it cannot make it.
scratch_clone() {
    git clone -q --no-hardlinks "$root" "$tmp/repo" || { echo "FAIL: git clone"; exit 1; }
    cd "$tmp/repo" || exit 1
    rm -rf bench && cp -r "$bench" bench && rm -rf bench/__pycache__ bench/tests/__pycache__
}
