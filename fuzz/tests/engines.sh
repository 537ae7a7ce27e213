#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# engines.sh - every engine process of fuzz/campaign is checked and none is left behind:
#   - a process holding the AFL++ sync directory (what made the main instance die with
#     "Directory ... is in use") fails it with a message naming the process, exit 2; so does
#     one working there with thousands of files open (its /proc listing outgrows a pipe);
#   - an AFL++ secondary killed while fuzzing fails it, exit 2, naming the instance;
#   - while AFL++ calibrates, the progress line counts the inputs it has run of those loaded;
#   - Ctrl-C (SIGINT to the campaign) on AFL++ (main with its CMPLOG fork server and a
#     secondary) and on libFuzzer's fork mode: the campaign stops, reports, exits 130, and
#     no process it started is left, stopped or not; a second Ctrl-C stops it at once (exit
#     130, no report), leaving nothing either;
#   - a process group named in the caller's FUZZ_PGIDS or FUZZ_JOBS is not the tool's to reap,
#     and a tool with nothing left to reap ends at once.
# (An engine that dies at start and the budget, which are checks of time: budget.sh.)
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1

W="$T_WORK/w"

# -- AFL++: a process holds the sync directory ----------------------------------------------
. fuzz/lib.sh
fuzz_build afl >/dev/null && fuzz_build cmplog >/dev/null || bad "the AFL++ builds"
# -- a build that fails is a tool error: the CMPLOG build (the last of three) cannot take its
# lock (a directory where the lock file goes), and the campaign stops before fuzzing ---------
lock="$T_TOP/build/fuzz-afl-cmplog/.build.lock"
rm -f "$lock" && mkdir "$lock"
t_campaign "$T_WORK/nobuild.log" --engine afl --host nb --time 5 --jobs 1 ops
rmdir "$lock"
check "the CMPLOG build failing fails the campaign with exit 2 (got $rc)" [ "$rc" = 2 ]
check "... saying which build failed, before fuzzing" bash -c "grep -q '^campaign: the cmplog build failed' '$T_WORK/nobuild.log' && ! grep -q 'fuzzing ops' '$T_WORK/nobuild.log'"
h=testhost
mkdir -p "$W/campaign/afl/ops/sync/main-$h"
setsid flock "$W/campaign/afl/ops/sync/main-$h" sleep 60 &
holder=$!
locked() { ! flock -n "$1" true; }
t_until 10 locked "$W/campaign/afl/ops/sync/main-$h"   # the holder has the lock
t_campaign "$T_WORK/inuse.log" --engine afl --host "$h" --time 20 --jobs 2 ops
kill -- "-$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "AFL++ sync directory in use fails the campaign with exit 2 (got $rc)" [ "$rc" = 2 ]
check "... naming the process that holds it" log_has "$T_WORK/inuse.log" "in use by pid $holder \\(flock "
check "... before fuzzing (no engine started)" bash -c "! grep -q 'fuzzing ops' '$T_WORK/inuse.log'"
no_leftovers "sync directory in use"
# ... and a process whose working directory is in it, with thousands of open files: its
# /proc listing is far more than a pipe holds, so the scan's reader stops at the first match
# while the listing is still being written (under pipefail that hid the process)
hd="$W/campaign/afl/ops/sync/holder"
mkdir -p "$hd"
(cd "$hd" && exec setsid python3 -c 'import os, resource, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
n = 4000 if hard == resource.RLIM_INFINITY else min(hard, 4000)
resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(n - 16)]
open("ready", "w").close()
time.sleep(60)') &
holder=$!
t_until 10 test -f "$hd/ready"
nfd=$(find "/proc/$holder/fd" -mindepth 1 2>/dev/null | wc -l)
t_campaign "$T_WORK/inuse-cwd.log" --engine afl --host "$h" --time 20 --jobs 2 ops
kill -- "-$holder" 2>/dev/null; wait "$holder" 2>/dev/null
rm -rf "$hd"
check "a process working in the target's directory fails it too, exit 2 (got $rc)" [ "$rc" = 2 ]
check "... though its /proc listing is more than a pipe holds ($nfd files open, >= 1000)" \
  [ "$nfd" -ge 1000 ]
check "... naming it" log_has "$T_WORK/inuse-cwd.log" "in use by pid $holder \\([^)]*python3 "
no_leftovers "working directory in use"

# -- AFL++: a secondary dies while fuzzing ----------------------------------------------------
fuzz/campaign --work "$W" --engine afl --host "$h" --time 60 --jobs 2 --progress 1 --sync-every 90 ops \
  >"$T_WORK/killed.log" 2>&1 &
cp=$!
victim=""
find_victim() { # sets victim: the pid of the secondary afl-fuzz, once it runs
  victim=$(for p in $(t_scan children); do
             t_cmd "$p" | grep -q -- "^afl-fuzz .*-S $h-s1 " && echo "$p"; done | head -n 1)
  [ -n "$victim" ]
}
t_until 40 find_victim # (beside other steps the secondary may start late)
sleep 2
[ -n "$victim" ] && kill -KILL "$victim"
wait "$cp"; rc=$?
check "an AFL++ secondary killed while fuzzing fails the campaign with exit 2 (got $rc)" [ "$rc" = 2 ]
check "... naming the instance" log_has "$T_WORK/killed.log" "afl-fuzz $h-s1 for ops died after [0-9]+s"
# (its command file: AFL++'s environment too, --sync-every 90 s as whole minutes rounded up)
check "the AFL++ command file has the environment: AFL_SYNC_TIME=2 for --sync-every 90" \
  grep -qE '(^| )AFL_SYNC_TIME=2 .*afl-fuzz -i ' "$W/campaign/afl/ops/command"
no_leftovers "secondary killed"

