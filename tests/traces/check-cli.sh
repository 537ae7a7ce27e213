#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-cli.sh - checks the `memdev` command's contract around the trace runner: help texts
# (exit 0), usage errors (exit 2), the worst-status rule over several files, '-' for standard
# input, and `memdev info` printing JSON only for well-formed traces.
set -euo pipefail

usage() {
    echo "usage: check-cli.sh MEMDEV_BINARY TRACES_DIR"
    echo "Runs the memdev command in a dozen ways and checks exit statuses and key output."
}
if [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]]; then
    usage
    exit 0
fi
if [[ $# -ne 2 ]]; then
    echo "check-cli.sh: usage: check-cli.sh MEMDEV_BINARY TRACES_DIR (see --help)" >&2
    exit 2
fi
memdev=$1
dir=$2
failures=0

# expect STATUS PATTERN CMD...: runs CMD, checks its exit status and that stdout+stderr
# contains PATTERN (a fixed string; empty matches anything).
expect() {
    local want=$1 pattern=$2
    shift 2
    local out status
    set +e
    out=$("$@" 2>&1)
    status=$?
    set -e
    if [[ $status -ne $want || "$out" != *"$pattern"* ]]; then
        echo "FAIL: $* -> status $status (want $want), pattern '$pattern'"
        echo "$out" | head -n 20
        failures=$((failures + 1))
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
good=$dir/example-fragmented.trace
bad=$dir/malformed/unknown-key.trace
printf 'space base=4G size=16G budget=16G\nplug d0 virtio-pmem size=1G\nexpect error no-slots\nplug d1 dimm size=1G\nexpect ok addr=5G\n' > "$tmp/mismatch.trace"

expect 0 "usage: memdev COMMAND" "$memdev" --help
expect 0 "usage: memdev COMMAND" "$memdev" help
expect 0 "memdev trace v1" "$memdev" help trace
expect 0 "usage: memdev run" "$memdev" help run
expect 0 "usage: memdev run" "$memdev" run --help
expect 0 "usage: memdev info" "$memdev" info --help
expect 2 "usage: memdev COMMAND" "$memdev"
expect 2 "memdev: unknown command 'frobnicate'" "$memdev" frobnicate
expect 2 "usage: memdev COMMAND" "$memdev" frobnicate # and the commands there are
# usage errors: exactly the message and the command's help hint on standard error, nothing on
# standard output (one message: an unknown option of `info` is not also "expects one file")
expect_usage() {
    local want=$1
    shift
    local out err status
    set +e
    out=$("$@" 2>"$tmp/usage.err")
    status=$?
    set -e
    err=$(<"$tmp/usage.err")
    if [[ $status -ne 2 || -n "$out" || "$err" != "$want" ]]; then
        echo "FAIL: ${*:2} -> status $status (want 2), stdout '${out:0:60}', stderr:"
        echo "$err" | head -n 5
        echo "want:"
        echo "$want"
        failures=$((failures + 1))
    fi
}
expect_usage $'memdev run: no trace file given\nTry \'memdev help run\'.' "$memdev" run
expect_usage $'memdev run: unknown option --frob\nTry \'memdev help run\'.' \
    "$memdev" run --frob "$good"
expect_usage $'memdev info: unknown option --frob\nTry \'memdev help info\'.' \
    "$memdev" info --frob "$good"
expect_usage $'memdev info: unknown option --quiet\nTry \'memdev help info\'.' \
    "$memdev" info --quiet "$good"
expect_usage $'memdev info: expects exactly one trace file\nTry \'memdev help info\'.' \
    "$memdev" info "$good" "$good"
expect_usage $'memdev help: expects at most one topic\nTry \'memdev help\'.' \
    "$memdev" help run info
expect_usage $'memdev help: unknown topic frob\nTry \'memdev help\'.' "$memdev" help frob
expect 2 "cannot read" "$memdev" run "$tmp/does-not-exist.trace"
# a path of over 200 bytes: the message keeps the path's end and all of what is wrong
long=$tmp/$(printf 'd%.0s' $(seq 150))/$(printf 'e%.0s' $(seq 150))
mkdir -p "$long"
printf 'plug d0 dimm size=1G\n' >"$long/no-space.trace"
expect 2 "eee/no-space.trace:1:1: the first operation must be 'space', not 'plug'" \
    "$memdev" run "$long/no-space.trace"
# a file that cannot be opened, on a path of about 1,000 bytes: the message keeps the path's
# end and says why (it was cut at 600 bytes before the reason), with no byte past its end
gone=$tmp$(printf '/%0250d' 1 2 3 4)/gone.trace
"$memdev" run "$gone" 2>"$tmp/gone.err" >/dev/null || true
printf "memdev: cannot read '...%s': No such file or directory\n" "${gone: -200}" >"$tmp/gone.want"
if ! cmp -s "$tmp/gone.err" "$tmp/gone.want"; then
    echo "FAIL: an unreadable path of ${#gone} bytes: stderr differs from the expected message"
    failures=$((failures + 1))
fi
# a directory opens but does not read (ferror, not fopen): a read error, status 2
expect 2 "cannot read '$tmp': Is a directory" "$memdev" run "$tmp"
expect 0 "8: plug d2 error fragmented" "$memdev" run "$good"
expect 0 "" "$memdev" run --check --quiet "$good"
# both expects of mismatch.trace fail; the run goes on past the first
expect 1 "5: expect ok addr=0x140000000 (for line 4) FAILED: got error no-slots" \
    "$memdev" run "$tmp/mismatch.trace"
expect 1 "3: expect error no-slots (for line 2) FAILED" "$memdev" run --quiet "$tmp/mismatch.trace"
# --quiet prints the failures and nothing else: no line for a trace that passes, only the two
# FAILED lines for mismatch.trace
out=$("$memdev" run --quiet "$good" 2>&1) || true
if [[ -n "$out" ]]; then
    echo "FAIL: memdev run --quiet on a trace that passes printed: $(head -n 1 <<<"$out")"
    failures=$((failures + 1))
fi
out=$("$memdev" run --quiet "$tmp/mismatch.trace" 2>&1) || true
if [[ $(grep -c . <<<"$out") -ne 2 || $(grep -c 'FAILED' <<<"$out") -ne 2 ]]; then
    echo "FAIL: memdev run --quiet on mismatch.trace: want its two FAILED lines alone, got:"
    echo "$out" | head -n 5
    failures=$((failures + 1))
fi
# several files: each output under its "== FILE" header
expect 0 "== $good" "$memdev" run "$good" "$good"
# an unknown kind is an operation error (check 0) named as written, with the kinds there are;
# an empty-id check comes first in the library, but a trace id is never empty, so a long id
# shows the order: its own message, not the kind's
printf 'space base=4G size=16G budget=16G\nplug d0 pc-dimm size=1G\nexpect error invalid-argument\nplug %s pc-dimm size=1G\n' \
    "$(printf 'i%.0s' $(seq 256))" >"$tmp/kind.trace"
expect 0 "2: plug d0 error invalid-argument: unknown device kind 'pc-dimm' (the kinds: dimm nvdimm" \
    "$memdev" run "$tmp/kind.trace"
expect 0 "error invalid-argument: the device id is longer than 255 bytes" "$memdev" run "$tmp/kind.trace"
# worst status over several files
expect 1 "" "$memdev" run --quiet "$good" "$tmp/mismatch.trace" "$good"
expect 2 "unknown key 'sise'" "$memdev" run --quiet "$tmp/mismatch.trace" "$bad" "$good"
# standard input
expect 0 "2: plug d0 ok addr=0x100000000 memslots=1" sh -c \
    "printf 'space base=4G size=16G budget=16G\nplug d0 virtio-pmem size=1G\n' | '$memdev' run -"
expect 2 "<stdin>:1:1:" sh -c "printf 'plug d0 dimm size=1G\n' | '$memdev' run -"
# info: JSON for a well-formed trace, nothing but the message for a malformed one
expect 0 '"type": "dimm"' "$memdev" info "$good"
expect 2 "unknown key 'sise'" "$memdev" info "$bad"
# (the output is taken whole: under pipefail, `memdev info ... | grep -q .` is false whatever it
# prints, because memdev's status 2 is the pipeline's)
out=$("$memdev" info "$bad" 2>/dev/null) || true
if [[ -n "$out" ]]; then
    echo "FAIL: memdev info printed output for a malformed trace: ${out:0:80}"
    failures=$((failures + 1))
fi
# info beyond the runner's first 512-byte buffer: 40 devices, every one in the JSON, both from
# the `info` operation of `memdev run` and from `memdev info`
big=$tmp/big.trace
{
    echo "space base=4G size=64G budget=64G"
    for i in $(seq 0 39); do echo "plug pmem-$i virtio-pmem size=64M"; done
    echo "info"
} >"$big"
n=$("$memdev" run "$big" | { grep -o '"type": "virtio-pmem"' || true; } | wc -l)
if [[ "$n" -ne 40 ]]; then
    echo "FAIL: the info operation listed $n of 40 devices"
    failures=$((failures + 1))
fi
if ! "$memdev" info "$big" | python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(len(d) != 40)'; then
    echo "FAIL: memdev info did not print the 40 devices as JSON"
    failures=$((failures + 1))
fi
# `expect none` holds only for a lookup that found nothing: after a plug it is a mismatch
none=$tmp/none.trace
printf 'space base=4G size=4G budget=4G\nplug d0 virtio-pmem size=1G\nexpect none\n' >"$none"
expect 1 "3: expect none (for line 2) FAILED" "$memdev" run "$none"
# and the other way round: a lookup that found nothing is reported as "got none"; `expect ok
# empty` after a device that was placed is a mismatch
printf 'space base=4G size=4G budget=4G\nlookup 0x100000000\nexpect ok id=d0\n' >"$tmp/got-none.trace"
expect 1 "3: expect ok id=d0 (for line 2) FAILED: got none" "$memdev" run "$tmp/got-none.trace"
printf 'space base=4G size=4G budget=4G\nplug d0 virtio-pmem size=1G\nexpect ok empty\n' >"$tmp/not-empty.trace"
expect 1 "3: expect ok empty (for line 2) FAILED: got ok addr=0x100000000" "$memdev" run "$tmp/not-empty.trace"
# a bare `expect ok` (no key) after an operation that failed is a mismatch, and so is a key
# the result does not have: kvm_free of a space without KVM, slot of a device without one
printf 'space base=4G size=4G budget=4G\nplug d0 dimm size=1G\nexpect ok\n' >"$tmp/ok-after-error.trace"
expect 1 "3: expect ok (for line 2) FAILED: got error no-slots" "$memdev" run "$tmp/ok-after-error.trace"
printf 'space base=4G size=4G budget=4G\nstats\nexpect ok kvm_free=0\n' >"$tmp/no-kvm.trace"
expect 1 "3: expect ok kvm_free=0 (for line 2) FAILED" "$memdev" run "$tmp/no-kvm.trace"
printf 'space base=4G size=4G budget=4G\nplug d0 virtio-pmem size=1G\nexpect ok slot=0\n' >"$tmp/no-slot.trace"
expect 1 "3: expect ok slot=0 (for line 2) FAILED" "$memdev" run "$tmp/no-slot.trace"
# the blocks of stats, list and info under their own headers (their layout is memdev's own,
# spec section 9; what they hold is the state): each header followed by its kind of line
blocks=$tmp/blocks.trace
printf 'space base=4G size=16G budget=16G slots=2\nplug d0 dimm size=1G\nplug d1 dimm size=1G\nstats\nlist\ninfo\n' >"$blocks"
out=$("$memdev" run "$blocks")
block_has() { # block_has HEADER PATTERN: the line after "HEADER" matches PATTERN (grep -E)
    if ! grep -A1 -x "$1" <<<"$out" | tail -n 1 | grep -qE "$2"; then
        echo "FAIL: after '$1' no line like '$2'"
        failures=$((failures + 1))
    fi
}
out_has() { # out_has PATTERN WHAT: some line of the output matches PATTERN (grep -E)
    if ! grep -qE "$1" <<<"$out"; then
        echo "FAIL: $2"
        failures=$((failures + 1))
    fi
}
block_has "4: stats" "^  used_size=0x80000000 plugged_size=0x80000000 budget=0x400000000"
# without KVM and vhost limits the stats say unlimited, not a count of 0 backends (round 30: a
# mutation sample of core/trace/run.c, seed 3002, printed "vhost_free=0 (0 backends)" unseen)
out_has "^  memslots: required=2 used=2 reserved=0 kvm_free=unlimited vhost_free=unlimited\$" \
    "stats without limits do not say unlimited"
block_has "5: list" "^  d0 dimm addr=0x100000000 size=0x40000000 .*slot=0 "
out_has "^  d1 dimm addr=0x140000000 size=0x40000000 .*slot=1 " "list does not show d1 in slot 1"
block_has "6: info" '^  \[\{"type": "dimm", "data": \{"id": "d0"'
# the list shows each kind's own fields: an nvdimm's label, a virtio-mem's block and requested
# size, the optional node and backend
kinds=$tmp/kinds.trace
printf 'space base=4G size=16G budget=16G slots=2 kvm=32/2 vhost=64/1\nplug n0 nvdimm size=1G label=128K node=3 memdev=mem-n0\nplug v0 virtio-mem size=1G block=4M requested=8M\nlist\nstats\n' >"$kinds"
out=$("$memdev" run "$kinds")
block_has "5: stats" "^  used_size=0x7fe00000 plugged_size=0x3fe00000 budget=0x400000000"
out_has "^  memslots: required=2 used=2 reserved=0 kvm_free=28 vhost_free=61" \
    "stats does not show the memslots with kvm_free and vhost_free"
block_has "4: list" "^  n0 nvdimm addr=0x100000000 size=0x3fe00000 .* label=0x20000 plugged=0x3fe00000 node=3 memdev=mem-n0\$"
out_has "^  v0 virtio-mem addr=0x140000000 .* block=0x400000 requested=0x800000 plugged=0x0\$" \
    "list does not show v0's block and requested size"
# each operation's result line as the spec writes it (section 9): free names its address, an
# unplug only ok
lines=$tmp/lines.trace
printf 'space base=4G size=16G budget=16G slots=1\nplug d0 dimm size=1G\nfree 1G\nunplug d0\n' >"$lines"
want=$'2: plug d0 ok addr=0x100000000 slot=0 memslots=1\n3: free 1G ok addr=0x140000000\n4: unplug d0 ok'
if [[ "$("$memdev" run "$lines")" != "$want" ]]; then
    echo "FAIL: the result lines of plug, free and unplug are not as the spec writes them"
    failures=$((failures + 1))
fi
# a space the library refuses is malformed, with the library's own reason
printf 'space base=4G size=0 budget=16G\n' >"$lines"
expect 2 "1:1: invalid space: invalid-argument: window size is 0" "$memdev" run "$lines"
# a lookup's mismatch names the device it found
printf 'space base=4G size=16G budget=16G\nplug d0 virtio-pmem size=1G\nlookup 4G\nexpect ok id=d1\n' >"$lines"
expect 1 "4: expect ok id=d1 (for line 3) FAILED: got ok id=d0 addr=0x100000000 offset=0x0" \
    "$memdev" run "$lines"
# an `expect ok` whose field differs from the result is a mismatch (exit 1)
wrong=$tmp/wrong.trace
printf 'space base=4G size=16G budget=16G\nplug d0 virtio-pmem size=1G\nexpect ok addr=5G\n' >"$wrong"
expect 1 "3: expect ok addr=0x140000000 (for line 2) FAILED: got ok addr=0x100000000 memslots=1" \
    "$memdev" run "$wrong"

# (round 30: the same sample left each of the next checks' lines out of the output, or the
# stop after a malformed line, and nothing failed)
# an empty device: its result line, a failed expect on it and the list all say empty
printf 'space base=4G size=16G budget=16G slots=1\nplug e0 hv-balloon empty\nexpect ok addr=4G\nlist\n' >"$lines"
out=$("$memdev" run "$lines") || true
out_has "^2: plug e0 ok empty\$" "the result line of an empty plug does not say empty"
out_has "^3: expect ok addr=0x100000000 \(for line 2\) FAILED: got ok empty memslots=0\$" \
    "a failed expect after an empty plug does not say what it got (ok empty)"
block_has "4: list" "^  e0 hv-balloon empty\$"
# a malformed line stops the run: the lines before it ran, none after it
printf 'space base=4G size=16G budget=16G slots=2\nplug d0 dimm size=1G\nplug d1 dimm sise=1G\nplug d2 dimm size=1G\n' >"$lines"
out=$("$memdev" run "$lines" 2>"$tmp/stop.err") && rc=0 || rc=$?
if [[ $rc -ne 2 || "$out" != "2: plug d0 ok addr=0x100000000 slot=0 memslots=1" ]] ||
    ! grep -q "lines.trace:3:14: unknown key 'sise'" "$tmp/stop.err"; then
    echo "FAIL: a malformed line 3 did not stop the run there (status $rc, output: ${out:0:200})"
    failures=$((failures + 1))
fi
# a path of exactly 200 bytes is named whole; one byte more keeps its last 200 after "..."
for extra in 0 1; do
    leaf=/no-space.trace
    pad=$((200 + extra - ${#tmp} - ${#leaf} - 1))
    path=$tmp/$(printf 'p%.0s' $(seq "$pad"))/no-space.trace
    mkdir -p "$(dirname "$path")"
    printf 'plug d0 dimm size=1G\n' >"$path"
    err=$("$memdev" run "$path" 2>&1 >/dev/null) || true
    if [[ $extra -eq 0 ]]; then want=$path; else want=...${path:1}; fi
    if [[ ${#path} -ne $((200 + extra)) || "$err" != "$want:1:1: "* ]]; then
        echo "FAIL: a path of ${#path} bytes is named '${err:0:40}...', want '${want:0:40}...'"
        failures=$((failures + 1))
    fi
done

if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "ok: all memdev command checks passed"
