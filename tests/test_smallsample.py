"""netcomp.stats.smallsample against independent results: scipy loops, hand values, simulation."""

from __future__ import annotations

import math
from itertools import product

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from netcomp.stats import smallsample as ss
from netcomp.stats.association import odds_ratio_clause
from tests.exact import fisher_tables

matplotlib.use("Agg")

HRAS = ss.TwoByTwo(4, 6, 0, 5)  # the published counts: 4/6 responders vs 0/5 non-responders


def _scipy_p(x1, n1, x2, n2, alternative="two-sided"):
    table = [[x1, x2], [n1 - x1, n2 - x2]]
    return stats.fisher_exact(table, alternative=alternative).pvalue


def _brute_power(n1, n2, r1, r2, alpha, alternative="two-sided"):
    """sum P(x1) P(x2) 1[p <= alpha] with Fisher's test (scipy's definition, summed margin by
    margin in tests/exact.py), one table at a time."""
    w1, w2 = stats.binom.pmf(range(n1 + 1), n1, r1), stats.binom.pmf(range(n2 + 1), n2, r2)
    p = fisher_tables(n1, n2, alternative)
    total = 0.0
    for x1, x2 in product(range(n1 + 1), range(n2 + 1)):
        if p[x1, x2] <= alpha * (1 + 1e-9):
            total += w1[x1] * w2[x2]
    return total


def test_fisher_tables_equal_scipy():
    """The brute-force references' Fisher p-values are scipy's, table by table."""
    sides = ("two-sided", "greater", "less")
    for n1, n2, alternative in product(range(1, 8), range(1, 7), sides):
        p = fisher_tables(n1, n2, alternative)
        for x1, x2 in product(range(n1 + 1), range(n2 + 1)):
            assert p[x1, x2] == pytest.approx(_scipy_p(x1, n1, x2, n2, alternative), rel=1e-12)
    for x1, x2 in product(range(14), range(13)):  # the planning design of 25 cultures
        assert fisher_tables(13, 12)[x1, x2] == pytest.approx(_scipy_p(x1, 13, x2, 12), rel=1e-12)


# --------------------------------------------------------------------------- single tables


def test_feature_counts_aligns_and_drops_missing():
    responder = pd.Series([True, True, False, False, True], index=["A", "B", "C", "D", "E"])
    fold = pd.Series({"A": 2.0, "B": 1.9, "C": 3.0, "D": np.nan, "F": 5.0})
    counts = ss.feature_counts(responder, fold, 2.0)
    # E and F have no partner, D no measurement: A (yes), B (no) | C (yes)
    assert counts == ss.TwoByTwo(1, 2, 1, 1)
    assert counts.detail == "1/2 vs 1/1"
    with pytest.raises(ValueError, match="impossible"):
        ss.TwoByTwo(3, 2, 0, 1)


def test_counts_frame_totals():
    frame = ss.counts_frame(HRAS)
    assert frame["responders"].tolist() == [4, 2, 6]
    assert frame["non-responders"].tolist() == [0, 5, 5]
    assert frame["all"].tolist() == [4, 7, 11]


def test_expected_counts_by_hand():
    exp = ss.expected_counts(HRAS.table)
    np.testing.assert_allclose(exp, [[24 / 11, 20 / 11], [42 / 11, 35 / 11]])


@pytest.mark.parametrize("n1,n2", [(6, 5), (4, 9), (10, 10)])
@pytest.mark.parametrize("yates", [False, True])
def test_chi_square_matches_scipy(n1, n2, yates):
    for x1, x2 in product(range(n1 + 1), range(n2 + 1)):
        table = np.array([[x1, x2], [n1 - x1, n2 - x2]])
        got = float(ss.chi_square_p(x1, n1, x2, n2, yates=yates))
        if (table.sum(axis=1) == 0).any():
            assert got == 1.0  # untestable table
            continue
        want = stats.chi2_contingency(table, correction=yates).pvalue
        assert got == pytest.approx(want, rel=1e-10, abs=1e-14)


