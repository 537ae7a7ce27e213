#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# hangs.sh - hangs, slow inputs and out-of-memory are findings like crashes. A copy of the
# tree (a scratch git repository: the working tree is never patched) gets planted bugs in
# memdev_plug, chosen by MEMDEV_PLANT in the environment so one build serves every case:
# hang (an NVDIMM plug never returns), slow (an NVDIMM plug takes 1.1 s: one or two in an
# input make a slow unit at --timeout 3) and oom (a virtio-pmem plug allocates 2 GiB + 64 MiB,
# just above the campaign's 2 GiB limit: ASan clears the shadow of a large block when it
# allocates it, and a 6 GiB block made each of the 35 seeds that meet it cost 3.7 s to replay).
#   - libFuzzer: timeout-*, slow-unit-* and oom-* become findings of kinds hang, slow and
#     oom (libFuzzer's own artifact filed under each); the campaign exits 1 (it said "no
#     findings", exit 0, before);
#   - AFL++: its hangs/ (and the seeds its dry run skips as timeouts) are findings too, each
#     input filed (replayed, under a finding; past the 3 hangs a session, said so): one
#     path alone made the finding, so dropping either went unseen before;
#   - fuzz/repro says "hang" and "out of memory" for a finding directory and for each input
#     of AFL++'s hangs/ directory.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

T="$T_WORK/tree"
scratch_repo "$T" || t_abort "scratch repository"
sed -i '/^int memdev_plug(memdev_space \*sp/a\
    { const char *plant = getenv("MEMDEV_PLANT"); /* planted by fuzz/tests/hangs.sh */\
      if (plant \&\& d \&\& d->kind == MEMDEV_NVDIMM \&\& strstr(plant, "hang")) for (volatile int spin = 1; spin;) {}\
      if (plant \&\& d \&\& d->kind == MEMDEV_NVDIMM \&\& strstr(plant, "slow")) usleep(1100000);\
      if (plant \&\& d \&\& d->kind == MEMDEV_VIRTIO_PMEM \&\& strstr(plant, "oom")) { volatile char *big = malloc((size_t)2112 << 20); if (big) big[0] = 1; } }' \
  "$T/core/src/space.c"
sed -i '0,/^#include <string.h>/s//#include <string.h>\n#include <unistd.h>/' "$T/core/src/space.c"
check "the planted bugs are in the copy" grep -q 'planted by fuzz/tests/hangs.sh' "$T/core/src/space.c"
t_commit "$T" "planted: hang, slow and out-of-memory plugs (MEMDEV_PLANT)"

# in_finding FILE DIR_GLOB: FILE's content is among the inputs of a finding matching DIR_GLOB
in_finding() {
  local h
  h=$(sha1sum "$1" 2>/dev/null | cut -c1-40) && [ -n "$h" ] && compgen -G "$2/inputs/$h" >/dev/null
}

# -- libFuzzer, one session per planted bug -------------------------------------------------
lf() { # lf KIND: a libFuzzer session with MEMDEV_PLANT=KIND; the finding of that kind
  local k=$1 w="$T_WORK/lf-$1" f rc
  MEMDEV_PLANT=$k "$T/fuzz/campaign" --work "$w" --time 8 --jobs 1 --timeout 3 --no-merge ops \
    >"$T_WORK/lf-$k.log" 2>&1
  rc=$?
  check "libFuzzer with a planted $k: the campaign exits 1 (got $rc; it said 'no findings' before)" [ "$rc" = 1 ]
  f=$(grep -lx "$k" "$w"/findings/ops-*/kind 2>/dev/null | head -n 1)
  f=${f%/kind}
  check "... a finding of kind $k${f:+: $(basename "$f"): $(cat "$f/signature")}" [ -n "$f" ]
  # a hang's replay is not run again to symbolize it (fuzz_symbolize names its bare report):
  # the signature and the report still name the planted loop's function
  [ "$k" = hang ] && check "... named where it spins (memdev_plug first), its report symbolized" \
    bash -c "grep -q '^hang memdev_plug ' '$f/signature' && grep -qE '^ *#[0-9]+ 0x[0-9a-f]+ in memdev_plug ' '$f/report.txt'"
  # libFuzzer's own artifact of that kind is filed under it (the hang session keeps the long
  # seeds, whose replay alone made the finding: dropping libFuzzer's timeout-* went unseen)
  local pre n=0 filed=0 a
  case $k in hang) pre=timeout- ;; slow) pre=slow-unit- ;; *) pre=oom- ;; esac
  for a in "$w/campaign/libfuzzer/ops/crashes/$pre"*; do
    [ -f "$a" ] || continue
    n=$((n + 1))
    [ -n "$f" ] && in_finding "$a" "$f" && filed=$((filed + 1))
  done
  check "... libFuzzer's $pre* artifacts filed under it: $filed of $n (at least one)" \
    [ "$filed" -ge 1 ]
  eval "dir_$k=\$f"
}
lf hang
# The campaign replays the seeds longer than ops's max_len whole before it fuzzes, each alone
# once one fails: with the planted bugs that is a sleep or a 2-GiB allocation for every NVDIMM
# or virtio-pmem plug in 76 seeds (the hang session above keeps them, so a hang there is
# filed too; findings.sh checks that replay with a crash). The later sessions fuzz from the
# 26 short seeds (one plugs an NVDIMM and a virtio-pmem device): slow 43 -> 20 s, oom 92 -> 14 s.
. fuzz/lib.sh
ml=$(fuzz_max_len ops)
check "the seeds longer than max_len ($ml) leave the copy's corpus" \
  bash -c "[ -n '$ml' ] && find '$T/corpus/ops' -type f -size +${ml}c -delete"
