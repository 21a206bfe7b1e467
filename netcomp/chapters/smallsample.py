"""Chapter 5, statistics for very small cohorts: every number, table and sentence it shows.

:func:`compute` classifies the cultures, forms the 2x2 table of the chapter's gene
(overexpressed or not, responders vs non-responders) and runs each section's analysis from
:mod:`netcomp.stats.smallsample`. A section that cannot run on the cohort (drug not measured, gene
absent from ``expression.csv``, an empty response class, ...) gets a notice saying why and
what would enable it; its sentences say so too, so the prose reads right whatever the data.
The random-number generator is seeded once with the ``seed`` parameter and used in the
chapter's order, so a rebuild gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netcomp.chapters.base import ChapterResult, chapter_params
from netcomp.chapters.response import is_reconstruction
from netcomp.data.cohort import Cohort
from netcomp.stats import smallsample as ss
from netcomp.stats.association import odds_ratio_clause
from netcomp.stats.response import classify, inhibition_table
from netcomp.stats.significance import significant
from netcomp.text.wording import plural as _count

CHAPTER = "05_small_cohorts"
#: Section names (the notebook shows each section's notices under its heading).
TABLE = "the 2x2 table"
EXACT = "exact tests"
PVALUE = "p-value distribution"
MULTIPLE = "multiple testing"
PANEL = "mutation panel"
POWER = "power for the observed effect"
EFFECT = "effect sizes"
#: What a value that cannot be computed for this cohort is glued as.
NOT_APPLICABLE = "not applicable"
#: Total sizes at which the power curves are checked by simulation (every 10th n).
CHECK_EVERY = 10
#: Rows of the exact p-value distribution shown on the page (the smallest p-values).
DISTRIBUTION_ROWS = 25


@dataclass
class SmallSampleChapter(ChapterResult):
    """Everything the small-cohorts chapter shows; ``None`` where a section does not apply."""

    params: dict[str, Any] = field(default_factory=dict)
    reconstruction: bool = False  # the cohort is the bundled reconstruction (by content)
    inhibition: pd.Series | None = None
    classes: pd.Series | None = None
    fold_change: pd.Series | None = None
    counts: ss.TwoByTwo | None = None
    rate1: float | None = None  # the planning effect's share of responders with the feature
    rate2: float | None = None  # ... and of non-responders
    pooled: float | None = None
    margins: pd.DataFrame | None = None
    p_simulated: pd.DataFrame | None = None
    p_exact: pd.DataFrame | None = None
    screen_exact: ss.NullScreen | None = None
    screen_simulated: pd.DataFrame | None = None
    calls: pd.DataFrame | None = None
    assumptions: ss.PowerAssumptions | None = None
    plan: ss.PowerPlan | None = None
    scenarios_plan: dict[str, tuple[float, float]] = field(default_factory=dict)
    power_curve: pd.DataFrame | None = None
    power_simulated: pd.DataFrame | None = None
    sizes: pd.DataFrame | None = None
    effects: pd.DataFrame | None = None
    checks: pd.DataFrame | None = None

    @property
    def n_label(self) -> str:
        """Subtitle of the p-value figure: the design and the number of simulated studies."""
        if self.counts is None:
            return ""
        return (
            f"{_count(self.counts.n1, 'responder')}, "
            f"{_count(self.counts.n2, 'non-responder')}; "
            f"{self.params['n_simulations']} simulated studies per scenario"
        )


# --------------------------------------------------------------------------- formatting


def _p(value: float) -> str:
    """A p-value for prose: three decimals, or two significant digits below 0.001."""
    return f"{value:.3f}" if value >= 0.001 else f"{value:.2g}"


def _clean(value: Any) -> Any:
    """Plain Python numbers for glue (numpy scalars print as ``np.float64(...)``)."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else NOT_APPLICABLE
    if value is None:
        return NOT_APPLICABLE
    return value


# --------------------------------------------------------------------------- sections


def _block(
    result: SmallSampleChapter,
    reason: str,
    remedy: str,
    sections: tuple[str, ...] = (TABLE, EXACT, PVALUE, MULTIPLE, POWER, EFFECT),
) -> None:
    """A notice for every section that needs the cohort's 2x2 table (by default)."""
    for section in sections:
        why = (
            f"the power of this cohort's own design and of its observed shares needs "
            f"the cohort's 2x2 table, and {reason}"
            if section == POWER
            else reason
        )
        result.notice(section, why, remedy)


