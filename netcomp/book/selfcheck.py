"""Self-checks for the book's exercises: ``check("2.1", answer)`` says "right" or "not yet".

Each exercise whose answer is a number, a count or a set of names has an entry in
``EXERCISES``: a function that computes the expected answer from the cohort in use (loaded
with ``load_cohort`` and run through the chapter's own ``compute``), a tolerance and a hint.
Answers that depend on the cohort are therefore checked against that cohort, never against
constants, and ``check`` never prints the expected value: only "right" or a hint.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcomp.data.provenance import BUNDLED_COHORT


class NotApplicable(Exception):
    """The exercise cannot be answered from this cohort (the chapter shows a notice)."""


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise: where it is, what kind of answer, how to compute it."""

    exercise_id: str
    label: str  # the exercise's label in the book, e.g. ``ex-resp-1``
    chapter: str  # module of netcomp.chapters
    answer: str  # what to pass as ``answer``, as told to the student
    kind: str  # "number", "count" or "set"
    expected: Callable[[Any, Mapping[str, Any]], Any]  # (chapter result, params) -> expected answer
    hint: str
    abs_tol: float = 0.0
    rel_tol: float = 0.0


@lru_cache(maxsize=4)
def _cohort(data_dir: str) -> Any:
    from netcomp.data.cohort import load_cohort

    return load_cohort(data_dir)


@lru_cache(maxsize=16)
def _chapter(data_dir: str, chapter: str) -> Any:
    import importlib

    module = importlib.import_module(f"netcomp.chapters.{chapter}")
    return module.compute(_cohort(data_dir))


def _ids(values: Iterable[Any]) -> set[str]:
    return {str(v) for v in values}


# ---- chapter 1: data import -------------------------------------------------------------


def _near_threshold(res: Any, p: Mapping[str, Any]) -> set[str]:
    if res.near_threshold.empty and not res.applies(
        "Exercise: replicates near the response threshold"
    ):
        raise NotApplicable("no drug has replicate wells to compare")
    return _ids(res.near_threshold["culture_id"])


def _gene_at_looser(res: Any, p: Mapping[str, Any]) -> int:
    gene = p["gene"]
    row = res.cutoff_counts[res.cutoff_counts["gene"] == gene]
    if row.empty:
        raise NotApplicable(f"{gene} was not measured in this cohort")
    return int(row["cultures_at_looser_cutoff"].iloc[0])


def _carriers_needed(res: Any, p: Mapping[str, Any]) -> int:
    needed = res.values.get("di_ex3_needed")
    if not isinstance(needed, (int, np.integer)):
        raise NotApplicable("no number of carriers reaches alpha with 6 and 5 cultures")
    return int(needed)


# ---- chapter 2: response classification -------------------------------------------------


def _classes_at(res: Any, threshold: float) -> pd.Series:
    from netcomp.stats.response import classify

    return classify(res.drug_inhibition.set_index("culture_id")["inhibition_pct"], threshold)


def _change_at_25(res: Any, p: Mapping[str, Any]) -> set[str]:
    before, after = _classes_at(res, res.threshold), _classes_at(res, 25.0)
    return _ids(before.index[before != after])


def _well_changes(res: Any, p: Mapping[str, Any]) -> set[str]:
    table = res.tables.get("ex2")
    if table is None or table.empty:
        raise NotApplicable("the drug has no replicate wells at the chapter's concentration")
    return _ids(table.loc[table["Class changes with the well"] == "yes", "Culture"])


def _drug_only(res: Any, p: Mapping[str, Any]) -> set[str]:
    if not res.comparators:
        raise NotApplicable("the cohort has no comparator drug")
    frame = res.results
    wide = frame.pivot(index="culture_id", columns="drug", values="responder")
    drug = p["drug"]
    others = wide[list(res.comparators)].fillna(False).astype(bool).any(axis=1)
    mine = wide[drug].fillna(False).astype(bool)
    return _ids(wide.index[mine & ~others])


