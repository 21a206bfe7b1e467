"""Tests of association between features of the cultures and their response class.

Everything the biomarker chapter reports is computed here, vectorised so that the same
code screens 11 cultures x 15 genes or 1,000 cultures x 20,000 genes:

* :func:`fisher_exact_2x2` - Fisher's exact test on many 2x2 tables at once, from
  hypergeometric probabilities; it reproduces ``scipy.stats.fisher_exact`` (same
  statistic, same p-value, same tie tolerance) without a Python loop over tables.
* :func:`mann_whitney_u` - the Mann-Whitney U test of every column of a matrix at once
  (ranks with ties from one sort per column), reproducing ``scipy.stats.mannwhitneyu``.
* :func:`fisher_freeman_halton` and :func:`exact_mann_whitney` - exact tests by complete
  enumeration for the clinical variables (r x 2 tables, Ki67 with ties).
* :func:`association_screen` - every clinical variable, every gene's overexpression and
  every mutated panel gene against response, with Benjamini-Hochberg q-values.

Table layout used throughout (``a, b, c, d``)::

                      responder   non-responder
    feature present       a             b
    feature absent        c             d

so an odds ratio above 1 means the feature goes with response.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

from netcomp.stats.significance import significant
from netcomp.text.wording import plural

#: Columns of ``results/associations.csv`` (a contract with re-users of the compendium).
RESULT_COLUMNS: tuple[str, ...] = (
    "feature",
    "kind",
    "test",
    "statistic",
    "p_value",
    "q_value",
    "n_responders",
    "n_nonresponders",
    "detail",
)

#: The study's headline (Liverani et al. 2023, abstract): HRAS overexpressed in 4 of 6
#: responders and 0 of 5 non-responders, reported as p = .048.
PUBLISHED_HRAS: tuple[int, int, int, int] = (4, 6, 0, 5)
PUBLISHED_P: float = 0.048

#: Clinical columns of ``cultures.csv`` tested against response.
CLINICAL_VARIABLES: tuple[str, ...] = ("grade", "site", "syndromic", "ki67_pct")

#: Relative tolerance scipy's two-sided Fisher test uses to count a table "as extreme"
#: as the observed one (``scipy.stats.fisher_exact``: ``gamma = 1 + 1e-14``).
FISHER_GAMMA: float = 1.0 + 1e-14
#: Relative tolerance for ties between table probabilities in the exact r x 2 test
#: (R's ``fisher.test`` uses the same 1e-7).
FFH_RELATIVE_TOLERANCE: float = 1e-7
#: Largest number of label assignments the exact Mann-Whitney test enumerates.
MAX_ENUMERATION: int = 2_000_000
#: Largest work (cultures x class size x rank-sum range) of the exact Mann-Whitney count;
#: beyond it (about 80 cultures) the tie-corrected normal approximation is used.
MAX_MWU_WORK: int = 40_000_000
#: Largest number of r x 2 tables the Fisher-Freeman-Halton test enumerates; beyond it the
#: p-value is estimated from :data:`FFH_MONTE_CARLO` tables drawn with the same margins.
MAX_FFH_TABLES: int = 200_000
FFH_MONTE_CARLO: int = 20_000
#: Fixed seed of the Monte Carlo estimate, so the same cohort always gives the same p.
FFH_MONTE_CARLO_SEED: int = 20230101

_ALTERNATIVES = ("two-sided", "greater", "less")


class AssociationError(ValueError):
    """The data do not allow the association analysis; the message says why and what to do."""


# --------------------------------------------------------------------------- checks


def check_classes(responder: pd.Series, context: str = "", minimum: int = 1) -> tuple[int, int]:
    """Return ``(n_responders, n_nonresponders)``; raise if a class is too small or not bool.

    ``minimum`` is the fewest cultures each class needs (the chapter asks for 2: with one
    culture in a class every test of association is degenerate). ``context`` (e.g.
    "lenvatinib at a 15% threshold") is added to the message.
    """
    if responder.isna().any():
        missing = ", ".join(map(str, responder.index[responder.isna()]))
        raise AssociationError(
            "response class is missing for "
            f"{plural(int(responder.isna().sum()), 'culture')}: {missing}"
        )
    values = responder.to_numpy()
    if values.dtype != bool:
        raise AssociationError(f"response classes must be True/False, got dtype {values.dtype}")
    n_resp = int(values.sum())
    n_non = int(values.size - n_resp)
    if n_resp == 0 or n_non == 0:
        where = f" ({context})" if context else ""
        raise AssociationError(
            f"every culture is in one class{where}: {plural(n_resp, 'responder')} and "
            f"{plural(n_non, 'non-responder')}. A test of association compares the two "
            "classes, so both need at least one culture; choose another threshold or drug."
        )
    if n_resp < minimum or n_non < minimum:
        where = f" ({context})" if context else ""
        raise AssociationError(
            f"too few cultures in a response class{where}: {plural(n_resp, 'responder')} and "
            f"{plural(n_non, 'non-responder')}; the association chapter needs at least "
            f"{minimum} in each class. Choose another threshold, drug or concentration, "
            "or add cultures."
        )
    return n_resp, n_non


def _check_alternative(alternative: str) -> None:
    if alternative not in _ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {', '.join(_ALTERNATIVES)}, got {alternative!r}"
        )


# --------------------------------------------------------------------------- Fisher 2x2


#: Above this many support points in one call, hypergeometric probabilities come from
#: log-gamma functions (about 50 times faster than scipy's), and scipy's exact values are
#: used wherever two probabilities are within :data:`TIE_RECHECK` (relative) of each other.
FAST_PMF_MIN_POINTS: int = 5_000
TIE_RECHECK: float = 1e-7


def _hypergeom_pmf_fast(k: np.ndarray, m: np.ndarray, n1: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``scipy.stats.hypergeom.pmf(k, m, n1, n)`` from log-gamma functions (rel. error ~1e-12)."""
    lg = special.gammaln
    log_p = (
        lg(n1 + 1)
        - lg(k + 1)
        - lg(n1 - k + 1)
        + lg(m - n1 + 1)
        - lg(n - k + 1)
        - lg(m - n1 - n + k + 1)
        - lg(m + 1)
        + lg(n + 1)
        + lg(m - n + 1)
    )
    return np.exp(log_p)


#: Most probabilities held at once by the two-sided Fisher test (bounds its memory).
PMF_BLOCK: int = 4_000_000


