"""Chapter 4, literature context: TALENT and the other trials as data, and the cultures beside them.

:func:`compute` reads the curated literature files (``data/literature/``), recomputes
TALENT's rates, intervals and percentages, assembles the cross-trial and approved-therapy
tables and the adverse events, and sets the cohort's in-vitro responder rate beside
TALENT's response rate. The literature sections never depend on the cohort, so they always
render; the comparison with the cultures gets a notice when it does not apply: a drug other
than lenvatinib (TALENT tested lenvatinib), a drug or concentration the cohort lacks, or a
cohort whose cultures all fall in one response class.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcomp.chapters.base import ChapterResult, chapter_params
from netcomp.data import literature as lit
from netcomp.data.cohort import BUNDLED_COHORT, Cohort
from netcomp.data.provenance import mark_published
from netcomp.stats.response import check_threshold, classify, inhibition_table
from netcomp.text.safe_text import clip

CHAPTER = "04_literature_context"
NOT_APPLICABLE = "not applicable"
#: The drug TALENT tested: the comparison with the cultures needs the same drug.
TALENT_DRUG = "lenvatinib"
#: The interval method that reproduces TALENT's published intervals.
CI_METHOD = "wilson_cc"
#: Interval of the cultures' rate (exact, as for a small cohort); TALENT's rows keep CI_METHOD.
INVITRO_METHOD = "clopper_pearson"
#: How the book names the cultures' interval in sentences and column headers.
INVITRO_CI = "exact (Clopper-Pearson) 95% CI"
#: Threshold steps of the first exercise (points above the chapter's threshold).
THRESHOLD_STEPS = (0, 5, 10)
TALENT_KEYS = (("panNET", "pan"), ("GI-NET", "gi"), ("total", "total"))

SECTION_INVITRO = "The cultures beside the patients"
SECTION_EX1 = "Exercise: another response threshold"
SECTION_EX3 = "Exercise: interval methods at the size of the cohort"


@dataclass
class LiteratureChapter(ChapterResult):
    """Everything chapter 4 shows: literature tables, figure inputs, and the in-vitro comparison."""

    talent: pd.DataFrame = field(default_factory=pd.DataFrame)
    trials: pd.DataFrame = field(default_factory=pd.DataFrame)
    locator_check: pd.DataFrame | None = None
    endpoint_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    interval_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    percentages: pd.DataFrame = field(default_factory=pd.DataFrame)
    orr: pd.DataFrame = field(default_factory=pd.DataFrame)
    approved: pd.DataFrame = field(default_factory=pd.DataFrame)
    approved_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    adverse: pd.DataFrame = field(default_factory=pd.DataFrame)
    inhibition: pd.Series | None = None
    classes: pd.Series | None = None
    invitro: pd.DataFrame = field(default_factory=pd.DataFrame)
    threshold_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    orr_levels: pd.DataFrame = field(default_factory=pd.DataFrame)
    method_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    count_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    design: pd.DataFrame = field(default_factory=pd.DataFrame)
    text_checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    text_checks_table: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------- literature


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple(
        (f.name, f.stat().st_size, f.stat().st_mtime_ns)
        for f in sorted(folder.glob("*"))
        if f.is_file()
    )


_LOCATOR_CACHE: dict[tuple[Any, ...], pd.DataFrame] = {}


def locator_check(literature_dir: Path, seeds_dir: Path = lit.SEEDS_DIR) -> pd.DataFrame | None:
    """Check every locator of both files against its source document (None when absent).

    The result is kept for as long as neither folder changes (the check reads every source).
    """
    if not seeds_dir.is_dir():
        return None
    key = (
        str(literature_dir.resolve()),
        _stamp(literature_dir),
        str(seeds_dir.resolve()),
        _stamp(seeds_dir),
    )
    if key not in _LOCATOR_CACHE:
        _LOCATOR_CACHE[key] = _locator_check(literature_dir, seeds_dir)
    return _LOCATOR_CACHE[key].copy()


def _locator_check(literature_dir: Path, seeds_dir: Path) -> pd.DataFrame:
    checks = [
        lit.verify_locators(
            lit.read_raw(literature_dir / "talent.csv"),
            seeds_dir,
            numeric_columns=["count", "published_pct", "value", "low", "high"],
        ),
        lit.verify_locators(
            lit.read_raw(literature_dir / "trials.csv"),
            seeds_dir,
            numeric_columns=lit.TRIAL_NUMERIC_COLUMNS,
            text_columns=["other_result"],
            pairs=[
                ("source", "locator"),
                ("source_2", "locator_2"),
                ("approval_source", "approval_locator"),
            ],
        ),
    ]
    return pd.concat(checks, ignore_index=True)


def locator_status(check: pd.DataFrame | None) -> str:
    """One sentence on the provenance check, for the prose."""
    if check is None:
        return (
            "The source documents are not available in this build, so the locators were "
            "not re-checked here (the test suite checks them)."
        )
    n_loc, n_found = int(check["n_locators"].sum()), int(check["locators_found"].sum())
    n_missing = int((check["missing_numbers"] != "").sum())
    first = (
        f"All {n_found} of {n_loc} locators were found in their source documents"
        if n_found == n_loc
        else f"Only {n_found} of {n_loc} locators were found in their source documents"
    )
    return first + (
        ", and every number sits next to its locator."
        if n_missing == 0
        else f"; {n_missing} rows have a number not found next to their locator."
    )


def _endpoint_values(result: LiteratureChapter) -> None:
    """TALENT's patients, response and disease-control rates per cohort, and its median PFS."""
    talent, v = result.talent, result.values
    counts = lit.talent_endpoint_counts(talent)
    result.endpoint_counts = counts
    for cohort, key in TALENT_KEYS:
        orr = _endpoint_row(counts, "ORR", cohort)
        v[f"lit_n_{key}"] = int(
            lit.talent_value(talent, "tumour_assessment", cohort, "denominator")
        )
        v[f"lit_assessed_{key}"] = int(orr["n"])
        v[f"lit_orr_events_{key}"] = int(orr["events"])
        v[f"lit_orr_{key}"] = float(orr["published_rate_pct"])
        v[f"lit_orr_low_{key}"] = float(orr["published_ci_low_pct"])
        v[f"lit_orr_high_{key}"] = float(orr["published_ci_high_pct"])
        v[f"lit_dcr_{key}"] = float(_endpoint_row(counts, "DCR", cohort)["published_rate_pct"])
    v["lit_pfs_total"] = lit.talent_value(talent, "pfs_median", "total", "value")


