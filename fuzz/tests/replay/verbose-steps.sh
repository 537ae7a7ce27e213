#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# verbose-steps.sh REPLAY CORPUS_DIR - the step listing that fuzz/repro shows (the replay
# driver with MEMDEV_FUZZ_VERBOSE=1: one line per operation, "-> result" and what a success
# returned) tells the truth: a successful plug shows its address, slot and memslots, and a
# failed operation shows no address at all (a mutation sample of fuzz/harness.c found that
# a failed plug could be listed with the address of a placement that never happened), and
# each input's listing starts with the space it creates, as step 0 (a second sample found that
# line could be printed from an operation never filled in).
# Exit: 0 the listing is right, 1 it is not, 2 usage error or the replay failed.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
r_usage "REPLAY CORPUS_DIR" "$@"
log=$work/log
MEMDEV_FUZZ_VERBOSE=1 "$bin" "$dir" >"$log" 2>&1 ||
  { echo "verbose-steps: $bin $dir failed: $(tail -n 1 "$log")" >&2; exit 2; }
ok=$(grep -cE '^ *[0-9]+: plug .* -> ok addr=0x[0-9a-f]+ slot=-?[0-9]+ memslots=[0-9]+' "$log")
failed=$(grep -cE '^ *[0-9]+: plug .* -> [a-z-]+$' "$log")
wrong=$(grep -E '^ *[0-9]+: .* -> [a-np-z][a-z-]* .*addr=' "$log" | head -n 1)
inputs=$(find "$dir" -type f | wc -l)
steps0=$(grep -cE '^ +0: ' "$log")
other0=$(grep -E '^ +0: ' "$log" |
  grep -vE '^ +0: space base=0x[0-9a-f]+ size=0x[0-9a-f]+ budget=0x[0-9a-f]+' | head -n 1)
check "successful plugs are listed with address, slot and memslots ($ok)" test "$ok" -gt 0
check "failed plugs are listed with their error alone ($failed)" test "$failed" -gt 0
check "no failed operation is listed with an address (${wrong:-none})" test -z "$wrong"
check "each of the $inputs inputs lists a step 0 ($steps0)" test "$steps0" -eq "$inputs"
check "step 0 is always the input's space line (${other0:-none})" test -z "$other0"
r_finish