def test_chi_square_of_observed_table_by_hand():
    statistic = 11 * (4 * 5 - 0 * 2) ** 2 / (4 * 7 * 6 * 5)
    assert float(ss.chi_square_p(4, 6, 0, 5)) == pytest.approx(stats.chi2.sf(statistic, 1))


@pytest.mark.parametrize("n1,n2", [(6, 5), (7, 9)])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_fisher_grid_matches_scipy_loop(n1, n2, alternative):
    grid = ss.p_value_grid(n1, n2, "fisher", alternative)
    assert grid.shape == (n1 + 1, n2 + 1)
    for x1, x2 in product(range(n1 + 1), range(n2 + 1)):
        want = _scipy_p(x1, n1, x2, n2, alternative)
        assert grid[x1, x2] == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_grid_is_read_only_and_checks_arguments():
    grid = ss.p_value_grid(6, 5)
    with pytest.raises(ValueError):
        grid[0, 0] = 0.5
    with pytest.raises(ValueError, match="two-sided only"):
        ss.p_value_grid(6, 5, "chi-square", "greater")
    with pytest.raises(ValueError, match="test must be"):
        ss.p_value_grid(6, 5, "t-test")
    with pytest.raises(ValueError, match="at least one"):
        ss.p_value_grid(0, 5)


def test_tables_with_margins_hand_values():
    tables = ss.tables_with_margins(HRAS)
    # 4 cultures with the feature among 11: x1 = 0..4; P(x1) = C(6,x1) C(5,4-x1) / C(11,4)
    assert tables["x1"].tolist() == [0, 1, 2, 3, 4]
    want = [math.comb(6, k) * math.comb(5, 4 - k) / 330 for k in range(5)]
    np.testing.assert_allclose(tables["probability_no_effect"], want)
    obs = tables[tables["observed"]].iloc[0]
    assert obs["p_fisher"] == pytest.approx(20 / 330)  # tables 4/6 vs 0/5 and 0/6 vs 4/5
    assert obs["p_fisher_greater"] == pytest.approx(15 / 330)
    assert obs["min_expected"] == pytest.approx(20 / 11)
    # margins fixed, no effect: Fisher rejects only 0/6 vs 4/5 (p = 5/330); chi-square also 4/6
    assert ss.conditional_size(tables, "p_fisher", 0.05) == pytest.approx(5 / 330)
    assert ss.conditional_size(tables, "p_chi_square", 0.05) == pytest.approx(20 / 330)


def test_min_attainable_p_brute_force():
    got = ss.min_attainable_p(6, 5, np.arange(12))
    for t in range(12):
        want = min(_scipy_p(x1, 6, t - x1, 5) for x1 in range(7) if 0 <= t - x1 <= 5)
        assert got[t] == pytest.approx(want, rel=1e-9)
    assert ss.smallest_p_value(6, 5) == pytest.approx(1 / 462)  # 6/6 vs 0/5: 1 / C(11, 5)


# --------------------------------------------------------------------------- exact power and size


def test_power_at_observed_effect_by_hand():
    # With no non-responder carrying the feature, x2 = 0 always; two-sided p <= .05 exactly when
    # x1 >= 5 (p = 7/462 and 1/462; x1 = 4 gives 20/330), one-sided when x1 >= 4.
    p = 4 / 6
    two = 6 * p**5 * (1 - p) + p**6
    one = two + 15 * p**4 * (1 - p) ** 2
    assert ss.rejection_probability(6, 5, p, 0.0, 0.05) == pytest.approx(two, rel=1e-12)
    assert ss.rejection_probability(6, 5, p, 0.0, 0.05, alternative="greater") == pytest.approx(
        one, rel=1e-12
    )


@pytest.mark.parametrize(
    "n1,n2,r1,r2,alternative,test",
    [
        (6, 5, 4 / 11, 4 / 11, "two-sided", "fisher"),
        (6, 5, 0.5, 0.1, "greater", "fisher"),
        (8, 8, 0.7, 0.2, "two-sided", "fisher"),
        (5, 7, 0.3, 0.6, "less", "fisher"),
    ],
)
def test_rejection_probability_matches_brute_force(n1, n2, r1, r2, alternative, test):
    got = ss.rejection_probability(n1, n2, r1, r2, 0.05, test, alternative)
    assert got == pytest.approx(_brute_power(n1, n2, r1, r2, 0.05, alternative), rel=1e-10)