def _classes_of(result: SmallSampleChapter, cohort: Cohort, p: Mapping[str, Any]) -> bool:
    """Classify the cultures (True), or record why they cannot be classified (False)."""
    drug = p["drug"]
    try:
        inhibition = inhibition_table(cohort.viability, [drug], p["concentration_um"])
        result.inhibition = inhibition.set_index("culture_id")["inhibition_pct"].sort_index()
        result.classes = classify(result.inhibition, p["response_threshold_pct"])
        conc = float(inhibition["concentration_um"].iloc[0])
        result.values["sc_concentration"] = f"{conc:g} µM"
    except ValueError as exc:
        drugs = ", ".join(sorted(cohort.viability["drug"].unique()))
        _block(
            result,
            f"no culture can be classified for {drug}: {exc}",
            f"set the drug parameter to a drug of viability.csv ({drugs}) or choose a "
            "concentration every culture received",
            (TABLE, EXACT, PVALUE, MULTIPLE, POWER, EFFECT, PANEL),
        )
        result.values["sc_concentration"] = NOT_APPLICABLE
        return False
    return True


def _single_class(
    result: SmallSampleChapter, counts: ss.TwoByTwo, measured: pd.Series, p: Mapping[str, Any]
) -> None:
    """The notices when every culture with a fold change falls in one class."""
    assert result.classes is not None and result.inhibition is not None
    gene = p["gene"]
    n, (has, lacks) = (
        counts.n1 + counts.n2,
        (("responder", "non-responder") if counts.n2 == 0 else ("non-responder", "responder")),
    )
    who = (
        f"the only culture with a measured {gene} fold change is a {has}"
        if n == 1
        else f"all {n} cultures with a measured {gene} fold change are {has}s"
    )
    spread = result.inhibition.reindex(result.classes.index[measured.to_numpy()])
    spread_text = (
        f"its survival inhibition is {spread.iloc[0]:.1f}%"
        if n == 1
        else f"the survival inhibition of these cultures ranges from "
        f"{spread.min():.1f}% to {spread.max():.1f}%"
    )
    _block(
        result,
        f"{who} (a responder has a survival inhibition strictly above "
        f"{p['response_threshold_pct']:g}%), so there is no {lacks} to compare with",
        f"change response_threshold_pct ({spread_text}) or add cultures of the missing class",
    )


def _classify(result: SmallSampleChapter, cohort: Cohort, p: Mapping[str, Any]) -> None:
    """Responder classes and the gene's fold change; notices when either is missing."""
    drug, gene = p["drug"], p["gene"]
    if not _classes_of(result, cohort, p):
        return
    assert result.classes is not None
    expression = cohort.expression_matrix()
    if gene not in expression.columns:
        genes = ", ".join(map(str, expression.columns[:20]))
        _block(
            result,
            f"the gene {gene} is not in expression.csv (genes measured: {genes})",
            "set the gene parameter to a measured gene or add its fold changes to expression.csv",
        )
        return
    result.fold_change = expression[gene]
    measured = result.fold_change.reindex(result.classes.index).notna()
    if not measured.any():
        _block(
            result,
            f"no classified culture has a measured {gene} fold change",
            f"add {gene} fold changes of the cultures treated with {drug} to expression.csv",
        )
        return
    counts = ss.feature_counts(result.classes, result.fold_change, p["overexpression_fold_change"])
    if counts.n1 == 0 or counts.n2 == 0:
        _single_class(result, counts, measured, p)
        return
    result.counts = counts
    result.pooled = counts.pooled_rate


def _assumptions(result: SmallSampleChapter) -> ss.PowerAssumptions:
    """The power assumptions, which :func:`compute` sets before any section runs."""
    assert result.assumptions is not None, "compute() sets the assumptions first"
    return result.assumptions