def _interval_values(result: LiteratureChapter) -> None:
    """TALENT's published intervals recomputed by each method, and which method reproduces them."""
    v = result.values
    intervals = lit.talent_intervals(result.talent)
    result.intervals = intervals
    result.tables["talent_intervals"] = intervals
    result.interval_table = lit.interval_comparison_table(intervals)
    summary = lit.interval_method_summary(intervals)
    method = lit.reproducing_method(intervals)
    v["lit_n_intervals"] = int(summary["n_intervals"].iloc[0])
    v["lit_best_label"] = str(summary["label"].iloc[0])
    v["lit_best_matched"] = int(summary["n_matched"].iloc[0])
    v["lit_next_matched"] = int(summary["n_matched"].iloc[1])
    v["lit_method_verdict"] = (
        f"only the {lit.INTERVAL_METHODS[method]} interval reproduces all of them"
        if method
        else "no single method reproduces all of them"
    )


def _percentage_values(result: LiteratureChapter) -> None:
    """TALENT's printed percentages recomputed from their counts, mismatches explained."""
    v = result.values
    pct = lit.percentage_check(result.talent)
    result.percentages = pct
    result.tables["talent_percentages"] = pct
    why = pct.loc[~pct["match"], "explanation"]
    v.update(
        lit_pct_checked=int(len(pct)),
        lit_pct_mismatch=int(len(why)),
        lit_pct_twice=int(why.str.startswith("rounded twice").sum()),
        lit_pct_truncated=int(why.str.startswith("truncated").sum()),
        lit_pct_denominator=int(why.str.startswith("matches").sum()),
        lit_pct_unexplained=int(why.str.startswith("no simple").sum()),
    )
    in_text = pct[pct["section"] == lit.AE_TEXT_SECTION]
    v["lit_pct_text_ae"] = int(len(in_text))
    v["lit_pct_text_ae_mismatch"] = int((~in_text["match"]).sum())
    v["lit_pct_text_ae_sentence"] = "; ".join(
        f"{r['label'].split(' (')[0].lower()}: {r['published_pct']:g}% printed, "
        f"{r['count']} of {r['denominator']} = {r['recomputed_pct']:.1f}% from Table 3"
        + (f" ({_short_reason(r['explanation'])})" if r["explanation"] else "")
        for r in in_text.to_dict("records")
    )


