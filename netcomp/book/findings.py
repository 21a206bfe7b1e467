"""Key findings: the three to five plain sentences that open the front page and each chapter.

Each chapter has a pure function from its computed result to its key findings
(:func:`data_import_findings`, ..., :func:`replication_findings`; :func:`key_findings`
picks the right one), and :func:`front_page_findings` reads the results files a build
writes (``results/*.csv`` and ``results/ledger.csv``). Every number in a sentence is taken
from the result or recomputed from it, never typed in.

What the sentences say depends on the data:

- on the **bundled reconstruction** they say what is real: what the two published versions
  report, which standard test comes closest to the published p = .048 (none gives it),
  what a cohort of the published size can and cannot show (power, the smallest effect it
  detects), and that the reconstruction's per-culture values are synthetic, so they are
  not findings;
- on **any other cohort** they say what that cohort shows, computed, and never retell the
  study's story (a cohort with a strong *HRAS* effect gets its own p-value, not a "not
  reproduced").

The sentences are plain text without markup, and may hold user-supplied names (a drug, a
gene, a culture id). Show them only through :func:`findings_html` /
:func:`netcomp.book.display.show_findings` (HTML-escaped) or :func:`findings_markdown`
(Markdown-escaped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcomp.stats import published
from netcomp.stats.significance import significant
from netcomp.text.safe_text import clip, html_escape, md_escape
from netcomp.text.wording import plural as _n

#: Title of every key-findings box.
TITLE = "Key findings"
#: Most sentences a box shows.
MAX_FINDINGS = 5
#: Grid step (share of responders) of :func:`smallest_detectable_share`.
SHARE_STEP = 0.001
#: Decimals at which a p-value is compared with the published ".048".
P_DECIMALS = published.MATCH_DECIMALS
#: Plain names of the clinical variables (column names of ``cultures.csv``).
CLINICAL_NAMES = {
    "grade": "WHO grade",
    "site": "site of origin",
    "ki67_pct": "Ki67 index",
    "syndromic": "hormonal syndrome",
}


# --------------------------------------------------------------------------- wording


def _p(value: float, digits: int = 3) -> str:
    """A p-value for a sentence: ``digits`` decimals, or "below 0.001" when that shows 0."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "not computable"
    if 0 < value < 10.0**-digits:
        return f"below {10.0**-digits:.{digits}f}"
    return f"{value:.{digits}f}"


def _p_is(value: float, digits: int = 3) -> str:
    """``"p = 0.061"`` or ``"p below 0.001"``."""
    text = _p(value, digits)
    return f"p {text}" if text.startswith("below") else f"p = {text}"


def _q_is(value: float) -> str:
    """A q-value: ``"q = 0.36"``, or ``"q below 0.01"`` when two decimals would show 0."""
    return f"q = {value:.2f}" if value >= 0.01 else "q below 0.01"


def _pct(value: float) -> str:
    """A percentage with one decimal, ``"23.7%"``."""
    return f"{value:.1f}%"


def _share(value: float) -> str:
    """A planning share (0-1) as a percentage without a useless decimal: ``"66.7%"``, ``"10%"``."""
    text = f"{100 * value:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _ratio(value: float) -> str:
    """An odds ratio or interval end: two decimals, "infinity" when infinite."""
    if math.isinf(value):
        return "infinity"
    return f"{value:.2f}"


