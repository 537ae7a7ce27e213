# SPDX-License-Identifier: MIT
"""benchjson.py - reading memdev_bench's google-benchmark JSON, shared by report.py
(bench/run) and compare_report.py (bench/compare).

Benchmark names are SCENARIO/BACKEND/N[/iterations:K]; the per-operation figure is the
`time_per_op` counter (CPU seconds per operation, so steps of 2 ops or n ops are comparable).
Skipped runs carry their reason as error_message. Only the standard library is used here.
"""
import json
import statistics

BACKENDS = ("memdev", "model", "augtree")


def parse_name(run_name):
    """'churn/memdev/1024/iterations:1' -> ('churn', 'memdev', 1024) or None."""
    parts = [p for p in run_name.split("/") if not p.startswith("iterations:")]
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])


class Results:
    """Per (scenario, backend, n): list of ns/op samples, bytes/device, skip reason."""

    def __init__(self):
        self.samples = {}
        self.bytes = {}
        self.self_bytes = {}
        self.skipped = {}
        self.bigo = {}
        self.context = {}
        self.order = []
        self.rank = {}

    def key_seen(self, key, rank=None):
        if key not in self.samples and key not in self.skipped:
            self.order.append(key)
        if rank is not None and key not in self.rank:
            self.rank[key] = rank

    def sort_order(self):
        """Benchmarks in the order memdev_bench registers them (google-benchmark's
        family_index), not the order they ran: with repetitions interleaved at random
        (bench/run's default) that order is random, and so were the table's blocks and
        the headline's rows. JSON without the index keeps the order it ran in."""
        last = (float("inf"), 0)
        self.order.sort(key=lambda k: self.rank.get(k, last))

    def median(self, key):
        s = self.samples.get(key)
        return statistics.median(s) if s else None

    def scenarios(self):
        seen = []
        for k in self.order:
            if k[0] not in seen:
                seen.append(k[0])
        return seen

    def sizes(self, scenario):
        return sorted({k[2] for k in self.order if k[0] == scenario})


class BadInput(Exception):
    """A file that is not memdev_bench JSON (message names the file)."""


def read(path):
    """The google-benchmark JSON document at path; BadInput when missing, empty or not JSON."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise BadInput("cannot read %s: %s" % (path, e.strerror))
    if not text.strip():
        raise BadInput("%s is empty (a filter that matched no benchmark?)" % path)
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise BadInput("%s is not JSON (%s)" % (path, e))
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise BadInput("%s is not google-benchmark JSON (no 'benchmarks' list)" % path)
    return doc


# A complexity fit from fewer sizes than this says nothing (two points fit any curve).
MIN_FIT_SIZES = 3


def load(paths, results=None):
    """Adds every iteration run of the JSON files to results (several files = more samples).
    Complexity fits of a structure that ran at fewer than MIN_FIT_SIZES sizes are dropped."""
    r = results or Results()
    for path in paths:
        doc = read(path)
        r.context = doc.get("context", {})
        for b in doc.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "BigO":
                    fam = b["run_name"].split("/")
                    r.bigo[(fam[0], fam[1])] = b.get("big_o", "?")
                continue
            key = parse_name(b.get("run_name", b["name"]))
            if key is None:
                continue
            fi, ii = b.get("family_index"), b.get("per_family_instance_index")
            r.key_seen(key, (fi, ii) if isinstance(fi, int) and isinstance(ii, int) else None)
            if b.get("error_occurred"):
                r.skipped[key] = b.get("error_message", "error")
                continue
            tpo = b.get("time_per_op")
            if tpo is None:
                continue
            r.samples.setdefault(key, []).append(tpo * 1e9)
            if "bytes_per_dev" in b:
                r.bytes[key] = b["bytes_per_dev"]
            if "self_bytes_per_dev" in b:
                r.self_bytes[key] = b["self_bytes_per_dev"]
    for fam in list(r.bigo):
        if len({k[2] for k in r.samples if k[:2] == fam}) < MIN_FIT_SIZES:
            del r.bigo[fam]
    r.sort_order()
    return r


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f us" % (ns / 1e3)
    return "%.1f ns" % ns


def fmt_n(n):
    for shift, suffix in ((20, "M"), (10, "k")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, suffix)
    return str(n)
