#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""compare_report.py - the analysis half of bench/compare: per benchmark the two medians, the
change in percent and a significance mark, a geometric-mean line, a verdict line and a bar
plot of the changes; exit status 1 when a significant slowdown exceeds --fail-over.

usage: compare_report.py --mode time|instr --dir DIR [--fail-over PCT] [--noise PCT]
                         [--alpha P] [--label-a A] [--label-b B]

time:  DIR/A_*.json and DIR/B_*.json are alternating rounds of memdev_bench (one sample per
       benchmark per round). The test is the Mann-Whitney U test (two-sided; scipy when it is
       importable, else an exact permutation count), p adjusted with Holm-Bonferroni over
       all benchmarks of the comparison; a change is `~` (within noise) when the adjusted
       p >= alpha or |change| < noise. DIR/A.json and DIR/B.json are written with all rounds
       merged and, when /usr/share/benchmark/compare.py exists, its report goes to
       DIR/compare_py.txt for a second opinion.
instr: DIR/instr_A.tsv and DIR/instr_B.tsv hold `name<TAB>instructions<TAB>operations` from
       callgrind; counts are deterministic, so only the noise floor applies (default 0.2 %).
"""
import argparse
import itertools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchjson as bj  # noqa: E402


def u_test(a, b):
    """Two-sided Mann-Whitney U p-value."""
    try:
        from scipy.stats import mannwhitneyu
        return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    except ImportError:
        pass
    # Exact: the fraction of relabelings whose U is at least as extreme (ties count half).
    def u_of(x, y):
        return sum(1.0 if xi > yi else 0.5 if xi == yi else 0.0 for xi in x for yi in y)
    pooled = list(a) + list(b)
    mean_u = len(a) * len(b) / 2.0
    obs = abs(u_of(a, b) - mean_u)
    hits = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(a)):
        s = set(idx)
        x = [pooled[i] for i in idx]
        y = [pooled[i] for i in range(len(pooled)) if i not in s]
        total += 1
        hits += abs(u_of(x, y) - mean_u) >= obs - 1e-9
    return hits / total


def time_rows(d, alpha, noise):
    names = sorted(os.listdir(d))
    ra = bj.load([os.path.join(d, f) for f in names if f.startswith("A_") and f.endswith(".json")])
    rb = bj.load([os.path.join(d, f) for f in names if f.startswith("B_") and f.endswith(".json")])
    rows = []
    for key in ra.order:
        a, b = ra.samples.get(key), rb.samples.get(key)
        if not a or not b:
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        p = u_test(a, b) if len(a) > 1 and len(b) > 1 else 1.0
        change = (mb / ma - 1) * 100
        rows.append(["/".join([key[0], key[1], str(key[2])]), ma, mb, change, p, False])
    # Holm-Bonferroni over all benchmarks: with 18 tests at 0.05 an A/A comparison would
    # otherwise flag about one benchmark per run on this noisy machine.
    order = sorted(range(len(rows)), key=lambda i: rows[i][4])
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(rows) - rank) * rows[i][4]))
        rows[i][4] = running
        rows[i][5] = running < alpha and abs(rows[i][3]) >= noise
    return [tuple(r) for r in rows]


def merge(d, side):
    """All rounds of one side in one google-benchmark JSON (for compare.py)."""
    doc = None
    for f in sorted(os.listdir(d)):
        if f.startswith(side + "_") and f.endswith(".json"):
            with open(os.path.join(d, f)) as fh:
                part = json.load(fh)
            if doc is None:
                doc = {"context": part["context"], "benchmarks": []}
            doc["benchmarks"] += [b for b in part["benchmarks"]
                                  if b.get("run_type") == "iteration"
                                  and not b.get("error_occurred")]
    path = os.path.join(d, side + ".json")
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=1)
    return path


def run_compare_py(d):
    tool = "/usr/share/benchmark/compare.py"
    if not os.path.exists(tool):
        return None
    res = subprocess.run(["/usr/bin/python3", tool, "-d", os.path.join(d, "compare_py.json"),
                          "benchmarks", merge(d, "A"), merge(d, "B")],
                         capture_output=True, text=True)
    out = os.path.join(d, "compare_py.txt")
    with open(out, "w") as fh:
        fh.write(res.stdout + res.stderr)
    return out


def instr_rows(d, noise):
    def load(path):
        r = {}
        with open(path) as fh:
            for line in fh:
                name, ir, ops = line.rstrip("\n").split("\t")
                r[name.split("/iterations:")[0]] = int(ir) / max(float(ops), 1.0)
        return r
    a, b = load(os.path.join(d, "instr_A.tsv")), load(os.path.join(d, "instr_B.tsv"))
    rows = []
    for name in a:
        if name in b:
            change = (b[name] / a[name] - 1) * 100 if a[name] else 0.0
            rows.append((name, a[name], b[name], change, None, abs(change) >= noise))
    return rows


def plot(rows, png, title):
    if not shutil.which("gnuplot") or not rows:
        return False
    data = png + ".dat"
    with open(data, "w") as fh:
        for i, r in enumerate(rows):
            fh.write("%d \"%s\" %g %d\n" % (i, r[0], r[3], 1 if r[5] else 0))
    h = max(300, 22 * len(rows) + 120)
    script = "\n".join([
        "set terminal pngcairo size 900,%d font ',9'" % h, "set output '%s'" % png,
        "set termoption noenhanced", "set title '%s'" % title,
        "set style fill solid 0.8", "set grid x", "set xlabel 'change of B against A (%)'",
        "set ytics nomirror", "set yrange [-1:%d] reverse" % len(rows),
        "set xzeroaxis", "set key off",
        "plot '%s' using (column(3)/2):1:(abs(column(3))/2):(0.35):"
        "(column(4) > 0.5 ? (column(3) > 0 ? 0xd62728 : 0x2ca02c) : 0x999999):ytic(2) "
        "with boxxyerror lc rgb variable" % data])
    res = subprocess.run(["gnuplot"], input=script + "\n", text=True, capture_output=True)
    if res.returncode != 0:
        print("compare_report.py: gnuplot failed: " + res.stderr, file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("time", "instr"), required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail-over", type=float, default=None)
    ap.add_argument("--noise", type=float, default=None)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--label-a", default="A")
    ap.add_argument("--label-b", default="B")
    a = ap.parse_args()
    if a.mode == "time":
        noise = 2.0 if a.noise is None else a.noise
        rows = time_rows(a.dir, a.alpha, noise)
        unit, fmt = "ns/op", bj.fmt_ns
    else:
        noise = 0.2 if a.noise is None else a.noise
        rows = instr_rows(a.dir, noise)
        unit, fmt = "instr/op", lambda x: "%.1f" % x
    if not rows:
        print("compare: no benchmark ran on both sides (check --filter and --sizes)")
        return 2
    w = max(len(r[0]) for r in rows)
    print("A = %s\nB = %s\n" % (a.label_a, a.label_b))
    print("%-*s %12s %12s %9s %8s" % (w, "benchmark (%s)" % unit, "A", "B", "change",
                                     "p(Holm)" if a.mode == "time" else ""))
    for name, ma, mb, change, p, sig in rows:
        mark = "%+8.1f%%" % change if sig else "~%+7.1f%%" % change
        print("%-*s %12s %12s %9s %8s" % (w, name, fmt(ma), fmt(mb), mark,
                                         "%.3f" % p if p is not None else ""))
    geo = (math.exp(sum(math.log(r[2] / r[1]) for r in rows) / len(rows)) - 1) * 100
    slower = [r for r in rows if r[5] and r[3] > 0]
    faster = [r for r in rows if r[5] and r[3] < 0]
    print("%-*s %12s %12s %+8.1f%%" % (w, "geometric mean", "", "", geo))
    print()
    crit = ("U test, Holm-adjusted p < %.2f, and |change| >= %.1f%%" % (a.alpha, noise)
            if a.mode == "time"
            else "|change| >= %.1f%% (instruction counts are deterministic)" % noise)
    if slower and (not faster or geo > 0):
        worst = max(slower, key=lambda r: r[3])
        verdict = "B is SLOWER: %d benchmark(s) slower, %d faster (worst %+.1f%% %s)" % (
            len(slower), len(faster), worst[3], worst[0])
    elif faster:
        best = min(faster, key=lambda r: r[3])
        verdict = "B is FASTER: %d benchmark(s) faster, %d slower (best %+.1f%% %s)" % (
            len(faster), len(slower), best[3], best[0])
    else:
        verdict = "no significant change"
    print("verdict: %s; geomean %+.1f%%; significance: %s; `~` = within noise" % (
        verdict, geo, crit))
    if a.mode == "time":
        cp = run_compare_py(a.dir)
        if cp:
            print("compare.py (libbenchmark-tools) U-test report: %s" % cp)
    png = os.path.join(a.dir, "compare.png")
    if plot(rows, png, "%s: B %s vs A %s" % (a.mode, a.label_b, a.label_a)):
        print("plot: %s" % png)
    if a.fail_over is not None:
        over = [r for r in slower if r[3] > a.fail_over]
        if over:
            print("FAIL: %d benchmark(s) slower by more than %.1f%%: %s" % (
                len(over), a.fail_over, ", ".join(r[0] for r in over)))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
