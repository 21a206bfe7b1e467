"""The small-cohorts chapter's compute(): values against scipy, notices on odd data, any shape."""

from __future__ import annotations

import dataclasses
import math
import re
import tempfile
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from netcomp.book.notebooks import read_chapter
from netcomp.chapters import smallsample as chapter
from netcomp.data.cohort import load_cohort
from netcomp.data.validate import CohortError
from netcomp.stats import smallsample as ss
from netcomp.stats.smallsample import RESULT_COLUMNS
from tests.cohorts import CohortSpec, write_cohort
from tests.exact import fisher_tables
from tests.strategies import cohort_specs, examples

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_small_cohorts.md"
GLUE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)(?::([^`]*))?`")
#: Small simulations keep these tests fast; the exact values do not depend on them.
FAST = {"n_simulations": 200}
SECTIONS = (
    chapter.TABLE,
    chapter.EXACT,
    chapter.PVALUE,
    chapter.MULTIPLE,
    chapter.POWER,
    chapter.EFFECT,
)


@pytest.fixture(scope="module")
def bundled():
    return load_cohort(ROOT / "data" / "cohort")


@pytest.fixture(scope="module")
def result(bundled):
    return chapter.compute(bundled)


def _fisher(x1, n1, x2, n2, alternative="two-sided"):
    return stats.fisher_exact([[x1, x2], [n1 - x1, n2 - x2]], alternative=alternative).pvalue


def _brute_power(n1, n2, r1, r2, alpha=0.05, alternative="two-sided"):
    """P(p <= alpha), one table at a time with Fisher's test and scipy's binomial weights."""
    w1, w2 = stats.binom.pmf(range(n1 + 1), n1, r1), stats.binom.pmf(range(n2 + 1), n2, r2)
    p = fisher_tables(n1, n2, alternative)
    total = 0.0
    for x1, x2 in product(range(n1 + 1), range(n2 + 1)):
        if p[x1, x2] <= alpha * (1 + 1e-9):
            total += w1[x1] * w2[x2]
    return total


def _glue_refs() -> list[tuple[str, str]]:
    """(name, format spec) of every glue role in the notebook's Markdown."""
    nb = read_chapter(NOTEBOOK)
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    # table and figure labels ("Table 6.4") are glued by the notebook as it shows them
    return [
        (m.group(1), m.group(2) or "")
        for m in GLUE.finditer(text)
        if not m.group(1).startswith(("table_", "fig_"))
    ]


def _assert_renders(res: chapter.SmallSampleChapter) -> None:
    """Every value finite or text, and every glue role of the prose formats without error."""
    for key, value in res.values.items():
        assert isinstance(value, int | float | str), (key, value)
        assert not isinstance(value, float) or math.isfinite(value), (key, value)
        assert not isinstance(value, str) or value.strip(), key
    for name, spec in _glue_refs():
        assert name in res.values, name
        format(res.values[name], spec)  # a number where the prose formats one


def _cohort(tmp: Path, spec: CohortSpec):
    return load_cohort(write_cohort(tmp, spec))


# --------------------------------------------------------------------------- bundled cohort


def test_bundled_table_from_the_raw_files(result):
    via = pd.read_csv(ROOT / "data" / "cohort" / "viability.csv")
    inhibition = (
        100 - via[via["drug"] == "lenvatinib"].groupby("culture_id")["viability_pct"].mean()
    )
    expr = pd.read_csv(ROOT / "data" / "cohort" / "expression.csv")
    fold = expr[expr["gene"] == "HRAS"].set_index("culture_id")["fold_change"]
    responder = inhibition > 15
    over = fold.reindex(inhibition.index) >= 2
    want = (
        int((over & responder).sum()),
        int(responder.sum()),
        int((over & ~responder).sum()),
        int((~responder).sum()),
    )
    c = result.counts
    assert (c.x1, c.n1, c.x2, c.n2) == want == (4, 6, 0, 5)  # the published counts
    assert result.notices == []
    assert result.values["sc_concentration"] == "10 µM"
    assert "4 of 6 responders to lenvatinib" in result.values["sc_table_sentence"]
    # reconstructed values are said to be reconstructed, not presented as findings
    assert result.reconstruction
    assert "10 µM, a reconstructed value" in result.values["sc_table_sentence"]
    assert result.values["sc_panel_sentence"].startswith("In the reconstruction, whose mutations")
    _assert_renders(result)


def test_bundled_tests_match_scipy(result):
    v, table = result.values, [[4, 0], [2, 5]]
    assert v["sc_p_fisher"] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
    assert v["sc_p_fisher_one"] == pytest.approx(
        stats.fisher_exact(table, alternative="greater").pvalue, rel=1e-12
    )
    chi, p_chi, _, expected = stats.chi2_contingency(table, correction=False)
    assert v["sc_p_chi"] == pytest.approx(p_chi, rel=1e-10)
    assert v["sc_p_yates"] == pytest.approx(stats.chi2_contingency(table)[1], rel=1e-10)
    assert v["sc_min_expected"] == pytest.approx(expected.min())
    assert v["sc_cells_below_5"] == int((expected < 5).sum()) == 4
    assert v["sc_n_tables"] == 5  # 4 cultures with the feature: 0..4 of them responders
    pooled = 4 / 11
    assert v["sc_usize_fisher"] == pytest.approx(100 * _brute_power(6, 5, pooled, pooled))
    # the p-value section repeats the study under the planning effect (0.667 vs 0.1)
    assert v["sc_pow_two"] == pytest.approx(100 * _brute_power(6, 5, 0.667, 0.1), rel=1e-10)
    assert v["sc_pow_one"] == pytest.approx(
        100 * _brute_power(6, 5, 0.667, 0.1, alternative="greater"), rel=1e-10
    )
    assert f"p = {v['sc_p_fisher']:.3f} two-sided" in v["sc_exact_p_sentence"]
    assert f"p = {v['sc_p_fisher_one']:.3f} one-sided" in v["sc_exact_p_sentence"]
    assert "chi-square, two-sided by construction" in v["sc_exact_p_sentence"]


def test_bundled_sample_sizes_match_brute_force(result):
    """First total size (responder-balanced: 6 + 5 for 11) with power >= 80%, by scipy loops."""

    def first_n(r1, r2, alternative):
        return next(
            n
            for n in range(2, 121)
            if _brute_power((n + 1) // 2, n // 2, r1, r2, 0.05, alternative) >= 0.8
        )

    v = result.values
    assert v["sc_n_plan_two"] == str(first_n(0.667, 0.1, "two-sided")) == "25"
    assert v["sc_n_plan_one"] == str(first_n(0.667, 0.1, "greater")) == "22"
    assert v["sc_n_cau_two"] == str(first_n(0.5, 0.1, "two-sided")) == "43"
    assert v["sc_n_face_two"] == str(first_n(4 / 6, 0.0, "two-sided")) == "17"
    assert v["sc_n_face_one"] == str(first_n(4 / 6, 0.0, "greater")) == "13"
    assert f"needs {v['sc_n_plan_one']} cultures one-sided" in v["sc_power_statement"]
    assert f"{v['sc_n_face_two']} two-sided" in v["sc_face_value_sentence"]


def test_one_statement_in_both_chapters(result, bundled):
    """Chapters 3 and 5 show the same power statement, from the same engine and parameters."""
    from netcomp.chapters import association

    ch3 = association.compute(bundled, {"n_simulations": 100}, exercises=False)
    assert ch3.values["assoc_pow_sentence"] == result.values["sc_power_statement"]
    assert ch3.values["assoc_pow_assumptions"] == result.values["sc_assumptions_sentence"]
    pd.testing.assert_frame_equal(
        ch3.plan.sizes,
        result.plan.sizes[result.plan.sizes["scenario"] != ss.FACE_VALUE].reset_index(drop=True),
    )
    # the p-value section's power is the power of the cohort's design in that statement
    assert result.values["sc_pow_two"] == pytest.approx(100 * ch3.plan.cohort_power["two-sided"])
    assert "responder-balanced" in result.values["sc_assumptions_sentence"]


def test_bundled_effect_sizes_by_hand(result):
    v = result.values
    (l1, u1), (l2, u2) = (proportion_confint(x, n, 0.05, "wilson") for x, n in ((4, 6), (0, 5)))
    p1, p2 = 4 / 6, 0.0
    assert v["sc_rd"] == pytest.approx(100 * (p1 - p2))
    assert v["sc_rd_low"] == pytest.approx(100 * (p1 - p2 - math.hypot(p1 - l1, u2 - p2)))
    assert v["sc_rd_high"] == pytest.approx(100 * (p1 - p2 + math.hypot(u1 - p1, p2 - l2)))
    # the lower end of the exact interval: P(X >= 4 | margins, odds ratio = low) = 2.5%
    tail = stats.nchypergeom_fisher(11, 6, 4, v["sc_or_low"]).sf(3)
    assert tail == pytest.approx(0.025, rel=1e-6)
    assert v["sc_tail"] == pytest.approx(2.5, rel=1e-6)
    assert "infinite" in v["sc_or_sentence"]
    assert v["sc_haldane"] == pytest.approx(4.5 * 5.5 / (0.5 * 2.5))


def test_bundled_multiple_testing_and_panel(result, bundled):
    v, m = result.values, len(bundled.panel)
    size = _brute_power(6, 5, 4 / 11, 4 / 11)
    assert v["sc_n_panel"] == m == 161
    assert v["sc_expected_fp"] == pytest.approx(m * size, rel=1e-10)
    assert v["sc_fwer"] == pytest.approx(100 * (1 - (1 - size) ** m), rel=1e-10)
    mutated = bundled.mutations["gene"].nunique()
    assert v["sc_n_mutated"] == mutated
    # fewest carriers some split of which reaches p <= 0.05 (scipy, every split)
    need = next(
        k
        for k in range(12)
        if any(_fisher(a, 6, k - a, 5) <= 0.05 for a in range(max(0, k - 5), min(k, 6) + 1))
    )
    assert v["sc_min_carriers"] == need
    carriers = bundled.mutations.groupby("gene")["culture_id"].nunique()
    assert v["sc_n_testable"] == int((carriers >= need).sum())


def test_bundled_checks_file_and_agreement(result):
    checks = result.checks
    assert list(checks.columns) == list(RESULT_COLUMNS)
    assert len(checks) == result.values["sc_n_checks"] == 12
    assert result.values["sc_n_agree"] == int(checks["agrees"].sum()) >= 11
    assert result.values["sc_power_points"] == 3 * 2 * 12  # 3 effects x 2 sides x n = 10..120
    assert result.values["sc_power_points_agree"] >= 68
    sided = checks["quantity"].str.contains("one-sided|two-sided")
    assert sided[checks["quantity"].str.startswith(("P(p", "power"))].all()


def test_compute_is_reproducible(bundled):
    a, b = chapter.compute(bundled, FAST), chapter.compute(bundled, FAST)
    assert a.values == b.values


# --------------------------------------------------------------------------- odd cohorts


def _only_notices(res, sections):
    got = {n.section for n in res.notices}
    assert got == set(sections), got


def test_absent_drug_gives_notices(bundled):
    res = chapter.compute(bundled, FAST | {"drug": "cabozantinib"})
    _only_notices(res, (*SECTIONS, chapter.PANEL))
    assert "cabozantinib" in res.notices[0].reason and "lenvatinib" in res.notices[0].remedy
    assert res.power_curve is not None  # the planning still applies
    assert res.values["sc_n_cau_two"] == "43" and res.values["sc_n_plan_two"] == "25"
    assert res.values["sc_n_face_two"] == chapter.NOT_APPLICABLE
    _assert_renders(res)


def test_other_drug_in_the_data(bundled):
    res = chapter.compute(bundled, FAST | {"drug": "everolimus"})
    assert res.values["sc_drug"] == "everolimus"
    assert res.classes is not None
    _assert_renders(res)


def test_absent_gene_gives_notices(bundled):
    res = chapter.compute(bundled, FAST | {"gene": "NOTAGENE"})
    _only_notices(res, SECTIONS)  # the mutation panel does not need the gene
    assert "NOTAGENE is not in expression.csv" in res.notices[0].reason
    assert res.values["sc_n_mutated"] == chapter.compute(bundled, FAST).values["sc_n_mutated"]
    assert list(res.scenarios_plan) == [ss.PLANNING, ss.CAUTIOUS]
    assert "cannot be set beside them" in res.values["sc_face_value_sentence"]
    assert "this cohort's design" not in res.values["sc_power_statement"]
    power_note = res.notices_for(chapter.POWER)[0].reason
    assert power_note.startswith("the power of this cohort's own design and of its observed")
    _assert_renders(res)


@pytest.mark.parametrize("threshold, missing", [(0.0, "non-responder"), (95.0, "responder")])
def test_empty_class_gives_notices(bundled, threshold, missing):
    res = chapter.compute(bundled, FAST | {"response_threshold_pct": threshold})
    _only_notices(res, (*SECTIONS, chapter.PANEL))
    assert f"no {missing} to compare" in res.notices[0].reason
    assert res.counts is None and res.effects is None
    assert len(res.checks) == 4  # simulated checks of the planning and cautious sizes
    _assert_renders(res)


@pytest.mark.parametrize("cutoff, rate", [(1e-6, 1.0), (999.0, 0.0)])
def test_observed_rates_of_zero_or_one(bundled, cutoff, rate):
    """Every culture (or none) overexpresses: no effect, p = 1, sample size never reached."""
    res = chapter.compute(bundled, FAST | {"overexpression_fold_change": cutoff})
    assert res.notices == []
    assert res.counts.rate1 == res.counts.rate2 == res.pooled == rate
    v = res.values
    assert v["sc_p_fisher"] == 1.0
    assert v["sc_n_face_two"] == v["sc_n_face_one"] == "more than 120"
    assert "would call for more than 120 cultures one-sided" in v["sc_face_value_sentence"]
    assert "no estimate exists" in v["sc_or_sentence"]
    assert v["sc_tail"] == chapter.NOT_APPLICABLE
    _assert_renders(res)


def test_no_effect_and_small_search_report_not_reached(bundled):
    res = chapter.compute(
        bundled,
        FAST | {"power_rate_responders": 0.3, "power_rate_nonresponders": 0.3, "power_max_n": 8},
    )
    v = res.values
    assert v["sc_n_plan_two"] == v["sc_n_cau_two"] == "more than 8"
    assert v["sc_pow_two"] == pytest.approx(100 * _brute_power(6, 5, 0.3, 0.3))  # a size
    assert "these defaults follow the published study" not in v["sc_assumptions_sentence"]
    assert res.sizes["n_first"].isna().all()
    assert len(res.checks) == 6  # no sample size reached: nothing to simulate there
    _assert_renders(res)


def test_single_culture(tmp_path):
    res = chapter.compute(_cohort(tmp_path / "c", CohortSpec(n_cultures=1)), FAST)
    _only_notices(res, (*SECTIONS, chapter.PANEL))
    assert "the only culture" in res.notices[0].reason
    _assert_renders(res)


def test_one_drug_no_mutations_partial_expression(tmp_path):
    spec = CohortSpec(
        n_cultures=16,
        drugs={"lenvatinib": (10.0,)},
        mutation_rate=0.0,
        partial_expression=True,
        inhibition=(0.0, 40.0),
        seed=3,
    )
    cohort = _cohort(tmp_path / "c", spec)
    assert cohort.mutations.empty
    res = chapter.compute(cohort, FAST)
    assert res.notices == []
    assert res.values["sc_n_mutated"] == 0
    assert "none of the 6 panel genes" in res.values["sc_panel_sentence"]
    assert not res.reconstruction and res.values["sc_panel_sentence"].startswith("In this cohort")
    assert "reconstructed" not in res.values["sc_table_sentence"]
    left_out = int(res.classes.size - res.counts.n1 - res.counts.n2)
    assert left_out == int(cohort.expression_matrix()["HRAS"].isna().sum()) > 0
    assert f"{left_out} classified cultures without" in res.values["sc_table_sentence"]
    _assert_renders(res)


def test_dose_series_uses_the_shared_top_concentration(tmp_path):
    spec = CohortSpec(n_cultures=14, drugs={"lenvatinib": (0.1, 1.0, 10.0)}, hras_effect=2.0)
    cohort = _cohort(tmp_path / "c", spec)
    res = chapter.compute(cohort, FAST)
    assert res.values["sc_concentration"] == "10 µM"
    low = chapter.compute(cohort, FAST | {"concentration_um": 0.1})
    assert low.values["sc_concentration"] == "0.1 µM"
    via = cohort.viability
    at = via[(via["drug"] == "lenvatinib") & (via["concentration_um"] == 0.1)]
    want = (100 - at.groupby("culture_id")["viability_pct"].mean()) > 15
    assert low.classes.to_dict() == want.to_dict()
    bad = chapter.compute(cohort, FAST | {"concentration_um": 3.0})  # not tested
    assert not bad.applies(chapter.TABLE) and "3 µM" in bad.notices[0].reason
    for r in (res, low, bad):
        _assert_renders(r)


def test_large_margins_show_a_window(tmp_path):
    res = chapter.compute(
        _cohort(tmp_path / "c", CohortSpec(n_cultures=200, hras_effect=2.0)),
        FAST | {"power_max_n": 20},
    )
    assert len(res.margins) > 15 and len(res.tables["margins"]) == 15
    assert res.tables["margins"]["observed"].sum() == 1
    assert "the 15 nearest the observed one" in res.values["sc_tables_sentence"]
    _assert_renders(res)


def test_unknown_parameter_is_refused(bundled):
    with pytest.raises(ValueError, match="unknown parameter"):
        chapter.compute(bundled, {"gnee": "HRAS"})
    with pytest.raises(ValueError, match="renamed to 'power_cautious_rate_responders'"):
        chapter.compute(bundled, {"cautious_rate_responders": 0.5})


# --------------------------------------------------------------------------- any shape


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=cohort_specs(max_cultures=60))
def test_compute_never_raises(spec):
    spec = dataclasses.replace(spec, with_optional=False)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            cohort = load_cohort(write_cohort(Path(tmp) / "c", spec))
        except CohortError:  # a shape the validation still refuses
            assume(False)
        res = chapter.compute(cohort, {"n_simulations": 100, "power_max_n": 20})
    _assert_renders(res)
    assert res.checks is not None and list(res.checks.columns) == list(RESULT_COLUMNS)
    if res.counts is None:
        assert not res.applies(chapter.TABLE)
    else:
        assert res.counts.n1 >= 1 and res.counts.n2 >= 1
        assert res.values["sc_p_fisher"] == pytest.approx(
            _fisher(res.counts.x1, res.counts.n1, res.counts.x2, res.counts.n2), rel=1e-9
        )


def test_fisher_grid_speed_path_matches_association_on_a_big_grid():
    from netcomp.stats.association import fisher_exact_2x2

    x1, x2 = np.meshgrid(np.arange(41), np.arange(31), indexing="ij")
    for alternative in ("two-sided", "greater"):
        want = fisher_exact_2x2(x1, x2, 40 - x1, 30 - x2, alternative)[1]
        np.testing.assert_allclose(
            ss.fisher_grid(40, 30, alternative), want, rtol=1e-9, atol=1e-300
        )
