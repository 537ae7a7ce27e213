# SPDX-License-Identifier: MIT
# lib.sh - shared by the bench/ tools (sourced, not run): repository root, package
# installation on a fresh Debian machine, building memdev_bench for a commit in a cached git
# worktree, and the core to pin measurements to.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$BENCH_DIR" rev-parse --show-toplevel)
PY=/usr/bin/python3 # Debian's interpreter has python3-scipy; the first python3 on PATH may not

die() {
    echo "${0##*/}: $*" >&2
    exit 2
}

# ensure_packages PKG...: apt-get install -y the missing ones (as root, or through sudo).
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "${0##*/}: installing ${missing[*]}" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing packages ${missing[*]} and not root"
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2 ||
        { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2; } ||
        die "could not install ${missing[*]}"
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

# build_rev SHA TARGET... -> prints the build directory. Worktree and build are cached under
# build/bench-rev/<sha>; a commit without bench/CMakeLists.txt gets this checkout's bench/.
build_rev() {
    local sha=$1
    shift
    local top="$ROOT/build/bench-rev/$sha" wt
    wt="$top/src"
    if [ ! -e "$wt/.git" ]; then
        mkdir -p "$top"
        git -C "$ROOT" worktree add --detach --force "$wt" "$sha" >&2 ||
            die "git worktree add failed for $sha"
    fi
    if [ ! -f "$wt/bench/CMakeLists.txt" ] && [ ! -e "$top/bench-overlay" ]; then
        echo "${0##*/}: $sha has no bench/, using this checkout's bench/ with its core" >&2
        mkdir -p "$wt/bench" && cp -r "$BENCH_DIR"/. "$wt/bench/" && touch "$top/bench-overlay"
    fi
    if [ ! -f "$top/build/CMakeCache.txt" ]; then
        cmake -S "$wt" -B "$top/build" -DCMAKE_BUILD_TYPE=Release -DMEMDEV_BUILD_BENCH=ON \
            -DMEMDEV_BUILD_TESTS=OFF >"$top/configure.log" 2>&1 ||
            { tail -20 "$top/configure.log" >&2; die "configure failed for $sha (log: $top/configure.log)"; }
    fi
    cmake --build "$top/build" -j2 --target "$@" >"$top/build.log" 2>&1 ||
        { tail -30 "$top/build.log" >&2; die "build failed for $sha (log: $top/build.log)"; }
    echo "$top/build"
}
