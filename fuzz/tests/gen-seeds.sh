#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# gen-seeds.sh - fuzz/gen-seeds writes exactly the committed seeds and dictionaries, and tells
# the truth when it cannot:
#   - into a scratch directory (--out), with the replay build's memdev-decode: every seed-* of
#     corpus/{ops,oom,deep,corrupt} byte for byte and no other, the trace seeds but for their
#     first line (the path the decoder was given), and fuzz/dict's four generated dictionaries;
#     nothing in the checkout changes (a drift between the generator and the committed seeds
#     went unseen before: nothing ran it);
#   - a memdev-decode that fails: exit 2, one line naming the seed and the decoder's last
#     words, the trace seeds left as they were;
#   - an --out that cannot be written: exit 2, one line naming the path.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1
. fuzz/lib.sh
build=$(fuzz_build replay) || t_abort "the replay build"
status_before=$(git status --porcelain)
O="$T_WORK/corpus"

fuzz/gen-seeds --decode "$build/fuzz/memdev-decode" --out "$O" >"$T_WORK/gen.log" 2>&1
rc=$?
check "fuzz/gen-seeds --out DIR: exit 0 (got $rc)" [ "$rc" = 0 ]
check "... says where it wrote" log_has "$T_WORK/gen.log" "^gen-seeds: wrote seeds under $O \([0-9]+ files in all\)$"
seeds() { (cd "$1" && find . -maxdepth 1 -type f -name 'seed-*' | sort); }
same_seeds() { # same_seeds TARGET: the same seed files, byte for byte
  [ "$(seeds "corpus/$1")" = "$(seeds "$O/$1")" ] && [ -n "$(seeds "$O/$1")" ] || return 1
  local f
  for f in $(seeds "$O/$1"); do cmp -s "corpus/$1/$f" "$O/$1/$f" || return 1; done
}
for t in ops oom deep corrupt; do
  check "... corpus/$t's $(seeds "corpus/$t" | wc -l) seeds, byte for byte, no more" same_seeds "$t"
done
same_traces() {
  [ "$(seeds corpus/trace)" = "$(seeds "$O/trace")" ] || return 1
  local f
  for f in $(seeds "$O/trace"); do
    cmp -s <(tail -n +2 "corpus/trace/$f") <(tail -n +2 "$O/trace/$f") || return 1
  done
}
check "... corpus/trace's $(seeds corpus/trace | wc -l) seeds, each but its first line" same_traces
same_dicts() {
  local d
  for d in ops oom deep corrupt; do cmp -s "fuzz/dict/$d.dict" "$O/dict/$d.dict" || return 1; done
}
check "... fuzz/dict's four generated dictionaries, under DIR/dict" same_dicts
check "... and nothing in the checkout changed" test "$(git status --porcelain)" = "$status_before"

# a decoder that fails on a seed: the trace seeds stay as they were
cat >"$T_WORK/bad-decode" <<'EOF'
#!/bin/sh
echo "bad-decode: cannot read $3" >&2
exit 3
EOF
chmod +x "$T_WORK/bad-decode"
before=$(cd "$O/trace" && ls | md5sum)
fuzz/gen-seeds --decode "$T_WORK/bad-decode" --out "$O" >"$T_WORK/bad.log" 2>&1
rc=$?
check "a memdev-decode that fails: exit 2 (got $rc)" [ "$rc" = 2 ]
check "... one line naming the seed and the decoder's words" log_has "$T_WORK/bad.log" \
  "^gen-seeds: $T_WORK/bad-decode failed on [^ ]*/ops/seed-[a-z0-9-]+ \(exit 3: bad-decode: cannot read [^ ]*/ops/seed-[a-z0-9-]+\); the trace seeds are left as they were$"
check "... no traceback" bash -c "! grep -q Traceback '$T_WORK/bad.log'"
check "... and the trace seeds are as they were" test "$(cd "$O/trace" && ls | md5sum)" = "$before"
check "... every one of them" same_traces

: >"$T_WORK/a-file"
fuzz/gen-seeds --out "$T_WORK/a-file" >"$T_WORK/file.log" 2>&1
rc=$?
check "an --out that cannot be written: exit 2 (got $rc)" [ "$rc" = 2 ]
check "... one line naming the path" log_has "$T_WORK/file.log" \
  "^gen-seeds: cannot write $T_WORK/a-file/dict: Not a directory$"

no_leftovers "gen-seeds"
t_finish
