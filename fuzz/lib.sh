# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# lib.sh - shared by the fuzz/ scripts (sourced, not run): repository root, the target list
# (fuzz/targets.txt, the one place it is kept), argument checks with the exit-code convention,
# installing missing tools, one build directory per engine so the scripts never clobber the
# presets' build/<preset> trees, process hygiene (every process a tool starts is ended on
# every exit path), replaying an input and naming its failure (kind and signature), and the
# findings store.
#
#   replay    build/fuzz-replay        default compiler (gcc), standalone drivers, no engine
#   libfuzzer build/fuzz-libfuzzer     clang -fsanitize=fuzzer + ASan + UBSan
#   afl       build/fuzz-afl           afl-clang-fast, persistent mode, ASan + UBSan
#   cmplog    build/fuzz-afl-cmplog    afl-clang-fast with AFL_LLVM_CMPLOG=1, no sanitizers
#   coverage  build/fuzz-coverage      clang -fprofile-instr-generate -fcoverage-mapping
#
# Exit-code convention of every script in fuzz/ (and bench/, tests/): 0 clean, 1 findings or
# regression, 2 usage or tool error; a usage error is one line on stderr naming the bad
# argument, printed before anything is built or installed.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ_JOBS_BUILD=${FUZZ_JOBS_BUILD:-2}
FUZZ_PROG=${FUZZ_PROG:-fuzz}

fuzz_targets() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$TOP/fuzz/targets.txt" | grep -v '^$'
}

fuzz_is_target() {
  fuzz_targets | grep -qx -- "$1"
}

# ---- arguments ----------------------------------------------------------------------------

# fuzz_usage MESSAGE: the one-line usage error of $FUZZ_PROG, exit 2.
fuzz_usage() {
  echo "$FUZZ_PROG: $1 (see fuzz/$FUZZ_PROG --help)" >&2
  exit 2
}

# fuzz_value "$@": the value of the option in $1 must be there ($2 of the caller's list).
#   val=$(fuzz_value "$@") || exit 2;  shift 2
fuzz_value() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then
    echo "$FUZZ_PROG: $1 needs a value (see fuzz/$FUZZ_PROG --help)" >&2
    return 2
  fi
  printf '%s\n' "$2"
}

# fuzz_uint OPTION VALUE MIN MAX: VALUE must be a decimal integer in [MIN, MAX] (no overflow:
# at most 9 digits before the comparison).
fuzz_uint() {
  local opt=$1 v=$2 min=$3 max=$4
  [[ "$v" =~ ^[0-9]{1,9}$ ]] && [ "$((10#$v))" -ge "$min" ] && [ "$((10#$v))" -le "$max" ] ||
    fuzz_usage "$opt '$v' must be an integer from $min to $max"
}

# ---- tools and builds ---------------------------------------------------------------------

# fuzz_need CMD PACKAGE: installs PACKAGE (the project's installer, .ci/packages.sh) when CMD
# is missing.
. "$TOP/.ci/packages.sh"
fuzz_need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  memdev_need "$2" || true
  command -v "$1" >/dev/null 2>&1 || { echo "$FUZZ_PROG: $1 is missing (package $2)" >&2; return 1; }
}

fuzz_need_engine() {
  fuzz_need cmake cmake && fuzz_need ninja ninja-build || return 1
  case "$1" in
    replay) fuzz_need cc gcc ;;
    libfuzzer) fuzz_need clang clang && memdev_need libclang-rt-14-dev &&
               fuzz_need llvm-symbolizer llvm ;;
    afl|cmplog) fuzz_need clang clang && memdev_need libclang-rt-14-dev &&
      fuzz_need afl-clang-fast afl++ && fuzz_need afl-fuzz afl++ ;;
    coverage) fuzz_need clang clang && memdev_need libclang-rt-14-dev &&
              fuzz_need llvm-profdata llvm && fuzz_need llvm-cov llvm ;;
  esac
}

