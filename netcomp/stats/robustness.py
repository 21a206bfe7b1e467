"""How robust is a 2x2 association found in a handful of cultures?

Three views of one finding (a binary feature, e.g. HRAS overexpression, against response):

* :func:`fragility_index` - how many cultures would have to change response class for
  the result to cross the significance level (Walsh et al. 2014, adapted);
* :func:`leave_one_out` - the p-value with each culture left out in turn;
* :func:`fisher_p_by_threshold_and_cutoff` - the p-value over a grid of response
  thresholds x overexpression cut-offs (both choices are the analyst's), summarised per
  distinct table by :func:`grid_partitions`.

(:func:`netcomp.stats.smallsample.p_value_grid` is another grid: the p-value of every table two
groups of fixed size can give.)

Power and sample size are not here: the book has one exact engine for them,
:func:`netcomp.stats.smallsample.plan_power`, used by the biomarker and small-cohorts chapters.

"Significant" means ``p <= alpha`` throughout, decided by the book's one rule,
:func:`netcomp.stats.significance.significant`. Tables are ``[[a, b], [c, d]]`` as in
:mod:`netcomp.stats.association`: rows feature present / absent, columns responder /
non-responder.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from netcomp.stats.association import check_classes, fisher_exact_2x2
from netcomp.stats.response import classify
from netcomp.stats.significance import significant
from netcomp.text.wording import format_p, verb

#: The four ways one culture can change class, as changes to ``(a, b, c, d)``.
FLIPS: tuple[tuple[str, tuple[int, int, int, int]], ...] = (
    ("a responder with the feature reclassified as a non-responder", (-1, 1, 0, 0)),
    ("a non-responder with the feature reclassified as a responder", (1, -1, 0, 0)),
    ("a responder without the feature reclassified as a non-responder", (0, 0, -1, 1)),
    ("a non-responder without the feature reclassified as a responder", (0, 0, 1, -1)),
)


def _p(a: int, b: int, c: int, d: int, alternative: str) -> float:
    return float(fisher_exact_2x2(a, b, c, d, alternative=alternative)[1])


@dataclass(frozen=True)
class FragilityResult:
    """Result of :func:`fragility_index`.

    ``index`` is the number of greedy flips that changed the conclusion (None if no
    sequence of flips does); ``minimum`` the smallest number of flips that does, found by
    checking every table reachable by flips. ``reverse`` is True when the observed result
    is not significant, so the flips are those needed to *reach* significance (the
    "reverse fragility index").
    """

    p_value: float
    alpha: float
    alternative: str
    significant: bool
    reverse: bool
    index: int | None
    minimum: int | None
    steps: pd.DataFrame


#: Longest greedy path :func:`fragility_index` follows (the exact minimum has no limit).
MAX_GREEDY_STEPS: int = 50


def _minimum_flips(
    table: tuple[int, int, int, int], alpha: float, alternative: str, is_significant: bool
) -> int | None:
    """Fewest changes of class that change whether ``p`` is significant (None: none do).

    Every table reachable with the same row totals (feature status fixed) is ``(a', c')``
    with ``|a' - a| + |c' - c|`` changes. They are checked in growing diamonds around the
    observed table (radius 4, 8, 16, ... changes, each time only the new ring): a crossing
    table found within radius r is the minimum, since every table needing at most r
    changes lies in that diamond, and large cohorts with a small index never test every
    table.
    """
    a0, c0 = table[0], table[2]
    k1, k0 = table[0] + table[1], table[2] + table[3]
    previous, radius = -1, 4
    while True:
        a_range = np.arange(max(0, a0 - radius), min(k1, a0 + radius) + 1)
        c_range = np.arange(max(0, c0 - radius), min(k0, c0 + radius) + 1)
        a_grid, c_grid = np.meshgrid(a_range, c_range, indexing="ij")
        aa, cc = a_grid.ravel(), c_grid.ravel()
        flips = np.abs(aa - a0) + np.abs(cc - c0)
        ring = (flips <= radius) & (flips > previous)
        aa, cc, flips = aa[ring], cc[ring], flips[ring]
        _, p_all = fisher_exact_2x2(aa, k1 - aa, cc, k0 - cc, alternative=alternative)
        changed = significant(p_all, alpha) != is_significant
        if changed.any():
            return int(flips[changed].min())
        if radius >= k1 + k0:
            return None
        previous, radius = radius, radius * 2


def _flip(
    table: tuple[int, int, int, int], delta: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """``table`` after one change of class (``delta``, one of :data:`FLIPS`)."""
    return (table[0] + delta[0], table[1] + delta[1], table[2] + delta[2], table[3] + delta[3])


def _step_row(
    step: int, flip: str, table: tuple[int, int, int, int], p_value: float
) -> dict[str, object]:
    """One row of :attr:`FragilityResult.steps`: the step, its flip, the table and its p."""
    a, b, c, d = table
    return {"step": step, "flip": flip, "a": a, "b": b, "c": c, "d": d, "p_value": p_value}


def _greedy_flip(
    current: tuple[int, int, int, int],
    seen: set[tuple[int, int, int, int]],
    alternative: str,
    is_significant: bool,
) -> tuple[float, str, tuple[int, int, int, int]] | None:
    """The next flip of :func:`fragility_index`: (p-value, flip name, table), or ``None``.

    Among the flips to tables not seen yet, the one with the largest Fisher p-value when the
    result is significant, the smallest when it is not.
    """
    candidates = []
    for name, delta in FLIPS:
        new = _flip(current, delta)
        if min(new) < 0 or new in seen:
            continue
        candidates.append((name, new))
    if not candidates:
        return None
    # the (at most four) candidate tables in one vectorised call
    cells = np.array([new for _, new in candidates], dtype=np.int64).T
    _, p_cand = fisher_exact_2x2(cells[0], cells[1], cells[2], cells[3], alternative=alternative)
    options = [(float(pv), name, new) for pv, (name, new) in zip(p_cand, candidates, strict=True)]
    # significant: move towards the largest p; not significant: the smallest
    return (max if is_significant else min)(options, key=lambda o: o[0])


def fragility_index(
    a: int, b: int, c: int, d: int, alpha: float = 0.05, alternative: str = "two-sided"
) -> FragilityResult:
    """Fragility index of a 2x2 table: cultures whose class must change to cross ``alpha``.

    Adapted from Walsh et al. (2014), who add events one patient at a time in one arm:
    here, at each step one culture changes response class (any of the four :data:`FLIPS`,
    the feature status and group sizes stay fixed) and the greedy rule picks the flip that
    moves the Fisher p-value furthest towards the other side of ``alpha`` (largest p when
    the result is significant, smallest when it is not); it stops when the p-value
    crosses the level (:func:`netcomp.stats.significance.significant`). ``steps`` lists each
    step's flip, table and p-value.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    table = (int(a), int(b), int(c), int(d))
    p0 = _p(*table, alternative)
    is_significant = significant(p0, alpha)
    rows = [_step_row(0, "observed", table, p0)]
    current, seen, index = table, {table}, None
    for step in range(1, min(sum(table), MAX_GREEDY_STEPS) + 1):
        chosen = _greedy_flip(current, seen, alternative, is_significant)
        if chosen is None:
            break
        p_new, name, new = chosen
        seen.add(new)
        current = new
        rows.append(_step_row(step, name, new, p_new))
        if significant(p_new, alpha) != is_significant:
            index = step
            break

    minimum = _minimum_flips(table, alpha, alternative, is_significant)
    return FragilityResult(
        p_value=p0,
        alpha=alpha,
        alternative=alternative,
        significant=is_significant,
        reverse=not is_significant,
        index=index,
        minimum=minimum,
        steps=pd.DataFrame(rows),
    )


