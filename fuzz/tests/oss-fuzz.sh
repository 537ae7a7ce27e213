#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# oss-fuzz.sh - fuzz/oss-fuzz-check fails, naming each check, when ClusterFuzzLite's build
# script goes wrong. CI's fuzz smoke runs it on the committed build.sh, where every check
# passes; this runs it on a scratch copy (fuzz/targets.txt: ops alone, libfuzzer-address):
#   - a build.sh that fails: one FAIL line naming it, with its log's last lines, exit 1;
#   - a build.sh that forgets the dictionary and leaves a seed out of the zip, and an ops
#     target that traps on one seed: exactly those three checks FAIL, every other one passes,
#     and the count says so, exit 1;
#   - a coverage build whose target exits without writing its profile: that check FAILs;
#   - the committed build.sh in the three configurations smoke does not run
#     (libfuzzer-undefined, afl-address, coverage): every check passes, 19 of them.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1
. fuzz/lib.sh
S="$T_WORK/src"
scratch_repo "$S" || t_abort "scratch repository"
echo ops >"$S/fuzz/targets.txt"

# build.sh that fails before it builds anything
cp "$S/.clusterfuzzlite/build.sh" "$T_WORK/build.sh.orig"
sed -i '/^cd "\$SRC\/memdev"$/a echo "planted: build.sh stops here" >&2; exit 3' "$S/.clusterfuzzlite/build.sh"
"$S/fuzz/oss-fuzz-check" libfuzzer-address >"$T_WORK/fails.log" 2>&1
rc=$?
check "a build.sh that fails: exit 1 (got $rc)" [ "$rc" = 1 ]
check "... one FAIL line naming it" log_has "$T_WORK/fails.log" \
  '^FAIL  libfuzzer-address: build\.sh failed; last lines of out/oss-fuzz/libfuzzer-address/build\.log:$'
check "... with the build log's last line" log_has "$T_WORK/fails.log" '^planted: build\.sh stops here$'
check "... and the count" log_has "$T_WORK/fails.log" '^0 passed, 1 failed$'

# build.sh without the dictionary and with the first seed left out of the zip; fuzz_ops that
# traps on the seed "BAD!"
cp "$T_WORK/build.sh.orig" "$S/.clusterfuzzlite/build.sh"
sed -i -e '/^  cp "fuzz\/dict\/\$t\.dict"/d' \
  -e 's|zip -q -j "$OUT/fuzz_${t}_seed_corpus.zip" ./\*)|zip -q -j "$OUT/fuzz_${t}_seed_corpus.zip" $(ls \| tail -n +2))|' \
  "$S/.clusterfuzzlite/build.sh"
check "the planted build.sh differs where intended" \
  bash -c "[ \$(diff '$T_WORK/build.sh.orig' '$S/.clusterfuzzlite/build.sh' | grep -c '^[<>]') = 3 ]"
sed -i 's|^int LLVMFuzzerTestOneInput(const uint8_t \*data, size_t size) {$|&\n    if (size == 4 \&\& __builtin_memcmp(data, "BAD!", 4) == 0) __builtin_trap();|' "$S/fuzz/fuzz_ops.c"
check "the planted trap is in fuzz_ops.c" grep -q "__builtin_memcmp(data, \"BAD!\", 4) == 0) __builtin_trap" "$S/fuzz/fuzz_ops.c"
printf 'BAD!' >"$S/corpus/ops/zzz-bad"
"$S/fuzz/oss-fuzz-check" libfuzzer-address >"$T_WORK/broken.log" 2>&1
rc=$?
check "a broken build.sh and a failing seed: exit 1 (got $rc)" [ "$rc" = 1 ]
for what in 'fuzz_ops_seed_corpus\.zip holds corpus/ops' 'fuzz_ops\.dict and \.options' \
            'fuzz_ops runs every seed cleanly'; do
  check "... FAIL  $what" log_has "$T_WORK/broken.log" "^FAIL  libfuzzer-address: $what\$"
done
for what in 'build\.sh ran' 'fuzz_ops is executable' 'fuzz_ops has libFuzzer' 'fuzz_ops has ASan'; do
  check "... ok    $what" log_has "$T_WORK/broken.log" "^ok    libfuzzer-address: $what\$"
done
check "... and the count" log_has "$T_WORK/broken.log" '^4 passed, 3 failed$'

# a coverage build whose target leaves without writing its profile (_exit on the seed "BYE!",
# every seed run cleanly): the profile check fails (mutation sample 5401: it passed when the
# seeds ran, whether or not a profile was written)
cp "$T_WORK/build.sh.orig" "$S/.clusterfuzzlite/build.sh"
git -C "$S" checkout -q -- fuzz/fuzz_ops.c && rm -f "$S/corpus/ops/zzz-bad"
sed -i 's|^int LLVMFuzzerTestOneInput(const uint8_t \*data, size_t size) {$|&\n    if (size == 4 \&\& __builtin_memcmp(data, "BYE!", 4) == 0) { extern void _exit(int); _exit(0); }|' "$S/fuzz/fuzz_ops.c"
check "the planted _exit is in fuzz_ops.c" grep -q '"BYE!", 4) == 0) { extern void _exit(int); _exit(0); }' "$S/fuzz/fuzz_ops.c"
printf 'BYE!' >"$S/corpus/ops/zzz-bye"
"$S/fuzz/oss-fuzz-check" coverage >"$T_WORK/noprofile.log" 2>&1
rc=$?
check "coverage, a target that writes no profile: exit 1 (got $rc)" [ "$rc" = 1 ]
check "... FAIL  fuzz_ops runs the seeds and writes a profile" log_has "$T_WORK/noprofile.log" \
  '^FAIL  coverage: fuzz_ops runs the seeds and writes a profile$'
check "... and the count" log_has "$T_WORK/noprofile.log" '^5 passed, 1 failed$'

# the other three configurations on the committed build.sh: CI's smoke runs only
# libfuzzer-address (a sample of mutants of the script found the coverage configuration's own
# check could go unseen)
git -C "$S" checkout -q -- fuzz/fuzz_ops.c && rm -f "$S/corpus/ops/zzz-bye"
"$S/fuzz/oss-fuzz-check" libfuzzer-undefined afl-address coverage >"$T_WORK/others.log" 2>&1
rc=$?
check "libfuzzer-undefined, afl-address and coverage: exit 0 (got $rc)" [ "$rc" = 0 ]
for what in 'libfuzzer-undefined: fuzz_ops has UBSan' 'libfuzzer-undefined: fuzz_ops runs every seed cleanly' \
            'afl-address: fuzz_ops has AFL\+\+ instrumentation' 'afl-address: fuzz_ops has ASan' \
            'afl-address: fuzz_ops runs every seed cleanly' 'coverage: fuzz_ops has profile instrumentation' \
            'coverage: fuzz_ops runs the seeds and writes a profile'; do
  check "... ok    $what" log_has "$T_WORK/others.log" "^ok    $what\$"
done
check "... and the count" log_has "$T_WORK/others.log" '^19 passed, 0 failed$'

no_leftovers "oss-fuzz-check"
t_finish