def _list(items: Sequence[str]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _version_label(version: published.PublishedVersion) -> str:
    """``"the 2022 conference abstract"``, ``"the 2023 journal article"``."""
    name, year = version.label.rsplit(" (", 1)
    return f"the {year.rstrip(')')} {name.lower()}"


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _notices_sentence(result: Any, skip: Sequence[str] = ()) -> str | None:
    """One sentence naming the sections that do not apply to this cohort (None: all apply)."""
    sections = list(dict.fromkeys(n.section for n in result.notices if n.section not in skip))
    if not sections:
        return None
    shown = sections[:4] + ([f"{len(sections) - 4} more"] if len(sections) > 4 else [])
    return (
        f"{_n(len(sections), 'section')} of this chapter "
        f"{'does' if len(sections) == 1 else 'do'} not apply to this cohort "
        f"({_list(shown)}); a note under each heading says why and how to enable it."
    )


def _reason(result: Any, section: str) -> str | None:
    """The reason recorded for the first notice of ``section`` (None when it applies)."""
    notes = result.notices_for(section)
    return notes[0].reason if notes else None


def _fit(findings: list[str | None]) -> list[str]:
    """The sentences that exist, at most :data:`MAX_FINDINGS`."""
    return [f for f in findings if f][:MAX_FINDINGS]


# --------------------------------------------------------------------------- shared facts


def reconstruction_sentence(n_cultures: int) -> str:
    """What the bundled cohort is, and why its per-culture values are not findings."""
    return (
        f"The bundled cohort is a reconstruction: synthetic values for {n_cultures} "
        "cultures that satisfy the journal article's published aggregates. Its "
        "per-culture values show how the analyses work; they are not findings about the "
        "study's cultures."
    )


def disagreement_sentence(counts: Sequence[tuple[str, int, int, int, int]]) -> str:
    """How published versions differ on HRAS; ``counts`` holds ``(version, responders
    with high HRAS, responders, non-responders with high HRAS, non-responders)``."""
    non = {(c[3], c[4]) for c in counts}
    if len(non) == 1:
        x2, n2 = non.pop()
        parts = [f"{x1} of {n1} responders in {label}" for label, x1, n1, _, _ in counts]
        return (
            "The two published versions disagree on HRAS: high in "
            + ", ".join(parts)
            + f" ({x2} of {n2} non-responders in both)."
        )
    parts = [
        f"{x1} of {n1} responders and {x2} of {n2} non-responders in {label}"
        for label, x1, n1, x2, n2 in counts
    ]
    return "The two published versions disagree on HRAS: high in " + "; ".join(parts) + "."


def versions_sentence(versions: Sequence[published.PublishedVersion] = published.VERSIONS) -> str:
    """How the study's published versions differ on the HRAS counts (computed from them)."""
    text = disagreement_sentence(
        [
            (
                _version_label(v),
                v.responders_high,
                v.n_responders,
                v.nonresponders_high,
                v.n_nonresponders,
            )
            for v in versions
        ]
    )
    stated = [v for v in versions if v.threshold_pct is not None]
    with_p = [v for v in versions if v.reported_p is not None]
    short = {v.key: _version_label(v).split(" ", 2)[-1] for v in versions}  # "journal article"
    if len(stated) == 1:
        text += (
            f" Only the {short[stated[0].key]} states the response threshold "
            f"({stated[0].threshold_pct:g}%)"
        )
        if len(with_p) == 1:
            text += (
                f", only the {short[with_p[0].key]} a p-value "
                f"(p = {str(with_p[0].reported_p).lstrip('0')})"
            )
        text += "."
    return text


def closest_published_test(
    tests: pd.DataFrame, target: float = published.REPORTED_P
) -> tuple[pd.Series, list[pd.Series]]:
    """The test whose p-value lies nearest ``target``, and the others that give the same p."""
    p = tests["p_value"].astype(float)
    best = tests.iloc[int((p - target).abs().to_numpy().argmin())]
    same = [
        row
        for _, row in tests.iterrows()
        if row is not best
        and row.name != best.name
        and math.isclose(float(row["p_value"]), float(best["p_value"]), rel_tol=1e-9)
    ]
    return best, same


def _test_name(row: pd.Series) -> str:
    """``"Fisher exact (one-sided, greater)"``: a test and its sidedness, brackets not nested."""
    sided = str(row["sided"]).replace(" (", ", ").replace(")", "")
    return f"{row['test']} ({sided})"


def not_reproduced_sentence(
    tests: pd.DataFrame, counts: str, target: float = published.REPORTED_P
) -> str:
    """Whether any standard test on the published counts gives the published p (computed).

    ``tests`` has columns ``test, sided, p_value`` (:func:`netcomp.stats.association.count_tests`).
    """
    ps = tests["p_value"].astype(float)
    hits = tests[np.round(ps, P_DECIMALS) == round(target, P_DECIMALS)]
    shown = f"p = {str(target).lstrip('0')}"
    if not hits.empty:
        names = _list([_test_name(r) for _, r in hits.iterrows()])
        return f"The published {shown} is reproduced on the published counts ({counts}) by {names}."
    best, same = closest_published_test(tests, target)
    also = (
        (
            "; "
            + _list([_test_name(r) for r in same])
            + (" gives" if len(same) == 1 else " give")
            + " the same"
        )
        if same
        else ""
    )
    return (
        f"The published {shown} is not reproduced: none of the {len(tests)} standard "
        f"tests on the published counts ({counts}) gives it. The closest is "
        f"{_test_name(best)}: p = {float(best['p_value']):.4f}{also}."
    )


def smallest_detectable_share(
    n1: int,
    n2: int,
    rate2: float,
    alpha: float = 0.05,
    target: float = 0.8,
    alternative: str = "two-sided",
) -> tuple[float | None, float]:
    """Smallest share of responders with the feature that Fisher's test detects with
    ``target`` power, when ``rate2`` of the non-responders have it.

    Power is exact (:func:`netcomp.stats.smallsample.rejection_probability`, every table
    enumerated) on a grid of shares in steps of :data:`SHARE_STEP` above ``rate2``.
    Returns ``(share, power at that share)``, or ``(None, power when every responder has
    the feature)`` when no share reaches the target.
    """
    from netcomp.stats import smallsample as ss

    shares = np.round(np.arange(rate2 + SHARE_STEP, 1.0 + SHARE_STEP / 2, SHARE_STEP), 6)
    shares = np.append(shares[shares < 1.0], 1.0)
    power = np.array(
        [
            ss.rejection_probability(n1, n2, float(s), rate2, alpha, "fisher", alternative)
            for s in shares
        ]
    )
    ok = np.nonzero(power >= target)[0]
    if ok.size == 0:
        return None, float(power[-1])
    return float(shares[ok[0]]), float(power[ok[0]])


def detectable_sentence(n1: int, n2: int, rate2: float, alpha: float, target: float) -> str:
    """The smallest effect a design of ``n1`` responders and ``n2`` non-responders detects."""
    share, power = smallest_detectable_share(n1, n2, rate2, alpha, target)
    design = f"{_n(n1, 'responder')} and {_n(n2, 'non-responder')}"
    test = f"Fisher's exact test, two-sided, alpha = {alpha:g}"
    if share is None:
        return (
            f"No effect is detected reliably with {design}: even if every responder and "
            f"{100 * rate2:g}% of non-responders carried the feature, the power of "
            f"{test} would be {_pct(100 * power)}, below {100 * target:g}%."
        )
    return (
        f"The smallest effect {design} detect with {100 * target:g}% power ({test}) is "
        f"the feature in {_pct(100 * share)} of responders against {100 * rate2:g}% of "
        "non-responders: weaker markers are usually missed."
    )


# --------------------------------------------------------------------------- chapter 1


def _data_import_reconstructed(result: Any) -> list[str]:
    """Chapter 1 on the reconstruction: what it is, the versions, the tests of their counts."""
    v = result.values
    tests = result.version_tests
    ranges = []
    for label, sub in tests.dropna(subset=["p_value"]).groupby("version", sort=False):
        ps = sub["p_value"].astype(float)
        name, year = str(label).rsplit(" (", 1)
        ranges.append(
            (
                f"{name.lower()}'s counts ({year.rstrip(')')})",
                f"from {ps.min():.4f} to {ps.max():.4f}",
            )
        )
    hits = int(tests["matches_reported_p"].fillna(False).astype(bool).sum())
    n_results = int(tests["p_value"].notna().sum())
    given = (
        f"none of these {n_results} results is .048"
        if hits == 0
        else f"{hits} of these {n_results} results {'is' if hits == 1 else 'are'} .048"
    )
    spans = [f"on the {where} the standard exact tests give p {span}" for where, span in ranges[:1]]
    spans += [f"on the {where} {span}" for where, span in ranges[1:]]
    text = ", ".join(spans)
    return _fit(
        [
            reconstruction_sentence(int(v["n_cultures"])),
            versions_sentence(),
            f"{text[0].upper()}{text[1:]}: {given}.",
            (
                f"The bundled files pass every check of the data contract ("
                f"{_n(int(v['n_warnings']), 'warning')}, no error): the code runs on a cohort "
                "of the published shape and size."
            ),
        ]
    )


def _overexpression_finding(result: Any) -> str | None:
    """How many measured genes are overexpressed in some culture, and the most often one."""
    v, cutoffs = result.values, result.cutoff_counts
    if cutoffs is None or cutoffs.empty:
        return None
    over = cutoffs[cutoffs["cultures_at_cutoff"] > 0]
    cut = float(v["di_fc_cutoff"])
    if over.empty:
        return (
            f"None of the {_n(len(cutoffs), 'gene')} measured is overexpressed "
            f"(fold change ≥ {cut:g}) in any culture."
        )
    top = over.sort_values(["cultures_at_cutoff", "gene"], ascending=[False, True]).iloc[0]
    return (
        f"Of the {_n(len(cutoffs), 'gene')} measured, {len(over)} "
        f"{'is' if len(over) == 1 else 'are'} overexpressed (fold change ≥ {cut:g}) in "
        f"at least one culture; the most often is {top['gene']} (in "
        f"{_n(int(top['cultures_at_cutoff']), 'culture')})."
    )


def data_import_findings(result: Any) -> list[str]:
    """Key findings of chapter 1 (:class:`~netcomp.chapters.data_import.DataImportChapter`)."""
    v = result.values
    if result.reconstructed:
        return _data_import_reconstructed(result)
    findings: list[str | None] = [
        (
            f"This build reads a user-supplied cohort of {_n(int(v['n_cultures']), 'culture')} "
            f"from {v['di_sites_phrase']} and {v['di_grades_phrase']}, measured with "
            f"{v['di_drugs_phrase']} ({v['di_drugs']}); validation found no error and "
            f"{v['di_warnings_phrase']}."
        ),
    ]
    if _is_number(v.get("median_cv")):
        findings.append(
            f"The replicate wells agree to a median coefficient of variation of "
            f"{_pct(float(v['median_cv']))}; the largest is {_pct(float(v['max_cv']))} "
            f"({v['max_cv_where']})."
        )
    over = _overexpression_finding(result)
    if over is not None:
        findings.append(over)
    n_variants = v.get("n_variants")
    if _is_number(n_variants):
        findings.append(
            f"The mutation files list {_n(int(n_variants), 'variant')} in "
            f"{_n(int(v['n_mutated_genes']), 'gene')} of the {v['n_panel_genes']}-gene panel, "
            f"in {_n(int(v['n_cultures_with_mutation']), 'culture')}."
            if int(n_variants)
            else f"No mutation was reported in the {v['n_panel_genes']}-gene panel."
        )
    findings.append(_notices_sentence(result))
    return _fit(findings)


# --------------------------------------------------------------------------- chapter 2


def _comparison_parts(comparison: pd.DataFrame) -> list[str]:
    return [
        f"{r['comparator']} {_pct(float(r['median_comparator_pct']))} (exact Wilcoxon "
        f"signed-rank test, two-sided, {_p_is(float(r['p_value']))}, "
        f"{_n(int(r['n_pairs']), 'pair')})"
        for _, r in comparison.iterrows()
    ]


def _response_reconstructed(
    result: Any, spread: str, medians: str | None, wells: str | None
) -> list[str]:
    """Chapter 2 on the reconstruction: its classes and medians restate the publication."""
    v = result.values
    drug, thr = result.drug, float(result.threshold)
    n, k = int(v["resp_n_cultures"]), int(v["resp_n_responders"])
    ver = published.VERSIONS
    same = len({(x.n_responders, x.n_nonresponders) for x in ver}) == 1
    published_counts = (
        f"the {ver[0].n_responders} responders and "
        f"{ver[0].n_nonresponders} non-responders both published versions "
        "report"
        if same
        else "the published counts"
    )
    return _fit(
        [
            (
                f"With the study's rule (survival inhibition strictly above {thr:g}%), {k} of "
                f"the {n} reconstructed cultures respond to {drug}: {published_counts}. The "
                "reconstruction was drawn to give these counts, so they confirm nothing."
            ),
            (
                f"{medians}. The study states the same ordering of "
                "medians, and this agreement too is built into the reconstruction."
                if medians
                else None
            ),
            (
                f"How many cultures change class as the threshold moves depends on the "
                f"per-culture values, which here are synthetic ({spread}); only the study's "
                f"own measurements could show how close its cultures lie to {thr:g}%."
            ),
            wells,
        ]
    )


def response_findings(result: Any) -> list[str]:
    """Key findings of chapter 2 (:class:`~netcomp.chapters.response.ResponseChapter`)."""
    v = result.values
    drug, thr = result.drug, float(result.threshold)
    n, k = int(v["resp_n_cultures"]), int(v["resp_n_responders"])
    conc = f"{result.concentration_um:g} µM"
    runs = (
        f"stays at {v['resp_sens_min']}"
        if v["resp_sens_min"] == v["resp_sens_max"]
        else f"runs from {v['resp_sens_min']} to {v['resp_sens_max']}"
    )
    spread = (
        f"between {v['resp_thr_min']:g}% and {v['resp_thr_max']:g}% the number of "
        f"responders {runs} of {n}"
    )
    comparison = result.comparison
    medians = None
    if not comparison.empty:
        medians = (
            f"The median inhibition by {drug} is {_pct(float(v['resp_median_drug']))}, "
            f"against " + _list(_comparison_parts(comparison))
        )
    reps = str(v.get("resp_replicates", ""))
    wells = (
        f"With {reps} replicate wells per culture no rank test of one culture can give a "
        f"two-sided p below {float(v['resp_ex4_p3']):.2f}, so each culture's wells are "
        "tested with a t-test: it measures how reproducible the wells are, not how a "
        "patient would respond."
        if reps == "3"
        else None
    )
    if result.reconstruction:
        return _response_reconstructed(result, spread, medians, wells)
    flips = int(v["resp_n_flips"])
    near = (
        f"{_n(flips, 'culture')} {'lies' if flips == 1 else 'lie'} within "
        f"{float(v['resp_window']):g} points of the threshold"
        + (f": {v['resp_flips']}" if 0 < flips <= 5 else "")
    )
    findings: list[str | None] = [
        (
            f"{k} of the {n} cultures respond to {drug} at {conc} (survival inhibition strictly "
            f"above {thr:g}%) and {n - k} do not."
        ),
        f"The classes depend on the threshold: {spread}, and {near}.",
        (f"{medians}." if medians else None),
    ]
    if result.applies("Is each culture's inhibition different from zero?") and k and n - k:
        findings.append(
            f"{v['resp_n_resp_significant']} of the {_n(k, 'responder')} and "
            f"{v['resp_n_nonresp_significant']} of the {_n(n - k, 'non-responder')} have an "
            "inhibition significantly different from zero (one-sample t-test of the wells, "
            f"two-sided, alpha = {float(result.alpha):g})."
        )
    findings.append(_notices_sentence(result))
    return _fit(findings)


# --------------------------------------------------------------------------- chapter 3


def _journal_counts(table: Any) -> bool:
    """Whether a cohort table (a, b, c, d) holds exactly the journal version's counts."""
    j = published.JOURNAL_2023
    return (table.a, table.a + table.c, table.b, table.b + table.d) == (
        j.responders_high,
        j.n_responders,
        j.nonresponders_high,
        j.n_nonresponders,
    )


def fragility_phrase(one: Any, two: Any) -> str | None:
    """How few changes of class flip significance, one-sided and two-sided (None: none do).

    ``one`` and ``two`` are :class:`netcomp.stats.robustness.FragilityResult` (exact minimum).
    """
    parts = []
    for frag, side in ((one, "one-sided"), (two, "two-sided")):
        if frag is None or frag.minimum is None:
            continue
        what = "lose" if frag.significant else "reach"
        parts.append((int(frag.minimum), side, what))
    if not parts:
        return None
    if len(parts) == 2 and parts[0][0] == parts[1][0]:
        (k, s1, w1), (_, s2, w2) = parts
        tail = (
            f"the {s1} and the {s2} result to {w1} significance"
            if w1 == w2
            else f"the {s1} result to {w1} significance, or the {s2} one to {w2} it"
        )
        return (
            f"moving {'a single culture' if k == 1 else f'{k} cultures'} between the "
            f"classes is enough for {tail}"
        )
    return "; ".join(
        f"moving {'a single culture' if k == 1 else f'{k} cultures'} between the classes is "
        f"enough for the {side} result to {what} significance"
        for k, side, what in parts
    )


def _association_power(result: Any, alpha: float) -> str | None:
    """The power of the cohort's own design under the planning effect (None: not computed)."""
    plan = result.plan
    if plan is None or plan.cohort is None or not plan.cohort_power:
        return None
    a = plan.assumptions
    n1, n2 = plan.cohort
    needed = result.needed.get("two-sided")
    power = (
        f"Power: if {_share(a.rate_responders)} of responders and "
        f"{_share(a.rate_nonresponders)} of non-responders overexpressed HRAS, a "
        f"study with {_n(n1, 'responder')} and {_n(n2, 'non-responder')} would reach "
        f"two-sided p ≤ {alpha:g} only {_pct(100 * plan.cohort_power['two-sided'])} "
        f"of the time ({_pct(100 * plan.cohort_power['greater'])} one-sided); "
        f"{100 * a.target:g}% power needs "
        + (f"{needed} cultures." if needed else f"more than {a.max_n} cultures.")
    )
    if power and plan.cohort_power["two-sided"] >= a.target:
        power = power.replace(" only ", " ")
    return power


def _association_reconstructed(
    result: Any, applies: bool, frag: str | None, power: str | None
) -> list[str]:
    """Chapter 3 on the reconstruction: .048 not reproduced, the versions, what n can show."""
    t, ci = result.hras_table, result.hras_ci
    j = published.JOURNAL_2023
    counts = (
        f"HRAS overexpressed in {j.responders_high} of {j.n_responders} responders "
        f"and {j.nonresponders_high} of {j.n_nonresponders} non-responders"
    )
    versions = result.versions
    conf = published.CONFERENCE_2022
    fisher = versions[
        (versions["Published version"] == conf.label) & (versions["Test"] == "Fisher's exact test")
    ]
    conf_p = _list(
        [
            f"{r['Sidedness and convention'].split(':')[0]} p = {float(r['p-value']):.4f}"
            for _, r in fisher.iterrows()
        ]
    )
    thin = None
    if applies and _journal_counts(t) and ci is not None:
        thin = (
            f"On these counts (which the reconstruction reproduces) the exact "
            f"{100 * ci.confidence:g}% interval of the odds ratio runs from "
            f"{_ratio(ci.low)} to {_ratio(ci.high)}" + (f", and {frag}." if frag else ".")
        )
    return _fit(
        [
            not_reproduced_sentence(result.hras_tests, counts),
            (
                f"The two published versions disagree on the count: {_version_label(conf)} "
                f"reports {conf.responders_high} of {conf.n_responders} responders with high "
                f"HRAS, where Fisher's exact test gives {conf_p}."
                if conf_p
                else versions_sentence()
            ),
            thin,
            power,
            (
                "The clinical variables, the screen of every gene and the mutation check run "
                "on the reconstruction's synthetic values: they show the methods, not the "
                "study's cultures."
            ),
        ]
    )


def _screen_finding(result: Any, alpha: float) -> str | None:
    """The screen's counts of small p- and q-values, and HRAS's rank in it."""
    v, p = result.values, result.params
    if result.screen is None or not _is_number(v.get("assoc_m_tests")):
        return None
    q = v.get("assoc_hras_q")
    return (
        f"Of the {v['assoc_m_tests']} tests of the screen, {v['assoc_n_sig']} "
        f"{'has' if v['assoc_n_sig'] == 1 else 'have'} p < {alpha:g} and "
        f"{v['assoc_n_disc']} a q-value ≤ {float(p['fdr']):g} (Benjamini-Hochberg)"
        + (f"; HRAS ranks {v['assoc_hras_rank']} ({_q_is(float(q))})." if _is_number(q) else ".")
    )


def _clinical_finding(result: Any, alpha: float) -> str | None:
    """Whether any clinical variable goes with response, and the smallest p."""
    if result.clinical is None or result.clinical.empty:
        return None
    clinical = result.clinical.dropna(subset=["p_value"])
    if clinical.empty:
        return None
    low = clinical.loc[clinical["p_value"].astype(float).idxmin()]
    n_sig = int(significant(clinical["p_value"].astype(float), alpha).sum())
    name = CLINICAL_NAMES.get(str(low["feature"]), str(low["feature"]))
    return (
        f"No clinical variable goes with response at p ≤ {alpha:g}"
        if n_sig == 0
        else f"{_n(n_sig, 'clinical variable')} {'goes' if n_sig == 1 else 'go'} with "
        f"response at p ≤ {alpha:g}"
    ) + f" (smallest p = {float(low['p_value']):.3f}, {name}; exact tests)."


def association_findings(result: Any) -> list[str]:
    """Key findings of chapter 3 (:class:`~netcomp.chapters.association.AssociationChapter`)."""
    p = result.params
    alpha = float(p["alpha"])
    t = result.hras_table
    applies = t is not None and result.applies("Fisher's exact test of HRAS")
    power = _association_power(result, alpha)
    frag = fragility_phrase(result.fragility_one, result.fragility_two)
    ci = result.hras_ci
    if result.reconstruction:
        return _association_reconstructed(result, applies, frag, power)
    findings: list[str | None] = []
    why = _reason(result, "Fisher's exact test of HRAS")
    if why:
        findings.append(
            f"HRAS overexpression cannot be tested against response in this cohort: {why}."
        )
    if applies:
        findings.append(
            f"HRAS is overexpressed (fold change ≥ {float(p['overexpression_fold_change']):g}) "
            f"in {t.a} of {_n(t.a + t.c, 'responder')} and {t.b} of "
            f"{_n(t.b + t.d, 'non-responder')}: Fisher's exact test gives "
            f"{_p_is(t.p_value)} two-sided and {_p_is(t.p_greater)} one-sided (commoner among "
            f"responders); the exact {100 * ci.confidence:g}% interval of the odds ratio runs "
            f"from {_ratio(ci.low)} to {_ratio(ci.high)}."
        )
        if frag:
            findings.append(f"{frag[0].upper()}{frag[1:]} (alpha = {alpha:g}).")
    findings.append(_screen_finding(result, alpha))
    findings.append(_clinical_finding(result, alpha))
    findings.append(power)
    findings.append(_notices_sentence(result))
    return _fit(findings)


# --------------------------------------------------------------------------- chapter 4


def literature_findings(result: Any) -> list[str]:
    """Key findings of chapter 4 (:class:`~netcomp.chapters.literature.LiteratureChapter`)."""
    v = result.values
    findings: list[str | None] = [
        (
            f"TALENT, the phase II trial of lenvatinib ({v['lit_n_total']} patients): objective "
            f"responses in {v['lit_orr_events_pan']} of {v['lit_assessed_pan']} assessed panNET "
            f"patients ({v['lit_orr_pan']:.1f}%) and {v['lit_orr_events_gi']} of "
            f"{v['lit_assessed_gi']} GI-NET patients ({v['lit_orr_gi']:.1f}%), "
            f"{v['lit_orr_total']:.1f}% overall (95% CI {v['lit_orr_low_total']:.1f} to "
            f"{v['lit_orr_high_total']:.1f}%)."
        ),
        (
            f"The {v['lit_best_label']} interval reproduces {v['lit_best_matched']} of TALENT's "
            f"{v['lit_n_intervals']} published 95% intervals, both bounds to the printed decimal; "
            f"no other of the {v['lit_n_methods']} methods compared reproduces more than "
            f"{v['lit_next_matched']}."
        ),
    ]
    short = int(v["lit_rule_r"]) - int(v["lit_rule_responses_gi"])
    gi = (
        "met it"
        if short <= 0
        else "fell one response short"
        if short == 1
        else f"fell {short} responses short"
    )
    findings.append(
        f"The trial's size is reproduced by an exact binomial design: {v['lit_design_n']} "
        f"patients per cohort, {v['lit_rule_r']} responses needed. The panNET cohort "
        f"{'met' if v['lit_rule_meets_pan'] == 'yes' else 'missed'} that rule "
        f"({v['lit_rule_responses_pan']} responses); the GI-NET cohort {gi} "
        f"({v['lit_rule_responses_gi']})."
    )
    findings.append(
        f"{v['lit_pct_mismatch']} of the {v['lit_pct_checked']} percentages printed in the "
        f"article do not match their counts, and {v['lit_text_disagree']} of "
        f"{v['lit_text_checked']} numbers restated in the text disagree with the results."
    )
    if v.get("lit_vitro_data") == "the reconstruction":
        if _is_number(v.get("lit_vitro_n")):
            findings.append(
                f"The reconstruction's {v['lit_vitro_events']} responders of "
                f"{v['lit_vitro_n']} cultures ({v['lit_vitro_rate']:.1f}%) restate the study's "
                "published counts; they are not an in-vitro response rate to set beside "
                f"TALENT's {v['lit_orr_total']:.1f}%."
            )
    elif result.applies("The cultures beside the patients") and _is_number(v.get("lit_vitro_n")):
        findings.append(
            f"In this cohort {v['lit_vitro_events']} of {v['lit_vitro_n']} cultures respond to "
            f"{v['lit_drug']} ({v['lit_vitro_rate']:.1f}%, exact Clopper-Pearson 95% CI "
            f"{v['lit_vitro_low']:.1f} to {v['lit_vitro_high']:.1f}%), beside "
            f"{v['lit_orr_total']:.1f}% of TALENT's patients; a response in a culture dish is "
            "not a tumour's response in a patient."
        )
    else:
        findings.append(_notices_sentence(result))
    return _fit(findings)


# --------------------------------------------------------------------------- chapter 5


def _tests_finding(result: Any) -> str:
    """The four tests of the cohort's table (on the published counts: whether one gives .048)."""
    v, p, counts = result.values, result.params, result.counts
    n1, n2 = counts.n1, counts.n2
    gene = p["gene"]
    tests = {
        "two-sided": v["sc_p_fisher"],
        "one-sided": v["sc_p_fisher_one"],
        "chi-square": v["sc_p_chi"],
        "Yates": v["sc_p_yates"],
    }
    listed = (
        f"Fisher's exact test gives {_p_is(tests['two-sided'])} two-sided and "
        f"{_p(tests['one-sided'])} one-sided, Pearson's chi-square {_p(tests['chi-square'])} "
        f"and with Yates' correction {_p(tests['Yates'])}"
    )
    journal = result.reconstruction and (counts.x1, n1, counts.x2, n2) == (
        published.JOURNAL_2023.responders_high,
        published.JOURNAL_2023.n_responders,
        published.JOURNAL_2023.nonresponders_high,
        published.JOURNAL_2023.n_nonresponders,
    )
    if journal:
        hit = any(round(float(pv), P_DECIMALS) == published.REPORTED_P for pv in tests.values())
        return (
            f"On the published counts ({counts.x1} of {n1} responders and {counts.x2} of "
            f"{n2} non-responders overexpress {gene}; the reconstruction reproduces them) "
            f"{listed}. "
            + ("One of them gives the reported .048." if hit else "None gives the reported .048.")
        )
    return (
        f"In this cohort {counts.x1} of {_n(n1, 'responder')} and {counts.x2} of "
        f"{_n(n2, 'non-responder')} overexpress {gene}: {listed}. "
        f"The risk difference is {float(v['sc_rd']):.1f} percentage points "
        f"({v['sc_conf']:g}% interval {float(v['sc_rd_low']):.1f} to "
        f"{float(v['sc_rd_high']):.1f})."
    )


def _chi_square_finding(v: Mapping[str, Any], alpha: float) -> str:
    """Whether the chi-square approximation fits the table, and its true size."""
    min_expected = float(v["sc_min_expected"])
    chi = float(v["sc_csize_chi"])
    if min_expected < 5:
        level = "more than" if chi > 100 * alpha else "within"
        return (
            f"The chi-square test does not fit: expected counts as low as {min_expected:.2f} "
            f"({v['sc_cells_below_5']} of 4 cells below 5); with no effect and the margins "
            f"fixed it rejects {chi:.1f}% of the time, {level} the {100 * alpha:g}% it "
            f"promises (Fisher's exact test: {float(v['sc_csize_fisher']):.1f}%)."
        )
    return (
        f"Every expected count is at least 5 (smallest {min_expected:.2f}), so "
        "the chi-square approximation is usable here; the exact test remains "
        "the safer choice."
    )


def _smallsample_power(result: Any, alpha: float) -> str:
    """What the cohort's size can show under the planning effect."""
    v, gene, counts, a = result.values, result.params["gene"], result.counts, result.assumptions
    size = f"n = {counts.n1 + counts.n2}"
    power = (
        f"What {size} can show: even if {_share(a.rate_responders)} of responders "
        f"and {_share(a.rate_nonresponders)} of non-responders overexpressed {gene}, a "
        f"study of this design would reach two-sided p ≤ {alpha:g} only "
        f"{_pct(float(v['sc_pow_two']))} of the time ({_pct(float(v['sc_pow_one']))} "
        f"one-sided); {100 * a.target:g}% power needs {v['sc_n_plan_two']} cultures "
        "(two-sided)."
    )
    if float(v["sc_pow_two"]) >= 100 * a.target:
        power = power.replace("even if", "if").replace(" only ", " ")
    return power


def _null_screen_finding(v: Mapping[str, Any], n1: int, n2: int, alpha: float) -> str:
    """The false positives of a panel screen at this size, and whether Bonferroni can call."""
    from netcomp.stats import smallsample as ss

    n_panel = int(v["sc_n_panel"])
    smallest = ss.smallest_p_value(n1, n2)
    bonferroni_level = alpha / n_panel
    bonferroni = (
        f"; Bonferroni's level ({bonferroni_level:.2g}) is below the smallest p-value "
        f"possible here ({smallest:.2g}), so it can never call a gene"
        if not significant(smallest, bonferroni_level)
        else ""
    )
    return (
        f"Screening {n_panel} panel genes at this size with no real effect gives "
        f"{float(v['sc_expected_fp']):.2f} false positives per study on average "
        f"({_pct(float(v['sc_fwer']))} chance of at least one){bonferroni}."
    )


def smallsample_findings(result: Any) -> list[str]:
    """Key findings of chapter 5 (:class:`~netcomp.chapters.smallsample.SmallSampleChapter`)."""
    v, p, counts = result.values, result.params, result.counts
    alpha = float(p["alpha"])
    if counts is None:
        why = _reason(result, "the 2x2 table")
        return _fit(
            [
                f"The table of {p['gene']} overexpression by response cannot be formed for this "
                "cohort" + (f": {why}" if why else "") + ". None of the chapter's tests, power "
                "calculations or effect sizes apply.",
                _notices_sentence(result),
            ]
        )
    a = result.assumptions
    detect = detectable_sentence(counts.n1, counts.n2, a.rate_nonresponders, alpha, a.target)
    return _fit(
        [
            _tests_finding(result),
            _chi_square_finding(v, alpha),
            _smallsample_power(result, alpha),
            detect,
            _null_screen_finding(v, counts.n1, counts.n2, alpha),
        ]
    )


# --------------------------------------------------------------------------- chapter 6

VERDICT_MEANING = {
    "consistent and informative": (
        "its odds ratio lies inside the prediction interval from "
        "the published table and its own exact interval lies "
        "above 1"
    ),
    "too small to tell": (
        "its odds ratio lies inside the prediction interval from the "
        "published table, but its own exact interval includes 1"
    ),
    "inconsistent": "its odds ratio lies outside the prediction interval from the published table",
}


def _replication_size(result: Any) -> str | None:
    """How many cultures an informative replication needs, under both assumptions."""
    v, p, plan = result.values, result.params, result.plan
    a = plan.assumptions if plan is not None else None
    if a is None:
        return None
    conf = 100 * float(p["confidence"])
    return (
        f"An informative replication (an exact {conf:g}% interval of the odds ratio "
        f"above 1, with probability {100 * a.target:g}%) needs {v['rep_n_planning']} "
        f"cultures if {_share(a.rate_responders)} of responders and "
        f"{_share(a.rate_nonresponders)} of non-responders overexpress the gene, "
        f"{v['rep_n_cautious']} if {_share(a.cautious_rate_responders)} and "
        f"{_share(a.cautious_rate_nonresponders)}."
    )


def _replication_reconstructed(result: Any, size: str | None) -> list[str]:
    """Chapter 6 on the reconstruction: no verdict, which version, what a new cohort needs."""
    v, plan = result.values, result.plan
    own = None
    if plan is not None and plan.cohort_power and plan.cohort is not None:
        n1, n2 = plan.cohort
        chance = plan.cohort_power["greater"]
        own = (
            f"A new cohort of the published size ({_n(n1, 'responder')}, "
            f"{_n(n2, 'non-responder')}) would get there "
            f"{'only ' if chance < plan.assumptions.target else ''}{100 * chance:.0f}% of the "
            "time under the first assumption"
            + (
                ": a study of that size would more often than not leave the question open."
                if chance < 0.5
                else "."
            )
        )
    return _fit(
        [
            (
                "No replication verdict: the bundled cohort is the reconstruction of the "
                "original study, so setting it beside the published counts compares the study "
                "with itself."
            ),
            (
                "The two published versions differ on the responders' count ("
                + " against ".join(
                    f"{x.responders_high} of {x.n_responders} in {_version_label(x)}"
                    for x in published.VERSIONS
                )
                + f"), so a replication must say which it tests; this build compares with the "
                f"{v['rep_versions']}, as the parameter replication_version sets."
            ),
            size,
            own,
        ]
    )


def _combined_finding(result: Any) -> str | None:
    """The stratified analysis of the cohort with the published table, if run."""
    if result.combined is None or result.combined.empty:
        return None
    row = result.combined.iloc[-1]
    return (
        f"Combined with the {row['version'].lower()} as two strata, the exact common odds "
        f"ratio test gives {_p_is(float(row['p_exact_two_sided']))} (two-sided), and "
        f"Zelen's exact test of one common odds ratio gives {_p_is(float(row['p_zelen']))}."
    )


def replication_findings(result: Any) -> list[str]:
    """Key findings of chapter 6 (:class:`~netcomp.chapters.replication.ReplicationChapter`)."""
    p = result.params
    gene = p["replication_gene"]
    size = _replication_size(result)
    if result.reconstruction:
        return _replication_reconstructed(result, size)
    if result.counts is None:
        why = _reason(result, "The cohort's table")
        return _fit(
            [
                f"No replication verdict: the cohort's table of {gene} overexpression by response "
                "cannot be formed" + (f": {why}." if why else " (see the notes in the chapter)."),
                size,
                _notices_sentence(result),
            ]
        )
    c = result.counts
    cohort_row = result.side[result.side["study"] == "This cohort"].iloc[0]
    findings: list[str | None] = [
        (
            f"In this cohort {c.x1} of {_n(c.n1, 'responder')} and {c.x2} of "
            f"{_n(c.n2, 'non-responder')} overexpress {gene}: the exact conditional odds ratio "
            f"is {_ratio(float(cohort_row['odds_ratio'])).replace('infinity', 'infinite')}, "
            f"{100 * float(p['confidence']):g}% interval {_ratio(float(cohort_row['or_low']))} "
            f"to {_ratio(float(cohort_row['or_high']))}."
        ),
    ]
    for label, word in result.verdicts.items():
        meaning = VERDICT_MEANING.get(word, "")
        findings.append(
            f"Verdict against the {label.lower()}: “{word}”" + (f": {meaning}." if meaning else ".")
        )
    findings.append(_combined_finding(result))
    if result.posteriors:
        flat = result.posteriors[0]
        findings.append(
            f"With a flat prior, the probability that responders overexpress {gene} more often "
            f"than non-responders is "
            + (f"{flat.p_positive:.3f}." if flat.p_positive <= 0.999 else "above 0.999.")
        )
    findings.append(size)
    return _fit(findings)


# --------------------------------------------------------------------------- dispatch

CHAPTER_FINDINGS: dict[str, Callable[[Any], list[str]]] = {
    "01_data_import": data_import_findings,
    "02_response_classification": response_findings,
    "03_biomarker_association": association_findings,
    "04_literature_context": literature_findings,
    "05_small_cohorts": smallsample_findings,
    "06_replication": replication_findings,
}


def key_findings(result: Any) -> list[str]:
    """The key findings of any chapter's result (chosen by ``result.chapter``)."""
    try:
        function = CHAPTER_FINDINGS[result.chapter]
    except KeyError:
        raise ValueError(f"no key findings for chapter {result.chapter!r}") from None
    return function(result)


# --------------------------------------------------------------------------- front page


def _read(results_dir: Path, name: str) -> pd.DataFrame | None:
    path = results_dir / name
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError):
        return None


