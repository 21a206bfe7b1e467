"""The two published versions' 2x2 tables, checked against independent computations.

Fisher's tests are hypergeometric sums written out with ``math.comb``; Barnard's and
Boschloo's unconditional tests are re-derived by enumerating every table and maximising over
a fine grid of the common proportion; the exact odds-ratio bound solves the noncentral
hypergeometric tail equation with a root finder.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from netcomp.stats import published
from netcomp.stats.published import CONFERENCE_2022, JOURNAL_2023, VERSIONS

GRID = np.linspace(0.0, 1.0, 20001)


def hyper_pmf(k: int, n_total: int, n_high: int, n_resp: int) -> float:
    """P(k of the n_resp responders are HRAS high), margins fixed."""
    return (
        math.comb(n_high, k) * math.comb(n_total - n_high, n_resp - k) / math.comb(n_total, n_resp)
    )


def fisher_by_hand(table: np.ndarray) -> tuple[float, float]:
    """(one-sided greater, two-sided) Fisher p-values of ``[[a, b], [c, d]]``."""
    a = int(table[0, 0])
    n_total, n_high, n_resp = int(table.sum()), int(table[0].sum()), int(table[:, 0].sum())
    ks = range(max(0, n_resp - (n_total - n_high)), min(n_high, n_resp) + 1)
    probs = {k: hyper_pmf(k, n_total, n_high, n_resp) for k in ks}
    one = sum(p for k, p in probs.items() if k >= a)
    two = sum(p for p in probs.values() if p <= probs[a] * (1 + 1e-9))
    return one, two


def _binom(n: int, x: np.ndarray, pi: np.ndarray) -> np.ndarray:
    return math.comb(n, int(x)) * pi ** int(x) * (1 - pi) ** (n - int(x))


def _sup_over_pi(n1: int, n2: int, region: list[tuple[int, int]]) -> float:
    """max over the common proportion of P(table in region), two independent binomials."""
    total = np.zeros_like(GRID)
    for x1, x2 in region:
        total += _binom(n1, x1, GRID) * _binom(n2, x2, GRID)
    return float(total.max())


def barnard_by_hand(table: np.ndarray) -> float:
    """Two-sided Barnard p (pooled Wald statistic), the columns being the two groups."""
    n1, n2 = int(table[:, 0].sum()), int(table[:, 1].sum())

    def wald(x1: int, x2: int) -> float:
        p = (x1 + x2) / (n1 + n2)
        var = p * (1 - p) * (1 / n1 + 1 / n2)
        return 0.0 if var == 0 else (x1 / n1 - x2 / n2) / math.sqrt(var)

    observed = abs(wald(int(table[0, 0]), int(table[0, 1])))
    region = [
        (x1, x2)
        for x1 in range(n1 + 1)
        for x2 in range(n2 + 1)
        if abs(wald(x1, x2)) >= observed - 1e-12
    ]
    return _sup_over_pi(n1, n2, region)


def boschloo_one_sided_by_hand(table: np.ndarray, greater: bool = True) -> float:
    """One-sided Boschloo p: Fisher's one-sided p as the statistic, columns the groups."""
    n1, n2 = int(table[:, 0].sum()), int(table[:, 1].sum())

    def stat(x1: int, x2: int) -> float:
        t = np.array([[x1, x2], [n1 - x1, n2 - x2]])
        one, _ = fisher_by_hand(t if greater else t[:, ::-1])
        return one

    observed = stat(int(table[0, 0]), int(table[0, 1]))
    region = [
        (x1, x2)
        for x1 in range(n1 + 1)
        for x2 in range(n2 + 1)
        if stat(x1, x2) <= observed * (1 + 1e-9)
    ]
    return _sup_over_pi(n1, n2, region)


