"""Chapter 6, "Does the finding replicate?": the cohort's gene table against the published ones.

:func:`compute` classifies the cultures and marks the gene's overexpression exactly as the
biomarker chapter does (:func:`netcomp.chapters.association.classify_cohort`,
:func:`netcomp.stats.association.fold_change_by_class`), then sets the cohort's 2x2 table beside
the published version(s) chosen by ``replication_version`` with the statistics of
:mod:`netcomp.stats.replication`. Sections that cannot run (drug other than lenvatinib, gene not
measured, an empty class) get notices; the sample-size section always runs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netcomp.chapters.association import classify_cohort
from netcomp.chapters.base import ChapterResult, chapter_params
from netcomp.chapters.response import is_reconstruction
from netcomp.data.cohort import Cohort
from netcomp.stats import association, response
from netcomp.stats import replication as rep
from netcomp.stats import smallsample as ss
from netcomp.stats.published import CONFERENCE_2022, JOURNAL_2023, VERSIONS, PublishedVersion
from netcomp.text.wording import plural

CHAPTER = "06_replication"
#: The drug of the published counts.
PUBLISHED_DRUG = "lenvatinib"
#: Section names (the notebook shows each section's notices under its heading).
S_TABLE = "The cohort's table"
S_SIDE = "Side by side (the cohort's row)"
S_COMBINED = "The studies combined"
S_MEASURES = "Replication measures"
S_BAYES = "A Bayesian view"
S_VERDICT = "The verdict"
DEPENDENT = (S_TABLE, S_SIDE, S_COMBINED, S_MEASURES, S_BAYES, S_VERDICT)
NOT_APPLICABLE = "not applicable"
#: Monte Carlo draws of each posterior difference (the interval; the mean and P(> 0) are exact).
POSTERIOR_DRAWS = 100_000
VERSION_CHOICES: dict[str, tuple[PublishedVersion, ...]] = {
    "journal": (JOURNAL_2023,),
    "conference": (CONFERENCE_2022,),
    "both": (CONFERENCE_2022, JOURNAL_2023),
}
NOT_A_REPLICATION = "not a replication (the reconstruction of the original study)"


@dataclass
class ReplicationChapter(ChapterResult):
    """Everything the replication chapter shows; ``None`` where a section does not apply."""

    params: dict[str, Any] = field(default_factory=dict)
    reconstruction: bool = False
    versions: tuple[PublishedVersion, ...] = ()
    counts: ss.TwoByTwo | None = None
    side: pd.DataFrame | None = None
    combined: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    priors: pd.DataFrame | None = None
    posteriors: list[rep.BetaDifference] = field(default_factory=list)
    prior_pairs: list[tuple[rep.BetaPrior, rep.BetaPrior]] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)
    plan: ss.PowerPlan | None = None


def version_table(version: PublishedVersion) -> ss.TwoByTwo:
    """A published version's counts as a :class:`~netcomp.stats.smallsample.TwoByTwo`."""
    return ss.TwoByTwo(
        version.responders_high,
        version.n_responders,
        version.nonresponders_high,
        version.n_nonresponders,
    )


def _or_text(estimate: float, low: float, high: float) -> str:
    def f(v: float) -> str:
        if math.isnan(v):
            return "undefined"
        return "∞" if math.isinf(v) else f"{v:.2f}"

    if math.isnan(low) and math.isnan(high):
        return f"{f(estimate)} (interval undefined)"
    return f"{f(estimate)} ({f(low)} to {f(high)})"


def _p(value: float) -> str:
    if math.isnan(value):
        return NOT_APPLICABLE
    return f"{value:.3f}" if value >= 0.001 else f"{value:.2g}"


# --------------------------------------------------------------------------- the cohort's table


def _block(res: ReplicationChapter, reason: str, remedy: str) -> None:
    """A notice for every section that needs the cohort's table, and the table's sentence."""
    for section in DEPENDENT:
        res.notice(section, reason, remedy)
    res.values["rep_table_sentence"] = (
        f"The cohort's table of {res.params['replication_gene']} overexpression by response "
        "cannot be compared with the published counts (see the "
        "note above)."
    )