def _adverse_values(result: LiteratureChapter) -> None:
    """TALENT's adverse events: the most frequent, the top grade 3-4 per cohort, discontinuation."""
    talent, v = result.talent, result.values
    ae = lit.adverse_events(talent)
    result.adverse = ae
    events = list(dict.fromkeys(ae["event"]))
    v["lit_n_ae_events"] = len(events)
    v["lit_ae_top3"] = ", ".join(e.lower() for e in events[:3])
    for cohort, key in TALENT_KEYS[:2]:
        top = lit.top_adverse_events(ae, cohort, "3-4", n=1).iloc[0]
        v[f"lit_ae34_{key}_event"] = str(top["event"]).lower()
        v[f"lit_ae34_{key}_pct"] = float(top["pct"])
    v["lit_discontinued_pct"] = lit.talent_value(
        talent, "discontinuation_toxicity", "total", "published_pct"
    )


def _talent_values(result: LiteratureChapter) -> None:
    """Every TALENT number the chapter shows, recomputed and checked, in the page's order."""
    _endpoint_values(result)
    _interval_values(result)
    _percentage_values(result)
    _design_values(result)
    _adverse_values(result)


def _endpoint_row(counts: pd.DataFrame, endpoint: str, cohort: str) -> pd.Series:
    """One endpoint and cohort's row of :func:`netcomp.data.literature.talent_endpoint_counts`."""
    return counts[(counts["endpoint"] == endpoint) & (counts["cohort"] == cohort)].iloc[0]


def _short_reason(explanation: str) -> str:
    """A mismatch explanation without nested parentheses, for a sentence."""
    return "fits no nearby denominator" if explanation.startswith("no simple") else explanation


def _p_text(p: float) -> str:
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _rule_values(result: LiteratureChapter, design: pd.DataFrame, r: int) -> None:
    """Each cohort's responses against TALENT's exact rule (r responses needed), in words."""
    v = result.values
    sentences = []
    for rec, key in zip(design.to_dict("records"), ("pan", "gi"), strict=True):
        v[f"lit_rule_responses_{key}"] = int(rec["responses"])
        v[f"lit_rule_assessed_{key}"] = int(rec["assessed"])
        v[f"lit_rule_p_{key}"] = float(rec["p_one_sided"])
        v[f"lit_rule_meets_{key}"] = "yes" if rec["meets_rule"] else "no"
        if rec["meets_rule"]:
            extra = int(rec["responses"]) - r
            verdict = (
                f"{extra} more than the {r} the rule needs"
                if extra
                else f"exactly the {r} the rule needs"
            )
        else:
            short = r - int(rec["responses"])
            verdict = (
                f"{'one' if short == 1 else short} short of the {r} the rule needs: by the trial's "
                "own design, this cohort does not show a response rate above "
                f"{float(rec['null_rate_pct']):g}%"
            )
        sentences.append(
            f"The {rec['cohort']} cohort had {int(rec['responses'])} responses among "
            f"{int(rec['assessed'])} patients assessed ({int(rec['enrolled'])} enrolled), "
            f"{verdict} "
            f"(exact binomial test, one-sided, against {float(rec['null_rate_pct']):g}%: "
            f"p = {_p_text(float(rec['p_one_sided']))})."
        )
    v["lit_rule_sentence"] = " ".join(sentences)