def _table_section(result: SmallSampleChapter, p: Mapping[str, Any]) -> None:
    v, counts = result.values, result.counts
    setting = (
        f"With a response threshold of {p['response_threshold_pct']:g}% survival "
        f"inhibition and an overexpression cut-off of "
        f"{p['overexpression_fold_change']:g}-fold"
    )
    if counts is None:
        v["sc_table_sentence"] = (
            f"{setting}, the table of {p['gene']} overexpression by "
            f"response to {p['drug']} cannot be formed for this cohort "
            "(see the note above); the sections that need it say so."
        )
        for key in (
            "sc_x1",
            "sc_n1",
            "sc_x2",
            "sc_n2",
            "sc_n",
            "sc_rate1",
            "sc_rate2",
            "sc_pooled",
        ):
            v[key] = NOT_APPLICABLE
        return
    result.tables["counts"] = ss.counts_frame(counts, f"{p['gene']} overexpressed")
    classes = result.classes
    assert classes is not None  # classified before the table is formed
    left_out = int(classes.size - counts.n1 - counts.n2)
    note = (
        f" ({left_out} classified culture{'s' if left_out != 1 else ''} without a measured "
        f"{p['gene']} fold change {'are' if left_out != 1 else 'is'} left out.)"
        if left_out
        else ""
    )
    where = (
        ", a reconstructed value: the study's abstracts state no concentration"
        if result.reconstruction
        else ""
    )
    v["sc_table_sentence"] = (
        f"{setting}, {counts.x1} of {_count(counts.n1, 'responder')} to {p['drug']} (at "
        f"{v['sc_concentration']}{where}) and {counts.x2} of {_count(counts.n2, 'non-responder')} "
        f"overexpress {p['gene']}.{note} Four numbers; every section below is about what they "
        "can support."
    )
    v.update(
        {
            "sc_x1": counts.x1,
            "sc_n1": counts.n1,
            "sc_x2": counts.x2,
            "sc_n2": counts.n2,
            "sc_n": counts.n1 + counts.n2,
            "sc_rate1": 100 * counts.rate1,
            "sc_rate2": 100 * counts.rate2,
            "sc_pooled": 100 * counts.pooled_rate,
        }
    )


def _exact_sentences(
    result: SmallSampleChapter, tables: pd.DataFrame, expected: np.ndarray, alpha: float
) -> None:
    """The expected counts, the possible tables, the tests' p-values and their true sizes."""
    v, counts = result.values, result.counts
    assert counts is not None
    below = int((expected < 5).sum())
    pooled = counts.pooled_rate
    v["sc_expected_sentence"] = (
        f"Here the smallest expected count is {expected.min():.2f}, and {below} of the 4 cells "
        f"fall{'s' if below == 1 else ''} below 5."
    )
    shown = len(result.tables["margins"])
    v["sc_tables_sentence"] = (
        f"{len(tables)} table{'s are' if len(tables) != 1 else ' is'} possible here"
        + (
            f" (the table below lists the {shown} nearest the observed one)"
            if shown < len(tables)
            else ""
        )
    )
    v["sc_exact_p_sentence"] = (
        f"For the observed table Fisher's test gives p = {_p(v['sc_p_fisher'])} two-sided (the "
        f"probability of every table with these margins no more likely than the observed one, "
        f"scipy's convention) and p = {_p(v['sc_p_fisher_one'])} one-sided (alternative: the "
        f"feature is commoner among responders); Pearson's chi-square, two-sided by "
        f"construction (the upper tail of its 1-degree-of-freedom statistic), gives p = "
        f"{_p(v['sc_p_chi'])} and, with Yates' continuity correction, p = {_p(v['sc_p_yates'])}."
    )
    v["sc_test_size_sentence"] = (
        f"With the margins fixed, the chi-square test does so with probability "
        f"{v['sc_csize_chi']:.1f}%, against the {100 * alpha:g}% it promises, while Fisher's "
        f"two-sided test does so with probability {v['sc_csize_fisher']:.1f}%. Letting the "
        f"number of cultures with the feature vary as well (each culture carries it with the "
        f"pooled probability {100 * pooled:.1f}%), the rates are {v['sc_usize_chi']:.1f}% for "
        f"the chi-square test and {v['sc_usize_fisher']:.1f}% for Fisher's."
    )


