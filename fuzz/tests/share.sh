#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# share.sh - a campaign joined to other machines (fuzz/campaign --join) through a shared
# directory that is busy, unreachable or lost:
#   - Ctrl-C while the exchanges run ends the campaign (exit 130) with nothing left running;
#   - a share that cannot be reached stops the campaign before it fuzzes (exit 2), and a
#     share lost during the campaign is told once, counted, and ends it with exit 2.
# (The exchanges between two hosts, and their budgets: hosts.sh.)
# smoke: parallel (no check of time but "does not wait for its budget": fuzz/smoke runs it
# beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

# A share as another machine leaves it after a session: 2,500 distinct libFuzzer inputs (a
# 2-byte count, then up to 62 random bytes) named by their SHA-1, as libFuzzer names its corpus
S="$T_WORK/share"
python3 -c 'import hashlib, os, random, sys
d = sys.argv[1]
os.makedirs(d)
rng = random.Random(1)
for i in range(2500):
    b = i.to_bytes(2, "little") + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 62)))
    open(os.path.join(d, hashlib.sha1(b).hexdigest()), "wb").write(b)' "$S/ops/libfuzzer-hostb"
check "the other machine's share holds 2,500 inputs" \
  test "$(find "$S/ops/libfuzzer-hostb" -type f | wc -l)" = 2500
# -- Ctrl-C while exchanging (an exchange with this share of 2,500 inputs every second
# is running most of the time) -------------------------------------------------------------
set -m
env --default-signal=INT fuzz/campaign --work "$T_WORK/a" --host hosta --jobs 1 --time 60 --join "$S" \
  --sync-every 1 --progress 1 ops >"$T_WORK/int.log" 2>&1 &
pid=$!
set +m
t_until 60 log_has "$T_WORK/int.log" 'campaign: ops +libfuzzer +[3-9]s/60s'
kill -INT -- "-$pid"
wait "$pid"; rc=$?
check "Ctrl-C during the exchanges of a joined campaign: exit 130 (got $rc)" [ "$rc" = 130 ]
check "... after reporting" log_has "$T_WORK/int.log" 'interrupted; no findings'
no_leftovers "Ctrl-C while exchanging"
# -- a share that cannot be reached, or that is lost during the campaign --------------------
t0=$(date +%s)
fuzz/campaign --work "$T_WORK/a" --host hosta --jobs 1 --time 30 --join nosuchhost.invalid:/srv/share \
  ops >"$T_WORK/unreachable.log" 2>&1
rc=$?; dt=$(( $(date +%s) - t0 ))
check "a share on a machine that cannot be reached: exit 2 before any fuzzing (exit $rc, ${dt}s)" \
  test "$rc" = 2 -a "$dt" -lt 25
check "... with one line naming the share" log_has "$T_WORK/unreachable.log" \
  "^campaign: cannot reach the shared directory 'nosuchhost.invalid:/srv/share': "
check "... and no fuzzing started" bash -c "! grep -q 'campaign: fuzzing' '$T_WORK/unreachable.log'"
S="$T_WORK/share-lost"
mkdir -p "$S"
fuzz/campaign --work "$T_WORK/a" --host hosta --jobs 1 --time 8 --join "$S" --sync-every 1 --progress 2 \
  ops >"$T_WORK/lost.log" 2>&1 &
pid=$!
# Wait for a first exchange to reach the share (not a fixed sleep: a slow start would lose the
# share before the campaign's probe, a different path), then take the share away.
t_until 30 has_files "$S/ops/libfuzzer-hosta"
sleep 1
# The shared directory is gone: every exchange fails. It is renamed away, not removed: an
# exchange running at this moment may still be writing into it, and rm -rf then races it.
mv "$S" "$S.gone"; echo "not a directory" >"$S"
wait "$pid"; rc=$?
check "a share lost during the campaign: exit 2 (exit $rc)" test "$rc" = 2
check "... the first failure is told when it happens, once" \
  test "$(grep -c '^campaign: .* failed (see .*share.log; further failures are counted' "$T_WORK/lost.log")" = 1
check "... and the count at the end" log_has "$T_WORK/lost.log" \
  '^campaign: no findings, but [0-9]+ exchanges through .* failed.*; exit 2$'
check "... the campaign itself still ran to its end (summary line, corpus merged)" \
  bash -c "grep -q '^ops  *libfuzzer ' '$T_WORK/lost.log' && grep -q 'working corpus of ops merged' '$T_WORK/lost.log'"
no_leftovers "lost share"

t_finish