def _text_check_values(result: LiteratureChapter) -> None:
    """The numbers TALENT's text restates, checked against its results and tables."""
    talent, v = result.talent, result.values
    checks = lit.text_checks(talent)
    result.text_checks = checks
    result.tables["talent_text_checks"] = checks
    # the page names each restated number as talent.csv labels it, not by its variable name
    labels = talent.drop_duplicates("variable").set_index("variable")["label"]
    shown = checks.copy()
    shown["check"] = [str(labels.get(c, c)) for c in shown["check"]]
    result.text_checks_table = shown.rename(
        columns={"check": "restated number", "compared_with": "compared with"}
    )
    v["lit_text_checked"] = int(len(checks))
    v["lit_text_disagree"] = int((~checks["agrees"]).sum())
    v["lit_follow_up"] = lit.talent_value(talent, "follow_up_median", "total", "value")
    off = checks[(checks["where"] == "discussion") & ~checks["agrees"]]
    v["lit_text_discussion_sentence"] = (
        "; ".join(
            f"{r['cohort']} {r['compared_with'].removeprefix('results: ')}: {r['published']:g} "
            f"months in the discussion, {r['computed']:g} in the results"
            for r in off.to_dict("records")
        )
        or "none"
    )
    dose = checks[checks["check"] == "dose_reduction_or_interruption"].iloc[0]
    v["lit_dose_any_pct"] = float(dose["published"])
    v["lit_dose_sentence"] = str(dose["explanation"])


def _design_values(result: LiteratureChapter) -> None:
    """TALENT's sample size and exact rule recomputed; the text's restated numbers checked."""
    talent, v = result.talent, result.values
    design = lit.talent_design(talent)
    result.design = design
    result.tables["talent_design"] = design
    first = design.iloc[0]
    r, n = int(first["rule_min_responses"]), int(first["design_n"])
    v.update(
        lit_design_n=n,
        lit_design_p0=float(first["null_rate_pct"]),
        lit_design_p1=float(first["alternative_rate_pct"]),
        lit_design_alpha_pct=100 * float(first["alpha_one_sided"]),
        lit_design_power=float(first["design_power_pct"]),
        lit_rule_r=r,
        lit_rule_size_pct=100 * float(first["rule_size"]),
        lit_rule_power=float(first["rule_power_pct"]),
        lit_exact_min_n=int(first["exact_min_n"]),
    )
    v["lit_design_n_verdict"] = (
        f"the smallest such design has {int(first['exact_min_n'])} patients per cohort, "
        "exactly the article's number"
        if int(first["exact_min_n"]) == n
        else f"the smallest such design has {int(first['exact_min_n'])} patients per cohort, "
        f"not the article's {n}"
    )
    _rule_values(result, design, r)
    _text_check_values(result)


def _orr_levels(result: LiteratureChapter, benchmark: float) -> None:
    """Exercise 2: TALENT's ORR intervals at 95% and 99% against sunitinib's rate."""
    v = result.values
    levels = []
    for level_alpha in (0.05, 0.01):
        ci = lit.talent_intervals(result.talent, methods=[CI_METHOD], alpha=level_alpha)
        levels.append(
            ci[ci["endpoint"] == "ORR"].assign(
                confidence=f"{1 - level_alpha:.0%}", interval=lit.INTERVAL_METHODS[CI_METHOD]
            )
        )
    orr_levels = pd.concat(levels, ignore_index=True)
    orr_levels["lower bound above sunitinib"] = orr_levels["ci_low_pct"] > benchmark
    result.orr_levels = orr_levels
    for level, name in (("99%", "low99"), ("95%", "low95")):
        low = orr_levels[orr_levels["confidence"] == level].set_index("cohort")["ci_low_pct"]
        for cohort, key in TALENT_KEYS:
            v[f"ex_lit2_{name}_{key}"] = float(low[cohort])