def leave_one_out(feature: pd.Series, responder: pd.Series) -> pd.DataFrame:
    """Fisher p-values (two-sided and one-sided, odds ratio > 1) with each culture left out.

    ``feature`` and ``responder`` are bool Series indexed by culture. Returns one row per
    culture: ``culture_id, responder, feature, detail, p_two_sided, p_greater``, where
    ``detail`` is the table without that culture as ``a/n_resp vs b/n_non``.
    """
    check_classes(responder)
    common = responder.index.intersection(feature.index)
    r = responder.loc[common].to_numpy(dtype=bool)
    f = feature.loc[common].to_numpy(dtype=bool)
    a, b = int(np.sum(f & r)), int(np.sum(f & ~r))
    c, d = int(np.sum(~f & r)), int(np.sum(~f & ~r))
    # removing culture i takes one count off its own cell
    da = -(f & r).astype(int)
    db = -(f & ~r).astype(int)
    dc = -(~f & r).astype(int)
    dd = -(~f & ~r).astype(int)
    aa, bb, cc, ddd = a + da, b + db, c + dc, d + dd
    _, p2 = fisher_exact_2x2(aa, bb, cc, ddd, alternative="two-sided")
    _, p1 = fisher_exact_2x2(aa, bb, cc, ddd, alternative="greater")
    detail = [f"{x}/{x + z} vs {y}/{y + w}" for x, y, z, w in zip(aa, bb, cc, ddd, strict=True)]
    return pd.DataFrame(
        {
            "culture_id": [str(i) for i in common],
            "responder": r,
            "feature": f,
            "detail": detail,
            "p_two_sided": p2,
            "p_greater": p1,
        }
    )


