"""Dose-response curves: a four-parameter log-logistic fit and the IC50 with its 95% CI.

Model (viability in % of control against concentration ``c`` in µM)::

    viability(c) = bottom + (top - bottom) / (1 + (c / IC50) ** hill)

``IC50`` here is the *relative* IC50: the concentration halfway between ``top`` and
``bottom`` (the curve's inflection on a log axis), the usual reading of a 4PL fit. The fit
is done on ``log10(IC50)``, whose sampling distribution is closer to normal, and the 95%
confidence interval is ``log10 IC50 ± t(0.975, n - 4) × SE`` back-transformed to µM.

A curve needs at least four distinct concentrations (four parameters); a culture and drug
with fewer get a ``skipped`` record instead of a fit, so a chapter can say so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from netcomp.stats.limits import MIN_CONCENTRATIONS as MIN_CONCENTRATIONS  # re-exported

#: Most model evaluations per fit: a curve the data cannot pin down fails fast instead of
#: spending seconds (a converging fit needs a few dozen, rarely over 300).
MAX_EVALUATIONS = 400

_LN10 = float(np.log(10.0))

#: Columns of :func:`fit_dose_response`'s table.
FIT_COLUMNS: tuple[str, ...] = (
    "culture_id",
    "drug",
    "n_concentrations",
    "n_points",
    "status",
    "bottom_pct",
    "top_pct",
    "hill",
    "ic50_um",
    "ic50_ci_low_um",
    "ic50_ci_high_um",
    "log10_ic50_se",
    "ic50_within_range",
)


def log_logistic4(
    concentration: np.ndarray | float, bottom: float, top: float, ic50: float, hill: float
) -> np.ndarray:
    """Four-parameter log-logistic curve; viability falls from ``top`` to ``bottom``."""
    c = np.asarray(concentration, dtype=float)
    return bottom + (top - bottom) / (1.0 + (c / ic50) ** hill)


def _model_log(
    concentration: np.ndarray, bottom: float, top: float, log_ic50: float, hill: float
) -> np.ndarray:
    """The same curve parameterised by log10(IC50), which is what the optimiser sees."""
    # (c / IC50) ** hill written via logs is stable for tiny and huge concentrations.
    z = hill * (np.log10(concentration) - log_ic50) * np.log(10.0)
    return bottom + (top - bottom) / (1.0 + np.exp(np.clip(z, -700, 700)))


def _jacobian_log(
    concentration: np.ndarray, bottom: float, top: float, log_ic50: float, hill: float
) -> np.ndarray:
    """Analytic derivatives of :func:`_model_log` (columns: bottom, top, log10 IC50, hill).

    Given to the optimiser, they make a fit several times faster than finite differences.
    """
    lx = np.log10(concentration) - log_ic50
    e = np.exp(np.clip(hill * lx * _LN10, -700, 700))
    d = 1.0 / (1.0 + e)
    dz = -(top - bottom) * e * d * d  # derivative with respect to z = hill * lx * ln 10
    return np.column_stack([1.0 - d, d, dz * (-hill * _LN10), dz * lx * _LN10])


@dataclass(frozen=True)
class CurveFit:
    """Result of one four-parameter fit."""

    bottom: float
    top: float
    ic50: float
    hill: float
    ic50_ci_low: float
    ic50_ci_high: float
    log10_ic50_se: float
    n_points: int
    n_concentrations: int

    def predict(self, concentration: np.ndarray | float) -> np.ndarray:
        """Viability (%) predicted by the fitted curve at ``concentration`` (µM)."""
        return log_logistic4(concentration, self.bottom, self.top, self.ic50, self.hill)


def _checked_points(
    concentration: Sequence[float] | np.ndarray, viability_pct: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concentrations, values and distinct concentrations; ``ValueError`` if unfit to fit."""
    c = np.asarray(concentration, dtype=float)
    y = np.asarray(viability_pct, dtype=float)
    if c.shape != y.shape or c.ndim != 1:
        raise ValueError("concentration and viability_pct must be 1-D and of equal length")
    if np.any(~np.isfinite(c)) or np.any(c <= 0) or np.any(~np.isfinite(y)):
        raise ValueError("concentrations must be positive and values finite")
    levels = np.unique(c)
    if levels.size < MIN_CONCENTRATIONS:
        raise ValueError(
            f"a four-parameter curve needs at least {MIN_CONCENTRATIONS} concentrations, "
            f"got {levels.size}: {', '.join(f'{v:g}' for v in levels)} µM"
        )
    return c, y, levels


