#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""report.py - turns memdev_bench JSON into the table bench/run prints (ns/op per scenario,
backend and n, with each baseline's ratio to memdev measured in the same run), a Markdown
headline table for bench/README.md, and a log-log plot of ns/op against n (gnuplot).

usage: report.py BENCH.json... [--table FILE] [--headline FILE] [--plot FILE.png]

A ratio is baseline ns/op divided by memdev ns/op: above 1 means memdev is faster. Medians
over repetitions. 'skipped' means the baseline was not run at that n (reason below the
table); 'n/a' means the scenario does not apply to that structure.
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchjson as bj  # noqa: E402

HEADLINE_N = (1 << 10, 1 << 16, 1 << 20)


def ratio(r, scen, bk, n):
    base, other = r.median((scen, "memdev", n)), r.median((scen, bk, n))
    if base is None or other is None:
        return None
    return other / base


def cell(r, scen, bk, n):
    key = (scen, bk, n)
    if key in r.skipped:
        return "skipped"
    med = r.median(key)
    if med is None:
        return "n/a"
    return bj.fmt_ns(med)


def fmt_rate(ns):
    if not ns:
        return "-"
    rate = 1e9 / ns
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rate >= div:
            return "%.2f%s" % (rate / div, suffix)
    return "%.1f" % rate


