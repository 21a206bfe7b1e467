"""Response classification: checked against independent computations (plain loops, scipy).

The bundled cohort test reads the raw CSV with the csv module and averages by hand; the small
cohort built here has hand-computed inhibitions.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from netcomp.book.results import write_results
from netcomp.stats import response as r

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "cohort"


def _rows(culture: str, drug: str, conc: float, values: list[float]) -> list[dict]:
    return [
        {
            "culture_id": culture,
            "drug": drug,
            "concentration_um": conc,
            "replicate": i + 1,
            "viability_pct": v,
        }
        for i, v in enumerate(values)
    ]


@pytest.fixture
def small() -> pd.DataFrame:
    """Four cultures, two drugs; inhibitions by hand (100 - mean viability)."""
    rows = []
    rows += _rows("C1", "lenvatinib", 10, [80, 90, 70])  # inhibition 20, sd 10 -> responder
    rows += _rows("C2", "lenvatinib", 10, [85, 85, 85])  # 15 exactly -> non-responder
    rows += _rows("C3", "lenvatinib", 10, [110, 105, 115])  # growth: -10 -> non-responder
    rows += _rows("C4", "lenvatinib", 10, [60, 64])  # 38, two replicates -> responder
    rows += _rows("C1", "sunitinib", 5, [95, 97, 99])  # 3
    rows += _rows("C2", "sunitinib", 5, [70, 72, 74])  # 28
    rows += _rows("C3", "sunitinib", 5, [100, 100, 103])  # -1
    rows += _rows("C4", "sunitinib", 5, [50, 55, 60])  # 45
    return pd.DataFrame(rows)


EXPECTED = {
    ("C1", "lenvatinib"): (3, 20.0, 10.0),
    ("C2", "lenvatinib"): (3, 15.0, 0.0),
    ("C3", "lenvatinib"): (3, -10.0, 5.0),
    ("C4", "lenvatinib"): (2, 38.0, np.sqrt(8.0)),
    ("C1", "sunitinib"): (3, 3.0, 2.0),
    ("C2", "sunitinib"): (3, 28.0, 2.0),
    ("C3", "sunitinib"): (3, -1.0, np.sqrt(3.0)),
    ("C4", "sunitinib"): (3, 45.0, 5.0),
}


def test_inhibition_matches_hand_computed_values(small):
    table = r.inhibition_table(small)
    assert len(table) == len(EXPECTED)
    for row in table.itertuples():
        n, mean, sd = EXPECTED[(row.culture_id, row.drug)]
        assert row.n_replicates == n
        assert row.inhibition_pct == pytest.approx(mean, abs=1e-12)
        assert row.inhibition_sd == pytest.approx(sd, abs=1e-12)
    assert set(table.loc[table.drug == "lenvatinib", "concentration_um"]) == {10.0}
    assert set(table.loc[table.drug == "sunitinib", "concentration_um"]) == {5.0}


def test_replicate_ttest_matches_scipy_per_culture(small):
    table = r.inhibition_table(small)
    for row in table.itertuples():
        sub = small[(small.culture_id == row.culture_id) & (small.drug == row.drug)]
        inhib = 100.0 - sub["viability_pct"].to_numpy(float)
        if np.std(inhib) == 0:  # identical replicates: undefined by our rule
            assert np.isnan(row.p_value) and np.isnan(row.t_statistic)
            continue
        ref = stats.ttest_1samp(inhib, 0.0)
        assert row.t_statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert row.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_classes_of_small_cohort(small):
    classes = r.responder_classes(small, "lenvatinib", threshold_pct=15)
    assert classes.name == "responder"
    assert classes.index.tolist() == ["C1", "C2", "C3", "C4"]
    assert classes.tolist() == [True, False, False, True]  # 15 exactly is not > 15
    sun = r.responder_classes(small, "sunitinib", threshold_pct=15)
    assert sun.tolist() == [False, True, False, True]


def test_bundled_cohort_against_plain_csv_loop():
    if not (BUNDLED / "viability.csv").is_file():
        pytest.skip("bundled cohort not generated yet")
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    with open(BUNDLED / "viability.csv", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            values[(rec["culture_id"], rec["drug"])].append(float(rec["viability_pct"]))
    viability = pd.read_csv(BUNDLED / "viability.csv")
    table = r.inhibition_table(viability)
    assert len(table) == len(values)
    for row in table.itertuples():
        vals = values[(row.culture_id, row.drug)]
        assert row.n_replicates == len(vals)
        assert row.inhibition_pct == pytest.approx(100 - statistics.fmean(vals), abs=1e-9)
        assert row.inhibition_sd == pytest.approx(statistics.stdev(vals), abs=1e-9)
    classes = r.responder_classes(viability, "lenvatinib", 15.0)
    lenv = {c: 100 - statistics.fmean(v) > 15 for (c, d), v in values.items() if d == "lenvatinib"}
    assert classes.to_dict() == dict(sorted(lenv.items()))
    assert int(classes.sum()) == 6 and int((~classes).sum()) == 5  # as the study reports


def test_classify_boundaries_and_shapes():
    arr = np.array([[14.9, 15.0], [15.0001, -3.0]])
    out = r.classify(arr, 15)
    assert out.shape == arr.shape
    assert out.tolist() == [[False, False], [True, False]]
    ser = pd.Series([0.0, 100.0, 50.0], index=["b", "a", "c"])
    res = r.classify(ser, 50)
    assert res.index.tolist() == ["b", "a", "c"] and res.tolist() == [False, True, False]
    assert r.classify(np.array([0.0, 0.1]), 0).tolist() == [False, True]
    assert r.classify(np.array([100.0]), 100).tolist() == [False]
    with pytest.raises(ValueError, match="NaN"):
        r.classify(np.array([1.0, np.nan]), 15)


@pytest.mark.parametrize("bad", [-0.1, 100.5, float("nan"), "high"])
def test_threshold_outside_range_is_an_error(small, bad):
    with pytest.raises(ValueError, match="between 0 and 100"):
        r.responder_classes(small, "lenvatinib", threshold_pct=bad)
    with pytest.raises(ValueError, match="between 0 and 100"):
        r.classify(np.array([1.0]), bad)


def test_errors_name_what_is_missing_and_available(small):
    with pytest.raises(ValueError, match=r"'everolimus'.*available drugs: lenvatinib, sunitinib"):
        r.responder_classes(small, "everolimus")
    with pytest.raises(ValueError, match=r"not tested at 3 µM; tested concentrations: 10 µM"):
        r.responder_classes(small, "lenvatinib", concentration_um=3)
    with pytest.raises(ValueError, match=r"C9 have no viability.*C1, C2, C3, C4"):
        r.responder_classes(small, "lenvatinib", cultures=["C1", "C9"])
    with pytest.raises(ValueError, match="lacks column"):
        r.inhibition_table(small.drop(columns="replicate"))


def test_cultures_argument_selects_and_checks(small):
    classes = r.responder_classes(small, "lenvatinib", cultures=["C3", "C1"])
    assert classes.to_dict() == {"C1": True, "C3": False}
    partial = small[~((small.culture_id == "C2") & (small.drug == "sunitinib"))]
    with pytest.raises(ValueError, match=r"C2 have no viability measurement for 'sunitinib'"):
        r.response_table(partial, ["lenvatinib", "sunitinib"], cultures=["C1", "C2", "C3", "C4"])


def test_default_concentration_rule_and_multi_concentration_cohort(small):
    extra = pd.DataFrame(
        _rows("C1", "lenvatinib", 30, [50, 52, 54])
        + _rows("C2", "lenvatinib", 30, [60, 60, 63])
        + _rows("C3", "lenvatinib", 1, [99, 98, 97])
        + _rows("C4", "lenvatinib", 1, [90, 91])
        + _rows("C3", "lenvatinib", 30, [90, 92, 94])
        + _rows("C4", "lenvatinib", 30, [40, 42])
        + _rows("C1", "lenvatinib", 1, [96, 97, 98])
    )
    multi = pd.concat([small, extra], ignore_index=True)
    # 30 µM was tested in every culture and is the highest such: the default.
    assert r.tested_concentrations(multi, "lenvatinib") == [1.0, 10.0, 30.0]
    assert r.default_concentration(multi, "lenvatinib") == 30.0
    table = r.inhibition_table(multi, ["lenvatinib"])
    assert table["inhibition_pct"].tolist() == pytest.approx([48, 39, 8, 59])
    # An explicit choice is honoured; 1 µM is missing for C2 -> clear error naming it.
    at10 = r.inhibition_table(multi, ["lenvatinib"], {"lenvatinib": 10})
    assert at10["inhibition_pct"].tolist() == pytest.approx([20, 15, -10, 38])
    with pytest.raises(ValueError, match=r"C2 received 'lenvatinib' but not at 1 µM"):
        r.responder_classes(multi, "lenvatinib", concentration_um=1)
    # No concentration shared by all cultures -> no silent default.
    disjoint = multi[~((multi.concentration_um != 1) & (multi.culture_id == "C1"))]
    disjoint = disjoint[~((disjoint.concentration_um == 1) & (disjoint.culture_id != "C1"))]
    with pytest.raises(ValueError, match="no concentration of 'lenvatinib' was tested in every"):
        r.default_concentration(disjoint, "lenvatinib")


def test_response_table_contract_and_csv(small, tmp_path):
    table = r.response_table(small, threshold_pct=15)
    assert list(table.columns) == list(r.RESPONSE_COLUMNS)
    assert table["responder"].dtype == bool
    expected = {k: v[1] > 15 for k, v in EXPECTED.items()}
    got = {(row.culture_id, row.drug): row.responder for row in table.itertuples()}
    assert got == expected
    path = write_results(table, tmp_path, "response.csv")
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[0] == ",".join(r.RESPONSE_COLUMNS)
    assert text[1].startswith("C1,lenvatinib,10,3,20,10,true")


def test_responders_by_threshold_matches_brute_force(small):
    inhib = r.inhibition_table(small, ["sunitinib"])
    values = inhib["inhibition_pct"].tolist()
    thresholds = np.arange(0, 50.5, 0.5)
    table = r.responders_by_threshold(inhib, thresholds)
    for row in table.itertuples():
        n = sum(1 for v in values if v > row.threshold_pct)
        assert row.n_responders == n and row.n_non_responders == len(values) - n


def test_flipping_cultures_matches_grid_search():
    inhib = pd.Series({"A": 9.9, "B": 10.01, "C": 14.0, "D": 15.0, "E": 20.0, "F": 20.01, "G": 40})
    flips = r.flipping_cultures(inhib, 15, window=5)
    grid = np.linspace(10, 20, 10001)  # step 0.001, includes 10, 15 and 20
    brute = sorted(c for c, v in inhib.items() if len({v > s for s in grid}) > 1)
    assert sorted(flips["culture_id"]) == brute == ["B", "C", "D", "E"]
    assert flips["culture_id"].iloc[0] == "D"  # closest to the threshold first
    row = flips.set_index("culture_id").loc["E"]
    assert bool(row["responder"]) and row["margin_pct"] == pytest.approx(5.0)


def test_compare_drugs_against_scipy_and_numpy():
    rng = np.random.default_rng(7)
    cultures = [f"N{i:02d}" for i in range(11)]
    x = rng.uniform(0, 45, 11).round(2)
    y = rng.uniform(0, 35, 11).round(2)
    long = pd.DataFrame(
        {
            "culture_id": cultures * 2,
            "drug": ["a"] * 11 + ["b"] * 11,
            "inhibition_pct": np.concatenate([x, y]),
        }
    )
    res = r.compare_drugs(long, "a", ["b"]).iloc[0]
    ref = stats.wilcoxon(x, y, method="exact")
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert res["wilcoxon_statistic"] == pytest.approx(ref.statistic)
    assert res["median_drug_pct"] == pytest.approx(np.median(x))
    assert res["median_comparator_pct"] == pytest.approx(np.median(y))
    assert bool(res["drug_median_ge"]) == (np.median(x) >= np.median(y))
    assert res["n_pairs"] == 11 and res["n_drug_higher"] == int(np.sum(x > y))
    # Exact two-sided p for all 11 differences positive is 2 / 2**11.
    long2 = long.assign(inhibition_pct=np.concatenate([y + 1 + np.arange(11), y]))
    assert r.compare_drugs(long2, "a", ["b"])["p_value"].iloc[0] == pytest.approx(2 / 2**11)


def _brute_signed_rank_p(d: np.ndarray) -> float:
    """Two-sided permutation p by listing every sign pattern (mid-ranks, zeros dropped)."""
    import itertools

    nz = d[d != 0]
    ranks = stats.rankdata(np.abs(nz))
    t_obs, centre = ranks[nz > 0].sum(), ranks.sum() / 2
    hits = 0
    for signs in itertools.product((False, True), repeat=nz.size):
        t = ranks[np.array(signs, dtype=bool)].sum()
        hits += abs(t - centre) >= abs(t_obs - centre) - 1e-9
    return hits / 2**nz.size


def test_signed_rank_exact_with_ties_and_zeros_matches_enumeration():
    rng = np.random.default_rng(11)
    for n in (1, 2, 5, 9, 12):
        for _ in range(6):
            d = rng.integers(-4, 5, n).astype(float)  # many ties and some zeros
            res = r.signed_rank_test(d)
            if not np.any(d != 0):
                assert np.isnan(res.p_value) and res.n_nonzero == 0
                continue
            assert res.method == "exact" and res.n_nonzero == int(np.sum(d != 0))
            assert res.p_value == pytest.approx(_brute_signed_rank_p(d), rel=1e-12)
            nz = d[d != 0]
            ranks = stats.rankdata(np.abs(nz))
            assert res.statistic == pytest.approx(min(ranks[nz > 0].sum(), ranks[nz < 0].sum()))
    # the same 2^n patterns as scipy's exact permutation test on the signs
    d = np.array([3.0, -1.0, 2.0, 2.0, -2.0, 5.0, 5.0, -0.5, 4.0])
    perm = stats.permutation_test(
        (d,),
        lambda x, axis: np.abs(
            np.sum(stats.rankdata(np.abs(x), axis=axis) * np.sign(x), axis=axis)
        ),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative="greater",
    )
    assert r.signed_rank_test(d).p_value == pytest.approx(perm.pvalue, rel=1e-12)


def test_signed_rank_beyond_the_exact_limit_is_the_normal_approximation():
    d = np.random.default_rng(3).normal(0.3, 1, r.EXACT_MAX_PAIRS + 1).round(1)
    d[d == 0] = 0.05  # no zero differences: all of them count
    res = r.signed_rank_test(d)
    assert res.method == "approx"
    assert res.p_value == pytest.approx(stats.wilcoxon(d[d != 0], method="approx").pvalue)


def test_response_by_group_matches_crosstab():
    classes = pd.Series(
        [True, False, True, True, False],
        index=pd.Index(["A", "B", "C", "D", "E"], name="culture_id"),
        name="responder",
    )
    cultures = pd.DataFrame({"culture_id": list("EDCBA"), "grade": ["G1", "G2", "G2", "G3", "G1"]})
    table = r.response_by_group(classes, cultures, "grade", ["G1", "G2", "G3"])
    merged = cultures.set_index("culture_id").join(classes)
    ref = pd.crosstab(merged["grade"], merged["responder"])
    for row in table.itertuples():
        assert row.n_responders == ref.loc[row.grade, True]
        assert row.n_non_responders == ref.loc[row.grade, False]
    with pytest.raises(ValueError, match="no column 'site'"):
        r.response_by_group(classes, cultures, "site")


def test_figures_draw_from_small_cohort(small, tmp_path):
    from netcomp.figures import response as fr
    from netcomp.figures.style import save_figure

    table = r.inhibition_table(small)
    lenv = table[table.drug == "lenvatinib"]
    fig = fr.waterfall_plot(lenv, 15, "lenvatinib")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Survival inhibition (%)" and ax.get_title()
    heights = [p.get_height() for p in ax.patches]
    assert heights == sorted(heights, reverse=True) == pytest.approx([38, 20, 15, -10])
    save_figure(fig, "waterfall", tmp_path, lenv, "waterfall_plot", "test")
    assert (tmp_path / "waterfall.png").stat().st_size > 0
    cmp = r.compare_drugs(table, "lenvatinib", ["sunitinib"])
    wide = r.paired_inhibition(table, ["lenvatinib", "sunitinib"])
    figs = [
        fig,
        fr.paired_plot(wide, "lenvatinib", ["sunitinib"], cmp, 15),
        fr.threshold_sensitivity_plot(r.responders_by_threshold(lenv, np.arange(5, 31)), 15),
        fr.response_by_group_plot(
            {
                "Grade": pd.DataFrame(
                    {"grade": ["G1", "G2"], "n_responders": [1, 1], "n_non_responders": [2, 0]}
                )
            }
        ),
    ]
    for f in figs:
        assert all(a.get_ylabel() for a in f.axes[:1])
        plt.close(f)