def _exact_section(result: SmallSampleChapter, p: Mapping[str, Any]) -> None:
    """Fisher's and the chi-square test on the cohort's table, and their true sizes."""
    v, counts, alpha = result.values, result.counts, p["alpha"]
    keys = (
        "sc_min_expected",
        "sc_cells_below_5",
        "sc_n_tables",
        "sc_p_fisher",
        "sc_p_fisher_one",
        "sc_p_chi",
        "sc_p_yates",
        "sc_csize_fisher",
        "sc_csize_chi",
        "sc_usize_fisher",
        "sc_usize_chi",
    )
    if counts is None:
        v.update(dict.fromkeys(keys, NOT_APPLICABLE))
        v["sc_expected_sentence"] = "For this cohort the table cannot be formed (see the note)."
        v["sc_tables_sentence"] = "none can be listed for this cohort"
        v["sc_exact_p_sentence"] = "The tests cannot be run on this cohort (see the note above)."
        v["sc_test_size_sentence"] = (
            "For this cohort these rates cannot be computed, since its table cannot be formed."
        )
        return
    tables = ss.tables_with_margins(counts)
    result.margins = tables
    result.tables["margins"] = ss.tables_near_observed(tables)
    observed = tables[tables["observed"]].iloc[0]
    expected = ss.expected_counts(counts.table)
    pooled = counts.pooled_rate
    v.update(
        {
            "sc_min_expected": float(expected.min()),
            "sc_cells_below_5": int((expected < 5).sum()),
            "sc_n_tables": len(tables),
            "sc_p_fisher": float(observed["p_fisher"]),
            "sc_p_fisher_one": float(observed["p_fisher_greater"]),
            "sc_p_chi": float(observed["p_chi_square"]),
            "sc_p_yates": float(observed["p_chi_square_yates"]),
            "sc_csize_fisher": 100 * ss.conditional_size(tables, "p_fisher", alpha),
            "sc_csize_chi": 100 * ss.conditional_size(tables, "p_chi_square", alpha),
            "sc_usize_fisher": 100
            * ss.rejection_probability(counts.n1, counts.n2, pooled, pooled, alpha, "fisher"),
            "sc_usize_chi": 100
            * ss.rejection_probability(counts.n1, counts.n2, pooled, pooled, alpha, "chi-square"),
        }
    )
    _exact_sentences(result, tables, expected, alpha)


def _p_value_checks(
    counts: ss.TwoByTwo,
    planning: ss.PowerAssumptions,
    sim_p: pd.DataFrame,
    scenarios: Mapping[str, tuple[float, float]],
    p: Mapping[str, Any],
    rng: np.random.Generator,
) -> list[ss.PowerCheck]:
    """Exact rejection rates checked by simulation: each scenario two-sided, the planning
    effect one-sided, and the chi-square test without an effect (in that order)."""
    alpha = p["alpha"]
    n1, n2, pooled = counts.n1, counts.n2, counts.pooled_rate
    checks = [
        ss.check_from_p_values(
            f"P(p <= alpha), {name}, Fisher two-sided",
            sim_p.loc[sim_p["scenario"] == name, "p_value"].to_numpy(),
            n1,
            n2,
            a,
            b,
            alpha,
        )
        for name, (a, b) in scenarios.items()
    ]
    checks.append(
        ss.check_power(
            f"P(p <= alpha), {ss.PLANNING}, Fisher one-sided (greater)",
            n1,
            n2,
            planning.rate_responders,
            planning.rate_nonresponders,
            alpha,
            p["n_simulations"],
            rng,
            alternative="greater",
        )
    )
    checks.append(
        ss.check_power(
            "P(p <= alpha), no effect, Pearson chi-square (two-sided)",
            n1,
            n2,
            pooled,
            pooled,
            alpha,
            p["n_simulations"],
            rng,
            test="chi-square",
        )
    )
    return checks


def _pvalue_sentences(
    result: SmallSampleChapter, checks: Sequence[ss.PowerCheck], median: float, p: Mapping[str, Any]
) -> None:
    """What a repetition of the study would likely show, with and without an effect."""
    v, alpha = result.values, p["alpha"]
    power = checks[0].exact
    verdict = (
        'the same biology, tested again at this size, would often look "not significant": '
        "a p-value near .05 at this size is weak evidence for replication, and a "
        "non-significant p-value for another gene is weak evidence of no effect."
        if power < p["target_power"]
        else f"a repetition of this size would usually be significant again (power at least "
        f"{100 * p['target_power']:g}%)."
    )
    v["sc_pvalue_sentence"] = (
        f"Even if the true effect were the planning effect, a repetition of a study with this "
        f"design would reach two-sided p ≤ {alpha:g} with probability {v['sc_pow_two']:.1f}% "
        f"(simulated: {v['sc_pow_two_sim']:.1f}%), and one-sided p ≤ {alpha:g} (the feature "
        f"commoner among responders) with probability {v['sc_pow_one']:.1f}%: the power the "
        f"biomarker chapter reports for this design too. The median of the simulated "
        f"two-sided p-values is {_p(median)}. In other words {verdict}"
    )
    size = checks[1].exact
    relation = "far below" if size < alpha / 2 else "below" if size < alpha else "at or above"
    v["sc_pvalue_null_sentence"] = (
        f"Without any effect the two-sided test rejects with probability {v['sc_size_two']:.2f}% "
        f"(simulated: {v['sc_size_two_sim']:.2f}%), {relation} the nominal {100 * alpha:g}%."
    )


