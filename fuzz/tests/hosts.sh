#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hosts.sh - a campaign over several machines, played on this one as two "hosts" (two
# campaigns with separate work directories) that join through one shared directory
# (fuzz/campaign --join, the rsync exchange of AFL++'s utils/distributed_fuzzing):
#   - AFL++: each host runs its own main instance; each host's queue reaches the share, and
#     each main imports the other's inputs (queue entries named "sync:<other host>");
#   - the progress of AFL++ is live while it starts (calibration count, then executions);
#   - the budget is honoured, AFL++ stopped at its end and ending on its own; the AFL++
#     corpus is merged (afl-cmin) at the end;
#   - AFL++ finds no edge that varies between two runs of one input (stability 100 %);
#   - a second, short session of the same host reports its own executions, not the sum;
#   - libFuzzer: each host imports the other's corpus during the session, and once more
#     when its engine stops (before its merge), so hosts that start several seconds apart
#     still exchange; the exchanges keep within the budget (a sha1sum and a cp per input
#     made a 10-second session of host a fuzz 51 s while it imported host b's 1,662 inputs,
#     and b, stopped by then, imported nothing; batched, an exchange run in the watch loop
#     still made it 13 or 14 s on a loaded machine: the exchanges run in the background);
# (Ctrl-C during the exchanges and a share that cannot be reached or is lost: share.sh, which
# runs beside other steps. This test checks budgets: fuzz/smoke runs it alone.)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

S="$T_WORK/share"
stamp() { echo "[$(( $(date +%s) - t_start ))s] $*"; }
# -- AFL++, two hosts at once -------------------------------------------------------------
for h in a b; do
  merge=""; [ "$h" = b ] && merge=--no-merge   # one merge is enough to check (and quicker)
  fuzz/campaign --work "$T_WORK/$h" --engine afl --host "host$h" --jobs 1 --no-cmplog --time 38 \
    --join "$S" --sync-every 3 --progress 2 $merge ops >"$T_WORK/afl-$h.log" 2>&1 &
  eval "pid_$h=\$!"
done
# shellcheck disable=SC2154
wait "$pid_a"; rc_a=$?
# shellcheck disable=SC2154
wait "$pid_b"; rc_b=$?
check "AFL++ host a and host b end cleanly (exit $rc_a, $rc_b)" test "$rc_a" = 0 -a "$rc_b" = 0
for h in a b; do
  o=$([ "$h" = a ] && echo b || echo a)
  n_push=$(find "$S"/ops/host$h-*/queue -type f -name 'id:*' 2>/dev/null | wc -l)
  check "host $h's main queue is in the share ($n_push inputs)" [ "$n_push" -gt 0 ]
  # AFL++ imports what the campaign pulled into its sync directory before its dry run
  # (AFL_IMPORT_FIRST) and then every AFL_SYNC_TIME minutes (at least one): two hosts that
  # start together have nothing to import yet, so the imports are checked in a second
  # session of each (below), which starts with the other's queue in the share.
  fz=$(field "$T_WORK/afl-$h.log" ops 3); fz=${fz%s}
  check "host $h fuzzed for the budget of 38 s, within 3 s (${fz}s)" test "${fz:-99}" -le 41 -a "${fz:-0}" -ge 37
  # stopped by the campaign (its -V is the budget + 30 s) with TERM, AFL++ ends on its own and
  # writes its last statistics; killed at once, its log would end mid-run
  check "host $h's AFL++ was stopped at the budget and ended on its own (its log: aborted by user, done)" \
    bash -c "grep -q 'Testing aborted by user' '$T_WORK/$h/campaign/afl/ops/main-host$h.log' && grep -q \"We're done here\" '$T_WORK/$h/campaign/afl/ops/main-host$h.log'"
  [ "$h" = a ] && check "host $h merged its AFL++ corpus (afl-cmin)" log_has "$T_WORK/afl-$h.log" 'working corpus of ops merged: [0-9]+ -> [0-9]+'
  # every run of an input takes the same edges (fuzz/coverage-denylist.txt: the harness's and
  # the node pool's address-dependent branches made 15 edges vary, stability 99.5 %)
  st="$T_WORK/$h/campaign/afl/ops/sync/main-host$h/fuzzer_stats"
  var=$(sed -n 's/^var_byte_count *: *//p' "$st" 2>/dev/null)
  check "host $h: AFL++ found no edge that varies between runs of one input (variable edges: ${var:-none}; $(sed -n 's/^stability *: *//p' "$st" 2>/dev/null))" \
    [ "${var:-x}" = 0 ]
  # live progress: consecutive progress lines (every 2 s) change while AFL++ starts and fuzzes
  awk '/^campaign: ops +afl +[0-9]+s\/38s/ { sub(/.*\/38s +/, ""); print }' "$T_WORK/afl-$h.log" >"$T_WORK/progress-$h"
  same=$(awk 'NR > 1 && $0 == prev { n++ } { prev = $0 } END { print n + 0 }' "$T_WORK/progress-$h")
  lines=$(wc -l <"$T_WORK/progress-$h")
  check "host $h's progress is live: $lines lines, $same unchanged from the one before" \
    test "$lines" -ge 10 -a "$same" -le $((lines / 4))
