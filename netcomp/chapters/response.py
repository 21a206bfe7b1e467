"""Chapter 2, response classification: classes, their robustness, comparators, dose series.

:func:`compute` turns a loaded :class:`~netcomp.data.cohort.Cohort` into everything the chapter
shows: each culture's survival inhibition and class, the replicate t-tests, the paired
comparison with the standard agents, the threshold scan, counts by site and grade, the
classes at every tested concentration, the dose-response curves, the exercises' tables, and
every number and sentence of the prose (``values``, one glue name each). A section the cohort
cannot fill (no comparator, one concentration, no dose series, single wells) gets a notice
instead of an error, so the chapter renders for any cohort that keeps the data contract.

All computations are the functions of :mod:`netcomp.stats.response` and
:mod:`netcomp.stats.doseresponse`; this module only chooses what to run and phrases the results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netcomp.chapters.base import ChapterResult, chapter_params
from netcomp.data import contract, provenance
from netcomp.data.cohort import Cohort
from netcomp.stats import doseresponse, response
from netcomp.stats.response import ConcentrationChoice
from netcomp.stats.significance import significant
from netcomp.text.wording import plural as _plural

CHAPTER = "02_response_classification"

# Section names: the chapter's headings, used for notices.
SECTION_REPLICATES = "Is each culture's inhibition different from zero?"
SECTION_COMPARATORS = "The drug beside the standard agents"
SECTION_CONCENTRATIONS = "Classes across the tested concentrations"
SECTION_DOSE = "Dose-response curves"
SECTION_EX3 = "Exercise: who responds to the drug only?"

#: The study's published counts (lenvatinib, 15% threshold).
STUDY_DRUG, STUDY_THRESHOLD, STUDY_RESPONDERS, STUDY_NONRESPONDERS = "lenvatinib", 15.0, 6, 5
#: Thresholds of the first exercise.
EX1_THRESHOLDS: tuple[float, ...] = (20.0, 25.0)
#: Most culture names listed in one sentence of the prose.
MAX_LISTED = 20

CLASS_WORDS = {True: "responder", False: "non-responder"}


@dataclass
class ResponseChapter(ChapterResult):
    """Everything chapter 2 shows, computed from one cohort and the chapter parameters.

    Typed fields are the figure inputs and raw tables (in :mod:`netcomp.stats.response` /
    :mod:`netcomp.stats.doseresponse` columns); ``tables`` holds the tables as shown (reader
    column names) and ``formats`` their number formats for :func:`netcomp.book.display.show_table`.
    """

    drug: str = ""
    threshold: float = 15.0
    alpha: float = 0.05
    window: float = 5.0
    reconstruction: bool = False
    choice: ConcentrationChoice | None = None
    comparators: list[str] = field(default_factory=list)
    classes: pd.Series = field(default_factory=lambda: pd.Series(dtype=bool))
    inhibition: pd.DataFrame = field(default_factory=pd.DataFrame)
    drug_inhibition: pd.DataFrame = field(default_factory=pd.DataFrame)
    results: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    paired: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    flips: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_site: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_grade: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_concentration: pd.DataFrame = field(default_factory=pd.DataFrame)
    concentration_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    fits: pd.DataFrame = field(default_factory=pd.DataFrame)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    formats: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def concentration_um(self) -> float:
        """Concentration (µM) at which the drug is classified."""
        return float(self.choice.concentration_um) if self.choice else float("nan")

    @property
    def group_data(self) -> pd.DataFrame:
        """The site and grade counts in one long table (the data of their figure)."""
        return pd.concat(
            [
                self.by_site.rename(columns={"site": "level"}).assign(grouping="site"),
                self.by_grade.rename(columns={"grade": "level"}).assign(grouping="grade"),
            ],
            ignore_index=True,
        )

    def fitted_drugs(self) -> list[str]:
        """Drugs with at least one fitted dose-response curve (one figure each)."""
        if self.fits.empty:
            return []
        return sorted(self.fits.loc[self.fits["status"] == "fitted", "drug"].unique())


# --------------------------------------------------------------------------- phrasing


def _names(ids: Iterable[object]) -> str:
    """Culture names for a sentence: at most :data:`MAX_LISTED`, then how many in all."""
    names = [str(i) for i in ids]
    if not names:
        return "none"
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f", ... ({len(names)} in all)" if len(names) > MAX_LISTED else "")


def _culture_values(table: pd.DataFrame, value: str = "inhibition_pct") -> str:
    """``"C1 (12.1%), C2 (18.0%)"``, at most :data:`MAX_LISTED`; "none" when empty."""
    if table.empty:
        return "none"
    text = response.culture_list(table.head(MAX_LISTED), value)
    return text + (f", ... ({len(table)} in all)" if len(table) > MAX_LISTED else "")


def _conc_range(values: Iterable[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[0]:g} µM" if len(ordered) == 1 else f"{ordered[0]:g} to {ordered[-1]:g} µM"


# --------------------------------------------------------------------------- inputs


def is_reconstruction(cohort: Cohort) -> bool:
    """True when ``cohort`` holds the bundled reconstruction (decided by content, not path).

    Uses the cohort's own ``reconstructed`` flag when it has one; otherwise compares the
    files' checksums with those of the bundled reconstructed cohort, so a copy of it in
    another folder is recognised and a cohort with one value changed is not.
    """
    flag = getattr(cohort, "reconstructed", None)
    if flag is not None:
        return bool(flag)
    try:
        mine = provenance.file_checksums(cohort.path)
        return bool(mine) and mine == provenance.file_checksums(provenance.BUNDLED_COHORT)
    except OSError:
        return False


def resolve_comparators(
    comparators: Sequence[str] | None, drug: str, available: Sequence[str]
) -> list[str]:
    """The comparators to use: ``None`` is every other drug in the data, ``[]`` none.

    Named comparators must be in the data (``ValueError`` otherwise; the build's pre-flight
    check refuses them first); the chapter's own drug is never its own comparator.
    """
    if comparators is None:
        return [d for d in available if d != drug]
    wanted = response.drug_list(comparators)
    missing = [c for c in wanted if c not in set(available)]
    if missing:
        raise ValueError(
            f"comparator(s) {', '.join(missing)} have no viability measurement; "
            f"drugs in the data: {', '.join(available)}"
        )
    return [c for c in wanted if c != drug]


# --------------------------------------------------------------------------- sections


def _study_note(drug: str, thr: float, reconstruction: bool) -> str:
    """How this cohort's counts relate to the study's (its drug and threshold, or others)."""
    if drug == STUDY_DRUG and thr == STUDY_THRESHOLD and reconstruction:
        return (
            f"these are the {STUDY_RESPONDERS} and {STUDY_NONRESPONDERS} the study "
            f"reported with the same rule, by construction: the reconstruction's values "
            "were drawn to give those counts, so they confirm nothing; the study's own "
            "measurements would show how far each culture lies from the threshold"
        )
    if drug == STUDY_DRUG and thr == STUDY_THRESHOLD:
        return (
            f"the study reported {STUDY_RESPONDERS} and {STUDY_NONRESPONDERS} in its "
            f"{STUDY_RESPONDERS + STUDY_NONRESPONDERS} cultures with the same rule"
        )
    if drug == STUDY_DRUG:
        return (
            f"the study's {STUDY_RESPONDERS} and {STUDY_NONRESPONDERS} used a threshold of "
            f"{STUDY_THRESHOLD:g}%, not {thr:g}%"
        )
    return (
        f"the study's counts ({STUDY_RESPONDERS} and {STUDY_NONRESPONDERS}) concern "
        f"{STUDY_DRUG}, not {drug}"
    )


def _coverage_note(res: ResponseChapter, cohort: Cohort) -> str:
    """Which cultures were classified: all, or how many lacked the drug or its concentration."""
    drug, classes, choice = res.drug, res.classes, res.choice
    assert choice is not None  # chosen before the classes are computed
    measured = set(cohort.viability.loc[cohort.viability["drug"] == drug, "culture_id"])
    never = [c for c in cohort.culture_ids if c not in measured]
    excluded = list(choice.excluded)
    if not never and not excluded:
        return f"Every culture of the cohort was classified for {drug}."
    return (
        f"{len(classes)} of the {_plural(len(cohort.culture_ids), 'culture')} in the "
        "cohort were classified"
        + (f"; {len(never)} had no {drug} measurement at all ({_names(never)})" if never else "")
        + (
            f"; {len(excluded)} had none at {choice.concentration_um:g} µM ({_names(excluded)})"
            if excluded
            else ""
        )
        + "."
    )


def _classes_table(res: ResponseChapter) -> None:
    """The table of each culture's inhibition, t-test and class (reader column names)."""
    inh, classes = res.drug_inhibition, res.classes
    table = inh.assign(**{"class": classes.reindex(inh["culture_id"]).map(CLASS_WORDS).to_numpy()})
    res.tables["classes"] = table[
        [
            "culture_id",
            "concentration_um",
            "n_replicates",
            "inhibition_pct",
            "inhibition_sd",
            "t_statistic",
            "p_value",
            "class",
        ]
    ].rename(
        columns={
            "culture_id": "Culture",
            "concentration_um": "Concentration (µM)",
            "n_replicates": "Replicates",
            "inhibition_pct": "Survival inhibition (%)",
            "inhibition_sd": "SD of replicates (%)",
            "t_statistic": "t",
            "p_value": "p (t-test vs 0, two-sided)",
            "class": "Class",
        }
    )
    res.formats["classes"] = {
        "Concentration (µM)": "{:g}",
        "Survival inhibition (%)": "{:.1f}",
        "SD of replicates (%)": "{:.1f}",
        "t": "{:.2f}",
        "p (t-test vs 0, two-sided)": "{:.2g}",
    }


