#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# findings.sh - findings a team can work with, on a scratch repository made here with the
# history  base -> fuzz/CMakeLists.txt as before Ninja -> "bug" (the planted bug
# lookup-last-byte of fuzz/mutants.d) -> "build: Ninja" -> "docs":
#   - one bug, one finding: every failing input of the campaign is filed under one
#     signature, with the count of inputs behind it and the commit it was found at, announced
#     as NEW, the smallest input its representative with a symbolized report (the replays
#     symbolize only what a signature needs: not a failure the harness names, and a bare
#     report named afterwards, as a hang's is, gets the sanitizer's own frames); the long
#     seeds filed are those that
#     fail; a second session on the same bug exits 1 too, with the finding known and none
#     new, and its re-check calls a finding whose input now fails otherwise fixed, saying how
#     (as fuzz/repro does);
#   - fuzz/repro takes the directory of those inputs: all reproduce, one signature;
#   - fuzz/repro --minimize keeps the signature and leaves a trace where every operation is
#     needed (removing any one line makes `memdev run --check` pass or fail differently);
#   - fuzz/bisect names "bug" as the first commit where the finding reproduces, across commits
#     from before and after the Ninja build trees; refuses (exit 2) a BAD where the input does
#     not reproduce or fails otherwise and a GOOD where it reproduces already; and where the
#     commit before the bug does not build or fails otherwise (two side branches), exits 1
#     naming both commits the first one may be;
#   - fuzz/findings exits 1 while the finding is open; a flaky finding is listed as flaky,
#     never re-checked, never open; after the fix is committed, fuzz/findings --recheck says
#     "fixed at <that commit>";
#   - an oom crash (allocation failures injected, the planted bug auto-slot-claimed-early)
#     decodes to a trace whose fail-alloc lines make `memdev run --check` fail the same way;
#   - fuzz/promote copies inputs that reach new branch directions into corpus/deep, each
#     running cleanly (--dry-run --max 1: one listed, the others said, nothing copied),
#     nothing when there is nothing new, and exits 2 when no target has a working corpus at
#     all (or --work names no directory).
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

R="$T_WORK/repo"
W="$T_WORK/w"
# The history below builds for Make only (see next); a CMAKE_GENERATOR of the caller's (tests/mutate
# once set Ninja for its own builds and every tool it ran inherited it) would make fuzz/bisect
# build every commit for it, skip "bug" and name no single commit. Each build picks its own.
unset CMAKE_GENERATOR
scratch_repo "$R" || t_abort "scratch repository"
# The bug lands in history from before the build trees were Ninja's: there fuzz/CMakeLists.txt
# gives the coverage ignorelist relative to Make's directories, which fails under Ninja, and
# fuzz/bisect builds every commit in one tree (made for Make: otherwise "bug" is skipped and
# no single first commit is found)
cp "$R/fuzz/CMakeLists.txt" "$T_WORK/CMakeLists.ninja"
python3 - "$R/fuzz/CMakeLists.txt" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
new = """      if(CMAKE_GENERATOR MATCHES "Ninja")
        set(_lib_dir "${CMAKE_BINARY_DIR}")
      else()
        get_target_property(_lib_dir ${_lib} BINARY_DIR)
      endif()
"""
assert new in s, "fuzz/CMakeLists.txt: the generator's block is not there"
open(p, "w").write(s.replace(new, "      get_target_property(_lib_dir ${_lib} BINARY_DIR)\n"))
PY
check "the scratch history starts with fuzz/CMakeLists.txt as before Ninja" \
  bash -c "! grep -q 'CMAKE_GENERATOR' '$R/fuzz/CMakeLists.txt'"