def _wilcoxon_floor(res: Any, p: Mapping[str, Any]) -> int:
    table = res.tables["ex4"]
    reach = table.loc[table["Can reach alpha"].astype(bool), "Values"]
    if reach.empty:
        raise NotApplicable("no size up to the table's last row reaches alpha")
    return int(reach.iloc[0])


# ---- chapter 3: biomarker association ---------------------------------------------------


def _ex_row(table: Any, column: str, value: float, out: str) -> float:
    if table is None or len(table) == 0:
        raise NotApplicable("the chapter has no HRAS table for this cohort")
    row = table[np.isclose(table[column].astype(float), value)]
    p = float(row[out].iloc[0]) if not row.empty else math.nan
    if not math.isfinite(p):
        raise NotApplicable("the table cannot be tested in this cohort")
    return p


def _p_at_25(res: Any, p: Mapping[str, Any]) -> float:
    return _ex_row(res.ex1, "threshold (%)", 25.0, "p, two-sided")


def _p_at_cutoff_15(res: Any, p: Mapping[str, Any]) -> float:
    return _ex_row(res.ex2, "cut-off", 1.5, "p, two-sided")


def _q_expression_only(res: Any, p: Mapping[str, Any]) -> float:
    q = res.values.get("assoc_ex3_q")
    if not isinstance(q, (float, int)) or not math.isfinite(float(q)):
        raise NotApplicable("HRAS is not among this cohort's overexpression tests")
    return float(q)


def _power_n_001(res: Any, p: Mapping[str, Any]) -> int:
    needed = res.ex4_needed.get("alpha = 0.01")
    if needed is None:
        raise NotApplicable("no size searched reaches 80% power at alpha = 0.01")
    return int(needed)


# ---- chapter 4: literature context ------------------------------------------------------


def _lit_change_plus10(res: Any, p: Mapping[str, Any]) -> set[str]:
    from netcomp.stats.response import classify

    if res.inhibition is None or len(res.inhibition) == 0:
        raise NotApplicable("the cultures cannot be classified")
    threshold = float(p["response_threshold_pct"])
    before, after = classify(res.inhibition, threshold), classify(res.inhibition, threshold + 10)
    return _ids(before.index[before != after])


def _lit_above_99(res: Any, p: Mapping[str, Any]) -> set[str]:
    rows = res.orr_levels[res.orr_levels["confidence"] == "99%"]
    return _ids(rows.loc[rows["lower bound above sunitinib"].astype(bool), "cohort"])


def _lit_spread(res: Any, p: Mapping[str, Any]) -> float:
    spread = res.values.get("ex_lit3_low_spread_vitro")
    if not isinstance(spread, float) or not math.isfinite(spread):
        raise NotApplicable("the cultures cannot be classified")
    return spread


# ---- chapter 5: statistics for very small cohorts --------------------------------------


def _counts(res: Any) -> Any:
    if res.counts is None:
        raise NotApplicable("the cohort's 2x2 table cannot be formed")
    return res.counts


def _size_001(res: Any, p: Mapping[str, Any]) -> float:
    from netcomp.stats import smallsample as ss

    _counts(res)
    return float(ss.conditional_size(res.margins, "p_fisher", 0.01))


def _power_rate_02(res: Any, p: Mapping[str, Any]) -> float:
    from netcomp.stats import smallsample as ss

    c = _counts(res)
    return float(
        ss.rejection_probability(
            c.n1, c.n2, res.rate1, 0.2, float(p["alpha"]), alternative="two-sided"
        )
    )


def _fwer_15(res: Any, p: Mapping[str, Any]) -> float:
    from netcomp.stats import smallsample as ss

    c = _counts(res)
    return float(ss.null_screen_exact(c.n1, c.n2, np.full(15, res.pooled), float(p["alpha"])).fwer)


# ---- replication (the book's chapter 4) -------------------------------------------------


def _journal_table() -> Any:
    from netcomp.chapters.replication import version_table
    from netcomp.stats.published import JOURNAL_2023

    return version_table(JOURNAL_2023)


def _cohort_counts(res: Any) -> Any:
    if res.counts is None:
        raise NotApplicable("the cohort's table cannot be compared with the published counts")
    return res.counts


