"""Chapter 3 (biomarker association) computed without a notebook: values and failure modes.

Values on the bundled cohort are checked against independent computations (scipy,
statsmodels, loops written here); cohorts of other shapes must give notices, never
exceptions, and every glued value must be a finite number or a string.
"""

from __future__ import annotations

import itertools
import math
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from scipy import stats
from statsmodels.stats.multitest import multipletests

from netcomp.chapters import association as ch
from netcomp.data.cohort import load_cohort
from netcomp.data.validate import CohortError
from netcomp.stats import robustness
from tests.cohorts import CohortSpec, write_cohort
from tests.strategies import cohort_specs, examples

#: A 12-culture synthetic cohort with 6 responders and 6 non-responders at 15%.
BALANCED = CohortSpec(seed=10, hras_effect=2.0)
FAST = {"n_simulations": 100, "power_max_n": 20}


@pytest.fixture(scope="module")
def bundled() -> ch.AssociationChapter:
    return ch.compute(load_cohort())


@pytest.fixture(scope="module")
def bundled_cohort():
    return load_cohort()


def _cohort(spec: CohortSpec, folder: Path):
    write_cohort(folder, spec)
    return load_cohort(folder)


def _check_values(result: ch.AssociationChapter) -> None:
    for name, value in result.values.items():
        assert isinstance(value, str | int | float), (name, value)
        if isinstance(value, str):
            assert value.strip(), f"{name} is an empty string"
        else:
            assert math.isfinite(value), (name, value)


def _sections(result: ch.AssociationChapter) -> set[str]:
    return {n.section for n in result.notices}


# --------------------------------------------------------------------------- bundled values


def _independent_classes(cohort, threshold=15.0) -> pd.Series:
    v = cohort.viability[cohort.viability["drug"] == "lenvatinib"]
    inhibition = 100.0 - v.groupby("culture_id")["viability_pct"].mean()
    return inhibition > threshold


def test_bundled_classes_and_hras_table_match_scipy(bundled, bundled_cohort):
    classes = _independent_classes(bundled_cohort)
    assert (bundled.n_responders, bundled.n_nonresponders) == (int(classes.sum()), 5)
    hras = bundled_cohort.expression.query("gene == 'HRAS'").set_index("culture_id")["fold_change"]
    over = hras >= 2.0
    table = [
        [int((over & classes).sum()), int((over & ~classes).sum())],
        [int((~over & classes).sum()), int((~over & ~classes).sum())],
    ]
    assert table == [[4, 0], [2, 5]]
    assert bundled.hras_table.table.tolist() == table
    assert bundled.values["assoc_hras_p2"] == pytest.approx(
        stats.fisher_exact(table).pvalue, rel=1e-12
    )
    assert bundled.values["assoc_hras_p1"] == pytest.approx(
        stats.fisher_exact(table, alternative="greater").pvalue, rel=1e-12
    )
    ci = stats.contingency.odds_ratio(np.array(table), kind="conditional").confidence_interval()
    assert bundled.hras_ci.low == pytest.approx(ci.low, rel=1e-9)
    assert (
        "4 of the 6 responders and 0 of the 5 non-responders"
        in (bundled.values["assoc_hras_table_sentence"])
    )
    assert bundled.notices == []


def test_bundled_published_counts(bundled):
    p2 = stats.fisher_exact([[4, 0], [2, 5]]).pvalue
    assert bundled.values["assoc_pub_fisher2"] == pytest.approx(p2, rel=1e-12)
    tests = bundled.tables["hras_tests"]
    chi = tests[tests["test"] == "Pearson chi-square"]["p_value"].iloc[0]
    assert chi == pytest.approx(stats.chi2_contingency([[4, 0], [2, 5]], correction=False)[1])


