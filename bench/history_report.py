# SPDX-License-Identifier: MIT
"""history_report.py - bench/history's output from the measured figures: the steps (changes
beyond a threshold between consecutive measured commits), one gnuplot PNG per benchmark over
the commits plus an overview of all benchmarks relative to the first commit, a Markdown
report, a static HTML page (no scripts, no external files but the PNGs) and a TSV of the
figures. Standard library and gnuplot only.

A series holds, per commit (oldest first), the figure or None. A step is measured against
the previous commit that has a figure; commits without one are listed with the reason and
shown as grey marks in the plots. A figure measured with the commit's own bench/ (the current
one did not build there) is marked, and a change across a harness switch is flagged as such
instead of being called a step.
"""
import html
import os
import re
import shutil
import subprocess


class Series:
    """One measure (instr or time) of the history: commits, per-commit entries, names."""

    def __init__(self, measure, unit, threshold, commits, entries, names, partner=None):
        self.measure, self.unit, self.threshold = measure, unit, threshold
        self.commits, self.entries, self.names = commits, entries, names
        self.partner = partner  # the instr series beside a time series: confirms its steps

    def confirm(self, i, name):
        """For a time step at commit i: what the instruction counts say, or ''."""
        p = self.partner
        if p is None or p.value(name, i) is None:
            return ""
        prev = [j for j in range(i) if p.value(name, j)]
        if not prev:
            return ""
        ch = (p.value(name, i) / p.value(name, prev[-1]) - 1) * 100
        if abs(ch) <= p.threshold:
            return "instructions %+.1f%%: likely machine noise" % ch
        return "instructions %+.1f%%" % ch

    def value(self, name, i):
        e = self.entries[i]
        return None if e is None or e.get("failed") else e["results"].get(name)

    def why(self, i):
        """Why commit i has no figures at all (None when it has some)."""
        e = self.entries[i]
        if e is None:
            return "not measured"
        return e.get("failed")

    def harness(self, i):
        e = self.entries[i]
        return e.get("harness") if e else None

    def steps(self):
        """[(i, name, before, after, change %, kind)] kind: slower, faster or harness."""
        out = []
        for name in self.names:
            prev = None
            for i in range(len(self.commits)):
                v = self.value(name, i)
                if v is None:
                    continue
                if prev is not None and self.value(name, prev) > 0:
                    b = self.value(name, prev)
                    ch = (v / b - 1) * 100
                    if abs(ch) > self.threshold:
                        kind = "slower" if ch > 0 else "faster"
                        if self.harness(i) != self.harness(prev):
                            kind = "harness"
                        out.append((i, name, b, v, ch, kind))
                prev = i
        return sorted(out, key=lambda s: (s[0], s[1]))


def slug(name):
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ns/op":
        return "%.2f us" % (v / 1e3) if v >= 1e3 else "%.1f ns" % v
    return "%.1f" % v


# ---------------------------------------------------------------------------------------
def gnuplot(script):
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed"
    res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    return None if res.returncode == 0 else res.stderr.strip()


def _xtics(s):
    return "set xtics (%s) rotate by 60 right font ',8'" % ", ".join(
        '"%s" %d' % (c["short"], i) for i, c in enumerate(s.commits))


def _missing_marks(s, idx):
    """A grey dashed line and 'not measured' at each commit index in idx."""
    out = []
    for i in idx:
        out.append("set arrow from %d, graph 0 to %d, graph 1 nohead dt 2 lw 1.5 lc rgb "
                   "'#aaaaaa'" % (i, i))
        out.append("set label 'not measured' at %d, graph 0.5 center rotate by 90 offset -0.8,0"
                   " font ',8' tc rgb '#888888'" % i)
    return out


