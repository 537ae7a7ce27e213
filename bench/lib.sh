# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# lib.sh - shared by the bench/ tools (sourced, not run): repository root, the argument checks
# behind the exit-code convention, package installation on a fresh Debian machine, building
# memdev_bench for a commit in a cached git worktree, and the core to pin measurements to.
#
# Exit codes of every bench/ tool: 0 clean, 1 a regression or failed check the user asked
# about (compare --fail-over, smoke), 2 usage or tool error. A usage error is one line on
# stderr naming the bad argument, printed before anything is built or installed.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$BENCH_DIR" rev-parse --show-toplevel)
# shellcheck disable=SC2034 # PY and BUILD_PACKAGES are read by the scripts that source this
PY=/usr/bin/python3 # Debian's interpreter has python3-scipy; the first python3 on PATH may not
# Where build_rev keeps its worktrees and builds (bench/smoke points it at a temporary dir).
REV_CACHE=${BENCH_REV_CACHE:-$ROOT/build/bench-rev}
# Parallel build jobs (the tools' --jobs; these machines have 2 shared cores).
BENCH_JOBS=${BENCH_JOBS:-2}
TOOL="bench/${0##*/}"

die() {
    echo "$TOOL: $*" >&2
    exit 2
}

# --- argument checks: each stops the tool with exit 2 and one line naming the argument ------

