# SPDX-License-Identifier: MIT
# lib.bash - sourced by the tests of a build's binaries (fuzz/tests/replay/*.sh, run by CTest
# with the binary and a corpus as arguments): pass/fail counting, a work directory removed on
# exit, and one way to run the binary under test.
#   r_usage "ARGS" "$@" checks the arguments (the binary, then a directory), sets $bin and $dir
#   check DESCRIPTION COMMAND...   counts the command's success
#   run ARGS...   runs $bin: exit status in $rc, stdout in $work/out, stderr in $work/err
#   r_finish      prints "NAME: N passed, N failed"; its status is the test's (0 all passed)

r_name=$(basename "$0" .sh)
r_usage() { # r_usage "ARGS": the test's arguments are an executable and a directory
  local args=$1
  shift
  [ $# -eq 2 ] && [ -x "$1" ] && [ -d "$2" ] || { echo "usage: $r_name.sh $args" >&2; exit 2; }
  # shellcheck disable=SC2034 # dir is the sourcing test's
  bin=$1 dir=$2
}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
passed=0 fails=0
check() {
  if "${@:2}"; then passed=$((passed + 1)); echo "ok    $1"
  else fails=$((fails + 1)); echo "FAIL  $1"; fi
}
run() {
  "$bin" "$@" >"$work/out" 2>"$work/err"
  # shellcheck disable=SC2034 # rc is the sourcing test's
  rc=$?
}
r_finish() {
  echo "$r_name: $passed passed, $fails failed"
  [ "$fails" -eq 0 ]
}
