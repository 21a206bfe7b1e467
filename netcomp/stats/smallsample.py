"""Statistics for very small cohorts: exact tests, p-value spread, multiplicity, power, intervals.

The functions behind the chapter "Statistics for very small cohorts". They all work on one
binary feature (e.g. HRAS overexpression) compared between two groups of fixed size,
``n1`` responders and ``n2`` non-responders, as ``x1/n1 vs x2/n2``. The 2x2 layout is the
book's (:mod:`netcomp.stats.association`)::

                      responder   non-responder
    feature present      x1            x2
    feature absent     n1 - x1       n2 - x2

so ``alternative="greater"`` means "the feature is commoner among responders".

With group sizes fixed, only ``(n1 + 1) * (n2 + 1)`` tables can occur. Every p-value is
therefore computed once per possible table (:func:`p_value_grid`); exact power is a sum
over that grid weighted by two binomial distributions (:func:`rejection_probability`),
and a simulation only draws the two binomial counts and looks the p-values up
(:func:`simulate_p_values`). The simulation is thus an *independent route* to the same
numbers: the two must agree within Monte Carlo error, which the chapter and the tests check.

:func:`plan_power` is the book's one power and sample-size engine: both the biomarker
chapter and the small-cohorts chapter call it with the same :class:`PowerAssumptions` (the
``power_*`` parameters) and show the same :func:`planning_statement`.

A test "rejects" when ``p <= alpha``, decided by the book's one rule
(:func:`netcomp.stats.significance.significant`, with a relative tolerance of 1e-9 so that a
p-value equal to alpha up to rounding counts as equal).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from netcomp.book import params
from netcomp.stats import association
from netcomp.stats.association import fisher_exact_2x2
from netcomp.stats.significance import significant

#: Tests a p-value grid can be computed for.
TESTS: tuple[str, ...] = ("fisher", "chi-square", "chi-square-yates")
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")
#: Columns of ``results/small_cohorts.csv`` (a contract with re-users of the compendium).
RESULT_COLUMNS: tuple[str, ...] = (
    "quantity",
    "test",
    "alternative",
    "alpha",
    "n_responders",
    "n_nonresponders",
    "rate_responders",
    "rate_nonresponders",
    "exact",
    "simulated",
    "mc_se",
    "n_simulations",
    "agrees",
)


# --------------------------------------------------------------------------- checks


def _check_probability(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
    return value


def _check_sizes(n1: int, n2: int) -> tuple[int, int]:
    n1, n2 = int(n1), int(n2)
    if n1 < 1 or n2 < 1:
        raise ValueError(f"both groups need at least one culture, got n1={n1}, n2={n2}")
    return n1, n2


def _check_test(test: str, alternative: str) -> None:
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)}, got {test!r}")
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"alternative must be one of {', '.join(ALTERNATIVES)}, got {alternative!r}"
        )
    if test != "fisher" and alternative != "two-sided":
        raise ValueError(f"the {test} test is two-sided only, got alternative={alternative!r}")


# --------------------------------------------------------------------------- observed table


@dataclass(frozen=True)
class TwoByTwo:
    """A binary feature by class: ``x1`` of ``n1`` responders, ``x2`` of ``n2`` non-responders."""

    x1: int
    n1: int
    x2: int
    n2: int

    def __post_init__(self) -> None:
        if not (0 <= self.x1 <= self.n1 and 0 <= self.x2 <= self.n2):
            raise ValueError(f"impossible counts {self.x1}/{self.n1} vs {self.x2}/{self.n2}")

    @property
    def table(self) -> np.ndarray:
        """``[[x1, x2], [n1 - x1, n2 - x2]]`` (rows: feature present/absent)."""
        return np.array([[self.x1, self.x2], [self.n1 - self.x1, self.n2 - self.x2]])

    @property
    def rate1(self) -> float:
        """Share of responders with the feature."""
        return self.x1 / self.n1

    @property
    def rate2(self) -> float:
        """Share of non-responders with the feature."""
        return self.x2 / self.n2

    @property
    def pooled_rate(self) -> float:
        """Share of all cultures with the feature (the common rate under no effect)."""
        return (self.x1 + self.x2) / (self.n1 + self.n2)

    @property
    def detail(self) -> str:
        return f"{self.x1}/{self.n1} vs {self.x2}/{self.n2}"

    @property
    def has_margins(self) -> bool:
        """Both groups present and the feature neither absent from nor present in every culture."""
        with_feature = self.x1 + self.x2
        return self.n1 > 0 and self.n2 > 0 and 0 < with_feature < self.n1 + self.n2


def feature_counts(responder: pd.Series, fold_change: pd.Series, cutoff: float) -> TwoByTwo:
    """Count cultures with ``fold_change >= cutoff`` among responders and non-responders.

    Both Series are indexed by culture; cultures missing from either, or without a
    measured fold change, are left out.
    """
    common = responder.index.intersection(fold_change.dropna().index)
    resp = responder.loc[common].to_numpy(dtype=bool)
    over = fold_change.loc[common].to_numpy(dtype=float) >= float(cutoff)
    return TwoByTwo(
        x1=int(np.sum(over & resp)),
        n1=int(resp.sum()),
        x2=int(np.sum(over & ~resp)),
        n2=int((~resp).sum()),
    )


def counts_frame(counts: TwoByTwo, feature: str = "HRAS overexpressed") -> pd.DataFrame:
    """The 2x2 table for display: rows feature yes/no/total, columns the two classes and all."""
    t = counts.table
    return pd.DataFrame(
        {
            feature: ["yes", "no", "total"],
            "responders": [int(t[0, 0]), int(t[1, 0]), counts.n1],
            "non-responders": [int(t[0, 1]), int(t[1, 1]), counts.n2],
            "all": [int(t[0].sum()), int(t[1].sum()), counts.n1 + counts.n2],
        }
    )


# --------------------------------------------------------------------------- single tables


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Counts expected in each cell of a 2x2 table if rows and columns were independent."""
    table = np.asarray(table, dtype=float)
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def chi_square_p(
    x1: np.ndarray | int, n1: int, x2: np.ndarray | int, n2: int, yates: bool = False
) -> np.ndarray:
    """Pearson's chi-square p-value (1 df) of many tables ``x1/n1 vs x2/n2`` at once.

    Uses ``N (|ad - bc| - k)^2 / (r1 r2 c1 c2)`` with ``k = N/2`` for Yates' correction
    (clipped at zero, as scipy does) and ``k = 0`` without it. A table with an empty row is
    untestable and gets p = 1.
    """
    x1 = np.asarray(x1, dtype=float)
    x2 = np.asarray(x2, dtype=float)
    a, b, c, d = x1, x2, n1 - x1, n2 - x2
    total = float(n1 + n2)
    r1, r2 = a + b, c + d
    denom = r1 * r2 * float(n1) * float(n2)
    k = total / 2.0 if yates else 0.0
    excess = np.maximum(np.abs(a * d - b * c) - k, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(denom > 0, total * excess**2 / np.where(denom > 0, denom, 1.0), 0.0)
    return np.where(denom > 0, stats.chi2.sf(statistic, df=1), 1.0)


def p_value_grid(
    n1: int, n2: int, test: str = "fisher", alternative: str = "two-sided"
) -> np.ndarray:
    """p-value of every possible table: entry ``[x1, x2]`` is the p of ``x1/n1 vs x2/n2``.

    Fisher p-values come from :func:`fisher_grid` (the values of
    :func:`netcomp.stats.association.fisher_exact_2x2`, computed margin by margin); chi-square
    ones from :func:`chi_square_p`. Grids are cached (power curves and sample-size
    searches reuse them), so the array is read-only.
    """
    n1, n2 = _check_sizes(n1, n2)
    _check_test(test, alternative)
    return _cached_grid(n1, n2, test, alternative)


def fisher_grid(n1: int, n2: int, alternative: str = "two-sided") -> np.ndarray:
    """Fisher p-value of every table ``x1/n1 vs x2/n2``, all margin totals at once.

    Same values as :func:`netcomp.stats.association.fisher_exact_2x2` and scipy (tested), but
    fast for large cohorts (about 0.1 s instead of 3 s for 500 + 500 cultures). Row ``t``
    of a work array holds the tables with ``t`` cultures carrying the feature, where x1 is
    hypergeometric; its probabilities come from one table of log-factorials, summed so
    that tables equally likely by symmetry (mirror tables when ``n1 == n2``) get
    bit-identical values. One-sided p-values are cumulative sums along the row; the
    two-sided one adds every table of the row no more likely than the observed (scipy's
    rule: relative tolerance ``FISHER_GAMMA``, widened to the rounding error of the
    log-factorials; p = 1 at the mode). Tables with an empty row get p = 1.
    """
    return fisher_grids(n1, n2, (alternative,))[alternative]


#: Largest total size whose Fisher grids :func:`fisher_grids` keeps (at most 80 kB a grid): a
#: chapter asks for the same designs again (its exercises, a wider power plan).
CACHED_GRIDS_MAX_N = 200


def fisher_grids(n1: int, n2: int, alternatives: Sequence[str]) -> dict[str, np.ndarray]:
    """:func:`fisher_grid` for several sidednesses, sharing the table probabilities (faster).

    Grids of up to :data:`CACHED_GRIDS_MAX_N` cultures are cached, and then read-only.
    """
    n1, n2 = _check_sizes(n1, n2)
    for alternative in alternatives:
        _check_test("fisher", alternative)
    if n1 + n2 <= CACHED_GRIDS_MAX_N:
        return dict(_cached_fisher_grids(n1, n2, tuple(alternatives)))
    return _fisher_grids(n1, n2, alternatives)


@functools.lru_cache(maxsize=512)
def _cached_fisher_grids(n1: int, n2: int, alternatives: tuple[str, ...]) -> dict[str, np.ndarray]:
    grids = _fisher_grids(n1, n2, alternatives)
    for grid in grids.values():
        grid.setflags(write=False)
    return grids


def _fisher_grids(n1: int, n2: int, alternatives: Sequence[str]) -> dict[str, np.ndarray]:
    """The work of :func:`fisher_grids` (sizes and sidednesses already checked)."""
    total = n1 + n2
    logfact = special.gammaln(np.arange(total + 1, dtype=float) + 1.0)
    tolerance = max(association.FISHER_GAMMA - 1.0, 32 * np.finfo(float).eps * logfact[-1])
    width = min(n1, n2) + 1
    t = np.arange(total + 1)[:, None]
    lo, hi = np.maximum(0, t - n2), np.minimum(t, n1)
    x1 = lo + np.arange(width)[None, :]
    valid = x1 <= hi
    x1 = np.where(valid, x1, lo)
    x2 = t - x1
    # (a + b) + (c + d) with each pair commuting under the symmetries: mirror tables
    # (x1 <-> x2 when n1 == n2, x1 <-> n1 - x1) get bit-identical log-probabilities
    varying = (logfact[x1] + logfact[n1 - x1]) + (logfact[x2] + logfact[n2 - x2])
    shared = logfact[n1] + logfact[n2] + logfact[t] + logfact[total - t] - logfact[total]
    pmf = np.where(valid, np.exp(shared - varying), 0.0)
    inner = valid & (t > 0) & (t < total)
    grids = {}
    for alternative in alternatives:
        if alternative == "greater":  # P(X1 >= x1): the feature commoner among responders
            p = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]
        elif alternative == "less":
            p = np.cumsum(pmf, axis=1)
        else:
            p = _two_sided(pmf, valid, lo, t, n1, total, width, tolerance)
        grid = np.ones((n1 + 1, n2 + 1))
        grid[x1[inner], x2[inner]] = np.minimum(p[inner], 1.0)
        grids[alternative] = grid
    return grids