def test_chi_square_size_brute_force():
    total = 0.0
    for x1, x2 in product(range(7), range(6)):
        table = np.array([[x1, x2], [6 - x1, 5 - x2]])
        if (table.sum(axis=1) == 0).any():
            continue
        if stats.chi2_contingency(table, correction=False).pvalue <= 0.05:
            total += stats.binom.pmf(x1, 6, 4 / 11) * stats.binom.pmf(x2, 5, 4 / 11)
    assert ss.rejection_probability(6, 5, 4 / 11, 4 / 11, 0.05, "chi-square") == pytest.approx(
        total
    )


def test_p_value_distribution_is_a_distribution():
    dist = ss.p_value_distribution(6, 5, 4 / 6, 0.1)
    assert dist["probability"].sum() == pytest.approx(1.0)
    assert dist["p_value"].is_monotonic_increasing
    at_alpha = dist.loc[dist["p_value"] <= 0.05, "probability"].sum()
    assert at_alpha == pytest.approx(ss.rejection_probability(6, 5, 4 / 6, 0.1, 0.05))
    assert dist["cumulative"].iloc[-1] == pytest.approx(1.0)


# --------------------------------------------------------------------------- simulation vs exact


@pytest.mark.parametrize(
    "n1,n2,r1,r2,alternative",
    [
        (6, 5, 4 / 6, 0.0, "two-sided"),
        (6, 5, 4 / 11, 4 / 11, "two-sided"),
        (6, 5, 4 / 6, 0.0, "greater"),
        (9, 9, 4 / 6, 0.0, "two-sided"),
        (23, 23, 0.5, 0.1, "two-sided"),
        (19, 19, 0.5, 0.1, "greater"),
    ],
)
def test_simulated_power_within_monte_carlo_error(n1, n2, r1, r2, alternative):
    n_sim = 20_000
    exact = _brute_power(n1, n2, r1, r2, 0.05, alternative) if n1 <= 9 else None
    check = ss.check_power(
        "power", n1, n2, r1, r2, 0.05, n_sim, np.random.default_rng(7), alternative=alternative
    )
    if exact is not None:
        assert check.exact == pytest.approx(exact, rel=1e-10)
    tolerance = 4 * math.sqrt(check.exact * (1 - check.exact) / n_sim)
    assert abs(check.simulated - check.exact) <= tolerance
    assert check.agrees


def test_chapter_defaults_agree():
    """The chapter's checks at its default seed and size (published counts) all agree."""
    rng = np.random.default_rng(20230101)
    n_sim = 2000
    checks = [
        ss.check_power("observed", 6, 5, 4 / 6, 0.0, 0.05, n_sim, rng),
        ss.check_power("null", 6, 5, 4 / 11, 4 / 11, 0.05, n_sim, rng),
        ss.check_power("chi", 6, 5, 4 / 11, 4 / 11, 0.05, n_sim, rng, test="chi-square"),
    ]
    rates = np.full(161, 4 / 11)
    exact = ss.null_screen_exact(6, 5, rates, 0.05)
    sim = ss.simulate_null_screen(6, 5, rates, n_sim, rng, 0.05, 0.10)
    checks += ss.null_screen_checks(exact, sim, 6, 5, 4 / 11)
    plan = ss.plan_power(ss.PowerAssumptions(0.667, 0.1, 0.5, 0.1, 0.5, 0.05, 0.8, 60))
    checks += ss.sample_size_checks(plan, n_sim, rng)
    table = ss.checks_table(checks)
    assert list(table.columns) == list(ss.RESULT_COLUMNS)
    assert table["agrees"].all(), table


