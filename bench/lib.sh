# SPDX-License-Identifier: MIT
# lib.sh - shared by the bench/ tools (sourced, not run): repository root, package
# installation on a fresh Debian machine, building memdev_bench for a commit in a cached git
# worktree, and the core to pin measurements to.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$BENCH_DIR" rev-parse --show-toplevel)
PY=/usr/bin/python3 # Debian's interpreter has python3-scipy; the first python3 on PATH may not
# Where build_rev keeps its worktrees and builds (bench/smoke points it at a temporary dir).
REV_CACHE=${BENCH_REV_CACHE:-$ROOT/build/bench-rev}

die() {
    echo "${0##*/}: $*" >&2
    exit 2
}

# ensure_packages PKG...: the project's installer (.ci/packages.sh), stopping the tool on failure.
. "$ROOT/.ci/packages.sh"
ensure_packages() {
    memdev_need "$@" || die "could not install $*"
}

BUILD_PACKAGES=(cmake g++ gcc libbenchmark-dev python3)

# The CPU to pin measurements to: the last online one (override with BENCH_CPU).
bench_cpu() {
    echo "${BENCH_CPU:-$(($(nproc) - 1))}"
}

# resolve_rev REV -> full commit id.
resolve_rev() {
    git -C "$ROOT" rev-parse --verify --quiet "$1^{commit}" || die "unknown revision '$1'"
}

# bench_hash -> short hash of this checkout's bench/ sources (part of the build cache key).
bench_hash() {
    (cd "$BENCH_DIR" && find . -type f ! -name '*.pyc' ! -path './__pycache__/*' -print0 |
        sort -z | xargs -0 sha1sum | sha1sum | cut -c1-10)
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
        mkdir -p "$top"
        git -C "$ROOT" worktree add --detach --force "$wt" "$sha" >/dev/null 2>&1 ||
            die "git worktree add failed for $sha"
        if [ "$mode" = current ] || { [ "$mode" = own ] && [ ! -f "$wt/bench/CMakeLists.txt" ]; }; then
            [ "$mode" = own ] && echo "${0##*/}: ${sha:0:12} has no bench/, using this checkout's" >&2
            rm -rf "$wt/bench" && mkdir -p "$wt/bench" && cp -r "$BENCH_DIR"/. "$wt/bench/"
        fi
    fi
    if [ ! -f "$top/build/CMakeCache.txt" ]; then
        cmake -S "$wt" -B "$top/build" -DCMAKE_BUILD_TYPE=Release -DMEMDEV_BUILD_BENCH=$bench \
            -DMEMDEV_BUILD_TESTS=OFF >"$top/configure.log" 2>&1 ||
            { tail -20 "$top/configure.log" >&2; die "configure failed for $sha (log: $top/configure.log)"; }
    fi
    cmake --build "$top/build" -j2 --target "$@" >"$top/build.log" 2>&1 ||
        { tail -30 "$top/build.log" >&2; die "build failed for $sha (log: $top/build.log)"; }
    echo "$top/build"
}