# -- AFL++ calibrating: the progress line before AFL++'s first figures counts the inputs it
# has run so far, of those it loaded (from its log): an afl-fuzz first on PATH writes three
# of five dry runs to its log and waits 6 s before it starts the real one ---------------------
real_afl=$(command -v afl-fuzz)
mkdir -p "$T_WORK/slowcal"
cat >"$T_WORK/slowcal/afl-fuzz" <<EOF
#!/bin/sh
echo "[*] Loaded a total of 5 seeds."
for i in 1 2 3; do echo "[*] Attempting dry run with 'id:00000\$i'..."; done
/bin/sleep 6
exec $real_afl "\$@"
EOF
chmod +x "$T_WORK/slowcal/afl-fuzz"
PATH="$T_WORK/slowcal:$PATH" t_campaign "$T_WORK/slowcal.log" --engine afl --host "$h" --time 10 \
  --jobs 1 --progress 1 ops
check "an AFL++ campaign whose engine calibrates slowly ends clean (exit $rc)" [ "$rc" = 0 ]
check "... its progress says how far the calibration is (3 of the 5 inputs run)" \
  log_has "$T_WORK/slowcal.log" "^campaign: ops +afl +[0-9]+s/10s  starting: AFL\\+\\+ runs and calibrates its inputs first \\(3 of 5 done\\)\$"
no_leftovers "slow calibration"

# -- Ctrl-C ------------------------------------------------------------------------------
# The campaign starts with SIGINT at its default action, as from a terminal: a shell cannot
# trap a signal that was ignored when it started, and a test run in the background of a
# non-interactive shell (`bash .ci/run &`, nohup scripts) inherits SIGINT ignored.
# campaign_job LOG WAIT_ERE ARGS...: starts a campaign as a job of its own (as a shell does)
# and returns a second after LOG matches WAIT_ERE; sets cp (its pid)
campaign_job() {
  local log=$1 ere=$2
  shift 2
  : >"$log" # (made here: the job's own redirection may come after the first look at it)
  set -m
  env --default-signal=INT fuzz/campaign --work "$W" "$@" >"$log" 2>&1 &
  cp=$!
  set +m
  t_until 60 log_has "$log" "$ere"
  sleep 1
}
sigint() { # sigint NAME LOG WAIT_ERE ARGS...: Ctrl-C = SIGINT to the job's process group
  local name=$1 log=$2 before
  shift 2
  campaign_job "$log" "$@"
  before=$(t_scan children | wc -l)
  kill -INT -- "-$cp"
  wait "$cp"; rc=$?
  check "$name: Ctrl-C ends the campaign with exit 130 (got $rc; $before processes were running)" [ "$rc" = 130 ]
  check "$name: ... after reporting" log_has "$log" 'interrupted; no findings'
  no_leftovers "$name: Ctrl-C"
}
sigint "AFL++ main (CMPLOG) + secondary" "$T_WORK/int-afl.log" "campaign: ops +afl +[0-9]+s/" \
  --engine afl --host "$h" --time 60 --jobs 2 --progress 1 ops
sigint "libFuzzer fork mode" "$T_WORK/int-lf.log" "campaign: ops +libfuzzer +[0-9]+s/" \
  --time 60 --jobs 2 --progress 1 ops

# a second Ctrl-C while the first is being handled stops at once: exit 130, no collecting and
# no summary, and still nothing left running
log="$T_WORK/int-twice.log"
campaign_job "$log" "campaign: ops +libfuzzer +[0-9]+s/" --time 60 --jobs 2 --progress 1 ops
kill -INT -- "-$cp"
# again once the first is being handled, as a user does who reads its message (two signals
# sent before the shell runs its handler are one)
t_until 10 log_has "$log" "Ctrl-C again stops at once"
kill -INT -- "-$cp"
wait "$cp"; rc=$?
check "a second Ctrl-C: exit 130 (got $rc)" [ "$rc" = 130 ]
check "... at once: the bare 'interrupted', no summary and no findings report" bash -c \
  "[ \"\$(tail -n 1 '$log')\" = 'campaign: interrupted' ] && ! grep -qE '^target +engine|interrupted; no findings' '$log'"
no_leftovers "a second Ctrl-C"

# -- reaping ends what the tool started and nothing else: a process group or a job named in
# the caller's environment by the names of the tool's own lists (FUZZ_PGIDS, FUZZ_JOBS: a
# scalar there is element 0 of an array the tool did not empty first) is not killed at exit
setsid sleep 300 </dev/null >/dev/null 2>&1 &
other=$!
mkdir -p "$T_WORK/foreign/findings" "$T_WORK/bin"
# (and with nothing left to reap, the tool ends at once: a `sleep` that logs its calls comes
# first on PATH, and fuzz_reap's wait for stragglers must not call it)
printf '#!/bin/sh\necho "sleep $*" >>"%s/sleeps.log"\nexec /bin/sleep "$@"\n' "$T_WORK" >"$T_WORK/bin/sleep"
chmod +x "$T_WORK/bin/sleep"
: >"$T_WORK/sleeps.log"
PATH="$T_WORK/bin:$PATH" FUZZ_PGIDS=$other FUZZ_JOBS=$other \
  fuzz/findings --work "$T_WORK/foreign" >"$T_WORK/foreign.log" 2>&1
rc=$?
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
check "a process group in the environment's FUZZ_PGIDS and FUZZ_JOBS outlives a tool (fuzz/findings, exit $rc)" \
  alive "$other"
kill -- "-$other" 2>/dev/null; kill "$other" 2>/dev/null; wait "$other" 2>/dev/null
check "... which, with nothing left to reap, ends without waiting (no sleep)" test ! -s "$T_WORK/sleeps.log"

t_finish