def _classification(res: ResponseChapter, cohort: Cohort) -> None:
    """The classes at the chapter's threshold: their counts, names and sentences, and table."""
    drug, thr = res.drug, res.threshold
    inh = res.drug_inhibition
    classes = res.classes
    responders = inh[inh["inhibition_pct"] > thr]
    non = inh[inh["inhibition_pct"] <= thr]
    n_resp, n_non = int(classes.sum()), int((~classes).sum())
    study = _study_note(drug, thr, res.reconstruction)
    choice = res.choice
    assert choice is not None  # chosen before the classes are computed
    coverage = _coverage_note(res, cohort)
    n_all = len(classes)
    sentence = (
        f"With this rule, {n_resp} of the {_plural(n_all, 'culture')} "
        f"{'is a responder' if n_resp == 1 else 'are responders'} "
        f"({_names(responders['culture_id'])}) "
        f"and {n_non} {'is a non-responder' if n_non == 1 else 'are non-responders'} "
        f"({_names(non['culture_id'])}); {study}."
    )
    n_reps = sorted(inh["n_replicates"].unique())
    res.values.update(
        {
            "resp_drug": drug,
            "resp_conc_note": choice.note()
            + (
                " in the reconstruction (a reconstructed value: the study's abstracts give no "
                "concentration)"
                if res.reconstruction
                else ""
            ),
            "resp_threshold": float(thr),
            "resp_n_cultures": int(len(classes)),
            "resp_n_responders": n_resp,
            "resp_n_non_responders": n_non,
            "resp_responders": _names(responders["culture_id"]),
            "resp_non_responders": _names(non["culture_id"]),
            "resp_study_note": study,
            "resp_class_sentence": sentence,
            "resp_coverage_note": coverage,
            "resp_replicates": (
                f"{n_reps[0]}" if len(n_reps) == 1 else f"{n_reps[0]} to {n_reps[-1]}"
            ),
            "resp_alpha": float(res.alpha),
        }
    )
    _classes_table(res)