def _count_rows(result: LiteratureChapter) -> None:
    """Exercise 4: single-arm studies whose n and printed ORR fit no count, or several."""
    trials, v = result.trials, result.values
    single_arm = trials[
        trials["orr_pct"].notna()
        & trials["n"].notna()
        & trials["comparator"].isin(["", "none"])
        & ~trials["trial_id"].str.startswith("talent")
    ]
    rows: list[dict[str, Any]] = []
    several: list[str] = []
    none: list[str] = []
    for rec in single_arm.to_dict("records"):
        n_pat, decimals = int(rec["n"]), int(rec["orr_decimals"])
        if lit.implied_events(rec["orr_pct"], n_pat, decimals) is not None:
            continue  # exactly one count fits: the forest plot draws its interval
        fits = [
            k for k in range(n_pat + 1) if lit.rounded_percent(k, n_pat, decimals) == rec["orr_pct"]
        ]
        (several if fits else none).append(rec["trial"])
        centre = round(rec["orr_pct"] * n_pat / 100)
        for k in range(max(centre - 2, 0), min(centre + 2, n_pat) + 1):
            printed = lit.rounded_percent(k, n_pat, decimals)
            rows.append(
                {
                    "study": rec["trial"],
                    "patients": n_pat,
                    "published ORR (%)": rec["orr_pct"],
                    "responders": k,
                    "100 k / n": 100 * k / n_pat,
                    "prints as": printed,
                    "fits": printed == rec["orr_pct"],
                }
            )
    result.count_rows = pd.DataFrame(rows)
    v["ex_lit4_several"] = "; ".join(several) or "none of these studies"
    v["ex_lit4_none"] = "; ".join(none) or "none of these studies"


def _trial_values(result: LiteratureChapter) -> None:
    """The other trials: their ORR intervals, the approved therapies, exercises 2 and 4."""
    trials, v = result.trials, result.values
    orr = lit.trial_orr_table(trials, method=CI_METHOD)
    result.orr = orr
    v.update(
        lit_orr_rows=int(len(orr)),
        lit_orr_reported=int((orr["count_basis"] == "reported counts").sum()),
        lit_orr_implied=int((orr["count_basis"] == "implied by n and %").sum()),
        lit_orr_nocounts=int((orr["count_basis"] == "no counts").sum()),
    )
    benchmark = float(trials.loc[trials["trial_id"] == "raymond_sunitinib", "orr_pct"].iloc[0])
    v["lit_sunitinib_orr"] = benchmark
    approved = lit.approved_therapies(trials)
    result.approved = approved
    # lit.approved_therapies names each document as a reader knows it (netcomp.book.sources)
    result.approved_table = approved
    result.tables["approved_therapies"] = approved
    v["lit_n_approved"] = int(len(approved))
    _orr_levels(result, benchmark)
    _count_rows(result)


# --------------------------------------------------------------------------- the cultures


def _ci_text(row: pd.Series | Mapping[str, Any]) -> str:
    return (
        f"{float(row['rate_pct']):.1f}%, {INVITRO_CI} {float(row['ci_low_pct']):.1f} to "
        f"{float(row['ci_high_pct']):.1f}%"
    )


def is_reconstruction(cohort: Cohort) -> bool:
    """True when ``cohort`` holds the bundled reconstruction (by content where the cohort says so).

    Uses the cohort's own ``reconstructed`` flag when it has one, else compares its folder
    with the bundled cohort's.
    """
    flag = getattr(cohort, "reconstructed", None)
    if flag is not None:
        return bool(flag)
    try:
        return cohort.path.resolve() == BUNDLED_COHORT.resolve()
    except OSError:
        return False


def _classify(
    result: LiteratureChapter,
    cohort: Cohort,
    drug: str,
    threshold: float,
    concentration: float | None,
) -> str | None:
    """Classify the cultures; return why they cannot be, or None."""
    if drug not in set(cohort.viability["drug"]):
        drugs = ", ".join(clip(d, 40) for d in sorted(cohort.viability["drug"].unique()))
        return (
            f"the drug parameter names {clip(drug, 40)}, which has no viability "
            f"measurement in this cohort (drugs measured: {drugs})"
        )
    try:
        table = inhibition_table(cohort.viability, [drug], concentration)
    except ValueError as err:
        return f"the cultures' response to {clip(drug, 40)} cannot be classified: {clip(err, 160)}"
    # the same steps as netcomp.stats.response.responder_classes, keeping the inhibition for the
    # exercise that moves the threshold
    result.inhibition = table.set_index("culture_id")["inhibition_pct"].sort_index()
    result.classes = classify(result.inhibition, threshold)
    return None


