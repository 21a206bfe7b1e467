"""Chapter 4 (literature context): values against independent computations, and any cohort."""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from scipy import stats

from netcomp.chapters import literature as chapter
from netcomp.chapters.literature import compute
from netcomp.data import literature as lit
from netcomp.data.cohort import CohortError, load_cohort
from tests.cohorts import CohortSpec, write_cohort
from tests.strategies import cohort_specs, examples

LITERATURE_SECTIONS = (
    "talent_intervals",
    "talent_percentages",
    "approved_therapies",
    "talent_design",
    "talent_text_checks",
)


@pytest.fixture(scope="module")
def bundled():
    cohort = load_cohort()
    return cohort, compute(cohort)


def _finite_or_text(values: dict) -> None:
    for name, value in values.items():
        assert isinstance(value, str | int | float), (name, value)
        if isinstance(value, float):
            assert math.isfinite(value), (name, value)
        if isinstance(value, str):
            assert value and "nan" not in value.split(), (name, value)


def _exact_ci(k: int, n: int) -> tuple[float, float]:
    low = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return 100 * low, 100 * high


def _literature_renders(result) -> None:
    """The literature sections never depend on the cohort: always the published numbers."""
    v = result.values
    assert (v["lit_orr_events_total"], v["lit_assessed_total"]) == (32, 107)
    assert v["lit_orr_total"] == 29.9
    assert v["lit_n_approved"] >= 6
    assert v["lit_best_label"] == "Wilson with continuity correction"
    for name in LITERATURE_SECTIONS:
        assert not result.tables[name].empty
    assert not result.orr.empty and not result.adverse.empty


# --------------------------------------------------------------------------- bundled values


