#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_history_bisect.sh - bench/bisect, bench/history (and compare) on a scratch repository made here:
# a clone of this checkout plus six commits, one of which (and only one) slows the plug
# path down with a loop the compiler must keep, and one of which does not build.
#
#   c0  bench/ of this working tree (the tools under test)       GOOD
#   c1  README line                                              same figures
#   c2  the file defining memdev_plug gets an #error              cannot be measured
#   c3  that file restored                                       same figures as c0
#   c4  memdev_plug runs 200 extra volatile additions             the slowdown
#   c5  README line                                              BAD = HEAD
#
# Checks: bisect names c4 exactly, reports c2 as skipped, builds O(log n) commits, keeps its
# figures in BENCH_STORE, and from c3 names c4 against its parent c3 (GOOD itself); bisect
# exits 2 for a benchmark that does not exist and for a range with nothing to bisect;
# history shows the step at c4 (Markdown, HTML, plot) and lists c2 as not measured; a second
# history run builds nothing (store) and --fail-on-slower exits 1; a third, with --time on
# the last commit, measures CPU time (a figure and its plot).
# compare c1 c2: B builds with neither bench/, exit 2 naming that build (after its warning).
# Instruction counts are deterministic, so one callgrind run per commit decides: about a
# minute on 2 cores. Prints "N passed, N failed"; exit 1 on any failure.
# BENCH_TEST_KEEP=DIR keeps a copy of the history report there.
. "$(dirname "$0")/common.bash"

