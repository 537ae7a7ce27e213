#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test_verdict.py - the statistics behind bench/compare (verdict.py), the search behind
bench/bisect (bisect_search.py) and compare's --json path end to end, without building
anything: a few seconds. Run by bench/smoke; by hand: /usr/bin/python3 bench/tests/test_verdict.py
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import benchjson as bj  # noqa: E402
import verdict as vd  # noqa: E402
import compare_report as cr  # noqa: E402
import history_report as hr  # noqa: E402
import benchstore as bs  # noqa: E402
import report as rp  # noqa: E402
from bisect_search import first_bad  # noqa: E402

NAMES = ["%s/memdev/%d" % (s, n) for s in ("churn", "fill", "fixed", "frag_seen", "frag_unseen",
                                            "lookup_rand", "lookup_seq", "vmem_churn",
                                            "validate") for n in (1024, 16384)]


def rounds(effects, n_rounds, noise, drift, seed):
    """Paired samples per benchmark: a round-level drift hits both sides, plus noise."""
    rng = random.Random(seed)
    out = {n: ([], []) for n in NAMES}
    for _ in range(n_rounds):
        d = math.exp(rng.gauss(0, drift))
        for n in NAMES:
            a = 100 * d * math.exp(rng.gauss(0, noise))
            b = 100 * d * math.exp(rng.gauss(0, noise)) * (1 + effects.get(n, 0.0))
            out[n][0].append(a)
            out[n][1].append(b)
    return out


def classify_all(samples, t=2.0, alpha=0.05):
    m = len(samples)
    return [vd.classify(vd.paired(n, a, b, alpha / m), t, alpha / m)
            for n, (a, b) in samples.items()]


class Distributions(unittest.TestCase):
    def test_signed_rank_counts(self):
        for n in range(1, 15):
            self.assertEqual(sum(vd._signed_rank_counts(n)), 2 ** n)
        # n = 8, two-sided 5 %: critical value 3 (tables), so the interval is [W(4), W(33)].
        k, level, ok = vd._order_index(vd._signed_rank_counts(8), 2 ** 8, 0.05)
        self.assertEqual((k, ok), (4, True))
        self.assertAlmostEqual(level, 1 - 2 * 5 / 256)

    def test_rank_sum_counts(self):
        for m, n in ((1, 1), (3, 4), (5, 5), (6, 2)):
            self.assertEqual(sum(vd._rank_sum_counts(m, n)), math.comb(m + n, m))
        # m = n = 5, two-sided 5 %: critical U = 2 (tables).
        k, _, ok = vd._order_index(vd._rank_sum_counts(5, 5), math.comb(10, 5), 0.05)
        self.assertEqual((k, ok), (3, True))

    def test_min_rounds(self):
        self.assertEqual(vd.min_rounds(0.05), 6)  # 2/2^6 = 0.031
        self.assertEqual(vd.min_rounds(0.05 / 18), 10)  # the default --rounds

    def test_unreachable_level_gives_full_range(self):
        est, lo, hi, level, ok = vd.walsh_interval([0.1, 0.2, 0.3, 0.4], 0.05)
        self.assertFalse(ok)
        self.assertEqual((lo, hi), (0.1, 0.4))
        self.assertAlmostEqual(level, 1 - 2 / 16)

    def test_interval_covers(self):
        # Coverage of the signed-rank interval on symmetric noise: about its level or more.
        rng, hit, trials = random.Random(7), 0, 400
        for _ in range(trials):
            d = [rng.gauss(0.05, 0.1) for _ in range(10)]
            _, lo, hi, level, _ = vd.walsh_interval(d, 0.05)
            hit += lo <= 0.05 <= hi
        self.assertGreater(hit / trials, 0.92)


class Outcomes(unittest.TestCase):
    def test_issue_example_is_never_no_change(self):
        """Issue 10: -21 %, -17 %, -15 % in 8 rounds among 18 benchmarks read as 'no
        significant change'. Now each is faster, or inconclusive with a round count."""
        eff = {"churn/memdev/1024": -0.21, "fill/memdev/1024": -0.17, "fixed/memdev/1024": -0.15}
        for seed in range(20):
            cs = {c.name: c for c in classify_all(rounds(eff, 8, 0.06, 0.15, seed))}
            for n in eff:
                self.assertIn(cs[n].outcome, ("faster", "inconclusive"), (seed, n))
                if cs[n].outcome == "inconclusive":
                    self.assertIsNotNone(cs[n].need, (seed, n))
                    self.assertGreater(cs[n].need, 8)
            word, _ = vd.overall(list(cs.values()), 2.0)
            self.assertNotEqual(word, "equal")

    def test_clear_change_is_called(self):
        eff = {"churn/memdev/1024": -0.21, "fill/memdev/16384": +0.15}
        cs = {c.name: c for c in classify_all(rounds(eff, 12, 0.02, 0.15, 1))}
        self.assertEqual(cs["churn/memdev/1024"].outcome, "faster")
        self.assertEqual(cs["fill/memdev/16384"].outcome, "slower")
        self.assertEqual(vd.overall(list(cs.values()), 2.0)[0], "mixed")

    def test_aa_quiet_machine_is_equal(self):
        cs = classify_all(rounds({}, 12, 0.003, 0.2, 3))
        self.assertEqual({c.outcome for c in cs}, {"equal"})
        self.assertEqual(vd.overall(cs, 2.0)[0], "equal")

    def test_aa_noisy_machine_makes_no_false_calls(self):
        false = 0
        for seed in range(30):
            cs = classify_all(rounds({}, 10, 0.05, 0.2, 100 + seed))
            false += any(c.outcome in ("faster", "slower") for c in cs)
        self.assertLessEqual(false, 3)  # simultaneous 95 %: about 1.5 of 30 at most

    def test_instr_small_changes_are_equal(self):
        """Issue 10: +0.2 % on one benchmark and -0.2 % on another was 'B is SLOWER'."""
        cs = [vd.classify(vd.exact("a", 1000.0, 1002.0), 0.5, 0.05),
              vd.classify(vd.exact("b", 1000.0, 998.0), 0.5, 0.05)]
        self.assertEqual([c.outcome for c in cs], ["equal", "equal"])
        self.assertEqual(vd.overall(cs, 0.5)[0], "equal")
        c = vd.classify(vd.exact("c", 1000.0, 1006.0), 0.5, 0.05)
        self.assertEqual(c.outcome, "slower")

    def test_power_and_advice(self):
        c = vd.classify(vd.paired("x", [100] * 10, [97, 99, 96, 98, 97, 95, 99, 96, 98, 97],
                                  0.05), 2.0, 0.05)
        self.assertGreater(c.detectable, 2.0)
        adv = vd.rounds_advice([c])
        if c.outcome == "inconclusive":
            self.assertTrue(adv["beyond"] or adv["within"] or adv["stuck"])


class Approximations(unittest.TestCase):
    """Past EXACT_MAX rounds (or samples) the intervals use the normal approximation. Its
    moments must be the exact distributions' own, and its interval may be wider than the exact
    one (a lower level than claimed would be a verdict that lies), never narrower."""

    @staticmethod
    def moments(counts):
        total = sum(counts)
        mean = sum(k * c for k, c in enumerate(counts)) / total
        var = sum((k - mean) ** 2 * c for k, c in enumerate(counts)) / total
        return mean, math.sqrt(var)

    def test_moments(self):
        for n in (5, 20, 61, 90):
            mean, sd = self.moments(vd._signed_rank_counts(n))
            self.assertAlmostEqual(mean, n * (n + 1) / 4, places=6)
            self.assertAlmostEqual(sd, vd.signed_rank_sd(n), places=6)
        for m, n in ((3, 4), (31, 31), (20, 45)):
            mean, sd = self.moments(vd._rank_sum_counts(m, n))
            self.assertAlmostEqual(mean, m * n / 2, places=6)
            self.assertAlmostEqual(sd, vd.rank_sum_sd(m, n), places=6)

    def test_never_narrower_than_exact(self):
        rng = random.Random(5)
        for n in (61, 80, 100):
            d = [rng.gauss(0.01, 0.05) for _ in range(n)]
            w = sorted((d[i] + d[j]) / 2 for i in range(n) for j in range(i, n))
            for alpha in (0.05, 0.01, 0.001):
                k, _, ok = vd._order_index(vd._signed_rank_counts(n), 2 ** n, alpha)
                _, lo, hi, level, reached = vd.walsh_interval(d, alpha)
                self.assertTrue(ok and reached)
                self.assertLessEqual(lo, w[k - 1], (n, alpha))
                self.assertGreaterEqual(hi, w[len(w) - k], (n, alpha))
                # ... and not much wider: within 2.5 % of the exact order statistic's index
                # (1.8 % at 61 rounds and 0.1 %, the farthest of these)
                self.assertGreaterEqual(w.index(lo) + 1, k * 0.975, (n, alpha))
        for m, n in ((31, 31), (40, 40), (35, 45)):
            a = [rng.gauss(0, 0.05) for _ in range(m)]
            b = [rng.gauss(0.02, 0.05) for _ in range(n)]
            diffs = sorted(y - x for x in a for y in b)
            for alpha in (0.05, 0.01):
                k, _, _ = vd._order_index(vd._rank_sum_counts(m, n), math.comb(m + n, m), alpha)
                _, lo, hi, _, _ = vd.shift_interval(a, b, alpha)
                self.assertLessEqual(lo, diffs[k - 1], (m, n, alpha))
                self.assertGreaterEqual(hi, diffs[len(diffs) - k], (m, n, alpha))

    def test_exact_up_to_the_limit(self):
        """Up to EXACT_MAX rounds, and EXACT_MAX / 2 samples a side, the interval is the
        exact one with its exact level; one more, the approximation's at its nominal level."""
        rng = random.Random(3)
        n = vd.EXACT_MAX
        d = [rng.gauss(0.01, 0.05) for _ in range(n + 1)]
        for alpha in (0.05, 0.001):
            k, level, _ = vd._order_index(vd._signed_rank_counts(n), 2 ** n, alpha)
            w = sorted((d[i] + d[j]) / 2 for i in range(n) for j in range(i, n))
            _, lo, hi, lv, _ = vd.walsh_interval(d[:n], alpha)
            self.assertEqual((lo, hi, lv), (w[k - 1], w[len(w) - k], level))
            self.assertEqual(vd.walsh_interval(d, alpha)[3], 1 - alpha)
        h = vd.EXACT_MAX // 2
        a = [rng.gauss(0, 0.05) for _ in range(h + 1)]
        b = [rng.gauss(0.02, 0.05) for _ in range(h + 1)]
        diffs = sorted(y - x for x in a[:h] for y in b[:h])
        k, level, _ = vd._order_index(vd._rank_sum_counts(h, h), math.comb(2 * h, h), 0.01)
        _, lo, hi, lv, _ = vd.shift_interval(a[:h], b[:h], 0.01)
        self.assertEqual((lo, hi, lv), (diffs[k - 1], diffs[len(diffs) - k], level))
        self.assertEqual(vd.shift_interval(a, b[:h], 0.01)[3], 1 - 0.01)
        self.assertEqual(vd.shift_interval(a[:h], b, 0.01)[3], 1 - 0.01)

    def test_one_sample_a_side(self):
        """Two saved runs of one repetition each: the point, at the level it really has."""
        est, lo, hi, level, ok = vd.shift_interval([1.0], [1.5], 0.05)
        self.assertEqual((est, lo, hi, ok), (0.5, 0.5, 0.5, False))
        self.assertAlmostEqual(level, 0.0)
        c = vd.unpaired("x", [100.0, 101.0, 99.0, 100.0, 100.5], [110.0] * 8, 0.05)
        self.assertEqual(c.samples, 5)  # the smaller side counts for the rounds advice

    def test_unpaired_interval_covers(self):
        rng = random.Random(9)
        for m in (6, 12, 40):
            a = [rng.gauss(0, 0.05) for _ in range(m)]
            b = [rng.gauss(0.1, 0.05) for _ in range(m)]
            est, lo, hi, _, ok = vd.shift_interval(a, b, 0.05)
            self.assertTrue(ok)
            self.assertLess(lo, est)
            self.assertLess(est, hi)
            self.assertLess(lo, 0.1)
            self.assertGreater(hi, 0.1)


