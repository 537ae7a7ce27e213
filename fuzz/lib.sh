# SPDX-License-Identifier: MIT
# lib.sh - shared by the fuzz/ scripts (sourced, not run): repository root, the target list
# (fuzz/targets.txt, the one place it is kept), installing missing tools, and one build
# directory per engine so the scripts never clobber the presets' build/<preset> trees.
#
#   replay    build/fuzz-replay        default compiler (gcc), standalone drivers, no engine
#   libfuzzer build/fuzz-libfuzzer     clang -fsanitize=fuzzer + ASan + UBSan
#   afl       build/fuzz-afl           afl-clang-fast, persistent mode, ASan + UBSan
#   cmplog    build/fuzz-afl-cmplog    afl-clang-fast with AFL_LLVM_CMPLOG=1, no sanitizers
#   coverage  build/fuzz-coverage      clang -fprofile-instr-generate -fcoverage-mapping

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ_JOBS_BUILD=${FUZZ_JOBS_BUILD:-2}

fuzz_targets() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$TOP/fuzz/targets.txt" | grep -v '^$'
}

fuzz_is_target() {
  fuzz_targets | grep -qx "$1"
}

# fuzz_need CMD PACKAGE: installs PACKAGE (the project's installer, .ci/packages.sh) when CMD
# is missing.
. "$TOP/.ci/packages.sh"
fuzz_need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  memdev_need "$2" || true
  command -v "$1" >/dev/null 2>&1 || { echo "fuzz: $1 is missing (package $2)" >&2; return 1; }
}

fuzz_need_engine() {
  fuzz_need cmake cmake
  case "$1" in
    replay) fuzz_need cc gcc ;;
    libfuzzer) fuzz_need clang clang; memdev_need libclang-rt-14-dev ;;
    afl|cmplog) fuzz_need clang clang; memdev_need libclang-rt-14-dev
      fuzz_need afl-clang-fast afl++; fuzz_need afl-fuzz afl++ ;;
    coverage) fuzz_need clang clang; fuzz_need llvm-profdata llvm; fuzz_need llvm-cov llvm ;;
  esac
}

# fuzz_build ENGINE [SRC DIR]: configures and builds the fuzz targets (and the memdev command)
# for ENGINE from source tree SRC (default: this checkout) into DIR (default: see above);
# prints the build directory. Build output goes to DIR/fuzz-build.log.
fuzz_build() {
  local engine=$1 src=${2:-$TOP} dir=${3:-$TOP/build/fuzz-$1} cc="" flags=() env=()
  [ "$engine" = cmplog ] && [ -z "${3:-}" ] && dir="$TOP/build/fuzz-afl-cmplog"
  fuzz_need_engine "$engine" >&2 || return 1
  case "$engine" in
    replay) cc=${CC:-cc}; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    libfuzzer) cc=clang; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMDEV_FUZZ_ENGINE=libfuzzer
                                -DMEMDEV_SANITIZE=address,undefined) ;;
    afl) cc=afl-clang-fast; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMDEV_FUZZ_ENGINE=afl
                                   -DMEMDEV_SANITIZE=address,undefined)
         env=(AFL_QUIET=1) ;;
    cmplog) cc=afl-clang-fast; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMDEV_FUZZ_ENGINE=afl)
            env=(AFL_QUIET=1 AFL_LLVM_CMPLOG=1) ;;
    coverage) cc=clang; flags=(-DCMAKE_BUILD_TYPE=Debug
                               "-DCMAKE_C_FLAGS=-fprofile-instr-generate -fcoverage-mapping"
                               -DCMAKE_EXE_LINKER_FLAGS=-fprofile-instr-generate) ;;
    *) echo "fuzz: unknown engine $engine" >&2; return 1 ;;
  esac
  mkdir -p "$dir"
  local log="$dir/fuzz-build.log" tgts=(memdev_cli memdev_decode)
  local t
  for t in $(fuzz_targets); do
    tgts+=("fuzz_${t}_replay")
    case "$engine" in replay|coverage) ;; *) tgts+=("fuzz_$t") ;; esac
  done
  if ! { env "${env[@]}" CC="$cc" cmake -S "$src" -B "$dir" -DMEMDEV_BUILD_TESTS=OFF \
           "${flags[@]}" &&
         env "${env[@]}" cmake --build "$dir" -j "$FUZZ_JOBS_BUILD" --target "${tgts[@]}"; } \
       >"$log" 2>&1; then
    echo "fuzz: the $engine build failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  echo "$dir"
}

# fuzz_afl_env: the environment AFL++ needs on these VMs and containers.
fuzz_afl_env() {
  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
  export AFL_TRY_AFFINITY=1 AFL_NO_AFFINITY=${AFL_NO_AFFINITY:-} AFL_QUIET=1
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=0:detect_leaks=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1}
}

# fuzz_target_of PATH: the target a crash or corpus file belongs to (a path component that is
# a target name), empty when none.
fuzz_target_of() {
  local p=$1 c best=""
  IFS=/ read -r -a parts <<<"$p"
  for c in "${parts[@]}"; do
    fuzz_is_target "$c" && best=$c
  done
  echo "$best"
}
