"""Chapter 1, data import: what a cohort holds, how good its replicates are, and its exercises.

:func:`compute` turns a loaded :class:`~netcomp.data.cohort.Cohort` into everything the chapter
shows: the clinical table, the site-by-grade counts, the replicate summary, the mutation
grid, the log2 fold changes of the heat map, the exercises' tables, and every number and
sentence of the prose (``values``). A section that the cohort cannot fill (one replicate
per well, no detected mutation, no expression measured, ...) gets a notice instead of an
error, so the chapter renders for a cohort of any shape that keeps the data contract.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcomp.chapters.base import ChapterResult, chapter_params
from netcomp.data import provenance
from netcomp.data.cohort import BUNDLED_COHORT, Cohort
from netcomp.data.describe import (
    LENVATINIB_GENE_GROUPS,
    LENVATINIB_GENES,
    cohort_counts,
    cohort_table,
    log2_fold_change,
    replicate_summary,
    site_grade_counts,
)
from netcomp.stats.association import fisher_exact_2x2, mutated_genes, overexpressed
from netcomp.stats.published import VERSIONS, version_test_data, versions_sentence, versions_table
from netcomp.stats.response import inhibition_table
from netcomp.stats.significance import significant
from netcomp.text.safe_text import clip
from netcomp.text.wording import and_list as _list_words
from netcomp.text.wording import plural as _plural

CHAPTER = "01_data_import"
NOT_APPLICABLE = "not applicable"

# Section names (headings of the chapter) used for notices.
SECTION_REPLICATES = "Replicate quality"
SECTION_MUTATIONS = "Mutations"
SECTION_EXPRESSION = "Expression of lenvatinib-related genes"
SECTION_EX1 = "Exercise: replicates near the response threshold"
SECTION_EX2 = "Exercise: how much does the overexpression cut-off matter?"

#: The published design the third exercise reasons about (6 responders, 5 non-responders;
#: HRAS overexpressed in 4 of the 6 responders and none of the non-responders).
STUDY_RESPONDERS, STUDY_NONRESPONDERS, STUDY_HRAS_CARRIERS = 6, 5, 4
#: The conference abstract's count of responders with high HRAS (5 of 6; see
#: netcomp.stats.published).
STUDY_HRAS_CARRIERS_CONFERENCE = 5
#: The looser overexpression cut-off of the second exercise (when below the chapter's).
LOOSER_CUTOFF = 1.5
#: Most genes the heat map draws (the lenvatinib-related ones and the candidate always).
MAX_HEATMAP_GENES = 40


@dataclass
class DataImportChapter(ChapterResult):
    """Everything chapter 1 shows, computed from one cohort and the chapter parameters."""

    report_summary: str = ""
    cohort_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    site_grade: pd.DataFrame = field(default_factory=pd.DataFrame)
    replicates: pd.DataFrame = field(default_factory=pd.DataFrame)
    mutation_grid: pd.DataFrame = field(default_factory=pd.DataFrame)
    log2_fc: pd.DataFrame = field(default_factory=pd.DataFrame)
    gene_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    near_threshold: pd.DataFrame = field(default_factory=pd.DataFrame)
    cutoff_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    fisher_design: pd.DataFrame = field(default_factory=pd.DataFrame)
    versions: pd.DataFrame = field(default_factory=pd.DataFrame)
    version_tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    reconstructed: bool = False


def optional_columns_sentence(cultures: pd.DataFrame) -> str:
    """Say what the optional columns ``sex`` and ``age_years`` hold, or that they are absent."""
    parts = []
    if "sex" in cultures.columns:
        counts = cultures["sex"].replace({"nan": np.nan, "": np.nan}).dropna().value_counts()
        given = ", ".join(f"{int(n)} {clip(v, 20)}" for v, n in sorted(counts.items()))
        parts.append(
            f"sex is given for {int(counts.sum())} of {len(cultures)} cultures"
            + (f" ({given})" if given else "")
        )
    if "age_years" in cultures.columns:
        age = pd.to_numeric(cultures["age_years"], errors="coerce").dropna()
        if len(age):
            parts.append(
                f"age at surgery for {len(age)} (median {float(age.median()):.0f} "
                f"years, range {float(age.min()):.0f} to {float(age.max()):.0f})"
            )
        else:
            parts.append("the age column is present but empty")
    if not parts:
        return (
            "The optional columns sex and age_years are not in this cohort's "
            "cultures file, so the table leaves them out."
        )
    return "Of the optional columns, " + "; ".join(parts) + "."


def _replicates(result: DataImportChapter, viability: pd.DataFrame) -> None:
    reps = replicate_summary(viability)
    result.replicates = reps
    result.tables["replicates"] = reps
    defined = reps[reps["cv_pct"].notna()]
    if defined.empty:
        result.notice(
            SECTION_REPLICATES,
            "no culture and drug was measured in two or more replicate wells with a non-zero "
            "mean viability, so the spread of replicates cannot be computed",
            "measure each culture and drug in at least two replicate wells",
        )
        result.values.update(
            median_cv=NOT_APPLICABLE, max_cv=NOT_APPLICABLE, max_cv_where=NOT_APPLICABLE
        )
        result.values["di_replicate_sentence"] = (
            "With a single replicate well per measurement (or a zero mean), this cohort gives "
            "no coefficient of variation: the spread of its replicates is unknown."
        )
        return
    worst = defined.iloc[int(np.argmax(defined["cv_pct"].to_numpy(dtype=float)))]
    median_cv = float(defined["cv_pct"].median())
    where = f"{clip(worst['culture_id'], 40)}, {clip(worst['drug'], 40)}"
    result.values.update(median_cv=median_cv, max_cv=float(worst["cv_pct"]), max_cv_where=where)
    skipped = len(reps) - len(defined)
    note = (
        f" ({_plural(skipped, 'measurement')} with a single well or a zero mean "
        "have no CV and are left out)"
        if skipped
        else ""
    )
    result.values["di_replicate_sentence"] = (
        f"The median coefficient of variation (standard deviation over mean) across cultures "
        f"and drugs is {median_cv:.1f}%, and the largest is {float(worst['cv_pct']):.1f}% "
        f"({where}){note}."
    )


def _mutations(result: DataImportChapter, cohort: Cohort) -> None:
    grid = mutated_genes(cohort.mutation_matrix())
    result.mutation_grid = grid
    if grid.shape[1] == 0:
        result.notice(
            SECTION_MUTATIONS,
            "the mutations file lists no detected variant in a panel gene, so there is no "
            "grid to draw",
            "list each detected variant in mutations.csv (a header-only file means the panel "
            "found none)",
        )
        result.values["di_mutation_grid_sentence"] = (
            "No culture carries a detected mutation, so no grid is drawn."
        )
    else:
        result.values["di_mutation_grid_sentence"] = (
            "The grid shows each gene mutated in at least one culture."
        )


def _expression(result: DataImportChapter, matrix: pd.DataFrame, gene: str) -> None:
    """Genes of the heat map: lenvatinib-related ones, the candidate, then others (capped)."""
    measured = list(matrix.columns)
    if not measured:
        result.notice(
            SECTION_EXPRESSION,
            "the expression file holds no measurement",
            "add the tumour/healthy fold change of each culture and gene to expression.csv",
        )
        result.values["di_expression_sentence"] = "No gene expression was measured."
        result.log2_fc = pd.DataFrame(index=matrix.index)
        return
    related = [g for g in LENVATINIB_GENES if g in measured]
    candidate = [gene] if gene in measured and gene not in related else []
    others = [g for g in measured if g not in related and g not in candidate]
    room = max(0, MAX_HEATMAP_GENES - len(related) - len(candidate))
    shown = related + candidate + others[:room]
    groups = {
        name: tuple(g for g in genes if g in shown)
        for name, genes in LENVATINIB_GENE_GROUPS.items()
    }
    groups["candidate"] = tuple(candidate)
    result.gene_groups = {k: genes for k, genes in groups.items() if genes}
    result.log2_fc = log2_fold_change(matrix, tuple(shown))
    n_rel = "none" if not related else ("one" if len(related) == 1 else str(len(related)))
    sentence = (
        f"{_plural(len(measured), 'gene was', 'genes were')} measured, {n_rel} of "
        f"them among the lenvatinib-related genes named above; the heat map shows "
    )
    if len(shown) == len(measured):
        sentence += {1: "it.", 2: "both."}.get(len(measured), f"all {len(measured)}.")
    else:
        sentence += "the lenvatinib-related genes" if related else ""
        sentence += (
            (", " if related else "") + f"the candidate gene {clip(gene, 40)}" if candidate else ""
        )
        sentence += (
            (" and " if related or candidate else "")
            + f"the first {room} other genes in alphabetical order"
            if room
            else ""
        )
        sentence += f" ({len(shown)} of {len(measured)})."
    n_missing = int(matrix.isna().to_numpy().sum())
    if n_missing:
        sentence += (
            f" {_plural(n_missing, 'culture and gene pair')} "
            f"{'was' if n_missing == 1 else 'were'} not measured and "
            f"{'is' if n_missing == 1 else 'are'} left blank."
        )
    result.values["di_expression_sentence"] = sentence


def _near_threshold_sentence(
    result: DataImportChapter, table: pd.DataFrame, with_se: pd.DataFrame, close: pd.DataFrame
) -> str:
    """How many means lie within two standard errors of the threshold (a notice if none has one)."""
    threshold = result.values["di_ex1_threshold"]
    if with_se.empty:
        why = (
            "every culture and drug was measured in a single replicate well, so no "
            "standard error exists"
            if table.size
            else "no drug was tested at one concentration shared by all its cultures"
        )
        result.notice(
            SECTION_EX1,
            why,
            "measure each culture and drug in at least two replicate wells at a "
            "concentration every culture received",
        )
        return (
            "This cohort gives no culture and drug mean with a standard error, so none can be "
            "placed against the threshold."
        )
    if close.empty:
        return (
            f"None of the {len(with_se)} culture and drug means lies within two standard "
            f"errors of the {threshold:g}% threshold."
        )
    return (
        f"{len(close)} of the {len(with_se)} culture and drug means lie within two "
        f"standard errors of the {threshold:g}% threshold: {result.values['di_ex1_which']}."
    )


def _exercise_near_threshold(
    result: DataImportChapter, viability: pd.DataFrame, threshold: float
) -> None:
    """Exercise 1: the culture and drug means within two standard errors of the threshold."""
    pieces, skipped = [], []
    for drug in sorted(viability["drug"].unique()):
        try:
            pieces.append(inhibition_table(viability, [drug]))
        except ValueError:
            skipped.append(drug)
    columns = [
        "culture_id",
        "drug",
        "concentration_um",
        "n_replicates",
        "inhibition_pct",
        "inhibition_sd",
        "standard_error",
    ]
    table = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=columns[:-1])
    table["standard_error"] = table["inhibition_sd"] / table["n_replicates"] ** 0.5
    with_se = table[table["standard_error"].notna()]
    distance = (with_se["inhibition_pct"] - threshold).abs()
    close = with_se[distance <= 2 * with_se["standard_error"]]
    result.near_threshold = close.loc[:, columns].reset_index(drop=True)
    result.values["di_ex1_threshold"] = float(threshold)
    result.values["di_ex1_n_close"] = len(close)
    result.values["di_ex1_n_all"] = len(with_se)
    which = ", ".join(
        f"{clip(r.culture_id, 40)} ({clip(r.drug, 40)})" for r in close.head(30).itertuples()
    )
    if len(close) > 30:
        which += f" and {len(close) - 30} more"
    result.values["di_ex1_which"] = which or "none"
    result.values["di_ex1_sentence"] = _near_threshold_sentence(result, table, with_se, close)
    if skipped:
        result.values["di_ex1_sentence"] += (
            f" ({_list_words([clip(d, 40) for d in skipped])} left out: no concentration "
            "was tested in all of its cultures.)"
        )


def _no_expression(result: DataImportChapter, gene: str) -> None:
    """Exercise 2's notice, and zero or "not applicable" values, when nothing was measured."""
    result.notice(
        SECTION_EX2,
        "the expression file holds no measurement",
        "add fold changes to expression.csv",
    )
    result.cutoff_counts = pd.DataFrame(
        columns=["gene", "cultures_at_cutoff", "cultures_at_looser_cutoff", "gained"]
    )
    result.values.update(
        di_ex2_total_at=0,
        di_ex2_total_looser=0,
        di_ex2_top_gene=NOT_APPLICABLE,
        di_ex2_top_gain=NOT_APPLICABLE,
        di_ex2_hras_at=NOT_APPLICABLE,
        di_ex2_hras_looser=NOT_APPLICABLE,
    )
    result.values["di_ex2_top_sentence"] = "No gene was measured, so none gains cultures."
    result.values["di_ex2_gene_sentence"] = f"{gene} was not measured."