def _start_and_bounds(
    c: np.ndarray, y: np.ndarray, levels: np.ndarray
) -> tuple[list[float], list[float], list[float]]:
    """Starting values and bounds (bottom, top, log10 IC50, Hill) read off the level means."""
    means = np.array([y[c == lv].mean() for lv in levels])
    top0, bottom0 = float(means[0]), float(means[-1])
    if top0 <= bottom0:  # no decline: start from a flat-ish curve
        top0, bottom0 = float(means.max()), float(means.min())
    mid = (top0 + bottom0) / 2.0
    log_levels = np.log10(levels)
    below = np.nonzero(means <= mid)[0]
    log_ic50_0 = float(log_levels[below[0]]) if below.size else float(np.median(log_levels))
    span = log_levels[-1] - log_levels[0]
    # Viability cannot be negative, so neither can the plateaus.
    lower = [0.0, 0.0, log_levels[0] - 2 * span - 2, 0.05]
    upper = [300.0, 400.0, log_levels[-1] + 2 * span + 2, 20.0]
    p0 = [
        float(np.clip(bottom0, lower[0] + 1, upper[0] - 1)),
        float(np.clip(top0, lower[1] + 1, upper[1] - 1)),
        log_ic50_0,
        1.0,
    ]
    return p0, lower, upper


def _ic50_interval(
    log_ic50: float, pcov: np.ndarray, dof: int, confidence: float
) -> tuple[float, float, float]:
    """(low, high) t-interval of the IC50 from the log10 IC50's standard error, and that SE."""
    se = float(np.sqrt(pcov[2, 2])) if np.isfinite(pcov[2, 2]) and pcov[2, 2] >= 0 else np.nan
    if dof > 0 and np.isfinite(se):
        half = float(stats.t.ppf(0.5 + confidence / 2.0, dof)) * se
        with np.errstate(over="ignore"):  # an unbounded interval becomes (0, inf)
            low = float(np.power(10.0, log_ic50 - half))
            high = float(np.power(10.0, log_ic50 + half))
    else:
        low = high = np.nan
    return low, high, se


def fit_log_logistic(
    concentration: Sequence[float] | np.ndarray,
    viability_pct: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
) -> CurveFit:
    """Fit the four-parameter log-logistic curve by least squares (``curve_fit``).

    All replicate points are used. Raises ``ValueError`` with fewer than
    :data:`MIN_CONCENTRATIONS` distinct positive concentrations, and ``RuntimeError`` when
    the optimiser does not converge. The CI is NaN when the residual degrees of freedom
    are zero or the covariance cannot be estimated.
    """
    c, y, levels = _checked_points(concentration, viability_pct)
    p0, lower, upper = _start_and_bounds(c, y, levels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optimize.OptimizeWarning)
        try:
            popt, pcov = optimize.curve_fit(
                _model_log,
                c,
                y,
                p0=p0,
                bounds=(lower, upper),
                jac=_jacobian_log,
                maxfev=MAX_EVALUATIONS,
                xtol=1e-10,
                ftol=1e-10,
                gtol=1e-10,
            )
        except (RuntimeError, ValueError, OverflowError) as err:
            raise RuntimeError(f"four-parameter fit did not converge: {err}") from err
    bottom, top, log_ic50, hill = map(float, popt)
    low, high, se = _ic50_interval(log_ic50, pcov, c.size - 4, confidence)
    return CurveFit(
        bottom=bottom,
        top=top,
        ic50=float(10**log_ic50),
        hill=hill,
        ic50_ci_low=float(low),
        ic50_ci_high=float(high),
        log10_ic50_se=se,
        n_points=int(c.size),
        n_concentrations=int(levels.size),
    )