def _reconstructed(folder: Path) -> bool:
    """Whether the results in ``folder`` were computed from the reconstruction.

    Results files computed from the reconstruction end with ``data_status`` =
    reconstructed (:mod:`netcomp.book.results`); those of any other cohort carry no such column.
    """
    for path in sorted(folder.glob("*.csv")):
        if path.name == "ledger.csv":
            continue
        table = _read(folder, path.name)
        if table is not None and "data_status" in table.columns and not table.empty:
            if (table["data_status"].astype(str) == "reconstructed").any():
                return True
    return False


def _counts_of(counts: str) -> tuple[int, int, int, int] | None:
    """``"5/6 vs 0/5"`` as ``(5, 6, 0, 5)`` (None when it is not of that form)."""
    try:
        left, right = (part.strip().split("/") for part in str(counts).split(" vs "))
        return (int(left[0]), int(left[1]), int(right[0]), int(right[1]))
    except (ValueError, TypeError):
        return None


def _label_of(version: str) -> str:
    """``"Conference abstract (2022)"`` as ``"the 2022 conference abstract"``."""
    name, _, year = str(version).partition(" (")
    return f"the {year.rstrip(')')} {name.lower()}" if year else str(version)


def _counts_words(counts: str) -> str:
    """``"5/6 vs 0/5"`` as ``"5 of 6 responders and 0 of 5 non-responders"``."""
    try:
        left, right = (part.strip().split("/") for part in str(counts).split(" vs "))
        return (
            f"{int(left[0])} of {int(left[1])} responders and {int(right[0])} of "
            f"{int(right[1])} non-responders"
        )
    except (ValueError, TypeError):
        return str(counts)


