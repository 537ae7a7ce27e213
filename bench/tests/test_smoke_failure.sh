#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_smoke_failure.sh - bench/smoke's own unhappy path: a check that fails still leaves the
# checks after it and the summary line. In a scratch clone of this checkout (with this working
# tree's bench/), two of bench/smoke's checks are made to fail without a FAIL or ERROR line,
# the way a test that dies early fails:
#   - bench/tests/test_verdict.py (a check run in line: `check`)
#   - bench/tests/test_history_bisect.sh (run beside the others, joined later: `history_join`)
# and this test itself is made to pass there (bench/smoke runs it: no recursion). Then
# `bench/smoke --no-compare` in the clone must exit 1, name both failures, run the checks that
# come after them (bench/hyperfine's), and end with 'N passed, 2 failed'.
# Both once stopped bench/smoke at once under `set -e` and `pipefail` (`grep | head` finding
# no FAIL line): exit 1, but no summary and none of the later checks.
# About a minute on 2 cores (a Release build of the clone; ccache makes it quicker).
# Prints "N passed, N failed"; exit 1 on any failure.
. "$(dirname "$0")/common.bash"

scratch_clone
printf '%s\n' 'import sys' 'print("scratch: test_verdict.py dies early")' 'sys.exit(1)' \
    >bench/tests/test_verdict.py
printf '%s\n' '#!/usr/bin/env bash' 'echo "scratch: the history test dies early"' 'exit 3' \
    >bench/tests/test_history_bisect.sh
printf '%s\n' '#!/usr/bin/env bash' 'echo "0 passed, 0 failed"' >bench/tests/test_smoke_failure.sh
chmod +x bench/tests/*.sh

echo "== bench/smoke --no-compare, with two checks failing without a FAIL line"
BENCH_REV_CACHE=$tmp/cache bench/smoke --no-compare --build-dir "$tmp/build" >"$tmp/smoke.log" 2>&1
rc=$?
tail -8 "$tmp/smoke.log"
expect "bench/smoke exits 1 (got $rc)" [ $rc -eq 1 ]
expect "its last line is the summary, with the two failures" \
    grep -qE '^[0-9]+ passed, 2 failed$' <(tail -n 1 "$tmp/smoke.log")
expect "it names the failed check run in line" \
    grep -qxF 'FAIL: bench/tests/test_verdict.py (exit 1)' "$tmp/smoke.log"
expect "it names the failed history test, joined later" \
    grep -qxF 'FAIL: bench/tests/test_history_bisect.sh (exit 3)' "$tmp/smoke.log"
expect "... each with the last lines of its log" bash -c \
    "grep -qx 'scratch: test_verdict.py dies early' '$tmp/smoke.log' &&
     grep -qx 'scratch: the history test dies early' '$tmp/smoke.log'"
# the checks after the in-line failure ran, and passed: hyperfine's come after it
n_pass=$(sed -nE 's/^([0-9]+) passed, 2 failed$/\1/p' "$tmp/smoke.log")
expect "the checks after the failure ran (hyperfine's progress line after the FAIL line)" \
    awk '/^FAIL: bench\/tests\/test_verdict.py/ { f = NR } /^bench\/hyperfine \(tiny\) \.\.\.$/ && f { h = 1 }
        END { exit !h }' "$tmp/smoke.log"
expect "... and counted (${n_pass:-?} passed: more than 100)" [ "${n_pass:-0}" -gt 100 ]
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
