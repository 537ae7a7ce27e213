#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""compare_report.py - the analysis half of bench/compare: per benchmark the two medians, the
change with its confidence interval and an outcome (faster, slower, equal, inconclusive),
a geometric-mean line, the verdict, the power of the run, a bar plot, and verdict.json.
The statistics are in verdict.py (method described there and in bench/README.md).

usage: compare_report.py --mode time|instr --dir DIR [options]
       compare_report.py --json A.json B.json --dir DIR [options]

time:  DIR/A_<i>.json and DIR/B_<i>.json are round i of memdev_bench (one sample per
       benchmark and side), paired by round. DIR/A.json and DIR/B.json get all rounds merged
       and /usr/share/benchmark/compare.py's report goes to DIR/compare_py.txt (no colours).
instr: DIR/instr_A.tsv and DIR/instr_B.tsv hold `name<TAB>instructions<TAB>operations`.
json:  two google-benchmark JSON files (bench/run's bench.json); the repetitions of each are
       independent samples (unpaired).

Exit status: 0, 1 when a benchmark is called slower by more than --fail-over percent,
2 when nothing can be compared (no benchmark on both sides, unreadable input).
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchjson as bj  # noqa: E402
import verdict as vd  # noqa: E402

PROG = "bench/compare"


class Bad(Exception):
    """Input that cannot be compared: one line, exit 2."""


def key_name(key):
    return "/".join([key[0], key[1], str(key[2])])


def read_json(path):
    try:
        return bj.read(path)
    except bj.BadInput as e:
        raise Bad(str(e))


def samples_of(doc):
    """{name: [ns/op, ...]} of the successful iteration runs of one JSON document."""
    out = {}
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        key = bj.parse_name(b.get("run_name", b.get("name", "")))
        tpo = b.get("time_per_op")
        if key is None or not tpo or tpo <= 0:
            continue
        out.setdefault(key_name(key), []).append(tpo * 1e9)
    return out


def rounds_of(d):
    """{round: (A samples, B samples)} from DIR/A_<i>.json, DIR/B_<i>.json."""
    rounds = {}
    for f in os.listdir(d):
        m = re.fullmatch(r"([AB])_([0-9]+)\.json", f)
        if m:
            rounds.setdefault(int(m.group(2)), {})[m.group(1)] = os.path.join(d, f)
    out = {}
    for i, sides in sorted(rounds.items()):
        if len(sides) == 2:
            out[i] = (samples_of(read_json(sides["A"])), samples_of(read_json(sides["B"])))
    return out


def time_changes(d, alpha):
    rounds = rounds_of(d)
    names = []
    for a, b in rounds.values():
        names += [n for n in a if n in b and n not in names]
    pairs = {n: [(a[n][0], b[n][0]) for a, b in rounds.values() if n in a and n in b]
             for n in names}
    pairs = {n: p for n, p in pairs.items() if len(p) >= 2}
    m = max(1, len(pairs))
    changes = [vd.paired(n, [x for x, _ in p], [y for _, y in p], alpha / m)
               for n, p in pairs.items()]
    # The whole library: per round the geometric mean of B/A over the benchmarks.
    geo = None
    common = [i for i, (a, b) in rounds.items() if all(n in a and n in b for n in pairs)]
    if pairs and len(common) >= 2:
        ga = [1.0] * len(common)
        gb = [math.exp(sum(math.log(rounds[i][1][n][0] / rounds[i][0][n][0]) for n in pairs)
                       / len(pairs)) for i in common]
        geo = vd.paired("geometric mean", ga, gb, alpha)
    return changes, geo, len(rounds)


def json_changes(path_a, path_b, alpha):
    sa, sb = samples_of(read_json(path_a)), samples_of(read_json(path_b))
    names = [n for n in sa if n in sb]
    m = max(1, len(names))
    changes = [vd.unpaired(n, sa[n], sb[n], alpha / m) for n in names]
    return changes, None, min([len(sa[n]) for n in names] + [len(sb[n]) for n in names] or [0])


def instr_changes(d):
    def load(path):
        r = {}
        try:
            with open(path) as fh:
                for line in fh:
                    name, ir, ops = line.rstrip("\n").split("\t")
                    r[name.split("/iterations:")[0]] = int(ir) / max(float(ops), 1.0)
        except (OSError, ValueError) as e:
            raise Bad("cannot read %s: %s" % (path, e))
        return r
    a, b = load(os.path.join(d, "instr_A.tsv")), load(os.path.join(d, "instr_B.tsv"))
    changes = [vd.exact(n, a[n], b[n]) for n in a if n in b]
    geo = None
    if changes and all(c.a > 0 and c.b > 0 for c in changes):
        g = math.exp(sum(math.log(c.b / c.a) for c in changes) / len(changes))
        geo = vd.exact("geometric mean", 1.0, g)
    return changes, geo, 1


def merge(d, side):
    """All rounds of one side in one google-benchmark JSON (for compare.py)."""
    doc = None
    for f in sorted(os.listdir(d)):
        if re.fullmatch(side + r"_[0-9]+\.json", f):
            part = read_json(os.path.join(d, f))
            if doc is None:
                doc = {"context": part.get("context", {}), "benchmarks": []}
            doc["benchmarks"] += [b for b in part["benchmarks"]
                                  if b.get("run_type") == "iteration"
                                  and not b.get("error_occurred")]
    path = os.path.join(d, side + ".json")
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=1)
    return path