# fuzz_build ENGINE [SRC DIR]: configures and builds the fuzz targets (and the memdev command)
# for ENGINE from source tree SRC (default: this checkout) into DIR (default: see above);
# prints the build directory. Build output goes to DIR/fuzz-build.log. FUZZ_BUILD_TARGETS
# (space-separated CMake targets) builds only those (fuzz/bisect builds one target).
fuzz_build() {
  local engine=$1 src=${2:-$TOP} dir=${3:-$TOP/build/fuzz-$1} cc="" flags=() env=()
  local deny="AFL_LLVM_DENYLIST=$src/fuzz/coverage-denylist.txt"
  [ "$engine" = cmplog ] && [ -z "${3:-}" ] && dir="$TOP/build/fuzz-afl-cmplog"
  fuzz_need_engine "$engine" >&2 || {
    echo "$FUZZ_PROG: the $engine build failed: the tools it needs are missing and could not be installed" >&2
    return 1
  }
  case "$engine" in
    replay) cc=${CC:-cc}; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    libfuzzer) cc=clang; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMDEV_FUZZ_ENGINE=libfuzzer
                                "-DMEMDEV_SANITIZE=address,undefined") ;;
    afl) cc=afl-clang-fast; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMDEV_FUZZ_ENGINE=afl
                                   "-DMEMDEV_SANITIZE=address,undefined")
         env=(AFL_QUIET=1 "$deny") ;;
    cmplog) cc=afl-clang-fast; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMDEV_FUZZ_ENGINE=afl)
            env=(AFL_QUIET=1 AFL_LLVM_CMPLOG=1 "$deny") ;;
    # no ccache: the coverage mapping keeps the directory of the compile that made the object
    coverage) cc=clang; flags=(-DCMAKE_BUILD_TYPE=Debug -DMEMDEV_CCACHE=OFF
                               "-DCMAKE_C_FLAGS=-fprofile-instr-generate -fcoverage-mapping"
                               -DCMAKE_EXE_LINKER_FLAGS=-fprofile-instr-generate) ;;
    *) echo "$FUZZ_PROG: unknown engine $engine" >&2; return 1 ;;
  esac
  # the lock is opened first, alone: `if ! ( ... ) 9>LOCK` took a lock that cannot be opened
  # (a directory in its place, a read-only tree) for a build that succeeded, and the campaign
  # went on with whatever build was there (bash does not negate a compound command whose
  # redirection fails)
  if ! mkdir -p "$dir" 2>/dev/null || ! : 2>/dev/null >>"$dir/.build.lock"; then
    echo "$FUZZ_PROG: the $engine build failed: cannot open its lock $dir/.build.lock" >&2
    return 1
  fi
  local log="$dir/fuzz-build.log" tgts=(memdev_cli memdev_decode) rc=0
  local t
  for t in $(fuzz_targets); do
    tgts+=("fuzz_${t}_replay")
    case "$engine" in replay|coverage) ;; *) tgts+=("fuzz_$t") ;; esac
  done
  # shellcheck disable=SC2206
  [ -n "${FUZZ_BUILD_TARGETS:-}" ] && tgts=($FUZZ_BUILD_TARGETS)
  # one build at a time per build directory: two campaigns started together from one checkout
  # (two "hosts" on one machine) would otherwise race in make and lose each other's objects
  ( flock 9 || exit 1
    memdev_ninja # a new build directory: Ninja (.ci/packages.sh)
    { env "${env[@]}" CC="$cc" cmake -S "$src" -B "$dir" -DMEMDEV_BUILD_TESTS=OFF \
        "${flags[@]}" &&
      env "${env[@]}" cmake --build "$dir" -j "$FUZZ_JOBS_BUILD" --target "${tgts[@]}"; } \
      >"$log" 2>&1 ) 9>"$dir/.build.lock" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "$FUZZ_PROG: the $engine build failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  echo "$dir"
}

# fuzz_afl_env: the environment AFL++ needs on these VMs and containers. Single allocations
# and the resident size above FUZZ_RSS_MB (default 2048) abort under ASan, so AFL++ records
# them as crashes (its own -m limit cannot be used with ASan); fuzz/repro then names them
# "out of memory". The allocation stacks are off in UBSAN_OPTIONS too (a flag every sanitizer
# reads): afl-cmin replaces ASAN_OPTIONS with its own, and with 30 frames unwound at every
# malloc its traces of deep took 2.3x as long (10.0 s against 4.3 s for 755 inputs).
fuzz_afl_env() {
  local rss=${FUZZ_RSS_MB:-2048}
  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
  export AFL_TRY_AFFINITY=1 AFL_NO_AFFINITY=${AFL_NO_AFFINITY:-} AFL_QUIET=1
  export ASAN_OPTIONS=${FUZZ_AFL_ASAN_OPTIONS:-abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=0:malloc_context_size=0:max_allocation_size_mb=$rss:hard_rss_limit_mb=$rss}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:malloc_context_size=0}
}