def _fit_row(
    culture: object, drug: object, grp: pd.DataFrame, min_concentrations: int
) -> dict[str, object]:
    """One row of :func:`fit_dose_response`: fitted, skipped or failed, for one pair."""
    c = grp["concentration_um"].to_numpy(float)
    y = grp["viability_pct"].to_numpy(float)
    n_conc = int(np.unique(c).size)
    row: dict[str, object] = {
        "culture_id": str(culture),
        "drug": str(drug),
        "n_concentrations": n_conc,
        "n_points": int(c.size),
    }
    nan_params = dict.fromkeys(FIT_COLUMNS[5:-1], np.nan) | {"ic50_within_range": False}
    if n_conc < min_concentrations:
        return (
            row
            | {"status": f"skipped: fewer than {min_concentrations} concentrations"}
            | nan_params
        )
    try:
        fit = fit_log_logistic(c, y)
    except (RuntimeError, ValueError, OverflowError) as err:
        return row | {"status": f"failed: {err}"} | nan_params
    return row | {
        "status": "fitted",
        "bottom_pct": fit.bottom,
        "top_pct": fit.top,
        "hill": fit.hill,
        "ic50_um": fit.ic50,
        "ic50_ci_low_um": fit.ic50_ci_low,
        "ic50_ci_high_um": fit.ic50_ci_high,
        "log10_ic50_se": fit.log10_ic50_se,
        "ic50_within_range": bool(c.min() <= fit.ic50 <= c.max()),
    }


def fit_dose_response(
    viability: pd.DataFrame,
    drugs: Sequence[str] | None = None,
    min_concentrations: int = MIN_CONCENTRATIONS,
) -> pd.DataFrame:
    """Fit a curve per culture and drug; a tidy table with one row per pair.

    ``status`` is ``"fitted"``, ``"skipped: fewer than 4 concentrations"`` (parameters NaN)
    or ``"failed: <reason>"``. ``ic50_within_range`` is False when the IC50 lies outside
    the tested concentrations (an extrapolation to read with care). Columns are
    :data:`FIT_COLUMNS`.
    """
    if min_concentrations < MIN_CONCENTRATIONS:
        raise ValueError(f"min_concentrations must be >= {MIN_CONCENTRATIONS}")
    needed = {"culture_id", "drug", "concentration_um", "viability_pct"}
    missing = sorted(needed - set(viability.columns))
    if missing:
        raise ValueError(f"viability table lacks column(s) {', '.join(missing)}")
    table = viability
    if drugs is not None:
        unknown = sorted(set(drugs) - set(viability["drug"]))
        if unknown:
            raise ValueError(
                f"no viability data for drug(s) {', '.join(unknown)}; available: "
                f"{', '.join(sorted(viability['drug'].unique()))}"
            )
        table = viability[viability["drug"].isin(list(drugs))]
    rows = [
        _fit_row(culture, drug, grp, min_concentrations)
        for (culture, drug), grp in table.groupby(["culture_id", "drug"], sort=True)
    ]
    out = pd.DataFrame(rows, columns=list(FIT_COLUMNS))
    return out.astype({"culture_id": str, "drug": str, "status": str})