done
no_leftovers "two AFL++ hosts"

stamp "AFL++ hosts done"
# -- a second session of host a: this session's executions only -----------------------------
# (AFL++ imports the other host's queue at the start of its first fuzzing cycle, after the dry
# run of its own corpus of about a thousand inputs: 3 s were not always enough on a loaded CI
# machine, and 10 s were not on one whose calibration ran at 660 us an execution (the dry run
# took 12 s); 20 s. A count that added the first session's would be above its 38 s of
# executions, so "fewer than those" tells the two apart)
e1=$(field "$T_WORK/afl-a.log" ops 5)
# both hosts at once, as in the first session (one after the other took 20 s more)
for h in b a; do
  fuzz/campaign --work "$T_WORK/$h" --engine afl --host "host$h" --jobs 1 --no-cmplog --time 20 \
    --join "$S" --sync-every 1 --progress 1 --no-merge ops >"$T_WORK/afl-${h}2.log" 2>&1 &
  eval "pid_$h=\$!"
done
wait "$pid_a"; rc_a=$?
wait "$pid_b"; rc_b=$?
check "second sessions: host a and host b end cleanly (exit $rc_a, $rc_b)" test "$rc_a" = 0 -a "$rc_b" = 0
for h in b a; do
  o=$([ "$h" = a ] && echo b || echo a)
  n2=$(find "$T_WORK/$h/campaign/afl/ops/sync/main-host$h/queue" -name "*sync:host$o-*" 2>/dev/null | wc -l)
  check "host $h's main imported inputs of host $o ($n2 queue entries named sync:host$o-...)" \
    test "$n2" -gt 0
done
e2=$(field "$T_WORK/afl-a2.log" ops 5); r2=$(field "$T_WORK/afl-a2.log" ops 6); t2=$(field "$T_WORK/afl-a2.log" ops 3)
check "a 20-second second session reports its own executions ($e2 after $e1 in 38 s)" \
  test "${e2:-0}" -gt 0 -a "${e2:-0}" -lt "${e1:-0}"
check "... and its exec/s is its executions over its time ($e2 / $t2 = $r2)" \
  awk -v e="$e2" -v t="${t2%s}" -v r="$r2" 'BEGIN { exit !(t > 0 && (r - e / t) ^ 2 <= 1) }'
no_leftovers "second session"

stamp "second session done"
# -- libFuzzer, two hosts at once (a share of their own: only libFuzzer corpora) -----------
# Host b starts first and host a once b's corpus is in the share, so each has something to
# import whatever the machine's load: a from its first exchange on, b (which runs longer) at
# the latest when its engine stops. (Started together for 10 s each, a host whose start was
# slow under load could end before the other had pushed anything. With b at 20 s, on a loaded
# CI machine a's first push once came after b's engine had stopped, and b imported nothing:
# b runs 30 s.)
S="$T_WORK/share-libfuzzer"
declare -A secs=([a]=10 [b]=30)
for h in b a; do
  [ "$h" = a ] && t_until 60 has_files "$S/ops/libfuzzer-hostb"
  fuzz/campaign --work "$T_WORK/$h" --host "host$h" --jobs 1 --time "${secs[$h]}" --join "$S" \
    --sync-every 2 ops >"$T_WORK/lf-$h.log" 2>&1 &
  eval "pid_$h=\$!"
done
wait "$pid_a"; rc_a=$?
wait "$pid_b"; rc_b=$?
check "libFuzzer host a and host b end cleanly (exit $rc_a, $rc_b)" test "$rc_a" = 0 -a "$rc_b" = 0
for h in a b; do
  o=$([ "$h" = a ] && echo b || echo a)
  n=$(sed -n 's/.*imported \([0-9]*\) inputs from the other machines.*/\1/p' "$T_WORK/lf-$h.log")
  from=$(awk -v o="libfuzzer-host$o" '$2 == o' "$T_WORK/$h/campaign/libfuzzer/ops/imported" 2>/dev/null | wc -l)
  check "libFuzzer host $h imported $n inputs, $from of them from host $o's corpus" test "${n:-0}" -gt 0 -a "$from" -gt 0
  want=${secs[$h]}
  fz=$(field "$T_WORK/lf-$h.log" ops 3); fz=${fz%s}
  check "... and fuzzed for its budget of $want s, within 3 s, exchanges included (${fz}s)" \
    test "${fz:-99}" -le $((want + 3)) -a "${fz:-0}" -ge "$want"
  first=$(awk -v o="libfuzzer-host$o" '$2 == o { print $1; exit }' "$T_WORK/$h/campaign/libfuzzer/ops/imported" 2>/dev/null)
  check "... an imported input is byte for byte one of host $o's" \
    bash -c "[ -n '$first' ] || exit 1; for f in '$S'/ops/libfuzzer-host$o/*; do [ \"\$(sha1sum <\"\$f\" | cut -c1-40)\" = '$first' ] && exit 0; done; exit 1"
done
no_leftovers "two libFuzzer hosts"

stamp "libFuzzer hosts done"
t_finish
