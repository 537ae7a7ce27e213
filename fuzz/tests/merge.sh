#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# merge.sh - fuzz/campaign loses no input of a session when the corpus is not merged. AFL++
# keeps its inputs only in the sync directory, which the next session starts without; until
# round 27 a merge (afl-cmin) that failed or ran out of time, a campaign with --no-merge and
# one interrupted before its merge left the working corpus as it was before the session, and
# the session's queue was deleted at the next start (a 120 s campaign on `deep` lost its 2,011
# inputs that way). With afl-cmin replaced by a script on PATH:
#   - afl-cmin exiting 3: exit 2 naming the merge, and the session's inputs are the working
#     corpus, unminimised (named by SHA-1, none a committed seed), as the summary says;
#   - afl-cmin exiting 124 (timeout's status when the merge runs out of time): exit 0, the
#     inputs kept as well, the earlier session's included (the next session starts from them);
#   - --no-merge: exit 0, the inputs kept as they are;
#   - and the real afl-cmin merges what the three left.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

W="$T_WORK/w"
C="$W/campaign/afl/ops/corpus"
. fuzz/lib.sh
fuzz_build afl >/dev/null || bad "the AFL++ build"

fake="$T_WORK/fake-bin"
mkdir -p "$fake"
fake_cmin() { # fake_cmin STATUS: an afl-cmin on PATH that exits STATUS without writing
  printf '#!/bin/sh\necho "fake afl-cmin: exit %s" >&2\nexit %s\n' "$1" "$1" >"$fake/afl-cmin"
  chmod +x "$fake/afl-cmin"
}
sums() { # sums DIR: the SHA-1 of every file in DIR, sorted
  find "$1" -maxdepth 1 -type f -print0 2>/dev/null | xargs -0 -r sha1sum | awk '{ print $1 }' | sort
}
# named_by_sha1 DIR: every file's name is its SHA-1
named_by_sha1() {
  local f
  for f in "$1"/*; do [ "$(sha1sum <"$f" | awk '{ print $1 }')" = "$(basename "$f")" ] || return 1; done
}
corpus_size() { find "$C" -type f 2>/dev/null | wc -l; }
no_seed_in() { [ -z "$(comm -12 <(sums "$1") <(sums corpus/ops))" ]; }
holds_all() { [ -z "$(comm -23 "$1" <(sums "$2"))" ]; } # holds_all SUMS-FILE DIR
afl() { # afl LOG ARGS...: a short AFL++ campaign on ops with the fake afl-cmin first on PATH
  local log=$1
  shift
  PATH="$fake:$PATH" t_campaign "$log" --engine afl --host h --jobs 1 --no-cmplog --time 4 "$@" ops
}

# -- afl-cmin fails --------------------------------------------------------------------------
fake_cmin 3
afl "$T_WORK/failed.log"
n=$(corpus_size)
check "afl-cmin failing: the campaign exits 2 (got $rc)" [ "$rc" = 2 ]
check "... naming the merge and its status" \
  log_has "$T_WORK/failed.log" "merging the corpus of ops failed \(exit 3\); its $n inputs beyond corpus/ops are kept unminimised"
check "... and the exit status's reason at the end" \
  log_has "$T_WORK/failed.log" 'no findings, but 1 corpus merges failed .*; exit 2'
check "... the session's inputs are the working corpus ($n)" [ "$n" -gt 0 ]
check "... as the summary says" [ "$(field "$T_WORK/failed.log" ops 8)" = "$n" ]
check "... each named by its SHA-1" named_by_sha1 "$C"
check "... none of them a committed seed" no_seed_in "$C"
sums "$C" >"$T_WORK/first.sums"
no_leftovers "afl-cmin failing"

# -- afl-cmin runs out of time ---------------------------------------------------------------
fake_cmin 124
afl "$T_WORK/late.log"
m=$(corpus_size)
check "afl-cmin out of time (status 124): the campaign exits 0 (got $rc)" [ "$rc" = 0 ]
check "... saying the merge took too long and the inputs are kept" \
  log_has "$T_WORK/late.log" "merging the corpus of ops took over 30s; its $m inputs beyond corpus/ops are kept unminimised"
check "... the first session's inputs among them ($n of $m)" holds_all "$T_WORK/first.sums" "$C"
check "... none of them a committed seed" no_seed_in "$C"
sums "$C" >"$T_WORK/second.sums"
no_leftovers "afl-cmin out of time"

# -- --no-merge ------------------------------------------------------------------------------
rm -f "$W/campaign/afl/ops/merge.log"
afl "$T_WORK/nomerge.log" --no-merge
k=$(corpus_size)
check "--no-merge: the campaign exits 0 (got $rc)" [ "$rc" = 0 ]
check "... keeping the inputs unminimised" \
  log_has "$T_WORK/nomerge.log" "working corpus of ops kept unminimised \(no merge\): $k inputs beyond corpus/ops"
check "... the earlier sessions' inputs among them ($m of $k)" holds_all "$T_WORK/second.sums" "$C"
check "... and no merge was run (no merge.log)" test ! -e "$W/campaign/afl/ops/merge.log"
no_leftovers "--no-merge"

# -- the real afl-cmin -----------------------------------------------------------------------
rm -f "$fake/afl-cmin"
afl "$T_WORK/merged.log"
check "the real afl-cmin: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... minimises what was kept" log_has "$T_WORK/merged.log" 'working corpus of ops merged: [0-9]+ -> [0-9]+ inputs'
no_leftovers "afl-cmin"

t_finish