# need_value "$@" (inside the option loop): the option in $1 must be followed by a value.
need_value() {
    [ $# -ge 2 ] || die "$1 needs a value"
    [ -n "$2" ] || die "$1 needs a non-empty value"
}

# check_int OPT VALUE MIN MAX: a decimal integer in [MIN, MAX] (no overflow for any length).
check_int() {
    local opt=$1 v=$2 min=$3 max=$4 digits
    [[ $v =~ ^[0-9]+$ ]] || die "$opt takes an integer from $min to $max, got '$v'"
    digits=${v#"${v%%[!0]*}"} # leading zeros off
    [ ${#digits} -le 15 ] && [ $((10#${digits:-0})) -ge "$min" ] &&
        [ $((10#${digits:-0})) -le "$max" ] ||
        die "$opt takes an integer from $min to $max, got '$v'"
}

# check_num OPT VALUE MIN MAX [ge]: a decimal number x with MIN < x <= MAX (MIN <= x with
# 'ge'); a trailing '%' is allowed when the value is a percentage (PCT=1 in the call's env).
check_num() {
    local opt=$1 v=$2 min=$3 max=$4 ge=${5:-} word="above"
    [ "$ge" = ge ] && word="at least"
    [ "${PCT:-0}" = 1 ] && v=${v%\%}
    [[ $v =~ ^([0-9]+([.][0-9]*)?|[.][0-9]+)$ ]] &&
        awk -v x="$v" -v lo="$min" -v hi="$max" -v ge="$ge" \
            'BEGIN { exit !((ge == "ge" ? x + 0 >= lo + 0 : x + 0 > lo + 0) && x + 0 <= hi + 0) }' ||
        die "$opt takes a number $word $min and at most $max, got '$2'"
}

# check_sizes OPT LIST: comma-separated positive integers (benchmark sizes n).
check_sizes() {
    local s x
    [[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || die "$1 takes sizes like 1024,16384, got '$2'"
    IFS=, read -ra s <<<"$2"
    for x in "${s[@]}"; do check_int "$1" "$x" 1 1099511627776; done
}

# check_regex OPT RE: google-benchmark compiles filters as POSIX extended regexes and only
# prints a warning for a bad one; grep -E refuses the same mistakes up front.
check_regex() {
    local rc=0
    grep -qE -- "$2" </dev/null 2>/dev/null || rc=$?
    [ $rc -le 1 ] || die "$1: '$2' is not a valid extended regular expression"
}

# check_choice OPT VALUE CHOICE...
check_choice() {
    local opt=$1 v=$2 c
    shift 2
    for c in "$@"; do [ "$v" = "$c" ] && return 0; done
    die "$opt must be one of: $*; got '$v'"
}

# check_outdir OPT DIR: DIR is a directory or does not exist yet.
check_outdir() {
    [ ! -e "$2" ] || [ -d "$2" ] || die "$1: '$2' exists and is not a directory"
}

# --- packages, revisions, builds -------------------------------------------------------------

# ensure_packages PKG...: the project's installer (.ci/packages.sh), stopping the tool on failure.
. "$ROOT/.ci/packages.sh"
ensure_packages() {
    memdev_need "$@" || die "could not install $*"
}

# shellcheck disable=SC2034
BUILD_PACKAGES=(cmake g++ gcc libbenchmark-dev python3)

# The CPU to pin measurements to: the last online one (override with BENCH_CPU).
bench_cpu() {
    echo "${BENCH_CPU:-$(($(nproc) - 1))}"
}

# resolve_rev REV -> full commit id.
resolve_rev() {
    git -C "$ROOT" rev-parse --verify --quiet "$1^{commit}" || die "unknown revision '$1'"
}

# bench_hash -> short hash of this checkout's benchmark build inputs (sources and CMake files
# under bench/; the scripts and docs do not change the binary), part of the build cache key.
bench_hash() {
    (cd "$BENCH_DIR" && find . -type f \( -name '*.c' -o -name '*.cc' -o -name '*.h' \
        -o -name '*.cmake' -o -name CMakeLists.txt \) ! -path './tests/*' -print0 |
        sort -z | xargs -0 sha1sum | sha1sum | cut -c1-10)
}

# list_benchmarks BIN FILTER [SIZES]: the benchmark names BIN runs (one a line), SCENARIO/
# BACKEND/N. Listed without --memdev_iterations, whatever the mode: with it google-benchmark
# names each run .../iterations:K and matches FILTER against that, so '^churn/memdev/1024$'
# found nothing in instruction mode and one benchmark in time mode. google-benchmark exits 0
# even when nothing matches.
list_benchmarks() {
    local extra=()
    [ -n "${3:-}" ] && extra+=(--memdev_sizes="$3")
    "$1" --benchmark_filter="$2" "${extra[@]}" --benchmark_list_tests=true 2>/dev/null |
        { grep -v '^Failed to match' || true; } | sed 's|/iterations:[0-9]*$||'
}

# build_rev MODE SHA TARGET... -> prints the build directory. MODE:
#   current  the commit's core with THIS checkout's bench/ (same harness on both sides)
#   own      the commit's core and its own bench/ (this checkout's bench/ if it has none)
#   cli      no benchmarks, for the memdev command only
# Worktree and build are cached in build/bench-rev/<sha>-<mode>[-<bench hash>]/{src,build}.
build_rev() {
    local mode=$1 sha=$2
    shift 2
    local key=$sha-$mode bench=ON
    [ "$mode" = current ] && key=$key-$(bench_hash)
    [ "$mode" = cli ] && bench=OFF
    local top="$REV_CACHE/$key" wt
    wt="$top/src"
    if [ ! -e "$wt/.git" ]; then
        git -C "$ROOT" worktree add --detach --force "$wt" "$sha" >/dev/null 2>&1 ||
            die "git worktree add failed for $sha"
        if [ "$mode" = current ] || { [ "$mode" = own ] && [ ! -f "$wt/bench/CMakeLists.txt" ]; }; then
            [ "$mode" = own ] && echo "$TOOL: ${sha:0:12} has no bench/, using this checkout's" >&2
            rm -rf "$wt/bench" && mkdir -p "$wt/bench" && cp -r "$BENCH_DIR"/. "$wt/bench/"
        fi
    fi
    if [ ! -f "$top/build/CMakeCache.txt" ]; then
        cmake -S "$wt" -B "$top/build" -DCMAKE_BUILD_TYPE=Release -DMEMDEV_BUILD_BENCH=$bench \
            -DMEMDEV_BUILD_TESTS=OFF >"$top/configure.log" 2>&1 ||
            { tail -20 "$top/configure.log" >&2; rm -rf "$top/build"
              die "configure failed for $sha (log: $top/configure.log)"; }
    fi
    cmake --build "$top/build" -j"$BENCH_JOBS" --target "$@" >"$top/build.log" 2>&1 ||
        { tail -30 "$top/build.log" >&2; die "build failed for $sha (log: $top/build.log)"; }
    echo "$top/build"
}