def fmt_ratio(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return "x%.0fM" % (x / 1e6)
    if x >= 1e4:
        return "x%.0fk" % (x / 1e3)
    return "x%.2f" % x if x < 100 else "x%.0f" % x


def table(r):
    out = []
    reasons = {}
    for scen in r.scenarios():
        fits = ", ".join("%s %s" % (bk, r.bigo[(scen, bk)]) for bk in bj.BACKENDS
                         if (scen, bk) in r.bigo)
        out.append("%s%s" % (scen, "   (complexity fit: %s)" % fits if fits else ""))
        out.append("  %8s %11s %10s %11s %8s %11s %8s   %s" % (
            "n", "memdev", "md ops/s", "model", "mod/md", "augtree", "aug/md",
            "bytes/dev md/model/aug"))
        for n in r.sizes(scen):
            b = [r.bytes.get((scen, bk, n)) for bk in bj.BACKENDS]
            md = r.median((scen, "memdev", n))
            out.append("  %8s %11s %10s %11s %8s %11s %8s   %s" % (
                bj.fmt_n(n), cell(r, scen, "memdev", n), fmt_rate(md),
                cell(r, scen, "model", n),
                fmt_ratio(ratio(r, scen, "model", n)), cell(r, scen, "augtree", n),
                fmt_ratio(ratio(r, scen, "augtree", n)),
                "/".join("-" if x is None else "%.0f" % x for x in b)))
            for bk in bj.BACKENDS:
                if (scen, bk, n) in r.skipped:
                    reasons.setdefault(r.skipped[(scen, bk, n)], set()).add(
                        "%s/%s" % (scen, bk))
        out.append("")
    if reasons:
        out.append("skipped runs:")
        for why, where in reasons.items():
            out.append("  %s: %s" % (", ".join(sorted(where)), why))
    out.append("md ops/s: memdev operations per CPU second; "
               "ratios: baseline ns/op / memdev ns/op in the same run (x2.00 = memdev twice "
               "as fast); medians over repetitions; CPU time.")
    return "\n".join(out) + "\n"


def headline(r):
    rows = ["| scenario | n | memdev ns/op | model / memdev | augtree / memdev |",
            "| --- | ---: | ---: | ---: | ---: |"]
    for scen in r.scenarios():
        sizes = r.sizes(scen)
        pick = [n for n in sizes if n in HEADLINE_N]
        if scen.startswith("lookup"):
            pick = [n for n in sizes if n in (1 << 15, 1 << 20)]
        for n in pick:
            med = r.median((scen, "memdev", n))
            if med is None:
                continue
            rows.append("| %s | %s | %s | %s | %s |" % (
                scen, bj.fmt_n(n), bj.fmt_ns(med),
                fmt_ratio(ratio(r, scen, "model", n)) if (scen, "model", n) in r.samples
                else cell(r, scen, "model", n),
                fmt_ratio(ratio(r, scen, "augtree", n)) if (scen, "augtree", n) in r.samples
                else cell(r, scen, "augtree", n)))
    rows.append("")
    rows.append("| bytes per device, churn population | n | memdev | model | augtree |")
    rows.append("| --- | ---: | ---: | ---: | ---: |")
    for n in r.sizes("churn"):
        if n in HEADLINE_N:
            for what, src in (("heap growth (mallinfo2)", r.bytes),
                              ("own count (memdev_memory_bytes, augtree_memory)", r.self_bytes)):
                b = [src.get(("churn", bk, n)) for bk in bj.BACKENDS]
                rows.append("| %s | %s | %s |" % (what, bj.fmt_n(n), " | ".join(
                    "-" if x is None else "%.0f" % x for x in b)))
    return "\n".join(rows) + "\n"


def plot(r, png):
    if not shutil.which("gnuplot"):
        print("report.py: gnuplot not found, no plot", file=sys.stderr)
        return False
    ddir = png + ".data"
    os.makedirs(ddir, exist_ok=True)
    scens = r.scenarios()
    cols = 3
    rows = (len(scens) + cols - 1) // cols
    script = ["set terminal pngcairo size %d,%d font ',9'" % (cols * 420, rows * 330),
              "set termoption noenhanced",
              "set output '%s'" % png, "set logscale x 2", "set logscale y", "set grid",
              "set format x '2^%L'", "set xlabel 'n'", "set ylabel 'ns/op (CPU)'",
              "set key top left", "set multiplot layout %d,%d title 'memdev %s'" % (
                  rows, cols, r.context.get("memdev_git_revision", "?")[:12])]
    styles = {"memdev": "lw 2 pt 7 lc rgb '#1f77b4'", "model": "lw 1 pt 5 lc rgb '#d62728'",
              "augtree": "lw 1 pt 9 lc rgb '#2ca02c'"}
    for scen in scens:
        plots = []
        for bk in bj.BACKENDS:
            pts = [(n, r.median((scen, bk, n))) for n in r.sizes(scen)]
            pts = [(n, v) for n, v in pts if v is not None]
            if not pts:
                continue
            path = os.path.join(ddir, "%s_%s.dat" % (scen, bk))
            with open(path, "w") as f:
                for n, v in pts:
                    f.write("%d %g\n" % (n, v))
            plots.append("'%s' using 1:2 with linespoints %s title '%s'" % (
                path, styles[bk], bk))
        script.append("set title '%s'" % scen)
        script.append("plot " + ", ".join(plots) if plots else "plot 1 notitle")
    script.append("unset multiplot")
    res = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True,
                         capture_output=True)
    if res.returncode != 0:
        print("report.py: gnuplot failed:\n" + res.stderr, file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="+")
    ap.add_argument("--table", help="also write the table to this file")
    ap.add_argument("--headline", help="write the Markdown headline table to this file")
    ap.add_argument("--plot", help="write a log-log PNG here")
    a = ap.parse_args()
    try:
        r = bj.load(a.json)
    except bj.BadInput as e:
        print("report.py: %s" % e, file=sys.stderr)
        return 2
    if not r.order:
        print("report.py: no benchmark results in %s (did the filter match nothing?)" %
              " ".join(a.json), file=sys.stderr)
        return 2
    t = table(r)
    ctx = r.context
    head = "memdev_bench: revision %s%s, %s build, %s CPUs, load %s\n\n" % (
        ctx.get("memdev_git_revision", "?"),
        " (dirty)" if ctx.get("memdev_git_dirty") == "yes" else "",
        ctx.get("memdev_build_type", "?"), ctx.get("num_cpus", "?"),
        " ".join("%.2f" % x for x in ctx.get("load_avg", [])))
    sys.stdout.write(head + t)
    if a.table:
        with open(a.table, "w") as f:
            f.write(head + t)
    if a.headline:
        with open(a.headline, "w") as f:
            f.write(headline(r))
    if a.plot and plot(r, a.plot):
        print("plot: %s" % a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
