#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# decode-cli.sh DECODE CORPUS_ROOT - memdev-decode's command line (fuzz/program_trace.c), which
# fuzz/repro, fuzz/promote and smoke's decode step rely on: every target decodes a seed of its
# own, the target comes from --target or else from the first target name in the path (ops
# when none), and bad usage is exit 2 with one line naming what was wrong, with nothing on
# stdout: an unknown target, an unknown option, --target without a value, no FILE, a file it
# cannot read; and the traces it prints for an ops and an oom seed run under memdev run --check
# (the build's memdev, beside memdev-decode's folder).
# Run by CTest (fuzz.decode-cli) with the build's memdev-decode.
# Exit: 0 every check passed, 1 one failed, 2 usage error.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
r_usage "DECODE CORPUS_ROOT" "$@"
# refused USAGE_ERE ARGS...: exit 2, one stderr line starting 'memdev-decode: ' that matches
# USAGE_ERE, nothing on stdout
refused() {
  local ere=$1
  shift
  run "$@"
  check "'$*': exit 2 (got $rc)" test "$rc" = 2
  check "... says '$ere' (got: $(head -n 1 "$work/err"))" grep -qE "^memdev-decode: $ere" "$work/err"
  check "... prints no trace" test ! -s "$work/out"
}

# decoded_as TARGET: the last run exited 0 and its trace says it decoded the input as TARGET
decoded_as() {
  [ "$rc" = 0 ] && head -n 1 "$work/out" | grep -qx "# memdev-decode --target $1 .*"
}

targets=(ops oom trace deep corrupt)
seed=()
for t in "${targets[@]}"; do
  f=$(find "$dir/$t" -maxdepth 1 -type f ! -name '.*' | sort | head -n 1)
  [ -n "$f" ] || { echo "decode-cli: $dir/$t has no seed" >&2; exit 2; }
  seed+=("$f")
done

run --help
check "--help: exit 0, the usage on stdout" \
  bash -c "[ $rc = 0 ] && head -n 1 '$work/out' | grep -q '^usage: memdev-decode ' && [ ! -s '$work/err' ]"

# each target, named, on a seed of its own; and found from the path alone
for i in "${!targets[@]}"; do
  t=${targets[$i]} f=${seed[$i]}
  run --target "$t" "$f"
  check "--target $t on $(basename "$f"): exit 0 (got $rc), decoded as $t" decoded_as "$t"
  run "$f"
  check "... the same target from the path ($t/)" decoded_as "$t"
done
# a path with no target name in it is an ops input; --target still decides
cp "${seed[1]}" "$work/input"
run "$work/input"
check "no target in the path: decoded as ops" decoded_as ops
run --target oom "$work/input"
check "... and as oom with --target oom" decoded_as oom
# --no-expect leaves out the model's expect lines
run --target ops "${seed[0]}"
with=$(grep -c '^expect ' "$work/out")
run --no-expect --target ops "${seed[0]}"
without=$(grep -c '^expect ' "$work/out")
check "--no-expect: no expect lines (with them: $with, without: $without)" \
  test "$rc" = 0 -a "$with" -gt 0 -a "$without" = 0

# what it prints runs: the decoded ops and oom seeds pass memdev run --check (exit 2 when the
# trace says the library rejects its space), as fuzz/smoke's round trip checks for every seed
# (mutation sample 5305: a trace without its space line passed every CTest test)
cli=$(dirname "$bin")/../core/memdev
for i in 0 1; do
  run --target "${targets[$i]}" "${seed[$i]}"
  cp "$work/out" "$work/decoded.trace"
  want=0
  grep -q '^# the library rejects this space' "$work/decoded.trace" && want=2
  "$cli" run --check --quiet "$work/decoded.trace" >"$work/cli.out" 2>&1
  got=$?
  check "the ${targets[$i]} seed's trace runs under memdev run --check: exit $got (want $want)" \
    test "$got" = "$want"
done

refused "unknown target 'afl'" --target afl "${seed[0]}"
refused "unknown target 'ops2'" --target ops2 "${seed[0]}"
refused "unknown option --bogus" --bogus "${seed[0]}"
refused "unknown option -x" -x "${seed[0]}"
refused "unknown option --target" "${seed[0]}" --target
refused "no FILE given"
refused "no FILE given" --no-expect
run "$work/no-such-file"
check "a file it cannot read: exit 2 (got $rc), naming it" \
  bash -c "[ $rc = 2 ] && grep -q '^memdev-decode: cannot read $work/no-such-file' '$work/err'"

r_finish