def _rep_p_positive_strength_1(res: Any, p: Mapping[str, Any]) -> float:
    from netcomp.stats import replication as rep

    counts, journal = _cohort_counts(res), _journal_table()
    prior_r = rep.published_prior(journal.x1, journal.n1, 1.0)
    prior_nr = rep.published_prior(journal.x2, journal.n2, 1.0)
    return rep.prob_greater(
        prior_r.a + counts.x1,
        prior_r.b + counts.n1 - counts.x1,
        prior_nr.a + counts.x2,
        prior_nr.b + counts.n2 - counts.x2,
    )


def _rep_second_lab_stratified(res: Any, p: Mapping[str, Any]) -> float:
    from netcomp.stats import replication as rep
    from netcomp.stats import smallsample as ss

    return rep.exact_stratified([_journal_table(), ss.TwoByTwo(7, 15, 2, 15)]).p_greater


def _rep_cohort_stratified(res: Any, p: Mapping[str, Any]) -> float:
    from netcomp.stats import replication as rep

    counts = _cohort_counts(res)
    return rep.exact_stratified([_journal_table(), counts]).p_greater


#: Chapter module of netcomp.chapters -> its notebook name (source: ``notebooks/<stem>.md``).
CHAPTER_NOTEBOOKS: dict[str, str] = {
    "data_import": "01_data_import.ipynb",
    "response": "02_response_classification.ipynb",
    "association": "03_biomarker_association.ipynb",
    "literature": "04_literature_context.ipynb",
    "smallsample": "05_small_cohorts.ipynb",
    "replication": "06_replication.ipynb",
}


def book_numbers() -> dict[str, int]:
    """Chapter module -> its chapter number in the book (the order of ``_toc.yml``), the
    number the book's exercise labels show ("Exercise 3.2")."""
    from netcomp.book.build import chapter_notebooks
    from netcomp.book.notebooks import notebook_name

    order = [notebook_name(p) for p in chapter_notebooks()]
    return {module: order.index(nb) + 1 for module, nb in CHAPTER_NOTEBOOKS.items() if nb in order}


_SET = 'a set of culture IDs, e.g. {"NET01", "NET02"} (set() for none)'

