# SPDX-License-Identifier: MIT
"""bisect_search.py - the search behind bench/bisect, apart from building and measuring so
it can be tested with a table: the first commit whose figure is above a limit, in O(log n)
measurements, skipping commits that cannot be measured the way `git bisect skip` does.

commits[0..n-1] run oldest to newest after GOOD; commits[n-1] is BAD, known to be above the
limit. is_bad(i) returns True (above the limit), False (not above) or None (cannot be
measured). The search keeps lo = last index known good (-1 = GOOD itself) and hi = first
index known bad, and probes the middle of (lo, hi); when the middle cannot be measured it
probes the nearest measurable commit inside (lo, hi), alternating after and before it.
It assumes one step from good to bad (like git bisect); with several, it finds one of them.
"""


def first_bad(n, is_bad):
    """(index of the first bad commit or None, candidates, skipped indices).
    With a unique answer candidates == [index]; when only unmeasurable commits separate the
    last good from the first bad one, index is None and candidates lists lo+1..hi."""
    lo, hi = -1, n - 1
    skipped = set()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        verdict, probe = None, None
        for k in _outward(mid, lo, hi):
            if k in skipped:
                continue
            verdict = is_bad(k)
            if verdict is None:
                skipped.add(k)
                continue
            probe = k
            break
        if probe is None:  # every commit strictly between lo and hi is unmeasurable
            return None, list(range(lo + 1, hi + 1)), sorted(skipped)
        if verdict:
            hi = probe
        else:
            lo = probe
    return hi, [hi], sorted(skipped)


def _outward(mid, lo, hi):
    """mid, mid+1, mid-1, mid+2, mid-2, ... restricted to (lo, hi)."""
    yield mid
    for d in range(1, hi - lo):
        for k in (mid + d, mid - d):
            if lo < k < hi:
                yield k
