# SPDX-License-Identifier: MIT
# common.bash - sourced by the tests of the campaign tools (fuzz/tests/*.sh, run by fuzz/smoke):
# pass/fail counting, a work directory under out/tests/ (not /tmp: afl-cmin refuses it), a
# copy of the tree made into a scratch git repository for planted bugs (the working tree is
# never patched), and a tag in the environment of everything a test starts, so "no process
# left behind" is checked exactly (and whatever is left is ended by pid at the end).

T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_NAME=$(basename "$0" .sh)
T_WORK="$T_TOP/out/tests/$T_NAME"
T_TAG="MEMDEV_TEST_TAG_${T_NAME//[^A-Za-z0-9]/_}_$$"
export "$T_TAG=1"
t_pass=0
t_fail=0
t_start=$(date +%s)
rm -rf "$T_WORK"
mkdir -p "$T_WORK"

case "${1:-}" in
  -h|--help) sed -n '3,/^set /p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
  ?*) echo "$T_NAME: no arguments expected (got '$1')" >&2; exit 2 ;;
esac

ok() { t_pass=$((t_pass + 1)); echo "ok    $*"; }
bad() { t_fail=$((t_fail + 1)); echo "FAIL  $*"; }
# check DESCRIPTION COMMAND...: counts the command's success
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# log_has FILE ERE
log_has() { grep -qE -- "$2" "$1"; }
# t_until SECONDS COMMAND...: runs the command every 0.1 s until it succeeds (0) or SECONDS
# have passed (1): wait for an event, never for a fixed time
t_until() {
  local n=$(($1 * 10)) i
  shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}

# t_leftovers: processes started by this test that are still alive (not zombies, not this
# shell's own pipeline helpers), seen alive in two scans 0.3 s apart
# (t_scan children: also the test's own descendants, e.g. a campaign still running)
t_mine() { # t_mine PID: PID descends from this test shell
  local p=$1 i
  for ((i = 0; i < 12; i++)); do
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || return 1
    [ "$p" = "$$" ] && return 0
    [ -z "$p" ] || [ "$p" -le 1 ] && return 1
  done
  return 1
}
t_scan() {
  local f p st
  for f in $(grep -lsz -- "^$T_TAG=" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = "$$" ] && continue
    st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
    [ "$st" = Z ] && continue
    [ "${1:-}" != children ] && t_mine "$p" && continue
    echo "$p"
  done
}
# shellcheck disable=SC2120 # "children" (see above) is optional
t_leftovers() {
  local a b p
  a=" $(t_scan "$@" | tr '\n' ' ') "
  [ "$a" = "  " ] && return 0
  sleep 0.3
  b=" $(t_scan "$@" | tr '\n' ' ') "
  for p in $a; do [[ "$b" == *" $p "* ]] && echo "$p"; done
  return 0
}
# has_files DIR: DIR exists and holds something
has_files() { [ -n "$(ls -A "$1" 2>/dev/null)" ]; }
# t_campaign LOG ARGS...: fuzz/campaign --work "$W" ARGS in the foreground, its output to LOG;
# sets rc (its exit status) and secs (its wall time)
# shellcheck disable=SC2034 # rc and secs are the caller's
t_campaign() {
  local log=$1 s
  shift
  s=$(date +%s.%N)
  fuzz/campaign --work "$W" "$@" >"$log" 2>&1
  rc=$?
  secs=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}
t_cmd() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null; }
# no_leftovers DESCRIPTION: nothing this test started is still running (after a short grace)
no_leftovers() {
  local left i
  for ((i = 0; i < 6; i++)); do
    left=$(t_leftovers | tr '\n' ' ')
    [ -z "${left// /}" ] && { ok "$1: no process left behind"; return 0; }
    sleep 0.5
  done
  bad "$1: processes left behind: $(for p in $left; do echo -n "$p($(t_cmd "$p" | cut -c1-70)) "; done)"
  # shellcheck disable=SC2086
  kill -KILL $left 2>/dev/null
  return 1
}

# scratch_repo DIR: the working tree (tracked and new files, no build/ or out/) copied into
# DIR as a git repository with one commit "base"
scratch_repo() {
  local d=$1
  rm -rf "$d" && mkdir -p "$d"
  (cd "$T_TOP" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$d") &&
    git -C "$d" init -q && git -C "$d" add -A &&
    git -C "$d" -c user.name=test -c user.email=test@example.org commit -qm base
}
t_commit() { # t_commit DIR MESSAGE: commits everything in the scratch repository
  git -C "$1" add -A && git -C "$1" -c user.name=test -c user.email=test@example.org commit -qm "$2"
}

# t_ops_needed BDIR TRACE SIG: "NEEDED OPS": of TRACE's OPS operations (its lines but the
# space, comments and expects), how many it cannot lose: without that one, `memdev run
# --check` (fuzz/lib.sh's fuzz_run_trace, BDIR's memdev) runs cleanly or fails other than SIG
t_ops_needed() {
  local bd=$1 trace=$2 sig=$3 i j needed=0
  local -a tl
  mapfile -t tl < <(grep -vE '^[[:space:]]*(#|$|expect)' "$trace")
  for ((i = 1; i < ${#tl[@]}; i++)); do   # line 0 is the space
    { for ((j = 0; j < ${#tl[@]}; j++)); do [ "$j" = "$i" ] || echo "${tl[$j]}"; done; } >"$T_WORK/drop.trace"
    [ "$(fuzz_run_trace "$bd" "$T_WORK/drop.trace" "$T_WORK/drop.txt" 5 2048 | cut -f2)" != "$sig" ] && needed=$((needed + 1))
  done
  echo "$needed $(( ${#tl[@]} - 1 ))"
}

# field FILE TARGET COLUMN: a column of the campaign's summary row for TARGET
#   (target engine time total execs exec/s cov corpus failing findings...)
field() { awk -v t="$2" -v c="$3" '$1 == t && ($2 == "libfuzzer" || $2 == "afl") { v = $c } END { print v }' "$1"; }

# T_SHELL_ERRORS: what bash prints when a script of the tools goes wrong on its own (a variable
# never set, a number that is none, a quote lost: what a deleted line or a wrong test leaves),
# and its notice of a child killed by a signal ("line 465:  3304 Aborted  setsid ...": a tool
# reports its children's deaths itself, once, in its own words). One ERE a line, shared with
# tests/tools/check-bad-args.
T_SHELL_ERRORS=$T_TOP/tests/tools/shell-errors.ere
t_finish() {
  local left leak
  left=$(t_leftovers | tr '\n' ' ')
  # shellcheck disable=SC2086
  [ -n "${left// /}" ] && kill -KILL $left 2>/dev/null
  # no shell error in the output of any tool the test ran (its logs: $T_WORK/*.log)
  leak=$(find "$T_WORK" -maxdepth 1 -name '*.log' -exec grep -HE -f "$T_SHELL_ERRORS" {} + 2>/dev/null | head -n 1)
  check "no shell error in the tools' output${leak:+: ${leak#"$T_WORK/"}}" test -z "$leak"
  echo "$T_NAME: $t_pass passed, $t_fail failed ($(( $(date +%s) - t_start ))s)"
  [ "$t_fail" -eq 0 ]
}
# t_abort DESCRIPTION: a step the rest of the test needs failed (a scratch repository, a
# build): counted as one failure, then the test ends with its summary and exit 1
t_abort() { bad "$1"; t_finish; exit 1; }
