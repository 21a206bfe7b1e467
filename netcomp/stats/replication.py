"""Statistics of replication: a new cohort's 2x2 table set against a published one.

Every table here has the layout of :class:`netcomp.stats.smallsample.TwoByTwo`: ``x1`` of ``n1``
responders and ``x2`` of ``n2`` non-responders carry the feature, so an odds ratio above 1
means the feature goes with response. The functions answer, for a published table (the
"original") and the cohort's (the "replication"):

* :func:`side_by_side` - each table's exact conditional odds ratio and the risk difference,
  with their intervals;
* :func:`mantel_haenszel`, :func:`exact_stratified` and :func:`zelen_exact` - the studies as
  strata: the Mantel-Haenszel odds ratio (statsmodels), the exact conditional test of a
  common odds ratio with its exact interval (the distribution of the sum of the strata's
  counts, found by convolving their hypergeometric distributions), and the homogeneity tests
  of Breslow-Day (asymptotic) and Zelen (exact);
* :func:`sceptical_p` and :func:`prediction_interval` - Held's (2020) sceptical p-value and
  the interval in which the replication's log odds ratio should fall if both studies
  estimate the same effect (Patil, Peng and Leek, 2016);
* :func:`beta_difference` - the posterior of the difference in the feature's share between
  responders and non-responders, one beta posterior per class;
* :func:`verdict` - the rule that turns these into one of three words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats
from statsmodels.stats.contingency_tables import StratifiedTable

from netcomp.stats import smallsample as ss

#: The three verdicts (the rule is :data:`VERDICT_RULE`).
CONSISTENT = "consistent and informative"
INCONSISTENT = "inconsistent"
TOO_SMALL = "too small to tell"
VERDICT_RULE = (
    "inconsistent if the cohort's log odds ratio lies outside the prediction interval "
    "computed from the published table; consistent and informative if it lies inside and "
    "the cohort's own exact confidence interval for the odds ratio lies entirely above 1; "
    "too small to tell if it lies inside but the cohort's interval includes 1 (or the "
    "cohort's odds ratio cannot be estimated at all)"
)
#: Most tables Zelen's exact test enumerates; beyond it the test is not computed.
MAX_ZELEN_TABLES: int = 2_000_000
#: Relative tolerance when comparing table probabilities in the exact two-sided tests.
TIE_TOLERANCE: float = 1e-7


# --------------------------------------------------------------------------- one table


def log_or_se(t: ss.TwoByTwo) -> tuple[float, float, bool]:
    """Log odds ratio and its Woolf standard error; 0.5 added to every cell if one is zero.

    Returns ``(log_or, se, corrected)``; ``corrected`` says whether Haldane's 0.5 was added.
    """
    cells = t.table.astype(float).ravel()
    corrected = bool((cells == 0).any())
    if corrected:
        cells = cells + 0.5
    a, b, c, d = cells  # a: x1, b: x2, c: n1 - x1, d: n2 - x2
    return float(np.log(a * d / (b * c))), float(np.sqrt((1 / cells).sum())), corrected


def side_by_side(
    studies: Sequence[tuple[str, ss.TwoByTwo]], confidence: float = 0.95
) -> pd.DataFrame:
    """One row per study: counts, exact conditional odds ratio and risk difference, with CIs."""
    rows = []
    for label, t in studies:
        orr = ss.exact_odds_ratio(t, confidence)
        rd = ss.risk_difference(t, confidence) if t.n1 and t.n2 else None
        log_or, se, corrected = log_or_se(t)
        rows.append(
            {
                "study": label,
                "counts": t.detail,
                "odds_ratio": orr.estimate,
                "or_low": orr.low,
                "or_high": orr.high,
                "risk_difference": math.nan if rd is None else rd.estimate,
                "rd_low": math.nan if rd is None else rd.low,
                "rd_high": math.nan if rd is None else rd.high,
                "log_or": log_or,
                "se_log_or": se,
                "haldane": corrected,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- strata


def _support(t: ss.TwoByTwo) -> tuple[np.ndarray, np.ndarray]:
    """Possible values of ``x1`` given the margins and their null (hypergeometric) pmf."""
    m1 = t.x1 + t.x2  # cultures with the feature
    lo, hi = max(0, m1 - t.n2), min(m1, t.n1)
    x = np.arange(lo, hi + 1)
    return x, stats.hypergeom.pmf(x, t.n1 + t.n2, m1, t.n1)


def sum_distribution(tables: Sequence[ss.TwoByTwo]) -> tuple[np.ndarray, np.ndarray]:
    """Null distribution of ``T = sum of x1`` over the strata (margins fixed): support, pmf."""
    low, pmf = 0, np.array([1.0])
    for t in tables:
        x, p = _support(t)
        low += int(x[0])
        pmf = np.convolve(pmf, p)
    return np.arange(low, low + pmf.size), pmf


def _tilted(log_pmf: np.ndarray, support: np.ndarray, log_psi: float) -> np.ndarray:
    w = log_pmf + support * log_psi
    return np.exp(w - special.logsumexp(w))


@dataclass(frozen=True)
class ExactStratified:
    """Exact conditional inference on a common odds ratio over strata."""

    statistic: int  # observed T, the sum of x1
    expected: float  # E[T] under no association
    p_two_sided: float  # tables with probability no larger than the observed one
    p_greater: float  # P(T >= observed)
    estimate: float  # conditional maximum-likelihood common odds ratio
    low: float
    high: float
    confidence: float


def exact_stratified(tables: Sequence[ss.TwoByTwo], confidence: float = 0.95) -> ExactStratified:
    """Exact test and interval of a common odds ratio (as R's ``mantelhaen.test(exact=TRUE)``).

    Conditioning on every stratum's margins, ``T`` (sum of each stratum's responders with
    the feature) has the convolution of the strata's hypergeometric distributions, tilted by
    ``psi**T`` when the common odds ratio is ``psi``. The interval inverts the two one-sided
    tests at ``(1 - confidence) / 2`` each; the estimate solves ``E_psi[T] = T observed``.
    """
    support, pmf = sum_distribution(tables)
    t_obs = int(sum(t.x1 for t in tables))
    i = int(t_obs - support[0])
    with np.errstate(divide="ignore"):
        log_pmf = np.log(pmf)
    p_obs = pmf[i]
    p_two = float(min(1.0, pmf[pmf <= p_obs * (1 + TIE_TOLERANCE)].sum()))
    p_greater = float(min(1.0, pmf[i:].sum()))
    tail = (1.0 - confidence) / 2
    lo_end, hi_end = t_obs == support[0], t_obs == support[-1]

    def upper_tail(lp: float) -> float:  # P_psi(T >= t_obs)
        return float(_tilted(log_pmf, support, lp)[i:].sum())

    def lower_tail(lp: float) -> float:  # P_psi(T <= t_obs)
        return float(_tilted(log_pmf, support, lp)[: i + 1].sum())

    def mean(lp: float) -> float:
        return float(_tilted(log_pmf, support, lp) @ support)

    bound = 60.0  # |log psi| searched: psi from 1e-26 to 1e26
    if support.size == 1:
        return ExactStratified(t_obs, float(t_obs), 1.0, 1.0, math.nan, 0.0, math.inf, confidence)
    low = (
        0.0
        if lo_end
        else math.exp(optimize.brentq(lambda lp: upper_tail(lp) - tail, -bound, bound, xtol=1e-12))
    )
    high = (
        math.inf
        if hi_end
        else math.exp(optimize.brentq(lambda lp: lower_tail(lp) - tail, -bound, bound, xtol=1e-12))
    )
    if lo_end:
        estimate = 0.0
    elif hi_end:
        estimate = math.inf
    else:
        estimate = math.exp(optimize.brentq(lambda lp: mean(lp) - t_obs, -bound, bound, xtol=1e-12))
    return ExactStratified(
        t_obs, float(pmf @ support), p_two, p_greater, estimate, low, high, float(confidence)
    )


def zelen_exact(tables: Sequence[ss.TwoByTwo]) -> float:
    """Zelen's exact test that the strata share one odds ratio (NaN when too many tables).

    Among all sets of strata tables with the observed margins and the observed sum ``T``,
    each set's probability is the product of the strata's hypergeometric probabilities;
    the p-value adds those no more likely than the observed set (conditional on ``T``).
    """
    parts = [_support(t) for t in tables]
    if math.prod(x.size for x, _ in parts) > MAX_ZELEN_TABLES:
        return math.nan
    grids = np.meshgrid(*[x for x, _ in parts], indexing="ij")
    probs = np.meshgrid(*[p for _, p in parts], indexing="ij")
    total = sum(g for g in grids)
    prob = np.prod(np.stack(probs), axis=0)
    t_obs = sum(t.x1 for t in tables)
    observed = float(
        np.prod([p[t.x1 - int(x[0])] for (x, p), t in zip(parts, tables, strict=True)])
    )
    same = total == t_obs
    cond = prob[same]
    return float(min(1.0, cond[cond <= observed * (1 + TIE_TOLERANCE)].sum() / cond.sum()))


@dataclass(frozen=True)
class MantelHaenszel:
    """Mantel-Haenszel common odds ratio, its (Robins-Breslow-Greenland) CI and the tests."""

    estimate: float
    low: float
    high: float
    p_cmh: float  # Cochran-Mantel-Haenszel test of no association (continuity-corrected)
    p_breslow_day: float  # Breslow-Day test of homogeneity (Tarone's adjustment)


def mantel_haenszel(tables: Sequence[ss.TwoByTwo], confidence: float = 0.95) -> MantelHaenszel:
    """statsmodels' ``StratifiedTable`` on the strata; NaN where a quantity is undefined.

    With zero cells the estimate can be infinite and the asymptotic tests (Breslow-Day
    above all) are unreliable: :func:`zelen_exact` is the exact alternative.
    """
    arrays = [t.table.astype(float) for t in tables]
    with np.errstate(all="ignore"):
        st = StratifiedTable(arrays)
        est = float(st.oddsratio_pooled)
        try:
            low, high = (float(v) for v in st.oddsratio_pooled_confint(alpha=1 - confidence))
        except (ValueError, ZeroDivisionError, FloatingPointError):
            low, high = math.nan, math.nan
        p_cmh = float(st.test_null_odds(correction=True).pvalue)
        p_bd = float(st.test_equal_odds(adjust=True).pvalue)
    return MantelHaenszel(est, low, high, p_cmh, p_bd)


# --------------------------------------------------------------------------- replication


@dataclass(frozen=True)
class Sceptical:
    """Held's sceptical p-value (one-sided, in the original effect's direction) and its inputs."""

    z_original: float
    z_replication: float
    variance_ratio: float  # c = se_original**2 / se_replication**2
    z_sceptical: float
    p_sceptical: float
    p_limit: float  # p_S is never below this: the original's one-sided normal p-value


def sceptical_p(log_or_o: float, se_o: float, log_or_r: float, se_r: float) -> Sceptical:
    """Held's (2020) sceptical p-value from two estimates and their standard errors.

    A sceptic's prior ``N(0, tau**2)`` is just strong enough to make the original study
    non-significant at level ``p``; ``p_S`` is the level at which the replication is in
    conflict with that prior exactly as much. With ``c = se_o**2/se_r**2`` and
    ``K = z_o**2/z_S**2``: ``z_r**2 K**2 - (z_o**2 + z_r**2) K - z_o**2 (c - 1) = 0``. The
    returned p is one-sided (effect in the original's direction); opposite signs give
    ``p_S`` above 0.5. Since ``K > 1``, ``z_S < |z_o|``: no replication can make ``p_S``
    smaller than the original's own one-sided p-value ``1 - Phi(|z_o|)`` (``p_limit``).
    """
    zo, zr = log_or_o / se_o, log_or_r / se_r
    c = se_o**2 / se_r**2
    zo2, zr2 = zo * zo, zr * zr
    if zo2 == 0 or zr2 == 0:
        zs2 = 0.0
    else:
        k = ((zo2 + zr2) + math.sqrt((zo2 + zr2) ** 2 + 4 * zr2 * zo2 * (c - 1))) / (2 * zr2)
        zs2 = zo2 / k
    zs = math.sqrt(zs2)
    same = (zo >= 0) == (zr >= 0)
    p = float(stats.norm.sf(zs if same else -zs))
    limit = float(stats.norm.sf(abs(zo)))
    return Sceptical(zo, zr, c, zs, p, limit)


def prediction_interval(
    log_or_o: float, se_o: float, se_r: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Where the replication's log odds ratio should fall if both studies share one effect.

    ``theta_o -/+ z * sqrt(se_o**2 + se_r**2)``: the original's uncertainty and the
    replication's own sampling error add up (Patil, Peng and Leek 2016).
    """
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    half = z * math.sqrt(se_o**2 + se_r**2)
    return log_or_o - half, log_or_o + half


# --------------------------------------------------------------------------- Bayesian


@dataclass(frozen=True)
class BetaPrior:
    """A Beta(a, b) prior on the share of one class with the feature, and where it comes from."""

    a: float
    b: float
    source: str


def flat_prior() -> BetaPrior:
    """Beta(1, 1): every share equally plausible, the same prior for both classes."""
    return BetaPrior(1.0, 1.0, "flat Beta(1, 1)")


def published_prior(x: int, n: int, strength: float) -> BetaPrior:
    """Beta(1 + s x, 1 + s (n - x)): the published counts weighted by ``strength`` s."""
    return BetaPrior(
        1.0 + strength * x, 1.0 + strength * (n - x), f"published {x}/{n} weighted {strength:g}"
    )


def prob_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(p1 > p2) for independent p1 ~ Beta(a1, b1), p2 ~ Beta(a2, b2), by numerical integration."""
    value, _ = integrate.quad(
        lambda p: stats.beta.pdf(p, a1, b1) * stats.beta.cdf(p, a2, b2),
        0.0,
        1.0,
        limit=200,
        epsabs=1e-11,
        epsrel=1e-10,
    )
    return float(min(1.0, max(0.0, value)))


@dataclass(frozen=True)
class BetaDifference:
    """Posterior of ``share among responders - share among non-responders``."""

    label: str
    post_responders: tuple[float, float]
    post_nonresponders: tuple[float, float]
    mean: float
    low: float
    high: float
    p_positive: float  # exact (numerical integration)
    draws: np.ndarray  # Monte Carlo draws of the difference (for the figure and interval)


def beta_difference(
    t: ss.TwoByTwo,
    prior_r: BetaPrior,
    prior_nr: BetaPrior,
    label: str,
    rng: np.random.Generator,
    draws: int = 100_000,
    confidence: float = 0.95,
) -> BetaDifference:
    """Independent beta posteriors per class and their difference.

    The posterior mean is exact; the interval comes from ``draws`` Monte Carlo draws (the
    book's seed); P(difference > 0) is computed exactly by integration.
    """
    a1, b1 = prior_r.a + t.x1, prior_r.b + t.n1 - t.x1
    a2, b2 = prior_nr.a + t.x2, prior_nr.b + t.n2 - t.x2
    diff = rng.beta(a1, b1, draws) - rng.beta(a2, b2, draws)
    tail = (1 - confidence) / 2
    low, high = np.quantile(diff, [tail, 1 - tail])
    return BetaDifference(
        label,
        (a1, b1),
        (a2, b2),
        a1 / (a1 + b1) - a2 / (a2 + b2),
        float(low),
        float(high),
        prob_greater(a1, b1, a2, b2),
        diff,
    )


# --------------------------------------------------------------------------- verdict


def verdict(log_or_r: float, pi: tuple[float, float], or_low_r: float) -> str:
    """One of :data:`CONSISTENT`, :data:`INCONSISTENT`, :data:`TOO_SMALL` (:data:`VERDICT_RULE`)."""
    if not math.isfinite(log_or_r):
        return TOO_SMALL
    if not pi[0] <= log_or_r <= pi[1]:
        return INCONSISTENT
    return CONSISTENT if or_low_r > 1 else TOO_SMALL
