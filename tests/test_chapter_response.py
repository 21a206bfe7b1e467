"""Chapter 2 (response classification): values against independent computations, every
cohort shape gives a result with notices instead of errors, and a property test."""

from __future__ import annotations

import csv
import json
import math
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from scipy import stats

from netcomp.chapters import response as ch
from netcomp.data.cohort import load_cohort
from netcomp.data.validate import CohortError
from netcomp.stats import doseresponse as dr
from netcomp.stats import response as r
from tests.cohorts import CohortSpec, write_cohort
from tests.strategies import cohort_specs, examples

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "cohort"
DOSES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


@pytest.fixture(scope="module")
def bundled() -> ch.ResponseChapter:
    return ch.compute(load_cohort(BUNDLED))


def _cohort(tmp_path: Path, name: str = "c", **spec):
    return load_cohort(write_cohort(tmp_path / name, CohortSpec(**spec)))


def _values_are_finite_or_text(result: ch.ResponseChapter) -> None:
    for name, value in result.values.items():
        assert isinstance(value, str | int | float) and not isinstance(value, bool), name
        if isinstance(value, str):
            assert value.strip(), f"{name} is an empty sentence"
        else:
            assert math.isfinite(value), f"{name} = {value!r}"


# --------------------------------------------------------------------------- bundled cohort