class Rules(unittest.TestCase):
    """The outcome rules, the rounds advice and the power figure as verdict.py documents them."""

    def change(self, est, lo, hi, samples=10, kind="paired"):
        return vd.Change("x", 100, 100, est, lo, hi, 0.95, True, samples, kind)

    def test_min_rounds(self):
        for n in range(2, 16):
            self.assertEqual(vd.min_rounds(2 / 2 ** n), n)  # 2 / 2^n reached exactly
            self.assertEqual(vd.min_rounds(2 / 2 ** n * 0.999), n + 1)
            _, _, _, _, ok = vd.walsh_interval([0.01 * i for i in range(n)], 2 / 2 ** n)
            self.assertTrue(ok)
            _, _, _, _, ok = vd.walsh_interval([0.01 * i for i in range(n - 1)], 2 / 2 ** n)
            self.assertFalse(ok)

    def test_outcome_boundaries(self):
        t = 2.0
        for (lo, hi), want in (((-2.0, 2.0), "equal"), ((-1.0, 1.0), "equal"),
                               ((2.0, 5.0), "inconclusive"), ((2.001, 5.0), "slower"),
                               ((-5.0, -2.0), "inconclusive"), ((-5.0, -2.001), "faster"),
                               ((-2.001, 1.0), "inconclusive"), ((-1.0, 2.001), "inconclusive")):
            c = vd.classify(self.change((lo + hi) / 2, lo, hi), t, 0.05)
            self.assertEqual(c.outcome, want, (lo, hi))

    def test_power_and_rounds_formulas(self):
        z = statistics.NormalDist().inv_cdf(1 - 0.01 / 2)
        c = vd.classify(self.change(3.0, 0.0, 6.0, samples=10), 2.0, 0.01)
        self.assertAlmostEqual(c.detectable, 2.0 + 3.0 * (1 + vd.Z80 / z))
        self.assertEqual(c.outcome, "inconclusive")
        self.assertEqual(c.need, 90)  # 10 * (h / d)^2 = 10 * (3 / 1)^2
        c = vd.classify(self.change(-1.0, -3.0, 1.5, samples=10), 2.0, 0.01)
        self.assertEqual(c.need, 63)  # h = 2.5 (the wider side), distance 1: 10 * 6.25
        c = vd.classify(self.change(2.5, 2.0, 2.6, samples=10), 2.0, 0.01)
        self.assertEqual(c.need, 11)  # 10 * (0.5 / 0.5)^2 = 10, but at least one round more
        c = vd.classify(self.change(2.0, 1.0, 3.0), 2.0, 0.01)
        self.assertIsNone(c.need)  # on the threshold: no count settles it
        c = vd.classify(self.change(2.01, -1.0, 5.0), 2.0, 0.01)
        self.assertIsNone(c.need)  # h / d = 299: not feasible
        c = vd.classify(self.change(2.5, 1.5, 3.5, samples=3), 2.0, 1e-4)
        self.assertEqual(c.need, vd.min_rounds(1e-4))  # the floor: the level must be reachable
        c = vd.classify(self.change(2.5, -12.5, 17.5, samples=10), 2.0, 0.01)
        self.assertEqual(c.need, 9000)  # h / d = 30 exactly: still feasible, 10 * 900
        c = vd.classify(vd.exact("x", 100.0, 103.0), 2.0, 0.01)
        self.assertEqual((c.outcome, c.detectable, c.need), ("slower", 2.0, None))

    def test_rounds_advice(self):
        # "beyond-faster": an estimate past the threshold on the faster side (a speed-up not
        # yet shown) is beyond it too, not within
        cs = [vd.classify(self.change(*x, samples=10), 2.0, 0.01) for x in
              ((0.5, -1.0, 1.5), (3.0, 0.0, 6.0), (-1.0, -3.0, 1.5), (2.0, 1.0, 3.0),
               (10.0, 9.0, 11.0), (-3.0, -6.0, 0.0))]
        for c, name in zip(cs, ("eq", "beyond", "within", "stuck", "slow", "beyond-faster")):
            c.name = name
        self.assertEqual([c.outcome for c in cs], ["equal", "inconclusive", "inconclusive",
                                                   "inconclusive", "slower", "inconclusive"])
        self.assertEqual(vd.rounds_advice(cs), {"beyond": [(90, "beyond"), (90, "beyond-faster")],
                                                "within": [(63, "within")],
                                                "stuck": [(None, "stuck")]})

    def test_overall_names_best_and_worst(self):
        cs = []
        for name, est in (("s1", 5.0), ("s2", 20.0), ("s3", 9.0), ("f1", -3.0), ("f2", -30.0)):
            cs.append(vd.classify(self.change(est, est - 0.5, est + 0.5), 2.0, 0.05))
            cs[-1].name = name
        word, line = vd.overall(cs, 2.0)
        self.assertEqual(word, "mixed")
        self.assertIn("3 slower (worst +20.0% s2)", line)
        self.assertIn("2 faster (best -30.0% f2)", line)


class Bisect(unittest.TestCase):
    def run_case(self, n, first, skip=()):
        probes = []

        def is_bad(i):
            # a bisection measures a commit once (each is a build and a run), and only the
            # commits before BAD (n - 1): a search that loops fails here, not at a time-out
            self.assertTrue(0 <= i < n - 1 and i not in probes, ("probe", i, n, probes))
            probes.append(i)
            return None if i in skip else i >= first
        idx, cand, skipped = first_bad(n, is_bad)
        return idx, cand, skipped, probes

    def test_every_position(self):
        for n in range(1, 40):
            for first in range(n):
                idx, cand, _, probes = self.run_case(n, first)
                self.assertEqual(idx, first, (n, first))
                self.assertLessEqual(len(probes), max(1, math.ceil(math.log2(n))), (n, first))
                self.assertNotIn(n - 1, probes)  # BAD is known

    def test_skips(self):
        idx, cand, skipped, probes = self.run_case(5, 3, skip={1})
        self.assertEqual((idx, skipped), (3, [1]))
        idx, cand, skipped, _ = self.run_case(8, 4, skip={2})
        self.assertEqual(idx, 4)
        # The commit just before the first bad one cannot be measured: either may be first.
        idx, cand, skipped, _ = self.run_case(8, 4, skip={3})
        self.assertEqual((idx, cand), (None, [3, 4]))
        # Only unmeasurable commits between the last good and the first bad: candidates.
        idx, cand, skipped, _ = self.run_case(6, 3, skip={1, 2, 3})
        self.assertIsNone(idx)
        self.assertEqual(cand, [1, 2, 3, 4])  # 4 is the first measurable bad one


def failing_gnuplot(bindir):
    """Puts a gnuplot in bindir that fails as gnuplot does on a bad script: one line on
    stderr ('line 0: unknown terminal type'), exit 1."""
    fake = os.path.join(bindir, "gnuplot")
    with open(fake, "w") as fh:
        fh.write("#!/bin/sh\necho 'line 0: unknown terminal type' >&2\nexit 1\n")
    os.chmod(fake, 0o755)


