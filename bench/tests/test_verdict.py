#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test_verdict.py - the statistics behind bench/compare (verdict.py), the search behind
bench/bisect (bisect_search.py) and compare's --json path end to end, without building
anything: a few seconds. Run by bench/smoke; by hand: /usr/bin/python3 bench/tests/test_verdict.py
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import unittest

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import verdict as vd  # noqa: E402
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


class Bisect(unittest.TestCase):
    def run_case(self, n, first, skip=()):
        probes = []

        def is_bad(i):
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


class CompareJson(unittest.TestCase):
    """bench/compare --json end to end: exit 0, 1 with --fail-over, 2 on bad input."""

    def write(self, d, name, values):
        path = os.path.join(d, name)
        bs = [{"name": n, "run_name": n, "run_type": "iteration", "repetitions": len(v),
               "repetition_index": i, "iterations": 100, "real_time": x, "cpu_time": x,
               "time_unit": "ns", "time_per_op": x * 1e-9}
              for n, v in values.items() for i, x in enumerate(v)]
        with open(path, "w") as fh:
            json.dump({"context": {"date": "x", "num_cpus": 2, "mhz_per_cpu": 1,
                                   "library_build_type": "release"}, "benchmarks": bs}, fh)
        return path

    def compare(self, *args):
        return subprocess.run([os.path.join(BENCH, "compare"), "--json"] + list(args),
                              capture_output=True, text=True)

    def test_json(self):
        with tempfile.TemporaryDirectory() as d:
            a = self.write(d, "a.json", {"churn/memdev/1024": [100, 101, 99, 100, 102, 100],
                                         "fill/memdev/1024": [50, 50.2, 49.9, 50, 50.1, 50]})
            b = self.write(d, "b.json", {"churn/memdev/1024": [130, 131, 129, 130, 132, 131],
                                         "fill/memdev/1024": [50, 50.1, 50, 49.9, 50.2, 50]})
            r = self.compare(a, b, "--out", os.path.join(d, "o1"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("B is SLOWER", r.stdout)
            with open(os.path.join(d, "o1", "verdict.json")) as fh:
                v = json.load(fh)
            out = {x["name"]: x["outcome"] for x in v["benchmarks"]}
            self.assertEqual(out, {"churn/memdev/1024": "slower", "fill/memdev/1024": "equal"})
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


if __name__ == "__main__":
    unittest.main(verbosity=1)