def or_lower_bound_by_hand(table: np.ndarray, alpha: float = 0.05) -> float:
    """Exact lower bound: P(X >= a; psi) = alpha/2 under the noncentral hypergeometric."""
    a = int(table[0, 0])
    n_total, n_high, n_resp = int(table.sum()), int(table[0].sum()), int(table[:, 0].sum())
    ks = range(max(0, n_resp - (n_total - n_high)), min(n_high, n_resp) + 1)

    def upper_tail(log_psi: float) -> float:
        w = {
            k: math.comb(n_high, k)
            * math.comb(n_total - n_high, n_resp - k)
            * math.exp(k * log_psi)
            for k in ks
        }
        return sum(v for k, v in w.items() if k >= a) / sum(w.values()) - alpha / 2

    return math.exp(optimize.brentq(upper_tail, -20, 20, xtol=1e-12))


def _row(data, version, test_prefix: str):
    rows = data[(data["version"] == version.label) & data["test"].str.startswith(test_prefix)]
    assert len(rows) == 1, (version.key, test_prefix, len(rows))
    return rows.iloc[0]


@pytest.fixture(scope="module")
def data():
    return published.version_test_data()


def test_versions_hold_the_published_counts():
    assert CONFERENCE_2022.table().tolist() == [[5, 0], [1, 5]]
    assert JOURNAL_2023.table().tolist() == [[4, 0], [2, 5]]
    assert CONFERENCE_2022.threshold_pct == 15.0 and JOURNAL_2023.threshold_pct is None
    assert JOURNAL_2023.reported_p == 0.048 and CONFERENCE_2022.reported_p is None
    assert "10.1200/JCO.2022.40.16_suppl.e16211" in CONFERENCE_2022.reference
    assert "10.3389/fendo.2022.1045038" in JOURNAL_2023.reference
    for v in VERSIONS:
        assert v.table().sum() == 11 and v.table()[:, 0].sum() == 6


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.key)
def test_fisher_equals_hypergeometric_sums(data, version):
    one, two = fisher_by_hand(version.table())
    fisher = data[(data["version"] == version.label) & (data["test"] == "Fisher's exact test")]
    by_side = dict(zip(fisher["sided"].str.split(":").str[0], fisher["p_value"], strict=True))
    assert by_side["one-sided (greater)"] == pytest.approx(one, rel=1e-9)
    assert by_side["two-sided"] == pytest.approx(two, rel=1e-9)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.key)
@pytest.mark.parametrize(
    "groups,transpose", [(published.GROUPS_CLASSES, False), (published.GROUPS_HRAS, True)]
)
def test_unconditional_tests_equal_enumeration(data, version, groups, transpose):
    table = version.table().T if transpose else version.table()
    barnard = _row(data, version, f"Barnard's exact test ({groups})")
    assert barnard["p_value"] == pytest.approx(barnard_by_hand(table), abs=2e-5)
    boschloo = _row(data, version, f"Boschloo's exact test ({groups})")
    greater = boschloo_one_sided_by_hand(table, greater=True)
    less = boschloo_one_sided_by_hand(table, greater=False)
    # scipy's two-sided Boschloo p is twice the smaller one-sided p (the page says so).
    assert boschloo["p_value"] == pytest.approx(min(1.0, 2 * min(greater, less)), abs=2e-5)
    assert "twice" in boschloo["sided"]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.key)
def test_odds_ratio_and_exact_bound(data, version):
    row = _row(data, version, "Odds ratio")
    assert np.isinf(row["estimate"]) and np.isinf(row["ci_high"])  # a zero cell
    assert row["ci_low"] == pytest.approx(or_lower_bound_by_hand(version.table()), rel=1e-6)
    assert np.isnan(row["p_value"])