def _replicate_tests(res: ResponseChapter) -> None:
    inh = res.drug_inhibition
    resp = res.classes.reindex(inh["culture_id"]).to_numpy(bool)
    p = inh["p_value"].to_numpy(float)
    defined = np.isfinite(p)
    sig = defined & significant(p, res.alpha)
    n_sig_r, n_sig_n = int((sig & resp).sum()), int((sig & ~resp).sum())
    res.values["resp_n_resp_significant"] = n_sig_r
    res.values["resp_n_nonresp_significant"] = n_sig_n
    n_resp, n_non = int(resp.sum()), int((~resp).sum())
    if not defined.any():
        single = bool((inh["n_replicates"] < 2).all())
        reason = (
            "every culture was measured in a single well"
            if single
            else "no culture has two or more wells that differ"
        )
        res.notice(
            SECTION_REPLICATES,
            f"{reason}, so the spread between wells cannot be estimated",
            "measure each culture in two or more replicate wells (viability.csv, column replicate)",
        )
        res.values["resp_significance_sentence"] = (
            f"In this cohort no t-test could be computed, because {reason}."
        )
        return
    groups = [
        f"{n_sig} of the {_plural(n, word)}"
        for n_sig, n, word in ((n_sig_r, n_resp, "responder"), (n_sig_n, n_non, "non-responder"))
        if n
    ]
    sentence = (
        f"At α = {res.alpha:g}, {' and '.join(groups)} "
        f"{'has' if len(groups) == 1 and n_sig_r + n_sig_n == 1 else 'have'} an "
        "inhibition significantly different from zero: a small inhibition can be "
        "reproducible and still fall below the threshold"
    )
    undefined = int((~defined).sum())
    if undefined:
        sentence += (
            f" ({_plural(undefined, 'culture')} with a single well or identical wells "
            "could not be tested)"
        )
    if res.reconstruction:
        sentence += (
            ". The wells of the bundled cohort are reconstructed, so these counts show "
            "how the test reads; the study's own wells would give the real ones"
        )
    res.values["resp_significance_sentence"] = sentence + "."


def _no_comparison(
    res: ResponseChapter,
    requested: Sequence[str] | None,
    unpaired: Sequence[str],
    available: Sequence[str],
) -> None:
    """The notice and sentences when no comparator can be paired with the drug."""
    drug = res.drug
    if requested is not None and not response.drug_list(requested):
        reason = "the comparators parameter is an empty list, so no drug was chosen"
        remedy = (
            "list the drugs to compare with in comparators, or set it to null to "
            "compare with every other drug in the data"
        )
    elif unpaired:
        reason = (
            f"no culture was measured with both {drug} and "
            f"{' or '.join(unpaired)} at the chosen concentrations"
        )
        remedy = f"measure {drug} and the comparator in the same cultures"
    else:
        reason = (
            f"{drug} is the only drug measured in this cohort"
            if len(available) <= 1
            else f"the only other drug named is {drug} itself"
        )
        remedy = "measure at least one standard agent in the same cultures (viability.csv)"
    res.notice(SECTION_COMPARATORS, reason, remedy)
    res.values.update(
        {
            "resp_comparison": f"none in this cohort, because {reason}",
            "resp_median_verdict": "therefore not compared with any other drug",
            "resp_ties_note": "No paired test was run.",
        }
    )
    res.comparison = pd.DataFrame()
    res.paired = pd.DataFrame()