def test_bundled_talent_numbers(bundled):
    _, result = bundled
    v = result.values
    # TALENT Table 2: 23/52 panNET, 9/55 GI-NET, 32/107 total partial responses
    assert (v["lit_orr_events_pan"], v["lit_assessed_pan"]) == (23, 52)
    assert (v["lit_orr_events_gi"], v["lit_assessed_gi"]) == (9, 55)
    assert (v["lit_n_pan"], v["lit_n_gi"], v["lit_n_total"]) == (55, 56, 111)
    assert v["lit_best_matched"] == v["lit_n_intervals"] == 6
    assert v["lit_method_verdict"].startswith("only the Wilson with continuity correction")
    # 99% Wilson interval with continuity correction, from R's prop.test formula
    z = stats.norm.ppf(0.995)
    k, n = 9, 55
    p = k / n
    low = (2 * n * p + z * z - 1 - z * math.sqrt(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / (
        2 * (n + z * z)
    )
    assert v["ex_lit2_low99_gi"] == pytest.approx(100 * low)
    assert v["lit_sunitinib_orr"] == 9.3
    assert result.notices == []
    _literature_renders(result)
    shown = result.approved_table
    assert "indication (as the sources state it)" in shown.columns
    assert "seed" not in " ".join(list(shown.columns) + list(shown.astype(str).to_numpy().ravel()))
    # the page names the source documents, never their files
    assert not shown.astype(str).apply(lambda c: c.str.contains(r"\.txt|_[0-9a-f]{8}")).any().any()
    sources = shown.set_index("drug")["source"]
    assert sources["surufatinib"] == "Fernandez-Cuesta et al. 2025, review"
    assert sources["everolimus"] == "review of GEP-NEN therapies (Santa Chiara Hospital, Trento)"
    assert list(result.tables["approved_therapies"].columns) == list(
        lit.approved_therapies(result.trials).columns
    )  # the results file keeps its columns


def test_bundled_cultures_beside_talent(bundled):
    cohort, result = bundled
    v = result.values
    inhibition = (
        100
        - cohort.viability[cohort.viability["drug"] == "lenvatinib"]
        .groupby("culture_id")["viability_pct"]
        .mean()
    )
    k, n = int((inhibition > 15).sum()), len(inhibition)
    assert (k, n) == (6, 11)
    assert (v["lit_vitro_events"], v["lit_vitro_n"]) == (k, n)
    low, high = _exact_ci(k, n)
    assert v["lit_vitro_low"] == pytest.approx(low)
    assert v["lit_vitro_high"] == pytest.approx(high)
    sentence = v["lit_vitro_sentence"]
    # the reconstruction's rate is never presented as a finding, and each interval is named
    assert sentence.startswith("In the reconstruction, 6 of 11 cultures count as responders")
    assert "restates the publication" in sentence and "per-culture measurements" in sentence
    assert f"exact (Clopper-Pearson) 95% CI {low:.1f} to {high:.1f}%" in sentence
    talent_low, talent_high = (
        100 * b for b in stats.binomtest(32, 107).proportion_ci(method="wilsoncc")
    )
    assert talent_low == pytest.approx(21.6, abs=0.05) and talent_high == pytest.approx(
        39.6, abs=0.05
    )
    assert (
        f"95% CI {talent_low:.1f} to {talent_high:.1f}%, Wilson with continuity correction, "
        "as published"
    ) in sentence
    assert result.invitro["method"].tolist() == ["clopper_pearson"] + ["wilson_cc"] * 3
    assert v["ex_lit1_sentence"].startswith("At 25% in the reconstruction")
    assert result.invitro["population"].iloc[0] == "primary cultures (reconstructed cohort)"
    assert result.invitro["events"].tolist() == [6, 23, 9, 32]
    # exercise 1: classes at +5 and +10 points, from the inhibitions directly
    k25 = int((inhibition > 25).sum())
    assert v["ex_lit1_events_plus10"] == k25
    assert v["ex_lit1_changed_plus10"] == ", ".join(
        inhibition.index[(inhibition > 15) & (inhibition <= 25)]
    )
    assert v["ex_lit1_ci_low_pct_plus10"] == pytest.approx(_exact_ci(k25, n)[0])
    # exercise 3: Clopper-Pearson is the widest of the four for 6/11
    widths = result.method_table.query("population == 'primary cultures'")
    assert v["ex_lit3_width_max_vitro"] == pytest.approx(widths["width (points)"].max())
    assert v["ex_lit3_width_max_vitro"] == pytest.approx(high - low)
    _finite_or_text(v)


# --------------------------------------------------------------------------- other shapes


def test_another_drug_says_so(tmp_path):
    spec = CohortSpec(drugs={"cabozantinib": (5.0,)}, n_cultures=9, seed=1)
    cohort = load_cohort(write_cohort(tmp_path, spec))
    absent = compute(cohort)  # default drug lenvatinib is not in this cohort
    assert not absent.applies(chapter.SECTION_INVITRO)
    assert "no viability measurement" in absent.notices_for(chapter.SECTION_INVITRO)[0].reason
    assert absent.values["lit_vitro_rate"] == "not applicable"
    assert absent.values["ex_lit1_changed_plus5"] == "not applicable"
    assert not absent.applies(chapter.SECTION_EX3)
    _literature_renders(absent)
    _finite_or_text(absent.values)

    other = compute(cohort, {"drug": "cabozantinib"})
    notes = other.notices_for(chapter.SECTION_INVITRO)
    assert len(notes) == 1 and "another drug under study" in notes[0].reason
    assert other.invitro.empty and "invitro_vs_talent" not in other.tables
    assert "another drug under study" in other.values["lit_vitro_sentence"]
    assert other.values["lit_vitro_n"] == 9
    assert other.applies(chapter.SECTION_EX1)  # the threshold exercise still runs
    _literature_renders(other)
    _finite_or_text(other.values)


@pytest.mark.parametrize(
    "inhibition, which", [((60.0, 90.0), "responders"), ((-20.0, 0.0), "non-responders")]
)
def test_one_class_only(tmp_path, inhibition, which):
    spec = CohortSpec(drugs={"lenvatinib": (10.0,)}, inhibition=inhibition, n_cultures=6)
    result = compute(load_cohort(write_cohort(tmp_path, spec)))
    notes = result.notices_for(chapter.SECTION_INVITRO)
    assert len(notes) == 1 and f"all 6 cultures are {which}" in notes[0].reason
    k = 6 if which == "responders" else 0
    assert result.values["lit_vitro_events"] == k
    low, high = _exact_ci(k, 6)
    assert result.values["lit_vitro_low"] == pytest.approx(low)
    assert result.values["lit_vitro_high"] == pytest.approx(high)
    _literature_renders(result)
    _finite_or_text(result.values)


def test_single_culture(tmp_path):
    spec = CohortSpec(n_cultures=1, replicates=1)
    result = compute(load_cohort(write_cohort(tmp_path, spec)))
    assert not result.applies(chapter.SECTION_INVITRO)
    assert result.values["lit_vitro_n"] == 1
    _finite_or_text(result.values)


def test_dose_series_uses_the_given_or_default_concentration(tmp_path):
    spec = CohortSpec(
        drugs={"lenvatinib": (0.1, 1.0, 10.0)}, n_cultures=20, seed=4, inhibition=(-10.0, 60.0)
    )
    cohort = load_cohort(write_cohort(tmp_path, spec))
    via = cohort.viability[cohort.viability["drug"] == "lenvatinib"]
    for conc in (None, 1.0):
        result = compute(cohort, {"concentration_um": conc})
        at = via[via["concentration_um"] == (conc or 10.0)]
        k = int(((100 - at.groupby("culture_id")["viability_pct"].mean()) > 15).sum())
        assert result.values["lit_vitro_events"] == k
    missing = compute(cohort, {"concentration_um": 3.0})
    assert "was not tested at 3" in missing.notices_for(chapter.SECTION_INVITRO)[0].reason
    _finite_or_text(missing.values)


def test_threshold_near_100_is_clamped():
    result = compute(load_cohort(), {"response_threshold_pct": 97.0})
    assert result.values["ex_lit1_threshold_plus5"] == 100.0
    assert result.values["ex_lit1_threshold_plus10"] == 100.0
    _finite_or_text(result.values)


def test_user_cohort_is_not_called_a_reconstruction(tmp_path):
    result = compute(load_cohort(write_cohort(tmp_path, CohortSpec(n_cultures=30, seed=9))))
    assert "reconstruction" not in result.values["lit_vitro_sentence"]
    assert "reconstruction" not in result.values["ex_lit1_sentence"]
    if not result.invitro.empty:
        assert result.invitro["population"].iloc[0] == "primary cultures (this build's cohort)"


def test_design_and_text_values(bundled):
    _, result = bundled
    v = result.values

    # the exact rule at 55 per cohort, by the binomial terms written out
    def tail(r: int, n: int, p: float) -> float:
        return sum(math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(r, n + 1))

    r = next(r for r in range(56) if tail(r, 55, 0.10) <= 0.05)
    assert (r, v["lit_rule_r"], v["lit_exact_min_n"], v["lit_design_n"]) == (10, 10, 55, 55)
    assert v["lit_rule_size_pct"] == pytest.approx(100 * tail(10, 55, 0.10))
    assert v["lit_rule_power"] == pytest.approx(100 * tail(10, 55, 0.25))
    assert (v["lit_rule_meets_pan"], v["lit_rule_meets_gi"]) == ("yes", "no")
    assert v["lit_rule_p_gi"] == pytest.approx(tail(9, 55, 0.10))
    assert (
        "9 responses among 55 patients assessed (56 enrolled), one short of the 10"
        in v["lit_rule_sentence"]
    )
    assert "one-sided" in v["lit_rule_sentence"] and "p = 0.094" in v["lit_rule_sentence"]
    assert v["lit_design_n_verdict"].endswith("exactly the article's number")
    # text checks: 4 discussion figures disagree with the results, enrolment and doses agree
    assert (v["lit_text_checked"], v["lit_text_disagree"]) == (8, 4)
    assert (
        "panNET median OS: 31 months in the discussion, 32 in the results"
        in v["lit_text_discussion_sentence"]
    )
    assert v["lit_follow_up"] == 23 and v["lit_dose_any_pct"] == 93.7
    assert (v["lit_pct_text_ae"], v["lit_pct_text_ae_mismatch"]) == (3, 3)
    assert "25 of 111 = 22.5% from Table 3" in v["lit_pct_text_ae_sentence"]
    # every interval column of the threshold exercise names its method
    assert [c for c in result.threshold_rows.columns if "CI" in c] == [
        "exact (Clopper-Pearson) 95% CI low (%)",
        "exact (Clopper-Pearson) 95% CI high (%)",
    ]
    assert set(result.orr_levels["interval"]) == {"Wilson with continuity correction"}


def test_large_cohort_is_fast(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path, CohortSpec(n_cultures=1000)))
    compute(cohort)  # first call checks the locators against the source documents
    start = time.perf_counter()
    compute(cohort)
    assert time.perf_counter() - start < 1.0


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=cohort_specs(max_cultures=40))
def test_any_cohort_computes(spec):
    with tempfile.TemporaryDirectory() as tmp:
        write_cohort(Path(tmp), spec)
        try:
            cohort = load_cohort(tmp)
        except CohortError:
            assume(False)  # refused by validation (optional sex codes, header-only mutations)
        result = compute(cohort)
    _finite_or_text(result.values)
    assert result.values["lit_orr_total"] == 29.9
    if result.applies(chapter.SECTION_INVITRO):
        assert 0 < result.values["lit_vitro_events"] < result.values["lit_vitro_n"]
        assert np.isfinite(result.invitro[["ci_low_pct", "ci_high_pct"]].to_numpy()).all()
    else:
        assert result.invitro.empty