def run_compare_py(d, a, b):
    """Debian's compare.py (libbenchmark-tools) as a second opinion, without colour codes."""
    tool = "/usr/share/benchmark/compare.py"
    if not os.path.exists(tool):
        return None
    res = subprocess.run(["/usr/bin/python3", tool, "--no-color", "-d",
                          os.path.join(d, "compare_py.json"), "benchmarks", a, b],
                         capture_output=True, text=True)
    out = os.path.join(d, "compare_py.txt")
    text = re.sub(r"\x1b\[[0-9;]*m", "", res.stdout + res.stderr)
    with open(out, "w") as fh:
        fh.write(text)
    return out if res.returncode == 0 else False


COLOURS = {"faster": "0x2ca02c", "slower": "0xd62728", "equal": "0x999999",
           "inconclusive": "0xff7f0e"}


def plot(changes, png, title, t):
    if not shutil.which("gnuplot") or not changes:
        return False
    data = png + ".dat"
    with open(data, "w") as fh:
        for i, c in enumerate(changes):
            fh.write("%d \"%s\" %g %g %g %s\n" % (i, c.name, c.est, c.lo, c.hi,
                                                 COLOURS[c.outcome]))
    h = max(300, 22 * len(changes) + 140)
    script = "\n".join([
        "set terminal pngcairo size 900,%d font ',9'" % h, "set output '%s'" % png,
        "set termoption noenhanced",
        'set title "%s\\ngreen faster, red slower, grey equal, orange inconclusive"' %
        title.replace('"', "'"),
        "set style fill solid 0.6", "set grid x",
        "set xlabel 'change of B against A (%%): bar = estimate, whiskers = interval, "
        "dashed = +-%g %% threshold'" % t,
        "set ytics nomirror", "set yrange [%d:-1]" % len(changes),
        "set yzeroaxis lt -1", "set key off",
        "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb '#555555'" % (t, t),
        "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb '#555555'" % (-t, -t),
        "plot '%s' using (column(3)/2):1:(abs(column(3))/2):(0.35):6:ytic(2) "
        "with boxxyerror lc rgb variable, "
        "'' using 3:1:4:5 with xerrorbars lc rgb 'black' pt 7 ps 0.5" % data])
    res = subprocess.run(["gnuplot"], input=script + "\n", text=True, capture_output=True)
    if res.returncode != 0:
        print("%s: gnuplot failed: %s" % (PROG, res.stderr.strip()), file=sys.stderr)
        return False
    return True


def fmt_pct(x):
    return "%+.1f%%" % x if abs(x) < 1000 else "%+.0f%%" % x


def span(lo, hi):
    """'12', '12 to 40', '12 to over 1000' or 'over 1000'."""
    if lo > 1000:
        return "over 1000"
    if hi > 1000:
        return "%d to over 1000" % lo
    return "%d" % lo if lo == hi else "%d to %d" % (lo, hi)


def short_list(names, k=3):
    return ", ".join(names[:k]) + (" and %d more" % (len(names) - k) if len(names) > k else "")


def cell(c):
    if c.outcome == "inconclusive":
        if c.need is None:
            return "inconclusive (at the threshold)"
        if c.need > 1000:
            return "inconclusive (>1000 %s)" % ("rounds" if c.kind == "paired" else "reps")
        return "inconclusive (~%d rounds)" % c.need if c.kind == "paired" else \
            "inconclusive (~%d reps)" % c.need
    return c.outcome