def _median_verdict(res: ResponseChapter, comparison: pd.DataFrame) -> str:
    """Whether the drug's median inhibition is at least every comparator's, against the study."""
    drug = res.drug
    higher = comparison["drug_median_ge"].astype(bool)
    if not higher.all():
        lower = ", ".join(comparison.loc[~higher, "comparator"])
        return f"lower than that of {lower}" + (
            ", which does not match the study's statement" if drug == STUDY_DRUG else ""
        )
    verdict = "higher than or equal to that of every comparator"
    if drug == STUDY_DRUG and res.reconstruction:
        verdict += (
            ". The study reports the same, but here the agreement is built in: the "
            "reconstruction's values were drawn to satisfy that published "
            "statement, so only the study's own per-culture measurements could "
            "test it"
        )
    elif drug == STUDY_DRUG:
        verdict += ", in line with the study's statement"
    return verdict


def _ties_note(comparison: pd.DataFrame) -> str:
    """How each paired test's p-value was computed: exact with mid-ranks, or approximate."""
    exact = comparison["p_method"] == "exact"
    tied = comparison.loc[
        comparison["tied_differences"].astype(bool) & exact, "comparator"
    ].tolist()
    approx = comparison.loc[~exact, "comparator"].tolist()
    untestable = comparison.loc[
        ~np.isfinite(comparison["p_value"].to_numpy(float)), "comparator"
    ].tolist()
    if tied:
        ties = (
            f"Some absolute differences are tied (comparison with {', '.join(tied)}); "
            "they share a mid-rank and the permutation distribution is counted with those "
            "mid-ranks, so "
            + ("that p-value is" if len(tied) == 1 else "those p-values are")
            + " exact all the same."
        )
    elif approx:
        ties = ""
    else:
        ties = "No absolute differences are tied."
    if approx:
        ties += (
            f" With more than {response.EXACT_MAX_PAIRS} non-zero differences "
            f"(comparison with {', '.join(approx)}), the p-value is approximate: it "
            "comes from the normal approximation with its correction for ties, which "
            "is accurate at that size."
        )
    ties = ties.strip()
    if untestable:
        ties += (
            f" With {', '.join(untestable)} every paired difference is zero, so the "
            "test has nothing to rank."
        )
    return ties


def _comparison_table(res: ResponseChapter, comparison: pd.DataFrame) -> None:
    """The paired comparisons as shown (reader column names, null distribution spelled out)."""
    drug = res.drug
    shown = comparison.assign(
        p_method=comparison["p_method"].map(
            {
                "exact": "exact permutation (2^n sign patterns, mid-ranks)",
                "approx": "normal approximation (tie-corrected)",
            }
        )
    )
    res.tables["comparison"] = shown[
        [
            "comparator",
            "n_pairs",
            "median_drug_pct",
            "median_comparator_pct",
            "median_difference_pct",
            "n_drug_higher",
            "wilcoxon_statistic",
            "p_value",
            "p_method",
        ]
    ].rename(
        columns={
            "comparator": "Comparator",
            "n_pairs": "Paired cultures",
            "median_drug_pct": f"Median {drug} (%)",
            "median_comparator_pct": "Median comparator (%)",
            "median_difference_pct": "Median paired difference (%)",
            "n_drug_higher": f"Cultures where {drug} is higher",
            "wilcoxon_statistic": "W = min(T+, T−)",
            "p_value": "p (two-sided)",
            "p_method": "Null distribution",
        }
    )
    res.formats["comparison"] = {
        f"Median {drug} (%)": "{:.1f}",
        "Median comparator (%)": "{:.1f}",
        "Median paired difference (%)": "{:.1f}",
        "W = min(T+, T−)": "{:.1f}",
        "p (two-sided)": "{:.3f}",
    }


def _comparison(
    res: ResponseChapter, requested: Sequence[str] | None, available: Sequence[str]
) -> None:
    """The paired comparison of the drug with each comparator measured in the same cultures."""
    drug = res.drug
    median_drug = float(res.drug_inhibition["inhibition_pct"].median())
    res.values["resp_median_drug"] = median_drug
    comps = list(res.comparators)
    have = set(res.drug_inhibition["culture_id"])
    n_pairs = {
        c: len(have & set(res.inhibition.loc[res.inhibition["drug"] == c, "culture_id"]))
        for c in comps
    }
    unpaired = [c for c in comps if n_pairs[c] == 0]
    comps = [c for c in comps if n_pairs[c] > 0]
    res.comparators = comps
    if not comps:
        _no_comparison(res, requested, unpaired, available)
        return
    comparison = response.compare_drugs(res.inhibition, drug, comps, res.alpha)
    res.comparison = comparison
    res.paired = response.paired_inhibition(res.inhibition, [drug, *comps], complete=False)
    sentence = response.comparison_sentence(comparison)
    if unpaired:
        sentence += f" ({', '.join(unpaired)}: no culture measured with both drugs, not compared)"
    res.values.update(
        {
            "resp_comparison": sentence,
            "resp_median_verdict": _median_verdict(res, comparison),
            "resp_ties_note": _ties_note(comparison),
        }
    )
    _comparison_table(res, comparison)