def _pvalue_section(
    result: SmallSampleChapter, p: Mapping[str, Any], rng: np.random.Generator
) -> list[ss.PowerCheck]:
    """The distribution of the p-value a repetition would give, exact and simulated."""
    v, counts = result.values, result.counts
    keys = (
        "sc_pow_two",
        "sc_pow_two_sim",
        "sc_size_two",
        "sc_size_two_sim",
        "sc_pow_one",
        "sc_median_p",
    )
    if counts is None:
        v.update(dict.fromkeys(keys, NOT_APPLICABLE))
        v["sc_design_sentence"] = "not applicable: this cohort's table cannot be formed"
        v["sc_pooled_sentence"] = "not applicable to this cohort"
        v["sc_pvalue_sentence"] = "No simulation was run for this cohort (see the note above)."
        v["sc_pvalue_null_sentence"] = "The rate without an effect cannot be computed either."
        return []
    planning = _assumptions(result)
    n1, n2, pooled = counts.n1, counts.n2, counts.pooled_rate
    r1, r2 = planning.rate_responders, planning.rate_nonresponders
    scenarios = {ss.PLANNING: (r1, r2), "no effect": (pooled, pooled)}
    sim_p, exact_p = ss.p_value_scenarios(n1, n2, scenarios, p["n_simulations"], rng)
    result.p_simulated, result.p_exact = sim_p, exact_p
    planned = exact_p[exact_p["scenario"] == ss.PLANNING]
    result.tables["p_exact_planning"] = planned.head(DISTRIBUTION_ROWS)
    checks = _p_value_checks(counts, planning, sim_p, scenarios, p, rng)
    median = float(sim_p.loc[sim_p["scenario"] == ss.PLANNING, "p_value"].median())
    v.update(
        {
            "sc_pow_two": 100 * checks[0].exact,
            "sc_pow_two_sim": 100 * checks[0].simulated,
            "sc_size_two": 100 * checks[1].exact,
            "sc_size_two_sim": 100 * checks[1].simulated,
            "sc_pow_one": 100 * checks[2].exact,
            "sc_median_p": median,
        }
    )
    v["sc_design_sentence"] = f"{_count(n1, 'responder')} and {_count(n2, 'non-responder')}"
    v["sc_pooled_sentence"] = f"here {100 * pooled:.1f}%"
    _pvalue_sentences(result, checks, median, p)
    return checks


def _multiple_sentences(
    result: SmallSampleChapter,
    exact: ss.NullScreen,
    simulated: pd.DataFrame,
    n_panel: int,
    p: Mapping[str, Any],
) -> None:
    """The false positives of a null screen, and what Bonferroni and BH make of them."""
    v, alpha, fdr = result.values, p["alpha"], p["fdr"]
    size = float(exact.size_per_feature[0])
    relation = "less than" if size < alpha else "at least"
    why = ", because the test is conservative" if size < alpha else ""
    v["sc_screen_sentence"] = (
        f"With Fisher's two-sided test, each such feature has a {100 * size:.2f}% chance of a "
        f"false positive ({relation} "
        f"{100 * alpha:g}%{why}). Over {n_panel} features that makes "
        f"{exact.expected_false_positives:.2f} false positives per study on average (simulated: "
        f"{v['sc_mean_fp_sim']:.2f}) and a {v['sc_fwer']:.1f}% chance of at least one "
        f"(simulated: {v['sc_fwer_sim']:.1f}%)."
    )
    any_bh = v["sc_any_bh"] / 100
    within = any_bh <= fdr + 4 * ss.monte_carlo_se(fdr, len(simulated))
    v["sc_correction_sentence"] = (
        f"Bonferroni's level, p ≤ {alpha / n_panel:.5f}, {v['sc_bonf_sentence']}; it called a "
        f"feature in {v['sc_any_bonf']:.1f}% of the simulated studies. Benjamini-Hochberg is "
        f"less strict: it calls the k smallest p-values when the k-th is at most k × {fdr:g} / "
        f"{n_panel}. Starting from {fdr / n_panel:.5f} for the smallest, that needs at least "
        f"{v['sc_bh_min_calls']} feature{'s' if v['sc_bh_min_calls'] != 1 else ''} at the most "
        f"extreme p-value possible at once. When no feature has an effect every call is false, "
        f"so the false discovery rate is the chance of any call: {v['sc_any_bh']:.1f}% of the "
        f"simulated studies, {'within' if within else 'compared with'} the promised {fdr:g}."
    )