def _plain_inhibition() -> dict[tuple[str, str], list[float]]:
    """Replicate inhibitions per (culture, drug), read with the csv module."""
    wells: dict[tuple[str, str], list[float]] = defaultdict(list)
    with (BUNDLED / "viability.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            wells[(row["culture_id"], row["drug"])].append(100.0 - float(row["viability_pct"]))
    return wells


def test_bundled_classes_match_a_plain_loop(bundled):
    wells = _plain_inhibition()
    means = {c: statistics.mean(v) for (c, d), v in wells.items() if d == "lenvatinib"}
    responders = sorted(c for c, m in means.items() if m > 15.0)
    non = sorted(c for c, m in means.items() if m <= 15.0)
    v = bundled.values
    assert (v["resp_n_responders"], v["resp_n_non_responders"]) == (6, 5)
    assert v["resp_responders"] == ", ".join(responders)
    assert v["resp_non_responders"] == ", ".join(non)
    assert v["resp_n_cultures"] == 11
    assert v["resp_median_drug"] == pytest.approx(statistics.median(means.values()))
    assert v["resp_conc_note"] == (
        "10 µM, the only concentration tested in the reconstruction "
        "(a reconstructed value: the study's abstracts give no "
        "concentration)"
    )
    assert bundled.reconstruction  # the bundled data: its counts are built in, not found
    assert "the study reported with the same rule, by construction" in v["resp_study_note"]
    assert "in line with the study" not in v["resp_median_verdict"]
    assert "the agreement is built in" in v["resp_median_verdict"]
    assert "wells of the bundled cohort are reconstructed" in v["resp_significance_sentence"]
    # response.csv: every drug, same threshold
    for row in bundled.results.itertuples():
        m = statistics.mean(wells[(row.culture_id, row.drug)])
        assert row.inhibition_pct == pytest.approx(m)
        assert row.responder == (m > 15.0)
    assert list(bundled.results.columns) == list(r.RESPONSE_COLUMNS)
    assert len(bundled.results) == 33


def test_bundled_replicate_ttests_match_scipy(bundled):
    wells = _plain_inhibition()
    n_sig = {True: 0, False: 0}
    for cid, is_resp in bundled.classes.items():
        p = stats.ttest_1samp(wells[(cid, "lenvatinib")], 0.0).pvalue
        n_sig[bool(is_resp)] += int(p < 0.05)
    assert bundled.values["resp_n_resp_significant"] == n_sig[True]
    assert bundled.values["resp_n_nonresp_significant"] == n_sig[False]
    assert bundled.values["resp_significance_sentence"].startswith(
        f"At α = 0.05, {n_sig[True]} of the 6 responders and {n_sig[False]} of the 5"
    )


def test_bundled_comparison_matches_scipy_wilcoxon(bundled):
    wells = _plain_inhibition()
    ids = sorted(bundled.classes.index)
    x = np.array([statistics.mean(wells[(c, "lenvatinib")]) for c in ids])
    assert bundled.comparators == ["everolimus", "sunitinib"]
    rows = bundled.comparison.set_index("comparator")
    for comp in bundled.comparators:
        y = np.array([statistics.mean(wells[(c, comp)]) for c in ids])
        d = np.round(x - y, 9)
        # exact permutation p: every one of the 2^11 sign patterns, mid-ranks for ties
        nz = d[d != 0]
        ranks = stats.rankdata(np.abs(nz))
        signs = (np.arange(2**nz.size)[:, None] >> np.arange(nz.size)) & 1
        t_all = signs @ ranks
        t_obs, centre = ranks[nz > 0].sum(), ranks.sum() / 2
        ref = float(np.mean(np.abs(t_all - centre) >= abs(t_obs - centre) - 1e-9))
        assert rows.loc[comp, "p_value"] == pytest.approx(ref, rel=1e-12)
        assert rows.loc[comp, "p_method"] == "exact"
        assert rows.loc[comp, "median_comparator_pct"] == pytest.approx(np.median(y))
        assert (
            f"{comp} (median {np.median(y):.1f}%; Wilcoxon exact permutation p = {ref:.3f}"
            in bundled.values["resp_comparison"]
        )
    # the value: with tied differences, 0.594 (scipy's no-ties "exact" gives 0.638)
    assert rows.loc["everolimus", "p_value"] == pytest.approx(0.59375)
    assert bool(rows.loc["everolimus", "tied_differences"])
    assert "exact all the same" in bundled.values["resp_ties_note"]
    assert bundled.applies(ch.SECTION_COMPARATORS)


def test_reconstruction_is_recognised_by_content(tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(BUNDLED, copy)
    res = ch.compute(load_cohort(copy))
    assert res.reconstruction and "by construction" in res.values["resp_study_note"]
    path = copy / "viability.csv"
    lines = path.read_text().splitlines(keepends=True)
    head = lines[1].rstrip("\n").split(",")
    head[-1] = str(float(head[-1]) + 0.5)  # one well changed: no longer the reconstruction
    lines[1] = ",".join(head) + "\n"
    path.write_text("".join(lines))
    changed = ch.compute(load_cohort(copy))
    assert not changed.reconstruction
    assert "the study reported 6 and 5" in changed.values["resp_study_note"]
    assert "in line with the study's statement" in changed.values["resp_median_verdict"]


def test_bundled_threshold_scan_matches_brute_force(bundled):
    inh = bundled.drug_inhibition.set_index("culture_id")["inhibition_pct"]
    grid = np.arange(5.0, 30.0 + 0.25, 0.5)
    counts = [int((inh > t).sum()) for t in grid]
    assert bundled.values["resp_sens_max"] == max(counts)
    assert bundled.values["resp_sens_min"] == min(counts)
    near = sorted(c for c, x in inh.items() if 10.0 < x <= 20.0)
    assert sorted(bundled.flips["culture_id"]) == near
    assert bundled.values["resp_n_flips"] == len(near)
    assert bundled.values["resp_flips_phrase"] == (
        "1 culture" if len(near) == 1 else f"{len(near)} cultures"
    )


def test_bundled_notices_and_exercises(bundled):
    # one concentration, no dose series: those two sections say why
    assert not bundled.applies(ch.SECTION_CONCENTRATIONS)
    assert not bundled.applies(ch.SECTION_DOSE)
    assert bundled.applies(ch.SECTION_REPLICATES)
    # the study's single-concentration design: design notes, which --strict does not count
    assert [n.design for n in bundled.notices] == [True, True]
    inh = bundled.drug_inhibition.set_index("culture_id")["inhibition_pct"]
    assert f"at 25%, {int((inh > 25).sum())} of 11" in bundled.values["resp_ex1_summary"]
    nearest = (inh - 15).abs()
    assert bundled.values["resp_ex2_nearest"] == nearest.idxmin()
    assert bundled.values["resp_ex2_nearest_margin"] == pytest.approx(nearest.min())
    assert bundled.values["resp_ex4_p3"] == pytest.approx(0.25)
    assert bundled.values["resp_ex4_needed"] == "6"  # 2 / 2**6 = 0.031 <= 0.05 < 2 / 2**5
    # counted nouns read as English, never "culture(s)"
    sites = bundled.tables["by_site"]["Site of origin"].tolist()
    assert "small intestine" in sites and not any("_" in x for x in sites)
    assert "small_intestine" in set(bundled.by_site["site"])  # the data keeps its values
    assert all("(s)" not in str(x) for x in bundled.values.values())
    assert bundled.values["resp_ex3_only_sentence"].startswith(
        "2 cultures respond to lenvatinib but to none of the comparators: NET01"
    )
    _values_are_finite_or_text(bundled)


def test_notices_are_written(bundled, tmp_path):
    path = bundled.write_notices(tmp_path)
    assert path is not None and path.name == "notices-02_response_classification.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    assert "single concentration" in written[0]["text"] and written[0]["design"] is True


# --------------------------------------------------------------------------- dose series


def test_dose_series_classes_follow_the_default_rule(tmp_path):
    cohort = _cohort(
        tmp_path,
        n_cultures=8,
        drugs={"lenvatinib": DOSES, "everolimus": (1.0,)},
        replicates=2,
        seed=3,
    )
    res = ch.compute(cohort)
    assert res.concentration_um == 30.0 and res.choice.rule == "common"
    assert res.concentration_um == r.default_concentration(cohort.viability, "lenvatinib")
    assert res.applies(ch.SECTION_CONCENTRATIONS) and res.applies(ch.SECTION_DOSE)
    # classes at every concentration, against a groupby written here
    v = cohort.viability[cohort.viability["drug"] == "lenvatinib"]
    means = (100 - v["viability_pct"]).groupby([v["concentration_um"], v["culture_id"]]).mean()
    by = res.by_concentration.set_index(["concentration_um", "culture_id"])
    assert np.allclose(by["inhibition_pct"], means.loc[by.index])
    assert (by["responder"] == (means.loc[by.index] > 15)).all()
    summary = res.concentration_summary.set_index("concentration_um")
    for conc in DOSES:
        at = means.loc[conc]
        assert summary.loc[conc, "n_responders"] == int((at > 15).sum())
        changed = int(((at > 15) != (means.loc[30.0] > 15)).sum())
        assert summary.loc[conc, "n_changed"] == changed
    assert bool(summary.loc[30.0, "chosen"]) and summary["chosen"].sum() == 1
    assert "Across the 6 tested concentrations" in res.values["resp_conc_sentence"]
    # every culture has a curve summary: an IC50 inside the range, or else the AUC
    assert len(res.fits) == 8 and set(res.fits["measure"]) <= {"IC50", "AUC"}
    for row in res.fits.itertuples():
        if row.measure == "IC50":
            assert row.status == "fitted" and row.ic50_within_range
            assert row.summary.startswith(f"IC50 {row.ic50_um:.3g} µM")
        else:
            assert row.summary.startswith(f"AUC {row.auc_pct:.1f}%")
    _values_are_finite_or_text(res)


def test_area_under_curve_matches_trapezoid_and_fit_summary():
    c = np.repeat([0.1, 1.0, 10.0, 100.0], 2)
    y = np.array([100, 98, 80, 84, 40, 44, 10, 12], dtype=float)
    frame = pd.DataFrame(
        {"culture_id": "A", "drug": "d", "concentration_um": c, "viability_pct": y}
    )
    auc = dr.area_under_curve(frame).iloc[0]
    means = np.array([99.0, 82.0, 42.0, 11.0])
    logs = np.log10([0.1, 1.0, 10.0, 100.0])
    expected = np.sum((means[1:] + means[:-1]) / 2 * np.diff(logs)) / (logs[-1] - logs[0])
    assert auc["auc_pct"] == pytest.approx(expected)
    assert auc["n_concentrations"] == 4
    single = frame.assign(concentration_um=1.0)
    assert np.isnan(dr.area_under_curve(single).iloc[0]["auc_pct"])
    summary = dr.curve_summary(dr.fit_dose_response(frame), dr.area_under_curve(frame))
    assert summary["measure"].iloc[0] == "IC50"  # fitted, IC50 within 0.1-100 µM


def test_jacobian_matches_finite_differences():
    c = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    theta = np.array([12.0, 95.0, 0.3, 1.4])
    jac = dr._jacobian_log(c, *theta)
    for k in range(4):
        h = 1e-6
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        numeric = (dr._model_log(c, *up) - dr._model_log(c, *down)) / (2 * h)
        assert np.allclose(jac[:, k], numeric, rtol=1e-5, atol=1e-6)


def test_no_concentration_common_to_all_cultures_falls_back(tmp_path):
    folder = write_cohort(tmp_path / "c", CohortSpec(n_cultures=5, drugs={"lenvatinib": (1.0,)}))
    rows = []
    plan = {
        "C001": (1.0, 10.0),
        "C002": (1.0, 3.0),
        "C003": (3.0, 10.0),
        "C004": (10.0,),
        "C005": (1.0, 10.0),
    }
    for cid, concs in plan.items():
        for conc in concs:
            for rep in (1, 2):
                rows.append((cid, "lenvatinib", conc, rep, 70.0 + 3 * rep))
    pd.DataFrame(rows, columns=list(r.VIABILITY_COLUMNS)).to_csv(
        folder / "viability.csv", index=False
    )
    res = ch.compute(load_cohort(folder))
    # 10 µM: four cultures (1 µM has three, 3 µM two)
    assert res.choice.rule == "most" and res.concentration_um == 10.0
    assert res.choice.excluded == ("C002",)
    assert list(res.classes.index) == ["C001", "C003", "C004", "C005"]
    assert "tested in the most cultures (4 of 5)" in res.values["resp_conc_note"]
    assert "C002" in res.values["resp_coverage_note"]
    assert "4 of the 5 cultures in the cohort were classified" in res.values["resp_coverage_note"]
    _values_are_finite_or_text(res)


def test_given_concentration_classifies_the_cultures_measured_at_it(tmp_path):
    cohort = _cohort(tmp_path, n_cultures=6, drugs={"lenvatinib": (1.0, 10.0)}, seed=2)
    res = ch.compute(cohort, {"concentration_um": 1.0})
    assert res.choice.rule == "given" and res.concentration_um == 1.0
    v = cohort.viability[cohort.viability["concentration_um"] == 1.0]
    means = (100 - v["viability_pct"]).groupby(v["culture_id"]).mean()
    assert np.allclose(res.drug_inhibition.set_index("culture_id")["inhibition_pct"], means)
    assert res.values["resp_conc_note"].startswith("1 µM, set by the concentration_um parameter")
    assert "reconstruct" not in res.values["resp_conc_note"]  # a user's cohort: its own value
    assert (res.results.loc[res.results["drug"] == "lenvatinib", "concentration_um"] == 1.0).all()
    with pytest.raises(ValueError, match="not tested at 3 µM"):
        ch.compute(cohort, {"concentration_um": 3.0})


# --------------------------------------------------------------------------- other shapes


def test_one_drug_has_no_comparison(tmp_path):
    res = ch.compute(_cohort(tmp_path, drugs={"lenvatinib": (10.0,)}))
    assert not res.applies(ch.SECTION_COMPARATORS)
    assert "only drug measured" in res.notices_for(ch.SECTION_COMPARATORS)[0].reason
    assert res.comparison.empty and res.values["resp_ties_note"] == "No paired test was run."
    assert not res.applies(ch.SECTION_EX3)
    _values_are_finite_or_text(res)


def test_empty_comparators_list_means_none(tmp_path):
    cohort = _cohort(tmp_path)
    res = ch.compute(cohort, {"comparators": []})
    assert res.comparators == [] and not res.applies(ch.SECTION_COMPARATORS)
    assert "empty list" in res.notices_for(ch.SECTION_COMPARATORS)[0].reason
    default = ch.compute(cohort)  # None: every other drug
    assert default.comparators == ["everolimus"] and default.applies(ch.SECTION_COMPARATORS)
    with pytest.raises(ValueError, match="sunitinib"):
        ch.compute(cohort, {"comparators": ["sunitinib"]})


def test_single_culture_single_well(tmp_path):
    res = ch.compute(_cohort(tmp_path, n_cultures=1, replicates=1))
    assert res.values["resp_n_cultures"] == 1
    assert not res.applies(ch.SECTION_REPLICATES)
    assert "single well" in res.notices_for(ch.SECTION_REPLICATES)[0].reason
    assert "no culture has two wells" in res.values["resp_ex2_spread"]
    _values_are_finite_or_text(res)


@pytest.mark.parametrize("inhibition", [(60.0, 90.0), (-50.0, 0.0)])
def test_one_class_only(tmp_path, inhibition):
    res = ch.compute(
        _cohort(
            tmp_path,
            inhibition=inhibition,
            mutation_rate=0.0,
            partial_expression=True,
            genes=("KDR",),
        )
    )
    n = res.values["resp_n_cultures"]
    assert {res.values["resp_n_responders"], res.values["resp_n_non_responders"]} == {0, n}
    assert "none" in (res.values["resp_responders"], res.values["resp_non_responders"])
    _values_are_finite_or_text(res)


def test_other_drug_with_missing_cultures(tmp_path):
    cohort = _cohort(
        tmp_path,
        n_cultures=20,
        missing_fraction=0.3,
        seed=5,
        drugs={"lenvatinib": (10.0,), "everolimus": (0.1, 1.0)},
    )
    res = ch.compute(cohort, {"drug": "everolimus"})
    have = set(cohort.viability.loc[cohort.viability["drug"] == "everolimus", "culture_id"])
    assert set(res.classes.index) == have and len(have) < 20
    assert "had no everolimus measurement" in res.values["resp_coverage_note"]
    assert "concern lenvatinib, not everolimus" in res.values["resp_study_note"]
    assert res.comparators == ["lenvatinib"] and res.applies(ch.SECTION_COMPARATORS)
    assert res.comparison["n_pairs"].iloc[0] == len(have)
    _values_are_finite_or_text(res)


def test_large_cohort_uses_the_normal_approximation_and_is_fast(tmp_path):
    cohort = _cohort(tmp_path, n_cultures=1000)
    start = time.perf_counter()
    res = ch.compute(cohort)
    assert time.perf_counter() - start < 2.0  # about 0.4 s; margin for a busy machine
    row = res.comparison.iloc[0]
    assert row["p_method"] == "approx" and "approximate p" in res.values["resp_comparison"]
    wide = r.paired_inhibition(res.inhibition, ["lenvatinib", "everolimus"])
    d = np.round(wide["lenvatinib"] - wide["everolimus"], 9)
    ref = stats.wilcoxon(d[d != 0], method="approx")
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert "... (" in res.values["resp_responders"]  # long lists are cut


# --------------------------------------------------------------------------- property


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(spec=cohort_specs(max_cultures=15))
def test_compute_never_raises_on_any_valid_cohort(spec):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            cohort = load_cohort(write_cohort(Path(tmp) / "c", spec))
        except CohortError:  # e.g. no expression row at all: the contract refuses it
            assume(False)
        res = ch.compute(cohort)
    _values_are_finite_or_text(res)
    assert (
        res.values["resp_n_responders"] + res.values["resp_n_non_responders"]
        == len(res.classes)
        > 0
    )
    assert set(res.results["drug"]) == set(cohort.drugs)
    for notice in res.notices:
        assert notice.reason and notice.remedy