def _gene_at_cutoffs(result: DataImportChapter, table: pd.DataFrame, gene: str) -> None:
    """The candidate gene's count at both cut-offs (or why it cannot be given)."""
    if gene in set(table["gene"]):
        row = table[table["gene"] == gene].iloc[0]
        n_at, n_looser = int(row["cultures_at_cutoff"]), int(row["cultures_at_looser_cutoff"])
        result.values.update(di_ex2_hras_at=n_at, di_ex2_hras_looser=n_looser)
        result.values["di_ex2_gene_sentence"] = (
            f"{gene} is overexpressed in {_plural(n_at, 'culture')} at the book's cut-off and "
            f"in {n_looser} at the looser one."
        )
    else:
        result.values.update(di_ex2_hras_at=NOT_APPLICABLE, di_ex2_hras_looser=NOT_APPLICABLE)
        result.values["di_ex2_gene_sentence"] = (
            f"The candidate gene {gene} was not measured in this cohort, so its count cannot "
            "be given (set the gene parameter to a measured gene)."
        )


def _exercise_cutoffs(
    result: DataImportChapter, matrix: pd.DataFrame, cutoff: float, gene: str
) -> None:
    """Exercise 2: how many cultures each gene gains at a looser overexpression cut-off."""
    looser = LOOSER_CUTOFF if LOOSER_CUTOFF < cutoff else round(0.75 * cutoff, 6)
    result.values["di_ex2_looser"] = float(looser)
    if matrix.shape[1] == 0:
        _no_expression(result, gene)
        return
    at_cutoff = overexpressed(matrix, cutoff).sum().astype("int64")
    at_looser = overexpressed(matrix, looser).sum().astype("int64")
    table = pd.DataFrame(
        {
            "gene": at_cutoff.index.astype(str),
            "cultures_at_cutoff": at_cutoff.to_numpy(),
            "cultures_at_looser_cutoff": at_looser.to_numpy(),
        }
    )
    table["gained"] = table["cultures_at_looser_cutoff"] - table["cultures_at_cutoff"]
    table = table.sort_values(["gained", "gene"], ascending=[False, True]).reset_index(drop=True)
    result.cutoff_counts = table
    top = table.iloc[0]
    result.values.update(
        di_ex2_total_at=int(at_cutoff.sum()),
        di_ex2_total_looser=int(at_looser.sum()),
        di_ex2_top_gene=str(top["gene"]),
        di_ex2_top_gain=int(top["gained"]),
    )
    if int(top["gained"]) > 0:
        result.values["di_ex2_top_sentence"] = (
            f"{top['gene']} gains the most cultures ({int(top['gained'])})."
        )
    else:
        result.values["di_ex2_top_sentence"] = "No gene gains a culture at the looser cut-off."
    _gene_at_cutoffs(result, table, gene)


