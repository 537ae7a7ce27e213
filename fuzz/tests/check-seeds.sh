#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-seeds.sh - fuzz/check-seeds tells the truth, on the replay build's drivers and memdev
# command: the committed corpora reach everything (exit 0), also with traces that fail an
# expect or are malformed (the memdev command's exit 1 and 2 are results, not failures); a
# corpus that misses operations and codes names each one (exit 1); a seed that crashes a
# driver, or a trace that kills the memdev command, is a finding named with the seed (exit 1);
# a corpus directory that is missing, empty or holds no trace, and a build without the
# drivers, are tool errors (exit 2). Until round 49 it had only run on the committed corpus,
# where it passes: a check that never failed could not be judged.
# smoke: parallel (no check of time: fuzz/smoke runs it beside other steps)
set -uo pipefail
. "$(dirname "$0")/common.bash"
cd "$T_TOP" || exit 1
. fuzz/lib.sh
build=$(fuzz_build replay) || t_abort "the replay build"
tool=$T_TOP/fuzz/check-seeds
tmp=$T_WORK
# expect NAME WANT_EXIT STDOUT_ERE STDERR_ERE ARGS...: the exit status, a line of standard
# output matching STDOUT_ERE ('' for any output) and the last line of standard error matching
# STDERR_ERE ('' for none: then standard error must be empty).
expect() {
  local name=$1 want=$2 out_re=$3 err_re=$4 rc=0 last
  shift 4
  "$tool" "$@" >"$tmp/out.log" 2>"$tmp/err.log" || rc=$?
  last=$(tail -n 1 "$tmp/err.log")
  if [ "$rc" = "$want" ] && { [ -z "$out_re" ] || grep -qE -- "$out_re" "$tmp/out.log"; } &&
     { if [ -z "$err_re" ]; then [ ! -s "$tmp/err.log" ]; else grep -qE -- "$err_re" <<<"$last"; fi; }; then
    ok "$name"
  else
    bad "$name (exit $rc, want $want; stdout /$out_re/, stderr /$err_re/)"
    tail -n 3 "$tmp/out.log" | sed 's/^/      out: /'; sed 's/^/      err: /' "$tmp/err.log" | tail -n 3
  fi
}
# corpus NAME: an empty corpus of the four directories, one empty input in each binary one
corpus() {
  rm -rf "${tmp:?}/$1"
  mkdir -p "$tmp/$1/ops" "$tmp/$1/oom" "$tmp/$1/deep" "$tmp/$1/trace"
  : >"$tmp/$1/ops/empty"; : >"$tmp/$1/oom/empty"; : >"$tmp/$1/deep/empty"
}

expect "the committed corpora reach every operation and code" 0 \
  '^check-seeds: every operation and every code reached$' '' --build "$build"
table() { grep -qE '^busy +[1-9]' "$tmp/out.log" && grep -qE '^vhost-add +[1-9]' "$tmp/out.log" &&
  ! grep -q 'NOT REACHED' "$tmp/out.log"; }
