#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# coverage.sh - fuzz/coverage replays the corpora it is given, and all of them by default, and
# its verdict follows --min-branches:
#   - one target (ops): only corpus/ops is replayed; the totals of core/src and core/, the
#     HTML report and the list of branches never taken are written;
#   - no target: every target of fuzz/targets.txt is replayed, one line each;
#   - --campaign: the inputs of a campaign's corpus and of an AFL++ queue are replayed too;
#   - --min-branches 100 (above what the corpus reaches): exit 1, saying so; 0: exit 0.
# (CI's fuzz smoke also runs `fuzz/coverage --min-branches 90` on the committed corpus.)
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1
. fuzz/lib.sh

fuzz/coverage --out "$T_WORK/one" ops >"$T_WORK/one.log" 2>&1
rc=$?
check "fuzz/coverage ops: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... replays corpus/ops" log_has "$T_WORK/one.log" '^coverage: replaying [1-9][0-9]* inputs of ops$'
check "... and no other corpus" bash -c "[ \$(grep -c '^coverage: replaying ' '$T_WORK/one.log') = 1 ]"
check "... prints the totals of core/src" \
  log_has "$T_WORK/one.log" '^core/src \(the library\): +lines [0-9.]+% \([0-9]+ of [0-9]+\) +branches [0-9.]+% '
check "... writes the HTML report and the branches never taken" \
  test -s "$T_WORK/one/html/index.html" -a -f "$T_WORK/one/uncovered-branches.txt"

fuzz/coverage --out "$T_WORK/all" >"$T_WORK/all.log" 2>&1
rc=$?
check "fuzz/coverage without a target: exit 0 (got $rc)" [ "$rc" = 0 ]
for t in $(fuzz_targets); do
  check "... replays corpus/$t" log_has "$T_WORK/all.log" "^coverage: replaying [1-9][0-9]* inputs of $t\$"
done

# --campaign: the campaigns' corpora and AFL++ queues under out/campaign too (a mutation
# sample dropped them and nothing noticed). One input is put in each of the two places a
# campaign leaves them, in directories of this test's own (a campaign of the user's may be
# there too: the count must grow by at least these two), and removed after.
own=covtest-$$
cdir="$T_TOP/out/campaign/$own/ops/corpus" qdir="$T_TOP/out/campaign/afl/ops/sync/$own/queue"
mkdir -p "$cdir" "$qdir"
first=$(find corpus/ops -type f | head -n 1)
cp "$first" "$cdir/input-a" && cp "$first" "$qdir/id:000000,orig:a"
fuzz/coverage --out "$T_WORK/camp" --campaign ops >"$T_WORK/camp.log" 2>&1
rc=$?
rm -rf "${T_TOP:?}/out/campaign/$own" "$T_TOP/out/campaign/afl/ops/sync/$own"
rmdir -p "$T_TOP/out/campaign/afl/ops/sync" 2>/dev/null || true
n_own=$(sed -n 's/^coverage: replaying \([0-9]*\) inputs of ops$/\1/p' "$T_WORK/one.log")
n_camp=$(sed -n 's/^coverage: replaying \([0-9]*\) inputs of ops$/\1/p' "$T_WORK/camp.log")
check "fuzz/coverage --campaign ops (exit $rc): a campaign's corpus and an AFL++ queue replayed too ($n_camp inputs, corpus/ops $n_own)" \
  bash -c "[ '$rc' = 0 ] && [ '${n_camp:-0}' -ge $(( ${n_own:-0} + 2 )) ]"

fuzz/coverage --out "$T_WORK/high" --min-branches 100 ops >"$T_WORK/high.log" 2>&1
rc=$?
check "--min-branches 100: exit 1, below it (got $rc)" [ "$rc" = 1 ]
check "... saying so" log_has "$T_WORK/high.log" '^coverage: core/src branch coverage [0-9.]+ % \([0-9]+ of [0-9]+\) is below --min-branches 100 %'
fuzz/coverage --out "$T_WORK/zero" --min-branches 0 ops >"$T_WORK/zero.log" 2>&1
rc=$?
check "--min-branches 0: exit 0 (got $rc)" [ "$rc" = 0 ]

t_finish