def _ledger_sentence(ledger: pd.DataFrame | None) -> str | None:
    if ledger is None or ledger.empty or "status" not in ledger.columns:
        return None
    counts = ledger["status"].value_counts()
    words = {
        "reproduced": "reproduced",
        "differs": "differ",
        "versions-differ": "differ between the two published versions",
        "reported-only": "cannot be checked (data not public)",
        "replicated": "replicated in this cohort",
        "reconstructed-data": "rest on the reconstruction",
    }
    parts = [f"{counts[s]} {words[s]}" for s in words if s in counts.index]
    return f"The ledger checks {_n(len(ledger), 'published claim')}: " + _list(parts) + "."


def _power_rows(table: pd.DataFrame | None) -> tuple[pd.Series | None, pd.Series | None]:
    """From ``small_cohorts.csv``: the design's two-sided power under the planning effect,
    and the smallest planned study reaching the target power two-sided."""
    if table is None or "quantity" not in table.columns:
        return None, None
    q = table["quantity"].astype(str)
    own = table[q == "P(p <= alpha), planning effect, Fisher two-sided"]
    size = table[
        q == "power at the smallest total size reaching the target (planning effect, two-sided)"
    ]
    return (own.iloc[0] if not own.empty else None, size.iloc[0] if not size.empty else None)