def test_simulate_counts_is_reproducible():
    a = ss.simulate_p_values(6, 5, 0.5, 0.2, 500, np.random.default_rng(3))
    b = ss.simulate_p_values(6, 5, 0.5, 0.2, 500, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="probability"):
        ss.simulate_p_values(6, 5, 1.5, 0.2, 10, np.random.default_rng(3))


def test_p_value_scenarios_shapes():
    sim, exact = ss.p_value_scenarios(
        6, 5, {"a": (0.6, 0.0), "b": (0.3, 0.3)}, 300, np.random.default_rng(1)
    )
    assert sim.groupby("scenario").size().to_dict() == {"a": 300, "b": 300}
    assert exact.groupby("scenario")["probability"].sum().to_numpy() == pytest.approx([1, 1])


# --------------------------------------------------------------------------- multiple testing


def test_null_screen_exact_closed_form():
    size = _brute_power(6, 5, 4 / 11, 4 / 11, 0.05)
    screen = ss.null_screen_exact(6, 5, np.full(161, 4 / 11), 0.05)
    assert screen.expected_false_positives == pytest.approx(161 * size)
    assert screen.fwer == pytest.approx(1 - (1 - size) ** 161)
    rates = [0.0, 1 / 11, 4 / 11, 0.5]
    mixed = ss.null_screen_exact(6, 5, rates, 0.05)
    want = [_brute_power(6, 5, r, r, 0.05) for r in rates]
    np.testing.assert_allclose(mixed.size_per_feature, want, rtol=1e-10, atol=1e-15)
    assert mixed.size_per_feature[0] == 0.0  # a feature never present is never significant


def test_simulate_null_screen_against_scipy_and_hand_bh():
    n1, n2, m, n_sim, fdr = 12, 12, 20, 150, 0.6
    rates = np.linspace(0.2, 0.6, m)
    sim = ss.simulate_null_screen(n1, n2, rates, n_sim, np.random.default_rng(11), 0.05, fdr)
    # redraw the same counts, compute p with scipy and apply BH by hand
    rng = np.random.default_rng(11)
    x1 = rng.binomial(n1, np.broadcast_to(rates, (n_sim, m)))
    x2 = rng.binomial(n2, np.broadcast_to(rates, (n_sim, m)))
    cache: dict[tuple[int, int], float] = {}
    unadjusted, bh = [], []
    for row1, row2 in zip(x1, x2, strict=True):
        p = np.array(
            [
                cache.setdefault((u, v), _scipy_p(u, n1, v, n2))
                for u, v in zip(row1, row2, strict=True)
            ]
        )
        unadjusted.append(int(np.sum(p <= 0.05)))
        order = np.sort(p)
        passed = np.nonzero(order <= fdr * np.arange(1, m + 1) / m)[0]
        bh.append(0 if passed.size == 0 else int(passed[-1]) + 1)
    assert sim["unadjusted"].tolist() == unadjusted
    assert sim["benjamini_hochberg"].tolist() == bh
    assert sum(bh) > 0  # the comparison exercised the procedure


def test_call_distribution_shares():
    sim = pd.DataFrame(
        {
            "simulation": [1, 2, 3, 4],
            "unadjusted": [0, 2, 2, 1],
            "bonferroni": [0, 0, 0, 0],
            "benjamini_hochberg": [0, 1, 0, 0],
        }
    )
    dist = ss.call_distribution(sim)
    una = dist[dist["procedure"] == "unadjusted"].set_index("n_called")["share"]
    assert una.to_dict() == {0: 0.25, 1: 0.25, 2: 0.5}
    assert dist.groupby("procedure")["share"].sum().to_numpy() == pytest.approx([1, 1, 1])


def test_bh_minimum_calls_against_statsmodels():
    smallest, m, fdr = 1 / 462, 161, 0.10
    k = ss.bh_minimum_calls(smallest, m, fdr)
    assert k == 4  # ceil(161 * 0.1 / 462 ... ) = ceil(3.48)
    for calls, expected in ((k - 1, 0), (k, k)):
        p = np.ones(m)
        p[:calls] = smallest
        assert multipletests(p, alpha=fdr, method="fdr_bh")[0].sum() == expected
    assert "never" in ss.bonferroni_reach_sentence(smallest, m, 0.05)
    assert "can be reached" in ss.bonferroni_reach_sentence(smallest, 5, 0.05)


