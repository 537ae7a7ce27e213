#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""branch_pick.py - which candidate inputs reach branch directions of the code under test
that a base corpus does not, as few as possible (fuzz/promote's choice).

usage: branch_pick.py --build DIR --target T --base TARGET:DIR... --max N [--jobs J] CANDIDATE...

Replays each base corpus on its target's replay driver of the coverage build
(DIR/fuzz/fuzz_TARGET_replay, clang -fprofile-instr-generate -fcoverage-mapping), then each
candidate alone on T's, and reads the branch directions of core/src and core/trace each
reaches (llvm-cov export; a direction is a source position and a side, so the corpora of all
targets make one base). Greedy set
cover: the candidate adding the most directions not yet reached (the smaller on a tie), then
the next, until none adds one or N are chosen. Prints one line per pick, "PATH GAIN", and
last "total DIRECTIONS LEFT_OUT" (directions the picks reach; candidates that reach
something new but were not picked because of --max). Exit status: 0, or 2 on a tool error
(a missing tool, a replay that crashes, an export that fails), with one line on stderr.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = [os.path.join(TOP, 'core', 'src'), os.path.join(TOP, 'core', 'trace')]


class ToolError(Exception):
    pass


def directions(driver, files, work):
    """The set of (file, line, column, 'T'|'F') branch directions the files reach together."""
    os.makedirs(work, exist_ok=True)
    raw, prof = os.path.join(work, 'p.profraw'), os.path.join(work, 'p.profdata')
    env = dict(os.environ, LLVM_PROFILE_FILE=raw)
    r = subprocess.run([driver] + files, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise ToolError('the replay of %s failed (exit %d): %s' % (
            files[0] if len(files) == 1 else '%d inputs' % len(files), r.returncode,
            (r.stderr.strip().splitlines() or ['no output'])[-1]))
    r = subprocess.run(['llvm-profdata', 'merge', '-sparse', raw, '-o', prof],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolError('llvm-profdata merge failed: ' + r.stderr.strip())
    r = subprocess.run(['llvm-cov', 'export', driver, '-instr-profile=' + prof,
                        '-skip-functions'] + SOURCES, capture_output=True, text=True)
    if r.returncode != 0:
        raise ToolError('llvm-cov export failed: ' + r.stderr.strip())
    got = set()
    for f in json.loads(r.stdout)['data'][0]['files']:
        name = os.path.relpath(f['filename'], TOP)
        for b in f.get('branches', []):
            line, col, _, _, taken, not_taken = b[:6]
            if taken:
                got.add((name, line, col, 'T'))
            if not_taken:
                got.add((name, line, col, 'F'))
    return got


def main():
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument('--build', required=True)
    ap.add_argument('--target', required=True)
    ap.add_argument('--base', action='append', required=True)
    ap.add_argument('--max', type=int, required=True)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('candidates', nargs='*')
    a = ap.parse_args()
    for tool in ('llvm-profdata', 'llvm-cov'):
        if not shutil.which(tool):
            raise ToolError('%s is missing (Debian package llvm)' % tool)
    def driver_of(target):
        d = os.path.join(a.build, 'fuzz', 'fuzz_%s_replay' % target)
        if not os.access(d, os.X_OK):
            raise ToolError('no replay driver %s' % d)
        return d

    driver = driver_of(a.target)
    with tempfile.TemporaryDirectory() as tmp:
        base = set()
        for i, tb in enumerate(a.base):
            target, _, bdir = tb.partition(':')
            files = sorted(os.path.join(bdir, f) for f in os.listdir(bdir))
            if files:
                base |= directions(driver_of(target), files, os.path.join(tmp, 'base%d' % i))

        def one(i_path):
            i, path = i_path
            return path, directions(driver, [path], os.path.join(tmp, str(i)))

        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            reach = dict(pool.map(one, enumerate(a.candidates)))
    new = {p: d - base for p, d in reach.items() if d - base}
    picked, got = [], set()
    while len(picked) < a.max:
        best = max(new, key=lambda p: (len(new[p] - got), -os.path.getsize(p), p), default=None)
        if best is None or not new[best] - got:
            break
        print(best, len(new[best] - got))
        got |= new[best]
        picked.append(best)
        del new[best]
    left = sum(1 for p in new if new[p] - got)
    print('total', len(got), left)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except ToolError as e:
        print('branch_pick: ' + str(e), file=sys.stderr)
        sys.exit(2)