def test_bundled_clinical_tests_are_exact(bundled, bundled_cohort):
    classes = _independent_classes(bundled_cohort)
    info = bundled_cohort.cultures.set_index("culture_id").loc[classes.index]
    clinical = bundled.clinical.set_index("feature")
    syn = info["syndromic"] == "yes"
    table = [
        [int((syn & classes).sum()), int((syn & ~classes).sum())],
        [int((~syn & classes).sum()), int((~syn & ~classes).sum())],
    ]
    assert clinical.loc["syndromic", "p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)
    # Ki67: exact permutation test over all 462 label assignments, by brute force here
    x = info["ki67_pct"].to_numpy(float)
    ranks = stats.rankdata(x)
    r = classes.to_numpy()
    centre = r.sum() * (~r).sum() / 2
    u_obs = ranks[r].sum() - r.sum() * (r.sum() + 1) / 2
    extreme = total = 0
    for combo in itertools.combinations(range(x.size), int(r.sum())):
        u = ranks[list(combo)].sum() - r.sum() * (r.sum() + 1) / 2
        extreme += abs(u - centre) >= abs(u_obs - centre) - 1e-9
        total += 1
    assert total == 462 and bundled.values["assoc_ki67_assignments"] == "462 ways"
    assert clinical.loc["ki67_pct", "p_value"] == pytest.approx(extreme / total, rel=1e-12)


def test_bundled_screen_q_values_and_counts(bundled, bundled_cohort):
    screen = bundled.screen
    q = multipletests(screen["p_value"].to_numpy(float), method="fdr_bh")[1]
    np.testing.assert_allclose(screen["q_value"].to_numpy(float), q, rtol=1e-12)
    n_genes = bundled_cohort.expression["gene"].nunique()
    n_mutated = bundled_cohort.mutations["gene"].nunique()
    assert bundled.values["assoc_m_tests"] == 4 + n_genes + n_mutated == len(screen)
    hras = screen[(screen["feature"] == "HRAS") & (screen["kind"] == "expression")].iloc[0]
    assert bundled.values["assoc_hras_q"] == pytest.approx(hras["q_value"])
    assert bundled.values["assoc_n_sig"] == int((screen["p_value"] < 0.05).sum())
    assert list(bundled.tables["associations"].columns) == [
        "feature",
        "kind",
        "test",
        "statistic",
        "p_value",
        "q_value",
        "n_responders",
        "n_nonresponders",
        "detail",
    ]


def test_bundled_leave_one_out_and_fragility_by_brute_force(bundled, bundled_cohort):
    classes = _independent_classes(bundled_cohort)
    hras = bundled_cohort.expression.query("gene == 'HRAS'").set_index("culture_id")["fold_change"]
    over = hras >= 2.0
    loo = bundled.loo.set_index("culture_id")
    for cid in classes.index:
        r, f = classes.drop(cid), over.drop(cid)
        table = [
            [int((f & r).sum()), int((f & ~r).sum())],
            [int((~f & r).sum()), int((~f & ~r).sum())],
        ]
        assert loo.loc[cid, "p_two_sided"] == pytest.approx(stats.fisher_exact(table).pvalue)
    # reverse fragility (two-sided): the fewest class changes reaching p < 0.05
    best = None
    for aa in range(0, 5):  # 4 overexpressing cultures
        for cc in range(0, 8):  # 7 not overexpressing
            p = stats.fisher_exact([[aa, 4 - aa], [cc, 7 - cc]]).pvalue
            if p < 0.05:
                flips = abs(aa - 4) + abs(cc - 2)
                best = flips if best is None else min(best, flips)
    assert bundled.fragility_two.minimum == best == 1


def test_bundled_grid_cell_and_power_bounds(bundled, bundled_cohort):
    grid = bundled.grid
    assert grid["threshold_pct"].between(5.0, 30.0).all()
    assert grid["cutoff"].between(1.5, 4.0).all()
    cell = grid[(grid["threshold_pct"] == 20.0) & (np.isclose(grid["cutoff"], 1.5))].iloc[0]
    classes = _independent_classes(bundled_cohort, 20.0)
    hras = bundled_cohort.expression.query("gene == 'HRAS'").set_index("culture_id")["fold_change"]
    over = hras.loc[classes.index] >= 1.5
    table = [
        [int((over & classes).sum()), int((over & ~classes).sum())],
        [int((~over & classes).sum()), int((~over & ~classes).sum())],
    ]
    assert cell["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)
    n = bundled.curves["n_total"]  # exact power, every size from 2 to power_max_n
    assert set(n) == set(range(2, 121)) and bundled.observed_n == 11
    assert bundled.curves["power"].between(0, 1).all()
    assert (
        "this cohort's design (6 responders and 5 non-responders)"
        in (bundled.values["assoc_pow_sentence"])
    )


def test_bundled_exercises(bundled):
    ex1 = bundled.ex1.set_index("threshold (%)")
    assert ex1.loc[25.0, "overexpressed: responders vs non-responders"] == "3/5 vs 1/6"
    assert ex1.loc[25.0, "p, two-sided"] == pytest.approx(
        stats.fisher_exact([[3, 1], [2, 5]]).pvalue
    )
    ex2 = bundled.ex2.set_index("cut-off")
    assert ex2.loc[1.5, "overexpressed: responders vs non-responders"] == "4/6 vs 2/5"
    ex3 = bundled.ex3
    q = multipletests(ex3["p_value"].to_numpy(float), method="fdr_bh")[1]
    assert bundled.values["assoc_ex3_q"] == pytest.approx(
        q[ex3["feature"].eq("HRAS").to_numpy()][0]
    )
    assert bundled.values["assoc_ex4_needed"].endswith("cultures")
    _check_values(bundled)


# --------------------------------------------------------------------------- other cohorts


@pytest.mark.parametrize(
    "spec,params,expected",
    [
        (
            replace(BALANCED, n_cultures=1),
            {},
            {ch.S_CLASSES, ch.S_CLINICAL, ch.S_HRAS_TEST, ch.S_FRAGILITY, ch.S_LOO, ch.S_SCREEN},
        ),
        (
            replace(BALANCED, inhibition=(40.0, 90.0)),
            {},
            {ch.S_CLASSES, ch.S_CLINICAL, ch.S_HRAS_TEST, ch.S_SCREEN},
        ),
        (
            replace(BALANCED, genes=("KDR", "FGFR1")),
            {},
            {ch.S_HRAS, ch.S_HRAS_TEST, ch.S_GRID, ch.S_MUTATION, ch.S_EX1, ch.S_EX2},
        ),
        (replace(BALANCED, mutation_rate=0.0), {}, {ch.S_MUTATION, ch.S_SCREEN_MUTATIONS}),
        (BALANCED, {"drug": "no-such-drug"}, {ch.S_CLASSES, ch.S_HRAS, ch.S_SCREEN}),
        (BALANCED, {"response_threshold_pct": 100.0}, {ch.S_CLASSES, ch.S_HRAS_TEST}),
    ],
)
def test_failure_modes_give_notices(tmp_path, spec, params, expected):
    result = ch.compute(_cohort(spec, tmp_path), {**FAST, **params})
    assert expected <= _sections(result)
    _check_values(result)
    # the descriptive parts and the published-counts section still render
    assert len(result.hras_tests) == 10
    assert not result.curves.empty
    if ch.S_SCREEN in _sections(result):
        assert result.tables["associations"].empty
        assert result.values["assoc_hras_screen_sentence"]


def test_empty_class_keeps_descriptive_parts(tmp_path):
    result = ch.compute(_cohort(replace(BALANCED, inhibition=(40.0, 90.0)), tmp_path), FAST)
    assert result.n_nonresponders == 0 and result.hras is not None
    assert result.hras_table is not None  # the 2x2 counts are still drawn
    assert "every culture is in one class" in result.notices_for(ch.S_CLASSES)[0].reason
    assert "this cohort's design" not in result.values["assoc_pow_sentence"]  # one class only
    assert result.plan.cohort is None and result.observed_n is None
    assert result.values["assoc_hras_p2"] == ch.NOT_APPLICABLE


def test_partial_expression_tests_measured_cultures_only(tmp_path):
    cohort = _cohort(replace(BALANCED, n_cultures=30, partial_expression=True), tmp_path)
    result = ch.compute(cohort, FAST)
    measured = cohort.expression.query("gene == 'HRAS'")["culture_id"]
    assert set(result.hras["culture_id"]) == set(measured)
    t = result.hras_table
    assert t.a + t.b + t.c + t.d == len(measured)
    _check_values(result)


def test_other_drug_dose_series_and_one_drug(tmp_path):
    spec = replace(
        BALANCED, n_cultures=20, drugs={"lenvatinib": (0.1, 1.0, 10.0), "sunitinib": (5.0,)}
    )
    cohort = _cohort(spec, tmp_path / "a")
    dose = ch.compute(cohort, FAST)
    assert dose.params["concentration_um"] == 10.0
    other = ch.compute(cohort, {**FAST, "drug": "sunitinib"})
    assert other.values["assoc_drug"] == "sunitinib"
    assert "sunitinib" in other.values["assoc_classes_sentence"]
    one = ch.compute(
        _cohort(replace(BALANCED, drugs={"lenvatinib": (10.0,)}), tmp_path / "b"), FAST
    )
    for result in (dose, other, one):
        _check_values(result)


def test_two_hundred_cultures(tmp_path):
    result = ch.compute(_cohort(replace(BALANCED, n_cultures=200), tmp_path), FAST)
    assert result.tests_apply and len(result.loo) == 200
    assert result.curves["n_total"].max() == 20
    assert result.observed_n is None  # 200 lies beyond power_max_n = 20
    n1, n2 = result.n_responders, result.n_nonresponders  # the cohort's own design is exact
    assert (
        f"this cohort's design ({n1} responders and {n2} non-responders)"
        in (result.values["assoc_pow_sentence"])
    )
    _check_values(result)


def test_scan_values_stay_within_bounds():
    assert robustness.scan_values(5, 30, 7).tolist() == [5.0, 12.0, 19.0, 26.0]
    fine = robustness.scan_values(0, 100, 1e-6)
    assert len(fine) == robustness.MAX_SCAN_POINTS and fine[0] == 0 and fine[-1] == 100
    assert robustness.scan_values(1.5, 4.0, 0.1)[-1] == 4.0
    assert robustness.scan_values(2.0, 2.0, 1.0).tolist() == [2.0]


def test_grid_parameters_are_respected(tmp_path):
    params = {
        **FAST,
        "threshold_min_pct": 10.0,
        "threshold_max_pct": 30.0,
        "threshold_step_pct": 7.0,
        "cutoff_min": 1.0,
        "cutoff_max": 3.0,
        "cutoff_step": 0.002,
        "power_max_n": 9,
    }
    result = ch.compute(_cohort(BALANCED, tmp_path), params)
    assert sorted(result.grid["threshold_pct"].unique()) == [10.0, 17.0, 24.0]
    assert result.grid["cutoff"].between(1.0, 3.0).all()
    assert result.grid["cutoff"].nunique() == robustness.MAX_SCAN_POINTS
    assert "widened" in result.values["assoc_grid_sentence"]
    assert set(result.curves["n_total"]) == set(range(2, 10))
    assert set(result.ex4_curves["n_total"]) == set(range(2, 19))  # the exercise doubles it
    assert result.values["assoc_thr_max"] == 24.0


def test_exercise_power_stays_within_the_engine_bound(bundled_cohort):
    from netcomp.book.params import MAX_POWER_N

    result = ch.compute(bundled_cohort, {"power_max_n": 400, "n_simulations": 100})
    ex4 = result.ex4_curves[result.ex4_curves["alpha"] == 0.01]
    assert ex4["n_total"].max() == MAX_POWER_N == result.values["assoc_ex4_max_n"]


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=cohort_specs())
def test_compute_never_raises_on_any_valid_cohort(spec):
    with tempfile.TemporaryDirectory() as folder:
        write_cohort(Path(folder), spec)
        try:
            cohort = load_cohort(folder)
        except CohortError as err:
            # partial expression can leave expression.csv without rows: not a valid cohort
            assume("expression.csv" not in str(err) or "no data rows" not in str(err))
            raise
        result = ch.compute(
            cohort,
            {
                "n_simulations": 100,
                "power_max_n": 12,
                "threshold_step_pct": 2.5,
                "cutoff_step": 0.5,
            },
        )
    _check_values(result)
    for notice in result.notices:
        assert notice.reason and notice.remedy
    if result.tests_apply:
        assert result.screen is not None and not result.tables["associations"].empty
    assert result.curves["n_total"].between(2, 12).all()


def test_drug_missing_for_some_cultures(tmp_path):
    spec = replace(BALANCED, n_cultures=30, missing_fraction=0.3)
    cohort = _cohort(spec, tmp_path)
    with_drug = set(cohort.viability.query("drug == 'everolimus'")["culture_id"])
    result = ch.compute(cohort, {**FAST, "drug": "everolimus"})
    assert set(result.classes.index) == with_drug and len(with_drug) < 30
    assert (
        f"{30 - len(with_drug)} cultures have no measurement for everolimus"
        in (result.values["assoc_classes_sentence"])
    )
    _check_values(result)


# --------------------------------------------------------------------------- issue 15: exact
# methods, partitions, discrete FDR, class uncertainty, words about the reconstruction


def test_bundled_published_versions_section(bundled):
    versions = bundled.tables["versions"]
    assert set(versions["Published version"]) == {
        "Conference abstract (2022)",
        "Journal article (2023)",
    }
    fisher = versions[
        (versions["Test"] == "Fisher's exact test")
        & versions["Sidedness and convention"].str.startswith("two-sided")
    ]
    by_version = dict(zip(fisher["Published version"], fisher["p-value"], strict=True))
    # Fisher two-sided by hand: sum of hypergeometric probabilities no larger than observed
    for version, (a, n1, b, n2) in {
        "Conference abstract (2022)": (5, 6, 0, 5),
        "Journal article (2023)": (4, 6, 0, 5),
    }.items():
        m1, n = a + b, n1 + n2
        pmf = [
            math.comb(m1, k) * math.comb(n - m1, n1 - k) / math.comb(n, n1)
            for k in range(0, min(m1, n1) + 1)
        ]
        ref = sum(q for q in pmf if q <= pmf[a] * (1 + 1e-7))
        assert by_version[version] == pytest.approx(ref, rel=1e-9)
    assert "p = .048" in bundled.values["assoc_versions_sentence"]
    conv = bundled.hras_tests.set_index(["test", "sided"])["convention"]
    assert "twice the smaller one-sided" in conv[("Boschloo exact", "two-sided")]


def test_bundled_grid_is_reported_per_partition(bundled, bundled_cohort):
    parts = bundled.partitions
    assert len(parts) == 25 and parts["n_points"].sum() == len(bundled.grid) == 1326
    inh = (
        bundled_cohort.viability[bundled_cohort.viability["drug"] == "lenvatinib"]
        .assign(i=lambda t: 100 - t["viability_pct"])
        .groupby("culture_id")["i"]
        .mean()
    )
    fold = bundled_cohort.expression_matrix()["HRAS"]
    distinct = {
        (frozenset(inh.index[inh > t]), frozenset(fold.index[fold >= c]))
        for t, c in zip(bundled.grid["threshold_pct"], bundled.grid["cutoff"], strict=True)
    }
    assert len(distinct) == 25
    sentence = bundled.values["assoc_grid_sentence"]
    assert "give only 25 distinct partitions" in sentence
    n_two = int((parts["p_two_sided"] < 0.05).sum())
    n_one = int((parts["p_one_sided"] < 0.05).sum())
    assert f"Of those, {n_two} give a two-sided p below alpha and {n_one} a one-sided" in sentence
    assert "% of them" not in sentence  # no share of grid points
    assert len(bundled.tables["partitions"]) == 25


def test_bundled_screen_exact_mann_whitney_and_tarone(bundled, bundled_cohort):
    expr = bundled_cohort.expression_matrix()
    resp = bundled.classes
    kdr = bundled.ranks.set_index("feature").loc["KDR"]
    assert bool(kdr["ties"]) and kdr["method"] == "exact (enumeration, mid-ranks)"
    x = expr.loc[resp.index, "KDR"].to_numpy()
    r = resp.to_numpy()
    ranks = stats.rankdata(x)
    u_obs = ranks[r].sum() - 21
    us = [ranks[list(c)].sum() - 21 for c in itertools.combinations(range(11), 6)]
    ref = np.mean(np.abs(np.array(us) - 15) >= abs(u_obs - 15) - 1e-9)
    assert kdr["p_value"] == pytest.approx(ref, rel=1e-12) and kdr["p_value"] < 1.0
    # Tarone-BH by hand: smallest attainable Fisher p from the margins, then BH on the family
    screen = bundled.screen
    fisher_rows = screen["kind"] != "clinical"
    for row in screen[fisher_rows].itertuples():
        a_, n1 = map(int, row.detail.split(" vs ")[0].split("/"))
        b_, n2 = map(int, row.detail.split(" vs ")[1].split("/"))
        m1 = a_ + b_
        ps = [
            stats.fisher_exact([[k, m1 - k], [n1 - k, n2 - m1 + k]]).pvalue
            for k in range(max(0, m1 - n2), min(m1, n1) + 1)
        ]
        assert row.min_p == pytest.approx(min(ps) if len(ps) > 1 else 1.0, rel=1e-9)
    pmin = screen["min_p"].to_numpy()
    k = next(k for k in range(1, len(screen) + 1) if np.sum(pmin <= 0.1 / k) <= k)
    family = pmin <= 0.1 / k
    q_ref = multipletests(screen["p_value"][family], method="fdr_bh")[1]
    assert np.allclose(screen["q_tarone"][family], q_ref)
    hras = screen[(screen["feature"] == "HRAS") & (screen["kind"] == "expression")].iloc[0]
    assert hras["q_tarone"] == pytest.approx(q_ref[list(screen.index[family]).index(hras.name)])
    words = bundled.values["assoc_hras_q_words"]
    assert "reports false" not in words and "cap of 1" in words
    assert "not an estimate of the share of false reports" in words
    assert f"Tarone's K = {k}" in bundled.values["assoc_bh_sentence"]


def test_bundled_class_uncertainty_against_every_class_pattern(bundled, bundled_cohort):
    wells = bundled_cohort.viability[bundled_cohort.viability["drug"] == "lenvatinib"]
    inh = (100 - wells["viability_pct"]).groupby(wells["culture_id"])
    mean, sd, n = inh.mean(), inh.std(ddof=1), inh.size()
    prob = pd.Series(stats.t.sf((15 - mean) / (sd / np.sqrt(n)), n - 1), index=mean.index)
    probs = bundled.class_probs.set_index("culture_id")["p_responder"]
    assert np.allclose(probs.loc[prob.index], prob, rtol=1e-9)
    over = bundled.over.loc[prob.index].to_numpy()
    q = prob.to_numpy()
    p_two = p_one = p_obs = 0.0
    for pattern in itertools.product((False, True), repeat=q.size):
        resp = np.array(pattern)
        w = float(np.prod(np.where(resp, q, 1 - q)))
        a, c = int(np.sum(resp & over)), int(np.sum(resp & ~over))
        b, d = int(over.sum()) - a, int((~over).sum()) - c
        p_obs += w if (a, c) == (4, 2) else 0.0
        if min(a + c, b + d) < 2:
            continue
        table = [[a, b], [c, d]]
        p_two += w if stats.fisher_exact(table).pvalue < 0.05 else 0.0
        p_one += w if stats.fisher_exact(table, alternative="greater").pvalue < 0.05 else 0.0
    v = bundled.values
    assert v["assoc_unc_p_two"] == pytest.approx(p_two, abs=1e-9)
    assert v["assoc_unc_p_one"] == pytest.approx(p_one, abs=1e-9)
    assert v["assoc_unc_p_obs"] == pytest.approx(p_obs, abs=1e-9)
    crossing = [
        c
        for c in mean.index
        if abs(mean[c] - 15) < stats.t.ppf(0.975, n[c] - 1) * sd[c] / np.sqrt(n[c])
    ]
    n = len(crossing)
    assert v["assoc_unc_sentence"].startswith(
        f"{n} culture has a 95% t-interval" if n == 1 else f"{n} cultures have a 95% t-interval"
    )
    assert all("(s)" not in str(x) for x in v.values())  # counted nouns read as English
    assert "reconstructed" in v["assoc_unc_sentence"]


def test_bundled_correlation_permutation_and_words(bundled, bundled_cohort):
    corr = bundled.correlations.set_index("Correlation")
    sp = corr.loc["Spearman (ranks)"]
    wells = bundled_cohort.viability[bundled_cohort.viability["drug"] == "lenvatinib"]
    inh = (100 - wells["viability_pct"]).groupby(wells["culture_id"]).mean()
    fold = bundled_cohort.expression_matrix()["HRAS"].loc[inh.index]
    assert sp["r"] == pytest.approx(stats.spearmanr(inh, fold).statistic, rel=1e-12)

    def spearman(u, w, axis=-1):  # Pearson's r of the ranks, all orderings at once
        ru, rw = stats.rankdata(u, axis=axis), stats.rankdata(w, axis=axis)
        ru, rw = ru - ru.mean(axis, keepdims=True), rw - rw.mean(axis, keepdims=True)
        return (ru * rw).sum(axis) / np.sqrt((ru**2).sum(axis) * (rw**2).sum(axis))

    assert spearman(inh.to_numpy(), fold.to_numpy()) == pytest.approx(sp["r"], rel=1e-12)
    ref = stats.permutation_test(
        (inh.to_numpy(), np.log2(fold.to_numpy())),
        spearman,
        vectorized=True,
        permutation_type="pairings",
        n_resamples=5_000,
        random_state=0,
    ).pvalue
    assert abs(sp["p, two-sided (permutation)"] - ref) < 0.05
    # the page states the draws and their error, not the random-number seed behind them
    assert sp["Null distribution"].startswith("Monte Carlo: 10,000 random orderings")
    assert "seed" not in sp["Null distribution"]
    text = bundled.values["assoc_corr_sentence"]
    assert "Could the published p = .048 come from such a test?" in text
    assert "reconstruction's values were drawn only to match" in text
    # words: no reconstructed value presented as a finding
    everything = " ".join(str(x) for x in bundled.values.values())
    for phrase in (
        "the signal lives in where the line is drawn",
        "as the study states",
        "one culture decides the headline result",
        "of those reports false",
    ):
        assert phrase not in everything
    assert "in this reconstruction" in bundled.values["assoc_hras_mw_words"]
    assert "agreement is built in" in bundled.values["assoc_clinical_verdict"]
    assert "agrees by construction" in bundled.values["assoc_mut_sentence"]


def test_site_levels_read_as_words_in_the_clinical_table():
    """The clinical table says 'small intestine', as the figures do (the data: small_intestine)."""
    from netcomp.data.cohort import load_cohort

    result = ch.compute(load_cohort(), {})
    detail = result.tables["clinical"]["detail"].astype(str)
    site = detail[detail.str.contains("pancreas")].iloc[0]
    assert "small intestine 2/6 vs 1/5" in site and "_" not in site