def study_design_pvalues(
    n_responders: int = STUDY_RESPONDERS, n_nonresponders: int = STUDY_NONRESPONDERS
) -> pd.DataFrame:
    """Two-sided Fisher p-values when k = 1..n responders and no non-responder carry a feature."""
    carriers = np.arange(1, n_responders + 1)
    _, p = fisher_exact_2x2(carriers, 0, n_responders - carriers, n_nonresponders)
    return pd.DataFrame(
        {"responders_carrying": carriers, "non_responders_carrying": 0, "two_sided_p": p}
    )


def _exercise_panel(result: DataImportChapter, cohort: Cohort, alpha: float) -> None:
    design = study_design_pvalues()
    result.fisher_design = design
    p = design["two_sided_p"].to_numpy()
    reach = design.loc[significant(design["two_sided_p"], alpha), "responders_carrying"]
    per_gene = result.mutation_grid.sum(axis=0)
    v = result.values
    v.update(
        di_ex3_n_resp=STUDY_RESPONDERS,
        di_ex3_n_non=STUDY_NONRESPONDERS,
        di_ex3_alpha=float(alpha),
        di_ex3_p1=float(p[0]),
        di_ex3_p_four=float(p[STUDY_HRAS_CARRIERS - 1]),
        di_ex3_p_five=float(p[STUDY_HRAS_CARRIERS_CONFERENCE - 1]),
        di_ex3_n_mutated=int(len(per_gene)),
        di_ex3_n_single=int((per_gene == 1).sum()),
        di_ex3_max=int(per_gene.to_numpy().max(initial=0)),
    )
    if reach.empty:
        v.update(di_ex3_needed=NOT_APPLICABLE, di_ex3_p_needed=NOT_APPLICABLE, di_ex3_n_reach=0)
        v["di_ex3_needed_sentence"] = (
            f"Even with all {STUDY_RESPONDERS} responders and no non-responder carrying it, "
            f"the smallest p-value is {float(p[-1]):.3f}, above the significance level of "
            f"{alpha:g}: no gene can reach it in a study of this size."
        )
        v["di_ex3_reach_sentence"] = "so none can reach significance"
        return
    needed = int(reach.iloc[0])
    v.update(
        di_ex3_needed=needed,
        di_ex3_p_needed=float(p[needed - 1]),
        di_ex3_n_reach=int((per_gene >= needed).sum()),
    )
    v["di_ex3_needed_sentence"] = (
        f"Only when at least {needed} responders, and no non-responder, carry the mutation "
        f"does the p-value reach the significance level of {alpha:g} "
        f"(p = {float(p[needed - 1]):.3f})."
    )
    v["di_ex3_reach_sentence"] = f"{v['di_ex3_n_reach']} in {needed} or more"