# fuzz_target_of PATH: the target a crash or corpus file belongs to (a path component that is
# a target name), empty when none.
fuzz_target_of() {
  local p=$1 c best="" tl
  # the list read once (a sed and a grep for each of a path's components took 0.45 s a
  # path here: fuzz/repro on 77 inputs spent half its time in it)
  tl=" $(fuzz_targets | tr '\n' ' ') "
  IFS=/ read -r -a parts <<<"$p"
  for c in "${parts[@]}"; do
    [ -n "$c" ] && [[ "$c" != *[[:space:]]* && "$tl" == *" $c "* ]] && best=$c
  done
  echo "$best"
}

# fuzz_commit [SRC]: the commit SRC is at ("2cb991c", "2cb991c+changes" when core/ or fuzz/
# differ from it, "unknown" outside git).
fuzz_commit() {
  local src=${1:-$TOP} c top
  top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) || { echo unknown; return; }
  [ "$(cd "$top" && pwd -P)" = "$(cd "$src" && pwd -P)" ] || { echo unknown; return; }
  c=$(git -C "$src" rev-parse --short=10 HEAD 2>/dev/null) || { echo unknown; return; }
  if [ -n "$(git -C "$src" status --porcelain --untracked-files=no -- core fuzz 2>/dev/null)" ]; then
    c="$c+changes"
  fi
  echo "$c"
}

# fuzz_bug_name PATCH: a planted bug's name (fuzz/mutants.d/NN-NAME.patch -> NAME)
fuzz_bug_name() { local n; n=$(basename "$1" .patch); echo "${n#[0-9][0-9]-}"; }