def _invitro_not_classified(result: LiteratureChapter, why_not: str) -> None:
    """The notices, and "not applicable" for every value, when the cultures cannot be classified."""
    v = result.values
    result.notice(
        SECTION_INVITRO,
        why_not,
        "set the drug parameter to a drug measured in every culture at a shared "
        "concentration (for TALENT's comparison: lenvatinib)",
    )
    result.notice(SECTION_EX1, why_not, "classify the cultures first (see above)")
    for key in ("events", "n", "rate", "low", "high"):
        v[f"lit_vitro_{key}"] = NOT_APPLICABLE
    v["lit_vitro_sentence"] = (
        f"This build cannot classify the cultures: {why_not}. TALENT's objective response "
        f"rate was {v['lit_orr_total']:.1f}%."
    )


def _invitro_rate(drug: str, vitro: pd.Series, bundled: bool) -> str:
    """The cultures' response rate in words (in the reconstruction: what it cannot show)."""
    k, n = int(vitro["events"]), int(vitro["n"])
    if bundled:
        return (
            f"In the reconstruction, {k} of {n} cultures count as responders to "
            f"{clip(drug, 40)} ({_ci_text(vitro)}). The reconstruction was built to "
            "reproduce the study's published counts, so this rate restates the publication "
            "rather than measuring anything; the study's per-culture measurements would be "
            "needed for the cultures' own rate"
        )
    return f"{k} of {n} cultures responded to {clip(drug, 40)} ({_ci_text(vitro)})"


def _invitro_comparison(
    result: LiteratureChapter, table: pd.DataFrame, drug: str, threshold: float, rate: str
) -> None:
    """The cultures' rate beside TALENT's, or the notice why the two cannot be set side by side."""
    v = result.values
    talent_total = v["lit_orr_total"]
    vitro, talent_ci = table.iloc[0], table.iloc[-1]
    k, n = int(vitro["events"]), int(vitro["n"])
    if drug != TALENT_DRUG:
        result.notice(
            SECTION_INVITRO,
            f"this build classifies the cultures' response to {clip(drug, 40)}, another drug "
            "under study, while TALENT tested lenvatinib, so TALENT's response rates are no "
            "benchmark for it",
            "set the drug parameter to lenvatinib (with lenvatinib measured in the cohort)",
        )
        v["lit_vitro_sentence"] = (
            f"{rate}. This is another drug under study, not TALENT's lenvatinib, so TALENT's "
            f"objective response rate of {talent_total:.1f}% is no benchmark for it, and the "
            "comparison table is left out."
        )
    elif k in (0, n):
        which = "responders" if k == n else "non-responders"
        result.notice(
            SECTION_INVITRO,
            f"all {n} cultures are {which} at the {threshold:g}% threshold, so the cultures' "
            f"rate ({100 * k / n:.0f}%) separates no sensitive from resistant tumours and "
            "sets nothing beside a clinical response rate",
            "use a cohort with both responders and non-responders, or move the "
            "response_threshold_pct parameter",
        )
        v["lit_vitro_sentence"] = (
            f"{rate}: every culture falls in one class, so the comparison with TALENT's "
            f"{talent_total:.1f}% is left out."
        )
    else:
        talent_text = (
            f"{talent_total:.1f}% of TALENT's patients (95% CI "
            f"{float(talent_ci['ci_low_pct']):.1f} to {float(talent_ci['ci_high_pct']):.1f}%, "
            f"{lit.INTERVAL_METHODS[CI_METHOD]}, as published)"
        )
        wide = (
            " With so few cultures the interval is wide."
            if float(vitro["ci_high_pct"]) - float(vitro["ci_low_pct"]) > 30
            else ""
        )
        result.invitro = table
        result.tables["invitro_vs_talent"] = table
        v["lit_vitro_sentence"] = (
            f"{rate}. Beside it: an objective response in {talent_text}.{wide}"
        )