def plot_one(s, name, png, steps):
    data = png[:-4] + ".dat"
    with open(data, "w") as fh:
        for i in range(len(s.commits)):
            v = s.value(name, i)
            fh.write("%d %s %d\n" % (i, "%g" % v if v is not None else "NaN",
                                      1 if s.harness(i) == "own" else 0))
    vals = [s.value(name, i) for i in range(len(s.commits))]
    known = [v for v in vals if v is not None]
    width = max(900, 24 * len(s.commits) + 200)
    lines = ["set terminal pngcairo size %d,420 font ',9'" % width, "set output '%s'" % png,
             "set termoption noenhanced", "set title '%s  (%s, %s)'" % (name, s.unit, {
                 "instr": "callgrind instructions per operation",
                 "time": "CPU time per operation, median"}[s.measure]),
             "set grid", "set key off", "set bmargin 6", "set ylabel '%s'" % s.unit,
             "set xrange [-0.5:%g]" % (len(s.commits) - 0.5), _xtics(s)]
    if known:
        # At least +-max(2.5 %, 2 thresholds) around the middle: changes below the threshold
        # must look flat, not fill the panel.
        lo, hi = min(known), max(known)
        mid, half = (lo + hi) / 2, max((hi - lo) * 0.6, (lo + hi) / 2 * max(
            0.025, 0.02 * s.threshold))
        lines.append("set yrange [%g:%g]" % (max(0, mid - half), mid + half))
    lines += _missing_marks(s, [i for i in range(len(s.commits)) if s.value(name, i) is None])
    for (i, n, b, v, ch, kind) in steps:
        if n != name:
            continue
        colour = {"slower": "#d62728", "faster": "#2ca02c", "harness": "#ff7f0e"}[kind]
        lines.append("set label '%+.1f%%' at %d, %g offset 0.6,0.8 tc rgb '%s' font ',9'" % (
            ch, i, v, colour))
        lines.append("set object circle at %d, %g size char 0.9 fs empty border rgb '%s' "
                     "lw 2 front" % (i, v, colour))
    lines.append("plot '%s' using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb '#1f77b4', "
                 "'' using 1:($3 > 0 ? $2 : NaN) with points pt 6 ps 1.6 lc rgb '#ff7f0e'"
                 % data)
    return gnuplot("\n".join(lines) + "\n")


def plot_overview(s, png):
    data = png[:-4] + ".dat"
    cols, pcts = [], []
    with open(data, "w") as fh:
        base = {}
        for n in s.names:
            for i in range(len(s.commits)):
                if s.value(n, i):
                    base[n] = s.value(n, i)
                    break
        cols = [n for n in s.names if n in base]
        for i in range(len(s.commits)):
            row = []
            for n in cols:
                v = s.value(n, i)
                if v is not None:
                    pcts.append((v / base[n] - 1) * 100)
                row.append("%g" % pcts[-1] if v is not None else "NaN")
            fh.write("%d %s\n" % (i, " ".join(row)))
    if not cols:
        return "no figures"
    floor = max(2.5, 2 * s.threshold)  # sub-threshold wiggles must look flat
    ylo, yhi = min(pcts + [-floor]), max(pcts + [floor])
    pad = (yhi - ylo) * 0.08
    plots = ", ".join("'%s' using 1:%d with linespoints lw 2 pt %d ps 0.7 title '%s'" % (
        data, k + 2, 4 + k % 8, n) for k, n in enumerate(cols))
    script = "\n".join([
        "set terminal pngcairo size %d,%d font ',9'" % (max(1000, 24 * len(s.commits) + 400),
                                                       460 + 14 * len(cols)),
        "set output '%s'" % png, "set termoption noenhanced",
        "set title 'change against the first measured commit (%s)'" % s.unit,
        "set grid", "set bmargin 6", "set ylabel '%'", "set key outside right top",
        "set xrange [-0.5:%g]" % (len(s.commits) - 0.5), _xtics(s), "set xzeroaxis",
        "set yrange [%g:%g]" % (ylo - pad, yhi + pad),
        "set datafile missing 'NaN'"] + _missing_marks(s, [i for i in range(len(s.commits))
                                                           if s.why(i)]) +
        ["plot " + plots]) + "\n"
    return gnuplot(script)