def _multiple_section(
    result: SmallSampleChapter, cohort: Cohort, p: Mapping[str, Any], rng: np.random.Generator
) -> list[ss.PowerCheck]:
    """A screen of the whole panel with no effect anywhere: false positives and corrections."""
    v, counts, alpha, fdr = result.values, result.counts, p["alpha"], p["fdr"]
    n_panel = len(cohort.panel)
    v["sc_n_panel"] = n_panel
    v["sc_fdr"] = fdr
    v["sc_bonf_level"] = alpha / n_panel
    v["sc_bh_level"] = fdr / n_panel
    keys = (
        "sc_size_feature",
        "sc_expected_fp",
        "sc_mean_fp_sim",
        "sc_fwer",
        "sc_fwer_sim",
        "sc_any_bonf",
        "sc_any_bh",
        "sc_bonf_sentence",
        "sc_bh_min_calls",
    )
    if counts is None:
        v.update(dict.fromkeys(keys, NOT_APPLICABLE))
        v["sc_feature_share"] = "as common as the gene's overexpression (not measurable here)"
        v["sc_screen_sentence"] = "No screen was simulated for this cohort (see the note above)."
        v["sc_correction_sentence"] = "Nor can the corrections be compared."
        return []
    n1, n2, pooled = counts.n1, counts.n2, counts.pooled_rate
    like = np.full(n_panel, pooled)
    exact = ss.null_screen_exact(n1, n2, like, alpha)
    simulated = ss.simulate_null_screen(n1, n2, like, p["n_simulations"], rng, alpha, fdr)
    result.screen_exact, result.screen_simulated = exact, simulated
    result.calls = ss.call_distribution(simulated)
    smallest = ss.smallest_p_value(n1, n2)
    v.update(
        {
            "sc_size_feature": 100 * float(exact.size_per_feature[0]),
            "sc_expected_fp": exact.expected_false_positives,
            "sc_mean_fp_sim": float(simulated["unadjusted"].mean()),
            "sc_fwer": 100 * exact.fwer,
            "sc_fwer_sim": 100 * float((simulated["unadjusted"] > 0).mean()),
            "sc_any_bonf": 100 * float((simulated["bonferroni"] > 0).mean()),
            "sc_any_bh": 100 * float((simulated["benjamini_hochberg"] > 0).mean()),
            "sc_bonf_sentence": ss.bonferroni_reach_sentence(smallest, n_panel, alpha),
            "sc_bh_min_calls": ss.bh_minimum_calls(smallest, n_panel, fdr),
        }
    )
    v["sc_feature_share"] = (
        f"as common as {p['gene']} overexpression ({100 * pooled:.1f}% of cultures)"
    )
    _multiple_sentences(result, exact, simulated, n_panel, p)
    return ss.null_screen_checks(exact, simulated, n1, n2, pooled)


def _panel_one_class(result: SmallSampleChapter, n1: int, n2: int) -> None:
    """The notice when every classified culture falls in one class (no mutation comparison)."""
    has, lacks = ("responder", "non-responder") if n2 == 0 else ("non-responder", "responder")
    who = (
        f"the only classified culture is a {has}"
        if n1 + n2 == 1
        else f"every classified culture is a {has}"
    )
    result.notice(
        PANEL,
        f"{who}, so a mutation cannot be compared between the classes (no {lacks})",
        "change response_threshold_pct or add cultures of the missing class",
    )


def _panel_section(result: SmallSampleChapter, cohort: Cohort, p: Mapping[str, Any]) -> None:
    """What the mutation panel could ever show: carriers needed, testable genes, false positives."""
    v, alpha, classes = result.values, p["alpha"], result.classes
    keys = ("sc_n_mutated", "sc_n_testable", "sc_min_carriers", "sc_panel_expected_fp")
    n_panel = len(cohort.panel)
    if classes is None:
        v.update(dict.fromkeys(keys, NOT_APPLICABLE))
        v["sc_panel_sentence"] = "This part does not apply to this cohort (see the note above)."
        return
    n1, n2 = int(classes.sum()), int((~classes).sum())
    if n1 == 0 or n2 == 0:
        _panel_one_class(result, n1, n2)
        v.update(dict.fromkeys(keys, NOT_APPLICABLE))
        v["sc_panel_sentence"] = "This part does not apply to this cohort (see the note above)."
        return
    carriers = cohort.mutation_matrix().reindex(classes.index).fillna(False).sum()
    min_p = ss.min_attainable_p(n1, n2, carriers.to_numpy())
    panel_exact = ss.null_screen_exact(n1, n2, carriers.to_numpy() / (n1 + n2), alpha)
    needed = ss.min_carriers_for_significance(n1, n2, alpha)
    mutated = int((carriers > 0).sum())
    testable = int(significant(min_p, alpha).sum())
    v.update(
        {
            "sc_n_mutated": mutated,
            "sc_n_testable": testable,
            "sc_min_carriers": needed if needed is not None else NOT_APPLICABLE,
            "sc_panel_expected_fp": panel_exact.expected_false_positives,
        }
    )
    which = "none" if mutated == 0 else f"only {mutated}" if mutated < n_panel / 2 else str(mutated)
    need = (
        f"a feature needs at least {needed} carriers before any split of them can reach "
        f"two-sided Fisher p ≤ {alpha:g}"
        if needed is not None
        else f"no number of carriers can reach two-sided Fisher p ≤ {alpha:g}, whatever their split"
    )
    cohort_is = (
        "In the reconstruction, whose mutations are synthetic (the study reports only "
        "that no mutation went with response, not which cultures carry which), "
        if result.reconstruction
        else "In this cohort "
    )
    v["sc_panel_sentence"] = (
        f"{cohort_is}{which} of the {n_panel} panel genes carry a mutation in any "
        f"classified culture, and a gene mutated in few cultures cannot give a small p-value "
        f"whichever cultures they are: with {_count(n1, 'responder')} and "
        f"{_count(n2, 'non-responder')}, {need}. "
        f"Genes of the panel mutated that often: {testable}. With the panel's own mutation "
        f"frequencies and no effect, the expected number of false positives is "
        f"{panel_exact.expected_false_positives:.2f}."
    )