def _invitro(result: LiteratureChapter, cohort: Cohort, p: Mapping[str, Any]) -> None:
    """The cultures' response rate with its interval, beside TALENT's clinical one."""
    v = result.values
    drug, threshold = str(p["drug"]), check_threshold(p["response_threshold_pct"])
    v["lit_drug"] = clip(drug, 40)
    v["lit_threshold"] = float(threshold)
    bundled = is_reconstruction(cohort)
    v["lit_vitro_data"] = "the reconstruction" if bundled else "this build's cohort"
    population = (
        "primary cultures (reconstructed cohort)"
        if bundled
        else "primary cultures (this build's cohort)"
    )
    why_not = _classify(result, cohort, drug, threshold, p["concentration_um"])
    if why_not is not None:
        _invitro_not_classified(result, why_not)
        return
    classes = result.classes
    assert classes is not None
    table = lit.invitro_vs_talent(
        classes, result.talent, threshold, method=INVITRO_METHOD, population=population
    )
    vitro = table.iloc[0]
    v.update(
        lit_vitro_events=int(vitro["events"]),
        lit_vitro_n=int(vitro["n"]),
        lit_vitro_rate=float(vitro["rate_pct"]),
        lit_vitro_low=float(vitro["ci_low_pct"]),
        lit_vitro_high=float(vitro["ci_high_pct"]),
    )
    _invitro_comparison(result, table, drug, threshold, _invitro_rate(drug, vitro, bundled))


def _exercise_thresholds(result: LiteratureChapter, p: Mapping[str, Any]) -> None:
    v, classes, inhibition = result.values, result.classes, result.inhibition
    base = float(p["response_threshold_pct"])
    thresholds = [(step, min(100.0, base + step)) for step in THRESHOLD_STEPS]
    v["ex_lit1_threshold_plus5"] = thresholds[1][1]
    v["ex_lit1_threshold_plus10"] = thresholds[2][1]
    if classes is None or inhibition is None:
        for step, _ in thresholds:
            v[f"ex_lit1_changed_plus{step}"] = NOT_APPLICABLE
            v[f"ex_lit1_events_plus{step}"] = NOT_APPLICABLE
            for column in ("rate_pct", "ci_low_pct", "ci_high_pct"):
                v[f"ex_lit1_{column}_plus{step}"] = NOT_APPLICABLE
        v["ex_lit1_sentence"] = "The cultures could not be classified in this build."
        return
    rows = []
    for step, threshold in thresholds:
        new = classify(inhibition, threshold)
        side = lit.invitro_vs_talent(new, result.talent, threshold, method=INVITRO_METHOD)
        switched = [clip(c, 40) for c in new.index[new != classes]]
        shown = ", ".join(switched[:30]) + (
            f" and {len(switched) - 30} more" if len(switched) > 30 else ""
        )
        first = side.iloc[0]
        rows.append(
            {
                "threshold (%)": threshold,
                "responders": int(first["events"]),
                "cultures": int(first["n"]),
                "rate (%)": float(first["rate_pct"]),
                "exact (Clopper-Pearson) 95% CI low (%)": float(first["ci_low_pct"]),
                "exact (Clopper-Pearson) 95% CI high (%)": float(first["ci_high_pct"]),
                "changed class": shown or "none",
                "TALENT total ORR (%)": float(side["rate_pct"].iloc[-1]),
            }
        )
        v[f"ex_lit1_changed_plus{step}"] = shown or "none"
        v[f"ex_lit1_events_plus{step}"] = int(first["events"])
        for column in ("rate_pct", "ci_low_pct", "ci_high_pct"):
            v[f"ex_lit1_{column}_plus{step}"] = float(first[column])
    result.threshold_rows = pd.DataFrame(rows)
    last = rows[-1]
    where = " in the reconstruction" if v.get("lit_vitro_data") == "the reconstruction" else ""
    v["ex_lit1_sentence"] = (
        f"At {last['threshold (%)']:g}%{where}, {last['responders']} of {last['cultures']} "
        "cultures "
        f"are responders ({last['rate (%)']:.1f}%, {INVITRO_CI} "
        f"{last['exact (Clopper-Pearson) 95% CI low (%)']:.1f} to "
        f"{last['exact (Clopper-Pearson) 95% CI high (%)']:.1f}%)."
    )