#: The exercises in book order; ``exercise_id`` "k" is the k-th exercise of its chapter.
_EXERCISES: list[Exercise] = [
    Exercise(
        "1",
        "ex-data-import-1",
        "data_import",
        _SET,
        "set",
        _near_threshold,
        "compare |mean inhibition - threshold| with 2 x SD / sqrt(number of wells), "
        "for every drug, not only lenvatinib",
    ),
    Exercise(
        "2",
        "ex-data-import-2",
        "data_import",
        "the number of cultures overexpressing the candidate gene at the looser cut-off",
        "count",
        _gene_at_looser,
        "overexpressed(cohort.expression_matrix(), looser cut-off) gives True/False per "
        "culture and gene: sum the candidate gene's column",
    ),
    Exercise(
        "3",
        "ex-data-import-3",
        "data_import",
        "the smallest number of carriers (all responders) whose p-value reaches alpha",
        "count",
        _carriers_needed,
        "tabulate fisher_exact_2x2(k, 0, 6 - k, 5) for k = 1..6 and find the first "
        "p-value at or below alpha",
    ),
    Exercise(
        "1",
        "ex-resp-1",
        "response",
        "the set of cultures whose class differs at 25% from the chapter's threshold",
        "set",
        _change_at_25,
        "classify the same inhibition values at both thresholds and keep the cultures "
        "whose True/False differs (remember: strictly above the threshold)",
    ),
    Exercise(
        "2",
        "ex-resp-2",
        "response",
        "the set of cultures whose class depends on the well kept",
        "set",
        _well_changes,
        "classify each well on its own and compare with the class from the mean; a "
        "culture counts when any well disagrees",
    ),
    Exercise(
        "3",
        "ex-resp-3",
        "response",
        "the set of cultures that respond to the chapter's drug and to no comparator",
        "set",
        _drug_only,
        "pivot result.results to one column per drug, then keep responders to the drug "
        "with no True among the comparators",
    ),
    Exercise(
        "4",
        "ex-resp-4",
        "response",
        "the smallest number of values with which the test can reach p <= alpha",
        "count",
        _wilcoxon_floor,
        "with n values all of one sign the exact two-sided p is 2 / 2**n",
    ),
    Exercise(
        "1",
        "ex-assoc-1",
        "association",
        "the two-sided Fisher p-value of the HRAS table at a 25% threshold",
        "number",
        _p_at_25,
        "reclassify at 25%, rebuild the 2x2 table of HRAS overexpression against the new "
        "classes and use the two-sided test",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "2",
        "ex-assoc-2",
        "association",
        "the two-sided Fisher p-value of the HRAS table at a cut-off of 1.5",
        "number",
        _p_at_cutoff_15,
        "keep the chapter's classes; a culture is overexpressing when its fold change is "
        "at or above 1.5",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "3",
        "ex-assoc-3",
        "association",
        "HRAS's Benjamini-Hochberg q-value over the overexpression tests only",
        "number",
        _q_expression_only,
        "pass only the expression matrix (and the chapter's cut-off) to "
        "association_screen, then read HRAS's q_value",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "4",
        "ex-assoc-4",
        "association",
        "the number of cultures at which the two-sided power first reaches 80% at alpha = 0.01",
        "count",
        _power_n_001,
        "use the chapter's power assumptions with alpha 0.01 and twice power_max_n; the "
        "answer is a total number of cultures",
    ),
    Exercise(
        "1",
        "ex-literature-1",
        "literature",
        "the set of cultures that change class at a threshold 10 points higher",
        "set",
        _lit_change_plus10,
        "classify the cultures' inhibition at threshold + 10 and compare with the "
        "chapter's threshold",
    ),
    Exercise(
        "2",
        "ex-literature-2",
        "literature",
        "the set of TALENT cohorts (panNET, GI-NET, total) whose 99% lower bound stays "
        "above sunitinib's rate",
        "set",
        _lit_above_99,
        "use talent_intervals with methods=[CI_METHOD] and alpha=0.01, and compare each "
        "ci_low_pct with sunitinib's ORR in percent",
    ),
    Exercise(
        "3",
        "ex-literature-3",
        "literature",
        "how many percentage points the four methods' lower bounds span for the "
        "cultures' responder rate",
        "number",
        _lit_spread,
        "compute proportion_ci(responders, cultures, method) for each of the four "
        "methods and take max(low) - min(low), in percent",
        abs_tol=0.05,
        rel_tol=1e-3,
    ),
    Exercise(
        "1",
        "ex-smallcohort-1",
        "smallsample",
        "how often Fisher's test rejects at alpha = 0.01 with the margins fixed",
        "number",
        _size_001,
        "sum the null probabilities of the tables with the observed margins whose "
        "Fisher p-value is at most 0.01",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "2",
        "ex-smallcohort-2",
        "smallsample",
        "the exact two-sided probability that p <= alpha when the non-responders' share is 0.2",
        "number",
        _power_rate_02,
        "rejection_probability(n1, n2, responders' rate, 0.2, alpha, "
        "alternative='two-sided') is exact: no simulation needed",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "3",
        "ex-smallcohort-3",
        "smallsample",
        "the family-wise error rate of 15 independent null features at alpha",
        "number",
        _fwer_15,
        "null_screen_exact with 15 features, each with the pooled share of the observed feature",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "1",
        "ex-replication-1",
        "replication",
        "P(difference > 0) with the journal article's counts as prior at prior_strength 1",
        "number",
        _rep_p_positive_strength_1,
        "weight both published priors fully (published_prior(x, n, 1.0)) and read "
        "p_positive of beta_difference on the cohort's table: it is exact, not drawn",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "2",
        "ex-replication-2",
        "replication",
        "the exact stratified one-sided p-value of the journal table and the second "
        "laboratory's table",
        "number",
        _rep_second_lab_stratified,
        "give the journal article's table and the second laboratory's table as two "
        "strata to rep.exact_stratified and read p_greater (one-sided)",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
    Exercise(
        "3",
        "ex-replication-3",
        "replication",
        "the exact stratified one-sided p-value of the journal table and this cohort's "
        "table, by enumeration",
        "number",
        _rep_cohort_stratified,
        "sum the products of the two hypergeometric probabilities over the pairs of "
        "tables whose responders with the feature add up to at least the observed total",
        abs_tol=5e-4,
        rel_tol=1e-3,
    ),
]


def _numbered() -> dict[str, Exercise]:
    numbers = book_numbers()
    return {
        f"{numbers[e.chapter]}.{e.exercise_id}": replace(
            e, exercise_id=f"{numbers[e.chapter]}.{e.exercise_id}"
        )
        for e in _EXERCISES
        if e.chapter in numbers
    }


#: Self-check id ("chapter.exercise", as the book numbers them) -> exercise.
EXERCISES: dict[str, Exercise] = _numbered()

#: Exercise label in the book -> self-check id.
BY_LABEL: dict[str, str] = {e.label: e.exercise_id for e in EXERCISES.values()}


def _as_set(answer: Any) -> set[str] | None:
    if isinstance(answer, str):
        parts = [p.strip() for p in answer.replace(";", ",").split(",")]
        return {p for p in parts if p}
    if isinstance(answer, pd.Series) and answer.dtype == bool:
        return _ids(answer.index[answer.to_numpy()])
    if isinstance(answer, (set, frozenset, list, tuple, pd.Index, pd.Series, np.ndarray)):
        return _ids(answer)
    return None


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, bool) or answer is None:
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def is_right(exercise: Exercise, answer: Any, expected: Any) -> tuple[bool, str]:
    """Compare an answer with the expected value; the message never contains the value."""
    if exercise.kind == "set":
        given = _as_set(answer)
        if given is None:
            return False, f"give {exercise.answer}"
        wanted = {s.casefold() for s in expected}
        given = {s.casefold() for s in given}
        if given == wanted:
            return True, "right"
        if given < wanted:
            return False, f"some are missing; {exercise.hint}"
        if given > wanted:
            return False, f"there is at least one too many; {exercise.hint}"
        return False, exercise.hint
    value = _as_number(answer)
    if value is None:
        return False, f"give {exercise.answer} (a number)"
    if exercise.kind == "count":
        ok = value == int(expected)
    else:
        ok = math.isclose(
            value, float(expected), rel_tol=exercise.rel_tol, abs_tol=exercise.abs_tol
        )
    return (True, "right") if ok else (False, exercise.hint)