def _fisher_two_sided(x: np.ndarray, m: np.ndarray, n1: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided Fisher p: the probability of tables no more likely than the observed one.

    Tables sharing margins share one null distribution: each distinct ``(m, n1, n)`` gets
    its probabilities once (``scipy.stats.hypergeom.pmf``, as scipy does), sorted and
    cumulated; each table's p-value is then a look-up. Sorting ascending before summing
    keeps small p-values accurate to the last digits. Distributions are processed in
    blocks of at most :data:`PMF_BLOCK` probabilities, so memory stays bounded for many
    large tables.
    """
    keys = np.stack([m, n1, n], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    widths = (
        np.minimum(uniq[:, 2], uniq[:, 1])
        - np.maximum(0, uniq[:, 2] - (uniq[:, 0] - uniq[:, 1]))
        + 1
    )
    per_block = max(1, PMF_BLOCK // int(widths.max()))
    if len(uniq) <= per_block:
        return _two_sided_block(x, inverse, uniq)
    order = np.argsort(inverse, kind="stable")
    edges = np.searchsorted(inverse[order], np.arange(0, len(uniq) + per_block, per_block))
    p = np.empty(x.shape, dtype=float)
    for k, start in enumerate(range(0, len(uniq), per_block)):
        idx = order[edges[k] : edges[k + 1]]
        if idx.size:
            p[idx] = _two_sided_block(x[idx], inverse[idx] - start, uniq[start : start + per_block])
    return p


def _two_sided_block(x: np.ndarray, inverse: np.ndarray, uniq: np.ndarray) -> np.ndarray:
    """:func:`_fisher_two_sided` for tables ``x`` whose margins are ``uniq[inverse]``."""
    um, un1, un = uniq[:, 0], uniq[:, 1], uniq[:, 2]
    lo = np.maximum(0, un - (um - un1))
    hi = np.minimum(un, un1)
    width = int((hi - lo).max()) + 1
    support = lo[:, None] + np.arange(width)[None, :]
    valid = support <= hi[:, None]
    pmf = np.full(support.shape, np.inf)
    rows = np.nonzero(valid)[0]
    if rows.size <= FAST_PMF_MIN_POINTS:
        pmf[valid] = stats.hypergeom.pmf(support[valid], um[rows], un1[rows], un[rows])
    else:
        pmf[valid] = _hypergeom_pmf_fast(support[valid], um[rows], un1[rows], un[rows])
        # a tie decides whether a table counts: where two probabilities of one null
        # distribution are within TIE_RECHECK of each other, take scipy's exact values
        order = np.argsort(pmf, axis=1)
        ordered = np.take_along_axis(pmf, order, axis=1)
        with np.errstate(invalid="ignore"):
            near = np.abs(np.diff(ordered, axis=1)) <= TIE_RECHECK * ordered[:, 1:]
        near &= np.isfinite(ordered[:, 1:])
        if near.any():
            mark = np.zeros(pmf.shape, dtype=bool)
            mark_sorted = np.zeros(pmf.shape, dtype=bool)
            mark_sorted[:, 1:] |= near
            mark_sorted[:, :-1] |= near
            np.put_along_axis(mark, order, mark_sorted, axis=1)
            r, col = np.nonzero(mark)
            pmf[r, col] = stats.hypergeom.pmf(support[r, col], um[r], un1[r], un[r])
    ordered = np.sort(pmf, axis=1)  # padding (+inf) goes last
    cumulative = np.cumsum(np.where(np.isfinite(ordered), ordered, 0.0), axis=1)

    pexact = pmf[inverse, x - lo[inverse]]
    mode = ((un + 1) * (un1 + 1) // (um + 2)).astype(np.int64)
    pmode = pmf[np.arange(len(uniq)), mode - lo][inverse]
    p = np.empty(x.shape, dtype=float)
    chunk = max(1, 4_000_000 // width)
    for start in range(0, x.size, chunk):
        sl = slice(start, start + chunk)
        u = inverse[sl]
        counted = np.sum(ordered[u] <= (pexact[sl] * FISHER_GAMMA)[:, None], axis=1)
        p[sl] = cumulative[u, counted - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        at_mode = np.abs(pexact - pmode) / np.maximum(pexact, pmode) <= FISHER_GAMMA - 1.0
    p[at_mode] = 1.0
    return p


def fisher_exact_2x2(
    a: np.ndarray | int,
    b: np.ndarray | int,
    c: np.ndarray | int,
    d: np.ndarray | int,
    alternative: str = "two-sided",
) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's exact test of many 2x2 tables ``[[a, b], [c, d]]`` at once.

    Returns ``(odds_ratio, p_value)`` arrays with scipy's conventions: the odds ratio is
    the sample one, ``a*d / (b*c)`` (``inf`` when ``b*c = 0``); a table with an empty row
    or column has odds ratio NaN and p = 1. ``alternative="greater"`` tests odds ratio > 1
    (feature goes with response), "less" < 1, "two-sided" sums the probabilities of all
    tables (same margins) no more likely than the observed one.
    """
    _check_alternative(alternative)
    a, b, c, d = (np.asarray(v, dtype=np.int64) for v in (a, b, c, d))
    a, b, c, d = np.broadcast_arrays(a, b, c, d)
    shape = a.shape
    a, b, c, d = (v.reshape(-1) for v in (a, b, c, d))
    if np.any((a < 0) | (b < 0) | (c < 0) | (d < 0)):
        raise ValueError("table counts must be non-negative")
    n1, n2, n = a + b, c + d, a + c
    degenerate = (n1 == 0) | (n2 == 0) | (n == 0) | (b + d == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = np.where((b > 0) & (c > 0), (a * d) / np.maximum(b * c, 1), np.inf)
    odds[degenerate] = np.nan
    p = np.ones(a.shape, dtype=float)
    ok = ~degenerate
    if ok.any():
        m = n1 + n2
        if alternative == "less":
            p[ok] = stats.hypergeom.cdf(a[ok], m[ok], n1[ok], n[ok])
        elif alternative == "greater":
            p[ok] = stats.hypergeom.cdf(b[ok], m[ok], n1[ok], (b + d)[ok])
        else:
            p[ok] = _fisher_two_sided(a[ok], m[ok], n1[ok], n[ok])
    p = np.minimum(p, 1.0)
    return odds.reshape(shape), p.reshape(shape)


# --------------------------------------------------------------------------- binary screens


def _presence(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Bool arrays ``(present, tested)`` of a cultures x features table.

    ``tested`` is None when every cell was tested.
    """
    if all(isinstance(dt, np.dtype) and dt.kind == "b" for dt in features.dtypes):
        return features.to_numpy(dtype=bool), None
    values = features.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    tested = ~np.isnan(values)
    return np.where(tested, values != 0, False), (None if tested.all() else tested)


def binary_counts(features: pd.DataFrame, responder: pd.Series) -> pd.DataFrame:
    """Per feature: responders and non-responders tested, and how many of each carry it.

    ``features`` is cultures x features (bool; missing = not measured, left out of that
    feature's table). Cultures are matched on the index; cultures without a class are
    ignored. Columns: ``feature, n_responders, n_nonresponders, a, b, c, d``.
    """
    common = responder.index.intersection(features.index)
    resp = responder.loc[common].to_numpy(dtype=bool)
    present, tested = _presence(features.loc[common])
    a = np.count_nonzero(present[resp], axis=0)
    b = np.count_nonzero(present[~resp], axis=0)
    if tested is None:
        n_resp = np.full(a.shape, int(resp.sum()))
        n_non = np.full(a.shape, int((~resp).sum()))
    else:
        n_resp = np.count_nonzero(tested[resp], axis=0)
        n_non = np.count_nonzero(tested[~resp], axis=0)
    return pd.DataFrame(
        {
            "feature": [str(f) for f in features.columns],
            "n_responders": n_resp.astype(np.int64),
            "n_nonresponders": n_non.astype(np.int64),
            "a": a.astype(np.int64),
            "b": b.astype(np.int64),
            "c": (n_resp - a).astype(np.int64),
            "d": (n_non - b).astype(np.int64),
        }
    )


def count_detail(a: np.ndarray, n_resp: np.ndarray, b: np.ndarray, n_non: np.ndarray) -> list[str]:
    """``"a/n_resp vs b/n_non"``: cultures with the feature among responders vs non-responders."""
    return [f"{x}/{y} vs {u}/{v}" for x, y, u, v in zip(a, n_resp, b, n_non, strict=True)]


def fisher_screen(
    features: pd.DataFrame, responder: pd.Series, alternative: str = "two-sided"
) -> pd.DataFrame:
    """Fisher's exact test of every binary feature (column) against response, vectorised.

    Returns :func:`binary_counts` plus ``odds_ratio`` (sample, as scipy), ``p_value``,
    ``difference`` (share of responders minus share of non-responders with the feature,
    in percentage points) and ``detail``.
    """
    counts = binary_counts(features, responder)
    a, b, c, d = (counts[k].to_numpy() for k in "abcd")
    odds, p = fisher_exact_2x2(a, b, c, d, alternative=alternative)
    n_resp = counts["n_responders"].to_numpy()
    n_non = counts["n_nonresponders"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = 100.0 * (a / n_resp - b / n_non)
    return counts.assign(
        odds_ratio=odds,
        p_value=p,
        difference=diff,
        detail=count_detail(a, n_resp, b, n_non),
    )


# --------------------------------------------------------------------------- Mann-Whitney


def _mwu_exact_cdf(n1: int, n2: int) -> np.ndarray:
    """Null CDF of U for samples of sizes n1, n2 without ties (counts by dynamic programming)."""
    # ways[k, s]: subsets of size k of the first j ranks whose ranks sum (minus offset) to s
    max_u = n1 * n2
    ways = np.zeros((n1 + 1, max_u + 1), dtype=float)
    ways[0, 0] = 1.0
    for j in range(1, n1 + n2 + 1):
        # adding rank j to a subset of size k-1 raises U by (j - k)
        for k in range(min(j, n1), 0, -1):
            shift = j - k
            if shift > n2:
                continue
            ways[k, shift:] += ways[k - 1, : max_u + 1 - shift]
    pmf = ways[n1] / math.comb(n1 + n2, n1)
    return np.cumsum(pmf)


def _sorted_median(srt: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Row-wise median of the ``member`` entries of row-sorted ``srt`` (NaN for none)."""
    k = np.count_nonzero(member, axis=1)
    cum = np.cumsum(member, axis=1)
    rows = np.arange(srt.shape[0])
    picks = []
    for target in ((k - 1) // 2, k // 2):
        at = np.argmax(member & (cum == (target + 1)[:, None]), axis=1)
        picks.append(srt[rows, at])
    return np.where(k > 0, (picks[0] + picks[1]) / 2.0, np.nan)


def _mwu_rank_block(block: np.ndarray, resp: np.ndarray, pos: np.ndarray) -> dict[str, np.ndarray]:
    """U1, class sizes, tie term and class medians of each row of ``block`` (genes x cultures).

    Mid-ranks come from one stable sort per row; NaN values are left out of their row.
    """
    n_obs = block.shape[1]
    order = np.argsort(block, axis=1)
    srt = np.take_along_axis(block, order, axis=1)
    valid = ~np.isnan(srt)
    in_resp = resp[order] & valid
    n1 = np.count_nonzero(in_resp, axis=1).astype(float)
    n2 = np.count_nonzero(valid, axis=1) - n1
    same = srt[:, 1:] == srt[:, :-1]  # NaN never equals NaN
    if same.any():
        new_group = np.ones(srt.shape, dtype=bool)
        new_group[:, 1:] = ~same
        end_group = np.ones(srt.shape, dtype=bool)
        end_group[:, :-1] = ~same
        first = np.maximum.accumulate(np.where(new_group, pos, 0.0), axis=1)
        last = np.minimum.accumulate(np.where(end_group, pos, n_obs)[:, ::-1], axis=1)[:, ::-1]
        rank = (first + last) / 2.0 + 1.0
        ties = last - first + 1.0
        tie_term = np.sum(np.where(valid, ties**2 - 1.0, 0.0), axis=1)
    else:
        rank = np.broadcast_to(pos + 1.0, srt.shape)
        tie_term = np.zeros(srt.shape[0])
    r1 = np.sum(np.where(in_resp, rank, 0.0), axis=1)
    return {
        "u": r1 - n1 * (n1 + 1) / 2.0,
        "n1": n1,
        "n2": n2,
        "tie_term": tie_term,
        "median1": _sorted_median(srt, in_resp),
        "median2": _sorted_median(srt, valid & ~in_resp),
    }


def _mwu_p_values(
    u1: np.ndarray,
    n1: np.ndarray,
    n2: np.ndarray,
    exact: np.ndarray,
    tie_term: np.ndarray,
    alternative: str,
    use_continuity: bool,
) -> np.ndarray:
    """P-values of U1 per column: exact null distribution where ``exact``, else normal."""
    u2 = n1 * n2 - u1
    if alternative == "greater":
        u, factor = u1, 1.0
    elif alternative == "less":
        u, factor = u2, 1.0
    else:
        u, factor = np.maximum(u1, u2), 2.0
    p = np.full(u1.shape, np.nan)
    asym = ~exact & (n1 > 0) & (n2 > 0)
    if asym.any():
        nn = n1[asym] + n2[asym]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.sqrt(n1[asym] * n2[asym] / 12.0 * ((nn + 1) - tie_term[asym] / (nn * (nn - 1))))
            z = (u[asym] - n1[asym] * n2[asym] / 2.0 - (0.5 if use_continuity else 0.0)) / s
        p[asym] = special.ndtr(-z)
    ex = exact & (n1 > 0) & (n2 > 0)
    for m1, m2 in {(int(x), int(y)) for x, y in zip(n1[ex], n2[ex], strict=True)}:
        sel = ex & (n1 == m1) & (n2 == m2)
        cdf = _mwu_exact_cdf(min(m1, m2), max(m1, m2))
        # P(U >= u) = P(U <= m1*m2 - u) by symmetry, as scipy computes it
        k = (m1 * m2 - u[sel]).astype(np.int64)
        p[sel] = np.where(k >= 0, cdf[np.clip(k, 0, None)], 0.0)
    return np.clip(p * factor, 0.0, 1.0)


def mann_whitney_u(
    values: np.ndarray,
    responder: np.ndarray,
    alternative: str = "two-sided",
    method: str = "auto",
    use_continuity: bool = True,
    chunk_size: int = 2048,
) -> dict[str, np.ndarray]:
    """Mann-Whitney U test of each column of ``values`` (cultures x genes), responders vs not.

    Reproduces ``scipy.stats.mannwhitneyu(x_responders, x_nonresponders)`` column by
    column: U is the responders' statistic ``U1``; ``method="asymptotic"`` is the normal
    approximation with tie and continuity corrections, ``"exact"`` the exact null
    distribution (valid without ties), ``"auto"`` scipy's per-column rule (exact when a
    class has at most 8 cultures and the column has no ties). NaN values are left out of
    their column. Ranks come from one stable sort per column, processed ``chunk_size``
    columns at a time to bound memory. Returns arrays ``u, p_value, n1, n2, ties`` and the
    class medians ``median1, median2`` (read off the same sort).
    """
    _check_alternative(alternative)
    if method not in ("auto", "exact", "asymptotic"):
        raise ValueError(f"method must be auto, exact or asymptotic, got {method!r}")
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    resp = np.asarray(responder, dtype=bool)
    n_obs, n_genes = values.shape
    keys = ("u", "p_value", "n1", "n2", "tie_term", "median1", "median2")
    out = {k: np.empty(n_genes) for k in keys}
    pos = np.arange(n_obs, dtype=float)[None, :]
    for start in range(0, n_genes, chunk_size):
        sl = slice(start, min(start + chunk_size, n_genes))
        block = np.ascontiguousarray(values[:, sl].T)  # genes x cultures: sort along rows
        for key, column in _mwu_rank_block(block, resp, pos).items():
            out[key][sl] = column
    u1, n1, n2, tie_term = out["u"], out["n1"], out["n2"], out["tie_term"]
    has_ties = tie_term > 0
    if method == "auto":
        exact = ~(((n1 > 8) & (n2 > 8)) | has_ties)
    else:
        exact = np.full(n_genes, method == "exact")
    return {
        "u": u1,
        "p_value": _mwu_p_values(u1, n1, n2, exact, tie_term, alternative, use_continuity),
        "n1": n1,
        "n2": n2,
        "ties": has_ties,
        "median1": out["median1"],
        "median2": out["median2"],
    }


#: Most total work (sum over distinct tie patterns of cultures x class size x rank-sum range)
#: the screen spends on exact Mann-Whitney counts; columns beyond it use the approximation.
MAX_SCREEN_MWU_WORK: int = 200_000_000

MWU_EXACT = "exact (enumeration, mid-ranks)"
MWU_APPROX = "normal approximation (tie-corrected)"


def _exact_mwu_p(
    x: np.ndarray, resp: np.ndarray, cache: dict[tuple[int, tuple[int, ...]], np.ndarray]
) -> float:
    """Two-sided exact Mann-Whitney p of one column (NaN dropped), counts cached by ties."""
    ok = ~np.isnan(x)
    x, r = x[ok], resp[ok]
    n1 = int(r.sum())
    ranks = stats.rankdata(x)
    doubled = np.rint(2.0 * ranks).astype(np.int64)
    key = (n1, tuple(np.sort(doubled).tolist()))
    counts = cache.get(key)
    if counts is None:
        counts = cache[key] = _rank_sum_counts(doubled, n1)
    sums = np.nonzero(counts)[0]
    n2 = x.size - n1
    centre = n1 * n2 / 2.0
    u_obs = ranks[r].sum() - n1 * (n1 + 1) / 2.0
    u_all = sums / 2.0 - n1 * (n1 + 1) / 2.0
    extreme = np.abs(u_all - centre) >= abs(u_obs - centre) - 1e-9
    return min(1.0, float(counts[sums][extreme].sum() / counts[sums].sum()))


def mann_whitney_screen(
    values: pd.DataFrame, responder: pd.Series, method: str = "auto", chunk_size: int = 2048
) -> pd.DataFrame:
    """Mann-Whitney test (two-sided) of every column of a cultures x genes table vs response.

    A cut-off-free companion of the overexpression screen. With ``method="auto"`` every
    column whose exact count is cheap gets the exact permutation p with mid-ranks for ties
    (all ways of choosing which cultures are the responders, counted as in
    :func:`exact_mann_whitney`; columns with the same tie pattern share one count), so ties
    no longer force the normal approximation; the rest (large cohorts, or beyond
    :data:`MAX_SCREEN_MWU_WORK` in all) get the tie-corrected normal approximation.
    ``"exact"``/``"asymptotic"`` force scipy's no-ties exact or the approximation for all
    columns (as :func:`mann_whitney_u`). Columns: ``feature, u, p_value, method,
    n_responders, n_nonresponders, ties, median_responders, median_nonresponders``.
    """
    common = responder.index.intersection(values.index)
    resp = responder.loc[common].to_numpy(dtype=bool)
    matrix = values.loc[common].to_numpy(dtype=float)
    if method == "auto":
        res = mann_whitney_u(matrix, resp, method="asymptotic", chunk_size=chunk_size)
        labels = np.full(matrix.shape[1], MWU_APPROX, dtype=object)
        cache: dict[tuple[int, tuple[int, ...]], np.ndarray] = {}
        spent = 0
        n_all = matrix.shape[0]
        if n_all * (int(resp.sum()) + 1) * (n_all * (n_all + 1) + 1) <= MAX_MWU_WORK:
            for j in range(matrix.shape[1]):
                n1, n2 = int(res["n1"][j]), int(res["n2"][j])
                if n1 == 0 or n2 == 0:
                    continue
                work = (n1 + n2) * (n1 + 1) * ((n1 + n2) * (n1 + n2 + 1) + 1)
                if spent + work > MAX_SCREEN_MWU_WORK:
                    break
                before = len(cache)
                res["p_value"][j] = _exact_mwu_p(matrix[:, j], resp, cache)
                labels[j] = MWU_EXACT
                spent += work if len(cache) > before else 0
    else:
        res = mann_whitney_u(matrix, resp, method=method, chunk_size=chunk_size)
        labels = np.full(
            matrix.shape[1],
            "exact (no-ties distribution)" if method == "exact" else MWU_APPROX,
            dtype=object,
        )
    return pd.DataFrame(
        {
            "feature": [str(f) for f in values.columns],
            "u": res["u"],
            "p_value": res["p_value"],
            "method": labels,
            "n_responders": res["n1"].astype(np.int64),
            "n_nonresponders": res["n2"].astype(np.int64),
            "ties": res["ties"],
            "median_responders": res["median1"],
            "median_nonresponders": res["median2"],
        }
    )


# --------------------------------------------------------------------------- exact clinical tests


def _tables_with_margins(rows: Sequence[int], first_col: int) -> np.ndarray:
    """Every first column of an r x 2 table with row sums ``rows`` and column sum ``first_col``.

    Built row by row with numpy (each partial table is extended by every feasible count of
    the next row), in lexicographic order.
    """
    rows = [int(r) for r in rows]
    firsts = np.zeros((1, 0), dtype=np.int64)
    remaining = np.array([int(first_col)], dtype=np.int64)
    for i, r in enumerate(rows):
        rest = sum(rows[i + 1 :])
        lo = np.maximum(0, remaining - rest)
        hi = np.minimum(r, remaining)
        counts = np.maximum(hi - lo + 1, 0)
        idx = np.repeat(np.arange(remaining.size), counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        x = lo[idx] + offsets
        firsts = np.column_stack([firsts[idx], x])
        remaining = remaining[idx] - x
    return firsts[remaining == 0]


def ffh_table_count(rows: Sequence[int], first_col: int) -> float:
    """How many r x 2 tables have row sums ``rows`` and first-column sum ``first_col``.

    The coefficient of z**first_col in the product of (1 + z + ... + z**r_i), by
    convolution (as a float: it only decides between enumeration and Monte Carlo).
    """
    poly = np.ones(1)
    for r in rows:
        poly = np.convolve(poly, np.ones(int(r) + 1))[: int(first_col) + 1]
    return float(poly[first_col]) if first_col < poly.size else 0.0


def ffh_method(table: np.ndarray) -> str:
    """ "exact" or "Monte Carlo": how :func:`fisher_freeman_halton` computes this table's p."""
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0]
    if table.shape[0] < 2 or 0 in table.sum(axis=0):
        return "exact"
    count = ffh_table_count(table.sum(axis=1).tolist(), int(table[:, 0].sum()))
    return "exact" if count <= MAX_FFH_TABLES else "Monte Carlo"


def fisher_freeman_halton(table: np.ndarray) -> tuple[float, float]:
    """Exact test of independence for an r x 2 table (Fisher-Freeman-Halton).

    Enumerates every table with the observed margins; the p-value is the total
    probability (multivariate hypergeometric) of the tables no more likely than the
    observed one (relative tolerance 1e-7). Returns ``(probability of the observed table,
    p_value)``, the statistic scipy's r x c ``fisher_exact`` reports. When there are more
    than :data:`MAX_FFH_TABLES` such tables (large cohorts), the p-value is estimated from
    :data:`FFH_MONTE_CARLO` tables drawn with the same margins (fixed seed), as
    ``(1 + k) / (1 + B)``, R's ``simulate.p.value``; :func:`ffh_method` says which.
    """
    table = np.asarray(table, dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 2:
        raise ValueError(f"expected an r x 2 table, got shape {table.shape}")
    table = table[table.sum(axis=1) > 0]
    if table.shape[0] < 2 or 0 in table.sum(axis=0):
        return 1.0, 1.0
    rows = table.sum(axis=1)
    col = int(table[:, 0].sum())
    log_total = (
        special.gammaln(rows.sum() + 1)
        - special.gammaln(col + 1)
        - special.gammaln(rows.sum() - col + 1)
    )

    def logprob(x: np.ndarray) -> np.ndarray:
        terms = special.gammaln(rows + 1) - special.gammaln(x + 1) - special.gammaln(rows - x + 1)
        return terms.sum(axis=-1) - log_total

    observed = float(np.exp(logprob(table[:, 0])))
    if ffh_method(table) == "Monte Carlo":
        rng = np.random.default_rng(FFH_MONTE_CARLO_SEED)
        draws = stats.multivariate_hypergeom.rvs(
            m=rows, n=col, size=FFH_MONTE_CARLO, random_state=rng
        )
        as_extreme = logprob(np.asarray(draws, dtype=np.int64)) <= (
            logprob(table[:, 0]) + math.log1p(FFH_RELATIVE_TOLERANCE)
        )
        return observed, float((1 + np.count_nonzero(as_extreme)) / (1 + FFH_MONTE_CARLO))
    firsts = _tables_with_margins(rows.tolist(), col)
    probs = np.exp(logprob(firsts))
    extreme = probs <= observed * (1.0 + FFH_RELATIVE_TOLERANCE)
    return observed, float(min(1.0, np.sort(probs[extreme]).sum()))


@dataclass(frozen=True)
class ExactMannWhitney:
    """Result of :func:`exact_mann_whitney`."""

    u: float
    p_value: float
    method: str
    ties: bool
    n_assignments: int


def _rank_sum_counts(doubled_ranks: np.ndarray, n1: int) -> np.ndarray:
    """Number of ways to choose ``n1`` items by their sum of doubled ranks (index = sum)."""
    total = int(doubled_ranks.sum())
    ways = np.zeros((n1 + 1, total + 1), dtype=float)
    ways[0, 0] = 1.0
    for v in doubled_ranks.astype(np.int64):
        # 0/1 knapsack: numpy reads the right-hand side before writing (overlap-safe)
        ways[1:, v:] += ways[:-1, : total + 1 - v]
    return ways[n1]


def exact_mann_whitney(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray
) -> ExactMannWhitney:
    """Two-sided Mann-Whitney test of ``x`` vs ``y`` that stays exact with ties.

    Ranks (mid-ranks for ties) are fixed; every way of choosing which ``len(x)`` of the
    pooled values are the first sample is counted (462 ways for 6 vs 5 cultures), by the
    sum of their ranks (dynamic programming on doubled mid-ranks, which are whole numbers,
    so no assignment is listed one by one). The p-value is the share of assignments whose
    ``|U - n1*n2/2|`` is at least the observed one (tolerance 1e-9), so it is exact with or
    without ties; without ties it equals ``scipy.stats.mannwhitneyu(method="exact")``.
    Beyond :data:`MAX_MWU_WORK` (about 80 cultures) the tie-corrected normal approximation
    is used and ``method`` says so.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        raise AssociationError("Mann-Whitney needs at least one value in each class")
    pooled = np.concatenate([x, y])
    ranks = stats.rankdata(pooled)
    n1, n2 = x.size, y.size
    u_obs = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    ties = bool(np.unique(pooled).size < pooled.size)
    n_assign = math.comb(n1 + n2, n1)
    centre = n1 * n2 / 2.0
    doubled = np.rint(2.0 * ranks).astype(np.int64)
    if (n1 + n2) * (n1 + 1) * (int(doubled.sum()) + 1) > MAX_MWU_WORK:
        res = stats.mannwhitneyu(x, y, method="asymptotic")
        return ExactMannWhitney(
            float(u_obs), float(res.pvalue), "normal approximation", ties, n_assign
        )
    counts = _rank_sum_counts(doubled, n1)
    sums = np.nonzero(counts)[0]
    u_all = sums / 2.0 - n1 * (n1 + 1) / 2.0
    extreme = np.abs(u_all - centre) >= np.abs(u_obs - centre) - 1e-9
    p = float(counts[sums][extreme].sum() / counts[sums].sum())
    return ExactMannWhitney(float(u_obs), min(1.0, p), "exact (enumeration)", ties, n_assign)


def _ki67_row(var: str, vals: np.ndarray, r: np.ndarray) -> dict[str, object]:
    """Result row of a continuous clinical variable: exact Mann-Whitney U, two-sided."""
    n_resp, n_non = int(r.sum()), int((~r).sum())
    res = exact_mann_whitney(vals[r], vals[~r]) if n_resp and n_non else None
    tie_note = ", mid-ranks for ties" if res is not None and res.ties else ""
    return {
        "feature": var,
        "kind": "clinical",
        "test": (
            f"Mann-Whitney U, two-sided, {res.method}{tie_note}"
            if res
            else "Mann-Whitney U, not testable"
        ),
        "statistic": res.u if res else np.nan,
        "p_value": res.p_value if res else np.nan,
        "n_responders": n_resp,
        "n_nonresponders": n_non,
        "detail": (
            f"median {np.median(vals[r]):g} vs {np.median(vals[~r]):g} %"
            if n_resp and n_non
            else ""
        ),
    }


def _categorical_row(var: str, v: pd.Series, r: np.ndarray) -> dict[str, object]:
    """Result row of a categorical variable: Fisher (two levels) or Fisher-Freeman-Halton."""
    n_resp, n_non = int(r.sum()), int((~r).sum())
    levels = sorted(v.astype(str).unique())
    labels = v.astype(str).to_numpy()
    table = np.array([[np.sum(r & (labels == lv)), np.sum(~r & (labels == lv))] for lv in levels])
    detail = "; ".join(
        f"{lv.replace('_', ' ')} {t[0]}/{n_resp} vs {t[1]}/{n_non}"  # 'small intestine'
        for lv, t in zip(levels, table, strict=True)
    )
    if len(levels) == 2:
        # present = the second level for yes/no ("yes"), else the first level
        present = levels.index("yes") if "yes" in levels else 0
        (a, b), (c, d) = table[present], table[1 - present]
        odds, p_table = fisher_exact_2x2(a, b, c, d)
        test, stat = "Fisher exact, two-sided (statistic: sample odds ratio)", float(odds)
        detail = f"{levels[present].replace('_', ' ')} {a}/{n_resp} vs {b}/{n_non}"
        p = float(p_table)
    elif len(levels) > 2:
        stat, p = fisher_freeman_halton(table)
        test = (
            "Fisher-Freeman-Halton exact, omnibus (no direction: tables no more "
            "likely than the observed one; statistic: probability of observed table)"
            if ffh_method(table) == "exact"
            else f"Fisher-Freeman-Halton, omnibus, Monte Carlo p from {FFH_MONTE_CARLO:,} "
            "tables (statistic: probability of observed table)"
        )
    else:
        test, stat, p = "not testable (one level)", np.nan, 1.0
    return {
        "feature": var,
        "kind": "clinical",
        "test": test,
        "statistic": stat,
        "p_value": p,
        "n_responders": n_resp,
        "n_nonresponders": n_non,
        "detail": detail,
    }


def clinical_associations(cultures: pd.DataFrame, responder: pd.Series) -> pd.DataFrame:
    """Grade, site, syndromic status and Ki67 against response, each with an exact test.

    Categorical variables: Fisher's exact test when they have two levels, the
    Fisher-Freeman-Halton exact test for more (statistic = probability of the observed
    table); Ki67: exact Mann-Whitney by enumeration (statistic = U of responders).
    Variables absent from ``cultures`` are skipped. Rows carry the contract columns except
    ``q_value``.
    """
    info = cultures.assign(culture_id=cultures["culture_id"].astype(str)).set_index("culture_id")
    common = [c for c in map(str, responder.index) if c in info.index]
    resp = responder.loc[common].to_numpy(dtype=bool)
    rows = []
    for var in CLINICAL_VARIABLES:
        if var not in info.columns:
            continue
        col = info.loc[common, var]
        known = col.notna().to_numpy()
        r, v = resp[known], col[known]
        if var == "ki67_pct":
            rows.append(_ki67_row(var, v.to_numpy(dtype=float), r))
        else:
            rows.append(_categorical_row(var, v, r))
    return pd.DataFrame(rows, columns=[c for c in RESULT_COLUMNS if c != "q_value"])


# --------------------------------------------------------------------------- expression, mutation


def missing_expression(expression_matrix: pd.DataFrame) -> pd.DataFrame:
    """Genes not measured in every culture: ``gene, n_missing, cultures`` (empty if complete)."""
    miss = expression_matrix.isna()
    counts = miss.sum(axis=0)
    genes = [g for g in expression_matrix.columns if counts[g] > 0]
    return pd.DataFrame(
        {
            "gene": [str(g) for g in genes],
            "n_missing": [int(counts[g]) for g in genes],
            "cultures": [", ".join(map(str, miss.index[miss[g]])) for g in genes],
        },
        columns=["gene", "n_missing", "cultures"],
    )


def overexpressed(expression_matrix: pd.DataFrame, cutoff: float) -> pd.DataFrame:
    """Whether each gene is overexpressed (fold change at or above ``cutoff``) in each culture.

    Bool table with the same shape; where a fold change is missing the entry is missing
    (nullable ``boolean``) so that culture is left out of that gene's test. Fold changes
    must be positive ratios: zero or negative values raise :class:`AssociationError`
    naming the cultures and genes.
    """
    if not np.isfinite(cutoff) or cutoff <= 0:
        raise AssociationError(
            f"overexpression cut-off must be a positive fold change, got {cutoff!r}"
        )
    values = expression_matrix.to_numpy(dtype=float)
    bad = values <= 0
    if bad.any():
        where = [
            f"{expression_matrix.index[i]}/{expression_matrix.columns[j]}"
            for i, j in zip(*np.nonzero(bad), strict=True)
        ][:10]
        raise AssociationError(
            f"fold change must be a positive ratio (tumour / healthy tissue); found "
            f"{plural(int(bad.sum()), 'value')} <= 0, e.g. {', '.join(where)}. A ratio of 0 "
            "cannot be shown on a log scale or mean 'overexpressed'; fix the data or mark it "
            "missing."
        )
    over = pd.DataFrame(
        values >= cutoff, index=expression_matrix.index, columns=expression_matrix.columns
    )
    missing = np.isnan(values)
    if missing.any():
        over = over.astype("boolean").mask(
            pd.DataFrame(missing, index=over.index, columns=over.columns)
        )
    return over


def mutated_genes(mutation_matrix: pd.DataFrame) -> pd.DataFrame:
    """Panel genes mutated in at least one culture (the only ones a test can inform)."""
    return mutation_matrix.loc[:, mutation_matrix.astype(bool).any(axis=0)]


def bh_qvalues(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (statsmodels ``fdr_bh``); NaN p-values stay NaN."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def fisher_min_p(
    n_resp: npt.ArrayLike, n_non: npt.ArrayLike, n_feature: npt.ArrayLike
) -> np.ndarray:
    """Smallest two-sided Fisher p any table with these margins can give (1 when vacuous).

    With the margins fixed, the two-sided p of a table is the total probability of the
    tables no more likely than it (scipy's tolerance), so the smallest attainable p belongs
    to the least likely table, which lies at one end of the (unimodal) hypergeometric
    support. Used by :func:`tarone_bh`: a test that can never reach a level cannot be a
    discovery at it.
    """
    n_resp, n_non, n_feature = (np.asarray(x, dtype=np.int64) for x in (n_resp, n_non, n_feature))
    out = np.ones(n_resp.shape, dtype=float)
    keys = np.stack([n_resp, n_non, n_feature], axis=-1).reshape(-1, 3)
    flat = out.reshape(-1)
    for key in {tuple(k) for k in keys.tolist()}:
        n1, n2, m1 = key
        n = n1 + n2
        lo, hi = max(0, m1 - n2), min(m1, n1)
        if n1 == 0 or n2 == 0 or hi <= lo:
            continue
        pmf = stats.hypergeom.pmf(np.arange(lo, hi + 1), n, m1, n1)
        least = min(pmf[0], pmf[-1])
        flat[np.all(keys == key, axis=1)] = min(1.0, float(pmf[pmf <= least * FISHER_GAMMA].sum()))
    return out


@dataclass(frozen=True)
class TaroneBH:
    """Result of :func:`tarone_bh` (Gilbert's Tarone-Benjamini-Hochberg procedure)."""

    level: float
    k: int
    in_family: np.ndarray
    q_value: np.ndarray
    discovery: np.ndarray


def tarone_bh(
    p_values: Sequence[float] | np.ndarray, min_p: Sequence[float] | np.ndarray, level: float
) -> TaroneBH:
    """Gilbert's (2005) discrete-aware FDR procedure: Benjamini-Hochberg after Tarone's screen.

    A discrete test whose smallest attainable p-value is above the level can never be a
    discovery, yet plain BH counts it in *m*. Tarone's K is the smallest k with at most k
    tests able to reach ``level / k``; those tests (``in_family``, their number M(K) <= K)
    form the family, and BH at ``level`` is applied to them alone (``q_value``, NaN outside
    the family). ``discovery`` marks q <= level (every comparison with the level is
    :func:`netcomp.stats.significance.significant`). ``min_p`` of 0 keeps a test in the family
    whatever K (conservative for tests whose attainable values are not computed).
    """
    p = np.asarray(p_values, dtype=float)
    pmin = np.asarray(min_p, dtype=float)
    ok = np.isfinite(p)
    m = int(ok.sum())
    k = m
    for cand in range(1, m + 1):
        if int(np.sum(ok & significant(pmin, level / cand))) <= cand:
            k = cand
            break
    family = ok & significant(pmin, level / max(k, 1))
    q = np.full(p.shape, np.nan)
    if family.any():
        q[family] = multipletests(p[family], method="fdr_bh")[1]
    return TaroneBH(level, k, family, q, family & significant(q, level))


def _feature_count(detail: pd.Series) -> np.ndarray:
    """Cultures with the feature, from ``detail`` strings ``"a/n1 vs b/n2"``."""
    parts = detail.astype(str).str.extract(r"(\d+)/\d+ vs (\d+)/\d+").astype(np.int64)
    return (parts[0] + parts[1]).to_numpy()


def _binary_feature_rows(
    kind: str, what: str, matrix: pd.DataFrame, responder: pd.Series
) -> pd.DataFrame:
    """Fisher's exact test (two-sided) of every binary feature column against response."""
    res = fisher_screen(matrix, responder)
    return pd.DataFrame(
        {
            "feature": res["feature"],
            "kind": kind,
            "test": f"Fisher exact, two-sided ({what}; statistic: sample odds ratio)",
            "statistic": res["odds_ratio"],
            "p_value": res["p_value"],
            "n_responders": res["n_responders"],
            "n_nonresponders": res["n_nonresponders"],
            "detail": res["detail"],
            "odds_ratio": res["odds_ratio"],
            "difference": res["difference"],
            "min_p": fisher_min_p(
                res["n_responders"], res["n_nonresponders"], _feature_count(res["detail"])
            ),
        }
    )


def association_screen(
    responder: pd.Series,
    cultures: pd.DataFrame | None = None,
    expression_matrix: pd.DataFrame | None = None,
    mutation_matrix: pd.DataFrame | None = None,
    cutoff: float = 2.0,
    clinical: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every tested feature against response, with BH q-values over all of them.

    Clinical variables (:func:`clinical_associations`), overexpression of every measured
    gene (Fisher, two-sided, ``fold change >= cutoff``) and mutation of every panel gene
    mutated in at least one culture (Fisher, two-sided). The q-values treat all rows as
    one family (``clinical``, when given, is used instead of recomputing the clinical
    rows from ``cultures``). Returns the contract columns :data:`RESULT_COLUMNS` plus ``odds_ratio``
    and ``difference`` (percentage points) for binary features, sorted by p-value.
    """
    check_classes(responder)
    parts = []
    if clinical is not None:  # already computed by the caller for the same classes
        parts.append(clinical)
    elif cultures is not None:
        parts.append(clinical_associations(cultures, responder))
    for kind, matrix in (
        (
            "expression",
            None if expression_matrix is None else overexpressed(expression_matrix, cutoff),
        ),
        ("mutation", None if mutation_matrix is None else mutated_genes(mutation_matrix)),
    ):
        if matrix is None or matrix.shape[1] == 0:
            continue
        what = f"fold change >= {cutoff:g}" if kind == "expression" else "mutated"
        parts.append(_binary_feature_rows(kind, what, matrix, responder))
    if not parts:
        raise AssociationError("nothing to test: give cultures, expression or mutations")
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out["q_value"] = bh_qvalues(out["p_value"].to_numpy(dtype=float))
    if "min_p" not in out.columns:
        out["min_p"] = np.nan
    out["min_p"] = out["min_p"].fillna(0.0)  # clinical rows: attainable values not computed
    kind_order = out["kind"].map({"clinical": 0, "expression": 1, "mutation": 2})
    out = out.assign(_k=kind_order).sort_values(["p_value", "_k", "feature"], kind="stable")
    cols = list(RESULT_COLUMNS) + [
        c for c in ("odds_ratio", "difference", "min_p") if c in out.columns
    ]
    return out.loc[:, cols].reset_index(drop=True)


def results_table(screen: pd.DataFrame) -> pd.DataFrame:
    """The ``associations.csv`` table: exactly the contract columns of a screen."""
    return screen.loc[:, list(RESULT_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- the HRAS headline


class OddsRatioEstimate(Protocol):
    """What the odds-ratio sentences read: an estimate, its interval and its confidence.

    :class:`OddsRatioCI` and :class:`netcomp.stats.smallsample.Interval` both qualify.
    """

    @property
    def estimate(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class OddsRatioCI:
    """Conditional (exact) odds ratio with its exact confidence interval.

    Computed by :func:`conditional_odds_ratio`, the book's one implementation of it;
    :func:`netcomp.stats.smallsample.exact_odds_ratio` gives the same numbers as a row of the
    effect-size table.
    """

    estimate: float
    low: float
    high: float
    confidence: float

    def text(self, digits: int = 2) -> str:
        """E.g. ``"inf (95% CI 0.73 to inf)"``; infinite values are written ``inf``."""

        def fmt(v: float) -> str:
            return "inf" if np.isinf(v) else ("NaN" if np.isnan(v) else f"{v:.{digits}f}")

        pct = f"{100 * self.confidence:g}%"
        return f"{fmt(self.estimate)} ({pct} CI {fmt(self.low)} to {fmt(self.high)})"


def conditional_odds_ratio(table: np.ndarray, confidence: float = 0.95) -> OddsRatioCI:
    """Conditional maximum-likelihood odds ratio and exact CI.

    As ``scipy.stats.contingency.odds_ratio`` computes them.

    With a zero cell the estimate is 0 or infinite and one bound of the interval is too:
    the finite bound is still informative (the data rule out odds ratios beyond it).
    """
    res = stats.contingency.odds_ratio(np.asarray(table, dtype=np.int64), kind="conditional")
    ci = res.confidence_interval(confidence_level=confidence)
    return OddsRatioCI(float(res.statistic), float(ci.low), float(ci.high), confidence)


def table_2x2(a: int, n_resp: int, b: int, n_non: int) -> np.ndarray:
    """``[[a, b], [n_resp - a, n_non - b]]`` from counts with the feature in each class."""
    if not (0 <= a <= n_resp and 0 <= b <= n_non):
        raise ValueError(f"impossible counts {a}/{n_resp} vs {b}/{n_non}")
    return np.array([[a, b], [n_resp - a, n_non - b]], dtype=np.int64)


#: How each test of :func:`count_tests` defines its p-value (the two-sided ones differ).
COUNT_TEST_CONVENTIONS: dict[tuple[str, str], str] = {
    ("Fisher exact", "two-sided"): "sum of the probabilities of every table no more likely "
    "than the observed one (margins fixed)",
    ("Fisher exact", "one-sided (greater)"): "tables with at least as many responders with "
    "the feature (margins fixed)",
    ("Fisher mid-p", "one-sided (greater)"): "as Fisher one-sided, counting half the observed "
    "table's probability",
    ("Fisher mid-p", "two-sided (doubled one-sided)"): "twice the one-sided mid-p, capped at 1",
    ("Pearson chi-square", "two-sided"): "chi-square approximation (no exact distribution)",
    ("Pearson chi-square, Yates", "two-sided"): "chi-square approximation with Yates' "
    "continuity correction",
    ("Barnard exact", "two-sided"): "unconditional (only the class sizes fixed): pooled Wald "
    "statistic, |T| at least the observed, maximised over the "
    "common proportion (scipy)",
    ("Barnard exact", "one-sided (greater)"): "unconditional: pooled Wald statistic at least "
    "the observed, maximised over the common "
    "proportion (scipy)",
    ("Boschloo exact", "two-sided"): "unconditional, ordered by Fisher's one-sided p: scipy "
    "reports twice the smaller one-sided p, capped at 1",
    ("Boschloo exact", "one-sided (greater)"): "unconditional, ordered by Fisher's one-sided "
    "p, maximised over the common proportion (scipy)",
}


def count_tests(
    a: int, n_resp: int, b: int, n_non: int, published_p: float | None = None, decimals: int = 3
) -> pd.DataFrame:
    """Standard tests of a 2x2 table given as ``a/n_resp vs b/n_non``, side by side.

    Fisher exact (two-sided; one-sided, odds ratio > 1), Fisher mid-p (one-sided; and
    two-sided as twice the one-sided), Pearson chi-square with and without Yates'
    correction, Barnard's and Boschloo's unconditional exact tests (two-sided and
    one-sided). ``matches_published`` says whether the p-value rounds to ``published_p``
    at ``decimals`` places. Columns: ``test, sided, statistic, p_value, convention,
    matches_published`` (``convention`` says how each test defines its p-value).
    """
    table = table_2x2(a, n_resp, b, n_non)
    hyper = stats.hypergeom(int(table.sum()), int(table[0].sum()), int(table[:, 0].sum()))
    rows = []
    for alt, sided in (("two-sided", "two-sided"), ("greater", "one-sided (greater)")):
        res = stats.fisher_exact(table, alternative=alt)
        rows.append(("Fisher exact", sided, float(res.statistic), float(res.pvalue)))
    mid_one = float(hyper.sf(a) + 0.5 * hyper.pmf(a))
    rows.append(("Fisher mid-p", "one-sided (greater)", np.nan, mid_one))
    rows.append(("Fisher mid-p", "two-sided (doubled one-sided)", np.nan, min(1.0, 2 * mid_one)))
    for corr, name in ((False, "Pearson chi-square"), (True, "Pearson chi-square, Yates")):
        chi2, p, _, _ = stats.chi2_contingency(table, correction=corr)
        rows.append((name, "two-sided", float(chi2), float(p)))
    for alt, sided in (("two-sided", "two-sided"), ("greater", "one-sided (greater)")):
        res = stats.barnard_exact(table, alternative=alt)
        rows.append(("Barnard exact", sided, float(res.statistic), float(res.pvalue)))
    for alt, sided in (("two-sided", "two-sided"), ("greater", "one-sided (greater)")):
        res = stats.boschloo_exact(table, alternative=alt)
        rows.append(("Boschloo exact", sided, float(res.statistic), float(res.pvalue)))
    out = pd.DataFrame(rows, columns=["test", "sided", "statistic", "p_value"])
    out["convention"] = [
        COUNT_TEST_CONVENTIONS[(t, sd)] for t, sd in zip(out["test"], out["sided"], strict=True)
    ]
    if published_p is None:
        out["matches_published"] = False
    else:
        out["matches_published"] = np.round(out["p_value"].to_numpy(), decimals) == round(
            published_p, decimals
        )
    return out


# --------------------------------------------------------------------------- chapter helpers


def fold_change_by_class(
    expression_matrix: pd.DataFrame, responder: pd.Series, gene: str, cutoff: float
) -> pd.DataFrame:
    """One gene's fold change per culture with its class: ``culture_id, responder,
    fold_change, overexpressed``, for cultures with both values.

    Raises :class:`AssociationError` when the gene was not measured at all; cultures where
    it was not measured are left out (see :func:`missing_expression` to report them).
    """
    if gene not in expression_matrix.columns:
        raise AssociationError(
            f"{gene} is not in expression.csv; measured genes: "
            f"{', '.join(map(str, expression_matrix.columns))}"
        )
    values = expression_matrix[gene]
    over = overexpressed(expression_matrix[[gene]], cutoff)[gene]
    measured = values.reindex(responder.index).notna().to_numpy()
    common = list(responder.index[measured])
    if not common:
        raise AssociationError(f"{gene} was not measured in any culture with a response class")
    return pd.DataFrame(
        {
            "culture_id": [str(c) for c in common],
            "responder": responder.loc[common].to_numpy(dtype=bool),
            "fold_change": values.loc[common].to_numpy(dtype=float),
            "overexpressed": over.loc[common].to_numpy(dtype=bool),
        }
    )


@dataclass(frozen=True)
class BinaryAssociation:
    """A 2x2 table of two yes/no features of the same cultures, with Fisher's test."""

    a: int
    b: int
    c: int
    d: int
    odds_ratio: float
    p_value: float
    p_greater: float

    @property
    def table(self) -> np.ndarray:
        return np.array([[self.a, self.b], [self.c, self.d]], dtype=np.int64)

    def long(self) -> pd.DataFrame:
        """``feature_present, responder, count`` (the 2x2 table in long form, for figures)."""
        return pd.DataFrame(
            {
                "feature_present": [True, True, False, False],
                "responder": [True, False, True, False],
                "count": [self.a, self.b, self.c, self.d],
            }
        )


def binary_association(row: pd.Series, column: pd.Series) -> BinaryAssociation:
    """Fisher's exact test of two bool Series (matched on index, missing values dropped).

    Table ``[[a, b], [c, d]]``: rows ``row`` True / False, columns ``column`` True / False;
    ``p_value`` is two-sided, ``p_greater`` one-sided (odds ratio > 1).
    """
    joined = pd.concat([row.rename("r"), column.rename("c")], axis=1, join="inner").dropna()
    r = joined["r"].to_numpy(dtype=bool)
    c = joined["c"].to_numpy(dtype=bool)
    a, b = int(np.sum(r & c)), int(np.sum(r & ~c))
    cc, d = int(np.sum(~r & c)), int(np.sum(~r & ~c))
    odds, p = fisher_exact_2x2(a, b, cc, d)
    _, p1 = fisher_exact_2x2(a, b, cc, d, alternative="greater")
    return BinaryAssociation(a, b, cc, d, float(odds), float(p), float(p1))


def published_match_sentence(tests: pd.DataFrame, published_p: float) -> str:
    """Say plainly which of :func:`count_tests`' tests (if any) give the published p-value."""
    hits = tests[tests["matches_published"].astype(bool)]
    if hits.empty:
        return (
            f"None of the {len(tests)} standard tests in the table gives p = {published_p:g} "
            "on the published counts."
        )
    names = "; ".join(f"{t} ({s})" for t, s in zip(hits["test"], hits["sided"], strict=True))
    return f"Only these give p = {published_p:g} on the published counts: {names}."


def missing_expression_note(missing: pd.DataFrame) -> str:
    """One sentence about genes not measured in every culture (from :func:`missing_expression`)."""
    if missing.empty:
        return "Every gene was measured in every culture."

    def short(cultures: str, limit: int = 5) -> str:
        names = cultures.split(", ")
        return (
            cultures
            if len(names) <= limit
            else (", ".join(names[:limit]) + f" and {len(names) - limit} more")
        )

    shown = list(zip(missing["gene"], missing["cultures"], strict=True))
    parts = "; ".join(f"{g} ({short(c)})" for g, c in shown[:10])
    if len(shown) > 10:
        parts += f"; and {len(shown) - 10} more genes"
    return (
        f"{plural(len(missing), 'gene')} {'lacks' if len(missing) == 1 else 'lack'} a fold "
        f"change for some cultures: {parts}. Each such gene "
        "is tested on the cultures where it was measured; the columns n_responders and "
        "n_nonresponders of the tables say how many."
    )


def odds_ratio_sentence(ci: OddsRatioCI) -> str:
    """Explain a conditional odds ratio and its exact interval, infinite or not (a full sentence).

    :func:`odds_ratio_clause` says the same in a clause for the middle of a sentence.
    """
    level = f"{100 * ci.confidence:g}%"
    if np.isinf(ci.estimate) or ci.estimate == 0:
        infinite = bool(np.isinf(ci.estimate))
        bound, which = (ci.low, "lower") if infinite else (ci.high, "upper")
        text = (
            f"The conditional odds ratio is {'infinite' if infinite else 'zero'} because a cell "
            "of the table is zero: the likelihood keeps rising as the odds ratio goes to "
            f"{'infinity' if infinite else 'zero'}, so there is no finite estimate. The exact "
            f"{level} interval runs from "
            + (f"{bound:.2f} to infinity" if infinite else f"0 to {bound:.2f}")
            + f": only its {which} bound, {bound:.2f}, is finite, and it is the informative "
            "number"
        )
    else:
        text = f"The conditional odds ratio is {ci.text()}"
    if ci.low <= 1 <= ci.high:
        return text + "; the interval includes 1, the value of no association."
    return text + "; the interval excludes 1, the value of no association."


def odds_ratio_clause(ci: OddsRatioEstimate) -> str:
    """A lower-case clause for the middle of a sentence: the estimate and where its interval runs.

    Says why the interval is open-ended when it is ("the estimate is infinite and the 95%
    interval runs from 0.73 to infinity"), and that no estimate exists when the feature is in
    every culture or in none. :func:`odds_ratio_sentence` is the full explanation.
    """
    conf = f"{100 * ci.confidence:g}%"
    if np.isnan(ci.estimate):
        return (
            "no estimate exists: the feature is present in every culture or in none, so "
            "the table says nothing about the odds ratio"
        )
    if np.isinf(ci.high):
        return (
            f"the estimate is infinite and the {conf} interval runs from {ci.low:.2f} to infinity"
        )
    if ci.low == 0:
        return f"the estimate is 0 and the {conf} interval runs from 0 to {ci.high:.2f}"
    return (
        f"the estimate is {ci.estimate:.2f} with a finite {conf} interval from "
        f"{ci.low:.2f} to {ci.high:.2f}"
    )


def one_culture_away(
    a: int, n_resp: int, b: int, n_non: int, published_p: float, decimals: int = 3
) -> pd.DataFrame:
    """Fisher p-values of the tables one culture smaller or larger than ``a/n_resp vs b/n_non``.

    A published p-value that no test reproduces on the published counts may still match a
    table with one culture more or fewer (a culture excluded or added somewhere). Columns:
    ``change, detail, p_two_sided, p_greater, matches_published`` (either p rounds to
    ``published_p`` at ``decimals`` places).
    """
    changes = [
        ("without one responder with the feature", -1, -1, 0, 0),
        ("without one responder without the feature", 0, -1, 0, 0),
        ("without one non-responder with the feature", 0, 0, -1, -1),
        ("without one non-responder without the feature", 0, 0, 0, -1),
        ("with one more responder with the feature", 1, 1, 0, 0),
        ("with one more responder without the feature", 0, 1, 0, 0),
        ("with one more non-responder with the feature", 0, 0, 1, 1),
        ("with one more non-responder without the feature", 0, 0, 0, 1),
    ]
    rows = []
    for name, da, dr, db, dn in changes:
        x, nr, y, nn = a + da, n_resp + dr, b + db, n_non + dn
        if min(x, nr - x, y, nn - y) < 0 or nr == 0 or nn == 0:
            continue
        _, p2 = fisher_exact_2x2(x, y, nr - x, nn - y)
        _, p1 = fisher_exact_2x2(x, y, nr - x, nn - y, alternative="greater")
        rows.append(
            {
                "change": name,
                "detail": f"{x}/{nr} vs {y}/{nn}",
                "p_two_sided": float(p2),
                "p_greater": float(p1),
            }
        )
    out = pd.DataFrame(rows, columns=["change", "detail", "p_two_sided", "p_greater"])
    target = round(published_p, decimals)
    out["matches_published"] = (np.round(out["p_two_sided"].to_numpy(), decimals) == target) | (
        np.round(out["p_greater"].to_numpy(), decimals) == target
    )
    return out


def one_culture_away_sentence(away: pd.DataFrame, published_p: float) -> str:
    """Say which tables one culture away give the published p-value, if any."""
    hits = away[away["matches_published"].astype(bool)]
    if hits.empty:
        return (
            f"No table with one culture more or fewer gives p = {published_p:g} with "
            "Fisher's test either."
        )
    parts = []
    for row in hits.to_dict("records"):
        which = (
            "two-sided" if round(row["p_two_sided"], 3) == round(published_p, 3) else "one-sided"
        )
        p = row["p_two_sided"] if which == "two-sided" else row["p_greater"]
        parts.append(f"{row['detail']} ({row['change']}), Fisher {which} p = {p:.4f}")
    return (
        "A table one culture away does round to the published value: "
        + "; ".join(parts)
        + ". The abstract gives no reason to think that a culture was left out or added, so "
        "this is a coincidence worth noting, not an explanation."
    )
