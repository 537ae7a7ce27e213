#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# OSS-Fuzz / ClusterFuzzLite build script: compiles every target of fuzz/targets.txt with the
# engine's $CC $CFLAGS, links with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE, and puts into $OUT
# fuzz_<target>, fuzz_<target>_seed_corpus.zip (corpus/<target>/), fuzz_<target>.dict and
# fuzz_<target>.options. Plain compiler calls, no CMake (the base image's CMake is older than
# the project's minimum). Runs unchanged in the docker image and locally (fuzz/oss-fuzz-check).
cd "$SRC/memdev"

inc="-Icore/include -Icore/src -Icore/model -Icore/lockstep -Icore/trace -Ifuzz"
defs="-std=c11 -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
mkdir -p "$WORK/memdev-obj"
# Coverage comes from the code under test: the oracle (model, checker, decoder, harness) and
# the library's address-dependent code are left uninstrumented (fuzz/coverage-denylist.txt;
# clang's sanitizer coverage reads it from a flag, AFL++'s compiler from the environment).
export AFL_LLVM_DENYLIST="$PWD/fuzz/coverage-denylist.txt"
case "$CFLAGS" in
  *-fsanitize=fuzzer*|*-fsanitize-coverage=*) defs="$defs -fsanitize-coverage-ignorelist=$AFL_LLVM_DENYLIST" ;;
esac
objs=""
for src in core/src/*.c core/model/*.c core/lockstep/*.c core/trace/*.c fuzz/program.c \
           fuzz/program_trace.c fuzz/harness.c fuzz/corrupt.c fuzz/format_check.c; do
  obj="$WORK/memdev-obj/$(echo "$src" | tr / _).o"
  $CC $CFLAGS $defs $inc -c "$src" -o "$obj"
  objs="$objs $obj"
done

for t in $(sed -e 's/#.*//' fuzz/targets.txt); do
  $CC $CFLAGS $defs $inc -c "fuzz/fuzz_$t.c" -o "$WORK/memdev-obj/fuzz_$t.o"
  $CXX $CXXFLAGS "$WORK/memdev-obj/fuzz_$t.o" $objs $LIB_FUZZING_ENGINE -o "$OUT/fuzz_$t"
  rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
  (cd "corpus/$t" && zip -q -j "$OUT/fuzz_${t}_seed_corpus.zip" ./*)
  cp "fuzz/dict/$t.dict" "$OUT/fuzz_$t.dict"
  cat > "$OUT/fuzz_$t.options" <<OPTIONS
[libfuzzer]
dict = fuzz_$t.dict
max_len = 4096

[afl]
dict = fuzz_$t.dict
OPTIONS
done