def _power_section(
    result: SmallSampleChapter, p: Mapping[str, Any], rng: np.random.Generator
) -> list[ss.PowerCheck]:
    """The book's power plan (:func:`netcomp.stats.smallsample.plan_power`), simulation-checked."""
    v, counts, a = result.values, result.counts, _assumptions(result)
    feature = f"{p['gene']} overexpression"
    face = {ss.FACE_VALUE: (counts.rate1, counts.rate2)} if counts is not None else {}
    plan = ss.plan_power(a, None if counts is None else (counts.n1, counts.n2), face)
    result.plan = plan
    result.scenarios_plan = {**a.scenarios(), **face}
    result.power_curve = plan.curve
    result.power_simulated = ss.power_checks(plan, CHECK_EVERY, p["n_simulations"], rng)
    result.sizes = plan.sizes
    result.tables["sizes"] = plan.sizes
    checks = ss.sample_size_checks(plan, p["n_simulations"], rng)
    v["sc_power_points_agree"] = int(result.power_simulated["agrees"].sum())
    v["sc_power_points"] = len(result.power_simulated)
    v.update(
        {
            "sc_cr1": 100 * a.cautious_rate_responders,
            "sc_cr2": 100 * a.cautious_rate_nonresponders,
            "sc_pr1": 100 * a.rate_responders,
            "sc_pr2": 100 * a.rate_nonresponders,
            "sc_target": 100 * a.target,
            "sc_power_max_n": a.max_n,
            "sc_share": 100 * a.responder_share,
            "sc_check_every": CHECK_EVERY,
        }
    )
    v["sc_assumptions_sentence"] = ss.assumptions_sentence(a, feature, a.follows_published())
    v["sc_power_statement"] = ss.planning_statement(plan, feature)

    def needed(scenario: str, alternative: str) -> str:
        first, _ = plan.needed(scenario, alternative)
        return f"more than {a.max_n}" if first is None else str(first)

    for key, scenario in (("plan", ss.PLANNING), ("cau", ss.CAUTIOUS), ("face", ss.FACE_VALUE)):
        for side, alternative in (("one", "greater"), ("two", "two-sided")):
            v[f"sc_n_{key}_{side}"] = (
                needed(scenario, alternative)
                if scenario in result.scenarios_plan
                else NOT_APPLICABLE
            )
    if counts is None:
        v["sc_face_value_sentence"] = (
            "This cohort's own shares cannot be set beside them, since its 2x2 table cannot be "
            "formed (see the note above)."
        )
        return checks
    v["sc_face_value_sentence"] = (
        f"Taking this cohort's observed shares at face value ({100 * counts.rate1:.1f}% of "
        f"responders and {100 * counts.rate2:.1f}% of non-responders) would call for "
        f"{v['sc_n_face_one']} cultures one-sided and {v['sc_n_face_two']} two-sided. The book "
        "does not plan with them: shares estimated from a handful of cultures are uncertain, a "
        "share of exactly 0 or 100% claims that no culture of a class could differ, and the "
        "first small study of an effect, published because it crossed a significance "
        "threshold, tends to overstate it."
    )
    return checks


