#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# decode-cli.sh DECODE CORPUS_ROOT - memdev-decode's command line (fuzz/program_trace.c), which
# fuzz/repro, fuzz/promote and smoke's decode step rely on: every target decodes a seed of its
# own, the target comes from --target or else from the first target name in the path (ops
# when none), and bad usage is exit 2 with one line naming what was wrong, with nothing on
# stdout: an unknown target, an unknown option, --target without a value, no FILE, a file it
# cannot read; and the trace it prints for every ops and oom seed runs under memdev run --check
# (the build's memdev, beside memdev-decode's folder; every 8th seed and the rejected spaces
# in sanitizer builds).
# Run by CTest (fuzz.decode-cli) with the build's memdev-decode.
# Exit: 0 every check passed, 1 one failed, 2 usage error.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
r_usage "DECODE CORPUS_ROOT" "$@"
stride=${MEMDEV_DECODE_STRIDE:-1}
[[ "$stride" =~ ^[1-9][0-9]*$ ]] || { echo "decode-cli: MEMDEV_DECODE_STRIDE=$stride is no count" >&2; exit 2; }
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

# what it prints runs: the trace of every ops and oom seed passes memdev run --check, with
# exit 2 where the trace says the library rejects its space (mutation sample 5305: a trace
# without its space line passed every CTest test). MEMDEV_DECODE_STRIDE=K (CMake sets 8 in
# sanitizer builds, where a decode and a run take 50 ms each, 220 seeds 24 s under ASan) takes
# every K-th seed of each target, and the ops seeds of invalid spaces (seed-invalid-space*)
# always.
cli=$(dirname "$bin")/../core/memdev
for t in ops oom; do
  n=0 k=0 rejected=0 bad=()
  while IFS= read -r f; do
    k=$((k + 1))
    [ $(((k - 1) % stride)) = 0 ] || [[ "$f" == */seed-invalid-space* ]] || continue
    run --target "$t" "$f"
    if [ "$rc" != 0 ]; then bad+=("$(basename "$f") (decode exit $rc)"); continue; fi
    want=0
    grep -q '^# the library rejects this space' "$work/out" && want=2
    "$cli" run --check --quiet "$work/out" >"$work/cli.out" 2>&1
    got=$?
    n=$((n + 1))
    [ "$want" = 2 ] && rejected=$((rejected + 1))
    [ "$got" = "$want" ] || bad+=("$(basename "$f") (exit $got, want $want: $(head -n 1 "$work/cli.out"))")
  done < <(find "$dir/$t" -maxdepth 1 -type f ! -name '.*' | sort)
  check "the traces of $n $t seeds (1 in $stride; $rejected with a space the library rejects: exit 2) run under memdev run --check${bad:+; failed: ${bad[*]}}" \
    test "$n" -gt 0 -a "${#bad[@]}" = 0
  [ "$t" = ops ] && rejected_ops=$rejected
done
# the ops corpus holds rejected spaces (seed-invalid-space*): the exit-2 side is checked too
check "... the ops seeds include spaces the library rejects ($rejected_ops)" test "$rejected_ops" -gt 0

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