def _classes(res: ReplicationChapter, cohort: Cohort) -> pd.Series | None:
    """The cultures' response classes at the book's concentration (None, with notices, if not)."""
    p = res.params
    drug, thr = p["drug"], float(p["response_threshold_pct"])
    conc = p["concentration_um"]
    if conc is None and drug in cohort.drugs:
        try:
            conc = response.default_concentration(cohort.viability, drug)
        except ValueError:
            pass  # classify_cohort reports why
    classes, why = classify_cohort(cohort, drug, thr, conc)
    if classes is None:
        _block(
            res,
            f"the cultures could not be sorted into response classes: {why}",
            "choose another response_threshold_pct or concentration_um, or add cultures",
        )
    return classes


def _cohort_table(res: ReplicationChapter, cohort: Cohort) -> None:
    """Classify the cultures (as the biomarker chapter does), count the gene's overexpression
    by class."""
    p, v = res.params, res.values
    drug, gene = p["drug"], p["replication_gene"]
    thr, cutoff = float(p["response_threshold_pct"]), float(p["overexpression_fold_change"])
    if drug != PUBLISHED_DRUG:
        _block(
            res,
            f"the book's drug is {drug}, while the published counts are responses to "
            f"{PUBLISHED_DRUG}: a table for another drug tests another hypothesis, not the "
            "published one",
            f"set the drug parameter to {PUBLISHED_DRUG} (the cohort must have measured it)",
        )
        return
    classes = _classes(res, cohort)
    if classes is None:
        return
    expression = cohort.expression_matrix()
    try:
        by_class = association.fold_change_by_class(expression, classes, gene, cutoff)
    except association.AssociationError as err:
        _block(
            res,
            f"{err}",
            "set replication_gene to a measured gene, or add its fold changes to expression.csv",
        )
        return
    resp = by_class["responder"].to_numpy(bool)
    over = by_class["overexpressed"].to_numpy(bool)
    counts = ss.TwoByTwo(
        int((over & resp).sum()), int(resp.sum()), int((over & ~resp).sum()), int((~resp).sum())
    )
    if counts.n1 == 0 or counts.n2 == 0:
        missing = "responder" if counts.n1 == 0 else "non-responder"
        _block(
            res,
            f"no culture with a measured {gene} fold change is a {missing} at a {thr:g}% "
            f"threshold ({plural(counts.n1, 'responder')}, "
            f"{plural(counts.n2, 'non-responder')}), so there "
            "is no table of two classes",
            "choose another response_threshold_pct, or add cultures of the missing class",
        )
        return
    res.counts = counts
    res.tables["counts"] = ss.counts_frame(counts, f"{gene} overexpressed")
    v["rep_table_sentence"] = (
        f"In this cohort {counts.x1} of {counts.n1} responders and {counts.x2} of "
        f"{counts.n2} non-responders to {drug} overexpress {gene} (fold change at or above "
        f"{cutoff:g}; a responder's survival inhibition is above {thr:g}%)."
    )


# --------------------------------------------------------------------------- sections


def _side_section(res: ReplicationChapter) -> None:
    conf = float(res.params["confidence"])
    studies = [(ver.label, version_table(ver)) for ver in res.versions]
    if res.counts is not None:
        studies.append(("This cohort", res.counts))
    side = rep.side_by_side(studies, conf)
    res.side = side
    res.tables["side_by_side"] = side
    res.values["rep_side_sentence"] = (
        f"The published version{'s' if len(res.versions) > 1 else ''} "
        + ("and this cohort " if res.counts is not None else "")
        + "are shown with the exact conditional odds ratio (its interval inverts Fisher's "
        f"one-sided tests, {100 * conf:g}% overall) and the risk difference in the share "
        "overexpressing the gene, responders minus non-responders, with Newcombe's hybrid "
        "score interval."
    )


