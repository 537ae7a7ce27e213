#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# minimize.sh - fuzz/repro's minimisers keep the signature when a smaller input could fail
# otherwise. findings.sh minimises a bug that fails one way only; here a scratch repository
# carries two: the planted bug unplug-memslot-sum of fuzz/mutants.d ("stats unplug": it
# needs a plug and the unplug of that device) and, written here, memdev_free answering one
# alignment too high ("result free": any free query that succeeds). The input plugs, queries,
# unplugs (the first failure) and then asks for free ranges, so most ways to make it smaller
# that lose the plug or the unplug fail the second way:
#   - both bugs are there: the input fails with the first signature, its free queries alone
#     with the second;
#   - fuzz/repro --minimize: the smaller input that fails the second way is said and
#     rejected; the minimal input and trace fail with the first signature, and every
#     operation left in the trace is needed (the two, apart in the input);
#   - --lines-only: delta debugging alone finds the same two operations from the input's
#     fifteen, which lie in different halves (halving alone would stop at all fifteen);
#   - the regression case written for the second bug, with the model's expect line, fails
#     `memdev run --check` with that bug's signature;
#   - both inputs minimised in one run: each trace fails with its own signature, the second
#     made of its own operations only.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1
. fuzz/lib.sh

R="$T_WORK/repo"
scratch_repo "$R" || t_abort "scratch repository"
patch -s -p1 -d "$R" <fuzz/mutants.d/13-unplug-memslot-sum.patch && rm -f "$R"/core/src/*.orig
python3 - "$R/core/src/query.c" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
ok = """                          (unsigned long long)size, (unsigned long long)align);
    space_ok(sp);
    return 0;
}"""
assert s.count(ok) == 1, "core/src/query.c: memdev_free's success path is not there"
open(p, "w").write(s.replace(ok, ok.replace("    space_ok(sp);",
                                            "    *addr += align; /* the second bug */\n    space_ok(sp);")))
PY
t_commit "$R" "two bugs"
A="stats unplug"
B="result free"

# the inputs, in the decoder's layout (fuzz/gen-seeds' helpers)
python3 - "$T_WORK" <<'PY'
import importlib.machinery, os, sys
g = importlib.machinery.SourceFileLoader("gen_seeds", "fuzz/gen-seeds").load_module()
d = sys.argv[1]
space = g.header("4G", "64G", "64G", slots=2)
frees = b"".join(g.free(g.size_b(0, k)) for k in range(1, 9))
both = space + g.plug(0, "virtio-mem", g.size_b(2, 16), flags=1) + g.query("stats") + \
    g.plug(1, "dimm", g.size_b(0, 1)) + g.lookup() + g.query("list") + \
    g.plug(2, "dimm", g.size_b(0, 2)) + g.unplug(0) + frees
open(os.path.join(d, "two-bugs"), "wb").write(both)
open(os.path.join(d, "frees"), "wb").write(space + frees)
open(os.path.join(d, "one-free"), "wb").write(space + g.plug(1, "dimm", g.size_b(0, 1)) +
                                             g.free(g.size_b(0, 2)) + g.query("stats"))
PY

# ops_of TRACE: the operations of a trace (not its space, fail-alloc, expect or comment lines)
ops_of() { grep -acvE '^[[:space:]]*(#|$|space|fail-alloc|expect)' "$1"; }
# sig_of INPUT / trace_sig TRACE: the signature the scratch build's replay / memdev run gives
bd="$R/build/fuzz-libfuzzer"
sig_of() { fuzz_replay "$bd" ops "$1" "$T_WORK/replay.txt" 5 2048 | cut -f2; }
trace_sig() { fuzz_run_trace "$bd" "$1" "$T_WORK/trace-run.txt" 5 2048 | cut -f2; }
# all_needed TRACE SIG: TRACE fails with SIG and without any one of its operations it does
# not (it runs cleanly or fails otherwise)
all_needed() {
  local needed nops
  [ "$(trace_sig "$1")" = "$2" ] || return 1
  read -r needed nops < <(t_ops_needed "$bd" "$1" "$2")
  [ "$nops" -ge 1 ] && [ "$needed" = "$nops" ]
}

# -- two bugs, two signatures ------------------------------------------------------------------
"$R/fuzz/repro" --target ops "$T_WORK/two-bugs" "$T_WORK/frees" >"$T_WORK/repro.log" 2>&1; rc=$?
check "the input fails with the first bug's signature ($A; exit $rc)" \
  log_has "$T_WORK/repro.log" "two-bugs +REPRODUCES: crash: $A\$"