t_commit "$R" "fuzz/CMakeLists.txt as before the Ninja build trees"
patch -s -p1 -d "$R" <fuzz/mutants.d/12-lookup-last-byte.patch && rm -f "$R"/core/src/*.orig
t_commit "$R" "bug: lookup misses the last byte of a device"
bug=$(git -C "$R" rev-parse --short=10 HEAD)
cp "$T_WORK/CMakeLists.ninja" "$R/fuzz/CMakeLists.txt"
t_commit "$R" "build: Ninja"
echo "scratch history" >>"$R/README.md"
t_commit "$R" "docs"
docs=$(git -C "$R" rev-parse --short=10 HEAD)

# -- one bug, one finding -----------------------------------------------------------------
# -max_len=256 (not ops's 40): inputs long enough that one second of byte minimisation leaves
# operations for the trace stage to drop
"$R/fuzz/campaign" --work "$W" --time 10 --jobs 2 --engine-arg -max_len=256 ops >"$T_WORK/campaign.log" 2>&1
rc=$?
check "the campaign on the planted bug exits 1 (got $rc)" [ "$rc" = 1 ]
# the engines cut inputs to max_len, the seeds too: those longer are replayed whole first
check "... the seeds longer than ops's max_len are replayed whole, and those that fail are filed" \
  log_has "$T_WORK/campaign.log" "^campaign: ops: [1-9][0-9]* of the [0-9]* seeds longer than max_len [0-9]* fail when replayed whole"
read -r nsf nlong ml < <(sed -n 's/^campaign: ops: \([0-9]*\) of the \([0-9]*\) seeds longer than max_len \([0-9]*\) .*/\1 \2 \3/p' "$T_WORK/campaign.log")
want=$(find "$R/corpus/ops" -type f -size +"${ml:-0}"c | wc -l)
check "... and those are the seeds longer than max_len $ml, no more ($nlong, want $want)" \
  test "${nlong:-x}" = "$want"
"$R/fuzz/repro" "$W/campaign/libfuzzer/ops/seeds-failing" >"$T_WORK/repro-seeds.log" 2>&1; rc=$?
check "... the $nsf filed are those that fail: fuzz/repro on them, exit 1 (got $rc), none runs cleanly" \
  log_has "$T_WORK/repro-seeds.log" "^${nsf:-x} inputs, 0 run cleanly"
mapfile -t found < <(grep -Lx flaky "$W"/findings/ops-*/kind 2>/dev/null | xargs -r -n1 dirname)
n_in=$(find "${found[0]:-/nonexistent}/inputs" -type f 2>/dev/null | wc -l)
n_fail=$(field "$T_WORK/campaign.log" ops 9)
check "one bug, one finding (${#found[@]}: $(cat "${found[0]:-/dev/null}/signature" 2>/dev/null)), $n_in inputs behind it of $n_fail failing" \
  test "${#found[@]}" = 1 -a "$n_in" -ge 2
F=${found[0]:-/nonexistent}
check "... the summary shows the count of inputs behind it" log_has "$T_WORK/campaign.log" "^$(basename "$F") +crash +$n_in "
check "... its representative input (crash-KEY) is the smallest behind it" bash -c \
  "[ \"\$(wc -c <'$F/crash-${F##*/ops-}')\" = \"\$(find '$F/inputs' -type f -printf '%s\n' | sort -n | head -n 1)\" ]"
check "... announced as NEW when it was filed, and counted as new at the end" bash -c \
  "grep -qE '^campaign: NEW finding $(basename "$F"): crash: ' '$T_WORK/campaign.log' && grep -qE '^campaign: open findings \(1 new this session\)' '$T_WORK/campaign.log'"
check "... found at the commit the campaign ran on ($docs)" bash -c "[ \"\$(cut -d' ' -f1 '$F/found')\" = '$docs' ]"
# the replays symbolize only what a signature needs (this one is the harness's own); the
# report filed is symbolized all the same
check "... its report.txt is symbolized (the harness's check in the stack by name)" \
  log_has "$F/report.txt" '^ *#[0-9]+ 0x[0-9a-f]+ in harness_fail '
check "... and names the operation where it diverged, as a trace line" \
  log_has "$F/report.txt" '^memdev-fuzz: at op [0-9]+: [a-z]'
