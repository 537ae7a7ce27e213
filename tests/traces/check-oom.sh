#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-oom.sh - the `memdev` command when the C library's allocator fails: `memdev run
# --check FILE` and `memdev info FILE` run again and again with allocation k of the process
# failing (failalloc.c, preloaded), k = 1, 2, ... until a run meets no failure. TRACE's
# expect lines are dropped first (a no-memory answer would rightly fail them). Every run
# must exit 0 with nothing on stderr and a result line for every operation (the library
# answered `no-memory` for its own allocation, or the failure hit nothing that matters), or
# exit 2 saying "out of memory" or "Cannot
# allocate memory" on stderr; never 1 (a finding: the library did nothing wrong) and never a
# signal. The run that meets no failure must print what a run without the preload prints.
# A third sweep runs `memdev run` with an allocator that leaves errno alone (some replacement
# allocators do): a failed fopen then still says "cannot read", never that the trace is empty.
# Exit: 0 all checks pass, 1 a check failed, 2 usage or setup error.
set -uo pipefail

usage() {
    echo "usage: check-oom.sh MEMDEV_BINARY FAILALLOC_LIBRARY TRACE"
    echo "Runs 'memdev run --check TRACE' and 'memdev info TRACE' with each allocation failing."
}
if [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]]; then
    usage
    exit 0
fi
if [[ $# -ne 3 ]]; then
    echo "check-oom.sh: usage: check-oom.sh MEMDEV_BINARY FAILALLOC_LIBRARY TRACE (see --help)" >&2
    exit 2
fi
memdev=$1 lib=$2 trace=$3
for f in "$memdev" "$lib" "$trace"; do
    [[ -f $f ]] || { echo "check-oom.sh: no such file: $f" >&2; exit 2; }
done
work=$(mktemp -d) || { echo "check-oom.sh: cannot make a work directory" >&2; exit 2; }
trap 'rm -rf "$work"' EXIT
grep -v '^[[:space:]]*expect' "$trace" >"$work/trace" ||
    { echo "check-oom.sh: cannot copy $trace" >&2; exit 2; }
trace=$work/trace
passed=0 failed=0

# sweep NAME REASON_ERE ARGS...: the sweep over allocations for one command line; a run that
# exits 2 must say REASON_ERE on stderr
sweep() {
    local name=$1 reason=$2
    shift 2
    "$memdev" "$@" >"$work/ref.out" 2>"$work/ref.err"
    local ref=$?
    if [[ $ref -ne 0 || -s $work/ref.err ]]; then
        echo "FAIL: $name: the run without failures exits $ref: $(head -c 300 "$work/ref.err")"
        failed=$((failed + 1))
        return
    fi
    local k=1 rc bad=0 ok0=0 ok2=0 lines
    lines=$(grep -c '^[0-9][0-9]*: ' "$work/ref.out")
    while :; do
        rm -f "$work/met"
        MEMDEV_FAIL_AT=$k MEMDEV_FAIL_REPORT=$work/met LD_PRELOAD=$lib \
            "$memdev" "$@" >"$work/out" 2>"$work/err"
        rc=$?
        if [[ ! -e $work/met ]]; then
            if [[ $rc -ne 0 ]] || ! cmp -s "$work/out" "$work/ref.out" || [[ -s $work/err ]]; then
                echo "FAIL: $name: allocation $k is past the last, yet the run differs (exit $rc)"
                bad=$((bad + 1))
            fi
            break
        fi
        if [[ $rc -eq 0 && ! -s $work/err ]] &&
            [[ $(grep -c '^[0-9][0-9]*: ' "$work/out") -eq $lines ]]; then
            ok0=$((ok0 + 1))
        elif [[ $rc -eq 2 ]] && grep -qE "$reason" "$work/err"; then
            ok2=$((ok2 + 1))
        else
            echo "FAIL: $name: allocation $k failing: exit $rc, stderr: $(head -c 300 "$work/err")"
            bad=$((bad + 1))
        fi
        k=$((k + 1))
        if [[ $k -gt 20000 ]]; then
            echo "FAIL: $name: still meeting allocations at 20,000"
            bad=$((bad + 1))
            break
        fi
    done
    # the sweep reached both kinds of answer (the library's and the command's), or it proved
    # nothing
    if [[ $bad -eq 0 && $ok0 -gt 0 && $ok2 -gt 0 ]]; then
        echo "ok   $name: $((k - 1)) allocations: exit 0 $ok0, exit 2 with the reason $ok2"
        passed=$((passed + 1))
    else
        [[ $bad -ne 0 ]] ||
            echo "FAIL: $name: $ok0 runs exited 0 and $ok2 exited 2 ($((k - 1)) allocations)"
        failed=$((failed + 1))
    fi
}

oom='out of memory|Cannot allocate memory'
sweep "run --check" "$oom" run --check "$trace"
sweep "info" "$oom" info "$trace"
MEMDEV_FAIL_ERRNO=0 sweep "run, errno left alone" "$oom|cannot read" run "$trace"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