def _two_sided(
    pmf: np.ndarray,
    valid: np.ndarray,
    lo: np.ndarray,
    t: np.ndarray,
    n1: int,
    total: int,
    width: int,
    tolerance: float,
) -> np.ndarray:
    """Two-sided Fisher p-values of the work array of :func:`fisher_grids` (scipy's rule)."""
    keyed = np.where(valid, pmf, np.inf)
    order = np.argsort(keyed, axis=1, kind="stable")
    ordered = np.take_along_axis(keyed, order, axis=1)
    cumulative = np.cumsum(np.where(np.isfinite(ordered), ordered, 0.0), axis=1)
    # tables within the tolerance of each other form a block of ties: each table's
    # p-value is the cumulative probability up to the end of its block
    last = np.ones(ordered.shape, dtype=bool)
    last[:, :-1] = ordered[:, 1:] > ordered[:, :-1] * (1.0 + tolerance)
    ends = np.where(last, np.arange(width)[None, :], width)
    ends = np.minimum.accumulate(ends[:, ::-1], axis=1)[:, ::-1]
    p = np.empty_like(pmf)
    np.put_along_axis(p, order, np.take_along_axis(cumulative, ends, axis=1), axis=1)
    pmode = np.take_along_axis(pmf, (n1 + 1) * (t + 1) // (total + 2) - lo, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p[np.abs(pmf - pmode) / np.maximum(pmf, pmode) <= tolerance] = 1.0
    return p


@functools.lru_cache(maxsize=512)
def _cached_grid(n1: int, n2: int, test: str, alternative: str) -> np.ndarray:
    if test == "fisher":
        grid = fisher_grid(n1, n2, alternative)
    else:
        x1, x2 = np.meshgrid(np.arange(n1 + 1), np.arange(n2 + 1), indexing="ij")
        grid = chi_square_p(x1, n1, x2, n2, yates=(test == "chi-square-yates"))
    grid = np.asarray(grid, dtype=float)
    grid.setflags(write=False)
    return grid


def tables_with_margins(counts: TwoByTwo) -> pd.DataFrame:
    """Every table with the observed margins, its probability under no effect and its p-values.

    With both margins fixed (``n1``, ``n2`` and the number of cultures with the feature)
    only ``x1`` varies; under no effect it is hypergeometric. Columns: ``x1, x2, label,
    probability_no_effect, min_expected, p_fisher, p_fisher_greater, p_chi_square,
    p_chi_square_yates, observed``.
    """
    n1, n2 = counts.n1, counts.n2
    with_feature = counts.x1 + counts.x2
    x1 = np.arange(max(0, with_feature - n2), min(with_feature, n1) + 1)
    x2 = with_feature - x1
    tables = np.stack([np.stack([x1, x2], axis=1), np.stack([n1 - x1, n2 - x2], axis=1)], axis=1)
    min_expected = np.array([expected_counts(t).min() for t in tables])
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "label": [f"{u}/{n1} vs {v}/{n2}" for u, v in zip(x1, x2, strict=True)],
            "probability_no_effect": stats.hypergeom.pmf(x1, n1 + n2, n1, with_feature),
            "min_expected": min_expected,
            "p_fisher": fisher_exact_2x2(x1, x2, n1 - x1, n2 - x2)[1],
            "p_fisher_greater": fisher_exact_2x2(x1, x2, n1 - x1, n2 - x2, "greater")[1],
            "p_chi_square": chi_square_p(x1, n1, x2, n2),
            "p_chi_square_yates": chi_square_p(x1, n1, x2, n2, yates=True),
            "observed": x1 == counts.x1,
        }
    )