def curve_points(
    fits: pd.DataFrame, viability: pd.DataFrame | None = None, n: int = 200
) -> pd.DataFrame:
    """Points of each fitted curve on a log-spaced concentration grid, for plotting.

    The grid spans the concentrations tested for that culture and drug (half a decade
    beyond each end) when ``viability`` is given, else the IC50 ± 2 decades. Rows
    ``culture_id, drug, concentration_um, viability_pct``.
    """
    pieces = []
    ranges: dict[tuple[str, str], tuple[float, float]] = {}
    if viability is not None:
        conc = viability["concentration_um"].astype(float)
        keys = [viability["culture_id"].astype(str), viability["drug"].astype(str)]
        grouped = conc.groupby(keys)
        ranges = {
            k: (float(lo), float(hi))
            for k, lo, hi in zip(grouped.min().index, grouped.min(), grouped.max(), strict=True)
        }
    for _, fit in fits[fits["status"] == "fitted"].iterrows():
        lo = hi = np.log10(fit["ic50_um"])
        lo, hi = lo - 2, hi + 2
        tested = ranges.get((str(fit["culture_id"]), str(fit["drug"])))
        if tested is not None:
            lo, hi = np.log10(tested[0]) - 0.5, np.log10(tested[1]) + 0.5
        grid = np.logspace(lo, hi, n)
        pieces.append(
            pd.DataFrame(
                {
                    "culture_id": fit["culture_id"],
                    "drug": fit["drug"],
                    "concentration_um": grid,
                    "viability_pct": log_logistic4(
                        grid, fit["bottom_pct"], fit["top_pct"], fit["ic50_um"], fit["hill"]
                    ),
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=["culture_id", "drug", "concentration_um", "viability_pct"])
    return pd.concat(pieces, ignore_index=True)


#: Columns of :func:`area_under_curve`'s table.
AUC_COLUMNS: tuple[str, ...] = ("culture_id", "drug", "n_concentrations", "auc_pct")


def area_under_curve(viability: pd.DataFrame, drugs: Sequence[str] | None = None) -> pd.DataFrame:
    """Normalised area under each culture's dose-response data, model-free.

    The mean viability at each concentration is joined by straight lines on a log10
    concentration axis (trapezoidal rule) and the area is divided by the width of the tested
    log range, so ``auc_pct`` is the average viability over the tested range in % of the
    untreated control: 100 means no effect, lower means more sensitive. It needs two
    concentrations (NaN with one) and no fit, so it summarises curves whose IC50 lies
    outside the tested range, or that could not be fitted.
    """
    needed = {"culture_id", "drug", "concentration_um", "viability_pct"}
    missing = sorted(needed - set(viability.columns))
    if missing:
        raise ValueError(f"viability table lacks column(s) {', '.join(missing)}")
    table = viability
    if drugs is not None:
        table = viability[viability["drug"].astype(str).isin([str(d) for d in drugs])]
    if table.empty:
        return pd.DataFrame(columns=list(AUC_COLUMNS))
    means = (
        table.assign(
            culture_id=table["culture_id"].astype(str),
            drug=table["drug"].astype(str),
            log_c=np.log10(table["concentration_um"].astype(float)),
        )
        .groupby(["culture_id", "drug", "log_c"], sort=True)["viability_pct"]
        .mean()
        .reset_index()
    )
    group = means.groupby(["culture_id", "drug"], sort=True)
    dx = group["log_c"].diff()
    mid = (means["viability_pct"] + group["viability_pct"].shift()) / 2.0
    means["area"] = (dx * mid).fillna(0.0)
    out = group.agg(
        n_concentrations=("log_c", "size"),
        area=("area", "sum"),
        lo=("log_c", "min"),
        hi=("log_c", "max"),
    ).reset_index()
    span = out["hi"] - out["lo"]
    out["auc_pct"] = np.where(span > 0, out["area"] / span.where(span > 0, 1.0), np.nan)
    out["n_concentrations"] = out["n_concentrations"].astype("int64")
    return out.loc[:, list(AUC_COLUMNS)]


def curve_summary(fits: pd.DataFrame, auc: pd.DataFrame) -> pd.DataFrame:
    """One line per culture and drug: the IC50 with its CI, or the AUC where no IC50 applies.

    ``fits`` from :func:`fit_dose_response`, ``auc`` from :func:`area_under_curve`. The
    ``measure`` column is ``"IC50"`` when the curve was fitted and its IC50 lies within the
    tested concentrations, else ``"AUC"`` (the IC50 would be an extrapolation, or there is
    none); ``summary`` says it in words.
    """
    table = fits.merge(
        auc.loc[:, ["culture_id", "drug", "auc_pct"]], on=["culture_id", "drug"], how="left"
    )
    use_ic50 = (table["status"] == "fitted") & table["ic50_within_range"].astype(bool)
    table["measure"] = np.where(use_ic50, "IC50", "AUC")

    def words(row: pd.Series) -> str:
        if row["measure"] == "IC50":
            ci = (
                f" (95% CI {row['ic50_ci_low_um']:.3g} to {row['ic50_ci_high_um']:.3g} µM)"
                if np.isfinite(row["ic50_ci_low_um"]) and np.isfinite(row["ic50_ci_high_um"])
                else " (no CI: too few points)"
            )
            return f"IC50 {row['ic50_um']:.3g} µM{ci}"
        why = "IC50 outside the tested range" if row["status"] == "fitted" else "no curve fitted"
        auc = f"{row['auc_pct']:.1f}%" if np.isfinite(row["auc_pct"]) else "not computable"
        return f"AUC {auc} of control ({why})"

    table["summary"] = [words(row) for _, row in table.iterrows()] if len(table) else []
    return table