# ---------------------------------------------------------------------------------------
def markdown(series, title, notes, plots):
    out = ["# %s" % title, ""] + notes + [""]
    for s in series:
        steps = s.steps()
        out.append("## %s" % {"instr": "Instruction counts (callgrind)",
                              "time": "CPU time (noisy between commits: a trend only)"}[s.measure])
        out.append("")
        out.append("A step is a change of more than +-%g %% against the previous measured "
                   "commit." % s.threshold)
        out.append("")
        if steps:
            out += ["| commit | subject | benchmark | before | after | change |",
                    "| --- | --- | --- | ---: | ---: | ---: |"]
            for (i, n, b, v, ch, kind) in steps:
                c = s.commits[i]
                note = s.confirm(i, n)
                out.append("| `%s` | %s | %s | %s | %s | **%+.1f %%** %s%s |" % (
                    c["short"], md_escape(c["subject"][:70]), n, fmt(b, s.unit),
                    fmt(v, s.unit), ch, {"slower": "slower", "faster": "faster",
                                         "harness": "(harness changed)"}[kind],
                    " (%s)" % note if note else ""))
        else:
            out.append("No steps.")
        out.append("")
        missing = [(i, s.why(i)) for i in range(len(s.commits)) if s.why(i)]
        partial = [(i, n, s.entries[i]["skipped"][n]) for i in range(len(s.commits))
                   if s.entries[i] and not s.why(i) for n in s.names
                   if n in s.entries[i].get("skipped", {})]
        if missing or partial:
            out += ["Not measured:", "", "| commit | subject | why |", "| --- | --- | --- |"]
            for i, why in missing:
                c = s.commits[i]
                out.append("| `%s` | %s | %s |" % (c["short"], md_escape(c["subject"][:60]),
                                                   md_escape(why)))
            for i, n, why in partial:
                c = s.commits[i]
                out.append("| `%s` | %s | %s: %s |" % (c["short"], md_escape(c["subject"][:60]),
                                                       n, md_escape(why)))
            out.append("")
        own = [s.commits[i]["short"] for i in range(len(s.commits)) if s.harness(i) == "own"]
        if own:
            out += ["Measured with their own bench/ (this checkout's did not build there; "
                    "figures may not be comparable): %s" % ", ".join("`%s`" % x for x in own), ""]
        names = s.names
        out.append("| # | commit | subject | %s |" % " | ".join(names))
        out.append("| ---: | --- | --- | %s |" % " | ".join("---:" for _ in names))
        stepmap = {(i, n): (ch, kind) for (i, n, b, v, ch, kind) in steps}
        for i, c in enumerate(s.commits):
            cells = []
            for n in names:
                v = s.value(n, i)
                cell = fmt(v, s.unit)
                if (i, n) in stepmap:
                    ch, kind = stepmap[(i, n)]
                    cell = "**%s** (%+.1f %%)" % (cell, ch)
                cells.append(cell)
            out.append("| %d | `%s`%s | %s | %s |" % (i + 1, c["short"],
                                                     " (own bench/)" if s.harness(i) == "own"
                                                     else "", md_escape(c["subject"][:50]),
                                                     " | ".join(cells)))
        out.append("")
        for n, png in plots.get(s.measure, []):
            out.append("![%s](%s)" % (n, png))
            out.append("")
    return "\n".join(out) + "\n"


def md_escape(t):
    return t.replace("|", "\\|")


CSS = """body{font-family:sans-serif;margin:2em;max-width:1400px}
table{border-collapse:collapse;margin:1em 0;font-size:90%}
td,th{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right;font-family:monospace}
td.slower{background:#f8d0d0}td.faster{background:#d0f0d0}td.harness{background:#ffe0b0}
tr.missing td{color:#999}code{font-size:95%}img{max-width:100%;border:1px solid #eee}"""