check "the table counts each operation and code" table
# its two parts under their headings: operation, results seen: plug ... info; code, times: ok
# ... no-memory (mutation sample 5401: the second heading could go)
order() { awk '/^operation +results seen$/ { a = NR } /^plug +[0-9]+$/ { b = NR } /^info +[0-9]+$/ { c = NR }
               /^code +times$/ { d = NR } /^ok +[0-9]+$/ { e = NR } /^no-memory +[0-9]+$/ { f = NR }
               END { exit !(a && a < b && b < c && c < d && d < e && e < f) }' "$tmp/out.log"; }
check "... under its two headings, operations then codes" order

# the committed corpora plus a trace that fails an expect and one that is malformed
mkdir -p "$tmp/all"
cp -r corpus/ops corpus/oom corpus/deep corpus/trace "$tmp/all/"
printf 'space base=4G size=4G budget=4G slots=1\nplug d1 dimm size=1G\nexpect error busy\n' >"$tmp/all/trace/zz-expect-fails"
printf 'space base=4G size=4G budget=4G slots=1\nplug d1 dimm size=\n' >"$tmp/all/trace/zz-malformed"
expect "a trace that fails an expect or is malformed is a result, not a failure" 0 \
  '^check-seeds: every operation and every code reached$' '' --build "$build" --corpus "$tmp/all"

# a corpus that reaches plug, unplug and stats with ok, duplicate-id and unknown-id only (the
# deep driver's prefill plugs an empty input's devices: ok)
corpus few
cat >"$tmp/few/trace/t" <<'EOF'
space base=4G size=4G budget=4G slots=2
plug d1 dimm size=1G
plug d1 dimm size=1G
unplug d2
unplug d1
stats
EOF
expect "a corpus that misses operations and codes names them" 1 \
  '^check-seeds: 30 not reached: vmem resize map unmap vhost-add lookup free list info invalid-argument invalid-slot ' \
  '' --build "$build" --corpus "$tmp/few"
only_missed() { grep -q '^  NOT REACHED: operation vmem$' "$tmp/out.log" &&
  grep -q '^  NOT REACHED: code no-memory$' "$tmp/out.log" &&
  ! grep -qE 'NOT REACHED: (operation (plug|unplug|stats)|code (ok|duplicate-id|unknown-id))$' "$tmp/out.log"; }
check "what the corpus reaches is not listed as missed" only_missed

corpus noops
rm "$tmp/noops/ops/empty"
expect "an empty corpus directory is a tool error" 2 '' \
  "^check-seeds: could not replay $tmp/noops/ops: replay: no input" --build "$build" --corpus "$tmp/noops"
corpus nodeep
rmdir "$tmp/nodeep/trace"
expect "a missing corpus directory is a tool error" 2 '' \
  "^check-seeds: no corpus directory $tmp/nodeep/trace$" --build "$build" --corpus "$tmp/nodeep"
corpus notrace
expect "a corpus without trace seeds is a tool error" 2 '' \
  "^check-seeds: no trace seed in $tmp/notrace/trace$" --build "$build" --corpus "$tmp/notrace"
mkdir -p "$tmp/nobuild/fuzz"
expect "a build without the drivers is a tool error" 2 '' \
  "^check-seeds: build $tmp/nobuild has no fuzz/fuzz_ops_replay$" --build "$tmp/nobuild" --corpus "$tmp/few"

# a build whose ops driver dies on its second seed, and whose memdev command dies on a trace:
# the real drivers and command otherwise
mkdir -p "$tmp/fake/fuzz" "$tmp/fake/core"
for t in oom deep; do ln -s "$build/fuzz/fuzz_${t}_replay" "$tmp/fake/fuzz/fuzz_${t}_replay"; done
cat >"$tmp/fake/fuzz/fuzz_ops_replay" <<'EOF'
#!/usr/bin/env bash
n=0
for f in "$1"/*; do
  echo "replay: $f ($(wc -c <"$f") bytes)" >&2
  n=$((n + 1))
  [ "$n" -lt 2 ] || kill -ABRT $$
done
EOF
ln -s "$build/core/memdev" "$tmp/fake/core/memdev"
chmod +x "$tmp/fake/fuzz/fuzz_ops_replay"
corpus bad
printf 'ab' >"$tmp/bad/ops/seed-2"
cp "$tmp/few/trace/t" "$tmp/bad/trace/t"
expect "a seed that crashes a driver is a finding, named" 1 '' \
  "^check-seeds: seed $tmp/bad/ops/seed-2 fails \(fuzz_ops_replay exit 134\); reproduce with fuzz/repro --target ops $tmp/bad/ops/seed-2$" \
  --build "$tmp/fake" --corpus "$tmp/bad"
rm "$tmp/fake/fuzz/fuzz_ops_replay" "$tmp/fake/core/memdev"
ln -s "$build/fuzz/fuzz_ops_replay" "$tmp/fake/fuzz/fuzz_ops_replay"
printf '#!/usr/bin/env bash\ncase "$2" in *crash*) kill -SEGV $$ ;; esac\nexec %q "$@"\n' \
  "$build/core/memdev" >"$tmp/fake/core/memdev"
chmod +x "$tmp/fake/core/memdev"
cp "$tmp/few/trace/t" "$tmp/bad/trace/u-crash"
expect "a trace that kills the memdev command is a finding, named" 1 '' \
  "^check-seeds: trace seed $tmp/bad/trace/u-crash kills the memdev command \(exit 139\)$" \
  --build "$tmp/fake" --corpus "$tmp/bad"

no_leftovers "check-seeds"
t_finish