def _power_sentence(
    own: pd.Series | None, size: pd.Series | None, params: dict[str, Any], gene: str = "the gene"
) -> str | None:
    if own is None:
        return None
    n1, n2 = int(own["n_responders"]), int(own["n_nonresponders"])
    r1, r2 = float(own["rate_responders"]), float(own["rate_nonresponders"])
    alpha, target = float(own["alpha"]), float(params["target_power"])
    text = (
        f"What n = {n1 + n2} can show: if {_share(r1)} of responders and {_share(r2)} of "
        f"non-responders overexpressed {gene}, a study of this size "
        f"({n1} and {n2}) would reach two-sided p ≤ {alpha:g} "
        f"{'only ' if float(own['exact']) < target else ''}"
        f"{_pct(100 * float(own['exact']))} of the time"
    )
    share, _ = smallest_detectable_share(n1, n2, r2, alpha, target)
    needed = (
        f"{int(size['n_responders']) + int(size['n_nonresponders'])} cultures"
        if size is not None
        else None
    )
    at_size = (
        f"at n = {n1 + n2} an effect as large as {_pct(100 * share)} of responders "
        f"against {_share(r2)}"
        if share is not None
        else None
    )
    if needed and at_size:
        text += f"; {100 * target:g}% power needs {needed}, or {at_size}."
    elif needed:
        text += f"; {100 * target:g}% power needs {needed} (at n = {n1 + n2} no effect reaches it)."
    else:
        text += f"; {100 * target:g}% power needs {at_size}." if at_size else "."
    return text