def report(a, changes, geo, nsamples):
    t = a.threshold
    time_like = a.mode in ("time", "json")
    unit, fmt = ("ns/op", bj.fmt_ns) if time_like else ("instr/op", lambda x: "%.1f" % x)
    m = len(changes)
    lines = ["A = %s" % a.label_a, "B = %s" % a.label_b, ""]
    if a.mode == "time":
        lines.append("method: %d alternating rounds, per-round ratio B/A; change = "
                     "Hodges-Lehmann estimate; interval = exact Wilcoxon signed-rank, "
                     "simultaneous %g%% over %d benchmarks (each at %.2f%%); "
                     "equal within +-%g%%" % (nsamples, 100 * (1 - a.alpha), m,
                                              100 * (1 - a.alpha / m), t))
    elif a.mode == "json":
        lines.append("method: saved runs, repetitions as independent samples; change = "
                     "two-sample Hodges-Lehmann estimate; interval = exact Mann-Whitney, "
                     "simultaneous %g%% over %d benchmarks; equal within +-%g%%" % (
                         100 * (1 - a.alpha), m, t))
        lines.append("caution: repetitions of one run share its moment; two runs taken at "
                     "different times also differ by the machine's drift (seen up to 10%% "
                     "here), which no interval over repetitions covers. For a verdict on two "
                     "commits use bench/compare REV_A REV_B (alternating rounds) or --mode "
                     "instr.")
    else:
        lines.append("method: callgrind instruction counts of the timed steps, exact "
                     "(deterministic: the interval is the point); equal within +-%g%%" % t)
    lines.append("")
    w = max([len(c.name) for c in changes] + [len("geometric mean"), 20])
    ci_head = "interval" if a.mode == "instr" else "%g%% interval" % (100 * (1 - a.alpha))
    lines.append("%-*s %11s %11s %8s  %-19s %s" % (w, "benchmark (%s)" % unit, "A", "B",
                                                   "change", ci_head, "outcome"))
    for c in changes:
        ci = "exact" if c.kind == "exact" else "[%s, %s]" % (fmt_pct(c.lo), fmt_pct(c.hi))
        lines.append("%-*s %11s %11s %8s  %-19s %s" % (w, c.name, fmt(c.a), fmt(c.b),
                                                       fmt_pct(c.est), ci, cell(c)))
    if geo is not None:
        vd.classify(geo, t, a.alpha)
        ci = "exact" if geo.kind == "exact" else "[%s, %s]" % (fmt_pct(geo.lo), fmt_pct(geo.hi))
        lines.append("%-*s %11s %11s %8s  %-19s %s" % (w, "geometric mean", "", "",
                                                       fmt_pct(geo.est), ci, cell(geo)))
    lines.append("")
    word, line = vd.overall(changes, t)
    if geo is not None and geo.kind != "exact":
        line += "; geometric mean %s [%s, %s]" % (fmt_pct(geo.est), fmt_pct(geo.lo),
                                                 fmt_pct(geo.hi))
    elif geo is not None:
        line += "; geometric mean %s" % fmt_pct(geo.est)
    lines.append("verdict: " + line)
    if a.mode != "instr":
        low = [c for c in changes if not c.reached]
        if low:
            lines.append("note: %d %s cannot reach %.2f%% per benchmark (the smallest "
                         "two-sided p of N rounds is 2/2^N); those intervals are the full "
                         "range, at %.1f%% each: run at least %d" % (
                             nsamples, "rounds" if a.mode == "time" else "repetitions", 100 * (1 - a.alpha / m), 100 * min(c.level for c in low),
                             vd.min_rounds(a.alpha / m)))
        det = sorted(c.detectable for c in changes)
        lines.append("power: with these %s, a change beyond about +-%.1f%% (median over "
                     "benchmarks; %.1f%% to %.1f%%) is called faster or slower with 80%% "
                     "probability; smaller ones may end inconclusive" % (
                         "rounds" if a.mode == "time" else "repetitions",
                         det[len(det) // 2], det[0], det[-1]))
        adv = vd.rounds_advice(changes)
        unit = "rounds" if a.mode == "time" else "repetitions per side"
        opt = "--rounds" if a.mode == "time" else "bench/run --repetitions"
        if adv["beyond"]:
            ok = [(n, x) for n, x in adv["beyond"] if n <= 1000]
            far = len(adv["beyond"]) - len(ok)
            lines.append("to decide the changes past the threshold, in %s in all: %s%s%s" % (
                unit, ", ".join("%s ~%d" % (x, n) for n, x in ok[:4]),
                " and %d more" % (len(ok) - 4) if len(ok) > 4 else "",
                "%s%d need over 1000" % ("; " if ok else "", far) if far else ""))
            if len(ok) > 1:
                lines.append("  (%s %d settles all %d)" % (opt, ok[-1][0], len(ok)))
        if adv["within"]:
            lo, hi = adv["within"][0][0], adv["within"][-1][0]
            lines.append("equality within +-%g%% is not shown for %d benchmark(s): they would "
                         "need %s %s; a wider --threshold or --mode instr is the practical "
                         "way" % (t, len(adv["within"]), span(lo, hi),
                                  unit))
        if adv["stuck"]:
            lines.append("on the threshold (more %s will hardly settle them): %s" % (
                unit.split()[0], short_list([x for _, x in adv["stuck"]])))
    else:
        lines.append("power: instruction counts are exact; every change beyond +-%g%% is "
                     "reported" % t)
    return word, lines


class Parser(argparse.ArgumentParser):
    def error(self, message):
        print("%s: %s" % (PROG, message), file=sys.stderr)
        sys.exit(2)


def main():
    ap = Parser(prog="compare_report.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("time", "instr"))
    ap.add_argument("--json", nargs=2, metavar=("A.json", "B.json"))
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail-over", type=float, default=None)
    ap.add_argument("--threshold", "--noise", type=float, default=None)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--label-a", default="A")
    ap.add_argument("--label-b", default="B")
    a = ap.parse_args()
    if bool(a.mode) == bool(a.json):
        ap.error("give --mode or --json")
    if a.json:
        a.mode = "json"
    if not 0 < a.alpha < 1:
        ap.error("--alpha must be between 0 and 1")
    if a.threshold is None:
        a.threshold = 0.5 if a.mode == "instr" else 2.0
    try:
        if a.mode == "time":
            changes, geo, nsamples = time_changes(a.dir, a.alpha)
        elif a.mode == "json":
            changes, geo, nsamples = json_changes(a.json[0], a.json[1], a.alpha)
        else:
            changes, geo, nsamples = instr_changes(a.dir)
        if not changes:
            raise Bad("no benchmark ran on both sides (check --filter and --sizes)")
        if a.mode == "json" and nsamples < 2:
            raise Bad("the saved runs need at least 2 repetitions per benchmark on each side "
                      "(bench/run --repetitions)")
    except Bad as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2
    m = len(changes)
    alpha_each = a.alpha / m
    for c in changes:
        vd.classify(c, a.threshold, alpha_each)
    word, lines = report(a, changes, geo, nsamples)
    print("\n".join(lines))
    if a.mode == "time":
        cp = run_compare_py(a.dir, merge(a.dir, "A"), merge(a.dir, "B"))
    elif a.mode == "json":
        cp = run_compare_py(a.dir, a.json[0], a.json[1])
    else:
        cp = None
    if cp is False:
        print("compare.py (libbenchmark-tools) failed: see %s" % os.path.join(
            a.dir, "compare_py.txt"))
        print("%s: compare.py (the second opinion) failed: exit 2 unless a benchmark is "
              "slower than --fail-over" % PROG, file=sys.stderr)
    elif cp:
        print("second opinion (compare.py, per-benchmark U test, uncorrected): %s" % cp)
    png = os.path.join(a.dir, "compare.png")
    if plot(changes, png, "%s: B %s vs A %s" % (a.mode, a.label_b, a.label_a), a.threshold):
        print("plot: %s" % png)
    rc = 2 if cp is False else 0  # a failed child is never a success; a regression says 1
    if a.fail_over is not None:
        over = [c for c in changes if c.outcome == "slower" and c.est > a.fail_over]
        if over:
            print("FAIL: %d benchmark(s) slower by more than %g%%: %s" % (
                len(over), a.fail_over, ", ".join(c.name for c in over)))
            rc = 1
    with open(os.path.join(a.dir, "verdict.json"), "w") as fh:
        json.dump({"mode": a.mode, "threshold": a.threshold, "alpha": a.alpha,
                   "samples": nsamples, "verdict": word, "exit": rc,
                   "geometric_mean": geo.as_dict() if geo else None,
                   "benchmarks": [c.as_dict() for c in changes]}, fh, indent=1)
    return rc


if __name__ == "__main__":
    sys.exit(main())
