# SPDX-License-Identifier: MIT
"""verdict.py - the statistics behind bench/compare's verdicts, small enough to read whole.
Standard library only (scipy is not needed: the exact distributions are small DPs).

Every change of B against A is estimated on the log scale (ratios multiply) and reported in
percent, with a confidence interval:

- paired (bench/compare's time mode: rounds alternate A B / B A, so round i gives one A and
  one B sample taken seconds apart and drift hits both): d_i = ln(B_i / A_i); the estimate is
  the Hodges-Lehmann estimate, the median of the Walsh averages (d_i + d_j) / 2, i <= j; the
  interval is the exact distribution-free one from the Wilcoxon signed-rank distribution
  (order statistics of the Walsh averages, as R's wilcox.test(conf.int = TRUE)).
- unpaired (two saved bench.json runs, `bench/compare --json`): the two-sample
  Hodges-Lehmann estimate, the median of all ln b_j - ln a_i, with the exact interval from
  the Mann-Whitney distribution.
- exact (callgrind instruction counts, deterministic): the interval is the point.

The intervals of one comparison are simultaneous (Bonferroni: each at level 1 - alpha/m for m
benchmarks), so all m hold together with probability >= 1 - alpha. This replaces the
Holm-adjusted U test of earlier versions: a test only says "significant or not", and a run
too short to decide then read as "no change"; an interval says how large the change can be,
and when it is too wide to decide, the outcome says so.

Outcome, with an equivalence threshold t (a change within +-t percent counts as equal):
  faster        the whole interval is below -t
  slower        the whole interval is above +t
  equal         the whole interval is within [-t, +t]
  inconclusive  the interval straddles -t or +t; more rounds will narrow it: about
                N * (h / d)^2 rounds in all, h the half-width, d the distance from the
                estimate to the threshold (intervals shrink as 1 / sqrt(rounds))
Power: with half-width h = z * se (z for the interval's level), a true change of
t + h * (1 + z_0.8 / z) is called faster/slower with probability about 80 %: the smallest
change this run could reliably have detected.

With few rounds the signed-rank distribution cannot reach a small alpha/m at all (the
smallest two-sided p-value of N rounds is 2 / 2^N); the interval is then the full range of
the Walsh averages and its real level is reported (`level` below).
"""
import math
import statistics

Z80 = statistics.NormalDist().inv_cdf(0.80)
EXACT_MAX = 60  # exact distributions up to this many rounds / samples per side


def _signed_rank_counts(n):
    """counts[k] = number of subsets of {1..n} whose sum is k (the null distribution of T+)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    top = 0
    for r in range(1, n + 1):
        top += r
        for k in range(top, r - 1, -1):
            counts[k] += counts[k - r]
    return counts


def _rank_sum_counts(m, n):
    """counts[u] = number of arrangements with Mann-Whitney U = u (m and n samples)."""
    # f[j][u] for the current i: ways for i x-samples and j y-samples.
    prev = [[1] + [0] * (m * n) for _ in range(n + 1)]  # i = 0: U = 0 only
    for i in range(1, m + 1):
        cur = [[0] * (m * n + 1) for _ in range(n + 1)]
        cur[0][0] = 1
        for j in range(1, n + 1):
            a, b, c = cur[j], prev[j], cur[j - 1]
            for u in range(i * j + 1):
                a[u] = (b[u - j] if u >= j else 0) + c[u]
        prev = cur
    return prev[n]


def _order_index(counts, total, alpha):
    """Largest k >= 1 with P(stat <= k - 1) <= alpha / 2, and the two-sided level reached;
    k = 1 (the full range) with its own level when alpha is out of reach."""
    cum, k = 0, 0
    while k < len(counts) and (cum + counts[k]) / total <= alpha / 2:
        cum += counts[k]
        k += 1
    if k == 0:
        return 1, 1 - 2 * counts[0] / total, False
    return k, 1 - 2 * cum / total, True


def _normal_index(mean, sd, alpha):
    z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
    return max(1, int(math.floor(mean - z * sd))), 1 - alpha, True


def signed_rank_sd(n):
    """Standard deviation of the signed-rank statistic T+ of n rounds (mean n(n+1)/4)."""
    return math.sqrt(n * (n + 1) * (2 * n + 1) / 24)


def rank_sum_sd(m, n):
    """Standard deviation of the Mann-Whitney U of m and n samples (mean mn/2)."""
    return math.sqrt(m * n * (m + n + 1) / 12)


def walsh_interval(d, alpha):
    """Paired: (estimate, low, high, level, reached) on the scale of d (log ratios)."""
    n = len(d)
    w = sorted((d[i] + d[j]) / 2 for i in range(n) for j in range(i, n))
    m = len(w)
    if n <= EXACT_MAX:
        k, level, ok = _order_index(_signed_rank_counts(n), 2 ** n, alpha)
    else:
        k, level, ok = _normal_index(m / 2, signed_rank_sd(n), alpha)
    k = min(k, (m + 1) // 2)
    return statistics.median(w), w[k - 1], w[m - k], level, ok


def shift_interval(a, b, alpha):
    """Unpaired: (estimate, low, high, level, reached) for the shift b - a (log scale)."""
    diffs = sorted(y - x for x in a for y in b)
    m, n, mn = len(a), len(b), len(diffs)
    if m <= EXACT_MAX // 2 and n <= EXACT_MAX // 2:
        k, level, ok = _order_index(_rank_sum_counts(m, n), math.comb(m + n, m), alpha)
    else:
        k, level, ok = _normal_index(mn / 2, rank_sum_sd(m, n), alpha)
    k = min(k, (mn + 1) // 2)
    return statistics.median(diffs), diffs[k - 1], diffs[mn - k], level, ok


def min_rounds(alpha):
    """Smallest number of paired rounds whose signed-rank interval reaches level 1 - alpha."""
    n = 1
    while 2.0 / 2 ** n > alpha:
        n += 1
    return n


def pct(x):
    """log ratio -> percent change."""
    return (math.exp(x) - 1) * 100


class Change:
    """One benchmark's change: estimate and interval in percent, outcome, rounds advice."""

    def __init__(self, name, a, b, est, lo, hi, level, reached, samples, kind):
        self.name, self.a, self.b = name, a, b
        self.est, self.lo, self.hi = est, lo, hi
        self.level, self.reached, self.samples, self.kind = level, reached, samples, kind
        self.outcome = None
        self.need = None  # total rounds (or samples per side) suggested when inconclusive
        self.detectable = None  # smallest |change| reliably called faster/slower
        self.threshold = None

    def as_dict(self):
        return {k: getattr(self, k) for k in ("name", "a", "b", "est", "lo", "hi", "level",
                                              "reached", "samples", "kind", "outcome", "need",
                                              "detectable", "threshold")}