check "... its signature is the failed check and the operation's name ($(cat "$F/signature" 2>/dev/null))" \
  grep -qxE '[a-z-]+ [a-z-]+' "$F/signature"
"$R/fuzz/repro" "$F/inputs" >"$T_WORK/repro-dir.log" 2>&1; rc=$?
check "fuzz/repro on the directory of its $n_in inputs: exit 1, every one with the same signature" \
  log_has "$T_WORK/repro-dir.log" "^ +$n_in +ops +crash +$(cat "$F/signature" 2>/dev/null)\$"

# -- minimising keeps the failure ----------------------------------------------------------
op_counts() { # op_counts LOG: fuzz/repro's operation counts: input, after the bytes, after the lines
  sed -n 's/.*trace: \([0-9]*\) operations in the input, \([0-9]*\) after the bytes, \([0-9]*\) after the lines.*/\1 \2 \3/p' "$1"
}
# the largest input behind the finding: many operations, most of them beside the point
big=$(ls -S "$F"/inputs/* 2>/dev/null | head -n 1)
"$R/fuzz/repro" --target ops --minimize --time 1 --out "$T_WORK/min" "$big" >"$T_WORK/minimize.log" 2>&1; rc=$?
sig=$(cat "$F/signature" 2>/dev/null)
read -r ops_in _ ops_out < <(op_counts "$T_WORK/minimize.log")
check "fuzz/repro --minimize on the largest input ($(wc -c <"$big") bytes) drops the operations that do not matter ($ops_in -> $ops_out)" \
  test "${ops_in:-0}" -ge 4 -a "${ops_out:-99}" -le 2
# how much the byte stage leaves depends on how far libFuzzer gets in its second (sometimes
# one operation): the trace stage alone (--lines-only) has the input's every operation
"$R/fuzz/repro" --target ops --minimize --lines-only --time 1 --out "$T_WORK/min-lines" "$big" >"$T_WORK/minimize-lines.log" 2>&1; rc_lines=$?
read -r l_in l_bytes l_out < <(op_counts "$T_WORK/minimize-lines.log")
check "fuzz/repro --minimize --lines-only keeps the input's bytes and every operation for the trace stage (exit $rc_lines; $l_in -> $l_bytes)" \
  bash -c "[ '$rc_lines' = 1 ] && [ '${l_in:-0}' = '${l_bytes:-1}' ] && cmp -s '$big' '$T_WORK/min-lines/$(basename "$big").min'"
check "... the trace stage alone drops the operations that do not matter ($l_bytes -> $l_out), each one left needed" \
  bash -c "[ '${l_bytes:-0}' -ge 4 ] && [ '${l_out:-99}' -le 2 ] && grep -q 'each one needed' '$T_WORK/minimize-lines.log'"
min=$(ls "$T_WORK"/min/*.min 2>/dev/null | head -n 1)
trace=${min%.min}.trace
check "fuzz/repro --minimize reproduces and writes the input and the trace (exit $rc)" test "$rc" = 1 -a -s "$min" -a -s "$trace"
. fuzz/lib.sh
lfb="$R/build/fuzz-libfuzzer"
got=$(fuzz_replay "$lfb" ops "$min" "$T_WORK/min-replay.txt" 5 2048 | cut -f2)
check "... the minimal input fails with the original signature ($got)" [ "$got" = "$sig" ]
got=$(fuzz_run_trace "$lfb" "$trace" "$T_WORK/trace-run.txt" 5 2048 | cut -f2)
check "... memdev run --check fails on the minimal trace with that signature too ($got)" [ "$got" = "$sig" ]
read -r needed nops < <(t_ops_needed "$lfb" "$trace" "$sig")
check "... every one of its $nops operations is needed ($needed are: without it the failure goes or changes)" \
  test "$needed" = "$nops" -a "$nops" -ge 1
check "... and it says how to commit the regression case (corpus/ops/crash-KEY, tests/traces/)" \
  log_has "$T_WORK/minimize.log" "cp .* corpus/ops/crash-$(basename "$F" | sed 's/^ops-//')\$"

# -- symbolizing only what a signature needs ----------------------------------------------
check "a replay whose failure the harness names itself is not symbolized (no frame by name)" \
  bash -c "grep -qE '^ *#[0-9]+ 0x' '$T_WORK/min-replay.txt' && ! grep -qE '^ *#[0-9]+ 0x[0-9a-f]+ in ' '$T_WORK/min-replay.txt'"
got=$(FUZZ_SYMBOLIZE=always fuzz_replay "$lfb" ops "$min" "$T_WORK/min-replay-sym.txt" 5 2048 | cut -f2)
check "... with FUZZ_SYMBOLIZE=always it is, with the same signature ($got)" \
  bash -c "[ '$got' = '$sig' ] && grep -qE '^ *#[0-9]+ 0x[0-9a-f]+ in harness_fail ' '$T_WORK/min-replay-sym.txt'"
# what a hang's replay does instead of running again: the same input takes the same path, so
# naming the bare report afterwards must give the sanitizer's own frames, number by number
cp "$T_WORK/min-replay.txt" "$T_WORK/min-replay-after.txt"
fuzz_symbolize "$T_WORK/min-replay-after.txt"; rc=$?
frames_named() { sed -nE 's/^ *(#[0-9]+) 0x[0-9a-f]+ in ([^ ]+).*/\1 \2/p' "$1"; }
frames_named "$T_WORK/min-replay-sym.txt" >"$T_WORK/frames-online"
frames_named "$T_WORK/min-replay-after.txt" >"$T_WORK/frames-after"
nf=$(wc -l <"$T_WORK/frames-online")
check "fuzz_symbolize names the bare report's frames as the sanitizer did ($nf frames by name, exit $rc)" \
  bash -c "[ '$rc' = 0 ] && [ '$nf' -ge 5 ] && cmp -s '$T_WORK/frames-online' '$T_WORK/frames-after'"

# -- the regression range --------------------------------------------------------------------
"$R/fuzz/bisect" --work "$W" "$F" >"$T_WORK/bisect.log" 2>&1; rc=$?
check "fuzz/bisect names the commit that planted the bug ($bug; exit $rc)" \
  log_has "$T_WORK/bisect.log" "first commit where it reproduces: ${bug:0:7}"
check "... and records it with the finding" grep -q "^introduced at $bug" "$F/introduced"
check "... without touching the repository's checkout" bash -c "[ \"\$(git -C '$R' rev-parse --short=10 HEAD)\" = '$docs' ] && [ -z \"\$(git -C '$R' status --porcelain --untracked-files=no)\" ]"
# a --work it cannot create (a file in its way) is a tool error, exit 2, naming the folder
: >"$T_WORK/a-file"
"$R/fuzz/bisect" --work "$T_WORK/a-file" "$F" >"$T_WORK/bisect-work.log" 2>&1; rc=$?
check "fuzz/bisect with a --work it cannot create: exit 2 (got $rc), naming it" \
  bash -c "[ '$rc' = 2 ] && grep -qx 'bisect: cannot create $T_WORK/a-file/bisect' '$T_WORK/bisect-work.log'"
# what it refuses: a BAD where the input does not reproduce, a GOOD where it does already
base=$(git -C "$R" rev-list --max-parents=0 HEAD | tail -n 1)
"$R/fuzz/bisect" --work "$W" --bad "$base" "$F" >"$T_WORK/bisect-bad.log" 2>&1; rc=$?
check "fuzz/bisect --bad at a commit where the input does not reproduce: exit 2 (got $rc), saying so last" \
  bash -c "[ '$rc' = 2 ] && tail -n 1 '$T_WORK/bisect-bad.log' | grep -q '^bisect: the input does not reproduce at BAD ${base:0:7}'"
"$R/fuzz/bisect" --work "$W" --good "$bug" "$F" >"$T_WORK/bisect-good.log" 2>&1; rc=$?
check "fuzz/bisect --good at a commit where it reproduces already: exit 2 (got $rc), saying so last" \
  bash -c "[ '$rc' = 2 ] && tail -n 1 '$T_WORK/bisect-good.log' | grep -q '^bisect: it already reproduces at GOOD ${bug:0:7}'"
# what it cannot tell: two side branches from base, each ending with the bug, where the commit
# before the bug does not build (x) or makes the input fail otherwise (y: stats count one
# device too many). Both are skipped, so the first commit is one of two: exit 1, both named,
# and the finding (a copy) records them
trunk=$(git -C "$R" branch --show-current)
side() { # side NAME MESSAGE PYTHON-EDIT: a branch from base whose first commit makes the edit
  git -C "$R" checkout -q -b "$1" "$base" && python3 -c "$3" "$R" && t_commit "$R" "$2" &&
    git -C "$R" checkout -q "$base" -- core/src && patch -s -p1 -d "$R" <fuzz/mutants.d/12-lookup-last-byte.patch &&
    rm -f "$R"/core/src/*.orig && t_commit "$R" "$1: the bug"
}
side x "x: core does not build" 'import sys; open(sys.argv[1] + "/core/src/version.c", "a").write("#error planted: does not build\n")'
side y "y: stats count one device too many" 'import sys
p = sys.argv[1] + "/core/src/query.c"; s = open(p).read(); old = "out->devices = sp->ndevices;"
assert s.count(old) == 1, "core/src/query.c: the device count is not there"
open(p, "w").write(s.replace(old, "out->devices = sp->ndevices + 1;"))'
git -C "$R" checkout -q "$trunk"
for br in x y; do
  Fc="$T_WORK/side-$br/$(basename "$F")"
  rm -rf "$T_WORK/side-$br" && mkdir -p "$T_WORK/side-$br" && cp -r "$F" "$Fc" && rm -f "$Fc/introduced"
  "$R/fuzz/bisect" --work "$W" --good "$base" --bad "$br" "$Fc" >"$T_WORK/bisect-$br.log" 2>&1; rc=$?
  c1=$(git -C "$R" rev-parse --short=10 "$br~1"); c2=$(git -C "$R" rev-parse --short=10 "$br")
  why=$([ "$br" = x ] && echo "does not build" || echo "fails otherwise")
  check "fuzz/bisect where the commit before the bug $why: exit 1 (got $rc), no single first commit" \
    bash -c "[ '$rc' = 1 ] && grep -q '^bisect: no single first commit' '$T_WORK/bisect-$br.log' && ! grep -q '^bisect: first commit where' '$T_WORK/bisect-$br.log'"
  check "... naming both commits it may be (${c1:0:7}, ${c2:0:7}), in the finding's record too" \
    bash -c "grep -q '^bisect: the first commit where it reproduces is one of these 2:' '$T_WORK/bisect-$br.log' &&
      grep -q '^bisect:   ${c1:0:7} ' '$T_WORK/bisect-$br.log' && grep -q '^bisect:   ${c2:0:7} ' '$T_WORK/bisect-$br.log' &&
      grep -qE '^introduced at one of ($c1 $c2|$c2 $c1) ' '$Fc/introduced'"
done
check "... and the branch checked out is still the one the history ends on ($docs)" \
  bash -c "[ \"\$(git -C '$R' rev-parse --short=10 HEAD)\" = '$docs' ] && [ -z \"\$(git -C '$R' status --porcelain --untracked-files=no)\" ]"

# -- a known finding still open fails the next session too --------------------------------
# (beside it, a copy filed under another signature than its input now gives: the session's
# re-check of the findings it did not meet must call that one fixed, saying how it fails now)
# (filed as the campaign files one; its input then only as crash-KEY: an input under inputs/
# that the session meets again counts for the finding it is filed under, which the session
# then does not re-check)
G="$W/findings/ops-$(fuzz_finding_key ops "result lookup")"
[ "$(fuzz_finding_add "$W/findings" ops crash "result lookup" "$F/crash-${F##*/ops-}" "$F/report.txt" \
  "$docs" libfuzzer)" = new ] && rm -f "$G"/inputs/* || bad "a finding with another signature planted"
"$R/fuzz/campaign" --work "$W" --time 3 --jobs 1 --no-merge ops >"$T_WORK/again.log" 2>&1
rc=$?
check "a second session on the same bug: exit 1 (got $rc), the finding known, none new" bash -c \
  "[ '$rc' = 1 ] && ! grep -q '^campaign: NEW finding' '$T_WORK/again.log' && grep -qE '^campaign: open findings \(0 new this session\)' '$T_WORK/again.log'"
check "... the copy under another signature is fixed at $docs, failing differently now" bash -c \
  "grep -q '^fixed at $docs ' '$G/status' && grep -qF '; the input now fails differently: $(cat "$F/signature")' '$G/status'"
"$R/fuzz/repro" "$G" >"$T_WORK/repro-other.log" 2>&1; rc=$?
check "... and fuzz/repro on it says it reproduces with another signature than the finding's (exit $rc)" \
  grep -qF "REPRODUCES: crash: $(cat "$F/signature") (the finding's signature was: result lookup)" "$T_WORK/repro-other.log"
"$R/fuzz/bisect" --work "$W" "$G" >"$T_WORK/bisect-other.log" 2>&1; rc=$?
check "... and fuzz/bisect on it refuses to bisect another failure: exit 2 (got $rc), saying how it fails at BAD" \
  bash -c "[ '$rc' = 2 ] && grep -qF 'bisect: at BAD it fails differently ($(cat "$F/signature"), the finding is result lookup)' '$T_WORK/bisect-other.log'"
rm -rf "$G"

# -- status over time ------------------------------------------------------------------------
# with a flaky finding beside it (an input that failed in an engine and ran cleanly on replay):
# listed as flaky, never re-checked, never open
sig_fl="crash (did not reproduce on replay)"
Fl="$W/findings/ops-$(fuzz_finding_key ops "$sig_fl")"
seed=$(find "$R/corpus/ops" -type f -name 'seed-*' | sort | head -n 1)
[ "$(fuzz_finding_add "$W/findings" ops flaky "$sig_fl" "$seed" "$seed" 0000000000 libfuzzer)" = new ] ||
  bad "a flaky finding planted"
fl_status=$(cat "$Fl/status" 2>/dev/null)
"$R/fuzz/findings" --work "$W" ops >"$T_WORK/list-open.log" 2>&1; rc=$?
check "fuzz/findings with the bug still there: exit 1 (got $rc), the finding listed open, the flaky one as flaky" \
  bash -c "[ '$rc' = 1 ] && grep -qE '^$(basename "$F") .* open +' '$T_WORK/list-open.log' &&
    grep -qE '^$(basename "$Fl") +flaky .* flaky +crash \\(did not' '$T_WORK/list-open.log' && grep -q ', 1 open ' '$T_WORK/list-open.log'"
patch -s -R -p1 -d "$R" <fuzz/mutants.d/12-lookup-last-byte.patch && rm -f "$R"/core/src/*.orig
t_commit "$R" "fix: the last byte of a device is found"
fix=$(git -C "$R" rev-parse --short=10 HEAD)
"$R/fuzz/findings" --work "$W" --recheck ops >"$T_WORK/recheck.log" 2>&1; rc=$?
check "after the fix, fuzz/findings --recheck exits 0 (got $rc) and says 'fixed at $fix'" \
  test "$rc" = 0 -a "$(cut -d' ' -f1-3 "$F/status")" = "fixed at $fix"
check "... in its listing" log_has "$T_WORK/recheck.log" "$(basename "$F") .* fixed at $fix"
check "... the flaky finding left as it was (not re-checked) and counted as no open one" \
  bash -c "[ -n '$fl_status' ] && [ \"\$(cat '$Fl/status')\" = '$fl_status' ] && grep -q ', 0 open ' '$T_WORK/recheck.log'"
rm -rf "$Fl"

# -- corpus hygiene: promote new coverage ------------------------------------------------------
# The deep seeds bounded-backtrack-* are the only inputs that reach the bounded search's
# backtracking: taken out of the corpus into a "campaign corpus", promote must bring back
# what they reach, as cov-* files; a campaign corpus of inputs the corpus already has
# reaches nothing new.
mkdir -p "$T_WORK/from-deep" "$T_WORK/from-same"
mv "$R"/corpus/deep/seed-bounded-backtrack-* "$T_WORK/from-deep/"
cp "$R"/corpus/deep/seed-thin-runs* "$T_WORK/from-same/"
before=$(ls "$R/corpus/deep" | wc -l)
ls "$R/corpus/deep" >"$T_WORK/deep-before"
# --dry-run --max 1 with two more seeds taken out (inputs of new directions: two here): one
# listed, the rest said to be over --max, nothing copied
mkdir -p "$T_WORK/from-more"
cp "$T_WORK"/from-deep/* "$T_WORK/from-more/"
mv "$R"/corpus/deep/seed-inner-borrow-full-right "$R"/corpus/deep/seed-inner-split-left "$T_WORK/from-more/"
ls "$R/corpus/deep" >"$T_WORK/deep-before-dry"
"$R/fuzz/promote" --from "$T_WORK/from-more" --max 1 --dry-run deep >"$T_WORK/promote-dry.log" 2>&1; rc=$?
nw=$(grep -c '^promote: deep: would add corpus/deep/cov-[0-9a-f]\{12\} ' "$T_WORK/promote-dry.log")
check "fuzz/promote --dry-run --max 1: exit 0 (got $rc), one input it would add ($nw), the others over --max, nothing copied" \
  bash -c "[ '$rc' = 0 ] && [ '$nw' = 1 ] && grep -qE '; [1-9][0-9]* more over --max 1\\)' '$T_WORK/promote-dry.log' &&
    ls '$R/corpus/deep' | cmp -s - '$T_WORK/deep-before-dry' && ! grep -q 'added corpus' '$T_WORK/promote-dry.log'"
mv "$T_WORK/from-more/seed-inner-borrow-full-right" "$T_WORK/from-more/seed-inner-split-left" "$R/corpus/deep/"
"$R/fuzz/promote" --from "$T_WORK/from-deep" --from "$T_WORK/from-same" --max 3 deep >"$T_WORK/promote.log" 2>&1; rc=$?
# shellcheck disable=SC2010 # corpus file names are hashes
ls "$R/corpus/deep" | grep -vxFf "$T_WORK/deep-before" | sed "s|^|$R/corpus/deep/|" >"$T_WORK/deep-added"
added=$(wc -l <"$T_WORK/deep-added")
check "fuzz/promote brings back what the corpus no longer reaches ($added input(s), exit $rc)" \
  test "$rc" = 0 -a "$added" -ge 1 -a "$added" -le 2
check "... they are the taken-out seeds, byte for byte" bash -c "while read -r f; do case \"\$f\" in */cov-*) ;; *) exit 1 ;; esac
  cmp -s \"\$f\" '$T_WORK/from-deep/seed-bounded-backtrack-free' || cmp -s \"\$f\" '$T_WORK/from-deep/seed-bounded-backtrack-plug' || exit 1; done <'$T_WORK/deep-added'"