def _published_findings(folder: Path) -> list[str | None]:
    """From the reconstruction's results: .048 not reproduced, and the versions' disagreement."""
    findings: list[str | None] = []
    tests = _read(folder, "hras_tests.csv")
    versions = _read(folder, "published_versions.csv")
    j = published.JOURNAL_2023
    if tests is not None and {"test", "sided", "p_value"} <= set(tests.columns):
        findings.append(
            not_reproduced_sentence(
                tests,
                f"HRAS high in {j.responders_high} of {j.n_responders} responders, "
                f"{j.nonresponders_high} of {j.n_nonresponders} non-responders",
            )
        )
    if versions is not None and {"version", "counts"} <= set(versions.columns):
        pairs = versions.drop_duplicates("version")[["version", "counts"]]
        parsed: list[tuple[str, int, int, int, int]] = []
        for version, text in zip(pairs["version"], pairs["counts"], strict=True):
            counts = _counts_of(text)
            if counts is not None:
                parsed.append((_label_of(version), *counts))
        if pairs["counts"].nunique() > 1 and len(parsed) == len(pairs):
            findings.append(disagreement_sentence(parsed))
    return findings


def _reconstructed_size(folder: Path) -> int:
    """The number of cultures in the reconstruction's results (the published one if absent)."""
    j = published.JOURNAL_2023
    response = _read(folder, "response.csv")
    return (
        int(response["culture_id"].nunique())
        if response is not None and "culture_id" in response.columns
        else j.n_responders + j.n_nonresponders
    )