def tables_near_observed(tables: pd.DataFrame, width: int = 7) -> pd.DataFrame:
    """The rows of :func:`tables_with_margins` within ``width`` tables of the observed one.

    A large cohort has hundreds of tables with its margins; a page shows the neighbourhood
    of the observed table (all of them when there are at most ``2 * width + 1``).
    """
    where = int(np.flatnonzero(tables["observed"].to_numpy())[0])
    lo = max(0, min(where - width, len(tables) - (2 * width + 1)))
    return tables.iloc[lo : lo + 2 * width + 1]


def conditional_size(tables: pd.DataFrame, p_column: str, alpha: float) -> float:
    """Probability, under no effect and with the margins fixed, that ``p_column`` rejects."""
    reject = significant(tables[p_column].to_numpy(dtype=float), alpha)
    return float(tables.loc[reject, "probability_no_effect"].sum())


def min_attainable_p(
    n1: int, n2: int, with_feature: Sequence[int] | np.ndarray, alternative: str = "two-sided"
) -> np.ndarray:
    """Smallest Fisher p-value any table can reach when ``with_feature`` cultures carry the feature.

    A feature seen in few cultures cannot give a small p-value whatever its split between
    the classes, so its test can never be significant (Tarone's observation); counting such
    tests inflates a multiple-testing correction for nothing.
    """
    grid = p_value_grid(n1, n2, "fisher", alternative)
    totals = np.asarray(with_feature, dtype=np.int64)
    if np.any((totals < 0) | (totals > n1 + n2)):
        raise ValueError(f"counts with the feature must lie between 0 and {n1 + n2}")
    x1 = np.arange(n1 + 1)[None, :]
    x2 = totals[:, None] - x1
    valid = (x2 >= 0) & (x2 <= n2)
    values = np.where(valid, grid[x1, np.clip(x2, 0, n2)], np.inf)
    return values.min(axis=1)


# --------------------------------------------------------------------------- exact distributions


def binomial_weights(n1: int, n2: int, rate1: float, rate2: float) -> np.ndarray:
    """Probability of each table ``[x1, x2]`` when x1 ~ Bin(n1, rate1), x2 ~ Bin(n2, rate2)."""
    n1, n2 = _check_sizes(n1, n2)
    rate1 = _check_probability("rate1", rate1)
    rate2 = _check_probability("rate2", rate2)
    return np.outer(_binomial_pmf(n1, rate1), _binomial_pmf(n2, rate2))


@functools.lru_cache(maxsize=4096)
def _binomial_pmf(n: int, rate: float) -> np.ndarray:
    """P(X = 0..n) for X ~ Bin(n, rate), cached: power curves ask for the same ones often."""
    pmf = stats.binom.pmf(np.arange(n + 1), n, rate)
    pmf.setflags(write=False)
    return pmf


def rejection_probability(
    n1: int,
    n2: int,
    rate1: float,
    rate2: float,
    alpha: float = 0.05,
    test: str = "fisher",
    alternative: str = "two-sided",
) -> float:
    """Exact probability that the test gives ``p <= alpha``: power, or size when rate1 == rate2.

    The sum over all tables of P(x1) P(x2) 1[p(x1, x2) <= alpha], the two counts being
    independent binomials (groups of fixed size ``n1``, ``n2``).
    """
    grid = p_value_grid(n1, n2, test, alternative)
    n1, n2 = _check_sizes(n1, n2)
    rate1 = _check_probability("rate1", rate1)
    rate2 = _check_probability("rate2", rate2)
    reject = significant(grid, alpha).astype(float)
    total = _binomial_pmf(n1, rate1) @ reject @ _binomial_pmf(n2, rate2)
    return float(np.clip(total, 0.0, 1.0))