# --------------------------------------------------------------------------- sample size


DEFAULTS = ss.PowerAssumptions(0.667, 0.1, 0.5, 0.1, 0.5, 0.05, 0.8, 120)


def test_design_splits_a_total_by_the_responder_share():
    assert ss.design(11, 0.5) == (6, 5)  # the published study's 6 + 5
    assert ss.design(12, 0.5) == (6, 6)
    assert ss.design(10, 0.3) == (3, 7)
    assert ss.design(2, 0.9) == (1, 1)  # at least one culture in each class
    with pytest.raises(ValueError, match="at least 2"):
        ss.design(1, 0.5)
    with pytest.raises(ValueError, match="responder_share"):
        ss.PowerAssumptions(0.6, 0.1, 0.5, 0.1, 1.0, 0.05, 0.8, 20)


@pytest.mark.parametrize("share", [0.5, 0.3])
def test_exact_power_matches_brute_force_enumeration(share):
    """Every size from 2 to 16: scipy's Fisher test table by table, binomial weights."""
    scenarios = {"a": (0.667, 0.1), "b": (0.3, 0.3)}
    curve = ss.power_by_size(range(2, 17), scenarios, share, (0.05, 0.01))
    assert len(curve) == 15 * 2 * 2 * 2
    for row in curve.itertuples(index=False):
        n1, n2 = ss.design(row.n_total, share)
        assert (row.n_responders, row.n_nonresponders) == (n1, n2)
        r1, r2 = scenarios[row.scenario]
        want = _brute_power(n1, n2, r1, r2, row.alpha, row.alternative)
        assert row.power == pytest.approx(want, rel=1e-9, abs=1e-14), row