def page(series, title, notes, plots):
    e = html.escape
    out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>%s</title>" % e(title),
           "<style>%s</style></head><body>" % CSS, "<h1>%s</h1>" % e(title)]
    out += ["<p>%s</p>" % e(n) for n in notes if n]
    for s in series:
        steps = s.steps()
        stepmap = {(i, n): (ch, kind) for (i, n, b, v, ch, kind) in steps}
        out.append("<h2>%s</h2>" % {"instr": "Instruction counts (callgrind)",
                                    "time": "CPU time (noisy between commits: a trend only)"}[
                                        s.measure])
        out.append("<p>%d step(s): changes of more than &plusmn;%g%% against the previous "
                   "measured commit, coloured red (slower) and green (faster).</p>" % (
                       len(steps), s.threshold))
        if steps:
            out.append("<table><tr><th>commit</th><th>subject</th><th>benchmark</th>"
                       "<th>before</th><th>after</th><th>change</th><th></th></tr>")
            for (i, n, b, v, ch, kind) in steps:
                c = s.commits[i]
                note = s.confirm(i, n)
                out.append("<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td class=n>%s"
                           "</td><td class=n>%s</td><td class='n %s'>%+.1f%%</td><td>%s</td>"
                           "</tr>" % (e(c["short"]), e(c["subject"][:80]), e(n),
                                      fmt(b, s.unit), fmt(v, s.unit), kind, ch, e(note)))
            out.append("</table>")
        out.append("<table><tr><th>#</th><th>commit</th><th>subject</th>%s</tr>" % "".join(
            "<th>%s</th>" % e(n) for n in s.names))
        for i, c in enumerate(s.commits):
            why = s.why(i)
            cells = []
            if why:
                cells.append("<td colspan=%d>not measured: %s</td>" % (len(s.names), e(why)))
            else:
                for n in s.names:
                    v = s.value(n, i)
                    if v is None:
                        sk = (s.entries[i].get("skipped") or {}).get(n, "not run")
                        cells.append("<td title='%s'>-</td>" % e(sk))
                    elif (i, n) in stepmap:
                        ch, kind = stepmap[(i, n)]
                        cells.append("<td class='n %s'>%s<br>%+.1f%%</td>" % (
                            kind, fmt(v, s.unit), ch))
                    else:
                        cells.append("<td class=n>%s</td>" % fmt(v, s.unit))
            out.append("<tr%s><td>%d</td><td><code>%s</code>%s</td><td>%s</td>%s</tr>" % (
                " class=missing" if why else "", i + 1, e(c["short"]),
                " (own bench/)" if s.harness(i) == "own" else "", e(c["subject"][:60]),
                "".join(cells)))
        out.append("</table>")
        for n, png in plots.get(s.measure, []):
            out.append("<h3>%s</h3><img src='%s' alt='%s'>" % (e(n), e(png), e(n)))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def tsv(series):
    out = ["measure\tcommit\tharness\tbenchmark\tvalue\tnote"]
    for s in series:
        for i, c in enumerate(s.commits):
            if s.why(i):
                out.append("%s\t%s\t-\t-\t-\t%s" % (s.measure, c["sha"], s.why(i)))
                continue
            for n in s.names:
                v = s.value(n, i)
                note = "" if v is not None else s.entries[i].get("skipped", {}).get(n, "")
                out.append("%s\t%s\t%s\t%s\t%s\t%s" % (s.measure, c["sha"], s.harness(i), n,
                                                       "%.6g" % v if v is not None else "-",
                                                       note))
    return "\n".join(out) + "\n"


def render(out_dir, series, title, notes):
    """Writes everything into out_dir; returns (paths written, gnuplot problems)."""
    os.makedirs(os.path.join(out_dir, "plots"), exist_ok=True)
    plots, problems = {}, []
    for s in series:
        steps = s.steps()
        suffix = "" if s.measure == "instr" else "-time"
        rel = "plots/overview%s.png" % suffix
        err = plot_overview(s, os.path.join(out_dir, rel))
        lst = [("all benchmarks, relative to the first commit", rel)] if not err else []
        problems += [err] if err else []
        for n in s.names:
            rel = "plots/%s%s.png" % (slug(n), suffix)
            err = plot_one(s, n, os.path.join(out_dir, rel), steps)
            if err:
                problems.append("%s: %s" % (n, err))
            else:
                lst.append((n, rel))
        plots[s.measure] = lst
    files = {"history.md": markdown(series, title, notes, plots),
             "history.html": page(series, title, notes, plots), "history.tsv": tsv(series)}
    for f, text in files.items():
        with open(os.path.join(out_dir, f), "w") as fh:
            fh.write(text)
    return [os.path.join(out_dir, f) for f in files], problems