scratch_clone
git config user.email bench-test@memdev.invalid
git config user.name "bench test"
commit() { # commit MESSAGE -> the new commit id; the test stops when it cannot commit
    { git add -A && git commit -q --allow-empty -m "$1" >&2 && git rev-parse HEAD; } ||
        { echo "FAIL: cannot commit '$1'" >&2; exit 1; }
}
c0=$(commit "scratch: the bench/ tools under test") || exit 1
echo "scratch line" >>README.md
c1=$(commit "scratch: README line") || exit 1
# The file that defines memdev_plug (core/src/space.c today) gets both core changes.
plugfile=$(grep -lE '^int[[:space:]]+memdev_plug[[:space:]]*\(|^memdev_plug[[:space:]]*\(' core/src/*.c | head -1)
[ -n "$plugfile" ] || { echo "FAIL: no core/src/*.c defines memdev_plug"; exit 1; }
printf '\n#error "scratch commit: does not build"\n' >>"$plugfile"
c2=$(commit "scratch: core does not build") || exit 1
git checkout -q "$c1" -- "$plugfile"
commit "scratch: core builds again" >/dev/null || exit 1
/usr/bin/python3 - "$plugfile" <<'EOF' || { echo "FAIL: cannot plant the slowdown"; exit 1; }
import re, sys
path = sys.argv[1]
src = open(path).read()
m = re.search(r"^(int\s+)?memdev_plug\s*\([^)]*\)\s*\{", src, re.M)
if not m:
    sys.exit("memdev_plug's definition not found in " + path)
slow = """
    { /* scratch: a real slowdown on the plug path, kept by volatile */
        volatile unsigned long scratch_sum = 0;
        for (unsigned long scratch_i = 0; scratch_i < 200; scratch_i++)
            scratch_sum += scratch_i;
    }"""
open(path, "w").write(src[:m.end()] + slow + src[m.end():])
EOF
c4=$(commit "scratch: slower plug") || exit 1
echo "another scratch line" >>README.md
commit "scratch: README line after the slowdown" >/dev/null || exit 1

export BENCH_STORE=$tmp/store BENCH_HISTORY_CACHE=$tmp/cache BENCH_REV_CACHE=$tmp/cache
start=$(date +%s)

echo "== bench/bisect --bench churn/memdev/1024 --threshold 5% c0 HEAD"
bench/bisect --bench churn/memdev/1024 --threshold 5% "$c0" HEAD >"$tmp/bisect.log" 2>&1
rc=$?
cat "$tmp/bisect.log"
expect "bisect exits 0 (got $rc)" [ $rc -eq 0 ]
expect "bisect names the slowdown commit ${c4:0:12}" grep -q "^first slower commit: $c4\$" "$tmp/bisect.log"
expect "bisect reports the commit that does not build as skipped" \
    grep -q "^not measurable (skipped): ${c2:0:12}" "$tmp/bisect.log"
builds=$(sed -n 's/^builds: \([0-9]*\) .*/\1/p' "$tmp/bisect.log")
# GOOD, BAD and at most ceil(log2 5) = 3 probes, plus one for the skipped commit.
expect "bisect built O(log n) commits (${builds:-?} <= 6)" [ "${builds:-99}" -le 6 ]
expect "bisect keeps its figures where BENCH_STORE says" \
    grep -q "the rest came from the store $BENCH_STORE/" "$tmp/bisect.log"

c3=$(git rev-parse "$c4^")
echo "== bench/bisect from ${c3:0:8}: the slowdown is the first commit after GOOD"
bench/bisect --bench churn/memdev/1024 --threshold 5% "$c3" HEAD >"$tmp/b4.log" 2>&1
rc=$?
expect "the first commit after GOOD: bisect exits 0 (got $rc)" [ $rc -eq 0 ]
expect "... names ${c4:0:12}, compared with its parent, GOOD itself" bash -c \
    "grep -q '^first slower commit: $c4\$' '$tmp/b4.log' && grep -q 'against its parent ${c3:0:12}' '$tmp/b4.log'"

echo "== bench/bisect with a benchmark that does not exist"
bench/bisect --bench nosuch/memdev/1024 "$c0" HEAD >"$tmp/b2.log" 2>&1
rc=$?
expect "missing benchmark: exit 2 (got $rc)" [ $rc -eq 2 ]
expect "missing benchmark: one line naming it" grep -q "nosuch/memdev/1024" "$tmp/b2.log"

echo "== bench/history HEAD~6..HEAD"
bench/history HEAD~6..HEAD --filter '^(churn|lookup_rand)/memdev/' --out "$tmp/hist" \
    >"$tmp/history.log" 2>&1
rc=$?
cat "$tmp/history.log"
expect "history exits 0 (got $rc)" [ $rc -eq 0 ]
expect "history prints the step at ${c4:0:8}" \
    grep -qE "^  ${c4:0:8} churn/memdev/1024 +\+[0-9.]+% slower" "$tmp/history.log"
expect "history has exactly one step" grep -q "steps (beyond .*): 1\$" "$tmp/history.log"
expect "history says which bench/ built each commit" \
    grep -qE "^    built with this checkout's bench/, [0-9]+ benchmark\(s\) measured in [0-9]{1,4} s\$" \
    "$tmp/history.log"
expect "the store dates each measurement" \
    grep -rqE '"measured": "20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' "$BENCH_STORE"
expect "history lists ${c2:0:8} as not measured" grep -q "^not measured: ${c2:0:8} " "$tmp/history.log"
# both bench/ trees fail on the same #error: the reason is given once, for both
expect "history gives the reason both builds share once" grep -q \
    "^not measured: ${c2:0:8} .*: build failed with this checkout's bench/ and its own: .*#error" \
    "$tmp/history.log"
expect "history.md marks the step" grep -qE "^\| \`${c4:0:8}\` \|.*\| churn/memdev/1024 \|.*slower" "$tmp/hist/history.md"
expect "history.md lists the unbuildable commit" grep -qE "^\| \`${c2:0:8}\` \|.*build failed" "$tmp/hist/history.md"
expect "history.html marks the step" grep -q "class='n slower'" "$tmp/hist/history.html"
expect "history draws a plot per benchmark" \
    test -s "$tmp/hist/plots/churn_memdev_1024.png" -a -s "$tmp/hist/plots/lookup_rand_memdev_1024.png"

echo "== bench/bisect with nothing to bisect (lookups do not plug)"
bench/bisect --bench lookup_rand/memdev/1024 "$c0" HEAD >"$tmp/b3.log" 2>&1
rc=$?
expect "nothing to bisect: exit 2 (got $rc)" [ $rc -eq 2 ]
expect "nothing to bisect: says so" grep -q "nothing to bisect" "$tmp/b3.log"

echo "== bench/history again, from the store, --fail-on-slower"
bench/history HEAD~6..HEAD --filter '^(churn|lookup_rand)/memdev/' --out "$tmp/hist2" \
    --fail-on-slower >"$tmp/history2.log" 2>&1
rc=$?
expect "--fail-on-slower with a slower step: exit 1 (got $rc)" [ $rc -eq 1 ]
expect "second history run builds nothing" bash -c "! grep -q 'built with' '$tmp/history2.log'"
expect "... nor tries the commit that did not build again (the store remembers it)" grep -qF \
    "NOT MEASURED (remembered by the store; --retry-failed): build failed" "$tmp/history2.log"

echo "== bench/history --time on the last commit (CPU time too, pinned to one core)"
bench/history HEAD~1..HEAD --time --filter '^churn/memdev/1024$' --min-time 0.01 \
    --repetitions 3 --out "$tmp/hist3" >"$tmp/history3.log" 2>&1
rc=$?
cat "$tmp/history3.log"
expect "history --time exits 0 (got $rc)" [ $rc -eq 0 ]
for measure in instr time; do # the same anchored filter selects the benchmark in both
    expect "history --time: a positive $measure figure for churn/memdev/1024 in history.tsv" \
        awk -F'\t' -v m=$measure '$1 == m && $4 == "churn/memdev/1024" && $5 + 0 > 0 { ok = 1 }
            END { exit !ok }' "$tmp/hist3/history.tsv"
done
expect "history --time draws the time plot" test -s "$tmp/hist3/plots/churn_memdev_1024-time.png"

# without --keep-builds nothing is left: no build directory, no worktree of the scratch repo
left=$(ls -A "$tmp/cache" 2>/dev/null | tr '\n' ' ')
expect "no build left in the cache (${left:-none})" [ -z "$left" ]
expect "no worktree left" [ "$(git worktree list | wc -l)" -eq 1 ]

# compare against the commit that builds with neither bench/: this checkout's fails, the
# fallback to each commit's own fails too, and that failure (not a later symptom) is what it
# says, with exit 2. Its own cache, removed after, so the checks above stay about history.
echo "== bench/compare ${c1:0:8} ${c2:0:8} (B builds with neither bench/)"
BENCH_REV_CACHE=$tmp/cache-compare bench/compare "$c1" "$c2" --mode instr \
    --filter '^churn/memdev/1024$' --sizes 1024 --out "$tmp/cmp" >"$tmp/compare.log" 2>&1
rc=$?
tail -5 "$tmp/compare.log"
expect "compare with an unbuildable B: exit 2 (got $rc)" [ $rc -eq 2 ]
expect "compare warns that it falls back to each commit's own bench/" \
    grep -q "WARNING: this checkout's bench/ does not build against one of the commits" \
    "$tmp/compare.log"
expect "compare's last line names B's failed build with its own bench/" bash -c \
    "tail -1 '$tmp/compare.log' | grep -q '^bench/compare: build failed for $c2 (log: .*/$c2-own/build.log)\$'"
expect "compare measured nothing" bash -c "! grep -qE '^(timing|instruction counts):' '$tmp/compare.log'"
rm -rf "$tmp/cache-compare" && git worktree prune
[ -n "${BENCH_TEST_KEEP:-}" ] && cp -r "$tmp/hist" "$BENCH_TEST_KEEP" # to look at the report
echo "bisect + history tests took $(($(date +%s) - start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