def p_value_distribution(
    n1: int,
    n2: int,
    rate1: float,
    rate2: float,
    test: str = "fisher",
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Exact distribution of the p-value: each value it can take and its probability.

    Columns ``p_value, probability, cumulative`` (``cumulative`` = P(p <= p_value)),
    sorted by p-value; values equal to 12 decimals are merged.
    """
    grid = p_value_grid(n1, n2, test, alternative)
    weights = binomial_weights(n1, n2, rate1, rate2)
    table = pd.DataFrame({"p_value": np.round(grid.ravel(), 12), "probability": weights.ravel()})
    dist = table.groupby("p_value", as_index=False)["probability"].sum()
    dist = dist[dist["probability"] > 0].sort_values("p_value").reset_index(drop=True)
    dist["cumulative"] = np.minimum(dist["probability"].cumsum(), 1.0)
    return dist


# --------------------------------------------------------------------------- simulation


def simulate_counts(
    n1: int, n2: int, rate1: float, rate2: float, n_simulations: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_simulations`` studies: counts x1 ~ Bin(n1, rate1) and x2 ~ Bin(n2, rate2)."""
    n1, n2 = _check_sizes(n1, n2)
    if int(n_simulations) < 1:
        raise ValueError(f"n_simulations must be at least 1, got {n_simulations!r}")
    x1 = rng.binomial(n1, _check_probability("rate1", rate1), size=int(n_simulations))
    x2 = rng.binomial(n2, _check_probability("rate2", rate2), size=int(n_simulations))
    return x1, x2


def simulate_p_values(
    n1: int,
    n2: int,
    rate1: float,
    rate2: float,
    n_simulations: int,
    rng: np.random.Generator,
    test: str = "fisher",
    alternative: str = "two-sided",
) -> np.ndarray:
    """p-values of ``n_simulations`` simulated studies (draw counts, look the p-value up)."""
    grid = p_value_grid(n1, n2, test, alternative)
    x1, x2 = simulate_counts(n1, n2, rate1, rate2, n_simulations, rng)
    return grid[x1, x2]


def monte_carlo_se(probability: float, n_simulations: int) -> float:
    """Standard error of a proportion estimated from ``n_simulations`` independent draws."""
    p = float(probability)
    return float(np.sqrt(max(p * (1.0 - p), 0.0) / int(n_simulations)))


@dataclass(frozen=True)
class PowerCheck:
    """A rejection probability computed exactly and by simulation, with its design."""

    quantity: str
    test: str
    alternative: str
    alpha: float
    n_responders: int
    n_nonresponders: int
    rate_responders: float
    rate_nonresponders: float
    exact: float
    simulated: float
    mc_se: float
    n_simulations: int

    @property
    def agrees(self) -> bool:
        """Whether simulation and exact value differ by at most 4 Monte Carlo standard errors."""
        se = monte_carlo_se(self.exact, self.n_simulations)
        return bool(abs(self.simulated - self.exact) <= 4.0 * se + 1e-12)

    def as_row(self) -> dict[str, object]:
        return {**asdict(self), "agrees": self.agrees}


@dataclass(frozen=True)
class _MeanCheck(PowerCheck):
    """A mean (not a proportion): agreement is judged with the sample standard error."""

    @property
    def agrees(self) -> bool:
        return bool(abs(self.simulated - self.exact) <= 4.0 * self.mc_se + 1e-12)


def check_power(
    quantity: str,
    n1: int,
    n2: int,
    rate1: float,
    rate2: float,
    alpha: float,
    n_simulations: int,
    rng: np.random.Generator,
    test: str = "fisher",
    alternative: str = "two-sided",
) -> PowerCheck:
    """P(p <= alpha) exactly (:func:`rejection_probability`) and by simulation, side by side."""
    p = simulate_p_values(n1, n2, rate1, rate2, n_simulations, rng, test, alternative)
    return check_from_p_values(quantity, p, n1, n2, rate1, rate2, alpha, test, alternative)


def check_from_p_values(
    quantity: str,
    p_values: np.ndarray,
    n1: int,
    n2: int,
    rate1: float,
    rate2: float,
    alpha: float,
    test: str = "fisher",
    alternative: str = "two-sided",
) -> PowerCheck:
    """Like :func:`check_power`, from p-values already simulated with this design."""
    exact = rejection_probability(n1, n2, rate1, rate2, alpha, test, alternative)
    p_values = np.asarray(p_values, dtype=float)
    simulated = float(np.mean(significant(p_values, alpha)))
    return PowerCheck(
        quantity=quantity,
        test=test,
        alternative=alternative,
        alpha=float(alpha),
        n_responders=int(n1),
        n_nonresponders=int(n2),
        rate_responders=float(rate1),
        rate_nonresponders=float(rate2),
        exact=exact,
        simulated=simulated,
        mc_se=monte_carlo_se(simulated, p_values.size),
        n_simulations=int(p_values.size),
    )


def checks_table(checks: Iterable[PowerCheck]) -> pd.DataFrame:
    """The checks as a table with :data:`RESULT_COLUMNS` (the chapter's results file)."""
    return pd.DataFrame([c.as_row() for c in checks], columns=list(RESULT_COLUMNS))


def simulated_p_value_table(p_values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long table ``scenario, simulation, p_value`` of simulated p-values (for plots and files)."""
    frames = [
        pd.DataFrame({"scenario": name, "simulation": np.arange(1, len(p) + 1), "p_value": p})
        for name, p in p_values.items()
    ]
    return pd.concat(frames, ignore_index=True)


def p_value_scenarios(
    n1: int,
    n2: int,
    scenarios: Mapping[str, tuple[float, float]],
    n_simulations: int,
    rng: np.random.Generator,
    alternative: str = "two-sided",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated and exact p-value distributions of Fisher's test for several assumed effects.

    ``scenarios`` maps a name to ``(rate_responders, rate_nonresponders)``. Returns
    ``(simulated, exact)``: a :func:`simulated_p_value_table` and the
    :func:`p_value_distribution` of each scenario, both with a ``scenario`` column.
    """
    simulated = {
        name: simulate_p_values(n1, n2, r1, r2, n_simulations, rng, "fisher", alternative)
        for name, (r1, r2) in scenarios.items()
    }
    exact = pd.concat(
        [
            p_value_distribution(n1, n2, r1, r2, "fisher", alternative).assign(scenario=name)
            for name, (r1, r2) in scenarios.items()
        ],
        ignore_index=True,
    )
    return simulated_p_value_table(simulated), exact[
        ["scenario", "p_value", "probability", "cumulative"]
    ]


# --------------------------------------------------------------------------- multiple testing


@dataclass(frozen=True)
class NullScreen:
    """Exact false-positive numbers of a screen of independent features with no true effect."""

    n_features: int
    alpha: float
    size_per_feature: np.ndarray
    expected_false_positives: float
    fwer: float


def _rejection_from(reject: np.ndarray, n1: int, n2: int, rate1: float, rate2: float) -> float:
    """Sum of binomial table probabilities over a precomputed rejection grid."""
    return float(np.clip(binomial_weights(n1, n2, rate1, rate2)[reject].sum(), 0.0, 1.0))


def null_screen_exact(
    n1: int,
    n2: int,
    prevalence: Sequence[float] | np.ndarray,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> NullScreen:
    """Expected number of features with ``p <= alpha`` and the family-wise error rate.

    Each feature j is present with probability ``prevalence[j]`` in every culture,
    whatever its class (no effect), independently of the others. Its chance of a false
    positive is the exact size of Fisher's test at that prevalence; the expected count is
    the sum of these sizes and the FWER is ``1 - prod(1 - size_j)``.
    """
    rates = np.asarray(prevalence, dtype=float)
    if rates.ndim != 1 or rates.size == 0:
        raise ValueError("prevalence must be a non-empty list of probabilities")
    grid = p_value_grid(n1, n2, "fisher", alternative)
    reject = significant(grid, alpha)
    unique, inverse = np.unique(rates, return_inverse=True)
    sizes = np.array([_rejection_from(reject, n1, n2, r, r) for r in unique])[inverse]
    return NullScreen(
        n_features=int(rates.size),
        alpha=float(alpha),
        size_per_feature=sizes,
        expected_false_positives=float(sizes.sum()),
        fwer=float(1.0 - np.prod(1.0 - sizes)),
    )


def simulate_null_screen(
    n1: int,
    n2: int,
    prevalence: Sequence[float] | np.ndarray,
    n_simulations: int,
    rng: np.random.Generator,
    alpha: float = 0.05,
    fdr: float = 0.10,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Simulate screens of features with no true effect; count what each procedure calls.

    One row per simulated study: ``simulation``, ``unadjusted`` (features with
    ``p <= alpha``), ``bonferroni`` (``p <= alpha / m``) and ``benjamini_hochberg``
    (features kept by statsmodels' ``fdr_bh`` at level ``fdr``). Every call is a false
    positive, since no feature has an effect.
    """
    rates = np.asarray(prevalence, dtype=float)
    m = rates.size
    grid = p_value_grid(n1, n2, "fisher", alternative)
    n_sim = int(n_simulations)
    x1 = rng.binomial(int(n1), np.broadcast_to(rates, (n_sim, m)))
    x2 = rng.binomial(int(n2), np.broadcast_to(rates, (n_sim, m)))
    p = grid[x1, x2]
    bh = np.array([multipletests(row, alpha=fdr, method="fdr_bh")[0].sum() for row in p])
    return pd.DataFrame(
        {
            "simulation": np.arange(1, n_sim + 1),
            "unadjusted": significant(p, alpha).sum(axis=1),
            "bonferroni": significant(p, alpha / m).sum(axis=1),
            "benjamini_hochberg": bh.astype(np.int64),
        }
    )


def null_screen_checks(
    exact: NullScreen, simulated: pd.DataFrame, n1: int, n2: int, rate: float
) -> list[PowerCheck]:
    """FWER and expected false positives: exact vs simulated (for the results table).

    The Monte Carlo error of the mean count is its sample SD over sqrt(n_simulations);
    ``agrees`` for the mean uses that error (stored as ``mc_se``).
    """
    n_sim = len(simulated)
    counts = simulated["unadjusted"].to_numpy(dtype=float)
    fwer_sim = float(np.mean(counts > 0))
    fwer = PowerCheck(
        quantity=f"family-wise error rate, {exact.n_features} features, no effect",
        test="fisher",
        alternative="two-sided",
        alpha=exact.alpha,
        n_responders=int(n1),
        n_nonresponders=int(n2),
        rate_responders=float(rate),
        rate_nonresponders=float(rate),
        exact=exact.fwer,
        simulated=fwer_sim,
        mc_se=monte_carlo_se(fwer_sim, n_sim),
        n_simulations=n_sim,
    )
    # the same design, a mean instead of a proportion
    mean = _MeanCheck(
        **{
            **asdict(fwer),
            "quantity": f"expected false positives, {exact.n_features} features, no effect",
            "exact": exact.expected_false_positives,
            "simulated": float(counts.mean()),
            "mc_se": float(counts.std(ddof=1) / np.sqrt(n_sim)) if n_sim > 1 else float("nan"),
        }
    )
    return [fwer, mean]


def call_distribution(simulated: pd.DataFrame) -> pd.DataFrame:
    """Share of simulated studies with k features called, for each procedure (long table).

    Columns ``procedure, n_called, share`` with ``share`` in [0, 1]; every k from 0 to the
    largest count observed is listed for every procedure.
    """
    procedures = ["unadjusted", "bonferroni", "benjamini_hochberg"]
    top = int(simulated[procedures].to_numpy().max())
    rows = []
    for proc in procedures:
        counts = np.bincount(simulated[proc].to_numpy(dtype=np.int64), minlength=top + 1)
        share = counts / counts.sum()
        rows.append(
            pd.DataFrame({"procedure": proc, "n_called": np.arange(top + 1), "share": share})
        )
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- power and sample size
#
# One engine for every power and sample-size number of the book (the biomarker chapter and
# the small-cohorts chapter both call :func:`plan_power`): exact enumeration of every table,
# for every cohort size (not a grid), under one named set of assumptions.

#: Names of the assumed effects (scenarios) of the power plan.
PLANNING = "planning effect"
CAUTIOUS = "cautious effect"
FACE_VALUE = "observed at face value"
#: How each sidedness is described wherever power is reported.
SIDEDNESS: dict[str, str] = {
    "greater": "one-sided Fisher (alternative: the feature is commoner among responders)",
    "two-sided": "two-sided Fisher (p sums every table no more likely than the observed one, "
    "scipy's convention)",
}
SHORT_SIDE: dict[str, str] = {"greater": "one-sided", "two-sided": "two-sided", "less": "one-sided"}


@dataclass(frozen=True)
class PowerAssumptions:
    """The book's one set of power assumptions (``power_*``, ``alpha``, ``target_power``).

    ``rate_*`` is the planning effect: the true share of responders and of non-responders
    with the feature; ``cautious_rate_*`` a smaller effect. A planned study samples
    ``responder_share`` responders among its cultures (0.5: responder-balanced, responders
    and non-responders recruited in equal numbers); sizes are searched for every total from
    2 to ``max_n`` cultures.
    """

    rate_responders: float
    rate_nonresponders: float
    cautious_rate_responders: float
    cautious_rate_nonresponders: float
    responder_share: float
    alpha: float
    target: float
    max_n: int

    def __post_init__(self) -> None:
        for name in (
            "rate_responders",
            "rate_nonresponders",
            "cautious_rate_responders",
            "cautious_rate_nonresponders",
        ):
            _check_probability(name, getattr(self, name))
        if not 0 < self.responder_share < 1:
            raise ValueError(
                f"responder_share must lie strictly between 0 and 1, got {self.responder_share!r}"
            )
        if not 0 < self.target < 1 or not 0 < self.alpha < 1:
            raise ValueError("alpha and the target power must lie strictly between 0 and 1")
        if int(self.max_n) < 2:
            raise ValueError(f"max_n must be at least 2, got {self.max_n!r}")

    @classmethod
    def from_params(cls, p: Mapping[str, Any]) -> PowerAssumptions:
        """The assumptions set by book parameters (see :mod:`netcomp.book.params`)."""
        return cls(
            rate_responders=float(p["power_rate_responders"]),
            rate_nonresponders=float(p["power_rate_nonresponders"]),
            cautious_rate_responders=float(p["power_cautious_rate_responders"]),
            cautious_rate_nonresponders=float(p["power_cautious_rate_nonresponders"]),
            responder_share=float(p["power_responder_share"]),
            alpha=float(p["alpha"]),
            target=float(p["target_power"]),
            max_n=int(p["power_max_n"]),
        )

    def follows_published(self) -> bool:
        """Whether the planning shares are the defaults, taken from the published study."""
        d = params.defaults()
        return (
            self.rate_responders == d["power_rate_responders"]
            and self.rate_nonresponders == d["power_rate_nonresponders"]
        )

    def scenarios(self) -> dict[str, tuple[float, float]]:
        """``{name: (rate_responders, rate_nonresponders)}`` of planning and cautious effects."""
        return {
            PLANNING: (self.rate_responders, self.rate_nonresponders),
            CAUTIOUS: (self.cautious_rate_responders, self.cautious_rate_nonresponders),
        }


def design(n_total: int, responder_share: float) -> tuple[int, int]:
    """Responders and non-responders of a planned study of ``n_total`` cultures.

    ``round(share * n_total)`` responders (halves rounded up), at least one culture in each
    class: with share 0.5, 11 cultures are 6 responders and 5 non-responders.
    """
    n_total = int(n_total)
    if n_total < 2:
        raise ValueError(f"a study needs at least 2 cultures, got {n_total}")
    n1 = int(math.floor(float(responder_share) * n_total + 0.5))
    n1 = min(max(n1, 1), n_total - 1)
    return n1, n_total - n1


def power_by_size(
    sizes: Iterable[int],
    scenarios: Mapping[str, tuple[float, float]],
    responder_share: float,
    alphas: Sequence[float] = (0.05,),
    alternatives: Sequence[str] = ("greater", "two-sided"),
) -> pd.DataFrame:
    """Exact power of Fisher's test for every total size, scenario, level and sidedness.

    Each size is split by :func:`design`; the p-value grid of that design is computed once
    (cached up to :data:`CACHED_GRIDS_MAX_N` cultures: a 600-culture grid takes megabytes)
    and its rejection region weighted by the two binomial distributions of each scenario.
    Columns ``scenario, alternative, alpha, n_total, n_responders, n_nonresponders, power``.
    """
    rows = []
    for n_total in sorted({int(n) for n in sizes}):
        n1, n2 = design(n_total, responder_share)
        grids = fisher_grids(n1, n2, alternatives)
        for alternative in alternatives:
            grid = grids[alternative]
            for alpha in alphas:
                reject = significant(grid, float(alpha)).astype(float)
                for name, (rate1, rate2) in scenarios.items():
                    power = (
                        _binomial_pmf(n1, _check_probability("rate1", rate1))
                        @ reject
                        @ _binomial_pmf(n2, _check_probability("rate2", rate2))
                    )
                    rows.append(
                        (
                            name,
                            alternative,
                            float(alpha),
                            n_total,
                            n1,
                            n2,
                            float(np.clip(power, 0.0, 1.0)),
                        )
                    )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "alternative",
            "alpha",
            "n_total",
            "n_responders",
            "n_nonresponders",
            "power",
        ],
    )


def sample_sizes(curve: pd.DataFrame, target: float) -> pd.DataFrame:
    """Smallest total size reaching ``target`` power, per scenario, sidedness and level.

    Fisher's test is discrete, so power zig-zags with n and can dip below the target again
    after first reaching it: ``n_first`` is the first size at or above the target,
    ``n_stable`` the size from which power stays there up to the largest size searched.
    Both are missing (``<NA>``) when not reached. Columns ``scenario, alternative, alpha,
    rate_responders, rate_nonresponders`` (when ``curve`` has them), ``n_first,
    n_responders, n_nonresponders, power, n_stable, max_n``.
    """
    rows = []
    for (scenario, alternative, _), group in curve.groupby(
        ["scenario", "alternative", "alpha"], sort=False
    ):
        sub = group.sort_values("n_total")
        alpha = float(sub["alpha"].iloc[0])
        ok = sub["power"].to_numpy() >= target
        row: dict[str, Any] = {
            "scenario": scenario,
            "alternative": alternative,
            "alpha": alpha,
            "n_first": None,
            "n_responders": None,
            "n_nonresponders": None,
            "power": None,
            "n_stable": None,
            "max_n": int(sub["n_total"].max()),
        }
        if ok.any():
            first = sub.iloc[int(np.argmax(ok))]
            row.update(
                n_first=int(first["n_total"]),
                n_responders=int(first["n_responders"]),
                n_nonresponders=int(first["n_nonresponders"]),
                power=float(first["power"]),
            )
            if ok[-1]:
                fails = np.nonzero(~ok)[0]
                row["n_stable"] = int(
                    sub["n_total"].iloc[0 if fails.size == 0 else int(fails[-1]) + 1]
                )
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in ("n_first", "n_responders", "n_nonresponders", "n_stable"):
        table[col] = table[col].astype("Int64")
    table["power"] = table["power"].astype("Float64")
    return table


@dataclass(frozen=True)
class PowerPlan:
    """Exact power curves, sample sizes and the power of one cohort's design.

    All under one set of assumptions.
    """

    assumptions: PowerAssumptions
    curve: pd.DataFrame
    sizes: pd.DataFrame
    cohort: tuple[int, int] | None
    cohort_power: dict[str, float]

    def needed(
        self, scenario: str = PLANNING, alternative: str = "two-sided", alpha: float | None = None
    ) -> tuple[int | None, int | None]:
        """``(n_first, n_stable)`` total cultures for a scenario, sidedness and level."""
        alpha = self.assumptions.alpha if alpha is None else float(alpha)
        row = self.sizes[
            (self.sizes["scenario"] == scenario)
            & (self.sizes["alternative"] == alternative)
            & np.isclose(self.sizes["alpha"], alpha)
        ]
        if row.empty:
            raise KeyError(f"no sample size for {scenario}, {alternative}, alpha {alpha:g}")
        first, stable = row["n_first"].iloc[0], row["n_stable"].iloc[0]
        return (None if pd.isna(first) else int(first), None if pd.isna(stable) else int(stable))


def plan_power(
    assumptions: PowerAssumptions,
    cohort: tuple[int, int] | None = None,
    extra_scenarios: Mapping[str, tuple[float, float]] | None = None,
    extra_alphas: Sequence[float] = (),
    alternatives: Sequence[str] = ("greater", "two-sided"),
) -> PowerPlan:
    """The book's power engine: exact curves for every total size from 2 to ``max_n``.

    ``cohort`` = (responders, non-responders) of the data at hand: its own power under the
    planning effect is computed at exactly that design. ``extra_scenarios`` and
    ``extra_alphas`` add effects and levels to the curves (e.g. the observed shares, or an
    exercise at alpha = 0.01).
    """
    a = assumptions
    scenarios = {**a.scenarios(), **(extra_scenarios or {})}
    alphas = list(dict.fromkeys([a.alpha, *map(float, extra_alphas)]))
    curve = power_by_size(range(2, a.max_n + 1), scenarios, a.responder_share, alphas, alternatives)
    sizes = sample_sizes(curve, a.target)
    rates = sizes["scenario"].map({k: v[0] for k, v in scenarios.items()})
    sizes.insert(3, "rate_responders", rates.astype(float))
    sizes.insert(
        4,
        "rate_nonresponders",
        sizes["scenario"].map({k: v[1] for k, v in scenarios.items()}).astype(float),
    )
    cohort_power: dict[str, float] = {}
    if cohort is not None and min(cohort) >= 1:
        cohort = (int(cohort[0]), int(cohort[1]))
        for alternative in alternatives:
            cohort_power[alternative] = rejection_probability(
                cohort[0],
                cohort[1],
                a.rate_responders,
                a.rate_nonresponders,
                a.alpha,
                "fisher",
                alternative,
            )
    else:
        cohort = None
    return PowerPlan(a, curve, sizes, cohort, cohort_power)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def assumptions_sentence(
    a: PowerAssumptions, feature: str = "the feature", published: bool = False
) -> str:
    """The named assumptions in words (the same text in every chapter that reports power).

    ``published`` (when the shares are the defaults) adds where they come from: the
    published 4 of 6 responders, and 10% rather than the published 0 of 5 non-responders.
    """
    upper = float(stats.beta.ppf(0.975, 1, 5))  # Clopper-Pearson upper end for 0 of 5
    source = (
        " (these defaults follow the published study: its 4 of 6 responders; for "
        "non-responders 10% rather than its 0 of 5, because a true share of exactly 0 "
        f"is implausible: 0 of 5 is compatible with a true share up to {_pct(upper)}, "
        "the upper end of its exact 95% Clopper-Pearson interval)"
        if published
        else ""
    )
    share = (
        "responder-balanced: responders and non-responders recruited in equal numbers"
        if a.responder_share == 0.5
        else f"{_pct(a.responder_share)} responders, set by power_responder_share"
    )
    return (
        f"{feature} in {_pct(a.rate_responders)} of responders and "
        f"{_pct(a.rate_nonresponders)} of non-responders{source}; Fisher's exact test at "
        f"alpha = {a.alpha:g}, a result counting as significant when p ≤ alpha; planned "
        f"studies {share}; power computed exactly, by enumerating every possible table, "
        f"for every size from 2 to {a.max_n} cultures"
    )


def _needs(plan: PowerPlan, scenario: str, alternative: str) -> str:
    first, stable = plan.needed(scenario, alternative)
    side = SHORT_SIDE[alternative]
    if first is None:
        return f"more than {plan.assumptions.max_n} cultures {side}"
    n1, n2 = design(first, plan.assumptions.responder_share)
    text = f"{first} cultures {side} ({n1} responders and {n2} non-responders"
    if stable is None:
        return text + (
            f"; power dips below the target again within the {plan.assumptions.max_n} searched)"
        )
    if stable != first:
        return text + f"; power stays at or above the target from {stable} cultures on)"
    return text + ")"


def planning_statement(plan: PowerPlan, feature: str = "the feature") -> str:
    """The one reconciled power statement both chapters show, computed from ``plan``.

    It gives the power of the data's own design under the planning effect (when the data
    have both classes) and the total size a planned study needs, one-sided and two-sided.
    """
    a = plan.assumptions
    target = f"{100 * a.target:g}%"
    parts = []
    if plan.cohort is not None:
        n1, n2 = plan.cohort
        one, two = plan.cohort_power.get("greater"), plan.cohort_power.get("two-sided")
        powers = " and ".join(
            f"{_pct(v)} {side}"
            for v, side in ((one, "one-sided"), (two, "two-sided"))
            if v is not None
        )
        parts.append(
            f"Under the planning effect, a study with this cohort's design ({n1} "
            f"responder{'s' if n1 != 1 else ''} and {n2} non-responder"
            f"{'s' if n2 != 1 else ''}) would reach p ≤ {a.alpha:g} with probability "
            f"{powers}."
        )
        if two is not None and two < 0.5:
            parts.append(
                "Even if the effect were real and this large, a study of this size "
                "would miss it more often than not."
            )
    balanced = (
        "a responder-balanced study"
        if a.responder_share == 0.5
        else f"a study with {_pct(a.responder_share)} responders"
    )
    parts.append(
        f"For {target} power, {balanced} needs {_needs(plan, PLANNING, 'greater')}, "
        f"or {_needs(plan, PLANNING, 'two-sided')}; under the cautious effect "
        f"({feature} in {_pct(a.cautious_rate_responders)} of responders and "
        f"{_pct(a.cautious_rate_nonresponders)} of non-responders) it needs "
        f"{_needs(plan, CAUTIOUS, 'greater')}, or {_needs(plan, CAUTIOUS, 'two-sided')}."
    )
    return " ".join(parts)


def power_checks(
    plan: PowerPlan,
    every: int,
    n_simulations: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Simulated power at every ``every``-th total size of the plan's curve (level alpha).

    The independent route to the exact curve: draw the two binomial counts, look the
    p-value up. Columns ``scenario, alternative, n_total, exact, simulated, mc_se, agrees``.
    """
    a = plan.assumptions
    curve = plan.curve[
        np.isclose(plan.curve["alpha"], a.alpha) & (plan.curve["n_total"] % int(every) == 0)
    ]
    rows = []
    for row in curve.to_dict("records"):
        rate1, rate2 = _scenario_rates(plan, row["scenario"])
        check = check_power(
            "power",
            row["n_responders"],
            row["n_nonresponders"],
            rate1,
            rate2,
            a.alpha,
            n_simulations,
            rng,
            "fisher",
            row["alternative"],
        )
        rows.append(
            (
                row["scenario"],
                row["alternative"],
                int(row["n_total"]),
                check.exact,
                check.simulated,
                check.mc_se,
                check.agrees,
            )
        )
    return pd.DataFrame(
        rows,
        columns=["scenario", "alternative", "n_total", "exact", "simulated", "mc_se", "agrees"],
    )


def _scenario_rates(plan: PowerPlan, scenario: str) -> tuple[float, float]:
    row = plan.sizes[plan.sizes["scenario"] == scenario].iloc[0]
    return float(row["rate_responders"]), float(row["rate_nonresponders"])


def sample_size_checks(
    plan: PowerPlan, n_simulations: int, rng: np.random.Generator, alpha: float | None = None
) -> list[PowerCheck]:
    """Simulated power at each sample size the plan reached (level ``alpha``, default: plan's)."""
    alpha = plan.assumptions.alpha if alpha is None else float(alpha)
    checks = []
    reached = plan.sizes[np.isclose(plan.sizes["alpha"], alpha)].dropna(subset=["n_first"])
    for row in reached.to_dict("records"):
        checks.append(
            check_power(
                f"power at the smallest total size reaching the target ({row['scenario']}, "
                f"{SHORT_SIDE[row['alternative']]})",
                int(row["n_responders"]),
                int(row["n_nonresponders"]),
                row["rate_responders"],
                row["rate_nonresponders"],
                alpha,
                n_simulations,
                rng,
                "fisher",
                row["alternative"],
            )
        )
    return checks


# --------------------------------------------------------------------------- effect sizes


@dataclass(frozen=True)
class Interval:
    """An effect estimate with its confidence interval and how it was computed."""

    measure: str
    estimate: float
    low: float
    high: float
    confidence: float
    method: str


def risk_difference(counts: TwoByTwo, confidence: float = 0.95) -> Interval:
    """Difference in the share with the feature (responders minus non-responders), Newcombe CI.

    Newcombe's hybrid score interval (his method 10, built from two Wilson intervals) stays
    inside [-1, 1] and behaves well with zero counts, unlike the Wald interval.
    """
    low, high = confint_proportions_2indep(
        counts.x1,
        counts.n1,
        counts.x2,
        counts.n2,
        method="newcomb",
        compare="diff",
        alpha=1.0 - confidence,
    )
    return Interval(
        "risk difference",
        counts.rate1 - counts.rate2,
        float(low),
        float(high),
        float(confidence),
        "Newcombe hybrid score (Wilson)",
    )


def exact_odds_ratio(counts: TwoByTwo, confidence: float = 0.95) -> Interval:
    """The conditional odds ratio with its exact interval, as a row of the effect-size table.

    The numbers are :func:`netcomp.stats.association.conditional_odds_ratio`'s (the book's one
    implementation: conditional maximum likelihood and the exact interval, scipy). With a
    zero cell the estimate is infinite (or 0) and so is one end of the interval: the exact
    interval collects every odds ratio the data do not reject, and no odds ratio is too large
    to be compatible with a table in which the feature never occurs in one group. When a
    margin of the table is zero (no culture in a group, or the feature in every culture or in
    none) the odds ratio is undefined: NaN, with the interval 0 to infinity.
    """
    if not counts.has_margins:
        return Interval(
            "odds ratio (conditional)",
            math.nan,
            0.0,
            math.inf,
            float(confidence),
            "undefined: a margin of the table is zero",
        )
    ci = association.conditional_odds_ratio(counts.table, confidence)
    return Interval(
        "odds ratio (conditional)",
        ci.estimate,
        ci.low,
        ci.high,
        float(confidence),
        "exact (conditional, Fisher)",
    )


def haldane_odds_ratio(counts: TwoByTwo, confidence: float = 0.95) -> Interval:
    """Odds ratio after adding 0.5 to every cell (Haldane-Anscombe), with a Woolf (log) interval.

    Shown as a contrast: it is always finite, but its value depends on the arbitrary 0.5.
    """
    a, b, c, d = (v + 0.5 for v in counts.table.ravel())
    log_or = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = stats.norm.ppf(0.5 + confidence / 2)
    return Interval(
        "odds ratio (0.5 added)",
        float(np.exp(log_or)),
        float(np.exp(log_or - z * se)),
        float(np.exp(log_or + z * se)),
        float(confidence),
        "Haldane-Anscombe, Woolf",
    )


def effect_intervals(
    counts: TwoByTwo, confidence: float = 0.95
) -> tuple[Interval, Interval, Interval]:
    """Risk difference, exact odds ratio and Haldane-Anscombe odds ratio of ``counts``."""
    return (
        risk_difference(counts, confidence),
        exact_odds_ratio(counts, confidence),
        haldane_odds_ratio(counts, confidence),
    )


def intervals_table(intervals: Iterable[Interval]) -> pd.DataFrame:
    """One row per interval: columns ``measure, estimate, low, high, confidence, method``."""
    return pd.DataFrame([asdict(r) for r in intervals])


def effect_sizes(counts: TwoByTwo, confidence: float = 0.95) -> pd.DataFrame:
    """Risk difference and odds ratios of ``counts`` with their intervals, one row each.

    :func:`effect_intervals` as a table (:func:`intervals_table`).
    """
    return intervals_table(effect_intervals(counts, confidence))


def tail_probability_at_odds_ratio(counts: TwoByTwo, odds_ratio: float) -> float:
    """P(X >= x1) for the first cell given the margins, if the true odds ratio were ``odds_ratio``.

    Fisher's noncentral hypergeometric distribution. At the lower end of the exact
    interval this equals (1 - confidence) / 2: that is what defines the bound.
    """
    total = counts.n1 + counts.n2
    with_feature = counts.x1 + counts.x2
    dist = stats.nchypergeom_fisher(total, counts.n1, with_feature, float(odds_ratio))
    return float(dist.sf(counts.x1 - 1))


def smallest_p_value(n1: int, n2: int, alternative: str = "two-sided") -> float:
    """Smallest Fisher p-value any table of ``n1`` and ``n2`` cultures can give."""
    return float(p_value_grid(n1, n2, "fisher", alternative).min())


def bh_minimum_calls(smallest_p: float, n_tests: int, fdr: float) -> int:
    """Fewest features that must reach ``smallest_p`` together for Benjamini-Hochberg to call any.

    BH calls the k smallest p-values when the k-th is at most ``k * fdr / n_tests``; if no
    p-value can go below ``smallest_p``, that needs ``k >= smallest_p * n_tests / fdr``.
    """
    return max(1, int(np.ceil(smallest_p * n_tests / fdr - 1e-12)))


def bonferroni_reach_sentence(smallest_p: float, n_tests: int, alpha: float) -> str:
    """Say whether any table can pass a Bonferroni correction over ``n_tests`` tests."""
    level = alpha / n_tests
    shown = f"{smallest_p:.4f}" if smallest_p >= 0.001 else f"{smallest_p:.2g}"
    if not significant(smallest_p, level):
        return (
            f"is below the smallest p-value any table of this size can give "
            f"({shown}), so Bonferroni can never call a feature here, whatever the data"
        )
    return f"can be reached, since the most extreme tables give p-values down to {shown}"


def min_carriers_for_significance(
    n1: int, n2: int, alpha: float = 0.05, alternative: str = "two-sided"
) -> int | None:
    """Fewest cultures that must carry a feature before any split of them gives ``p <= alpha``.

    None when no number of carriers can (groups too small for the level).
    """
    best = min_attainable_p(n1, n2, np.arange(n1 + n2 + 1), alternative)
    reachable = np.nonzero(significant(best, alpha))[0]
    return int(reachable[0]) if reachable.size else None