# fuzz_bug_patch DIR NAME: the patch of the planted bug NAME in DIR (NN-NAME.patch or
# NAME.patch); status 1, and nothing printed, when there is none
fuzz_bug_patch() {
  local p
  for p in "$1"/*.patch; do
    [ -f "$p" ] && [ "$(fuzz_bug_name "$p")" = "$2" ] && { echo "$p"; return 0; }
  done
  return 1
}

# fuzz_cpu_tier: the best kernel tier of the window tree on this CPU, by the test
# wtree_simd_available() makes (core/src/wtree.c): avx512 (avx512f and avx512bw), avx2 or
# scalar. What the seeds reach in the tier-specific kernels depends on it.
fuzz_cpu_tier() {
  local flags
  flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
  if [[ "$(uname -m)" != x86_64 ]]; then echo scalar
  elif [[ "$flags" == *" avx512f "* && "$flags" == *" avx512bw "* ]]; then echo avx512
  elif [[ "$flags" == *" avx2 "* ]]; then echo avx2
  else echo scalar; fi
}

fuzz_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# ---- processes ----------------------------------------------------------------------------
# Every process a tool starts carries the variable FUZZ_TAG (named MEMDEV_FUZZ_TAG_<pid>_<n>,
# unique per tool run) in its environment. Engines run in process groups of their own
# (setsid); the helpers they fork may leave the group (AFL++'s fork servers call setsid, and
# a CMPLOG fork server used to stay behind, stopped), but never lose the environment. On every
# exit path (normal, error, Ctrl-C, TERM, HUP) fuzz_reap kills the groups and then every
# process that still carries the tag, stopped or not.

FUZZ_PGIDS=()
FUZZ_JOBS=() # background jobs of the tool's own shell (subshells: they carry no tag)
FUZZ_TAG=""
FUZZ_INTERRUPTED=0

# fuzz_proc_init: call once after the arguments are checked. INT/TERM/HUP call
# fuzz_on_interrupt (a tool may define it to stop gracefully; the default exits 130) and a
# second one exits at once; EXIT reaps.
fuzz_proc_init() {
  FUZZ_TAG="MEMDEV_FUZZ_TAG_$$_${RANDOM}${RANDOM}"
  export "$FUZZ_TAG=1"
  trap 'fuzz_signal' INT TERM HUP
  trap 'fuzz_reap' EXIT
}

fuzz_signal() {
  FUZZ_INTERRUPTED=$((FUZZ_INTERRUPTED + 1))
  if [ "$FUZZ_INTERRUPTED" -gt 1 ] || ! declare -F fuzz_on_interrupt >/dev/null; then
    echo "$FUZZ_PROG: interrupted" >&2
    exit 130
  fi
  fuzz_on_interrupt
}

# fuzz_tagged [TAG]: pids of the live processes (not zombies) carrying TAG (default: ours).
# shellcheck disable=SC2120 # TAG is optional: callers pass it or not
fuzz_tagged() {
  local tag=${1:-$FUZZ_TAG} f p st
  [ -n "$tag" ] || return 0
  for f in $(grep -lsz -- "^$tag=" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = "$$" ] && continue
    st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
    [ "$st" = Z ] && continue
    echo "$p"
  done
}

# fuzz_spawn LOG CMD...: runs CMD in the background in a new process group (its own session),
# output to LOG, stdin from /dev/null; sets FUZZ_PID (the group). CMD runs under a small sh
# that leads the group and exits with CMD's status (128+N for a signal N), so a CMD killed by
# a signal (libFuzzer aborting at start) is not announced by bash ("line 465: 3304 Aborted
# setsid ...", on the tool's stderr): it is the tool's to say, once. The sh only defers
# INT/TERM/HUP (they reach CMD in the same group; sh waits for it to end, as wait did).
fuzz_spawn() {
  local log=$1
  shift
  setsid sh -c 'trap : INT TERM HUP; "$@"; exit $?' fuzz_spawn "$@" </dev/null >"$log" 2>&1 &
  FUZZ_PID=$!
  FUZZ_PGIDS+=("$FUZZ_PID")
}

# fuzz_stop SECONDS PID...: SIGTERM to each process group (the engines stop cleanly: final
# stats; SIGINT would not reach libFuzzer's fork-mode parent while it waits in system()),
# SIGKILL to whatever is left after SECONDS; reaps them quietly.
fuzz_stop() {
  local grace=$1 p i alive
  shift
  for p in "$@"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done
  for ((i = 0; i < grace * 5; i++)); do
    alive=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for p in "$@"; do kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  for p in "$@"; do wait "$p" 2>/dev/null; done
  return 0
}

# fuzz_reap: ends every process this tool started (groups, then anything tagged), stopped or
# not; waits until none is left (at most about 2 s).
# Every command may fail (a process already gone, a job killed: wait returns 137) and none
# may stop it: tools that run under `set -e` (fuzz/smoke, fuzz/mutants) reap here too.
fuzz_reap() {
  local p pids i
  for p in "${FUZZ_PGIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  for p in "${FUZZ_JOBS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${FUZZ_PGIDS[@]}" "${FUZZ_JOBS[@]}"; do wait "$p" 2>/dev/null || true; done
  FUZZ_PGIDS=() FUZZ_JOBS=()
  for ((i = 0; i < 10; i++)); do
    pids=$(fuzz_tagged) || true
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  return 0
}

# ---- replaying an input and naming its failure ---------------------------------------------
# A failure is named by its kind and a signature that stays the same for every input that
# hits one bug:
#   kind crash  memdev check   "result plug" (harness.h's "memdev-fuzz: SIGNATURE:" line)
#               sanitizer      "heap-buffer-overflow f1 f2 f3" (top three frames of the
#                              program, as ClusterFuzz's crash state; DEDUP_TOKEN otherwise)
#   kind leak   "leak end" (harness) or "leak f1 f2 f3" (LeakSanitizer)
#   kind hang   "hang f1 f2 f3" (where the input was when the timeout fired)
#   kind oom    "out-of-memory f1 f2 f3" (a single allocation above the limit) or
#               "out-of-memory (rss limit)"

FUZZ_REPLAY_ASAN="symbolize=1:dedup_token_length=3:detect_leaks=1:allocator_may_return_null=0"
# The engines fuzz without allocation stacks (a fifth of the time under ASan went to
# unwinding at every malloc), and so do the corpus merges of fuzz/campaign and fuzz/promote
# (libFuzzer's -merge=1 of deep: 5.7 -> 4.8 s for 755 inputs); every finding is replayed with
# FUZZ_REPLAY_ASAN for its report. Nor do they symbolize the stacks of what fails (an
# llvm-symbolizer start, 0.3 s, for each: a bug that most seeds meet made a 10-second session
# spend its budget on fork mode's first merge and 30 s more on the corpus merge, restarting
# after each failing seed); the replay symbolizes.
# shellcheck disable=SC2034 # read by fuzz/campaign
FUZZ_ENGINE_ASAN="$FUZZ_REPLAY_ASAN:malloc_context_size=0:symbolize=0"

# fuzz_max_len TARGET: the target's max_len from fuzz/options/TARGET.options (empty if none).
fuzz_max_len() {
  sed -n 's/^max_len *= *//p' "$TOP/fuzz/options/$1.options" 2>/dev/null | head -n 1
}
FUZZ_REPLAY_UBSAN="print_stacktrace=1:halt_on_error=1:dedup_token_length=3"