check "... with the branch directions each adds" log_has "$T_WORK/promote.log" \
  'promote: deep: added corpus/deep/cov-[0-9a-f]{12} \([0-9]+ bytes, \+[0-9]+ branch directions\)'
check "... its summary counts them ($added) and says to commit them" \
  bash -c "grep -q '^promote: deep: $added input(s) reach [1-9][0-9]* branch directions' '$T_WORK/promote.log' &&
    grep -q '^promote: review and commit them' '$T_WORK/promote.log'"
check "... and the corpus still replays cleanly (CTest's corpus.deep driver)" \
  bash -c "'$R/build/fuzz-libfuzzer/fuzz/fuzz_deep_replay' '$R/corpus/deep' >/dev/null 2>&1"
check "... it added only cov-* files ($before -> $(ls "$R/corpus/deep" | wc -l))" test "$(ls "$R/corpus/deep" | wc -l)" = $((before + added))
"$R/fuzz/promote" --from "$T_WORK/from-same" deep >"$T_WORK/promote2.log" 2>&1; rc=$?
check "inputs the corpus has already: nothing promoted (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q '^promote: deep: 0 input(s) reach 0 branch directions' '$T_WORK/promote2.log'"
# no working corpus for any target named: nothing to promote from is a usage error (it used to
# print a line per target and exit 0, after building both builds)
mkdir -p "$T_WORK/no-campaign" "$T_WORK/one-campaign/campaign/c1/deep"
ls "$R/corpus/deep" >"$T_WORK/deep-before2"
"$R/fuzz/promote" --work "$T_WORK/no-campaign" >"$T_WORK/promote3.log" 2>&1; rc=$?
check "no working corpus at all: exit 2 (got $rc), one line naming what is missing" \
  bash -c "[ $rc = 2 ] && [ \$(wc -l <'$T_WORK/promote3.log') = 1 ] && grep -q '^promote: no working corpus for ops oom trace deep corrupt under .*no-campaign/campaign/' '$T_WORK/promote3.log'"