def _threshold_scan(res: ResponseChapter, p: Mapping[str, Any]) -> None:
    lo, hi, step = (
        float(p["threshold_min_pct"]),
        float(p["threshold_max_pct"]),
        float(p["threshold_step_pct"]),
    )
    thresholds = np.arange(lo, hi + step / 2, step)
    res.sensitivity = response.responders_by_threshold(res.drug_inhibition, thresholds)
    res.flips = response.flipping_cultures(res.drug_inhibition, res.threshold, res.window)
    res.values.update(
        {
            "resp_thr_min": lo,
            "resp_thr_max": hi,
            "resp_sens_max": int(res.sensitivity["n_responders"].max()),
            "resp_sens_min": int(res.sensitivity["n_responders"].min()),
            "resp_window": float(res.window),
            "resp_n_flips": int(len(res.flips)),
            "resp_flips_phrase": _plural(len(res.flips), "culture"),
            "resp_flips": _culture_values(res.flips),
        }
    )


def _groups(res: ResponseChapter, cohort: Cohort) -> None:
    res.by_site = response.response_by_group(res.classes, cohort.cultures, "site")
    grades = sorted(set(cohort.cultures["grade"].astype(str)) - set(contract.GRADES))
    res.by_grade = response.response_by_group(
        res.classes, cohort.cultures, "grade", [*contract.GRADES, *grades]
    )
    names = {
        "site": "Site of origin",
        "grade": "Grade",
        "n_responders": "Responders",
        "n_non_responders": "Non-responders",
        "n_cultures": "Cultures",
        "responder_fraction": "Fraction responding",
    }
    for key, table in (("by_site", res.by_site), ("by_grade", res.by_grade)):
        shown = table.copy()
        if "site" in shown.columns:  # the page says "small intestine", as the figure does
            shown["site"] = shown["site"].astype(str).str.replace("_", " ")
        res.tables[key] = shown.rename(columns=names)
        res.formats[key] = {"Fraction responding": "{:.2f}"}


def _concentration_tables(res: ResponseChapter, changing: pd.Series) -> None:
    """The counts at each concentration, and each culture's inhibition and class at each."""
    summary = res.concentration_summary
    res.tables["concentrations"] = summary.assign(
        chosen=summary["chosen"].map({True: "chapter's", False: ""})
    ).rename(
        columns={
            "concentration_um": "Concentration (µM)",
            "n_cultures": "Cultures tested",
            "n_responders": "Responders",
            "n_non_responders": "Non-responders",
            "responder_fraction": "Fraction responding",
            "n_changed": "Class differs from the chapter's concentration",
            "chosen": "Used",
        }
    )
    res.formats["concentrations"] = {"Concentration (µM)": "{:g}", "Fraction responding": "{:.2f}"}
    cells = res.by_concentration.assign(
        cell=[
            f"{v:.1f} {'R' if r else 'N'}"
            for v, r in zip(
                res.by_concentration["inhibition_pct"],
                res.by_concentration["responder"],
                strict=True,
            )
        ]
    )
    per_culture = cells.pivot(index="culture_id", columns="concentration_um", values="cell")
    per_culture.columns = [f"{c:g} µM" for c in per_culture.columns]
    per_culture.insert(
        0, "Class changes", changing.reindex(per_culture.index).map({True: "yes", False: "no"})
    )
    res.tables["concentration_classes"] = per_culture.reset_index(names="Culture")


def _concentrations(res: ResponseChapter, viability: pd.DataFrame) -> None:
    """The classes at every tested concentration of the drug (a notice if only one)."""
    drug, choice = res.drug, res.choice
    assert choice is not None  # chosen before the classes are computed
    res.by_concentration = response.classes_by_concentration(viability, drug, res.threshold)
    res.concentration_summary = response.concentration_summary(
        res.by_concentration, choice.concentration_um
    )
    summary = res.concentration_summary
    if len(summary) < 2:
        reason = f"{drug} was tested at a single concentration ({choice.concentration_um:g} µM)"
        res.notice(
            SECTION_CONCENTRATIONS,
            reason,
            "measure the drug at two or more concentrations in viability.csv",
            design=True,  # a single-concentration design, as the published study's
        )
        res.values["resp_conc_sentence"] = (
            f"{reason[0].upper()}{reason[1:]}, so the classes cannot change with it."
        )
        return
    wide = res.by_concentration.pivot(
        index="culture_id", columns="concentration_um", values="responder"
    )
    changing = (res.by_concentration.groupby("culture_id")["responder"].nunique() > 1).reindex(
        wide.index
    )
    first, last = summary.iloc[0], summary.iloc[-1]
    res.values["resp_conc_sentence"] = (
        f"Across the {len(summary)} tested concentrations of {drug} "
        f"({_conc_range(summary['concentration_um'])}), the share of responders goes from "
        f"{first['n_responders']} of {first['n_cultures']} at {first['concentration_um']:g} µM "
        f"to {last['n_responders']} of {last['n_cultures']} at {last['concentration_um']:g} µM; "
        f"{_plural(int(changing.sum()), 'culture')} change class between at least two "
        f"concentrations ({_names(list(changing.index[changing]))}). The chapter classifies "
        f"at {choice.concentration_um:g} µM (marked in the table and the figure)."
    )
    _concentration_tables(res, changing)