def test_locator_status_sentence():
    assert "not available" in chapter.locator_status(None)
    check = pd.DataFrame(
        {"n_locators": [2, 3], "locators_found": [2, 3], "missing_numbers": ["", ""]}
    )
    assert chapter.locator_status(check) == (
        "All 5 of 5 locators were found in their source "
        "documents, and every number sits next to its "
        "locator."
    )


# --------------------------------------------------------------------------- the ledger

#: This chapter's claims on TALENT's design, enrolment, doses and text, with their verdicts.
EXPECTED_STATUS = {
    "talent-enrolled-total": "reproduced",
    "talent-enrolled-pannet": "reproduced",
    "talent-enrolled-ginet": "reproduced",
    "talent-follow-up": "reported-only",
    "talent-dose-reduction-or-interruption": "reproduced",
    "talent-dose-reduction": "reported-only",
    "talent-dose-interruption": "reported-only",
    "talent-design-n": "reproduced",
    "talent-design-power": "reproduced",
    "talent-design-pannet-rule": "reproduced",
    "talent-design-ginet-rule": "differs",
    "talent-text-ae34-hypertension": "differs",
    "talent-text-ae34-asthenia": "differs",
    "talent-text-ae34-diarrhea": "differs",
    "talent-discussion-pfs-pannet": "differs",
    "talent-discussion-os-pannet": "differs",
    "talent-discussion-pfs-28-pannet": "differs",
    "talent-discussion-pfs-37-ginet": "differs",
}