lf slow
lf oom
# shellcheck disable=SC2154
MEMDEV_PLANT=hang "$T/fuzz/repro" --timeout 3 "$dir_hang" >"$T_WORK/repro-hang.log" 2>&1; rc=$?
check "fuzz/repro on the hang finding says hang (exit $rc)" log_has "$T_WORK/repro-hang.log" '^--- result: REPRODUCES: hang \(still running after 3s\)'
check "... and that its decoding was stopped too (the decoder runs the library, which hangs)" \
  log_has "$T_WORK/repro-hang.log" '^# \(decoding stopped after 3s: '
# shellcheck disable=SC2154
MEMDEV_PLANT=oom "$T/fuzz/repro" --timeout 3 "$dir_oom" >"$T_WORK/repro-oom.log" 2>&1; rc=$?
check "fuzz/repro on the oom finding says out of memory (exit $rc)" \
  log_has "$T_WORK/repro-oom.log" '^--- result: REPRODUCES: out of memory .*: out-of-memory memdev_plug'
no_leftovers "libFuzzer"

# -- AFL++: hangs (out-of-memory under AFL++ is an ASan abort, a crash: the same path as any
# crash, left out here to keep the test short) ------------------------------------------------
w="$T_WORK/afl"
MEMDEV_PLANT=hang "$T/fuzz/campaign" --work "$w" --engine afl --host h --jobs 1 --no-cmplog \
  --time 15 --timeout 2 --no-merge ops >"$T_WORK/afl.log" 2>&1
rc=$?
check "AFL++ with a planted hang: the campaign exits 1 (got $rc; it said 'no findings' before)" [ "$rc" = 1 ]
hangs="$w/campaign/afl/ops/sync/main-h/hangs"
nh=$(find "$hangs" -name 'id:*' 2>/dev/null | wc -l)
hf=$(grep -lx hang "$w"/findings/ops-*/kind 2>/dev/null | head -n 1)
hf=${hf%/kind}
check "... a finding of kind hang (AFL++ saved $nh in hangs/; the seeds it skipped as timeouts count too)" [ -n "$hf" ]
# each input of hangs/ is filed (the seeds the dry run skipped could make the finding alone):
# replayed and under a finding, up to the campaign's 3 hangs a session, the rest said so
filed=0
for f in "$hangs"/id:*; do
  [ -f "$f" ] || continue
  in_finding "$f" "$w/findings/ops-*" && filed=$((filed + 1))
done
want=$(( nh < 3 ? nh : 3 ))
check "... AFL++'s hangs/ inputs are filed: $filed of $nh (want $want$([ "$nh" = 0 ] && echo ": none saved this time, nothing to check"))" \
  bash -c "[ '$filed' = '$want' ] && { [ '$nh' -le 3 ] || grep -q '[0-9] more failing inputs not replayed' '$T_WORK/afl.log'; }"
# and so is each seed AFL++'s dry run skipped as a timeout (its log names them)
skipped=$(sed -e 's/\x1b\[[0-9;]*m//g' "$w/campaign/afl/ops/main-h.log" 2>/dev/null | awk '
  /Attempting dry run with/ { n = $0; sub(/.*orig:/, "", n); sub(/'"'"'.*/, "", n) }
  /results in a timeout/ && n != "" { print n }' | sort -u)
nd=0 dfiled=0
for f in $skipped; do
  nd=$((nd + 1))
  in_finding "$w/campaign/afl/ops/input/$f" "$w/findings/ops-*" && dfiled=$((dfiled + 1))
done
check "... the seeds its dry run skipped as timeouts are filed: $dfiled of $nd$([ "$nd" = 0 ] && echo " (none skipped this time, nothing to check)")" \
  [ "$dfiled" = "$nd" ]
# fuzz/repro on (two of) the hangs AFL++ saved, or else on the finding's inputs
rm -rf "$T_WORK/some-hangs" && mkdir -p "$T_WORK/some-hangs"
if [ "$nh" -gt 0 ]; then src=$hangs; else src=${hf:-/nonexistent}/inputs; fi
find "$src" -type f -name 'id:*' -o -type f -path '*/inputs/*' 2>/dev/null | head -n 2 | xargs -r cp -t "$T_WORK/some-hangs"
n=$(find "$T_WORK/some-hangs" -type f | wc -l)
MEMDEV_PLANT=hang "$T/fuzz/repro" --timeout 2 "$T_WORK/some-hangs" >"$T_WORK/repro-afl-hangs.log" 2>&1; rc=$?
check "... fuzz/repro on $n of them ($([ "$nh" -gt 0 ] && echo "AFL++'s hangs/" || echo "the finding's inputs")) says hang for each (exit $rc)" \
  test "$n" -gt 0 -a "$(grep -c 'REPRODUCES: hang' "$T_WORK/repro-afl-hangs.log")" = "$n" -a "$rc" = 1
no_leftovers "AFL++"

t_finish
