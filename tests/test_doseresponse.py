"""Four-parameter log-logistic fits: IC50 recovery, CI against an independent Jacobian, skips."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcomp.stats import doseresponse as dr

CONC = np.array([0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100.0])


def _curve(c, bottom, top, ic50, hill):
    """The model written out independently of the module."""
    return bottom + (top - bottom) / (1 + np.power(c / ic50, hill))


@pytest.mark.parametrize(
    ("bottom", "top", "ic50", "hill"),
    [(10, 98, 2.5, 1.3), (40, 100, 0.07, 0.8), (0, 105, 25.0, 2.5), (55, 95, 1.0, 1.0)],
)
def test_recovers_known_ic50_from_noiseless_data(bottom, top, ic50, hill):
    c = np.repeat(CONC, 3)
    fit = dr.fit_log_logistic(c, _curve(c, bottom, top, ic50, hill))
    assert fit.ic50 == pytest.approx(ic50, rel=0.01)
    assert fit.hill == pytest.approx(hill, rel=0.01)
    assert fit.bottom == pytest.approx(bottom, abs=0.5)
    assert fit.top == pytest.approx(top, abs=0.5)
    assert fit.n_concentrations == CONC.size and fit.n_points == c.size


def test_confidence_interval_matches_independent_jacobian():
    rng = np.random.default_rng(11)
    c = np.repeat(CONC, 3)
    y = _curve(c, 12, 97, 3.0, 1.1) + rng.normal(0, 4, c.size)
    fit = dr.fit_log_logistic(c, y)
    assert fit.ic50_ci_low < fit.ic50 < fit.ic50_ci_high
    assert fit.ic50_ci_low < 3.0 < fit.ic50_ci_high

    # Independent: residual variance x (J'J)^-1 with a finite-difference Jacobian in
    # (bottom, top, log10 IC50, hill), then a t-based interval on log10 IC50.
    theta = np.array([fit.bottom, fit.top, np.log10(fit.ic50), fit.hill])

    def model(t):
        return _curve(c, t[0], t[1], 10 ** t[2], t[3])

    jac = np.empty((c.size, 4))
    for k in range(4):
        h = 1e-6 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (model(up) - model(down)) / (2 * h)
    resid = y - model(theta)
    dof = c.size - 4
    cov = resid @ resid / dof * np.linalg.inv(jac.T @ jac)
    se = np.sqrt(cov[2, 2])
    half = stats.t.ppf(0.975, dof) * se
    assert fit.log10_ic50_se == pytest.approx(se, rel=1e-3)
    assert fit.ic50_ci_low == pytest.approx(10 ** (theta[2] - half), rel=1e-3)
    assert fit.ic50_ci_high == pytest.approx(10 ** (theta[2] + half), rel=1e-3)


def test_ic50_beyond_tested_range_is_flagged():
    c = np.repeat([0.01, 0.03, 0.1, 0.3, 1.0], 3)  # true IC50 (3 µM) above the highest
    viability = pd.DataFrame(
        {
            "culture_id": "A",
            "drug": "d",
            "concentration_um": c,
            "viability_pct": _curve(c, 10, 100, 3.0, 1.0),
        }
    )
    row = dr.fit_dose_response(viability).iloc[0]
    assert row["status"] == "fitted"
    assert row["ic50_um"] > 1.0 and not bool(row["ic50_within_range"])


def test_fewer_than_four_concentrations_is_refused():
    c = np.repeat([1.0, 3.0, 10.0], 3)
    with pytest.raises(ValueError, match="at least 4 concentrations, got 3"):
        dr.fit_log_logistic(c, _curve(c, 10, 100, 3, 1))


def test_table_fits_multi_concentration_and_skips_single():
    c = np.repeat(CONC, 2)
    multi = pd.DataFrame(
        {
            "culture_id": "NETX",
            "drug": "lenvatinib",
            "concentration_um": c,
            "replicate": np.tile([1, 2], CONC.size),
            "viability_pct": _curve(c, 20, 100, 4.0, 1.5),
        }
    )
    single = pd.DataFrame(
        {
            "culture_id": "NET01",
            "drug": "lenvatinib",
            "concentration_um": [10.0] * 3,
            "replicate": [1, 2, 3],
            "viability_pct": [70.0, 72.0, 75.0],
        }
    )
    table = dr.fit_dose_response(pd.concat([multi, single], ignore_index=True))
    assert list(table.columns) == list(dr.FIT_COLUMNS)
    rows = table.set_index("culture_id")
    assert rows.loc["NET01", "status"] == "skipped: fewer than 4 concentrations"
    assert np.isnan(rows.loc["NET01", "ic50_um"]) and rows.loc["NET01", "n_concentrations"] == 1
    assert rows.loc["NETX", "status"] == "fitted"
    assert rows.loc["NETX", "ic50_um"] == pytest.approx(4.0, rel=0.01)
    assert bool(rows.loc["NETX", "ic50_within_range"])
    assert not bool(rows.loc["NET01", "ic50_within_range"])
    curves = dr.curve_points(table, multi, n=50)
    assert len(curves) == 50
    assert curves["concentration_um"].min() == pytest.approx(CONC.min() / 10**0.5)
    pred = _curve(curves["concentration_um"].to_numpy(), 20, 100, 4.0, 1.5)
    assert np.allclose(curves["viability_pct"], pred, atol=0.1)

    from netcomp.figures.response import dose_response_plot

    fig = dose_response_plot(multi, table, curves, "lenvatinib")
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="no viability data for drug"):
        dr.fit_dose_response(multi, drugs=["sunitinib"])