def classify(c, t, alpha_each):
    """Sets c.outcome, c.need and c.detectable for threshold t (percent)."""
    c.threshold = t
    if c.lo > t:
        c.outcome = "slower"
    elif c.hi < -t:
        c.outcome = "faster"
    elif -t <= c.lo and c.hi <= t:
        c.outcome = "equal"
    else:
        c.outcome = "inconclusive"
    if c.kind == "exact":
        c.detectable = t
        return c
    h = max(c.hi - c.est, c.est - c.lo)
    z = statistics.NormalDist().inv_cdf(1 - alpha_each / 2)
    c.detectable = t + h * (1 + Z80 / z)
    if c.outcome == "inconclusive":
        dist = abs(abs(c.est) - t)
        floor = min_rounds(alpha_each)
        if dist <= 0 or h / dist > 30:
            c.need = None  # on the threshold: no feasible number of rounds settles it
        else:
            c.need = max(floor, c.samples + 1, math.ceil(c.samples * (h / dist) ** 2))
    return c


def paired(name, a, b, alpha_each):
    """Change from paired samples (round i: a[i], b[i])."""
    d = [math.log(y / x) for x, y in zip(a, b)]
    est, lo, hi, level, ok = walsh_interval(d, alpha_each)
    return Change(name, statistics.median(a), statistics.median(b), pct(est), pct(lo),
                  pct(hi), level, ok, len(d), "paired")


def unpaired(name, a, b, alpha_each):
    """Change from independent samples of A and B (e.g. repetitions of two saved runs)."""
    est, lo, hi, level, ok = shift_interval([math.log(x) for x in a],
                                            [math.log(y) for y in b], alpha_each)
    return Change(name, statistics.median(a), statistics.median(b), pct(est), pct(lo),
                  pct(hi), level, ok, min(len(a), len(b)), "unpaired")


def exact(name, a, b):
    """Change of a deterministic count (instructions): no interval."""
    e = (b / a - 1) * 100 if a else 0.0
    return Change(name, a, b, e, e, e, 1.0, True, 1, "exact")


def overall(changes, t):
    """The comparison's verdict line and its class (faster/slower/mixed/equal/inconclusive)."""
    by = {o: [c for c in changes if c.outcome == o]
          for o in ("faster", "slower", "equal", "inconclusive")}
    f, s, e, i = (by[o] for o in ("faster", "slower", "equal", "inconclusive"))
    parts = []
    if f:
        best = min(f, key=lambda c: c.est)
        parts.append("%d faster (best %+.1f%% %s)" % (len(f), best.est, best.name))
    if s:
        worst = max(s, key=lambda c: c.est)
        parts.append("%d slower (worst %+.1f%% %s)" % (len(s), worst.est, worst.name))
    if e:
        parts.append("%d equal within +-%g%%" % (len(e), t))
    if i:
        parts.append("%d inconclusive" % len(i))
    if f and s:
        word = "mixed"
    elif s:
        word = "slower"
    elif f:
        word = "faster"
    elif i:
        word = "inconclusive"
    else:
        word = "equal"
    head = {"mixed": "MIXED: B is faster on some benchmarks and slower on others",
            "slower": "B is SLOWER", "faster": "B is FASTER",
            "inconclusive": "INCONCLUSIVE: no change could be shown, and none ruled out",
            "equal": "EQUAL: every change is within +-%g%%" % t}[word]
    return word, "%s: %s" % (head, ", ".join(parts))


def rounds_advice(changes):
    """The inconclusive benchmarks with the rounds (or samples) each would need in all:
    {"beyond": [...], "within": [...], "stuck": [...]} of (need, name), sorted by need:
    beyond = estimate past the threshold (a change not yet shown), within = estimate inside
    it (equality not yet shown), stuck = on the threshold (no feasible count, need None)."""
    inc = [c for c in changes if c.outcome == "inconclusive"]
    out = {"beyond": [], "within": [], "stuck": [(None, c.name) for c in inc if c.need is None]}
    for c in sorted((c for c in inc if c.need is not None), key=lambda c: c.need):
        out["beyond" if abs(c.est) > c.threshold else "within"].append((c.need, c.name))
    return out