def expected_answer(exercise_id: str, data_dir: str | Path | None = None) -> Any:
    """The expected answer for ``data_dir`` (for teachers and tests; students use check)."""
    exercise = EXERCISES[exercise_id]
    folder = str(Path(data_dir if data_dir is not None else BUNDLED_COHORT).resolve())
    from netcomp.chapters.base import chapter_params

    return exercise.expected(_chapter(folder, exercise.chapter), chapter_params())


def check(exercise_id: str, answer: Any, data_dir: str | Path | None = None) -> bool:
    """Print "right" or "not yet: <hint>" for an answer to exercise ``exercise_id``.

    The expected answer is computed from the cohort in ``data_dir`` (default: the bundled
    reconstruction) with the book's default parameters; it is never printed.
    """
    exercise = EXERCISES.get(str(exercise_id))
    if exercise is None:
        known = ", ".join(EXERCISES)
        print(f"no exercise {exercise_id!r}: the self-checked exercises are {known}")
        return False
    if answer is None or answer is Ellipsis:
        print(f"not yet: no answer given; {exercise.exercise_id} asks for {exercise.answer}")
        return False
    try:
        expected = expected_answer(exercise.exercise_id, data_dir)
    except NotApplicable as exc:
        print(f"this exercise does not apply to this cohort: {exc}")
        return False
    ok, message = is_right(exercise, answer, expected)
    print("right" if ok else f"not yet: {message}")
    return ok


def exercises_for(chapter: str) -> Mapping[str, Exercise]:
    """The self-checked exercises of one chapter module, by label."""
    return {e.label: e for e in EXERCISES.values() if e.chapter == chapter}
