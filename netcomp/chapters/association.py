"""Chapter 3, biomarker association: every number, table, figure input and sentence.

:func:`compute` runs the whole chapter on a loaded cohort: response classes, exact tests of
the clinical variables, the HRAS 2x2 table with Fisher's test and its odds ratio, the tests
of the published counts, the robustness checks (fragility, leave-one-out, threshold x
cut-off grid, exact power from the book's one power engine shared with chapter 5), HRAS
overexpression against HRAS mutation, the screen of every gene with Benjamini-Hochberg
q-values, and the exercises. The analysis itself lives in
:mod:`netcomp.stats.association` and :mod:`netcomp.stats.robustness`; this module decides what
applies to a cohort and says so: a section that cannot be computed (an empty response class, HRAS
not measured, no mutations ...) gets a :class:`~netcomp.chapters.base.Notice` instead of
an exception, and its glued values become sentences that read correctly.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netcomp.book.params import MAX_POWER_N
from netcomp.chapters.base import ChapterResult, chapter_params
from netcomp.chapters.response import is_reconstruction
from netcomp.data.cohort import Cohort
from netcomp.stats import association, published, response, robustness
from netcomp.stats import smallsample as power_engine
from netcomp.stats.association import BinaryAssociation, OddsRatioCI
from netcomp.stats.robustness import FragilityResult
from netcomp.stats.significance import significant
from netcomp.text.wording import format_p as fmt_p
from netcomp.text.wording import plural as _plural
from netcomp.text.wording import verb as _verb

CHAPTER = "03_biomarker_association"
#: The candidate biomarker of the study (the chapter's prose is about it).
GENE = "HRAS"
#: Fewest cultures each response class needs for the tests of association.
MIN_PER_CLASS = 2
#: Text of a value whose section does not apply to the cohort.
NOT_APPLICABLE = "not applicable"
#: Longest list of cultures written out in a sentence.
MAX_LISTED = 8
#: Rows of the ranked screen table shown in the chapter.
SHOWN_ROWS = 25

# Sections (as headed in the notebook); notices are recorded under these names.
S_CLASSES = "Inputs and checks"
S_CLINICAL = "Clinical variables"
S_HRAS = "HRAS overexpression and response"
S_HRAS_TEST = "Fisher's exact test of HRAS"
S_FRAGILITY = "Fragility"
S_LOO = "Leaving one culture out"
S_GRID = "Other thresholds and cut-offs"
S_UNCERTAINTY = "Uncertainty in each culture's class"
S_CORRELATION = "A test that dichotomises neither measure"
S_MUTATION = "HRAS overexpression and HRAS mutation"
S_SCREEN = "A screen of every gene"
S_SCREEN_MUTATIONS = "Mutations in the screen"
S_EX1 = "Exercise: another response threshold"
S_EX2 = "Exercise: another overexpression cut-off"
S_EX3 = "Exercise: which tests form the family"


@dataclass
class AssociationChapter(ChapterResult):
    """Everything chapter 3 shows. Fields are None (or empty) where a section does not apply."""

    params: dict[str, Any] = field(default_factory=dict)
    classes: pd.Series | None = None
    n_responders: int = 0
    n_nonresponders: int = 0
    tests_apply: bool = False
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)
    clinical: pd.DataFrame | None = None
    hras: pd.DataFrame | None = None
    hras_table: BinaryAssociation | None = None
    hras_ci: OddsRatioCI | None = None
    hras_tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    away: pd.DataFrame = field(default_factory=pd.DataFrame)
    fragility_two: FragilityResult | None = None
    fragility_one: FragilityResult | None = None
    loo: pd.DataFrame | None = None
    grid: pd.DataFrame | None = None
    grid_one: pd.DataFrame | None = None
    partitions: pd.DataFrame | None = None
    reconstruction: bool = False
    versions: pd.DataFrame = field(default_factory=pd.DataFrame)
    class_probs: pd.DataFrame | None = None
    class_tables: pd.DataFrame | None = None
    correlations: pd.DataFrame | None = None
    tarone: association.TaroneBH | None = None
    formats: dict[str, dict[str, str]] = field(default_factory=dict)
    plan: power_engine.PowerPlan | None = None
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    needed: dict[str, int | None] = field(default_factory=dict)
    observed_n: int | None = None
    mutation: BinaryAssociation | None = None
    screen: pd.DataFrame | None = None
    ranks: pd.DataFrame | None = None
    ex1: pd.DataFrame | None = None
    ex2: pd.DataFrame | None = None
    ex3: pd.DataFrame | None = None
    ex4_curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    ex4_sizes: pd.DataFrame = field(default_factory=pd.DataFrame)
    ex4_needed: dict[str, int | None] = field(default_factory=dict)

    @property
    def over(self) -> pd.Series | None:
        """HRAS overexpressed (bool) by culture, for the cultures where it was measured."""
        if self.hras is None:
            return None
        return self.hras.set_index("culture_id")["overexpressed"]

    # Sections that run only when an earlier one applied (the notices say which) read these
    # instead of the optional fields: a missing value there is a bug, not a cohort's shape.

    def classified(self) -> pd.Series:
        """:attr:`classes`, for a section that runs only once the cultures are classified."""
        if self.classes is None:
            raise RuntimeError("this section needs the response classes")
        return self.classes

    def hras_over(self) -> pd.Series:
        """:attr:`over`, for a section that runs only when HRAS was measured."""
        over = self.over
        if over is None:
            raise RuntimeError(f"this section needs the {GENE} fold changes")
        return over

    def hras_association(self) -> BinaryAssociation:
        """:attr:`hras_table`, for a section that runs only when Fisher's test of HRAS applies."""
        if self.hras_table is None:
            raise RuntimeError(f"this section needs the {GENE} table")
        return self.hras_table


# --------------------------------------------------------------------------- small helpers