def _effect_section(result: SmallSampleChapter, p: Mapping[str, Any]) -> None:
    v, counts, conf = result.values, result.counts, p["confidence"]
    v["sc_conf"] = 100 * conf
    v["sc_half_tail"] = 50 * (1 - conf)
    keys = (
        "sc_rd",
        "sc_rd_low",
        "sc_rd_high",
        "sc_or_low",
        "sc_tail",
        "sc_haldane",
        "sc_haldane_low",
        "sc_haldane_high",
    )
    if counts is None:
        v.update(dict.fromkeys(keys, NOT_APPLICABLE))
        v["sc_rd_sentence"] = "No effect size can be computed for this cohort (see the note above)."
        v["sc_or_sentence"] = "no estimate can be computed for this cohort"
        v["sc_tail_sentence"] = "no check is possible on this cohort"
        v["sc_haldane_sentence"] = (
            "The Haldane-Anscombe workaround (0.5 added to every cell) cannot be computed either."
        )
        return
    rd, conditional, haldane = intervals = ss.effect_intervals(counts, conf)
    effects = ss.intervals_table(intervals)
    result.effects = effects
    result.tables["effects"] = effects
    v.update(
        {
            "sc_rd": 100 * rd.estimate,
            "sc_rd_low": 100 * rd.low,
            "sc_rd_high": 100 * rd.high,
            "sc_or_sentence": odds_ratio_clause(conditional),
            "sc_haldane": haldane.estimate,
            "sc_haldane_low": haldane.low,
            "sc_haldane_high": haldane.high,
        }
    )
    v["sc_rd_sentence"] = (
        f"The risk difference is {100 * rd.estimate:.1f} percentage points, with a {100 * conf:g}% "
        f"interval from {100 * rd.low:.1f} to {100 * rd.high:.1f}."
    )
    if conditional.low > 0 and math.isfinite(conditional.low):
        tail = ss.tail_probability_at_odds_ratio(counts, conditional.low)
        v["sc_or_low"], v["sc_tail"] = conditional.low, 100 * tail
        v["sc_tail_sentence"] = (
            f"check on this cohort: {100 * tail:.2f}% at the lower end, {conditional.low:.2f}"
        )
    else:
        v["sc_or_low"] = conditional.low if math.isfinite(conditional.low) else NOT_APPLICABLE
        v["sc_tail"] = NOT_APPLICABLE
        v["sc_tail_sentence"] = "no check on this cohort: its interval has no lower end above 0"
    v["sc_haldane_sentence"] = (
        f"A common workaround adds 0.5 to every cell (Haldane-Anscombe), giving a finite odds "
        f"ratio of {haldane.estimate:.1f} (interval {haldane.low:.2f} to {haldane.high:.1f})."
    )


# --------------------------------------------------------------------------- the chapter


def compute(cohort: Cohort, params: Mapping[str, Any] | None = None) -> SmallSampleChapter:
    """Every table, figure input, number and sentence of the small-cohorts chapter.

    ``params`` are book parameters (defaults filled in, unknown names refused). Sections
    that do not apply get a notice; every glued value is a finite number or a sentence.
    """
    p = chapter_params(params)
    result = SmallSampleChapter(chapter=CHAPTER, params=p, reconstruction=is_reconstruction(cohort))
    result.assumptions = ss.PowerAssumptions.from_params(p)
    result.rate1 = result.assumptions.rate_responders
    result.rate2 = result.assumptions.rate_nonresponders
    rng = np.random.default_rng(p["seed"])
    v = result.values
    v.update(
        {
            "sc_drug": p["drug"],
            "sc_gene": p["gene"],
            "sc_cutoff": p["overexpression_fold_change"],
            "sc_threshold": p["response_threshold_pct"],
            "sc_alpha": p["alpha"],
            "sc_alpha_pct": 100 * p["alpha"],
            "sc_n_sim": p["n_simulations"],
            "sc_seed": p["seed"],
        }
    )
    _classify(result, cohort, p)
    _table_section(result, p)
    _exact_section(result, p)
    p_checks = _pvalue_section(result, p, rng)
    screen_checks = _multiple_section(result, cohort, p, rng)
    _panel_section(result, cohort, p)
    size_checks = _power_section(result, p, rng)
    _effect_section(result, p)
    checks = ss.checks_table([*p_checks, *screen_checks, *size_checks])
    result.checks = checks
    result.tables["checks"] = checks
    v["sc_n_agree"] = int(checks["agrees"].sum())
    v["sc_n_checks"] = len(checks)
    result.values = {key: _clean(value) for key, value in v.items()}
    return result