def _no_dose_series(res: ResponseChapter, most: pd.Series) -> None:
    """The notice and note when no drug has a dose series long enough to fit a curve."""
    top = int(most.max()) if len(most) else 0
    reason = (
        f"no drug was tested at {doseresponse.MIN_CONCENTRATIONS} or more "
        f"concentrations in a culture (at most {top})"
    )
    res.notice(
        SECTION_DOSE,
        reason,
        f"measure a drug at {doseresponse.MIN_CONCENTRATIONS} or more concentrations "
        "per culture (a dose series) in viability.csv",
        design=True,  # no dose series in this design: nothing is missing
    )
    res.values["resp_dose_note"] = f"In this cohort {reason}, so no curve is fitted."


def _dose_note(res: ResponseChapter, dose_drugs: Sequence[str]) -> str:
    """How many pairs were fitted, skipped or failed, and where the AUC replaces the IC50."""
    status = res.fits["status"]
    n_fit = int((status == "fitted").sum())
    n_skip = int(status.str.startswith("skipped").sum())
    n_fail = int(status.str.startswith("failed").sum())
    n_auc = int((res.fits["measure"] == "AUC").sum())
    parts = [
        f"{_plural(n_fit, 'culture and drug pair')} {'was' if n_fit == 1 else 'were'} "
        f"fitted ({', '.join(dose_drugs)})"
    ]
    if n_skip:
        parts.append(
            f"{n_skip} had fewer than {doseresponse.MIN_CONCENTRATIONS} "
            "concentrations and were not fitted"
        )
    if n_fail:
        parts.append(f"for {n_fail} the fit did not converge")
    note = "; ".join(parts) + ". "
    note += (
        f"For {_plural(n_auc, 'pair')} no IC50 lies within the tested concentrations (or none was "
        "fitted), so the table reports the area under the curve (AUC) instead: the "
        "average viability over the tested range, 100% meaning no effect."
        if n_auc
        else "Every fitted IC50 lies within the tested concentrations."
    )
    return note


def _dose_table(res: ResponseChapter) -> None:
    """The fitted pairs as shown: IC50 with its interval, or the AUC where the IC50 extrapolates."""
    status = res.fits["status"]
    # the pairs not fitted for want of concentrations are counted in the note, not listed
    # row by row (a cohort with one dose series would list every other pair as "skipped")
    res.tables["dose"] = res.fits.loc[
        ~status.str.startswith("skipped"),
        [
            "culture_id",
            "drug",
            "n_concentrations",
            "status",
            "measure",
            "summary",
            "ic50_um",
            "ic50_ci_low_um",
            "ic50_ci_high_um",
            "auc_pct",
        ],
    ].rename(
        columns={
            "culture_id": "Culture",
            "drug": "Drug",
            "n_concentrations": "Concentrations",
            "status": "Status",
            "measure": "Reported",
            "summary": "Result",
            "ic50_um": "IC50 (µM)",
            "ic50_ci_low_um": "95% CI low (µM)",
            "ic50_ci_high_um": "95% CI high (µM)",
            "auc_pct": "AUC (% of control)",
        }
    )
    # an IC50 outside the tested concentrations is an extrapolation (its interval can span
    # ten orders of magnitude): the page reports the AUC for it and leaves the IC50 out
    extrapolated = res.tables["dose"]["Reported"] != "IC50"
    res.tables["dose"].loc[extrapolated, ["IC50 (µM)", "95% CI low (µM)", "95% CI high (µM)"]] = (
        np.nan
    )
    res.formats["dose"] = {
        "IC50 (µM)": "{:.3g}",
        "95% CI low (µM)": "{:.3g}",
        "95% CI high (µM)": "{:.3g}",
        "AUC (% of control)": "{:.1f}",
    }


def _dose_response(res: ResponseChapter, viability: pd.DataFrame, drugs: Sequence[str]) -> None:
    """Dose-response curves for every drug with a dose series (a notice if none has one)."""
    n_conc = (
        viability.assign(_k=viability["concentration_um"].round(9))
        .groupby(["drug", "culture_id"])["_k"]
        .nunique()
    )
    most = n_conc.groupby(level="drug").max()
    dose_drugs = [d for d in drugs if most.get(d, 0) >= doseresponse.MIN_CONCENTRATIONS]
    if not dose_drugs:
        _no_dose_series(res, most)
        return
    fits = doseresponse.fit_dose_response(viability, drugs=dose_drugs)
    auc = doseresponse.area_under_curve(viability, dose_drugs)
    res.fits = doseresponse.curve_summary(fits, auc)
    res.curves = doseresponse.curve_points(fits, viability)
    res.values["resp_dose_note"] = _dose_note(res, dose_drugs)
    _dose_table(res)