def display_side(side: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """The side-by-side table with reader-facing columns (odds ratio and interval as text)."""
    level = f"{100 * confidence:g}%"
    return pd.DataFrame(
        {
            "Study": side["study"],
            "Overexpressed: responders vs non-responders": side["counts"],
            f"Odds ratio, conditional exact ({level} CI)": [
                _or_text(e, lo, hi)
                for e, lo, hi in zip(
                    side["odds_ratio"], side["or_low"], side["or_high"], strict=True
                )
            ],
            f"Risk difference, Newcombe ({level} CI)": [
                f"{100 * e:.0f} points ({100 * lo:.0f} to {100 * hi:.0f})"
                for e, lo, hi in zip(
                    side["risk_difference"], side["rd_low"], side["rd_high"], strict=True
                )
            ],
        }
    )


def _combined_section(res: ReplicationChapter) -> None:
    if res.counts is None:
        return
    conf = float(res.params["confidence"])
    rows = []
    for ver in res.versions:
        strata = [version_table(ver), res.counts]
        mh = rep.mantel_haenszel(strata, conf)
        ex = rep.exact_stratified(strata, conf)
        rows.append(
            {
                "version": ver.label,
                "mh_or": mh.estimate,
                "mh_low": mh.low,
                "mh_high": mh.high,
                "exact_or": ex.estimate,
                "exact_low": ex.low,
                "exact_high": ex.high,
                "p_exact_two_sided": ex.p_two_sided,
                "p_exact_greater": ex.p_greater,
                "p_cmh": mh.p_cmh,
                "p_breslow_day": mh.p_breslow_day,
                "p_zelen": rep.zelen_exact(strata),
            }
        )
    res.combined = pd.DataFrame(rows)
    res.tables["combined"] = res.combined
    first = res.combined.iloc[-1]
    res.values["rep_combined_sentence"] = (
        f"Taking the {first['version'].lower()} and this cohort as two strata, the exact "
        "conditional common odds ratio is "
        f"{_or_text(first['exact_or'], first['exact_low'], first['exact_high'])} "
        f"with exact two-sided p = {_p(first['p_exact_two_sided'])}; the Mantel-Haenszel "
        f"estimate is {_or_text(first['mh_or'], first['mh_low'], first['mh_high'])}. Zelen's "
        f"exact test of one common odds ratio gives p = {_p(first['p_zelen'])} (Breslow-Day, "
        f"an approximation unreliable with counts this small: p = "
        f"{_p(first['p_breslow_day'])})."
    )


def display_combined(combined: pd.DataFrame) -> pd.DataFrame:
    """The combined analyses with reader-facing columns."""
    return pd.DataFrame(
        {
            "Published version + this cohort": combined["version"],
            "Mantel-Haenszel OR (CI)": [
                _or_text(*r)
                for r in combined[["mh_or", "mh_low", "mh_high"]].itertuples(index=False)
            ],
            "Exact conditional common OR (CI)": [
                _or_text(*r)
                for r in combined[["exact_or", "exact_low", "exact_high"]].itertuples(index=False)
            ],
            "p, exact stratified, two-sided": combined["p_exact_two_sided"],
            "p, exact stratified, one-sided (greater)": combined["p_exact_greater"],
            "p, Cochran-Mantel-Haenszel (corrected)": combined["p_cmh"],
            "p, homogeneity: Zelen exact": combined["p_zelen"],
            "p, homogeneity: Breslow-Day (Tarone)": combined["p_breslow_day"],
        }
    )


def _measures_sentence(last: pd.Series, conf: float) -> str:
    """The replication measures against one published version, in words."""
    haldane = (
        "; 0.5 was added to every cell of "
        + " and of ".join(
            w
            for w, f in (
                ("the published table", last["haldane_original"]),
                ("the cohort's table", last["haldane_cohort"]),
            )
            if f
        )
        + " because it has a zero cell (Haldane's correction), so the log odds ratio "
        "is finite"
        if last["haldane_original"] or last["haldane_cohort"]
        else ""
    )
    return (
        f"Against the {last['version'].lower()}: the cohort's log odds ratio is "
        f"{last['log_or_cohort']:.2f} (standard error {last['se_cohort']:.2f}), the "
        f"published one {last['log_or_original']:.2f} ({last['se_original']:.2f}){haldane}. "
        f"The {100 * conf:g}% prediction interval for the cohort's log odds ratio runs from "
        f"{last['pi_low']:.2f} to {last['pi_high']:.2f} (odds ratio "
        f"{math.exp(last['pi_low']):.2f} to {math.exp(last['pi_high']):.1f}); the cohort's "
        f"value lies {'inside' if last['inside'] else 'outside'} it. The sceptical p-value "
        f"is {_p(last['p_sceptical'])} (one-sided); no replication, however large, can bring "
        f"it below the published table's own one-sided p-value on the same (normal) scale, "
        f"{_p(last['p_sceptical_limit'])}."
    )


def _measures_section(res: ReplicationChapter) -> None:
    """Prediction interval, sceptical p-value and verdict against every published version."""
    if res.counts is None:
        return
    conf = float(res.params["confidence"])
    lr, sr, cr = rep.log_or_se(res.counts)
    or_r = ss.exact_odds_ratio(res.counts, conf)
    rows = []
    for ver in res.versions:
        lo, so, co = rep.log_or_se(version_table(ver))
        sc = rep.sceptical_p(lo, so, lr, sr)
        pi = rep.prediction_interval(lo, so, sr, conf)
        word = rep.verdict(lr, pi, or_r.low)
        res.verdicts[ver.label] = NOT_A_REPLICATION if res.reconstruction else word
        rows.append(
            {
                "version": ver.label,
                "log_or_original": lo,
                "se_original": so,
                "haldane_original": co,
                "log_or_cohort": lr,
                "se_cohort": sr,
                "haldane_cohort": cr,
                "pi_low": pi[0],
                "pi_high": pi[1],
                "inside": pi[0] <= lr <= pi[1],
                "cohort_or_low": or_r.low,
                "z_original": sc.z_original,
                "z_cohort": sc.z_replication,
                "variance_ratio": sc.variance_ratio,
                "p_sceptical": sc.p_sceptical,
                "p_sceptical_limit": sc.p_limit,
                "rule_verdict": word,
                "verdict": res.verdicts[ver.label],
            }
        )
    res.measures = pd.DataFrame(rows)
    res.tables["measures"] = res.measures
    res.tables["verdicts"] = verdict_table(res.counts, conf, res.reconstruction)
    res.values["rep_measures_sentence"] = _measures_sentence(res.measures.iloc[-1], conf)


def verdict_table(counts: ss.TwoByTwo, confidence: float, reconstruction: bool) -> pd.DataFrame:
    """The verdict against every published version, with its numbers (for the ledger).

    Columns ``version_key, version, verdict, rule_verdict, detail``; ``verdict`` is
    :data:`NOT_A_REPLICATION` on the reconstruction.
    """
    lr, sr, _ = rep.log_or_se(counts)
    or_r = ss.exact_odds_ratio(counts, confidence)
    rows = []
    for ver in VERSIONS:
        lo, so, _ = rep.log_or_se(version_table(ver))
        pi = rep.prediction_interval(lo, so, sr, confidence)
        word = rep.verdict(lr, pi, or_r.low)
        sc = rep.sceptical_p(lo, so, lr, sr)
        rows.append(
            {
                "version_key": ver.key,
                "version": ver.label,
                "verdict": NOT_A_REPLICATION if reconstruction else word,
                "rule_verdict": word,
                "detail": (
                    f"this cohort {counts.detail} against {ver.counts_text()}: log odds "
                    f"ratio {lr:.2f}, {100 * confidence:g}% prediction interval "
                    f"{pi[0]:.2f} to {pi[1]:.2f}; exact OR interval from "
                    f"{or_r.low:.2f}; sceptical p {sc.p_sceptical:.3f}"
                ),
            }
        )
    return pd.DataFrame(rows)


def display_measures(measures: pd.DataFrame) -> pd.DataFrame:
    """Replication measures with reader-facing columns."""
    return pd.DataFrame(
        {
            "Published version": measures["version"],
            "log OR published (SE)": [
                f"{a:.2f} ({b:.2f})"
                for a, b in zip(measures["log_or_original"], measures["se_original"], strict=True)
            ],
            "log OR cohort (SE)": [
                f"{a:.2f} ({b:.2f})"
                for a, b in zip(measures["log_or_cohort"], measures["se_cohort"], strict=True)
            ],
            "Prediction interval (log OR)": [
                f"{a:.2f} to {b:.2f}"
                for a, b in zip(measures["pi_low"], measures["pi_high"], strict=True)
            ],
            "Cohort inside?": np.where(measures["inside"], "yes", "no"),
            "Cohort's exact CI above 1?": np.where(measures["cohort_or_low"] > 1, "yes", "no"),
            "Sceptical p (one-sided)": measures["p_sceptical"],
            "Smallest sceptical p possible": measures["p_sceptical_limit"],
            "Verdict by the rule": measures["rule_verdict"],
        }
    )


def _bayes_section(res: ReplicationChapter, rng: np.random.Generator) -> None:
    if res.counts is None:
        return
    p = res.params
    conf, strength = float(p["confidence"]), float(p["prior_strength"])
    sets = [("flat prior", rep.flat_prior(), rep.flat_prior())]
    for ver in res.versions:
        sets.append(
            (
                f"{ver.label} as prior",
                rep.published_prior(ver.responders_high, ver.n_responders, strength),
                rep.published_prior(ver.nonresponders_high, ver.n_nonresponders, strength),
            )
        )
    prior_rows, post = [], []
    for label, pr, pn in sets:
        d = rep.beta_difference(res.counts, pr, pn, label, rng, POSTERIOR_DRAWS, conf)
        post.append(d)
        for cls, prior, (a, b) in (
            ("responders", pr, d.post_responders),
            ("non-responders", pn, d.post_nonresponders),
        ):
            prior_rows.append(
                {
                    "prior": label,
                    "class": cls,
                    "prior_beta": f"Beta({prior.a:g}, {prior.b:g})",
                    "prior_mean": prior.a / (prior.a + prior.b),
                    "posterior_beta": f"Beta({a:g}, {b:g})",
                    "posterior_mean": a / (a + b),
                }
            )
    res.posteriors = post
    res.prior_pairs = [(pr, pn) for _, pr, pn in sets]
    res.priors = pd.DataFrame(prior_rows)
    res.tables["priors"] = res.priors
    res.tables["posteriors"] = posterior_table(post)
    flat, last = post[0], post[-1]
    res.values["rep_bayes_sentence"] = (
        f"With the flat prior the difference in the share overexpressing the gene "
        f"(responders minus non-responders) has posterior mean {100 * flat.mean:.0f} points "
        f"({100 * conf:g}% credible interval {100 * flat.low:.0f} to {100 * flat.high:.0f}), "
        f"and the probability that it is positive is {flat.p_positive:.3f}. With the "
        f"{last.label.replace(' as prior', '').lower()} as prior (each published culture "
        f"weighted {strength:g}) the mean is {100 * last.mean:.0f} points "
        f"({100 * last.low:.0f} to {100 * last.high:.0f}), positive with probability "
        f"{last.p_positive:.3f}."
    )


def posterior_table(post: list[rep.BetaDifference]) -> pd.DataFrame:
    """One row per prior: posterior mean, credible interval, P(difference > 0)."""
    return pd.DataFrame(
        {
            "prior": [d.label for d in post],
            "mean_difference": [d.mean for d in post],
            "low": [d.low for d in post],
            "high": [d.high for d in post],
            "p_positive": [d.p_positive for d in post],
        }
    )


def _verdict_section(res: ReplicationChapter) -> None:
    v = res.values
    v["rep_rule"] = rep.VERDICT_RULE
    if res.counts is None:
        v["rep_verdict"] = NOT_APPLICABLE
        v["rep_verdict_sentence"] = (
            "No verdict: the cohort's table cannot be compared with "
            "the published counts (see the notes above)."
        )
        return
    measures = res.measures
    assert measures is not None  # computed with the cohort's table
    parts = [
        f"against the {str(label).lower()}: “{word}”"
        for label, word in zip(measures["version"], measures["rule_verdict"], strict=True)
    ]
    v["rep_verdict"] = res.verdicts[res.versions[-1].label]
    if res.reconstruction:
        v["rep_verdict_sentence"] = (
            "This cohort is the bundled reconstruction of the original study, not a new "
            "cohort: comparing a study with itself says nothing about replication, so there "
            "is no verdict. Applied mechanically, the rule would give "
            + "; ".join(parts)
            + ". Rerun the book with your own cohort to get a real one."
        )
    else:
        v["rep_verdict_sentence"] = "Verdict " + "; ".join(parts) + "."


def _size_section(res: ReplicationChapter) -> None:
    """How large a new cohort must be for its exact CI to exclude 1 (the power engine)."""
    p, v = res.params, res.values
    conf = float(p["confidence"])
    tail = (1 - conf) / 2
    a = dataclasses.replace(ss.PowerAssumptions.from_params(p), alpha=tail)
    cohort = None if res.counts is None else (res.counts.n1, res.counts.n2)
    plan = ss.plan_power(a, cohort, alternatives=("greater",))
    res.plan = plan
    res.tables["sizes"] = plan.sizes

    def needed(scenario: str) -> str:
        first, _ = plan.needed(scenario, "greater")
        return f"more than {a.max_n}" if first is None else str(first)

    v["rep_n_planning"] = needed(ss.PLANNING)
    v["rep_n_cautious"] = needed(ss.CAUTIOUS)
    v["rep_tail"] = round(tail, 10)
    own = ""
    if plan.cohort_power and cohort is not None:
        own = (
            f" A cohort of this one's design ({cohort[0]} responders, {cohort[1]} "
            f"non-responders) would get there with probability "
            f"{100 * plan.cohort_power['greater']:.0f}% under the planning effect."
        )
    v["rep_size_sentence"] = (
        f"A new cohort's exact {100 * conf:g}% interval lies above 1 exactly when Fisher's "
        f"one-sided test (feature commoner among responders) gives p ≤ {v['rep_tail']:g}. To "
        f"get there with probability {100 * a.target:g}%, a responder-balanced cohort needs "
        f"{v['rep_n_planning']} cultures if {100 * a.rate_responders:.1f}% of responders and "
        f"{100 * a.rate_nonresponders:.1f}% of non-responders overexpress the gene (the "
        f"planning effect), or {v['rep_n_cautious']} under the cautious effect "
        f"({100 * a.cautious_rate_responders:.1f}% and "
        f"{100 * a.cautious_rate_nonresponders:.1f}%).{own}"
    )


# --------------------------------------------------------------------------- compute


def compute(cohort: Cohort, params: Mapping[str, Any] | None = None) -> ReplicationChapter:
    """Every table, figure input, number and sentence of the replication chapter.

    Never raises for a cohort that passed validation: sections that do not apply get a
    notice. Monte Carlo draws use the ``seed`` parameter, so a rebuild gives the same numbers.
    """
    p = chapter_params(params)
    res = ReplicationChapter(
        chapter=CHAPTER,
        params=p,
        reconstruction=is_reconstruction(cohort),
        versions=VERSION_CHOICES[p["replication_version"]],
    )
    v = res.values
    v.update(
        {
            "rep_gene": p["replication_gene"],
            "rep_drug": p["drug"],
            "rep_prior_strength": float(p["prior_strength"]),
            "rep_confidence_pct": 100 * float(p["confidence"]),
            "rep_versions": " and ".join(ver.label.lower() for ver in res.versions),
        }
    )
    v["rep_status_sentence"] = (
        "The cohort this book was built with is the bundled reconstruction of the original "
        "study (synthetic values that satisfy its published counts), so every comparison below "
        "compares the study with itself: it illustrates the methods, and no verdict is given."
        if res.reconstruction
        else "The cohort this book was built with is not the bundled reconstruction: it is treated "
        "as a new cohort, a replication attempt."
    )
    rng = np.random.default_rng(p["seed"])
    _cohort_table(res, cohort)
    _side_section(res)
    _combined_section(res)
    _measures_section(res)
    _bayes_section(res, rng)
    _verdict_section(res)
    _size_section(res)
    for key in (
        "rep_table_sentence",
        "rep_combined_sentence",
        "rep_measures_sentence",
        "rep_bayes_sentence",
    ):
        v.setdefault(key, "Not applicable to this cohort (see the note above).")
    return res