def _user_response_finding(folder: Path, p: dict[str, Any]) -> str | None:
    """How many of a user's cultures respond to the book's drug (None: no such results)."""
    response = _read(folder, "response.csv")
    if response is None or not {"drug", "responder", "culture_id"} <= set(response.columns):
        return None
    drug = str(p["drug"])
    rows = response[response["drug"].astype(str) == drug]
    if rows.empty:
        return None
    k = int(rows["responder"].astype(str).str.lower().eq("true").sum())
    conc = float(rows["concentration_um"].iloc[0]) if "concentration_um" in rows else None
    return (
        f"This book was built from a user-supplied cohort: {k} of "
        f"{_n(rows['culture_id'].nunique(), 'culture')} respond to {drug}"
        + (f" at {conc:g} µM" if conc is not None and math.isfinite(conc) else "")
        + f" (survival inhibition strictly above {float(p['response_threshold_pct']):g}%)."
    )


def _user_hras_finding(folder: Path) -> str | None:
    """HRAS overexpression against response in a user's screen results (None: not tested)."""
    assoc = _read(folder, "associations.csv")
    if assoc is None or not {"feature", "kind", "p_value", "detail"} <= set(assoc.columns):
        return None
    row = assoc[
        (assoc["feature"].astype(str) == "HRAS") & (assoc["kind"].astype(str) == "expression")
    ]
    if row.empty:
        return None
    r = row.iloc[0]
    q = float(r["q_value"]) if "q_value" in r and pd.notna(r["q_value"]) else None
    return (
        f"HRAS overexpression: {_counts_words(r['detail'])} "
        f"(Fisher's exact test, two-sided, {_p_is(float(r['p_value']))}"
        + (f"; {_q_is(q)} among the {len(assoc)} tests of the screen" if q is not None else "")
        + ")."
    )