def _exercise_methods(result: LiteratureChapter) -> None:
    v = result.values
    talent_orr = _endpoint_row(result.endpoint_counts, "ORR", "total")
    populations = [("TALENT total", "talent", int(talent_orr["events"]), int(talent_orr["n"]))]
    if result.classes is not None:
        k, n = int(result.classes.sum()), int(result.classes.size)
        populations.insert(0, ("primary cultures", "vitro", k, n))
    rows = []
    for population, _, k, n in populations:
        for method, label in lit.INTERVAL_METHODS.items():
            low, high = lit.proportion_ci(k, n, method)
            rows.append(
                {
                    "population": population,
                    "events": k,
                    "n": n,
                    "method": label,
                    "low (%)": 100 * low,
                    "high (%)": 100 * high,
                    "width (points)": 100 * (high - low),
                }
            )
    table = pd.DataFrame(rows)
    result.method_table = table
    for population, key, _, _ in populations:
        part = table[table["population"] == population]
        v[f"ex_lit3_low_spread_{key}"] = float(part["low (%)"].max() - part["low (%)"].min())
        v[f"ex_lit3_width_min_{key}"] = float(part["width (points)"].min())
        v[f"ex_lit3_width_max_{key}"] = float(part["width (points)"].max())
        widest = int(np.argmax(part["width (points)"].to_numpy(dtype=float)))
        v[f"ex_lit3_widest_{key}"] = str(part["method"].iloc[widest])
    if result.classes is None:
        result.notice(
            SECTION_EX3,
            "the cultures could not be classified in this build",
            "classify the cultures first (see the comparison above)",
        )
        for name in ("low_spread", "width_min", "width_max", "widest"):
            v[f"ex_lit3_{name}_vitro"] = NOT_APPLICABLE
        v["ex_lit3_vitro_sentence"] = (
            "This build has no responder rate of the cultures, so "
            "only TALENT's intervals are computed."
        )
        return
    whose = "the reconstruction's" if v.get("lit_vitro_data") == "the reconstruction" else "the"
    v["ex_lit3_vitro_sentence"] = (
        f"For {whose} {int(result.classes.size)} cultures the four lower bounds span "
        f"{v['ex_lit3_low_spread_vitro']:.1f} percentage points and the widths run from "
        f"{v['ex_lit3_width_min_vitro']:.1f} to {v['ex_lit3_width_max_vitro']:.1f} points "
        f"(widest: {v['ex_lit3_widest_vitro']})."
    )


# --------------------------------------------------------------------------- entry point


_LITERATURE_CACHE: dict[tuple[Any, ...], LiteratureChapter] = {}


def literature_part(literature_dir: str | Path | None = None) -> LiteratureChapter:
    """The chapter's sections that depend on the literature files only (not on the cohort).

    Computed once per content of the literature folder and handed out as a deep copy.
    """
    folder = Path(literature_dir) if literature_dir is not None else lit.LITERATURE_DIR
    seeds = lit.SEEDS_DIR
    key = (str(folder.resolve()), _stamp(folder), _stamp(seeds) if seeds.is_dir() else ())
    if key not in _LITERATURE_CACHE:
        result = LiteratureChapter(chapter=CHAPTER)
        result.talent = lit.load_talent(folder / "talent.csv")
        result.trials = lit.load_trials(folder / "trials.csv")
        result.locator_check = locator_check(folder)
        result.values.update(
            lit_n_trials=int(len(result.trials)),
            lit_n_talent_rows=int(len(result.talent)),
            lit_locator_status=locator_status(result.locator_check),
            lit_locator_window=lit.LOCATOR_WINDOW,
            lit_n_methods=len(lit.INTERVAL_METHODS),
        )
        _talent_values(result)
        _trial_values(result)
        _LITERATURE_CACHE[key] = result
    return copy.deepcopy(_LITERATURE_CACHE[key])


def compute(
    cohort: Cohort,
    params: Mapping[str, Any] | None = None,
    literature_dir: str | Path | None = None,
) -> LiteratureChapter:
    """Everything chapter 4 shows, from the literature files and ``cohort``'s responder rate.

    ``literature_dir`` defaults to the bundled ``data/literature``; the literature
    sections depend on it only, the comparison with the cultures on ``cohort`` and the
    ``drug``, ``response_threshold_pct`` and ``concentration_um`` parameters.
    """
    p = chapter_params(params)
    result = literature_part(literature_dir)
    mark_published(result)  # TALENT and the trials: never stamped as reconstructed data
    _invitro(result, cohort, p)
    _exercise_thresholds(result, p)
    _exercise_methods(result)
    return result