def test_ledger_claims_of_the_chapter(bundled, tmp_path):
    from netcomp.book.ledger import evaluate_claims, load_claims
    from netcomp.book.results import write_results

    _, result = bundled
    for name in ("talent_design", "talent_text_checks", "talent_percentages", "talent_intervals"):
        write_results(result.tables[name], tmp_path, f"{name}.csv")
    claims = [c for c in load_claims() if c["id"] in EXPECTED_STATUS]
    assert len(claims) == len(EXPECTED_STATUS)
    ledger = evaluate_claims(tmp_path, reconstructed_cohort=True, claims=claims).set_index(
        "claim_id"
    )
    assert ledger["status"].to_dict() == EXPECTED_STATUS
    # the rule's threshold in the claims file is the one recomputed (10 of 55)
    by_id = {c["id"]: c for c in claims}
    for cid in ("talent-design-pannet-rule", "talent-design-ginet-rule"):
        assert by_id[cid]["expected"] == result.values["lit_rule_r"]
    assert ledger.loc["talent-design-ginet-rule", "computed"] == "9"
    assert ledger.loc["talent-design-power", "computed"] == f"{result.values['lit_rule_power']:.4g}"
    # the notes' numbers are the computed ones
    assert f"p = {result.values['lit_rule_p_gi']:.2g}" in by_id["talent-design-ginet-rule"]["note"]
    assert (
        f"p = {result.values['lit_rule_p_pan']:.2g}" in by_id["talent-design-pannet-rule"]["note"]
    )
    assert "104 of 111" in by_id["talent-dose-reduction-or-interruption"]["note"]
    for cid, words in (
        ("talent-text-ae34-hypertension", "25 of 111 (22.5%)"),
        ("talent-text-ae34-asthenia", "12 of 111 (10.8%)"),
        ("talent-text-ae34-diarrhea", "12 of 111 (10.8%)"),
    ):
        assert words in by_id[cid]["note"]
    # every locator is verbatim in the source document (after collapsing white space)
    if lit.SEEDS_DIR.is_dir():
        text = lit.normalise_whitespace((lit.SEEDS_DIR / claims[0]["source"]).read_text("utf-8"))
        for claim in claims:
            assert lit.normalise_whitespace(claim["locator"]) in text, claim["id"]


def test_text_checks_on_the_page_are_named_in_words(bundled):
    """The page names each restated number by its talent.csv label; the results file keeps ids."""
    _, result = bundled
    shown, kept = result.text_checks_table, result.tables["talent_text_checks"]
    assert len(shown) == len(kept) and list(shown["agrees"]) == list(kept["agrees"])
    assert not shown["restated number"].str.contains("_").any()
    labels = dict(zip(result.talent["variable"], result.talent["label"], strict=True))
    assert list(shown["restated number"]) == [labels[c] for c in kept["check"]]
    assert "Patients enrolled" in set(shown["restated number"])
    assert "dose_reduction_or_interruption" in set(kept["check"])  # the ledger reads the ids