def write_bench_json(d, name, values):
    """DIR/NAME as memdev_bench writes it: {benchmark: [ns/op of each repetition]}; the path."""
    path = os.path.join(d, name)
    bs = [{"name": n, "run_name": n, "run_type": "iteration", "repetitions": len(v),
           "repetition_index": i, "iterations": 100, "real_time": x, "cpu_time": x,
           "time_unit": "ns", "time_per_op": x * 1e-9}
          for n, v in values.items() for i, x in enumerate(v)]
    with open(path, "w") as fh:
        json.dump({"context": {"date": "x", "num_cpus": 2, "mhz_per_cpu": 1,
                               "library_build_type": "release"}, "benchmarks": bs}, fh)
    return path


class CompareJson(unittest.TestCase):
    """bench/compare --json end to end: exit 0, 1 with --fail-over, 2 on bad input."""

    def compare(self, *args):
        return subprocess.run([os.path.join(BENCH, "compare"), "--json"] + list(args),
                              capture_output=True, text=True)

    def test_json(self):
        with tempfile.TemporaryDirectory() as d:
            a = write_bench_json(d, "a.json", {"churn/memdev/1024": [100, 101, 99, 100, 102, 100],
                                         "fill/memdev/1024": [50, 50.2, 49.9, 50, 50.1, 50]})
            b = write_bench_json(d, "b.json", {"churn/memdev/1024": [130, 131, 129, 130, 132, 131],
                                         "fill/memdev/1024": [50, 50.1, 50, 49.9, 50.2, 50]})
            r = self.compare(a, b, "--out", os.path.join(d, "o1"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("B is SLOWER", r.stdout)
            with open(os.path.join(d, "o1", "verdict.json")) as fh:
                v = json.load(fh)
            out = {x["name"]: x["outcome"] for x in v["benchmarks"]}
            self.assertEqual(out, {"churn/memdev/1024": "slower", "fill/memdev/1024": "equal"})
            for x in v["benchmarks"]:  # simultaneous: each at 1 - alpha / 2 at least
                self.assertGreaterEqual(x["level"], 1 - 0.05 / 2, x["name"])
            with open(os.path.join(d, "o1", "compare_py.txt")) as fh:
                self.assertNotIn("\x1b[", fh.read())
            r = self.compare(a, b, "--fail-over", "10", "--out", os.path.join(d, "o2"))
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            r = self.compare(a, b, "--fail-over", "50", "--out", os.path.join(d, "o3"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            empty = os.path.join(d, "empty.json")
            open(empty, "w").close()
            r = self.compare(a, empty, "--out", os.path.join(d, "o4"))
            self.assertEqual(r.returncode, 2)
            self.assertNotIn("Traceback", r.stderr)
            self.assertIn("empty", r.stderr)


class CompareReport(unittest.TestCase):
    """compare_report.py on rounds and counts whose answer is known: the medians in ns, the
    change and outcome of each benchmark, the geometric mean, the verdict line, the method's
    numbers, verdict.json and the exit status with --fail-over."""

    REPORT = os.path.join(BENCH, "compare_report.py")

    def run_report(self, *args):
        return subprocess.run([sys.executable, self.REPORT] + list(args), capture_output=True,
                              text=True)

    def time_dir(self, d):
        rng = random.Random(4)
        effect = {"churn/memdev/1024": 1.2, "fill/memdev/1024": 1.0, "lookup_rand/memdev/1024": 0.8}
        for i in range(8):
            for side in "AB":
                vals = {n: [100.0 * math.exp(rng.gauss(0, 0.002)) * (e if side == "B" else 1)]
                        for n, e in effect.items()}
                if side == "A":
                    vals["fixed/memdev/1024"] = [70.0]  # A only: not compared
                write_bench_json(d, "%s_%d.json" % (side, i), vals)
        write_bench_json(d, "A_9.json", {n: [1.0] for n in effect})  # no B_9: ignored

    def row(self, out, name):
        return next((ln for ln in out.splitlines() if ln.startswith(name + " ")), "")

    def test_time_mode(self):
        with tempfile.TemporaryDirectory() as d:
            self.time_dir(d)
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout
            churn = self.row(out, "churn/memdev/1024").split()
            self.assertEqual(churn[1:5], ["100.0", "ns", "120.0", "ns"])
            self.assertTrue(churn[5].startswith("+20.") or churn[5].startswith("+19.9"), churn)
            self.assertEqual(churn[-1], "slower")
            look = self.row(out, "lookup_rand/memdev/1024").split()
            self.assertTrue(look[5].startswith("-20.") or look[5].startswith("-19.9"), look)
            self.assertEqual(look[-1], "faster")
            self.assertEqual(self.row(out, "fill/memdev/1024").split()[-1], "equal")
            self.assertEqual(self.row(out, "fixed/memdev/1024"), "")
            geo = self.row(out, "geometric mean").split()
            self.assertEqual(geo[2], "-1.4%")  # (1.2 * 1 * 0.8)^(1/3) - 1
            self.assertIn("8 alternating rounds", out)
            self.assertIn("simultaneous 95% over 3 benchmarks (each at 98.33%)", out)
            verdict = next(ln for ln in out.splitlines() if ln.startswith("verdict: "))
            self.assertRegex(verdict, r"^verdict: MIXED: .*1 faster \(best -(20\.|19\.9).*"
                             r"lookup_rand/memdev/1024\), 1 slower \(worst \+(20\.|19\.9).*"
                             r"churn/memdev/1024\), 1 equal within \+-2%; geometric mean -1\.4% ")
            self.assertRegex(out, r"\nbenchmark \(ns/op\) +A +B +change +95% interval +outcome\n")
            with open(os.path.join(d, "verdict.json")) as fh:
                v = json.load(fh)
            self.assertEqual((v["mode"], v["samples"], v["verdict"], v["exit"]),
                             ("time", 8, "mixed", 0))
            # simultaneous intervals: each benchmark's at 1 - alpha / 3 at least
            for b in v["benchmarks"]:
                self.assertGreaterEqual(b["level"], 1 - 0.05 / 3, b["name"])
            self.assertAlmostEqual(v["geometric_mean"]["est"],
                                   ((1.2 * 0.8) ** (1 / 3) - 1) * 100, delta=0.2)
            # the geometric mean's row shows its own interval, not the last benchmark's
            g = v["geometric_mean"]
            self.assertEqual(" ".join(geo[3:5]), "[%s, %s]" % (cr.fmt_pct(g["lo"]),
                                                               cr.fmt_pct(g["hi"])), geo)
            if shutil.which("gnuplot"):
                self.assertIn("plot: %s" % os.path.join(d, "compare.png"), out)
                self.assertGreater(os.path.getsize(os.path.join(d, "compare.png")), 1000)
            r = self.run_report("--mode", "time", "--dir", d, "--fail-over", "10")
            self.assertEqual(r.returncode, 1)
            self.assertIn("FAIL: 1 benchmark(s) slower by more than 10%: churn/memdev/1024",
                          r.stdout)
            r = self.run_report("--mode", "time", "--dir", d, "--fail-over", "25")
            self.assertEqual(r.returncode, 0)
            r = self.run_report("--mode", "time", "--dir", d, "--threshold", "25")
            self.assertIn("EQUAL: every change is within +-25%", r.stdout)

    def png_height(self, path):
        with open(path, "rb") as fh:
            head = fh.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n", path)
        return int.from_bytes(head[20:24], "big")

    def test_plot(self):
        """The plot: one bar a benchmark, taller with more of them (at least 300 pixels, 22 a
        benchmark and 140 for the title and axes); without gnuplot no plot and no 'plot:'
        line; a gnuplot that fails is said on stderr with its message, and the verdict and
        the exit status stand (a plot is an extra, not the measurement)."""
        with tempfile.TemporaryDirectory() as d:
            self.time_dir(d)
            empty = os.path.join(d, "bin")
            os.mkdir(empty)
            r = subprocess.run([sys.executable, self.REPORT, "--mode", "time", "--dir", d],
                               capture_output=True, text=True, env=dict(os.environ, PATH=empty))
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            self.assertNotIn("plot:", r.stdout)
            self.assertFalse(os.path.exists(os.path.join(d, "compare.png")))
            failing_gnuplot(empty)
            r = subprocess.run([sys.executable, self.REPORT, "--mode", "time", "--dir", d],
                               capture_output=True, text=True,
                               env=dict(os.environ, PATH=empty + ":" + os.environ["PATH"]))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "bench/compare: gnuplot failed: line 0: unknown "
                             "terminal type\n")
            self.assertNotIn("plot:", r.stdout)
            self.assertIn("verdict: MIXED", r.stdout)
            if not shutil.which("gnuplot"):
                return
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(self.png_height(os.path.join(d, "compare.png")), 300)  # 3 bars
        with tempfile.TemporaryDirectory() as d:
            for i in range(3):
                for side in "AB":
                    write_bench_json(d, "%s_%d.json" % (side, i), {
                        "churn/memdev/%d" % (1 << k): [100.0 + k] for k in range(12)})
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("plot: %s" % os.path.join(d, "compare.png"), r.stdout)
            self.assertEqual(self.png_height(os.path.join(d, "compare.png")), 22 * 12 + 140)

    def test_fail_over_reads_the_estimate(self):
        """--fail-over PCT fails on a benchmark called slower whose estimate is past PCT, even
        when its interval reaches below PCT; a change called equal fails nothing, whatever
        PCT. Benchmarks in one round only, and samples of 0 ns, are no pairs."""
        ratios = [1.03, 1.06, 1.09, 1.11, 1.12, 1.12, 1.13, 1.15, 1.18, 1.21]
        with tempfile.TemporaryDirectory() as d:
            for i, q in enumerate(ratios):
                for side in "AB":
                    b = side == "B"
                    vals = {"churn/memdev/1024": [100.0 * (q if b else 1)],
                            "fill/memdev/1024": [100.0 * (1.015 + i * 1e-4 if b else 1)],
                            "lookup_seq/memdev/1024": [0.0 if i == 3 else 50.0]}
                    if i == 0:
                        vals["fixed/memdev/1024"] = [70.0 * (2 if b else 1)]
                    write_bench_json(d, "%s_%d.json" % (side, i), vals)
            r = self.run_report("--mode", "time", "--dir", d, "--fail-over", "10")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            churn = self.row(r.stdout, "churn/memdev/1024").split()
            self.assertEqual(churn[-1], "slower")
            self.assertLess(float(churn[6].strip("[%,")), 10)  # the interval's low end
            self.assertIn("FAIL: 1 benchmark(s) slower by more than 10%: churn/memdev/1024",
                          r.stdout)
            self.assertEqual(self.row(r.stdout, "fill/memdev/1024").split()[-1], "equal")
            self.assertEqual(self.row(r.stdout, "fixed/memdev/1024"), "")
            with open(os.path.join(d, "verdict.json")) as fh:
                v = {b["name"]: b["samples"] for b in json.load(fh)["benchmarks"]}
            self.assertEqual(v, {"churn/memdev/1024": 10, "fill/memdev/1024": 10,
                                 "lookup_seq/memdev/1024": 9})
            r = self.run_report("--mode", "time", "--dir", d, "--fail-over", "1")
            self.assertIn("FAIL: 1 benchmark(s) slower by more than 1%: churn/memdev/1024",
                          r.stdout)

    def test_second_opinion_failure_is_reported(self):
        """compare.py failing (here on runs without real_time, which the verdict does not
        read) is said, with where its output went, and exits 2 (a tool error); the verdict
        stands, and a regression past --fail-over still exits 1."""
        if not os.path.exists("/usr/share/benchmark/compare.py"):
            self.skipTest("no compare.py (libbenchmark-tools)")
        def without_times(d, side, values):  # a run compare.py cannot read
            path = write_bench_json(d, side + ".json", {"churn/memdev/1024": values})
            with open(path) as fh:
                doc = json.load(fh)
            for b in doc["benchmarks"]:
                del b["real_time"], b["cpu_time"]
            with open(path, "w") as fh:
                json.dump(doc, fh)
            return path

        with tempfile.TemporaryDirectory() as d:
            paths = [without_times(d, side, [100, 101, 102]) for side in "AB"]
            r = self.run_report("--json", paths[0], paths[1], "--dir", d)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("compare.py (libbenchmark-tools) failed: see %s" %
                          os.path.join(d, "compare_py.txt"), r.stdout)
            self.assertIn("compare.py (the second opinion) failed", r.stderr)
            self.assertIn("verdict: EQUAL", r.stdout)
            with open(os.path.join(d, "verdict.json")) as fh:
                self.assertEqual(json.load(fh)["exit"], 2)
            r = self.run_report("--json", paths[0], paths[1], "--dir", d, "--fail-over", "1")
            self.assertEqual(r.returncode, 2, r.stderr)  # equal: no regression to report
        with tempfile.TemporaryDirectory() as d:
            paths = [without_times(d, side, [base + i for i in range(8)])
                     for side, base in (("A", 100), ("B", 150))]
            r = self.run_report("--json", paths[0], paths[1], "--dir", d, "--fail-over", "1")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("FAIL: 1 benchmark(s) slower by more than 1%", r.stdout)
            self.assertIn("compare.py (the second opinion) failed", r.stderr)

    def test_what_counts_as_a_sample(self):
        """Aggregate rows and failed benchmarks are no samples; a round missing a benchmark
        on one side leaves it out of that round and out of the geometric mean's rounds."""
        with tempfile.TemporaryDirectory() as d:
            for i in range(6):
                for side in "AB":
                    vals = {"churn/memdev/1024": [100.0 * (1.5 if side == "B" else 1) + i * 0.01],
                            "fill/memdev/1024": [50.0 + i * 0.01]}
                    if side == "B" and i == 5:
                        del vals["fill/memdev/1024"]
                    path = write_bench_json(d, "%s_%d.json" % (side, i), vals)
                    with open(path) as fh:
                        doc = json.load(fh)
                    extra = dict(doc["benchmarks"][0], run_type="aggregate",
                                 aggregate_name="mean", time_per_op=1e-3)
                    failed = dict(doc["benchmarks"][0], error_occurred=True, time_per_op=1e-3,
                                  name="lookup_rand/memdev/1024",
                                  run_name="lookup_rand/memdev/1024")
                    doc["benchmarks"] += [extra, failed]
                    with open(path, "w") as fh:
                        json.dump(doc, fh)
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.row(r.stdout, "churn/memdev/1024").split()[1:5],
                             ["100.0", "ns", "150.0", "ns"])
            self.assertEqual(self.row(r.stdout, "lookup_rand/memdev/1024"), "")
            with open(os.path.join(d, "verdict.json")) as fh:
                v = json.load(fh)
            self.assertEqual([b["samples"] for b in v["benchmarks"]], [6, 5])
            self.assertEqual(v["geometric_mean"]["samples"], 5)  # the rounds with both
            if os.path.exists("/usr/share/benchmark/compare.py"):
                self.assertIn("second opinion (compare.py", r.stdout)
                with open(os.path.join(d, "A.json")) as fh:  # merged for it: iterations only
                    merged = json.load(fh)["benchmarks"]
                self.assertEqual(len(merged), 12)

    def test_few_rounds(self):
        """Two rounds are reported (at the level they reach, with the advice to run more);
        the rounds advice names the count."""
        with tempfile.TemporaryDirectory() as d:
            for i, (x, y) in enumerate(((100.0, 103.0), (100.0, 101.0))):
                write_bench_json(d, "A_%d.json" % i, {"churn/memdev/1024": [x]})
                write_bench_json(d, "B_%d.json" % i, {"churn/memdev/1024": [y]})
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("inconclusive", self.row(r.stdout, "churn/memdev/1024"))
            self.assertIn("note: 2 rounds cannot reach 95.00% per benchmark", r.stdout)
            self.assertIn("inconclusive", self.row(r.stdout, "geometric mean"))
            self.assertIn("at 50.0% each: run at least 6", r.stdout)
            self.assertRegex(r.stdout, r"power: with these rounds, a change beyond about")

    def test_rounds_advice_lines(self):
        """Changes not yet shown get the rounds each needs, and the count that settles all."""
        with tempfile.TemporaryDirectory() as d:
            rng = random.Random(6)  # a draw where both stay inconclusive after 8 rounds
            for i in range(8):
                for side in "AB":
                    write_bench_json(d, "%s_%d.json" % (side, i), {
                        n: [100.0 * math.exp(rng.gauss(0, 0.03)) * (e if side == "B" else 1)]
                        for n, e in (("churn/memdev/1024", 1.06), ("fill/memdev/1024", 1.08))})
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "verdict.json")) as fh:
                need = {b["name"]: b["need"] for b in json.load(fh)["benchmarks"]}
            self.assertTrue(all(n and 8 < n <= 1000 for n in need.values()), need)
            for name, n in need.items():
                self.assertIn("inconclusive (~%d rounds)" % n, self.row(r.stdout, name))
            self.assertRegex(r.stdout, r"to decide the changes past the threshold, in rounds in "
                             r"all: (churn|fill)/memdev/1024 ~[0-9]+, (churn|fill)/memdev/1024 ~")
            self.assertIn("(--rounds %d settles all 2)" % max(need.values()), r.stdout)

    def test_no_common_benchmark(self):
        with tempfile.TemporaryDirectory() as d:
            for i in range(3):
                write_bench_json(d, "A_%d.json" % i, {"churn/memdev/1024": [100.0]})
                write_bench_json(d, "B_%d.json" % i, {"fill/memdev/1024": [100.0],
                                                             "BM_not_ours": [5.0]})
            r = self.run_report("--mode", "time", "--dir", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("no benchmark ran on both sides", r.stderr)
            self.assertNotIn("Traceback", r.stderr)

    def test_arguments(self):
        with tempfile.TemporaryDirectory() as d:
            self.time_dir(d)  # rounds a report could read: an argument error must stop first
            for args, msg in ((["--mode", "time", "--alpha", "abc"],
                               "argument --alpha: invalid float value: 'abc'"),
                              ([], "give --mode or --json"),
                              (["--mode", "time", "--json", "a", "b"], "give --mode or --json")):
                r = self.run_report(*args, "--dir", d)
                self.assertEqual((r.returncode, r.stdout), (2, ""), args)
                self.assertEqual(r.stderr, "bench/compare: %s\n" % msg)  # its PROG
            for alpha in ("0", "1", "1.5"):
                r = self.run_report("--mode", "time", "--dir", d, "--alpha", alpha)
                self.assertEqual(r.returncode, 2, alpha)
                self.assertIn("--alpha must be between 0 and 1", r.stderr)
            a = write_bench_json(d, "a.json", {"churn/memdev/1024": [100, 101]})
            b = write_bench_json(d, "b.json", {"churn/memdev/1024": [100]})
            r = self.run_report("--json", a, b, "--dir", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("at least 2 repetitions", r.stderr)
            b = write_bench_json(d, "b.json", {"churn/memdev/1024": [120, 121]})
            r = self.run_report("--json", a, b, "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("churn/memdev/1024", r.stdout)
            self.assertIn("simultaneous 95% over 1 benchmarks; equal within +-2%", r.stdout)
            self.assertIn("power: with these repetitions", r.stdout)

    def test_instr_mode(self):
        with tempfile.TemporaryDirectory() as d:
            rows = {"churn/memdev/1024": (1000000, 1006000), "fill/memdev/1024": (2000000, 2008000),
                    "plug/memdev/1024": (3000000, 2970000)}
            for side, k in (("A", 0), ("B", 1)):
                with open(os.path.join(d, "instr_%s.tsv" % side), "w") as fh:
                    for n, v in rows.items():
                        fh.write("%s/iterations:1000\t%d\t1000\n" % (n, v[k]))
            r = self.run_report("--mode", "instr", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            churn = self.row(r.stdout, "churn/memdev/1024").split()
            self.assertEqual(churn[1:], ["1000.0", "1006.0", "+0.6%", "exact",
                                                      "slower"])
            self.assertEqual(self.row(r.stdout, "fill/memdev/1024").split()[-1], "equal")
            self.assertEqual(self.row(r.stdout, "plug/memdev/1024").split()[-1], "faster")
            g = (1.006 * 1.004 * 0.99) ** (1 / 3) - 1
            self.assertEqual(self.row(r.stdout, "geometric mean").split()[2], "%+.1f%%" % (g * 100))
            self.assertIn("equal within +-0.5%", r.stdout)
            self.assertIn("power: instruction counts are exact", r.stdout)
            self.assertIn("method: callgrind instruction counts", r.stdout)
            self.assertRegex(r.stdout,
                             r"\nbenchmark \(instr/op\) +A +B +change +interval +outcome\n")
            self.assertEqual(self.row(r.stdout, "geometric mean").split()[3], "exact")
            with tempfile.TemporaryDirectory() as d2:  # --fail-over: past its figure, not at it
                for side, v in (("A", 1000000), ("B", 1500000)):  # +50% exactly
                    with open(os.path.join(d2, "instr_%s.tsv" % side), "w") as fh:
                        fh.write("churn/memdev/1024/iterations:1000\t%d\t1000\n" % v)
                for over, rc in (("50", 0), ("49.9", 1)):
                    r2 = self.run_report("--mode", "instr", "--dir", d2, "--fail-over", over)
                    self.assertEqual(r2.returncode, rc, over)
            with open(os.path.join(d, "verdict.json")) as fh:
                v = json.load(fh)
            # exact counts: each interval is the point, at level 1, reached
            self.assertEqual({(b["kind"], b["level"], b["reached"]) for b in v["benchmarks"]},
                             {("exact", 1.0, True)})
            self.assertNotIn("power: with these", r.stdout)
            with open(os.path.join(d, "instr_B.tsv"), "a") as fh:
                fh.write("lookup_rand/memdev/1024/iterations:1000\t0\t1000\n")
            with open(os.path.join(d, "instr_A.tsv"), "a") as fh:
                fh.write("lookup_rand/memdev/1024/iterations:1000\t500\t1000\n")
            r = self.run_report("--mode", "instr", "--dir", d)  # a count of 0: no mean of logs
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.row(r.stdout, "geometric mean"), "")
            self.assertIn("-100.0%", self.row(r.stdout, "lookup_rand/memdev/1024"))
            for side, count in (("A", 0), ("B", 5)):  # a count of 0 on the A side too
                with open(os.path.join(d, "instr_%s.tsv" % side), "a") as fh:
                    fh.write("validate/memdev/1024/iterations:1\t%d\t1\n" % count)
            r = self.run_report("--mode", "instr", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.row(r.stdout, "geometric mean"), "")
            self.assertNotIn("Traceback", r.stderr)
            with open(os.path.join(d, "instr_B.tsv"), "a") as fh:
                fh.write("broken line\n")
            r = self.run_report("--mode", "instr", "--dir", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("cannot read", r.stderr)
            self.assertNotIn("Traceback", r.stderr)


class CompareReportLines(unittest.TestCase):
    """compare_report.py's advice lines from changes made by hand (classified as the report
    classifies them): the rounds each inconclusive change needs, up to 1000 and past it, the
    count that settles them all only when there are several, the ones on the threshold."""

    def change(self, name, est, lo, hi, samples=10):
        return vd.classify(vd.Change(name, 100.0, 100.0 + est, est, lo, hi, 0.99, True, samples,
                                     "paired"), 2.0, 0.01)

    def lines(self, changes):
        a = argparse.Namespace(mode="time", threshold=2.0, alpha=0.05, label_a="A",
                               label_b="B")
        for c in changes:
            c.detectable = c.detectable or 0.0
        return cr.report(a, changes, None, 10)[1]

    def test_need_of_exactly_1000_is_listed(self):
        # need = ceil(samples * (h / dist)^2): h = 5, dist = |2.5| - 2 = 0.5 -> 10 * 100
        c = self.change("churn/memdev/1024", 2.5, -2.5, 7.5)
        self.assertEqual((c.outcome, c.need), ("inconclusive", 1000))
        far = self.change("fill/memdev/1024", 2.5, -2.6, 7.6)  # h = 5.1: 1041
        self.assertGreater(far.need, 1000)
        self.assertIn("to decide the changes past the threshold, in rounds in all: "
                      "churn/memdev/1024 ~1000", self.lines([c]))
        self.assertNotIn("settles all", "\n".join(self.lines([c])))  # one: no total
        self.assertIn("to decide the changes past the threshold, in rounds in all: "
                      "churn/memdev/1024 ~1000; 1 need over 1000", self.lines([c, far]))
        self.assertIn("to decide the changes past the threshold, in rounds in all: "
                      "1 need over 1000", self.lines([far]))

    def test_several_get_the_count_that_settles_all(self):
        cs = [self.change("churn/memdev/1024", 3.0, 0.0, 6.0),
              self.change("fill/memdev/1024", 3.0, -1.0, 7.0)]
        out = self.lines(cs)
        self.assertIn("to decide the changes past the threshold, in rounds in all: "
                      "churn/memdev/1024 ~%d, fill/memdev/1024 ~%d" % (cs[0].need, cs[1].need),
                      out)
        self.assertIn("  (--rounds %d settles all 2)" % cs[1].need, out)

    def test_on_the_threshold(self):
        c = self.change("churn/memdev/1024", 2.0, 0.0, 4.0)  # |est| == t: no count settles it
        self.assertEqual((c.outcome, c.need), ("inconclusive", None))
        out = self.lines([c, self.change("fill/memdev/1024", 0.1, -0.2, 0.4)])
        self.assertIn("on the threshold (more rounds will hardly settle them): "
                      "churn/memdev/1024", out)
        self.assertFalse([ln for ln in out if ln.startswith("to decide")], out)

    def test_cell(self):
        """The outcome column: rounds for paired changes (time mode), repetitions for saved
        runs (unpaired), and past 1000 said as such."""
        for kind, unit in (("paired", "rounds"), ("unpaired", "reps")):
            for est, lo, hi, want in ((2.5, -2.5, 7.5, "inconclusive (~1000 %s)" % unit),
                                      (2.5, -2.6, 7.6, "inconclusive (>1000 %s)" % unit),
                                      (2.0, 0.0, 4.0, "inconclusive (at the threshold)"),
                                      (9.0, 8.0, 10.0, "slower")):
                c = vd.classify(vd.Change("x", 100, 100, est, lo, hi, 0.99, True, 10, kind),
                                2.0, 0.01)
                self.assertEqual(cr.cell(c), want, (kind, est, lo, hi))

    def test_fmt_pct(self):
        self.assertEqual([cr.fmt_pct(x) for x in (0.04, -12.345, 999.94, 1000, -2500.4)],
                         ["+0.0%", "-12.3%", "+999.9%", "+1000%", "-2500%"])

    def test_span(self):
        self.assertEqual([cr.span(12, 12), cr.span(12, 40), cr.span(12, 1500),
                          cr.span(1200, 1500), cr.span(1000, 1000)],
                         ["12", "12 to 40", "12 to over 1000", "over 1000", "1000"])


class HistoryReport(unittest.TestCase):
    """history_report.py (bench/history's output) on a history made by hand: six commits, one
    that did not build, one measured with its own bench/, a benchmark skipped at one commit
    and missing (not run) at another, one step of each kind; the time series beside it has
    no step. The plots' scripts are read from a stand-in gnuplot that records them."""

    def series(self):
        commits = [{"sha": "%040x" % (k + 1), "short": "c%d" % k, "subject": "commit %d | x" % k}
                   for k in range(6)]
        e = lambda res, skipped=None, harness="current", failed=None: {  # noqa: E731
            "results": res, "skipped": skipped or {}, "harness": harness, "failed": failed}
        instr = hr.Series("instr", "instr/op", 0.5, commits, [
            e({"a": 100.0, "b": 50.0}), e({"a": 100.2, "b": 50.0}),
            e({}, failed="build failed: error: x"), e({"a": 120.0, "b": 50.0}),
            e({"a": 120.0}, skipped={"b": "skipped: the model is quadratic"}),
            e({"a": 90.0, "b": 50.0}, harness="own")], ["a", "b"])
        time_s = hr.Series("time", "ns/op", 5.0, commits, [
            e({"a": 10.0}), e({"a": 10.1}), e({}, failed="build failed: error: x"),
            e({"a": 10.2}), None, e({"a": 10.0})], ["a"], partner=instr)
        return instr, time_s

    def test_steps(self):
        instr, time_s = self.series()
        self.assertEqual([(i, n, kind) for (i, n, b, v, ch, kind) in instr.steps()],
                         [(3, "a", "slower"), (5, "a", "harness")])
        self.assertAlmostEqual(instr.steps()[0][4], (120 / 100.2 - 1) * 100)
        self.assertEqual(time_s.steps(), [])
        self.assertEqual(time_s.confirm(3, "a"), "instructions +19.8%")
        self.assertEqual(time_s.confirm(1, "a"), "instructions +0.2%: likely machine noise")

    def test_markdown_page_tsv(self):
        instr, time_s = self.series()
        md = hr.markdown([instr, time_s], "T", ["a note"], {"instr": [("a", "plots/a.png")]})
        self.assertIn("| `c3` | commit 3 \\| x | a | 100.2 | 120.0 | **+19.8 %** slower |", md)
        self.assertIn("| `c5` | commit 5 \\| x | a | 120.0 | 90.0 | **-25.0 %** (harness "
                      "changed) |", md)
        self.assertIn("| `c2` | commit 2 \\| x | build failed: error: x |", md)
        self.assertIn("| `c4` | commit 4 \\| x | b: skipped: the model is quadratic |", md)
        self.assertIn("Measured with their own bench/ (this checkout's did not build there; "
                      "figures may not be comparable): `c5`", md)
        self.assertIn("| 4 | `c3` | commit 3 \\| x | **120.0** (+19.8 %) | 50.0 |", md)
        self.assertIn("\n\n![a](plots/a.png)\n\n", md)  # a paragraph of its own
        time_md = md[md.index("## CPU time"):]
        self.assertIn("No steps.", time_md)
        self.assertNotIn("No steps.", md[:md.index("## CPU time")])
        self.assertIn("| `c4` | commit 4 \\| x | not measured |", time_md)
        html_text = hr.page([instr, time_s], "T", ["a note"], {})
        self.assertIn("<td class='n slower'>120.0<br>+19.8%</td>", html_text)
        self.assertIn("<td title='skipped: the model is quadratic'>-</td>", html_text)
        self.assertIn("<td colspan=2>not measured: build failed: error: x</td>", html_text)
        self.assertIn("<p>2 step(s)", html_text)
        self.assertEqual(html_text.count("<table>"), html_text.count("</table>"))
        self.assertEqual(html_text.count("<table>"), 3)  # instr: steps, commits; time: commits
        instr.entries[1]["results"].pop("b")  # measured, b neither run nor skipped
        html_text = hr.page([instr], "T", [], {})
        self.assertIn("<td title='not run'>-</td>", html_text)
        rows = [ln.split("\t") for ln in hr.tsv([instr, time_s]).splitlines()]
        self.assertEqual(rows[0], ["measure", "commit", "harness", "benchmark", "value", "note"])
        sha = lambda k: "%040x" % (k + 1)  # noqa: E731
        for row in (["instr", sha(0), "current", "a", "100", ""],
                    ["instr", sha(1), "current", "b", "-", ""],
                    ["instr", sha(2), "-", "-", "-", "build failed: error: x"],
                    ["instr", sha(4), "current", "b", "-", "skipped: the model is quadratic"],
                    ["instr", sha(5), "own", "a", "90", ""],
                    ["time", sha(4), "-", "-", "-", "not measured"]):
            self.assertIn(row, rows)

    def fake_gnuplot(self, d, fail=False):
        """A gnuplot that appends each script to d/scripts (and fails when asked to)."""
        path = os.path.join(d, "bin", "gnuplot")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write("#!/bin/sh\n{ cat; echo '=== end'; } >>'%s'\n%s" % (
                os.path.join(d, "scripts"), "echo 'cannot open font' >&2; exit 1\n" if fail
                else ""))
        os.chmod(path, 0o755)
        return os.path.dirname(path)

    def render(self, d, fail=False):
        path = self.fake_gnuplot(d, fail) + ":" + os.environ["PATH"]
        with mock.patch.dict(os.environ, PATH=path):
            return hr.render(os.path.join(d, "out"), list(self.series()), "T", [])

    def test_render_and_plots(self):
        with tempfile.TemporaryDirectory() as d:
            files, problems = self.render(d)
            self.assertEqual(problems, [])
            self.assertEqual(sorted(os.path.basename(f) for f in files),
                             ["history.html", "history.md", "history.tsv"])
            with open(os.path.join(d, "out", "history.md")) as fh:
                md = fh.read()
            for png in ("overview", "a", "b", "overview-time", "a-time"):
                self.assertIn("(plots/%s.png)" % png, md)
            with open(os.path.join(d, "scripts")) as fh:
                scripts = fh.read().split("=== end\n")[:-1]
            self.assertEqual(len(scripts), 5)  # overview, a, b; overview, a for time
            one = {re.search(r"set output '.*/plots/(.*)\.png'", sc).group(1): sc
                   for sc in scripts}
            # a step is marked on its own benchmark's plot only
            self.assertIn("set label '+19.8%' at 3, 120 ", one["a"])
            # a flat line keeps +-max(2.5 %, two thresholds) around it: no noise fills a panel
            self.assertIn("set yrange [48.75:51.25]", one["b"])
            self.assertNotIn("set label '+", one["b"])
            self.assertNotIn("set label '-", one["b"])
            # the commit that did not build: a grey mark on every plot
            for sc in scripts:
                self.assertIn("set label 'not measured' at 2, graph 0.5", sc)
            # at least 1000 pixels wide, 24 a commit and 400 for the key beyond that; 14 pixels
            # of height a benchmark in the key
            self.assertIn("set terminal pngcairo size 1000,488 font ',9'", one["overview"])
            instr = self.series()[0]
            instr.commits = instr.commits * 10
            instr.entries = instr.entries * 10
            path = self.fake_gnuplot(d) + ":" + os.environ["PATH"]  # the stand-in again
            with mock.patch.dict(os.environ, PATH=path):
                self.assertIsNone(hr.plot_overview(instr, os.path.join(d, "wide.png")))
            with open(os.path.join(d, "scripts")) as fh:
                wide = fh.read().split("=== end\n")[-2]
            self.assertIn("set terminal pngcairo size %d,488 font ',9'" % (24 * 60 + 400), wide)
        with tempfile.TemporaryDirectory() as d:
            files, problems = self.render(d, fail=True)
            self.assertEqual(problems, ["cannot open font", "a: cannot open font",
                                        "b: cannot open font", "cannot open font",
                                        "a: cannot open font"])
            with open(os.path.join(d, "out", "history.md")) as fh:
                self.assertNotIn(".png)", fh.read())  # no plot that was not made


class BenchStore(unittest.TestCase):
    """What keys the results store: the harness hash (the benchmarks' build inputs, nothing
    else) and the tools' versions ("missing" for a tool that is not there)."""

    def test_harness_hash(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(BENCH, os.path.join(d, "bench"),
                            ignore=shutil.ignore_patterns("results", "__pycache__"))
            old = bs.BENCH_DIR
            bs.BENCH_DIR = os.path.join(d, "bench")
            try:
                base = bs.harness_hash()
                seen = {base}
                for f in ("bench_scenarios.c", "bench_main.cc", "bench.h", "bench_rev.cmake",
                          "CMakeLists.txt"):
                    with open(os.path.join(d, "bench", f), "a") as fh:
                        fh.write("\n")
                    h = bs.harness_hash()
                    self.assertNotIn(h, seen, f)  # every build input counts
                    seen.add(h)
                last = h
                for f in ("README.md", "report.py", os.path.join("tests", "test_verdict.py")):
                    with open(os.path.join(d, "bench", f), "a") as fh:
                        fh.write("\n")
                    self.assertEqual(bs.harness_hash(), last, f)  # nothing else does
            finally:
                bs.BENCH_DIR = old

    def test_tool_versions(self):
        with tempfile.TemporaryDirectory() as d, mock.patch.dict(os.environ, PATH=d):
            self.assertEqual(bs.tool_versions(),
                             {"valgrind": "missing", "cc": "missing", "c++": "missing"})
        self.assertTrue(all(v and v != "missing" for v in bs.tool_versions().values())
                        or not shutil.which("valgrind"))


FAKE_BENCH = r"""#!/usr/bin/python3
# A stand-in memdev_bench: lists NAMES, writes google-benchmark JSON for the ones the filter
# picks (three repetitions of time_per_op 10, 20 and 90 ns, then the aggregates), and an
# error row for fill. Every command line is appended to ARGV.
import json, re, sys
NAMES = ["churn/memdev/1024", "fill/memdev/1024", "plug/memdev/1024"]
with open(%(argv)r, "a") as fh:
    fh.write(" ".join(sys.argv[1:]) + "\n")
if %(broken)r:
    sys.exit("unrecognized command-line flag: --memdev_sizes")
opt = dict(a[2:].split("=", 1) for a in sys.argv[1:] if "=" in a)
names = [n for n in NAMES if re.search(opt["benchmark_filter"], n)]
if opt.get("benchmark_list_tests") == "true":
    print("\n".join(names))
    sys.exit(0)
rows = []
for n in names:
    if n.startswith("fill"):
        rows.append({"name": n, "run_name": n, "run_type": "iteration",
                     "error_occurred": True, "error_message": "no room for 1024 devices"})
        continue
    for t in (10e-9, 90e-9, 20e-9):
        rows.append({"name": n, "run_name": n, "run_type": "iteration", "time_per_op": t})
    for agg, t in (("mean", 40e-9), ("median", 20e-9), ("stddev", 43.6e-9), ("cv", 1.09)):
        rows.append({"name": n + "_" + agg, "run_name": n, "run_type": "aggregate",
                     "aggregate_name": agg, "time_per_op": t})
with open(opt["benchmark_out"], "w") as fh:
    json.dump({"context": {}, "benchmarks": rows}, fh)
"""


class Measuring(unittest.TestCase):
    """benchstore.Measurer.ensure on a stand-in memdev_bench (the build is not run): what a
    time measure keeps (the median of the repetitions, not of the aggregates), a benchmark
    that fails to measure (skipped with its message, never a figure), a memdev_bench that
    does not run (the commit recorded as failed, the build removed either way)."""

    def measure(self, d, broken=False):
        top = os.path.join(d, "cache", "c0ffee-current")
        os.makedirs(os.path.join(top, "build", "bench"))
        binary = os.path.join(top, "build", "bench", "memdev_bench")
        with open(binary, "w") as fh:
            fh.write(FAKE_BENCH % {"argv": os.path.join(d, "argv"), "broken": broken})
        os.chmod(binary, 0o755)
        store = bs.Store(os.path.join(d, "store"), "time", {})
        m = bs.Measurer(store, "time", repetitions=3, log=lambda text: None)
        m._build = lambda harness, sha: (os.path.join(top, "build"), None)
        sha = bs.resolve(m.root, "HEAD")
        entry = m.ensure(sha, "^(churn|fill)/memdev/", "1024")
        with open(os.path.join(d, "argv")) as fh:
            argv = fh.read().splitlines()
        self.assertFalse(os.path.exists(top))  # the build is removed after measuring
        self.assertEqual(store.load(sha), entry)  # and the entry is saved
        return entry, argv

    def test_time(self):
        with tempfile.TemporaryDirectory() as d:
            entry, argv = self.measure(d)
            self.assertIsNone(entry["failed"])
            self.assertEqual(entry["results"], {"churn/memdev/1024": 20.0})
            self.assertEqual(entry["skipped"], {"fill/memdev/1024": "no room for 1024 devices"})
            self.assertEqual(entry["lists"], {"^(churn|fill)/memdev/ 1024": [
                "churn/memdev/1024", "fill/memdev/1024"]})
            self.assertEqual(len(argv), 2)
            self.assertIn("--benchmark_list_tests=true", argv[0].split())
            self.assertNotIn("iterations", argv[0])
            run = argv[1].split()
            for arg in ("--benchmark_filter=^(churn/memdev/1024|fill/memdev/1024)$",
                        "--memdev_sizes=1024", "--benchmark_repetitions=3"):
                self.assertIn(arg, run)

    def test_does_not_run(self):
        with tempfile.TemporaryDirectory() as d:
            entry, argv = self.measure(d, broken=True)
            self.assertEqual(entry["failed"],
                             "memdev_bench does not run or does not take --memdev_* flags")
            self.assertEqual((entry["results"], entry["skipped"], entry["lists"]), ({}, {}, {}))
            self.assertEqual(len(argv), 1)  # listed, never run


class BenchJson(unittest.TestCase):
    """benchjson.py's own edges: sizes named only when exact, a blank file called empty."""

    def test_fmt_n(self):
        sizes = (1000, 1024, 1536, 65536, 3 << 20, (1 << 20) + 1024)
        self.assertEqual([bj.fmt_n(n) for n in sizes],
                         ["1000", "1k", "1536", "64k", "3M", "1025k"])

    def test_fmt_ns(self):
        self.assertEqual([bj.fmt_ns(x) for x in (None, 999.94, 1000, 999999, 1e6, 2.5e7)],
                         ["-", "999.9 ns", "1.00 us", "1000.00 us", "1.00 ms", "25.00 ms"])

    def test_run_without_time_per_op(self):
        """A run of ours without the time_per_op counter (older harness) has no sample, and
        the others of the file still count."""
        with tempfile.TemporaryDirectory() as d:
            path = write_bench_json(d, "a.json", {"churn/memdev/1024": [100.0, 110.0],
                                                  "fill/memdev/1024": [50.0]})
            with open(path) as fh:
                doc = json.load(fh)
            for b in doc["benchmarks"]:
                if b["name"].startswith("fill/"):
                    del b["time_per_op"]
            with open(path, "w") as fh:
                json.dump(doc, fh)
            r = bj.load([path])
            self.assertEqual(list(r.samples), [("churn", "memdev", 1024)])
            self.assertEqual([round(x, 6) for x in r.samples[("churn", "memdev", 1024)]],
                             [100.0, 110.0])

    def test_blank_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "blank.json")
            with open(path, "w") as fh:
                fh.write(" \n\t\n")
            with self.assertRaisesRegex(bj.BadInput, "blank.json is empty"):
                bj.read(path)


class ReportGoals(unittest.TestCase):
    """report.py (bench/run's table and issue 9's goals) on a run whose ratios are known:
    medians over repetitions, baseline / memdev in the ratio columns, each goal's ratio,
    its range over the repetitions and its verdict at and past its bound ('within the
    spread' exactly when the range crosses the bound), the hook's bytes, missing figures as
    '-', skipped runs."""

    # (scenario, backend, n): ns/op of three repetitions (median: the middle one)
    RUN = {
        ("churn", "memdev", 1024): (90, 100, 130), ("churn", "augtree", 1024): (150, 140, 160),
        ("churn", "wtree", 1024): (70, 80, 75),
        ("churn", "memdev", 65536): (200, 210, 190), ("churn", "augtree", 65536): (398, 400, 390),
        ("churn", "memdev", 1 << 20): (500, 499, 501), ("churn", "augtree", 1 << 20): (2000,) * 3,
        ("fill", "memdev", 4096): (100,) * 3, ("fill", "augtree", 4096): (151,) * 3,
        ("lookup_rand", "memdev", 32768): (20,) * 3, ("lookup_rand", "bsearch", 32768): (19,) * 3,
        ("plug", "memdev", 65536): (90,) * 3, ("unplug", "memdev", 65536): (60.9, 61, 64),
        ("lookup_pop", "memdev", 65536): (30,) * 3,
        ("align_new", "memdev", 65536): (300,) * 3, ("align_known", "memdev", 65536): (100,) * 3,
        ("lookup_rand", "memdev", 1 << 20): (50,) * 3,  # no bsearch at 1M: the goal reads '-'
    }

    def write(self, d):
        bs = []
        for (scen, bk, n), vals in self.RUN.items():
            name = "%s/%s/%d/iterations:10" % (scen, bk, n)
            for i, x in enumerate(vals):
                b = {"name": name, "run_name": name, "run_type": "iteration",
                     "repetition_index": i, "iterations": 10, "real_time": x, "cpu_time": x,
                     "time_unit": "ns", "time_per_op": x * 1e-9}
                if (scen, bk, n) == ("churn", "memdev", 1 << 20):
                    b.update(hook_bytes_per_dev=112.5, hook_index_bytes_per_dev=31.9,
                             hook_record_bytes_per_dev=80.6)
                if scen == "churn" and n in (1024, 65536):  # heap growth and own count
                    b.update(bytes_per_dev=n / 1000 + len(bk), self_bytes_per_dev=n / 2000)
                bs.append(b)
            # what google-benchmark adds after the repetitions, counters included: no samples
            for agg, x in (("mean", statistics.mean(vals)), ("median", statistics.median(vals)),
                           ("stddev", statistics.pstdev(vals)), ("cv", 0.5)):
                bs.append({"name": name + "_" + agg, "run_name": name, "run_type": "aggregate",
                           "aggregate_name": agg, "real_time": x, "cpu_time": x,
                           "time_unit": "ns", "time_per_op": x * 1e-9})
        # complexity fits: kept from three sizes (churn/memdev), dropped from two
        # (lookup_rand/memdev): two points fit any curve
        for fam in ("churn/memdev", "lookup_rand/memdev"):
            bs.append({"name": fam + "_BigO", "run_name": fam, "run_type": "aggregate",
                       "aggregate_name": "BigO", "big_o": "lgN", "cpu_coefficient": 1.0})
        # a skipped run, with a counter set before it stopped: no sample either
        bs.append({"name": "churn/model/65536", "run_name": "churn/model/65536",
                   "run_type": "iteration", "error_occurred": True, "time_per_op": 5e-9,
                   "error_message": "skipped: the model is quadratic"})
        path = os.path.join(d, "bench.json")
        with open(path, "w") as fh:
            json.dump({"context": {"memdev_git_revision": "abc"}, "benchmarks": bs}, fh)
        return path

    def test_plot_unavailable(self):
        """Without gnuplot, or with one that fails, report.py says so on stderr (one line
        naming why), writes no plot and prints no 'plot:' line; the table, the goals and
        the exit status stand (a plot is an extra)."""
        with tempfile.TemporaryDirectory() as d:
            path = self.write(d)
            png = os.path.join(d, "plot.png")
            empty = os.path.join(d, "bin")
            os.mkdir(empty)
            cmd = [sys.executable, os.path.join(BENCH, "report.py"), path, "--plot", png]
            r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PATH=empty))
            self.assertEqual((r.returncode, r.stderr), (0, "report.py: gnuplot not found, no plot\n"))
            self.assertIn("goals (issue 9):", r.stdout)
            self.assertNotIn("plot:", r.stdout)
            self.assertFalse(os.path.exists(png))
            failing_gnuplot(empty)
            r = subprocess.run(cmd, capture_output=True, text=True,
                               env=dict(os.environ, PATH=empty + ":" + os.environ["PATH"]))
            self.assertEqual((r.returncode, r.stderr),
                             (0, "report.py: gnuplot failed: line 0: unknown terminal type\n"))
            self.assertIn("goals (issue 9):", r.stdout)
            self.assertNotIn("plot:", r.stdout)

    def test_table_and_goals(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.write(d)
            goals = os.path.join(d, "goals.md")
            out = {k: os.path.join(d, k) for k in ("table.txt", "headline.md", "plot.png")}
            r = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), path,
                                "--goals", goals, "--table", out["table.txt"], "--headline",
                                out["headline.md"], "--plot", out["plot.png"]],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out["table.txt"]) as fh:
                text = fh.read()
            self.assertTrue(text.startswith("memdev_bench: revision abc, "))
            self.assertIn("x1.50", text)
            with open(out["headline.md"]) as fh:
                text = fh.read()
            self.assertIn("| churn | 1k | 100.0 ns | n/a | x1.50 |", text)
            self.assertIn("| churn | 64k | 200.0 ns | skipped | x1.99 |", text)
            # lookups at 32k and 1M (the goals' sizes), the other scenarios at 1k, 64k, 1M
            self.assertIn("| lookup_rand | 32k | 20.0 ns | n/a | n/a |\n"
                          "| lookup_rand | 1M | 50.0 ns | n/a | n/a |\n", text)
            # bytes per device at the headline's sizes (1k, 64k, 1M) only, each structure's
            self.assertIn("| heap growth (mallinfo2) | 1k | 7 | - | 8 |\n"
                          "| own count (memdev_memory_bytes, augtree_memory) | 1k | 1 | - | 1 |\n"
                          "| heap growth (mallinfo2) | 64k | 72 | - | 73 |\n", text)
            self.assertIn("| growth of memdev's churn pair, 1M / 1k |  | 5.00 | 3.84-5.57 | <= 5 "
                          "| yes, within the spread |", text)
            if shutil.which("gnuplot"):
                self.assertIn("plot: " + out["plot.png"], r.stdout)
                self.assertGreater(os.path.getsize(out["plot.png"]), 1000)
            row = next(ln.split() for ln in r.stdout.splitlines() if ln.split()[:1] == ["1k"]
                       and "x1.50" in ln)
            # n, memdev, md ops/s, model, mod/md, augtree, aug/md, bsearch, bs/md, wtree, wt/md
            self.assertEqual(row[1:3] + row[3:4], ["100.0", "ns", "10.00M"])
            self.assertIn("150.0", row)
            self.assertEqual(row[row.index("150.0") + 2], "x1.50")
            self.assertEqual(row[row.index("75.0") + 2], "x0.75")  # the tree alone
            # bytes per device of memdev, model, augtree, bsearch and the tree alone
            self.assertEqual(row[-1], "7/-/8/-/6")
            self.assertRegex(r.stdout, r"churn/model: skipped: the model is quadratic")
            self.assertIn("churn   (complexity fit: memdev lgN)", r.stdout)
            self.assertNotIn("lookup_rand   (complexity fit", r.stdout)
            row = next(ln.split() for ln in r.stdout.splitlines() if ln.split()[:1] == ["64k"]
                       and "200.0" in ln)
            # the skipped model run: no time and no ratio (its counter is no sample)
            self.assertEqual(row[4:6], ["skipped", "-"])
            with open(goals) as fh:
                g = {}
                for ln in fh:
                    cells = [c.strip() for c in ln.strip().strip("|").split("|")]
                    if len(cells) == 6:
                        g[(cells[0], cells[1])] = (cells[2], cells[3], cells[5])
            spread = "yes, within the spread"
            want = {
                # at the bound; 140/130 .. 160/90 crosses it
                ("churn pair, AVL / memdev", "1k"): ("1.50", "1.08-1.78", spread),
                # just below 2; 390/210 .. 400/190 crosses it
                ("churn pair, AVL / memdev", "64k"):
                    ("1.99", "1.86-2.11", "**no**, within the spread"),
                ("churn pair, AVL / memdev", "1M"): ("4.00", "3.99-4.01", spread),
                ("fill per plug, AVL / memdev", "4k"): ("1.51", "1.51-1.51", "yes"),
                ("fill per plug, AVL / memdev", "1M"): ("-", "-", "-"),
                ("random lookup, bsearch / memdev", "32k"): ("0.95", "0.95-0.95", "**no**"),
                ("random lookup, bsearch / memdev", "1M"): ("-", "-", "-"),
                ("plug / lookup (memdev, churn population)", "64k"): ("3.00", "3.00-3.00", "yes"),
                # spread, but every repetition misses: a plain no
                ("unplug / lookup (memdev, churn population)", "64k"):
                    ("2.03", "2.03-2.13", "**no**"),
                ("never-seen alignment / known alignment, fragmented window", "64k"):
                    ("3.00", "3.00-3.00", "yes"),
                ("growth of memdev's churn pair, 1M / 1k", ""): ("5.00", "3.84-5.57", spread),
                ("index bytes per device (tree + id table), allocator hook", "1M"):
                    ("31.9", "-", "yes"),
                ("all bytes per device, allocator hook", "1M"): ("112.5", "-", "**no**"),
                ("churn pair, AVL / window tree alone (context)", "1k"): ("2.00", "1.75-2.29", "-"),
            }
            for k, v in want.items():
                self.assertEqual(g.get(k), v, k)

    def test_order_is_registration_order(self):
        """With repetitions interleaved at random (bench/run's default) the JSON lists
        benchmarks in a random order; the table's blocks and the headline's rows follow
        memdev_bench's registration (family_index), and JSON without it keeps its order."""
        # family 0 churn/memdev, 1 churn/augtree, 2 fill/memdev, 3 fill/augtree, listed
        # fill first and instances of one family out of order
        fams = {("churn", "memdev"): 0, ("churn", "augtree"): 1, ("fill", "memdev"): 2,
                ("fill", "augtree"): 3}
        runs = [("fill", "augtree", 65536), ("fill", "memdev", 65536), ("churn", "memdev", 65536),
                ("fill", "memdev", 1024), ("churn", "augtree", 1024), ("churn", "memdev", 1024),
                ("fill", "augtree", 1024), ("churn", "augtree", 65536)]

        def order(with_index):
            bs = []
            for rep in range(2):
                for scen, bk, n in runs:
                    name = "%s/%s/%d/iterations:10" % (scen, bk, n)
                    b = {"name": name, "run_name": name, "run_type": "iteration",
                         "repetition_index": rep, "iterations": 10, "real_time": 100,
                         "cpu_time": 100, "time_unit": "ns", "time_per_op": 1e-7}
                    if with_index:
                        b.update(family_index=fams[(scen, bk)],
                                 per_family_instance_index=0 if n == 1024 else 1)
                    bs.append(b)
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "bench.json")
                with open(path, "w") as fh:
                    json.dump({"context": {}, "benchmarks": bs}, fh)
                head = os.path.join(d, "headline.md")
                table = os.path.join(d, "table.txt")
                r = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), path,
                                    "--table", table, "--headline", head],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(table) as fh:
                    blocks = [ln.split()[0] for ln in fh if "(complexity" in ln
                              or ln.rstrip() in ("churn", "fill")]
                with open(head) as fh:
                    rows = [tuple(c.strip() for c in ln.strip("|\n").split("|")[:2])
                            for ln in fh if ln.startswith("| churn |") or ln.startswith("| fill |")]
                return blocks, rows

        blocks, rows = order(True)
        self.assertEqual(blocks, ["churn", "fill"])
        self.assertEqual(rows, [("churn", "1k"), ("churn", "64k"), ("fill", "1k"), ("fill", "64k")])
        blocks, rows = order(False)  # older JSON: the order the benchmarks ran in
        self.assertEqual(blocks, ["fill", "churn"])

    def test_formats(self):
        self.assertEqual([rp.fmt_ratio(x) for x in (None, 0.5, 99.994, 100, 9999, 1e4, 999999,
                                                    1e6, 2.5e6)],
                         ["-", "x0.50", "x99.99", "x100", "x9999", "x10k", "x1000k", "x1M",
                          "x2M"])
        self.assertEqual([rp.fmt_rate(x) for x in (None, 0, 0.5, 1.0, 1000, 2e9)],
                         ["-", "-", "2.00G", "1.00G", "1.00M", "0.5"])

    def test_plot_script(self):
        """The plot: a panel a scenario, three a row (the PNG 420 x 330 pixels a panel), a
        line a structure that ran it, from data files holding its medians; a scenario with
        no figures gets an empty panel, so the others keep their places."""
        with tempfile.TemporaryDirectory() as d:
            for scens, rows in ((("churn", "fill", "plug"), 1), (("churn", "fill", "plug",
                                                                   "unplug"), 2)):
                r = bj.Results()
                for k, scen in enumerate(scens):
                    for n in (1024, 4096):
                        r.key_seen((scen, "memdev", n))
                        r.key_seen((scen, "augtree", n))
                        r.samples[(scen, "memdev", n)] = [n / 100 + k, n / 100 + k + 2]
                        r.samples[(scen, "augtree", n)] = [n / 10]
                r.key_seen(("churn", "model", 1024))  # no figure: no line
                r.sort_order()
                png = os.path.join(d, "p.png")
                script = rp.plot_script(r, png).splitlines()
                self.assertIn("set terminal pngcairo size 1260,%d font ',9'" % (rows * 330),
                              script)
                self.assertIn("set multiplot layout %d,3 title 'memdev ?'" % rows, script)
                for k, scen in enumerate(scens):
                    at = script.index("set title '%s'" % scen)
                    lines = script[at + 1].split(", ")
                    self.assertEqual(len(lines), 2, script[at + 1])
                    self.assertTrue(lines[0].startswith("plot '%s/%s_memdev.dat' using 1:2 "
                                                        "with linespoints" % (png + ".data",
                                                                              scen)), lines)
                    self.assertTrue(lines[1].endswith("title 'augtree'"), lines)
                    with open(os.path.join(png + ".data", "%s_memdev.dat" % scen)) as fh:
                        self.assertEqual(fh.read(), "1024 %g\n4096 %g\n" % (
                            10.24 + k + 1, 40.96 + k + 1))
                self.assertEqual(script[-1], "unset multiplot")
            r = bj.Results()
            r.key_seen(("churn", "memdev", 1024))
            r.skipped[("churn", "memdev", 1024)] = "skipped"
            r.sort_order()
            script = rp.plot_script(r, png).splitlines()
            self.assertEqual(script[script.index("set title 'churn'") + 1], "plot 1 notitle")

    def test_bad_input(self):
        with tempfile.TemporaryDirectory() as d:
            empty = os.path.join(d, "e.json")
            with open(empty, "w") as fh:
                json.dump({"benchmarks": []}, fh)
            r = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), empty],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("no benchmark results", r.stderr)
            bad = os.path.join(d, "bad.json")
            with open(bad, "w") as fh:
                fh.write("not json\n")
            r = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), bad],
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stdout), (2, ""))
            self.assertRegex(r.stderr, r"^report\.py: %s is not JSON \(.*\)\n$" % re.escape(bad))


if __name__ == "__main__":
    unittest.main(verbosity=1)