#: Most values one axis of a sensitivity scan takes; a finer step is widened to fit.
MAX_SCAN_POINTS: int = 401


def scan_values(
    low: float, high: float, step: float, max_points: int = MAX_SCAN_POINTS
) -> np.ndarray:
    """The values ``low, low + step, ...`` of a sensitivity scan, never beyond ``high``.

    ``high`` is included when the step reaches it (to 1e-9). A step so fine that the scan
    would exceed ``max_points`` values is widened to ``(high - low) / (max_points - 1)``, so
    a scan's size stays bounded whatever the parameters; ``low == high`` gives one value.
    """
    if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(step)) or step <= 0:
        raise ValueError(
            f"a scan needs finite bounds and a positive step, got {low}, {high}, {step}"
        )
    if high < low:
        raise ValueError(f"the scan's lowest value {low:g} is above its highest {high:g}")
    count = int(np.floor((high - low) / step + 1e-9)) + 1
    if count > max_points:
        count, step = max_points, (high - low) / (max_points - 1)
    values = np.round(float(low) + float(step) * np.arange(count, dtype=float), 9)
    return np.minimum(values, float(high))


def fisher_p_by_threshold_and_cutoff(
    inhibition: pd.Series,
    fold_change: pd.Series,
    thresholds: Sequence[float] | np.ndarray,
    cutoffs: Sequence[float] | np.ndarray,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Fisher p-value of overexpression vs response over thresholds x cut-offs.

    A culture responds when its inhibition is strictly above the threshold
    (:func:`netcomp.stats.response.classify`, the chapter's rule) and is overexpressed when its
    fold change is at or above the cut-off. Cultures missing either value are left out.
    Long table: ``threshold_pct, cutoff, n_responders, n_nonresponders, a, b, p_value``
    with ``p_value`` NaN where a class is empty (no test is possible).
    """
    common = inhibition.dropna().index.intersection(fold_change.dropna().index)
    inh = inhibition.loc[common].to_numpy(dtype=float)
    fc = fold_change.loc[common].to_numpy(dtype=float)
    thr = np.asarray(thresholds, dtype=float)
    cut = np.asarray(cutoffs, dtype=float)
    resp = np.stack([classify(inh, t) for t in thr]).astype(np.int64)  # T x N
    over = (fc[None, :] >= cut[:, None]).astype(np.int64)  # C x N
    a = resp @ over.T  # T x C
    n_resp = resp.sum(axis=1)[:, None] + 0 * a
    n_over = over.sum(axis=1)[None, :] + 0 * a
    n = inh.size
    b = n_over - a
    c = n_resp - a
    d = n - n_resp - b
    _, p = fisher_exact_2x2(a, b, c, d, alternative=alternative)
    p = np.where((n_resp == 0) | (n_resp == n), np.nan, p)
    tt, cc = np.meshgrid(thr, cut, indexing="ij")
    return pd.DataFrame(
        {
            "threshold_pct": tt.ravel(),
            "cutoff": cc.ravel(),
            "n_responders": n_resp.ravel(),
            "n_nonresponders": (n - n_resp).ravel(),
            "a": a.ravel(),
            "b": b.ravel(),
            "p_value": p.ravel(),
        }
    )


def fragility_sentence(res: FragilityResult, feature: str = "the feature") -> str:
    """Say in words what :func:`fragility_index` found (``feature`` names the feature)."""
    sided = "two-sided" if res.alternative == "two-sided" else "one-sided"
    state = "significant" if res.significant else "not significant"
    head = f"The {sided} result (p = {res.p_value:.3g}) is {state} at alpha = {res.alpha:g}."
    if res.minimum is None:
        return f"{head} No change of class of any number of cultures would alter that."
    n = res.minimum
    cultures = "a single culture" if n == 1 else f"{n} cultures"
    goal = "lose" if res.significant else "reach"
    name = "fragility index" if res.significant else "reverse fragility index"
    text = (
        f"{head} Changing the response class of {cultures} is enough to {goal} "
        f"significance ({name} {n})"
    )
    if res.index is not None and len(res.steps) > 1:
        first = str(res.steps["flip"].iloc[1]).replace("the feature", feature)
        if res.index == 1:
            text += f": for example {first}"
        else:
            text += f"; the greedy search needed {res.index} changes, the first being {first}"
    return text + "."


def leave_one_out_sentence(loo: pd.DataFrame, p_full: float, alpha: float) -> str:
    """Say how far the two-sided p moves when one culture is left out."""
    p = loo["p_two_sided"].to_numpy(dtype=float)
    n_sig = int(np.sum(significant(p, alpha)))
    text = (
        f"Without a single culture, the two-sided p ranges from {format_p(p.min())} to "
        f"{format_p(p.max())} (with every culture: {format_p(p_full)}), and it falls below "
        f"alpha in {n_sig} of the {p.size} cases."
    )
    if p.min() < p_full < p.max():
        text += (
            " Removing one culture can make the result more significant as well as less, "
            f"a sign of how little {p.size} cultures can settle."
        )
    return text


def grid_partitions(grid_two: pd.DataFrame, grid_one: pd.DataFrame | None = None) -> pd.DataFrame:
    """The distinct partitions of the cultures behind a threshold x cut-off grid.

    A threshold only matters through the set of cultures above it, and these sets are
    nested, so the number of responders identifies the set; likewise the number of
    overexpressing cultures identifies the cut-off's set. Each distinct pair is one
    partition of the cultures, hence one 2x2 table, reached by a rectangle of the grid.
    One row per partition: the ranges of thresholds and cut-offs giving it, how many grid
    points it covers, its table ``a, b, c, d`` and its two-sided (and, from ``grid_one``,
    one-sided) Fisher p. Counting partitions rather than grid points makes the summary
    independent of the grid's bounds and step.
    """
    g = grid_two.assign(n_over=grid_two["a"] + grid_two["b"])
    if grid_one is not None:
        g = g.assign(p_one_sided=grid_one["p_value"].to_numpy(dtype=float))
    else:
        g = g.assign(p_one_sided=np.nan)
    keys = ["n_responders", "n_over"]
    out = (
        g.groupby(keys, sort=False)
        .agg(
            threshold_from=("threshold_pct", "min"),
            threshold_to=("threshold_pct", "max"),
            cutoff_from=("cutoff", "min"),
            cutoff_to=("cutoff", "max"),
            n_points=("p_value", "size"),
            n_nonresponders=("n_nonresponders", "first"),
            a=("a", "first"),
            b=("b", "first"),
            p_two_sided=("p_value", "first"),
            p_one_sided=("p_one_sided", "first"),
        )
        .reset_index()
    )
    out["c"] = out["n_responders"] - out["a"]
    out["d"] = out["n_nonresponders"] - out["b"]
    cols = [
        "threshold_from",
        "threshold_to",
        "cutoff_from",
        "cutoff_to",
        "n_points",
        "n_responders",
        "n_nonresponders",
        "a",
        "b",
        "c",
        "d",
        "p_two_sided",
        "p_one_sided",
    ]
    return out.loc[:, cols].sort_values(["threshold_from", "cutoff_from"]).reset_index(drop=True)


def partition_sentence(
    parts: pd.DataFrame, n_points: int, alpha: float, min_per_class: int = 2
) -> str:
    """Summarise :func:`grid_partitions` per distinct table, not per grid point."""
    testable = parts[
        (parts["n_responders"] >= min_per_class)
        & (parts["n_nonresponders"] >= min_per_class)
        & parts["p_two_sided"].notna()
    ]
    n2 = int(significant(testable["p_two_sided"], alpha).sum())
    n1 = int(significant(testable["p_one_sided"], alpha).sum())
    text = (
        f"The {n_points:,} combinations of the grid give only {len(parts)} distinct "
        f"partitions of the cultures (each a distinct 2x2 table); {len(testable)} of them "
        f"leave at least {min_per_class} cultures in each class. Of those, {n2} "
        f"{verb(n2, 'gives', 'give')} a two-sided p below alpha and {n1} a "
        "one-sided p below alpha."
    )
    if len(testable) and n2 == 0:
        text += (
            f" No partition makes the two-sided test significant (smallest p "
            f"{format_p(float(testable['p_two_sided'].min()))})."
        )
    return text + (
        " The share of grid points below alpha would depend on where the grid "
        "starts and ends; the partitions do not."
    )


# --------------------------------------------------------------------------- class uncertainty


def responder_probability(
    mean: np.ndarray | pd.Series,
    sd: np.ndarray | pd.Series,
    n: np.ndarray | pd.Series,
    threshold: float,
) -> np.ndarray:
    """Probability that a culture's true mean inhibition is above ``threshold``.

    Model: the wells of a culture are independent normal measurements around its true
    mean, so ``(true mean - mean) / (sd / sqrt(n))`` follows Student's t with ``n - 1``
    degrees of freedom (the t-interval read as a distribution; a flat prior gives the same
    answer). With one well or identical wells there is no spread to use, and the class
    from the mean is taken as certain (probability 0 or 1).
    """
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    certain = (mean > threshold).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        usable = (n >= 2) & (sd > 0) & np.isfinite(sd)
        t = (mean - threshold) / (sd / np.sqrt(n))
        prob = stats.t.cdf(t, np.where(usable, n - 1, 1))
    return np.where(usable, prob, certain)


def _poisson_binomial(probs: np.ndarray) -> np.ndarray:
    """P(K = k), k = 0..len(probs), for a sum of independent Bernoulli(probs)."""
    dist = np.ones(1)
    for q in probs:
        dist = np.convolve(dist, [1.0 - q, q])
    return dist


def class_uncertainty(
    prob_responder: pd.Series, feature: pd.Series, alpha: float = 0.05, min_per_class: int = 2
) -> pd.DataFrame:
    """The distribution of 2x2 tables when each culture's class is uncertain.

    Each culture is a responder with its own probability (``prob_responder``, from
    :func:`responder_probability`), independently of the others; its feature status is
    fixed. The number of responders among cultures with the feature and among those
    without are then independent Poisson-binomial counts, so every possible table and its
    probability is computed exactly (no simulation), at any cohort size. One row per table
    with probability above 1e-12: ``a, b, c, d, probability, p_two_sided, p_one_sided``
    (Fisher; NaN when a class has fewer than ``min_per_class`` cultures, no test),
    sorted by probability.
    """
    common = prob_responder.index.intersection(feature.index)
    q = prob_responder.loc[common].to_numpy(dtype=float)
    has = feature.loc[common].to_numpy(dtype=bool)
    dist_a = _poisson_binomial(q[has])
    dist_c = _poisson_binomial(q[~has])
    n_has, n_not = int(has.sum()), int((~has).sum())
    a, c = np.meshgrid(np.arange(n_has + 1), np.arange(n_not + 1), indexing="ij")
    prob = np.outer(dist_a, dist_c)
    keep = prob > 1e-12
    a, c, prob = a[keep], c[keep], prob[keep]
    b, d = n_has - a, n_not - c
    _, p2 = fisher_exact_2x2(a, b, c, d, alternative="two-sided")
    _, p1 = fisher_exact_2x2(a, b, c, d, alternative="greater")
    n_resp = a + c
    n_non = b + d
    testable = (n_resp >= min_per_class) & (n_non >= min_per_class)
    out = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "c": c,
            "d": d,
            "probability": prob,
            "p_two_sided": np.where(testable, p2, np.nan),
            "p_one_sided": np.where(testable, p1, np.nan),
        }
    )
    return out.sort_values(["probability", "a", "c"], ascending=[False, False, True]).reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- correlation


#: Most orderings a permutation test of a correlation lists one by one (8! = 40,320).
MAX_EXACT_ORDERINGS: int = 40_320
#: Random orderings of the Monte Carlo permutation test beyond that (fewer for large
#: cohorts: at most :data:`MAX_RESAMPLED_VALUES` values drawn in all, and never below 1,000).
CORRELATION_RESAMPLES: int = 10_000
MAX_RESAMPLED_VALUES: int = 1_000_000


@dataclass(frozen=True)
class CorrelationTest:
    """Result of :func:`correlation_permutation_test` (two-sided)."""

    method: str
    statistic: float
    p_value: float
    exact: bool
    n: int
    n_orderings: int
    n_resamples: int
    mc_se: float


def _pearson_rows(x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    xc = x - x.mean()
    yc = ys - ys.mean(axis=-1, keepdims=True)
    denom = np.sqrt((xc**2).sum()) * np.sqrt((yc**2).sum(axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (yc @ xc) / denom


def correlation_permutation_test(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    method: str = "spearman",
    seed: int = 0,
    n_resamples: int = CORRELATION_RESAMPLES,
) -> CorrelationTest:
    """Two-sided permutation test of a correlation, dichotomising neither measure.

    ``method`` is ``"spearman"`` (Pearson on mid-ranks) or ``"pearson"``. Under the null
    hypothesis every pairing of the x values with the y values is equally likely: with
    n! at most :data:`MAX_EXACT_ORDERINGS` every ordering is listed (exact p); above, the
    p-value is estimated from ``n_resamples`` random orderings drawn with ``seed`` (fewer
    for large n, see :data:`MAX_RESAMPLED_VALUES`; the result says how many),
    ``(1 + hits) / (1 + n_resamples)``, with its Monte Carlo standard error. The p-value
    is the share of orderings with ``|r|`` at least the observed one (tolerance 1e-12).
    """
    if method not in ("spearman", "pearson"):
        raise ValueError(f"method must be spearman or pearson, got {method!r}")
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if method == "spearman":
        xs, ys = stats.rankdata(xs), stats.rankdata(ys)
    n = int(xs.size)
    r_obs = float(_pearson_rows(xs, ys[None, :])[0])
    n_orderings = math.factorial(n)
    if not np.isfinite(r_obs):
        return CorrelationTest(method, r_obs, np.nan, True, n, n_orderings, 0, 0.0)
    if n_orderings <= MAX_EXACT_ORDERINGS:
        perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
        r_all = _pearson_rows(xs, ys[perms])
        p = float(np.mean(np.abs(r_all) >= abs(r_obs) - 1e-12))
        return CorrelationTest(method, r_obs, p, True, n, n_orderings, n_orderings, 0.0)
    n_resamples = min(n_resamples, max(1_000, MAX_RESAMPLED_VALUES // n))
    rng = np.random.default_rng(seed)
    hits, done, chunk = 0, 0, max(1, 4_000_000 // max(n, 1))
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        shuffled = rng.permuted(np.broadcast_to(ys, (size, n)), axis=1)
        hits += int(np.sum(np.abs(_pearson_rows(xs, shuffled)) >= abs(r_obs) - 1e-12))
        done += size
    p = (1 + hits) / (1 + n_resamples)
    return CorrelationTest(
        method,
        r_obs,
        p,
        False,
        n,
        n_orderings,
        n_resamples,
        float(np.sqrt(p * (1 - p) / n_resamples)),
    )
