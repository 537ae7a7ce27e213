#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# budget.sh - fuzz/campaign keeps its time (the checks of time of engines.sh, run alone by
# fuzz/smoke, not beside other steps):
#   - libFuzzer that dies at start (the crash of `-seed=abc`) fails the campaign, exit 2,
#     without waiting for the budget;
#   - --time 8 on libFuzzer's fork mode (--progress 2: a line at 2, 4 and 6 s) ends the
#     fuzzing within 3 s of it, and the whole target (replays, merge) within 25 s; the
#     corpus is merged at the end; a flaky finding of an earlier session is listed as
#     flaky, left as it was and fails nothing (exit 0).
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

W="$T_WORK/w"
# the libFuzzer build first, untimed: the times checked below are the campaign's, not a first
# build's (in a fresh checkout, as tests/mutate's worktree, the first campaign built the
# targets and took 15.3 s to fail on an engine that died at start)
. fuzz/lib.sh
fuzz_build libfuzzer >/dev/null || t_abort "the libFuzzer build"

# -- an engine that dies at start ---------------------------------------------------------
t_campaign "$T_WORK/died.log" --time 20 --jobs 1 --engine-arg -seed=abc ops
check "libFuzzer dying at start (-seed=abc) fails the campaign with exit 2 (got $rc)" [ "$rc" = 2 ]
check "... saying which engine died and why" log_has "$T_WORK/died.log" \
  'libFuzzer for ops died after [0-9]+s \(exit [0-9]+\): terminate called after throwing an instance of .std::invalid_argument.$'
check "... with the last lines of its log, under their heading" \
  bash -c "grep -A1 '^          last lines of .*/fuzz\.log:\$' '$T_WORK/died.log' | grep -q '^            [^ ]'"
check "... without waiting for the budget (${secs}s)" awk -v s="$secs" 'BEGIN { exit !(s < 15) }'
no_leftovers "libFuzzer died"
# ... and without --jobs: the default is every core (the README's main job gives none)
t_campaign "$T_WORK/died-default.log" --time 20 --engine-arg -seed=abc ops
check "without --jobs: one worker a core ($(nproc)), the same exit 2 (got $rc)" \
  bash -c "[ $rc = 2 ] && grep -q 'for 20s on $(nproc) worker(s)' '$T_WORK/died-default.log'"

# -- the budget ---------------------------------------------------------------------------
# with a flaky finding filed by an earlier session (an input that failed in the engine and
# ran cleanly on replay): it is listed as flaky, never re-checked, and fails nothing
sig="crash (did not reproduce on replay)"
key=$(fuzz_finding_key ops "$sig")
fl="$W/findings/ops-$key"
seed=$(find corpus/ops -type f | sort | head -n 1)
[ "$(fuzz_finding_add "$W/findings" ops flaky "$sig" "$seed" "$seed" 0000000000 libfuzzer)" = new ] ||
  bad "a flaky finding planted"
status_before=$(cat "$fl/status" 2>/dev/null)
# (a variable of the caller's environment named like the campaign's summary rows must not
# add a row: the table shows this session's targets only)
summary="ghost row" t_campaign "$T_WORK/budget.log" --time 8 --jobs 2 --progress 2 ops
fz=$(field "$T_WORK/budget.log" ops 3); fz=${fz%s}
tot=$(field "$T_WORK/budget.log" ops 4); tot=${tot%s}
check "--time 8 (libFuzzer fork mode) ends with exit 0 (got $rc)" [ "$rc" = 0 ]
check "... its summary table holds this session's target only (no row from the environment)" \
  bash -c "! grep -q 'ghost row' '$T_WORK/budget.log' && grep -qE '^ops +libfuzzer ' '$T_WORK/budget.log'"
check "... fuzzes for at most 8+3 s (${fz}s)" [ "${fz:-99}" -le 11 ]
# --progress 2: a line every 2 s of the 8 (at 2, 4 and 6 s; one every 3 s would give two)
n_prog=$(grep -cE '^campaign: ops +libfuzzer +[0-9]+s/8s ' "$T_WORK/budget.log")
check "... with a progress line every 2 s ($n_prog lines, 3 expected)" [ "$n_prog" -ge 3 ]
check "... the whole target, replays and merge included, within 25 s (${tot}s; campaign ${secs}s with the build check)" [ "${tot:-99}" -le 25 ]
# the campaign stops the engine itself (TERM: fork mode looks at the clock only between its
# jobs) and lets it end: killed at once, it would leave no final statistics. Fork mode may
# also reach -max_total_time between two jobs just before the TERM: it then ends with "INFO:
# exiting: 0" and prints no statistics (only an interrupted run does), also a clean end
check "... libFuzzer stopped at the budget ended on its own (its log: interrupted, then its final statistics; or its own end at the budget)" \
  bash -c "{ grep -q 'libFuzzer: run interrupted; exiting' '$W/campaign/libfuzzer/ops/fuzz.log' && grep -q '^stat::number_of_executed_units' '$W/campaign/libfuzzer/ops/fuzz.log'; } || grep -q '^INFO: exiting: 0 ' '$W/campaign/libfuzzer/ops/fuzz.log'"
check "... merges the working corpus at the end" log_has "$T_WORK/budget.log" 'working corpus of ops merged: [0-9]+ -> [0-9]+ inputs'
n_after=$(sed -n 's/.*merged: [0-9]* -> \([0-9]*\) inputs.*/\1/p' "$T_WORK/budget.log")
check "... and the corpus directory holds the merged inputs ($n_after)" [ "$(find "$W/campaign/libfuzzer/ops/corpus" -type f | wc -l)" = "${n_after:-x}" ]
check "... lists the earlier flaky finding as flaky" log_has "$T_WORK/budget.log" "^ops-$key +flaky .* flaky +crash \\(did not reproduce"
check "... and leaves it as it was (not re-checked)" test -n "$status_before" -a "$(cat "$fl/status")" = "$status_before"
no_leftovers "budget"

t_finish
