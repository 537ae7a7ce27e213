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
#   - a working corpus past what 30 s cover (1,600 more inputs): the merge's limit grows with
#     the input count, 50 ms an input (until round 28 it stayed at max(30 s, budget/4), so a
#     corpus that once outgrew it was never minimised again), and afl-cmin is given each
#     content once (each instance's queue begins with copies of what it started from),
#     with malloc_context_size=0 in UBSAN_OPTIONS (afl-cmin replaces ASAN_OPTIONS; with
#     allocation stacks its runs took 2.3x as long);
#   - --no-merge: exit 0, the inputs kept as they are;
#   - and the real afl-cmin merges what the four left, the 1,600 included.
# And on libFuzzer (with `timeout` replaced on PATH for its -merge=1 only): a merge that fails
# exits 2 and one out of time (timeout's 124, or 137 when it had to kill) exits 0, both
# keeping the working corpus and saying so, with
# the same limit and no allocation stacks; then the real merge.
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
fake_cmin() { # fake_cmin STATUS: an afl-cmin on PATH that exits STATUS without writing; it
  # writes the number of inputs it was given (-i DIR) and of their distinct contents to
  # $T_WORK/cmin.inputs, and its UBSAN_OPTIONS to $T_WORK/cmin.env
  cat >"$fake/afl-cmin" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do
  [ "\$1" = -i ] && echo "\$(find "\$2" -type f | wc -l)" \
    "\$(find "\$2" -type f -exec sha1sum {} + | cut -d' ' -f1 | sort -u | wc -l)" >"$T_WORK/cmin.inputs"
  shift
done
echo "\$UBSAN_OPTIONS" >"$T_WORK/cmin.env"
echo "fake afl-cmin: exit $1" >&2
exit $1
EOF
  chmod +x "$fake/afl-cmin"
}
# limit_for N: the merge's time limit for N inputs, as fuzz/README.md states it (budget/4 is
# below 30 s here)
limit_for() { echo $(( $1 * 50 > 30000 ? ($1 * 50 + 999) / 1000 : 30 )); }
# limit_is LIMIT INPUTS MIN: a merge of INPUTS inputs (at least MIN) had the limit it should
limit_is() { [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$1" = "$(limit_for "$2")" ]; }
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
# merged_counts LOG: "BEFORE AFTER" from the campaign's merge line
merged_counts() { sed -nE 's/.*working corpus of ops merged: ([0-9]+) -> ([0-9]+) inputs.*/\1 \2/p' "$1"; }
# minimised KEPT BEFORE AFTER: the merge took at least the KEPT inputs and left fewer, and the
# working corpus holds what it says
minimised() { [ "$2" -ge "$1" ] && [ -n "$3" ] && [ "$3" -lt "$1" ] && [ "$(corpus_size)" = "$3" ]; }
# failed_merge WHAT LOG N: the checks of a campaign whose merge exited 3, with N inputs in
# the working corpus afterwards
failed_merge() {
  check "$1: the campaign exits 2 (got $rc)" [ "$rc" = 2 ]
  check "... naming the merge and its status" \
    log_has "$2" "merging the corpus of ops failed \(exit 3\); its $3 inputs beyond corpus/ops are kept unminimised"
  check "... and the exit status's reason at the end" \
    log_has "$2" 'no findings, but 1 corpus merges failed .*; exit 2'
  check "... the session's inputs are the working corpus ($3)" [ "$3" -gt 0 ]
  check "... as the summary says" [ "$(field "$2" ops 8)" = "$3" ]
}
add_junk() { # add_junk: 1,600 more inputs in the working corpus
  local i
  for ((i = 0; i < 1600; i++)); do printf 'junk input %d\n' "$i" >"$C/junk-$i"; done
}
afl() { # afl LOG ARGS...: a short AFL++ campaign on ops with the fake afl-cmin first on PATH
  local log=$1
  shift
  PATH="$fake:$PATH" t_campaign "$log" --engine afl --host h --jobs 1 --no-cmplog --time 4 "$@" ops
}

# -- afl-cmin fails --------------------------------------------------------------------------
fake_cmin 3
afl "$T_WORK/failed.log"
n=$(corpus_size)
failed_merge "afl-cmin failing" "$T_WORK/failed.log" "$n"
check "... each named by its SHA-1" named_by_sha1 "$C"
check "... none of them a committed seed" no_seed_in "$C"
sums "$C" >"$T_WORK/first.sums"
no_leftovers "afl-cmin failing"

# -- afl-cmin runs out of time ---------------------------------------------------------------
fake_cmin 124
rm -f "$T_WORK/cmin.inputs"
afl "$T_WORK/late.log"
m=$(corpus_size)
# the limit is 30 s up to 600 inputs, 50 ms an input above: a fast machine's 4 s campaign
# can pass 600 (667 seen), so the limit named is the one for the inputs afl-cmin was given
read -r got _ < <(cat "$T_WORK/cmin.inputs" 2>/dev/null)
lim=$(limit_for "${got:-0}")
check "afl-cmin out of time (status 124): the campaign exits 0 (got $rc)" [ "$rc" = 0 ]
check "... saying the merge took too long (${lim}s for ${got:-?} inputs) and the inputs are kept" \
  log_has "$T_WORK/late.log" "merging the corpus of ops took over ${lim}s; its $m inputs beyond corpus/ops are kept unminimised"
check "... the first session's inputs among them ($n of $m)" holds_all "$T_WORK/first.sums" "$C"
check "... none of them a committed seed" no_seed_in "$C"
no_leftovers "afl-cmin out of time"

# -- a working corpus past 30 s: the limit grows with it -------------------------------------
add_junk
rm -f "$T_WORK/cmin.inputs"
afl "$T_WORK/large.log"
read -r got distinct < <(cat "$T_WORK/cmin.inputs" 2>/dev/null)
lim=$(limit_for "${got:-0}")
m=$(corpus_size)
check "1,600 more inputs: afl-cmin was given them all (${got:-?}, from at least 1,600)" [ "${got:-0}" -ge 1600 ]
check "... each content once (${distinct:-?} distinct; the queues begin with copies of the inputs)" \
  [ "${got:-0}" = "${distinct:-}" ]
check "... its time limit is 50 ms an input (${lim}s), not 30 s" \
  log_has "$T_WORK/large.log" "merging the corpus of ops took over ${lim}s; its $m inputs beyond corpus/ops are kept unminimised"
check "... and the campaign exits 0 (got $rc)" [ "$rc" = 0 ]
# (afl-cmin sets ASAN_OPTIONS itself; with allocation stacks its traces of deep took 2.3x)
check "... with no allocation stacks for its runs (UBSAN_OPTIONS: $(cat "$T_WORK/cmin.env" 2>/dev/null))" \
  grep -q 'malloc_context_size=0' "$T_WORK/cmin.env"
sums "$C" >"$T_WORK/second.sums"
no_leftovers "a large working corpus"

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
read -r b a < <(merged_counts "$T_WORK/merged.log")
check "the real afl-cmin: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... minimises what was kept, the 1,600 included (${b:-?} -> ${a:-?} inputs)" \
  minimised "$k" "${b:-0}" "${a:-}"
check "... each named by its SHA-1" named_by_sha1 "$C"
check "... none of them a committed seed" no_seed_in "$C"
no_leftovers "afl-cmin"

# -- libFuzzer -------------------------------------------------------------------------------
# timeout replaced on PATH: for a -merge=1 it writes its limit and the number of inputs (the
# last two arguments are the directories) to $T_WORK/merge.args, its ASAN_OPTIONS to
# $T_WORK/merge.env, and exits STATUS; anything else runs the real one
C="$W/campaign/libfuzzer/ops/corpus"
real_timeout=$(command -v timeout)
fake_timeout() { # fake_timeout STATUS
  cat >"$fake/timeout" <<EOF
#!/bin/bash
case " \$* " in
  *" -merge=1 "*) echo "\$3 \$(find "\${@: -2:1}" "\${@: -1}" -type f | wc -l)" >"$T_WORK/merge.args"
                  echo "\$ASAN_OPTIONS" >"$T_WORK/merge.env"
                  echo "fake timeout: exit $1" >&2; exit $1 ;;
esac
exec "$real_timeout" "\$@"
EOF
  chmod +x "$fake/timeout"
}
lf() { # lf LOG ARGS...: a short libFuzzer campaign on ops with the fake timeout on PATH
  local log=$1
  shift
  PATH="$fake:$PATH" t_campaign "$log" --engine libfuzzer --jobs 1 --time 4 "$@" ops
}

fake_timeout 3
rm -f "$T_WORK/merge.args"
lf "$T_WORK/lf-failed.log"
n=$(corpus_size)
read -r lim got < <(cat "$T_WORK/merge.args" 2>/dev/null)
failed_merge "libFuzzer's merge failing" "$T_WORK/lf-failed.log" "$n"
check "... the merge's limit was 50 ms an input, at least 30 s (${lim:-?}s for ${got:-?} inputs)" \
  limit_is "${lim:-}" "${got:-}" 1
check "... with no allocation stacks for its runs (ASAN_OPTIONS: $(cat "$T_WORK/merge.env" 2>/dev/null))" \
  grep -q 'malloc_context_size=0' "$T_WORK/merge.env"
sums "$C" >"$T_WORK/lf-first.sums"
no_leftovers "libFuzzer's merge failing"

add_junk
fake_timeout 124
rm -f "$T_WORK/merge.args"
lf "$T_WORK/lf-late.log"
m=$(corpus_size)
read -r lim got < <(cat "$T_WORK/merge.args" 2>/dev/null)
check "libFuzzer's merge out of time, 1,600 more inputs: the campaign exits 0 (got $rc)" [ "$rc" = 0 ]
check "... its limit grew with them (${lim:-?}s for ${got:-?} inputs)" \
  limit_is "${lim:-}" "${got:-}" 1600
check "... saying so, and the inputs are kept" \
  log_has "$T_WORK/lf-late.log" "merging the corpus of ops took over ${lim:-?}s; its $m inputs beyond corpus/ops are kept unminimised"
check "... the first session's inputs among them ($n of $m)" holds_all "$T_WORK/lf-first.sums" "$C"
no_leftovers "libFuzzer's merge out of time"

# a merge that ignored timeout's TERM and was killed 2 s later (timeout -k 2: status 137) is
# out of time too, not failed
fake_timeout 137
lf "$T_WORK/lf-killed.log"
m=$(corpus_size)
check "libFuzzer's merge killed after its limit (status 137): the campaign exits 0 (got $rc)" [ "$rc" = 0 ]
check "... saying it took too long and the inputs are kept" \
  log_has "$T_WORK/lf-killed.log" "merging the corpus of ops took over [0-9]+s; its $m inputs beyond corpus/ops are kept unminimised"
no_leftovers "libFuzzer's merge killed"

rm -f "$fake/timeout"
lf "$T_WORK/lf-merged.log"
read -r b a < <(merged_counts "$T_WORK/lf-merged.log")
check "libFuzzer's real merge: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... minimises what was kept (${b:-?} -> ${a:-?} inputs)" minimised "$m" "${b:-0}" "${a:-}"
no_leftovers "libFuzzer's merge"

t_finish