def is_reconstruction(cohort: Cohort) -> bool:
    """True when the cohort holds the bundled reconstruction's values (wherever it lives)."""
    flag = getattr(cohort, "reconstructed", None)  # decided from the files' content
    if isinstance(flag, bool):
        return flag
    try:
        return cohort.path.resolve() == BUNDLED_COHORT.resolve()
    except OSError:
        return False


def _versions(result: DataImportChapter) -> None:
    """The study's two published versions: what each states, and the tests of each table."""
    result.versions = versions_table()
    result.version_tests = version_test_data()
    # computed from the published counts, not from the cohort: never stamped reconstructed
    for table in (result.versions, result.version_tests):
        table.attrs[provenance.STATUS_ATTR] = provenance.PUBLISHED
    result.tables["published_versions"] = result.version_tests
    conference, journal = VERSIONS
    result.values["di_versions_sentence"] = versions_sentence()
    result.values["di_versions_diff_sentence"] = (
        f"They agree on the {conference.n_responders} responders and "
        f"{conference.n_nonresponders} non-responders and on HRAS in the non-responders "
        f"({conference.nonresponders_high} of {conference.n_nonresponders}), but not on the "
        f"responders: {conference.responders_high} of {conference.n_responders} with high "
        f"HRAS in the {conference.label.lower()}, {journal.responders_high} of "
        f"{journal.n_responders} in the {journal.label.lower()}. Only the conference "
        f"abstract states the {conference.threshold_pct:g}% response threshold; only the "
        "journal article reports a p-value (.048)."
    )