"$R/fuzz/promote" --work "$T_WORK/no-such-dir" deep >"$T_WORK/promote4.log" 2>&1; rc=$?
check "--work that is no directory: exit 2 (got $rc)" \
  bash -c "[ $rc = 2 ] && grep -q \"^promote: --work '.*no-such-dir' is not a directory\" '$T_WORK/promote4.log'"
# a campaign of one target: the others are named as having none, and the run is clean
cp -r "$T_WORK/from-same" "$T_WORK/one-campaign/campaign/c1/deep/corpus"
"$R/fuzz/promote" --work "$T_WORK/one-campaign" ops deep >"$T_WORK/promote5.log" 2>&1; rc=$?
check "a working corpus for deep only: exit 0 (got $rc), ops named as having none" \
  bash -c "[ $rc = 0 ] && grep -q '^promote: ops: no working corpus' '$T_WORK/promote5.log' && grep -q '^promote: deep: 0 input(s) reach' '$T_WORK/promote5.log'"
check "... and corpus/deep is unchanged by the three" bash -c "ls '$R/corpus/deep' | cmp -s - '$T_WORK/deep-before2'"

# -- an oom crash decodes to a trace that reproduces it -----------------------------------------
patch -s -p1 -d "$R" <fuzz/mutants.d/17-auto-slot-claimed-early.patch && rm -f "$R"/core/src/*.orig
# the first 8 bytes: allocation failures for operations 1-7 (none at space creation), then
# an ops seed that plugs DIMMs
(printf '\000\377\377\377\377\377\377\377'; cat corpus/ops/seed-q35-dimms) >"$T_WORK/oom-input"
"$R/fuzz/repro" --target oom "$T_WORK/oom-input" >"$T_WORK/oom-repro.log" 2>&1; rc=$?
osig=$(sed -n 's/^--- result: REPRODUCES: crash: //p' "$T_WORK/oom-repro.log")
check "an oom input reproduces on the planted auto-slot-claimed-early (exit $rc: $osig)" test "$rc" = 1 -a -n "$osig"
"$lfb/fuzz/memdev-decode" --target oom "$T_WORK/oom-input" >"$T_WORK/oom.trace" 2>/dev/null
check "... it decodes with fail-alloc lines" grep -q '^fail-alloc' "$T_WORK/oom.trace"
got=$(fuzz_run_trace "$lfb" "$T_WORK/oom.trace" "$T_WORK/oom-run.txt" 5 2048 | cut -f2)
check "... and memdev run --check on the trace fails the same way ($got)" [ "$got" = "$osig" ]
no_leftovers "findings"

t_finish