# --------------------------------------------------------------------------- exercises


def _exercise_thresholds(res: ResponseChapter) -> None:
    """Exercise 1: the classes at stricter thresholds, and which cultures change class."""
    thr = res.threshold
    inh = res.drug_inhibition.set_index("culture_id")["inhibition_pct"]
    classes = {f"Class at {thr:g}% (chapter)": res.classes}
    sentences = []
    for new_thr in EX1_THRESHOLDS:
        new = response.classify(inh, new_thr).sort_index()
        classes[f"Class at {new_thr:g}%"] = new
        changed = res.drug_inhibition[
            res.drug_inhibition["culture_id"].isin(new.index[new != res.classes.reindex(new.index)])
        ]
        verb = "changes" if len(changed) == 1 else "change"
        sentences.append(
            f"at {new_thr:g}%, {int(new.sum())} of {len(new)} cultures are responders "
            + (
                "and no culture changes class"
                if changed.empty
                else f"and {len(changed)} {verb} class: {_culture_values(changed)}"
            )
        )
    res.values["resp_ex1_summary"] = "; ".join(sentences)
    ex1 = pd.DataFrame(classes).replace(CLASS_WORDS)
    ex1.insert(0, "Survival inhibition (%)", inh)
    res.tables["ex1"] = ex1.reset_index(names="Culture")
    res.formats["ex1"] = {"Survival inhibition (%)": "{:.1f}"}


def _exercise_wells(res: ResponseChapter, viability: pd.DataFrame) -> None:
    """Exercise 2: the class from one well instead of the mean, and who would change class."""
    drug, thr = res.drug, res.threshold
    inh = res.drug_inhibition.set_index("culture_id")["inhibition_pct"]
    key = round(res.concentration_um, 9)
    rows = viability[(viability["drug"] == drug) & (viability["concentration_um"].round(9) == key)]
    wells = (
        (100.0 - rows.set_index(["culture_id", "replicate"])["viability_pct"])
        .groupby(level=["culture_id", "replicate"])
        .mean()
        .unstack("replicate")
    )
    wells = wells.reindex(res.classes.index)
    wells.columns = [f"Well {c} (%)" for c in wells.columns]
    flips = (wells > thr).ne(res.classes, axis=0) & wells.notna()
    unstable = res.drug_inhibition[
        res.drug_inhibition["culture_id"].isin(flips.index[flips.any(axis=1)])
    ]
    margin = (inh.reindex(res.classes.index) - thr).abs()
    sd = res.drug_inhibition["inhibition_sd"].dropna()
    res.values.update(
        {
            "resp_ex2_sentence": (
                "no culture would change class depending on the well kept"
                if unstable.empty
                else f"{_plural(len(unstable), 'culture')} would change class depending on "
                f"the well kept: {_culture_values(unstable)}"
            ),
            "resp_ex2_nearest": str(margin.idxmin()),
            "resp_ex2_nearest_margin": float(margin.min()),
            "resp_ex2_spread": (
                f"the wells of a culture spread with a standard deviation of {sd.median():.1f} "
                f"points in the median culture and at most {sd.max():.1f}"
                if len(sd)
                else "no culture has two wells, so the spread between wells cannot be measured here"
            ),
        }
    )
    res.tables["ex2"] = wells.assign(
        **{
            "Mean (%)": inh.reindex(wells.index),
            "Distance from threshold (points)": margin,
            "Class from the mean": res.classes.map(CLASS_WORDS),
            "Class changes with the well": flips.any(axis=1).map({True: "yes", False: "no"}),
        }
    ).reset_index(names="Culture")
    res.formats["ex2"] = {
        c: "{:.1f}"
        for c in res.tables["ex2"].columns
        if c.endswith("(%)") or c.startswith("Distance")
    }


def _exercise_only(res: ResponseChapter) -> None:
    """Exercise 3: the cultures that respond to the drug only, and those that respond to none."""
    drug, comps = res.drug, list(res.comparators)
    ex3_drugs = [drug, *comps]
    wide = (
        res.results[res.results["drug"].isin(ex3_drugs)]
        .pivot(index="culture_id", columns="drug", values="responder")
        .reindex(columns=ex3_drugs)
        .dropna()
        .astype(bool)
    )
    only = wide.index[wide[drug] & ~wide[comps].any(axis=1)] if comps else wide.index[:0]
    none = wide.index[~wide.any(axis=1)]
    if comps:
        only_sentence = (
            f"no culture responds to {drug} but to none of the comparators"
            if only.empty
            else f"{_plural(len(only), 'culture')} {'responds' if len(only) == 1 else 'respond'} "
            f"to {drug} but to none of the comparators: "
            + _culture_values(res.drug_inhibition[res.drug_inhibition["culture_id"].isin(only)])
        )
    else:
        only_sentence = (
            f"no comparator is measured in the same cultures, so no culture can "
            f"be said to respond to {drug} only"
        )
        res.notice(
            SECTION_EX3,
            "no comparator drug is available for this cohort",
            "measure at least one other drug in the same cultures",
        )
    everyone = (
        "every culture responds to at least one drug"
        if comps
        else (f"every culture responds to {drug}")
    )
    conc = res.results.drop_duplicates("drug").set_index("drug")["concentration_um"]
    res.values.update(
        {
            "resp_ex3_only_sentence": only_sentence,
            "resp_ex3_none_sentence": (
                everyone
                if none.empty
                else f"{_plural(len(none), 'culture')} "
                f"{'responds' if len(none) == 1 else 'respond'} to no drug: {_names(list(none))}"
            ),
            "resp_ex3_conc": ", ".join(f"{d} at {conc[d]:g} µM" for d in ex3_drugs),
        }
    )
    ex3 = wide.replace({True: "responder", False: "—"})
    ex3[f"Responds to {drug} only"] = np.where(wide.index.isin(only), "yes", "")
    ex3["Responds to no drug"] = np.where(wide.index.isin(none), "yes", "")
    res.tables["ex3"] = ex3.reset_index(names="Culture")