def compute(cohort: Cohort, params: Mapping[str, Any] | None = None) -> DataImportChapter:
    """Everything chapter 1 shows for ``cohort`` with the book parameters ``params``."""
    p = chapter_params(params)
    result = DataImportChapter(chapter=CHAPTER)
    v = result.values
    counts = cohort_counts(cohort)
    v.update({k: int(n) for k, n in counts.items()})
    bundled = is_reconstruction(cohort)
    result.reconstructed = bundled
    v["data_origin"] = "the bundled reconstructed cohort" if bundled else "a user-supplied cohort"
    v["di_facts_sentence"] = (
        "This build reads the bundled reconstruction, so the table below describes its data."
        if bundled
        else "This build reads a user-supplied cohort: the table below describes the bundled "
        "reconstruction and the published study, not the data of this build."
    )
    v["di_recon_note"] = (
        "These are the reconstruction's synthetic values: they show how the check works, "
        "not what the study's cultures did; only the study's per-culture measurements "
        "could settle that."
        if bundled
        else "These values are those of the cohort this book was built from."
    )
    _versions(result)
    v["n_warnings"] = len(cohort.report.warnings)
    result.report_summary = cohort.report.summary(Path(cohort.report.source).name)

    table = cohort_table(cohort)
    result.cohort_table = table
    result.tables["cohort"] = table
    v["di_optional_sentence"] = optional_columns_sentence(cohort.cultures)
    result.site_grade = site_grade_counts(cohort.cultures)
    drugs = sorted(cohort.viability["drug"].unique())
    v["di_drugs"] = _list_words([clip(d, 40) for d in drugs])
    # counted nouns for the prose ("1 drug", "0 warnings", never "drug(s)")
    v["di_drugs_phrase"] = _plural(len(drugs), "drug")
    v["di_warnings_phrase"] = _plural(v["n_warnings"], "warning")
    v["di_sites_phrase"] = _plural(v["n_sites"], "site")
    v["di_grades_phrase"] = _plural(v["n_grades"], "WHO grade")

    _replicates(result, cohort.viability)
    _mutations(result, cohort)

    matrix = cohort.expression_matrix()
    gene = str(p["gene"])
    _expression(result, matrix, gene)
    cutoff = float(p["overexpression_fold_change"])
    v["di_fc_cutoff"] = cutoff
    v["di_log2_cutoff"] = math.log2(cutoff)

    _exercise_near_threshold(result, cohort.viability, float(p["response_threshold_pct"]))
    _exercise_cutoffs(result, matrix, cutoff, gene)
    _exercise_panel(result, cohort, float(p["alpha"]))
    return result