def test_expected_values_of_the_brief(data):
    """The values measured when the discrepancy was found (scipy 1.17), to 4 decimals."""
    expected = {
        JOURNAL_2023: (0.0606, 0.0455, 0.0322, 0.0324, 0.0264, 0.0300),
        CONFERENCE_2022: (0.0152, 0.0130, 0.0068, 0.0070, 0.0068, 0.0070),
    }
    for version, (two, one, barnard_h, boschloo_h, barnard_c, boschloo_c) in expected.items():
        fisher = data[(data["version"] == version.label) & (data["test"] == "Fisher's exact test")]
        assert sorted(fisher["p_value"].round(4)) == sorted([two, one])
        g_h, g_c = published.GROUPS_HRAS, published.GROUPS_CLASSES
        assert (
            round(_row(data, version, f"Barnard's exact test ({g_h})")["p_value"], 4) == barnard_h
        )
        assert (
            round(_row(data, version, f"Boschloo's exact test ({g_h})")["p_value"], 4) == boschloo_h
        )
        assert (
            round(_row(data, version, f"Barnard's exact test ({g_c})")["p_value"], 4) == barnard_c
        )
        assert (
            round(_row(data, version, f"Boschloo's exact test ({g_c})")["p_value"], 4) == boschloo_c
        )


def test_no_test_gives_the_published_p(data):
    tests = data.dropna(subset=["p_value"])
    by_hand = [round(p, 3) == 0.048 for p in tests["p_value"]]
    assert not any(by_hand) and not tests["matches_reported_p"].any()
    assert published.any_gives_reported() == {v.label: False for v in VERSIONS}
    sentence = published.versions_sentence()
    assert "None of these 12 test results gives p = .048." in sentence
    assert "5/6 vs 0/5: p from 0.0068 to 0.0152" in sentence
    assert "4/6 vs 0/5: p from 0.0264 to 0.0606" in sentence


def test_matching_rounds_at_three_decimals():
    assert published._matches(0.0484) and published._matches(0.0475)
    assert not published._matches(0.0486) and not published._matches(0.0606)


def test_display_table_is_ready_to_show(data):
    shown = published.version_tests()
    assert list(shown.columns) == list(published.DISPLAY_HEADERS.values())
    assert len(shown) == len(data) == 14
    # Every row says its sidedness (tests) or the interval's (the odds ratio).
    assert shown["Sidedness and convention"].str.contains("sided").all()
    is_or = shown["Test"].str.startswith("Odds ratio")
    assert (shown.loc[is_or, "Gives p = .048?"] == "not a test").all()
    assert (shown.loc[~is_or, "Gives p = .048?"] == "no").all()
    assert shown.loc[is_or, "Odds ratio (exact 95% CI)"].tolist() == [
        f"unbounded, a cell is zero (95% CI {or_lower_bound_by_hand(v.table()):.2f} to ∞)"
        for v in VERSIONS
    ]
    assert shown.loc[~is_or, "Odds ratio (exact 95% CI)"].isna().all()
    from netcomp.book.display import show_table

    html = show_table(shown, {"p-value": "{:.4f}"}).to_html()
    assert "0.0606" in html and "0.0068" in html and "Gives p = .048?" in html


def test_versions_table_states_each_version():
    table = published.versions_table().set_index("Published version")
    conf, jour = table.loc[CONFERENCE_2022.label], table.loc[JOURNAL_2023.label]
    assert conf["Responders: rule"] == "survival inhibition above 15%"
    assert "no threshold" in jour["Responders: rule"]
    assert (conf["HRAS high: responders"], jour["HRAS high: responders"]) == ("5 of 6", "4 of 6")
    assert conf["HRAS high: non-responders"] == jour["HRAS high: non-responders"] == "0 of 5"
    assert (conf["Reported p-value"], jour["Reported p-value"]) == ("none given", ".048")


def test_machine_keys_select_one_row_each(data):
    keys = data[["version_key", "test_key", "sided_key"]]
    assert not keys.duplicated().any()
    two = data.query(
        "version_key == 'conference-2022' and test_key == 'fisher' and sided_key == 'two-sided'"
    )["p_value"]
    assert two.tolist() == [pytest.approx(fisher_by_hand(CONFERENCE_2022.table())[1])]