# fuzz_drop_seeds TARGET DIR: removes from DIR the files named as corpus/TARGET's seeds (what
# a libFuzzer -merge=1 into DIR copied of them); one rm, not one per seed
fuzz_drop_seeds() {
  local seeds=("$TOP/corpus/$1"/*)
  seeds=("${seeds[@]##*/}")
  rm -f -- "${seeds[@]/#/$2/}"
}

# fuzz_classify REPORT [EXIT]: prints "KIND<TAB>SIGNATURE" for a replay report; "none" when
# the report shows no failure and EXIT is 0.
fuzz_classify() {
  awk -v rc="${2:-0}" '
    function runtime(f) {
      return f ~ /^(__sanitizer|__asan|__lsan|__ubsan|__msan|__interceptor|__interception|fuzzer::|__libc|__GI_|_start$|main$|malloc$|calloc$|realloc$|free$|reallocarray$|posix_memalign$|aligned_alloc$|abort$|raise$|gsignal$|__restore_rt|std::|operator|harness_fail$|__cxa)/
    }
    /memdev-fuzz: SIGNATURE: / && msig == "" { msig = $0; sub(/.*SIGNATURE: /, "", msig) }
    # the first report counts (a slow stack print may be cut by the timeout alarm)
    /ERROR: libFuzzer: timeout/ && kind == "" { kind = "hang" }
    /ERROR: libFuzzer: out-of-memory \(malloc/ && kind == "" { kind = "oom" }
    /ERROR: libFuzzer: out-of-memory \(used/ && kind == "" { kind = "oom"; rsslim = 1 }
    /ERROR: AddressSanitizer: (requested allocation size|allocation-size-too-big|out of memory|allocator is out of memory)/ && kind == "" { kind = "oom" }
    /ERROR: AddressSanitizer: hard rss limit exhausted/ && kind == "" { kind = "oom"; rsslim = 1 }
    /ERROR: AddressSanitizer: / && san == "" { san = $0; sub(/.*ERROR: AddressSanitizer: /, "", san); sub(/ .*/, "", san) }
    /ERROR: LeakSanitizer: detected memory leaks/ { leak = 1 }
    /runtime error: / && san == "" { san = "undefined-behavior" }
    /ERROR: libFuzzer: deadly signal/ { deadly = 1 }
    /^DEDUP_TOKEN: / && tok == "" { tok = $0; sub(/^DEDUP_TOKEN: /, "", tok); gsub(/--/, " ", tok) }
    /^ *#[0-9]+ 0x[0-9a-fA-F]+ in / {
      if (done) next
      instack = 1
      f = $0; sub(/.* in /, "", f); sub(/[ (].*/, "", f)
      if (f != "" && !runtime(f) && nf < 3 && f != last) { frames = frames (nf ? " " : "") f; nf++; last = f }
      next
    }
    instack && !/^ *#[0-9]+ / { instack = 0; if (nf) done = 1 }
    / DIVERGENCE \(/ && dsig == "" {
      d = $0; sub(/.* DIVERGENCE \(/, "", d); sub(/\).*/, "", d); dcheck = d; want_op = 1; next
    }
    want_op && /^  operation: / { o = $0; sub(/^  operation: /, "", o); sub(/ .*/, "", o); dsig = dcheck " " o; want_op = 0 }
    want_op && /^  found by the full check at the end/ { dsig = dcheck " end"; want_op = 0 }
    END {
      st = (frames != "") ? frames : tok
      if (msig != "") { k = (msig ~ /^leak /) ? "leak" : "crash"; print k "\t" msig; exit }
      if (kind == "hang") { print "hang\thang " (st != "" ? st : "(no stack)"); exit }
      if (kind == "oom") { print "oom\tout-of-memory " (rsslim ? "(rss limit)" : (st != "" ? st : "(no stack)")); exit }
      if (san != "") { print "crash\t" san " " st; exit }
      if (leak) { print "leak\tleak " st; exit }
      if (dsig != "") { print "crash\t" dsig; exit }
      if (deadly) { print "crash\tdeadly-signal " st; exit }
      if (rc != 0) { print "crash\texit " rc; exit }
      print "none\t"
    }' "$1"
}

# fuzz_replay BDIR TARGET FILE REPORT [TIMEOUT] [RSS_MB]: runs FILE once on the libFuzzer
# build BDIR with the per-input limits; the whole output goes to REPORT; prints
# "KIND<TAB>SIGNATURE<TAB>SECONDS". Extra environment (MEMDEV_FUZZ_VERBOSE=1) passes through.
# The stack is symbolized only when the signature needs it: the first run does not symbolize
# (an llvm-symbolizer start with the C library's debug information: 0.55 s a replay against
# 0.18 s). A failure the harness did not name itself needs its frames: a sanitizer report or
# an allocation above the limit is run once more, symbolized (they fail fast); a hang's bare
# report is named afterwards (fuzz_symbolize; a second run would cost its timeout again), or
# run again when llvm-symbolizer cannot be used. So REPORT has function names only for those:
# FUZZ_SYMBOLIZE=always symbolizes the first run (a report someone reads, fuzz_report_symbolize).
# SECONDS is always the first run's.
fuzz_replay() {
  local bdir=$1 t=$2 f=$3 rep=$4 to=${5:-10} rss=${6:-2048} rc=0 s e sym=0 c secs
  [ "${FUZZ_SYMBOLIZE:-lazy}" = always ] && sym=1
  s=$(date +%s%N)
  fuzz_replay_run "$bdir" "$t" "$f" "$rep" "$to" "$rss" "$sym" || rc=$?
  e=$(date +%s%N)
  secs=$(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", (b - a) / 1e9}')
  c=$(fuzz_classify "$rep" "$rc")
  if [ "$sym" = 0 ] && [ "${c%%$'\t'*}" != none ] && ! grep -qa 'memdev-fuzz: SIGNATURE: ' "$rep"; then
    if [ "${c%%$'\t'*}" = hang ] && fuzz_symbolize "$rep"; then
      c=$(fuzz_classify "$rep" "$rc")   # a hang is not run again: that would cost its timeout
    else
      rc=0
      fuzz_replay_run "$bdir" "$t" "$f" "$rep" "$to" "$rss" 1 || rc=$?
      c=$(fuzz_classify "$rep" "$rc")
    fi
  fi
  printf '%s\t%s\n' "$c" "$secs"
}

# fuzz_symbolize REPORT: names the bare frames of a report made without symbolizing
# ("#4 0x55d5..  (/path/fuzz_ops+0x1a618a)"), in place, as the sanitizer would have: one
# llvm-symbolizer for all of them, a line per function inlined at an address, innermost
# first, the frames of each stack numbered again from #0. A frame it cannot name stays as
# it was. Exit 1 (REPORT unchanged) when llvm-symbolizer is missing or fails.
fuzz_symbolize() {
  local rep=$1 syms out frame='^ *#[0-9]+ 0x[0-9a-fA-F]+  \((.+)\+(0x[0-9a-fA-F]+)\)'
  command -v llvm-symbolizer >/dev/null 2>&1 || return 1
  syms=$(mktemp) && out=$(mktemp) || return 1
  if sed -nE "s/$frame.*/CODE \"\1\" \2/p" "$rep" | llvm-symbolizer --inlines --demangle >"$syms" 2>/dev/null &&
     awk -v syms="$syms" -v frame="$frame" '
       BEGIN { # groups of "function NL location" pairs, a blank line after each address
         g = 1; k = 0
         while ((getline l < syms) > 0) {
           if (l == "") { if (k) { n[g] = k; g++; k = 0 }; continue }
           fn[g, ++k] = l; getline loc[g, k] < syms
         }
         if (k) n[g] = k
         g = 0
       }
       $0 ~ frame {
         g++; pc = $2; mod = $0; sub(/^[^(]*/, "", mod); sub(/\).*/, ")", mod)
         named = 0
         for (i = 1; i <= n[g]; i++) if (fn[g, i] != "??") named = 1
         if (!named) { line = $0; sub(/#[0-9]+/, "#" f++, line); print line; next }
         for (i = 1; i <= n[g]; i++) {
           l = loc[g, i]; sub(/:0(:0)?$/, "", l) # as the sanitizer prints an unknown line
           printf "    #%d %s in %s %s\n", f++, pc, fn[g, i], (l ~ /^\?\?/ ? mod : l)
         }
         next
       }
       /^ *#[0-9]+ / { line = $0; sub(/#[0-9]+/, "#" f++, line); print line; next }
       { f = 0; print }' "$rep" >"$out"; then
    cat "$out" >"$rep"
    rm -f "$syms" "$out"
    return 0
  fi
  rm -f "$syms" "$out"
  return 1
}
fuzz_replay_run() { # fuzz_replay_run BDIR TARGET FILE REPORT TIMEOUT RSS SYMBOLIZE: one run
  ASAN_OPTIONS="$FUZZ_REPLAY_ASAN:symbolize=$7" UBSAN_OPTIONS="$FUZZ_REPLAY_UBSAN:symbolize=$7" \
    setsid "$1/fuzz/fuzz_$2" -runs=1 -timeout="$5" -rss_limit_mb="$6" \
    -malloc_limit_mb="$6" "$3" </dev/null >"$4" 2>&1
}

# fuzz_report_symbolize BDIR DIR TIMEOUT RSS: the report of finding DIR with function names.
# A report a lazy replay made (fuzz_replay) has bare addresses when the harness named the
# failure; the representative input is then replayed once more, symbolized, and its report
# replaces the old one if it fails with the finding's signature (otherwise it stays as it is).
fuzz_report_symbolize() {
  local bdir=$1 d=$2 to=$3 rss=$4 t key rep got
  # bare: stack frames, none of them named ("#3 0x7f..  (libc.so.6+0x3c04f)" in a
  # symbolized report is a frame without a name, so one frame alone does not tell)
  grep -qaE '^ *#[0-9]+ 0x[0-9a-fA-F]+ ' "$d/report.txt" 2>/dev/null || return 0
  grep -qaE '^ *#[0-9]+ 0x[0-9a-fA-F]+ in ' "$d/report.txt" && return 0
  t=$(cat "$d/target"); key=$(basename "$d"); key=${key#"$t"-}
  rep=$(mktemp) || return 0
  got=$(FUZZ_SYMBOLIZE=always fuzz_replay "$bdir" "$t" "$d/crash-$key" "$rep" "$to" "$rss" | cut -f2)
  if [ "$got" = "$(cat "$d/signature")" ]; then cat "$rep" >"$d/report.txt"; fi
  rm -f "$rep"
}

# fuzz_run_trace BDIR TRACE REPORT [TIMEOUT] [RSS_MB]: `memdev run --check` on TRACE with the
# same limits (the memdev of the libFuzzer build has ASan+UBSan); prints "KIND<TAB>SIGNATURE".
# A divergence is named like the harness names it ("CHECK OP"); a hang is stopped with SIGABRT
# so the sanitizer prints where it was.
fuzz_run_trace() {
  local bdir=$1 trace=$2 rep=$3 to=${4:-10} rss=${5:-2048} rc=0
  ASAN_OPTIONS="$FUZZ_REPLAY_ASAN:handle_abort=1:max_allocation_size_mb=$rss:hard_rss_limit_mb=$rss" \
    UBSAN_OPTIONS=$FUZZ_REPLAY_UBSAN \
    timeout -s ABRT -k 2 "$to" "$bdir/core/memdev" run --check --quiet "$trace" \
    </dev/null >"$rep" 2>&1 || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "ERROR: libFuzzer: timeout (memdev run stopped after ${to}s)" >>"$rep"
  fi
  # exit 1 is a divergence or an expect mismatch, 2 a malformed trace: failures of the
  # trace, not crashes; the report names divergences.
  if [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; then
    local c
    c=$(fuzz_classify "$rep" 0)
    if [ "${c%%$'\t'*}" = none ]; then
      if [ "$rc" -eq 2 ]; then printf 'crash\tmalformed trace\n'; else printf 'crash\texpect mismatch\n'; fi
      return
    fi
    echo "$c"
    return
  fi
  fuzz_classify "$rep" "$rc"
}

# fuzz_kind_words KIND: how the tools say it.
fuzz_kind_words() {
  case "$1" in
    hang) echo "hang" ;;
    oom) echo "out of memory" ;;
    leak) echo "leak" ;;
    crash) echo "crash" ;;
    *) echo "$1" ;;
  esac
}

# ---- findings -----------------------------------------------------------------------------
# WORK/findings/TARGET-KEY/ (KEY: first 8 hex digits of sha1 of "TARGET SIGNATURE"):
#   signature kind target  one line each
#   found                  "COMMIT DATE ENGINE HOST": where and when it was first seen
#   status                 "open: reproduces at COMMIT (DATE)" or "fixed at COMMIT (DATE)"
#   inputs/                every distinct input behind it (named by sha1): the count
#   crash-KEY, report.txt  the smallest input and its replay report
#   command                how to reproduce, minimise and bisect it

fuzz_finding_key() { printf '%s' "$1 $2" | sha1sum | cut -c1-8; }

# fuzz_finding_add FINDINGS TARGET KIND SIG FILE REPORT COMMIT ENGINE: files FILE under its
# finding; prints "new" or "known" (and "new-input" when FILE was not there yet).
fuzz_finding_add() {
  local fd=$1 t=$2 kind=$3 sig=$4 f=$5 rep=$6 commit=$7 engine=$8 key d h new=known
  key=$(fuzz_finding_key "$t" "$sig")
  d="$fd/$t-$key"
  h=$(sha1sum "$f" | cut -c1-40)
  if [ ! -d "$d" ]; then
    new=new
    mkdir -p "$d/inputs"
    printf '%s\n' "$sig" >"$d/signature"
    printf '%s\n' "$kind" >"$d/kind"
    printf '%s\n' "$t" >"$d/target"
    printf '%s %s %s %s\n' "$commit" "$(fuzz_now)" "$engine" "${FUZZ_HOST:-$(hostname -s 2>/dev/null || echo host)}" >"$d/found"
    cp "$f" "$d/crash-$key"
    cp "$rep" "$d/report.txt"
    cat >"$d/command" <<EOF
# reproduce (decoded trace, every operation, the failure in words, the sanitizer report):
fuzz/repro $d/crash-$key
# every input behind this finding:
fuzz/repro $d/inputs
# minimise (keeps the signature "$sig") into a regression case:
fuzz/repro --minimize $d/crash-$key
# the first commit where it reproduces:
fuzz/bisect $d
EOF
  elif [ "$(wc -c <"$f")" -lt "$(wc -c <"$d/crash-$key")" ]; then
    cp "$f" "$d/crash-$key"    # keep the smallest input as the representative
    cp "$rep" "$d/report.txt"
  fi
  printf 'open: reproduces at %s (%s)\n' "$commit" "$(fuzz_now)" >"$d/status"
  if [ ! -f "$d/inputs/$h" ]; then
    cp "$f" "$d/inputs/$h"
    [ "$new" = new ] || new="new-input"
  fi
  echo "$new"
}

# fuzz_finding_line DIR [EXTRA]: one line for listings (fuzz_finding_header names the
# columns): id, kind, inputs behind it (EXTRA: e.g. "+3" this session), the commit it was
# found at, its status in short (the full one is in DIR/status), the signature.
fuzz_finding_header() {
  printf '%-14s %-6s %-14s %-16s %-22s %s\n' finding kind inputs "found at" status signature
}
fuzz_finding_line() {
  local d=$1 n st
  n=$(find "$d/inputs" -type f 2>/dev/null | wc -l)
  st=$(cat "$d/status" 2>/dev/null)
  case "$st" in
    open*again*) st="open (again)" ;;
    open*) st=open ;;
    fixed*) st=$(awk '{print $1, $2, $3}' <<<"$st") ;;
  esac
  [ "$(cat "$d/kind")" = flaky ] && st="flaky"
  printf '%-14s %-6s %-14s %-16s %-22s %s\n' "$(basename "$d")" "$(cat "$d/kind")" \
    "$n${2:+ ($2)}" "$(awk '{print $1}' "$d/found")" "$st" "$(cat "$d/signature")"
}