def _user_verdicts_finding(folder: Path) -> str | None:
    """The replication verdicts of a user's cohort (None: no verdicts written)."""
    verdicts = _read(folder, "replication_verdicts.csv")
    if verdicts is None or not {"version", "verdict"} <= set(verdicts.columns):
        return None
    parts = "; ".join(
        f"against the {str(r['version']).lower()}: “{r['verdict']}”" for _, r in verdicts.iterrows()
    )
    return f"Does the published HRAS finding replicate here? {parts[:1].upper()}{parts[1:]}."


def front_page_findings(results_dir: str | Path, params: dict[str, Any] | None = None) -> list[str]:
    """The front page's key findings, read from the results files of a build.

    Reads what the chapters wrote to ``results_dir`` (whichever exist): ``hras_tests.csv``
    and ``published_versions.csv`` (the published counts and their tests),
    ``small_cohorts.csv`` (power), ``response.csv``, ``associations.csv``,
    ``replication_verdicts.csv`` and ``ledger.csv``. Computed from the reconstruction (its
    files carry ``data_status`` = reconstructed) the sentences say what the published
    numbers show; computed from any other cohort, what that cohort shows. ``params`` are the
    build's parameters (defaults when None).
    """
    from netcomp.book.params import resolve

    p = resolve(dict(params or {}))
    folder = Path(results_dir)
    ledger = _read(folder, "ledger.csv")
    own, size = _power_rows(_read(folder, "small_cohorts.csv"))
    gene = str(p.get("gene", "the gene"))
    if _reconstructed(folder):
        findings = _published_findings(folder)
        findings.append(_power_sentence(own, size, p, gene))
        findings.append(_ledger_sentence(ledger))
        findings.append(reconstruction_sentence(_reconstructed_size(folder)))
        return _fit(findings)
    findings = [_user_response_finding(folder, p)]
    if not any(findings):
        findings = ["This book was built from a user-supplied cohort."]
    findings.append(_user_hras_finding(folder))
    findings.append(_user_verdicts_finding(folder))
    findings.append(_power_sentence(own, size, p, gene))
    findings.append(_ledger_sentence(ledger))
    return _fit(findings)


# --------------------------------------------------------------------------- showing


def findings_html(findings: Sequence[str], title: str = TITLE) -> str:
    """An admonition box (HTML) listing ``findings``, every sentence HTML-escaped."""
    if not findings:
        return ""
    items = "".join(f"<li>{html_escape(clip(f, 1200))}</li>" for f in findings)
    return (
        f'<div class="admonition tip netcomp-findings"><p class="admonition-title">'
        f"{html_escape(title)}</p><ul>{items}</ul></div>"
    )


def findings_markdown(findings: Sequence[str], title: str = TITLE) -> str:
    """A MyST admonition listing ``findings``, every sentence Markdown-escaped."""
    if not findings:
        return ""
    items = "\n".join(f"- {md_escape(clip(f, 1200))}" for f in findings)
    return f"````{{admonition}} {md_escape(title)}\n:class: tip netcomp-findings\n\n{items}\n````\n"