check "... and its free queries alone with the second's ($B)" \
  log_has "$T_WORK/repro.log" "frees +REPRODUCES: crash: $B\$"
# a directory is a finding only with both its signature and its target file: a directory of
# inputs, one of them named "signature" (another named "target"), is replayed input by input
for odd in signature target; do
  mkdir -p "$T_WORK/odd-$odd"
  cp "$T_WORK/frees" "$T_WORK/odd-$odd/$odd"
  "$R/fuzz/repro" --target ops "$T_WORK/odd-$odd" >"$T_WORK/odd-$odd.log" 2>&1; rc=$?
  check "a directory of inputs holding one named '$odd' is no finding: its input replayed (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q '^=== .*/odd-$odd/$odd (target ops' '$T_WORK/odd-$odd.log' &&
      grep -q '^--- result: REPRODUCES: crash: $B\$' '$T_WORK/odd-$odd.log'"
done

# -- bytes, then lines ---------------------------------------------------------------------------
"$R/fuzz/repro" --target ops --minimize --time 5 --out "$T_WORK/min" "$T_WORK/two-bugs" \
  >"$T_WORK/minimize.log" 2>&1; rc=$?
min="$T_WORK/min/two-bugs.min"
trace="$T_WORK/min/two-bugs.trace"
check "fuzz/repro --minimize: exit 1 (got $rc), the input and the trace written" \
  test "$rc" = 1 -a -s "$min" -a -s "$trace"
check "... a smaller input that fails the second way was said and rejected" \
  log_has "$T_WORK/minimize.log" "^    a smaller input \([0-9]+ bytes\) fails differently \($B\): rejected, the signature is kept\$"
got=$(sig_of "$min")
check "... the minimal input ($(wc -c <"$min" 2>/dev/null) of $(wc -c <"$T_WORK/two-bugs") bytes) fails with the first signature ($got)" \
  [ "$got" = "$A" ]
check "... the minimal trace ($(ops_of "$trace") operations) fails with it too, every operation needed" \
  all_needed "$trace" "$A"

# -- the lines alone -----------------------------------------------------------------------------
"$R/fuzz/repro" --target ops --minimize --lines-only --time 5 --out "$T_WORK/lines" "$T_WORK/two-bugs" \
  >"$T_WORK/lines.log" 2>&1; rc=$?
lt="$T_WORK/lines/two-bugs.trace"
"$bd/fuzz/memdev-decode" --target ops --no-expect "$T_WORK/two-bugs" >"$T_WORK/two-bugs.trace" 2>/dev/null
n_in=$(ops_of "$T_WORK/two-bugs.trace")
n_out=$(ops_of "$lt" 2>/dev/null)
check "--lines-only: exit 1 (got $rc), the $n_in operations of the input down to $n_out, with the first signature" \
  test "$rc" = 1 -a "$n_in" -ge 10 -a "${n_out:-0}" = 2
check "... every one needed (the plug and its unplug, in different halves of the input)" \
  all_needed "$lt" "$A"

# -- the regression case of the second bug ------------------------------------------------------
"$R/fuzz/repro" --target ops --minimize --time 3 --out "$T_WORK/one" "$T_WORK/one-free" \
  >"$T_WORK/one.log" 2>&1; rc=$?
ot="$T_WORK/one/one-free.trace"
check "the second bug alone: its trace keeps the model's answer as an expect line (exit $rc)" \
  bash -c "[ '$rc' = 1 ] && grep -qE '^expect ok addr=0x[0-9a-f]+\$' '$ot'"
got=$(trace_sig "$ot")
check "... and memdev run --check fails on it with that bug's signature ($got)" [ "$got" = "$B" ]

# -- two inputs in one run: each its own trace (a mutation sample made the second trace the
# first one's lines followed by its own, and every check above passed: each ran one input)
"$R/fuzz/repro" --target ops --minimize --lines-only --time 3 --out "$T_WORK/both" \
  "$T_WORK/two-bugs" "$T_WORK/one-free" >"$T_WORK/both.log" 2>&1; rc=$?
bt="$T_WORK/both/two-bugs.trace" ft="$T_WORK/both/one-free.trace"
got_a=$(trace_sig "$bt") got_b=$(trace_sig "$ft")
check "two inputs minimised in one run (exit $rc): each trace fails with its own signature ($got_a; $got_b)" \
  bash -c "[ '$rc' = 1 ] && [ '$got_a' = '$A' ] && [ '$got_b' = '$B' ]"
check "... the second one's operations are all its own, every one needed" all_needed "$ft" "$B"

no_leftovers "minimize"
t_finish
