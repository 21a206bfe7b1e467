"""Exact references several test modules share, computed here from scipy's distributions,
not by netcomp: Fisher's exact test of every table of a design, one margin at a time.

Brute-force sample sizes and power curves meet thousands of 2x2 tables; one
``scipy.stats.fisher_exact`` call per table made them the slowest tests of the fast suite.
``tests/test_smallsample.py::test_fisher_tables_equal_scipy`` holds these tables equal to
``fisher_exact`` table by table.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import stats


@functools.cache
def fisher_tables(n1: int, n2: int, alternative: str = "two-sided") -> np.ndarray:
    """Fisher's exact p of every table of ``n1`` and ``n2`` cultures, ``p[x1, x2]`` (x1 of n1
    and x2 of n2 with the feature), summed from the hypergeometric probabilities of each
    margin as scipy defines the test: two-sided, the tables no more probable than the
    observed one (relative tolerance 1e-7); greater, P(X >= x1); less, P(X <= x1).
    Read-only (cached)."""
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(alternative)
    p = np.empty((n1 + 1, n2 + 1))
    for m in range(n1 + n2 + 1):
        lo, hi = max(0, m - n2), min(m, n1)
        k = np.arange(lo, hi + 1)
        pmf = stats.hypergeom.pmf(k, n1 + n2, m, n1)
        for x1 in k:
            if alternative == "greater":
                tail = pmf[k >= x1].sum()
            elif alternative == "less":
                tail = pmf[k <= x1].sum()
            else:
                tail = pmf[pmf <= pmf[x1 - lo] * (1 + 1e-7)].sum()
            p[x1, m - x1] = min(tail, 1.0)
    p.setflags(write=False)
    return p
