#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mutants.sh - fuzz/mutants tells the truth about planted bugs (--seeds-only, as CI runs it,
# on a directory of patches made here with --patches):
#   - a real planted bug (fuzz/mutants.d's first) is detected, by the target and check its
#     record says: exit 0, "1 of 1"; by another check than recorded it is "moved": exit 1;
#     the recorded target's seeds run first (a bug recorded for oom is found there, ops's
#     seeds, which find it too, never run);
#     --record writes the record the next run matches; a record kept per kernel tier
#     (NAME@TIER) is read for this CPU's tier before the plain NAME line, and --record
#     rewrites only that tier's line, keeping the plain line first and the tiers in name order;
#   - a patch that changes only a comment is a bug nobody can find: NO, exit 1;
#   - a patch that no longer applies is NO with its reason, never skipped: exit 1;
#   - an empty patch directory and --seeds-only with --from-scratch are usage errors (exit 2);
#   - --jobs 2 stopped by TERM half-way exits 130, and no process is left behind.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

mk_dirs() { # the patch directories: good/ (one real bug), mixed/ (real, comment-only, stale)
  local real f=core/src/space.c
  real=$(ls "$T_TOP"/fuzz/mutants.d/*.patch | head -n 1)
  mkdir -p "$T_WORK/good" "$T_WORK/mixed" "$T_WORK/empty" "$T_WORK/c/a/core/src" \
    "$T_WORK/c/b/core/src" || return 1
  cp "$real" "$T_WORK/good/" && cp "$real" "$T_WORK/mixed/" || return 1
  # the record of how the seeds find it: as committed (good, mixed), and a wrong one (moved)
  grep -E '^window-end-tail-gap ' "$T_TOP/fuzz/mutants.d/seeds-found.txt" >"$T_WORK/good/seeds-found.txt" &&
    cp "$T_WORK/good/seeds-found.txt" "$T_WORK/mixed/" || return 1
  mkdir -p "$T_WORK/moved" && cp "$real" "$T_WORK/moved/" &&
    echo "window-end-tail-gap ops validate unplug" >"$T_WORK/moved/seeds-found.txt" || return 1
  # recorded for oom, the second target, whose seeds find it too (ops's find it first)
  mkdir -p "$T_WORK/second" && cp "$real" "$T_WORK/second/" &&
    echo "window-end-tail-gap oom result plug" >"$T_WORK/second/seeds-found.txt" || return 1
  mkdir -p "$T_WORK/record" && cp "$real" "$T_WORK/record/" || return 1
  # per tier: this CPU's tier's line (wrong) wins over a plain line (right)
  mkdir -p "$T_WORK/tiered" && cp "$real" "$T_WORK/tiered/" &&
    printf 'window-end-tail-gap@%s ops validate unplug\nwindow-end-tail-gap@%s ops validate unplug\n%s\n' \
      "$tier" "$other" "$(cat "$T_WORK/good/seeds-found.txt")" >"$T_WORK/tiered/seeds-found.txt" || return 1
  cp "$f" "$T_WORK/c/a/$f" && cp "$f" "$T_WORK/c/b/$f" || return 1
  # the file's first comment line, reworded: the library is unchanged
  sed -i '0,/^ \* /s/^ \* / * (reworded) /' "$T_WORK/c/b/$f" || return 1
  (cd "$T_WORK/c" && diff -u "a/$f" "b/$f") >"$T_WORK/mixed/98-comment-only.patch"
  [ $? = 1 ] || return 1
  # --record of one bug keeps the line of a bug it did not run
  cp "$T_WORK/mixed/98-comment-only.patch" "$T_WORK/record/" &&
    printf 'comment-only ops result plug\ncomment-only@%s ops validate plug\n' "$other" \
      >"$T_WORK/record/seeds-found.txt"
  { echo "Bug: a patch whose context is gone"; echo
    printf -- '--- a/%s\n+++ b/%s\n@@ -1,2 +1,2 @@\n-no such line in %s\n+nor this one\n' "$f" "$f" "$f"
    echo " nor the context"; } >"$T_WORK/mixed/99-stale.patch"
}
. fuzz/lib.sh
tier=$(fuzz_cpu_tier)
other=$([ "$tier" = avx512 ] && echo avx2 || echo avx512)
check "patch directories made" mk_dirs

"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/good" >"$T_WORK/good.log" 2>&1
rc=$?
check "one real planted bug, seeds only: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... detected, and counted: 1 of 1" log_has "$T_WORK/good.log" '^1 of 1 detected by the committed seeds alone, each by its recorded target and check$'

# the shared objects outlive every run (out/mutants/base): one older than its source is
# compiled again (made old here, so the checkout is not touched)
o="$T_TOP/out/mutants/base/fuzz_harness.o"
touch -d 2000-01-01 "$o"
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/good" >"$T_WORK/rebuilt.log" 2>&1
rc=$?
check "a shared object older than its source is compiled again (exit $rc, still 1 of 1)" \
  bash -c "[ $rc = 0 ] && [ '$o' -nt '$T_TOP/fuzz/harness.c' ] && grep -q '^1 of 1 detected' '$T_WORK/rebuilt.log'"

"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/mixed" >"$T_WORK/mixed.log" 2>&1
rc=$?
check "a bug the seeds miss and a stale patch: exit 1 (got $rc)" [ "$rc" = 1 ]
check "... the real bug is still detected" log_has "$T_WORK/mixed.log" '^window-end-tail-gap +yes '
check "... the comment-only patch is NO, not found by the seeds" \
  log_has "$T_WORK/mixed.log" '^comment-only +NO .*not found by the seeds'
check "... the stale patch is NO: it does not apply" \
  log_has "$T_WORK/mixed.log" '^stale +NO .*patch does not apply'
check "... 1 of 3 detected" log_has "$T_WORK/mixed.log" '^1 of 3 detected by the committed seeds alone, each by its recorded target and check$'

"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/moved" >"$T_WORK/moved.log" 2>&1
rc=$?
check "a bug found by another check than recorded: exit 1 (got $rc)" [ "$rc" = 1 ]
check "... reported as moved, with both" \
  log_has "$T_WORK/moved.log" "^window-end-tail-gap +moved +ops .*by ops 'result plug', recorded: ops validate unplug"
"$T_TOP/fuzz/mutants" --work "$T_WORK/second" --seeds-only --patches "$T_WORK/second" >"$T_WORK/second.log" 2>&1
rc=$?
check "a bug recorded for a later target whose seeds still find it: its seeds run first, found as recorded (exit $rc)" \
  bash -c "[ '$rc' = 0 ] && grep -qE '^window-end-tail-gap +yes +oom ' '$T_WORK/second.log'"
check "... and the targets before it in the list are never run" \
  bash -c "[ -f '$T_WORK/second/window-end-tail-gap/fuzz-oom.log' ] && [ ! -e '$T_WORK/second/window-end-tail-gap/fuzz-ops.log' ]"
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --record --patches "$T_WORK/record" window-end-tail-gap \
  >"$T_WORK/record.log" 2>&1
rc=$?
check "--record of a bug without a record: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... writes its line, as committed" \
  grep -qxF "$(cat "$T_WORK/good/seeds-found.txt")" "$T_WORK/record/seeds-found.txt"
check "... and keeps the lines of the bug it did not run (plain and per tier)" bash -c \
  "grep -qx 'comment-only ops result plug' '$T_WORK/record/seeds-found.txt' && grep -qx 'comment-only@$other ops validate plug' '$T_WORK/record/seeds-found.txt'"
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/record" window-end-tail-gap \
  >"$T_WORK/record2.log" 2>&1
rc=$?
check "... which the next run matches: exit 0 (got $rc)" [ "$rc" = 0 ]

"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/tiered" >"$T_WORK/tiered.log" 2>&1
rc=$?
check "a record per tier: this CPU's ($tier) line is the one read, before the plain line: moved, exit 1 (got $rc)" \
  bash -c "[ '$rc' = 1 ] && grep -qE '^window-end-tail-gap +moved +ops .*recorded: ops validate unplug' '$T_WORK/tiered.log'"
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --record --patches "$T_WORK/tiered" >"$T_WORK/tiered-record.log" 2>&1
rc=$?
check "... --record rewrites that tier's line (exit $rc)" \
  test "$rc" = 0 -a -n "$(grep -x "window-end-tail-gap@$tier ops result plug" "$T_WORK/tiered/seeds-found.txt")"
check "... and keeps the other tier's line and the plain one" bash -c "grep -qx 'window-end-tail-gap@$other ops validate unplug' '$T_WORK/tiered/seeds-found.txt' &&
  grep -qxF '$(cat "$T_WORK/good/seeds-found.txt")' '$T_WORK/tiered/seeds-found.txt' && [ \$(grep -c . '$T_WORK/tiered/seeds-found.txt') = 5 ]"
check "... in one order whatever the CPU: the plain line, then the tiers by name" \
  bash -c "grep -E '^window-end-tail-gap[@ ]' '$T_WORK/tiered/seeds-found.txt' | LC_ALL=C sort -c -t ' ' -k1,1"
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/tiered" >"$T_WORK/tiered2.log" 2>&1
rc=$?
check "... which the next run matches: exit 0 (got $rc)" [ "$rc" = 0 ]

"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --patches "$T_WORK/empty" >"$T_WORK/empty.log" 2>&1
rc=$?
check "an empty patch directory: exit 2 (got $rc) with one line" [ "$rc" = 2 ]
check "... naming what was wrong" log_has "$T_WORK/empty.log" "no planted bug \(\*\.patch\) in"
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --from-scratch >"$T_WORK/both.log" 2>&1
rc=$?
check "--seeds-only with --from-scratch: exit 2 (got $rc)" [ "$rc" = 2 ]

# two bugs at a time, stopped half-way by TERM: exit 130, and nothing keeps running
"$T_TOP/fuzz/mutants" --work "$T_WORK/out" --seeds-only --jobs 2 >"$T_WORK/term.log" 2>&1 &
pid=$!
t_until 60 log_has "$T_WORK/term.log" '^mutants: [a-z0-9-]+: detected='
kill -TERM "$pid"
wait "$pid"
rc=$?
check "--jobs 2 stopped by TERM half-way: exit 130 (got $rc)" [ "$rc" = 130 ]
check "... says it was interrupted" log_has "$T_WORK/term.log" '^mutants: interrupted$'
left=$(t_leftovers)
check "no process left behind${left:+: $left}" [ -z "$left" ]
t_finish