def _exercise_rank_floor(res: ResponseChapter) -> None:
    """Exercise 4: the smallest p-value a signed-rank test can give with n values."""
    rows4 = []
    for n in range(2, 21):
        p_min = float(stats.wilcoxon(np.arange(1.0, n + 1), method="exact").pvalue)
        rows4.append(
            {
                "Values": n,
                "Smallest two-sided p": p_min,
                "2 / 2^n": 2 / 2**n,
                "Can reach alpha": significant(p_min, res.alpha),
            }
        )
    ex4 = pd.DataFrame(rows4)
    reach = ex4.loc[ex4["Can reach alpha"], "Values"]
    needed = int(reach.min()) if len(reach) else None
    if res.comparison.empty:
        pairs_note = "no pairs at all in this cohort, as no comparator drug was measured"
    else:
        pairs = int(res.comparison["n_nonzero"].min())
        pairs_note = f"at least {pairs} non-zero differences per comparator, " + (
            "enough to reach that level"
            if needed and pairs >= needed
            else "too few to reach that level whatever the data"
        )
    res.values.update(
        {
            "resp_ex4_p3": float(ex4.loc[ex4["Values"] == 3, "Smallest two-sided p"].iloc[0]),
            "resp_ex4_needed": str(needed or "more than 20"),
            "resp_ex4_pairs_note": pairs_note,
        }
    )
    res.tables["ex4"] = ex4.head(10)
    res.formats["ex4"] = {"Smallest two-sided p": "{:.4g}", "2 / 2^n": "{:.4g}"}


def _exercises(res: ResponseChapter, viability: pd.DataFrame) -> None:
    """The four exercises' tables and sentences, in the chapter's order."""
    _exercise_thresholds(res)
    _exercise_wells(res, viability)
    _exercise_only(res)
    _exercise_rank_floor(res)


# --------------------------------------------------------------------------- compute


def compute(cohort: Cohort, params: Mapping[str, Any] | None = None) -> ResponseChapter:
    """Everything chapter 2 shows for ``cohort`` under ``params`` (defaults filled in).

    Raises ``ValueError`` only for parameters that name something absent from the data (a
    drug, a comparator, an untested concentration), which the build refuses before any
    chapter runs; every shape of cohort that keeps the data contract gives a result.
    """
    p = chapter_params(params)
    drug = str(p["drug"])
    available = cohort.drugs
    if drug not in available:
        raise ValueError(
            f"drug {drug!r} has no viability measurement; drugs in the data: {', '.join(available)}"
        )
    res = ResponseChapter(
        chapter=CHAPTER,
        drug=drug,
        threshold=response.check_threshold(p["response_threshold_pct"]),
        alpha=float(p["alpha"]),
        window=float(p["flip_window_pct"]),
        reconstruction=is_reconstruction(cohort),
    )
    viability = cohort.viability
    res.comparators = resolve_comparators(p["comparators"], drug, available)
    res.choice = response.choose_concentration(viability, drug, p["concentration_um"])
    all_drugs = list(dict.fromkeys([drug, *res.comparators, *available]))
    choices = {
        d: res.choice if d == drug else response.choose_concentration(viability, d)
        for d in all_drugs
    }
    res.inhibition = pd.concat(
        [response.inhibition_at(viability, choices[d]) for d in all_drugs], ignore_index=True
    )
    res.results = res.inhibition.assign(
        responder=response.classify(res.inhibition["inhibition_pct"], res.threshold).to_numpy()
    ).loc[:, list(response.RESPONSE_COLUMNS)]
    res.drug_inhibition = res.inhibition[res.inhibition["drug"] == drug].reset_index(drop=True)
    res.classes = response.classify(
        res.drug_inhibition.set_index("culture_id")["inhibition_pct"], res.threshold
    ).sort_index()

    _classification(res, cohort)
    _replicate_tests(res)
    _comparison(res, p["comparators"], available)
    _threshold_scan(res, p)
    _groups(res, cohort)
    _concentrations(res, viability)
    _dose_response(res, viability, all_drugs)
    _exercises(res, viability)
    return res