def culture_phrase(ids: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``"C1, C2 and C3"``; beyond ``limit`` names, ``"C1, ..., C8 and 12 more"``."""
    ids = [str(i) for i in ids]
    if not ids:
        return "none"
    if len(ids) > limit:
        return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def _counts_phrase(table: BinaryAssociation, gene: str = GENE) -> str:
    return (
        f"{table.a} of the {table.a + table.c} responders and {table.b} of the "
        f"{table.b + table.d} non-responders overexpress {gene}"
    )


def classify_cohort(
    cohort: Cohort, drug: str, threshold_pct: float, concentration_um: float | None = None
) -> tuple[pd.Series | None, str]:
    """Response classes of the cultures that received ``drug`` and ``""``, or None and why.

    Cultures without a measurement for the drug are left out (they have no class); an
    unknown drug, an untested concentration or no concentration common to all cultures is
    returned as a reason, never raised.
    """
    viability = cohort.viability
    with_drug = set(viability.loc[viability["drug"].astype(str) == drug, "culture_id"].astype(str))
    ids = [c for c in cohort.culture_ids if c in with_drug]
    if not ids:
        return None, (
            f"no culture has a viability measurement for {drug} (drugs in the data: "
            f"{', '.join(cohort.drugs)})"
        )
    try:
        rows = viability[
            viability["culture_id"].astype(str).isin(ids) & (viability["drug"].astype(str) == drug)
        ]
        classes = response.responder_classes(
            rows, drug, threshold_pct, concentration_um, cultures=ids
        )
    except ValueError as err:
        return None, str(err)
    return classes, ""


def class_reason(
    classes: pd.Series | None,
    why: str,
    drug: str,
    threshold_pct: float,
    minimum: int = MIN_PER_CLASS,
    what: str = "",
) -> str:
    """Why the tests of association do not apply ("" when both classes are large enough)."""
    if classes is None:
        return f"the cultures could not be sorted into response classes: {why}"
    n_resp = int(classes.sum())
    n_non = int(classes.size - n_resp)
    if n_resp >= minimum and n_non >= minimum:
        return ""
    among = f" among the {what}" if what else ""
    counts = f"{_plural(n_resp, 'responder')} and {_plural(n_non, 'non-responder')}{among}"
    if n_resp == 0 or n_non == 0:
        return (
            f"at a {threshold_pct:g}% threshold for {drug} every culture is in one class "
            f"({counts}), so there are no two classes to compare"
        )
    return (
        f"a response class has fewer than {minimum} cultures ({counts}); with a single "
        "culture in a class every test of association is degenerate"
    )


CLASS_REMEDY = (
    "choose another response_threshold_pct, drug or concentration_um, or add "
    "cultures, so that each response class has at least two cultures"
)


# --------------------------------------------------------------------------- compute


def compute(
    cohort: Cohort, params: Mapping[str, Any] | None = None, exercises: bool = True
) -> AssociationChapter:
    """Compute chapter 3 for ``cohort`` with the book's parameters (defaults filled in).

    Never raises for a cohort that passed validation: sections that do not apply get a
    notice. ``exercises=False`` skips the exercises' computations.
    """
    p = chapter_params(params)
    res = AssociationChapter(chapter=CHAPTER, params=p, reconstruction=is_reconstruction(cohort))
    drug, thr = p["drug"], float(p["response_threshold_pct"])
    cutoff, alpha, fdr = float(p["overexpression_fold_change"]), float(p["alpha"]), float(p["fdr"])
    v = res.values
    v.update(
        {
            "assoc_drug": drug,
            "assoc_threshold": thr,
            "assoc_cutoff": cutoff,
            "assoc_alpha": alpha,
            "assoc_fdr": fdr,
        }
    )

    if p["concentration_um"] is None and drug in cohort.drugs:
        # resolve the default once: every later classification uses the same concentration
        try:
            p["concentration_um"] = response.default_concentration(cohort.viability, drug)
        except ValueError:
            pass  # classify_cohort below reports why
    classes, why = classify_cohort(cohort, drug, thr, p["concentration_um"])
    res.classes = classes
    _classes_section(res, cohort, why)
    expression = cohort.expression_matrix()
    _missing_section(res, expression)
    _clinical_section(res, cohort)
    _hras_section(res, expression)
    _published_section(res)
    _fragility_section(res)
    _loo_section(res)
    _grid_section(res, cohort, expression)
    _uncertainty_section(res, cohort)
    _correlation_section(res, cohort, expression)
    _power_section(res, cohort)
    _mutation_section(res, cohort)
    _screen_section(res, cohort, expression)
    if exercises:
        exercise_thresholds(res, cohort, expression, (20.0, 25.0))
        exercise_cutoffs(res, expression, (1.5, 3.0))
        exercise_family(res, expression)
        exercise_power(res, 0.01)
    res.tables["associations"] = (
        association.results_table(res.screen)
        if res.screen is not None
        else pd.DataFrame(columns=list(association.RESULT_COLUMNS))
    )
    res.tables["hras_tests"] = res.hras_tests
    res.tables["versions"] = res.versions
    return res


def _classes_section(res: AssociationChapter, cohort: Cohort, why: str) -> None:
    p, v = res.params, res.values
    drug, thr = p["drug"], float(p["response_threshold_pct"])
    classes = res.classes
    if classes is None:
        res.n_responders = res.n_nonresponders = 0
        res.notice(
            S_CLASSES,
            class_reason(None, why, drug, thr),
            "name a drug of the data in the drug parameter and, for a dose series, a "
            "concentration every culture received in concentration_um",
        )
        sentence = (
            f"The cultures could not be sorted into responders and non-responders to "
            f"{drug}, so the tests of this chapter do not apply (see the note)."
        )
    else:
        res.n_responders = int(classes.sum())
        res.n_nonresponders = int(classes.size - res.n_responders)
        sentence = (
            f"With {drug} and a threshold of {thr:g}% survival inhibition, "
            f"{res.n_responders} of the {classes.size} cultures are responders and "
            f"{res.n_nonresponders} are non-responders."
        )
        classified = set(classes.index)
        left_out = [c for c in cohort.culture_ids if c not in classified]
        if left_out:
            sentence += (
                f" {_plural(len(left_out), 'culture')} "
                f"{_verb(len(left_out), 'has', 'have')} no measurement for {drug} and no "
                f"class: {culture_phrase(left_out)}."
            )
        reason = class_reason(classes, why, drug, thr)
        if reason:
            res.notice(S_CLASSES, reason, CLASS_REMEDY)
    res.tests_apply = res.applies(S_CLASSES)
    n_classified = 0 if classes is None else int(classes.size)
    v.update(
        {
            "assoc_n_cultures": n_classified,
            "assoc_n_resp": res.n_responders,
            "assoc_n_non": res.n_nonresponders,
            "assoc_classes_sentence": sentence,
        }
    )


def _missing_section(res: AssociationChapter, expression: pd.DataFrame) -> None:
    res.missing = association.missing_expression(expression)
    res.values["assoc_missing_note"] = association.missing_expression_note(res.missing)


def _not_applicable(res: AssociationChapter, names: Sequence[str]) -> None:
    for name in names:
        res.values[name] = NOT_APPLICABLE


def _clinical_section(res: AssociationChapter, cohort: Cohort) -> None:
    v, alpha = res.values, float(res.params["alpha"])
    names = ("assoc_ki67_ties", "assoc_ki67_assignments")
    if not res.tests_apply:
        res.notice(S_CLINICAL, res.notices_for(S_CLASSES)[0].reason, CLASS_REMEDY)
        _not_applicable(res, names)
        v["assoc_clinical_verdict"] = (
            "The clinical variables are not tested in this cohort, "
            "because its cultures do not form two response classes."
        )
        return
    classes = res.classified()
    clinical = association.clinical_associations(cohort.cultures, classes)
    res.clinical = clinical
    res.tables["clinical"] = clinical
    ki67 = cohort.cultures.set_index("culture_id").loc[list(classes.index), "ki67_pct"].dropna()
    n_tied = int(ki67.duplicated(keep=False).sum())
    v["assoc_ki67_ties"] = (
        f"{n_tied} cultures share a value with another culture"
        if n_tied
        else "no two cultures share a value, so the exact test would also apply"
    )
    k67 = clinical[clinical["feature"] == "ki67_pct"]
    if not k67.empty and "normal approximation" in str(k67["test"].iloc[0]):
        v["assoc_ki67_assignments"] = (
            f"{math.comb(int(classes.size), res.n_responders):,} ways here, too many, so the "
            "tie-corrected normal approximation is used instead"
        )
    else:
        v["assoc_ki67_assignments"] = f"{math.comb(int(classes.size), res.n_responders):,} ways"
    tested = clinical.dropna(subset=["p_value"])
    below = tested[significant(tested["p_value"], alpha)]
    if tested.empty:
        verdict = "No clinical variable could be tested in this cohort."
    elif below.empty:
        smallest = tested.iloc[int(np.argmin(tested["p_value"].to_numpy(dtype=float)))]
        verdict = (
            f"In this cohort no clinical variable reaches p ≤ {alpha:g} (smallest p = "
            f"{fmt_p(smallest['p_value'], 3)}, {smallest['feature']})."
        )
    else:
        verdict = (
            f"In this cohort {', '.join(below['feature'])} reach(es) p ≤ {alpha:g}, "
            "unlike the study."
        )
    if res.reconstruction and not tested.empty:
        verdict += (
            " The reconstruction's grades, sites, Ki67 values and syndromic status were "
            "drawn to agree with the study's statement that none is associated, so this "
            "agreement is built in; only the study's own per-culture records could "
            "test it."
        )
    v["assoc_clinical_verdict"] = verdict


def _hras_measured(res: AssociationChapter, expression: pd.DataFrame, cutoff: float) -> None:
    """The HRAS fold changes by class and its table, or the notice saying why there are none."""
    if res.classes is None:
        reason = res.notices_for(S_CLASSES)[0].reason
        res.notice(S_HRAS, reason, CLASS_REMEDY)
    elif GENE not in expression.columns:
        res.notice(
            S_HRAS,
            f"{GENE} is not in expression.csv (measured genes: "
            f"{culture_phrase(list(map(str, expression.columns)))})",
            f"add the {GENE} fold change of each culture to expression.csv",
        )
    elif not expression[GENE].reindex(res.classes.index).notna().any():
        res.notice(
            S_HRAS,
            f"{GENE} was not measured in any culture with a response class",
            f"add the {GENE} fold change of the classified cultures to expression.csv",
        )
    else:
        res.hras = association.fold_change_by_class(expression, res.classes, GENE, cutoff)
        over = res.hras_over()
        res.hras_table = association.binary_association(over, res.classified().loc[over.index])


def _hras_section(res: AssociationChapter, expression: pd.DataFrame) -> None:
    """The HRAS table by class and Fisher's test of it (notices when either does not apply)."""
    v, p = res.values, res.params
    drug, thr = p["drug"], float(p["response_threshold_pct"])
    test_names = ("assoc_hras_p2", "assoc_hras_p1")
    _hras_measured(res, expression, float(p["overexpression_fold_change"]))
    if res.hras is None:
        res.notice(
            S_HRAS_TEST, res.notices_for(S_HRAS)[0].reason, res.notices_for(S_HRAS)[0].remedy
        )
        _not_applicable(res, (*test_names, "assoc_hras_detail_words", "assoc_hras_or_sentence"))
        v["assoc_hras_table_sentence"] = f"There is no {GENE} table for this cohort."
        v["assoc_hras_p_sentence"] = f"Fisher's test of {GENE} does not apply to this cohort."
        return
    table, classes = res.hras_association(), res.classified()
    v["assoc_hras_detail_words"] = _counts_phrase(table)
    v["assoc_hras_table_sentence"] = f"Read it by column: {_counts_phrase(table)}."
    measured = len(res.hras)
    if measured < len(classes):
        v["assoc_hras_table_sentence"] += (
            f" {_plural(len(classes) - measured, 'classified culture')} "
            f"{_verb(len(classes) - measured, 'has', 'have')} no {GENE} fold change "
            f"and {_verb(len(classes) - measured, 'is', 'are')} left out."
        )
    reason = class_reason(
        classes.loc[res.hras_over().index],
        "",
        drug,
        thr,
        what=f"cultures with an {GENE} fold change",
    )
    if reason:
        res.notice(S_HRAS_TEST, reason, CLASS_REMEDY)
        _not_applicable(res, (*test_names, "assoc_hras_or_sentence"))
        v["assoc_hras_p_sentence"] = (
            f"Fisher's test of {GENE} does not apply to this cohort (see the note)."
        )
        return
    res.hras_ci = association.conditional_odds_ratio(table.table, float(p["confidence"]))
    v["assoc_hras_p2"] = table.p_value
    v["assoc_hras_p1"] = table.p_greater
    v["assoc_hras_or_sentence"] = association.odds_ratio_sentence(res.hras_ci)
    v["assoc_hras_p_sentence"] = (
        f"In this cohort the two-sided p is {fmt_p(table.p_value, 4)} and the one-sided p is "
        f"{fmt_p(table.p_greater, 4)}. {v['assoc_hras_or_sentence']}"
    )


def hras_applies(res: AssociationChapter) -> bool:
    """True when Fisher's test of HRAS (and its robustness checks) applies."""
    return res.applies(S_HRAS_TEST)


@functools.lru_cache(maxsize=1)
def _published_versions() -> tuple[pd.DataFrame, str]:
    """The published versions' tests and their sentence: the same for every cohort (cached)."""
    return published.version_tests(), published.versions_sentence()


def _published_section(res: AssociationChapter) -> None:
    v = res.values
    pub_a, pub_n_resp, pub_b, pub_n_non = association.PUBLISHED_HRAS
    tests = association.count_tests(
        pub_a, pub_n_resp, pub_b, pub_n_non, published_p=association.PUBLISHED_P
    )
    res.hras_tests = tests
    table, sentence = _published_versions()
    res.versions = table.copy()
    v["assoc_versions_sentence"] = sentence
    closest = tests.iloc[int((tests["p_value"] - association.PUBLISHED_P).abs().argmin())]
    fisher2 = tests[(tests["test"] == "Fisher exact") & (tests["sided"] == "two-sided")][
        "p_value"
    ].iloc[0]
    res.away = association.one_culture_away(
        pub_a, pub_n_resp, pub_b, pub_n_non, association.PUBLISHED_P
    )
    v.update(
        {
            "assoc_pub_p": association.PUBLISHED_P,
            "assoc_pub_counts": (
                f"{pub_a}/{pub_n_resp} responders vs {pub_b}/{pub_n_non} "
                "non-responders overexpressing HRAS"
            ),
            "assoc_pub_sentence": association.published_match_sentence(
                tests, association.PUBLISHED_P
            ),
            "assoc_pub_closest": (
                f"{closest['test']}, {closest['sided']}: p = {closest['p_value']:.4f}"
            ),
            "assoc_pub_fisher2": float(fisher2),
            "assoc_away_sentence": association.one_culture_away_sentence(
                res.away, association.PUBLISHED_P
            ),
        }
    )


def _fragility_section(res: AssociationChapter) -> None:
    v, alpha = res.values, float(res.params["alpha"])
    if not hras_applies(res):
        note = res.notices_for(S_HRAS_TEST)[0]
        res.notice(S_FRAGILITY, note.reason, note.remedy)
        text = f"Not computed: Fisher's test of {GENE} does not apply to this cohort."
        v["assoc_frag_two"] = v["assoc_frag_one"] = text
        return
    t = res.hras_association()
    res.fragility_two = robustness.fragility_index(t.a, t.b, t.c, t.d, alpha, "two-sided")
    res.fragility_one = robustness.fragility_index(t.a, t.b, t.c, t.d, alpha, "greater")
    v["assoc_frag_two"] = robustness.fragility_sentence(res.fragility_two, f"{GENE} overexpression")
    v["assoc_frag_one"] = robustness.fragility_sentence(res.fragility_one, f"{GENE} overexpression")


def _loo_section(res: AssociationChapter) -> None:
    v, alpha = res.values, float(res.params["alpha"])
    if not hras_applies(res):
        note = res.notices_for(S_HRAS_TEST)[0]
        res.notice(S_LOO, note.reason, note.remedy)
        v["assoc_loo_sentence"] = "Not computed for this cohort."
        return
    over = res.hras_over()
    res.loo = robustness.leave_one_out(over, res.classified().loc[over.index])
    v["assoc_loo_sentence"] = robustness.leave_one_out_sentence(
        res.loo, res.hras_association().p_value, alpha
    )


def _grid_untestable(res: AssociationChapter, thresholds: np.ndarray) -> bool:
    """True (with a notice) when no point of the grid gives two classes large enough to test."""
    assert res.grid is not None
    testable = (
        res.grid["p_value"].notna()
        & (res.grid["n_responders"] >= MIN_PER_CLASS)
        & (res.grid["n_nonresponders"] >= MIN_PER_CLASS)
    )
    if testable.any():
        return False
    res.notice(
        S_GRID,
        f"no threshold between {thresholds[0]:g}% and {thresholds[-1]:g}% "
        f"gives two response classes of at least {MIN_PER_CLASS} cultures with an "
        f"{GENE} fold change",
        "widen threshold_min_pct and threshold_max_pct, or add cultures",
    )
    res.values["assoc_grid_sentence"] = "No combination of the grid can be tested in this cohort."
    res.grid = res.grid_one = None
    return True


def _grid_choice_sentence(res: AssociationChapter) -> str:
    """Which partition the chapter's own threshold and cut-off fall in (and, if reconstructed,
    what the partitions rest on)."""
    parts, cut_used = res.partitions, float(res.params["overexpression_fold_change"])
    assert parts is not None
    sentence = ""
    chosen = parts[
        (parts["threshold_from"] <= thr_used(res))
        & (parts["threshold_to"] >= thr_used(res))
        & (parts["cutoff_from"] <= cut_used)
        & (parts["cutoff_to"] >= cut_used)
    ]
    if len(chosen) == 1:
        row = chosen.iloc[0]
        sentence += (
            f" The chapter's own choice falls in the partition given by thresholds "
            f"{_span(row['threshold_from'], row['threshold_to'], '%')} and cut-offs "
            f"{_span(row['cutoff_from'], row['cutoff_to'], '')} of the grid."
        )
    if res.reconstruction:
        sentence += (
            " In the reconstruction these partitions follow from synthetic values "
            "placed to give the published counts at a 15% threshold and a cut-off of "
            "2; only the study's own measurements would show how far its cultures "
            "really lie from either line."
        )
    return sentence


def _partitions_table(res: AssociationChapter) -> None:
    """The grid's partitions as shown: the thresholds and cut-offs giving each table, its p."""
    parts = res.partitions
    assert parts is not None
    res.tables["partitions"] = pd.DataFrame(
        {
            "Thresholds giving it": [
                _span(low, high, "%")
                for low, high in zip(parts["threshold_from"], parts["threshold_to"], strict=True)
            ],
            "Cut-offs giving it": [
                _span(low, high, "")
                for low, high in zip(parts["cutoff_from"], parts["cutoff_to"], strict=True)
            ],
            "Grid points": parts["n_points"].to_numpy(),
            f"{GENE} overexpressed: responders vs non-responders": [
                f"{r.a}/{r.n_responders} vs {r.b}/{r.n_nonresponders}" for r in parts.itertuples()
            ],
            "Fisher p, two-sided": parts["p_two_sided"].to_numpy(),
            "Fisher p, one-sided (greater)": parts["p_one_sided"].to_numpy(),
        }
    )
    res.formats["partitions"] = {
        "Fisher p, two-sided": "{:.4f}",
        "Fisher p, one-sided (greater)": "{:.4f}",
    }


def _grid_section(res: AssociationChapter, cohort: Cohort, expression: pd.DataFrame) -> None:
    """Fisher's p over a grid of thresholds and cut-offs, summarised by partitions."""
    v, p = res.values, res.params
    alpha = float(p["alpha"])
    thresholds = robustness.scan_values(
        p["threshold_min_pct"], p["threshold_max_pct"], p["threshold_step_pct"]
    )
    cutoffs = robustness.scan_values(p["cutoff_min"], p["cutoff_max"], p["cutoff_step"])
    v.update(
        {
            "assoc_thr_min": float(thresholds[0]),
            "assoc_thr_max": float(thresholds[-1]),
            "assoc_cut_min": float(cutoffs[0]),
            "assoc_cut_max": float(cutoffs[-1]),
        }
    )
    if res.hras is None:
        note = res.notices_for(S_HRAS)[0]
        res.notice(S_GRID, note.reason, note.remedy)
        v["assoc_grid_sentence"] = "The grid is not computed for this cohort."
        return
    inhibition = response.inhibition_table(
        cohort.viability[
            cohort.viability["culture_id"].astype(str).isin(set(res.classified().index))
        ],
        [p["drug"]],
        p["concentration_um"],
    ).set_index("culture_id")["inhibition_pct"]
    fold = expression[GENE]
    res.grid = robustness.fisher_p_by_threshold_and_cutoff(inhibition, fold, thresholds, cutoffs)
    res.grid_one = robustness.fisher_p_by_threshold_and_cutoff(
        inhibition, fold, thresholds, cutoffs, alternative="greater"
    )
    if _grid_untestable(res, thresholds):
        return
    requested = [
        int(np.floor((p[hi] - p[lo]) / p[step] + 1e-9)) + 1
        for lo, hi, step in (
            ("threshold_min_pct", "threshold_max_pct", "threshold_step_pct"),
            ("cutoff_min", "cutoff_max", "cutoff_step"),
        )
    ]
    res.partitions = robustness.grid_partitions(res.grid, res.grid_one)
    sentence = robustness.partition_sentence(res.partitions, len(res.grid), alpha, MIN_PER_CLASS)
    sentence += _grid_choice_sentence(res)
    _partitions_table(res)
    if requested[0] > len(thresholds) or requested[1] > len(cutoffs):
        sentence += (
            f" (The steps asked for more than {robustness.MAX_SCAN_POINTS} values on "
            "an axis, so they were widened to fit.)"
        )
    v["assoc_grid_sentence"] = sentence


def thr_used(res: AssociationChapter) -> float:
    """The chapter's response threshold (%)."""
    return float(res.params["response_threshold_pct"])


def _span(low: float, high: float, unit: str) -> str:
    return f"{low:g}{unit}" if low == high else f"{low:g}{unit} to {high:g}{unit}"


def _class_probabilities(
    res: AssociationChapter, cohort: Cohort
) -> tuple[pd.DataFrame, pd.Series, int]:
    """Each culture's mean inhibition, 95% t-interval and probability of being a responder.

    Returns the table, the probabilities by culture and the number of cultures with one well
    or identical wells (which keep the class of their mean).
    """
    p = res.params
    thr = thr_used(res)
    over = res.hras_over()
    inh = (
        response.inhibition_table(
            cohort.viability[cohort.viability["culture_id"].astype(str).isin(set(over.index))],
            [p["drug"]],
            p["concentration_um"],
        )
        .set_index("culture_id")
        .loc[list(over.index)]
    )
    prob = robustness.responder_probability(
        inh["inhibition_pct"], inh["inhibition_sd"], inh["n_replicates"], thr
    )
    n = inh["n_replicates"].to_numpy(float)
    sd = inh["inhibition_sd"].to_numpy(float)
    usable = (n >= 2) & (sd > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(usable, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n), np.nan)
    mean = inh["inhibition_pct"].to_numpy(float)
    probs = pd.DataFrame(
        {
            "culture_id": list(inh.index),
            "inhibition_pct": mean,
            "n_replicates": inh["n_replicates"].to_numpy(int),
            "ci_low": mean - half,
            "ci_high": mean + half,
            "p_responder": prob,
            "responder": res.classified().loc[inh.index].to_numpy(bool),
            "overexpressed": over.loc[inh.index].to_numpy(bool),
        }
    )
    return probs, pd.Series(prob, index=inh.index), int((~usable).sum())


def _uncertainty_model(single: int) -> str:
    """The model under which the class probabilities are computed, in words."""
    return (
        "each culture's wells are independent normal measurements around its true mean, so "
        "the true mean lies around the observed mean with a Student t spread (n - 1 degrees "
        "of freedom: the t-interval read as a distribution); the cultures are independent, "
        f"and {GENE} status is taken as measured without error"
        + (
            f"; {_plural(single, 'culture')} with one well or identical wells "
            f"{_verb(single, 'keeps the class of its', 'keep the class of their')} mean"
            if single
            else ""
        )
    )


def _uncertainty_values(res: AssociationChapter, probs: pd.DataFrame, tables: pd.DataFrame) -> None:
    """How likely the observed table and a significant Fisher p are, given the wells' spread."""
    v, alpha, thr = res.values, float(res.params["alpha"]), thr_used(res)
    t = res.hras_association()
    p_obs = float(tables.loc[(tables["a"] == t.a) & (tables["c"] == t.c), "probability"].sum())
    p_two = float(tables.loc[significant(tables["p_two_sided"], alpha), "probability"].sum())
    p_one = float(tables.loc[significant(tables["p_one_sided"], alpha), "probability"].sum())
    p_none = float(tables.loc[tables["p_two_sided"].isna(), "probability"].sum())
    crossing = probs[(probs["ci_low"] <= thr) & (probs["ci_high"] > thr)]
    unsure = probs[(probs["p_responder"] > 0.025) & (probs["p_responder"] < 0.975)]
    sentence = (
        f"{_plural(len(crossing), 'culture')} {_verb(len(crossing), 'has', 'have')} a 95% "
        f"t-interval that crosses the {thr:g}% "
        f"threshold ({culture_phrase(list(crossing['culture_id']))}), and {len(unsure)} "
        f"{_verb(len(unsure), 'has', 'have')} a probability of being a responder between "
        f"2.5% and 97.5%. Carried through "
        f"to the {GENE} table, the observed table has probability {p_obs:.1%}; the two-sided "
        f"Fisher p is below {alpha:g} with probability {p_two:.1%} and the one-sided p with "
        f"probability {p_one:.1%}"
        + (
            f" (with probability {p_none:.1%} a class has fewer than {MIN_PER_CLASS} cultures "
            "and there is no test)"
            if p_none >= 0.0005
            else ""
        )
        + f". The distribution is exact: all {len(tables):,} tables with a probability above "
        "10⁻¹² are listed, with no simulation."
    )
    if res.reconstruction:
        sentence += (
            " The wells here are reconstructed, so this shows how the uncertainty "
            "is carried through, not how certain the study's classes were; the "
            "study's own well measurements would settle that."
        )
    v.update(
        {
            "assoc_unc_sentence": sentence,
            "assoc_unc_p_two": p_two,
            "assoc_unc_p_one": p_one,
            "assoc_unc_p_obs": p_obs,
        }
    )


def _uncertainty_tables(res: AssociationChapter, probs: pd.DataFrame, tables: pd.DataFrame) -> None:
    """The class probabilities and the most likely HRAS tables as shown."""
    res.tables["class_probs"] = probs.assign(
        responder=probs["responder"].map({True: "responder", False: "non-responder"}),
        overexpressed=probs["overexpressed"].map({True: "yes", False: "no"}),
    ).rename(
        columns={
            "culture_id": "Culture",
            "inhibition_pct": "Survival inhibition (%)",
            "n_replicates": "Wells",
            "ci_low": "95% t-interval low (%)",
            "ci_high": "95% t-interval high (%)",
            "p_responder": "P(responder)",
            "responder": "Class from the mean",
            "overexpressed": f"{GENE} overexpressed",
        }
    )
    res.formats["class_probs"] = {
        "Survival inhibition (%)": "{:.1f}",
        "95% t-interval low (%)": "{:.1f}",
        "95% t-interval high (%)": "{:.1f}",
        "P(responder)": "{:.4f}",
    }
    top = tables.head(8)
    res.tables["class_tables"] = pd.DataFrame(
        {
            f"{GENE} overexpressed: responders vs non-responders": [
                f"{a}/{a + c} vs {b}/{b + d}"
                for a, b, c, d in zip(top["a"], top["b"], top["c"], top["d"], strict=True)
            ],
            "Probability": top["probability"].to_numpy(),
            "Fisher p, two-sided": top["p_two_sided"].to_numpy(),
            "Fisher p, one-sided (greater)": top["p_one_sided"].to_numpy(),
        }
    )
    res.formats["class_tables"] = {
        "Probability": "{:.4f}",
        "Fisher p, two-sided": "{:.4f}",
        "Fisher p, one-sided (greater)": "{:.4f}",
    }


def _uncertainty_section(res: AssociationChapter, cohort: Cohort) -> None:
    """The wells' spread carried through to the HRAS table: exact class and table probabilities."""
    v, p = res.values, res.params
    alpha = float(p["alpha"])
    names = ("assoc_unc_model", "assoc_unc_p_two", "assoc_unc_p_one", "assoc_unc_p_obs")
    if not hras_applies(res):
        note = res.notices_for(S_HRAS_TEST)[0]
        res.notice(S_UNCERTAINTY, note.reason, note.remedy)
        _not_applicable(res, names)
        v["assoc_unc_sentence"] = f"Not computed: Fisher's test of {GENE} does not apply here."
        return
    probs, prob, single = _class_probabilities(res, cohort)
    res.class_probs = probs
    tables = robustness.class_uncertainty(prob, res.hras_over(), alpha, MIN_PER_CLASS)
    res.class_tables = tables
    v["assoc_unc_model"] = _uncertainty_model(single)
    _uncertainty_values(res, probs, tables)
    _uncertainty_tables(res, probs, tables)


def _orderings(n: int) -> str:
    """``n!`` in words: exact up to 20 cultures, then its order of magnitude."""
    if n <= 20:
        return f"{math.factorial(n):,}"
    return f"{n}! (more than 10^{int(math.lgamma(n + 1) / math.log(10))})"


def _correlation_data(
    res: AssociationChapter, cohort: Cohort, expression: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray] | None:
    """Inhibition and log2 HRAS fold change of the cultures with both, or None with a notice."""
    v, p = res.values, res.params
    if res.hras is None:
        note = res.notices_for(S_HRAS)[0]
        res.notice(S_CORRELATION, note.reason, note.remedy)
        v["assoc_corr_sentence"] = "Not computed for this cohort."
        return None
    ids = list(res.hras["culture_id"])
    inh = response.inhibition_table(
        cohort.viability[cohort.viability["culture_id"].astype(str).isin(set(ids))],
        [p["drug"]],
        p["concentration_um"],
    ).set_index("culture_id")["inhibition_pct"]
    fold = expression[GENE].reindex(ids)
    x_all = inh.reindex(ids)
    ok = x_all.notna() & fold.notna() & (fold > 0)
    x, y = x_all[ok].to_numpy(float), np.log2(fold[ok].to_numpy(float))
    if x.size < 3 or np.unique(x).size < 2 or np.unique(y).size < 2:
        res.notice(
            S_CORRELATION,
            "fewer than three cultures with both a survival inhibition "
            f"and an {GENE} fold change, or no variation in one of them",
            f"measure {p['drug']} and {GENE} in more cultures",
        )
        v["assoc_corr_sentence"] = "Not computed for this cohort."
        return None
    return x, y


def _correlation_table(
    res: AssociationChapter, tests: Sequence[robustness.CorrelationTest]
) -> None:
    """Spearman's and Pearson's r with their permutation p and how it was computed."""
    rows = []
    for t in tests:
        how = (
            f"exact: all {_orderings(t.n)} orderings"
            if t.exact
            else f"Monte Carlo: {t.n_resamples:,} random orderings, standard error {t.mc_se:.4f}"
        )
        rows.append(
            {
                "Correlation": "Spearman (ranks)"
                if t.method == "spearman"
                else f"Pearson (inhibition vs log2 {GENE} fold change)",
                "r": t.statistic,
                "p, two-sided (permutation)": t.p_value,
                "Null distribution": how,
            }
        )
    res.correlations = pd.DataFrame(rows)
    res.tables["correlations"] = res.correlations
    res.formats["correlations"] = {"r": "{:.3f}", "p, two-sided (permutation)": "{:.4f}"}


def _correlation_sentence(
    res: AssociationChapter, sp: robustness.CorrelationTest, pe: robustness.CorrelationTest
) -> str:
    """Both correlations in words, and why they cannot recover the published p = .048."""
    sentence = (
        f"Over the {sp.n} cultures, Spearman's r is {sp.statistic:.2f} (two-sided permutation "
        f"p = {fmt_p(sp.p_value, 3)}) and Pearson's r on the log2 fold change is "
        f"{pe.statistic:.2f} (p = {fmt_p(pe.p_value, 3)})"
        + (
            "."
            if sp.exact
            else f"; each p is estimated from {sp.n_resamples:,} random orderings (Monte Carlo "
            f"standard error at most {max(sp.mc_se, pe.mc_se):.3f}), because listing all "
            f"{_orderings(sp.n)} orderings would take too long."
        )
    )
    sentence += (
        " Could the published p = .048 come from such a test? With 11 cultures a correlation "
        "has 39,916,800 orderings, so its permutation p can take almost any value, .048 "
        "included; but computing it needs each culture's measurements, which are not "
        "available here, and the study reports .048 beside the dichotomised counts (4 of 6 "
        "against 0 of 5), for which no standard test gives .048 (see above). The published "
        "design alone cannot say."
    )
    if res.reconstruction:
        sentence += (
            " The reconstruction's values were drawn only to match the published "
            "counts, so its correlation says nothing about the study's; the study's "
            "per-culture inhibitions and fold changes would settle it."
        )
    return sentence


def _correlation_section(res: AssociationChapter, cohort: Cohort, expression: pd.DataFrame) -> None:
    """Spearman and Pearson correlation of inhibition with HRAS, by exact or sampled permutation."""
    data = _correlation_data(res, cohort, expression)
    if data is None:
        return
    x, y = data
    seed = int(res.params["seed"])
    sp, pe = (
        robustness.correlation_permutation_test(x, y, m, seed=seed) for m in ("spearman", "pearson")
    )
    _correlation_table(res, (sp, pe))
    res.values.update(
        {
            "assoc_corr_sentence": _correlation_sentence(res, sp, pe),
            "assoc_corr_spearman_p": sp.p_value,
            "assoc_corr_pearson_p": pe.p_value,
        }
    )


def _power_section(res: AssociationChapter, cohort: Cohort) -> None:
    """Exact power and sample sizes: the book's one engine, shared with chapter 5.

    :func:`netcomp.stats.smallsample.plan_power` under the ``power_*`` parameters; the cohort's
    own design (its responders and non-responders) gets its power when it has both classes.
    """
    v, p = res.values, res.params
    assumptions = power_engine.PowerAssumptions.from_params(p)
    design = (
        (res.n_responders, res.n_nonresponders)
        if res.n_responders and res.n_nonresponders
        else None
    )
    res.plan = power_engine.plan_power(assumptions, design)
    res.curves = res.plan.curve
    n_cohort = res.n_responders + res.n_nonresponders
    res.observed_n = n_cohort if design is not None and n_cohort <= assumptions.max_n else None
    res.needed = {
        alt: res.plan.needed(power_engine.PLANNING, alt)[0] for alt in ("greater", "two-sided")
    }
    feature = f"{GENE} overexpression"
    v.update(
        {
            "assoc_pow_p1": assumptions.rate_responders,
            "assoc_pow_p0": assumptions.rate_nonresponders,
            "assoc_pow_assumptions": power_engine.assumptions_sentence(
                assumptions, feature, assumptions.follows_published()
            ),
            "assoc_pow_sentence": power_engine.planning_statement(res.plan, feature),
        }
    )


#: Columns of ``results/hras_mutation.csv`` (the ledger reads ``p_value``).
MUTATION_COLUMNS: tuple[str, ...] = (
    "feature",
    "test",
    "overexpressed_mutated",
    "overexpressed",
    "other_mutated",
    "other",
    "p_value",
)


def mutation_results(mut: association.BinaryAssociation) -> pd.DataFrame:
    """The overexpression-vs-mutation test as one row (``results/hras_mutation.csv``)."""
    return pd.DataFrame(
        [
            {
                "feature": GENE,
                "test": "Fisher exact, two-sided (overexpressed vs mutated)",
                "overexpressed_mutated": mut.a,
                "overexpressed": mut.a + mut.b,
                "other_mutated": mut.c,
                "other": mut.c + mut.d,
                "p_value": mut.p_value,
            }
        ],
        columns=list(MUTATION_COLUMNS),
    )


def _mutation_section(res: AssociationChapter, cohort: Cohort) -> None:
    v = res.values
    res.tables["hras_mutation"] = pd.DataFrame(columns=list(MUTATION_COLUMNS))
    mutations = cohort.mutation_matrix()
    over = res.over
    reason, remedy = "", ""
    if over is None:
        note = res.notices_for(S_HRAS)[0]
        reason, remedy = note.reason, note.remedy
    elif GENE not in mutations.columns:
        reason = f"{GENE} is not in the mutation panel (panel.txt)"
        remedy = f"sequence {GENE} and list it in panel.txt"
    elif cohort.mutations.empty:
        reason = "no culture carries a detected mutation (mutations.csv has no rows)"
        remedy = f"add the detected mutations, if any culture carries an {GENE} mutation"
    elif not bool(mutations.loc[over.index, GENE].any()):
        reason = f"no culture with an {GENE} fold change carries an {GENE} mutation"
        remedy = f"add cultures with an {GENE} mutation; with none, the test cannot inform"
    elif over.all() or not over.any():
        reason = (
            f"{'every' if over.all() else 'no'} culture overexpresses {GENE} at the "
            "cut-off, so there are no two groups to compare"
        )
        remedy = "choose another overexpression_fold_change"
    if reason:
        res.notice(S_MUTATION, reason, remedy)
        v["assoc_mut_sentence"] = f"this cannot be tested in this cohort: {reason}."
        return
    over = res.hras_over()
    mut = association.binary_association(over, mutations.loc[over.index, GENE])
    res.mutation = mut
    res.tables["hras_mutation"] = mutation_results(mut)
    v["assoc_mut_sentence"] = (
        f"{mut.a} of the {mut.a + mut.b} cultures that overexpress {GENE} carry an {GENE} "
        f"mutation, against {mut.c} of the {mut.c + mut.d} that do not (Fisher's exact test, "
        f"two-sided, p = {fmt_p(mut.p_value, 3)})."
        + (
            " The reconstruction places no HRAS mutation in an overexpressing culture because "
            "the study says so, so this agrees by construction."
            if res.reconstruction
            else ""
        )
    )


def _screen_not_run(res: AssociationChapter, hras_names: Sequence[str]) -> None:
    """The notice, and zero counts or "not applicable", when there are no two classes."""
    note = res.notices_for(S_CLASSES)[0]
    res.notice(S_SCREEN, note.reason, note.remedy)
    _not_applicable(res, hras_names)
    res.values.update(
        {
            "assoc_m_tests": 0,
            "assoc_m_detail": NOT_APPLICABLE,
            "assoc_n_sig": 0,
            "assoc_n_disc": 0,
            "assoc_expected_fp": 0.0,
            "assoc_table_rows": NOT_APPLICABLE,
            "assoc_vacuous": NOT_APPLICABLE,
            "assoc_hras_q_words": NOT_APPLICABLE,
            "assoc_hras_mw_words": NOT_APPLICABLE,
            "assoc_screen_sentence": "The screen is not run for this cohort (see the note).",
            "assoc_bh_sentence": "No test of the screen applies to this cohort.",
            "assoc_hras_screen_sentence": f"{GENE} is not ranked in this cohort.",
            "assoc_hras_mw_sentence": f"For {GENE} it is not computed in this cohort.",
        }
    )


def _vacuous_sentence(screen: pd.DataFrame) -> str:
    """Whether some expression tests cannot inform (gene overexpressed in none or all)."""
    n_vacuous = int(((screen["kind"] == "expression") & screen["statistic"].isna()).sum())
    if n_vacuous:
        return (
            f"{n_vacuous} of the genes are overexpressed in no culture (or in all), so their "
            "test cannot show anything (p = 1); they keep their row so that every measured "
            "gene is listed."
        )
    return (
        "Every gene is overexpressed in some cultures and not in others, so every test can inform."
    )


def _tarone_values(res: AssociationChapter, screen: pd.DataFrame, n_sig: int, n_disc: int) -> None:
    """Gilbert's Tarone-BH beside plain BH: its family, discoveries and the sentence."""
    v, p = res.values, res.params
    alpha, fdr, m = float(p["alpha"]), float(p["fdr"]), int(len(screen))
    tarone = association.tarone_bh(
        screen["p_value"].to_numpy(float), screen["min_p"].to_numpy(float), fdr
    )
    res.tarone = tarone
    screen["q_tarone"] = tarone.q_value
    n_family, n_disc_t = int(tarone.in_family.sum()), int(tarone.discovery.sum())
    changes = n_disc_t != n_disc
    v.update(
        {"assoc_tarone_k": tarone.k, "assoc_tarone_m": n_family, "assoc_tarone_n_disc": n_disc_t}
    )
    v["assoc_bh_sentence"] = (
        f"All {m} tests form one family. {_plural(n_sig, 'test')} "
        f"{_verb(n_sig, 'has', 'have')} p ≤ {alpha:g} and {n_disc} "
        f"{_verb(n_disc, 'has', 'have')} q ≤ {fdr:g}. Many of these tests are discrete and "
        "cannot reach small "
        "p-values at all: Gilbert's Tarone-BH procedure, which accounts for that, keeps "
        f"only the {_plural(n_family, 'test')} whose smallest attainable p-value is at most "
        f"{fdr:g}/{tarone.k} (Tarone's K = {tarone.k}) and applies Benjamini-Hochberg to them "
        f"alone; it finds {n_disc_t} discover{'y' if n_disc_t == 1 else 'ies'} at "
        f"{fdr:g}, "
        + (
            "which changes the answer, so both are shown."
            if changes
            else "the same answer as plain BH, whose q-values are kept as the "
            "main column because they need no attainable-value computation; the "
            "Tarone-BH q-values are shown beside them."
        )
    )


def _hras_q_words(q: float, q_t: float, fdr: float, k: int) -> str:
    """What HRAS's q-value (plain BH and Tarone-BH) says at the false discovery rate."""
    capped = " (Benjamini-Hochberg's adjusted value reached its cap of 1)" if q >= 1 else ""
    tarone_words = (
        f" With Gilbert's Tarone-BH its q-value is {q_t:.2f}"
        if np.isfinite(q_t)
        else f" Tarone-BH leaves {GENE} out of its family: its smallest attainable p is above "
        f"{fdr:g}/{k}"
    )
    if significant(q, fdr):
        return (
            f"{GENE} stays a discovery at a false discovery rate of {fdr:g} (q = {q:.2f})."
            + tarone_words
            + "."
        )
    return (
        f"A q-value is an adjusted p-value: the smallest false discovery rate at which "
        f"{GENE} would count as a discovery. {GENE}'s is {q:.2f}{capped}, so at a false "
        f"discovery rate of {fdr:g} the screen cannot single it out; that is not an "
        "estimate of the share of false reports."
        + tarone_words
        + (
            ", which does not change this."
            if not (np.isfinite(q_t) and significant(q_t, fdr))
            else f", which makes it a discovery at {fdr:g}."
        )
    )


def _hras_rank_check(res: AssociationChapter) -> None:
    """HRAS's fold changes compared between the classes without a cut-off (Mann-Whitney)."""
    v, alpha = res.values, float(res.params["alpha"])
    assert res.ranks is not None
    mw_row = res.ranks.loc[res.ranks["feature"] == GENE].iloc[0]
    mw = float(mw_row["p_value"])
    if not np.isfinite(mw):
        v["assoc_hras_mw"] = NOT_APPLICABLE
        v["assoc_hras_mw_words"] = NOT_APPLICABLE
        v["assoc_hras_mw_sentence"] = f"For {GENE} it cannot be computed in this cohort."
        return
    v["assoc_hras_mw"] = mw
    where = (
        "in this reconstruction, whose values were drawn to give the published "
        "counts at a cut-off of 2 and nothing more, "
        if res.reconstruction
        else "in this cohort, "
    )
    finding = (
        "the fold changes of the two classes are not clearly different without a "
        "cut-off, so any difference rests on where the line is drawn"
        if not significant(mw, alpha)
        else "the fold changes of the two classes differ without any cut-off too"
    )
    tail = (
        "; the study's own fold changes would show whether that holds for the real cultures."
        if res.reconstruction
        else "."
    )
    v["assoc_hras_mw_words"] = where + finding + tail
    v["assoc_hras_mw_sentence"] = (
        f"For {GENE} it gives p = {fmt_p(mw, 3)}, {mw_row['method']}: {v['assoc_hras_mw_words']}"
    )


def _hras_in_screen(
    res: AssociationChapter, screen: pd.DataFrame, hras_names: Sequence[str]
) -> None:
    """Where HRAS ranks in the screen, its q-values, and the check without a cut-off."""
    v, fdr, m = res.values, float(res.params["fdr"]), int(len(screen))
    row = screen[(screen["feature"] == GENE) & (screen["kind"] == "expression")]
    if row.empty or res.hras is None:
        _not_applicable(res, hras_names)
        v["assoc_hras_q_words"] = v["assoc_hras_mw_words"] = NOT_APPLICABLE
        v["assoc_hras_screen_sentence"] = f"{GENE} is not in this screen: it was not measured."
        v["assoc_hras_mw_sentence"] = f"{GENE} was not measured, so it has no such check."
        return
    assert res.tarone is not None
    hras_row = row.iloc[0]
    rank = int((screen["p_value"] < hras_row["p_value"]).sum()) + 1
    q = float(hras_row["q_value"])
    v["assoc_hras_rank"] = f"{rank} of {m}"
    v["assoc_hras_q"] = q
    q_t = float(screen.loc[row.index[0], "q_tarone"])
    v["assoc_hras_q_t"] = q_t if np.isfinite(q_t) else NOT_APPLICABLE
    v["assoc_hras_q_words"] = _hras_q_words(q, q_t, fdr, res.tarone.k)
    v["assoc_hras_screen_sentence"] = (
        f"For {GENE}, the p-value of {fmt_p(float(hras_row['p_value']), 4)} is number {rank} "
        f"of {m} in the ranking of all tests. {v['assoc_hras_q_words']}"
    )
    _hras_rank_check(res)


def _screen_section(res: AssociationChapter, cohort: Cohort, expression: pd.DataFrame) -> None:
    """The screen of every clinical, expression and mutation feature, with BH and Tarone-BH."""
    v, p = res.values, res.params
    alpha, fdr = float(p["alpha"]), float(p["fdr"])
    cutoff = float(p["overexpression_fold_change"])
    hras_names = ("assoc_hras_rank", "assoc_hras_q", "assoc_hras_mw")
    if not res.tests_apply:
        _screen_not_run(res, hras_names)
        return
    mutations = cohort.mutation_matrix()
    screen = association.association_screen(
        res.classified(), cohort.cultures, expression, mutations, cutoff, clinical=res.clinical
    )
    res.screen = screen
    if association.mutated_genes(mutations).shape[1] == 0:
        res.notice(
            S_SCREEN_MUTATIONS,
            "no culture carries a detected mutation in a panel gene, so the screen has "
            "no mutation tests"
            if cohort.mutations.empty
            else "no classified culture carries a detected mutation in a panel gene",
            "add the detected mutations of the cultures to mutations.csv",
        )
    res.ranks = association.mann_whitney_screen(expression, res.classified())
    by_kind = screen["kind"].value_counts()
    m = int(len(screen))
    vacuous = _vacuous_sentence(screen)
    n_sig = int(significant(screen["p_value"], alpha).sum())
    n_disc = int(significant(screen["q_value"], fdr).sum())
    detail = ", ".join(
        f"{int(by_kind.get(k, 0))} {k}" for k in ("clinical", "expression", "mutation")
    )
    v.update(
        {
            "assoc_m_tests": m,
            "assoc_m_detail": detail,
            "assoc_vacuous": vacuous,
            "assoc_expected_fp": float(m * alpha),
            "assoc_n_sig": n_sig,
            "assoc_n_disc": n_disc,
        }
    )
    _tarone_values(res, screen, n_sig, n_disc)
    v["assoc_screen_sentence"] = (
        f"That is {m} tests: {detail}. {vacuous} With that many tests, some small p-values are "
        f"expected by chance alone: if nothing were associated, up to about {m * alpha:.1f} "
        f"tests would reach p ≤ {alpha:g} (fewer with exact tests, which are conservative)."
    )
    shown = screen.head(SHOWN_ROWS).merge(
        res.ranks[["feature", "p_value", "method"]]
        .rename(columns={"p_value": "mw_p", "method": "mw_method"})
        .assign(kind="expression"),
        on=["feature", "kind"],
        how="left",
    )
    res.tables["screen_shown"] = shown
    v["assoc_table_rows"] = (
        "all of them" if len(shown) == len(screen) else f"the first {len(shown)} of {len(screen)}"
    )
    _hras_in_screen(res, screen, hras_names)


# --------------------------------------------------------------------------- exercises


def _class_changes(res: AssociationChapter, classes: pd.Series, over: pd.Series) -> str:
    """The cultures whose class differs from the chapter's: new class and HRAS status."""
    status = {True: "overexpressed", False: "not overexpressed"}
    before = res.classified().reindex(classes.index)
    changed = list(
        classes.index[
            before.notna().to_numpy() & (classes.to_numpy() != before.fillna(False).to_numpy())
        ]
    )
    moved_parts = [
        f"{c} (now {'a responder' if classes[c] else 'a non-responder'}, {GENE} "
        f"{status[bool(over[c])] if c in over.index else 'not measured'})"
        for c in changed[:MAX_LISTED]
    ]
    moved = ", ".join(moved_parts) or "none"
    if len(changed) > MAX_LISTED:
        moved += f" and {len(changed) - MAX_LISTED} more"
    return moved


def _ex1_at(
    res: AssociationChapter, expression: pd.DataFrame, classes: pd.Series, thr: float
) -> tuple[dict[str, Any], str]:
    """Exercise 1 at one threshold: its table row and its sentence."""
    cutoff = float(res.params["overexpression_fold_change"])
    hras = association.fold_change_by_class(expression, classes, GENE, cutoff)
    over = hras.set_index("culture_id")["overexpressed"]
    table = association.binary_association(over, classes.loc[over.index])
    moved = _class_changes(res, classes, over)
    n_resp, n_non = table.a + table.c, table.b + table.d
    testable = min(n_resp, n_non) >= MIN_PER_CLASS
    p2 = table.p_value if testable else np.nan
    p1 = table.p_greater if testable else np.nan
    row = {
        "threshold (%)": thr,
        "cultures that change class": moved,
        "overexpressed: responders vs non-responders": (f"{table.a}/{n_resp} vs {table.b}/{n_non}"),
        "p, two-sided": p2,
        "p, one-sided": p1,
    }
    tail = (
        f"(two-sided p = {fmt_p(p2, 3)}, one-sided p = {fmt_p(p1, 3)})"
        if testable
        else "(a class has fewer than two cultures, so no test)"
    )
    sentence = (
        f"At {thr:g}%, the cultures that change class are: {moved}. {GENE} is "
        f"overexpressed in {table.a} of {n_resp} responders and {table.b} of {n_non} "
        f"non-responders {tail}."
    )
    return row, sentence


def exercise_thresholds(
    res: AssociationChapter, cohort: Cohort, expression: pd.DataFrame, thresholds: Sequence[float]
) -> None:
    """Exercise 1: the HRAS table and Fisher p-values at other response thresholds."""
    v, p = res.values, res.params
    base = res.notices_for(S_HRAS)
    if base:
        res.notice(S_EX1, base[0].reason, base[0].remedy)
        v["assoc_ex1_sentence"] = "This exercise does not apply to this cohort (see the note)."
        v["assoc_ex1_reference"] = f"(The chapter has no {GENE} table for this cohort.)"
        return
    rows, sentences = [], []
    for thr in thresholds:
        classes, why = classify_cohort(cohort, p["drug"], thr, p["concentration_um"])
        if classes is None:
            sentences.append(f"At {thr:g}% the cultures cannot be classified: {why}.")
            continue
        row, sentence = _ex1_at(res, expression, classes, thr)
        rows.append(row)
        sentences.append(sentence)
    res.ex1 = pd.DataFrame(
        rows,
        columns=[
            "threshold (%)",
            "cultures that change class",
            "overexpressed: responders vs non-responders",
            "p, two-sided",
            "p, one-sided",
        ],
    )
    v["assoc_ex1_sentence"] = " ".join(sentences)
    t = res.hras_association()
    p_part = f"; two-sided p = {fmt_p(t.p_value, 3)}" if hras_applies(res) else ""
    v["assoc_ex1_reference"] = (
        f"(With the chapter's threshold the table is {_counts_phrase(t)}{p_part}.)"
    )


def exercise_cutoffs(
    res: AssociationChapter, expression: pd.DataFrame, cutoffs: Sequence[float]
) -> None:
    """Exercise 2: the HRAS table at other overexpression cut-offs."""
    v = res.values
    base = res.notices_for(S_HRAS)
    if base:
        res.notice(S_EX2, base[0].reason, base[0].remedy)
        v["assoc_ex2_sentence"] = "This exercise does not apply to this cohort (see the note)."
        return
    over0, classes = res.hras_over(), res.classified()
    rows, sentences = [], []
    testable = hras_applies(res)
    for cut in cutoffs:
        hras = association.fold_change_by_class(expression, classes, GENE, cut)
        over = hras.set_index("culture_id")["overexpressed"]
        table = association.binary_association(over, classes.loc[over.index])
        changed = hras[hras["overexpressed"].to_numpy() != over0.loc[hras["culture_id"]].to_numpy()]
        parts = [
            f"{r.culture_id} ({'responder' if r.responder else 'non-responder'}, fold "
            f"change {r.fold_change:.2f})"
            for r in changed.head(MAX_LISTED).itertuples()
        ]
        moved = ", ".join(parts) or "none"
        if len(changed) > MAX_LISTED:
            moved += f" and {len(changed) - MAX_LISTED} more"
        n_resp, n_non = table.a + table.c, table.b + table.d
        p2 = table.p_value if testable else np.nan
        rows.append(
            {
                "cut-off": cut,
                "cultures that change status": moved,
                "overexpressed: responders vs non-responders": (
                    f"{table.a}/{n_resp} vs {table.b}/{n_non}"
                ),
                "p, two-sided": p2,
            }
        )
        tail = f" (two-sided p = {fmt_p(p2, 3)})" if testable else ""
        sentences.append(
            f"With a cut-off of {cut:g}, the cultures that change status are: {moved}. {GENE} "
            f"is overexpressed in {table.a} of {n_resp} responders and {table.b} of {n_non} "
            f"non-responders{tail}."
        )
    res.ex2 = pd.DataFrame(
        rows,
        columns=[
            "cut-off",
            "cultures that change status",
            "overexpressed: responders vs non-responders",
            "p, two-sided",
        ],
    )
    v["assoc_ex2_sentence"] = " ".join(sentences)


def exercise_family(res: AssociationChapter, expression: pd.DataFrame) -> None:
    """Exercise 3: Benjamini-Hochberg over the overexpression tests only."""
    v, p = res.values, res.params
    fdr = float(p["fdr"])
    names = ("assoc_ex3_m", "assoc_ex3_q", "assoc_ex3_n_disc")
    if res.screen is None or expression.shape[1] == 0:
        note = res.notices_for(S_SCREEN) or res.notices_for(S_CLASSES)
        if note:
            res.notice(S_EX3, note[0].reason, note[0].remedy)
        else:
            res.notice(S_EX3, "no gene was measured", "add fold changes to expression.csv")
        _not_applicable(res, names)
        v["assoc_ex3_verdict"] = NOT_APPLICABLE
        v["assoc_ex3_sentence"] = "This exercise does not apply to this cohort (see the note)."
        return
    ex3 = association.association_screen(
        res.classified(),
        expression_matrix=expression,
        cutoff=float(p["overexpression_fold_change"]),
    )
    res.ex3 = ex3
    m, n_disc = int(len(ex3)), int(significant(ex3["q_value"], fdr).sum())
    v["assoc_ex3_m"], v["assoc_ex3_n_disc"] = m, n_disc
    row = ex3[ex3["feature"] == GENE]
    if row.empty or not np.isfinite(float(row["q_value"].iloc[0])):
        v["assoc_ex3_q"] = NOT_APPLICABLE
        v["assoc_ex3_verdict"] = f"{GENE} is not in this family: it was not measured."
        v["assoc_ex3_sentence"] = (
            f"With only the {m} overexpression tests in the family, {_plural(n_disc, 'test')} "
            f"{_verb(n_disc, 'has', 'have')} q ≤ {fdr:g}. {v['assoc_ex3_verdict']}"
        )
        return
    q = float(row["q_value"].iloc[0])
    v["assoc_ex3_q"] = q
    v["assoc_ex3_verdict"] = (
        f"{GENE} is a discovery at a false discovery rate of {fdr:g} in this smaller family."
        if significant(q, fdr)
        else f"Even in this smaller family {GENE} is not a discovery at a false discovery rate of "
        f"{fdr:g}."
    )
    v["assoc_ex3_sentence"] = (
        f"With only the {m} overexpression tests in the family, {GENE}'s q-value is {q:.2f} "
        f"(over all {v['assoc_m_tests']} tests: {v['assoc_hras_q']:.2f}), and "
        f"{_plural(n_disc, 'test')} {_verb(n_disc, 'has', 'have')} q ≤ {fdr:g}. "
        f"{v['assoc_ex3_verdict']}"
    )


def exercise_power(res: AssociationChapter, ex_alpha: float) -> None:
    """Exercise 4: the exact two-sided power at a stricter level, up to twice the sizes."""
    v = res.values
    base = power_engine.PowerAssumptions.from_params(res.params)
    wider = replace(base, max_n=min(2 * base.max_n, MAX_POWER_N))
    plan = power_engine.plan_power(wider, extra_alphas=[ex_alpha], alternatives=("two-sided",))
    res.ex4_curves = plan.curve[plan.curve["scenario"] == power_engine.PLANNING]
    res.ex4_sizes = plan.sizes[plan.sizes["scenario"] == power_engine.PLANNING]
    res.ex4_needed = {
        f"alpha = {a:g}": plan.needed(power_engine.PLANNING, "two-sided", a)[0]
        for a in (base.alpha, ex_alpha)
    }
    new = res.ex4_needed[f"alpha = {ex_alpha:g}"]
    chapter = res.ex4_needed[f"alpha = {base.alpha:g}"]
    v["assoc_ex4_alpha"] = ex_alpha
    v["assoc_ex4_max_n"] = wider.max_n
    v["assoc_ex4_needed"] = (
        f"{new} cultures"
        if new is not None
        else f"more than {wider.max_n} cultures (no size searched reaches it)"
    )
    v["assoc_ex4_needed_chapter"] = (
        f"{chapter} cultures"
        if chapter is not None
        else f"more than {wider.max_n} cultures (no size searched reaches it)"
    )
