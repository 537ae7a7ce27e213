#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# replay-driver.sh REPLAY CORPUS_DIR - the engine-less replay driver (fuzz/standalone.c),
# which every corpus.TARGET test and fuzz/smoke's corpus replay rely on, tells the truth: it
# replays every file of a directory tree, counts them, ignores libFuzzer's options, and a
# replay of nothing or of less than asked (no path, an empty directory, a missing path, an
# input it cannot open) is exit 2 with a one-line reason, never a clean pass. Before, an
# empty corpus directory "ran without failure" (exit 0) and a missing path exited 1, the code
# for findings.
# Run by CTest (fuzz.replay-driver) with the build's driver (fuzz/tests/replay/: the tests
# that take a build's binary; fuzz/smoke runs the campaign tools' tests, fuzz/tests/*.sh).
# Exit: 0 every check passed, 1 one failed, 2 usage error.
set -uo pipefail
. "$(dirname "$0")/lib.bash"
r_usage "REPLAY CORPUS_DIR" "$@"
replay=$bin corpus=$dir
last() { tail -n 1 "$work/err"; }

# a tree of inputs: three seeds at the top, two in a subdirectory, one hidden file skipped
mapfile -t seeds < <(find "$corpus" -maxdepth 1 -type f ! -name '.*' | sort | head -n 5)
[ ${#seeds[@]} -eq 5 ] || { echo "replay-driver: $corpus has fewer than 5 inputs" >&2; exit 2; }
mkdir -p "$work/tree/sub" "$work/empty" "$work/only-empty/sub"
cp "${seeds[0]}" "$work/tree/c"; cp "${seeds[1]}" "$work/tree/a"; cp "${seeds[2]}" "$work/tree/b"
cp "${seeds[3]}" "$work/tree/sub/x"; cp "${seeds[4]}" "$work/tree/sub/y"
cp "${seeds[0]}" "$work/tree/.hidden"

run "$corpus"
n=$(find "$corpus" -type f ! -name '.*' | wc -l)
check "the committed corpus: exit 0 (got $rc)" test "$rc" = 0
check "... every one of its $n files replayed ($(last))" \
  test "$(last)" = "replay: $n inputs ran without failure"
# every file and directory closed after its replay: the corpus with 32 descriptors
[ "$n" -gt 40 ] || { echo "replay-driver: $corpus has $n inputs, too few to run out of descriptors" >&2; exit 2; }
rc=0
(ulimit -n 32 && exec "$replay" "$corpus") >/dev/null 2>"$work/err" || rc=$?
check "every input closed: the $n inputs replay with 32 file descriptors ($rc: $(last))" \
  test "$rc:$(last)" = "0:replay: $n inputs ran without failure"
run "$work/tree"
check "a tree of 5 inputs and a hidden file: exit 0, 5 inputs ($rc: $(last))" \
  test "$rc:$(last)" = "0:replay: 5 inputs ran without failure"
order=$(sed -n 's|^replay: \(.*\) ([0-9]* bytes)$|\1|p' "$work/err" | sed "s|^$work/tree/||" | paste -sd' ')
check "... in name order, subdirectories recursively ($order)" test "$order" = "a b c sub/x sub/y"
run -runs=1 -max_len=4096 "$work/tree/sub" -seed=3
check "libFuzzer's options are ignored: 2 inputs ($rc: $(last))" \
  test "$rc:$(last)" = "0:replay: 2 inputs ran without failure"
run "$work/tree/a" "$work/tree/sub"
check "files and directories together: 3 inputs ($rc: $(last))" \
  test "$rc:$(last)" = "0:replay: 3 inputs ran without failure"

run "$work/empty"
check "an empty directory is no replay: exit 2 (got $rc)" test "$rc" = 2
check "... saying nothing was replayed ($(last))" grep -q "^replay: no input in the path given" "$work/err"
run "$work/only-empty" "$work/empty"
check "directories holding no file: exit 2 ($rc: $(last))" \
  test "$rc:$(last)" = "2:replay: no input in the paths given: nothing was replayed"
run "$work/tree" "$work/missing"
check "a missing path next to good ones: exit 2, not 1, the code for findings (got $rc)" test "$rc" = 2
check "... naming the path" grep -q "^replay: $work/missing: No such file or directory" "$work/err"
check "... and saying not every path was read ($(last))" \
  test "$(last)" = "replay: 5 inputs ran, but not every path could be read (above)"
# a file no one can open (a socket: fopen fails with ENXIO, even for root), in a subdirectory,
# so that the error must come up through the directory's replay too
mkdir -p "$work/sock/sub"
cp "${seeds[0]}" "$work/sock/a"
if python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
     "$work/sock/sub/s" 2>/dev/null; then
  run "$work/sock"
  check "an input that cannot be opened, one directory down: exit 2 (got $rc)" test "$rc" = 2
  check "... naming it" grep -q "^replay: cannot open $work/sock/sub/s: " "$work/err"
  check "... after replaying the others ($(last))" \
    test "$(last)" = "replay: 1 inputs ran, but not every path could be read (above)"
else
  check "a socket to replay could be made (python3)" false
fi
run
check "no path: exit 2 with the usage (got $rc)" \
  test "$rc:$(last)" = "2:usage: $replay FILE_OR_DIR... (--help for more)"
run -runs=1
check "only options: exit 2 (got $rc)" test "$rc" = 2
run --help
check "--help: exit 0, the usage on standard output (got $rc)" \
  bash -c '[ "$1" = 0 ] && grep -q "^usage: " "$2" && grep -q "^Exit: 0 every input ran" "$2"' \
  _ "$rc" "$work/out"
check "nothing left on standard output by a replay" bash -c '"$1" "$2" 2>/dev/null | cmp -s - /dev/null' _ "$replay" "$work/tree"

r_finish