# fuzz_finding_recheck DIR BDIR COMMIT TIMEOUT RSS: replays the finding's input on BDIR and
# updates its status; prints "open", "fixed" or "changed".
fuzz_finding_recheck() {
  local d=$1 bdir=$2 commit=$3 to=$4 rss=$5 t key sig rep got old
  t=$(cat "$d/target"); sig=$(cat "$d/signature")
  key=$(basename "$d"); key=${key#"$t"-}
  rep=$(mktemp)
  got=$(fuzz_replay "$bdir" "$t" "$d/crash-$key" "$rep" "$to" "$rss" | cut -f2)
  rm -f "$rep"
  old=$(cat "$d/status" 2>/dev/null || true)
  if [ "$got" = "$sig" ]; then
    case "$old" in
      fixed*) printf 'open: reproduces again at %s (%s; was %s)\n' "$commit" "$(fuzz_now)" "$old" >"$d/status" ;;
      *) printf 'open: reproduces at %s (%s)\n' "$commit" "$(fuzz_now)" >"$d/status" ;;
    esac
    echo open
    return
  fi
  case "$old" in
    fixed*) ;;   # keep the first commit where it was seen fixed
    *) printf 'fixed at %s (%s)%s\n' "$commit" "$(fuzz_now)" \
         "$([ -n "$got" ] && echo "; the input now fails differently: $got")" >"$d/status" ;;
  esac
  if [ -n "$got" ]; then echo changed; else echo fixed; fi
}