def test_exact_power_approaches_statsmodels_normal_power_for_large_groups():
    """Where a normal approximation applies (large groups), the enumeration agrees with it.

    statsmodels' power of the two-sample z-test of proportions is the large-sample power of
    Pearson's chi-square test, which the same enumeration computes exactly; Fisher's exact
    test is a little more conservative but converges to it.
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    n = 150
    for rate1, rate2 in ((0.5, 0.35), (0.3, 0.15)):
        effect = proportion_effectsize(rate1, rate2)
        normal = NormalIndPower().power(effect, nobs1=n, alpha=0.05, ratio=1.0)
        chi = ss.rejection_probability(n, n, rate1, rate2, 0.05, "chi-square")
        fisher = ss.power_by_size([2 * n], {"x": (rate1, rate2)}, 0.5, (0.05,), ("two-sided",))[
            "power"
        ].iloc[0]
        assert chi == pytest.approx(normal, abs=0.02)
        assert fisher == pytest.approx(normal, abs=0.04)
        assert fisher <= chi + 1e-12


def test_sample_sizes_first_and_stable_by_brute_force():
    plan = ss.plan_power(ss.PowerAssumptions(0.667, 0.1, 0.5, 0.1, 0.5, 0.05, 0.8, 40))
    for scenario, (r1, r2) in plan.assumptions.scenarios().items():
        for alternative in ("greater", "two-sided"):
            powers = {
                n: _brute_power(*ss.design(n, 0.5), r1, r2, 0.05, alternative) for n in range(2, 41)
            }
            ok = [n for n, power in powers.items() if power >= 0.8]
            first, stable = plan.needed(scenario, alternative)
            if not ok:
                assert first is None and stable is None
                continue
            assert first == ok[0]
            failing = [n for n, power in powers.items() if power < 0.8]
            assert stable == (max(failing) + 1 if powers[40] >= 0.8 else None)
    # the planning effect: 22 one-sided, 25 two-sided (power 0.837 and 0.847)
    assert plan.needed(ss.PLANNING, "greater") == (22, 22)
    assert plan.needed(ss.PLANNING, "two-sided") == (25, 25)
    row = plan.sizes[
        (plan.sizes["scenario"] == ss.PLANNING) & (plan.sizes["alternative"] == "two-sided")
    ].iloc[0]
    assert (row["n_responders"], row["n_nonresponders"]) == (13, 12)
    assert row["power"] == pytest.approx(_brute_power(13, 12, 0.667, 0.1, 0.05), rel=1e-9)


def test_sample_sizes_not_reached():
    plan = ss.plan_power(ss.PowerAssumptions(0.5, 0.45, 0.5, 0.4, 0.5, 0.05, 0.8, 30))
    assert plan.sizes["n_first"].isna().all() and plan.sizes["n_stable"].isna().all()
    statement = ss.planning_statement(plan)
    assert statement.count("more than 30 cultures") == 4


def test_cohort_power_and_statement_use_the_cohort_design():
    plan = ss.plan_power(DEFAULTS, (6, 5), {ss.FACE_VALUE: (4 / 6, 0.0)})
    one = _brute_power(6, 5, 0.667, 0.1, 0.05, "greater")
    two = _brute_power(6, 5, 0.667, 0.1, 0.05)
    assert plan.cohort_power["greater"] == pytest.approx(one, rel=1e-10)
    assert plan.cohort_power["two-sided"] == pytest.approx(two, rel=1e-10)
    text = ss.planning_statement(plan, "HRAS overexpression")
    assert f"{100 * one:.1f}% one-sided and {100 * two:.1f}% two-sided" in text
    assert "22 cultures one-sided (11 responders and 11 non-responders)" in text
    assert "25 cultures two-sided (13 responders and 12 non-responders)" in text
    # the observed 0 of 5 taken at face value asks for far fewer cultures
    assert plan.needed(ss.FACE_VALUE, "two-sided")[0] < plan.needed(ss.PLANNING, "two-sided")[0]
    words = ss.assumptions_sentence(DEFAULTS, "HRAS overexpression", DEFAULTS.follows_published())
    upper = 1 - 0.025 ** (1 / 5)  # Clopper-Pearson upper end for 0 of 5, by hand
    assert f"up to {100 * upper:.1f}%" in words and "responder-balanced" in words
    assert "p ≤ alpha" in words and "every size from 2 to 120" in words


def test_engine_reaches_its_bound_in_a_few_seconds():
    """power_max_n at its maximum (600 cultures): every size, both sides, within seconds."""
    import time

    from netcomp.book.params import MAX_POWER_N

    start = time.process_time()
    plan = ss.plan_power(ss.PowerAssumptions(0.667, 0.1, 0.5, 0.1, 0.5, 0.05, 0.8, MAX_POWER_N))
    assert time.process_time() - start < 15
    assert plan.curve["n_total"].max() == MAX_POWER_N
    assert len(plan.curve) == (MAX_POWER_N - 1) * 2 * 2


# --------------------------------------------------------------------------- effect sizes


def _wilson(x, n):
    z = stats.norm.ppf(0.975)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(
    "counts,low,high",
    [  # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0000),
    ],
)
def test_newcombe_interval_published_values(counts, low, high):
    rd = ss.risk_difference(ss.TwoByTwo(*counts))
    assert rd.low == pytest.approx(low, abs=6e-5)
    assert rd.high == pytest.approx(high, abs=6e-5)


def test_newcombe_interval_from_wilson_by_hand():
    l1, u1 = _wilson(4, 6)
    l2, u2 = _wilson(0, 5)
    p1, p2 = 4 / 6, 0.0
    rd = ss.risk_difference(HRAS)
    assert rd.estimate == pytest.approx(p1 - p2)
    assert rd.low == pytest.approx(p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    assert rd.high == pytest.approx(p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def test_exact_odds_ratio_bound_defined_by_tail():
    ci = ss.exact_odds_ratio(HRAS)
    assert math.isinf(ci.estimate) and math.isinf(ci.high)
    # noncentral hypergeometric tail by hand: P(X >= 4 | margins, OR = low) = 0.025
    support = range(0, 5)
    weights = [math.comb(6, x) * math.comb(5, 4 - x) * ci.low**x for x in support]
    assert weights[4] / sum(weights) == pytest.approx(0.025, rel=1e-6)
    assert ss.tail_probability_at_odds_ratio(HRAS, ci.low) == pytest.approx(0.025, rel=1e-6)
    assert "infinite" in odds_ratio_clause(ci)


def test_haldane_odds_ratio_by_hand():
    h = ss.haldane_odds_ratio(HRAS)
    assert h.estimate == pytest.approx(4.5 * 5.5 / (0.5 * 2.5))
    se = math.sqrt(1 / 4.5 + 1 / 0.5 + 1 / 2.5 + 1 / 5.5)
    z = stats.norm.ppf(0.975)
    assert h.low == pytest.approx(math.exp(math.log(19.8) - z * se))
    assert h.high == pytest.approx(math.exp(math.log(19.8) + z * se))


def test_effect_sizes_finite_table():
    table = ss.effect_sizes(ss.TwoByTwo(3, 5, 1, 6), 0.9)
    assert table["measure"].tolist() == [
        "risk difference",
        "odds ratio (conditional)",
        "odds ratio (0.5 added)",
    ]
    assert np.isfinite(table[["estimate", "low", "high"]].to_numpy()).all()
    assert (table["confidence"] == 0.9).all()
    ci = ss.exact_odds_ratio(ss.TwoByTwo(3, 5, 1, 6))
    assert "finite" in odds_ratio_clause(ci)


# --------------------------------------------------------------------------- figures


def test_figures_have_titles_and_labels():
    import matplotlib.pyplot as plt

    from netcomp.figures import smallsample as figs

    rng = np.random.default_rng(0)
    sim, exact = ss.p_value_scenarios(6, 5, {"observed effect": (4 / 6, 0.0)}, 200, rng)
    screen = ss.simulate_null_screen(6, 5, np.full(20, 4 / 11), 200, rng)
    plan = ss.plan_power(ss.PowerAssumptions(0.667, 0.1, 0.5, 0.1, 0.5, 0.05, 0.8, 24))
    checks = ss.power_checks(plan, 6, 200, rng)
    made = [
        figs.exact_vs_chi_square_plot(ss.tables_with_margins(HRAS), 0.05),
        figs.p_value_distribution_plot(sim, exact, 0.05, "6 vs 5"),
        figs.false_positive_plot(ss.call_distribution(screen), 20, 0.18),
        figs.power_curve_plot(plan.curve, 0.8, 0.5, checks, plan.sizes, 11),
        figs.effect_size_plot(ss.effect_sizes(HRAS)),
    ]
    for fig in made:
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        plt.close(fig)


@pytest.mark.parametrize(
    "counts",
    [
        ss.TwoByTwo(0, 6, 0, 5),
        ss.TwoByTwo(6, 6, 5, 5),
        ss.TwoByTwo(0, 3, 2, 2),
        ss.TwoByTwo(150, 300, 60, 200),
    ],
)
def test_figures_draw_degenerate_and_large_tables(counts):
    """No feature, feature everywhere (odds ratio undefined), estimate 0, hundreds of tables."""
    import matplotlib.pyplot as plt

    from netcomp.figures import smallsample as figs

    rng = np.random.default_rng(1)
    rates = (counts.rate1, counts.rate2)
    sim, exact = ss.p_value_scenarios(counts.n1, counts.n2, {"observed": rates}, 100, rng)
    tables = ss.tables_near_observed(ss.tables_with_margins(counts))
    assert len(tables) <= 15 and tables["observed"].sum() == 1
    effects = ss.effect_sizes(counts)
    if counts.x1 + counts.x2 in (0, counts.n1 + counts.n2):
        assert np.isnan(effects["estimate"].iloc[1])
        assert "no estimate" in odds_ratio_clause(ss.exact_odds_ratio(counts))
    for fig in (
        figs.exact_vs_chi_square_plot(tables, 0.05),
        figs.p_value_distribution_plot(sim, exact, 0.05),
        figs.effect_size_plot(effects),
    ):
        fig.canvas.draw()
        plt.close(fig)


def test_fisher_grid_matches_scipy_table_by_table():
    for n1, n2 in ((1, 1), (3, 8), (9, 9), (13, 4)):
        for alternative in ("two-sided", "greater", "less"):
            grid = ss.fisher_grid(n1, n2, alternative)
            for x1, x2 in product(range(n1 + 1), range(n2 + 1)):
                want = _scipy_p(x1, n1, x2, n2, alternative)
                assert grid[x1, x2] == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_min_carriers_for_significance_brute_force():
    # two-sided, 6 vs 5: 3 carriers give at best 10/165 = 0.061, 4 give 5/330 = 0.015
    assert ss.min_carriers_for_significance(6, 5, 0.05) == 4
    assert ss.min_carriers_for_significance(6, 5, 0.01) == 5  # 4 carriers: 0.015 > 0.01
    assert ss.min_carriers_for_significance(2, 2, 0.05) is None  # best p is 1/3


def test_reconstruction_label_overlaps_no_legend_in_the_saved_image(tmp_path):
    """The grey label under a figure shares its rows of pixels with nothing dark.

    A figure legend anchored only by ``loc="lower center"`` follows the figure's edge when
    a tight save enlarges it, and so landed on the label (the exact-vs-chi-square figure).
    """
    import matplotlib.pyplot as plt
    from PIL import Image

    from netcomp.data import provenance
    from netcomp.figures import smallsample as figs
    from netcomp.figures.style import save_figure

    tables = ss.tables_near_observed(ss.tables_with_margins(HRAS))
    rng = np.random.default_rng(0)
    sim, exact = ss.p_value_scenarios(6, 5, {"observed effect": (4 / 6, 0.0)}, 200, rng)
    made = {
        "exact": figs.exact_vs_chi_square_plot(tables, 0.05),
        "pdist": figs.p_value_distribution_plot(sim, exact, 0.05, "6 vs 5"),
        "effects": figs.effect_size_plot(ss.effect_sizes(HRAS)),
    }
    for name, fig in made.items():
        save_figure(fig, name, tmp_path, tables, "test", data_status=provenance.RECONSTRUCTED)
        plt.close(fig)
        pixels = np.asarray(Image.open(tmp_path / f"{name}.png").convert("L"), dtype=int)
        # the label is the lowest ink in the image: grey (#666666 = 102) and its antialiasing
        inked = np.flatnonzero((pixels < 200).any(axis=1))
        bottom = inked[-1]
        top = bottom
        while top - 1 in inked:
            top -= 1
        band = pixels[top : bottom + 1]
        assert band.min() >= 80, f"{name}: something dark shares the label's rows"
        assert (band < 160).any(), f"{name}: no grey label at the bottom"


def test_fisher_grids_cache_returns_the_computed_grids_read_only():
    """Grids up to CACHED_GRIDS_MAX_N cultures are cached (read-only); larger ones are not."""
    alternatives = ("greater", "two-sided")
    ss._cached_fisher_grids.cache_clear()
    first = ss.fisher_grids(7, 9, alternatives)
    first.clear()  # the caller's dict, not the cache's
    again = ss.fisher_grids(7, 9, list(alternatives))
    assert ss._cached_fisher_grids.cache_info().hits == 1
    assert sorted(again) == sorted(alternatives)
    for alternative, grid in again.items():
        assert not grid.flags.writeable
        np.testing.assert_array_equal(grid, ss._fisher_grids(7, 9, (alternative,))[alternative])
    want = stats.fisher_exact([[5, 2], [2, 7]], alternative="greater").pvalue
    assert again["greater"][5, 2] == pytest.approx(want, rel=1e-9)
    big = ss.fisher_grids(150, ss.CACHED_GRIDS_MAX_N - 149, ("less",))["less"]  # 201 cultures
    assert big.flags.writeable and ss._cached_fisher_grids.cache_info().currsize == 1
    want = stats.fisher_exact([[60, 90], [40, 11]], alternative="less").pvalue
    assert big[60, 40] == pytest.approx(want, rel=1e-9)
